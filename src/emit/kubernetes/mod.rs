//! The kubernetes target: plain manifests, kustomize-friendly, where NetworkPolicies admit
//! exactly the declared callers.
//!
//! Everything in the namespace is denied ingress and egress but DNS; each service's own policy
//! then admits its callers (bindings, the gateway when it is public, the scheduler when it is
//! called on schedule) on its port, and lets it reach its targets, and the internet when
//! `egress` allows. The gateway runs the same routing as every target's. See
//! docs/kubernetes.md.

mod model;
mod policy;
mod workload;

use crate::check::Checked;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::emit::Artifacts;
use crate::emit::gateway::{self, Gateway, Host, Limits};
use crate::emit::target::Target;
use crate::ir::{Project, Service};
use crate::settings::KubernetesSettings;
use model::{Data, Empty, Kustomization, Metadata, Object};
use serde::Serialize;
use serde_saphyr::LitString;
use std::collections::BTreeMap;

/// The pod label every selector and policy matches on.
pub const NAME_LABEL: &str = "app.kubernetes.io/name";
/// The gateway's Deployment, Service, ConfigMap and NetworkPolicy, and its pods' label.
pub const GATEWAY: &str = "svc-gateway";
/// The pods that make scheduled requests.
pub const SCHEDULER: &str = "svc-scheduler";
/// The policy every pod starts from: nothing in or out but DNS.
pub const DEFAULT_DENY: &str = "svc-default-deny";
/// An nginx built to run unprivileged, pinned: it listens on 8080 as uid 101.
pub const DEFAULT_GATEWAY_IMAGE: &str = "nginxinc/nginx-unprivileged:1.27.5-alpine";
pub const GATEWAY_PORT: u16 = 8080;
const GATEWAY_USER: u32 = 101;
/// A pinned official image with wget, for the scheduled requests.
pub const DEFAULT_SCHEDULER_IMAGE: &str = "busybox:1.37.0";
/// What the gateway answers itself, for the kubelet's probes.
pub const HEALTH_PATH: &str = "/__svc/health";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub namespace: String,
    /// The origin the deployment is reached at, for injected public URLs.
    pub public_url: String,
    pub gateway_image: String,
    pub scheduler_image: String,
    /// The project directory as seen from the output directory, for the build commands.
    pub project_dir: String,
    pub gateway: Limits,
    /// Threads to build the services' files on.
    pub workers: usize,
}

impl Options {
    pub fn from_settings(
        settings: &KubernetesSettings,
        gateway: Limits,
        default_name: &str,
        project_dir: &str,
    ) -> Options {
        let namespace = settings
            .namespace
            .clone()
            .unwrap_or_else(|| namespace_name(default_name));
        Options {
            public_url: settings
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{namespace}.localhost")),
            namespace,
            gateway_image: settings
                .gateway_image
                .clone()
                .unwrap_or_else(|| DEFAULT_GATEWAY_IMAGE.to_string()),
            scheduler_image: settings
                .scheduler_image
                .clone()
                .unwrap_or_else(|| DEFAULT_SCHEDULER_IMAGE.to_string()),
            project_dir: project_dir.to_string(),
            gateway,
            workers: 1,
        }
    }
}

/// A directory name as a namespace: lowercase letters, digits and `-`, at most 63, and never one
/// the cluster or other workloads use (`default`, `kube-*`), which takes a `svc-` prefix.
fn namespace_name(name: &str) -> String {
    let cleaned: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let shared = |name: &str| name == "default" || name.starts_with("kube-");
    let name = cleaned.trim_matches('-');
    let name = if shared(name) {
        format!("svc-{name}")
    } else {
        name.to_string()
    };
    let trimmed: String = name.chars().take(63).collect();
    match trimmed.trim_end_matches('-') {
        "" => "svc".to_string(),
        name => name.to_string(),
    }
}

/// The kubernetes target in the registry.
pub const TARGET: Target = Target {
    name: "kubernetes",
    start_rank: 1,
    emit: |run| {
        let options = Options {
            // The cores are shared out among the targets that run side by side.
            workers: (crate::parallel::cores() / run.side_by_side).max(1),
            ..Options::from_settings(
                &run.settings.kubernetes,
                run.gateway_limits(),
                &run.dir_name(),
                &run.project_dir(),
            )
        };
        emit(run.project, &options)
    },
};

pub fn emit(project: &Checked<Project>, options: &Options) -> Result<Artifacts, Diagnostics> {
    reject_reserved_names(project)?;
    let mut files = BTreeMap::new();
    files.insert("namespace.yaml".to_string(), namespace(options)?);
    files.insert(
        "network-policy.yaml".to_string(),
        yaml(&[Box::new(policy::default_deny(options))])?,
    );
    files.insert(
        "gateway.yaml".to_string(),
        gateway_manifests(project, options)?,
    );
    // A service's file depends on no other's: with a large project they are built side by side.
    let scheduled = policy::scheduled_targets(project);
    let all: Vec<&Service> = project.services.values().collect();
    let workers = if all.len() >= crate::parallel::PARALLEL_FROM {
        options.workers
    } else {
        1
    };
    let built = crate::parallel::map(&all, workers, |service| {
        workload::service_manifests(project, &scheduled, service, options)
    });
    for (service, text) in all.iter().zip(built) {
        files.insert(service_file(service), text?);
    }
    if let Some(schedules) = workload::schedules(project, options)? {
        files.insert("schedules.yaml".to_string(), schedules);
    }
    let kustomization = Kustomization {
        api_version: "kustomize.config.k8s.io/v1beta1",
        kind: "Kustomization",
        resources: files.keys().cloned().collect(),
    };
    files.insert("kustomization.yaml".to_string(), to_yaml(&kustomization)?);
    files.extend(crate::emit::dockerfile::builds::dockerfiles(project).map_err(internal)?);
    files.insert(
        "README.md".to_string(),
        workload::images_readme(project, options),
    );
    Ok(Artifacts { files })
}

fn service_file(service: &Service) -> String {
    format!("services/{}.yaml", service.hostname)
}

/// svc's own Services and NetworkPolicies share the namespace with the project's, which are
/// named after each service's hostname.
fn reject_reserved_names(project: &Project) -> Result<(), Diagnostics> {
    let mut diags = Diagnostics::default();
    for service in project.services.values() {
        if [GATEWAY, SCHEDULER, DEFAULT_DENY].contains(&service.hostname.as_str()) {
            diags.push(
                Diagnostic::error(
                    Code::KubernetesReservedName,
                    format!(
                        "service `{}` would be named `{}` in Kubernetes, a name svc's own objects take",
                        service.name, service.hostname
                    ),
                )
                .key(&service.key)
                .at(service.origin.file, service.origin.span, "a name svc reserves")
                .help("rename the service; `svc-gateway`, `svc-scheduler` and `svc-default-deny` are svc's"),
            );
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(())
    }
}

pub(super) fn internal(reason: impl std::fmt::Display) -> Diagnostics {
    let mut diags = Diagnostics::default();
    diags.push(Diagnostic::error(
        Code::KubernetesInternal,
        format!("cannot write the manifests: {reason}"),
    ));
    diags
}

/// The objects of one file, of any kinds.
type Manifests = Vec<Box<dyn erased::Object>>;

/// One object, or several as one multi-document YAML file.
fn yaml(objects: &[Box<dyn erased::Object>]) -> Result<String, Diagnostics> {
    let mut text = String::new();
    for (i, object) in objects.iter().enumerate() {
        if i > 0 {
            text.push_str("---\n");
        }
        text.push_str(&object.to_yaml()?);
    }
    Ok(text)
}

/// A multi-document file from objects of different kinds.
mod erased {
    use crate::diag::Diagnostics;

    pub trait Object {
        fn to_yaml(&self) -> Result<String, Diagnostics>;
    }

    impl<T: serde::Serialize> Object for super::Object<T> {
        fn to_yaml(&self) -> Result<String, Diagnostics> {
            super::to_yaml(self)
        }
    }
}

fn to_yaml(value: &impl Serialize) -> Result<String, Diagnostics> {
    serde_saphyr::to_string(value).map_err(internal)
}

/// Labels every object svc writes carries; `name` is the one selectors match. (The namespace
/// already says which project an object belongs to.)
pub(super) fn labels(name: &str) -> model::Labels {
    BTreeMap::from([
        (NAME_LABEL.to_string(), name.to_string()),
        (
            "app.kubernetes.io/managed-by".to_string(),
            "svc".to_string(),
        ),
    ])
}

pub(super) fn selector(name: &str) -> model::Labels {
    BTreeMap::from([(NAME_LABEL.to_string(), name.to_string())])
}

pub(super) fn metadata(name: &str, options: &Options) -> Metadata {
    Metadata {
        name: name.to_string(),
        namespace: Some(options.namespace.clone()),
        labels: labels(name),
        annotations: BTreeMap::new(),
    }
}

fn namespace(options: &Options) -> Result<String, Diagnostics> {
    let object = Object {
        api_version: "v1",
        kind: "Namespace",
        metadata: Metadata {
            name: options.namespace.clone(),
            // Every pod svc writes meets the "restricted" Pod Security Standard; the namespace
            // holds any other pod to it too.
            labels: BTreeMap::from([
                (
                    "app.kubernetes.io/managed-by".to_string(),
                    "svc".to_string(),
                ),
                (
                    "pod-security.kubernetes.io/enforce".to_string(),
                    "restricted".to_string(),
                ),
            ]),
            ..Metadata::default()
        },
        body: Empty {},
    };
    to_yaml(&object)
}

/// The gateway: its config as a ConfigMap, an unprivileged nginx Deployment reading it, a
/// LoadBalancer Service in front, and its NetworkPolicy.
fn gateway_manifests(project: &Checked<Project>, options: &Options) -> Result<String, Diagnostics> {
    let host = Host::Kubernetes(gateway::Kubernetes {
        port: GATEWAY_PORT,
        namespace: options.namespace.clone(),
        health_path: HEALTH_PATH.to_string(),
    });
    let config = Gateway::build(project, &host, &options.gateway)?.print();
    let checksum = format!("{:016x}", crate::emit::stable_hash(&config));
    let config_map = Object {
        api_version: "v1",
        kind: "ConfigMap",
        metadata: metadata(GATEWAY, options),
        body: Data {
            data: BTreeMap::from([("nginx.conf".to_string(), LitString(config))]),
        },
    };
    let deployment = workload::gateway_deployment(options, &checksum);
    let service = workload::gateway_service(options);
    let policy = policy::gateway(project, options);
    yaml(&[
        Box::new(config_map),
        Box::new(deployment),
        Box::new(service),
        Box::new(policy),
    ])
}

/// The URL a binding's env holds: the target's Service by its cluster DNS name.
pub fn binding_url(target: &Service, options: &Options) -> String {
    format!(
        "http://{}.{}.svc.cluster.local:{}",
        target.hostname, options.namespace, target.port
    )
}

#[cfg(test)]
mod tests {
    use super::namespace_name;

    #[test]
    fn a_directory_name_becomes_a_namespace_of_the_projects_own() {
        assert_eq!(namespace_name("My Shop"), "my-shop");
        assert_eq!(namespace_name("default"), "svc-default");
        assert_eq!(namespace_name("kube-system"), "svc-kube-system");
        assert_eq!(namespace_name("--"), "svc");
        assert_eq!(namespace_name(&"a".repeat(80)).len(), 63);
    }
}
