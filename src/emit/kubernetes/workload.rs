//! What runs: a Deployment (and a Service, when it listens) per long-running service, CronJobs
//! and Jobs for scheduled and one-off work, the gateway's pods, and the scheduled requests.

use super::model::{
    Capabilities, ConfigMapVolume, Container, ContainerPort, ContainerSecurity, CronJobSpec,
    DeploymentSpec, EnvSource, EnvVar, ExecAction, HttpGet, JobSpec, JobTemplate, Metadata, Object,
    PodSecurity, PodSpec, PodTemplate, Probe, Resources, Seccomp, SecretKeyRef, Selector,
    ServicePort, ServiceSpec, Spec, Volume, VolumeMount,
};
use super::{
    GATEWAY, GATEWAY_PORT, GATEWAY_USER, HEALTH_PATH, Manifests, Options, SCHEDULER, binding_url,
    labels, metadata, policy, selector, yaml,
};
use crate::diag::Diagnostics;
use crate::emit::dockerfile::builds::build_sections;
use crate::ir::{
    CRON_SECRET, Call, Command, CronSecret, EnvValue, HealthCheck, Project, Service, Trigger,
    Workload,
};
use std::collections::BTreeMap;

/// The Secret a service's `secrets` are read from, which the user creates.
pub fn secret_name(service: &Service) -> String {
    format!("{}-secrets", service.hostname)
}

/// The image a service runs: svc.yaml's, or the one built from its Dockerfile under this name
/// (docs/kubernetes.md says how to build, push and point kustomize at it). The name is in
/// `.invalid`, a domain that never resolves: a manifest applied before its image is pointed at
/// a registry fails to pull, rather than pulling a stranger's image of the same name.
pub fn image(service: &Service, options: &Options) -> String {
    match service.image_source() {
        crate::ir::ImageSource::Image(image) => image.to_string(),
        _ => format!(
            "{UNBUILT}/{}/{}:latest",
            options.namespace, service.hostname
        ),
    }
}

/// The registry of images not yet built and pushed.
pub const UNBUILT: &str = "svc.invalid";

/// A service's objects: what runs it, its Service when it listens, and its NetworkPolicy.
pub fn service_manifests(
    project: &Project,
    scheduled: &std::collections::BTreeSet<crate::ir::ServiceId>,
    service: &Service,
    options: &Options,
) -> Result<String, Diagnostics> {
    let mut objects = Manifests::new();
    match &service.workload {
        // A job fed by a queue consumes it all the time, as a worker does.
        Workload::Web
        | Workload::Worker(_)
        | Workload::Cron { .. }
        | Workload::Job {
            trigger: Trigger::Queue(_),
        } => {
            objects.push(Box::new(deployment(project, service, options)));
        }
        Workload::Job {
            trigger: Trigger::Schedule { schedules },
        } => {
            for (i, schedule) in schedules.iter().enumerate() {
                let name = cron_job_name(&format!("{}-schedule-{i}", service.hostname));
                let pod = pod(project, service, options, Some("Never"));
                objects.push(Box::new(cron_job(
                    &name,
                    &service.hostname,
                    schedule.crontab(),
                    pod,
                    options,
                )));
            }
        }
        Workload::Job { .. } => objects.push(Box::new(started_by_hand(project, service, options))),
    }
    if service.workload.listens() {
        objects.push(Box::new(cluster_service(service, options)));
    }
    if let Some(policy) = policy::service(project, scheduled, service, options) {
        objects.push(Box::new(policy));
    }
    yaml(&objects)
}

fn deployment(
    project: &Project,
    service: &Service,
    options: &Options,
) -> Object<Spec<DeploymentSpec>> {
    Object {
        api_version: "apps/v1",
        kind: "Deployment",
        metadata: metadata(&service.hostname, options),
        body: Spec {
            spec: DeploymentSpec {
                replicas: service.replicas,
                selector: Selector {
                    match_labels: selector(&service.hostname),
                },
                template: PodTemplate {
                    metadata: pod_metadata(&service.hostname),
                    spec: pod(project, service, options, None),
                },
            },
        },
    }
}

/// A job started by hand, as a suspended CronJob that never fires on its own: its template can
/// change with each `kubectl apply` (a Job's cannot), and `kubectl create job <run>
/// --from=cronjob/<name>` runs it once.
fn started_by_hand(
    project: &Project,
    service: &Service,
    options: &Options,
) -> Object<Spec<CronJobSpec>> {
    let pod = pod(project, service, options, Some("Never"));
    let mut cron_job = cron_job(
        &cron_job_name(&service.hostname),
        &service.hostname,
        NEVER.to_string(),
        pod,
        options,
    );
    cron_job.body.spec.suspend = Some(true);
    cron_job
}

/// 31 February: a schedule that parses and never comes.
const NEVER: &str = "0 0 31 2 *";

/// A CronJob's name within the API's 52 characters (its Jobs' names add 11): a longer one keeps
/// its start and a stable digest of the whole, so two never meet.
fn cron_job_name(name: &str) -> String {
    const MAX: usize = 52;
    if name.len() <= MAX {
        return name.to_string();
    }
    let digest = format!("{:08x}", crate::emit::stable_hash(name) as u32);
    let keep = name[..MAX - digest.len() - 1].trim_end_matches('-');
    format!("{keep}-{digest}")
}

/// A CronJob whose pods carry the label `pod_name`, so its policies apply to them.
fn cron_job(
    name: &str,
    pod_name: &str,
    schedule: String,
    pod: PodSpec,
    options: &Options,
) -> Object<Spec<CronJobSpec>> {
    Object {
        api_version: "batch/v1",
        kind: "CronJob",
        metadata: Metadata {
            labels: labels(pod_name),
            ..metadata(name, options)
        },
        body: Spec {
            spec: CronJobSpec {
                suspend: None,
                schedule,
                time_zone: "Etc/UTC",
                concurrency_policy: "Forbid",
                job_template: JobTemplate {
                    spec: JobSpec {
                        backoff_limit: 0,
                        template: PodTemplate {
                            metadata: pod_metadata(pod_name),
                            spec: pod,
                        },
                    },
                },
            },
        },
    }
}

/// A pod template's metadata: its labels, no name.
fn pod_metadata(name: &str) -> Metadata {
    Metadata {
        labels: labels(name),
        ..Metadata::default()
    }
}

/// A ClusterIP Service: the name callers' URLs hold, on the service's port.
fn cluster_service(service: &Service, options: &Options) -> Object<Spec<ServiceSpec>> {
    Object {
        api_version: "v1",
        kind: "Service",
        metadata: metadata(&service.hostname, options),
        body: Spec {
            spec: ServiceSpec {
                kind: "ClusterIP",
                selector: selector(&service.hostname),
                ports: vec![ServicePort {
                    name: "http",
                    port: service.port,
                    target_port: "http",
                    protocol: "TCP",
                }],
            },
        },
    }
}

fn pod(
    project: &Project,
    service: &Service,
    options: &Options,
    restart: Option<&'static str>,
) -> PodSpec {
    let writable = crate::emit::container::writable_dirs(service);
    let mut container = Container {
        name: service.hostname.clone(),
        image: image(service, options),
        args: service.command.as_ref().map(|command| match command {
            // A string runs through a shell, as a Dockerfile's shell-form CMD does.
            Command::Line(line) => vec!["sh".to_string(), "-c".to_string(), line.clone()],
            Command::Exec(words) => words.clone(),
        }),
        env: environment(project, service, options),
        resources: Some(resources(service)),
        security_context: locked_down(writable.is_some()),
        ..Container::default()
    };
    if service.workload.listens() {
        container.ports = vec![ContainerPort {
            name: "http",
            container_port: service.port,
            protocol: "TCP",
        }];
    }
    if let Some(check) = &service.health {
        container.readiness_probe = probe(service, check, None);
        container.liveness_probe = probe(service, check, Some(check.start_period));
    }
    let mut volumes = Vec::new();
    for (i, dir) in writable.iter().flatten().enumerate() {
        let name = if i == 0 { "tmp" } else { "scratch" };
        volumes.push(Volume {
            name,
            empty_dir: Some(super::model::Empty {}),
            config_map: None,
        });
        container.volume_mounts.push(VolumeMount {
            name,
            mount_path: dir.clone(),
            sub_path: None,
            read_only: false,
        });
    }
    PodSpec {
        automount_service_account_token: false,
        enable_service_links: false,
        restart_policy: restart,
        security_context: non_root(None),
        containers: vec![container],
        volumes,
    }
}

fn non_root(user: Option<u32>) -> PodSecurity {
    PodSecurity {
        run_as_non_root: true,
        run_as_user: user,
        seccomp_profile: Seccomp {
            kind: "RuntimeDefault",
        },
    }
}

fn locked_down(read_only: bool) -> ContainerSecurity {
    ContainerSecurity {
        allow_privilege_escalation: false,
        read_only_root_filesystem: read_only,
        capabilities: Capabilities { drop: vec!["ALL"] },
    }
}

/// `PORT` for a service that listens, each binding's URL, the project's own variables, then
/// svc.yaml's secrets from the service's Secret.
fn environment(project: &Project, service: &Service, options: &Options) -> Vec<EnvVar> {
    let mut env = BTreeMap::new();
    let value = |text: String| EnvVar {
        name: String::new(),
        value: Some(text),
        value_from: None,
    };
    if service.workload.listens() {
        env.insert("PORT".to_string(), value(service.port.to_string()));
    }
    for binding in project.bindings_from(&service.name) {
        let target = &project.services[&binding.target];
        env.insert(binding.env.clone(), value(binding_url(target, options)));
    }
    for (name, variable) in &service.env {
        let text = match variable {
            EnvValue::Literal(text) => text.clone(),
            EnvValue::PublicUrl(url) => url.under(&options.public_url),
        };
        env.insert(name.clone(), value(text));
    }
    for name in &service.secrets {
        env.insert(name.clone(), secret_ref(service, name));
    }
    env.into_iter()
        .map(|(name, var)| EnvVar { name, ..var })
        .collect()
}

fn secret_ref(service: &Service, name: &str) -> EnvVar {
    EnvVar {
        name: name.to_string(),
        value: None,
        value_from: Some(EnvSource {
            secret_key_ref: SecretKeyRef {
                name: secret_name(service),
                key: name.to_string(),
            },
        }),
    }
}

/// svc.yaml's `cpu` and `memory`, or a quarter of a CPU and 512 MiB (Fargate's smallest task),
/// as limits, which Kubernetes also takes as the requests when none are set.
fn resources(service: &Service) -> Resources {
    let cpu = service.resources.cpu.unwrap_or(0.25);
    let memory = service.resources.memory_mib.unwrap_or(512);
    Resources {
        limits: BTreeMap::from([
            ("cpu", format!("{}m", (cpu * 1000.0).round() as u64)),
            ("memory", format!("{memory}Mi")),
        ]),
        requests: BTreeMap::new(),
    }
}

/// The kubelet's probe for a check: an HTTP GET for a path, else the command Docker would run.
fn probe(service: &Service, check: &HealthCheck, delay: Option<u32>) -> Option<Probe> {
    let timings = |probe: Probe| Probe {
        initial_delay_seconds: delay,
        period_seconds: check.interval,
        timeout_seconds: check.timeout,
        failure_threshold: check.retries,
        ..probe
    };
    if let crate::ir::Probe::Path(path) = &check.probe {
        return Some(timings(Probe {
            http_get: Some(HttpGet {
                path: path.clone(),
                port: "http",
            }),
            ..Probe::default()
        }));
    }
    let test = crate::emit::health::test(service, check)?;
    let command = match test.split_first() {
        Some((kind, words)) if kind == "CMD" => words.to_vec(),
        Some((kind, line)) if kind == "CMD-SHELL" => {
            vec!["sh".to_string(), "-c".to_string(), line.join(" ")]
        }
        _ => return None,
    };
    Some(timings(Probe {
        exec: Some(ExecAction { command }),
        ..Probe::default()
    }))
}

/// The gateway's pods: an unprivileged nginx reading the ConfigMap, on a read-only root with
/// `/tmp` writable. `checksum` is the config's, so a new config rolls the pods.
pub fn gateway_deployment(options: &Options, checksum: &str) -> Object<Spec<DeploymentSpec>> {
    let health = |delay| Probe {
        http_get: Some(HttpGet {
            path: HEALTH_PATH.to_string(),
            port: "http",
        }),
        initial_delay_seconds: delay,
        period_seconds: HealthCheck::DEFAULT_INTERVAL,
        timeout_seconds: HealthCheck::DEFAULT_TIMEOUT,
        failure_threshold: HealthCheck::DEFAULT_RETRIES,
        ..Probe::default()
    };
    let container = Container {
        name: "nginx".to_string(),
        image: options.gateway_image.clone(),
        ports: vec![ContainerPort {
            name: "http",
            container_port: GATEWAY_PORT,
            protocol: "TCP",
        }],
        resources: Some(Resources {
            limits: BTreeMap::from([("cpu", "500m".to_string()), ("memory", "256Mi".to_string())]),
            requests: BTreeMap::from([("cpu", "100m".to_string()), ("memory", "64Mi".to_string())]),
        }),
        readiness_probe: Some(health(None)),
        liveness_probe: Some(health(Some(10))),
        security_context: locked_down(true),
        volume_mounts: vec![
            VolumeMount {
                name: "config",
                mount_path: "/etc/nginx/nginx.conf".to_string(),
                sub_path: Some("nginx.conf".to_string()),
                read_only: true,
            },
            VolumeMount {
                name: "tmp",
                mount_path: "/tmp".to_string(),
                sub_path: None,
                read_only: false,
            },
        ],
        ..Container::default()
    };
    let mut template = pod_metadata(GATEWAY);
    template
        .annotations
        .insert("svc.dev/config-checksum".to_string(), checksum.to_string());
    Object {
        api_version: "apps/v1",
        kind: "Deployment",
        metadata: metadata(GATEWAY, options),
        body: Spec {
            spec: DeploymentSpec {
                replicas: 2,
                selector: Selector {
                    match_labels: selector(GATEWAY),
                },
                template: PodTemplate {
                    metadata: template,
                    spec: PodSpec {
                        automount_service_account_token: false,
                        enable_service_links: false,
                        restart_policy: None,
                        security_context: non_root(Some(GATEWAY_USER)),
                        containers: vec![container],
                        volumes: vec![
                            Volume {
                                name: "config",
                                empty_dir: None,
                                config_map: Some(ConfigMapVolume {
                                    name: GATEWAY.to_string(),
                                }),
                            },
                            Volume {
                                name: "tmp",
                                empty_dir: Some(super::model::Empty {}),
                                config_map: None,
                            },
                        ],
                    },
                },
            },
        },
    }
}

/// The public entry: a LoadBalancer Service on port 80 in front of the gateway's pods.
pub fn gateway_service(options: &Options) -> Object<Spec<ServiceSpec>> {
    Object {
        api_version: "v1",
        kind: "Service",
        metadata: metadata(GATEWAY, options),
        body: Spec {
            spec: ServiceSpec {
                kind: "LoadBalancer",
                selector: selector(GATEWAY),
                ports: vec![ServicePort {
                    name: "http",
                    port: 80,
                    target_port: "http",
                    protocol: "TCP",
                }],
            },
        },
    }
}

/// Vercel's cron requests carry this user agent.
const USER_AGENT: &str = "vercel-cron/1.0";

/// The scheduled requests, one CronJob per schedule, each a busybox `wget` from a pod labelled
/// as the scheduler (its policy lets it reach exactly what it requests); and its policy.
pub fn schedules(project: &Project, options: &Options) -> Result<Option<String>, Diagnostics> {
    let public_host = options
        .public_url
        .split_once("://")
        .map_or(options.public_url.as_str(), |(_, host)| host);
    let mut objects = Manifests::new();
    for (i, scheduled) in project.scheduled().into_iter().enumerate() {
        let mut headers = Vec::new();
        let mut env = Vec::new();
        let url = match scheduled.call {
            Call::PublicPath(path) => {
                headers.push(format!("Host: {public_host}"));
                format!(
                    "http://{GATEWAY}.{}.svc.cluster.local{path}",
                    options.namespace
                )
            }
            Call::Service(id) => {
                let service = &project.services[id];
                match service.cron_secret() {
                    Some(CronSecret::Value(secret)) => {
                        headers.push(format!("Authorization: Bearer {secret}"));
                    }
                    Some(CronSecret::Secret) => {
                        headers.push(format!("Authorization: Bearer $({CRON_SECRET})"));
                        env.push(secret_ref(service, CRON_SECRET));
                    }
                    None => {}
                }
                format!("{}{}", binding_url(service, options), service.cron_path())
            }
            Call::Job(_) => continue,
        };
        let mut args = vec![
            "wget".to_string(),
            "-q".to_string(),
            "-O".to_string(),
            "/dev/null".to_string(),
            "-U".to_string(),
            USER_AGENT.to_string(),
        ];
        for header in headers {
            args.extend(["--header".to_string(), header]);
        }
        args.push(url);
        let container = Container {
            name: "request".to_string(),
            image: options.scheduler_image.clone(),
            // The kubelet expands `$(CRON_SECRET)` from the container's environment.
            command: Some(args),
            env,
            resources: Some(Resources {
                limits: BTreeMap::from([
                    ("cpu", "100m".to_string()),
                    ("memory", "32Mi".to_string()),
                ]),
                requests: BTreeMap::from([
                    ("cpu", "10m".to_string()),
                    ("memory", "16Mi".to_string()),
                ]),
            }),
            security_context: locked_down(true),
            ..Container::default()
        };
        let pod = PodSpec {
            automount_service_account_token: false,
            enable_service_links: false,
            restart_policy: Some("Never"),
            // busybox's nobody.
            security_context: non_root(Some(65534)),
            containers: vec![container],
            volumes: Vec::new(),
        };
        let name = cron_job_name(&format!("{SCHEDULER}-{i}"));
        objects.push(Box::new(cron_job(
            &name,
            SCHEDULER,
            scheduled.schedule.crontab(),
            pod,
            options,
        )));
    }
    if objects.is_empty() {
        return Ok(None);
    }
    objects.push(Box::new(policy::scheduler(project, options)));
    yaml(&objects).map(Some)
}

/// How to build and push each image, and point the manifests at it.
pub fn images_readme(project: &Project, options: &Options) -> String {
    let mut text = format!(
        "\nThe manifests run one image per service. Build each one, push it to a registry your\n\
         cluster pulls from, and point the manifests at it with kustomize, e.g.\n\
         `kustomize edit set image {UNBUILT}/{ns}/web=registry.example.com/web:1.0.0`, then\n\
         `kubectl apply -k .`. Secrets a service lists in svc.yaml are read from the Secret\n\
         `<service>-secrets`, which you create: see docs/kubernetes.md.\n",
        ns = options.namespace
    );
    text.push_str(&build_sections(
        project,
        &options.project_dir,
        None,
        |service| image(service, options),
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::cron_job_name;

    #[test]
    fn cron_job_names_fit_the_api_and_stay_apart() {
        assert_eq!(cron_job_name("nightly-schedule-0"), "nightly-schedule-0");
        let long = "nightly-reconciliation-of-customer-invoices-x-schedule-0";
        let other = "nightly-reconciliation-of-customer-invoices-x-schedule-1";
        assert!(cron_job_name(long).len() <= 52);
        assert_ne!(cron_job_name(long), cron_job_name(other));
        assert_eq!(cron_job_name(long), cron_job_name(long));
        assert!(cron_job_name(long).starts_with("nightly-reconciliation"));
    }
}
