//! The top level of vercel.json.

use super::decode::{Decoder, Fields, KeyPath, Spanned, optional_string, required_string};
use super::raw::{
    RawBuildSettings, RawConditions, RawConfig, RawCron, RawDestination, RawLegacy, RawRewrite,
    RawService, RawServiceDestination, RawServices,
};
use super::routing::parse_routing;
use super::service::parse_service;
use crate::diag::Code;
use crate::diag::{Diagnostic, Diagnostics};
use crate::read::Node;
use crate::source::Span;

/// Top-level Vercel keys that have nothing to do with services; accepted and ignored.
const IGNORED_VERCEL_KEYS: &[&str] = &[
    "alias",
    "build",
    "bulkRedirectsPath",
    "bunVersion",
    "daemons",
    "env",
    "fluid",
    "functionFailoverRegions",
    "git",
    "github",
    "images",
    "name",
    "nodeVersion",
    "projectSettings",
    "public",
    "regions",
    "relatedProjects",
    "scope",
    "version",
];

/// Build settings that belong to one service once `services` is used.
const TOP_LEVEL_BUILD_SETTINGS: &[&str] = &[
    "framework",
    "functions",
    "installCommand",
    "buildCommand",
    "devCommand",
    "ignoreCommand",
    "outputDirectory",
];

pub fn parse_config(node: &Node, d: &mut Decoder) -> RawConfig {
    let root = KeyPath::root();
    let mut config = RawConfig {
        span: node.span,
        ..RawConfig::default()
    };
    let Some(mut fields) = d.object(node, &root) else {
        return config;
    };
    if let Some((value, path)) = fields.field("$schema") {
        d.string(value, &path, 0, usize::MAX);
    }
    let declares_legacy = fields.has("experimentalServices");
    let one_app =
        !declares_legacy && !fields.has("services") && !fields.has("experimentalServicesV2");
    let app_settings = one_app.then(|| parse_app_settings(&mut fields, d));
    config.services = parse_services_key(&mut fields, d);
    config.legacy = parse_legacy(&mut fields, d, config.services.as_ref());
    config.routing = parse_routing(&mut fields, d, false);
    if let Some((value, path)) = fields.field("crons") {
        config.crons = parse_crons(value, &path, d);
    }
    let form = match (&config.services, &config.legacy) {
        (Some(services), _) => Some(services.key),
        (None, Some(_)) => Some("experimentalServices"),
        (None, None) => None,
    };
    reject_build_settings(&mut fields, d, form);
    note_ignored_keys(&mut fields, d);
    fields.finish(d, "the config's top level");
    if let Some(settings) = app_settings {
        one_app_project(&mut config, settings, node.span);
    }
    config
}

/// The service a project without `services` is: what the top level says about its build.
struct AppSettings {
    runtime: super::service::RuntimeFields,
    build: RawBuildSettings,
    functions: Option<Node>,
}

fn parse_app_settings(fields: &mut Fields, d: &mut Decoder) -> AppSettings {
    AppSettings {
        runtime: super::service::RuntimeFields {
            framework: optional_string(fields, d, "framework", 1, 256),
            runtime: None,
            entrypoint: None,
            command: None,
        },
        build: RawBuildSettings {
            install_command: optional_string(fields, d, "installCommand", 0, 2048),
            build_command: optional_string(fields, d, "buildCommand", 0, 2048),
            dev_command: optional_string(fields, d, "devCommand", 0, 2048),
            ignore_command: optional_string(fields, d, "ignoreCommand", 0, 2048),
            output_directory: optional_string(fields, d, "outputDirectory", 1, 512),
        },
        functions: fields.field("functions").and_then(|(value, path)| {
            d.map(value, &path)?;
            Some(value.clone())
        }),
    }
}

/// The name of the one service a project without `services` is made of.
pub const APP_SERVICE: &str = "app";

/// A project without `services` is one app at the root, as Vercel deploys it: its routing is
/// the app's own (so a static site's files come before its rewrites), and every public path
/// reaches it.
fn one_app_project(config: &mut RawConfig, settings: AppSettings, span: Span) {
    let at = span.start_only();
    let routing = std::mem::take(&mut config.routing);
    let path = KeyPath::root();
    let service = RawService {
        name: Spanned::new(APP_SERVICE.to_string(), at),
        path: path.clone(),
        span,
        root: Some(Spanned::new(".".to_string(), at)),
        framework: settings.runtime.framework,
        runtime: None,
        entrypoint: None,
        command: None,
        build: settings.build,
        bindings: Vec::new(),
        functions: settings.functions,
        routing,
    };
    config.routing.rewrites.push(RawRewrite {
        path: path.key(APP_SERVICE),
        span: at,
        source: Spanned::new("/(.*)".to_string(), at),
        destination: RawDestination::Service(RawServiceDestination {
            span: at,
            path: path.clone(),
            service: Spanned::new(APP_SERVICE.to_string(), at),
            lookup_path: None,
        }),
        status_code: None,
        transforms: Vec::new(),
        conditions: RawConditions::default(),
    });
    config.services = Some(RawServices {
        key: "services",
        key_span: at,
        entries: vec![service],
    });
}

fn parse_services_key(fields: &mut Fields, d: &mut Decoder) -> Option<RawServices> {
    let current = fields.take("services");
    let alias = fields.take("experimentalServicesV2");
    if let (Some(current), Some(alias)) = (current, alias) {
        d.report(
            Diagnostic::error(
                Code::ServicesAndAlias,
                "`services` and `experimentalServicesV2` are both set",
            )
            .key("experimentalServicesV2")
            .at(d.file, alias.key_span, "the deprecated alias")
            .also(d.file, current.key_span, "the current key")
            .help("`experimentalServicesV2` is the old name of `services`: move its entries into `services` and delete it"),
        );
    }
    if let (Some(_), Some(alias)) = (current, alias) {
        // Still decode the ignored map, so its own mistakes are reported in this run too.
        let path = KeyPath::root().key("experimentalServicesV2");
        if let Some(entries) = d.map(&alias.value, &path) {
            entries.iter().for_each(|entry| {
                parse_service(entry, &path, d);
            });
        }
    }
    let (member, key) = match (current, alias) {
        (Some(m), _) => (m, "services"),
        (None, Some(m)) => (m, "experimentalServicesV2"),
        (None, None) => return None,
    };
    let path = KeyPath::root().key(key);
    let entries = d.map(&member.value, &path)?;
    // Services decode independently, side by side on a large project; their diagnostics are
    // reported in declaration order, as if decoded one by one.
    let file = d.file;
    let decoded = crate::parallel::map(
        entries,
        crate::parallel::workers_for(entries.len()),
        |entry| {
            let mut own = Diagnostics::default();
            let service = parse_service(entry, &path, &mut Decoder::new(file, &mut own));
            (service, own)
        },
    );
    let entries = decoded
        .into_iter()
        .filter_map(|(service, own)| {
            d.diags.extend(own);
            service
        })
        .collect();
    Some(RawServices {
        key,
        key_span: member.key_span,
        entries,
    })
}

fn parse_legacy(
    fields: &mut Fields,
    d: &mut Decoder,
    services: Option<&RawServices>,
) -> Option<RawLegacy> {
    let legacy = fields.take("experimentalServices");
    let groups = fields.take("experimentalServiceGroups");
    if let (Some(groups), None) = (groups, legacy) {
        d.report(
            Diagnostic::error(
                Code::ServiceGroupsWithoutServices,
                "`experimentalServiceGroups` needs `experimentalServices`",
            )
            .key("experimentalServiceGroups")
            .at(
                d.file,
                groups.key_span,
                "groups of services that are not declared",
            )
            .help("service groups belong to the legacy form; remove them when using `services`"),
        );
    }
    let legacy = legacy?;
    if let Some(current) = services {
        d.report(
            Diagnostic::error(
                Code::ServicesAndLegacy,
                format!("`{}` and `experimentalServices` are both set", current.key),
            )
            .key("experimentalServices")
            .at(d.file, legacy.key_span, "the legacy form")
            .also(d.file, current.key_span, "the current form")
            .help("use one form: move every service into `services` and delete `experimentalServices`"),
        );
        return None;
    }
    super::legacy::parse_legacy(legacy, groups, d)
}

/// Top-level build settings are ambiguous once there are services; the legacy form allows all
/// but `functions`, as Vercel does.
fn reject_build_settings(fields: &mut Fields, d: &mut Decoder, form: Option<&'static str>) {
    for name in TOP_LEVEL_BUILD_SETTINGS {
        let Some(member) = fields.take(name) else {
            continue;
        };
        let Some(form) = form else {
            continue;
        };
        if form == "experimentalServices" && *name != "functions" {
            continue;
        }
        d.report(
            Diagnostic::error(
                Code::TopLevelBuildSetting,
                format!("top-level `{name}` is not allowed with `{form}`"),
            )
            .key(*name)
            .at(d.file, member.key_span, "which service does this belong to?")
            .help(format!(
                "the owning service is ambiguous: move `{name}` into the service it is for, e.g. `services.<name>.{name}`"
            )),
        );
    }
    if let (Some(member), Some(form)) = (fields.take("builds"), form) {
        d.report(
            Diagnostic::error(Code::ServicesAndBuilds, format!("`builds` cannot be used with `{form}`"))
                .key("builds")
                .at(d.file, member.key_span, "legacy builds")
                .help("describe each part of the project as a service (`root`, `framework`, `entrypoint`) and delete `builds`"),
        );
    }
}

fn note_ignored_keys(fields: &mut Fields, d: &mut Decoder) {
    let ignored: Vec<_> = IGNORED_VERCEL_KEYS
        .iter()
        .filter_map(|name| fields.take(name))
        .collect();
    let Some(first) = ignored.iter().min_by_key(|m| m.key_span.start) else {
        return;
    };
    let mut names: Vec<&str> = ignored.iter().map(|m| m.key.as_str()).collect();
    names.sort_unstable();
    d.report(
        Diagnostic::note(
            Code::IgnoredKeys,
            format!(
                "ignoring top-level keys that do not affect services: {}",
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .at(d.file, first.key_span, "not used by svc")
        .help("these are Vercel platform settings; svc's targets have no equivalent"),
    );
}

fn parse_crons(node: &Node, path: &KeyPath, d: &mut Decoder) -> Vec<RawCron> {
    let Some(items) = d.array(node, path) else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| parse_cron(item, &path.index(i), d))
        .collect()
}

fn parse_cron(node: &Node, path: &KeyPath, d: &mut Decoder) -> Option<RawCron> {
    let mut fields = d.object(node, path)?;
    let cron_path = required_string(&mut fields, d, "path", 1, 512);
    let schedule = required_string(&mut fields, d, "schedule", 9, 256);
    fields.finish(d, "a cron");
    if let Some(p) = &cron_path
        && let Some(c) = p
            .value
            .chars()
            .find(|c| c.is_whitespace() || c.is_control() || *c == '#')
    {
        d.error(
            Code::InvalidCronPath,
            format!("cron path `{}` cannot be requested", p.value.escape_debug()),
        )
        .key(path.key("path"))
        .at(p.span, format!("{:?} cannot appear in a request path", c))
        .help("percent-encode it, e.g. a space as `%20` (a `#` fragment is never sent: drop it)");
    } else if let Some(p) = &cron_path
        && !p.value.starts_with('/')
    {
        d.error(
            Code::InvalidCronPath,
            format!("cron path `{}` must start with `/`", p.value),
        )
        .key(path.key("path"))
        .at(p.span, "not an absolute path")
        .help(format!("write it as `/{}`", p.value));
    }
    Some(RawCron {
        path_key: path.clone(),
        span: node.span,
        path: cron_path?,
        schedule: schedule?,
    })
}
