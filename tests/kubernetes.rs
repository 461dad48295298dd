//! The kubernetes target's manifests, checked by real tools: every file of every example
//! validates against the Kubernetes API schema (`kubernetes-validate --strict`), and NP-Guard's
//! connectivity analyser (`nca`) finds that the NetworkPolicies allow exactly the grants: each
//! binding's caller to its target on its port, the gateway to the public services, the
//! scheduler to what it requests, the internet to the gateway, and DNS; nothing else between
//! pods. Both tools run offline; .ci/run installs them in `target/kubernetes`. Every gateway
//! config also passes `nginx -t`.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::{require_tool, scratch_dir};
use svc::ir::{Call, Project};

/// The Kubernetes version the manifests are validated against.
const KUBERNETES_VERSION: &str = "1.31";

fn emit(example: &Path, out: &Path) {
    let config = support::example_config(example).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_svc"))
        .args(["emit", "--target", "kubernetes", "-c"])
        .arg(&config)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}: {}",
        example.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every valid example emitted under `dir/<example>/`: each example and its output.
fn emit_every_example(dir: &Path) -> Vec<(PathBuf, PathBuf)> {
    let mut emitted = Vec::new();
    for entry in std::fs::read_dir("examples").unwrap() {
        let example = entry.unwrap().path();
        if support::example_config(&example).is_none() {
            continue;
        }
        let out = dir.join(example.file_name().unwrap());
        emit(&example, &out);
        emitted.push((example, out));
    }
    emitted
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    support::files_under(dir)
        .into_iter()
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect()
}

#[test]
fn every_manifest_of_every_example_validates_against_the_api_schema() {
    let test = "kubernetes-schema";
    let Some(validate) = require_tool("kubernetes-validate", test) else {
        return;
    };
    let dir = scratch_dir(test);
    let mut files = 0;
    for (example, out) in emit_every_example(&dir) {
        let manifests: Vec<PathBuf> = yaml_files(&out)
            .into_iter()
            // kustomize's own file has no schema in the API's.
            .filter(|f| !f.ends_with("kustomization.yaml"))
            .collect();
        files += manifests.len();
        let output = Command::new(&validate)
            .args(["--strict", "--quiet", "-k", KUBERNETES_VERSION])
            .args(&manifests)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}: {}{}",
            example.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert!(files > 100, "only {files} manifests validated");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn every_gateway_config_passes_nginx_t() {
    let test = "kubernetes-nginx-t";
    let Some(nginx) = require_tool("nginx", test) else {
        return;
    };
    let dir = scratch_dir(test);
    let mut checked = 0;
    for (example, out) in emit_every_example(&dir) {
        let manifests = std::fs::read_to_string(out.join("gateway.yaml")).unwrap();
        let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(&manifests).unwrap();
        let config = docs
            .iter()
            .find_map(|doc| doc.pointer("/data/nginx.conf")?.as_str())
            .expect("gateway.yaml holds the config");
        // Outside a cluster the resolver's name does not resolve, and the check keeps its pid
        // file in its own directory.
        let config = config
            .replace(svc::emit::gateway::KUBE_DNS, "127.0.0.1")
            .replace("pid \"/tmp/nginx.pid\";\n", "");
        support::gateway::syntax_check(&nginx, &out, &config)
            .unwrap_or_else(|e| panic!("{}: {e}", example.display()));
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} gateway configs checked");
    std::fs::remove_dir_all(dir).unwrap();
}

/// One allowed connection between two workloads of the namespace.
type Edge = (String, String, String);

/// The pod-to-pod connections `nca` finds the policies allow within `namespace`, each workload
/// named by the pods' role: a service's hostname (its Deployment, its Job, or a CronJob running
/// it), `svc-gateway`, or `svc-scheduler` (every scheduled request).
fn allowed(nca: &Path, dir: &Path, namespace: &str) -> (BTreeSet<Edge>, Vec<String>) {
    let output = Command::new(nca)
        .args([
            "--connectivity",
            "--output_format",
            "txt_no_fw_rules",
            "--resource_list",
        ])
        .arg(dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let mut edges = BTreeSet::new();
    let mut lines = Vec::new();
    for line in text.lines().filter(|l| l.contains(" => ")) {
        lines.push(line.to_string());
        let (pair, connection) = line.split_once(" : ").unwrap();
        let (src, dst) = pair.split_once(" => ").unwrap();
        let (Some(src), Some(dst)) = (role(src, namespace), role(dst, namespace)) else {
            continue;
        };
        edges.insert((src, dst, connection.to_string()));
    }
    assert!(!lines.is_empty(), "nca printed no connections:\n{text}");
    (edges, lines)
}

/// `ns/name[Kind]` of the namespace as the role its pods play.
fn role(endpoint: &str, namespace: &str) -> Option<String> {
    let name = endpoint.strip_prefix(&format!("{namespace}/"))?;
    let name = &name[..name.find('[')?];
    if name.starts_with("svc-scheduler-") {
        return Some("svc-scheduler".to_string());
    }
    // A scheduled job's CronJobs run as the job's service.
    Some(match name.split_once("-schedule-") {
        Some((service, _)) => service.to_string(),
        None => name.to_string(),
    })
}

fn tcp(port: u16) -> String {
    format!("{{protocols:TCP,dst_ports:{port}}}")
}

/// What svc promises: the grants, computed from the project rather than the manifests.
fn grants(project: &Project) -> BTreeSet<Edge> {
    let mut expected = BTreeSet::new();
    for binding in &project.bindings {
        let caller = &project.services[&binding.caller];
        let target = &project.services[&binding.target];
        expected.insert((
            caller.hostname.clone(),
            target.hostname.clone(),
            tcp(target.port),
        ));
    }
    for id in project.public_services() {
        let target = &project.services[&id];
        if target.workload.listens() {
            expected.insert((
                "svc-gateway".to_string(),
                target.hostname.clone(),
                tcp(target.port),
            ));
        }
    }
    for scheduled in project.scheduled() {
        let (target, port) = match scheduled.call {
            Call::PublicPath(_) => ("svc-gateway".to_string(), 8080),
            Call::Service(id) => (
                project.services[id].hostname.clone(),
                project.services[id].port,
            ),
            Call::Job(_) => continue,
        };
        expected.insert(("svc-scheduler".to_string(), target, tcp(port)));
    }
    expected
}

#[test]
fn network_policies_allow_exactly_the_grants() {
    let test = "kubernetes-connectivity";
    let Some(nca) = require_tool("nca", test) else {
        return;
    };
    let dir = scratch_dir(test);
    // A binding cycle, a project without public services, schedules, and the legacy form.
    for name in [
        "seed",
        "e2e-cycle",
        "internal-only",
        "crons",
        "apps-legacy",
        "shop",
    ] {
        let example = Path::new("examples").join(name);
        let out = dir.join(name);
        emit(&example, &out);
        let config = support::example_config(&example).unwrap();
        let compilation = svc::compile::compile(&config).unwrap();
        let project = compilation.project.unwrap();
        let namespace = std::fs::read_to_string(out.join("namespace.yaml"))
            .unwrap()
            .lines()
            .find_map(|l| l.strip_prefix("  name: ").map(str::to_string))
            .unwrap();
        let (edges, lines) = allowed(&nca, &out, &namespace);
        let dns = "{protocols:TCP, UDP,dst_ports:53}";
        let between_pods: BTreeSet<Edge> = edges.iter().filter(|e| e.2 != dns).cloned().collect();
        assert_eq!(
            between_pods,
            grants(&project),
            "{name}: what the policies allow between pods, against the grants\n{}",
            lines.join("\n")
        );
        // From outside the namespace (the internet, other namespaces' pods), only the gateway
        // is reached, on its port.
        let inside = format!(" => {namespace}/");
        for line in lines.iter().filter(|l| l.contains(&inside)) {
            if line.starts_with(&format!("{namespace}/")) {
                continue;
            }
            assert!(
                line.ends_with(&format!(
                    "{namespace}/svc-gateway[Deployment] : {}",
                    tcp(8080)
                )),
                "{name}: reached from outside the namespace: {line}"
            );
        }
        assert!(
            lines.contains(&format!(
                "0.0.0.0-255.255.255.255 => {namespace}/svc-gateway[Deployment] : {}",
                tcp(8080)
            )),
            "{name}: the internet does not reach the gateway"
        );
        // A service reaches the internet exactly when svc.yaml's `egress` lets it.
        let reaching_internet: BTreeSet<String> = lines
            .iter()
            .filter_map(|l| {
                let (src, rest) = l.split_once(" => ")?;
                rest.starts_with(|c: char| c.is_ascii_digit())
                    .then(|| role(src, &namespace))
                    .flatten()
            })
            .collect();
        for service in project.services.values() {
            assert_eq!(
                reaching_internet.contains(&service.hostname),
                service.egress,
                "{name}: {} reaching the internet",
                service.name
            );
        }
        // Each binding's variable holds the target's Service name and port.
        for binding in &project.bindings {
            let caller = &project.services[&binding.caller];
            let target = &project.services[&binding.target];
            let url = format!(
                "http://{}.{namespace}.svc.cluster.local:{}",
                target.hostname, target.port
            );
            let manifest =
                std::fs::read_to_string(out.join(format!("services/{}.yaml", caller.hostname)))
                    .unwrap();
            let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(&manifest).unwrap();
            assert!(
                docs.iter().any(|doc| sets(doc, &binding.env, &url)),
                "{name}: {} does not set {} to {url}",
                caller.name,
                binding.env
            );
        }
        // Every workload resolves names.
        for line in lines
            .iter()
            .filter(|l| l.starts_with(&format!("{namespace}/")))
        {
            let workload = line.split(" => ").next().unwrap();
            assert!(
                lines.contains(&format!(
                    "{workload} => kube-system/kube-dns-livesim[Pod] : {dns}"
                )),
                "{name}: {workload} cannot reach DNS"
            );
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// Whether `doc` holds an env entry `{name: <name>, value: <value>}` anywhere.
fn sets(doc: &serde_json::Value, name: &str, value: &str) -> bool {
    match doc {
        serde_json::Value::Object(map) => {
            (map.get("name").and_then(|v| v.as_str()) == Some(name)
                && map.get("value").and_then(|v| v.as_str()) == Some(value))
                || map.values().any(|v| sets(v, name, value))
        }
        serde_json::Value::Array(items) => items.iter().any(|v| sets(v, name, value)),
        _ => false,
    }
}
