//! How the output directory differs from what would be written.
//!
//! svc remembers what it wrote in a manifest (`.svc-manifest`, itself a generated file). A file
//! counts as extra only if the previous manifest lists it and it still carries svc's header: a
//! generated-looking file svc never listed (a copy someone made, another run's output) is never
//! deleted, and nothing outside the listed paths is ever looked at.

use super::header::{is_generated, regenerate_command};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The manifest's path inside the output directory.
pub const MANIFEST: &str = ".svc-manifest";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    pub path: String,
    pub old: String,
}

/// Paths are relative to `root`, with `/` separators.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub root: PathBuf,
    /// Everything that would be written, by path (the manifest included).
    pub files: BTreeMap<String, String>,
    pub missing: Vec<String>,
    pub stale: Vec<Stale>,
    pub unchanged: Vec<String>,
    /// Files an earlier run of the same command generated that are no longer produced.
    pub extra: Vec<String>,
    /// Files another svc command generated here (other targets, say): left alone, and still
    /// listed in the manifest, so the command that made them can remove them later.
    pub kept: Vec<String>,
    /// Files in the way that svc did not generate.
    pub foreign: Vec<String>,
    /// Other files beside the generated ones that svc did not generate: left alone.
    pub others: Vec<String>,
    /// Temporary files of a run that was killed: removed by the next write.
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

/// The manifest's content: every other generated path, one a line.
pub fn manifest(paths: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    let mut text = String::from(
        "# The files svc generated here; it removes them when it no longer produces them.\n",
    );
    for path in paths {
        text.push_str(path.as_ref());
        text.push('\n');
    }
    text
}

/// Compares `files` with what is under `root`. With `prune`, files another svc command
/// generated there are extra too.
pub fn plan(root: &Path, files: BTreeMap<String, String>, prune: bool) -> std::io::Result<Plan> {
    let mut plan = Plan {
        root: root.to_path_buf(),
        ..Plan::default()
    };
    let command = files.get(MANIFEST).and_then(|m| regenerate_command(m));
    for path in previous_manifest(root)? {
        if files.contains_key(&path) {
            continue;
        }
        let Some(old) = read_if_exists(&root.join(&path))?.filter(|c| is_generated(c)) else {
            continue;
        };
        if !prune && command.is_some() && regenerate_command(&old) != command {
            plan.kept.push(path);
        } else {
            plan.extra.push(path);
        }
    }
    let mut files = files;
    if !plan.kept.is_empty()
        && let Some(manifest) = files.get_mut(MANIFEST)
    {
        *manifest = with_kept(manifest, &plan.kept);
    }
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
    let dirs: BTreeSet<PathBuf> = files
        .keys()
        .map(|p| {
            root.join(p)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default()
        })
        .collect();
    for dir in dirs {
        look_beside(root, &dir, &files, &mut plan)?;
    }
    plan.files = files;
    Ok(plan)
}

/// A manifest that also lists `kept`, in order, after its header.
fn with_kept(manifest: &str, kept: &[String]) -> String {
    let mut lines: Vec<&str> = manifest.lines().collect();
    let header_end = lines.iter().take_while(|l| l.starts_with('#')).count();
    let mut paths: Vec<&str> = lines.split_off(header_end);
    paths.extend(kept.iter().map(String::as_str));
    paths.sort_unstable();
    paths.dedup();
    let mut text = lines.join("\n");
    text.push('\n');
    for path in paths {
        text.push_str(path);
        text.push('\n');
    }
    text
}

/// Paths the last run listed, when its manifest is there and svc's.
fn previous_manifest(root: &Path) -> std::io::Result<Vec<String>> {
    let Some(text) = read_if_exists(&root.join(MANIFEST))? else {
        return Ok(Vec::new());
    };
    if !is_generated(&text) {
        return Ok(Vec::new());
    }
    let safe = |line: &&str| {
        !line.is_empty()
            && !line.starts_with('#')
            && !line.starts_with('/')
            && !line.split('/').any(|part| part == "..")
    };
    Ok(text.lines().filter(safe).map(str::to_string).collect())
}

/// Files in one directory that receives generated files (not recursive, links not followed):
/// temporary files of a killed run, and user files to report as left alone.
fn look_beside(
    root: &Path,
    dir: &Path,
    files: &BTreeMap<String, String>,
    plan: &mut Plan,
) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        if !entry.file_type()?.is_file() {
            continue;
        }
        let path = entry.path();
        let relative = path.strip_prefix(root).unwrap_or(&path);
        let relative = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if files.contains_key(&relative)
            || plan.extra.contains(&relative)
            || plan.kept.contains(&relative)
        {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = leftover_pid(&name) {
            if !process_alive(pid) {
                plan.leftovers.push(relative);
            }
        } else if !name.starts_with('.') {
            plan.others.push(relative);
        }
    }
    plan.others.sort();
    plan.leftovers.sort();
    Ok(())
}

/// The process that owns a temporary file named by [`super::atomic_write`], if it is one.
pub fn leftover_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (_, pid) = rest.rsplit_once(".svc-")?;
    pid.parse().ok()
}

/// Whether a process runs, so a concurrent run's temporary files are left to it. Where that
/// cannot be told (no /proc), a temporary file is assumed to be in use.
fn process_alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.is_dir() || proc.join(pid.to_string()).exists()
}

fn read_if_exists(path: &Path) -> std::io::Result<Option<String>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_files_name_their_process() {
        assert_eq!(leftover_pid(".compose.yaml.svc-4242.tmp"), Some(4242));
        assert_eq!(leftover_pid("compose.yaml"), None);
        assert_eq!(leftover_pid(".x.svc-abc.tmp"), None);
    }
}
