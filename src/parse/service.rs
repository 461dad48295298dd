//! One entry of `services`.

use super::decode::{Decoder, KeyPath, Spanned};
use super::decode::{missing_field, optional_string, required_string};
use super::raw::{RawBinding, RawBuildSettings, RawCommand, RawService};
use super::routing::parse_routing;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::naming::is_valid_env_name;
use crate::read::{Member, Node};

/// Vercel's limit on bindings per service.
pub const MAX_BINDINGS: usize = 100;

pub fn parse_service(entry: &Member, services: &KeyPath, d: &mut Decoder) -> Option<RawService> {
    let path = services.key(&entry.key);
    let mut fields = d.object(&entry.value, &path)?;
    reject_legacy_service_keys(&mut fields, d);
    let root = required_string(&mut fields, d, "root", 1, 512);
    let runtime = parse_runtime_fields(&mut fields, d);
    let build = RawBuildSettings {
        install_command: optional_string(&mut fields, d, "installCommand", 1, 2048),
        build_command: optional_string(&mut fields, d, "buildCommand", 1, 2048),
        dev_command: optional_string(&mut fields, d, "devCommand", 1, 2048),
        ignore_command: optional_string(&mut fields, d, "ignoreCommand", 1, 2048),
        output_directory: optional_string(&mut fields, d, "outputDirectory", 1, 512),
    };
    let bindings = fields
        .field("bindings")
        .map(|(value, path)| parse_bindings(value, &path, d))
        .unwrap_or_default();
    check_binding_envs(&entry.key, &bindings, d);
    let functions = fields.field("functions").and_then(|(value, path)| {
        d.map(value, &path)?;
        Some(value.clone())
    });
    let routing = parse_routing(&mut fields, d, true);
    fields.finish(d, "a service");
    Some(RawService {
        name: Spanned::new(entry.key.clone(), entry.key_span),
        path,
        span: entry.value.span,
        root,
        framework: runtime.framework,
        runtime: runtime.runtime,
        entrypoint: runtime.entrypoint,
        command: runtime.command,
        build,
        bindings,
        functions,
        routing,
    })
}

/// The keys that decide how a service is built and run, shared by both forms.
pub(super) struct RuntimeFields {
    pub framework: Option<Spanned<String>>,
    pub runtime: Option<Spanned<String>>,
    pub entrypoint: Option<Spanned<String>>,
    pub command: Option<Spanned<RawCommand>>,
}

pub(super) fn parse_runtime_fields(
    fields: &mut super::decode::Fields,
    d: &mut Decoder,
) -> RuntimeFields {
    RuntimeFields {
        framework: optional_string(fields, d, "framework", 1, 256),
        runtime: optional_string(fields, d, "runtime", 1, 256),
        entrypoint: optional_string(fields, d, "entrypoint", 1, 512),
        command: fields
            .field("command")
            .and_then(|(value, path)| parse_command(value, &path, d)),
    }
}

/// A command: a string (run through a shell) or an exec-form list of words.
pub(super) fn parse_command(
    value: &Node,
    path: &KeyPath,
    d: &mut Decoder,
) -> Option<Spanned<RawCommand>> {
    let list = d.string_or_list(value, path, 4096)?;
    let command = match &value.kind {
        crate::read::NodeKind::String(_) => RawCommand::Line(list.value.join(" ")),
        _ => RawCommand::Exec(list.value),
    };
    Some(Spanned::new(command, list.span))
}

/// Keys of the legacy and intermediate forms: a plain "unknown key" would not tell the user
/// what to write instead.
fn reject_legacy_service_keys(fields: &mut super::decode::Fields, d: &mut Decoder) {
    const LEGACY: &[(&str, &str)] = &[
        (
            "routePrefix",
            "route to the service with a top-level rewrite: `{\"source\": \"/api/:path*\", \"destination\": {\"service\": \"<name>\"}}`",
        ),
        (
            "mount",
            "route to the service with a top-level rewrite: `{\"source\": \"/api/:path*\", \"destination\": {\"service\": \"<name>\"}}`",
        ),
        (
            "subdomain",
            "route by host with a top-level rewrite that has `\"has\": [{\"type\": \"host\", \"value\": \"api.example.com\"}]`",
        ),
        (
            "type",
            "services in the current form have no `type`: route web services with top-level `rewrites` and call scheduled work with top-level `crons`; workers, cron services and jobs are declared under `experimentalServices`, the legacy form, where `type` is valid",
        ),
        (
            "env",
            "the `service-ref` env of the intermediate form was removed: to give a service another service's URL, declare a binding: `\"bindings\": [{\"service\": \"<name>\", \"format\": \"url\", \"env\": \"<VAR>\"}]`",
        ),
    ];
    for (name, fix) in LEGACY {
        if let Some(member) = fields.take(name) {
            d.report(
                Diagnostic::error(
                    Code::LegacyServiceKey,
                    format!("`{name}` is not a key of the current `services` form"),
                )
                .key(fields.path.key(name).as_str())
                .at(
                    d.file,
                    member.key_span,
                    "from the legacy or intermediate form",
                )
                .help(*fix),
            );
        }
    }
}

fn parse_bindings(node: &Node, path: &KeyPath, d: &mut Decoder) -> Vec<RawBinding> {
    let Some(items) = d.array(node, path) else {
        return Vec::new();
    };
    if items.len() > MAX_BINDINGS {
        d.error(
            Code::TooManyBindings,
            format!(
                "`{path}` has {} bindings; a service may have at most {MAX_BINDINGS}",
                items.len()
            ),
        )
        .key(path)
        .at(
            items[MAX_BINDINGS].span,
            format!("binding {} is over the limit", MAX_BINDINGS + 1),
        )
        .help("split the service, or drop bindings it does not call");
    }
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| parse_binding(item, &path.index(i), d))
        .collect()
}

/// Env names a binding may not set: the platform injects them.
/// Names svc itself sets on a service, which svc.yaml's `env` and `secrets` cannot: `PORT`
/// (from `port`) and the route prefix Vercel's build passes the runtime. Every other
/// `VERCEL_*` name is the user's to set (`VERCEL_AI_GATEWAY_API_KEY`, say).
pub(super) fn is_set_by_svc(name: &str) -> bool {
    matches!(
        name,
        "PORT" | crate::ir::ROUTE_PREFIX_ENV | crate::ir::ROUTE_PREFIX_STRIP_ENV
    )
}

pub(super) fn is_reserved_env(name: &str) -> bool {
    name == "PORT" || (name.starts_with("VERCEL_") && !QUEUE_SETTINGS.contains(&name))
}

/// Where a worker finds Vercel Queues: nothing sets them but the user, who points a
/// self-hosted worker at a queue service with them (docs/builds.md).
pub const QUEUE_SETTINGS: [&str; 3] = [
    "VERCEL_QUEUE_BASE_URL",
    "VERCEL_QUEUE_BASE_PATH",
    "VERCEL_QUEUE_TOKEN",
];

/// Every binding's env on its own, whether or not its target resolves, so one mistake never
/// hides another.
fn check_binding_envs(caller: &str, bindings: &[RawBinding], d: &mut Decoder) {
    let mut first_use: std::collections::HashMap<&str, &RawBinding> =
        std::collections::HashMap::new();
    for binding in bindings {
        if let Some(service) = binding.service.as_ref().filter(|s| s.value == caller) {
            d.report(
                Diagnostic::warning(
                    Code::SelfBinding,
                    format!("service `{caller}` binds to itself"),
                )
                .key(binding.path.key("service").as_str())
                .at(d.file, service.span, "the caller itself")
                .help("a service reaches itself on localhost; remove this binding"),
            );
        }
        let Some(env) = &binding.env else { continue };
        let key = binding.path.key("env");
        if !is_valid_env_name(&env.value) {
            d.error(
                Code::InvalidEnvName,
                format!("`{}` is not a valid environment variable name", env.value),
            )
            .key(&key)
            .at(env.span, "invalid name")
            .help("use letters, digits and `_`, not starting with a digit, e.g. `BACKEND_URL`");
        } else if is_reserved_env(&env.value) {
            d.error(Code::ReservedEnvName, format!("binding env `{}` is reserved", env.value))
                .key(&key)
                .at(env.span, "set by the platform")
                .help("`PORT` and `VERCEL_*` are injected into every service; choose another name, e.g. `BACKEND_URL`");
        }
        match first_use.get(env.value.as_str()) {
            Some(first) => {
                let first_span = first.env.as_ref().map_or(first.span, |e| e.span);
                d.report(
                    Diagnostic::error(
                        Code::DuplicateEnv,
                        format!("service `{caller}` binds `{}` twice", env.value),
                    )
                    .key(key.as_str())
                    .at(d.file, env.span, "bound again here")
                    .also(d.file, first_span, "first bound here")
                    .help("each binding needs its own env name; rename one of them"),
                );
            }
            None => {
                first_use.insert(&env.value, binding);
            }
        }
    }
}

fn parse_binding(node: &Node, path: &KeyPath, d: &mut Decoder) -> Option<RawBinding> {
    let mut fields = d.object(node, path)?;
    if let Some((value, key)) = fields.field("type") {
        expect_literal(
            d,
            value,
            &key,
            "service",
            "the only binding type is `service`",
        );
    }
    match fields.field("format") {
        Some((value, key)) => {
            expect_literal(d, value, &key, "url", "the only binding format is `url`")
        }
        None => missing_field(&fields, d, "format"),
    }
    let service = required_string(&mut fields, d, "service", 1, 64);
    let env = required_string(&mut fields, d, "env", 1, 256);
    fields.finish(d, "a binding");
    Some(RawBinding {
        path: path.clone(),
        span: node.span,
        service,
        env,
    })
}

fn expect_literal(d: &mut Decoder, node: &Node, path: &KeyPath, expected: &str, why: &str) {
    let Some(value) = d.string(node, path, 0, usize::MAX) else {
        return;
    };
    if value.value != expected {
        d.error(
            Code::UnknownChoice,
            format!("`{path}` is `{}`; it must be `{expected}`", value.value),
        )
        .key(path)
        .at(value.span, format!("expected `{expected}`"))
        .help(format!("{why}: write `\"{expected}\"`"));
    }
}
