//! The catalogue of diagnostic codes (`src/diag/catalogue.rs`) against its docs and examples:
//! every code has a section in docs/diagnostics.md saying what the catalogue says, and every
//! code a config can cause is reported by the example its section names.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use svc::diag::{Cause, Code, DOCS};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// docs/diagnostics.md's sections: the code each `### `code`` heading names, and its text.
fn sections() -> Vec<(String, String)> {
    let docs = std::fs::read_to_string(repo().join(DOCS)).unwrap();
    let mut sections = Vec::new();
    for part in docs.split("\n### ").skip(1) {
        let (heading, body) = part.split_once('\n').unwrap_or((part, ""));
        let code = heading
            .strip_prefix('`')
            .and_then(|h| h.strip_suffix('`'))
            .unwrap_or_else(|| panic!("a section heading is a code in backticks: `{heading}`"));
        let body = body.split("\n## ").next().unwrap_or("");
        sections.push((code.to_string(), body.trim().to_string()));
    }
    sections
}

/// The section a code's docs anchor (`docs/diagnostics.md#<code>`) leads to: GitHub names a
/// heading's anchor after its text, backticks dropped.
fn section(code: Code) -> String {
    let anchor = code.docs_anchor();
    let (file, fragment) = anchor.split_once('#').unwrap();
    assert_eq!(file, DOCS, "`{code}`'s anchor is in the diagnostics docs");
    sections()
        .into_iter()
        .find(|(name, _)| name == fragment)
        .map(|(_, body)| body)
        .unwrap_or_else(|| panic!("{DOCS} has no section for `{code}`"))
}

#[test]
fn every_code_has_one_section_in_the_catalogues_order_and_every_section_a_code() {
    let documented: Vec<String> = sections().into_iter().map(|(code, _)| code).collect();
    let catalogue: Vec<String> = Code::ALL.iter().map(|c| c.to_string()).collect();
    assert_eq!(
        documented, catalogue,
        "{DOCS}'s sections against the catalogue"
    );
    let unique: BTreeSet<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(unique.len(), Code::ALL.len(), "every code is spelt once");
}

#[test]
fn every_section_opens_with_the_catalogues_meaning() {
    for &code in Code::ALL {
        let body = section(code);
        let first = body.split("\n\n").next().unwrap_or("").replace('\n', " ");
        assert_eq!(first, code.meaning(), "the meaning of `{code}` in {DOCS}");
    }
}

/// The example directories a section links to.
fn linked_examples(body: &str) -> Vec<String> {
    body.match_indices("](../examples/invalid/")
        .map(|(at, found)| {
            let rest = &body[at + found.len()..];
            rest[..rest.find('/').unwrap()].to_string()
        })
        .collect()
}

/// The codes `svc check` reports for an example, from its reviewed snapshot (the snapshot test
/// holds the snapshot to what svc prints).
fn reported_codes(example: &str) -> BTreeSet<String> {
    let path = repo().join(format!("snapshots/check-{example}.snap"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter_map(|line| {
            let rest = ["error[", "warning[", "note["]
                .iter()
                .find_map(|prefix| line.strip_prefix(prefix))?;
            Some(rest[..rest.find(']')?].to_string())
        })
        .collect()
}

#[test]
fn every_code_a_config_causes_is_reported_by_the_example_its_section_names() {
    for &code in Code::ALL.iter().filter(|c| c.cause() == Cause::Config) {
        let examples = linked_examples(&section(code));
        assert!(
            !examples.is_empty(),
            "{DOCS}: `{code}` names no example under examples/invalid/"
        );
        for example in examples {
            assert!(
                repo().join("examples/invalid").join(&example).is_dir(),
                "{DOCS}: `{code}` links to examples/invalid/{example}, which does not exist"
            );
            assert!(
                reported_codes(&example).contains(code.as_str()),
                "examples/invalid/{example} does not report `{code}`, which {DOCS} says it shows"
            );
        }
    }
}

#[test]
fn every_invalid_example_reports_only_catalogued_codes() {
    let known: BTreeSet<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    let examples = std::fs::read_dir(repo().join("examples/invalid")).unwrap();
    for entry in examples {
        let name = entry.unwrap().file_name().into_string().unwrap();
        for code in reported_codes(&name) {
            assert!(known.contains(code.as_str()), "{name} reports `{code}`");
        }
    }
}

fn check_json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let output = Command::new(env!("CARGO_BIN_EXE_svc"))
        .current_dir(dir)
        .args(["check", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "a usage error exits 2");
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn the_codes_of_the_command_line_are_reported_as_their_sections_say() {
    let empty = std::env::temp_dir().join(format!("svc-diagnostics-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let shown = [
        (Code::NoConfig, check_json(&empty, &[])),
        (
            Code::UnreadableConfig,
            check_json(&empty, &["--config", "missing/vercel.json"]),
        ),
    ];
    std::fs::remove_dir_all(&empty).unwrap();
    let invocation: BTreeSet<Code> = Code::ALL
        .iter()
        .copied()
        .filter(|c| c.cause() == Cause::Invocation)
        .collect();
    assert_eq!(
        invocation,
        shown.iter().map(|(code, _)| *code).collect(),
        "every code of the command line is shown here"
    );
    for (code, report) in shown {
        assert_eq!(report["diagnostics"][0]["code"], code.as_str());
        assert!(
            section(code).contains("- Shown by: `svc check"),
            "{DOCS}: `{code}` says how to show it"
        );
    }
}

#[test]
fn a_bug_is_documented_as_one() {
    for &code in Code::ALL.iter().filter(|c| c.cause() == Cause::Internal) {
        assert!(
            section(code).contains("A bug in svc"),
            "{DOCS}: `{code}` says it is a bug in svc"
        );
    }
}
