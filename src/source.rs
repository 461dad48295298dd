//! Source files kept in memory so every diagnostic can quote the user's text.

use std::path::{Path, PathBuf};

/// A byte range into one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The first character only: points at an object's opening brace rather than its whole body.
    pub fn start_only(self) -> Self {
        Span::new(self.start, (self.start + 1).min(self.end.max(self.start)))
    }
}

/// Which of the loaded files a span belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FileId(usize);

impl FileId {
    pub fn index(self) -> usize {
        self.0
    }
}

/// The syntax a file is written in, chosen from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// JSON with `//` and `/* */` comments and trailing commas (plain JSON is a subset).
    Jsonc,
    Yaml,
}

impl Syntax {
    pub fn of(path: &Path) -> Syntax {
        match path.extension().and_then(|e| e.to_str()) {
            Some("yaml" | "yml") => Syntax::Yaml,
            _ => Syntax::Jsonc,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user wrote it (or as discovered), shown in diagnostics.
    pub path: PathBuf,
    pub text: String,
    pub syntax: Syntax,
    /// Byte offset of the first byte that was not UTF-8, if any (it reads as U+FFFD in `text`).
    pub invalid_utf8_at: Option<usize>,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        let path = path.into();
        let syntax = Syntax::of(&path);
        SourceFile {
            path,
            text: text.into(),
            syntax,
            invalid_utf8_at: None,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Every file loaded during one run; diagnostics refer to them by [`FileId`].
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() - 1)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let file = SourceFile::new("x.json", "{\n  \"é\": 1\n}");
        assert_eq!(file.line_col(0), (1, 1));
        assert_eq!(file.line_col(4), (2, 3));
        let after_e = file.text.find(':').unwrap();
        assert_eq!(file.line_col(after_e), (2, 6));
    }

    #[test]
    fn syntax_follows_the_extension() {
        assert_eq!(Syntax::of(Path::new("a/vercel.yml")), Syntax::Yaml);
        assert_eq!(Syntax::of(Path::new("vercel.yaml")), Syntax::Yaml);
        assert_eq!(Syntax::of(Path::new("vercel.jsonc")), Syntax::Jsonc);
        assert_eq!(Syntax::of(Path::new("vercel.json")), Syntax::Jsonc);
    }
}
