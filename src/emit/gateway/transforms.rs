//! A rule's `transforms`, as rewrite-module statements: the path the service sees, request
//! headers the proxied request carries, query pairs appended, and response headers set, added
//! or removed. What nginx cannot do exactly is refused with the reason.

use super::conditions::{ARGS, set};
use super::dest::{self, Captures, Kind};
use super::table::{HeaderSlot, Program, REWRITTEN};
use crate::emit::nginx_conf::{Arg, Item, Part, if_block};
use crate::ir::{Transform, TransformKey, TransformKind, TransformOp};

/// Request headers the gateway sets itself on every proxied request; a transform of one would
/// send it twice.
const GATEWAY_HEADERS: [&str; 7] = [
    "Host",
    "Connection",
    "Upgrade",
    "X-Forwarded-For",
    "X-Forwarded-Proto",
    "X-Forwarded-Host",
    crate::emit::dockerfile::REWRITTEN_PATH_HEADER,
];

/// The path the serving app sees, when a `request.path` transform set one.
pub const SEEN_PATH: &str = "svc_seen_path";

/// What a rule's transforms compile to: statements that run before its match is acted on
/// (nginx's `if` cannot nest), and statements of its action.
#[derive(Default)]
pub struct Compiled {
    pub before: Vec<Item>,
    pub action: Vec<Item>,
}

impl Program<'_> {
    /// `params`: whether values use the source's `:name` parameters (a rewrite's) rather than
    /// a route's `$1` and `$name`.
    pub(super) fn transforms(
        &mut self,
        transforms: &[Transform],
        captures: &Captures,
        prefix: &str,
        params: bool,
    ) -> Result<Compiled, String> {
        let mut compiled = Compiled::default();
        let mut touched: Vec<String> = Vec::new();
        for (i, transform) in transforms.iter().enumerate() {
            let key = &transform.origin.key;
            if !transform.env.is_empty() {
                return Err(format!(
                    "`{key}.env` reads the deployment's environment when a request arrives, which the gateway does not have"
                ));
            }
            let value = || -> Vec<Part> {
                let text = transform.args.join(", ");
                if params {
                    dest::render_text(&text, captures)
                } else {
                    dest::render_raw(&text, captures).joined()
                }
            };
            match transform.kind {
                TransformKind::RequestPath => {
                    let path = if params {
                        dest::render(&transform.args.join(""), captures, Kind::LookupPath).path
                    } else {
                        value()
                    };
                    self.sees_path = true;
                    compiled.action.push(set(SEEN_PATH, Arg::Value(path)));
                }
                TransformKind::RequestHeaders => {
                    let name = plain_key(transform, "a request's headers")?;
                    if let Some(own) = GATEWAY_HEADERS
                        .iter()
                        .find(|h| h.eq_ignore_ascii_case(&name))
                    {
                        return Err(format!(
                            "`{key}` changes `{own}`, which the gateway sets on every proxied request"
                        ));
                    }
                    if !readable(&name) {
                        return Err(format!(
                            "`{key}`: nginx cannot read a header named `{name}` (only letters, digits and `-`)"
                        ));
                    }
                    let lower = name.to_ascii_lowercase();
                    if touched.contains(&lower) {
                        return Err(format!(
                            "`{key}` changes `{name}` a second time in one rule; write one transform per header"
                        ));
                    }
                    touched.push(lower);
                    let var = slot(&mut self.request_headers, &name, "svc_rq");
                    match transform.op {
                        TransformOp::Set => compiled.action.push(set(&var, Arg::Value(value()))),
                        TransformOp::Append => {
                            let sum = format!("svc_{prefix}t{i}");
                            compiled.before.extend(appended(&sum, &var, value()));
                            compiled.action.push(set(&var, Arg::var(&sum)));
                        }
                        TransformOp::Delete if transform.args.is_empty() => {
                            compiled.action.push(set(&var, Arg::text("")));
                        }
                        TransformOp::Delete => {
                            return Err(format!(
                                "`{key}` deletes some of a header's values, which needs the header split into them, which nginx cannot do"
                            ));
                        }
                    }
                }
                TransformKind::RequestQuery => {
                    let name = plain_key(transform, "a request's query keys")?;
                    if transform.op != TransformOp::Append {
                        return Err(format!(
                            "`{key}` must remove every `{name}` pair from the query, and nginx's rewrite module can remove only as many as a pattern spells out"
                        ));
                    }
                    let mut pair = vec![Part::Text(format!("{}=", form_encode(&name)))];
                    pair.extend(value().into_iter().map(|part| match part {
                        Part::Text(text) => Part::Text(form_encode(&text)),
                        var => var,
                    }));
                    let sum = format!("svc_{prefix}t{i}");
                    compiled.before.push(set(
                        &sum,
                        Arg::Value({
                            let mut parts = vec![Part::Var(ARGS.into()), Part::Text("&".into())];
                            parts.extend(pair.iter().cloned());
                            parts
                        }),
                    ));
                    compiled.before.push(if_block(
                        vec![Arg::var(ARGS), Arg::Word("="), Arg::text("")],
                        vec![set(&sum, Arg::Value(pair))],
                    ));
                    compiled.action.push(set(ARGS, Arg::var(&sum)));
                    // The proxied URI is rebuilt from the path and the new query.
                    compiled.action.push(set(REWRITTEN, Arg::text("1")));
                }
                TransformKind::ResponseHeaders => {
                    let name = plain_key(transform, "a response's headers")?;
                    match transform.op {
                        TransformOp::Set => {
                            let var = self.header_var(&name);
                            compiled.action.push(set(&var, Arg::Value(value())));
                        }
                        TransformOp::Append => {
                            let var = slot(&mut self.appended_headers, &name, "svc_ha");
                            let sum = format!("svc_{prefix}t{i}");
                            compiled.before.extend(appended(&sum, &var, value()));
                            compiled.action.push(set(&var, Arg::var(&sum)));
                        }
                        TransformOp::Delete if transform.args.is_empty() => {
                            if !readable(&name) {
                                return Err(format!(
                                    "`{key}`: nginx cannot remove an upstream header named `{name}` (only letters, digits and `-`)"
                                ));
                            }
                            let var = self.header_var(&name);
                            compiled.action.push(set(&var, Arg::text("")));
                            compiled.action.push(set(&deleted(&var), Arg::text("1")));
                            self.deletable_headers.insert(var);
                        }
                        TransformOp::Delete => {
                            return Err(format!(
                                "`{key}` deletes some of a header's values, which needs the header split into them, which nginx cannot do"
                            ));
                        }
                    }
                }
            }
        }
        Ok(compiled)
    }
}

/// The variable that says a response header slot was deleted by a transform.
pub fn deleted(var: &str) -> String {
    format!("{var}_del")
}

/// `sum` = `var`'s value with `value` appended after a comma, or `value` when `var` is empty.
fn appended(sum: &str, var: &str, value: Vec<Part>) -> Vec<Item> {
    let mut joined = vec![Part::Var(var.into()), Part::Text(", ".into())];
    joined.extend(value.iter().cloned());
    vec![
        set(sum, Arg::Value(joined)),
        if_block(
            vec![Arg::var(var), Arg::Word("="), Arg::text("")],
            vec![set(sum, Arg::Value(value))],
        ),
    ]
}

/// One variable per name (case-insensitive), shared by every rule that changes it.
fn slot(slots: &mut Vec<HeaderSlot>, key: &str, stem: &str) -> String {
    if let Some(slot) = slots.iter().find(|s| s.key.eq_ignore_ascii_case(key)) {
        return slot.var.clone();
    }
    let var = format!("{stem}{}", slots.len());
    slots.push(HeaderSlot {
        key: key.to_string(),
        var: var.clone(),
    });
    var
}

fn plain_key(transform: &Transform, what: &str) -> Result<String, String> {
    match &transform.key {
        Some(TransformKey::Name(name)) => Ok(name.clone()),
        Some(TransformKey::Matcher { op, .. }) => Err(format!(
            "`{}` selects keys with `{op}`, and nginx cannot list {what}; name the key (`\"key\": \"<name>\"`)",
            transform.origin.key
        )),
        None => Err(format!("`{}` names no key", transform.origin.key)),
    }
}

fn readable(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// `application/x-www-form-urlencoded`, as `URLSearchParams` writes a pair.
fn form_encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}
