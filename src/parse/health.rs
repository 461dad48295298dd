//! svc.yaml's `services.<name>.health`: how a container shows it is ready, or `false` for no
//! check. The ranges are the narrower of Docker's and ECS's, so one setting works in every
//! target.

use super::decode::{Decoder, KeyPath, Spanned};
use super::raw::RawCommand;
use crate::diag::Code;
use crate::read::{Node, NodeKind};
use crate::source::Span;

#[derive(Debug, Clone)]
pub enum RawHealth {
    /// `health: false`.
    Off(Span),
    Check(Box<RawHealthCheck>),
}

#[derive(Debug, Clone)]
pub struct RawHealthCheck {
    pub path: KeyPath,
    pub span: Span,
    /// An HTTP path on the service's port that must answer below 400.
    pub http_path: Option<Spanned<String>>,
    /// A command run in the container; exit 0 is healthy.
    pub command: Option<Spanned<RawCommand>>,
    pub interval: Option<Spanned<u64>>,
    pub timeout: Option<Spanned<u64>>,
    pub retries: Option<Spanned<u64>>,
    pub start_period: Option<Spanned<u64>>,
}

pub fn parse_health(node: &Node, path: &KeyPath, d: &mut Decoder) -> Option<RawHealth> {
    if let NodeKind::Bool(value) = node.kind {
        if value {
            d.error(
                Code::InvalidValue,
                format!("`{path}` is `true`; write the check, or `false` for none"),
            )
            .key(path)
            .at(node.span, "`true` says nothing svc does not already do")
            .help("remove it for svc's default check, give `path` or `command`, or write `false` to run the service with no check");
            return None;
        }
        return Some(RawHealth::Off(node.span));
    }
    let mut fields = d.object(node, path)?;
    let both = fields.has("path") && fields.has("command");
    let field = |fields: &mut super::decode::Fields, d: &mut Decoder, name, min, max| {
        let (value, path) = fields.field(name)?;
        d.integer(value, &path, min, max)
    };
    let check = RawHealthCheck {
        http_path: fields
            .field("path")
            .and_then(|(value, key)| http_path(value, &key, d)),
        command: fields
            .field("command")
            .and_then(|(value, key)| super::service::parse_command(value, &key, d)),
        interval: field(&mut fields, d, "interval", 5, 300),
        timeout: field(&mut fields, d, "timeout", 2, 60),
        retries: field(&mut fields, d, "retries", 1, 10),
        start_period: field(&mut fields, d, "start_period", 0, 300),
        path: path.clone(),
        span: node.span,
    };
    fields.finish(d, "a service's `health`");
    if both {
        let span = check.command.as_ref().map_or(node.span, |c| c.span);
        d.error(
            Code::ConflictingKeys,
            format!("`{path}` has both `path` and `command`"),
        )
        .key(path.key("command"))
        .at(span, "a second probe")
        .help(
            "keep one: `path` for an HTTP check on the service's port, `command` for anything else",
        );
        return None;
    }
    Some(RawHealth::Check(Box::new(check)))
}

/// An absolute request path: printable ASCII, no spaces, no fragment.
fn http_path(node: &Node, path: &KeyPath, d: &mut Decoder) -> Option<Spanned<String>> {
    let value = d.string(node, path, 1, 512)?;
    let valid = value.value.starts_with('/')
        && value
            .value
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'#' | b'"' | b'\\' | b'\'' | b'`'));
    if valid {
        return Some(value);
    }
    d.error(
        Code::InvalidPath,
        format!("`{path}` is `{}`, which is not a request path", value.value),
    )
    .key(path)
    .at(value.span, "not a path")
    .help("write a path starting with `/`, without spaces or quotes, e.g. `/healthz`");
    None
}
