//! `cargo bench`: each stage of the pipeline (read, parse, lower, check) and each registered
//! target's emit, on the synthetic project (benches/support/synth.rs) at 10, 100, 1,000 and
//! 10,000 services.
//! Timings only; the targets svc must meet are in docs/performance.md, measured whole-process
//! by scripts/bench.sh.

#[path = "support/synth.rs"]
mod synth;

use std::path::PathBuf;
use std::sync::OnceLock;
use svc::diag::Diagnostics;
use svc::emit::registry::{Run, TARGETS, Target};
use svc::parse::decode::Decoder;
use svc::source::SourceMap;

const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];

fn main() {
    divan::main();
}

/// The synthetic project of `n` services, written once per run.
fn project_dir(n: usize) -> PathBuf {
    static DIRS: OnceLock<std::sync::Mutex<std::collections::BTreeMap<usize, PathBuf>>> =
        OnceLock::new();
    let dirs = DIRS.get_or_init(Default::default);
    let mut dirs = dirs.lock().unwrap();
    dirs.entry(n)
        .or_insert_with(|| {
            let dir = std::env::temp_dir()
                .join(format!("svc-bench-{}", std::process::id()))
                .join(n.to_string());
            synth::write(n, &dir).unwrap();
            dir
        })
        .clone()
}

fn config(n: usize) -> PathBuf {
    project_dir(n).join("vercel.json")
}

/// The config of `n` services read into its tree (the input of the parse stage).
fn tree(n: usize) -> (svc::source::FileId, svc::read::Node) {
    let mut sources = SourceMap::default();
    let file = sources.add(svc::read::load(&config(n)).unwrap());
    let tree = svc::read::parse_tree(sources.get(file), file, &mut Diagnostics::default());
    (file, tree.unwrap())
}

/// The parsed config of `n` services (the input of the lower stage).
fn raw_config(n: usize) -> (svc::source::FileId, svc::parse::raw::RawConfig) {
    let (file, tree) = tree(n);
    let raw = svc::parse::parse_config(&tree, &mut Decoder::new(file, &mut Diagnostics::default()));
    (file, raw)
}

#[divan::bench(args = SIZES, sample_count = 10, sample_size = 1)]
fn read(bencher: divan::Bencher, n: usize) {
    let path = config(n);
    bencher.bench(|| {
        let mut sources = SourceMap::default();
        let mut diags = Diagnostics::default();
        let file = sources.add(svc::read::load(&path).unwrap());
        svc::read::parse_tree(sources.get(file), file, &mut diags)
    });
}

#[divan::bench(args = SIZES, sample_count = 10, sample_size = 1)]
fn parse(bencher: divan::Bencher, n: usize) {
    let (file, tree) = tree(n);
    bencher.bench_local(|| {
        let mut diags = Diagnostics::default();
        svc::parse::parse_config(&tree, &mut Decoder::new(file, &mut diags))
    });
}

#[divan::bench(args = SIZES, sample_count = 10, sample_size = 1)]
fn lower(bencher: divan::Bencher, n: usize) {
    let (file, raw) = raw_config(n);
    let dir = project_dir(n);
    bencher.bench_local(|| {
        let mut diags = Diagnostics::default();
        svc::lower::lower(&raw, file, None, &dir, &mut diags)
    });
}

#[divan::bench(args = SIZES, sample_count = 10, sample_size = 1)]
fn check(bencher: divan::Bencher, n: usize) {
    let (file, raw) = raw_config(n);
    let project = svc::lower::lower(
        &raw,
        file,
        None,
        &project_dir(n),
        &mut Diagnostics::default(),
    );
    bencher
        .with_inputs(|| project.clone())
        .bench_local_values(|project| {
            let mut diags = Diagnostics::default();
            svc::check::check(project, &mut diags)
        });
}

/// The checked project and its settings, compiled once per size.
fn compiled(n: usize) -> svc::compile::Compilation {
    let compilation = svc::compile::compile(&config(n)).unwrap();
    assert!(
        compilation.project.is_some(),
        "the synthetic project of {n} services checks clean"
    );
    compilation
}

/// One target at one size.
struct EmitCase {
    target: Target,
    services: usize,
}

impl std::fmt::Display for EmitCase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.target.name, self.services)
    }
}

/// Every registered target at every size, as `svc emit --target <name>` runs it.
fn emit_cases() -> Vec<EmitCase> {
    TARGETS
        .iter()
        .flat_map(|&target| SIZES.map(|services| EmitCase { target, services }))
        .collect()
}

#[divan::bench(args = emit_cases(), sample_count = 10, sample_size = 1)]
fn emit(bencher: divan::Bencher, case: &EmitCase) {
    let compilation = compiled(case.services);
    let project = compilation.project.as_ref().unwrap();
    let config_path = config(case.services);
    let target_dir = project_dir(case.services);
    let run = Run {
        project,
        settings: &compilation.settings,
        config_path: &config_path,
        target_dir: &target_dir,
        side_by_side: 1,
    };
    bencher.bench_local(|| (case.target.emit)(&run));
}
