//! Diagnostics as text: rustc-style snippets for people (annotate-snippets), JSON for tools.

use crate::diag::{Diagnostic, Diagnostics, Label, Severity};
use crate::source::SourceMap;
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde::Serialize;

/// Every diagnostic in source order, then a summary line.
pub fn human(diags: &Diagnostics, sources: &SourceMap, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for diagnostic in diags.sorted() {
        out.push_str(&renderer.render(&report(diagnostic, sources)));
        out.push_str("\n\n");
    }
    if diags.omitted() > 0 {
        out.push_str(&format!(
            "note: {} more diagnostics not shown; fix these and run again\n",
            diags.omitted()
        ));
    }
    if let Some(summary) = summary(diags) {
        out.push_str(&summary);
        out.push('\n');
    }
    out
}

fn summary(diags: &Diagnostics) -> Option<String> {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (diags.error_count(), diags.warning_count()) {
        (0, 0) => None,
        (0, w) => Some(format!("{} emitted", plural(w, "warning"))),
        (e, 0) => Some(format!("found {}", plural(e, "error"))),
        (e, w) => Some(format!(
            "found {} and {}",
            plural(e, "error"),
            plural(w, "warning")
        )),
    }
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Note => Level::NOTE,
    }
}

fn report<'a>(diagnostic: &'a Diagnostic, sources: &'a SourceMap) -> Vec<Group<'a>> {
    let title = level(diagnostic.severity)
        .primary_title(diagnostic.message.as_str())
        .id(diagnostic.code.as_str());
    let mut labels: Vec<(&Label, AnnotationKind)> = Vec::new();
    labels.extend(
        diagnostic
            .primary
            .iter()
            .map(|l| (l, AnnotationKind::Primary)),
    );
    labels.extend(
        diagnostic
            .secondary
            .iter()
            .map(|l| (l, AnnotationKind::Context)),
    );
    let mut main = Group::with_title(title);
    // One snippet per file, primary file first, so each file's lines show once.
    let mut files: Vec<crate::source::FileId> = Vec::new();
    for (label, _) in &labels {
        if !files.contains(&label.file) {
            files.push(label.file);
        }
    }
    for file_id in files {
        let file = sources.get(file_id);
        let path = file.path.display().to_string();
        let annotations = labels
            .iter()
            .filter(|(l, _)| l.file == file_id)
            .map(|(l, kind)| {
                (*kind)
                    .span(clamp(&file.text, l.span.start, l.span.end))
                    .label(l.text.as_str())
            });
        main = main.element(
            Snippet::source(file.text.as_str())
                .path(path)
                .annotations(annotations),
        );
    }
    let mut groups = vec![main];
    if let Some(key) = &diagnostic.key {
        groups.push(Group::with_title(
            Level::NOTE.secondary_title(format!("key: {key}")),
        ));
    }
    if let Some(help) = &diagnostic.help {
        groups.push(Group::with_title(
            Level::HELP.secondary_title(help.as_str()),
        ));
    }
    groups
}

/// A span on character boundaries within the text, never past its end.
fn clamp(text: &str, start: usize, end: usize) -> std::ops::Range<usize> {
    let floor = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = floor(start);
    start..floor(end).max(start)
}

#[derive(Serialize)]
struct JsonReport<'a> {
    errors: usize,
    warnings: usize,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: Severity,
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<JsonLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related: Vec<JsonLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonLocation {
    file: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    label: String,
}

fn location(label: &Label, sources: &SourceMap) -> JsonLocation {
    let file = sources.get(label.file);
    let (line, column) = file.line_col(label.span.start);
    let (end_line, end_column) = file.line_col(label.span.end);
    JsonLocation {
        file: file.path.display().to_string(),
        line,
        column,
        end_line,
        end_column,
        label: label.text.clone(),
    }
}

/// The diagnostics as one JSON document, for editors and CI.
pub fn json(diags: &Diagnostics, sources: &SourceMap) -> String {
    let report = JsonReport {
        errors: diags.error_count(),
        warnings: diags.warning_count(),
        diagnostics: diags
            .sorted()
            .into_iter()
            .map(|d| JsonDiagnostic {
                severity: d.severity,
                code: d.code.as_str(),
                message: &d.message,
                key: d.key.as_deref(),
                location: d.primary.as_ref().map(|l| location(l, sources)),
                related: d.secondary.iter().map(|l| location(l, sources)).collect(),
                help: d.help.as_deref(),
            })
            .collect(),
    };
    serde_json::to_string_pretty(&report).unwrap_or_default()
}
