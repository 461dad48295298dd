//! Where the gateway runs. The routing program is the same everywhere; how the gateway listens,
//! resolves and reaches each service depends on its host, which each target names with one of
//! the [`Host`] variants instead of adjusting the config itself.

use crate::ir::{Project, ServiceId};
use crate::settings::NginxSettings;
use std::collections::BTreeMap;

/// The gateway's limits and timeouts, from svc.yaml `nginx:`, which every host shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub client_max_body_size: String,
    pub proxy_connect_timeout: String,
    pub proxy_read_timeout: String,
    pub proxy_send_timeout: String,
}

impl Limits {
    pub fn from_settings(settings: &NginxSettings) -> Limits {
        let or = |value: &Option<String>, default: &str| {
            value.clone().unwrap_or_else(|| default.to_string())
        };
        Limits {
            client_max_body_size: or(&settings.client_max_body_size, "10m"),
            proxy_connect_timeout: or(&settings.proxy_connect_timeout, "5s"),
            proxy_read_timeout: or(&settings.proxy_read_timeout, "60s"),
            proxy_send_timeout: or(&settings.proxy_send_timeout, "60s"),
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::from_settings(&NginxSettings::default())
    }
}

/// The hosts a gateway runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// Its own machine or container: the nginx target.
    Standalone(Standalone),
    /// The gateway service of a compose stack, on every service network.
    Compose(Compose),
    /// An ECS task behind a load balancer, reaching services through Service Connect.
    Ecs(Ecs),
    /// A pod of an unprivileged nginx behind a Kubernetes Service, reaching each service by
    /// its cluster DNS name.
    Kubernetes(Kubernetes),
}

/// The Kubernetes gateway: listens on `port` as an unprivileged user, with its pid file and
/// buffers under `/tmp` (its root file system is read-only), answers the kubelet's probes at
/// `health_path`, and resolves `<service>.<namespace>.svc.cluster.local` through the cluster's
/// DNS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kubernetes {
    pub port: u16,
    pub namespace: String,
    pub health_path: String,
}

/// The cluster's DNS service, which nginx asks for service names at request time.
pub const KUBE_DNS: &str = "kube-dns.kube-system.svc.cluster.local";

/// nginx on a host of the user's, configured by svc.yaml `nginx:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standalone {
    /// Port of the public listener, on every address.
    pub listen: u16,
    /// DNS server nginx asks for upstream names at request time; `None` when every upstream is
    /// an address.
    pub resolver: Option<String>,
    /// `host:port` the gateway proxies each public service to.
    pub upstreams: BTreeMap<ServiceId, String>,
}

impl Standalone {
    /// Every service at `<hostname>:<port>` through Docker's DNS, overridden by svc.yaml.
    pub fn from_settings(project: &Project, settings: &NginxSettings) -> Standalone {
        let mut upstreams = hostname_upstreams(project);
        for (service, address) in &settings.upstreams {
            upstreams.insert(service.clone(), address.clone());
        }
        Standalone {
            listen: settings.listen.unwrap_or(80),
            resolver: Some(
                settings
                    .resolver
                    .clone()
                    .unwrap_or_else(|| DOCKER_RESOLVER.to_string()),
            ),
            upstreams,
        }
    }
}

/// The compose stack's gateway: the public server listens on `listens` (in this order), and
/// each service is reached at its address on its own network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compose {
    pub listens: Vec<Listen>,
    pub upstreams: BTreeMap<ServiceId, String>,
    /// HTTPS on the public server; plain HTTP then only redirects.
    pub tls: Option<Tls>,
}

/// The ECS gateway: behind a load balancer that ends TLS and checks `health_path`, resolving
/// names through `resolver` and reaching each service at its Service Connect alias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ecs {
    pub resolver: String,
    pub health_path: String,
}

/// One `listen` of the public server: `port` on `address` (every address when `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listen {
    pub address: Option<String>,
    pub port: u16,
    /// Answers TLS (the host's [`Tls`]).
    pub tls: bool,
}

impl Listen {
    pub fn on(address: &str, port: u16) -> Listen {
        Listen {
            address: Some(address.to_string()),
            port,
            tls: false,
        }
    }

    /// `address:port`, how nginx tells two listeners apart.
    pub fn socket(&self) -> String {
        match &self.address {
            Some(address) => format!("{address}:{}", self.port),
            None => self.port.to_string(),
        }
    }
}

/// The public server's certificate, and the server that sends plain HTTP to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tls {
    /// Paths inside the gateway's file system.
    pub certificate: String,
    pub key: String,
    /// Where plain HTTP is answered with a redirect.
    pub redirect_from: Listen,
    /// The port visitors reach HTTPS at, when not 443.
    pub visible_port: Option<u16>,
}

/// Where Debian and Alpine (the official nginx images) keep the CA bundle.
pub const CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// Docker's embedded DNS server, the resolver inside any compose network.
pub const DOCKER_RESOLVER: &str = "127.0.0.11";

/// Each service at `<hostname>:<port>`.
pub fn hostname_upstreams(project: &Project) -> BTreeMap<ServiceId, String> {
    project
        .services
        .values()
        .map(|s| (s.name.clone(), format!("{}:{}", s.hostname, s.port)))
        .collect()
}

/// What the config is built from: the host's facts and the limits, in one place.
pub(super) struct Options {
    pub listens: Vec<Listen>,
    pub resolver: Option<String>,
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
    pub tls: Option<Tls>,
    /// Runs as an unprivileged user on a read-only root: the pid file and buffers in `/tmp`.
    pub unprivileged: bool,
    /// Worker processes, when not one per CPU of the machine (`auto`): a pod limited to part of
    /// a node's CPUs would otherwise start one per CPU of the node.
    pub worker_processes: Option<u64>,
    pub limits: Limits,
    /// CA bundle that verifies the external HTTPS origins of string rewrites.
    pub trusted_certificates: String,
}

impl Options {
    pub fn new(project: &Project, host: &Host, limits: &Limits) -> Options {
        let mut options = Options {
            listens: Vec::new(),
            resolver: None,
            upstreams: BTreeMap::new(),
            static_upstreams: false,
            behind_proxy: false,
            health_path: None,
            tls: None,
            unprivileged: false,
            worker_processes: None,
            limits: limits.clone(),
            trusted_certificates: CA_BUNDLE.to_string(),
        };
        match host {
            Host::Standalone(standalone) => {
                options.listens = vec![Listen {
                    address: None,
                    port: standalone.listen,
                    tls: false,
                }];
                options.resolver.clone_from(&standalone.resolver);
                options.upstreams.clone_from(&standalone.upstreams);
            }
            Host::Compose(compose) => {
                options.listens.clone_from(&compose.listens);
                options.resolver = Some(DOCKER_RESOLVER.to_string());
                options.upstreams.clone_from(&compose.upstreams);
                options.tls.clone_from(&compose.tls);
            }
            Host::Ecs(ecs) => {
                options.listens = vec![Listen {
                    address: None,
                    port: 80,
                    tls: false,
                }];
                options.resolver = Some(ecs.resolver.clone());
                options.upstreams = hostname_upstreams(project);
                options.static_upstreams = true;
                options.behind_proxy = true;
                options.health_path = Some(ecs.health_path.clone());
            }
            Host::Kubernetes(kubernetes) => {
                options.listens = vec![Listen {
                    address: None,
                    port: kubernetes.port,
                    tls: false,
                }];
                options.resolver = Some(KUBE_DNS.to_string());
                options.upstreams = project
                    .services
                    .values()
                    .map(|s| {
                        let host =
                            format!("{}.{}.svc.cluster.local", s.hostname, kubernetes.namespace);
                        (s.name.clone(), format!("{host}:{}", s.port))
                    })
                    .collect();
                options.health_path = Some(kubernetes.health_path.clone());
                options.unprivileged = true;
                options.worker_processes = Some(1);
            }
        }
        options
    }
}
