//! The nesting limit. Later stages walk the tree recursively, so its depth is bounded here,
//! once, for every format.

use super::{Node, NodeKind, SyntaxError};
use crate::limits::MAX_DEPTH;

/// The tree, or an error at the first value nested deeper than [`MAX_DEPTH`].
pub fn within_limit(node: Node) -> Result<Node, SyntaxError> {
    match too_deep(&node, 1) {
        Some(at) => Err(error(at)),
        None => Ok(node),
    }
}

/// The first object or array inside more than [`MAX_DEPTH`] others, counting itself.
fn too_deep(node: &Node, depth: usize) -> Option<&Node> {
    let deeper = |n| too_deep(n, depth + 1);
    match &node.kind {
        NodeKind::Array(_) | NodeKind::Object(_) if depth > MAX_DEPTH => Some(node),
        NodeKind::Array(items) => items.iter().find_map(deeper),
        NodeKind::Object(members) => members.iter().map(|m| &m.value).find_map(deeper),
        _ => None,
    }
}

/// The error for a value nested past the limit, shared with the YAML reader, which has to stop
/// while it builds (its builder recurses).
pub fn error(at: &Node) -> SyntaxError {
    depth_error(at.span.start_only())
}

/// The error for a file with more values than [`crate::limits::MAX_VALUES`], at the value past
/// the limit.
pub fn values_error(span: crate::source::Span) -> SyntaxError {
    SyntaxError {
        message: format!(
            "the file holds more than {} values",
            crate::limits::MAX_VALUES
        ),
        label: "past the limit here".to_string(),
        span,
        help: "a services config holds hundreds of values; check that this is the right file"
            .to_string(),
    }
}

pub fn depth_error(span: crate::source::Span) -> SyntaxError {
    SyntaxError {
        message: format!("objects and arrays are nested more than {MAX_DEPTH} levels deep"),
        label: "too deep from here".to_string(),
        span,
        help: "a services config nests a few levels; flatten this value".to_string(),
    }
}
