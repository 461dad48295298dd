//! A generated compose stack running on a real Docker engine, torn down when dropped.

use super::{require_tool, scratch_dir};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};
use svc::emit::compose;
use svc::emit::gateway::Limits;

/// Stacks share one engine and two cores: run them one at a time.
static ENGINE: Mutex<()> = Mutex::new(());

/// Whether a Docker engine answers; `None` (after saying why) when the test should skip.
pub fn engine(test: &str) -> Option<MutexGuard<'static, ()>> {
    require_tool("docker", test)?;
    let answers = Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !answers {
        if super::tools_required() {
            panic!(
                "{test}: no Docker engine answers, and CI=true/SVC_E2E=1 requires one (.ci/run starts dockerd)"
            );
        }
        eprintln!(
            "SKIPPED {test}: no Docker engine answers (start dockerd, or run under CI=true to make this a failure)"
        );
        return None;
    }
    let guard = ENGINE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    build_test_images();
    Some(guard)
}

fn build_test_images() {
    let output = Command::new("bash")
        .arg("tests/images/build.sh")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "tests/images/build.sh failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

pub fn run(command: &mut Command) -> Output {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The secrets a compose.yaml refers to (`${NAME:?...}`), which compose fills from the
/// environment when it reads the file: tools that read it need a value for each.
pub fn secret_names(yaml: &str) -> BTreeSet<String> {
    yaml.split("${")
        .skip(1)
        .filter_map(|rest| rest.split_once(":?").map(|(name, _)| name.to_string()))
        .collect()
}

pub struct Stack {
    pub dir: PathBuf,
    pub file: PathBuf,
    pub project: svc::check::Checked<svc::ir::Project>,
    pub options: compose::Options,
    up: bool,
}

/// The engine may be shared with other stacks, and with other runs of this suite: each run gets
/// a project name of its own, a subnet pool no network on the engine uses, and a host port the
/// engine picks, published on loopback only.
fn isolate(options: &mut compose::Options, test: &str) {
    let test: String = test
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    options.name = format!("svc-e2e-{test}-{}", std::process::id());
    options.subnet_pool = Some(free_pool());
    options.host_port = compose::EPHEMERAL_PORT;
    options.bind_address = "127.0.0.1".to_string();
}

/// A /16 in 10.192.0.0-10.254.0.0 that no network on the engine overlaps, starting from a place
/// that differs between processes so that two runs at once rarely try the same one.
pub fn free_pool() -> String {
    let ids = run(Command::new("docker").args(["network", "ls", "-q"])).stdout;
    let ids: Vec<String> = String::from_utf8_lossy(&ids)
        .split_whitespace()
        .map(String::from)
        .collect();
    let mut inspect = Command::new("docker");
    inspect
        .args(["network", "inspect", "--format"])
        .arg("{{range .IPAM.Config}}{{.Subnet}} {{end}}")
        .args(&ids);
    let used = String::from_utf8_lossy(&run(&mut inspect).stdout).into_owned();
    let start = std::process::id() as usize;
    (0..63)
        .map(|i| 192 + (start + i) % 63)
        .map(|second| format!("10.{second}.0.0/16"))
        .find(|pool| {
            let prefix = &pool[..pool.len() - "0.0/16".len()];
            !used
                .split_whitespace()
                .any(|subnet| subnet.starts_with(prefix))
        })
        .unwrap_or_else(|| panic!("every pool in 10.192-254 is taken: {used}"))
}

impl Stack {
    /// Emits compose.yaml for the config into a scratch directory (build contexts point back at
    /// the example) and checks it with `docker compose config -q`.
    pub fn emit(config: &Path, test: &str) -> Stack {
        Stack::emit_with_dot_env(config, test, None)
    }

    /// Like [`Stack::emit`], with a `.env` beside compose.yaml, where compose reads variables
    /// the file refers to.
    pub fn emit_with_dot_env(config: &Path, test: &str, dot_env: Option<&str>) -> Stack {
        let compilation = svc::compile::compile(config).unwrap();
        let project = compilation.project.expect("the example checks clean");
        let dir = scratch_dir(test);
        let config_dir = config.parent().unwrap();
        let gateway = Limits::from_settings(&compilation.settings.nginx);
        let mut options = compose::Options::from_settings(
            &compilation.settings.compose,
            gateway,
            &svc::paths::dir_name(config),
            &svc::paths::relative(&dir, config_dir),
        );
        isolate(&mut options, test);
        let artifacts = compose::emit(&project, &options).unwrap_or_else(|d| panic!("{d:?}"));
        let file = dir.join(compose::FILE_NAME);
        std::fs::write(&file, &artifacts.files[compose::FILE_NAME]).unwrap();
        if let Some(text) = dot_env {
            std::fs::write(dir.join(".env"), text).unwrap();
        }
        run(Command::new("docker")
            .args(["compose", "-f"])
            .arg(&file)
            .args(["config", "-q"]));
        Stack {
            dir,
            file,
            project,
            options,
            up: false,
        }
    }

    pub fn compose(&self) -> Command {
        let mut command = Command::new("docker");
        command.args(["compose", "-f"]).arg(&self.file);
        command
    }

    /// Builds and starts the stack, then waits until every service that listens answers on its
    /// own port.
    pub fn up(&mut self) {
        self.up = true;
        // A run killed half-way leaves its stack behind; start from nothing.
        self.down();
        run(self.compose().args(["up", "-d", "--build", "--quiet-pull"]));
        let deadline = Instant::now() + Duration::from_secs(60);
        for service in self.project.services.values() {
            if !service.workload.listens() {
                continue;
            }
            let name = service.name.as_str();
            let script = "timeout 2 wget -q -O - http://127.0.0.1:$PORT/";
            loop {
                let output = self
                    .compose()
                    .args(["exec", "-T", name, "sh", "-c", script])
                    .output()
                    .unwrap();
                if String::from_utf8_lossy(&output.stdout).contains("hello from") {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "{name} never answered: {}",
                    String::from_utf8_lossy(&output.stderr)
                );
                std::thread::sleep(Duration::from_millis(200));
            }
        }
        self.assert_healthy(Duration::from_secs(90));
    }

    /// Waits until every running container that has a health check reports healthy; panics
    /// naming one that turns unhealthy, or is still starting at the deadline, with its last
    /// check's output.
    pub fn assert_healthy(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        let ids = String::from_utf8_lossy(&run(self.compose().args(["ps", "-q"])).stdout)
            .split_whitespace()
            .map(String::from)
            .collect::<Vec<_>>();
        loop {
            let output = run(Command::new("docker")
                .args(["inspect", "-f"])
                .arg("{{.Name}} {{if .State.Health}}{{.State.Health.Status}}{{end}}")
                .args(&ids));
            let text = String::from_utf8_lossy(&output.stdout).into_owned();
            let waiting: Vec<&str> = text
                .lines()
                .filter(|line| line.ends_with(" starting") || line.ends_with(" unhealthy"))
                .collect();
            if waiting.is_empty() {
                return;
            }
            if waiting.iter().any(|l| l.ends_with(" unhealthy")) || Instant::now() > deadline {
                let name = waiting[0]
                    .split(' ')
                    .next()
                    .unwrap_or_default()
                    .trim_start_matches('/');
                let log = run(Command::new("docker").args([
                    "inspect",
                    "-f",
                    "{{json .State.Health.Log}}",
                    name,
                ]));
                panic!(
                    "not healthy: {waiting:?}; last checks of {name}: {}",
                    String::from_utf8_lossy(&log.stdout)
                );
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// The host port the engine published the gateway on.
    pub fn port(&self) -> u16 {
        let output = run(self.compose().args(["port", "svc.gateway", "80"]));
        let text = String::from_utf8_lossy(&output.stdout);
        text.trim()
            .rsplit(':')
            .next()
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("no published port for the gateway: {text:?}"))
    }

    /// Builds every image and starts the stack, without waiting for its services: real apps
    /// have no shell tools to be asked with, so their tests wait on their own answers.
    pub fn start(&mut self) {
        self.up = true;
        self.down();
        run(self.compose().args(["up", "-d", "--build", "--quiet-pull"]));
    }

    /// A command's output inside a service's container.
    pub fn exec(&self, service: &str, command: &[&str]) -> String {
        let output = self
            .compose()
            .args(["exec", "-T", service])
            .args(command)
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Every network address of a service's container, by network name.
    pub fn addresses(&self, service: &str) -> BTreeMap<String, String> {
        let id = run(self.compose().args(["ps", "-q", service])).stdout;
        let id = String::from_utf8_lossy(&id).trim().to_string();
        let output = run(Command::new("docker").args([
            "inspect",
            "--format",
            "{{json .NetworkSettings.Networks}}",
            &id,
        ]));
        let networks: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        networks
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, net)| {
                (
                    name.clone(),
                    net["IPAddress"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    /// Runs HTTP probes from inside `service` in parallel: `(url, Host header)` each, and returns
    /// each probe's answer body (empty when refused, unreachable or timed out).
    pub fn probe_from(&self, service: &str, probes: &[(String, Option<String>)]) -> Vec<String> {
        let mut script = String::from(concat!(
            "probe() {\n",
            "  if [ -n \"$3\" ]; then out=$(timeout 3 wget -q -O - --header \"$3\" \"$2\" 2>/dev/null)\n",
            "  else out=$(timeout 3 wget -q -O - \"$2\" 2>/dev/null); fi\n",
            "  echo \"@@$1@@$out\"\n",
            "}\n"
        ));
        for (i, (url, host)) in probes.iter().enumerate() {
            let header = host
                .as_ref()
                .map(|h| format!("Host: {h}"))
                .unwrap_or_default();
            script.push_str(&format!("probe {i} '{url}' '{header}' &\n"));
        }
        script.push_str("wait\n");
        let output = self
            .compose()
            .args(["exec", "-T", service, "sh", "-c", &script])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "probes from {service} did not run: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        let mut answers = vec![String::new(); probes.len()];
        for line in stdout.lines() {
            if let Some((id, body)) = line.strip_prefix("@@").and_then(|l| l.split_once("@@"))
                && let Ok(i) = id.parse::<usize>()
            {
                answers[i] = body.to_string();
            }
        }
        let answered = String::from_utf8_lossy(&output.stdout)
            .matches("@@")
            .count()
            / 2;
        assert_eq!(answered, probes.len(), "probes from {service} went missing");
        answers
    }

    /// `$NAME` inside a service's container.
    pub fn env(&self, service: &str, name: &str) -> String {
        let output = run(self.compose().args([
            "exec",
            "-T",
            service,
            "sh",
            "-c",
            &format!("echo \"${name}\""),
        ]));
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }
}

impl Stack {
    /// Stops and removes everything the stack made, including networks `down` left behind
    /// (it can lose a race with an endpoint that is still detaching).
    fn down(&self) {
        let _ = self
            .compose()
            .args([
                "down",
                "-v",
                "-t",
                "1",
                "--remove-orphans",
                "--rmi",
                "local",
            ])
            .output();
        // The engine may still hold an endpoint of a container it has just removed; a network
        // with one cannot be removed yet, so ask again for a while rather than leave it behind
        // on an engine other stacks share.
        let label = format!("label=com.docker.compose.project={}", self.options.name);
        for _ in 0..20 {
            let _ = Command::new("docker")
                .args(["network", "prune", "-f", "--filter", &label])
                .output();
            let left = Command::new("docker")
                .args(["network", "ls", "-q", "--filter", &label])
                .output();
            if left.is_ok_and(|out| out.stdout.iter().all(u8::is_ascii_whitespace)) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        if self.up {
            self.down();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
