//! Check stage: the invariants of a lowered [`Project`]. Only this module can build a
//! [`Checked`] project, so targets never see an unchecked graph.

use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::{Project, ServiceId};
use crate::naming::{MAX_DNS_LABEL, is_valid_env_name, is_valid_service_name};
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

/// Env names a binding may not set: the platform injects them.
fn is_reserved_env(name: &str) -> bool {
    name == "PORT" || name.starts_with("VERCEL_")
}

/// Runs every check, adding to `diags`; the project is checked only if no error was found, here
/// or in an earlier stage.
pub fn check(project: Project, diags: &mut Diagnostics) -> Option<Checked<Project>> {
    check_names(&project, diags);
    check_bindings(&project, diags);
    (!diags.has_errors()).then_some(Checked(project))
}

fn check_names(project: &Project, diags: &mut Diagnostics) {
    let mut by_hostname: BTreeMap<&str, Vec<&ServiceId>> = BTreeMap::new();
    for (id, service) in &project.services {
        let origin = service.origin;
        if !is_valid_service_name(id.as_str()) {
            diags.push(
                Diagnostic::error("invalid-service-name", format!("service name `{id}` is not allowed"))
                    .key(format!("services.{id}"))
                    .at(origin.file, origin.span, "invalid name")
                    .help(format!(
                        "names are 1-64 characters of lowercase letters, `-` and `_`, starting and ending with a letter{}",
                        suggest_name(id.as_str()).map(|s| format!(": try `{s}`")).unwrap_or_default()
                    )),
            );
        } else if service.hostname.len() > MAX_DNS_LABEL {
            diags.push(
                Diagnostic::error(
                    "name-too-long",
                    format!("service name `{id}` is too long for a hostname"),
                )
                .key(format!("services.{id}"))
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
        // Blame the later declaration, as a reader of the file would.
        ids.sort_by_key(|id| project.services[*id].origin.span.start);
        let second = &project.services[ids[1]];
        let first = &project.services[ids[0]];
        diags.push(
            Diagnostic::error(
                "name-collision",
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

fn check_bindings(project: &Project, diags: &mut Diagnostics) {
    let mut seen: BTreeMap<(&ServiceId, &str), &crate::ir::Binding> = BTreeMap::new();
    for binding in &project.bindings {
        let env = binding.env.as_str();
        let at = binding.env_origin;
        let key = format!("{}.env", binding.key);
        if !is_valid_env_name(env) {
            diags.push(
                Diagnostic::error(
                    "invalid-env-name",
                    format!("`{env}` is not a valid environment variable name"),
                )
                .key(&key)
                .at(at.file, at.span, "invalid name")
                .help("use letters, digits and `_`, not starting with a digit, e.g. `BACKEND_URL`"),
            );
        } else if is_reserved_env(env) {
            diags.push(
                Diagnostic::error("reserved-env-name", format!("binding env `{env}` is reserved"))
                    .key(&key)
                    .at(at.file, at.span, "set by the platform")
                    .help("`PORT` and `VERCEL_*` are injected into every service; choose another name, e.g. `BACKEND_URL`"),
            );
        }
        if let Some(first) = seen.insert((&binding.caller, env), binding) {
            diags.push(
                Diagnostic::error(
                    "duplicate-env",
                    format!("service `{}` binds `{env}` twice", binding.caller),
                )
                .key(&key)
                .at(at.file, at.span, "bound again here")
                .also(
                    first.env_origin.file,
                    first.env_origin.span,
                    "first bound here",
                )
                .help("each binding needs its own env name; rename one of them"),
            );
        }
        if binding.caller == binding.target {
            let target = binding.target_origin;
            diags.push(
                Diagnostic::warning(
                    "self-binding",
                    format!("service `{}` binds to itself", binding.caller),
                )
                .key(format!("{}.service", binding.key))
                .at(target.file, target.span, "the caller itself")
                .help("a service reaches itself on localhost; remove this binding"),
            );
        }
    }
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
