//! Dockerfiles for services svc builds itself, rendered from the templates in
//! `targets/dockerfile/`. The compose target inlines them; the terraform target writes them
//! beside the module. Every fact in them was decided by the lower stage (see `ir::Recipe`);
//! this module only lays them out.
//!
//! Templates are strict (an undefined value is an error, not an empty string), and every value
//! they print is a JSON string or number inside an exec-form instruction or a JSON-form `COPY`,
//! so no command, path or name from a project can end an instruction or start another. Values
//! printed bare (`WORKDIR`, `ARG` and `ENV` names) are svc's own or checked to be plain.

pub mod builds;
mod static_site;
pub use static_site::{REWRITTEN_PATH_HEADER, config as static_server_config};

use crate::ir::{
    CronRoute, NodeRun, NodeToolchain, OutputDir, PackageManagerName, PythonRun, Recipe,
    RecipeKind, Service,
};
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, Value};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// The servers svc adds to a Python service's virtualenv when its dependencies lack them.
const UVICORN: &str = "uvicorn==0.34.3";
const GUNICORN: &str = "gunicorn==23.0.0";

/// What never leaves the source stage: what a local install, build or checkout left in the
/// tree, and the local env files Vercel's upload leaves out too (`.env` itself is the
/// project's, as on Vercel).
const PRUNE: &str = "find . \\( -name node_modules -o -name .git -o -name .vercel -o -name .next -o -name .venv -o -name venv -o -name __pycache__ -o -name .env.local -o -name '.env.*.local' \\) -prune -exec rm -rf {} +";

const LAUNCHER: &str = include_str!("../../../targets/dockerfile/shims/serve.mjs");
const RUNNER: &str = include_str!("../../../targets/dockerfile/shims/run.py");

const TEMPLATES: [(&str, &str); 9] = [
    (
        "node-stages",
        include_str!("../../../targets/dockerfile/node-stages.j2"),
    ),
    (
        "static-server",
        include_str!("../../../targets/dockerfile/static-server.j2"),
    ),
    (
        "next",
        include_str!("../../../targets/dockerfile/next.Dockerfile.j2"),
    ),
    (
        "site",
        include_str!("../../../targets/dockerfile/site.Dockerfile.j2"),
    ),
    (
        "files",
        include_str!("../../../targets/dockerfile/files.Dockerfile.j2"),
    ),
    (
        "node",
        include_str!("../../../targets/dockerfile/node.Dockerfile.j2"),
    ),
    (
        "python",
        include_str!("../../../targets/dockerfile/python.Dockerfile.j2"),
    ),
    (
        "go",
        include_str!("../../../targets/dockerfile/go.Dockerfile.j2"),
    ),
    ("noop", ""),
];

/// Built once: the templates are svc's own and never change while it runs.
static ENVIRONMENT: LazyLock<Result<Environment<'static>, String>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_formatter(|out, _state, value| {
        // svc's own words (base images, paths it checked) are marked safe and written as they are.
        if value.is_safe() {
            return out
                .write_str(value.as_str().unwrap_or_default())
                .map_err(minijinja::Error::from);
        }
        let json = serde_json::to_string(value).map_err(|e| {
            minijinja::Error::new(minijinja::ErrorKind::BadSerialization, e.to_string())
        })?;
        out.write_str(&json).map_err(minijinja::Error::from)
    });
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .map_err(|e| format!("template {name}: {e}"))?;
    }
    Ok(env)
});

/// The Dockerfile for a service's recipe. An error is a template defect in svc, not the user's.
pub fn render(service: &Service, recipe: &Recipe) -> Result<String, String> {
    let env = ENVIRONMENT.as_ref().map_err(Clone::clone)?;
    let (name, context) = context(service, recipe);
    let template = env.get_template(name).map_err(|e| e.to_string())?;
    let text = template
        .render(context)
        .map_err(|e| format!("template {name}: {e}"))?;
    Ok(format!("{}\n", text.trim()))
}

/// `/app`, or `/app/<dir>`: where a directory of the context lands in the image.
pub(crate) fn in_app(dir: &str) -> String {
    match dir {
        "." | "" => "/app".to_string(),
        dir => format!("/app/{dir}"),
    }
}

fn trusted(text: impl Into<String>) -> Value {
    Value::from_safe_string(text.into())
}

/// The template a recipe renders with, and what it needs.
fn context(service: &Service, recipe: &Recipe) -> (&'static str, Value) {
    let port = service.port;
    let app_dir = in_app(&recipe.workdir);
    match &recipe.kind {
        RecipeKind::Next { node, dist_dir } => {
            let mut context = NodeContext::new(service, node, &app_dir);
            context.dist = Some(format!("{app_dir}/{dist_dir}"));
            context.command = vec![runtime_binary(node).to_string(), "server.js".to_string()];
            ("next", Value::from(Serde(context)))
        }
        RecipeKind::Site {
            node,
            output,
            server,
        } => {
            let mut context = NodeContext::new(service, node, &app_dir);
            context.collect = Some(static_site::collect(Some(&output_path(output))));
            context.server_image = Some(trusted(&server.image));
            context.server_config = Some(static_site::config(port, service.routing.clean_urls));
            ("site", Value::from(Serde(context)))
        }
        RecipeKind::Files { dir, server } => (
            "files",
            Value::from(Serde(FilesContext {
                server_image: trusted(&server.image),
                served: dir.clone(),
                collect: static_site::collect(None),
                server_config: static_site::config(port, service.routing.clean_urls),
                port,
            })),
        ),
        RecipeKind::Node { node, entry, run } => {
            let mut context = NodeContext::new(service, node, &app_dir);
            context.launcher = Some(LAUNCHER.to_string());
            context.command = node_command(node, entry, run);
            ("node", Value::from(Serde(context)))
        }
        RecipeKind::Python { python, run } => (
            "python",
            Value::from(Serde(PythonContext {
                prune: PRUNE,
                python_image: trusted(&python.image),
                manifests: python.manifests.clone(),
                install_dir: trusted(in_app(&python.install_dir)),
                install: python.install.clone(),
                servers: python_servers(run),
                python_path: trusted(python_path(recipe)),
                runner: RUNNER.to_string(),
                app_dir: trusted(&app_dir),
                build: python.build.clone(),
                command: python_command(service, run),
                port,
            })),
        ),
        RecipeKind::Go { go } => (
            "go",
            Value::from(Serde(GoContext {
                go_image: trusted(&go.image),
                runtime_image: trusted(&go.runtime_image),
                manifests: go.manifests.clone(),
                vendor: go.vendor,
                build: go.build.clone(),
                package: go.package.clone(),
                port,
            })),
        ),
    }
}

#[derive(Serialize)]
struct NodeContext {
    prune: &'static str,
    node_image: Value,
    manifests: Vec<String>,
    build_env: indexmap::IndexMap<String, String>,
    /// `name@version` to install globally before the install, for pnpm and Yarn.
    package_manager: Option<String>,
    install_dir: Value,
    install: Option<String>,
    app_dir: Value,
    build_args: Vec<Value>,
    build: Option<String>,
    port: u16,
    dist: Option<String>,
    collect: Option<String>,
    server_image: Option<Value>,
    server_config: Option<String>,
    launcher: Option<String>,
    command: Vec<String>,
}

impl NodeContext {
    fn new(service: &Service, node: &NodeToolchain, app_dir: &str) -> NodeContext {
        let manager = &node.package_manager;
        let global = match (manager.name, &manager.version) {
            (PackageManagerName::Pnpm | PackageManagerName::Yarn, Some(version)) => {
                Some(format!("{}@{version}", manager.package))
            }
            _ => None,
        };
        NodeContext {
            prune: PRUNE,
            node_image: trusted(&node.image),
            manifests: node.manifests.clone(),
            build_env: node.build_env.clone(),
            package_manager: global,
            install_dir: trusted(in_app(&node.install_dir)),
            install: node.install.clone(),
            app_dir: trusted(app_dir),
            build_args: service
                .build_args()
                .map(|(name, _)| trusted(name))
                .collect(),
            build: node.build.clone(),
            port: service.port,
            dist: None,
            collect: None,
            server_image: None,
            server_config: None,
            launcher: None,
            command: Vec::new(),
        }
    }
}

/// Where the build leaves the site, as a shell word the collect step resolves.
fn output_path(output: &OutputDir) -> String {
    match output {
        OutputDir::Fixed(dir) => format!("\"{dir}\""),
        OutputDir::OnlySubdir(dir) => format!(
            "$(set -- \"{dir}\"/*; if [ $# -eq 1 ] && [ -d \"$1\" ]; then echo \"$1\"; else echo \"{dir}\"; fi)"
        ),
        OutputDir::Angular => "$(d=dist; set -- dist/*; if [ $# -eq 1 ] && [ -d \"$1\" ]; then d=\"$1\"; [ -d \"$d/browser\" ] && d=\"$d/browser\"; fi; echo \"$d\")".to_string(),
        OutputDir::Polymer => "$(for e in build/*; do case \"${e#build/}\" in *.*) ;; *) echo \"$e\"; break;; esac; done)".to_string(),
    }
}

#[derive(Serialize)]
struct FilesContext {
    server_image: Value,
    served: String,
    collect: String,
    server_config: String,
    port: u16,
}

/// What runs JavaScript in the image: Bun's image has no `node`.
pub(crate) fn runtime_binary(node: &NodeToolchain) -> &'static str {
    match node.package_manager.name {
        PackageManagerName::Bun => "bun",
        _ => "node",
    }
}

/// `node /svc/serve.mjs <mode> <entry> [routes]`. A TypeScript entrypoint runs from what its
/// build compiled when there is such a file, else with its types stripped, which Node does
/// from 22 on (Bun runs TypeScript as it is).
fn node_command(node: &NodeToolchain, entry: &str, run: &NodeRun) -> Vec<String> {
    let binary = runtime_binary(node);
    let typescript = [".ts", ".mts", ".cts"].iter().any(|e| entry.ends_with(e));
    let strips_types = node
        .version
        .split('.')
        .next()
        .and_then(|major| major.parse::<u64>().ok())
        .is_some_and(|major| major >= 22);
    let mut command = vec![binary.to_string()];
    if typescript && binary == "node" && strips_types {
        command.push("--experimental-strip-types".to_string());
    }
    command.push("/svc/serve.mjs".to_string());
    match run {
        NodeRun::Web => command.extend(["web".to_string(), entry.to_string()]),
        NodeRun::Job => command.extend(["job".to_string(), entry.to_string()]),
        NodeRun::Cron { routes } => {
            command.extend(["cron".to_string(), entry.to_string(), routes_json(routes)]);
        }
    }
    command
}

fn routes_json(routes: &[CronRoute]) -> String {
    let map: BTreeMap<&str, &str> = routes
        .iter()
        .map(|r| (r.path.as_str(), r.handler.as_str()))
        .collect();
    serde_json::to_string(&map).unwrap_or_default()
}

#[derive(Serialize)]
struct PythonContext {
    prune: &'static str,
    python_image: Value,
    manifests: Vec<String>,
    install_dir: Value,
    install: Option<String>,
    servers: Option<String>,
    python_path: Value,
    runner: String,
    app_dir: Value,
    build: Option<String>,
    command: Vec<String>,
    port: u16,
}

/// uvicorn and gunicorn, unless the app's dependencies bring them: svc's runner picks one when
/// it sees whether the app is ASGI or WSGI. A job needs neither.
fn python_servers(run: &PythonRun) -> Option<String> {
    if matches!(run, PythonRun::Job { .. }) {
        return None;
    }
    Some(format!(
        "(python -c 'import uvicorn' 2>/dev/null || python -m pip install --no-cache-dir {UVICORN}) && (python -c 'import gunicorn' 2>/dev/null || python -m pip install --no-cache-dir {GUNICORN})"
    ))
}

/// The workdir first (where modules are named from), then the context's root, so imports
/// written from either resolve.
fn python_path(recipe: &Recipe) -> String {
    let mut dirs = vec![in_app(&recipe.workdir)];
    if recipe.workdir != "." {
        dirs.push("/app".to_string());
    }
    dirs.join(":")
}

fn python_command(service: &Service, run: &PythonRun) -> Vec<String> {
    let mut command = vec!["python".to_string(), "/svc/run.py".to_string()];
    match run {
        PythonRun::Web { app } => command.extend(["web".to_string(), app.clone()]),
        PythonRun::Cron { routes, dynamic } => {
            command.extend([
                "cron".to_string(),
                service.name.to_string(),
                routes_json(routes),
            ]);
            command.extend(dynamic.clone());
        }
        PythonRun::Worker { module, attr } => {
            command.extend(["worker".to_string(), module.clone()]);
            command.extend(attr.clone());
        }
        PythonRun::Job { handler } => command.extend(["job".to_string(), handler.clone()]),
    }
    command
}

#[derive(Serialize)]
struct GoContext {
    go_image: Value,
    runtime_image: Value,
    manifests: Vec<String>,
    vendor: bool,
    build: Option<String>,
    package: String,
    port: u16,
}
