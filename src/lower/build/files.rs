//! The project's files as the build planner reads them: paths relative to the project
//! directory (the one holding vercel.json), never above it, read within the size limit.

use std::path::{Path, PathBuf};

/// The project directory.
#[derive(Clone, Copy)]
pub struct Tree<'a> {
    dir: &'a Path,
}

impl<'a> Tree<'a> {
    pub fn new(dir: &'a Path) -> Tree<'a> {
        Tree { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        if rel == "." || rel.is_empty() {
            self.dir.to_path_buf()
        } else {
            self.dir.join(rel)
        }
    }

    pub fn is_file(&self, rel: &str) -> bool {
        self.path(rel).is_file()
    }

    pub fn is_dir(&self, rel: &str) -> bool {
        self.path(rel).is_dir()
    }

    /// A file's text; `None` when it is missing, unreadable, too large or not UTF-8.
    pub fn read(&self, rel: &str) -> Option<String> {
        crate::read::read_project_file(&self.path(rel))
    }

    /// A JSON file, parsed; comments and trailing commas are not JSON, so `None` for them too.
    pub fn json(&self, rel: &str) -> Option<serde_json::Value> {
        serde_json::from_str(&self.read(rel)?).ok()
    }

    /// The names in a directory, sorted; empty when it is not one.
    pub fn list(&self, rel: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.path(rel))
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter_map(|e| e.file_name().into_string().ok())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    /// The files under `dir`, `depth` directories down at most, sorted.
    pub fn files_under(&self, dir: &str, depth: usize) -> Vec<String> {
        let mut found = Vec::new();
        for name in self.list(dir) {
            let path = join(dir, &name);
            if self.is_file(&path) {
                found.push(path);
            } else if depth > 0 && self.is_dir(&path) {
                found.extend(self.files_under(&path, depth - 1));
            }
        }
        found.sort();
        found
    }

    /// `dir` and its parents up to the project directory, nearest first.
    pub fn ancestors(dir: &str) -> Vec<String> {
        let mut out = vec![normal(dir)];
        let mut current = normal(dir);
        while current != "." {
            current = match current.rsplit_once('/') {
                Some((parent, _)) => parent.to_string(),
                None => ".".to_string(),
            };
            out.push(current.clone());
        }
        out
    }

    /// The nearest directory from `dir` up to the project holding one of `names`, with the
    /// names found there (in the order of `names`).
    pub fn find_up(
        &self,
        dir: &str,
        names: &[&'static str],
    ) -> Option<(String, Vec<&'static str>)> {
        Tree::ancestors(dir).into_iter().find_map(|candidate| {
            let found: Vec<&'static str> = names
                .iter()
                .copied()
                .filter(|name| self.is_file(&join(&candidate, name)))
                .collect();
            (!found.is_empty()).then_some((candidate, found))
        })
    }

    /// The nearest directory from `dir` up to the project holding `name`.
    pub fn nearest(&self, dir: &str, name: &str) -> Option<String> {
        Tree::ancestors(dir)
            .into_iter()
            .find(|candidate| self.is_file(&join(candidate, name)))
    }
}

/// Letters, digits and `. _ - / @ +`: a path a Dockerfile or a shell can take as one word,
/// with nothing read as a variable, a glob or a second word.
pub fn is_plain_word(path: &str) -> bool {
    !path.is_empty()
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | '@' | '+'))
}

/// Relative, never climbing out with `..`, and no segment a tool would read as an option.
pub fn stays_inside(path: &str) -> bool {
    !path.starts_with('/')
        && path
            .split('/')
            .all(|segment| segment != ".." && !segment.starts_with('-'))
}

/// A plain word that stays inside the directory it is relative to.
pub fn is_plain_path(path: &str) -> bool {
    is_plain_word(path) && stays_inside(path)
}

/// `a/b` joined: `.` is the project itself.
pub fn join(dir: &str, name: &str) -> String {
    match (dir, name) {
        (".", name) | ("", name) => name.to_string(),
        (dir, ".") | (dir, "") => dir.to_string(),
        (dir, name) => format!("{dir}/{name}"),
    }
}

/// A directory path with `.` for the project and no trailing `/`.
pub fn normal(dir: &str) -> String {
    let dir = dir.trim_end_matches('/').trim_start_matches("./");
    if dir.is_empty() {
        ".".to_string()
    } else {
        dir.to_string()
    }
}

/// The directory of a relative file path (`a/b.py` -> `a`, `b.py` -> `.`).
pub fn parent(path: &str) -> String {
    path.rsplit_once('/')
        .map_or(".".to_string(), |(dir, _)| dir.to_string())
}

/// `path` relative to `base`, both relative to the project; `base` must contain `path`.
pub fn relative(base: &str, path: &str) -> String {
    let (base, path) = (normal(base), normal(path));
    if base == "." {
        return path;
    }
    if base == path {
        return ".".to_string();
    }
    path.strip_prefix(&format!("{base}/"))
        .map_or(path.clone(), str::to_string)
}

/// Whether `dir` is `base` or inside it.
pub fn contains(base: &str, dir: &str) -> bool {
    let (base, dir) = (normal(base), normal(dir));
    base == "." || base == dir || dir.starts_with(&format!("{base}/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_end_at_the_project() {
        assert_eq!(Tree::ancestors("a/b"), ["a/b", "a", "."]);
        assert_eq!(Tree::ancestors("."), ["."]);
    }

    #[test]
    fn paths_relate_as_directories() {
        assert_eq!(relative(".", "apps/web"), "apps/web");
        assert_eq!(relative("apps", "apps/web"), "web");
        assert_eq!(relative("apps/web", "apps/web"), ".");
        assert!(contains("apps", "apps/web"));
        assert!(!contains("app", "apps/web"));
        assert_eq!(join(".", "x"), "x");
        assert_eq!(parent("a/b.py"), "a");
        assert_eq!(parent("b.py"), ".");
    }
}
