//! JSON and JSONC (comments and trailing commas, nothing else) through `jsonc-parser`.

use super::{Member, Node, NodeKind, SyntaxError};
use crate::limits::MAX_VALUES;
use crate::source::Span;
use jsonc_parser::ast::{ObjectPropName, Value};
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};

/// vercel.json is JSON; the seed example adds comments and people add trailing commas. The
/// parser's other leniencies (missing commas, single quotes, hex...) would accept files that
/// Vercel itself rejects, so they are off.
fn options() -> ParseOptions {
    ParseOptions {
        allow_comments: true,
        allow_trailing_commas: true,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    if let Some(at) = past_value_limit(text) {
        return Err(super::depth::values_error(Span::new(at, at)));
    }
    let result = parse_to_ast(text, &CollectOptions::default(), &options()).map_err(|e| {
        let range = e.range();
        if matches!(
            e.kind(),
            jsonc_parser::errors::ParseErrorKind::NestingDepthExceeded
        ) {
            return super::depth::depth_error(Span::new(range.start, range.start));
        }
        SyntaxError {
            message: lowercase_first(&e.kind().to_string()),
            label: "here".to_string(),
            span: Span::new(range.start, range.end.max(range.start)),
            help: "vercel.json is JSON; svc also accepts // and /* */ comments and trailing commas"
                .to_string(),
        }
    })?;
    match result.value {
        Some(value) => Ok(convert(value)),
        None => Err(SyntaxError {
            message: "the file is empty".to_string(),
            label: "expected a JSON object here".to_string(),
            span: Span::new(0, 0),
            help: "start with `{ \"services\": { ... } }`".to_string(),
        }),
    }
}

/// Where the text holds its [`MAX_VALUES`]-th value past the first, counted cheaply before the
/// parser builds a tree for each: every value but the first follows a `,`, `[`, `{` or `:`
/// outside strings and comments (an over-count, which errs towards refusing).
fn past_value_limit(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut values = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b',' | b'[' | b'{' | b':' => {
                values += 1;
                if values > MAX_VALUES {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn convert(value: Value<'_>) -> Node {
    let (span, kind) = match value {
        Value::StringLit(s) => (s.range, NodeKind::String(s.value.into_owned())),
        // Strict options only let through literals that parse as f64.
        Value::NumberLit(n) => (
            n.range,
            NodeKind::Number(n.value.parse().unwrap_or(f64::NAN)),
        ),
        Value::BooleanLit(b) => (b.range, NodeKind::Bool(b.value)),
        Value::NullKeyword(n) => (n.range, NodeKind::Null),
        Value::Array(a) => (
            a.range,
            NodeKind::Array(a.elements.into_iter().map(convert).collect()),
        ),
        Value::Object(o) => (
            o.range,
            NodeKind::Object(o.properties.into_iter().map(convert_member).collect()),
        ),
    };
    Node {
        span: Span::new(span.start, span.end),
        kind,
    }
}

fn convert_member(prop: jsonc_parser::ast::ObjectProp<'_>) -> Member {
    let (key, range) = match prop.name {
        ObjectPropName::String(s) => (s.value.into_owned(), s.range),
        ObjectPropName::Word(w) => (w.value.to_string(), w.range),
    };
    Member {
        key,
        key_span: Span::new(range.start, range.end),
        value: convert(prop.value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_trailing_commas_are_accepted() {
        let node = parse("{\n // a comment\n \"a\": [1, 2,], /* b */ \"b\": true,\n}").unwrap();
        let NodeKind::Object(members) = node.kind else {
            panic!("expected an object")
        };
        assert_eq!(members.len(), 2);
        assert_eq!(members[0].key, "a");
        assert_eq!(members[0].key_span, Span::new(17, 20));
    }

    #[test]
    fn missing_commas_and_single_quotes_are_rejected() {
        assert!(parse("{\"a\": 1 \"b\": 2}").is_err());
        assert!(parse("{'a': 1}").is_err());
    }

    #[test]
    fn duplicate_keys_are_kept_for_the_decoder_to_report() {
        let node = parse("{\"a\": 1, \"a\": 2}").unwrap();
        let NodeKind::Object(members) = node.kind else {
            panic!("expected an object")
        };
        assert_eq!(members.len(), 2);
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let error = parse(&deep).unwrap_err();
        assert!(error.message.contains("nested more than"), "{error:?}");
    }

    #[test]
    fn a_file_of_millions_of_values_is_refused_before_it_is_built() {
        let many = format!("[{}0]", "0,".repeat(MAX_VALUES + 1));
        let error = parse(&many).unwrap_err();
        assert!(
            error.message.contains("more than 1000000 values"),
            "{error:?}"
        );
        // Commas in strings and comments are not values.
        let quiet = format!(
            "{{\"a\": \"{}\" // {}\n}}",
            ",".repeat(MAX_VALUES + 1),
            ",".repeat(MAX_VALUES + 1)
        );
        assert!(parse(&quiet).is_ok());
    }
}
