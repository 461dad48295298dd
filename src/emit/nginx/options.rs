//! What the gateway config depends on besides the project: where it listens, how it resolves
//! and reaches each service, and its limits. The nginx target fills these from svc.yaml
//! `nginx:`; the compose and terraform targets fill them for their own networks.

use crate::ir::{Project, ServiceId};
use crate::settings::NginxSettings;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Port of the public listener.
    pub listen: u16,
    /// Address the public listener binds to; every address when `None`.
    pub listen_address: Option<String>,
    /// DNS server nginx asks for upstream names at request time; `None` when every upstream is
    /// an address.
    pub resolver: Option<String>,
    /// `host:port` the gateway proxies each public service to.
    pub upstreams: BTreeMap<ServiceId, String>,
    /// Resolve upstream names once at start (nginx `upstream` groups, through the system
    /// resolver and /etc/hosts) instead of lazily through `resolver`. ECS Service Connect
    /// publishes its names in /etc/hosts, which nginx's own resolver never reads.
    pub static_upstreams: bool,
    /// Keep the `X-Forwarded-For` chain a trusted proxy in front (a load balancer) started;
    /// otherwise the gateway is the edge and sends only the client's address.
    pub behind_proxy: bool,
    /// A path the gateway answers with 200 itself, before any rule, for a load balancer's
    /// health checks (so the gateway's health does not hang on one service's).
    pub health_path: Option<String>,
    pub client_max_body_size: String,
    pub proxy_connect_timeout: String,
    pub proxy_read_timeout: String,
    pub proxy_send_timeout: String,
    /// CA bundle that verifies the external HTTPS origins of string rewrites.
    pub trusted_certificates: String,
}

/// Where Debian and Alpine (the official nginx images) keep the CA bundle.
pub const CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// Docker's embedded DNS server, the resolver inside any compose network.
pub const DOCKER_RESOLVER: &str = "127.0.0.11";

impl Options {
    /// Defaults, with every service reached at `<hostname>:<port>`.
    pub fn defaults(project: &Project) -> Options {
        Options {
            listen: 80,
            listen_address: None,
            resolver: Some(DOCKER_RESOLVER.to_string()),
            upstreams: project
                .services
                .values()
                .map(|s| (s.name.clone(), format!("{}:{}", s.hostname, s.port)))
                .collect(),
            static_upstreams: false,
            behind_proxy: false,
            health_path: None,
            client_max_body_size: "10m".to_string(),
            proxy_connect_timeout: "5s".to_string(),
            proxy_read_timeout: "60s".to_string(),
            proxy_send_timeout: "60s".to_string(),
            trusted_certificates: CA_BUNDLE.to_string(),
        }
    }

    /// The standalone nginx target: defaults overridden by svc.yaml `nginx:`.
    pub fn from_settings(project: &Project, settings: &NginxSettings) -> Options {
        let mut options = Options::defaults(project);
        if let Some(listen) = settings.listen {
            options.listen = listen;
        }
        if let Some(resolver) = &settings.resolver {
            options.resolver = Some(resolver.clone());
        }
        for (service, address) in &settings.upstreams {
            options.upstreams.insert(service.clone(), address.clone());
        }
        let set = |target: &mut String, value: &Option<String>| {
            if let Some(value) = value {
                target.clone_from(value);
            }
        };
        set(
            &mut options.client_max_body_size,
            &settings.client_max_body_size,
        );
        set(
            &mut options.proxy_connect_timeout,
            &settings.proxy_connect_timeout,
        );
        set(
            &mut options.proxy_read_timeout,
            &settings.proxy_read_timeout,
        );
        set(
            &mut options.proxy_send_timeout,
            &settings.proxy_send_timeout,
        );
        options
    }
}
