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

fn replay(target: &str, check: impl Fn(&[u8])) {
    let files = inputs(target);
    assert!(
        !files.is_empty(),
        "no corpus for {target}: fuzz/corpus/{target} is empty"
    );
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&bytes)));
        assert!(
            outcome.is_ok(),
            "{} broke an invariant of {target}",
            file.display()
        );
    }
}

#[test]
fn json_corpus_reads_and_parses() {
    replay("read_json", |bytes| {
        invariants::read_and_parse(bytes, "vercel.json")
    });
}

#[test]
fn yaml_corpus_reads_and_parses() {
    replay("read_yaml", |bytes| {
        invariants::read_and_parse(bytes, "vercel.yaml")
    });
}

#[test]
fn pipeline_corpus_emits_outputs_that_reparse() {
    replay("pipeline", |bytes| {
        if let Ok(input) = ConfigInput::arbitrary_take_rest(Unstructured::new(bytes)) {
            invariants::pipeline(&input);
        }
    });
}
