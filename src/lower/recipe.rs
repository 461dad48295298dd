//! How svc builds a service that brings neither an image nor a Dockerfile: the recipe Vercel's
//! builders would follow, decided from the service's framework, runtime and entrypoint and from
//! the files in its root (manifests and lockfiles, nothing outside the root). When the root does
//! not say enough, the plan says why and which `framework` values would settle it; a target that
//! needs an image reports that.

use crate::ir::{
    BuildPlan, Entrypoint, NodePackageManager, PythonPackageManager, PythonServer, Recipe, Runtime,
    Service, Unbuildable,
};
use std::path::Path;

/// Frontend frameworks svc builds with Node and serves as static files, with the directory
/// each one writes by default.
const STATIC_OUTPUTS: &[(&str, &str)] = &[
    ("vite", "dist"),
    ("astro", "dist"),
    ("vue", "dist"),
    ("svelte", "dist"),
    ("solidstart", "dist"),
    ("parcel", "dist"),
    ("ember", "dist"),
    ("create-react-app", "build"),
    ("preact", "build"),
    ("docusaurus", "build"),
    ("docusaurus-2", "build"),
    ("gatsby", "public"),
    ("vitepress", ".vitepress/dist"),
    ("vuepress", ".vuepress/dist"),
    ("storybook", "storybook-static"),
];

/// Node backends that run their entrypoint with Node.
const NODE_BACKENDS: &[&str] = &[
    "express", "hono", "h3", "koa", "nestjs", "fastify", "elysia", "node",
];

/// The plan for a service, or `None` when it needs none (an image, or its own Dockerfile).
pub fn plan(service: &Service, root: &Path) -> Option<BuildPlan> {
    if service.image.is_some() || service.runtime == Runtime::Container {
        return None;
    }
    Some(match recipe(service, root) {
        Ok(recipe) => BuildPlan::Recipe(recipe),
        Err(unbuildable) => BuildPlan::Unbuildable(unbuildable),
    })
}

fn recipe(service: &Service, root: &Path) -> Result<Recipe, Unbuildable> {
    let framework = service.framework.as_deref();
    match (service.runtime, framework) {
        (_, Some("nextjs")) => Ok(Recipe::Next {
            package_manager: node_package_manager(root),
            standalone: next_is_standalone(root),
        }),
        (Runtime::Frontend, Some(fw)) => static_site(service, root, Some(fw)),
        (Runtime::Static, _) => static_site(service, root, None),
        (Runtime::Node, _) => node(service, root),
        (Runtime::Python, _) => python(service, root),
        (Runtime::Go, _) => go(service, root),
        (runtime, _) => Err(Unbuildable {
            reason: format!(
                "svc builds node, python, go and static services; this one is {}",
                format!("{runtime:?}").to_lowercase()
            ),
            frameworks: Vec::new(),
        }),
    }
}

fn exists(root: &Path, name: &str) -> bool {
    root.join(name).is_file()
}

fn read(root: &Path, name: &str) -> String {
    crate::read::read_project_file(&root.join(name)).unwrap_or_default()
}

/// The package manager a lockfile names; npm without one. One order, so two lockfiles decide
/// the same way every time.
pub fn node_package_manager(root: &Path) -> NodePackageManager {
    if exists(root, "pnpm-lock.yaml") {
        NodePackageManager::Pnpm
    } else if exists(root, "yarn.lock") {
        NodePackageManager::Yarn
    } else if let Some(lockfile) = ["bun.lock", "bun.lockb"].iter().find(|f| exists(root, f)) {
        NodePackageManager::Bun {
            lockfile: lockfile.to_string(),
        }
    } else {
        NodePackageManager::Npm {
            lockfile: exists(root, "package-lock.json"),
        }
    }
}

/// `output: "standalone"` in next.config.*, which makes `next build` write a self-contained
/// server.
fn next_is_standalone(root: &Path) -> bool {
    [
        "next.config.js",
        "next.config.mjs",
        "next.config.ts",
        "next.config.cjs",
    ]
    .iter()
    .map(|name| read(root, name))
    .any(|text| {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        compact.contains("output:\"standalone\"") || compact.contains("output:'standalone'")
    })
}

fn static_site(
    service: &Service,
    root: &Path,
    framework: Option<&str>,
) -> Result<Recipe, Unbuildable> {
    let default_output = framework.and_then(|fw| {
        STATIC_OUTPUTS
            .iter()
            .find(|(name, _)| *name == fw)
            .map(|(_, dir)| *dir)
    });
    if let (Some(fw), None, None) = (
        framework,
        default_output,
        service.build.output_directory.as_ref(),
    ) {
        return Err(Unbuildable {
            reason: format!(
                "svc does not know where `{fw}` writes its site; set `outputDirectory`, or build an image yourself"
            ),
            frameworks: STATIC_OUTPUTS.iter().map(|(name, _)| *name).collect(),
        });
    }
    let builds = framework.is_some() || service.build.build_command.is_some();
    let output = service
        .build
        .output_directory
        .clone()
        .or(default_output.map(String::from))
        // Vercel's default for a site with no framework: `public` when it is there.
        .unwrap_or_else(|| {
            if builds || root.join("public").is_dir() {
                "public"
            } else {
                "."
            }
            .to_string()
        });
    Ok(Recipe::Static {
        package_manager: (builds && exists(root, "package.json"))
            .then(|| node_package_manager(root)),
        build: builds,
        output,
    })
}

/// A Node backend: the entrypoint, or the file Vercel's detectors look for.
fn node(service: &Service, root: &Path) -> Result<Recipe, Unbuildable> {
    let entry = match &service.entrypoint {
        Some(Entrypoint::File { path }) => Some(path.clone()),
        _ => ["", "src/"]
            .iter()
            .flat_map(|dir| {
                ["app", "index", "server"].iter().flat_map(move |name| {
                    ["js", "cjs", "mjs", "ts", "cts", "mts"]
                        .iter()
                        .map(move |ext| format!("{dir}{name}.{ext}"))
                })
            })
            .find(|candidate| exists(root, candidate)),
    };
    let Some(entry) = entry else {
        return Err(Unbuildable {
            reason: "no entrypoint: set `entrypoint` (e.g. `src/index.ts`), or add app, index or server .js/.ts at the root or in src/".to_string(),
            frameworks: NODE_BACKENDS.to_vec(),
        });
    };
    Ok(Recipe::Node {
        package_manager: node_package_manager(root),
        entry,
    })
}

fn python_package_manager(root: &Path) -> PythonPackageManager {
    if exists(root, "uv.lock") {
        PythonPackageManager::Uv
    } else if exists(root, "poetry.lock") {
        PythonPackageManager::Poetry
    } else if exists(root, "requirements.txt") {
        PythonPackageManager::Pip
    } else if exists(root, "pyproject.toml") {
        PythonPackageManager::Pyproject
    } else {
        PythonPackageManager::None
    }
}

/// Whether the project's dependency files name a package.
fn depends_on(root: &Path, package: &str) -> bool {
    ["requirements.txt", "pyproject.toml"]
        .iter()
        .map(|name| read(root, name).to_ascii_lowercase())
        .any(|text| {
            text.match_indices(package).any(|(at, _)| {
                let before = text[..at].chars().last();
                let after = text[at + package.len()..].chars().next();
                let boundary = |c: Option<char>| {
                    c.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                };
                boundary(before) && boundary(after)
            })
        })
}

const ASGI: &[&str] = &["fastapi", "starlette", "litestar", "quart", "fasthtml"];
const WSGI: &[&str] = &["flask", "django", "falcon", "bottle"];

/// An ASGI app runs under uvicorn, a WSGI app under gunicorn; which one is the framework's, or
/// what the dependency files say, or what the entrypoint imports.
fn python_server(
    framework: Option<&str>,
    root: &Path,
    entry: Option<&str>,
) -> Option<PythonServer> {
    let server = |name: &str| {
        if ASGI.contains(&name) {
            Some(PythonServer::Uvicorn)
        } else if WSGI.contains(&name) {
            Some(PythonServer::Gunicorn)
        } else {
            None
        }
    };
    if let Some(found) = framework.and_then(server) {
        return Some(found);
    }
    let declared = ASGI.iter().chain(WSGI).find(|p| depends_on(root, p));
    declared
        .copied()
        .or_else(|| imported_framework(root, entry))
        .and_then(server)
}

/// The first framework the entrypoint imports.
fn imported_framework(root: &Path, entry: Option<&str>) -> Option<&'static str> {
    let file = entry?;
    ASGI.iter()
        .chain(WSGI)
        .copied()
        .find(|package| imports(root, file, package))
}

/// Whether a Python file imports a package (`import x`, `from x import ...`, `from x.y ...`).
fn imports(root: &Path, file: &str, package: &str) -> bool {
    read(root, file).lines().map(str::trim_start).any(|line| {
        let rest = line
            .strip_prefix("from ")
            .or_else(|| line.strip_prefix("import "));
        rest.is_some_and(|rest| rest.split([' ', '.', ',']).next() == Some(package))
    })
}

fn python(service: &Service, root: &Path) -> Result<Recipe, Unbuildable> {
    let framework = service.framework.as_deref();
    let entry_file = match &service.entrypoint {
        Some(Entrypoint::Module { file, .. }) => Some(file.as_str()),
        Some(Entrypoint::File { path }) => Some(path.as_str()),
        _ => None,
    };
    let Some(server) = python_server(framework, root, entry_file) else {
        return Err(Unbuildable {
            reason: "cannot tell whether the app is ASGI or WSGI: no framework is set and the dependency files name none".to_string(),
            frameworks: vec!["fastapi", "flask", "django"],
        });
    };
    let app = match (&service.entrypoint, framework) {
        (Some(Entrypoint::Module { module, attr, .. }), _) => Some(format!("{module}:{attr}")),
        (Some(Entrypoint::File { path }), _) => module_of(path).map(|m| format!("{m}:app")),
        (_, Some("django")) => django_wsgi(root),
        _ => python_candidate(root),
    };
    let Some(app) = app else {
        return Err(Unbuildable {
            reason: "no app to serve: set `entrypoint` to `module:attr` (e.g. `main:app`)"
                .to_string(),
            frameworks: vec!["fastapi", "flask", "django"],
        });
    };
    let package_manager = python_package_manager(root);
    // With no dependency file at all, the framework itself is the one dependency.
    let framework_package = match package_manager {
        PythonPackageManager::None => framework
            .filter(|f| ASGI.contains(f) || WSGI.contains(f))
            .or_else(|| imported_framework(root, entry_file))
            .map(String::from),
        _ => None,
    };
    Ok(Recipe::Python {
        package_manager,
        server,
        app,
        framework_package,
    })
}

/// `src/main.py` -> `src.main`.
fn module_of(path: &str) -> Option<String> {
    let stem = path.strip_suffix(".py")?;
    Some(stem.replace('/', "."))
}

/// The files Vercel's Python builder tries, in its order.
fn python_candidate(root: &Path) -> Option<String> {
    ["", "src/", "app/", "api/"]
        .iter()
        .flat_map(|dir| {
            ["app", "index", "server", "main", "wsgi", "asgi"]
                .iter()
                .map(move |name| format!("{dir}{name}.py"))
        })
        .find(|candidate| exists(root, candidate))
        .and_then(|file| module_of(&file))
        .map(|module| format!("{module}:app"))
}

/// Django's WSGI application: the project manage.py names in `DJANGO_SETTINGS_MODULE`, else
/// the first directory (by name) holding a `wsgi.py`.
fn django_wsgi(root: &Path) -> Option<String> {
    let manage = read(root, "manage.py");
    let named = manage
        .split("DJANGO_SETTINGS_MODULE")
        .nth(1)
        .and_then(|rest| rest.split(['"', '\'']).nth(2))
        .and_then(|module| module.split('.').next())
        .filter(|project| root.join(project).join("wsgi.py").is_file());
    if let Some(project) = named {
        return Some(format!("{project}.wsgi:application"));
    }
    let mut projects: Vec<String> = std::fs::read_dir(root)
        .ok()?
        .filter_map(Result::ok)
        .filter(|entry| entry.path().join("wsgi.py").is_file())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect();
    projects.sort();
    projects
        .first()
        .map(|project| format!("{project}.wsgi:application"))
}

/// A Go service builds the package of its entrypoint, or the first of Vercel's candidates.
fn go(service: &Service, root: &Path) -> Result<Recipe, Unbuildable> {
    if !exists(root, "go.mod") {
        return Err(Unbuildable {
            reason: "no go.mod in the root".to_string(),
            frameworks: Vec::new(),
        });
    }
    let entry = match &service.entrypoint {
        Some(Entrypoint::File { path }) => Some(path.clone()),
        // A directory is the package itself.
        Some(Entrypoint::Directory { path }) => Some(format!("{path}/main.go")),
        _ => ["main.go", "cmd/api/main.go", "cmd/server/main.go"]
            .iter()
            .find(|c| exists(root, c))
            .map(|c| c.to_string()),
    };
    let Some(entry) = entry else {
        return Err(Unbuildable {
            reason: "no main package: set `entrypoint` (e.g. `main.go` or `cmd/api/main.go`)"
                .to_string(),
            frameworks: vec!["go"],
        });
    };
    let package = match entry.rsplit_once('/') {
        Some((dir, _)) => format!("./{dir}"),
        None => ".".to_string(),
    };
    Ok(Recipe::Go {
        package,
        go_sum: exists(root, "go.sum"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("svc-recipe-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    #[test]
    fn lockfiles_decide_the_package_manager_in_one_order() {
        let both = root("pm", &[("yarn.lock", ""), ("package-lock.json", "")]);
        assert_eq!(node_package_manager(&both), NodePackageManager::Yarn);
        let none = root("pm-none", &[("package.json", "{}")]);
        assert_eq!(
            node_package_manager(&none),
            NodePackageManager::Npm { lockfile: false }
        );
        let bun = root("pm-bun", &[("bun.lockb", "")]);
        assert_eq!(
            node_package_manager(&bun),
            NodePackageManager::Bun {
                lockfile: "bun.lockb".into()
            }
        );
    }

    #[test]
    fn asgi_or_wsgi_comes_from_dependencies_then_imports() {
        let declared = root("py-dep", &[("requirements.txt", "Flask==3.1\n")]);
        assert_eq!(
            python_server(None, &declared, None),
            Some(PythonServer::Gunicorn)
        );
        let imported = root("py-imp", &[("main.py", "from fastapi import FastAPI\n")]);
        assert_eq!(
            python_server(None, &imported, Some("main.py")),
            Some(PythonServer::Uvicorn)
        );
        // A package whose name only contains a framework's is not that framework.
        let lookalike = root("py-look", &[("requirements.txt", "flask-cors\nmyflask\n")]);
        assert_eq!(python_server(None, &lookalike, None), None);
    }

    #[test]
    fn django_serves_the_project_manage_py_names() {
        let dir = root(
            "django",
            &[
                (
                    "manage.py",
                    "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shop.settings')\n",
                ),
                ("shop/wsgi.py", ""),
                ("aaa/wsgi.py", ""),
            ],
        );
        assert_eq!(django_wsgi(&dir).as_deref(), Some("shop.wsgi:application"));
    }
}
