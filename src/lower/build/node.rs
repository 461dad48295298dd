//! Node builds as Vercel's Node builders run them: the package manager and its version from the
//! lockfile found walking up from the service (or `packageManager`), Node from `engines.node`
//! (or `.nvmrc` / `.node-version`), the install where it would run, `vercel-build` before
//! `build`, and workspace monorepos built from the workspace root with only the service's
//! packages installed.

use super::files::{self, Tree, join};
use super::{Input, recipe_in, versions};
use crate::ir::{
    CronRoute, Entrypoint, NodeRun, NodeToolchain, PackageManager, PackageManagerName, Recipe,
    RecipeKind, Unbuildable, Workload,
};
use serde_json::Value;

/// Lockfiles in Vercel's order of preference within one directory.
const LOCKFILES: &[&str] = &[
    "bun.lock",
    "bun.lockb",
    "yarn.lock",
    "pnpm-lock.yaml",
    "package-lock.json",
];

/// Files the package managers read beside package.json, copied with it.
const CONFIG_FILES: &[&str] = &[".npmrc", ".yarnrc.yml", ".yarnrc", ".pnpmfile.cjs"];

/// Node backends, in the order Vercel's backends builder reads them from `dependencies`.
const BACKENDS: &[(&str, &str)] = &[
    ("@nestjs/core", "nestjs"),
    ("express", "express"),
    ("hono", "hono"),
    ("elysia", "elysia"),
    ("fastify", "fastify"),
    ("koa", "koa"),
    ("h3", "h3"),
];

const EXTENSIONS: &[&str] = &["js", "cjs", "mjs", "ts", "cts", "mts"];

/// Everything a Node build knows about where it runs.
pub struct Project {
    /// The build context, relative to the project directory.
    pub context: String,
    /// The directory holding the service's package.json, relative to the project directory.
    pub workdir: String,
    pub package: Option<Value>,
    pub node: NodeToolchain,
}

/// Where a Node service's package.json, lockfile and workspace are, and what to install.
pub fn project(input: &Input, workdir: &str) -> Result<Project, Unbuildable> {
    let tree = input.tree;
    let package = tree.json(&join(workdir, "package.json"));
    let lock = tree.find_up(workdir, LOCKFILES);
    // The lockfile's directory is the service's workspace when it is a workspace root that
    // the service is, or lists among its packages.
    let workspace = lock
        .as_ref()
        .map(|(dir, _)| dir.clone())
        .filter(|dir| is_workspace_root(tree, dir))
        .filter(|dir| {
            files::normal(dir) == files::normal(workdir)
                || workspace_members(tree, dir).contains(&files::normal(workdir))
        });
    let context = workspace.clone().unwrap_or_else(|| files::normal(workdir));
    let manager = package_manager(tree, workdir, lock.as_ref())?;
    let version = node_version(tree, workdir, package.as_ref())?;
    let image_kind = if manager.name == PackageManagerName::Bun {
        "bun"
    } else {
        "node"
    };
    let image_version = if manager.name == PackageManagerName::Bun {
        manager.version.clone().unwrap_or_default()
    } else {
        version.to_string()
    };
    let manifests = manifests(tree, &context, workdir, workspace.is_some(), lock.as_ref());
    let (install, install_dir) = install(
        input,
        &manager,
        workdir,
        workspace.as_deref(),
        package.as_ref(),
    );
    let mut build_env = indexmap::IndexMap::from([("CI".to_string(), "1".to_string())]);
    if manager.name == PackageManagerName::Yarn {
        build_env.insert("YARN_NODE_LINKER".to_string(), "node-modules".to_string());
    }
    Ok(Project {
        node: NodeToolchain {
            image: input.images.get(image_kind, &image_version),
            version: version.to_string(),
            package_manager: manager,
            manifests,
            install_dir: files::relative(&context, &install_dir),
            install,
            build: None,
            build_env,
        },
        context,
        workdir: files::normal(workdir),
        package,
    })
}

/// A pnpm workspace, or a package.json with `workspaces`.
fn is_workspace_root(tree: Tree, dir: &str) -> bool {
    tree.is_file(&join(dir, "pnpm-workspace.yaml"))
        || tree
            .json(&join(dir, "package.json"))
            .is_some_and(|p| p.get("workspaces").is_some())
}

/// The package manager the lockfile names (Vercel's order when there are several), at the
/// version `packageManager` pins, else the newest of the major the lockfile's format belongs
/// to. Without a lockfile, `packageManager`'s, else npm.
fn package_manager(
    tree: Tree,
    workdir: &str,
    lock: Option<&(String, Vec<&'static str>)>,
) -> Result<PackageManager, Unbuildable> {
    let declared = declared_manager(tree, workdir, lock.map(|(dir, _)| dir.as_str()));
    let Some((dir, found)) = lock else {
        return Ok(match declared {
            Some((name, version)) => manager(name, Some(version)),
            None => manager(PackageManagerName::Npm, None),
        });
    };
    let has = |name: &str| found.contains(&name);
    let bun = has("bun.lock") || has("bun.lockb");
    let name = if bun && has("yarn.lock") {
        PackageManagerName::Bun
    } else if has("yarn.lock") {
        PackageManagerName::Yarn
    } else if has("pnpm-lock.yaml") {
        PackageManagerName::Pnpm
    } else if has("package-lock.json") {
        PackageManagerName::Npm
    } else {
        PackageManagerName::Bun
    };
    let pinned = declared
        .filter(|(declared, _)| *declared == name)
        .map(|(_, version)| version);
    if pinned.is_some() || name == PackageManagerName::Npm {
        return Ok(manager(name, pinned));
    }
    let version = match name {
        PackageManagerName::Pnpm => {
            let text = tree.read(&join(dir, "pnpm-lock.yaml")).unwrap_or_default();
            pnpm_for_lockfile(&text).ok_or_else(|| {
                Unbuildable::new(format!(
                    "`{}` has a lockfileVersion svc does not know the pnpm of",
                    join(dir, "pnpm-lock.yaml")
                ))
                .fix("pin pnpm with `\"packageManager\": \"pnpm@<version>\"` in package.json")
            })?
        }
        PackageManagerName::Yarn => {
            let text = tree.read(&join(dir, "yarn.lock")).unwrap_or_default();
            yarn_for_lockfile(&text)
        }
        _ => versions::BUN.to_string(),
    };
    Ok(manager(name, Some(version)))
}

fn manager(name: PackageManagerName, version: Option<String>) -> PackageManager {
    let package = match (name, version.as_deref()) {
        (PackageManagerName::Yarn, Some(v)) if !v.starts_with("1.") => "@yarnpkg/cli-dist",
        (name, _) => name.as_str(),
    };
    PackageManager {
        name,
        version: if name == PackageManagerName::Npm {
            None
        } else {
            version
        },
        package,
    }
}

/// `packageManager` (`pnpm@9.15.0+sha512...`) from the workdir's package.json, or the lockfile
/// directory's.
fn declared_manager(
    tree: Tree,
    workdir: &str,
    lock_dir: Option<&str>,
) -> Option<(PackageManagerName, String)> {
    let field = |dir: &str| {
        tree.json(&join(dir, "package.json"))?
            .get("packageManager")?
            .as_str()
            .map(String::from)
    };
    let text = lock_dir.and_then(field).or_else(|| field(workdir))?;
    let (name, version) = text.split_once('@')?;
    let version = version.split('+').next()?.to_string();
    let name = match name {
        "npm" => PackageManagerName::Npm,
        "pnpm" => PackageManagerName::Pnpm,
        "yarn" => PackageManagerName::Yarn,
        "bun" => PackageManagerName::Bun,
        _ => return None,
    };
    // `pnpm@latest` pins nothing: the lockfile decides instead.
    versions::is_exact_version(&version).then_some((name, version))
}

/// pnpm's major by the lockfile's `lockfileVersion`, as Vercel maps it; `9.0` is written by
/// pnpm 9 and 10, and Vercel gives new projects pnpm 10.
fn pnpm_for_lockfile(text: &str) -> Option<String> {
    let version = text
        .lines()
        .find_map(|line| line.strip_prefix("lockfileVersion:"))?
        .trim()
        .trim_matches(['\'', '"']);
    let major = match version {
        "5.3" => 6,
        "5.4" => 7,
        "6.0" | "6.1" => 8,
        "7.0" => 9,
        "9.0" => 10,
        _ => return None,
    };
    versions::PNPM
        .iter()
        .find(|(m, _)| *m == major)
        .map(|(_, v)| v.to_string())
}

/// Yarn classic for a v1 lockfile; berry by the `__metadata` version otherwise.
fn yarn_for_lockfile(text: &str) -> String {
    let metadata = text
        .lines()
        .skip_while(|line| !line.starts_with("__metadata:"))
        .find_map(|line| line.trim().strip_prefix("version:"))
        .and_then(|v| v.trim().trim_matches(['\'', '"']).parse::<u64>().ok());
    let major = match metadata {
        None => return versions::YARN_CLASSIC.to_string(),
        Some(4 | 5) => 2,
        Some(6 | 7) => 3,
        Some(_) => 4,
    };
    versions::YARN_BERRY
        .iter()
        .find(|(m, _)| *m == major)
        .map_or(versions::YARN_CLASSIC, |(_, v)| v)
        .to_string()
}

/// Node from the service's `engines.node`, else the nearest `.nvmrc` / `.node-version`, else
/// Vercel's default (the newest). A range no supported major meets is refused, as Vercel does.
fn node_version(
    tree: Tree,
    workdir: &str,
    package: Option<&Value>,
) -> Result<&'static str, Unbuildable> {
    let engines = package
        .and_then(|p| p.pointer("/engines/node"))
        .and_then(Value::as_str);
    let (range, from) = match engines {
        Some(range) => (
            Some(range.to_string()),
            "`engines.node` in package.json".to_string(),
        ),
        None => {
            let file = Tree::ancestors(workdir).into_iter().find_map(|dir| {
                [".nvmrc", ".node-version"]
                    .iter()
                    .map(|name| join(&dir, name))
                    .find(|path| tree.is_file(path))
            });
            match file {
                None => (None, String::new()),
                // Vercel does not read these files: one naming a Node it does not build with
                // (or nothing svc can read) leaves the choice to Vercel's default.
                Some(path) => {
                    let text = tree.read(&path).unwrap_or_default();
                    let range = versions::nvmrc_range(&text)
                        .flatten()
                        .filter(|range| versions::node_major(range).is_some());
                    (range, format!("`{path}`"))
                }
            }
        }
    };
    let Some(range) = range else {
        return Ok(versions::NODE[0].1);
    };
    match versions::node_major(&range) {
        Some(major) => Ok(versions::node_release(major)),
        None => Err(unsupported_node(&range, &from)),
    }
}

fn unsupported_node(range: &str, from: &str) -> Unbuildable {
    let majors: Vec<String> = versions::NODE
        .iter()
        .map(|(m, _)| format!("{m}.x"))
        .collect();
    Unbuildable::new(format!(
        "{from} asks for Node `{range}`, which no Node version Vercel builds with meets"
    ))
    .fix(format!("ask for one of {}", majors.join(", ")))
}

/// What the install needs before the sources: manifests, lockfile and package-manager config,
/// of the service alone, or of the whole workspace it belongs to.
fn manifests(
    tree: Tree,
    context: &str,
    workdir: &str,
    workspace: bool,
    lock: Option<&(String, Vec<&'static str>)>,
) -> Vec<String> {
    let mut paths: Vec<String> = Vec::new();
    let mut add = |path: String| {
        if tree.is_file(&path) && !paths.contains(&path) {
            paths.push(path);
        }
    };
    let dirs: Vec<String> = if workspace {
        let mut dirs = vec![context.to_string()];
        dirs.extend(workspace_members(tree, context));
        dirs
    } else {
        vec![workdir.to_string()]
    };
    for dir in &dirs {
        add(join(dir, "package.json"));
    }
    if let Some((dir, found)) = lock
        && files::contains(context, dir)
    {
        for name in found {
            add(join(dir, name));
        }
    }
    for name in CONFIG_FILES.iter().chain(&["pnpm-workspace.yaml"]) {
        for dir in Tree::ancestors(workdir)
            .into_iter()
            .filter(|d| files::contains(context, d))
        {
            add(join(&dir, name));
        }
    }
    // Yarn berry's own release (`yarnPath`), its plugins and patches, and the patches pnpm and
    // patch-package apply during the install.
    for dir in [
        ".yarn/releases",
        ".yarn/plugins",
        ".yarn/patches",
        "patches",
    ] {
        for file in tree.files_under(&join(context, dir), 4) {
            add(file);
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| files::relative(context, &path))
        .collect()
}

/// The directories of a workspace's packages: `pnpm-workspace.yaml`'s `packages`, or
/// package.json's `workspaces`, expanded (`*` one directory, `**` any depth, `!` excluded).
pub fn workspace_members(tree: Tree, root: &str) -> Vec<String> {
    let mut patterns: Vec<String> = Vec::new();
    if let Some(text) = tree.read(&join(root, "pnpm-workspace.yaml")) {
        patterns.extend(yaml_list(&text, "packages"));
    }
    if let Some(package) = tree.json(&join(root, "package.json")) {
        let list = match package.get("workspaces") {
            Some(Value::Array(list)) => list.clone(),
            Some(Value::Object(object)) => object
                .get("packages")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        patterns.extend(list.iter().filter_map(Value::as_str).map(String::from));
    }
    let (excluded, included): (Vec<String>, Vec<String>) =
        patterns.into_iter().partition(|p| p.starts_with('!'));
    let mut members: Vec<String> = Vec::new();
    for pattern in &included {
        for dir in expand(
            tree,
            root,
            pattern.trim_start_matches("./").trim_end_matches('/'),
        ) {
            let inside = files::relative(root, &dir);
            let skip = excluded
                .iter()
                .any(|e| glob_matches(e.trim_start_matches('!').trim_start_matches("./"), &inside));
            if !skip && tree.is_file(&join(&dir, "package.json")) && !members.contains(&dir) {
                members.push(dir);
            }
        }
    }
    members.sort();
    members
}

/// The items of a top-level YAML list (`key:` then `- item` lines), quotes removed.
fn yaml_list(text: &str, key: &str) -> Vec<String> {
    let mut lines = text
        .lines()
        .skip_while(|l| l.trim_end() != format!("{key}:"));
    lines.next();
    lines
        .take_while(|l| l.starts_with(' ') || l.starts_with('-') || l.trim().is_empty())
        .filter_map(|l| l.trim().strip_prefix('-'))
        .map(|item| {
            item.split(" #")
                .next()
                .unwrap_or(item)
                .trim()
                .trim_matches(['\'', '"'])
                .to_string()
        })
        .filter(|item| !item.is_empty())
        .collect()
}

/// The directories under `root` a workspace pattern names.
fn expand(tree: Tree, root: &str, pattern: &str) -> Vec<String> {
    let mut dirs = vec![files::normal(root)];
    for segment in pattern.split('/') {
        let mut next = Vec::new();
        for dir in &dirs {
            match segment {
                "**" => next.extend(descendants(tree, dir, 4)),
                segment if segment.contains('*') => next.extend(
                    subdirs(tree, dir)
                        .into_iter()
                        .filter(|d| glob_matches(segment, d.rsplit('/').next().unwrap_or(d))),
                ),
                segment => {
                    let candidate = join(dir, segment);
                    if tree.is_dir(&candidate) {
                        next.push(candidate);
                    }
                }
            }
        }
        dirs = next;
    }
    dirs
}

fn subdirs(tree: Tree, dir: &str) -> Vec<String> {
    tree.list(dir)
        .into_iter()
        .filter(|name| !name.starts_with('.') && name != "node_modules")
        .map(|name| join(dir, &name))
        .filter(|path| tree.is_dir(path))
        .collect()
}

/// `dir` and every directory under it, `depth` levels down.
fn descendants(tree: Tree, dir: &str, depth: usize) -> Vec<String> {
    let mut out = vec![dir.to_string()];
    if depth > 0 {
        for sub in subdirs(tree, dir) {
            out.extend(descendants(tree, &sub, depth - 1));
        }
    }
    out
}

/// A path glob of `*` (within a segment) and `**` (any segments).
fn glob_matches(pattern: &str, path: &str) -> bool {
    fn segments(pattern: &[&str], path: &[&str]) -> bool {
        match (pattern.first(), path.first()) {
            (None, None) => true,
            (Some(&"**"), _) => {
                segments(&pattern[1..], path) || (!path.is_empty() && segments(pattern, &path[1..]))
            }
            (Some(p), Some(s)) => segment(p, s) && segments(&pattern[1..], &path[1..]),
            _ => false,
        }
    }
    fn segment(pattern: &str, text: &str) -> bool {
        match pattern.split_once('*') {
            None => pattern == text,
            Some((head, tail)) => {
                text.starts_with(head)
                    && (0..=text.len() - head.len()).any(|i| {
                        text.is_char_boundary(head.len() + i)
                            && segment(tail, &text[head.len() + i..])
                    })
            }
        }
    }
    let pattern: Vec<&str> = pattern.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    segments(&pattern, &path)
}

/// The install command and the directory it runs in. In a workspace it runs at the root and
/// selects the service's package and what it depends on; elsewhere in the workdir, as Vercel
/// runs it. An empty `installCommand` skips it, as on Vercel.
fn install(
    input: &Input,
    manager: &PackageManager,
    workdir: &str,
    workspace: Option<&str>,
    package: Option<&Value>,
) -> (Option<String>, String) {
    if let Some(command) = &input.service.build.install_command {
        let command = (!command.trim().is_empty()).then(|| command.clone());
        return (command, files::normal(workdir));
    }
    if package.is_none() {
        return (None, files::normal(workdir));
    }
    let name = package
        .and_then(|p| p.get("name"))
        .and_then(Value::as_str)
        .filter(|n| {
            n.chars()
                .all(|c| c.is_ascii_alphanumeric() || "@/._-".contains(c))
        });
    let berry = manager.package == "@yarnpkg/cli-dist";
    let yarn_focus = berry
        && manager
            .version
            .as_deref()
            .is_some_and(|v| !v.starts_with("2.") && !v.starts_with("3."));
    match (workspace, name) {
        // The workspace root itself installs the whole workspace.
        (Some(root), _) if files::normal(root) == files::normal(workdir) => {
            (Some(plain_install(manager)), files::normal(root))
        }
        (Some(root), Some(name)) => {
            let member = files::relative(root, workdir);
            let command = match manager.name {
                PackageManagerName::Pnpm => format!("pnpm install --filter {name}..."),
                PackageManagerName::Npm => format!("npm install --no-audit --workspace {member}"),
                PackageManagerName::Yarn if yarn_focus => format!("yarn workspaces focus {name}"),
                PackageManagerName::Yarn => "yarn install".to_string(),
                PackageManagerName::Bun => format!("bun install --filter {name}"),
            };
            (Some(command), files::normal(root))
        }
        (Some(root), None) => (Some(plain_install(manager)), files::normal(root)),
        (None, _) => (Some(plain_install(manager)), files::normal(workdir)),
    }
}

/// The command Vercel's builders run for each package manager.
fn plain_install(manager: &PackageManager) -> String {
    match manager.name {
        PackageManagerName::Npm => "npm install --no-audit",
        PackageManagerName::Pnpm => "pnpm install",
        PackageManagerName::Yarn => "yarn install",
        PackageManagerName::Bun => "bun install",
    }
    .to_string()
}

/// `<pm> run <script>`.
pub fn run_script(manager: &PackageManager, script: &str) -> String {
    format!("{} run {script}", manager.name.as_str())
}

/// The first of `scripts` package.json defines.
pub fn first_script<'a>(package: Option<&Value>, scripts: &[&'a str]) -> Option<&'a str> {
    let defined = package?.get("scripts")?.as_object()?;
    scripts.iter().copied().find(|s| defined.contains_key(*s))
}

/// Next.js: `vercel-build`, `now-build` or `build`, else `next build`; standalone output unless
/// next.config asks for a static export, which is then served as a site.
pub fn next(input: &Input) -> Result<Recipe, Unbuildable> {
    let dir = input.framework_dir();
    let mut project = project(input, &dir)?;
    let manager = project.node.package_manager.clone();
    project.node.build = Some(match &input.service.build.build_command {
        Some(command) => command.clone(),
        None => first_script(
            project.package.as_ref(),
            &["vercel-build", "now-build", "build"],
        )
        .map_or_else(
            || "next build".to_string(),
            |script| run_script(&manager, script),
        ),
    });
    let config = next_config(input.tree, &dir);
    project
        .node
        .build_env
        .insert("NEXT_TELEMETRY_DISABLED".to_string(), "1".to_string());
    if config.export {
        let output = input
            .service
            .build
            .output_directory
            .clone()
            .unwrap_or_else(|| "out".to_string());
        return Ok(built_site(
            input,
            project,
            crate::ir::OutputDir::Fixed(output),
        ));
    }
    project.node.build_env.extend([
        ("NEXT_PRIVATE_STANDALONE".to_string(), "1".to_string()),
        // Traced from the context's root, so a workspace's packages are in the server's tree.
        (
            "NEXT_PRIVATE_OUTPUT_TRACE_ROOT".to_string(),
            "/app".to_string(),
        ),
    ]);
    Ok(recipe_in(
        &project.context,
        &project.workdir,
        RecipeKind::Next {
            node: project.node,
            dist_dir: config.dist_dir,
        },
    ))
}

struct NextConfig {
    /// `output: "export"`.
    export: bool,
    dist_dir: String,
}

/// What next.config says of its output, read from its text: `output` and `distDir` written as
/// plain strings (a config that computes them is read as the defaults).
fn next_config(tree: Tree, dir: &str) -> NextConfig {
    let text = [
        "next.config.js",
        "next.config.mjs",
        "next.config.ts",
        "next.config.cjs",
        "next.config.mts",
    ]
    .iter()
    .find_map(|name| tree.read(&join(dir, name)))
    .unwrap_or_default();
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let string_value = |key: &str| {
        let at = compact.find(&format!("{key}:"))? + key.len() + 1;
        let rest = &compact[at..];
        let quote = rest
            .chars()
            .next()
            .filter(|c| matches!(c, '"' | '\'' | '`'))?;
        let value = rest[1..].split(quote).next()?;
        Some(value.to_string())
    };
    NextConfig {
        export: string_value("output").as_deref() == Some("export"),
        dist_dir: string_value("distDir")
            .filter(|d| files::is_plain_path(d))
            .unwrap_or_else(|| ".next".to_string()),
    }
}

/// A Node server: the entrypoint (or the file Vercel's backends builder finds), run by svc's
/// launcher as Vercel serves it: an exported handler, or the server the module starts.
pub fn server(input: &Input) -> Result<Recipe, Unbuildable> {
    let workdir = input.workspace(crate::ir::Runtime::Node);
    let mut project = project(input, &workdir)?;
    let entry = match &input.service.entrypoint {
        Some(Entrypoint::File { path }) => files::relative(&workdir, &join(input.root(), path)),
        _ => find_entry(input.tree, &workdir, project.package.as_ref())?,
    };
    let manager = project.node.package_manager.clone();
    project.node.build = match &input.service.build.build_command {
        Some(command) => Some(command.clone()),
        None => first_script(project.package.as_ref(), &["build"]).map(|s| run_script(&manager, s)),
    };
    let run = match &input.service.workload {
        Workload::Web => NodeRun::Web,
        Workload::Cron { .. } => NodeRun::Cron {
            routes: vec![CronRoute {
                path: cron_path(input.service.name.as_str(), &entry, "cron"),
                handler: "default".to_string(),
            }],
        },
        Workload::Worker(_)
        | Workload::Job {
            trigger: crate::ir::Trigger::Queue(_),
        } => {
            return Err(Unbuildable::new(
                "svc does not run Node queue workers yet: on Vercel, queue messages are pushed to a function that svc has no way to deliver to",
            ));
        }
        Workload::Job { .. } => NodeRun::Job,
    };
    Ok(recipe_in(
        &project.context,
        &project.workdir,
        RecipeKind::Node {
            node: project.node,
            entry,
            run,
        },
    ))
}

/// `/_svc/<service>/crons/<entry without extension>/<handler>`, Vercel's internal cron route.
pub fn cron_path(service: &str, entry: &str, handler: &str) -> String {
    let entry = entry.trim_start_matches("./").trim_start_matches('/');
    let stem = match entry.rsplit_once('.') {
        Some((stem, ext)) if !ext.contains('/') => stem,
        _ => entry,
    };
    format!("/_svc/{service}/crons/{stem}/{handler}")
}

/// The entrypoint Vercel's backends builder finds: by the framework in `dependencies`, the
/// first candidate that imports it; without one, the first that exists; else `main`.
fn find_entry(tree: Tree, workdir: &str, package: Option<&Value>) -> Result<String, Unbuildable> {
    let dependencies = package
        .and_then(|p| p.get("dependencies"))
        .and_then(Value::as_object);
    let framework = BACKENDS
        .iter()
        .find(|(dependency, _)| dependencies.is_some_and(|d| d.contains_key(*dependency)));
    let names: &[&str] = match framework {
        Some((_, "nestjs")) => &[
            "src/main",
            "src/app",
            "src/index",
            "src/server",
            "main",
            "app",
            "index",
            "server",
        ],
        Some(_) => &[
            "app",
            "index",
            "server",
            "src/app",
            "src/index",
            "src/server",
            "main",
            "src/main",
        ],
        None => &[
            "app",
            "index",
            "server",
            "main",
            "src/app",
            "src/index",
            "src/server",
            "src/main",
        ],
    };
    let candidates = names
        .iter()
        .flat_map(|name| EXTENSIONS.iter().map(move |ext| format!("{name}.{ext}")));
    let imports = |file: &str, dependency: &str| {
        tree.read(&join(workdir, file)).is_some_and(|text| {
            ["from", "require", "import"].iter().any(|word| {
                text.match_indices(word).any(|(at, _)| {
                    let rest = text[at + word.len()..]
                        .trim_start()
                        .trim_start_matches('(')
                        .trim_start();
                    rest.strip_prefix(['"', '\'']).is_some_and(|r| {
                        r.strip_prefix(dependency)
                            .is_some_and(|r| r.starts_with(['"', '\'']))
                    })
                })
            })
        })
    };
    let found = match framework {
        Some((dependency, _)) => candidates
            .clone()
            .find(|file| tree.is_file(&join(workdir, file)) && imports(file, dependency)),
        None => candidates
            .clone()
            .find(|file| tree.is_file(&join(workdir, file))),
    };
    if let Some(found) = found {
        return Ok(found);
    }
    let main = package
        .and_then(|p| p.get("main"))
        .and_then(Value::as_str)
        .map(|m| m.trim_start_matches("./").to_string())
        .filter(|m| files::is_plain_path(m) && tree.is_file(&join(workdir, m)));
    main.ok_or_else(|| {
        Unbuildable::new(format!(
            "no entrypoint: no app, index or server .js/.ts in `{workdir}` or its src/ (importing the framework), and no `main` in package.json"
        ))
        .fix("set `entrypoint` to the server's file, e.g. `index.js` or `src/server.ts`")
    })
}

/// A site a Node build writes into `output`, served by the static server (a static export, or a
/// `buildCommand` with no framework).
pub fn built_site(input: &Input, project: Project, output: crate::ir::OutputDir) -> Recipe {
    recipe_in(
        &project.context,
        &project.workdir,
        RecipeKind::Site {
            node: project.node,
            output,
            server: input.static_server(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pnpm_and_yarn_versions_follow_the_lockfile() {
        assert_eq!(
            pnpm_for_lockfile("lockfileVersion: '9.0'\n").as_deref(),
            Some("10.34.9")
        );
        assert_eq!(
            pnpm_for_lockfile("lockfileVersion: '6.0'\n").as_deref(),
            Some("8.15.9")
        );
        assert_eq!(
            pnpm_for_lockfile("lockfileVersion: 5.4\n").as_deref(),
            Some("7.33.7")
        );
        assert_eq!(pnpm_for_lockfile("lockfileVersion: 5.1\n"), None);
        assert_eq!(yarn_for_lockfile("# yarn lockfile v1\n"), "1.22.22");
        assert_eq!(
            yarn_for_lockfile("__metadata:\n  version: 8\n  cacheKey: 10c0\n"),
            "4.18.1"
        );
        assert_eq!(yarn_for_lockfile("__metadata:\n  version: 6\n"), "3.8.7");
    }

    #[test]
    fn workspace_globs_match_like_the_package_managers() {
        assert!(glob_matches("apps/*", "apps/web"));
        assert!(!glob_matches("apps/*", "apps/web/nested"));
        assert!(glob_matches("packages/**", "packages/a/b"));
        assert!(glob_matches("**/test", "packages/a/test"));
        assert!(glob_matches("apps/web-*", "apps/web-admin"));
        assert_eq!(
            yaml_list(
                "packages:\n  - 'apps/*'\n  - \"packages/*\" # libs\nother: 1\n",
                "packages"
            ),
            ["apps/*", "packages/*"]
        );
    }

    #[test]
    fn cron_routes_follow_vercels_internal_paths() {
        assert_eq!(
            cron_path("jobs", "src/cron.ts", "cron"),
            "/_svc/jobs/crons/src/cron/cron"
        );
    }
}
