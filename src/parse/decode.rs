//! A small decoder from the [`Node`] tree into typed values that keeps going after an error.
//!
//! serde stops at the first error and forgets where keys were; users want every mistake in one
//! run, each pointing at their key. So each field is read on its own and every problem is pushed
//! to the [`Diagnostics`] sink with the key path and span.

use crate::diag::{Code, Diagnostic, Diagnostics, Report, did_you_mean};
use crate::limits::MAX_ENTRIES;
use crate::read::{Member, Node, NodeKind};
use crate::source::{FileId, Span};

/// A value with the span of the text it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

/// The user's key path, `services.web.bindings[0].env`, used in every message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyPath(String);

impl KeyPath {
    pub fn root() -> Self {
        KeyPath(String::new())
    }

    pub fn key(&self, key: &str) -> KeyPath {
        let plain = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '$'));
        let segment = if plain {
            key.to_string()
        } else {
            format!("[{}]", serde_json::Value::String(key.to_string()))
        };
        match (self.0.is_empty(), plain) {
            (true, _) => KeyPath(segment),
            (false, true) => KeyPath(format!("{}.{segment}", self.0)),
            (false, false) => KeyPath(format!("{}{segment}", self.0)),
        }
    }

    pub fn index(&self, index: usize) -> KeyPath {
        KeyPath(format!("{}[{index}]", self.0))
    }

    pub fn as_str(&self) -> &str {
        if self.0.is_empty() {
            "(top level)"
        } else {
            &self.0
        }
    }
}

impl std::fmt::Display for KeyPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

pub struct Decoder<'d> {
    pub file: FileId,
    pub diags: &'d mut Diagnostics,
}

impl<'d> Decoder<'d> {
    pub fn new(file: FileId, diags: &'d mut Diagnostics) -> Self {
        Decoder { file, diags }
    }

    pub fn report(&mut self, diagnostic: Diagnostic) {
        self.diags.push(diagnostic);
    }

    /// An error in this file, built by [`Report`]'s methods and reported when dropped.
    pub fn error(&mut self, code: Code, message: impl Into<String>) -> Report<'_> {
        Report::error(self.diags, self.file, code, message)
    }

    pub fn type_error(&mut self, path: &KeyPath, node: &Node, expected: &str) {
        self.error(
            Code::InvalidType,
            format!("`{path}` must be {expected}, found {}", node.describe()),
        )
        .key(path)
        .at(node.span, format!("expected {expected}"))
        .help(format!("write `{path}` as {expected}"));
    }

    pub fn object<'n>(&mut self, node: &'n Node, path: &KeyPath) -> Option<Fields<'n>> {
        match &node.kind {
            NodeKind::Object(members) => {
                self.within_entry_limit(node, members.len(), path)?;
                self.report_duplicate_keys(members, path);
                Some(Fields::new(node, members, path.clone()))
            }
            _ => {
                self.type_error(path, node, "an object");
                None
            }
        }
    }

    /// The members of an object used as a map (service names, glob patterns, ...).
    pub fn map<'n>(&mut self, node: &'n Node, path: &KeyPath) -> Option<&'n [Member]> {
        match &node.kind {
            NodeKind::Object(members) => {
                self.within_entry_limit(node, members.len(), path)?;
                self.report_duplicate_keys(members, path);
                Some(members)
            }
            _ => {
                self.type_error(path, node, "an object");
                None
            }
        }
    }

    /// `Some` when a list or map is small enough to read; otherwise reports it.
    fn within_entry_limit(&mut self, node: &Node, len: usize, path: &KeyPath) -> Option<()> {
        if len <= MAX_ENTRIES {
            return Some(());
        }
        let name = if path.as_str().is_empty() {
            "the config".to_string()
        } else {
            format!("`{path}`")
        };
        self.diags.push(
            Diagnostic::error(
                Code::TooManyEntries,
                format!("{name} has {len} entries; svc reads at most {MAX_ENTRIES}"),
            )
            .key(path.as_str())
            .at(
                self.file,
                node.span.start_only(),
                "this holds too many entries",
            )
            .help("check that this list is generated as intended; a larger project has to be split into several"),
        );
        None
    }

    fn report_duplicate_keys(&mut self, members: &[Member], path: &KeyPath) {
        // Most objects have a handful of keys, where comparing each with the ones before it
        // is cheaper than hashing them all.
        const SCANNED: usize = 16;
        let mut first_of: std::collections::HashMap<&str, &Member> =
            std::collections::HashMap::new();
        for (i, member) in members.iter().enumerate() {
            let first = if members.len() <= SCANNED {
                members[..i]
                    .iter()
                    .find(|m| m.key == member.key)
                    .unwrap_or(member)
            } else {
                *first_of.entry(member.key.as_str()).or_insert(member)
            };
            if !std::ptr::eq(first, member) {
                let diagnostic = Diagnostic::error(
                    Code::DuplicateKey,
                    format!("`{}` is defined twice", path.key(&member.key)),
                )
                .key(path.key(&member.key).as_str())
                .at(self.file, member.key_span, "defined again here")
                .also(self.file, first.key_span, "first defined here")
                .help("keep one of the two; parsers disagree on which one wins");
                self.diags.push(diagnostic);
            }
        }
    }

    pub fn array<'n>(&mut self, node: &'n Node, path: &KeyPath) -> Option<&'n [Node]> {
        match &node.kind {
            NodeKind::Array(items) => {
                self.within_entry_limit(node, items.len(), path)?;
                Some(items)
            }
            _ => {
                self.type_error(path, node, "an array");
                None
            }
        }
    }

    /// A string whose length (in characters) must be within `min..=max`, as Vercel's schema says.
    pub fn string(
        &mut self,
        node: &Node,
        path: &KeyPath,
        min: usize,
        max: usize,
    ) -> Option<Spanned<String>> {
        let NodeKind::String(value) = &node.kind else {
            self.type_error(path, node, "a string");
            return None;
        };
        let len = value.chars().count();
        if len < min || len > max {
            let message = if len == 0 {
                format!("`{path}` must not be empty")
            } else if len < min {
                format!("`{path}` is {len} characters long; at least {min} are needed")
            } else {
                format!("`{path}` is {len} characters long; at most {max} are allowed")
            };
            self.error(Code::InvalidLength, message)
                .key(path)
                .at(node.span, format!("{min} to {max} characters"))
                .help(format!(
                    "give `{path}` a value of {min} to {max} characters"
                ));
            return None;
        }
        Some(Spanned::new(value.clone(), node.span))
    }

    pub fn bool(&mut self, node: &Node, path: &KeyPath) -> Option<Spanned<bool>> {
        match node.kind {
            NodeKind::Bool(value) => Some(Spanned::new(value, node.span)),
            _ => {
                self.type_error(path, node, "`true` or `false`");
                None
            }
        }
    }

    /// A whole number within `min..=max`.
    pub fn integer(
        &mut self,
        node: &Node,
        path: &KeyPath,
        min: u64,
        max: u64,
    ) -> Option<Spanned<u64>> {
        let n = self.number_within(node, path, min as f64, max as f64, true)?;
        Some(Spanned::new(n.value as u64, n.span))
    }

    /// A number within `min..=max`, fractions allowed.
    pub fn number(
        &mut self,
        node: &Node,
        path: &KeyPath,
        min: f64,
        max: f64,
    ) -> Option<Spanned<f64>> {
        self.number_within(node, path, min, max, false)
    }

    /// A number within `min..=max`, and whole when `whole` is.
    fn number_within(
        &mut self,
        node: &Node,
        path: &KeyPath,
        min: f64,
        max: f64,
        whole: bool,
    ) -> Option<Spanned<f64>> {
        let kind = if whole { "a whole number" } else { "a number" };
        let NodeKind::Number(n) = node.kind else {
            self.type_error(path, node, kind);
            return None;
        };
        if (whole && n.fract() != 0.0) || !(min..=max).contains(&n) {
            self.error(
                Code::InvalidNumber,
                format!("`{path}` must be {kind} from {min} to {max}, found {n}"),
            )
            .key(path)
            .at(node.span, format!("expected {min} to {max}"))
            .help(format!("set `{path}` to {kind} from {min} to {max}"));
            return None;
        }
        Some(Spanned::new(n, node.span))
    }

    /// A string, or an array of strings (normalised to a list).
    pub fn string_or_list(
        &mut self,
        node: &Node,
        path: &KeyPath,
        max_len: usize,
    ) -> Option<Spanned<Vec<String>>> {
        match &node.kind {
            NodeKind::String(_) => {
                let s = self.string(node, path, 1, max_len)?;
                Some(Spanned::new(vec![s.value], node.span))
            }
            NodeKind::Array(items) if items.is_empty() => {
                self.error(
                    Code::InvalidLength,
                    format!("`{path}` must not be an empty list"),
                )
                .key(path)
                .at(node.span, "empty")
                .help(format!("give `{path}` at least one value, or remove it"));
                None
            }
            NodeKind::Array(items) => {
                self.within_entry_limit(node, items.len(), path)?;
                let values: Vec<String> = items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, item)| self.string(item, &path.index(i), 1, max_len))
                    .map(|s| s.value)
                    .collect();
                (values.len() == items.len()).then(|| Spanned::new(values, node.span))
            }
            _ => {
                self.type_error(path, node, "a string or an array of strings");
                None
            }
        }
    }
}

/// The members of one object being decoded: fields are taken by name, and whatever is left at
/// [`Fields::finish`] is an unknown key.
pub struct Fields<'n> {
    pub node: &'n Node,
    members: &'n [Member],
    taken: Vec<bool>,
    known: Vec<&'static str>,
    pub path: KeyPath,
}

impl<'n> Fields<'n> {
    fn new(node: &'n Node, members: &'n [Member], path: KeyPath) -> Self {
        Fields {
            node,
            members,
            taken: vec![false; members.len()],
            known: Vec::new(),
            path,
        }
    }

    /// Fields of an object that was already decoded, for wording messages about it.
    pub fn view(node: &'n Node, path: KeyPath) -> Self {
        Fields::new(node, &[], path)
    }

    /// The member named `name`, if present; marks the name as known either way.
    pub fn take(&mut self, name: &'static str) -> Option<&'n Member> {
        self.known.push(name);
        let members = self.members;
        let index = members.iter().rposition(|m| m.key == name)?;
        for (i, member) in members.iter().enumerate() {
            if member.key == name {
                self.taken[i] = true;
            }
        }
        Some(&members[index])
    }

    /// The value of `name` with its key path, if present.
    pub fn field(&mut self, name: &'static str) -> Option<(&'n Node, KeyPath)> {
        let member = self.take(name)?;
        Some((&member.value, self.path.key(name)))
    }

    pub fn has(&self, name: &str) -> bool {
        self.members.iter().any(|m| m.key == name)
    }

    /// Marks every remaining key as accepted without reading it.
    pub fn take_rest(&mut self) -> Vec<&'n Member> {
        let members = self.members;

        members
            .iter()
            .zip(self.taken.iter_mut())
            .filter(|(_, taken)| !**taken)
            .map(|(member, taken)| {
                *taken = true;
                member
            })
            .collect()
    }

    /// Reports every key that was not taken, with a did-you-mean among the known ones.
    pub fn finish(self, d: &mut Decoder, what: &str) {
        for (member, taken) in self.members.iter().zip(&self.taken) {
            if *taken {
                continue;
            }
            let path = self.path.key(&member.key);
            let suggestion = did_you_mean(&member.key, self.known.iter().copied());
            let help = match (suggestion, self.known.is_empty()) {
                (Some(s), _) => format!("did you mean `{s}`?"),
                (None, true) => format!("{what} has no settings yet; remove `{}`", member.key),
                (None, false) => format!("{what} accepts: {}", self.known.join(", ")),
            };
            d.error(
                Code::UnknownKey,
                format!("unknown key `{}` in {what}", member.key),
            )
            .key(&path)
            .at(member.key_span, "unknown key")
            .help(help);
        }
    }
}

// Field helpers every part of the schema uses: a required or optional string or flag, and
// the error for a missing key, with a value to copy.

/// A required string field; reports it missing, pointing at the object.
pub fn required_string(
    fields: &mut Fields,
    d: &mut Decoder,
    name: &'static str,
    min: usize,
    max: usize,
) -> Option<Spanned<String>> {
    match fields.field(name) {
        Some((value, path)) => d.string(value, &path, min, max),
        None => {
            missing_field(fields, d, name);
            None
        }
    }
}

pub fn missing_field(fields: &Fields, d: &mut Decoder, name: &str) {
    let path = fields.path.key(name);
    let example = example_value(name)
        .map(|value| format!("`\"{name}\": {value}`"))
        .unwrap_or_else(|| format!("`{name}`"));
    d.error(
        Code::MissingKey,
        format!("`{}` is missing `{name}`", fields.path),
    )
    .key(&path)
    .at(
        fields.node.span.start_only(),
        format!("this object needs `{name}`"),
    )
    .help(format!("add {example} to `{}`", fields.path));
}

/// A typical value for a required key, so the fix can be copied.
fn example_value(name: &str) -> Option<&'static str> {
    Some(match name {
        "root" => "\".\"",
        "format" => "\"url\"",
        "service" => "\"<service name>\"",
        "env" => "\"BACKEND_URL\"",
        "source" => "\"/path/:param*\"",
        "destination" => "{ \"service\": \"<service name>\" }",
        "headers" => "[{ \"key\": \"X-Frame-Options\", \"value\": \"DENY\" }]",
        "key" => "\"<name>\"",
        "value" => "\"<regex>\"",
        "path" => "\"/api/cron\"",
        "schedule" => "\"0 * * * *\"",
        "trigger" => "\"schedule\"",
        "topics" => "[\"default\"]",
        "entrypoint" => "\"main.py\"",
        _ => return None,
    })
}

pub fn optional_string(
    fields: &mut Fields,
    d: &mut Decoder,
    name: &'static str,
    min: usize,
    max: usize,
) -> Option<Spanned<String>> {
    let (value, path) = fields.field(name)?;
    d.string(value, &path, min, max)
}

pub fn optional_bool(
    fields: &mut Fields,
    d: &mut Decoder,
    name: &'static str,
) -> Option<Spanned<bool>> {
    let (value, path) = fields.field(name)?;
    d.bool(value, &path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_paths_quote_keys_that_are_not_identifiers() {
        let p = KeyPath::root()
            .key("services")
            .key("my web")
            .key("bindings")
            .index(0);
        assert_eq!(p.as_str(), "services[\"my web\"].bindings[0]");
        assert_eq!(KeyPath::root().key("$schema").as_str(), "$schema");
        assert_eq!(KeyPath::root().as_str(), "(top level)");
    }
}
