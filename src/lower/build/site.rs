//! Static sites: a frontend framework's build served as files (Vite, Astro, Gatsby, ...), a
//! `buildCommand` with its `outputDirectory`, or files served as they are. A service is served
//! as plain files only when it is one: a root that holds code (a package.json, Python or Go
//! sources) and names no framework is refused, naming what would settle it.

use super::files::join;
use super::node::{first_script, run_script};
use super::{Input, recipe_in};
use crate::ir::{OutputDir, Recipe, RecipeKind, Unbuildable};
use crate::lower::detect::{self, Output};

/// Frontend presets whose Vercel builder does more than write static files (a server, or the
/// Build Output API), which svc does not build yet.
const SERVER_RENDERED: &[&str] = &[
    "blitzjs",
    "remix",
    "react-router",
    "solidstart-1",
    "solidstart",
    "sveltekit",
    "sveltekit-1",
    "nuxtjs",
    "redwoodjs",
    "hydrogen",
    "tanstack-start",
    "tanstack-start-lovable",
    "nitro",
    "eve",
    "ash",
    "xmcp",
    "mastra",
    "bun",
    "axum",
    "actix-web",
    "services",
];

/// Presets built by tools svc's Node images do not have.
const NOT_NODE: &[&str] = &["hugo", "jekyll", "middleman", "zola"];

/// A frontend framework's site: its build (a package.json script first, as Vercel's static
/// builder prefers), then its output directory served.
pub fn framework_site(input: &Input, framework: &str) -> Result<Recipe, Unbuildable> {
    let preset = detect::framework(framework);
    let name = preset.map_or(framework, |p| p.name);
    if SERVER_RENDERED.contains(&framework) {
        return Err(Unbuildable::new(format!(
            "svc does not build server-rendered {name} apps yet"
        )));
    }
    if NOT_NODE.contains(&framework) {
        return Err(Unbuildable::new(format!(
            "svc does not build {name} sites yet: their build needs more than Node"
        )));
    }
    let dir = input.framework_dir();
    if framework == "astro" && astro_renders_on_a_server(input, &dir) {
        return Err(Unbuildable::new(
            "astro.config sets a server `adapter` or `output: \"server\"`: svc does not build server-rendered Astro apps yet",
        ));
    }
    let mut project = super::node::project(input, &dir)?;
    let manager = project.node.package_manager.clone();
    let package = project.package.as_ref();
    // Storybook's preset ignores package.json's build script, as Vercel's does.
    let scripts_count =
        framework != "storybook" && first_script(package, &["now-build", "build"]).is_some();
    let build = match &input.service.build.build_command {
        Some(command) => Some(command.clone()),
        None if scripts_count => first_script(package, &["vercel-build", "now-build", "build"])
            .map(|script| run_script(&manager, script)),
        None => preset
            .and_then(|p| p.build_command)
            .map(String::from)
            .or_else(|| first_script(package, &["vercel-build"]).map(|s| run_script(&manager, s))),
    };
    let Some(build) = build else {
        return Err(
            Unbuildable::new("package.json has no `vercel-build` or `build` script")
                .fix("add a `build` script, or set `buildCommand`"),
        );
    };
    project.node.build = Some(build);
    if framework == "create-react-app" {
        // Vercel's static builder unsets CI for Create React App, whose build fails on lint
        // warnings under CI.
        project
            .node
            .build_env
            .insert("CI".to_string(), "false".to_string());
    }
    let output = match &input.service.build.output_directory {
        Some(dir) => OutputDir::Fixed(dir.clone()),
        None => match preset.map(|p| p.output) {
            Some(Output::Fixed(dir)) => OutputDir::Fixed(dir.to_string()),
            Some(Output::OnlySubdir(dir)) => OutputDir::OnlySubdir(dir.to_string()),
            Some(Output::Angular) => OutputDir::Angular,
            Some(Output::Polymer) => OutputDir::Polymer,
            None => OutputDir::Fixed("public".to_string()),
        },
    };
    Ok(super::node::built_site(input, project, output))
}

/// Astro renders on a server when its config names an adapter or a server output; otherwise
/// it writes a static site, as svc builds it.
fn astro_renders_on_a_server(input: &Input, dir: &str) -> bool {
    [
        "astro.config.mjs",
        "astro.config.js",
        "astro.config.ts",
        "astro.config.mts",
        "astro.config.cjs",
    ]
    .iter()
    .filter_map(|name| input.tree.read(&join(dir, name)))
    .any(|text| {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        compact.contains("adapter:")
            || compact.contains("output:\"server\"")
            || compact.contains("output:'server'")
    })
}

/// No framework and no runtime: `buildCommand` builds with Node into `outputDirectory`
/// (`public` by default, as Vercel's static builder has it); without one, the files of
/// `outputDirectory` or of the root are served as they are, when the root is a site.
pub fn plain(input: &Input) -> Result<Recipe, Unbuildable> {
    let build = &input.service.build;
    let dir = input.framework_dir();
    if let Some(command) = &build.build_command {
        let mut project = super::node::project(input, &dir)?;
        project.node.build = Some(command.clone());
        let output = build
            .output_directory
            .clone()
            .unwrap_or_else(|| "public".to_string());
        return Ok(super::node::built_site(
            input,
            project,
            OutputDir::Fixed(output),
        ));
    }
    if build.output_directory.is_none()
        && let Some((code, frameworks)) = code_in(input, &dir)
    {
        return Err(Unbuildable::new(format!(
            "no framework was detected, but `{dir}` holds {code}: svc will not serve source files as a static site"
        ))
        .frameworks(frameworks)
        .fix("for a site, set `buildCommand` and `outputDirectory`, or `outputDirectory` alone to serve one directory as it is"));
    }
    let served = build
        .output_directory
        .clone()
        .unwrap_or_else(|| ".".to_string());
    Ok(recipe_in(
        &dir,
        &dir,
        RecipeKind::Files {
            dir: served,
            server: input.static_server(),
        },
    ))
}

/// What in a root says it is an app rather than a site, and the frameworks that would build
/// such an app.
fn code_in(input: &Input, dir: &str) -> Option<(&'static str, &'static [&'static str])> {
    const NODE: &[&str] = &[
        "nextjs",
        "vite",
        "astro",
        "create-react-app",
        "express",
        "hono",
        "node",
    ];
    const PYTHON: &[&str] = &["fastapi", "flask", "django", "python"];
    let markers: &[(&str, &str, &[&str])] = &[
        ("package.json", "a package.json", NODE),
        ("requirements.txt", "Python dependencies", PYTHON),
        ("pyproject.toml", "a Python project", PYTHON),
        ("Pipfile", "Python dependencies", PYTHON),
        ("go.mod", "a Go module", &["go"]),
        ("Gemfile", "a Ruby project", &[]),
        ("Cargo.toml", "a Rust crate", &[]),
    ];
    if let Some((_, what, frameworks)) = markers
        .iter()
        .find(|(name, _, _)| input.tree.is_file(&join(dir, name)))
    {
        return Some((what, frameworks));
    }
    let names = input.tree.list(dir);
    let python = [
        "app.py",
        "index.py",
        "server.py",
        "main.py",
        "wsgi.py",
        "asgi.py",
    ];
    names
        .iter()
        .any(|n| python.contains(&n.as_str()))
        .then_some(("Python entry files", PYTHON))
}
