//! How svc builds a service that brings neither an image nor a Dockerfile: the recipe Vercel's
//! builder for it would follow, decided from the service's framework, runtime, entrypoint and
//! workload and from the project's files (manifests and lockfiles found where Vercel's builders
//! look: next to the entrypoint, then up to the project directory). When the files do not say
//! enough, the plan says why and which `framework` values would settle it.

pub mod files;
mod go;
mod images;
mod node;
mod python;
mod site;
pub mod versions;

pub use images::BaseImages;

use crate::ir::{BuildPlan, Entrypoint, Recipe, RecipeKind, Runtime, Service, Unbuildable};
use files::{Tree, join, parent};

/// What every planner reads: the project's files, the service, and where base images come from.
pub struct Input<'a> {
    pub tree: Tree<'a>,
    pub service: &'a Service,
    pub images: &'a BaseImages,
}

impl Input<'_> {
    /// The server a static site runs in.
    pub fn static_server(&self) -> crate::ir::StaticServer {
        crate::ir::StaticServer {
            image: self.images.get("static", ""),
        }
    }

    /// The service's root, relative to the project.
    fn root(&self) -> &str {
        &self.service.root
    }

    /// The directory the framework was detected in: a directory entrypoint, else the root.
    fn framework_dir(&self) -> String {
        match &self.service.entrypoint {
            Some(Entrypoint::Directory { path }) => join(self.root(), path),
            _ => self.root().to_string(),
        }
    }

    /// The entrypoint's file, relative to the project.
    fn entry_file(&self) -> Option<String> {
        match &self.service.entrypoint {
            Some(Entrypoint::File { path }) => Some(join(self.root(), path)),
            Some(Entrypoint::Module { file, .. }) => Some(join(self.root(), file)),
            _ => None,
        }
    }

    /// The directory holding the entrypoint, or the framework directory without one.
    fn entry_dir(&self) -> String {
        self.entry_file()
            .map_or_else(|| self.framework_dir(), |file| parent(&file))
    }

    /// The entrypoint's workspace (see [`workspace`]) for `runtime`.
    fn workspace(&self, runtime: Runtime) -> String {
        workspace(self.tree, self.root(), &self.entry_dir(), runtime)
    }
}

/// The files that make a directory a project of a runtime, as Vercel's service resolution
/// knows them.
pub fn manifests(runtime: Runtime) -> &'static [&'static str] {
    match runtime {
        Runtime::Node => &["package.json"],
        Runtime::Python => &[
            "pyproject.toml",
            "requirements.txt",
            "Pipfile",
            "pylock.toml",
            "uv.lock",
            "setup.py",
        ],
        Runtime::Go => &["go.mod"],
        Runtime::Ruby => &["Gemfile"],
        Runtime::Rust => &["Cargo.toml"],
        Runtime::Container | Runtime::Frontend | Runtime::Static => &[],
    }
}

/// The nearest directory from `from` up to `root` holding one of `runtime`'s manifests:
/// Vercel's workspace of a file entrypoint. `root` when none does.
pub fn workspace(tree: Tree, root: &str, from: &str, runtime: Runtime) -> String {
    let root = files::normal(root);
    let manifests = manifests(runtime);
    files::Tree::ancestors(from)
        .into_iter()
        .take_while(|dir| files::contains(&root, dir))
        .find(|dir| manifests.iter().any(|m| tree.is_file(&join(dir, m))))
        .unwrap_or(root)
}

/// The plan for a service, or `None` when it needs none (an image, or its own Dockerfile).
pub fn plan(input: &Input) -> Option<BuildPlan> {
    let service = input.service;
    if service.image.is_some() || service.runtime == Runtime::Container {
        return None;
    }
    Some(match recipe(input).and_then(copyable) {
        Ok(recipe) => BuildPlan::Recipe(recipe),
        Err(unbuildable) => BuildPlan::Unbuildable(unbuildable),
    })
}

/// The paths a Dockerfile names as words (`COPY`, `WORKDIR`) are letters, digits and
/// `. _ - / @ +`: anything else could be read as a variable, a glob or a second word.
fn copyable(recipe: Recipe) -> Result<Recipe, Unbuildable> {
    let odd = [&recipe.context, &recipe.workdir]
        .into_iter()
        .chain(recipe.manifests())
        .find(|path| !files::is_plain_path(path));
    match odd {
        None => Ok(recipe),
        Some(path) => Err(Unbuildable::new(format!(
            "the path `{path}` has characters svc does not write into a Dockerfile"
        ))
        .fix("rename it with letters, digits and `. _ - / @ +` only")),
    }
}

fn recipe(input: &Input) -> Result<Recipe, Unbuildable> {
    let service = input.service;
    match (service.runtime, service.framework.as_deref()) {
        (_, Some("nextjs")) => node::next(input),
        (Runtime::Frontend, Some(framework)) => site::framework_site(input, framework),
        (Runtime::Static, _) => site::plain(input),
        (Runtime::Node, _) => node::server(input),
        (Runtime::Python, _) => python::plan(input),
        (Runtime::Go, _) => go::plan(input),
        (Runtime::Ruby, _) => Err(Unbuildable::new(
            "svc does not build Ruby (Rack) services yet; Vercel runs them with its own Ruby runtime",
        )),
        (Runtime::Rust, _) => Err(Unbuildable::new("svc does not build Rust services yet")),
        (Runtime::Container | Runtime::Frontend, _) => Err(Unbuildable::new(
            "no framework or runtime says how to build it",
        )),
    }
}

/// A recipe whose context is `context` and workdir `workdir`, both relative to the project.
fn recipe_in(context: &str, workdir: &str, kind: RecipeKind) -> Recipe {
    Recipe {
        context: files::normal(context),
        workdir: files::relative(context, workdir),
        kind,
    }
}

/// The higher of two directories, one containing the other.
fn outer(a: &str, b: &str) -> String {
    if files::contains(a, b) {
        files::normal(a)
    } else {
        files::normal(b)
    }
}
