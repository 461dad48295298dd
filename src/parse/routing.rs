//! Routing keys: `rewrites`, `redirects`, `headers`, `routes`, `cleanUrls`, `trailingSlash`,
//! and the `has`/`missing` conditions they share.

use super::decode::{Decoder, Fields, KeyPath, Spanned};
use super::decode::{missing_field, optional_bool, optional_string, required_string};
use super::raw::*;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::read::{Node, NodeKind};

use crate::limits::MAX_PATTERN;

pub fn parse_routing(fields: &mut Fields, d: &mut Decoder, in_service: bool) -> RawRouting {
    RawRouting {
        clean_urls: optional_bool(fields, d, "cleanUrls"),
        trailing_slash: optional_bool(fields, d, "trailingSlash"),
        routes: each(fields, d, "routes", |n, p, d| {
            parse_route(n, p, d, in_service)
        }),
        redirects: each(fields, d, "redirects", parse_redirect),
        headers: each(fields, d, "headers", parse_header_rule),
        rewrites: each(fields, d, "rewrites", |n, p, d| {
            parse_rewrite(n, p, d, in_service)
        }),
    }
}

fn each<T>(
    fields: &mut Fields,
    d: &mut Decoder,
    name: &'static str,
    mut parse: impl FnMut(&Node, &KeyPath, &mut Decoder) -> Option<T>,
) -> Vec<T> {
    let Some((node, path)) = fields.field(name) else {
        return Vec::new();
    };
    let Some(items) = d.array(node, &path) else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| parse(item, &path.index(i), d))
        .collect()
}

fn parse_rewrite(
    node: &Node,
    path: &KeyPath,
    d: &mut Decoder,
    in_service: bool,
) -> Option<RawRewrite> {
    let mut fields = d.object(node, path)?;
    let source = required_string(&mut fields, d, "source", 1, MAX_PATTERN);
    let destination = match fields.field("destination") {
        Some((value, key)) => parse_destination(value, &key, d, in_service),
        None => {
            missing_field(&fields, d, "destination");
            None
        }
    };
    let status_code = fields
        .field("statusCode")
        .and_then(|(value, key)| d.integer(value, &key, 100, 999));
    let transforms = fields
        .field("transforms")
        .map(|(value, key)| super::transforms::parse_transforms(value, &key, d, true))
        .unwrap_or_default();
    let conditions = parse_conditions(&mut fields, d);
    fields.finish(d, "a rewrite");
    Some(RawRewrite {
        path: path.clone(),
        span: node.span,
        source: source?,
        destination: destination?,
        status_code,
        transforms,
        conditions,
    })
}

fn parse_destination(
    node: &Node,
    path: &KeyPath,
    d: &mut Decoder,
    in_service: bool,
) -> Option<RawDestination> {
    match &node.kind {
        NodeKind::String(_) => d
            .string(node, path, 1, MAX_PATTERN)
            .map(RawDestination::Url),
        NodeKind::Object(_) if in_service => {
            d.error(
                Code::NestedServiceDestination,
                format!("`{path}` routes to a service from inside a service"),
            )
            .key(path)
            .at(node.span, "services do not nest")
            .help("inside a service, a rewrite destination is a path such as `\"/:path*\"`; route between services with top-level rewrites or bindings");
            None
        }
        NodeKind::Object(_) => {
            parse_service_destination(node, path, d).map(RawDestination::Service)
        }
        _ => {
            d.type_error(path, node, "a path string or `{\"service\": \"<name>\"}`");
            None
        }
    }
}

fn parse_service_destination(
    node: &Node,
    path: &KeyPath,
    d: &mut Decoder,
) -> Option<RawServiceDestination> {
    let mut fields = d.object(node, path)?;
    if let Some(kind) = optional_string(&mut fields, d, "type", 0, usize::MAX)
        && kind.value != "service"
    {
        d.error(
            Code::UnknownChoice,
            format!(
                "`{}` is `{}`; it must be `service`",
                path.key("type"),
                kind.value
            ),
        )
        .key(path.key("type"))
        .at(kind.span, "expected `service`")
        .help("write `\"type\": \"service\"` or leave `type` out");
    }
    let service = required_string(&mut fields, d, "service", 1, 64);
    let lookup_path = optional_string(&mut fields, d, "path", 1, MAX_PATTERN);
    fields.finish(d, "a service destination");
    Some(RawServiceDestination {
        span: node.span,
        path: path.clone(),
        service: service?,
        lookup_path,
    })
}

fn parse_redirect(node: &Node, path: &KeyPath, d: &mut Decoder) -> Option<RawRedirect> {
    let mut fields = d.object(node, path)?;
    let source = required_string(&mut fields, d, "source", 1, MAX_PATTERN);
    let destination = required_string(&mut fields, d, "destination", 1, MAX_PATTERN);
    let permanent = optional_bool(&mut fields, d, "permanent");
    let status_code = fields
        .field("statusCode")
        .and_then(|(value, key)| redirect_status(value, &key, d));
    let conditions = parse_conditions(&mut fields, d);
    fields.finish(d, "a redirect");
    Some(RawRedirect {
        path: path.clone(),
        span: node.span,
        source: source?,
        destination: destination?,
        permanent,
        status_code,
        conditions,
    })
}

/// Any status Vercel's schema takes (100 to 999): a 3xx redirects, another answers with that
/// status (a 404 for a pattern of paths), as Vercel does.
fn redirect_status(node: &Node, path: &KeyPath, d: &mut Decoder) -> Option<Spanned<u64>> {
    d.integer(node, path, 100, 999)
}

fn parse_header_rule(node: &Node, path: &KeyPath, d: &mut Decoder) -> Option<RawHeaderRule> {
    let mut fields = d.object(node, path)?;
    let source = required_string(&mut fields, d, "source", 1, MAX_PATTERN);
    let headers = match fields.field("headers") {
        Some((value, key)) => parse_header_list(value, &key, d),
        None => {
            missing_field(&fields, d, "headers");
            Vec::new()
        }
    };
    let conditions = parse_conditions(&mut fields, d);
    fields.finish(d, "a header rule");
    Some(RawHeaderRule {
        path: path.clone(),
        span: node.span,
        source: source?,
        headers,
        conditions,
    })
}

/// `[{ "key": ..., "value": ... }]`.
fn parse_header_list(node: &Node, path: &KeyPath, d: &mut Decoder) -> Vec<RawHeader> {
    let Some(items) = d.array(node, path) else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let path = path.index(i);
            let mut fields = d.object(item, &path)?;
            let key = required_string(&mut fields, d, "key", 1, MAX_PATTERN);
            let value = required_string(&mut fields, d, "value", 0, MAX_PATTERN);
            fields.finish(d, "a header");
            Some(RawHeader {
                key: key?,
                value: value?,
            })
        })
        .collect()
}

/// Low-level route keys svc accepts but does not interpret.
const UNINTERPRETED_ROUTE_KEYS: [&str; 4] =
    ["mitigate", "env", "locale", "respectOriginCacheControl"];

fn parse_route(node: &Node, path: &KeyPath, d: &mut Decoder, in_service: bool) -> Option<RawRoute> {
    let mut fields = d.object(node, path)?;
    let src = aliased_string(&mut fields, d, "src", "source");
    let (dest, service) = route_destination(&mut fields, d, in_service);
    let status = aliased(&mut fields, d, "status", "statusCode")
        .and_then(|(value, key)| d.integer(value, &key, 100, 999));
    let headers = fields
        .field("headers")
        .map(|(value, key)| parse_header_map(value, &key, d))
        .unwrap_or_default();
    let methods = fields
        .field("methods")
        .and_then(|(value, key)| {
            let items = d.array(value, &key)?;
            Some(
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, m)| d.string(m, &key.index(i), 1, 32))
                    .collect(),
            )
        })
        .unwrap_or_default();
    let route = RawRoute {
        path: path.clone(),
        span: node.span,
        src,
        dest,
        service,
        headers,
        methods,
        continue_: optional_bool(&mut fields, d, "continue"),
        check: optional_bool(&mut fields, d, "check"),
        case_sensitive: optional_bool(&mut fields, d, "caseSensitive"),
        status,
        handle: optional_string(&mut fields, d, "handle", 1, 32),
        conditions: parse_conditions(&mut fields, d),
        transforms: fields
            .field("transforms")
            .map(|(value, key)| super::transforms::parse_transforms(value, &key, d, false))
            .unwrap_or_default(),
        uninterpreted: UNINTERPRETED_ROUTE_KEYS
            .iter()
            .filter_map(|name| fields.take(name))
            .map(|m| (m.key.clone(), m.key_span))
            .collect(),
    };
    fields.finish(d, "a route");
    if route.src.is_none() && route.handle.is_none() {
        missing_field_hint(path, node, d);
    }
    Some(route)
}

fn missing_field_hint(path: &KeyPath, node: &Node, d: &mut Decoder) {
    d.error(
        Code::MissingKey,
        format!("`{path}` has neither `src` nor `handle`"),
    )
    .key(path.key("src"))
    .at(node.span.start_only(), "this route matches nothing")
    .help(format!("add `\"src\": \"^/path$\"` to `{path}`"));
}

/// `dest` (a string) or `destination` (a string alias of `dest`, or a service object).
fn route_destination(
    fields: &mut Fields,
    d: &mut Decoder,
    in_service: bool,
) -> (Option<Spanned<String>>, Option<RawServiceDestination>) {
    let dest = fields.field("dest");
    let destination = fields.field("destination");
    if let (Some((_, dest_key)), Some((destination_node, _))) = (&dest, &destination) {
        both_error(d, dest_key, destination_node, "dest", "destination");
    }
    if let Some((node, key)) = dest {
        return (d.string(node, &key, 1, MAX_PATTERN), None);
    }
    match destination.and_then(|(node, key)| parse_destination(node, &key, d, in_service)) {
        Some(RawDestination::Url(url)) => (Some(url), None),
        Some(RawDestination::Service(service)) => (None, Some(service)),
        None => (None, None),
    }
}

fn aliased<'n>(
    fields: &mut Fields<'n>,
    d: &mut Decoder,
    name: &'static str,
    alias: &'static str,
) -> Option<(&'n Node, KeyPath)> {
    let first = fields.field(name);
    let second = fields.field(alias);
    match (first, second) {
        (Some((first_node, key)), Some((node, _))) => {
            // Keep reading the first so one conflict does not cascade into "missing" errors.
            both_error(d, &key, node, name, alias);
            Some((first_node, key))
        }
        (first, second) => first.or(second),
    }
}

fn aliased_string(
    fields: &mut Fields,
    d: &mut Decoder,
    name: &'static str,
    alias: &'static str,
) -> Option<Spanned<String>> {
    let (node, key) = aliased(fields, d, name, alias)?;
    d.string(node, &key, 1, MAX_PATTERN)
}

fn both_error(d: &mut Decoder, key: &KeyPath, node: &Node, name: &str, alias: &str) {
    d.error(
        Code::ConflictingKeys,
        format!("a route cannot define both `{name}` and `{alias}`"),
    )
    .key(key)
    .at(node.span, format!("`{alias}` here repeats `{name}`"))
    .help(format!("keep `{name}` and delete `{alias}`"));
}

/// Low-level route headers: an object of name -> value.
fn parse_header_map(node: &Node, path: &KeyPath, d: &mut Decoder) -> Vec<RawHeader> {
    let Some(members) = d.map(node, path) else {
        return Vec::new();
    };
    members
        .iter()
        .filter_map(|m| {
            let value = d.string(&m.value, &path.key(&m.key), 0, MAX_PATTERN)?;
            Some(RawHeader {
                key: Spanned::new(m.key.clone(), m.key_span),
                value,
            })
        })
        .collect()
}

fn parse_conditions(fields: &mut Fields, d: &mut Decoder) -> RawConditions {
    RawConditions {
        has: each(fields, d, "has", parse_condition),
        missing: each(fields, d, "missing", parse_condition),
    }
}

fn parse_condition(node: &Node, path: &KeyPath, d: &mut Decoder) -> Option<RawCondition> {
    let mut fields = d.object(node, path)?;
    let kind = required_string(&mut fields, d, "type", 1, 16).and_then(|t| {
        let kind = match t.value.as_str() {
            "host" => ConditionKind::Host,
            "header" => ConditionKind::Header,
            "cookie" => ConditionKind::Cookie,
            "query" => ConditionKind::Query,
            other => {
                let hint = crate::diag::did_you_mean(other, ["host", "header", "cookie", "query"])
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| "use `host`, `header`, `cookie` or `query`".to_string());
                d.error(
                    Code::UnknownChoice,
                    format!("unknown condition type `{other}`"),
                )
                .key(path.key("type"))
                .at(t.span, "expected host, header, cookie or query")
                .help(hint);
                return None;
            }
        };
        Some(kind)
    });
    let key = optional_string(&mut fields, d, "key", 1, MAX_PATTERN);
    let value = fields
        .field("value")
        .and_then(|(value, key)| parse_condition_value(value, &key, d));
    fields.finish(d, "a condition");
    let kind = kind?;
    match (kind, &key) {
        (ConditionKind::Host, Some(k)) => {
            d.error(Code::UnknownKey, "a `host` condition has no `key`")
                .key(path.key("key"))
                .at(k.span, "not used by host conditions")
                .help("put the host pattern in `value` and delete `key`");
        }
        (ConditionKind::Host, None) if value.is_none() => {
            missing_field(&fields_stub(node, path), d, "value")
        }
        (ConditionKind::Host, None) => {}
        (_, None) => missing_field(&fields_stub(node, path), d, "key"),
        (_, Some(_)) => {}
    }
    Some(RawCondition {
        path: path.clone(),
        span: node.span,
        kind,
        key,
        value,
    })
}

/// A read-only view used only to word a "missing key" error after the fields were consumed.
fn fields_stub<'n>(node: &'n Node, path: &KeyPath) -> Fields<'n> {
    Fields::view(node, path.clone())
}

fn parse_condition_value(
    node: &Node,
    path: &KeyPath,
    d: &mut Decoder,
) -> Option<RawConditionValue> {
    if let NodeKind::String(_) = node.kind {
        return d
            .string(node, path, 0, MAX_PATTERN)
            .map(RawConditionValue::Regex);
    }
    let mut fields = d.object(node, path)?;
    let string_or_number = |fields: &mut Fields, d: &mut Decoder, name: &'static str| {
        let (value, key) = fields.field(name)?;
        match value.kind {
            NodeKind::Number(n) => Some(Spanned::new(n.to_string(), value.span)),
            _ => d.string(value, &key, 0, MAX_PATTERN),
        }
    };
    let list = |fields: &mut Fields, d: &mut Decoder, name: &'static str| {
        let (value, key) = fields.field(name)?;
        let items = d.array(value, &key)?;
        let strings: Vec<String> = items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| d.string(item, &key.index(i), 0, MAX_PATTERN))
            .map(|s| s.value)
            .collect();
        (strings.len() == items.len()).then(|| Spanned::new(strings, value.span))
    };
    let number = |fields: &mut Fields, d: &mut Decoder, name: &'static str| {
        let (value, key) = fields.field(name)?;
        match value.kind {
            NodeKind::Number(n) => Some(Spanned::new(n, value.span)),
            _ => {
                d.type_error(&key, value, "a number");
                None
            }
        }
    };
    let matcher = RawValueMatch {
        span: node.span,
        eq: string_or_number(&mut fields, d, "eq"),
        neq: string_or_number(&mut fields, d, "neq"),
        inc: list(&mut fields, d, "inc"),
        ninc: list(&mut fields, d, "ninc"),
        pre: optional_string(&mut fields, d, "pre", 0, MAX_PATTERN),
        suf: optional_string(&mut fields, d, "suf", 0, MAX_PATTERN),
        re: optional_string(&mut fields, d, "re", 0, MAX_PATTERN),
        gt: number(&mut fields, d, "gt"),
        gte: number(&mut fields, d, "gte"),
        lt: number(&mut fields, d, "lt"),
        lte: number(&mut fields, d, "lte"),
    };
    fields.finish(d, "a condition value");
    let NodeKind::Object(members) = &node.kind else {
        return None;
    };
    if members.is_empty() {
        d.report(
            Diagnostic::error(Code::EmptyCondition, format!("`{path}` sets no operator"))
                .key(path.as_str())
                .at(d.file, node.span, "matches nothing")
                .help("set at least one of eq, neq, inc, ninc, pre, suf, re, gt, gte, lt, lte"),
        );
        return None;
    }
    Some(RawConditionValue::Match(Box::new(matcher)))
}
