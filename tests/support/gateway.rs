//! A real nginx running an emitted gateway config on loopback, in front of stub upstreams.

use super::http::Stub;
use super::{free_port, scratch_dir};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use svc::emit::gateway::{Limits, Standalone};
use svc::emit::nginx;

pub struct Gateway {
    pub port: u16,
    pub stubs: BTreeMap<String, Stub>,
    pub config: String,
    child: Child,
    dir: PathBuf,
}

/// `nginx -t` on a config, with every path inside `dir` so no system file is touched.
pub fn syntax_check(nginx: &Path, dir: &Path, config: &str) -> Result<(), String> {
    let conf = dir.join("nginx.conf");
    std::fs::write(&conf, config).unwrap();
    let output = Command::new(nginx)
        .arg("-t")
        .arg("-q")
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(&conf)
        .arg("-e")
        .arg(dir.join("error.log"))
        .arg("-g")
        .arg(format!("pid {};", dir.join("nginx.pid").display()))
        .output()
        .unwrap();
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

impl Gateway {
    /// Compiles `config_path`, points every service (public or not) at its own stub, and starts
    /// nginx on a free port.
    pub fn start(nginx: &Path, config_path: &str, test: &str) -> Gateway {
        let compilation = svc::compile::compile(config_path.as_ref()).unwrap();
        let project = compilation.project.expect("the example checks clean");
        let stubs: BTreeMap<String, Stub> = project
            .services
            .keys()
            .map(|id| (id.0.clone(), Stub::start(id.as_str())))
            .collect();
        let mut options = Standalone::from_settings(&project, &compilation.settings.nginx);
        options.listen = free_port();
        options.resolver = None;
        for (id, stub) in &stubs {
            options.upstreams.insert(
                svc::ir::ServiceId(id.clone()),
                format!("127.0.0.1:{}", stub.port),
            );
        }
        let artifacts = nginx::emit(
            &project,
            &options,
            &Limits::from_settings(&compilation.settings.nginx),
        )
        .expect("the example translates to nginx");
        let config = artifacts.files[nginx::FILE_NAME].clone();
        Gateway::run(nginx, config, options.listen, stubs, test)
    }

    pub fn run(
        nginx: &Path,
        config: String,
        port: u16,
        stubs: BTreeMap<String, Stub>,
        test: &str,
    ) -> Gateway {
        let dir = scratch_dir(test);
        syntax_check(nginx, &dir, &config)
            .unwrap_or_else(|e| panic!("nginx -t failed:\n{e}\n{config}"));
        let child = Command::new(nginx)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .arg("-e")
            .arg(dir.join("error.log"))
            .arg("-g")
            .arg(format!(
                "daemon off; pid {};",
                dir.join("nginx.pid").display()
            ))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let gateway = Gateway {
            port,
            stubs,
            config,
            child,
            dir,
        };
        gateway.wait_until_listening();
        gateway
    }

    fn wait_until_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "nginx did not listen on {}: {}",
                self.port,
                self.error_log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }

    pub fn hits(&self, service: &str) -> usize {
        self.stubs[service].hits()
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
