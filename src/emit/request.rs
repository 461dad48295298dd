//! One `svc emit` run: every requested target's files, laid out under the output directory and
//! each headed with where it came from and how to regenerate it.

use super::{Artifacts, compose, nginx, terraform};
use crate::compile::Compilation;
use crate::diag::Diagnostics;
use crate::parallel;
use crate::paths;
use crate::write::Header;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TargetName {
    Compose,
    Nginx,
    Terraform,
}

impl TargetName {
    pub const ALL: [TargetName; 3] = [
        TargetName::Compose,
        TargetName::Nginx,
        TargetName::Terraform,
    ];

    /// When the target starts among several. This thread takes the first: compose, whose many
    /// allocations reuse the memory the front half freed here. Terraform, the longest, goes to
    /// the next thread; nginx, the shortest, to whichever is free first.
    fn start_rank(self) -> u8 {
        match self {
            TargetName::Compose => 0,
            TargetName::Terraform => 1,
            TargetName::Nginx => 2,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TargetName::Compose => "compose",
            TargetName::Nginx => "nginx",
            TargetName::Terraform => "terraform",
        }
    }
}

pub struct Request<'a> {
    pub compilation: &'a Compilation,
    pub config_path: &'a Path,
    pub targets: &'a [TargetName],
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
    let target_dirs: Vec<(TargetName, &str, PathBuf)> = request
        .targets
        .iter()
        .map(|&target| {
            let sub = if nested { target.as_str() } else { "" };
            let dir = request
                .out
                .map_or(config_dir.to_path_buf(), |out| out.join(sub));
            (target, sub, dir)
        })
        .collect();
    // Targets share nothing but the checked project, which they only read, so they run on
    // as many threads as there are cores (this one included), each heading its own files.
    let mut order: Vec<usize> = (0..target_dirs.len()).collect();
    order.sort_by_key(|&i| target_dirs[i].0.start_rank());
    let results = parallel::run(
        &target_dirs,
        &order,
        parallel::cores(),
        |(target, sub, dir)| {
            emit_target(*target, project, request, dir)
                .map(|artifacts| headed(artifacts, sub, &header))
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
        targets: &TargetName::ALL,
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

fn emit_target(
    target: TargetName,
    project: &crate::check::Checked<crate::ir::Project>,
    request: &Request,
    target_dir: &Path,
) -> Result<Artifacts, Diagnostics> {
    let settings = &request.compilation.settings;
    let gateway = nginx::Options::from_settings(project, &settings.nginx);
    let dir_name = paths::dir_name(request.config_path);
    match target {
        TargetName::Nginx => nginx::emit(project, &gateway),
        TargetName::Compose => {
            let config_dir = request.config_path.parent().unwrap_or(Path::new(""));
            let project_dir = paths::relative(target_dir, config_dir);
            let options = compose::Options::from_settings(
                &settings.compose,
                gateway,
                &dir_name,
                &project_dir,
            );
            compose::emit(project, &options)
        }
        TargetName::Terraform => {
            let config_dir = request.config_path.parent().unwrap_or(Path::new(""));
            let options = terraform::Options {
                name: compose::project_name(&dir_name),
                gateway,
                project_dir: paths::relative(target_dir, config_dir),
                // The cores are shared out among the targets that run side by side.
                workers: (parallel::cores() / request.targets.len()).max(1),
            };
            terraform::emit(project, &options)
        }
    }
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
pub fn target_flags(targets: &[TargetName]) -> String {
    if TargetName::ALL.iter().all(|t| targets.contains(t)) {
        return " --target all".to_string();
    }
    targets
        .iter()
        .map(|t| format!(" --target {}", t.as_str()))
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
