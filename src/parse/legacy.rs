//! `experimentalServices`, the legacy form: services mounted at a path prefix or subdomain, with
//! a `type` (web, worker, cron, job) deciding which other keys apply. Schema rules only; the
//! prefixes are normalised and compared in the lower stage.

use super::decode::{Decoder, Fields, KeyPath, Spanned};
use super::decode::{missing_field, optional_string};
use super::raw::{
    LegacyKind, LegacyTrigger, RawBuildSettings, RawLegacy, RawLegacyService, RawMount, RawRouting,
    RawService, RawServiceGroup, RawTopic,
};
use super::service::parse_runtime_fields;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::read::{Member, Node, NodeKind};
use crate::source::Span;

/// Keys that only some types take, and the types that take them.
const TYPED_KEYS: &[(&str, &str)] = &[
    ("routePrefix", "web"),
    ("subdomain", "web"),
    ("mount", "web"),
    ("topics", "worker and queue-triggered job"),
    ("consumer", "worker and queue-triggered job"),
    ("schedule", "cron and schedule-triggered job"),
    ("trigger", "job"),
];

pub fn parse_legacy(
    member: &Member,
    groups: Option<&Member>,
    d: &mut Decoder,
) -> Option<RawLegacy> {
    let path = KeyPath::root().key("experimentalServices");
    let entries = d.map(&member.value, &path)?;
    let entries = entries
        .iter()
        .filter_map(|entry| parse_legacy_service(entry, &path, d))
        .collect();
    let groups = groups
        .map(|g| parse_groups(&g.value, d))
        .unwrap_or_default();
    Some(RawLegacy {
        key_span: member.key_span,
        entries,
        groups,
    })
}

fn parse_legacy_service(
    entry: &Member,
    services: &KeyPath,
    d: &mut Decoder,
) -> Option<RawLegacyService> {
    let path = services.key(&entry.key);
    let mut fields = d.object(&entry.value, &path)?;
    let (kind, known_kind) = parse_kind(&mut fields, d);
    reject_service_ref_env(&mut fields, d);
    let root = optional_string(&mut fields, d, "root", 1, 512);
    let runtime = parse_runtime_fields(&mut fields, d);
    let build = RawBuildSettings {
        install_command: optional_string(&mut fields, d, "installCommand", 1, 2048),
        build_command: build_command(&mut fields, d),
        ..RawBuildSettings::default()
    };
    accept_platform_keys(&mut fields, d);
    let present = |name: &str| fields.has(name);
    let wrong_keys: Vec<&'static str> = TYPED_KEYS
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| known_kind && present(name) && !takes_key(kind.value, name))
        .collect();
    let route_prefix = optional_string(&mut fields, d, "routePrefix", 1, 512);
    let subdomain = optional_string(&mut fields, d, "subdomain", 1, 63);
    let mount = fields
        .field("mount")
        .and_then(|(value, path)| parse_mount(value, &path, d));
    let topics = fields
        .field("topics")
        .and_then(|(value, path)| parse_topics(value, &path, d));
    let consumer = optional_string(&mut fields, d, "consumer", 1, 256);
    let schedule = fields
        .field("schedule")
        .and_then(|(value, path)| parse_schedule(value, &path, d));
    let trigger = fields
        .field("trigger")
        .and_then(|(value, path)| parse_trigger(value, &path, d));
    let service = RawService {
        name: Spanned::new(entry.key.clone(), entry.key_span),
        path: path.clone(),
        span: entry.value.span,
        root,
        framework: runtime.framework,
        runtime: runtime.runtime,
        entrypoint: runtime.entrypoint,
        command: runtime.command,
        build,
        bindings: Vec::new(),
        functions: None,
        routing: RawRouting::default(),
    };
    let legacy = RawLegacyService {
        service,
        kind,
        route_prefix,
        subdomain,
        mount,
        topics,
        consumer,
        schedule,
        trigger,
    };
    for name in wrong_keys {
        report_wrong_key(&legacy, &fields, name, d);
    }
    // A service of an unknown type has no rules to break beyond the type itself.
    if known_kind {
        check_required(&legacy, &fields, d);
    }
    fields.finish(d, "a legacy service");
    Some(legacy)
}

/// The service's type (web when absent), and whether it is one svc knows.
fn parse_kind(fields: &mut Fields, d: &mut Decoder) -> (Spanned<LegacyKind>, bool) {
    let default = Spanned::new(LegacyKind::Web, fields.node.span.start_only());
    let Some((value, path)) = fields.field("type") else {
        return (default, true);
    };
    let Some(name) = d.string(value, &path, 1, 64) else {
        return (default, false);
    };
    let kind = match name.value.as_str() {
        "web" => LegacyKind::Web,
        "worker" => LegacyKind::Worker,
        "cron" => LegacyKind::Cron,
        "job" => LegacyKind::Job,
        other => {
            let help = match crate::diag::did_you_mean(other, ["web", "worker", "cron", "job"]) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "use one of: web, worker, cron, job".to_string(),
            };
            d.error(
                Code::UnknownChoice,
                format!("unknown service type `{other}`"),
            )
            .key(&path)
            .at(name.span, "not a service type")
            .help(help);
            return (default, false);
        }
    };
    (Spanned::new(kind, name.span), true)
}

fn parse_trigger(node: &Node, path: &KeyPath, d: &mut Decoder) -> Option<Spanned<LegacyTrigger>> {
    let name = d.string(node, path, 1, 64)?;
    let trigger = match name.value.as_str() {
        "schedule" => LegacyTrigger::Schedule,
        "queue" => LegacyTrigger::Queue,
        "workflow" => LegacyTrigger::Workflow,
        other => {
            d.error(
                Code::UnknownChoice,
                format!("unknown job trigger `{other}`"),
            )
            .key(path)
            .at(name.span, "not a trigger")
            .help("use one of: schedule, queue, workflow");
            return None;
        }
    };
    Some(Spanned::new(trigger, name.span))
}

/// Whether a service of `kind` may set `key` (the trigger's own keys are checked later).
fn takes_key(kind: LegacyKind, key: &str) -> bool {
    match kind {
        LegacyKind::Web => matches!(key, "routePrefix" | "subdomain" | "mount"),
        LegacyKind::Worker => matches!(key, "topics" | "consumer"),
        LegacyKind::Cron => key == "schedule",
        LegacyKind::Job => matches!(key, "trigger" | "schedule" | "topics" | "consumer"),
    }
}

fn kind_name(kind: LegacyKind) -> &'static str {
    match kind {
        LegacyKind::Web => "web",
        LegacyKind::Worker => "worker",
        LegacyKind::Cron => "cron",
        LegacyKind::Job => "job",
    }
}

fn key_span(fields: &Fields, name: &str) -> Span {
    fields
        .node
        .members()
        .iter()
        .rev()
        .find(|m| m.key == name)
        .map_or(fields.node.span, |m| m.key_span)
}

fn report_wrong_key(service: &RawLegacyService, fields: &Fields, name: &str, d: &mut Decoder) {
    let kind = kind_name(service.kind.value);
    let for_types = TYPED_KEYS
        .iter()
        .find(|(key, _)| *key == name)
        .map_or("", |(_, types)| types);
    let routing = matches!(name, "routePrefix" | "subdomain" | "mount");
    let (code, help) = if routing {
        (
            Code::InvalidRoutePrefix,
            format!(
                "only web services are mounted at a path or subdomain: remove `{name}`, or make the service `\"type\": \"web\"`"
            ),
        )
    } else {
        (
            Code::LegacyKeyForType,
            format!(
                "`{name}` is for {for_types} services: remove it, or change the service's `type`"
            ),
        )
    };
    d.report(
        Diagnostic::error(code, format!("a {kind} service cannot have `{name}`"))
            .key(fields.path.key(name).as_str())
            .at(
                d.file,
                key_span(fields, name),
                format!("not used by a {kind} service"),
            )
            .also(
                d.file,
                service.kind.span,
                format!("the service is a {kind} service"),
            )
            .help(help),
    );
}

/// What each type needs: a mount for web services, a schedule for crons, a trigger (and what
/// the trigger needs) for jobs.
fn check_required(service: &RawLegacyService, fields: &Fields, d: &mut Decoder) {
    match service.kind.value {
        LegacyKind::Web => check_mount(service, fields, d),
        LegacyKind::Cron if service.schedule.is_none() && !fields.has("schedule") => {
            missing_field(fields, d, "schedule");
        }
        LegacyKind::Job => match service.trigger.as_ref().map(|t| t.value) {
            None if !fields.has("trigger") => missing_field(fields, d, "trigger"),
            Some(LegacyTrigger::Schedule) if !fields.has("schedule") => {
                missing_field(fields, d, "schedule");
            }
            Some(LegacyTrigger::Queue) if !fields.has("topics") => {
                missing_field(fields, d, "topics");
            }
            Some(LegacyTrigger::Workflow) if service.service.entrypoint.is_none() => {
                missing_field(fields, d, "entrypoint");
            }
            _ => check_trigger_keys(service, fields, d),
        },
        _ => {}
    }
}

/// A job's keys must belong to its trigger.
fn check_trigger_keys(service: &RawLegacyService, fields: &Fields, d: &mut Decoder) {
    let Some(trigger) = &service.trigger else {
        return;
    };
    let allowed: &[&str] = match trigger.value {
        LegacyTrigger::Schedule => &["schedule"],
        LegacyTrigger::Queue => &["topics", "consumer"],
        LegacyTrigger::Workflow => &[],
    };
    for name in ["schedule", "topics", "consumer"] {
        if fields.has(name) && !allowed.contains(&name) {
            d.report(
                Diagnostic::error(
                    Code::LegacyKeyForType,
                    format!(
                        "a job triggered by `{}` cannot have `{name}`",
                        trigger_name(trigger.value)
                    ),
                )
                .key(fields.path.key(name).as_str())
                .at(d.file, key_span(fields, name), "not used by this trigger")
                .also(d.file, trigger.span, "the job's trigger")
                .help(format!("remove `{name}`, or change `trigger`")),
            );
        }
    }
}

fn trigger_name(trigger: LegacyTrigger) -> &'static str {
    match trigger {
        LegacyTrigger::Schedule => "schedule",
        LegacyTrigger::Queue => "queue",
        LegacyTrigger::Workflow => "workflow",
    }
}

fn check_mount(service: &RawLegacyService, fields: &Fields, d: &mut Decoder) {
    if let Some(mount) = &service.mount {
        for (name, present) in [
            ("routePrefix", service.route_prefix.is_some()),
            ("subdomain", service.subdomain.is_some()),
        ] {
            if present {
                d.report(
                    Diagnostic::error(
                        Code::ConflictingMount,
                        format!("`mount` and `{name}` are both set"),
                    )
                    .key(fields.path.key(name).as_str())
                    .at(d.file, key_span(fields, name), "set here")
                    .also(d.file, mount.span, "and mounted here")
                    .help(format!("`mount` replaces `routePrefix` and `subdomain`: keep one, e.g. move `{name}` into `mount`")),
                );
            }
        }
        return;
    }
    if service.route_prefix.is_none()
        && service.subdomain.is_none()
        && !["routePrefix", "subdomain", "mount"]
            .iter()
            .any(|k| fields.has(k))
    {
        d.report(
            Diagnostic::error(
                Code::MissingRoutePrefix,
                format!("web service `{}` is not mounted anywhere", service.service.name.value),
            )
            .key(fields.path.key("routePrefix").as_str())
            .at(d.file, service.service.name.span, "where do requests for it come in?")
            .help("add `\"routePrefix\": \"/api\"` (or `\"/\"` for the catch-all), a `subdomain`, or a `mount`; a service that takes no web traffic is `\"type\": \"worker\"`"),
        );
    }
}

fn parse_mount(node: &Node, path: &KeyPath, d: &mut Decoder) -> Option<RawMount> {
    if let NodeKind::String(_) = node.kind {
        let value = d.string(node, path, 1, 512)?;
        return Some(RawMount {
            span: node.span,
            path: Some(value),
            subdomain: None,
        });
    }
    let mut fields = d.object(node, path)?;
    let mount_path = optional_string(&mut fields, d, "path", 1, 512);
    let subdomain = optional_string(&mut fields, d, "subdomain", 1, 63);
    let empty = !fields.has("path") && !fields.has("subdomain");
    fields.finish(d, "a mount");
    if empty {
        d.error(
            Code::MissingRoutePrefix,
            format!("`{path}` mounts the service nowhere"),
        )
        .key(path)
        .at(node.span, "an empty mount")
        .help("give the mount a `path` (`\"/api\"`), a `subdomain`, or both");
        return None;
    }
    Some(RawMount {
        span: node.span,
        path: mount_path,
        subdomain,
    })
}

fn parse_topics(node: &Node, path: &KeyPath, d: &mut Decoder) -> Option<Spanned<Vec<RawTopic>>> {
    let items = d.array(node, path)?;
    let topics: Vec<RawTopic> = items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let path = path.index(i);
            if let NodeKind::String(_) = item.kind {
                let topic = d.string(item, &path, 1, 256)?;
                return Some(RawTopic {
                    topic,
                    retry_after_seconds: None,
                    initial_delay_seconds: None,
                });
            }
            let mut fields = d.object(item, &path)?;
            let topic = super::decode::required_string(&mut fields, d, "topic", 1, 256);
            let retry_after_seconds = fields
                .field("retryAfterSeconds")
                .and_then(|(v, p)| d.integer(v, &p, 1, 86_400));
            let initial_delay_seconds = fields
                .field("initialDelaySeconds")
                .and_then(|(v, p)| d.integer(v, &p, 0, 86_400));
            fields.finish(d, "a topic");
            Some(RawTopic {
                topic: topic?,
                retry_after_seconds,
                initial_delay_seconds,
            })
        })
        .collect();
    if items.is_empty() {
        d.error(Code::InvalidLength, format!("`{path}` lists no topics"))
            .key(path)
            .at(node.span, "empty")
            .help("list at least one topic, e.g. `[\"default\"]`, or remove the key");
        return None;
    }
    (topics.len() == items.len()).then(|| Spanned::new(topics, node.span))
}

/// `schedule`: one cron string or a non-empty list of them, each kept with its own span.
fn parse_schedule(
    node: &Node,
    path: &KeyPath,
    d: &mut Decoder,
) -> Option<Spanned<Vec<Spanned<String>>>> {
    let items: Vec<(&Node, KeyPath)> = match &node.kind {
        NodeKind::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| (item, path.index(i)))
            .collect(),
        _ => vec![(node, path.clone())],
    };
    if items.is_empty() {
        d.error(Code::InvalidLength, format!("`{path}` lists no schedules"))
            .key(path)
            .at(node.span, "empty")
            .help("give a cron expression such as `\"0 * * * *\"`");
        return None;
    }
    let schedules: Vec<Spanned<String>> = items
        .iter()
        .filter_map(|(item, path)| d.string(item, path, 9, 256))
        .collect();
    (schedules.len() == items.len()).then(|| Spanned::new(schedules, node.span))
}

/// `preDeployCommand` runs after the build, as Vercel appends it with `&&`.
fn build_command(fields: &mut Fields, d: &mut Decoder) -> Option<Spanned<String>> {
    let build = optional_string(fields, d, "buildCommand", 1, 2048);
    let pre_deploy = optional_string(fields, d, "preDeployCommand", 1, 2048);
    match (build, pre_deploy) {
        (Some(b), Some(p)) => Some(Spanned::new(format!("{} && {}", b.value, p.value), b.span)),
        (b, p) => b.or(p),
    }
}

/// Keys of Vercel's function platform: valid, checked for shape, and not used by any target.
fn accept_platform_keys(fields: &mut Fields, d: &mut Decoder) {
    if let Some((value, path)) = fields.field("workspace") {
        d.string(value, &path, 1, 512);
    }
    if let Some((value, path)) = fields.field("builder") {
        d.string(value, &path, 1, 256);
    }
    if let Some((value, path)) = fields.field("memory") {
        d.integer(value, &path, 128, 10_240);
    }
    if let Some((value, path)) = fields.field("maxDuration") {
        d.integer(value, &path, 1, u64::from(u32::MAX));
    }
    for name in ["includeFiles", "excludeFiles"] {
        if let Some((value, path)) = fields.field(name) {
            d.string_or_list(value, &path, 4096);
        }
    }
}

/// The resolver knew `env: {X: {type: "service-ref"}}`, but Vercel's schema no longer accepts it.
fn reject_service_ref_env(fields: &mut Fields, d: &mut Decoder) {
    let Some(member) = fields.take("env") else {
        return;
    };
    d.report(
        Diagnostic::error(
            Code::LegacyServiceRef,
            "`env` service references are not part of any current form",
        )
        .key(fields.path.key("env").as_str())
        .at(d.file, member.key_span, "removed from Vercel's schema")
        .help("every service of the legacy form already gets `<NAME>_URL` for each web service; to pass a URL explicitly, move to the `services` form and declare a binding: `\"bindings\": [{\"service\": \"<name>\", \"format\": \"url\", \"env\": \"<VAR>\"}]`"),
    );
}

fn parse_groups(node: &Node, d: &mut Decoder) -> Vec<RawServiceGroup> {
    let path = KeyPath::root().key("experimentalServiceGroups");
    let Some(entries) = d.map(node, &path) else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|entry| {
            let path = path.key(&entry.key);
            let items = d.array(&entry.value, &path)?;
            let members = items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| d.string(item, &path.index(i), 1, 256))
                .collect();
            Some(RawServiceGroup {
                name: Spanned::new(entry.key.clone(), entry.key_span),
                members,
            })
        })
        .collect()
}
