//! One `svc emit` run: every requested target's files, laid out under the output directory and
//! each headed with where it came from and how to regenerate it.

use super::Artifacts;
use super::registry::{Run, TARGETS};
use crate::compile::Compilation;
use crate::diag::Diagnostics;
use crate::parallel;
use crate::paths;
use crate::write::Header;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use super::registry::Target;

pub struct Request<'a> {
    pub compilation: &'a Compilation,
    pub config_path: &'a Path,
    pub targets: &'a [Target],
    /// `None` prints to stdout.
    pub out: Option<&'a Path>,
}

/// Files by path relative to the output directory.
#[derive(Debug, Default)]
pub struct Output {
    pub files: BTreeMap<String, String>,
}

/// Emits each target; with several, each goes into a directory named after it.
pub fn run(request: &Request) -> Result<Output, Diagnostics> {
    let Some(project) = request.compilation.project.as_ref() else {
        return Err(request.compilation.diagnostics.clone());
    };
    let header = header(request);
    let nested = request.targets.len() > 1;
    let config_dir = request.config_path.parent().unwrap_or(Path::new(""));
    let target_dirs: Vec<(Target, &str, PathBuf)> = request
        .targets
        .iter()
        .map(|&target| {
            let sub = if nested { target.name } else { "" };
            let dir = request
                .out
                .map_or(config_dir.to_path_buf(), |out| out.join(sub));
            (target, sub, dir)
        })
        .collect();
    // Targets share nothing but the checked project, which they only read, so they run on
    // as many threads as there are cores (this one included), each heading its own files.
    let mut order: Vec<usize> = (0..target_dirs.len()).collect();
    order.sort_by_key(|&i| target_dirs[i].0.start_rank);
    let results = parallel::run(
        &target_dirs,
        &order,
        parallel::cores(),
        |(target, sub, dir)| {
            let run = Run {
                project,
                settings: &request.compilation.settings,
                config_path: request.config_path,
                target_dir: dir,
                side_by_side: request.targets.len(),
            };
            (target.emit)(&run).map(|artifacts| headed(artifacts, sub, &header))
        },
    );
    let mut output = Output::default();
    let mut errors = Diagnostics::default();
    for result in results {
        match result {
            Ok(files) => output.files.extend(files),
            // Targets share the gateway, so several refuse one rule alike: report it once.
            Err(diags) => errors.extend_unique(diags),
        }
    }
    if errors.has_errors() {
        return Err(errors);
    }
    if request.out.is_some() {
        let listing = crate::write::manifest(output.files.keys());
        output
            .files
            .insert(crate::write::MANIFEST.to_string(), header.prepend(&listing));
    }
    Ok(output)
}

/// What any target would refuse in this project, each reported once: `svc check` reports these
/// too, so a project it passes emits for every target.
pub fn refusals(compilation: &Compilation, config_path: &Path) -> Diagnostics {
    let request = Request {
        compilation,
        config_path,
        targets: TARGETS,
        out: None,
    };
    run(&request).err().unwrap_or_default()
}

/// A target's files at their paths under the output directory, each headed.
fn headed(artifacts: Artifacts, sub: &str, header: &Header) -> Vec<(String, String)> {
    artifacts
        .files
        .into_iter()
        .map(|(path, mut content)| {
            let header = header.text_for(&path);
            let path = if sub.is_empty() {
                path
            } else {
                format!("{sub}/{path}")
            };
            // In place when the file has room (a large one grown by doubling usually has), so
            // a 14 MB compose.yaml is not held twice; otherwise copied at its exact size.
            if content.capacity() - content.len() >= header.len() {
                content.insert_str(0, &header);
                return (path, content);
            }
            let mut headed = String::with_capacity(header.len() + content.len());
            headed.push_str(&header);
            headed.push_str(&content);
            (path, headed)
        })
        .collect()
}

/// Paths in the header are relative to the output directory's parent, where the regenerate
/// command runs; without `--out`, as given.
fn header(request: &Request) -> Header {
    let targets = target_flags(request.targets);
    match request.out {
        None => {
            let config = request.config_path.display().to_string();
            Header {
                command: format!("svc emit{targets} -c {}", shell_word(&config)),
                config,
            }
        }
        Some(out) => {
            let out = paths::absolute(out);
            let parent = out.parent().unwrap_or(Path::new("/"));
            let config_dir = request.config_path.parent().unwrap_or(Path::new(""));
            let file = request
                .config_path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let dir = paths::relative(parent, config_dir);
            let config = if dir.is_empty() {
                file
            } else {
                format!("{dir}/{file}")
            };
            let out_name = out
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Header {
                command: format!(
                    "svc emit{targets} -c {} --out {}",
                    shell_word(&config),
                    shell_word(&out_name)
                ),
                config,
            }
        }
    }
}

/// `--target` flags for a resolved set of targets: `--target all` when it is all of them, so
/// the command (and the header) does not depend on how the user spelled it.
pub fn target_flags(targets: &[Target]) -> String {
    if TARGETS.iter().all(|t| targets.contains(t)) {
        return " --target all".to_string();
    }
    targets
        .iter()
        .map(|t| format!(" --target {}", t.name))
        .collect()
}

/// A path as one shell word: as is when that is safe, else in single quotes.
pub fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./-+@%:,".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}
