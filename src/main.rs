//! The `svc` command line: parses arguments, runs the library, renders diagnostics and picks
//! the exit code. Nothing else prints or exits.

use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use svc::compile::{Compilation, compile};
use svc::diag::Code;
use svc::emit::registry::{TARGETS, Target};
use svc::emit::request::Request;
use svc::read::discover_config;

/// svc allocates many small strings and trees and frees them all at once; mimalloc does that
/// in about half the time of glibc's allocator (see docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes: 0 clean (warnings allowed), 1 config errors, 2 usage errors.
const EXIT_CONFIG: u8 = 1;
const EXIT_USAGE: u8 = 2;

#[derive(Parser)]
#[command(
    name = "svc",
    version,
    about = "Compile a Vercel services config (vercel.json) into deployable infrastructure",
    after_help = "Examples:\n  svc check -c examples/seed/vercel.json\n  svc graph --format dot\n  svc emit --target nginx --out deploy/"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct ConfigArg {
    /// The config file [default: ./vercel.json, then ./vercel.jsonc, then ./vercel.yaml]
    #[arg(short, long, value_name = "PATH")]
    config: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Validate the config and report every problem
    #[command(
        after_help = "Examples:\n  svc check\n  svc check -c examples/seed/vercel.json --format json"
    )]
    Check {
        #[command(flatten)]
        config: ConfigArg,
        #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
        format: CheckFormat,
    },
    /// Draw the services graph: public routes from the internet, bindings between services
    #[command(
        after_help = "Examples:\n  svc graph > graph.mmd\n  svc graph --format dot | dot -Tsvg > graph.svg"
    )]
    Graph {
        #[command(flatten)]
        config: ConfigArg,
        #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
        format: GraphFormat,
    },
    /// Generate infrastructure for a target
    #[command(
        after_help = "Examples:\n  svc emit --target compose --out deploy/\n  svc emit --target all --out deploy/ --check"
    )]
    Emit {
        #[command(flatten)]
        config: ConfigArg,
        /// What to generate; repeat for several
        #[arg(long, value_parser = target_values(), required = true)]
        target: Vec<String>,
        /// Write files under DIR instead of printing to stdout
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Write nothing; fail if DIR differs from what would be written
        #[arg(long, requires = "out")]
        check: bool,
        /// Overwrite files in DIR that svc did not generate
        #[arg(long, requires = "out")]
        force: bool,
        /// Also remove files another svc command wrote in DIR (other targets)
        #[arg(long, requires = "out")]
        prune: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum CheckFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    Mermaid,
    Dot,
}

/// `--target` values: each target in the registry, and `all`.
fn target_values() -> clap::builder::PossibleValuesParser {
    let names = TARGETS.iter().map(|t| t.name).chain(["all"]);
    clap::builder::PossibleValuesParser::new(names)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { config, format } => run_check(&config, format),
        Command::Graph { config, format } => run_graph(&config, format),
        Command::Emit {
            config,
            target,
            out,
            check,
            force,
            prune,
        } => run_emit(
            &config,
            &target,
            out.as_deref(),
            Write {
                check,
                force,
                prune,
            },
        ),
    }
}

/// Compiles the config, printing diagnostics to stderr in human form. The compilation lives
/// until the process ends: freeing a large project's many small allocations one by one at exit
/// would only delay it.
fn compile_or_report(
    config: &ConfigArg,
    format: CheckFormat,
) -> Result<(PathBuf, &'static Compilation), ExitCode> {
    let path = discover_config(config.config.as_deref(), Path::new("")).map_err(usage_error)?;
    let compilation = compile(&path).map_err(usage_error)?;
    report(&compilation, format);
    Ok((path, Box::leak(Box::new(compilation))))
}

/// Writes the command's product to stdout. A reader that stops early (`svc emit | head`)
/// closes the pipe: that ends the output quietly, as it does for other Unix tools.
fn out(text: &str) -> Result<(), ExitCode> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Err(ExitCode::SUCCESS),
        Err(error) => Err(usage_error(format!("cannot write to stdout: {error}"))),
    }
}

/// A usage error (no config, unreadable file): with `--format json`, a JSON document on stdout
/// like any other run's, holding it as its one diagnostic.
fn usage_error_as(format: CheckFormat, code: Code, error: impl std::fmt::Display) -> ExitCode {
    match format {
        CheckFormat::Human => usage_error(error),
        CheckFormat::Json => {
            let mut diagnostics = svc::diag::Diagnostics::default();
            diagnostics.push(svc::diag::Diagnostic::error(code, error.to_string()));
            let sources = svc::source::SourceMap::default();
            let _ = out(&format!("{}\n", svc::render::json(&diagnostics, &sources)));
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// The compilation's diagnostics: a JSON document on stdout, or rendered on stderr.
fn report(compilation: &Compilation, format: CheckFormat) {
    match format {
        CheckFormat::Json => {
            let json = svc::render::json(&compilation.diagnostics, &compilation.sources);
            let _ = out(&format!("{json}\n"));
        }
        CheckFormat::Human => {
            let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            eprint!(
                "{}",
                svc::render::human(&compilation.diagnostics, &compilation.sources, color)
            );
        }
    }
}

fn usage_error(error: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {error}");
    ExitCode::from(EXIT_USAGE)
}

fn run_check(config: &ConfigArg, format: CheckFormat) -> ExitCode {
    let path = match discover_config(config.config.as_deref(), Path::new("")) {
        Ok(path) => path,
        Err(error) => return usage_error_as(format, Code::NoConfig, error),
    };
    let mut compilation = match compile(&path) {
        Ok(compilation) => compilation,
        Err(error) => return usage_error_as(format, Code::UnreadableConfig, error),
    };
    // What a target would refuse is the config's problem too: a project `check` passes emits.
    if compilation.project.is_some() {
        let refusals = svc::emit::request::refusals(&compilation, &path);
        if refusals.has_errors() {
            compilation.project = None;
        }
        compilation.diagnostics.extend(refusals);
    }
    report(&compilation, format);
    // Freed by the process's exit, as every command's compilation is.
    let compilation: &Compilation = Box::leak(Box::new(compilation));
    match (&compilation.project, format) {
        (Some(project), CheckFormat::Human) => {
            let access = project.access();
            let plural =
                |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
            out(&format!(
                "ok: {} ({} public, {} private), {}\n",
                plural(project.services.len(), "service"),
                access.public.len(),
                access.private.len(),
                plural(project.bindings.len(), "binding")
            ))
            .err()
            .unwrap_or(ExitCode::SUCCESS)
        }
        (Some(_), CheckFormat::Json) => ExitCode::SUCCESS,
        (None, _) => ExitCode::from(EXIT_CONFIG),
    }
}

fn run_graph(config: &ConfigArg, format: GraphFormat) -> ExitCode {
    let compilation = match compile_or_report(config, CheckFormat::Human) {
        Ok((_, c)) => c,
        Err(code) => return code,
    };
    let Some(project) = &compilation.project else {
        return ExitCode::from(EXIT_CONFIG);
    };
    let graph = match format {
        GraphFormat::Mermaid => svc::graph::mermaid(project),
        GraphFormat::Dot => svc::graph::dot(project),
    };
    out(&graph).err().unwrap_or(ExitCode::SUCCESS)
}

/// How `--out DIR` is written: `--check`, `--force`, `--prune`.
#[derive(Clone, Copy)]
struct Write {
    check: bool,
    force: bool,
    prune: bool,
}

fn run_emit(config: &ConfigArg, targets: &[String], out: Option<&Path>, write: Write) -> ExitCode {
    let (config_path, compilation) = match compile_or_report(config, CheckFormat::Human) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if compilation.project.is_none() {
        return ExitCode::from(EXIT_CONFIG);
    }
    let names = target_names(targets);
    let request = Request {
        compilation,
        config_path: &config_path,
        targets: &names,
        out,
    };
    let output = match svc::emit::request::run(&request) {
        Ok(output) => output,
        Err(diagnostics) => {
            eprint!(
                "{}",
                svc::render::human(&diagnostics, &compilation.sources, color())
            );
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    match out {
        None => {
            let code = print_files(&output.files);
            // Like the compilation, left for the process's exit to free.
            std::mem::forget(output);
            code
        }
        Some(dir) => write_or_check(dir, output, write, &request),
    }
}

/// `all` is every target; repeats count once; the order is fixed so output is stable.
fn target_names(targets: &[String]) -> Vec<Target> {
    let mut names: Vec<Target> = targets
        .iter()
        .flat_map(|name| match name.as_str() {
            "all" => TARGETS.to_vec(),
            // clap accepts only the registry's names and `all`.
            name => svc::emit::registry::named(name).into_iter().collect(),
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

fn print_files(files: &std::collections::BTreeMap<String, String>) -> ExitCode {
    let several = files.len() > 1;
    for (path, content) in files {
        // Several files on stdout: each after a comment naming it (every format svc writes
        // takes `#` comments).
        if several && let Err(code) = out(&format!("# file: {path}\n")) {
            return code;
        }
        if let Err(code) = out(content) {
            return code;
        }
    }
    ExitCode::SUCCESS
}

fn write_or_check(
    dir: &Path,
    output: svc::emit::request::Output,
    Write {
        check,
        force,
        prune,
    }: Write,
    request: &Request,
) -> ExitCode {
    let plan = match svc::write::plan(dir, output.files, prune) {
        Ok(plan) => plan,
        Err(error) => return usage_error(format!("cannot read {}: {error}", dir.display())),
    };
    let fix = regenerate_command(request, dir);
    if check {
        if plan.is_up_to_date() {
            eprintln!(
                "ok: {} is up to date ({} files)",
                dir.display(),
                plan.files.len()
            );
            return ExitCode::SUCCESS;
        }
        // A reader that stops early still learns the directory is out of date: the exit code.
        let _ = out(&svc::write::check_report(&plan));
        eprintln!(
            "error: {} is out of date; run `{fix}` to update it",
            dir.display()
        );
        return ExitCode::from(EXIT_CONFIG);
    }
    match svc::write::apply(&plan, force) {
        Ok(summary) => {
            eprintln!(
                "wrote {} files to {} ({} unchanged, {} removed)",
                summary.written.len(),
                dir.display(),
                summary.unchanged,
                summary.removed.len()
            );
            for path in &summary.left_alone {
                eprintln!("left alone (not generated by svc): {}", path.display());
            }
            if !summary.kept.is_empty() {
                eprintln!(
                    "kept {} files another svc command wrote there (its own run updates or removes them)",
                    summary.kept.len()
                );
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(EXIT_CONFIG)
        }
    }
}

/// The command that brings `dir` up to date, as the user would type it here.
fn regenerate_command(request: &Request, dir: &Path) -> String {
    let targets = svc::emit::request::target_flags(request.targets);
    let word = |p: &Path| svc::emit::request::shell_word(&p.display().to_string());
    format!(
        "svc emit{targets} -c {} --out {}",
        word(request.config_path),
        word(dir)
    )
}

fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}
