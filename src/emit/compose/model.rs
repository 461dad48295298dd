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
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub labels: IndexMap<String, String>,
    /// `none` for a service with no network at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_mode: Option<&'static str>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub networks: IndexMap<String, Attachment>,
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
