//! Routing tables compiled to a program of rewrite-module statements in the server block.
//!
//! Vercel evaluates one ordered list: cleanUrls and trailingSlash redirects, `routes`,
//! `redirects`, `headers`, then (after the filesystem phase) `rewrites`. nginx's `location`
//! matching has no such order, but `if`/`set`/`return`/`rewrite` in server context run top to
//! bottom, so each rule becomes a few of those statements. `$svc_phase` says which table and
//! phase is live; a service hand-off switches it to that service's own table.

use super::conditions::{ARGS, LOOKUP, MATCH, PHASE, PathTest, match_rule, set};
use super::dest::{self, Captures, Kind, Url};
use super::host::Options;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::emit::nginx_conf::{self, Arg, Item, Part, comment, if_block, simple};
use crate::ir::{
    Conditions, Destination, Header, HeaderRule, Redirect, Rewrite, Route, Routing, RuleOrigin,
    ServiceDestination,
};

pub const PATH: &str = "svc_path";
pub const REWRITTEN: &str = "svc_rewritten";
pub const TARGET: &str = "svc_target";
pub const UPSTREAM: &str = "svc_upstream";
pub const EXTERNAL: &str = "svc_external";
/// `?` + the current query, or nothing.
pub const QUERY_SUFFIX: &str = "svc_qq";
/// `&` + the current query, or nothing.
pub const QUERY_APPEND: &str = "svc_qa";
/// The prefix the gateway strips from the URI of the service a request was handed to.
pub const STRIP: &str = "svc_strip";
/// The status a rewrite's `statusCode` puts on the response, when one matched.
pub const STATUS: &str = "svc_status";
/// The URI a static service was handed, when its own rewrites may change it: the static server
/// checks its files for this one first.
pub const STATIC_URI: &str = "svc_static_uri";
/// The paths a static service's own rewrites led to, in order, each after a space.
pub const STATIC_PATHS: &str = "svc_static_paths";
const GUARD: &str = "svc_safe";
const REFUSE: &str = "svc_refuse";

/// One response header that some rule may set; sent when its variable is not empty.
pub struct HeaderSlot {
    pub key: String,
    pub var: String,
}

pub struct Program<'o> {
    pub items: Vec<Item>,
    /// Services whose route prefix the gateway strips, and the prefix.
    pub strips: std::collections::BTreeMap<crate::ir::ServiceId, String>,
    /// Whether any public service is a static site, whose server reads the rewritten paths.
    pub static_sites: bool,
    /// Static services with rewrites of their own, which their static server applies.
    pub static_rewrites: std::collections::BTreeSet<crate::ir::ServiceId>,
    /// Request headers `transforms` change, sent on every proxied request.
    pub request_headers: Vec<HeaderSlot>,
    /// Response headers `transforms` append to, sent beside the upstream's.
    pub appended_headers: Vec<HeaderSlot>,
    /// Response header slots a transform may delete.
    pub deletable_headers: std::collections::BTreeSet<String>,
    /// Whether a `request.path` transform may set the path the app sees.
    pub sees_path: bool,
    /// Statuses rewrites put on a service's response.
    pub statuses: std::collections::BTreeSet<u16>,
    /// Whether the table being compiled is a static service's: the paths its rewrites lead to
    /// are listed for the static server, which checks each for a file (Vercel's `check`).
    pub in_static_table: bool,
    pub headers: Vec<HeaderSlot>,
    pub errors: Vec<Diagnostic>,
    options: &'o Options,
    next_rule: usize,
}

/// A table's two phases: before and after Vercel's filesystem check.
pub struct Phases {
    pub before: String,
    pub after: String,
}

impl Phases {
    pub fn top() -> Phases {
        Phases {
            before: "top".to_string(),
            after: "top:rewrites".to_string(),
        }
    }

    pub fn service(name: &str) -> Phases {
        Phases {
            before: format!("service:{name}"),
            after: format!("service:{name}:rewrites"),
        }
    }
}

fn word_if(var: &str, op: &'static str, value: &str, body: Vec<Item>) -> Item {
    if_block(vec![Arg::var(var), Arg::Word(op), Arg::text(value)], body)
}

fn matched(body: Vec<Item>) -> Item {
    word_if(MATCH, "=", "1", body)
}

/// Synthetic routes Vercel adds for `cleanUrls` and `trailingSlash` (routing-utils).
enum Synthetic {
    Redirect {
        src: &'static str,
        location: &'static str,
    },
    /// Matches and ends the phase without doing anything (`/.well-known` is exempt).
    Skip { src: &'static str },
}

fn synthetic_routes(routing: &Routing) -> Vec<Synthetic> {
    let mut routes = Vec::new();
    if routing.clean_urls {
        let location = if routing.trailing_slash == Some(true) {
            "/$1/"
        } else {
            "/$1"
        };
        routes.push(Synthetic::Redirect {
            src: r"^/(?:(.+)/)?index(?:\.html)?/?$",
            location,
        });
        routes.push(Synthetic::Redirect {
            src: r"^/(.*)\.html/?$",
            location,
        });
    }
    match routing.trailing_slash {
        Some(true) => {
            routes.push(Synthetic::Skip {
                src: r"^/\.well-known(?:/.*)?$",
            });
            routes.push(Synthetic::Redirect {
                src: r"^/((?:[^/]+/)*[^/\.]+)$",
                location: "/$1/",
            });
            routes.push(Synthetic::Redirect {
                src: r"^/((?:[^/]+/)*[^/]+\.\w+)/$",
                location: "/$1",
            });
        }
        Some(false) => routes.push(Synthetic::Redirect {
            src: r"^/(.*)\/$",
            location: "/$1",
        }),
        None => {}
    }
    routes
}

impl<'o> Program<'o> {
    pub fn new(options: &'o Options) -> Self {
        Program {
            items: Vec::new(),
            strips: std::collections::BTreeMap::new(),
            static_rewrites: std::collections::BTreeSet::new(),
            static_sites: false,
            in_static_table: false,
            request_headers: Vec::new(),
            appended_headers: Vec::new(),
            deletable_headers: std::collections::BTreeSet::new(),
            sees_path: false,
            statuses: std::collections::BTreeSet::new(),
            headers: Vec::new(),
            errors: Vec::new(),
            options,
            next_rule: 0,
        }
    }

    pub fn table(&mut self, routing: &Routing, phases: &Phases) {
        for route in synthetic_routes(routing) {
            self.synthetic(&route, phases);
        }
        for route in &routing.routes {
            self.rule(&route.origin, |p, prefix| p.route(route, prefix, phases));
        }
        for redirect in &routing.redirects {
            self.rule(&redirect.origin, |p, prefix| {
                p.redirect(redirect, prefix, &phases.before)
            });
        }
        for rule in &routing.headers {
            self.rule(&rule.origin, |p, prefix| {
                p.header_rule(rule, prefix, &phases.before)
            });
        }
        self.items.push(word_if(
            PHASE,
            "=",
            &phases.before,
            vec![set(PHASE, Arg::text(&phases.after))],
        ));
        for rewrite in &routing.rewrites {
            self.rule(&rewrite.origin, |p, prefix| {
                p.rewrite(rewrite, prefix, &phases.after)
            });
        }
    }

    /// Compiles one rule into a scratch list, so a rule that cannot be translated leaves
    /// nothing half-written behind.
    fn rule(
        &mut self,
        origin: &RuleOrigin,
        compile: impl FnOnce(&mut Program<'o>, &str) -> Result<Vec<Item>, String>,
    ) {
        let prefix = format!("r{}_", self.next_rule);
        self.next_rule += 1;
        let compiled = compile(self, &prefix).and_then(|items| match nginx_conf::too_long_arg(&items) {
            None => Ok(items),
            Some(len) => Err(format!(
                "once written for nginx, one of its values is {len} bytes long, and nginx reads at most {} (a `$` takes 13 bytes, a `\\` two); shorten the pattern or value",
                nginx_conf::MAX_ARG_BYTES
            )),
        });
        match compiled {
            Ok(items) => {
                self.items.push(comment(origin.key.clone()));
                self.items.extend(items);
            }
            Err(reason) => self.errors.push(
                Diagnostic::error(Code::NginxUntranslatable, format!("`{}` cannot be translated to nginx exactly: {reason}", origin.key))
                    .key(origin.key.clone())
                    .at(origin.at.file, origin.at.span, "this rule")
                    .help("svc never approximates a routing rule; rewrite it with the supported forms (see docs/nginx.md)"),
            ),
        }
    }

    fn synthetic(&mut self, route: &Synthetic, phases: &Phases) {
        let prefix = format!("r{}_", self.next_rule);
        self.next_rule += 1;
        let mut out = Vec::new();
        let (src, action) = match route {
            Synthetic::Redirect { src, location } => (*src, Some(*location)),
            Synthetic::Skip { src } => (*src, None),
        };
        // These routes exist only in a config with `cleanUrls` or `trailingSlash`, where
        // Vercel matches every route case-sensitively.
        let path = PathTest {
            regex: src,
            names: Vec::new(),
            case_insensitive: false,
        };
        let Ok(captures) = match_rule(
            &mut out,
            &prefix,
            &phases.before,
            path,
            &[],
            &Conditions::default(),
        ) else {
            return;
        };
        let body = match action {
            Some(location) => vec![redirect_return(308, &dest::render_raw(location, &captures))],
            None => vec![set(PHASE, Arg::text(&phases.after))],
        };
        out.push(matched(body));
        self.items.push(comment(format!(
            "{src} ({})",
            if action.is_some() {
                "cleanUrls/trailingSlash redirect"
            } else {
                "exempt from trailingSlash"
            }
        )));
        self.items.extend(out);
    }

    fn redirect(
        &mut self,
        rule: &Redirect,
        prefix: &str,
        phase: &str,
    ) -> Result<Vec<Item>, String> {
        let mut out = Vec::new();
        let captures =
            self.match_pattern(&mut out, prefix, phase, &rule.source, &rule.conditions)?;
        let url = dest::render(&rule.destination, &captures, Kind::Redirect);
        out.extend(guard_url(&url, &captures)?);
        let body = if (300..400).contains(&rule.status) {
            vec![redirect_return(rule.status, &url)]
        } else {
            // Another status answers with it, carrying the `Location` Vercel sends along.
            let status = answerable_status(rule.status)?;
            let location = self.header_var("Location");
            vec![
                set(&location, Arg::Value(location_value(&url))),
                simple("return", vec![Arg::Number(u64::from(status))]),
            ]
        };
        out.push(matched(body));
        Ok(out)
    }

    fn header_rule(
        &mut self,
        rule: &HeaderRule,
        prefix: &str,
        phase: &str,
    ) -> Result<Vec<Item>, String> {
        let mut out = Vec::new();
        let captures =
            self.match_pattern(&mut out, prefix, phase, &rule.source, &rule.conditions)?;
        let body = self.set_headers(&rule.headers, &captures, true)?;
        out.push(matched(body));
        Ok(out)
    }

    fn rewrite(&mut self, rule: &Rewrite, prefix: &str, phase: &str) -> Result<Vec<Item>, String> {
        let mut out = Vec::new();
        let captures =
            self.match_pattern(&mut out, prefix, phase, &rule.source, &rule.conditions)?;
        let mut body = Vec::new();
        match rule.status {
            Some(status) if (300..400).contains(&status) => {
                return self.rewrite_with_status(rule, status, out, &captures);
            }
            Some(status) => {
                if matches!(rule.destination, Destination::External(_))
                    || !(400..600).contains(&status)
                    || answerable_status(status).is_err()
                {
                    return Err(format!(
                        "`statusCode: {status}` would replace the status of the response the destination gives: nginx can put a 4xx or 5xx on a service's response (through `error_page`), never another status, and not on an external origin's"
                    ));
                }
                self.statuses.insert(status);
                body.push(set(STATUS, Arg::text(status.to_string())));
            }
            None => {}
        }
        let transforms = self.transforms(&rule.transforms, &captures, prefix, true)?;
        out.extend(transforms.before);
        body.extend(transforms.action);
        body.extend(match &rule.destination {
            Destination::Service(service) => self.hand_off(service, &captures)?,
            Destination::Path(path) | Destination::External(path) => {
                let mut url = dest::render(path, &captures, Kind::Rewrite);
                out.extend(guard_url(&url, &captures)?);
                out.extend(merge_query(&mut url, prefix));
                let mut action = self.go_to(&url, None);
                if self.in_static_table && !url.is_external() {
                    // Each path a static service's rewrites lead to, in order: its server
                    // serves the first that is a file, as Vercel checks after each rewrite.
                    action.push(set(
                        STATIC_PATHS,
                        Arg::Value(vec![
                            Part::Var(STATIC_PATHS.into()),
                            Part::Text(" ".into()),
                            Part::Var(PATH.into()),
                        ]),
                    ));
                }
                action
            }
        });
        let changes_query = body.iter().any(sets_args);
        out.push(matched(body));
        if changes_query {
            out.extend(refresh_query());
        }
        Ok(out)
    }

    /// A rewrite with a 3xx `statusCode` redirects to the destination, as `vercel dev` does.
    fn rewrite_with_status(
        &mut self,
        rule: &Rewrite,
        status: u16,
        mut out: Vec<Item>,
        captures: &Captures,
    ) -> Result<Vec<Item>, String> {
        let destination = match &rule.destination {
            Destination::Path(path) | Destination::External(path) => path,
            Destination::Service(_) => {
                return Err(format!(
                    "`statusCode: {status}` redirects to the destination, and a service destination is no URL to redirect to"
                ));
            }
        };
        let url = dest::render(destination, captures, Kind::Rewrite);
        out.extend(guard_url(&url, captures)?);
        out.push(matched(vec![redirect_return(status, &url)]));
        Ok(out)
    }

    fn route(&mut self, route: &Route, prefix: &str, phases: &Phases) -> Result<Vec<Item>, String> {
        if let Some(handle) = &route.handle {
            return Err(format!("`handle: {handle}` phases are not supported"));
        }
        if let Some(key) = route.uninterpreted.first() {
            return Err(format!("`{key}` is not supported by the nginx target"));
        }
        if route.service.is_some() && !route.transforms.is_empty() {
            // `vercel dev` drops them, and what the platform does is not public.
            return Err("`transforms` on a route to a service `destination`: Vercel's own dev server drops them, so svc cannot know their effect".to_string());
        }
        let Some(src) = &route.src else {
            return Err("a route without `src`".to_string());
        };
        let mut out = Vec::new();
        let path = PathTest {
            regex: src,
            names: Vec::new(),
            case_insensitive: !route.case_sensitive,
        };
        let captures = match_rule(
            &mut out,
            prefix,
            &phases.before,
            path,
            &route.methods,
            &route.conditions,
        )?;
        let location = route
            .headers
            .iter()
            .find(|h| h.key.eq_ignore_ascii_case("location"));
        let others: Vec<Header> = route
            .headers
            .iter()
            .filter(|h| !h.key.eq_ignore_ascii_case("location"))
            .cloned()
            .collect();
        if route.r#continue && route.status.is_some() {
            return Err("`continue: true` with a `status` keeps routing with a pending status, which nginx cannot hold".to_string());
        }
        let transforms = self.transforms(&route.transforms, &captures, prefix, false)?;
        out.extend(transforms.before);
        let mut body = transforms.action;
        body.extend(self.set_headers(&others, &captures, false)?);
        let redirect_status = route.status.filter(|s| (300..400).contains(s));
        match (&route.service, &route.dest, redirect_status, location) {
            (Some(service), None, None, None) => body.extend(self.hand_off(service, &captures)?),
            (None, None, Some(status), Some(location)) => {
                let url = dest::render_raw(&location.value, &captures);
                out.extend(guard_url(&url, &captures)?);
                body.push(redirect_return(status, &url));
            }
            (None, Some(dest), None, None) => {
                let mut url = dest::render_raw(dest, &captures);
                out.extend(guard_url(&url, &captures)?);
                out.extend(merge_query(&mut url, prefix));
                // Without `continue` or `check`, a match ends the phase; `check: true` goes on
                // to the next route with the new path (vercel dev's filesystem miss).
                let ends_phase = !route.r#continue && !route.check;
                body.extend(self.go_to(&url, ends_phase.then_some(phases.after.as_str())));
            }
            (None, None, Some(_), None) | (None, None, None, Some(_)) => {
                return Err("a redirect route needs both a 3xx `status` and a `Location` header".to_string());
            }
            (None, None, None, None) => match route.status {
                Some(status) => body.push(simple("return", vec![Arg::Number(u64::from(status))])),
                None if !route.r#continue => body.push(set(PHASE, Arg::text(&phases.after))),
                None => {}
            },
            _ => return Err("this combination of `dest`, `destination`, `status` and `Location` has no exact nginx form".to_string()),
        }
        let changes_query = body.iter().any(sets_args);
        out.push(matched(body));
        if changes_query {
            out.extend(refresh_query());
        }
        Ok(out)
    }

    fn match_pattern(
        &mut self,
        out: &mut Vec<Item>,
        prefix: &str,
        phase: &str,
        pattern: &crate::pattern::PathPattern,
        conditions: &Conditions,
    ) -> Result<Captures, String> {
        let names = pattern
            .key_names()
            .into_iter()
            .map(|n| n.map(str::to_string))
            .collect();
        let regex = pattern.to_regex();
        let path = PathTest {
            regex: &regex,
            names,
            case_insensitive: false,
        };
        match_rule(out, prefix, phase, path, &[], conditions)
    }

    /// Terminal hand-off to a service: its own table runs next, then the request is proxied.
    fn hand_off(
        &mut self,
        destination: &ServiceDestination,
        captures: &Captures,
    ) -> Result<Vec<Item>, String> {
        let service = &destination.service;
        let upstream = self
            .options
            .upstreams
            .get(service)
            .ok_or_else(|| format!("no upstream address for service `{service}`"))?;
        let upstream = if self.options.static_upstreams {
            upstream_group(service)
        } else {
            upstream.clone()
        };
        let mut body = vec![
            set(TARGET, Arg::text("service")),
            set(UPSTREAM, Arg::text(upstream)),
            set(PHASE, Arg::text(&Phases::service(service.as_str()).before)),
        ];
        if let Some(prefix) = self.strips.get(service) {
            body.push(set(STRIP, Arg::text(prefix)));
        }
        if self.static_rewrites.contains(service) {
            body.push(set(
                STATIC_URI,
                Arg::Value(vec![Part::Var(PATH.into()), Part::Var(QUERY_SUFFIX.into())]),
            ));
        }
        if let Some(path) = &destination.path {
            let url = dest::render(path, captures, Kind::LookupPath);
            body.push(set(LOOKUP, Arg::Value(url.path)));
        }
        Ok(body)
    }

    /// A string destination: an absolute URL is proxied to (terminal); a path becomes the
    /// request's new path and query, and evaluation goes on.
    fn go_to(&mut self, url: &Url, end_phase: Option<&str>) -> Vec<Item> {
        if url.is_external() {
            let mut value = url.origin.clone();
            value.extend(url.path.iter().cloned());
            value.extend(query_with_original(url));
            return vec![
                set(TARGET, Arg::text("external")),
                set(EXTERNAL, Arg::Value(value)),
                set(PHASE, Arg::text("done")),
            ];
        }
        let mut body = vec![
            set(PATH, Arg::Value(url.path.clone())),
            set(LOOKUP, Arg::Value(url.path.clone())),
            set(REWRITTEN, Arg::text("1")),
        ];
        if let Some(query) = &url.query {
            let mut value = query.clone();
            if !url.query_merged {
                value.push(Part::Var(QUERY_APPEND.to_string()));
            }
            body.push(set(ARGS, Arg::Value(value)));
        }
        if let Some(phase) = end_phase {
            body.push(set(PHASE, Arg::text(phase)));
        }
        body
    }

    fn set_headers(
        &mut self,
        headers: &[Header],
        captures: &Captures,
        with_params: bool,
    ) -> Result<Vec<Item>, String> {
        let mut body = Vec::new();
        for header in headers {
            let var = self.header_var(&header.key);
            let value = if with_params {
                dest::render_text(&header.value, captures)
            } else {
                dest::render_raw(&header.value, captures).joined()
            };
            body.push(set(&var, Arg::Value(value)));
        }
        Ok(body)
    }

    /// One variable per response header name (case-insensitive): the last matching rule wins.
    pub(super) fn header_var(&mut self, key: &str) -> String {
        if let Some(slot) = self
            .headers
            .iter()
            .find(|s| s.key.eq_ignore_ascii_case(key))
        {
            return slot.var.clone();
        }
        let var = format!("svc_h{}", self.headers.len());
        self.headers.push(HeaderSlot {
            key: key.to_string(),
            var: var.clone(),
        });
        var
    }
}

/// The `upstream` group that stands for a service when upstreams are static.
pub fn upstream_group(service: &crate::ir::ServiceId) -> String {
    format!("svc-upstream-{}", service.as_str().replace('_', "-"))
}

/// Whether a statement of an action sets the query string.
fn sets_args(item: &Item) -> bool {
    matches!(item, Item::Directive(d) if d.name == "set" && d.args.first() == Some(&Arg::var(ARGS)))
}

/// `$svc_qq` and `$svc_qa` recomputed from `$svc_args` (nginx caches `map` results, so they
/// cannot follow a variable that changes).
pub fn refresh_query() -> Vec<Item> {
    vec![
        set(
            QUERY_SUFFIX,
            Arg::Value(vec![Part::Text("?".into()), Part::Var(ARGS.into())]),
        ),
        set(
            QUERY_APPEND,
            Arg::Value(vec![Part::Text("&".into()), Part::Var(ARGS.into())]),
        ),
        if_block(
            vec![Arg::var(ARGS), Arg::Word("="), Arg::text("")],
            vec![
                set(QUERY_SUFFIX, Arg::text("")),
                set(QUERY_APPEND, Arg::text("")),
            ],
        ),
    ]
}

/// Characters a capture from a `has` condition may bring into a path or query: no `/`, `?`,
/// `#`, `&`, `=`, spaces or quotes, so a request cannot reshape the URL it is spliced into.
const SAFE_SEGMENT: &str = r"^[A-Za-z0-9._~!$'()*+,;:@%-]*$";
/// A capture in an external host must be DNS labels: no `:`, `/`, `@` or `?`.
const SAFE_HOST: &str = r"^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*$";

/// Statements that answer 400 to a matched request whose captures would change the shape of
/// the URL they are spliced into. A host built from captures must also end in a fixed domain,
/// so a request can never choose the host outright.
fn guard_url(url: &Url, captures: &Captures) -> Result<Vec<Item>, String> {
    let vars_in = |parts: &[Part]| -> Vec<String> {
        parts
            .iter()
            .filter_map(|p| match p {
                Part::Var(v) => Some(v.clone()),
                Part::Text(_) => None,
            })
            .collect()
    };
    let origin_vars = vars_in(&url.origin);
    if !origin_vars.is_empty() {
        check_host_shape(&url.origin)?;
    }
    let from_has: Vec<&str> = captures.has.iter().map(|(_, var)| var.as_str()).collect();
    let mut path_parts = url.path.clone();
    path_parts.extend(url.query.iter().flatten().cloned());
    path_parts.extend(url.hash.iter().cloned());
    let segment_vars: Vec<String> = vars_in(&path_parts)
        .into_iter()
        .filter(|v| from_has.contains(&v.as_str()))
        .collect();
    if origin_vars.is_empty() && segment_vars.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = vec![set(GUARD, Arg::text("1"))];
    let mut check = |var: &str, regex: &str| {
        out.push(if_block(
            vec![
                Arg::var(var),
                Arg::Word("!~"),
                Arg::Regex(regex.to_string()),
            ],
            vec![set(GUARD, Arg::text(""))],
        ));
    };
    origin_vars.iter().for_each(|v| check(v, SAFE_HOST));
    segment_vars.iter().for_each(|v| check(v, SAFE_SEGMENT));
    out.push(set(REFUSE, Arg::var(MATCH)));
    out.push(word_if(GUARD, "=", "1", vec![set(REFUSE, Arg::text(""))]));
    out.push(word_if(
        REFUSE,
        "=",
        "1",
        vec![simple("return", vec![Arg::Number(400)])],
    ));
    Ok(out)
}

/// `scheme://` with no capture, then a host whose last capture is followed by `.domain`.
fn check_host_shape(origin: &[Part]) -> Result<(), String> {
    let starts_fixed =
        matches!(origin.first(), Some(Part::Text(t)) if t.contains("://") && !t.contains('@'));
    let suffix = match origin.last() {
        Some(Part::Text(t)) => t.as_str(),
        _ => "",
    };
    let domain = suffix.split(':').next().unwrap_or_default();
    let fixed_domain = domain.starts_with('.')
        && domain[1..].split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if starts_fixed && fixed_domain {
        Ok(())
    } else {
        Err("a capture in an external URL's host must be followed by a fixed domain (e.g. `https://:tenant.example.com/`), so a request cannot choose the host".to_string())
    }
}

/// A destination's query merged with the request's as Vercel merges them: a key the request
/// also carries keeps the request's value alone. Each of the destination's pairs whose key is
/// fixed text goes into a variable the rule empties when the request has that key; the query
/// the destination then carries is what is left. Returns the statements that decide it, which
/// run before the rule's action.
fn merge_query(url: &mut Url, prefix: &str) -> Vec<Item> {
    let Some(query) = url.query.take() else {
        return Vec::new();
    };
    let pairs = split_pairs(&query);
    let mut items = Vec::new();
    let mut merged = Vec::new();
    for (i, pair) in pairs.into_iter().enumerate() {
        let Some(key) = fixed_key(&pair) else {
            merged.extend(pair);
            merged.push(Part::Text("&".into()));
            continue;
        };
        let var = format!("svc_{prefix}q{i}");
        let mut value = pair;
        value.push(Part::Text("&".into()));
        items.push(set(&var, Arg::Value(value)));
        items.push(if_block(
            vec![
                Arg::var(ARGS),
                Arg::Word("~"),
                Arg::Regex(format!(
                    "(?:^|&){}(?:=|&|$)",
                    crate::pattern::escape_string(&key)
                )),
            ],
            vec![set(&var, Arg::text(""))],
        ));
        merged.push(Part::Var(var));
    }
    // What is left ends in `&` (or is empty): the request's query follows, then a last `&` goes.
    let left = format!("svc_{prefix}qd");
    merged.push(Part::Var(ARGS.into()));
    items.push(set(&left, Arg::Value(merged)));
    items.push(if_block(
        vec![
            Arg::var(&left),
            Arg::Word("~"),
            Arg::Regex(format!("^(?<svc_{prefix}qt>.*)&$")),
        ],
        vec![set(&left, Arg::var(format!("svc_{prefix}qt")))],
    ));
    url.query = Some(vec![Part::Var(left)]);
    url.query_merged = true;
    items
}

/// A query's parts split at each `&` of its fixed text.
fn split_pairs(query: &[Part]) -> Vec<Vec<Part>> {
    let mut pairs = Vec::new();
    let mut current = Vec::new();
    for part in query {
        match part {
            Part::Text(text) => {
                let mut pieces = text.split('&');
                if let Some(first) = pieces.next().filter(|p| !p.is_empty()) {
                    current.push(Part::Text(first.to_string()));
                }
                for piece in pieces {
                    pairs.push(std::mem::take(&mut current));
                    if !piece.is_empty() {
                        current.push(Part::Text(piece.to_string()));
                    }
                }
            }
            Part::Var(_) => current.push(part.clone()),
        }
    }
    pairs.push(current);
    pairs.retain(|p| !p.is_empty());
    pairs
}

/// The key of a `key=value` pair when no capture is part of it.
fn fixed_key(pair: &[Part]) -> Option<String> {
    match pair.first()? {
        Part::Text(text) => match text.split_once('=') {
            Some((key, _)) if !key.is_empty() => Some(key.to_string()),
            None if pair.len() == 1 => Some(text.clone()),
            _ => None,
        },
        Part::Var(_) => None,
    }
}

/// `return <status> "<location>"` with the request's query carried over, before any `#`.
fn redirect_return(status: u16, url: &Url) -> Item {
    simple(
        "return",
        vec![
            Arg::Number(u64::from(status)),
            Arg::Value(location_value(url)),
        ],
    )
}

fn location_value(url: &Url) -> Vec<Part> {
    let mut value = url.origin.clone();
    value.extend(url.path.iter().cloned());
    value.extend(query_with_original(url));
    value.extend(url.hash.iter().cloned());
    value
}

/// A status nginx can answer with as Vercel would: not an interim 1xx (HTTP has no final 1xx
/// response), and not 444 or 499, which nginx takes to mean "close the connection".
fn answerable_status(status: u16) -> Result<u16, String> {
    match status {
        100..=199 => Err(format!(
            "{status} is an interim status, which cannot end a response"
        )),
        444 | 499 => Err(format!(
            "nginx reads `return {status}` as \"close the connection\" rather than a status to send"
        )),
        _ => Ok(status),
    }
}

fn query_with_original(url: &Url) -> Vec<Part> {
    match &url.query {
        Some(query) => {
            let mut parts = vec![Part::Text("?".to_string())];
            parts.extend(query.iter().cloned());
            if !url.query_merged {
                parts.push(Part::Var(QUERY_APPEND.to_string()));
            }
            parts
        }
        None => vec![Part::Var(QUERY_SUFFIX.to_string())],
    }
}
