//! Target-legal identifiers derived from service names. Collisions are errors (raised by the
//! check stage), never silent renames.

/// A DNS-1123 label: `my_backend` -> `my-backend`.
pub fn dns_label(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '_' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The longest DNS label allowed.
pub const MAX_DNS_LABEL: usize = 63;

/// Vercel's rule for `services` names: lowercase letters, `-` and `_`, starting and ending with
/// a letter, at most 64 characters.
pub fn is_valid_service_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let allowed = |b: &u8| b.is_ascii_lowercase() || *b == b'-' || *b == b'_';
    !bytes.is_empty()
        && bytes.len() <= 64
        && bytes.iter().all(allowed)
        && bytes[0].is_ascii_lowercase()
        && bytes[bytes.len() - 1].is_ascii_lowercase()
}

/// The legacy form's rule (`experimentalServices`): letters, digits, `-` and `_`, starting with
/// a letter and ending with a letter or digit, at most 64 characters.
pub fn is_valid_legacy_service_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let allowed = |b: &u8| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_';
    !bytes.is_empty()
        && bytes.len() <= 64
        && bytes.iter().all(allowed)
        && bytes[0].is_ascii_alphabetic()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
}

/// Vercel's rule for binding env names.
pub fn is_valid_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 256
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn underscores_become_hyphens() {
        assert_eq!(dns_label("my_backend"), "my-backend");
        assert_eq!(dns_label("web"), "web");
    }

    #[test]
    fn service_names_follow_vercels_rule() {
        for ok in ["a", "web", "my_backend", "my-frontend", "a_b-c"] {
            assert!(is_valid_service_name(ok), "{ok}");
        }
        for bad in ["", "api2", "Api", "my-", "_a", "a.b", &"a".repeat(65)] {
            assert!(!is_valid_service_name(bad), "{bad}");
        }
        assert!(is_valid_service_name(&"a".repeat(64)));
        for ok in ["api2", "Api", "API_v2", "a"] {
            assert!(is_valid_legacy_service_name(ok), "{ok}");
        }
        for bad in ["2api", "api-", "_a", "a.b", &"a".repeat(65)] {
            assert!(!is_valid_legacy_service_name(bad), "{bad}");
        }
    }

    #[test]
    fn env_names_follow_vercels_rule() {
        assert!(is_valid_env_name("BACKEND_URL"));
        assert!(is_valid_env_name("_x1"));
        assert!(!is_valid_env_name("1X"));
        assert!(!is_valid_env_name("A-B"));
        assert!(!is_valid_env_name(""));
    }
}
