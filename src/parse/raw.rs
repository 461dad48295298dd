//! The raw config: a faithful mirror of what the file says, with spans, before any meaning is
//! given to it.

use super::decode::{KeyPath, Spanned};
use crate::read::Node;
use crate::source::Span;

#[derive(Debug, Clone, Default)]
pub struct RawConfig {
    pub services: Option<RawServices>,
    /// `experimentalServices`, the legacy form, when it is the form used.
    pub legacy: Option<RawLegacy>,
    pub routing: RawRouting,
    pub crons: Vec<RawCron>,
    pub span: Span,
}

/// The `services` map, under whichever key the file used.
#[derive(Debug, Clone)]
pub struct RawServices {
    /// `services` or `experimentalServicesV2`.
    pub key: &'static str,
    pub key_span: Span,
    pub entries: Vec<RawService>,
}

#[derive(Debug, Clone)]
pub struct RawService {
    pub name: Spanned<String>,
    pub path: KeyPath,
    pub span: Span,
    pub root: Option<Spanned<String>>,
    pub framework: Option<Spanned<String>>,
    pub runtime: Option<Spanned<String>>,
    pub entrypoint: Option<Spanned<String>>,
    pub command: Option<Spanned<RawCommand>>,
    pub build: RawBuildSettings,
    pub bindings: Vec<RawBinding>,
    /// Kept as written: svc does not deploy functions, but the key is valid.
    pub functions: Option<Node>,
    pub routing: RawRouting,
}

/// `command` as written: one string, or a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawCommand {
    Line(String),
    Exec(Vec<String>),
}

#[derive(Debug, Clone, Default)]
pub struct RawBuildSettings {
    pub install_command: Option<Spanned<String>>,
    pub build_command: Option<Spanned<String>>,
    pub dev_command: Option<Spanned<String>>,
    pub ignore_command: Option<Spanned<String>>,
    pub output_directory: Option<Spanned<String>>,
}

#[derive(Debug, Clone)]
pub struct RawBinding {
    pub path: KeyPath,
    pub span: Span,
    pub service: Option<Spanned<String>>,
    pub env: Option<Spanned<String>>,
}

/// Routing keys; the same shape at the top level and inside a service.
#[derive(Debug, Clone, Default)]
pub struct RawRouting {
    pub clean_urls: Option<Spanned<bool>>,
    pub trailing_slash: Option<Spanned<bool>>,
    pub routes: Vec<RawRoute>,
    pub redirects: Vec<RawRedirect>,
    pub headers: Vec<RawHeaderRule>,
    pub rewrites: Vec<RawRewrite>,
}

#[derive(Debug, Clone)]
pub struct RawServiceDestination {
    pub span: Span,
    pub path: KeyPath,
    pub service: Spanned<String>,
    /// Routing-only lookup path inside the service.
    pub lookup_path: Option<Spanned<String>>,
}

#[derive(Debug, Clone)]
pub enum RawDestination {
    /// A path or absolute URL.
    Url(Spanned<String>),
    Service(RawServiceDestination),
}

#[derive(Debug, Clone)]
pub struct RawRewrite {
    pub path: KeyPath,
    pub span: Span,
    pub source: Spanned<String>,
    pub destination: RawDestination,
    /// Overrides the status of the response (100 to 999).
    pub status_code: Option<Spanned<u64>>,
    pub transforms: Vec<RawTransform>,
    pub conditions: RawConditions,
}

#[derive(Debug, Clone)]
pub struct RawRedirect {
    pub path: KeyPath,
    pub span: Span,
    pub source: Spanned<String>,
    pub destination: Spanned<String>,
    pub permanent: Option<Spanned<bool>>,
    pub status_code: Option<Spanned<u64>>,
    pub conditions: RawConditions,
}

#[derive(Debug, Clone)]
pub struct RawHeader {
    pub key: Spanned<String>,
    pub value: Spanned<String>,
}

#[derive(Debug, Clone)]
pub struct RawHeaderRule {
    pub path: KeyPath,
    pub span: Span,
    pub source: Spanned<String>,
    pub headers: Vec<RawHeader>,
    pub conditions: RawConditions,
}

/// A low-level `routes` entry (`src`/`dest`), or a `handle` phase marker.
#[derive(Debug, Clone)]
pub struct RawRoute {
    pub path: KeyPath,
    pub span: Span,
    pub src: Option<Spanned<String>>,
    pub dest: Option<Spanned<String>>,
    pub service: Option<RawServiceDestination>,
    pub headers: Vec<RawHeader>,
    pub methods: Vec<Spanned<String>>,
    pub continue_: Option<Spanned<bool>>,
    pub check: Option<Spanned<bool>>,
    pub case_sensitive: Option<Spanned<bool>>,
    pub status: Option<Spanned<u64>>,
    pub handle: Option<Spanned<String>>,
    pub conditions: RawConditions,
    pub transforms: Vec<RawTransform>,
    /// Keys svc keeps but does not interpret yet (`mitigate`, `env`, `locale`,
    /// `respectOriginCacheControl`), by name, so a target can refuse what it cannot honour.
    pub uninterpreted: Vec<(String, Span)>,
}

#[derive(Debug, Clone, Default)]
pub struct RawConditions {
    pub has: Vec<RawCondition>,
    pub missing: Vec<RawCondition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConditionKind {
    Host,
    Header,
    Cookie,
    Query,
}

#[derive(Debug, Clone)]
pub struct RawCondition {
    pub path: KeyPath,
    pub span: Span,
    pub kind: ConditionKind,
    pub key: Option<Spanned<String>>,
    pub value: Option<RawConditionValue>,
}

#[derive(Debug, Clone)]
pub enum RawConditionValue {
    /// A string value is a regular expression.
    Regex(Spanned<String>),
    Match(Box<RawValueMatch>),
}

/// The object form of a condition value; at least one operator is set.
#[derive(Debug, Clone, Default)]
pub struct RawValueMatch {
    pub span: Span,
    pub eq: Option<Spanned<String>>,
    pub neq: Option<Spanned<String>>,
    pub inc: Option<Spanned<Vec<String>>>,
    pub ninc: Option<Spanned<Vec<String>>>,
    pub pre: Option<Spanned<String>>,
    pub suf: Option<Spanned<String>>,
    pub re: Option<Spanned<String>>,
    pub gt: Option<Spanned<f64>>,
    pub gte: Option<Spanned<f64>>,
    pub lt: Option<Spanned<f64>>,
    pub lte: Option<Spanned<f64>>,
}

#[derive(Debug, Clone)]
pub struct RawCron {
    pub path_key: KeyPath,
    pub span: Span,
    pub path: Spanned<String>,
    pub schedule: Spanned<String>,
}

/// `experimentalServices` and `experimentalServiceGroups`.
#[derive(Debug, Clone)]
pub struct RawLegacy {
    pub key_span: Span,
    pub entries: Vec<RawLegacyService>,
    pub groups: Vec<RawServiceGroup>,
}

/// A legacy service: the fields both forms share, and how it is mounted and run.
#[derive(Debug, Clone)]
pub struct RawLegacyService {
    /// The shared fields; `root` is optional here (`.` when absent).
    pub service: RawService,
    pub kind: Spanned<LegacyKind>,
    pub route_prefix: Option<Spanned<String>>,
    pub subdomain: Option<Spanned<String>>,
    pub mount: Option<RawMount>,
    pub topics: Option<Spanned<Vec<RawTopic>>>,
    pub consumer: Option<Spanned<String>>,
    pub schedule: Option<Spanned<Vec<Spanned<String>>>>,
    pub trigger: Option<Spanned<LegacyTrigger>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegacyKind {
    Web,
    Worker,
    Cron,
    Job,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegacyTrigger {
    Schedule,
    Queue,
    Workflow,
}

/// `mount`: a path, or `{path?, subdomain?}`.
#[derive(Debug, Clone)]
pub struct RawMount {
    pub span: Span,
    pub path: Option<Spanned<String>>,
    pub subdomain: Option<Spanned<String>>,
}

#[derive(Debug, Clone)]
pub struct RawTopic {
    pub topic: Spanned<String>,
    pub retry_after_seconds: Option<Spanned<u64>>,
    pub initial_delay_seconds: Option<Spanned<u64>>,
}

#[derive(Debug, Clone)]
pub struct RawServiceGroup {
    pub name: Spanned<String>,
    pub members: Vec<Spanned<String>>,
}

/// One entry of `transforms`, checked against Vercel's schema.
#[derive(Debug, Clone)]
pub struct RawTransform {
    pub path: KeyPath,
    pub span: Span,
    /// `request.headers`, `request.query`, `response.headers` or `request.path`.
    pub kind: String,
    /// `set`, `append` or `delete`.
    pub op: String,
    pub key: Option<RawTransformKey>,
    pub args: Vec<String>,
    pub env: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum RawTransformKey {
    Name(Spanned<String>),
    /// `{"pre": "x-"}` and the like: every key the matcher accepts.
    Matcher {
        op: &'static str,
        operand: Spanned<String>,
        span: Span,
    },
}

impl RawTransformKey {
    pub fn span(&self) -> Span {
        match self {
            RawTransformKey::Name(name) => name.span,
            RawTransformKey::Matcher { span, .. } => *span,
        }
    }
}
