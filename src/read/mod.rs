//! Read stage: find the config file, load it, and turn its text into a [`Node`] tree that keeps
//! the byte span of every key and value.
//!
//! JSON, JSONC and YAML all become the same tree, so later stages never care about syntax.

mod depth;
mod jsonc;
mod node;
mod yaml;

pub use node::{Member, Node, NodeKind};

use crate::diag::Code;
use crate::diag::{Diagnostic, Diagnostics};
use crate::limits;
use crate::source::{FileId, SourceFile, Syntax};
use std::path::{Path, PathBuf};

/// Config file names tried, in order, when no `--config` is given.
pub const DEFAULT_CONFIG_NAMES: [&str; 3] = ["vercel.json", "vercel.jsonc", "vercel.yaml"];

/// Deploy-settings file names tried beside the config, in order.
pub const SETTINGS_NAMES: [&str; 3] = ["svc.yaml", "svc.yml", "svc.json"];

#[derive(Debug)]
pub enum ReadError {
    NoConfig {
        dir: PathBuf,
    },
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    TooLarge {
        path: PathBuf,
    },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::NoConfig { dir } => write!(
                f,
                "no config found in {}: looked for {}; pass one with --config PATH",
                display_dir(dir),
                DEFAULT_CONFIG_NAMES.join(", ")
            ),
            ReadError::Io { path, error } => write!(f, "cannot read {}: {error}", path.display()),
            ReadError::TooLarge { path } => write!(
                f,
                "{} is larger than {} MiB, the most svc reads; a services config is a few KiB, so check that this is the right file",
                path.display(),
                limits::MAX_INPUT_BYTES >> 20
            ),
        }
    }
}

fn display_dir(dir: &Path) -> String {
    if dir.as_os_str().is_empty() {
        ".".to_string()
    } else {
        dir.display().to_string()
    }
}

impl std::error::Error for ReadError {}

/// The config path: the explicit one, else the first default name that exists in `dir`.
pub fn discover_config(explicit: Option<&Path>, dir: &Path) -> Result<PathBuf, ReadError> {
    if let Some(path) = explicit {
        return Ok(path.to_path_buf());
    }
    DEFAULT_CONFIG_NAMES
        .iter()
        .map(|name| dir.join(name))
        .find(|path| path.is_file())
        .ok_or_else(|| ReadError::NoConfig {
            dir: dir.to_path_buf(),
        })
}

/// The deploy-settings file beside the config, if there is one.
pub fn discover_settings(config_path: &Path) -> Option<PathBuf> {
    let dir = config_path.parent().unwrap_or(Path::new(""));
    SETTINGS_NAMES
        .iter()
        .map(|name| dir.join(name))
        .find(|path| path.is_file())
}

/// Reads a file. A leading byte-order mark is dropped (editors on Windows add one); bytes that
/// are not UTF-8 are kept as U+FFFD and reported by [`parse_tree`].
pub fn load(path: &Path) -> Result<SourceFile, ReadError> {
    use std::io::Read;
    let io_error = |error| ReadError::Io {
        path: path.to_path_buf(),
        error,
    };
    let file = std::fs::File::open(path).map_err(io_error)?;
    // Room for the whole file at once (read_to_end grows as it goes otherwise); one byte past
    // the limit is enough to know the file is too large, whatever its size.
    let size = file.metadata().map_or(0, |m| m.len() as usize);
    let mut bytes = Vec::with_capacity(size.min(limits::MAX_INPUT_BYTES) + 1);
    file.take(limits::MAX_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    source_from_vec(path, bytes)
}

/// A file of the project svc looks into (a `package.json`, a Dockerfile), when it is a
/// regular file: at most [`limits::MAX_INPUT_BYTES`] of it, so a link to `/dev/zero` in a pull
/// request cannot hang svc.
pub fn read_project_file(path: &Path) -> Option<String> {
    use std::io::Read;
    if !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let mut text = String::new();
    std::fs::File::open(path)
        .ok()?
        .take(limits::MAX_INPUT_BYTES as u64)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

/// A file's bytes as a source, as [`load`] reads them.
pub fn source_from_bytes(path: &Path, bytes: &[u8]) -> Result<SourceFile, ReadError> {
    source_from_vec(path, bytes.to_vec())
}

/// The file's bytes become its text in place when they are UTF-8, as they nearly always are.
fn source_from_vec(path: &Path, mut bytes: Vec<u8>) -> Result<SourceFile, ReadError> {
    if bytes.len() > limits::MAX_INPUT_BYTES {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
        });
    }
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    let (text, invalid_utf8_at) = match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(error) => {
            let at = error.utf8_error().valid_up_to();
            (
                String::from_utf8_lossy(error.as_bytes()).into_owned(),
                Some(at),
            )
        }
    };
    let mut file = SourceFile::new(path, text);
    file.invalid_utf8_at = invalid_utf8_at;
    Ok(file)
}

/// Parses a file's text into a tree; syntax errors become diagnostics.
pub fn parse_tree(file: &SourceFile, id: FileId, diags: &mut Diagnostics) -> Option<Node> {
    if let Some(at) = file.invalid_utf8_at {
        diags.push(
            Diagnostic::error(Code::NotUtf8, "the file is not valid UTF-8")
                .at(
                    id,
                    crate::source::Span::new(at, at + 1),
                    "this byte is not UTF-8",
                )
                .help("save the file as UTF-8"),
        );
        return None;
    }
    let result = match file.syntax {
        Syntax::Jsonc => jsonc::parse(&file.text),
        Syntax::Yaml => yaml::parse(&file.text),
    };
    match result.and_then(depth::within_limit) {
        Ok(node) => Some(node),
        Err(error) => {
            let kind = match file.syntax {
                Syntax::Jsonc => "JSON",
                Syntax::Yaml => "YAML",
            };
            diags.push(
                Diagnostic::error(Code::Syntax, format!("invalid {kind}: {}", error.message))
                    .at(id, error.span, error.label)
                    .help(error.help),
            );
            None
        }
    }
}

/// A syntax error, positioned in the file's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub label: String,
    pub span: crate::source::Span,
    pub help: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_is_dropped_and_utf8_kept_as_is() {
        let file = source_from_bytes(
            Path::new("vercel.json"),
            b"\xEF\xBB\xBF{\"a\": \"\xC3\xA9\"}",
        )
        .unwrap();
        assert_eq!(file.text, "{\"a\": \"é\"}");
        assert_eq!(file.invalid_utf8_at, None);
    }

    #[test]
    fn the_first_byte_that_is_not_utf8_is_found() {
        let file = source_from_bytes(Path::new("vercel.json"), b"{\"a\": \"\xFF\"}").unwrap();
        assert_eq!(file.invalid_utf8_at, Some(7));
        assert_eq!(file.text, "{\"a\": \"\u{FFFD}\"}");
        let mut diags = Diagnostics::default();
        assert!(parse_tree(&file, FileId::default(), &mut diags).is_none());
        assert_eq!(diags.iter().next().map(|d| d.code), Some(Code::NotUtf8));
    }
}
