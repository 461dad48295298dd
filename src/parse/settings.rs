//! svc.yaml (or svc.json): deploy settings vercel.json cannot hold, since Vercel's schema rejects
//! unknown keys there.

use super::decode::optional_string;
use super::decode::{Decoder, Fields, KeyPath, Spanned};
use crate::diag::Code;
use crate::read::Node;

#[derive(Debug, Clone, Default)]
pub struct RawSettings {
    pub services: Vec<RawServiceSettings>,
    pub nginx: RawNginxSettings,
    pub compose: RawComposeSettings,
    pub kubernetes: RawKubernetesSettings,
    pub build: RawBuildSettings,
}

/// The `kubernetes:` section.
#[derive(Debug, Clone, Default)]
pub struct RawKubernetesSettings {
    pub namespace: Option<Spanned<String>>,
    pub public_url: Option<Spanned<String>>,
    pub gateway_image: Option<Spanned<String>>,
    pub scheduler_image: Option<Spanned<String>>,
}

/// The `build:` section: where the base images of the Dockerfiles svc writes come from.
#[derive(Debug, Clone, Default)]
pub struct RawBuildSettings {
    /// A registry (and path) that mirrors Docker Hub: every default base image is pulled
    /// through it.
    pub registry: Option<Spanned<String>>,
    /// Base images by kind (`node`, `python`, ...), each may hold `{version}`.
    pub images: Vec<(Spanned<String>, Spanned<String>)>,
}

/// The kinds of base image svc.yaml's `build.images` may set.
pub const BASE_IMAGE_KINDS: [&str; 6] = ["node", "bun", "python", "go", "go_runtime", "static"];

/// The `compose:` section.
#[derive(Debug, Clone, Default)]
pub struct RawComposeSettings {
    pub name: Option<Spanned<String>>,
    pub gateway_image: Option<Spanned<String>>,
    pub host_port: Option<Spanned<u64>>,
    pub bind_address: Option<Spanned<String>>,
    pub subnet_pool: Option<Spanned<String>>,
    pub scheduler_image: Option<Spanned<String>>,
    pub public_url: Option<Spanned<String>>,
    /// The gateway's published HTTPS port, when `tls` is set.
    pub https_port: Option<Spanned<u64>>,
    pub tls: Option<RawTls>,
}

/// `compose.tls`: the certificate and key the gateway serves HTTPS with.
#[derive(Debug, Clone)]
pub struct RawTls {
    pub path: KeyPath,
    pub span: crate::source::Span,
    /// PEM files, relative to the project directory or absolute.
    pub certificate: Spanned<String>,
    pub key: Spanned<String>,
}

/// The `nginx:` section: how the standalone gateway listens and reaches services.
#[derive(Debug, Clone, Default)]
pub struct RawNginxSettings {
    pub listen: Option<Spanned<u64>>,
    pub resolver: Option<Spanned<String>>,
    /// Service name -> `host:port` the gateway proxies to.
    pub upstreams: Vec<(Spanned<String>, Spanned<String>)>,
    pub client_max_body_size: Option<Spanned<String>>,
    pub proxy_connect_timeout: Option<Spanned<String>>,
    pub proxy_read_timeout: Option<Spanned<String>>,
    pub proxy_send_timeout: Option<Spanned<String>>,
}

#[derive(Debug, Clone)]
pub struct RawServiceSettings {
    pub name: Spanned<String>,
    pub path: KeyPath,
    pub port: Option<Spanned<u64>>,
    pub image: Option<Spanned<String>>,
    pub replicas: Option<Spanned<u64>>,
    pub egress: Option<Spanned<bool>>,
    /// Environment variables set for the service; they win over the ones svc derives.
    pub env: Vec<(Spanned<String>, Spanned<String>)>,
    /// Variables whose values the deployment supplies (`.env`, SSM, Secrets Manager).
    pub secrets: Vec<Spanned<String>>,
    pub health: Option<super::health::RawHealth>,
    /// CPUs (a fraction of one allowed) and memory (MiB) each container may use.
    pub cpu: Option<Spanned<f64>>,
    pub memory: Option<Spanned<u64>>,
}

/// Target sections whose keys are not defined yet: accepted but must be empty, so a typo never
/// passes silently.
const EMPTY_SECTIONS: [&str; 1] = ["terraform"];

pub fn parse_settings(node: &Node, d: &mut Decoder) -> RawSettings {
    let root = KeyPath::root();
    let mut settings = RawSettings::default();
    let Some(mut fields) = d.object(node, &root) else {
        return settings;
    };
    if let Some((value, path)) = fields.field("services") {
        settings.services = parse_service_settings(value, &path, d);
    }
    if let Some((value, path)) = fields.field("nginx") {
        settings.nginx = parse_nginx(value, &path, d);
    }
    if let Some((value, path)) = fields.field("compose") {
        settings.compose = parse_compose(value, &path, d);
    }
    if let Some((value, path)) = fields.field("kubernetes") {
        settings.kubernetes = parse_kubernetes(value, &path, d);
    }
    if let Some((value, path)) = fields.field("build") {
        settings.build = parse_build(value, &path, d);
    }
    for section in EMPTY_SECTIONS {
        if let Some((value, path)) = fields.field(section)
            && let Some(section_fields) = d.object(value, &path)
        {
            section_fields.finish(d, &format!("the `{section}` section of svc.yaml"));
        }
    }
    fields.finish(d, "svc.yaml");
    settings
}

fn parse_env(
    node: &Node,
    path: &KeyPath,
    d: &mut Decoder,
) -> Vec<(Spanned<String>, Spanned<String>)> {
    let Some(members) = d.map(node, path) else {
        return Vec::new();
    };
    members
        .iter()
        .filter_map(|member| {
            let key = path.key(&member.key);
            if !settable_env_name(d, &member.key, &key, member.key_span) {
                return None;
            }
            let value = d.string(&member.value, &key, 0, 65_536)?;
            Some((Spanned::new(member.key.clone(), member.key_span), value))
        })
        .collect()
}

/// An env name svc.yaml may give a value or a secret: valid, and not one svc sets itself.
fn settable_env_name(
    d: &mut Decoder,
    name: &str,
    key: &KeyPath,
    span: crate::source::Span,
) -> bool {
    if !crate::naming::is_valid_env_name(name) {
        d.error(
            Code::InvalidEnvName,
            format!("`{name}` is not a valid environment variable name"),
        )
        .key(key)
        .at(span, "invalid name")
        .help("use letters, digits and `_`, not starting with a digit, e.g. `API_URL`");
        return false;
    }
    if super::service::is_set_by_svc(name) {
        d.error(Code::ReservedEnvName, format!("`{name}` is set by svc"))
            .key(key)
            .at(span, "reserved")
            .help("`PORT` comes from the service's `port` setting, and the route prefix variables from the legacy form's `routePrefix`: set those, or choose another name");
        return false;
    }
    true
}

/// `secrets: [NAME, ...]`: variables whose values come from where the stack is deployed, never
/// from a file svc writes.
fn parse_secrets(node: &Node, path: &KeyPath, d: &mut Decoder) -> Vec<Spanned<String>> {
    let Some(items) = d.array(node, path) else {
        return Vec::new();
    };
    let mut names: Vec<Spanned<String>> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let key = path.index(i);
        let Some(name) = d.string(item, &key, 1, 256) else {
            continue;
        };
        if !settable_env_name(d, &name.value, &key, name.span) {
            continue;
        }
        if names.iter().any(|n| n.value == name.value) {
            d.error(
                Code::DuplicateEnv,
                format!("`{}` is listed twice", name.value),
            )
            .key(&key)
            .at(name.span, "again")
            .help("list each secret once");
            continue;
        }
        names.push(name);
    }
    names
}

fn parse_service_settings(node: &Node, path: &KeyPath, d: &mut Decoder) -> Vec<RawServiceSettings> {
    let Some(members) = d.map(node, path) else {
        return Vec::new();
    };
    members
        .iter()
        .filter_map(|member| {
            let path = path.key(&member.key);
            let mut fields = d.object(&member.value, &path)?;
            let settings = RawServiceSettings {
                name: Spanned::new(member.key.clone(), member.key_span),
                port: integer(&mut fields, d, "port", 1, 65535),
                image: checked_string(
                    &mut fields,
                    d,
                    &path,
                    "image",
                    1,
                    512,
                    is_image_reference,
                    "an image reference such as `registry.example.com/api:1.4.2`",
                ),
                replicas: integer(&mut fields, d, "replicas", 0, 1000),
                egress: super::decode::optional_bool(&mut fields, d, "egress"),
                env: fields
                    .field("env")
                    .map(|(value, path)| parse_env(value, &path, d))
                    .unwrap_or_default(),
                secrets: fields
                    .field("secrets")
                    .map(|(value, path)| parse_secrets(value, &path, d))
                    .unwrap_or_default(),
                health: fields
                    .field("health")
                    .and_then(|(value, path)| super::health::parse_health(value, &path, d)),
                cpu: fields
                    .field("cpu")
                    .and_then(|(value, path)| d.number(value, &path, 0.01, 192.0)),
                memory: integer(&mut fields, d, "memory", 6, 1_048_576),
                path,
            };
            fields.finish(d, "a service's settings");
            Some(settings)
        })
        .collect()
}

/// HTTP and HTTPS published on one host port, set or by default, would stop `up`.
fn report_port_clash(compose: &RawComposeSettings, tls: bool, path: &KeyPath, d: &mut Decoder) {
    use crate::settings::{DEFAULT_HTTP_PORT, DEFAULT_HTTPS_PORT};
    if !tls {
        return;
    }
    let port =
        |p: &Option<Spanned<u64>>, default: u16| p.as_ref().map_or(u64::from(default), |p| p.value);
    let http = port(&compose.host_port, DEFAULT_HTTP_PORT);
    let https = port(&compose.https_port, DEFAULT_HTTPS_PORT);
    if http != https || http == 0 {
        return;
    }
    let (key, span) = match (&compose.https_port, &compose.host_port) {
        (Some(set), _) => ("https_port", set.span),
        (None, Some(set)) => ("host_port", set.span),
        (None, None) => return,
    };
    d.error(
        Code::PortClash,
        format!("HTTP and HTTPS would both be published on host port {http}"),
    )
    .key(path.key(key))
    .at(span, "published twice")
    .help(format!(
            "give HTTP and HTTPS different host ports (`host_port` defaults to {DEFAULT_HTTP_PORT}, `https_port` to {DEFAULT_HTTPS_PORT}), or 0 for either to let the engine pick"
        ));
}

fn parse_tls(node: &Node, path: &KeyPath, d: &mut Decoder) -> Option<RawTls> {
    let mut fields = d.object(node, path)?;
    let file = |fields: &mut Fields, d: &mut Decoder, name| {
        let found = checked_string(
            fields,
            d,
            path,
            name,
            1,
            1024,
            is_file_path,
            "a file path of letters, digits, `.`, `_`, `-`, `@`, `+` and `/`, e.g. `certs/shop.pem`",
        );
        if found.is_none() && !fields.has(name) {
            super::decode::missing_field(fields, d, name);
        }
        found
    };
    let certificate = file(&mut fields, d, "certificate");
    let key = file(&mut fields, d, "key");
    fields.finish(d, "`compose.tls`");
    Some(RawTls {
        path: path.clone(),
        span: node.span,
        certificate: certificate?,
        key: key?,
    })
}

fn is_file_path(s: &str) -> bool {
    !s.split('/').any(|part| part == "..")
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@' | b'+' | b'/')
        })
}

fn parse_build(node: &Node, path: &KeyPath, d: &mut Decoder) -> RawBuildSettings {
    let Some(mut fields) = d.object(node, path) else {
        return RawBuildSettings::default();
    };
    let build = RawBuildSettings {
        registry: checked_string(
            &mut fields,
            d,
            path,
            "registry",
            1,
            255,
            is_registry,
            "a registry host and optional path, such as `mirror.example.com/dockerhub`",
        ),
        images: fields
            .field("images")
            .map(|(value, key)| parse_base_images(value, &key, d))
            .unwrap_or_default(),
    };
    fields.finish(d, "the `build` section of svc.yaml");
    build
}

fn parse_base_images(
    node: &Node,
    path: &KeyPath,
    d: &mut Decoder,
) -> Vec<(Spanned<String>, Spanned<String>)> {
    let Some(members) = d.map(node, path) else {
        return Vec::new();
    };
    members
        .iter()
        .filter_map(|m| {
            let key = path.key(&m.key);
            if !BASE_IMAGE_KINDS.contains(&m.key.as_str()) {
                let help = match crate::diag::did_you_mean(&m.key, BASE_IMAGE_KINDS) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("the kinds are {}", BASE_IMAGE_KINDS.join(", ")),
                };
                d.error(Code::UnknownKey, format!("`{}` is not a kind of base image", m.key))
                    .key(&key)
                    .at(m.key_span, "unknown base image")
                    .help(help);
                return None;
            }
            let value = d.string(&m.value, &key, 1, 512)?;
            let value = checked(
                d,
                &key,
                value,
                is_image_template,
                "an image reference, optionally with `{version}`, such as `mirror.example.com/library/node:{version}-bookworm-slim`",
            )?;
            Some((Spanned::new(m.key.clone(), m.key_span), value))
        })
        .collect()
}

/// An image reference in which `{version}` stands for the version svc picked.
fn is_image_template(s: &str) -> bool {
    is_image_reference(&s.replace("{version}", "1.0.0"))
}

/// `host[:port][/path]`, without a scheme.
fn is_registry(s: &str) -> bool {
    !s.contains("://")
        && !s.ends_with('/')
        && s.split('/').all(|part| !part.is_empty())
        && is_image_reference(s)
}

fn parse_nginx(node: &Node, path: &KeyPath, d: &mut Decoder) -> RawNginxSettings {
    let Some(mut fields) = d.object(node, path) else {
        return RawNginxSettings::default();
    };
    let nginx = RawNginxSettings {
        listen: integer(&mut fields, d, "listen", 1, 65535),
        resolver: checked_string(
            &mut fields,
            d,
            path,
            "resolver",
            1,
            255,
            is_host,
            "a host name or IP address, e.g. `127.0.0.53`",
        ),
        upstreams: fields
            .field("upstreams")
            .map(|(value, key)| parse_upstreams(value, &key, d))
            .unwrap_or_default(),
        client_max_body_size: checked_string(
            &mut fields,
            d,
            path,
            "client_max_body_size",
            1,
            16,
            is_size,
            "a size such as `10m`, `512k` or `0` (no limit)",
        ),
        proxy_connect_timeout: timeout(&mut fields, d, path, "proxy_connect_timeout"),
        proxy_read_timeout: timeout(&mut fields, d, path, "proxy_read_timeout"),
        proxy_send_timeout: timeout(&mut fields, d, path, "proxy_send_timeout"),
    };
    fields.finish(d, "the `nginx` section of svc.yaml");
    nginx
}

fn parse_compose(node: &Node, path: &KeyPath, d: &mut Decoder) -> RawComposeSettings {
    let Some(mut fields) = d.object(node, path) else {
        return RawComposeSettings::default();
    };
    let compose = RawComposeSettings {
        name: checked_string(
            &mut fields,
            d,
            path,
            "name",
            1,
            63,
            is_project_name,
            "a compose project name: lowercase letters, digits, `-` and `_`, starting with a letter or digit",
        ),
        gateway_image: checked_string(
            &mut fields,
            d,
            path,
            "gateway_image",
            1,
            255,
            is_image_reference,
            "an image reference such as `nginx:1.27.5-alpine`",
        ),
        host_port: integer(&mut fields, d, "host_port", 0, 65535),
        bind_address: checked_string(
            &mut fields,
            d,
            path,
            "bind_address",
            7,
            15,
            is_ipv4,
            "an IPv4 address such as `0.0.0.0` or `127.0.0.1`",
        ),
        subnet_pool: checked_string(
            &mut fields,
            d,
            path,
            "subnet_pool",
            9,
            18,
            is_pool,
            "an IPv4 CIDR block of /8 to /24, e.g. `10.213.0.0/16`",
        ),
        scheduler_image: checked_string(
            &mut fields,
            d,
            path,
            "scheduler_image",
            1,
            255,
            is_image_reference,
            "an image reference with busybox's crond and wget, such as `busybox:1.37.0`",
        ),
        public_url: checked_string(
            &mut fields,
            d,
            path,
            "public_url",
            8,
            255,
            is_base_url,
            "an origin such as `https://shop.example.com` or `http://localhost:8080`, without a path",
        ),
        https_port: integer(&mut fields, d, "https_port", 0, 65535),
        tls: fields
            .field("tls")
            .and_then(|(value, key)| parse_tls(value, &key, d)),
    };
    report_port_clash(&compose, fields.has("tls"), path, d);
    if let (Some(port), false) = (&compose.https_port, fields.has("tls")) {
        d.error(
            Code::RequiresKey,
            format!("`{path}.https_port` is set, but there is no `{path}.tls`"),
        )
        .key(path.key("https_port"))
        .at(port.span, "nothing listens for HTTPS")
        .help("add `tls: {certificate: <file>, key: <file>}`, or remove `https_port`");
    }
    fields.finish(d, "the `compose` section of svc.yaml");
    compose
}

fn parse_kubernetes(node: &Node, path: &KeyPath, d: &mut Decoder) -> RawKubernetesSettings {
    let Some(mut fields) = d.object(node, path) else {
        return RawKubernetesSettings::default();
    };
    let kubernetes = RawKubernetesSettings {
        namespace: checked_string(
            &mut fields,
            d,
            path,
            "namespace",
            1,
            63,
            is_own_namespace,
            "a namespace of the project's own: lowercase letters, digits and `-`, starting and ending with a letter or digit, not `default` or `kube-*` (svc's default-deny policy selects every pod of it)",
        ),
        public_url: checked_string(
            &mut fields,
            d,
            path,
            "public_url",
            8,
            255,
            is_base_url,
            "an origin such as `https://shop.example.com`, without a path",
        ),
        gateway_image: checked_string(
            &mut fields,
            d,
            path,
            "gateway_image",
            1,
            255,
            is_image_reference,
            "an image reference of an nginx that runs unprivileged, such as `nginxinc/nginx-unprivileged:1.27.5-alpine`",
        ),
        scheduler_image: checked_string(
            &mut fields,
            d,
            path,
            "scheduler_image",
            1,
            255,
            is_image_reference,
            "an image reference with busybox's wget, such as `busybox:1.37.0`",
        ),
    };
    fields.finish(d, "the `kubernetes` section of svc.yaml");
    kubernetes
}

/// A namespace svc may fill: a DNS label, and not one the cluster or other workloads use.
fn is_own_namespace(s: &str) -> bool {
    is_dns_label(s) && s != "default" && !s.starts_with("kube-")
}

/// A DNS label (RFC 1123), as Kubernetes names namespaces.
fn is_dns_label(s: &str) -> bool {
    s.len() <= 63
        && s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// `http(s)://host[:port]`: the origin a deployment is reached at, with no path or query.
fn is_base_url(s: &str) -> bool {
    let Some((scheme, authority)) = s.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https")
        && !authority.is_empty()
        && authority
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
}

fn is_project_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// `[registry/]name[:tag][@digest]` with the characters references allow.
fn is_image_reference(s: &str) -> bool {
    !s.starts_with(['-', '.', '/', ':', '@'])
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-/:@".contains(c))
}

fn is_ipv4(s: &str) -> bool {
    s.parse::<std::net::Ipv4Addr>().is_ok()
}

fn is_pool(s: &str) -> bool {
    s.split_once('/').is_some_and(|(address, prefix)| {
        is_ipv4(address) && prefix.parse::<u8>().is_ok_and(|p| (8..=24).contains(&p))
    })
}

fn parse_upstreams(
    node: &Node,
    path: &KeyPath,
    d: &mut Decoder,
) -> Vec<(Spanned<String>, Spanned<String>)> {
    let Some(members) = d.map(node, path) else {
        return Vec::new();
    };
    members
        .iter()
        .filter_map(|m| {
            let key = path.key(&m.key);
            let value = d.string(&m.value, &key, 1, 255)?;
            let value = checked(
                d,
                &key,
                value,
                is_host_port,
                "`host:port`, e.g. `backend.internal:8000` or `10.0.0.5:8000`",
            )?;
            Some((Spanned::new(m.key.clone(), m.key_span), value))
        })
        .collect()
}

fn timeout(
    fields: &mut Fields,
    d: &mut Decoder,
    path: &KeyPath,
    name: &'static str,
) -> Option<Spanned<String>> {
    let value = optional_string(fields, d, name, 1, 16)?;
    checked(
        d,
        &path.key(name),
        value,
        is_duration,
        "a duration such as `60s`, `500ms` or `2m`",
    )
}

/// Keeps `value` if `valid`, else reports it with the expected shape.
/// An optional string field that must also pass `valid`.
#[allow(clippy::too_many_arguments)]
fn checked_string(
    fields: &mut Fields,
    d: &mut Decoder,
    path: &KeyPath,
    name: &'static str,
    min: usize,
    max: usize,
    valid: fn(&str) -> bool,
    expected: &str,
) -> Option<Spanned<String>> {
    let value = optional_string(fields, d, name, min, max)?;
    checked(d, &path.key(name), value, valid, expected)
}

fn checked(
    d: &mut Decoder,
    path: &KeyPath,
    value: Spanned<String>,
    valid: fn(&str) -> bool,
    expected: &str,
) -> Option<Spanned<String>> {
    if valid(&value.value) {
        return Some(value);
    }
    d.error(
        Code::InvalidValue,
        format!("`{path}` is `{}`, which is not {expected}", value.value),
    )
    .key(path)
    .at(value.span, "invalid value")
    .help(format!("write {expected}"));
    None
}

/// A DNS name or IPv4 address: letters, digits, `-` and `.`.
fn is_host(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

fn is_host_port(s: &str) -> bool {
    s.rsplit_once(':')
        .is_some_and(|(host, port)| is_host(host) && port.parse::<u16>().is_ok_and(|p| p > 0))
}

fn is_size(s: &str) -> bool {
    let digits = s.trim_end_matches(['k', 'K', 'm', 'M', 'g', 'G']);
    !digits.is_empty() && s.len() - digits.len() <= 1 && digits.chars().all(|c| c.is_ascii_digit())
}

fn is_duration(s: &str) -> bool {
    let digits = s.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &s[digits.len()..];
    !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && ["", "ms", "s", "m", "h"].contains(&unit)
}

fn integer(
    fields: &mut Fields,
    d: &mut Decoder,
    name: &'static str,
    min: u64,
    max: u64,
) -> Option<Spanned<u64>> {
    let (value, path) = fields.field(name)?;
    d.integer(value, &path, min, max)
}
