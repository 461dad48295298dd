//! The compose target: a runnable stack where only declared callers reach private services.
//!
//! Docker networks are symmetric and bindings are not, so no two services ever share a
//! network. Each service sits alone with the gateway on its own internal network; a binding
//! from C to T is a gateway listener on the gateway's address in C's network, answering to T's
//! alias there only, and proxying to T over T's network. See docs/compose.md.

mod addresses;
mod gateway;
mod model;
mod runtime;
mod scheduler;
mod tls;

pub use addresses::{Pool, default_pool};

use crate::check::Checked;
use crate::diag::Code;
use crate::diag::{Diagnostic, Diagnostics};
use crate::emit::Artifacts;
use crate::emit::gateway::Limits;
use crate::ir::{Command, EnvValue, ImageSource, Project, Service, ServiceId, Trigger, Workload};
use crate::settings::{ComposeSettings, Tls};
use addresses::{Layout, allocate};
use indexmap::IndexMap;
use model::{Attachment, Build, ComposeFile, Config, Ipam, Network, Subnet};
use serde_saphyr::LitString;

pub const FILE_NAME: &str = "compose.yaml";
/// The compose service that runs the gateway. svc's own services and networks have a dot in
/// their names, which no service name in vercel.json can hold, so a user's service may be
/// called `gateway` or `scheduler`.
pub const GATEWAY: &str = "svc.gateway";
/// A pinned official nginx image.
pub const DEFAULT_GATEWAY_IMAGE: &str = "nginx:1.27.5-alpine";
const GATEWAY_CONFIG: &str = "gateway_conf";
/// `host_port: 0`: the engine picks a free port (`docker compose port svc.gateway 80` tells which),
/// so several copies of a stack share one host.
pub const EPHEMERAL_PORT: u16 = 0;
const PUBLIC_NETWORK: &str = "public";
const EGRESS_NETWORK: &str = "egress";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The compose project name.
    pub name: String,
    pub gateway_image: String,
    pub host_port: u16,
    pub bind_address: String,
    /// `None`: [`default_pool`], picked from the name and sized to the project.
    pub subnet_pool: Option<String>,
    /// Where svc.yaml sets it.
    pub subnet_pool_origin: Option<crate::ir::Origin>,
    /// Runs the schedules: busybox's crond and wget.
    pub scheduler_image: String,
    /// The origin the stack is reached at, for injected public URLs.
    pub public_url: String,
    /// The project directory as seen from the directory compose.yaml is written to (`""` when
    /// it is the same), so build contexts resolve.
    pub project_dir: String,
    /// Limits and timeouts for the gateway; addresses are the compose target's own.
    pub gateway: Limits,
    /// HTTPS at the gateway, published on `https_port`; plain HTTP then redirects there.
    pub tls: Option<Tls>,
    pub https_port: u16,
}

impl Options {
    pub fn from_settings(
        settings: &ComposeSettings,
        gateway: Limits,
        default_name: &str,
        project_dir: &str,
    ) -> Options {
        let name = settings
            .name
            .clone()
            .unwrap_or_else(|| project_name(default_name));
        // `<name>.localhost`: browsers on the host resolve it to loopback, and inside the stack
        // it names the gateway (see `InsideOrigin`), where `localhost` would be the container.
        let https_port = settings.https_port.unwrap_or(tls::DEFAULT_HOST_PORT);
        let public_url = settings.public_url.clone().unwrap_or_else(|| {
            let (scheme, port) = match settings.tls {
                Some(_) => ("https", https_port),
                None => (
                    "http",
                    settings
                        .host_port
                        .unwrap_or(crate::settings::DEFAULT_HTTP_PORT),
                ),
            };
            match port {
                EPHEMERAL_PORT | tls::HTTPS_PORT if scheme == "https" => {
                    format!("https://{name}.localhost")
                }
                EPHEMERAL_PORT => format!("{scheme}://{name}.localhost"),
                port => format!("{scheme}://{name}.localhost:{port}"),
            }
        });
        Options {
            subnet_pool: settings.subnet_pool.clone(),
            subnet_pool_origin: settings.subnet_pool_origin,
            public_url,
            name,
            gateway_image: settings
                .gateway_image
                .clone()
                .unwrap_or_else(|| DEFAULT_GATEWAY_IMAGE.to_string()),
            host_port: settings
                .host_port
                .unwrap_or(crate::settings::DEFAULT_HTTP_PORT),
            scheduler_image: settings
                .scheduler_image
                .clone()
                .unwrap_or_else(|| scheduler::DEFAULT_IMAGE.to_string()),
            bind_address: settings
                .bind_address
                .clone()
                .unwrap_or_else(|| "0.0.0.0".to_string()),
            project_dir: project_dir.to_string(),
            gateway,
            tls: settings.tls.clone(),
            https_port,
        }
    }
}

/// The gateway's `ports:`; an ephemeral port leaves the host side empty, compose's way of
/// asking the engine for one.
fn published_ports(options: &Options) -> Vec<String> {
    let publish = |host: u16, container: u16| match host {
        EPHEMERAL_PORT => format!("{}::{container}", options.bind_address),
        port => format!("{}:{port}:{container}", options.bind_address),
    };
    let mut ports = vec![publish(options.host_port, 80)];
    if options.tls.is_some() {
        ports.push(publish(options.https_port, tls::HTTPS_PORT));
    }
    ports
}

/// A compose project name from a directory name: lowercase letters, digits, `-` and `_`.
pub fn project_name(dir_name: &str) -> String {
    let name: String = dir_name
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let name = name.trim_start_matches(['-', '_']).to_string();
    if name.is_empty() {
        "svc".to_string()
    } else {
        name
    }
}

/// The name a bound target answers to inside its callers' networks. Service names in
/// vercel.json cannot contain a dot, so an alias never collides with one.
pub fn binding_alias(service: &Service) -> String {
    format!("{}.internal", service.hostname)
}

fn network_name(service: &Service) -> String {
    format!("svc-{}", service.hostname)
}

/// The compose target in the registry. It starts first among several: its many allocations
/// reuse the memory the front half of the pipeline freed on the calling thread.
pub const TARGET: crate::emit::target::Target = crate::emit::target::Target {
    name: "compose",
    start_rank: 0,
    emit: |run| {
        let options = Options::from_settings(
            &run.settings.compose,
            run.gateway_limits(),
            &run.dir_name(),
            &run.project_dir(),
        );
        emit(run.project, &options)
    },
};

pub fn emit(project: &Checked<Project>, options: &Options) -> Result<Artifacts, Diagnostics> {
    let mut diags = Diagnostics::default();
    // Jobs are started, not requested: compose cannot start a container from inside the stack.
    let with_scheduler = project.requests_on_schedule();
    // Only services that listen get a network; the scheduler's comes last, so adding schedules
    // moves no service's addresses.
    let mut ids: Vec<ServiceId> = project
        .services
        .values()
        .filter(|s| s.workload.listens())
        .map(|s| s.name.clone())
        .collect();
    if with_scheduler {
        ids.push(scheduler::layout_id());
    }
    let pool = match &options.subnet_pool {
        Some(cidr) => Pool::parse(cidr),
        None => Ok(default_pool(&options.name, ids.len())),
    };
    if let Ok(pool) = pool {
        reject_pool_destinations(project, pool, &mut diags);
    }
    let layout = match pool.and_then(|pool| allocate(pool, &ids)) {
        Ok(layout) => layout,
        Err(reason) => {
            let mut diagnostic = Diagnostic::error(
                Code::ComposeAddresses,
                format!("cannot lay out the compose networks: {reason}"),
            )
            .key("compose.subnet_pool")
            .help("set `compose.subnet_pool` in svc.yaml to a larger free block, e.g. `10.213.0.0/16`");
            if let Some(origin) = options.subnet_pool_origin {
                diagnostic = diagnostic.at(origin.file, origin.span, "too small for the networks");
            }
            diags.push(diagnostic);
            return Err(diags);
        }
    };
    if diags.has_errors() {
        return Err(diags);
    }
    let gateway_config = gateway::config(project, options, &layout)?;
    let yaml_size = expected_yaml_size(&gateway_config, project.services.len());
    let mut services = IndexMap::new();
    services.insert(
        GATEWAY.to_string(),
        gateway::service(project, options, &layout),
    );
    if with_scheduler {
        services.insert(
            scheduler::SERVICE.to_string(),
            scheduler::service(project, options, &layout),
        );
    }
    let waits = project.startup_waits();
    for service in project.services.values() {
        match app_service(project, service, options, &layout, &waits) {
            Ok(compose_service) => {
                services.insert(service.name.0.clone(), compose_service);
            }
            Err(diagnostic) => diags.push(*diagnostic),
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    let file = ComposeFile {
        name: options.name.clone(),
        services,
        networks: networks(project, &layout),
        configs: configs(project, options, gateway_config, with_scheduler),
        secrets: options
            .tls
            .as_ref()
            .map(|t| tls::secret_files(t, options))
            .unwrap_or_default(),
    };
    let mut yaml = String::with_capacity(yaml_size);
    match serde_saphyr::to_fmt_writer(&mut yaml, &file) {
        Ok(()) => Ok(Artifacts::single(FILE_NAME, yaml)),
        Err(error) => {
            diags.push(Diagnostic::error(
                Code::ComposeSerialize,
                format!("cannot write compose.yaml: {error}"),
            ));
            Err(diags)
        }
    }
}

/// Room for compose.yaml up front, so the serializer does not copy a file of many megabytes
/// into a larger buffer as it grows: the gateway config as indented under `configs`, and a
/// share per service (a service takes about 480 bytes at 10,000 services; 640 leaves room
/// for more env and bindings before the buffer has to grow).
fn expected_yaml_size(gateway_config: &str, services: usize) -> usize {
    let lines = gateway_config.bytes().filter(|b| *b == b'\n').count();
    gateway_config.len() + 6 * lines + 640 * services + 4096
}

fn configs(
    project: &Project,
    options: &Options,
    gateway_config: String,
    with_scheduler: bool,
) -> IndexMap<String, Config> {
    let mut configs = IndexMap::from([(
        GATEWAY_CONFIG.to_string(),
        Config {
            content: LitString(gateway_config),
        },
    )]);
    if with_scheduler {
        configs.insert(
            scheduler::CRONTAB_CONFIG.to_string(),
            Config {
                content: LitString(literal(&scheduler::crontab(project, &options.public_url))),
            },
        );
    }
    configs
}

/// An absolute rewrite (or route `dest`) to an address inside the pool would reach a service
/// network from the public side; the address is read as nginx reads it ([`crate::host`]), so a
/// leading zero or an IPv4-mapped IPv6 literal is the same address.
fn reject_pool_destinations(project: &Project, pool: Pool, diags: &mut Diagnostics) {
    let tables =
        std::iter::once(&project.routing).chain(project.services.values().map(|s| &s.routing));
    for routing in tables {
        for crate::ir::ProxiedUrl { url, origin, key } in routing.proxied_urls() {
            let Some(address) = crate::host::parse(url).and_then(|h| h.host.ipv4()) else {
                continue;
            };
            if pool.contains(address) {
                diags.push(
                    Diagnostic::error(Code::ComposeInternalDestination, format!("`{url}` points into the compose networks ({pool})"))
                        .key(format!("{}.{key}", origin.key))
                        .at(origin.at.file, origin.at.span, "an address of a service network")
                        .help("route to a service with a service destination; public requests must not reach service networks by address"),
                );
            }
        }
    }
}

fn app_service(
    project: &Project,
    service: &Service,
    options: &Options,
    layout: &Layout,
    waits: &std::collections::BTreeMap<&ServiceId, std::collections::BTreeSet<&ServiceId>>,
) -> Result<model::Service, Box<Diagnostic>> {
    let (image, build) = image_or_build(service, options)?;
    let mut networks = IndexMap::new();
    if service.egress {
        networks.insert(EGRESS_NETWORK.to_string(), Attachment::default());
    }
    if let Some(net) = layout.services.get(&service.name) {
        networks.insert(
            network_name(service),
            Attachment {
                ipv4_address: Some(net.service.clone()),
                aliases: Vec::new(),
            },
        );
    }
    let runs_once = !service.workload.is_long_running();
    let writable = crate::emit::container::writable_dirs(service);
    Ok(model::Service {
        image,
        build,
        // Jobs run when started (`docker compose run --rm <job>`), not with the stack.
        profiles: if runs_once {
            vec!["jobs".to_string()]
        } else {
            Vec::new()
        },
        init: true,
        restart: if runs_once { "no" } else { "unless-stopped" },
        command: service.command.as_ref().map(|c| match c {
            // A string runs through a shell, as a Dockerfile's shell-form CMD does; Compose would
            // otherwise split it itself and refuse what it cannot split.
            Command::Line(line) => vec!["sh".into(), "-c".into(), literal(line)],
            Command::Exec(words) => words.iter().map(|w| literal(w)).collect(),
        }),
        healthcheck: runtime::healthcheck(service),
        depends_on: runtime::depends_on(project, waits, &service.name),
        read_only: writable.is_some(),
        tmpfs: writable.unwrap_or_default(),
        deploy: runtime::deploy(service),
        cap_drop: dropped_capabilities(service),
        security_opt: vec![NO_NEW_PRIVILEGES],
        environment: environment(project, service, options),
        labels: labels(project, service),
        network_mode: networks.is_empty().then_some("none"),
        networks,
        ..model::Service::default()
    })
}

/// `PORT` for a service that listens, each binding's URL, then the project's own variables.
fn environment(
    project: &Project,
    service: &Service,
    options: &Options,
) -> IndexMap<String, String> {
    let mut environment = IndexMap::new();
    if service.workload.listens() {
        environment.insert("PORT".to_string(), service.port.to_string());
    }
    for binding in project.bindings_from(&service.name) {
        let target = &project.services[&binding.target];
        environment.insert(
            binding.env.clone(),
            format!("http://{}:{}", binding_alias(target), target.port),
        );
    }
    for (name, value) in &service.env {
        environment.insert(name.clone(), env_value(value, options));
    }
    for name in &service.secrets {
        environment.insert(name.clone(), secret_reference(name));
    }
    environment
}

/// A secret's value, read by compose when the stack comes up, from the environment of
/// `docker compose` or the `.env` file beside compose.yaml: it is never written here, and `up`
/// stops with this message when it is missing.
fn secret_reference(name: &str) -> String {
    format!("${{{name}:?is a secret in svc.yaml: set it in the environment or in .env}}")
}

/// A variable's value as compose.yaml holds it: public URLs under the stack's origin.
fn env_value(value: &EnvValue, options: &Options) -> String {
    match value {
        EnvValue::Literal(text) => literal(text),
        EnvValue::PublicUrl(url) => literal(&url.under(&options.public_url)),
    }
}

/// What compose itself cannot say about a service, kept where `docker inspect` shows it.
fn labels(project: &Project, service: &Service) -> IndexMap<String, String> {
    let mut labels = IndexMap::new();
    let groups: Vec<&str> = project
        .groups
        .iter()
        .filter(|(_, members)| members.contains(&service.name))
        .map(|(name, _)| name.as_str())
        .collect();
    if !groups.is_empty() {
        labels.insert("svc.groups".to_string(), literal(&groups.join(",")));
    }
    if let Workload::Job { trigger } = &service.workload {
        let (kind, schedules) = match trigger {
            Trigger::Schedule { schedules } => ("schedule", schedules.as_slice()),
            Trigger::Queue(_) => ("queue", &[][..]),
            Trigger::Workflow => ("workflow", &[][..]),
        };
        labels.insert("svc.trigger".to_string(), kind.to_string());
        if !schedules.is_empty() {
            let text: Vec<&str> = schedules.iter().map(|s| s.as_written()).collect();
            labels.insert("svc.schedule".to_string(), literal(&text.join("; ")));
        }
    }
    labels
}

/// Nothing a process runs can gain privileges (setuid binaries, file capabilities).
pub const NO_NEW_PRIVILEGES: &str = "no-new-privileges:true";

/// What svc builds runs as an unprivileged user and needs no capability; an image or
/// Dockerfile of the user's may (bind a low port as root, chown at start), so it keeps the
/// engine's defaults but raw sockets, which would let it forge frames on the networks it is on.
fn dropped_capabilities(service: &Service) -> Vec<&'static str> {
    match service.image_source() {
        ImageSource::Recipe(_) => vec!["ALL"],
        _ => vec!["NET_RAW"],
    }
}

/// The image svc.yaml names; else the service's own Dockerfile; else the Dockerfile svc
/// generates from its framework, inline, with the build's context and arguments.
fn image_or_build(
    service: &Service,
    options: &Options,
) -> Result<(Option<String>, Option<Build>), Box<Diagnostic>> {
    match service.image_source() {
        ImageSource::Dockerfile(path) => {
            let build = Build {
                context: literal(&join(&options.project_dir, &service.root)),
                dockerfile: Some(literal(path)),
                dockerfile_inline: None,
                args: IndexMap::new(),
            };
            Ok((service.image.as_deref().map(literal), Some(build)))
        }
        ImageSource::Image(image) => Ok((Some(literal(image)), None)),
        ImageSource::Recipe(recipe) => {
            let dockerfile = crate::emit::dockerfile::render(service, recipe).map_err(|e| {
                Box::new(Diagnostic::error(Code::ComposeInternal, e).key(&service.key))
            })?;
            let args = service
                .build_args()
                .map(|(name, value)| (name.to_string(), env_value(value, options)))
                .collect();
            let build = Build {
                context: literal(&join(&options.project_dir, &recipe.context)),
                dockerfile: None,
                dockerfile_inline: Some(LitString(literal(&dockerfile))),
                args,
            };
            Ok((None, Some(build)))
        }
        ImageSource::Unbuildable(why) => Err(Box::new(crate::check::unbuildable(service, why))),
    }
}

/// Compose interpolates `$` in every value; a value from the config means what it says, so each
/// `$` is doubled (a command's `$PORT` then reaches the container's shell intact).
fn literal(value: &str) -> String {
    value.replace('$', "$$")
}

fn join(base: &str, path: &str) -> String {
    match (base.trim_end_matches('/'), path) {
        ("", path) => path.to_string(),
        (base, ".") => base.to_string(),
        (base, path) => format!("{base}/{path}"),
    }
}

fn networks(project: &Project, layout: &Layout) -> IndexMap<String, Network> {
    let ipam = |subnet: &str| Ipam {
        config: vec![Subnet {
            subnet: subnet.to_string(),
        }],
    };
    let mut networks = IndexMap::new();
    networks.insert(
        PUBLIC_NETWORK.to_string(),
        Network {
            internal: false,
            driver_opts: IndexMap::new(),
            ipam: ipam(&layout.public_subnet),
        },
    );
    networks.insert(
        EGRESS_NETWORK.to_string(),
        Network {
            internal: false,
            driver_opts: IndexMap::from([(
                "com.docker.network.bridge.enable_icc".to_string(),
                "false".to_string(),
            )]),
            ipam: ipam(&layout.egress_subnet),
        },
    );
    for service in project.services.values() {
        if let Some(net) = layout.services.get(&service.name) {
            networks.insert(
                network_name(service),
                Network {
                    internal: true,
                    driver_opts: IndexMap::new(),
                    ipam: ipam(&net.subnet),
                },
            );
        }
    }
    if let Some(net) = layout.services.get(&scheduler::layout_id()) {
        networks.insert(
            scheduler::NETWORK.to_string(),
            Network {
                internal: true,
                driver_opts: IndexMap::new(),
                ipam: ipam(&net.subnet),
            },
        );
    }
    networks
}
