//! Dockerfiles for services svc builds itself, rendered from the templates in
//! `targets/dockerfile/`. The compose target inlines them; the terraform target writes them
//! beside the module. Templates are strict (an undefined value is an error, not an empty
//! string), and every value they print is written as a JSON string or number: it lands inside
//! an exec-form array or an ENV value as exactly one argument, so no command, path or name from
//! a config can end an instruction or start another.

use crate::ir::{NodePackageManager, PythonPackageManager, PythonServer, Recipe, Service};
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, Value};
use serde::Serialize;

/// Pinned official base images.
/// Node 22.14 ships the corepack that verifies today's pnpm and yarn signatures.
pub const NODE_IMAGE: &str = "node:22.14.0-bookworm-slim";
/// Bun 1.2 reads the text `bun.lock` as well as `bun.lockb`.
pub const BUN_IMAGE: &str = "oven/bun:1.2.2-slim";
pub const PYTHON_IMAGE: &str = "python:3.12.8-slim-bookworm";
pub const GO_IMAGE: &str = "golang:1.23.4-bookworm";
/// Runs a static Go binary; a numeric user, since nothing else is needed in it.
pub const GO_RUNTIME_IMAGE: &str = "alpine:3.21.0";
/// Serves static files with httpd.
pub const STATIC_IMAGE: &str = "busybox:1.37.0";
/// The ASGI and WSGI servers svc adds when the app does not bring its own.
const UVICORN: &str = "uvicorn==0.32.1";
const GUNICORN: &str = "gunicorn==23.0.0";
const UV: &str = "uv==0.5.11";
const POETRY: &str = "poetry==2.0.1";

const TEMPLATES: [(&str, &str); 5] = [
    (
        "next",
        include_str!("../../targets/dockerfile/next.Dockerfile.j2"),
    ),
    (
        "static",
        include_str!("../../targets/dockerfile/static.Dockerfile.j2"),
    ),
    (
        "node",
        include_str!("../../targets/dockerfile/node.Dockerfile.j2"),
    ),
    (
        "python",
        include_str!("../../targets/dockerfile/python.Dockerfile.j2"),
    ),
    (
        "go",
        include_str!("../../targets/dockerfile/go.Dockerfile.j2"),
    ),
];

/// The Dockerfile for a service's recipe. An error is a template defect in svc, not the user's.
pub fn render(service: &Service, recipe: &Recipe) -> Result<String, String> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_formatter(|out, _state, value| {
        // svc's own constants (base images) are marked safe and written as they are.
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
    let (name, context) = context(service, recipe);
    let template = env.get_template(name).map_err(|e| e.to_string())?;
    let text = template
        .render(context)
        .map_err(|e| format!("template {name}: {e}"))?;
    Ok(format!("{}\n", text.trim()))
}

/// The template a recipe renders with, and what it needs.
fn context(service: &Service, recipe: &Recipe) -> (&'static str, Value) {
    let settings = &service.build;
    let port = service.port;
    match recipe {
        Recipe::Next {
            package_manager,
            standalone,
        } => {
            let build = settings
                .build_command
                .clone()
                .unwrap_or_else(|| run_script(package_manager, "build"));
            let context = NodeContext {
                standalone: *standalone,
                ..NodeContext::new(service, package_manager, build)
            };
            ("next", Value::from(Serde(context)))
        }
        Recipe::Static {
            package_manager,
            build,
            output,
        } => (
            "static",
            Value::from(Serde(StaticContext {
                deps_image: trusted(package_manager.as_ref().map_or(NODE_IMAGE, deps_image)),
                static_image: trusted(STATIC_IMAGE),
                lockfiles: package_manager
                    .as_ref()
                    .map(node_lockfiles)
                    .unwrap_or_default(),
                install: package_manager
                    .as_ref()
                    .map(|pm| install_command(service, pm))
                    .unwrap_or_default(),
                build: build.then(|| {
                    settings.build_command.clone().unwrap_or_else(|| {
                        run_script(
                            package_manager
                                .as_ref()
                                .unwrap_or(&NodePackageManager::Npm { lockfile: false }),
                            "build",
                        )
                    })
                }),
                // A checked plain relative path (see lower::service), written as a word.
                build_output: Value::from_safe_string(format!(
                    "/app/{}",
                    output.trim_start_matches("./")
                )),
                output: Value::from_safe_string(output.clone()),
                port,
            })),
        ),
        Recipe::Node {
            package_manager,
            entry,
        } => {
            let build = settings.build_command.clone().unwrap_or_default();
            let context = NodeContext {
                command: node_command(entry),
                ..NodeContext::new(service, package_manager, build)
            };
            ("node", Value::from(Serde(context)))
        }
        Recipe::Python {
            package_manager,
            server,
            app,
            framework_package,
        } => (
            "python",
            Value::from(Serde(PythonContext {
                python_image: trusted(PYTHON_IMAGE),
                lockfiles: python_lockfiles(*package_manager)
                    .into_iter()
                    .map(trusted)
                    .collect(),
                install: settings.install_command.clone().unwrap_or_else(
                    || match framework_package {
                        Some(package) => format!("python -m pip install --no-cache-dir {package}"),
                        None => python_install(*package_manager),
                    },
                ),
                server_install: server_install(*server),
                server_command: server_command(*server),
                app: app.clone(),
                build: settings.build_command.clone(),
                port,
            })),
        ),
        Recipe::Go { package, go_sum } => (
            "go",
            Value::from(Serde(GoContext {
                go_image: trusted(GO_IMAGE),
                runtime_image: trusted(GO_RUNTIME_IMAGE),
                lockfiles: if *go_sum {
                    vec![trusted("go.mod"), trusted("go.sum")]
                } else {
                    vec![trusted("go.mod")]
                },
                build: settings.build_command.clone(),
                package: package.clone(),
                port,
            })),
        ),
    }
}

#[derive(Serialize)]
struct NodeContext {
    deps_image: Value,
    node_image: Value,
    lockfiles: Vec<Value>,
    install: String,
    build: String,
    port: u16,
    standalone: bool,
    command: Vec<String>,
}

impl NodeContext {
    /// What a Node build needs whatever it builds: images, manifests, install, build, port.
    fn new(service: &Service, pm: &NodePackageManager, build: String) -> NodeContext {
        NodeContext {
            deps_image: trusted(deps_image(pm)),
            node_image: trusted(NODE_IMAGE),
            lockfiles: node_lockfiles(pm),
            install: install_command(service, pm),
            build,
            port: service.port,
            standalone: false,
            command: Vec::new(),
        }
    }
}

#[derive(Serialize)]
struct StaticContext {
    deps_image: Value,
    static_image: Value,
    lockfiles: Vec<Value>,
    install: String,
    build: Option<String>,
    build_output: Value,
    output: Value,
    port: u16,
}

#[derive(Serialize)]
struct PythonContext {
    python_image: Value,
    lockfiles: Vec<Value>,
    install: String,
    server_install: String,
    server_command: &'static str,
    app: String,
    build: Option<String>,
    port: u16,
}

#[derive(Serialize)]
struct GoContext {
    go_image: Value,
    runtime_image: Value,
    lockfiles: Vec<Value>,
    build: Option<String>,
    package: String,
    port: u16,
}

/// A value of svc's own, written into the Dockerfile as it is.
fn trusted(text: &'static str) -> Value {
    Value::from_safe_string(text.to_string())
}

/// Bun installs with its own image; the others with Node's (pnpm and yarn through corepack).
fn deps_image(pm: &NodePackageManager) -> &'static str {
    match pm {
        NodePackageManager::Bun { .. } => BUN_IMAGE,
        _ => NODE_IMAGE,
    }
}

/// The manifest and lockfile, copied before the sources so dependencies stay a cached layer;
/// names of svc's own, written as words.
fn node_lockfiles(pm: &NodePackageManager) -> Vec<Value> {
    let lockfile = match pm {
        NodePackageManager::Npm { lockfile: true } => Some("package-lock.json"),
        NodePackageManager::Npm { lockfile: false } => None,
        NodePackageManager::Pnpm => Some("pnpm-lock.yaml"),
        NodePackageManager::Yarn => Some("yarn.lock"),
        NodePackageManager::Bun { lockfile } => Some(lockfile.as_str()),
    };
    std::iter::once("package.json")
        .chain(lockfile)
        .map(|name| Value::from_safe_string(name.to_string()))
        .collect()
}

fn install_command(service: &Service, pm: &NodePackageManager) -> String {
    if let Some(command) = &service.build.install_command {
        return command.clone();
    }
    match pm {
        NodePackageManager::Npm { lockfile: true } => "npm ci",
        NodePackageManager::Npm { lockfile: false } => "npm install",
        NodePackageManager::Pnpm => "corepack enable && pnpm install --frozen-lockfile",
        NodePackageManager::Yarn => "corepack enable && yarn install --frozen-lockfile",
        NodePackageManager::Bun { .. } => "bun install --frozen-lockfile",
    }
    .to_string()
}

fn run_script(pm: &NodePackageManager, script: &str) -> String {
    match pm {
        NodePackageManager::Npm { .. } => format!("npm run {script}"),
        NodePackageManager::Pnpm => format!("corepack enable && pnpm run {script}"),
        NodePackageManager::Yarn => format!("corepack enable && yarn run {script}"),
        NodePackageManager::Bun { .. } => format!("bun run {script}"),
    }
}

/// Node runs TypeScript entrypoints by stripping the types.
fn node_command(entry: &str) -> Vec<String> {
    let typescript = [".ts", ".mts", ".cts"].iter().any(|e| entry.ends_with(e));
    let mut command = vec!["node".to_string()];
    if typescript {
        command.push("--experimental-strip-types".to_string());
    }
    command.push(entry.to_string());
    command
}

fn python_lockfiles(pm: PythonPackageManager) -> Vec<&'static str> {
    match pm {
        PythonPackageManager::Pip => vec!["requirements.txt"],
        PythonPackageManager::Uv => vec!["pyproject.toml", "uv.lock"],
        PythonPackageManager::Poetry => vec!["pyproject.toml", "poetry.lock"],
        PythonPackageManager::Pyproject => vec!["pyproject.toml"],
        PythonPackageManager::None => Vec::new(),
    }
}

/// Installs the dependencies into the virtualenv on `PATH` (`/venv`). Tools (uv, poetry) get
/// a virtualenv of their own, `/opt/tool`, so they never reach the final image nor meet the
/// app's dependencies; uv keeps what its lockfile does not list (`--inexact`), pip included.
fn python_install(pm: PythonPackageManager) -> String {
    let tool = |requirement: &str| {
        format!(
            "python -m venv /opt/tool && /opt/tool/bin/pip install --no-cache-dir {requirement}"
        )
    };
    match pm {
        PythonPackageManager::Pip => {
            "python -m pip install --no-cache-dir -r requirements.txt".to_string()
        }
        PythonPackageManager::Uv => format!(
            "{} && UV_PROJECT_ENVIRONMENT=/venv /opt/tool/bin/uv sync --frozen --no-dev --no-install-project --inexact",
            tool(UV)
        ),
        PythonPackageManager::Poetry => format!(
            "{} && POETRY_VIRTUALENVS_CREATE=false /opt/tool/bin/poetry install --only main --no-root --no-interaction",
            tool(POETRY)
        ),
        PythonPackageManager::Pyproject => format!(
            "{} && /opt/tool/bin/uv pip compile pyproject.toml -o /tmp/requirements.txt && python -m pip install --no-cache-dir -r /tmp/requirements.txt",
            tool(UV)
        ),
        PythonPackageManager::None => "true".to_string(),
    }
}

/// The server, unless the app's dependencies already bring it.
fn server_install(server: PythonServer) -> String {
    let (module, requirement) = match server {
        PythonServer::Uvicorn => ("uvicorn", UVICORN),
        PythonServer::Gunicorn => ("gunicorn", GUNICORN),
    };
    format!(
        "python -c 'import {module}' 2>/dev/null || python -m pip install --no-cache-dir {requirement}"
    )
}

/// The server's command; the app (`module:attr`) arrives as `$0`, one word whatever it holds.
fn server_command(server: PythonServer) -> &'static str {
    match server {
        PythonServer::Uvicorn => "exec uvicorn \"$0\" --host 0.0.0.0 --port \"$PORT\"",
        PythonServer::Gunicorn => "exec gunicorn --bind \"0.0.0.0:$PORT\" \"$0\"",
    }
}
