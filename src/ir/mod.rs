//! The IR: a checked-ready graph of services, bindings and public routing rules.
//!
//! Built by the lower stage, validated by the check stage, read by every target. Iteration is
//! deterministic everywhere (`BTreeMap`, rule vectors in file order).

mod access;
mod routing;

pub use access::{Access, Peer};
pub use routing::*;

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
    pub replicas: u32,
    /// Whether the service may open connections to the internet.
    pub egress: bool,
    /// Service-scoped routing, applied after a request has entered the service.
    pub routing: Routing,
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

#[derive(Debug, Clone, Serialize)]
pub struct Cron {
    pub path: String,
    pub schedule: String,
}
