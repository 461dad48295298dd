//! Diagnostics: what went wrong, where, and how to fix it.
//!
//! Stages push diagnostics into a [`Diagnostics`] sink and keep going, so one run reports every
//! problem. Rendering lives in [`crate::render`].

mod catalogue;

pub use catalogue::{Cause, Code, DOCS};

use crate::source::{FileId, Span};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

/// A place in a source file, with a short label shown under the snippet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub file: FileId,
    pub span: Span,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable kebab-case identifier, e.g. `unknown-service`.
    pub code: Code,
    pub message: String,
    /// The user's key the problem is about, as a path: `services.web.bindings[0].service`.
    pub key: Option<String>,
    pub primary: Option<Label>,
    pub secondary: Vec<Label>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(severity: Severity, code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            code,
            message: message.into(),
            key: None,
            primary: None,
            secondary: Vec::new(),
            help: None,
        }
    }

    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message)
    }

    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message)
    }

    pub fn note(code: Code, message: impl Into<String>) -> Self {
        Self::new(Severity::Note, code, message)
    }

    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    pub fn at(mut self, file: FileId, span: Span, label: impl Into<String>) -> Self {
        self.primary = Some(Label {
            file,
            span,
            text: label.into(),
        });
        self
    }

    pub fn also(mut self, file: FileId, span: Span, label: impl Into<String>) -> Self {
        self.secondary.push(Label {
            file,
            span,
            text: label.into(),
        });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// An error about one place in one file, built a part at a time and added to its sink when
/// dropped, so a report cannot be built and then lost:
/// `d.error(Code::MissingKey, "...").key(&path).at(span, "label").help("how to fix it");`
pub struct Report<'s> {
    sink: &'s mut Diagnostics,
    file: FileId,
    diagnostic: Option<Diagnostic>,
}

impl<'s> Report<'s> {
    pub fn error(
        sink: &'s mut Diagnostics,
        file: FileId,
        code: Code,
        message: impl Into<String>,
    ) -> Self {
        Report {
            sink,
            file,
            diagnostic: Some(Diagnostic::error(code, message)),
        }
    }

    fn with(mut self, change: impl FnOnce(Diagnostic) -> Diagnostic) -> Self {
        self.diagnostic = self.diagnostic.take().map(change);
        self
    }

    /// The user's key it is about.
    pub fn key(self, key: impl std::fmt::Display) -> Self {
        self.with(|d| d.key(key.to_string()))
    }

    /// Where in the file, with the label shown under the snippet.
    pub fn at(self, span: Span, label: impl Into<String>) -> Self {
        let file = self.file;
        self.with(|d| d.at(file, span, label))
    }

    /// How to fix it.
    pub fn help(self, help: impl Into<String>) -> Self {
        self.with(|d| d.help(help))
    }
}

impl Drop for Report<'_> {
    fn drop(&mut self) {
        if let Some(diagnostic) = self.diagnostic.take() {
            self.sink.push(diagnostic);
        }
    }
}

/// The sink every stage reports into. It keeps the first [`MAX_KEPT`] diagnostics and counts
/// the rest: a hostile file can produce one error per key, and a million rendered snippets help
/// nobody.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    omitted_errors: usize,
    omitted_warnings: usize,
    omitted_notes: usize,
}

/// Diagnostics kept for rendering in one run.
pub const MAX_KEPT: usize = 1_000;

impl Diagnostics {
    /// Keeps `diagnostic`, or counts it when [`MAX_KEPT`] are kept already. An error displaces
    /// a kept warning or note, so warnings never hide the errors.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        if self.items.len() < MAX_KEPT {
            self.items.push(diagnostic);
            return;
        }
        let displaced = if diagnostic.is_error() {
            match self.items.iter().rposition(|d| !d.is_error()) {
                Some(at) => {
                    let displaced = self.items.remove(at);
                    self.items.push(diagnostic);
                    displaced
                }
                None => diagnostic,
            }
        } else {
            diagnostic
        };
        self.count_omitted(&displaced);
    }

    fn count_omitted(&mut self, diagnostic: &Diagnostic) {
        match diagnostic.severity {
            Severity::Error => self.omitted_errors += 1,
            Severity::Warning => self.omitted_warnings += 1,
            _ => self.omitted_notes += 1,
        }
    }

    /// Everything `other` holds, its omitted counts included.
    pub fn extend(&mut self, other: Diagnostics) {
        self.omitted_errors += other.omitted_errors;
        self.omitted_warnings += other.omitted_warnings;
        self.omitted_notes += other.omitted_notes;
        for diagnostic in other.items {
            self.push(diagnostic);
        }
    }

    /// Like [`Diagnostics::extend`], leaving out diagnostics already here.
    pub fn extend_unique(&mut self, other: Diagnostics) {
        self.omitted_errors += other.omitted_errors;
        self.omitted_warnings += other.omitted_warnings;
        self.omitted_notes += other.omitted_notes;
        for diagnostic in other.items {
            if !self.items.contains(&diagnostic) {
                self.push(diagnostic);
            }
        }
    }

    pub fn has_errors(&self) -> bool {
        self.omitted_errors > 0 || self.items.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.omitted_errors + self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.omitted_warnings
            + self
                .items
                .iter()
                .filter(|d| d.severity == Severity::Warning)
                .count()
    }

    /// Diagnostics counted but not kept (past [`MAX_KEPT`]).
    pub fn omitted(&self) -> usize {
        self.omitted_errors + self.omitted_warnings + self.omitted_notes
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Diagnostics in source order (file, then position), so output reads top to bottom.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut items: Vec<&Diagnostic> = self.items.iter().collect();
        items.sort_by_key(|d| {
            d.primary
                .as_ref()
                .map(|l| (0, l.file.index(), l.span.start))
                .unwrap_or((1, 0, 0))
        });
        items
    }
}

/// A user's value for a message: whole when short, else its start and an ellipsis (the snippet
/// shows the rest).
pub fn shown(value: &str) -> String {
    const MAX: usize = 60;
    match value.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &value[..end]),
        None => value.to_string(),
    }
}

/// The closest candidate to `word`, for "did you mean" hints: a small edit distance (typos,
/// swapped letters) or a long shared prefix (`outputDir` for `outputDirectory`).
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .filter_map(|candidate| {
            let distance = strsim::osa_distance(word, candidate);
            let close = distance <= (word.len().max(candidate.len()) / 3).max(1);
            let similar = strsim::jaro_winkler(word, candidate);
            (close || similar >= 0.9).then_some((distance, candidate))
        })
        .min()
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_finds_a_near_miss_and_ignores_strangers() {
        let names = ["my_frontend", "my_backend"];
        assert_eq!(did_you_mean("my_backnd", names), Some("my_backend"));
        assert_eq!(did_you_mean("database", names), None);
        assert_eq!(did_you_mean("wbe", ["web", "api"]), Some("web"));
        assert_eq!(
            did_you_mean("outputDir", ["outputDirectory", "root"]),
            Some("outputDirectory")
        );
        assert_eq!(did_you_mean("x", ["y"]), Some("y"));
    }

    #[test]
    fn past_the_cap_errors_displace_warnings_and_everything_is_counted() {
        let mut diags = Diagnostics::default();
        for _ in 0..MAX_KEPT {
            diags.push(Diagnostic::warning(Code::SelfBinding, "a warning"));
        }
        diags.push(Diagnostic::error(Code::Syntax, "an error"));
        diags.push(Diagnostic::warning(Code::SelfBinding, "one more"));
        assert!(diags.has_errors());
        assert_eq!(diags.iter().count(), MAX_KEPT);
        assert!(diags.iter().any(|d| d.code == Code::Syntax));
        assert_eq!(diags.error_count(), 1);
        assert_eq!(diags.warning_count(), MAX_KEPT + 1);
        assert_eq!(diags.omitted(), 2);
        let mut merged = Diagnostics::default();
        merged.extend(diags);
        assert_eq!(merged.omitted(), 2);
        assert_eq!(merged.warning_count(), MAX_KEPT + 1);
    }
}
