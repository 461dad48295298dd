//! The command line as users run it: exit codes, where output goes, and the seed example.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::copy_dir;

fn svc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_svc"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// A scratch copy of an example, so a test can edit its config.
fn copy_example(name: &str, test: &str) -> PathBuf {
    let to = std::env::temp_dir().join(format!("svc-cli-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&to);
    copy_dir(&Path::new("examples").join(name), &to);
    to
}

#[test]
fn the_seed_example_checks_clean() {
    let output = svc(&["check", "-c", "examples/seed/vercel.json"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        "ok: 2 services (1 public, 1 private), 1 binding\n"
    );
    assert_eq!(text(&output.stderr), "");
}

#[test]
fn the_graph_shows_what_the_scheduler_requests_and_runs_and_what_nothing_reaches() {
    let output = svc(&["graph", "-c", "examples/legacy-background/vercel.json"]);
    assert_eq!(output.status.code(), Some(0));
    let mermaid = text(&output.stdout);
    for line in [
        "s1[/\"cleanup<br/>cron · python · :8000\"/]",
        "s3[/\"mailer<br/>worker · python\"/]",
        "scheduler -- \"0 3 * * *\" --> s1",
        "scheduler -- \"15 2 * * *\" --> s4",
    ] {
        assert!(mermaid.contains(line), "missing {line:?}:\n{mermaid}");
    }
    assert!(
        !mermaid.contains("--> s3"),
        "nothing reaches the worker:\n{mermaid}"
    );
    let crons = text(
        &svc(&[
            "graph",
            "-c",
            "examples/crons/vercel.json",
            "--format",
            "dot",
        ])
        .stdout,
    );
    assert!(
        crons.contains(
            "scheduler -> internet [style=dotted, label=\"0 5 * * * /api/cron/daily-report\"]"
        ),
        "{crons}"
    );
}

#[test]
fn the_seed_graph_shows_the_public_frontend_the_private_backend_and_the_binding() {
    let output = svc(&["graph", "-c", "examples/seed/vercel.json"]);
    assert_eq!(output.status.code(), Some(0));
    let mermaid = text(&output.stdout);
    assert!(
        mermaid.contains("s1[\"my_frontend<br/>public · nextjs · :3000\"]"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("s0[/\"my_backend<br/>private · fastapi · :8000\"/]"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("internet -- \"/(.*)\" --> s1"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("s1 -. \"BACKEND_INTERNAL_URL\" .-> s0"),
        "{mermaid}"
    );
    assert!(
        !mermaid.contains("--> s0"),
        "no public edge may reach the backend:\n{mermaid}"
    );

    let dot = text(
        &svc(&[
            "graph",
            "-c",
            "examples/seed/vercel.json",
            "--format",
            "dot",
        ])
        .stdout,
    );
    assert!(dot.contains("internet -> s1 [label=\"/(.*)\"]"), "{dot}");
    assert!(
        dot.contains("s1 -> s0 [style=dashed, label=\"BACKEND_INTERNAL_URL\"]"),
        "{dot}"
    );
    assert!(dot.contains("s0 [shape=box, style=dashed"), "{dot}");
    assert!(!dot.contains("internet -> s0"), "{dot}");
}

#[test]
fn services_whose_names_differ_only_in_separators_get_distinct_graph_nodes() {
    let dir = copy_example("seed", "graph-ids");
    std::fs::write(
        dir.join("vercel.json"),
        r#"{ "services": { "a-b": { "root": ".", "framework": "vite" }, "a__b": { "root": ".", "framework": "vite" } },
             "rewrites": [{ "source": "/(.*)", "destination": { "service": "a-b" } }] }"#,
    )
    .unwrap();
    let output = svc(&["graph", "-c", dir.join("vercel.json").to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let mermaid = text(&output.stdout);
    assert!(mermaid.contains("s0[\"a-b<br/>public"), "{mermaid}");
    assert!(mermaid.contains("s1[/\"a__b<br/>private"), "{mermaid}");
    assert!(
        mermaid.contains("internet -- \"/(.*)\" --> s0\n"),
        "{mermaid}"
    );
    assert!(!mermaid.contains("--> s1"), "{mermaid}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_misspelled_binding_target_points_at_the_value_and_suggests_the_service() {
    let dir = copy_example("seed", "typo");
    let config = dir.join("vercel.json");
    let original = std::fs::read_to_string(&config).unwrap();
    let edited = original.replace("\"service\": \"my_backend\"", "\"service\": \"my_backnd\"");
    std::fs::write(&config, &edited).unwrap();
    let (line, column) = position_of(&edited, "\"my_backnd\"");

    let output = svc(&["check", "-c", config.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(&format!("vercel.json:{line}:{column}")),
        "{stderr}"
    );
    assert!(
        stderr.contains("help: did you mean `my_backend`?"),
        "{stderr}"
    );

    let json = svc(&["check", "-c", config.to_str().unwrap(), "--format", "json"]);
    assert_eq!(json.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let diagnostic = &report["diagnostics"][0];
    assert_eq!(diagnostic["code"], "unknown-service");
    assert_eq!(
        diagnostic["key"],
        "services.my_frontend.bindings[0].service"
    );
    assert_eq!(diagnostic["location"]["line"], line);
    assert_eq!(diagnostic["location"]["column"], column);
    assert_eq!(diagnostic["help"], "did you mean `my_backend`?");
    std::fs::remove_dir_all(dir).unwrap();
}

/// 1-based line and column of the first occurrence of `needle`.
fn position_of(text: &str, needle: &str) -> (usize, usize) {
    let offset = text.find(needle).unwrap();
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

#[test]
fn json_format_reports_every_diagnostic_on_stdout_and_nothing_on_stderr() {
    let output = svc(&[
        "check",
        "-c",
        "examples/invalid/unknown-keys/vercel.json",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(text(&output.stderr), "");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["errors"], 5);
    let codes: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "unknown-key",
            "legacy-service-key",
            "unknown-key",
            "unknown-key",
            "unknown-key",
            "ignored-keys"
        ]
    );
}

#[test]
fn ignored_top_level_keys_get_one_note_on_stderr_only() {
    let dir = copy_example("seed", "ignored");
    let config = dir.join("vercel.json");
    let original = std::fs::read_to_string(&config).unwrap();
    let edited = original.replacen('{', "{\n  \"regions\": [\"iad1\"],\n  \"images\": {},", 1);
    std::fs::write(&config, edited).unwrap();
    let output = svc(&["check", "-c", config.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let stderr = text(&output.stderr);
    assert_eq!(stderr.matches("note[ignored-keys]").count(), 1, "{stderr}");
    assert!(stderr.contains("`images`, `regions`"), "{stderr}");
    assert!(text(&output.stdout).starts_with("ok:"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_deprecated_alias_reads_like_services() {
    let dir = copy_example("seed", "alias");
    let config = dir.join("vercel.json");
    let original = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        original.replace("\"services\"", "\"experimentalServicesV2\""),
    )
    .unwrap();
    let output = svc(&["check", "-c", config.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn usage_errors_exit_2() {
    let missing = svc(&["check", "-c", "examples/does-not-exist/vercel.json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        text(&missing.stderr).starts_with("error: cannot read examples/does-not-exist/vercel.json")
    );
    assert_eq!(svc(&["check", "--format", "xml"]).status.code(), Some(2));
    assert_eq!(svc(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn emit_compiles_the_config_first_then_prints_every_target() {
    let all = svc(&["emit", "--target", "all", "-c", "examples/seed/vercel.json"]);
    assert_eq!(all.status.code(), Some(0));
    let printed = text(&all.stdout);
    for file in [
        "compose/compose.yaml",
        "nginx/nginx.conf",
        "terraform/versions.tf",
    ] {
        assert!(
            printed.contains(&format!(
                "# file: {file}\n# Generated by svc from examples/seed/vercel.json."
            )),
            "{file}"
        );
    }
    let terraform = svc(&[
        "emit",
        "--target",
        "terraform",
        "-c",
        "examples/seed/vercel.json",
    ]);
    assert_eq!(terraform.status.code(), Some(0));
    let module = text(&terraform.stdout);
    assert!(
        module.starts_with("# file: README.md\n"),
        "several files, each named"
    );
    assert!(
        module.contains("\n# file: versions.tf\n")
            && module.contains("\n# file: gateway/nginx.conf\n")
            && module.contains("\n# file: dockerfiles/my_frontend.Dockerfile\n")
    );
    let invalid = svc(&[
        "emit",
        "--target",
        "nginx",
        "-c",
        "examples/invalid/roots/vercel.json",
    ]);
    assert_eq!(invalid.status.code(), Some(1), "config errors come first");
    let nginx = svc(&[
        "emit",
        "--target",
        "nginx",
        "-c",
        "examples/seed/vercel.json",
    ]);
    assert_eq!(nginx.status.code(), Some(0));
    assert!(text(&nginx.stdout).starts_with("# Generated by svc from examples/seed/vercel.json. Do not edit: changes are overwritten.\n# Regenerate with: svc emit --target nginx -c examples/seed/vercel.json\nworker_processes auto;"));
    let compose = svc(&[
        "emit",
        "--target",
        "compose",
        "-c",
        "examples/seed/vercel.json",
    ]);
    assert_eq!(compose.status.code(), Some(0));
    assert!(text(&compose.stdout).contains("\nname: seed\n"));
}

#[test]
fn every_command_has_help_with_an_example() {
    for command in ["check", "graph", "emit"] {
        let output = svc(&[command, "--help"]);
        assert_eq!(output.status.code(), Some(0));
        let help = text(&output.stdout);
        assert!(help.contains("Examples:\n  svc "), "{command}: {help}");
        assert!(help.contains("--config <PATH>"), "{command}: {help}");
    }
}

#[test]
fn the_same_config_in_json_and_yaml_lowers_to_the_same_project() {
    let dir = copy_example("seed", "yaml");
    let yaml = "\
services:
  my_frontend:
    root: frontend/
    framework: nextjs
    bindings:
      - type: service
        service: my_backend
        format: url
        env: BACKEND_INTERNAL_URL
  my_backend:
    root: backend/
    entrypoint: main:app
rewrites:
  - source: /(.*)
    destination: { service: my_frontend }
";
    std::fs::write(dir.join("vercel.yaml"), yaml).unwrap();
    let from_json = svc::compile::compile(&dir.join("vercel.json"))
        .unwrap()
        .project
        .unwrap();
    let from_yaml = svc::compile::compile(&dir.join("vercel.yaml"))
        .unwrap()
        .project
        .unwrap();
    assert_eq!(
        serde_json::to_value(&*from_json).unwrap(),
        serde_json::to_value(&*from_yaml).unwrap()
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_byte_order_mark_is_ignored_and_columns_stay_right() {
    let dir = copy_example("seed", "bom");
    let config = dir.join("vercel.json");
    let original = std::fs::read_to_string(&config).unwrap();
    let edited = original.replace("\"service\": \"my_backend\"", "\"service\": \"my_backnd\"");
    std::fs::write(
        &config,
        [b"\xEF\xBB\xBF".as_slice(), edited.as_bytes()].concat(),
    )
    .unwrap();
    let (line, column) = position_of(&edited, "\"my_backnd\"");
    let output = svc(&["check", "-c", config.to_str().unwrap()]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("vercel.json:{line}:{column}")),
        "{stderr}"
    );
    assert_eq!(stderr.matches("error[").count(), 1, "{stderr}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// Every example, valid or not: `svc check` passes exactly when `svc emit --target all` does,
/// and what emit refuses, check reports once.
#[test]
fn check_passes_exactly_the_configs_every_target_emits() {
    let out = std::env::temp_dir().join(format!("svc-cli-{}-parity", std::process::id()));
    let mut examples: Vec<PathBuf> = Vec::new();
    for dir in ["examples", "examples/invalid"] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let config = support::example_config(&path);
            examples.extend(config);
        }
    }
    assert!(examples.len() > 60, "only {} examples", examples.len());
    let mut refused_by_emit = 0;
    for config in &examples {
        let config = config.to_str().unwrap();
        let check = svc(&["check", "-c", config]);
        let emit = svc(&[
            "emit",
            "-c",
            config,
            "--target",
            "all",
            "--out",
            out.to_str().unwrap(),
            "--force",
        ]);
        assert_eq!(
            check.status.success(),
            emit.status.success(),
            "{config}: check says {}, emit says {}",
            text(&check.stderr),
            text(&emit.stderr)
        );
        if !emit.status.success() && check.status.code() == emit.status.code() {
            refused_by_emit += 1;
            for line in text(&emit.stderr)
                .lines()
                .filter(|l| l.starts_with("error["))
            {
                assert!(
                    text(&check.stderr).contains(line),
                    "{config}: emit reports `{line}`, check does not"
                );
                assert_eq!(
                    text(&emit.stderr).matches(line).count(),
                    text(&check.stderr).matches(line).count(),
                    "{config}: `{line}` is reported a different number of times"
                );
            }
        }
    }
    assert!(refused_by_emit > 10, "only {refused_by_emit} refused");
    let _ = std::fs::remove_dir_all(out);
}

/// `svc emit | head`: a reader that stops early ends the output quietly, without a panic.
#[test]
fn a_reader_that_stops_early_ends_the_output_quietly() {
    use std::io::Read;
    // About 270 KB: far more than a pipe holds, so svc is still writing when the pipe closes.
    let args = [
        "emit",
        "-c",
        "examples/apps-legacy/vercel.json",
        "--target",
        "all",
    ];
    let mut child = Command::new(env!("CARGO_BIN_EXE_svc"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The pipe closes here, with most of the output unread.
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(
        !text(&output.stderr).contains("panicked"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn check_in_json_reports_a_missing_config_as_json() {
    let output = svc(&[
        "check",
        "--format",
        "json",
        "-c",
        "examples/no-such/vercel.json",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["errors"], 1);
    assert_eq!(report["diagnostics"][0]["code"], "unreadable-config");
    assert_eq!(text(&output.stderr), "");
}

/// A secret's value lives where the stack runs: no target writes it, whatever sits beside the
/// config.
#[test]
fn a_secrets_value_never_appears_in_any_generated_file() {
    let project = copy_example("shop", "secret-values");
    let canary = "sk_live_canary_5f3a9c";
    std::fs::write(
        project.join(".env"),
        format!("STRIPE_KEY={canary}\nVERCEL_AI_GATEWAY_API_KEY={canary}\n"),
    )
    .unwrap();
    let out = project.join("deploy");
    let config = project.join("vercel.json");
    let output = svc(&[
        "emit",
        "-c",
        config.to_str().unwrap(),
        "--target",
        "all",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let mut read = 0;
    let mut pending = vec![out.clone()];
    let mut all = String::new();
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let content = std::fs::read_to_string(&path).unwrap();
                assert!(
                    !content.contains(canary),
                    "{} holds the secret",
                    path.display()
                );
                all.push_str(&content);
                read += 1;
            }
        }
    }
    assert!(read > 5, "only {read} files");
    // Each target refers to the secret by name instead.
    assert!(all.contains("STRIPE_KEY: \"${STRIPE_KEY:?"), "compose");
    assert!(
        all.contains("var.secrets[\"api\"][\"STRIPE_KEY\"]"),
        "terraform"
    );
    let _ = std::fs::remove_dir_all(project);
}
