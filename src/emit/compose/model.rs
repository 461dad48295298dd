//! The Compose Specification, as much of it as svc writes, as serde data. Maps keep insertion
//! order so the file reads gateway first, then services in name order.

use indexmap::IndexMap;
use serde::Serialize;
use serde_saphyr::LitString;

#[derive(Serialize)]
pub struct ComposeFile {
    pub name: String,
    pub services: IndexMap<String, Service>,
    pub networks: IndexMap<String, Network>,
    pub configs: IndexMap<String, Config>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub secrets: IndexMap<String, SecretFile>,
}

/// A file compose reads at `up` and mounts read-only at `/run/secrets/<name>`.
#[derive(Serialize)]
pub struct SecretFile {
    pub file: String,
}

#[derive(Serialize)]
pub struct SecretMount {
    pub source: String,
}

#[derive(Serialize, Default)]
pub struct Service {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<Build>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<String>,
    pub init: bool,
    pub restart: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<Healthcheck>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub depends_on: IndexMap<String, Dependency>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
    /// Writable in-memory directories of a read-only container.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tmpfs: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy: Option<Deploy>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cap_drop: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cap_add: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_opt: Vec<&'static str>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub sysctls: IndexMap<String, String>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub environment: IndexMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub configs: Vec<ConfigMount>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<SecretMount>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub labels: IndexMap<String, String>,
    /// `none` for a service with no network at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_mode: Option<&'static str>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub networks: IndexMap<String, Attachment>,
}

#[derive(Serialize)]
pub struct Healthcheck {
    pub test: Vec<String>,
    pub interval: String,
    pub timeout: String,
    pub retries: u32,
    pub start_period: String,
}

#[derive(Serialize)]
pub struct Dependency {
    /// `service_healthy` when the target has a check, else `service_started`.
    pub condition: &'static str,
}

#[derive(Serialize)]
pub struct Deploy {
    pub resources: DeployResources,
}

#[derive(Serialize)]
pub struct DeployResources {
    pub limits: Limits,
}

#[derive(Serialize)]
pub struct Limits {
    /// A decimal number of CPUs, as a string so that `0.5` stays exact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpus: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
}

#[derive(Serialize)]
pub struct Build {
    pub context: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<String>,
    /// A Dockerfile svc generated, kept in compose.yaml so nothing lands in the source tree.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dockerfile_inline: Option<LitString>,
    /// Client-visible variables the build inlines (`NEXT_PUBLIC_*`, `VITE_*`, ...).
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub args: IndexMap<String, String>,
}

#[derive(Serialize)]
pub struct ConfigMount {
    pub source: String,
    pub target: String,
}

#[derive(Serialize, Default)]
pub struct Attachment {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv4_address: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

#[derive(Serialize)]
pub struct Network {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub internal: bool,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub driver_opts: IndexMap<String, String>,
    pub ipam: Ipam,
}

#[derive(Serialize)]
pub struct Ipam {
    pub config: Vec<Subnet>,
}

#[derive(Serialize)]
pub struct Subnet {
    pub subnet: String,
}

#[derive(Serialize)]
pub struct Config {
    pub content: LitString,
}
