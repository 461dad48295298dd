//! Every example under `examples/` is compiled: valid ones must check clean and their IR is
//! snapshotted; each one under `examples/invalid/` has its rendered diagnostics and exit code
//! snapshotted through the real binary.

use std::path::{Path, PathBuf};
use std::process::Command;
use svc::compile::compile;
use svc::emit::registry::{TARGETS, Target};
use svc::emit::request::Request;
use svc::read::discover_config;

fn examples_dir() -> PathBuf {
    PathBuf::from("examples")
}

/// Example directories (relative to the crate root, so paths in output are stable).
fn example_dirs(parent: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(parent)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", parent.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir() && path.file_name().is_some_and(|n| n != "invalid"))
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no examples in {}", parent.display());
    dirs
}

fn config_in(dir: &Path) -> PathBuf {
    let names = ["vercel.json", "vercel.jsonc", "vercel.yaml", "vercel.yml"];
    names
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("no config in {}", dir.display()))
}

fn name_of(dir: &Path) -> String {
    dir.file_name().unwrap().to_string_lossy().into_owned()
}

fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings
}

/// The IR with its derived access facts, as one reviewable document.
#[derive(serde::Serialize)]
struct IrSnapshot<'a> {
    project: &'a svc::ir::Project,
    access: svc::ir::Access,
}

#[test]
fn valid_examples_check_clean_and_their_ir_is_stable() {
    for dir in example_dirs(&examples_dir()) {
        let config = config_in(&dir);
        let compilation = compile(&config).unwrap();
        let errors = svc::render::human(&compilation.diagnostics, &compilation.sources, false);
        assert!(
            !compilation.diagnostics.has_errors() && compilation.diagnostics.warning_count() == 0,
            "{} should check clean:\n{errors}",
            dir.display()
        );
        let project = compilation
            .project
            .expect("a clean compilation has a project");
        let access = project.access();
        snapshot_settings().bind(|| {
            let snapshot = IrSnapshot {
                project: &project,
                access,
            };
            insta::assert_yaml_snapshot!(format!("ir-{}", name_of(&dir)), snapshot);
        });
    }
}

/// Snapshots every valid example's output for one target, produced the way `svc emit` produces
/// it (options from svc.yaml, headers included); several files are joined under their names.
fn snapshot_target(target: Target) {
    for dir in example_dirs(&examples_dir()) {
        let config = config_in(&dir);
        let compilation = compile(&config).unwrap();
        let request = Request {
            compilation: &compilation,
            config_path: &config,
            targets: &[target],
            out: None,
        };
        let output = svc::emit::request::run(&request)
            .unwrap_or_else(|d| panic!("{}: {d:?}", dir.display()));
        let text: String = match output.files.len() {
            1 => output.files.into_values().collect(),
            _ => output
                .files
                .iter()
                .map(|(path, content)| format!("# ==> {path} <==\n{content}\n"))
                .collect(),
        };
        snapshot_settings().bind(|| {
            insta::assert_snapshot!(format!("{}-{}", target.name, name_of(&dir)), text);
        });
    }
}

/// Every target in the registry, on every valid example: a new target is snapshotted as soon
/// as it is registered.
#[test]
fn every_valid_example_has_a_stable_output_for_every_target() {
    for &target in TARGETS {
        snapshot_target(target);
    }
}

#[test]
fn every_invalid_example_reports_its_diagnostics_through_the_cli() {
    for dir in example_dirs(&examples_dir().join("invalid")) {
        let config = config_in(&dir);
        let output = Command::new(env!("CARGO_BIN_EXE_svc"))
            .args(["check", "--config"])
            .arg(&config)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        let code = output.status.code().unwrap();
        assert!(!stderr.is_empty(), "{}: no diagnostics", dir.display());
        let only_warnings = !stderr.contains("error[");
        assert_eq!(
            code,
            if only_warnings { 0 } else { 1 },
            "{}: {stderr}",
            dir.display()
        );
        snapshot_settings().bind(|| {
            insta::assert_snapshot!(
                format!("check-{}", name_of(&dir)),
                format!("exit code: {code}\n\n{stderr}")
            );
        });
    }
}

#[test]
fn discovery_prefers_vercel_json_then_jsonc_then_yaml() {
    let dir = tempdir();
    std::fs::write(dir.join("vercel.yaml"), "services: {}\n").unwrap();
    assert_eq!(
        discover_config(None, &dir).unwrap(),
        dir.join("vercel.yaml")
    );
    std::fs::write(dir.join("vercel.jsonc"), "{}").unwrap();
    assert_eq!(
        discover_config(None, &dir).unwrap(),
        dir.join("vercel.jsonc")
    );
    std::fs::write(dir.join("vercel.json"), "{}").unwrap();
    assert_eq!(
        discover_config(None, &dir).unwrap(),
        dir.join("vercel.json")
    );
    let explicit = dir.join("other.yml");
    assert_eq!(discover_config(Some(&explicit), &dir).unwrap(), explicit);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("svc-test-{}-{}", std::process::id(), line!()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
