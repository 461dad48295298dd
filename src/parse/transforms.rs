//! `transforms` on rewrites and low-level routes: changes to the request's path, headers and
//! query, and to the response's headers, as Vercel's schema defines them.

use super::decode::required_string;
use super::decode::{Decoder, KeyPath, Spanned};
use super::raw::{RawTransform, RawTransformKey};
use crate::diag::Code;
use crate::limits::MAX_PATTERN;
use crate::read::{Node, NodeKind};

const KINDS: [&str; 4] = [
    "request.headers",
    "request.query",
    "response.headers",
    "request.path",
];
const OPS: [&str; 3] = ["set", "append", "delete"];
/// The key matchers of Vercel's schema (`re` is not among them for transforms).
const MATCHERS: [&str; 10] = [
    "eq", "neq", "inc", "ninc", "pre", "suf", "gt", "gte", "lt", "lte",
];

/// `transforms` of a route (every kind), or of a rewrite (`request.path` only).
pub fn parse_transforms(
    node: &Node,
    path: &KeyPath,
    d: &mut Decoder,
    on_rewrite: bool,
) -> Vec<RawTransform> {
    let Some(items) = d.array(node, path) else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| parse_transform(item, &path.index(i), d, on_rewrite))
        .collect()
}

fn parse_transform(
    node: &Node,
    path: &KeyPath,
    d: &mut Decoder,
    on_rewrite: bool,
) -> Option<RawTransform> {
    let mut fields = d.object(node, path)?;
    let kind = required_string(&mut fields, d, "type", 1, 64);
    let op = required_string(&mut fields, d, "op", 1, 16);
    let key = fields
        .field("target")
        .and_then(|(value, key_path)| parse_target(value, &key_path, d));
    let args = fields
        .field("args")
        .and_then(|(value, key_path)| d.string_or_list(value, &key_path, MAX_PATTERN));
    let env = fields
        .field("env")
        .and_then(|(value, key_path)| d.string_or_list(value, &key_path, 256));
    fields.finish(d, "a transform");
    let (kind, op) = (kind?, op?);
    let allowed: &[&str] = if on_rewrite {
        &["request.path"]
    } else {
        &KINDS
    };
    if !allowed.contains(&kind.value.as_str()) {
        d.error(
            Code::UnknownChoice,
            format!("`{}` is `{}`", path.key("type"), kind.value),
        )
        .key(path.key("type"))
        .at(kind.span, format!("expected {}", allowed.join(", ")))
        .help(if on_rewrite {
            "a rewrite's transforms set `request.path`; other kinds belong on a low-level route"
                .to_string()
        } else {
            format!("use one of {}", KINDS.join(", "))
        });
        return None;
    }
    if !OPS.contains(&op.value.as_str()) || (kind.value == "request.path" && op.value != "set") {
        let expected = if kind.value == "request.path" {
            "set"
        } else {
            "set, append or delete"
        };
        d.error(
            Code::UnknownChoice,
            format!("`{}` is `{}`", path.key("op"), op.value),
        )
        .key(path.key("op"))
        .at(op.span, format!("expected {expected}"))
        .help(format!("`{}` takes {expected}", kind.value));
        return None;
    }
    let args = args.map(|a| a.value).unwrap_or_default();
    if op.value != "delete" && args.is_empty() {
        d.error(Code::MissingKey, format!("`{path}` is missing `args`"))
            .key(path.key("args"))
            .at(node.span.start_only(), "`set` and `append` need the value")
            .help(format!("add `\"args\": \"<value>\"` to `{path}`"));
        return None;
    }
    if kind.value == "request.path" {
        if let Some(key) = &key {
            d.error(
                Code::ConflictingKeys,
                format!("`{}` cannot have a `target`", kind.value),
            )
            .key(path.key("target"))
            .at(key.span(), "the path has no keys")
            .help(format!("remove `target` from `{path}`"));
            return None;
        }
    } else if key.is_none() {
        d.error(Code::MissingKey, format!("`{path}` is missing `target`"))
            .key(path.key("target"))
            .at(node.span.start_only(), "which header or query key?")
            .help(format!(
                "add `\"target\": {{ \"key\": \"<name>\" }}` to `{path}`"
            ));
        return None;
    }
    Some(RawTransform {
        path: path.clone(),
        span: node.span,
        kind: kind.value,
        op: op.value,
        key,
        args,
        env: env.map(|e| e.value).unwrap_or_default(),
    })
}

/// `{"key": "<name>"}` or `{"key": {"<matcher>": ...}}`.
fn parse_target(node: &Node, path: &KeyPath, d: &mut Decoder) -> Option<RawTransformKey> {
    let mut fields = d.object(node, path)?;
    let Some((value, key_path)) = fields.field("key") else {
        super::decode::missing_field(&fields, d, "key");
        return None;
    };
    let key = match &value.kind {
        NodeKind::String(_) => d
            .string(value, &key_path, 1, 256)
            .map(RawTransformKey::Name),
        NodeKind::Object(_) => {
            let mut matcher = d.object(value, &key_path)?;
            let mut found = None;
            for name in MATCHERS {
                if let Some((operand, operand_path)) = matcher.field(name) {
                    let text = match &operand.kind {
                        NodeKind::String(s) => Some(s.clone()),
                        NodeKind::Number(n) => Some(n.to_string()),
                        _ => {
                            d.type_error(&operand_path, operand, "a string or a number");
                            None
                        }
                    };
                    found = found.or(text.map(|t| (name, Spanned::new(t, operand.span))));
                }
            }
            matcher.finish(d, "a key matcher");
            found.map(|(op, operand)| RawTransformKey::Matcher {
                op,
                operand,
                span: value.span,
            })
        }
        _ => {
            d.type_error(&key_path, value, "a string or a matcher object");
            None
        }
    };
    fields.finish(d, "a transform target");
    key
}
