//! How svc builds a service that brings neither an image nor a Dockerfile: the recipe Vercel's
//! builder for it would follow, with every fact the lower stage read from the project's files
//! (versions, package manager, manifests, commands) already decided, so that targets only print.

use serde::Serialize;

/// One per service, so the size of the recipe costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BuildPlan {
    Recipe(Recipe),
    /// The files do not say enough, or say something svc does not build; `svc check` reports it.
    Unbuildable(Unbuildable),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unbuildable {
    /// What the files say, or leave unsaid.
    pub reason: String,
    /// The change to the project that would settle it, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// `framework` values that would settle it, if any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub frameworks: Vec<&'static str>,
}

impl Unbuildable {
    pub fn new(reason: impl Into<String>) -> Unbuildable {
        Unbuildable {
            reason: reason.into(),
            fix: None,
            frameworks: Vec::new(),
        }
    }

    pub fn fix(mut self, fix: impl Into<String>) -> Unbuildable {
        self.fix = Some(fix.into());
        self
    }

    pub fn frameworks(mut self, frameworks: &[&'static str]) -> Unbuildable {
        self.frameworks = frameworks.to_vec();
        self
    }
}

/// One image build: a context, the service's place in it, and what to build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recipe {
    /// The build context, relative to the project directory: the service's root, or the
    /// directory above it holding the lockfile or workspace the service belongs to.
    pub context: String,
    /// The service's directory inside the context (`.` when it is the context): where its
    /// commands run and its app starts.
    pub workdir: String,
    #[serde(flatten)]
    pub kind: RecipeKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum RecipeKind {
    /// `next build` with standalone output, run by the server it writes.
    Next {
        node: NodeToolchain,
        /// `distDir` from next.config, `.next` by default.
        dist_dir: String,
    },
    /// A site a Node build writes, served as static files.
    Site {
        node: NodeToolchain,
        output: OutputDir,
        server: StaticServer,
    },
    /// Files served as they are, without a build.
    Files {
        /// The directory served, relative to the workdir (`.` for all of it).
        dir: String,
        server: StaticServer,
    },
    /// A Node server, started from its entrypoint by svc's launcher.
    Node {
        node: NodeToolchain,
        /// The entrypoint, relative to the workdir.
        entry: String,
        run: NodeRun,
    },
    Python {
        python: PythonToolchain,
        run: PythonRun,
    },
    /// A Go main package, built to one static binary.
    Go { go: GoToolchain },
}

/// Node, its package manager, and the commands Vercel's builder would run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeToolchain {
    pub image: String,
    /// The exact Node version the image carries.
    pub version: String,
    pub package_manager: PackageManager,
    /// Manifests, lockfiles and package-manager config, relative to the context: copied before
    /// the install, so a change to the sources keeps the installed dependencies.
    pub manifests: Vec<String>,
    /// Where the install runs, relative to the context: the workdir, or the workspace root
    /// when the install selects the service's packages there.
    pub install_dir: String,
    /// `None` when `installCommand` is the empty string: Vercel then skips the install.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub install: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<String>,
    /// Variables the build stage sets, as Vercel's builder sets them (`CI`, linker settings).
    #[serde(skip_serializing_if = "indexmap::IndexMap::is_empty")]
    pub build_env: indexmap::IndexMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageManager {
    pub name: PackageManagerName,
    /// The exact version installed before the install runs; `None` for the npm Node ships.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The npm package that provides it (`pnpm`, `yarn`, `@yarnpkg/cli-dist`).
    #[serde(skip)]
    pub package: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageManagerName {
    Npm,
    Pnpm,
    Yarn,
    Bun,
}

impl PackageManagerName {
    pub fn as_str(self) -> &'static str {
        match self {
            PackageManagerName::Npm => "npm",
            PackageManagerName::Pnpm => "pnpm",
            PackageManagerName::Yarn => "yarn",
            PackageManagerName::Bun => "bun",
        }
    }
}

/// Where a static build leaves its site, as Vercel's framework presets say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "rule", content = "dir")]
pub enum OutputDir {
    /// A fixed directory, relative to the workdir.
    Fixed(String),
    /// The directory itself, or its only subdirectory when that is all it holds (Docusaurus).
    OnlySubdir(String),
    /// Angular: `dist/<project>/browser`, `dist/<project>` or `dist`.
    Angular,
    /// Polymer: the first entry of `build` without a dot.
    Polymer,
}

/// The server of static files: nginx, on the service's port, as an unprivileged user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaticServer {
    pub image: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "as")]
pub enum NodeRun {
    /// An HTTP app: its exported handler, or the server it starts, on `$PORT`.
    Web,
    /// Vercel's cron dispatcher: each path calls the module's default export.
    Cron { routes: Vec<CronRoute> },
    /// A job: the module's default export (or the module itself) run once, to its end.
    Job,
}

/// A path of Vercel's internal cron routes and the function it calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CronRoute {
    /// `/_svc/<service>/crons/<entry>/<handler>`.
    pub path: String,
    /// `module:function`, or a bare module run as `__main__`.
    pub handler: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PythonToolchain {
    pub image: String,
    /// The Python version chosen (`3.12`), which the image carries.
    pub version: String,
    /// Dependency files, relative to the context, copied before the install.
    pub manifests: Vec<String>,
    /// Where the install runs, relative to the context.
    pub install_dir: String,
    /// Installs the dependencies into the virtualenv on `PATH`; `None` when there is nothing
    /// to install.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub install: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "as")]
pub enum PythonRun {
    /// An ASGI or WSGI app (`module:attr`), served by uvicorn or gunicorn as it turns out to be.
    Web { app: String },
    /// Vercel's cron dispatcher; `dynamic` names the object whose `get_crons()` lists more
    /// routes and their schedules, read when the service starts.
    Cron {
        routes: Vec<CronRoute>,
        #[serde(skip_serializing_if = "Option::is_none")]
        dynamic: Option<String>,
    },
    /// A queue worker module, served as Vercel's worker runtime serves it; without a worker
    /// SDK, the attribute the entrypoint names (`app` by default) is the app.
    Worker {
        module: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        attr: Option<String>,
    },
    /// A function (`module:function`) or module run once, to its end.
    Job { handler: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoToolchain {
    pub image: String,
    /// Runs the binary.
    pub runtime_image: String,
    pub version: String,
    /// go.mod and go.sum, relative to the context.
    pub manifests: Vec<String>,
    /// The main package, relative to the workdir (`.`, `./cmd/api`).
    pub package: String,
    /// `vendor/modules.txt` exists: build from the vendored modules.
    pub vendor: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<String>,
}

/// Prefixes that make a variable visible to client code, which frameworks inline when they
/// build (Next.js `NEXT_PUBLIC_`, Vite `VITE_`, ...): variables svc sets under them reach the
/// build, as Vercel's project variables do.
pub const CLIENT_ENV_PREFIXES: &[&str] = &[
    "NEXT_PUBLIC_",
    "VITE_",
    "PUBLIC_",
    "GATSBY_",
    "VUE_APP_",
    "REACT_APP_",
    "NUXT_ENV_",
    "NUXT_PUBLIC_",
    "REDWOOD_ENV_",
    "SANITY_STUDIO_",
    "EXPO_PUBLIC_",
];

impl Recipe {
    /// The Node toolchain of a JavaScript build (Next.js, a built site, a Node server).
    pub fn node(&self) -> Option<&NodeToolchain> {
        match &self.kind {
            RecipeKind::Next { node, .. }
            | RecipeKind::Site { node, .. }
            | RecipeKind::Node { node, .. } => Some(node),
            RecipeKind::Files { .. } | RecipeKind::Python { .. } | RecipeKind::Go { .. } => None,
        }
    }

    /// The files the install needs before the sources, relative to the context.
    pub fn manifests(&self) -> &[String] {
        match &self.kind {
            RecipeKind::Python { python, .. } => &python.manifests,
            RecipeKind::Go { go } => &go.manifests,
            _ => self.node().map_or(&[], |node| &node.manifests),
        }
    }
}

impl super::Service {
    /// The variables svc sets for the service that its build inlines: the client-visible ones,
    /// for the JavaScript builds that read them. Bindings are not among them: on Vercel they
    /// exist only at run time.
    pub fn build_args(&self) -> impl Iterator<Item = (&str, &super::EnvValue)> {
        let javascript = match &self.build_plan {
            Some(BuildPlan::Recipe(recipe)) => recipe.node().is_some() && self.image.is_none(),
            _ => false,
        };
        self.env
            .iter()
            .filter(move |(name, _)| {
                javascript && CLIENT_ENV_PREFIXES.iter().any(|p| name.starts_with(p))
            })
            .map(|(name, value)| (name.as_str(), value))
    }
}
