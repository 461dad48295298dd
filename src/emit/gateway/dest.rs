//! Destinations rendered the way Vercel prepares them (`replaceSegments` in routing-utils), then
//! turned into nginx values: every `:param` becomes the capture it names, `$1` and `$name`
//! references become the rule's capture variables, and a string rewrite that uses none of its
//! source's parameters gets them appended as query parameters.

use crate::emit::nginx_conf::Part;
use crate::pattern::{Modifier, ParamName, Token, tokenize};

/// Where one rule's captures live.
#[derive(Debug, Clone, Default)]
pub struct Captures {
    /// The source's capture groups in order: the parameter name (if named) and its variable.
    pub groups: Vec<(Option<String>, String)>,
    /// Named groups of a low-level route's `src`: `$name` in its `dest`.
    pub named: Vec<(String, String)>,
    /// Captures from `has` conditions: name and variable.
    pub has: Vec<(String, String)>,
}

impl Captures {
    fn named_segments(&self) -> impl Iterator<Item = &str> {
        self.groups.iter().filter_map(|(name, _)| name.as_deref())
    }

    /// Vercel's `indexes`: each named segment to `$N`, each `has` capture to `$name`.
    fn indexes(&self) -> Vec<(String, String)> {
        let mut indexes: Vec<(String, String)> = Vec::new();
        for (i, (name, _)) in self.groups.iter().enumerate() {
            if let Some(name) = name {
                set(&mut indexes, name, format!("${}", i + 1));
            }
        }
        for (name, _) in &self.has {
            set(&mut indexes, name, format!("${name}"));
        }
        indexes
    }
}

fn set(map: &mut Vec<(String, String)>, key: &str, value: String) {
    match map.iter_mut().find(|(k, _)| k == key) {
        Some(entry) => entry.1 = value,
        None => map.push((key.to_string(), value)),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Redirect,
    /// A string rewrite: unused parameters are appended to the query.
    Rewrite,
    /// A service destination's routing-only `path`.
    LookupPath,
}

/// A rendered destination, split where the gateway needs the pieces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Url {
    /// `scheme://host[:port]` for an absolute URL, else empty.
    pub origin: Vec<Part>,
    pub path: Vec<Part>,
    /// Without the `?`; `None` when the destination has no query.
    pub query: Option<Vec<Part>>,
    /// With its `#`, or empty.
    pub hash: Vec<Part>,
    /// Whether `query` already holds the request's query, merged in.
    pub query_merged: bool,
}

impl Url {
    pub fn is_external(&self) -> bool {
        !self.origin.is_empty()
    }

    /// The whole URL as one value.
    pub fn joined(&self) -> Vec<Part> {
        let mut parts = self.origin.clone();
        parts.extend(self.path.iter().cloned());
        if let Some(query) = &self.query {
            parts.push(Part::Text("?".to_string()));
            parts.extend(query.iter().cloned());
        }
        parts.extend(self.hash.iter().cloned());
        merge(parts)
    }
}

pub fn render(destination: &str, captures: &Captures, kind: Kind) -> Url {
    let pieces = Pieces::split(destination);
    let named: Vec<&str> = captures.named_segments().collect();
    let replacing = (destination.contains(':') && !named.is_empty())
        || !captures.has.is_empty()
        || kind != Kind::Redirect;
    let text = if replacing {
        compile_destination(&pieces, captures, kind)
    } else {
        pieces
    };
    Url {
        origin: substitute(&text.origin(), captures),
        path: substitute(&text.path, captures),
        query: text.query.as_deref().map(|q| substitute(q, captures)),
        hash: substitute(&text.hash, captures),
        query_merged: false,
    }
}

/// A low-level route's `dest` or header value: used as written, only `$N` and `$name`
/// references replaced (routes skip Vercel's segment compilation).
pub fn render_raw(destination: &str, captures: &Captures) -> Url {
    let pieces = Pieces::split(destination);
    Url {
        origin: substitute(&pieces.origin(), captures),
        path: substitute(&pieces.path, captures),
        query: pieces.query.as_deref().map(|q| substitute(q, captures)),
        hash: substitute(&pieces.hash, captures),
        query_merged: false,
    }
}

/// A header value: `:param` segments and `$` references replaced, the rest kept as written.
pub fn render_text(value: &str, captures: &Captures) -> Vec<Part> {
    let replacing = (value.contains(':') && captures.named_segments().next().is_some())
        || !captures.has.is_empty();
    let text = if replacing {
        compile(value, &captures.indexes())
    } else {
        value.to_string()
    };
    merge(substitute(&text, captures))
}

/// A destination split like Node's `url.parse`, as far as Vercel relies on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Pieces {
    /// `scheme://userinfo@`, or empty.
    scheme_and_auth: String,
    hostname: String,
    /// `:port` or empty.
    port: String,
    path: String,
    query: Option<String>,
    hash: String,
}

impl Pieces {
    fn split(destination: &str) -> Pieces {
        let mut pieces = Pieces::default();
        let mut rest = destination;
        if let Some((scheme, after)) = destination.split_once("://")
            && !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        {
            let end = after.find(['/', '?', '#']).unwrap_or(after.len());
            let (authority, remainder) = after.split_at(end);
            let (userinfo, host) = match authority.rsplit_once('@') {
                Some((user, host)) => (format!("{user}@"), host),
                None => (String::new(), authority),
            };
            let (hostname, port) = split_port(host);
            pieces.scheme_and_auth = format!("{scheme}://{userinfo}");
            pieces.hostname = hostname.to_string();
            pieces.port = port.to_string();
            rest = remainder;
        }
        let (before_hash, hash) = match rest.split_once('#') {
            Some((before, hash)) => (before, format!("#{hash}")),
            None => (rest, String::new()),
        };
        let (path, query) = match before_hash.split_once('?') {
            Some((path, query)) => (path, Some(query.to_string())),
            None => (before_hash, None),
        };
        pieces.path = path.to_string();
        pieces.query = query;
        pieces.hash = hash;
        pieces
    }

    fn origin(&self) -> String {
        format!("{}{}{}", self.scheme_and_auth, self.hostname, self.port)
    }
}

fn split_port(host: &str) -> (&str, &str) {
    match host.rfind(':') {
        Some(i)
            if !host[i + 1..].is_empty()
                && host[i + 1..].chars().all(|c| c.is_ascii_digit())
                && !host.ends_with(']') =>
        {
            host.split_at(i)
        }
        _ => (host, ""),
    }
}

/// `replaceSegments`: compile host, path, hash and query values with the indexes; for string
/// rewrites that use no parameter, append every parameter to the query.
fn compile_destination(pieces: &Pieces, captures: &Captures, kind: Kind) -> Pieces {
    let indexes = captures.indexes();
    let used: Vec<String> = [&pieces.hostname, &pieces.path, &pieces.hash]
        .into_iter()
        .flat_map(|text| param_names(text))
        .collect();
    let mut query = pieces.query.as_deref().map(parse_query).unwrap_or_default();
    for (_, value) in &mut query {
        *value = compile(value, &indexes);
    }
    let unused = !indexes.iter().any(|(name, _)| used.contains(name));
    if kind == Kind::Rewrite && unused {
        for (name, index) in &indexes {
            if !query.iter().any(|(key, _)| key == name) {
                query.push((name.clone(), index.clone()));
            }
        }
    }
    let query = (!query.is_empty()).then(|| stringify_query(&query));
    Pieces {
        scheme_and_auth: pieces.scheme_and_auth.clone(),
        hostname: compile(&pieces.hostname, &indexes),
        port: pieces.port.clone(),
        path: compile(&pieces.path, &indexes),
        query,
        hash: compile(&pieces.hash, &indexes),
    }
}

fn param_names(text: &str) -> Vec<String> {
    tokenize(text)
        .map(|tokens| {
            tokens
                .into_iter()
                .filter_map(|token| match token {
                    Token::Param(param) => match param.name {
                        ParamName::Named(name) if !name.is_empty() => Some(name),
                        _ => None,
                    },
                    Token::Text(_) => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// path-to-regexp `compile(text, {validate: false})(indexes)`, or the text unchanged where
/// that throws (Vercel's `safelyCompile`).
fn compile(text: &str, indexes: &[(String, String)]) -> String {
    let Ok(tokens) = tokenize(text) else {
        return text.to_string();
    };
    let mut out = String::new();
    for token in tokens {
        match token {
            Token::Text(t) => out.push_str(&t),
            Token::Param(param) => {
                let value = match &param.name {
                    ParamName::Named(name) => {
                        indexes.iter().find(|(k, _)| k == name).map(|(_, v)| v)
                    }
                    ParamName::Index(_) => None,
                };
                match value {
                    Some(value) => {
                        out.push_str(&param.prefix);
                        out.push_str(value);
                        out.push_str(&param.suffix);
                    }
                    None if matches!(param.modifier, Modifier::Optional | Modifier::ZeroOrMore) => {
                    }
                    None => return text.to_string(),
                }
            }
        }
    }
    out
}

/// `querystring.parse`: `&`-separated pairs, `+` and `%XX` decoded.
fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (
                bytes.get(i + 1).and_then(|b| hex(*b)),
                bytes.get(i + 2).and_then(|b| hex(*b)),
            ) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// `querystring.stringify`, then `%24` back to `$` as Vercel does so the proxy still sees its
/// `$1` references. Keys keep JS object order: integer-like keys first.
fn stringify_query(pairs: &[(String, String)]) -> String {
    let mut ordered: Vec<&(String, String)> = Vec::new();
    let mut index_keys: Vec<(u32, &str)> = pairs
        .iter()
        .filter_map(|(k, _)| array_index(k).map(|i| (i, k.as_str())))
        .collect();
    index_keys.sort();
    index_keys.dedup();
    for (_, key) in &index_keys {
        ordered.extend(pairs.iter().filter(|(k, _)| k == key));
    }
    let mut seen: Vec<&str> = index_keys.iter().map(|(_, k)| *k).collect();
    for (key, _) in pairs {
        if !seen.contains(&key.as_str()) {
            seen.push(key);
            ordered.extend(pairs.iter().filter(|(k, _)| k == key));
        }
    }
    ordered
        .iter()
        .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
        .collect::<Vec<_>>()
        .join("&")
        .replace("%24", "$")
}

fn array_index(key: &str) -> Option<u32> {
    let n: u32 = key.parse().ok()?;
    (n.to_string() == key && n != u32::MAX).then_some(n)
}

/// `encodeURIComponent`.
fn escape(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The proxy's last step: `$N` becomes capture group N and `$name` a `has` capture.
fn substitute(text: &str, captures: &Captures) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        literal.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        let name_len = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .count();
        let reference = if digits > 0 {
            after[..digits]
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|n| captures.groups.get(n))
                .map(|(_, var)| (var.clone(), digits))
        } else if after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            let name = &after[..name_len];
            captures
                .has
                .iter()
                .chain(&captures.named)
                .find(|(n, _)| n == name)
                .map(|(_, var)| (var.clone(), name_len))
        } else {
            None
        };
        match reference {
            Some((var, len)) => {
                if !literal.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut literal)));
                }
                parts.push(Part::Var(var));
                rest = &after[len..];
            }
            None => {
                literal.push('$');
                rest = after;
            }
        }
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        parts.push(Part::Text(literal));
    }
    parts
}

fn merge(parts: Vec<Part>) -> Vec<Part> {
    let mut out: Vec<Part> = Vec::new();
    for part in parts {
        match (out.last_mut(), part) {
            (Some(Part::Text(a)), Part::Text(b)) => a.push_str(&b),
            (_, part) => out.push(part),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(groups: &[(Option<&str>, &str)], has: &[(&str, &str)]) -> Captures {
        Captures {
            groups: groups
                .iter()
                .map(|(n, v)| (n.map(str::to_string), v.to_string()))
                .collect(),
            named: Vec::new(),
            has: has
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn text(parts: &[Part]) -> String {
        parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.clone(),
                Part::Var(v) => format!("{{{v}}}"),
            })
            .collect()
    }

    #[test]
    fn named_segments_become_their_capture() {
        let c = caps(&[(Some("path"), "g1")], &[]);
        let url = render("/:path*", &c, Kind::Redirect);
        assert_eq!(text(&url.joined()), "/{g1}");
        let url = render("/blog/:path/x", &c, Kind::Rewrite);
        assert_eq!(text(&url.joined()), "/blog/{g1}/x");
    }

    #[test]
    fn unused_params_are_appended_to_a_rewrites_query() {
        let c = caps(&[(Some("slug"), "g1"), (None, "g2")], &[]);
        let url = render("/posts", &c, Kind::Rewrite);
        assert_eq!(text(&url.path), "/posts");
        assert_eq!(
            url.query.as_deref().map(text),
            Some("slug={g1}".to_string())
        );
        let redirect = render("/posts", &c, Kind::Redirect);
        assert_eq!(redirect.query, None);
    }

    #[test]
    fn query_values_are_compiled_and_reencoded() {
        let c = caps(&[(Some("q"), "g1")], &[]);
        let url = render("/search?term=:q&x=a b", &c, Kind::Rewrite);
        assert_eq!(
            url.query.as_deref().map(text),
            Some("term={g1}&x=a%20b&q={g1}".to_string())
        );
    }

    #[test]
    fn numbered_and_has_references_are_substituted() {
        let c = caps(&[(None, "g1")], &[("tenant", "h_tenant")]);
        let url = render(
            "https://:tenant.example.com:8443/$1?x=$tenant&y=$9&z=$other",
            &c,
            Kind::Rewrite,
        );
        assert!(url.is_external());
        assert_eq!(text(&url.origin), "https://{h_tenant}.example.com:8443");
        assert_eq!(text(&url.path), "/{g1}");
        assert_eq!(
            url.query.as_deref().map(text),
            Some("x={h_tenant}&y=$9&z=$other".to_string())
        );
    }

    #[test]
    fn a_redirect_without_parameters_is_kept_verbatim() {
        let url = render(
            "https://example.com/a?b=c d#top",
            &Captures::default(),
            Kind::Redirect,
        );
        assert_eq!(text(&url.joined()), "https://example.com/a?b=c d#top");
    }
}
