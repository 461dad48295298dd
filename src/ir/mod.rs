//! The IR: a checked-ready graph of services, bindings and public routing rules.
//!
//! Built by the lower stage, validated by the check stage, read by every target. Iteration is
//! deterministic everywhere (`BTreeMap`, rule vectors in file order).

mod access;
mod build;
mod health;
mod routing;
mod startup;

pub use access::{Access, Peer};
pub use build::*;
pub use health::{HealthCheck, Probe, Resources};
pub use routing::*;

pub use crate::cron::Schedule;
use crate::source::{FileId, Span};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// A service's name as written in `services`, which is also its identity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ServiceId(pub String);

impl ServiceId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ServiceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Project {
    /// The directory holding the config; service roots are relative to it.
    #[serde(skip)]
    pub dir: PathBuf,
    pub services: BTreeMap<ServiceId, Service>,
    pub bindings: Vec<Binding>,
    /// The top-level (public) routing table.
    pub routing: Routing,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub crons: Vec<Cron>,
    /// `experimentalServiceGroups`: named sets of services, kept for the targets to label.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub groups: BTreeMap<String, Vec<ServiceId>>,
    /// Which form the config used; it decides the service-name rule.
    #[serde(skip_serializing_if = "Form::is_current")]
    pub form: Form,
    /// Lookups derived from the fields above, built on first use: targets ask "whose bindings"
    /// and "is it public" once per service, which must not cost a scan of the whole project.
    #[serde(skip)]
    pub index: std::sync::OnceLock<Index>,
}

/// Bindings by caller and by target (positions in `Project::bindings`), and the public services.
#[derive(Debug, Clone, Default)]
pub struct Index {
    from: std::collections::HashMap<ServiceId, Vec<usize>>,
    to: std::collections::HashMap<ServiceId, Vec<usize>>,
    public: std::collections::BTreeSet<ServiceId>,
}

impl Project {
    fn index(&self) -> &Index {
        self.index.get_or_init(|| {
            let mut index = Index {
                public: self.routing.service_destinations().cloned().collect(),
                ..Index::default()
            };
            for (i, binding) in self.bindings.iter().enumerate() {
                index
                    .from
                    .entry(binding.caller.clone())
                    .or_default()
                    .push(i);
                index.to.entry(binding.target.clone()).or_default().push(i);
            }
            index
        })
    }

    /// The bindings `caller` declares, in file order.
    pub fn bindings_from<'a>(&'a self, caller: &ServiceId) -> impl Iterator<Item = &'a Binding> {
        let positions = self.index().from.get(caller).map_or(&[][..], Vec::as_slice);
        positions.iter().map(|&i| &self.bindings[i])
    }

    /// The bindings naming `target`, in file order.
    pub fn bindings_to<'a>(&'a self, target: &ServiceId) -> impl Iterator<Item = &'a Binding> {
        let positions = self.index().to.get(target).map_or(&[][..], Vec::as_slice);
        positions.iter().map(|&i| &self.bindings[i])
    }

    /// Services named by a top-level rule's service destination.
    pub fn public_services(&self) -> std::collections::BTreeSet<ServiceId> {
        self.index().public.clone()
    }

    pub fn is_public(&self, service: &ServiceId) -> bool {
        self.index().public.contains(service)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub enum Form {
    /// `services` (or its alias `experimentalServicesV2`).
    #[default]
    #[serde(rename = "services")]
    Current,
    /// `experimentalServices`: prefix-mounted services with types.
    #[serde(rename = "experimentalServices")]
    Legacy,
}

impl Form {
    fn is_current(&self) -> bool {
        *self == Form::Current
    }
}

/// What a service does, which decides whether it listens, who calls it and how it runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "type")]
pub enum Workload {
    /// Serves HTTP on its port: reached through public routes and bindings.
    #[default]
    Web,
    /// Runs all the time, consuming queue topics; it has no port and nothing connects to it.
    Worker(Queue),
    /// Serves HTTP on its port, called by the scheduler at each of its times.
    Cron {
        schedules: Vec<Schedule>,
        /// `"schedule": "<dynamic>"`: the app lists its schedules itself (`get_crons()`), so
        /// they are known only once its image runs, and the service keeps them.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        dynamic: bool,
    },
    /// Runs to completion each time it is triggered.
    Job { trigger: Trigger },
}

impl Workload {
    /// Whether the service listens on its port.
    pub fn listens(&self) -> bool {
        matches!(self, Workload::Web | Workload::Cron { .. })
    }

    /// Whether the service runs all the time (as opposed to once per trigger).
    pub fn is_long_running(&self) -> bool {
        !matches!(
            self,
            Workload::Job {
                trigger: Trigger::Schedule { .. } | Trigger::Workflow
            }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "trigger")]
pub enum Trigger {
    Schedule {
        schedules: Vec<Schedule>,
    },
    Queue(Queue),
    /// Started by a workflow run; no target has a workflow engine, so it runs when started.
    Workflow,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Queue {
    pub topics: Vec<Topic>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumer: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Topic {
    pub topic: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_delay_seconds: Option<u32>,
}

/// An environment variable's value, as far as the project decides it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum EnvValue {
    Literal(String),
    /// A public URL of this deployment; each target knows its own public base URL.
    PublicUrl(PublicUrl),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicUrl {
    /// A host label in front of the base URL's host (`api` -> `https://api.example.com`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subdomain: Option<String>,
    /// The path after the base URL, starting with `/`.
    pub path: String,
}

impl PublicUrl {
    /// The URL under `base` (`scheme://host[:port]`, no trailing slash).
    pub fn under(&self, base: &str) -> String {
        let base = base.trim_end_matches('/');
        let base = match (&self.subdomain, base.split_once("://")) {
            (Some(sub), Some((scheme, host))) => format!("{scheme}://{sub}.{host}"),
            (Some(sub), None) => format!("{sub}.{base}"),
            (None, _) => base.to_string(),
        };
        match self.path.as_str() {
            "/" => format!("{base}/"),
            path => format!("{base}{path}"),
        }
    }
}

/// How a service is built and run, after Vercel's resolution rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Runtime {
    Node,
    Python,
    Go,
    Rust,
    Ruby,
    /// Built from the service's own Dockerfile or Containerfile.
    Container,
    /// A frontend framework (Next.js, Vite, ...) built by its own tooling.
    Frontend,
    /// No framework and no runtime: static files, optionally produced by `buildCommand`.
    Static,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum Entrypoint {
    /// A source file, relative to the root.
    File { path: String },
    /// A Python `module:attr`, with the file it resolves to.
    Module {
        module: String,
        attr: String,
        file: String,
    },
    /// A directory in which the framework is detected.
    Directory { path: String },
    /// The container's Dockerfile or Containerfile.
    Dockerfile { path: String },
    /// Python "declared services" mode: `[tool.vercel]` in pyproject.toml.
    Pyproject,
}

/// A container's command, in the form the config wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Command {
    /// One string, split into words like a shell would (no shell runs it).
    Line(String),
    /// An exec-form list, used as is.
    Exec(Vec<String>),
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub install_command: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build_command: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dev_command: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignore_command: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_directory: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Service {
    pub name: ServiceId,
    /// DNS-1123 label derived from the name (`my_backend` -> `my-backend`).
    pub hostname: String,
    /// Normalised, relative to the project directory; `.` is the project itself.
    pub root: String,
    pub runtime: Runtime,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub framework: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Entrypoint>,
    pub port: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Command>,
    pub build: BuildSettings,
    /// A prebuilt image from svc.yaml.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// How svc builds the image when there is neither an image nor a Dockerfile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build_plan: Option<BuildPlan>,
    pub replicas: u32,
    #[serde(skip_serializing_if = "is_web")]
    pub workload: Workload,
    /// Variables the project sets for it (besides `PORT` and bindings), user values winning.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, EnvValue>,
    /// Variables whose values the deployment supplies, never written into generated files.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<String>,
    /// Whether the service may open connections to the internet.
    pub egress: bool,
    /// How the container shows it is ready; `None`: no check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<HealthCheck>,
    #[serde(skip_serializing_if = "Resources::is_empty")]
    pub resources: Resources,
    /// Service-scoped routing, applied after a request has entered the service.
    pub routing: Routing,
    /// The legacy form's `routePrefix` (not `/`), which Vercel strips before the app sees the
    /// path: `/api/py/ping` reaches an app mounted at `/api/py` as `/ping`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route_prefix: Option<String>,
    #[serde(skip)]
    pub origin: Origin,
    /// The service's key path, e.g. `services.web`.
    #[serde(skip)]
    pub key: String,
}

/// Where something was declared, for diagnostics raised after lowering.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Origin {
    pub file: FileId,
    pub span: Span,
}

/// A caller-declared grant: `caller` gets `env` = the target's internal URL, and may connect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Binding {
    pub caller: ServiceId,
    pub target: ServiceId,
    pub env: String,
}

/// Where a service's image comes from, in the order every target decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageSource<'a> {
    /// The service's own Dockerfile or Containerfile (relative to its root).
    Dockerfile(&'a str),
    /// A built image svc.yaml names.
    Image(&'a str),
    /// The Dockerfile svc generates from the framework or entrypoint.
    Recipe(&'a Recipe),
    Unbuildable(&'a Unbuildable),
}

/// The plan of a service whose root is missing (lowering reports that; this keeps the answer
/// total).
static ROOTLESS: std::sync::LazyLock<Unbuildable> =
    std::sync::LazyLock::new(|| Unbuildable::new("its root does not exist"));

/// The variables Vercel's build sets on a service whose prefix its runtime strips.
pub const ROUTE_PREFIX_ENV: &str = "VERCEL_SERVICE_ROUTE_PREFIX";
pub const ROUTE_PREFIX_STRIP_ENV: &str = "VERCEL_SERVICE_ROUTE_PREFIX_STRIP";

impl Service {
    /// The prefix the gateway strips before proxying: where Vercel's runtime shim would strip
    /// it and no svc runner does (Go servers, static sites, whose files Vercel places under
    /// the prefix). svc's Node and Python runners strip it themselves, as Vercel's do (the
    /// Python one also sets `root_path` / `SCRIPT_NAME`); Next.js, containers and images
    /// see the full path, as on Vercel.
    pub fn gateway_strips_prefix(&self) -> Option<&str> {
        let prefix = self.route_prefix.as_deref()?;
        match &self.build_plan {
            Some(BuildPlan::Recipe(Recipe {
                kind: RecipeKind::Go { .. } | RecipeKind::Site { .. } | RecipeKind::Files { .. },
                ..
            })) if self.image.is_none() => Some(prefix),
            _ => None,
        }
    }

    /// A site svc serves from its static server (a framework's build output, or plain files).
    pub fn is_static_site(&self) -> bool {
        self.image.is_none()
            && matches!(
                &self.build_plan,
                Some(BuildPlan::Recipe(Recipe {
                    kind: RecipeKind::Site { .. } | RecipeKind::Files { .. },
                    ..
                }))
            )
    }

    /// The path the scheduler requests on a cron service: Vercel's internal cron route when svc
    /// builds the dispatcher, else the root.
    pub fn cron_path(&self) -> &str {
        match &self.build_plan {
            Some(BuildPlan::Recipe(Recipe {
                kind:
                    RecipeKind::Python {
                        run: PythonRun::Cron { routes, .. },
                        ..
                    }
                    | RecipeKind::Node {
                        run: NodeRun::Cron { routes },
                        ..
                    },
                ..
            })) if self.image.is_none() => routes.first().map_or("/", |r| r.path.as_str()),
            _ => "/",
        }
    }

    /// The `CRON_SECRET` of the service, which Vercel's cron runtime expects as a bearer token
    /// on every scheduled call: a value svc.yaml sets, or a secret the deployment supplies.
    pub fn cron_secret(&self) -> Option<CronSecret<'_>> {
        if self.secrets.iter().any(|name| name == CRON_SECRET) {
            return Some(CronSecret::Secret);
        }
        match self.env.get(CRON_SECRET) {
            Some(EnvValue::Literal(secret)) => Some(CronSecret::Value(secret)),
            _ => None,
        }
    }

    pub fn image_source(&self) -> ImageSource<'_> {
        if let (Runtime::Container, Some(Entrypoint::Dockerfile { path })) =
            (self.runtime, &self.entrypoint)
        {
            return ImageSource::Dockerfile(path);
        }
        if let Some(image) = &self.image {
            return ImageSource::Image(image);
        }
        match &self.build_plan {
            Some(BuildPlan::Recipe(recipe)) => ImageSource::Recipe(recipe),
            Some(BuildPlan::Unbuildable(why)) => ImageSource::Unbuildable(why),
            None => ImageSource::Unbuildable(&ROOTLESS),
        }
    }
}

pub const CRON_SECRET: &str = "CRON_SECRET";

/// Where a scheduled call's bearer token comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CronSecret<'a> {
    Value(&'a str),
    /// svc.yaml lists `CRON_SECRET` in `secrets`: the caller reads it where it runs.
    Secret,
}

fn is_web(workload: &Workload) -> bool {
    *workload == Workload::Web
}

/// A top-level `crons` entry: a public path requested at each time of the schedule.
#[derive(Debug, Clone, Serialize)]
pub struct Cron {
    pub path: String,
    pub schedule: Schedule,
}

/// One thing the scheduler does at the times of one schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call<'a> {
    /// Request a public path through the gateway (top-level `crons`).
    PublicPath(&'a str),
    /// Request a cron service's `/` over its grant.
    Service(&'a ServiceId),
    /// Start a job, which runs to completion.
    Job(&'a ServiceId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scheduled<'a> {
    pub schedule: &'a Schedule,
    pub call: Call<'a>,
}

impl Project {
    /// Every scheduled call, top-level crons first, then services in name order.
    pub fn scheduled(&self) -> Vec<Scheduled<'_>> {
        let crons = self.crons.iter().map(|c| Scheduled {
            schedule: &c.schedule,
            call: Call::PublicPath(&c.path),
        });
        let services = self.services.values().flat_map(|s| {
            let (schedules, call): (&[Schedule], Call) = match &s.workload {
                Workload::Cron { schedules, .. } => (schedules, Call::Service(&s.name)),
                Workload::Job {
                    trigger: Trigger::Schedule { schedules },
                } => (schedules, Call::Job(&s.name)),
                _ => (&[], Call::Service(&s.name)),
            };
            schedules
                .iter()
                .map(move |schedule| Scheduled { schedule, call })
        });
        crons.chain(services).collect()
    }

    /// Whether some schedule requests something (a public path or a cron service), as opposed
    /// to only starting jobs: targets then need a caller.
    pub fn requests_on_schedule(&self) -> bool {
        self.scheduled()
            .iter()
            .any(|s| !matches!(s.call, Call::Job(_)))
    }

    /// Whether some schedule requests a public path (a top-level cron).
    pub fn requests_public_paths_on_schedule(&self) -> bool {
        !self.crons.is_empty()
    }
}
