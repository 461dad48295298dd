//! The legacy form (`experimentalServices`) into the same IR as the current form: each web
//! service's mount becomes a top-level rewrite to it, longest prefix first, so a parent prefix
//! never takes a child's paths; types become workloads; every service gets the `{NAME}_URL`
//! variables Vercel injects.

use super::Lowerer;
use super::frameworks::env_prefix;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::ir::{
    ConditionKind, ConditionValue, Conditions, Destination, EnvValue, Origin, PublicUrl, Queue,
    Rewrite, RuleOrigin, Schedule, Service, ServiceDestination, ServiceId, Topic, Trigger,
    ValueMatch, Workload,
};
use crate::parse::decode::{KeyPath, Spanned};
use crate::parse::raw::{LegacyKind, LegacyTrigger, RawLegacyService, RawTopic};
use crate::pattern::PathPattern;
use crate::source::Span;
use std::collections::BTreeMap;

/// Where a web service is mounted.
#[derive(Debug, Clone)]
pub(super) struct Mount {
    pub service: ServiceId,
    /// Normalised: a leading `/`, no trailing `/` but for the catch-all `/`.
    pub prefix: String,
    pub subdomain: Option<String>,
    /// The key that set it, for diagnostics.
    pub key: KeyPath,
    pub span: Span,
}

/// The reserved prefix of Vercel's own routing.
const RESERVED_PREFIX: &str = "/_svc";

impl Lowerer<'_> {
    /// A legacy service's root: its `root`, else a directory `entrypoint` (which then stops
    /// being an entrypoint), else the project.
    pub(super) fn legacy_root(&self, raw: &RawLegacyService) -> crate::parse::raw::RawService {
        let mut service = raw.service.clone();
        if service.root.is_some() {
            return service;
        }
        match &service.entrypoint {
            Some(entry)
                if super::root::normalize_root(&entry.value)
                    .is_ok_and(|p| p != "." && self.dir.join(&p).is_dir()) =>
            {
                service.root = Some(entry.clone());
                service.entrypoint = None;
            }
            _ => service.root = Some(Spanned::new(".".to_string(), service.name.span)),
        }
        service
    }

    pub(super) fn legacy_workload(&mut self, raw: &RawLegacyService) -> Workload {
        let path = &raw.service.path;
        match raw.kind.value {
            LegacyKind::Web => Workload::Web,
            LegacyKind::Worker => Workload::Worker(queue(raw)),
            LegacyKind::Cron if is_dynamic(raw) => Workload::Cron {
                schedules: Vec::new(),
                dynamic: true,
            },
            LegacyKind::Cron => Workload::Cron {
                schedules: self.schedules(raw, path),
                dynamic: false,
            },
            LegacyKind::Job => {
                let trigger = match raw.trigger.as_ref().map(|t| t.value) {
                    Some(LegacyTrigger::Queue) => Trigger::Queue(queue(raw)),
                    Some(LegacyTrigger::Workflow) => Trigger::Workflow,
                    Some(LegacyTrigger::Schedule) | None => Trigger::Schedule {
                        schedules: self.schedules(raw, path),
                    },
                };
                Workload::Job { trigger }
            }
        }
    }

    fn schedules(&mut self, raw: &RawLegacyService, path: &KeyPath) -> Vec<Schedule> {
        if is_dynamic(raw)
            && let Some(list) = &raw.schedule
        {
            self.error(Code::InvalidSchedule, format!(
                    "`<dynamic>` schedules are for cron services; `{}` is a job",
                    raw.service.name.value
                )).key(path.key("schedule")).at(list.span, "a job's schedule is a cron expression").help("make the service `\"type\": \"cron\"`, or write its schedule, e.g. `\"0 3 * * *\"`");
            return Vec::new();
        }
        let Some(list) = &raw.schedule else {
            return Vec::new();
        };
        let single = list.value.len() == 1 && list.value[0].span == list.span;
        list.value
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let key = if single {
                    path.key("schedule")
                } else {
                    path.key("schedule").index(i)
                };
                self.schedule(&format!("service `{}`", raw.service.name.value), s, &key)
            })
            .collect()
    }

    /// A cron expression, or an error naming whose it is (`owner` reads "service `x`").
    pub(super) fn schedule(
        &mut self,
        owner: &str,
        text: &Spanned<String>,
        key: &KeyPath,
    ) -> Option<Schedule> {
        match Schedule::parse(&text.value) {
            Ok(schedule) => Some(schedule),
            Err(reason) => {
                self.error(
                    Code::InvalidSchedule,
                    format!("the schedule of {owner} is not a cron expression: `{}`", text.value),
                )
                .key(key)
                .at(text.span, reason)
                .help("write five fields in UTC, e.g. `\"0 * * * *\"` (hourly) or `\"*/5 * * * *\"` (every five minutes)");
                None
            }
        }
    }

    /// Mounts of the web services, with duplicates and reserved or malformed prefixes reported.
    pub(super) fn mounts(&mut self, entries: &[RawLegacyService]) -> Vec<Mount> {
        let mut mounts: Vec<Mount> = Vec::new();
        for raw in entries.iter().filter(|r| r.kind.value == LegacyKind::Web) {
            let Some(mount) = self.mount(raw) else {
                continue;
            };
            let duplicate = mounts
                .iter()
                .find(|m| m.prefix == mount.prefix && m.subdomain == mount.subdomain);
            if let Some(first) = duplicate {
                let diagnostic = Diagnostic::error(
                    Code::DuplicateRoutePrefix,
                    format!(
                        "services `{}` and `{}` are both mounted at {}",
                        first.service,
                        mount.service,
                        describe(&mount)
                    ),
                )
                .key(mount.key.as_str())
                .at(self.file, mount.span, "mounted again here")
                .also(self.file, first.span, "first mounted here")
                .help("each web service needs its own prefix or subdomain: change one of them");
                self.diags.push(diagnostic);
                continue;
            }
            mounts.push(mount);
        }
        mounts
    }

    fn mount(&mut self, raw: &RawLegacyService) -> Option<Mount> {
        let path = &raw.service.path;
        let (prefix, subdomain, key) = match &raw.mount {
            Some(m) => (m.path.as_ref(), m.subdomain.as_ref(), path.key("mount")),
            None if raw.route_prefix.is_none() => {
                (None, raw.subdomain.as_ref(), path.key("subdomain"))
            }
            None => (
                raw.route_prefix.as_ref(),
                raw.subdomain.as_ref(),
                path.key("routePrefix"),
            ),
        };
        let span = prefix
            .or(subdomain)
            .map_or(raw.service.name.span, |s| s.span);
        if prefix.is_none() && subdomain.is_none() {
            return None;
        }
        let normalized = match prefix {
            Some(p) => self.prefix(p, &key)?,
            None => "/".to_string(),
        };
        let subdomain = match subdomain {
            Some(s) => Some(self.subdomain(s, &key)?),
            None => None,
        };
        Some(Mount {
            service: ServiceId(raw.service.name.value.clone()),
            prefix: normalized,
            subdomain,
            key,
            span,
        })
    }

    fn prefix(&mut self, prefix: &Spanned<String>, key: &KeyPath) -> Option<String> {
        // `api/`, `/api` and `//api//` are one prefix: a leading `/`, single separators.
        let segments: Vec<&str> = prefix.value.split('/').filter(|s| !s.is_empty()).collect();
        let normalized = format!("/{}", segments.join("/"));
        let bad_char = normalized
            .chars()
            .find(|c| c.is_control() || c.is_whitespace() || matches!(c, '?' | '#' | '\\'))
            .map(|c| format!("{c:?} cannot appear in a path prefix"));
        // The gateway refuses paths with dot segments, so such a mount could never match.
        let dot_segment = segments
            .iter()
            .any(|s| matches!(*s, "." | ".."))
            .then(|| "`.` and `..` segments never reach a service".to_string());
        if let Some(label) = bad_char.or(dot_segment) {
            self.error(
                Code::InvalidRoutePrefix,
                format!("route prefix `{}` is not a path", prefix.value),
            )
            .key(key)
            .at(prefix.span, label)
            .help("a prefix is a plain path such as `/api` or `/docs/v2`");
            return None;
        }
        if normalized == RESERVED_PREFIX || normalized.starts_with("/_svc/") {
            self.error(
                Code::ReservedRoutePrefix,
                format!("route prefix `{}` is reserved", prefix.value),
            )
            .key(key)
            .at(prefix.span, "Vercel's own routing lives under `/_svc`")
            .help("choose another prefix, e.g. `/svc`");
            return None;
        }
        Some(normalized)
    }

    fn subdomain(&mut self, subdomain: &Spanned<String>, key: &KeyPath) -> Option<String> {
        let label = &subdomain.value;
        let valid = label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if valid {
            return Some(label.to_ascii_lowercase());
        }
        self.error(
            Code::InvalidSubdomain,
            format!("subdomain `{label}` is not a DNS label"),
        )
        .key(key)
        .at(subdomain.span, "not a host label")
        .help("use letters, digits and `-` (not at either end), e.g. `api`");
        None
    }
}

fn describe(mount: &Mount) -> String {
    match &mount.subdomain {
        Some(sub) => format!("`{}` on host `{sub}.*`", mount.prefix),
        None => format!("`{}`", mount.prefix),
    }
}

fn queue(raw: &RawLegacyService) -> Queue {
    let topics = match &raw.topics {
        Some(topics) => topics.value.iter().map(topic).collect(),
        None => vec![Topic {
            topic: "default".to_string(),
            retry_after_seconds: None,
            initial_delay_seconds: None,
        }],
    };
    Queue {
        topics,
        consumer: raw.consumer.as_ref().map(|c| c.value.clone()),
    }
}

fn topic(raw: &RawTopic) -> Topic {
    Topic {
        topic: raw.topic.value.clone(),
        retry_after_seconds: raw.retry_after_seconds.as_ref().map(|s| s.value as u32),
        initial_delay_seconds: raw.initial_delay_seconds.as_ref().map(|s| s.value as u32),
    }
}

/// Rewrites that send each mount's paths to its service: subdomains first, then longer
/// prefixes before shorter, so the first rule that matches is the most specific mount.
pub(super) fn mount_rewrites(mounts: &[Mount], file: crate::source::FileId) -> Vec<Rewrite> {
    let mut ordered: Vec<&Mount> = mounts.iter().collect();
    ordered.sort_by(|a, b| {
        b.subdomain
            .is_some()
            .cmp(&a.subdomain.is_some())
            .then(b.prefix.len().cmp(&a.prefix.len()))
            .then(a.service.cmp(&b.service))
    });
    ordered
        .into_iter()
        .filter_map(|mount| {
            let source = match mount.prefix.as_str() {
                "/" => "/:path(.*)?".to_string(),
                prefix => format!("{}/:path(.*)?", escape_pattern(prefix)),
            };
            let has = mount
                .subdomain
                .iter()
                .map(|sub| crate::ir::Condition {
                    kind: ConditionKind::Host,
                    key: None,
                    value: Some(ConditionValue::Match(Box::new(ValueMatch {
                        pre: Some(format!("{sub}.")),
                        ..ValueMatch::default()
                    }))),
                })
                .collect();
            // Prefixes are checked and escaped, so every one parses.
            Some(Rewrite {
                source: PathPattern::parse(&source).ok()?,
                destination: Destination::Service(ServiceDestination {
                    service: mount.service.clone(),
                    path: None,
                }),
                status: None,
                transforms: Vec::new(),
                conditions: Conditions {
                    has,
                    missing: Vec::new(),
                },
                origin: RuleOrigin {
                    at: Origin {
                        file,
                        span: mount.span,
                    },
                    key: mount.key.as_str().to_string(),
                },
            })
        })
        .collect()
}

/// Every character path-to-regexp gives a meaning is escaped, so a prefix matches literally.
fn escape_pattern(prefix: &str) -> String {
    prefix
        .chars()
        .flat_map(|c| {
            let special = matches!(c, ':' | '*' | '+' | '?' | '(' | ')' | '{' | '}' | '\\');
            special
                .then_some('\\')
                .into_iter()
                .chain(std::iter::once(c))
        })
        .collect()
}

/// A service mounted under a path prefix has it stripped before the app sees the path, as
/// Vercel's runtimes do when its build sets `VERCEL_SERVICE_ROUTE_PREFIX_STRIP`.
pub(super) fn strip_prefixes(mounts: &[Mount], services: &mut BTreeMap<ServiceId, Service>) {
    for mount in mounts.iter().filter(|m| m.prefix != "/") {
        let Some(service) = services.get_mut(&mount.service) else {
            continue;
        };
        service.route_prefix = Some(mount.prefix.clone());
        service.env.insert(
            crate::ir::ROUTE_PREFIX_ENV.to_string(),
            EnvValue::Literal(mount.prefix.clone()),
        );
        service.env.insert(
            crate::ir::ROUTE_PREFIX_STRIP_ENV.to_string(),
            EnvValue::Literal("1".to_string()),
        );
    }
}

/// `{NAME}_URL` for every mounted web service, and `{PREFIX}{NAME}_URL` (the path alone) for
/// each client-visible prefix of the frameworks in the deployment, as Vercel injects them.
pub(super) fn implicit_env(
    mounts: &[Mount],
    services: &BTreeMap<ServiceId, Service>,
) -> BTreeMap<String, EnvValue> {
    let mut prefixes: Vec<&str> = services
        .values()
        .filter_map(|s| s.framework.as_deref().and_then(env_prefix))
        .collect();
    prefixes.sort_unstable();
    prefixes.dedup();
    let mut env = BTreeMap::new();
    for mount in mounts {
        let name = format!(
            "{}_URL",
            mount
                .service
                .as_str()
                .to_ascii_uppercase()
                .replace('-', "_")
        );
        for prefix in &prefixes {
            if mount.subdomain.is_none() {
                env.insert(
                    format!("{prefix}{name}"),
                    EnvValue::Literal(mount.prefix.clone()),
                );
            }
        }
        env.insert(
            name,
            EnvValue::PublicUrl(PublicUrl {
                subdomain: mount.subdomain.clone(),
                path: mount.prefix.clone(),
            }),
        );
    }
    env
}

/// `"schedule": "<dynamic>"`: the app's `get_crons()` lists its schedules.
fn is_dynamic(raw: &RawLegacyService) -> bool {
    raw.schedule
        .as_ref()
        .is_some_and(|list| list.value.len() == 1 && list.value[0].value == DYNAMIC_SCHEDULE)
}

/// The schedule Vercel reads from the app itself.
pub const DYNAMIC_SCHEDULE: &str = "<dynamic>";

/// Topics and consumer, as the worker reads them.
pub(super) fn queue_env(workload: &Workload) -> Vec<(String, EnvValue)> {
    let queue = match workload {
        Workload::Worker(queue)
        | Workload::Job {
            trigger: Trigger::Queue(queue),
        } => queue,
        _ => return Vec::new(),
    };
    let topics: Vec<&str> = queue.topics.iter().map(|t| t.topic.as_str()).collect();
    let mut env = vec![(
        "SVC_TOPICS".to_string(),
        EnvValue::Literal(topics.join(",")),
    )];
    if let Some(consumer) = &queue.consumer {
        env.push((
            "SVC_CONSUMER".to_string(),
            EnvValue::Literal(consumer.clone()),
        ));
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mount(service: &str, prefix: &str, subdomain: Option<&str>) -> Mount {
        Mount {
            service: ServiceId(service.into()),
            prefix: prefix.into(),
            subdomain: subdomain.map(String::from),
            key: KeyPath::root(),
            span: Span::default(),
        }
    }

    fn matches(rewrites: &[Rewrite], path: &str) -> Option<String> {
        rewrites
            .iter()
            .filter(|r| r.conditions.has.is_empty())
            .find(|r| {
                fancy_regex::Regex::new(&r.source.to_regex())
                    .unwrap()
                    .is_match(path)
                    .unwrap()
            })
            .map(|r| match &r.destination {
                Destination::Service(s) => s.service.to_string(),
                _ => unreachable!(),
            })
    }

    #[test]
    fn the_longest_prefix_owns_its_paths_and_slash_takes_the_rest() {
        let mounts = [
            mount("web", "/", None),
            mount("api", "/api", None),
            mount("admin", "/api/admin", None),
        ];
        let rewrites = mount_rewrites(&mounts, crate::source::FileId::default());
        let owner = |p: &str| matches(&rewrites, p);
        assert_eq!(owner("/api/admin/users").as_deref(), Some("admin"));
        assert_eq!(owner("/api/admin").as_deref(), Some("admin"));
        assert_eq!(owner("/api/administer").as_deref(), Some("api"));
        assert_eq!(owner("/api").as_deref(), Some("api"));
        assert_eq!(owner("/api/").as_deref(), Some("api"));
        assert_eq!(owner("/apix").as_deref(), Some("web"));
        assert_eq!(owner("/").as_deref(), Some("web"));
        assert_eq!(owner("/about/team").as_deref(), Some("web"));
    }

    #[test]
    fn prefixes_match_literally() {
        let rewrites = mount_rewrites(
            &[mount("odd", "/v1:beta(x)", None)],
            crate::source::FileId::default(),
        );
        assert_eq!(matches(&rewrites, "/v1:beta(x)/a").as_deref(), Some("odd"));
        assert_eq!(matches(&rewrites, "/v1"), None);
    }

    #[test]
    fn subdomain_mounts_come_first_with_a_host_condition() {
        let rewrites = mount_rewrites(
            &[mount("web", "/", None), mount("docs", "/", Some("docs"))],
            crate::source::FileId::default(),
        );
        assert_eq!(rewrites[0].conditions.has.len(), 1);
        assert!(
            matches!(&rewrites[0].destination, Destination::Service(s) if s.service.as_str() == "docs")
        );
    }
}
