//! Public scanners on what svc emits for every example: compose-lint on each compose.yaml,
//! gixy on each nginx.conf, checkov on each terraform module. gixy must find nothing; a
//! compose-lint finding of medium or above, or a failed checkov check, must be fixed or
//! justified by its rule id in the "Scanner findings" section of docs/compose.md or
//! docs/terraform.md. Needs the three (.ci/run installs them in target/scanners); skips
//! without them, fails under CI.

mod support;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use support::{require_tool, scratch_dir};

/// Every valid example emitted for every target, under `<dir>/<example>/<target>/`.
fn emit_examples(test: &str) -> PathBuf {
    let dir = scratch_dir(test);
    let mut emitted = 0;
    for entry in std::fs::read_dir("examples").unwrap() {
        let example = entry.unwrap().path();
        let config = support::example_config(&example);
        let Some(config) = config else { continue };
        let name = example.file_name().unwrap().to_string_lossy().into_owned();
        let output = Command::new(env!("CARGO_BIN_EXE_svc"))
            .args(["emit", "--target", "all", "-c"])
            .arg(&config)
            .arg("--out")
            .arg(dir.join(&name))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        emitted += 1;
    }
    assert!(emitted >= 20, "only {emitted} examples");
    dir
}

/// Rule ids a doc justifies: the first column of its "Scanner findings" table.
fn justified(doc: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(doc).unwrap();
    let section = text
        .split("## Scanner findings")
        .nth(1)
        .unwrap_or_else(|| panic!("{doc} has no `## Scanner findings` section"));
    let section = section.split("\n## ").next().unwrap();
    section
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split('`').next())
        .map(str::to_string)
        .collect()
}

fn files_named(dir: &Path, name: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.file_name().is_some_and(|n| n == name) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Findings not justified, as `rule: where` lines, counted by rule.
fn unjustified(
    findings: Vec<(String, String)>,
    allowed: &BTreeSet<String>,
) -> BTreeMap<String, Vec<String>> {
    let mut left: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (rule, place) in findings {
        if !allowed.contains(&rule) {
            left.entry(rule).or_default().push(place);
        }
    }
    left
}

#[test]
fn compose_lint_finds_nothing_unjustified_in_any_compose_file() {
    let Some(lint) = require_tool("compose-lint", "compose_lint_finds_nothing_unjustified") else {
        return;
    };
    let dir = emit_examples("scan-compose");
    let files = files_named(&dir, "compose.yaml");
    let secrets: BTreeSet<String> = files
        .iter()
        .flat_map(|file| support::compose::secret_names(&std::fs::read_to_string(file).unwrap()))
        .collect();
    let output = Command::new(lint)
        .args(["--format", "json"])
        .args(&files)
        // compose-lint reads variables as compose does; secrets come from the environment.
        .envs(secrets.iter().map(|name| (name, "x")))
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    let findings: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| matches!(f["severity"].as_str(), Some("medium" | "high" | "critical")))
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                format!("{} {}", f["file"].as_str().unwrap_or(""), f["service"]),
            )
        })
        .collect();
    assert!(files.len() >= 20);
    let left = unjustified(findings, &justified("docs/compose.md"));
    assert!(
        left.is_empty(),
        "unjustified compose-lint findings: {left:#?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn gixy_finds_nothing_in_any_nginx_config() {
    let Some(gixy) = require_tool("gixy", "gixy_finds_nothing") else {
        return;
    };
    let dir = emit_examples("scan-nginx");
    let files = files_named(&dir, "nginx.conf");
    assert!(files.len() >= 40, "only {} configs", files.len());
    for file in files {
        let output = Command::new(&gixy)
            .args(["-f", "json"])
            .arg(&file)
            .output()
            .unwrap();
        let findings: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "{}: {e}: {}",
                file.display(),
                String::from_utf8_lossy(&output.stderr)
            )
        });
        assert_eq!(findings, Value::Array(Vec::new()), "{}", file.display());
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn checkov_fails_no_unjustified_check_on_any_terraform_module() {
    let Some(checkov) = require_tool("checkov", "checkov_fails_no_unjustified_check") else {
        return;
    };
    let dir = emit_examples("scan-terraform");
    let output = Command::new(checkov)
        .arg("-d")
        .arg(&dir)
        .args([
            "--framework",
            "terraform",
            "--compact",
            "--skip-download",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    let reports = match report {
        Value::Array(items) => items,
        one => vec![one],
    };
    let mut findings = Vec::new();
    let mut passed = 0;
    for report in &reports {
        passed += report["summary"]["passed"].as_u64().unwrap_or(0);
        for check in report["results"]["failed_checks"]
            .as_array()
            .into_iter()
            .flatten()
        {
            findings.push((
                check["check_id"].as_str().unwrap().to_string(),
                format!(
                    "{} {}",
                    check["file_path"].as_str().unwrap_or(""),
                    check["resource"].as_str().unwrap_or("")
                ),
            ));
        }
    }
    assert!(
        passed > 100,
        "checkov passed only {passed} checks: did it read the modules?"
    );
    let left = unjustified(findings, &justified("docs/terraform.md"));
    assert!(left.is_empty(), "unjustified checkov failures: {left:#?}");
    std::fs::remove_dir_all(dir).unwrap();
}
