//! The host of an absolute URL as nginx will read it, so that every check of where the gateway
//! may proxy (`svc check`'s, and each target's) sees the host nginx connects to: a trailing dot
//! dropped, case folded, a dotted quad with leading zeros read as decimal (`10.1.0.018` is
//! 10.1.0.18 to nginx), an IPv6 literal that maps an IPv4 address read as that address.

use std::net::{Ipv4Addr, Ipv6Addr};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    V4(Ipv4Addr),
    V6(Ipv6Addr),
    /// A DNS name, lower-cased, without a trailing dot.
    Name(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlHost {
    pub host: Host,
    /// Whether the authority carries `user@` (or `user:password@`).
    pub userinfo: bool,
}

/// The host of `scheme://authority/...`; `None` when the URL has no authority to read.
pub fn parse(url: &str) -> Option<UrlHost> {
    let (_, after_scheme) = url.split_once("://")?;
    let authority = after_scheme.split(['/', '?', '#']).next()?;
    let (userinfo, host_port) = match authority.rsplit_once('@') {
        Some((_, host_port)) => (true, host_port),
        None => (false, authority),
    };
    let host = if let Some(rest) = host_port.strip_prefix('[') {
        let literal = rest.split(']').next()?;
        Host::V6(literal.parse().ok()?)
    } else {
        let name = match host_port.rsplit_once(':') {
            Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
            _ => host_port,
        };
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        match nginx_ipv4(&name) {
            Some(address) => Host::V4(address),
            None => Host::Name(name),
        }
    };
    Some(UrlHost { host, userinfo })
}

/// The port an absolute URL's authority names, if it names one (`http://a:8080/` is 8080;
/// `http://a/` and `http://[::1]/` none).
pub fn explicit_port(url: &str) -> Option<u16> {
    let (_, after_scheme) = url.split_once("://")?;
    let authority = after_scheme.split(['/', '?', '#']).next()?;
    let after_host = match authority.rsplit_once(']') {
        Some((_, rest)) => rest,
        None => authority,
    };
    after_host.rsplit_once(':')?.1.parse().ok()
}

/// nginx's `ngx_inet_addr`: four dot-separated decimal numbers up to 255, leading zeros allowed.
fn nginx_ipv4(text: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut octets = [0u8; 4];
    for (octet, part) in octets.iter_mut().zip(parts) {
        if part.is_empty() || !part.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let value: u32 = part.trim_start_matches('0').parse().unwrap_or(0);
        *octet = u8::try_from(value).ok()?;
    }
    Some(Ipv4Addr::from(octets))
}

impl Host {
    /// The IPv4 address a connection reaches: the address itself, or the one an IPv4-mapped
    /// or -compatible IPv6 address carries.
    pub fn ipv4(&self) -> Option<Ipv4Addr> {
        match self {
            Host::V4(address) => Some(*address),
            Host::V6(address) => address.to_ipv4_mapped().or_else(|| {
                let segments = address.segments();
                (segments[..6] == [0; 6] && !address.is_loopback() && !address.is_unspecified())
                    .then(|| address.to_ipv4().unwrap_or(Ipv4Addr::UNSPECIFIED))
            }),
            Host::Name(_) => None,
        }
    }

    /// The gateway's own machine or link: loopback, unspecified, link-local (where clouds
    /// answer metadata and task credentials, `169.254.169.254`, `169.254.170.2`), and the
    /// names that mean loopback.
    pub fn is_local(&self) -> bool {
        let v4_local = |a: Ipv4Addr| a.is_loopback() || a.is_unspecified() || a.is_link_local();
        match self {
            Host::Name(name) => name == "localhost" || name.ends_with(".localhost"),
            Host::V4(address) => v4_local(*address),
            Host::V6(address) => {
                address.is_loopback()
                    || address.is_unspecified()
                    || (address.segments()[0] & 0xffc0) == 0xfe80
                    || self.ipv4().is_some_and(v4_local)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_explicit_port_is_read_from_the_authority_only() {
        assert_eq!(
            explicit_port("https://shop.example.com:9443/a:1"),
            Some(9443)
        );
        assert_eq!(explicit_port("https://shop.example.com/a:1"), None);
        assert_eq!(explicit_port("http://[::1]/"), None);
        assert_eq!(explicit_port("http://[::1]:8080"), Some(8080));
    }

    fn host(url: &str) -> Host {
        parse(url).unwrap().host
    }

    #[test]
    fn hosts_are_read_as_nginx_reads_them() {
        assert_eq!(
            host("http://Auth_Svc.:9000/x"),
            Host::Name("auth_svc".into())
        );
        assert_eq!(
            host("http://10.137.0.018/"),
            Host::V4(Ipv4Addr::new(10, 137, 0, 18))
        );
        assert_eq!(
            host("http://010.1.1.1:80"),
            Host::V4(Ipv4Addr::new(10, 1, 1, 1))
        );
        assert_eq!(host("http://10.1.1.256/"), Host::Name("10.1.1.256".into()));
        assert_eq!(host("http://10.1.1/"), Host::Name("10.1.1".into()));
        assert_eq!(
            host("http://[::ffff:10.137.0.18]:9000/").ipv4(),
            Some(Ipv4Addr::new(10, 137, 0, 18))
        );
        assert_eq!(
            host("http://[::10.137.0.18]/").ipv4(),
            Some(Ipv4Addr::new(10, 137, 0, 18))
        );
        let with_credentials = parse("http://x:y@10.0.0.1/").unwrap();
        assert!(with_credentials.userinfo);
        assert_eq!(with_credentials.host, Host::V4(Ipv4Addr::new(10, 0, 0, 1)));
        assert!(parse("/relative").is_none());
    }

    #[test]
    fn the_gateways_own_machine_and_link_are_local() {
        for url in [
            "http://127.0.0.1/",
            "http://127.000.000.001/",
            "http://localhost:8080/",
            "http://api.localhost/",
            "http://169.254.169.254/latest/meta-data/",
            "http://169.254.170.2/v2/credentials/x",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[fe80::1]/",
            "http://0.0.0.0/",
        ] {
            assert!(host(url).is_local(), "{url}");
        }
        for url in [
            "https://example.com/",
            "http://10.0.0.1/",
            "http://[2001:db8::1]/",
        ] {
            assert!(!host(url).is_local(), "{url}");
        }
    }
}
