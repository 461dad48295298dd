//! Check stage: the invariants of a lowered [`Project`]. Only this module can build a
//! [`Checked`] project, so targets never see an unchecked graph.

use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::{Project, ServiceId};
use crate::naming::{MAX_DNS_LABEL, is_valid_service_name};
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
    (!diags.has_errors()).then_some(Checked(project))
}

fn check_names(project: &Project, diags: &mut Diagnostics) {
    let mut by_hostname: BTreeMap<&str, Vec<&ServiceId>> = BTreeMap::new();
    for (id, service) in &project.services {
        let origin = service.origin;
        if !is_valid_service_name(id.as_str()) {
            diags.push(
                Diagnostic::error("invalid-service-name", format!("service name `{id}` is not allowed"))
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
                    "name-too-long",
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
