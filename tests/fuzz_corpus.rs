//! Replays every input kept in `fuzz/corpus/` (and every crash kept in `fuzz/regressions/`)
//! through the same invariants the fuzz targets check, so `cargo test` guards what fuzzing
//! found without a nightly toolchain.

mod fuzz_support;

use arbitrary::{Arbitrary, Unstructured};
use fuzz_support::config_input::ConfigInput;
use fuzz_support::invariants;
use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut files = Vec::new();
    for dir in [
        root.join("corpus").join(target),
        root.join("regressions").join(target),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        files.extend(
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_file()),
        );
    }
    files.sort();
    files
}

/// Replays every input; returns how many `check` says went all the way.
fn replay(target: &str, check: impl Fn(&[u8]) -> bool) -> usize {
    let files = inputs(target);
    assert!(
        !files.is_empty(),
        "no corpus for {target}: fuzz/corpus/{target} is empty"
    );
    let mut through = 0;
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&bytes)));
        match outcome {
            Ok(went_through) => through += usize::from(went_through),
            Err(_) => panic!("{} broke an invariant of {target}", file.display()),
        }
    }
    through
}

/// How many of the pipeline corpus's inputs reach emit, at least: 601 of its 2,862 did when
/// this was set; the margin lets the corpus change without tripping it.
const MIN_EMITTED: usize = 500;

#[test]
fn json_corpus_reads_and_parses() {
    replay("read_json", |bytes| {
        invariants::read_and_parse(bytes, "vercel.json");
        true
    });
}

#[test]
fn yaml_corpus_reads_and_parses() {
    replay("read_yaml", |bytes| {
        invariants::read_and_parse(bytes, "vercel.yaml");
        true
    });
}

#[test]
fn pipeline_corpus_emits_outputs_that_reparse() {
    let emitted = replay("pipeline", |bytes| {
        ConfigInput::arbitrary_take_rest(Unstructured::new(bytes))
            .is_ok_and(|input| invariants::pipeline(&input))
    });
    // The invariants on emitted files hold only as far as inputs reach emit: a corpus that
    // stopped reaching it (a stricter check, a changed input format) would pass while
    // guarding nothing.
    assert!(
        emitted >= MIN_EMITTED,
        "only {emitted} pipeline inputs reached emit (at least {MIN_EMITTED} should)"
    );
}
