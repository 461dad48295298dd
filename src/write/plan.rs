//! How the output directory differs from what would be written.

use super::header::is_generated;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    pub path: String,
    pub old: String,
}

/// Paths are relative to `root`, with `/` separators.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub root: PathBuf,
    /// Everything that would be written, by path.
    pub files: BTreeMap<String, String>,
    pub missing: Vec<String>,
    pub stale: Vec<Stale>,
    pub unchanged: Vec<String>,
    /// Files svc generated earlier that are no longer produced.
    pub extra: Vec<String>,
    /// Files in the way that svc did not generate.
    pub foreign: Vec<String>,
    /// Other files in the owned directories that svc did not generate: left alone.
    pub others: Vec<String>,
    /// Temporary files a killed run left behind: removed by the next write.
    pub leftovers: Vec<String>,
}

impl Plan {
    pub fn is_up_to_date(&self) -> bool {
        self.missing.is_empty()
            && self.stale.is_empty()
            && self.extra.is_empty()
            && self.foreign.is_empty()
    }
}

/// Compares `files` with `root`. `owned` are the directories (relative to `root`) whose svc
/// files this run manages: a generated file there that is not in `files` is extra.
pub fn plan(
    root: &Path,
    files: BTreeMap<String, String>,
    owned: &[String],
) -> std::io::Result<Plan> {
    let mut plan = Plan {
        root: root.to_path_buf(),
        ..Plan::default()
    };
    for (path, content) in &files {
        match read_if_exists(&root.join(path))? {
            None => plan.missing.push(path.clone()),
            Some(old) if !is_generated(&old) => plan.foreign.push(path.clone()),
            Some(old) if old == *content => plan.unchanged.push(path.clone()),
            Some(old) => plan.stale.push(Stale {
                path: path.clone(),
                old,
            }),
        }
    }
    for dir in owned {
        for (path, kind) in files_under(root, dir)? {
            if files.contains_key(&path) {
                continue;
            }
            match kind {
                Kind::Generated => plan.extra.push(path),
                Kind::Leftover => plan.leftovers.push(path),
                Kind::Other => plan.others.push(path),
            }
        }
    }
    for list in [&mut plan.extra, &mut plan.leftovers, &mut plan.others] {
        list.sort();
        list.dedup();
    }
    plan.files = files;
    Ok(plan)
}

fn read_if_exists(path: &Path) -> std::io::Result<Option<String>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

enum Kind {
    Generated,
    Leftover,
    Other,
}

/// Whether a file name is one of the temporary files [`super::atomic_write`] makes.
pub fn is_leftover(name: &str) -> bool {
    name.starts_with('.') && name.contains(".svc-") && name.ends_with(".tmp")
}

/// Files under `root/dir` (recursively), relative to `root`, by what they are.
fn files_under(root: &Path, dir: &str) -> std::io::Result<Vec<(String, Kind)>> {
    let mut found = Vec::new();
    let mut pending = vec![if dir.is_empty() {
        root.to_path_buf()
    } else {
        root.join(dir)
    }];
    while let Some(current) = pending.pop() {
        let entries = match std::fs::read_dir(&current) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let kind = if is_leftover(&name) {
                Kind::Leftover
            } else if starts_with_header(&path)? {
                Kind::Generated
            } else {
                Kind::Other
            };
            let relative = path.strip_prefix(root).unwrap_or(&path);
            let relative = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            found.push((relative, kind));
        }
    }
    Ok(found)
}

/// Reads only the start of a file, so large unrelated files cost nothing.
fn starts_with_header(path: &Path) -> std::io::Result<bool> {
    use std::io::Read;
    let mut start = Vec::with_capacity(super::MARKER.len());
    std::fs::File::open(path)?
        .take(super::MARKER.len() as u64)
        .read_to_end(&mut start)?;
    Ok(start == super::MARKER.as_bytes())
}
