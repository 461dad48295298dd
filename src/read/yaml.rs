//! YAML through `saphyr-parser`'s event stream, so keys keep their positions and duplicate keys
//! reach the decoder instead of being merged away.

use super::{Member, Node, NodeKind, SyntaxError};
use crate::source::Span;
use saphyr::Scalar;
use saphyr_parser::{Event, Parser, ScanError, Span as YamlSpan};
use std::collections::HashMap;

pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let offsets = CharOffsets::new(text);
    let mut builder = TreeBuilder {
        offsets: &offsets,
        parser: Parser::new_from_str(text),
        anchors: HashMap::new(),
        text_len: text.len(),
        values: 0,
        built: 0,
        depth: 0,
    };
    builder.document()
}

/// saphyr reports positions in characters; spans are in bytes.
struct CharOffsets {
    byte_of_char: Option<Vec<usize>>,
}

impl CharOffsets {
    fn new(text: &str) -> Self {
        let byte_of_char = (!text.is_ascii()).then(|| {
            text.char_indices()
                .map(|(byte, _)| byte)
                .chain(std::iter::once(text.len()))
                .collect()
        });
        CharOffsets { byte_of_char }
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.byte_of_char {
            None => char_index,
            Some(table) => table
                .get(char_index)
                .copied()
                .unwrap_or_else(|| table.last().copied().unwrap_or(0)),
        }
    }

    fn span(&self, span: YamlSpan) -> Span {
        Span::new(self.byte(span.start.index()), self.byte(span.end.index()))
    }
}

struct TreeBuilder<'t> {
    offsets: &'t CharOffsets,
    parser: Parser<'t, saphyr_parser::StrInput<'t>>,
    /// Anchored nodes with their size in values, so aliases can be charged for what they copy,
    /// and the depth of collections inside them, so a copy cannot exceed the nesting limit.
    anchors: HashMap<usize, Anchored>,
    text_len: usize,
    /// Values aliases have copied so far.
    values: usize,
    /// Values read from the text so far.
    built: usize,
    /// Collections open around the current event: the builder recurses, so it stops at the
    /// nesting limit rather than at the end of the stack.
    depth: usize,
}

/// Values that aliases may copy in one document. Aliases save typing in a config; a document
/// that copies more than this is an alias bomb (each level multiplying the one before).
const MAX_ALIAS_VALUES: usize = 100_000;

#[derive(Clone)]
struct Anchored {
    node: Node,
    values: usize,
    depth: usize,
}

impl TreeBuilder<'_> {
    fn next(&mut self) -> Result<(Event<'_>, Span), SyntaxError> {
        match self.parser.next_event() {
            Some(Ok((event, span))) => Ok((event, self.offsets.span(span))),
            Some(Err(error)) => Err(self.scan_error(&error)),
            None => Ok((Event::StreamEnd, Span::new(self.text_len, self.text_len))),
        }
    }

    fn scan_error(&self, error: &ScanError) -> SyntaxError {
        let at = self.offsets.byte(error.marker().index());
        SyntaxError {
            message: error.info().to_string(),
            label: "here".to_string(),
            span: Span::new(at, at),
            help: "check the indentation and quoting around this point".to_string(),
        }
    }

    fn document(&mut self) -> Result<Node, SyntaxError> {
        loop {
            let (event, span) = self.next()?;
            match event {
                Event::StreamStart | Event::DocumentStart(_) | Event::Nothing => continue,
                Event::StreamEnd | Event::DocumentEnd => {
                    return Err(SyntaxError {
                        message: "the file is empty".to_string(),
                        label: "expected a mapping here".to_string(),
                        span,
                        help: "start with `services:`".to_string(),
                    });
                }
                event => {
                    let event = event_to_owned(event);
                    let node = self.value(event, span)?;
                    return self.expect_single_document(node);
                }
            }
        }
    }

    fn expect_single_document(&mut self, node: Node) -> Result<Node, SyntaxError> {
        loop {
            let (event, span) = self.next()?;
            match event {
                Event::DocumentEnd | Event::Nothing => continue,
                Event::StreamEnd => return Ok(node),
                _ => {
                    return Err(SyntaxError {
                        message: "the file holds more than one YAML document".to_string(),
                        label: "a second document starts here".to_string(),
                        span,
                        help: "keep the whole config in one document (remove the `---`)"
                            .to_string(),
                    });
                }
            }
        }
    }

    fn value(&mut self, event: OwnedEvent, span: Span) -> Result<Node, SyntaxError> {
        self.built += 1;
        if self.built > crate::limits::MAX_VALUES {
            return Err(super::depth::values_error(span));
        }
        let (anchor, node) = match event {
            OwnedEvent::Scalar(value, style, anchor, tag) => {
                let kind = scalar_kind(&value, style, tag.as_ref());
                (anchor, Node { span, kind })
            }
            OwnedEvent::SequenceStart(anchor) => (anchor, self.nested(span, Self::sequence)?),
            OwnedEvent::MappingStart(anchor) => (anchor, self.nested(span, Self::mapping)?),
            OwnedEvent::Alias(id) => {
                let anchored = self.anchors.get(&id).cloned().ok_or_else(|| SyntaxError {
                    message: "unknown alias".to_string(),
                    label: "this alias has no anchor before it".to_string(),
                    span,
                    help: "define the anchor (`&name`) before using `*name`".to_string(),
                })?;
                if self.depth + anchored.depth > crate::limits::MAX_DEPTH {
                    return Err(super::depth::depth_error(span));
                }
                self.charge(anchored.values, span)?;
                return Ok(Node {
                    span,
                    ..anchored.node
                });
            }
            OwnedEvent::Other => {
                return Err(SyntaxError {
                    message: "unexpected YAML structure".to_string(),
                    label: "here".to_string(),
                    span,
                    help: "check the indentation around this point".to_string(),
                });
            }
        };
        if anchor > 0 {
            let (values, depth) = measure(&node);
            let anchored = Anchored {
                values,
                depth,
                node: node.clone(),
            };
            self.anchors.insert(anchor, anchored);
        }
        Ok(node)
    }

    fn nested(
        &mut self,
        start: Span,
        build: fn(&mut Self, Span) -> Result<Node, SyntaxError>,
    ) -> Result<Node, SyntaxError> {
        if self.depth >= crate::limits::MAX_DEPTH {
            return Err(super::depth::depth_error(start.start_only()));
        }
        self.depth += 1;
        let node = build(self, start);
        self.depth -= 1;
        node
    }

    fn sequence(&mut self, start: Span) -> Result<Node, SyntaxError> {
        let mut items = Vec::new();
        loop {
            let (event, span) = self.next()?;
            if matches!(event, Event::SequenceEnd) {
                return Ok(Node {
                    span: Span::new(start.start, span.end.max(start.end)),
                    kind: NodeKind::Array(items),
                });
            }
            let event = event_to_owned(event);
            items.push(self.value(event, span)?);
        }
    }

    fn mapping(&mut self, start: Span) -> Result<Node, SyntaxError> {
        let mut members = Vec::new();
        loop {
            let (event, span) = self.next()?;
            if matches!(event, Event::MappingEnd) {
                return Ok(Node {
                    span: Span::new(start.start, span.end.max(start.end)),
                    kind: NodeKind::Object(members),
                });
            }
            let event = event_to_owned(event);
            let key_node = self.value(event, span)?;
            let key = match key_node.kind {
                NodeKind::String(s) => s,
                NodeKind::Number(n) => n.to_string(),
                NodeKind::Bool(b) => b.to_string(),
                _ => {
                    return Err(SyntaxError {
                        message: "a mapping key must be a plain string".to_string(),
                        label: "this key is not a string".to_string(),
                        span: key_node.span,
                        help: "use a plain scalar such as `name:` as the key".to_string(),
                    });
                }
            };
            let (event, span) = self.next()?;
            let event = event_to_owned(event);
            let value = self.value(event, span)?;
            members.push(Member {
                key,
                key_span: key_node.span,
                value,
            });
        }
    }
}

impl TreeBuilder<'_> {
    /// Counts values an alias copies; past the limit, the document is an alias bomb.
    fn charge(&mut self, values: usize, span: Span) -> Result<(), SyntaxError> {
        self.values = self.values.saturating_add(values);
        if self.values <= MAX_ALIAS_VALUES {
            return Ok(());
        }
        Err(SyntaxError {
            message: format!("aliases copy more than {MAX_ALIAS_VALUES} values"),
            label: "aliases expand past the limit here".to_string(),
            span,
            help: "an alias copies what its anchor holds; nested aliases multiply (an \"alias bomb\"); write the values out or use fewer aliases".to_string(),
        })
    }
}

/// Values in `node` (itself included), and the objects and arrays nested in it.
fn measure(node: &Node) -> (usize, usize) {
    let children: Vec<&Node> = match &node.kind {
        NodeKind::Array(items) => items.iter().collect(),
        NodeKind::Object(members) => members.iter().map(|m| &m.value).collect(),
        _ => return (1, 0),
    };
    children
        .into_iter()
        .map(measure)
        .fold((1, 1), |(values, depth), (v, d)| {
            (values + v, depth.max(d + 1))
        })
}

/// The parser borrows from itself; events are copied out so the builder can recurse.
enum OwnedEvent {
    Scalar(
        String,
        saphyr_parser::ScalarStyle,
        usize,
        Option<saphyr_parser::Tag>,
    ),
    SequenceStart(usize),
    MappingStart(usize),
    Alias(usize),
    Other,
}

fn event_to_owned(event: Event<'_>) -> OwnedEvent {
    match event {
        Event::Scalar(value, style, anchor, tag) => OwnedEvent::Scalar(
            value.into_owned(),
            style,
            anchor,
            tag.map(|t| t.into_owned()),
        ),
        Event::SequenceStart(anchor, _) => OwnedEvent::SequenceStart(anchor),
        Event::MappingStart(anchor, _) => OwnedEvent::MappingStart(anchor),
        Event::Alias(id) => OwnedEvent::Alias(id),
        _ => OwnedEvent::Other,
    }
}

/// YAML 1.2 core schema, as saphyr resolves it: `yes`/`off` stay strings. This is the one call
/// svc makes into the full `saphyr` crate (the events come from `saphyr-parser`); it is kept
/// rather than re-implementing the schema's resolution and its tags (`!!str`, `!!int`, ...) by
/// hand.
fn scalar_kind(
    value: &str,
    style: saphyr_parser::ScalarStyle,
    tag: Option<&saphyr_parser::Tag>,
) -> NodeKind {
    let tag = tag.map(|t| std::borrow::Cow::Owned(t.clone()));
    match Scalar::parse_from_cow_and_metadata(value.into(), style, tag.as_ref()) {
        Some(Scalar::Null) => NodeKind::Null,
        Some(Scalar::Boolean(b)) => NodeKind::Bool(b),
        Some(Scalar::Integer(i)) => NodeKind::Number(i as f64),
        Some(Scalar::FloatingPoint(f)) => NodeKind::Number(f.into_inner()),
        Some(Scalar::String(s)) => NodeKind::String(s.into_owned()),
        None => NodeKind::String(value.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(node: Node) -> Vec<Member> {
        match node.kind {
            NodeKind::Object(m) => m,
            other => panic!("expected an object, got {other:?}"),
        }
    }

    #[test]
    fn keys_and_values_keep_their_byte_spans() {
        let text = "services:\n  web:\n    root: \"é/\"\n";
        let top = members(parse(text).unwrap());
        assert_eq!(top[0].key, "services");
        let web = members(top[0].value.clone());
        let root = members(web[0].value.clone());
        assert_eq!(&text[root[0].key_span.start..root[0].key_span.end], "root");
        let value = &root[0].value;
        assert_eq!(value.kind, NodeKind::String("é/".to_string()));
        assert_eq!(&text[value.span.start..value.span.end], "\"é/\"");
    }

    #[test]
    fn yaml_1_2_scalars_do_not_turn_yes_into_true() {
        let top = members(parse("a: yes\nb: true\nc: 8080\nd: '8080'\ne: ~\n").unwrap());
        let kinds: Vec<NodeKind> = top.into_iter().map(|m| m.value.kind).collect();
        assert_eq!(
            kinds,
            vec![
                NodeKind::String("yes".into()),
                NodeKind::Bool(true),
                NodeKind::Number(8080.0),
                NodeKind::String("8080".into()),
                NodeKind::Null,
            ]
        );
    }

    #[test]
    fn duplicate_keys_survive_and_aliases_resolve() {
        let top = members(parse("a: &x {k: 1}\nb: *x\na: 2\n").unwrap());
        assert_eq!(top.len(), 3);
        assert!(matches!(top[1].value.kind, NodeKind::Object(_)));
    }

    #[test]
    fn an_alias_bomb_is_refused_instead_of_expanded() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..9 {
            let prev = level - 1;
            let refs = vec![format!("*a{prev}"); 10].join(", ");
            text.push_str(&format!("a{level}: &a{level} [{refs}]\n"));
        }
        let error = parse(&text).unwrap_err();
        assert!(
            error
                .message
                .contains("aliases copy more than 100000 values"),
            "{error:?}"
        );
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let error = parse("a: [1, 2\n").unwrap_err();
        assert!(error.span.start > 0, "{error:?}");
        assert!(parse("a: 1\n---\nb: 2\n").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        // Found while hardening: 20,000 nested block sequences overflowed the builder's stack.
        let error = parse(&format!("{}a", "- ".repeat(20_000))).unwrap_err();
        assert!(error.message.contains("nested more than 64"), "{error:?}");
        assert!(parse(&format!("{}a", "- ".repeat(64))).is_ok());
        assert!(parse(&format!("{}a", "- ".repeat(65))).is_err());
    }

    #[test]
    fn an_alias_cannot_carry_a_value_past_the_nesting_limit() {
        // Each anchor wraps 40 levels around the alias before it: shallow in the text, deep
        // once copied.
        let mut text = format!("a0: &a0 {}x{}\n", "[".repeat(40), "]".repeat(40));
        for level in 1..4 {
            let prev = level - 1;
            let wrapped = format!("{}*a{prev}{}", "[".repeat(40), "]".repeat(40));
            text.push_str(&format!("a{level}: &a{level} {wrapped}\n"));
        }
        let error = parse(&text).unwrap_err();
        assert!(error.message.contains("nested more than 64"), "{error:?}");
    }
}
