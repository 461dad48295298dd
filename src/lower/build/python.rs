//! Python builds as Vercel's Python builder runs them: the dependency file found walking up
//! from the entrypoint, the version from `.python-version`, `requires-python` or the Pipfile,
//! the entrypoint found where the builder looks, and the workload deciding what runs: an
//! ASGI/WSGI app, Vercel's cron dispatcher, a queue worker, or a job's function.

use super::files::{self, Tree, join};
use super::{Input, outer, recipe_in, versions};
use crate::ir::{
    CronRoute, Entrypoint, PythonRun, PythonToolchain, Recipe, RecipeKind, Trigger, Unbuildable,
    Workload,
};

/// Entry files Vercel's Python builder tries, in each of its directories.
const CANDIDATE_FILES: &[&str] = &["app", "index", "server", "main", "wsgi", "asgi"];
const CANDIDATE_DIRS: &[&str] = &["", "src", "app", "api"];

/// Frameworks whose package svc installs on its own when the project declares no dependencies.
const FRAMEWORK_PACKAGES: &[&str] = &[
    "fastapi",
    "starlette",
    "litestar",
    "quart",
    "fasthtml",
    "flask",
    "django",
    "falcon",
    "bottle",
];

/// Tools svc installs in a virtualenv of their own, pinned.
const UV: &str = "uv==0.10.11";
const POETRY: &str = "poetry==2.1.3";
const PIPENV: &str = "pipenv==2025.0.4";

/// One level's dependency file, as Vercel's builder reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Deps {
    /// pyproject.toml with `uv.lock` beside it.
    UvLock,
    /// pyproject.toml with `poetry.lock` beside it.
    Poetry,
    /// pyproject.toml alone.
    Pyproject,
    /// Pipfile.lock (and its Pipfile).
    PipfileLock,
    Pipfile,
    /// A requirements file, by name.
    Requirements(&'static str),
}

/// The nearest directory from `dir` up to the project holding a dependency file, and which.
fn find_deps(tree: Tree, dir: &str) -> Option<(String, Deps)> {
    Tree::ancestors(dir).into_iter().find_map(|level| {
        let has = |name: &str| tree.is_file(&join(&level, name));
        let deps = if has("pyproject.toml") {
            if has("uv.lock") {
                Deps::UvLock
            } else if has("poetry.lock") {
                Deps::Poetry
            } else {
                Deps::Pyproject
            }
        } else if has("Pipfile.lock") {
            Deps::PipfileLock
        } else if has("Pipfile") {
            Deps::Pipfile
        } else {
            let name = [
                "requirements.frozen.txt",
                "requirements-frozen.txt",
                "requirements.txt",
                "requirements.in",
                "requirements/prod.txt",
            ]
            .into_iter()
            .find(|name| has(name))?;
            Deps::Requirements(name)
        };
        Some((level, deps))
    })
}

pub fn plan(input: &Input) -> Result<Recipe, Unbuildable> {
    let tree = input.tree;
    let mut workdir = input.workspace(crate::ir::Runtime::Python);
    let app = app(input, &workdir)?;
    if let Some(base) = &app.base {
        workdir = base.clone();
    }
    // Looked for from the app's own directory, wherever the builder found it.
    let entry_dir = files::parent(&join(&workdir, &app.file));
    let deps = find_deps(tree, &entry_dir);
    let context = deps
        .as_ref()
        .map_or_else(|| workdir.clone(), |(dir, _)| outer(dir, &workdir));
    let minor = version(tree, &entry_dir, deps.as_ref());
    let manifests = deps
        .as_ref()
        .map(|(dir, deps)| manifest_files(tree, dir, deps))
        .unwrap_or_default()
        .into_iter()
        .map(|path| files::relative(&context, &path))
        .collect();
    let (install, install_dir) = match &input.service.build.install_command {
        Some(command) => (
            (!command.trim().is_empty()).then(|| command.clone()),
            workdir.clone(),
        ),
        None => match &deps {
            Some((dir, deps)) => (Some(install_command(deps)), dir.clone()),
            None => {
                if let Some(package) = imported_framework(tree, &join(&workdir, &app.file)) {
                    return Err(Unbuildable::new(format!(
                        "`{}` imports `{package}`, but no dependency file declares it",
                        app.file
                    ))
                    .fix(format!(
                        "add a requirements.txt (or pyproject.toml) beside the app listing `{package}` at the version it needs"
                    )));
                }
                (None, workdir.clone())
            }
        },
    };
    let run = run(input, &app)?;
    Ok(recipe_in(
        &context,
        &workdir,
        RecipeKind::Python {
            python: PythonToolchain {
                image: input.images.get("python", versions::python_release(minor)),
                version: minor.to_string(),
                manifests,
                install_dir: files::relative(&context, &install_dir),
                install,
                build: input.service.build.build_command.clone(),
            },
            run,
        },
    ))
}

/// What the service's workload runs.
fn run(input: &Input, app: &App) -> Result<PythonRun, Unbuildable> {
    let service = input.service.name.as_str();
    let handler = app.handler();
    Ok(match &input.service.workload {
        Workload::Web => PythonRun::Web {
            app: format!("{}:{}", app.module, app.attr.as_deref().unwrap_or("app")),
        },
        Workload::Cron { dynamic: true, .. } => {
            let Some(attr) = &app.attr else {
                return Err(Unbuildable::new(
                    "a `<dynamic>` schedule needs the object whose `get_crons()` lists the schedules",
                )
                .fix("set `entrypoint` to `module:object`"));
            };
            PythonRun::Cron {
                routes: Vec::new(),
                dynamic: Some(format!("{}:{attr}", app.module)),
            }
        }
        Workload::Cron { .. } => PythonRun::Cron {
            routes: vec![CronRoute {
                path: super::node::cron_path(
                    service,
                    &app.file,
                    app.attr.as_deref().unwrap_or("cron"),
                ),
                handler,
            }],
            dynamic: None,
        },
        Workload::Worker(_)
        | Workload::Job {
            trigger: Trigger::Queue(_),
        } => PythonRun::Worker {
            module: app.module.clone(),
            attr: app.attr.clone(),
        },
        Workload::Job { .. } => PythonRun::Job { handler },
    })
}

/// The app a Python service runs: its module (relative to the workdir), the attribute, and the
/// file it is in.
struct App {
    module: String,
    attr: Option<String>,
    /// Relative to the workdir.
    file: String,
    /// A directory the app runs from instead of the workdir (Django's, beside manage.py).
    base: Option<String>,
}

impl App {
    /// `module:attr`, or the bare module when no attribute is named.
    fn handler(&self) -> String {
        match &self.attr {
            Some(attr) => format!("{}:{attr}", self.module),
            None => self.module.clone(),
        }
    }
}

fn app(input: &Input, workdir: &str) -> Result<App, Unbuildable> {
    let tree = input.tree;
    let from_file = |file: String, attr: Option<String>| {
        let relative = files::relative(workdir, &file);
        App {
            module: module_of(&relative),
            attr,
            file: relative,
            base: None,
        }
    };
    match &input.service.entrypoint {
        Some(Entrypoint::Module { attr, file, .. }) => {
            return Ok(from_file(join(input.root(), file), Some(attr.clone())));
        }
        Some(Entrypoint::File { path }) => {
            let file = join(input.root(), path);
            // A cron's or job's file runs as a module; a web app is the object it exports.
            if !matches!(input.service.workload, Workload::Web) {
                return Ok(from_file(file, None));
            }
            let attr = exported_app(tree, &file);
            if attr.is_none() {
                return Err(Unbuildable::new(format!(
                    "`{path}` has no top-level `app`, `application` or `handler`"
                ))
                .fix(format!(
                    "name the app with `\"entrypoint\": \"{}:<name>\"`",
                    module_of(path)
                )));
            }
            return Ok(from_file(file, attr));
        }
        _ => {}
    }
    if let Some((file, attr)) = tool_vercel_entrypoint(tree, workdir, "tool.vercel", "entrypoint") {
        return Ok(from_file(file, Some(attr)));
    }
    if input.service.framework.as_deref() == Some("django")
        && let Some(app) = django(tree, workdir)
    {
        return Ok(app);
    }
    let candidate = CANDIDATE_DIRS
        .iter()
        .flat_map(|dir| {
            CANDIDATE_FILES
                .iter()
                .map(move |name| join(dir, &format!("{name}.py")))
        })
        .map(|file| join(workdir, &file))
        .find_map(|file| exported_app(tree, &file).map(|attr| (file, attr)));
    if let Some((file, attr)) = candidate {
        return Ok(from_file(file, Some(attr)));
    }
    if let Some((file, attr)) = tool_vercel_entrypoint(tree, workdir, "project.scripts", "app") {
        return Ok(from_file(file, Some(attr)));
    }
    if input.service.framework.is_none()
        && let Some(app) = django(tree, workdir)
    {
        return Ok(app);
    }
    Err(Unbuildable::new(format!(
        "no app found: none of app, index, server, main, wsgi or asgi .py in `{workdir}` or its src/, app/ or api/ defines a top-level `app` or `application`"
    ))
    .fix("set `entrypoint` to the app as `module:attr`, e.g. `main:app`"))
}

/// `src/main.py` -> `src.main`; `pkg/__init__.py` -> `pkg`.
fn module_of(path: &str) -> String {
    let stem = path.strip_suffix(".py").unwrap_or(path);
    let stem = stem.strip_suffix("/__init__").unwrap_or(stem);
    stem.replace('/', ".")
}

/// The name a file exports for Vercel's Python builder: the first top-level `app` or
/// `application` it assigns, defines or imports, or a `handler` class.
fn exported_app(tree: Tree, file: &str) -> Option<String> {
    let text = tree.read(file)?;
    text.lines().find_map(|line| {
        if line.starts_with(char::is_whitespace) {
            return None;
        }
        let line = line.split('#').next().unwrap_or(line);
        for name in ["app", "application"] {
            let assigned = line.strip_prefix(name).is_some_and(|rest| {
                let rest = rest.trim_start();
                (rest.starts_with('=') && !rest.starts_with("==")) || rest.starts_with(':')
            });
            let defined = ["def ", "async def "].iter().any(|d| {
                line.strip_prefix(d)
                    .is_some_and(|r| r.starts_with(&format!("{name}(")))
            });
            let imported = line.starts_with("from ")
                && line.split(" import ").nth(1).is_some_and(|names| {
                    names
                        .split(',')
                        .map(|n| n.trim().trim_matches(['(', ')']))
                        .any(|n| n == name || n.ends_with(&format!(" as {name}")))
                });
            if assigned || defined || imported {
                return Some(name.to_string());
            }
        }
        line.strip_prefix("class ")
            .map(|rest| rest.split(['(', ':']).next().unwrap_or("").trim())
            .filter(|class| class.eq_ignore_ascii_case("handler"))
            .map(String::from)
    })
}

/// `[tool.vercel] entrypoint = "module:attr"` (or `[project.scripts] app = ...`) in the
/// workdir's pyproject.toml, as the file and attribute it names.
fn tool_vercel_entrypoint(
    tree: Tree,
    workdir: &str,
    table: &str,
    key: &str,
) -> Option<(String, String)> {
    let text = tree.read(&join(workdir, "pyproject.toml"))?;
    let value = toml_string(&text, table, key)?;
    let (module, attr) = value.split_once(':')?;
    let (module, attr) = (module.trim(), attr.trim());
    let path = module.replace('.', "/");
    [format!("{path}.py"), format!("{path}/__init__.py")]
        .into_iter()
        .map(|file| join(workdir, &file))
        .find(|file| tree.is_file(file))
        .map(|file| (file, attr.to_string()))
}

/// A string value of a key in a TOML table, read line by line.
fn toml_string(text: &str, table: &str, key: &str) -> Option<String> {
    let mut inside = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line.trim_matches(['[', ']']).trim() == table;
            continue;
        }
        if !inside {
            continue;
        }
        if let Some((k, v)) = line.split_once('=')
            && k.trim().trim_matches('"') == key
        {
            let v = v.trim();
            let quote = v.chars().next().filter(|c| *c == '"' || *c == '\'')?;
            return v[1..].split(quote).next().map(String::from);
        }
    }
    None
}

/// Django: the first directory (the workdir, then its subdirectories) whose manage.py sets
/// `DJANGO_SETTINGS_MODULE`; the app is the settings' `ASGI_APPLICATION` or
/// `WSGI_APPLICATION`, else the settings package's `wsgi.application`.
fn django(tree: Tree, workdir: &str) -> Option<App> {
    let mut dirs = vec![workdir.to_string()];
    dirs.extend(
        tree.list(workdir)
            .into_iter()
            .filter(|n| !n.starts_with('.'))
            .map(|n| join(workdir, &n))
            .filter(|d| tree.is_dir(d)),
    );
    let (base, settings) = dirs.into_iter().find_map(|dir| {
        let manage = tree.read(&join(&dir, "manage.py"))?;
        let rest = manage.split("DJANGO_SETTINGS_MODULE").nth(1)?;
        let module = rest.split(['"', '\'']).nth(2)?.to_string();
        Some((dir, module))
    })?;
    let settings_file = join(&base, &format!("{}.py", settings.replace('.', "/")));
    let settings_text = tree.read(&settings_file).unwrap_or_default();
    let setting = |name: &str| {
        settings_text.lines().find_map(|line| {
            let rest = line
                .strip_prefix(name)?
                .trim_start()
                .strip_prefix('=')?
                .trim();
            let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
            rest[1..].split(quote).next().map(String::from)
        })
    };
    let project = settings.split('.').next()?.to_string();
    let dotted = setting("ASGI_APPLICATION")
        .or_else(|| setting("WSGI_APPLICATION"))
        .unwrap_or_else(|| format!("{project}.wsgi.application"));
    let (module, attr) = dotted.rsplit_once('.')?;
    Some(App {
        module: module.to_string(),
        attr: Some(attr.to_string()),
        file: format!("{}.py", module.replace('.', "/")),
        base: Some(base),
    })
}

/// The framework a file imports, installed on its own when the project declares nothing.
fn imported_framework(tree: Tree, file: &str) -> Option<&'static str> {
    let text = tree.read(file)?;
    FRAMEWORK_PACKAGES.iter().copied().find(|package| {
        text.lines().map(str::trim_start).any(|line| {
            let rest = line
                .strip_prefix("from ")
                .or_else(|| line.strip_prefix("import "));
            rest.is_some_and(|rest| rest.split([' ', '.', ',']).next() == Some(*package))
        })
    })
}

/// The Python version: the nearest `.python-version` (not above the dependency file's
/// directory), else `requires-python`, else Pipfile.lock's or Pipfile's `python_version`, else
/// Vercel's default; a request no version meets falls back to the default, as on Vercel.
fn version(tree: Tree, entry_dir: &str, deps: Option<&(String, Deps)>) -> &'static str {
    let limit = deps.map_or(".".to_string(), |(dir, _)| dir.clone());
    let pinned = Tree::ancestors(entry_dir)
        .into_iter()
        .take_while(|dir| files::contains(&limit, dir))
        .find_map(|dir| tree.read(&join(&dir, ".python-version")));
    if let Some(minor) = pinned.as_deref().and_then(python_version_file) {
        return minor;
    }
    let Some((dir, _)) = deps else {
        return versions::PYTHON[0].0;
    };
    let pyproject = tree.read(&join(dir, "pyproject.toml"));
    if let Some(requires) = pyproject.and_then(|t| toml_string(&t, "project", "requires-python")) {
        return versions::python_minor(&requires).unwrap_or(versions::PYTHON[0].0);
    }
    let pipfile = tree
        .json(&join(dir, "Pipfile.lock"))
        .and_then(|lock| {
            let version = lock.pointer("/_meta/requires/python_version")?.as_str()?;
            Some(version.to_string())
        })
        .or_else(|| {
            let pipfile = tree.read(&join(dir, "Pipfile"))?;
            toml_string(&pipfile, "requires", "python_version")
        });
    // Vercel raises a converted manifest's version below its default to the default.
    pipfile
        .and_then(|version| versions::python_minor(&format!("=={version}.*")))
        .filter(|minor| minor_at_least(minor, versions::PYTHON[0].0))
        .unwrap_or(versions::PYTHON[0].0)
}

fn minor_at_least(minor: &str, floor: &str) -> bool {
    let parse = |v: &str| -> (u64, u64) {
        let mut parts = v.split('.').map(|p| p.parse().unwrap_or(0));
        (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
    };
    parse(minor) >= parse(floor)
}

/// `.python-version` as uv reads it: one request a line, the first that names a version svc
/// has wins (`3.12`, `3.12.4`, `>=3.11,<3.13`, `312`, `cp312`, `cpython@3.12`, `3.13t`,
/// `cpython-3.12.3-linux-x86_64-gnu`).
fn python_version_file(text: &str) -> Option<&'static str> {
    text.lines()
        .map(|line| line.split('#').next().unwrap_or(line).trim())
        .filter(|line| !line.is_empty())
        .find_map(|line| {
            let request = line
                .trim_start_matches("cpython@")
                .trim_start_matches("cpython-")
                .trim_start_matches("cp");
            let request = request.split('-').next().unwrap_or(request);
            let request = request.trim_end_matches('t');
            let request = match request.as_bytes() {
                [major, rest @ ..]
                    if !request.contains('.')
                        && !rest.is_empty()
                        && request.chars().all(|c| c.is_ascii_digit()) =>
                {
                    format!("{}.{}", *major as char, String::from_utf8_lossy(rest))
                }
                _ => request.to_string(),
            };
            versions::python_minor(&request)
        })
}

/// The dependency file and what belongs with it, relative to the project.
fn manifest_files(tree: Tree, dir: &str, deps: &Deps) -> Vec<String> {
    let names: Vec<String> = match deps {
        Deps::UvLock => vec!["pyproject.toml".into(), "uv.lock".into(), "uv.toml".into()],
        Deps::Poetry => vec!["pyproject.toml".into(), "poetry.lock".into()],
        Deps::Pyproject => vec!["pyproject.toml".into(), "uv.toml".into()],
        Deps::PipfileLock => vec!["Pipfile".into(), "Pipfile.lock".into()],
        Deps::Pipfile => vec!["Pipfile".into()],
        Deps::Requirements(_) => {
            // Requirement files include each other (`-r base.txt`): all of them come along.
            let mut names: Vec<String> = tree
                .list(dir)
                .into_iter()
                .filter(|n| {
                    n.starts_with("requirements") && (n.ends_with(".txt") || n.ends_with(".in"))
                })
                .collect();
            names.extend(
                tree.list(&join(dir, "requirements"))
                    .into_iter()
                    .map(|n| format!("requirements/{n}")),
            );
            names
        }
    };
    names
        .into_iter()
        .map(|name| join(dir, &name))
        .filter(|path| tree.is_file(path))
        .collect()
}

/// Installs the dependencies into the virtualenv on `PATH` (`/venv`). Tools run from a
/// virtualenv of their own (`/opt/tool`), so they never reach the image that runs.
fn install_command(deps: &Deps) -> String {
    let tool = |requirement: &str| {
        format!(
            "python -m venv /opt/tool && /opt/tool/bin/pip install --no-cache-dir {requirement}"
        )
    };
    match deps {
        Deps::UvLock => format!(
            "{} && UV_PROJECT_ENVIRONMENT=/venv /opt/tool/bin/uv sync --frozen --no-dev --no-install-project --inexact",
            tool(UV)
        ),
        Deps::Poetry => format!(
            "{} && POETRY_VIRTUALENVS_CREATE=false /opt/tool/bin/poetry install --only main --no-root --no-interaction",
            tool(POETRY)
        ),
        Deps::Pyproject => format!(
            "{} && /opt/tool/bin/uv pip install --python /venv/bin/python -r pyproject.toml",
            tool(UV)
        ),
        // `pipenv requirements` reads the lockfile, so a Pipfile alone is locked first.
        Deps::PipfileLock | Deps::Pipfile => format!(
            "{}{} && /opt/tool/bin/pipenv requirements > /tmp/requirements.txt && python -m pip install --no-cache-dir -r /tmp/requirements.txt",
            tool(PIPENV),
            if *deps == Deps::Pipfile {
                " && /opt/tool/bin/pipenv lock"
            } else {
                ""
            }
        ),
        Deps::Requirements(name) => format!("python -m pip install --no-cache-dir -r {name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree_with(name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("svc-py-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    #[test]
    fn the_exported_app_is_the_first_top_level_app_or_application() {
        let dir = tree_with(
            "exports",
            &[
                (
                    "a.py",
                    "import x\n\ndef f():\n    app = 1\n\napplication = make()\n",
                ),
                ("b.py", "from server import app\n"),
                ("c.py", "class Handler(BaseHTTPRequestHandler):\n    pass\n"),
                ("d.py", "handler = 1\n"),
                ("e.py", "app: FastAPI = FastAPI()\n"),
            ],
        );
        let tree = Tree::new(&dir);
        assert_eq!(exported_app(tree, "a.py").as_deref(), Some("application"));
        assert_eq!(exported_app(tree, "b.py").as_deref(), Some("app"));
        assert_eq!(exported_app(tree, "c.py").as_deref(), Some("Handler"));
        assert_eq!(exported_app(tree, "d.py"), None);
        assert_eq!(exported_app(tree, "e.py").as_deref(), Some("app"));
    }

    #[test]
    fn dependency_files_are_found_walking_up_in_vercels_order() {
        let dir = tree_with(
            "deps",
            &[
                ("requirements.txt", "flask\n"),
                ("svc/pyproject.toml", "[project]\nname = 'x'\n"),
                ("svc/uv.lock", ""),
                ("other/app.py", "app = 1\n"),
            ],
        );
        let tree = Tree::new(&dir);
        assert_eq!(find_deps(tree, "svc"), Some(("svc".into(), Deps::UvLock)));
        assert_eq!(
            find_deps(tree, "other"),
            Some((".".into(), Deps::Requirements("requirements.txt")))
        );
    }

    #[test]
    fn python_version_files_read_as_uv_reads_them() {
        assert_eq!(python_version_file("3.13\n"), Some("3.13"));
        assert_eq!(python_version_file("# pinned\n3.11.9\n"), Some("3.11"));
        assert_eq!(python_version_file("312\n"), Some("3.12"));
        assert_eq!(python_version_file("cp313\n"), Some("3.13"));
        assert_eq!(python_version_file("3.13t\n"), Some("3.13"));
        assert_eq!(
            python_version_file("cpython-3.11.3-linux-x86_64-gnu\n"),
            Some("3.11")
        );
        assert_eq!(python_version_file("3.99\n3.13\n"), Some("3.13"));
        assert_eq!(python_version_file("pypy\n"), None);
    }

    #[test]
    fn pyproject_tables_are_read_for_entrypoints_and_versions() {
        let text = "[project]\nname = \"x\"\nrequires-python = \">=3.13\"\n\n[tool.vercel]\nentrypoint = \"pkg.main:app\"\n";
        assert_eq!(
            toml_string(text, "tool.vercel", "entrypoint").as_deref(),
            Some("pkg.main:app")
        );
        assert_eq!(
            toml_string(text, "project", "requires-python").as_deref(),
            Some(">=3.13")
        );
        assert_eq!(module_of("pkg/__init__.py"), "pkg");
    }

    #[test]
    fn django_serves_the_application_its_settings_name() {
        let dir = tree_with(
            "django",
            &[
                (
                    "site/manage.py",
                    "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'conf.settings')\n",
                ),
                (
                    "site/conf/settings.py",
                    "WSGI_APPLICATION = 'conf.wsgi.application'\n",
                ),
                (
                    "site/conf/wsgi.py",
                    "application = get_wsgi_application()\n",
                ),
            ],
        );
        let app = django(Tree::new(&dir), ".").unwrap();
        assert_eq!(
            (app.module.as_str(), app.attr.as_deref()),
            ("conf.wsgi", Some("application"))
        );
        assert_eq!(app.base.as_deref(), Some("site"));
    }
}
