//! The compose target: a runnable stack where only declared callers reach private services.
//!
//! Docker networks are symmetric and bindings are not, so no two services ever share a
//! network. Each service sits alone with the gateway on its own internal network; a binding
//! from C to T is a gateway listener on the gateway's address in C's network, answering to T's
//! alias there only, and proxying to T over T's network. See docs/compose.md.

mod addresses;
mod model;
mod runtime;
mod scheduler;
mod tls;

pub use addresses::{Pool, default_pool};

use crate::check::Checked;
use crate::diag::{Diagnostic, Diagnostics};
use crate::emit::Artifacts;
use crate::emit::nginx::conf::{self, Arg, Item, block, comment, simple};
use crate::emit::nginx::{self, Gateway};
use crate::ir::{Command, EnvValue, ImageSource, Project, Service, ServiceId, Trigger, Workload};
use crate::settings::{ComposeSettings, Tls};
use addresses::{Layout, ServiceNet, allocate};
use indexmap::IndexMap;
use model::{Attachment, Build, ComposeFile, Config, ConfigMount, Ipam, Network, Subnet};
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
    /// Runs the schedules: busybox's crond and wget.
    pub scheduler_image: String,
    /// The origin the stack is reached at, for injected public URLs.
    pub public_url: String,
    /// The project directory as seen from the directory compose.yaml is written to (`""` when
    /// it is the same), so build contexts resolve.
    pub project_dir: String,
    /// Limits and timeouts for the gateway; addresses are the compose target's own.
    pub gateway: nginx::Options,
    /// HTTPS at the gateway, published on `https_port`; plain HTTP then redirects there.
    pub tls: Option<Tls>,
    pub https_port: u16,
}

impl Options {
    pub fn from_settings(
        settings: &ComposeSettings,
        gateway: nginx::Options,
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
pub const TARGET: crate::emit::registry::Target = crate::emit::registry::Target {
    name: "compose",
    start_rank: 0,
    emit: |run| {
        let options = Options::from_settings(
            &run.settings.compose,
            run.gateway(),
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
    let layout = match pool.and_then(|pool| allocate(pool, &ids).map(|layout| (pool, layout))) {
        Ok((pool, layout)) => {
            reject_pool_destinations(project, pool, &mut diags);
            layout
        }
        Err(reason) => {
            diags.push(
                Diagnostic::error("compose-addresses", format!("cannot lay out the compose networks: {reason}"))
                    .key("compose.subnet_pool")
                    .help("set `compose.subnet_pool` in svc.yaml to a larger free block, e.g. `10.213.0.0/16`"),
            );
            return Err(diags);
        }
    };
    if diags.has_errors() {
        return Err(diags);
    }
    let gateway_config = gateway_config(project, options, &layout)?;
    let yaml_size = expected_yaml_size(&gateway_config, project.services.len());
    let mut services = IndexMap::new();
    services.insert(
        GATEWAY.to_string(),
        gateway_service(project, options, &layout),
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
                "compose-serialize",
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
                    Diagnostic::error("compose-internal-destination", format!("`{url}` points into the compose networks ({pool})"))
                        .key(format!("{}.{key}", origin.key))
                        .at(origin.at.file, origin.at.span, "an address of a service network")
                        .help("route to a service with a service destination; public requests must not reach service networks by address"),
                );
            }
        }
    }
}

/// The nginx target's routing plus one listener per binding grant, with every `$` doubled
/// because Compose interpolates config content.
fn gateway_config(
    project: &Checked<Project>,
    options: &Options,
    layout: &Layout,
) -> Result<String, Diagnostics> {
    let mut nginx_options = options.gateway.clone();
    nginx_options.listen = if options.tls.is_some() {
        tls::HTTPS_PORT
    } else {
        80
    };
    nginx_options.listen_address = Some(layout.public_gateway.clone());
    nginx_options.resolver = Some(nginx::DOCKER_RESOLVER.to_string());
    nginx_options.upstreams = project
        .services
        .values()
        .filter(|s| layout.services.contains_key(&s.name))
        .map(|s| {
            (
                s.name.clone(),
                format!("{}:{}", layout.services[&s.name].service, s.port),
            )
        })
        .collect();
    let mut gateway = Gateway::build(project, &nginx_options)?;
    let mut taken = std::collections::BTreeSet::new();
    if let Some(net) = layout.services.get(&scheduler::layout_id())
        && project.requests_public_paths_on_schedule()
    {
        // The scheduler requests top-level cron paths through the public routing, from its
        // own network: the same paths the internet has, and no others.
        let listen = format!("{}:80", net.gateway);
        gateway
            .public_server
            .insert(0, simple("listen", vec![Arg::text(&listen)]));
        taken.insert(listen);
    }
    if let Some(origin) = InsideOrigin::of(project, options) {
        // Services reach the public origin as the internet does: the public server listens
        // on the gateway's address in each service network, at the origin's port.
        // Not for a service with `egress: false`: the public routes lead to external origins.
        let listens: Vec<Item> = layout
            .services
            .iter()
            .filter(|(id, _)| project.services.get(id).is_some_and(|s| s.egress))
            .map(|(_, net)| format!("{}:{}", net.gateway, origin.port))
            .filter(|listen| taken.insert(listen.clone()))
            .map(|listen| {
                let mut args = vec![Arg::text(listen)];
                if origin.tls {
                    args.push(Arg::Word("ssl"));
                }
                simple("listen", args)
            })
            .collect();
        gateway.public_server.splice(0..0, listens);
    }
    let grants = grants(project, layout);
    if !grants.is_empty() {
        gateway.http.extend(grant_defaults(options));
    }
    let mut listeners = grant_listeners(&grants, taken.clone());
    let mut redirect = Vec::new();
    if options.tls.is_some() {
        tls::serve_https(&mut gateway.public_server, &layout.public_gateway);
        redirect.push(tls::redirect_server(&layout.public_gateway, options));
        listeners += 1;
    }
    let servers = redirect
        .into_iter()
        .chain(grants.iter().map(|grant| grant_servers(grant, &mut taken)));
    Ok(gateway.print_with_servers(conf::Dollars::Doubled, listeners, servers))
}

/// The public origin as services reach it from inside the stack: its host, and the host of each
/// subdomain mount, name the gateway in every service network, where the public server also
/// listens on the origin's port. Only for an origin named by a DNS name (an address or
/// `localhost` cannot be given to the gateway), over `http://`, or over `https://` when the
/// gateway has the certificate (`compose.tls`); services reach any other `https://` origin
/// through the internet, as anyone does.
struct InsideOrigin {
    hosts: Vec<String>,
    port: u16,
    /// The gateway answers it with TLS.
    tls: bool,
}

impl InsideOrigin {
    fn of(project: &Project, options: &Options) -> Option<InsideOrigin> {
        let (rest, tls, default_port) = match options.public_url.strip_prefix("http://") {
            Some(rest) => (rest, false, 80),
            None if options.tls.is_some() => (
                options.public_url.strip_prefix("https://")?,
                true,
                tls::HTTPS_PORT,
            ),
            None => return None,
        };
        let authority = rest.split(['/', '?', '#']).next()?;
        let host = authority.split(':').next()?.to_ascii_lowercase();
        let port = crate::host::explicit_port(&options.public_url).unwrap_or(default_port);
        let is_name = host != "localhost"
            && host.parse::<std::net::Ipv4Addr>().is_err()
            && host.split('.').all(|label| {
                !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !is_name {
            return None;
        }
        let mut hosts: Vec<String> = project
            .services
            .values()
            .flat_map(|s| s.env.values())
            .filter_map(|value| match value {
                EnvValue::PublicUrl(url) => url.subdomain.as_ref(),
                EnvValue::Literal(_) => None,
            })
            .map(|sub| format!("{sub}.{host}"))
            .collect();
        hosts.push(host);
        hosts.sort();
        hosts.dedup();
        Some(InsideOrigin { hosts, port, tls })
    }
}

/// A one-way permission the gateway carries out: `caller` may reach `target` at its alias.
struct Grant<'a> {
    caller: &'a ServiceNet,
    target: &'a Service,
    target_net: &'a ServiceNet,
    why: String,
}

/// Every binding, and the scheduler's right to request each cron service.
fn grants<'a>(project: &'a Project, layout: &'a Layout) -> Vec<Grant<'a>> {
    let mut seen = std::collections::BTreeSet::new();
    let mut grants = Vec::new();
    for binding in &project.bindings {
        if !seen.insert((&binding.caller, &binding.target)) {
            continue;
        }
        grants.push(Grant {
            caller: &layout.services[&binding.caller],
            target: &project.services[&binding.target],
            target_net: &layout.services[&binding.target],
            why: format!(
                "binding grant: {} -> {} ({})",
                binding.caller, binding.target, binding.env
            ),
        });
    }
    if let Some(scheduler_net) = layout.services.get(&scheduler::layout_id()) {
        for target in &project.scheduled_services() {
            grants.push(Grant {
                caller: scheduler_net,
                target: &project.services[target],
                target_net: &layout.services[target],
                why: format!("schedule grant: scheduler -> {target}"),
            });
        }
    }
    grants
}

/// What every grant's proxying shares, said once at the `http` level, where each grant's
/// location inherits it. The public server's locations set their own (nginx inherits a
/// directive only into blocks that do not set it), so nothing of theirs changes.
fn grant_defaults(options: &Options) -> Vec<Item> {
    let mut items = vec![
        Item::Blank,
        comment("every binding grant proxies with these (their locations set none of their own)"),
        simple(
            "proxy_set_header",
            vec![Arg::text("Host"), Arg::var("http_host")],
        ),
    ];
    items.extend(nginx::proxy_headers(&options.gateway));
    items
}

/// Where the gateway listens for a grant: its address in the caller's network, on the
/// target's port.
fn grant_listen(grant: &Grant) -> String {
    format!("{}:{}", grant.caller.gateway, grant.target.port)
}

/// How many `listen` directives the grants' servers hold: one each, and one more for each
/// address's default server.
fn grant_listeners(grants: &[Grant], mut taken: std::collections::BTreeSet<String>) -> u64 {
    grants
        .iter()
        .map(|grant| 1 + u64::from(taken.insert(grant_listen(grant))))
        .sum()
}

/// A grant's server: on the gateway's address in the caller's network, at the target's port,
/// for the target's alias, admitting the caller's address only; it proxies to the target's
/// address on the target's network. The first server on each address and port is preceded by
/// a default server answering 421, so a request for a name the caller was not granted lands
/// nowhere (unless a listener in `taken`, the public server, is already that default).
fn grant_servers(grant: &Grant, taken: &mut std::collections::BTreeSet<String>) -> Vec<Item> {
    let mut items = Vec::new();
    let target = grant.target;
    let listen = grant_listen(grant);
    let location = vec![simple(
        "proxy_pass",
        vec![Arg::text(format!(
            "http://{}:{}",
            grant.target_net.service, target.port
        ))],
    )];
    if taken.insert(listen.clone()) {
        items.push(Item::Blank);
        items.push(comment(format!(
            "{listen}: names the caller was not granted"
        )));
        items.push(block(
            "server",
            vec![],
            vec![
                simple(
                    "listen",
                    vec![Arg::text(&listen), Arg::Word("default_server")],
                ),
                simple("return", vec![Arg::Number(421)]),
            ],
        ));
    }
    items.push(Item::Blank);
    items.push(comment(grant.why.clone()));
    items.push(block(
        "server",
        vec![],
        vec![
            simple("listen", vec![Arg::text(&listen)]),
            simple("server_name", vec![Arg::text(binding_alias(target))]),
            simple("allow", vec![Arg::text(&grant.caller.service)]),
            simple("deny", vec![Arg::Word("all")]),
            block("location", vec![Arg::text("/")], location),
        ],
    ));
    items
}

fn gateway_service(project: &Project, options: &Options, layout: &Layout) -> model::Service {
    let origin = InsideOrigin::of(project, options);
    let mut networks = IndexMap::new();
    networks.insert(
        PUBLIC_NETWORK.to_string(),
        Attachment {
            ipv4_address: Some(layout.public_gateway.clone()),
            aliases: Vec::new(),
        },
    );
    for service in project.services.values() {
        let Some(net) = layout.services.get(&service.name) else {
            continue;
        };
        let targets = project.bindings_from(&service.name).map(|b| &b.target);
        let mut aliases = aliases(project, targets);
        if service.egress {
            aliases.extend(origin.iter().flat_map(|o| o.hosts.iter().cloned()));
        }
        networks.insert(
            network_name(service),
            Attachment {
                ipv4_address: Some(net.gateway.clone()),
                aliases,
            },
        );
    }
    if let Some(net) = layout.services.get(&scheduler::layout_id()) {
        networks.insert(
            scheduler::NETWORK.to_string(),
            Attachment {
                ipv4_address: Some(net.gateway.clone()),
                aliases: aliases(project, project.scheduled_services().iter()),
            },
        );
    }
    model::Service {
        image: Some(options.gateway_image.clone()),
        init: true,
        restart: "unless-stopped",
        ports: published_ports(options),
        healthcheck: Some(gateway_healthcheck(layout)),
        // Writable: compose copies inline `configs` into a container as it starts, which it
        // refuses to do for a read-only one.
        cap_drop: vec!["ALL"],
        cap_add: gateway_capabilities(options),
        security_opt: vec![NO_NEW_PRIVILEGES],
        // The gateway sits on every service network: it forwards no packet between them, drops
        // packets whose source could not have come in on their interface, and answers ARP only
        // for the address a network's own interface has.
        sysctls: IndexMap::from([
            ("net.ipv4.ip_forward".to_string(), "0".to_string()),
            ("net.ipv4.conf.all.rp_filter".to_string(), "1".to_string()),
            (
                "net.ipv4.conf.default.rp_filter".to_string(),
                "1".to_string(),
            ),
            ("net.ipv4.conf.all.arp_ignore".to_string(), "1".to_string()),
        ]),
        configs: vec![ConfigMount {
            source: GATEWAY_CONFIG.to_string(),
            target: "/etc/nginx/nginx.conf".to_string(),
        }],
        secrets: if options.tls.is_some() {
            tls::secret_mounts()
        } else {
            Vec::new()
        },
        networks,
        ..model::Service::default()
    }
}

/// nginx's master binds its ports and hands its workers to an unprivileged user (and the
/// official image chowns its cache to it); with TLS it reads the key, which is often readable
/// by its owner only (a mounted file keeps its owner from the host). Nothing else, and never
/// raw sockets.
fn gateway_capabilities(options: &Options) -> Vec<&'static str> {
    let mut capabilities = vec!["CHOWN", "NET_BIND_SERVICE", "SETGID", "SETUID"];
    if options.tls.is_some() {
        capabilities.insert(0, "DAC_READ_SEARCH");
    }
    capabilities
}

/// The gateway is up when its public server answers (any status: the routing decides that).
fn gateway_healthcheck(layout: &Layout) -> model::Healthcheck {
    let check = crate::ir::HealthCheck::with_defaults(crate::ir::Probe::Answers);
    let url = format!("http://{}:80/", layout.public_gateway);
    runtime::timed(crate::emit::health::answers_with_wget(&url), &check)
}

/// The names the gateway answers to on a caller's network: its targets' aliases.
fn aliases<'a>(project: &Project, targets: impl Iterator<Item = &'a ServiceId>) -> Vec<String> {
    let mut aliases: Vec<String> = targets
        .map(|t| binding_alias(&project.services[t]))
        .collect();
    aliases.sort();
    aliases.dedup();
    aliases
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
    let writable = runtime::writable_dirs(service);
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

/// The image svc.yaml names; else the service's own Dockerfile; else the Dockerfile svc
/// generates from its framework, inline, with the build's context and arguments.
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
                Box::new(Diagnostic::error("compose-internal", e).key(&service.key))
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
