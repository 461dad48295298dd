//! Routing rules in Vercel's evaluation order: cleanUrls and trailingSlash redirects, low-level
//! routes, redirects, headers, rewrites. Each list keeps the file's order (first match wins).

use super::{Origin, ServiceId};
use crate::pattern::PathPattern;
use serde::{Serialize, Serializer};

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Routing {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub clean_urls: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trailing_slash: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<Route>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub redirects: Vec<Redirect>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<HeaderRule>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rewrites: Vec<Rewrite>,
}

impl Routing {
    /// Every service a rule hands requests to, in rule order (may repeat).
    pub fn service_destinations(&self) -> impl Iterator<Item = &ServiceId> {
        let from_routes = self.routes.iter().filter_map(|r| r.service.as_ref());
        let from_rewrites = self.rewrites.iter().filter_map(|r| match &r.destination {
            Destination::Service(s) => Some(s),
            _ => None,
        });
        from_routes
            .chain(from_rewrites)
            .map(|destination| &destination.service)
    }
}

/// A URL the gateway proxies to: a rewrite's absolute destination or a route's absolute `dest`,
/// with the rule and the key that wrote it.
pub struct ProxiedUrl<'a> {
    pub url: &'a str,
    pub origin: &'a RuleOrigin,
    /// `destination` or `dest`.
    pub key: &'static str,
}

impl Routing {
    /// Every absolute URL the gateway would proxy a request of this table to.
    pub fn proxied_urls(&self) -> impl Iterator<Item = ProxiedUrl<'_>> {
        let rewrites = self.rewrites.iter().filter_map(|r| match &r.destination {
            Destination::External(url) => Some(ProxiedUrl {
                url,
                origin: &r.origin,
                key: "destination",
            }),
            _ => None,
        });
        let routes = self.routes.iter().filter_map(|r| {
            let dest = r.dest.as_deref()?;
            matches!(Destination::from_url(dest), Destination::External(_)).then_some(ProxiedUrl {
                url: dest,
                origin: &r.origin,
                key: "dest",
            })
        });
        rewrites.chain(routes)
    }
}

fn serialize_pattern<S: Serializer>(pattern: &PathPattern, s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct View<'a> {
        source: &'a str,
        regex: String,
    }
    View {
        source: pattern.source(),
        regex: pattern.to_regex(),
    }
    .serialize(s)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceDestination {
    pub service: ServiceId,
    /// Routing-only lookup path inside the service; the app still sees the original URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Destination {
    /// Terminal hand-off to a service, with the original request URI.
    Service(ServiceDestination),
    /// An internal path, evaluated again against the table.
    Path(String),
    /// An absolute URL: proxied to that origin.
    External(String),
}

impl Destination {
    /// A string destination is external when it is an absolute URL.
    pub fn from_url(url: &str) -> Destination {
        let is_absolute = url.split_once("://").is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        });
        if is_absolute {
            Destination::External(url.to_string())
        } else {
            Destination::Path(url.to_string())
        }
    }
}

/// Where a rule was written, for diagnostics a target raises about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleOrigin {
    pub at: Origin,
    /// The rule's key path, e.g. `rewrites[2]`.
    pub key: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rewrite {
    #[serde(serialize_with = "serialize_pattern")]
    pub source: PathPattern,
    pub destination: Destination,
    /// `statusCode`: the status of the response, in place of the destination's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub transforms: Vec<Transform>,
    #[serde(flatten)]
    pub conditions: Conditions,
    #[serde(skip)]
    pub origin: RuleOrigin,
}

#[derive(Debug, Clone, Serialize)]
pub struct Redirect {
    #[serde(serialize_with = "serialize_pattern")]
    pub source: PathPattern,
    pub destination: String,
    pub status: u16,
    #[serde(flatten)]
    pub conditions: Conditions,
    #[serde(skip)]
    pub origin: RuleOrigin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Header {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct HeaderRule {
    #[serde(serialize_with = "serialize_pattern")]
    pub source: PathPattern,
    pub headers: Vec<Header>,
    #[serde(flatten)]
    pub conditions: Conditions,
    #[serde(skip)]
    pub origin: RuleOrigin,
}

/// A low-level route: `src` is a regular expression, anchored as Vercel anchors it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Route {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceDestination>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<Header>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub r#continue: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub check: bool,
    pub case_sensitive: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
    #[serde(flatten)]
    pub conditions: Conditions,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub transforms: Vec<Transform>,
    /// Keys kept but not interpreted (`transforms`, ...); a target refuses what it cannot honour.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub uninterpreted: Vec<String>,
    #[serde(skip)]
    pub origin: RuleOrigin,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Conditions {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub has: Vec<Condition>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<Condition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConditionKind {
    Host,
    Header,
    Cookie,
    Query,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Condition {
    #[serde(rename = "type")]
    pub kind: ConditionKind,
    /// The header, cookie or query name; header names lower-cased as Vercel normalises them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<ConditionValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConditionValue {
    /// A regular expression the value must match.
    Regex(String),
    Match(Box<ValueMatch>),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ValueMatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eq: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub neq: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inc: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ninc: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suf: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub re: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gt: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gte: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lt: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lte: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_urls_are_external_and_paths_are_internal() {
        assert!(matches!(
            Destination::from_url("https://example.com/:path*"),
            Destination::External(_)
        ));
        assert!(matches!(
            Destination::from_url("/docs/:slug"),
            Destination::Path(_)
        ));
        assert!(matches!(
            Destination::from_url("/x?u=https://a"),
            Destination::Path(_)
        ));
    }
}

/// One of a rule's `transforms`: a change to the request the service sees, or to the response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transform {
    #[serde(rename = "type")]
    pub kind: TransformKind,
    pub op: TransformOp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<TransformKey>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<String>,
    #[serde(skip)]
    pub origin: RuleOrigin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TransformKind {
    #[serde(rename = "request.path")]
    RequestPath,
    #[serde(rename = "request.headers")]
    RequestHeaders,
    #[serde(rename = "request.query")]
    RequestQuery,
    #[serde(rename = "response.headers")]
    ResponseHeaders,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TransformOp {
    Set,
    Append,
    Delete,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TransformKey {
    /// One key, matched without regard to case (`{"eq": ...}` is the same).
    Name(String),
    /// Every key a matcher accepts (`pre`, `suf`, `inc`, ...).
    Matcher { op: String, operand: String },
}
