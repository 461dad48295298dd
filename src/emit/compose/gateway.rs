//! The gateway service of the stack: on the public network and every service network, running
//! the gateway ([`crate::emit::gateway`]) with a grant per binding.

use super::addresses::{Layout, ServiceNet};
use super::model::{self, Attachment, ConfigMount};
use super::{
    GATEWAY_CONFIG, NO_NEW_PRIVILEGES, Options, PUBLIC_NETWORK, binding_alias, network_name,
    published_ports, scheduler, tls,
};
use crate::check::Checked;
use crate::diag::Diagnostics;
use crate::emit::gateway::{self, Gateway, Grant, Host, Listen};
use crate::ir::{EnvValue, Project, ServiceId};
use indexmap::IndexMap;

/// The gateway's config: the public routing on the public network (and on each service
/// network, for the public origin and the scheduler's public paths), and one grant per binding.
pub(super) fn config(
    project: &Checked<Project>,
    options: &Options,
    layout: &Layout,
) -> Result<String, Diagnostics> {
    let host = Host::Compose(gateway::Compose {
        listens: listens(project, options, layout),
        upstreams: project
            .services
            .values()
            .filter(|s| layout.services.contains_key(&s.name))
            .map(|s| {
                (
                    s.name.clone(),
                    format!("{}:{}", layout.services[&s.name].service, s.port),
                )
            })
            .collect(),
        tls: options
            .tls
            .as_ref()
            .map(|_| super::tls::gateway_tls(&layout.public_gateway, options)),
    });
    let mut gateway = Gateway::build(project, &host, &options.gateway)?;
    for grant in grants(project, layout) {
        gateway.grant(grant);
    }
    Ok(gateway.print())
}

/// Where the public server listens, in the order the config lists them.
fn listens(project: &Project, options: &Options, layout: &Layout) -> Vec<Listen> {
    let mut listens = Vec::new();
    if let Some(origin) = InsideOrigin::of(project, options) {
        // Services reach the public origin as the internet does: the public server listens
        // on the gateway's address in each service network, at the origin's port.
        // Not for a service with `egress: false`: the public routes lead to external origins.
        listens.extend(
            layout
                .services
                .iter()
                .filter(|(id, _)| project.services.get(id).is_some_and(|s| s.egress))
                .map(|(_, net)| Listen {
                    tls: origin.tls,
                    ..Listen::on(&net.gateway, origin.port)
                }),
        );
    }
    if let Some(net) = layout.services.get(&scheduler::layout_id())
        && project.requests_public_paths_on_schedule()
    {
        // The scheduler requests top-level cron paths through the public routing, from its
        // own network: the same paths the internet has, and no others.
        listens.push(Listen::on(&net.gateway, 80));
    }
    let public = match options.tls {
        Some(_) => Listen {
            tls: true,
            ..Listen::on(&layout.public_gateway, tls::HTTPS_PORT)
        },
        None => Listen::on(&layout.public_gateway, 80),
    };
    listens.push(public);
    listens
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

/// Every binding, and the scheduler's right to request each cron service: the gateway listens
/// on its address in the caller's network, at the target's port, for the target's alias.
fn grants(project: &Project, layout: &Layout) -> Vec<Grant> {
    let grant = |caller: &ServiceNet, target: &ServiceId, why: String| {
        let target_net = &layout.services[target];
        let target = &project.services[target];
        Grant {
            listen: Listen::on(&caller.gateway, target.port),
            server_name: binding_alias(target),
            admit: caller.service.clone(),
            upstream: format!("{}:{}", target_net.service, target.port),
            why,
        }
    };
    let mut seen = std::collections::BTreeSet::new();
    let mut grants = Vec::new();
    for binding in &project.bindings {
        if !seen.insert((&binding.caller, &binding.target)) {
            continue;
        }
        grants.push(grant(
            &layout.services[&binding.caller],
            &binding.target,
            format!(
                "binding grant: {} -> {} ({})",
                binding.caller, binding.target, binding.env
            ),
        ));
    }
    if let Some(scheduler_net) = layout.services.get(&scheduler::layout_id()) {
        for target in &project.scheduled_services() {
            grants.push(grant(
                scheduler_net,
                target,
                format!("schedule grant: scheduler -> {target}"),
            ));
        }
    }
    grants
}

pub(super) fn service(project: &Project, options: &Options, layout: &Layout) -> model::Service {
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
    super::runtime::timed(crate::emit::health::answers_with_wget(&url), &check)
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
