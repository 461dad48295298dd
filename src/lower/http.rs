//! Strings that end up on the wire must be valid HTTP: header names are tokens, header values
//! and patterns hold no control characters, destinations are URLs without spaces. Every target
//! relies on this; none has to re-check it.

use super::Lowerer;
use crate::diag::Code;
use crate::parse::decode::{KeyPath, Spanned};
use crate::parse::raw::{
    ConditionKind, RawCondition, RawConditionValue, RawConditions, RawDestination, RawHeader,
    RawRouting, RawTransform, RawTransformKey,
};

/// RFC 9110 `tchar`.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c))
}

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

impl Lowerer<'_> {
    /// Reports every string in a routing table that could not travel in an HTTP message.
    pub(super) fn check_http_text(&mut self, routing: &RawRouting) {
        for rule in &routing.rewrites {
            self.plain_text(&rule.source, &rule.path.key("source"), "a source pattern");
            match &rule.destination {
                RawDestination::Url(url) => self.url(url, &rule.path.key("destination")),
                RawDestination::Service(service) => {
                    if let Some(path) = &service.lookup_path {
                        self.url(path, &service.path.key("path"));
                    }
                }
            }
            self.conditions_text(&rule.conditions);
        }
        for rule in &routing.redirects {
            self.plain_text(&rule.source, &rule.path.key("source"), "a source pattern");
            self.url(&rule.destination, &rule.path.key("destination"));
            self.conditions_text(&rule.conditions);
        }
        for rule in &routing.headers {
            self.plain_text(&rule.source, &rule.path.key("source"), "a source pattern");
            self.headers_text(&rule.headers, &rule.path.key("headers"));
            self.conditions_text(&rule.conditions);
        }
        for route in &routing.routes {
            if let Some(src) = &route.src {
                self.plain_text(src, &route.path.key("src"), "a route pattern");
            }
            if let Some(dest) = &route.dest {
                self.url(dest, &route.path.key("dest"));
            }
            for (i, method) in route.methods.iter().enumerate() {
                if !is_token(&method.value) {
                    self.error(
                        Code::InvalidMethod,
                        format!("`{}` is not an HTTP method", method.value),
                    )
                    .key(route.path.key("methods").index(i))
                    .at(method.span, "not a method")
                    .help("use a method name such as GET or POST");
                }
            }
            self.headers_text(&route.headers, &route.path.key("headers"));
            self.conditions_text(&route.conditions);
            self.transforms_text(&route.transforms);
        }
        for rule in &routing.rewrites {
            self.transforms_text(&rule.transforms);
        }
    }

    /// Transform keys name headers or query keys, and values travel in the request or response.
    fn transforms_text(&mut self, transforms: &[RawTransform]) {
        for transform in transforms {
            if let Some(RawTransformKey::Name(name)) = &transform.key
                && transform.kind.ends_with("headers")
                && !is_token(&name.value)
            {
                self.error(
                    Code::InvalidHeaderName,
                    format!("`{}` is not a valid header name", name.value),
                )
                .key(transform.path.key("target").key("key"))
                .at(name.span, "not an HTTP token")
                .help("use letters, digits and `-`");
            }
            if transform.args.iter().any(|a| has_control(a)) {
                self.error(
                    Code::ControlCharacter,
                    "a transform's value contains a control character (newline, tab, ...)",
                )
                .key(transform.path.key("args"))
                .at(transform.span, "control character")
                .help("remove it; a header or query cannot carry one");
            }
        }
    }

    fn plain_text(&mut self, value: &Spanned<String>, key: &KeyPath, what: &str) {
        if has_control(&value.value) {
            self.error(
                Code::ControlCharacter,
                format!("{what} contains a control character (newline, tab, ...)"),
            )
            .key(key)
            .at(value.span, "control character")
            .help("remove it; a request line cannot carry one");
        }
    }

    fn url(&mut self, value: &Spanned<String>, key: &KeyPath) {
        if let Some(c) = value
            .value
            .chars()
            .find(|c| c.is_control() || c.is_whitespace())
        {
            let shown = c.escape_default();
            self.error(
                Code::InvalidDestination,
                format!(
                    "destination `{}` contains `{shown}`",
                    value.value.escape_default()
                ),
            )
            .key(key)
            .at(value.span, "not allowed in a URL")
            .help(format!(
                "percent-encode it (a space is `%20`); `{shown}` cannot appear in a URL"
            ));
        }
    }

    fn headers_text(&mut self, headers: &[RawHeader], key: &KeyPath) {
        for (i, header) in headers.iter().enumerate() {
            if !is_token(&header.key.value) {
                self.error(
                    Code::InvalidHeaderName,
                    format!("`{}` is not a valid header name", header.key.value.escape_default()),
                )
                .key(key.index(i).key("key"))
                .at(header.key.span, "not an HTTP header name")
                .help("header names are letters, digits and `!#$%&'*+-.^_`|~`, e.g. `X-Frame-Options`");
            }
            if header
                .value
                .value
                .chars()
                .any(|c| c.is_control() && c != '\t')
            {
                self.error(Code::InvalidHeaderValue, "a header value contains a control character")
                    .key(key.index(i).key("value"))
                    .at(header.value.span, "control character")
                    .help("remove line breaks and other control characters; a header value is one line of text");
            }
        }
    }

    fn conditions_text(&mut self, conditions: &RawConditions) {
        for condition in conditions.has.iter().chain(&conditions.missing) {
            self.condition_text(condition);
        }
    }

    fn condition_text(&mut self, condition: &RawCondition) {
        if let Some(key) = &condition.key {
            let valid = match condition.kind {
                ConditionKind::Header | ConditionKind::Cookie => is_token(&key.value),
                ConditionKind::Query => !key
                    .value
                    .chars()
                    .any(|c| c.is_control() || "&=#".contains(c)),
                ConditionKind::Host => true,
            };
            if !valid {
                self.error(
                    Code::InvalidConditionKey,
                    format!("`{}` cannot name a {}", key.value.escape_default(), kind_name(condition.kind)),
                )
                .key(condition.path.key("key"))
                .at(key.span, "not a valid name")
                .help("header and cookie names are HTTP tokens (letters, digits, `-`, ...); query names cannot hold `&`, `=` or `#`");
            }
        }
        let values: Vec<&Spanned<String>> = match &condition.value {
            Some(RawConditionValue::Regex(regex)) => vec![regex],
            Some(RawConditionValue::Match(m)) => [&m.eq, &m.neq, &m.pre, &m.suf, &m.re]
                .into_iter()
                .flatten()
                .collect(),
            None => Vec::new(),
        };
        for value in values {
            self.plain_text(value, &condition.path.key("value"), "a condition value");
        }
    }
}

fn kind_name(kind: ConditionKind) -> &'static str {
    match kind {
        ConditionKind::Host => "host",
        ConditionKind::Header => "header",
        ConditionKind::Cookie => "cookie",
        ConditionKind::Query => "query parameter",
    }
}
