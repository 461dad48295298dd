//! Which `:name` parameters a destination uses, and which names a `has` value captures.

use super::{PathPattern, is_name_char};

/// Names a destination string refers to, collected the way Vercel's
/// `checkPatternSyntax` does: Node's legacy `url.parse(destination, true)`
/// splits it, then hostname, pathname and each query value (first value of
/// a repeated key, in JS object key order) go through path-to-regexp.
///
/// Vercel runs those parses in one `try`, so the first part that does not
/// parse contributes nothing and hides every part after it; a destination
/// Node cannot parse at all yields nothing. Names are deduplicated, in
/// order of first appearance.
pub fn destination_param_names(destination: &str) -> Vec<String> {
    let Some(url) = LegacyUrl::parse(destination) else {
        return Vec::new();
    };
    let mut names: Vec<String> = Vec::new();
    for part in url.pattern_sources() {
        let Ok(pattern) = PathPattern::parse(&part) else {
            break;
        };
        for name in pattern.named_params() {
            if !names.iter().any(|known| known == name) {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// Named regex groups `(?<name>…)` in a `has` value, as Vercel's
/// `collectHasSegments` finds them (a plain text scan, escapes ignored).
pub fn named_groups(regex: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (start, _) in regex.match_indices("(?<") {
        let rest = &regex[start + 3..];
        let len = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
        let name = &rest[..len];
        let starts_alpha = name.starts_with(|c: char| c.is_ascii_alphabetic());
        if starts_alpha && rest[len..].starts_with('>') && !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    names
}

// ---------------------------------------------------------------------------
// Node's legacy `url.parse`, as far as it decides which text Vercel feeds to
// path-to-regexp. Quirks kept because they change which names are seen:
// `{`/`}` are percent-escaped except on the "simple path" fast path, a
// `:` in the hostname pushes the rest of the host into the pathname, and
// query values are percent-decoded.

/// Schemes `url.parse` expects a `//host` after (keys of its slashedProtocol).
const SLASHED_PROTOCOLS: [&str; 7] = ["http:", "https:", "ftp:", "gopher:", "file:", "ws:", "wss:"];
const HOSTNAME_MAX_LEN: usize = 255;

#[derive(Debug, Default, PartialEq, Eq)]
struct LegacyUrl {
    hostname: String,
    pathname: String,
    query: Option<String>,
}

impl LegacyUrl {
    /// `None` where Node's `url.parse` throws.
    fn parse(input: &str) -> Option<LegacyUrl> {
        let (rest, has_hash, has_at) = normalize_input(input);
        if !has_hash
            && !has_at
            && let Some(url) = simple_path(&rest)
        {
            return Some(url);
        }
        parse_full(&rest)
    }

    fn pattern_sources(&self) -> Vec<String> {
        let mut sources = vec![self.hostname.clone(), self.pathname.clone()];
        sources.extend(self.query.as_deref().map(query_values).unwrap_or_default());
        sources
    }
}

/// Node's trimming set: C0 controls, space, NBSP and BOM.
fn is_url_trim_char(c: char) -> bool {
    (c as u32) < 33 || c == '\u{A0}' || c == '\u{FEFF}'
}

/// JS regex `\s`.
fn is_js_space(c: char) -> bool {
    let ascii_or_latin = matches!(c, '\t'..='\r' | ' ' | '\u{A0}');
    let wide = matches!(
        c,
        '\u{1680}' | '\u{2000}'
            ..='\u{200A}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202F}'
                | '\u{205F}'
                | '\u{3000}'
                | '\u{FEFF}'
    );
    ascii_or_latin || wide
}

/// Trims, turns `\` into `/` before the first `?`/`#`, and reports whether
/// a `#` occurs anywhere and an `@` before that split.
fn normalize_input(input: &str) -> (String, bool, bool) {
    let trimmed = input.trim_matches(is_url_trim_char);
    let split = trimmed.find(['?', '#']).unwrap_or(trimmed.len());
    let (head, tail) = trimmed.split_at(split);
    let rest = format!("{}{tail}", head.replace('\\', "/"));
    (rest, trimmed.contains('#'), head.contains('@'))
}

/// Node's fast path `/^(\/\/?(?!\/)[^?\s]*)(\?[^\s]*)?$/`, which skips the
/// auto-escaping of the full parser.
fn simple_path(rest: &str) -> Option<LegacyUrl> {
    if !rest.starts_with('/') || rest.starts_with("///") || rest.contains(is_js_space) {
        return None;
    }
    let (pathname, query) = match rest.split_once('?') {
        Some((pathname, query)) => (pathname, Some(query.to_string())),
        None => (rest, None),
    };
    Some(LegacyUrl {
        hostname: String::new(),
        pathname: pathname.to_string(),
        query,
    })
}

fn parse_full(input: &str) -> Option<LegacyUrl> {
    let (protocol, mut rest) = split_protocol(input);
    let lower = protocol.map(str::to_ascii_lowercase);
    let hostless = lower.as_deref() == Some("javascript:");
    let mut slashes = false;
    if protocol.is_some() || has_auth_host(rest) {
        slashes = rest.starts_with("//");
        if slashes && !hostless {
            rest = &rest[2..];
        }
    }
    let bare_scheme = protocol.is_some_and(|p| !SLASHED_PROTOCOLS.contains(&p));
    let mut url = LegacyUrl::default();
    let mut rest = rest.to_string();
    if !hostless && (slashes || bare_scheme) {
        (url.hostname, rest) = parse_host(&rest)?;
    }
    if !hostless {
        rest = auto_escape(&rest);
    }
    split_path_and_query(&mut url, &rest);
    let slashed = lower.is_some_and(|p| SLASHED_PROTOCOLS.contains(&p.as_str()));
    if slashed && !url.hostname.is_empty() && url.pathname.is_empty() {
        url.pathname = "/".to_string();
    }
    Some(url)
}

/// `/^[a-z0-9.+-]+:/i`
fn split_protocol(input: &str) -> (Option<&str>, &str) {
    let scheme_len = input
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-')))
        .unwrap_or(input.len());
    if scheme_len > 0 && input[scheme_len..].starts_with(':') {
        let (protocol, rest) = input.split_at(scheme_len + 1);
        return (Some(protocol), rest);
    }
    (None, input)
}

/// `/^\/\/[^@\/]+@[^@\/]+/`
fn has_auth_host(rest: &str) -> bool {
    let Some(after) = rest.strip_prefix("//") else {
        return false;
    };
    let Some(at) = after.find(['@', '/']) else {
        return false;
    };
    let host = &after[at..];
    at > 0 && host.starts_with('@') && host[1..].starts_with(|c| c != '@' && c != '/')
}

/// Splits `[auth@]host[:port]rest`, returning the hostname and the rest.
fn parse_host(rest: &str) -> Option<(String, String)> {
    let (host, mut rest) = split_host(rest)?;
    let host = strip_port(&host);
    let ipv6 = host.len() > 1 && host.starts_with('[') && host.ends_with(']');
    let mut hostname = host.to_string();
    if !ipv6 && let Some(bad) = hostname.find(['/', '\\', '#', '?', ':']) {
        rest = format!("/{}{rest}", &hostname[bad..]);
        hostname.truncate(bad);
    }
    hostname = if hostname.encode_utf16().count() > HOSTNAME_MAX_LEN {
        String::new()
    } else {
        hostname.to_lowercase()
    };
    if has_forbidden_host_char(&hostname, ipv6) || (!ipv6 && fails_idna(&hostname)) {
        return None;
    }
    if ipv6 {
        hostname = hostname[1..hostname.len() - 1].to_string();
        if !rest.starts_with('/') {
            rest.insert(0, '/');
        }
    }
    Some((hostname, rest))
}

/// Scans to the first `/`, `?` or `#`; the host starts after the last `@`
/// and stops at the first character RFC 2396 forbids in a hostname.
/// `None` where Node's `decodeURIComponent` of the auth part throws.
fn split_host(rest: &str) -> Option<(String, String)> {
    let mut cleaned: Vec<char> = Vec::with_capacity(rest.len());
    let mut non_host: Option<usize> = None;
    let mut at_sign: Option<usize> = None;
    let mut chars = rest.chars();
    for c in chars.by_ref() {
        match c {
            '\t' | '\n' | '\r' => continue,
            ' ' | '"' | '%' | '\'' | ';' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}' => {
                non_host.get_or_insert(cleaned.len());
            }
            '#' | '/' | '?' => {
                non_host.get_or_insert(cleaned.len());
                cleaned.push(c);
                break;
            }
            '@' => {
                at_sign = Some(cleaned.len());
                non_host = None;
            }
            _ => {}
        }
        cleaned.push(c);
    }
    cleaned.extend(chars);
    if let Some(at) = at_sign {
        let auth: String = cleaned[..at].iter().collect();
        strict_decode(&auth.encode_utf16().collect::<Vec<_>>())?;
    }
    let start = at_sign.map_or(0, |at| at + 1);
    let end = non_host.unwrap_or(cleaned.len());
    let host = cleaned[start..end].iter().collect();
    let rest = cleaned[end..].iter().collect();
    Some((host, rest))
}

/// `/:[0-9]*$/`
fn strip_port(host: &str) -> &str {
    let without_digits = host.trim_end_matches(|c: char| c.is_ascii_digit());
    without_digits.strip_suffix(':').unwrap_or(host)
}

fn has_forbidden_host_char(hostname: &str, ipv6: bool) -> bool {
    let common = |c: char| matches!(c, '\0' | '\t' | '\n' | '\r' | ' ' | '#' | '%' | '/');
    let more = |c: char| matches!(c, '<' | '>' | '?' | '@' | '\\' | '^' | '|');
    let non_ipv6 = |c: char| matches!(c, ':' | '[' | ']');
    hostname
        .chars()
        .any(|c| common(c) || more(c) || (!ipv6 && non_ipv6(c)))
}

/// Node runs IDNA `toASCII` on the hostname and throws when it fails or
/// leaves nothing. Without IDNA tables, approximate: code points UTS 46
/// ignores are dropped; whitespace, controls, bidi and joiner controls,
/// private use, U+FFFD and the full-width colon (which maps to `:`) fail.
fn fails_idna(hostname: &str) -> bool {
    let ignored = |c: char| {
        matches!(
            c,
            '\u{AD}'
                | '\u{34F}'
                | '\u{180B}'..='\u{180D}'
                | '\u{200B}'
                | '\u{2060}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
        )
    };
    let disallowed = |c: char| {
        c.is_whitespace()
            || c.is_control()
            || matches!(
                c,
                '\u{200C}'..='\u{200F}'
                    | '\u{2028}'..='\u{202E}'
                    | '\u{2061}'..='\u{2064}'
                    | '\u{E000}'..='\u{F8FF}'
                    | '\u{FF1A}'
                    | '\u{FFFD}'
            )
    };
    let non_ascii = |c: &char| !c.is_ascii();
    hostname.chars().filter(non_ascii).any(disallowed)
        || (!hostname.is_empty() && hostname.chars().all(ignored))
}

fn auto_escape(rest: &str) -> String {
    let mut escaped = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '\t' | '\n' | '\r' | ' ' | '"' | '\'' | '<' | '>' | '\\' | '^' | '`' | '{' | '|'
            | '}' => escaped.push_str(&format!("%{:02X}", c as u32)),
            _ => escaped.push(c),
        }
    }
    escaped
}

fn split_path_and_query(url: &mut LegacyUrl, rest: &str) {
    let before_hash = rest.split('#').next().unwrap_or_default();
    match before_hash.split_once('?') {
        Some((pathname, query)) => {
            url.pathname = pathname.to_string();
            url.query = Some(query.to_string());
        }
        None => url.pathname = before_hash.to_string(),
    }
}

/// `Object.values(querystring.parse(query))`, keeping the first value of a
/// repeated key. JS objects list array-index keys first, ascending.
fn query_values(query: &str) -> Vec<String> {
    let mut entries: Vec<(String, String)> = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode_component(key);
        if !entries.iter().any(|(known, _)| *known == key) {
            entries.push((key, decode_component(value)));
        }
    }
    entries.sort_by_key(|(key, _)| array_index(key).map_or((1, 0), |index| (0, index)));
    entries.into_iter().map(|(_, value)| value).collect()
}

fn array_index(key: &str) -> Option<u64> {
    let canonical = key == "0" || (!key.starts_with('0') && key.len() <= 10);
    if !canonical || !key.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    key.parse()
        .ok()
        .filter(|&index| index < u64::from(u32::MAX))
}

/// How `querystring.parse` decodes a key or value: `+` becomes a space; the
/// rest is untouched unless it holds a valid `%XX`, and then goes through
/// `decodeURIComponent`, or where that throws, Node's byte-wise `unescapeBuffer`.
fn decode_component(text: &str) -> String {
    let spaced = text.replace('+', " ");
    let units: Vec<u16> = spaced.encode_utf16().collect();
    let has_escape = (0..units.len()).any(|i| hex_escape(&units, i).is_some());
    if !has_escape {
        return spaced;
    }
    strict_decode(&units).unwrap_or_else(|| lenient_decode(&units))
}

/// The byte a valid `%XX` at `units[i]` stands for.
fn hex_escape(units: &[u16], i: usize) -> Option<u8> {
    let digit = |unit: u16| char::from_u32(u32::from(unit))?.to_digit(16);
    if units.get(i) != Some(&u16::from(b'%')) {
        return None;
    }
    let high = digit(*units.get(i + 1)?)?;
    let low = digit(*units.get(i + 2)?)?;
    u8::try_from(high * 16 + low).ok()
}

/// `decodeURIComponent`: every `%` must start a valid escape and the
/// escaped bytes must form UTF-8 (raw characters pass through).
fn strict_decode(units: &[u16]) -> Option<String> {
    let mut bytes = Vec::with_capacity(units.len());
    let mut i = 0;
    while i < units.len() {
        if units[i] == u16::from(b'%') {
            bytes.push(hex_escape(units, i)?);
            i += 3;
            continue;
        }
        let end = if (0xD800..0xDC00).contains(&units[i]) {
            i + 2
        } else {
            i + 1
        };
        let text = String::from_utf16(units.get(i..end)?).ok()?;
        bytes.extend_from_slice(text.as_bytes());
        i = end;
    }
    String::from_utf8(bytes).ok()
}

/// Node's `unescapeBuffer(s).toString()`: valid escapes become bytes and
/// every other UTF-16 unit is truncated to its low byte.
fn lenient_decode(units: &[u16]) -> String {
    let mut bytes = Vec::with_capacity(units.len());
    let mut i = 0;
    while i < units.len() {
        match hex_escape(units, i) {
            Some(byte) => {
                bytes.push(byte);
                i += 3;
            }
            None => {
                bytes.push(units[i].to_le_bytes()[0]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destination_names() {
        assert_eq!(destination_param_names("/blog/:slug?x=:y"), ["slug", "y"]);
        assert_eq!(
            destination_param_names("https://:sub.example.com:8080/:path*#frag"),
            ["sub", "path"]
        );
        assert!(destination_param_names("/no/params").is_empty());
        assert!(destination_param_names("").is_empty());
        assert!(destination_param_names("https://example.com:8080/x").is_empty());
        assert_eq!(
            destination_param_names("https://example.com/:a?x=:a"),
            ["a"]
        );
        assert_eq!(destination_param_names(":path*"), ["path"]);
    }

    #[test]
    fn destination_query_values_are_decoded_in_js_key_order() {
        assert_eq!(destination_param_names("/x?q=%3Ay"), ["y"]);
        assert_eq!(
            destination_param_names("https://example.com/:a?z=:z&1=:one&z=:zz"),
            ["a", "one", "z"]
        );
    }

    #[test]
    fn broken_destination_part_hides_the_rest() {
        assert!(destination_param_names("/:a/(oops?x=:b").is_empty());
        assert_eq!(
            destination_param_names("https://example.com/:a?q=:b("),
            ["a"]
        );
        assert!(destination_param_names("https://(x/:id").is_empty());
        // Node's url.parse throws on an undecodable auth part.
        assert!(destination_param_names("https://u:p%zz@example.com/:a").is_empty());
    }

    #[test]
    fn destination_follows_node_url_quirks() {
        // The fast path keeps `{`; the full parser escapes it to %7B.
        assert!(destination_param_names("/{:a").is_empty());
        assert_eq!(destination_param_names("/{:a#h"), ["a"]);
        assert_eq!(destination_param_names("https://[:a]/x"), ["a"]);
        assert_eq!(destination_param_names(" /p\\:q "), ["q"]);
    }

    #[test]
    fn named_groups_in_has_values() {
        assert_eq!(
            named_groups(r"^(?<lang>[a-z]{2})-(?<region_1>\w+)$"),
            ["lang", "region_1"]
        );
        assert_eq!(named_groups(r"(?<=x)(?<1bad>y)(?<ok>z)(?<ok>w)"), ["ok"]);
        assert!(named_groups("plain").is_empty());
        assert!(named_groups("(?<").is_empty());
        assert!(named_groups("(?<é>x)").is_empty());
    }
}
