//! Go builds as Vercel's Go builder runs a service: the user's `package main` as a standalone
//! server on `$PORT`, built from the module whose go.mod is nearest the entrypoint, with the Go
//! release go.mod asks for.

use super::files::{self, join};
use super::{Input, recipe_in, versions};
use crate::ir::{Entrypoint, GoToolchain, Recipe, RecipeKind, Unbuildable};

/// Where Vercel's Go preset looks for the main package when no entrypoint is set.
const CANDIDATES: &[&str] = &["main.go", "cmd/api/main.go", "cmd/server/main.go"];

pub fn plan(input: &Input) -> Result<Recipe, Unbuildable> {
    let tree = input.tree;
    let entry = match &input.service.entrypoint {
        Some(Entrypoint::File { path }) => Some(join(input.root(), path)),
        Some(Entrypoint::Directory { path }) => Some(join(&join(input.root(), path), "main.go")),
        _ => CANDIDATES
            .iter()
            .map(|c| join(input.root(), c))
            .find(|c| tree.is_file(c)),
    };
    let Some(entry) = entry else {
        return Err(Unbuildable::new(
            "no main package: none of main.go, cmd/api/main.go or cmd/server/main.go exists",
        )
        .fix("set `entrypoint` to the main package's file, e.g. `main.go` or `cmd/api/main.go`"));
    };
    let entry_dir = files::parent(&entry);
    let Some(module) = tree.nearest(&entry_dir, "go.mod") else {
        return Err(Unbuildable::new(format!(
            "no go.mod next to `{entry}` or in a directory above it"
        ))
        .fix("add the module's go.mod (`go mod init`) beside the entrypoint or above it"));
    };
    let go_mod = tree.read(&join(&module, "go.mod")).unwrap_or_default();
    let version = versions::go_release(&go_mod).map_err(|reason| {
        Unbuildable::new(reason).fix(format!(
            "write a release Vercel's Go builder knows in go.mod's `go` line: {} to {} (or a full `X.Y.Z`)",
            versions::GO[versions::GO.len() - 1].0,
            versions::GO[0].0
        ))
    })?;
    let manifests = ["go.mod", "go.sum"]
        .iter()
        .map(|name| join(&module, name))
        .filter(|path| tree.is_file(path))
        .map(|path| files::relative(&module, &path))
        .collect();
    let package = match files::relative(&module, &entry_dir).as_str() {
        "." => ".".to_string(),
        dir => format!("./{dir}"),
    };
    Ok(recipe_in(
        &module,
        &module,
        RecipeKind::Go {
            go: GoToolchain {
                image: input.images.get("go", &version),
                runtime_image: input.images.get("go_runtime", ""),
                version,
                manifests,
                package,
                vendor: tree.is_file(&join(&module, "vendor/modules.txt")),
                build: input.service.build.build_command.clone(),
            },
        },
    ))
}
