//! Routing rules: path patterns parsed, services resolved, destination parameters checked.

use super::Lowerer;
use crate::diag::Code;
use crate::ir::{
    Condition, ConditionKind, ConditionValue, Conditions, Destination, Header, HeaderRule, Origin,
    Redirect, Rewrite, Route, Routing, RuleOrigin, ServiceDestination, ServiceId, Transform,
    TransformKey, TransformKind, TransformOp, ValueMatch,
};
use crate::parse::decode::{KeyPath, Spanned};
use crate::parse::raw::{self, RawConditionValue, RawRouting, RawServiceDestination};
use crate::pattern::{PathPattern, destination_param_names, named_groups};
use crate::source::Span;

/// Prefix Vercel reserves for its own plumbing.
const RESERVED_PREFIX: &str = "/_svc";

/// Handle phases a low-level route may name.
const HANDLES: [&str; 6] = ["filesystem", "hit", "miss", "rewrite", "error", "resource"];

/// Vercel's schema for a `request.path` value: one leading `/`, no query, fragment, spaces or
/// control characters.
fn valid_request_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path
            .chars()
            .any(|c| matches!(c, '?' | '#') || c.is_whitespace() || c.is_control())
}

/// Vercel matches every route's `src` case-sensitively once a config uses any of the newer
/// routing keys (`vercel dev`'s router switches its `i` flag off for the whole config), so a
/// low-level route is case-insensitive only in a config of `routes` alone without
/// `caseSensitive: true`.
pub(super) fn match_case_as_vercel<'r>(
    top: &'r mut Routing,
    services: impl Iterator<Item = &'r mut Routing>,
) {
    let mut tables: Vec<&mut Routing> = std::iter::once(top).chain(services).collect();
    let uses_newer_keys = tables.iter().any(|t| {
        t.clean_urls
            || t.trailing_slash.is_some()
            || !t.rewrites.is_empty()
            || !t.redirects.is_empty()
            || !t.headers.is_empty()
    });
    if uses_newer_keys {
        for route in tables.iter_mut().flat_map(|t| t.routes.iter_mut()) {
            route.case_sensitive = true;
        }
    }
}

impl Lowerer<'_> {
    pub(super) fn lower_routing(&mut self, raw: &RawRouting, public: bool) -> Routing {
        self.check_http_text(raw);
        Routing {
            clean_urls: raw.clean_urls.as_ref().is_some_and(|b| b.value),
            trailing_slash: raw.trailing_slash.as_ref().map(|b| b.value),
            routes: raw
                .routes
                .iter()
                .filter_map(|r| self.route(r, public))
                .collect(),
            redirects: raw
                .redirects
                .iter()
                .filter_map(|r| self.redirect(r, public))
                .collect(),
            headers: raw
                .headers
                .iter()
                .filter_map(|r| self.header_rule(r))
                .collect(),
            rewrites: raw
                .rewrites
                .iter()
                .filter_map(|r| self.rewrite(r, public))
                .collect(),
        }
    }

    fn rewrite(&mut self, raw: &raw::RawRewrite, public: bool) -> Option<Rewrite> {
        let source = self.pattern(&raw.source, &raw.path, public);
        let conditions = self.conditions(&raw.conditions);
        let destination = match &raw.destination {
            raw::RawDestination::Url(url) => {
                self.check_params(
                    &raw.path.key("destination"),
                    url,
                    source.as_ref(),
                    &raw.conditions,
                );
                Some(Destination::from_url(&url.value))
            }
            raw::RawDestination::Service(dest) => {
                if let Some(path) = &dest.lookup_path {
                    self.check_params(
                        &dest.path.key("path"),
                        path,
                        source.as_ref(),
                        &raw.conditions,
                    );
                }
                self.service_destination(dest).map(Destination::Service)
            }
        };
        let transforms = self.transforms(&raw.transforms, source.as_ref(), &raw.conditions);
        Some(Rewrite {
            source: source?,
            destination: destination?,
            status: raw.status_code.as_ref().map(|s| s.value as u16),
            transforms,
            conditions,
            origin: self.rule_origin(raw.span, &raw.path),
        })
    }

    fn redirect(&mut self, raw: &raw::RawRedirect, public: bool) -> Option<Redirect> {
        let source = self.pattern(&raw.source, &raw.path, public);
        self.check_params(
            &raw.path.key("destination"),
            &raw.destination,
            source.as_ref(),
            &raw.conditions,
        );
        let status = match (&raw.permanent, &raw.status_code) {
            (Some(permanent), Some(code)) => {
                let diagnostic = crate::diag::Diagnostic::error(
                    Code::PermanentAndStatus,
                    "a redirect cannot set both `permanent` and `statusCode`",
                )
                .key(raw.path.key("statusCode").as_str())
                .at(self.file, code.span, "explicit status")
                .also(self.file, permanent.span, "also implies a status")
                .help("keep one: `permanent: true` means 308 and `false` means 307");
                self.diags.push(diagnostic);
                return None;
            }
            (Some(permanent), None) => {
                if permanent.value {
                    308
                } else {
                    307
                }
            }
            (None, Some(code)) => code.value as u16,
            (None, None) => 308,
        };
        Some(Redirect {
            source: source?,
            destination: raw.destination.value.clone(),
            status,
            conditions: self.conditions(&raw.conditions),
            origin: self.rule_origin(raw.span, &raw.path),
        })
    }

    fn header_rule(&mut self, raw: &raw::RawHeaderRule) -> Option<HeaderRule> {
        let source = self.pattern(&raw.source, &raw.path, false);
        Some(HeaderRule {
            source: source?,
            headers: raw.headers.iter().map(header).collect(),
            conditions: self.conditions(&raw.conditions),
            origin: self.rule_origin(raw.span, &raw.path),
        })
    }

    fn route(&mut self, raw: &raw::RawRoute, public: bool) -> Option<Route> {
        if let Some(src) = raw.src.as_ref().filter(|s| public && is_reserved(&s.value)) {
            self.error(
                Code::ReservedPath,
                format!("`{}` is under `/_svc`, which is reserved", src.value),
            )
            .key(raw.path.key("src"))
            .at(src.span, "reserved for Vercel's internal routing")
            .help("choose another path prefix");
            return None;
        }
        let src = raw.src.as_ref().map(|src| self.route_regex(src, &raw.path));
        if let (Some(cont), Some(dest)) = (&raw.continue_, &raw.service)
            && cont.value
        {
            let diagnostic = crate::diag::Diagnostic::error(
                    Code::ContinueWithService,
                    "a route cannot set `continue: true` with a service `destination`",
                )
                .key(raw.path.key("continue").as_str())
                .at(self.file, cont.span, "continue after a terminal hand-off?")
                .also(self.file, dest.span, "the hand-off to a service is terminal")
                .help("remove `continue`, or split the route in two: one that sets headers with `continue: true`, one that routes to the service");
            self.diags.push(diagnostic);
        }
        if let Some(handle) = &raw.handle {
            self.check_handle(handle, &raw.path);
        }
        let service = raw
            .service
            .as_ref()
            .and_then(|d| self.service_destination(d));
        Some(Route {
            src: match src {
                Some(Some(src)) => Some(src),
                Some(None) => return None,
                None => None,
            },
            dest: raw.dest.as_ref().map(|d| d.value.clone()),
            service,
            headers: raw.headers.iter().map(header).collect(),
            methods: raw
                .methods
                .iter()
                .map(|m| m.value.to_ascii_uppercase())
                .collect(),
            r#continue: raw.continue_.as_ref().is_some_and(|c| c.value),
            check: raw.check.as_ref().is_some_and(|c| c.value),
            case_sensitive: raw.case_sensitive.as_ref().is_some_and(|c| c.value),
            status: raw.status.as_ref().map(|s| s.value as u16),
            handle: raw.handle.as_ref().map(|h| h.value.clone()),
            conditions: self.conditions(&raw.conditions),
            transforms: self.transforms(&raw.transforms, None, &raw.conditions),
            uninterpreted: raw.uninterpreted.iter().map(|(k, _)| k.clone()).collect(),
            origin: self.rule_origin(raw.span, &raw.path),
        })
    }

    /// A rule's transforms; a rewrite's `request.path` may use the source's parameters, as
    /// its destination may.
    fn transforms(
        &mut self,
        raw: &[raw::RawTransform],
        source: Option<&PathPattern>,
        conditions: &raw::RawConditions,
    ) -> Vec<Transform> {
        raw.iter()
            .filter_map(|t| {
                let kind = match t.kind.as_str() {
                    "request.path" => TransformKind::RequestPath,
                    "request.headers" => TransformKind::RequestHeaders,
                    "request.query" => TransformKind::RequestQuery,
                    _ => TransformKind::ResponseHeaders,
                };
                if kind == TransformKind::RequestPath {
                    let args = Spanned::new(t.args.join(""), t.span);
                    if !valid_request_path(&args.value) {
                        self.error(
                            Code::InvalidPath,
                            format!("`{}` is `{}`, which is not a path", t.path.key("args"), args.value),
                        )
                        .key(t.path.key("args"))
                        .at(t.span, "a path starting with one `/`, without `?`, `#`, spaces or control characters")
                        .help("write the path the service should see, e.g. `/tenants/:org`");
                        return None;
                    }
                    self.check_params(&t.path.key("args"), &args, source, conditions);
                }
                Some(Transform {
                    kind,
                    op: match t.op.as_str() {
                        "set" => TransformOp::Set,
                        "append" => TransformOp::Append,
                        _ => TransformOp::Delete,
                    },
                    key: t.key.as_ref().map(|key| match key {
                        raw::RawTransformKey::Name(name) => TransformKey::Name(name.value.clone()),
                        raw::RawTransformKey::Matcher { op: "eq", operand, .. } => {
                            TransformKey::Name(operand.value.clone())
                        }
                        raw::RawTransformKey::Matcher { op, operand, .. } => TransformKey::Matcher {
                            op: op.to_string(),
                            operand: operand.value.clone(),
                        },
                    }),
                    args: t.args.clone(),
                    env: t.env.clone(),
                    origin: self.rule_origin(t.span, &t.path),
                })
            })
            .collect()
    }

    fn rule_origin(&self, span: Span, path: &KeyPath) -> RuleOrigin {
        RuleOrigin {
            at: Origin {
                file: self.file,
                span,
            },
            key: path.as_str().to_string(),
        }
    }

    fn check_handle(&mut self, handle: &Spanned<String>, path: &KeyPath) {
        if HANDLES.contains(&handle.value.as_str()) {
            return;
        }
        let help = match crate::diag::did_you_mean(&handle.value, HANDLES) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("use one of: {}", HANDLES.join(", ")),
        };
        self.error(
            Code::UnknownChoice,
            format!("unknown route phase `{}`", handle.value),
        )
        .key(path.key("handle"))
        .at(handle.span, "not a handle phase")
        .help(help);
    }

    /// A low-level `src` is a regular expression; Vercel anchors it with `^...$`.
    fn route_regex(&mut self, src: &Spanned<String>, path: &KeyPath) -> Option<String> {
        let mut anchored = src.value.clone();
        if !anchored.starts_with('^') {
            anchored.insert(0, '^');
        }
        if !anchored.ends_with('$') {
            anchored.push('$');
        }
        if let Some(e) = crate::pattern::regex_error(&anchored) {
            self.error(
                Code::InvalidPattern,
                format!("`src` `{}` is not a valid regular expression: {e}", crate::diag::shown(&src.value)),
            )
            .key(path.key("src"))
            .at(src.span, "invalid regular expression")
            .help("low-level `src` is a regular expression (e.g. `^/api/(.*)$`); for path patterns such as `/api/:path*` use `rewrites`");
            return None;
        }
        if let Some(reason) = crate::pattern::backtracking_hazard(&anchored) {
            self.unsafe_regex(&path.key("src"), src.span, &src.value, reason);
            return None;
        }
        Some(anchored)
    }

    fn unsafe_regex(&mut self, key: &KeyPath, span: Span, value: &str, reason: String) {
        self.error(
            Code::UnsafePattern,
            format!(
                "`{}` could make the gateway hang on a crafted request",
                crate::diag::shown(value)
            ),
        )
        .key(key)
        .at(span, "backtracks badly")
        .help(reason);
    }

    /// A regex a condition tests (`value` as a string, or its `re`) must compile, and must not
    /// backtrack badly: nginx runs it on every request's header, cookie, query or host.
    fn check_condition_regexes(&mut self, conditions: &[raw::RawCondition]) {
        for condition in conditions {
            let (regex, key) = match &condition.value {
                Some(RawConditionValue::Regex(regex)) => (regex, condition.path.key("value")),
                Some(RawConditionValue::Match(m)) => match &m.re {
                    Some(re) => (re, condition.path.key("value").key("re")),
                    None => continue,
                },
                None => continue,
            };
            let anchored = format!("^{}$", regex.value);
            if let Some(e) = crate::pattern::regex_error(&anchored) {
                self.error(
                    Code::InvalidPattern,
                    format!("`{}` is not a valid regular expression: {e}", crate::diag::shown(&regex.value)),
                )
                .key(&key)
                .at(regex.span, "invalid regular expression")
                .help("a string `value` is a regular expression; escape `.`, `(`, `[` and `\\` to match them literally, or use `{ \"eq\": ... }` for an exact value");
            } else if let Some(reason) = crate::pattern::backtracking_hazard(&anchored) {
                self.unsafe_regex(&key, regex.span, &regex.value, reason);
            }
        }
    }

    fn pattern(
        &mut self,
        source: &Spanned<String>,
        path: &KeyPath,
        public: bool,
    ) -> Option<PathPattern> {
        let key = path.key("source");
        if public && is_reserved(&source.value) {
            self.error(
                Code::ReservedPath,
                format!("`{}` is under `/_svc`, which is reserved", source.value),
            )
            .key(&key)
            .at(source.span, "reserved for Vercel's internal routing")
            .help("choose another path prefix");
            return None;
        }
        match PathPattern::parse(&source.value) {
            Ok(pattern) => match pattern.backtracking_hazard() {
                None => Some(pattern),
                Some(reason) => {
                    self.unsafe_regex(&key, source.span, &source.value, reason);
                    None
                }
            },
            Err(e) => {
                let span = inner_span(source, e.offset);
                self.error(
                    Code::InvalidPattern,
                    format!("invalid source pattern `{}`: {}", crate::diag::shown(&source.value), e.message),
                )
                .key(&key)
                .at(span, "here")
                .help("sources use path-to-regexp syntax: `/blog/:slug`, `/api/:path*`, `/(.*)`; escape a literal `(`, `:` or `{` with `\\\\`");
                None
            }
        }
    }

    /// Every `:name` a destination uses must come from the source or a `has` condition.
    fn check_params(
        &mut self,
        key: &KeyPath,
        destination: &Spanned<String>,
        source: Option<&PathPattern>,
        conditions: &raw::RawConditions,
    ) {
        let Some(source) = source else { return };
        let mut available: Vec<String> = source
            .named_params()
            .into_iter()
            .map(str::to_string)
            .collect();
        available.extend(has_segments(&conditions.has));
        for name in destination_param_names(&destination.value) {
            if available.contains(&name) {
                continue;
            }
            let help = match crate::diag::did_you_mean(&name, available.iter().map(String::as_str))
            {
                Some(s) => format!(
                    "did you mean `:{s}`? A destination can only use parameters named in `source` or captured by `has`"
                ),
                None => format!(
                    "name the segment in `source` (e.g. `{}/:{name}`), or capture it with a `has` condition",
                    source.source().trim_end_matches('/')
                ),
            };
            let label = format!("`:{name}` is not defined");
            let span = find_param(&destination.value, &name).map_or(destination.span, |at| {
                inner_span_len(destination, at, name.len() + 1)
            });
            self.error(
                Code::UnknownParameter,
                format!(
                    "destination uses `:{name}`, which is not in source `{}` or `has`",
                    source.source()
                ),
            )
            .key(key)
            .at(span, label)
            .help(help);
        }
    }

    fn service_destination(&mut self, raw: &RawServiceDestination) -> Option<ServiceDestination> {
        let service = self.resolve_service(&raw.service, &raw.path.key("service"))?;
        Some(ServiceDestination {
            service,
            path: raw.lookup_path.as_ref().map(|p| p.value.clone()),
        })
    }

    fn conditions(&mut self, raw: &raw::RawConditions) -> Conditions {
        self.check_condition_regexes(&raw.has);
        self.check_condition_regexes(&raw.missing);
        Conditions {
            has: raw.has.iter().map(condition).collect(),
            missing: raw.missing.iter().map(condition).collect(),
        }
    }

    pub(super) fn resolve_service(
        &mut self,
        name: &Spanned<String>,
        key: &KeyPath,
    ) -> Option<ServiceId> {
        if self.service_names.contains(&name.value) {
            return Some(ServiceId(name.value.clone()));
        }
        let help = match crate::diag::did_you_mean(
            &name.value,
            self.service_names.iter().map(String::as_str),
        ) {
            Some(s) => format!("did you mean `{s}`?"),
            None if self.service_names.is_empty() => {
                "declare the service under `services`".to_string()
            }
            None => format!(
                "declared services: {}",
                self.service_names
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        self.error(
            Code::UnknownService,
            format!("`{key}` names unknown service `{}`", name.value),
        )
        .key(key)
        .at(name.span, "not a declared service")
        .help(help);
        None
    }
}

/// A source or `src` whose literal start is `/_svc`, Vercel's reserved prefix (`/_svcs` is
/// another path).
fn is_reserved(source: &str) -> bool {
    let plain = source.trim_start_matches('^').replace("\\/", "/");
    plain.strip_prefix(RESERVED_PREFIX).is_some_and(|rest| {
        !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
    })
}

/// Where `:name` stands as a whole parameter (not the start of `:names`).
fn find_param(text: &str, name: &str) -> Option<usize> {
    let needle = format!(":{name}");
    text.match_indices(&needle).map(|(at, _)| at).find(|at| {
        let next = text[at + needle.len()..].chars().next();
        !next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// The span of the character at byte `offset` inside a quoted string value.
fn inner_span(value: &Spanned<String>, offset: usize) -> Span {
    let len = value
        .value
        .get(offset..)
        .and_then(|s| s.chars().next())
        .map_or(1, char::len_utf8);
    inner_span_len(value, offset, len)
}

/// The span of `len` bytes at `offset` inside a quoted string value, when the source text is
/// the value verbatim between quotes (no escapes); otherwise the whole value.
fn inner_span_len(value: &Spanned<String>, offset: usize, len: usize) -> Span {
    let verbatim = value.span.end.saturating_sub(value.span.start) == value.value.len() + 2;
    if verbatim && offset + len <= value.value.len() {
        let at = value.span.start + 1 + offset;
        Span::new(at, at + len)
    } else {
        value.span
    }
}

/// Names a `has` list makes available to destinations, as Vercel collects them.
fn has_segments(has: &[raw::RawCondition]) -> Vec<String> {
    let mut names = Vec::new();
    for item in has {
        match &item.value {
            None => names.extend(item.key.as_ref().map(|k| k.value.clone())),
            Some(RawConditionValue::Regex(regex)) => {
                names.extend(named_groups(&regex.value));
                if item.kind == raw::ConditionKind::Host {
                    names.push("host".to_string());
                }
            }
            Some(RawConditionValue::Match(m)) => {
                names.extend(m.re.iter().flat_map(|re| named_groups(&re.value)));
            }
        }
    }
    names
}

fn header(raw: &raw::RawHeader) -> Header {
    Header {
        key: raw.key.value.clone(),
        value: raw.value.value.clone(),
    }
}

fn condition(raw: &raw::RawCondition) -> Condition {
    let kind = match raw.kind {
        raw::ConditionKind::Host => ConditionKind::Host,
        raw::ConditionKind::Header => ConditionKind::Header,
        raw::ConditionKind::Cookie => ConditionKind::Cookie,
        raw::ConditionKind::Query => ConditionKind::Query,
    };
    let key = raw.key.as_ref().map(|k| match kind {
        ConditionKind::Header => k.value.to_ascii_lowercase(),
        _ => k.value.clone(),
    });
    let value = raw.value.as_ref().map(|v| match v {
        RawConditionValue::Regex(r) => ConditionValue::Regex(r.value.clone()),
        RawConditionValue::Match(m) => ConditionValue::Match(Box::new(value_match(m))),
    });
    Condition { kind, key, value }
}

fn value_match(m: &raw::RawValueMatch) -> ValueMatch {
    let s = |v: &Option<Spanned<String>>| v.as_ref().map(|v| v.value.clone());
    let l = |v: &Option<Spanned<Vec<String>>>| v.as_ref().map(|v| v.value.clone());
    let n = |v: &Option<Spanned<f64>>| v.as_ref().map(|v| v.value);
    ValueMatch {
        eq: s(&m.eq),
        neq: s(&m.neq),
        inc: l(&m.inc),
        ninc: l(&m.ninc),
        pre: s(&m.pre),
        suf: s(&m.suf),
        re: s(&m.re),
        gt: n(&m.gt),
        gte: n(&m.gte),
        lt: n(&m.lt),
        lte: n(&m.lte),
    }
}
