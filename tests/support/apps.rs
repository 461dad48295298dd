//! Real example apps built and run on a real Docker engine: an example is copied into a
//! scratch project, svc.yaml's base-image overrides point at local stand-ins for the official
//! images (tests/images/bases.sh builds them from the package registries, which these machines
//! reach; no image registry is reachable), and the stack is built from the Dockerfiles svc
//! generates and brought up.

use super::compose::{Stack, engine};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::MutexGuard;
use std::time::{Duration, Instant};
use svc::ir::{BuildPlan, RecipeKind};

/// Where svc.yaml points every base image: tags of tests/images/bases.sh and build.sh.
const BASE_IMAGES: &str = "\
build:
  images:
    node: svc-test/node:{version}
    python: svc-test/python:3.13
    go: svc-test/go:1.23
    go_runtime: svc-test/busybox
    static: svc-test/nginx
compose:
  gateway_image: svc-test/nginx
  scheduler_image: svc-test/busybox
";

/// A running stack of one example, and the engine it holds.
pub struct App {
    pub stack: Stack,
    pub dir: PathBuf,
    test: String,
    /// When the stack had started, so the probes' time can be told apart from the build's.
    started: Instant,
    _engine: MutexGuard<'static, ()>,
}

impl Drop for App {
    fn drop(&mut self) {
        eprintln!("{}: probed in {:.0?}", self.test, self.started.elapsed());
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Copies `examples/<example>`, points its base images at the local stand-ins, builds every
/// image and starts the stack. `None` (after saying why) when there is no engine to do it on.
pub fn start(example: &str, test: &str) -> Option<App> {
    start_with_dot_env(example, test, None)
}

/// [`start`], with a `.env` beside compose.yaml for the stack's secrets.
pub fn start_with_dot_env(example: &str, test: &str, dot_env: Option<&str>) -> Option<App> {
    let engine = engine(test)?;
    let dir = super::scratch_dir(&format!("app-{test}"));
    copy_project(&Path::new("examples").join(example), &dir);
    let settings = dir.join("svc.yaml");
    let mut text = std::fs::read_to_string(&settings).unwrap_or_default();
    text.push_str(BASE_IMAGES);
    std::fs::write(&settings, text).unwrap();
    let config = dir.join("vercel.json");
    build_base_images(&config, test)?;
    let mut stack = Stack::emit_with_dot_env(&config, test, dot_env);
    let building = Instant::now();
    stack.start();
    // Every check svc wrote passes on what it built (a Go binary and a static site probed with
    // busybox's wget, Node and Python with their own runtimes).
    stack.assert_healthy(Duration::from_secs(150));
    eprintln!(
        "{test}: built and started {} services in {:.0?}",
        stack.project.services.len(),
        building.elapsed()
    );
    Some(App {
        stack,
        dir,
        test: test.to_string(),
        started: Instant::now(),
        _engine: engine,
    })
}

/// The example's files, without what a local build or install left in it.
fn copy_project(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if [
            "node_modules",
            ".next",
            "dist",
            "__pycache__",
            ".venv",
            "out",
        ]
        .contains(&name.as_str())
        {
            continue;
        }
        let target = to.join(&name);
        if path.is_dir() {
            copy_project(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// The stand-in base images the project's recipes need, built once and then cached by tag.
/// `None` (after saying why) when they cannot be built here and the test should skip.
fn build_base_images(config: &Path, test: &str) -> Option<()> {
    let compilation = svc::compile::compile(config).unwrap();
    let project = compilation.project.expect("the example checks clean");
    let mut node_versions: Vec<String> = Vec::new();
    let mut kinds = vec!["node"];
    for service in project.services.values() {
        let Some(BuildPlan::Recipe(recipe)) = &service.build_plan else {
            continue;
        };
        if let Some(node) = recipe.node()
            && !node_versions.contains(&node.version)
        {
            node_versions.push(node.version.clone());
        }
        match &recipe.kind {
            RecipeKind::Python { .. } => kinds.push("python"),
            RecipeKind::Go { .. } => kinds.push("go"),
            _ => {}
        }
    }
    kinds.sort_unstable();
    kinds.dedup();
    if node_versions.is_empty() {
        kinds.retain(|k| *k != "node");
    }
    if kinds.is_empty() {
        return Some(());
    }
    let started = Instant::now();
    let output = Command::new("bash")
        .arg("tests/images/bases.sh")
        .args(&kinds)
        .env("NODE_VERSIONS", node_versions.join(" "))
        .output()
        .unwrap();
    if !output.status.success() {
        let why = String::from_utf8_lossy(&output.stderr);
        if super::tools_required() {
            panic!("{test}: tests/images/bases.sh could not build the base images:\n{why}");
        }
        eprintln!(
            "SKIPPED {test}: tests/images/bases.sh could not build the base images (it needs root, debootstrap and npm; CI=true makes this a failure):\n{why}"
        );
        return None;
    }
    eprintln!(
        "base images {kinds:?} {node_versions:?} ready in {:.0?}",
        started.elapsed()
    );
    Some(())
}

impl App {
    pub fn port(&self) -> u16 {
        self.stack.port()
    }

    /// A GET through the gateway from the host, retried until `expected` answers or a minute
    /// passes: a server may still be starting.
    pub fn get_eventually(&self, path: &str, expected: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let body = super::http::get_from(self.port(), path, "svc.test");
            if body.contains(expected) || Instant::now() > deadline {
                return body;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// A GET from inside `service`'s container, with the tool its image has: Node, Python, or
    /// busybox's wget. Empty when nothing answers.
    pub fn fetch_in(&self, service: &str, url: &str) -> String {
        let kind = self.stack.project.services[&svc::ir::ServiceId(service.to_string())]
            .build_plan
            .as_ref()
            .and_then(|plan| match plan {
                BuildPlan::Recipe(recipe) => Some(&recipe.kind),
                BuildPlan::Unbuildable(_) => None,
            });
        let script = match kind {
            Some(RecipeKind::Next { .. } | RecipeKind::Node { .. }) => vec![
                "node".to_string(),
                "-e".to_string(),
                "fetch(process.argv[1],{signal:AbortSignal.timeout(3000)}).then(r=>r.text()).then(t=>process.stdout.write(t)).catch(()=>{})".to_string(),
                url.to_string(),
            ],
            Some(RecipeKind::Python { .. }) => vec![
                "python".to_string(),
                "-c".to_string(),
                "import sys,urllib.request\ntry: sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=3).read().decode())\nexcept Exception: pass".to_string(),
                url.to_string(),
            ],
            _ => vec![
                "sh".to_string(),
                "-c".to_string(),
                "timeout 3 wget -q -O - \"$0\" 2>/dev/null".to_string(),
                url.to_string(),
            ],
        };
        let words: Vec<&str> = script.iter().map(String::as_str).collect();
        self.stack.exec(service, &words)
    }

    /// A command's output inside a service's container.
    pub fn exec(&self, service: &str, command: &[&str]) -> String {
        self.stack.exec(service, command)
    }

    /// `private` answers nobody but its callers: not the gateway's public routes under any Host,
    /// not the host on its port, not `others` by its name, its binding alias or its addresses.
    pub fn assert_private(&self, private: &str, marker: &str, others: &[&str]) {
        let mut failures = Vec::new();
        let service = &self.stack.project.services[&svc::ir::ServiceId(private.to_string())];
        let alias = svc::emit::compose::binding_alias(service);
        for host in [
            private,
            service.hostname.as_str(),
            alias.as_str(),
            "svc.test",
        ] {
            for path in ["/", &format!("/{private}"), "/users", "/api"] {
                let body = super::http::get_from(self.port(), path, host);
                if body.contains(marker) {
                    failures.push(format!("gateway {path} (Host: {host}) reached {private}"));
                }
            }
        }
        let from_host = super::http::get_from(service.port, "/", "svc.test");
        if from_host.contains(marker) {
            failures.push(format!(
                "the host reached {private} on port {}",
                service.port
            ));
        }
        let addresses: Vec<String> = self.stack.addresses(private).into_values().collect();
        for other in others {
            let mut urls = vec![
                format!("http://{private}:{}/", service.port),
                format!("http://{}:{}/", service.hostname, service.port),
                format!("http://{alias}:{}/", service.port),
            ];
            urls.extend(
                addresses
                    .iter()
                    .filter(|a| !a.is_empty())
                    .map(|a| format!("http://{a}:{}/", service.port)),
            );
            for url in urls {
                if self.fetch_in(other, &url).contains(marker) {
                    failures.push(format!("{other} reached {private} at {url}"));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
