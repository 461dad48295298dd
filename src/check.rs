//! Check stage: the invariants of a lowered [`Project`]. Only this module can build a
//! [`Checked`] project, so targets never see an unchecked graph.

use crate::diag::Code;
use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::{Form, Project, ServiceId};
use crate::naming::{MAX_DNS_LABEL, is_valid_legacy_service_name, is_valid_service_name};
use std::collections::BTreeMap;
use std::ops::Deref;

/// A project that passed every check.
#[derive(Debug, Clone)]
pub struct Checked<T>(T);

impl<T> Deref for Checked<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// Runs every check, adding to `diags`; the project is checked only if no error was found, here
/// or in an earlier stage.
pub fn check(project: Project, diags: &mut Diagnostics) -> Option<Checked<Project>> {
    check_names(&project, diags);
    check_external_hosts(&project, diags);
    check_route_destinations(&project, diags);
    check_builds(&project, diags);
    (!diags.has_errors()).then_some(Checked(project))
}

fn check_names(project: &Project, diags: &mut Diagnostics) {
    let mut by_hostname: BTreeMap<&str, Vec<&ServiceId>> = BTreeMap::new();
    for (id, service) in &project.services {
        let origin = service.origin;
        if project.form == Form::Legacy && !is_valid_legacy_service_name(id.as_str()) {
            diags.push(
                Diagnostic::error(Code::InvalidServiceName, format!("service name `{id}` is not allowed"))
                    .key(&service.key)
                    .at(origin.file, origin.span, "invalid name")
                    .help("legacy names are 1-64 characters of letters, digits, `-` and `_`, starting with a letter and ending with a letter or digit"),
            );
        } else if project.form == Form::Current && !is_valid_service_name(id.as_str()) {
            diags.push(
                Diagnostic::error(Code::InvalidServiceName, format!("service name `{id}` is not allowed"))
                    .key(&service.key)
                    .at(origin.file, origin.span, "invalid name")
                    .help(format!(
                        "names are 1-64 characters of lowercase letters, `-` and `_`, starting and ending with a letter{}",
                        suggest_name(id.as_str()).map(|s| format!(": try `{s}`")).unwrap_or_default()
                    )),
            );
        } else if service.hostname.len() > MAX_DNS_LABEL {
            diags.push(
                Diagnostic::error(
                    Code::NameTooLong,
                    format!("service name `{id}` is too long for a hostname"),
                )
                .key(&service.key)
                .at(
                    origin.file,
                    origin.span,
                    format!("{} characters", id.as_str().len()),
                )
                .help(format!(
                    "hostnames are at most {MAX_DNS_LABEL} characters: shorten the name"
                )),
            );
        }
        by_hostname.entry(&service.hostname).or_default().push(id);
    }
    for (hostname, mut ids) in by_hostname.into_iter().filter(|(_, ids)| ids.len() > 1) {
        // Blame each later declaration, as a reader of the file would.
        ids.sort_by_key(|id| project.services[*id].origin.span.start);
        let first = &project.services[ids[0]];
        for later in &ids[1..] {
            let second = &project.services[*later];
            diags.push(
                Diagnostic::error(
                    Code::NameCollision,
                    format!(
                        "services `{}` and `{}` both become hostname `{hostname}`",
                        ids[0], ids[1]
                    ),
                )
                .key(format!("services.{}", ids[1]))
                .at(
                    second.origin.file,
                    second.origin.span,
                    format!("becomes `{hostname}`"),
                )
                .also(
                    first.origin.file,
                    first.origin.span,
                    format!("also becomes `{hostname}`"),
                )
                .help("`_` becomes `-` in hostnames; rename one of the services"),
            );
        }
    }
}

/// An absolute URL in a rewrite or a route's `dest` is proxied by the gateway, which sits next to
/// every service. A host that reaches inside (a service by any of its names: name, hostname,
/// `.internal` alias, container name; svc's own parts), the gateway's own machine or link
/// (loopback, cloud metadata), or one that carries credentials, would hand what is private to
/// the public. Hosts are read as nginx reads them ([`crate::host`]).
fn check_external_hosts(project: &Project, diags: &mut Diagnostics) {
    let names: std::collections::HashSet<&str> = project
        .services
        .values()
        .flat_map(|s| [s.name.as_str(), s.hostname.as_str()])
        .collect();
    let tables =
        std::iter::once(&project.routing).chain(project.services.values().map(|s| &s.routing));
    for routing in tables {
        for crate::ir::ProxiedUrl { url, origin, key } in routing.proxied_urls() {
            let Some(parsed) = crate::host::parse(url) else {
                continue;
            };
            let Some((why, help)) = inside_reach(&parsed, &names) else {
                continue;
            };
            diags.push(
                Diagnostic::error(
                    Code::InternalDestination,
                    format!("`{url}` sends public requests to {why}"),
                )
                .key(format!("{}.{key}", origin.key))
                .at(
                    origin.at.file,
                    origin.at.span,
                    "proxied by the gateway, inside the network",
                )
                .help(help),
            );
        }
    }
}

/// Why a proxied host would reach what the public must not, if it would.
fn inside_reach(
    parsed: &crate::host::UrlHost,
    names: &std::collections::HashSet<&str>,
) -> Option<(&'static str, &'static str)> {
    use crate::host::Host;
    const TO_A_SERVICE: &str = "to route to a service, use `\"destination\": { \"service\": \"<name>\" }`; an external origin is reached by its public name";
    if parsed.userinfo {
        return Some((
            "a URL with credentials in it, which the gateway would send on every request",
            "remove `user@` from the URL; an origin that needs credentials gets them from a header rule or the app",
        ));
    }
    if parsed.host.is_local() {
        return Some((
            "the gateway's own machine or link (loopback, or the cloud's metadata address)",
            TO_A_SERVICE,
        ));
    }
    let Host::Name(name) = &parsed.host else {
        return None;
    };
    let own = ["svc.gateway", "svc.scheduler", "internal"];
    if names.contains(name.as_str())
        || own.contains(&name.as_str())
        || name.ends_with(".internal")
        || names_container(name, names)
    {
        return Some(("a service's internal address", TO_A_SERVICE));
    }
    None
}

/// `<project>-<service>-<n>` (and compose v1's `_` form): the container of a service.
fn names_container(name: &str, names: &std::collections::HashSet<&str>) -> bool {
    let numbered = name.trim_end_matches(|c: char| c.is_ascii_digit());
    if numbered.len() == name.len() {
        return false;
    }
    let Some(rest) = numbered.strip_suffix(['-', '_']) else {
        return false;
    };
    rest.char_indices()
        .filter(|(_, c)| matches!(c, '-' | '_'))
        .any(|(at, _)| names.contains(&rest[at + 1..]))
}

/// Public routes reach web services only: a worker and a job have no port, and a cron service
/// answers the scheduler alone.
fn check_route_destinations(project: &Project, diags: &mut Diagnostics) {
    let routes = project
        .routing
        .routes
        .iter()
        .filter_map(|r| Some((r.service.as_ref()?, &r.origin)));
    let rewrites = project
        .routing
        .rewrites
        .iter()
        .filter_map(|r| match &r.destination {
            crate::ir::Destination::Service(s) => Some((s, &r.origin)),
            _ => None,
        });
    for (destination, origin) in routes.chain(rewrites) {
        let service = &project.services[&destination.service];
        let what = match &service.workload {
            crate::ir::Workload::Web => continue,
            crate::ir::Workload::Worker(_) => "a worker, which has no port",
            crate::ir::Workload::Cron { .. } => "a cron service, which answers the scheduler only",
            crate::ir::Workload::Job { .. } => "a job, which has no port",
        };
        diags.push(
            Diagnostic::error(
                Code::RouteToBackgroundService,
                format!("a public route sends requests to `{}`, {what}", service.name),
            )
            .key(format!("{}.destination", origin.key))
            .at(origin.at.file, origin.at.span, "routes public traffic to it")
            .also(service.origin.file, service.origin.span, "declared here")
            .help("route to a web service; to expose this one, make it `\"type\": \"web\"` with a `routePrefix`"),
        );
    }
}

/// Every service a target has to build is one svc can build: a project that checks clean
/// emits clean.
fn check_builds(project: &Project, diags: &mut Diagnostics) {
    for service in project.services.values() {
        if let Some(crate::ir::BuildPlan::Unbuildable(why)) = &service.build_plan
            && service.image.is_none()
        {
            diags.push(unbuildable(service, why));
        }
    }
}

/// A service svc cannot build: why, what would settle it, and the ways out that always work.
pub fn unbuildable(service: &crate::ir::Service, why: &crate::ir::Unbuildable) -> Diagnostic {
    let mut help = String::new();
    if let Some(fix) = &why.fix {
        help.push_str(fix);
        help.push_str("; or ");
    }
    // Suggesting frameworks helps only a service that names none.
    if service.framework.is_none() && !why.frameworks.is_empty() {
        let names: Vec<String> = why.frameworks.iter().map(|n| format!("`{n}`")).collect();
        help.push_str(&format!(
            "set `framework` to one of {}; or ",
            names.join(", ")
        ));
    }
    help.push_str(&format!(
        "set `services.{}.image` in svc.yaml to a built image; or give it a Dockerfile (`\"runtime\": \"container\"`)",
        service.name
    ));
    Diagnostic::error(
        Code::CannotBuild,
        format!(
            "svc cannot build service `{}`: {}",
            service.name, why.reason
        ),
    )
    .key(&service.key)
    .at(
        service.origin.file,
        service.origin.span,
        "how is this service built?",
    )
    .help(help)
}

/// A name that follows the rule, when the fix is mechanical.
fn suggest_name(name: &str) -> Option<String> {
    let fixed: String = name
        .chars()
        .filter_map(|c| match c {
            'A'..='Z' => Some(c.to_ascii_lowercase()),
            'a'..='z' | '-' | '_' => Some(c),
            '.' | ' ' => Some('-'),
            _ => None,
        })
        .collect();
    let fixed = fixed.trim_matches(|c| c == '-' || c == '_').to_string();
    (is_valid_service_name(&fixed) && fixed != name).then_some(fixed)
}
