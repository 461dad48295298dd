//! Deploy settings from svc.yaml that belong to a target rather than to the IR, checked
//! against the project (service names resolved).

use crate::ir::ServiceId;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetSettings {
    pub nginx: NginxSettings,
    pub compose: ComposeSettings,
    pub kubernetes: KubernetesSettings,
}

/// svc.yaml `kubernetes:`; every field is optional and the target supplies defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KubernetesSettings {
    pub namespace: Option<String>,
    pub public_url: Option<String>,
    pub gateway_image: Option<String>,
    pub scheduler_image: Option<String>,
}

/// svc.yaml `compose:`; every field is optional and the target supplies defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComposeSettings {
    pub name: Option<String>,
    pub gateway_image: Option<String>,
    pub host_port: Option<u16>,
    pub bind_address: Option<String>,
    pub subnet_pool: Option<String>,
    /// Where svc.yaml sets `subnet_pool`, for the error when the networks do not fit in it.
    pub subnet_pool_origin: Option<crate::ir::Origin>,
    pub scheduler_image: Option<String>,
    /// The origin the stack is reached at, for the URLs the legacy form injects.
    pub public_url: Option<String>,
    pub https_port: Option<u16>,
    pub tls: Option<Tls>,
}

/// The host ports compose publishes the gateway's HTTP and HTTPS on by default.
pub const DEFAULT_HTTP_PORT: u16 = 8080;
pub const DEFAULT_HTTPS_PORT: u16 = 8443;

/// The gateway's certificate and key: PEM files, relative to the project directory or absolute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tls {
    pub certificate: String,
    pub key: String,
}

/// svc.yaml `nginx:`; every field is optional and the target supplies defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NginxSettings {
    pub listen: Option<u16>,
    pub resolver: Option<String>,
    pub upstreams: BTreeMap<ServiceId, String>,
    pub client_max_body_size: Option<String>,
    pub proxy_connect_timeout: Option<String>,
    pub proxy_read_timeout: Option<String>,
    pub proxy_send_timeout: Option<String>,
}
