//! HTTPS at the gateway: the certificate and key svc.yaml names, mounted as compose secrets
//! (never copied into compose.yaml), and the port plain HTTP redirects to.

use super::model::{SecretFile, SecretMount};
use super::{Options, join, literal};
use crate::emit::gateway;
use crate::settings::Tls;
use indexmap::IndexMap;

pub const HTTPS_PORT: u16 = 443;
pub const DEFAULT_HOST_PORT: u16 = crate::settings::DEFAULT_HTTPS_PORT;
const CERTIFICATE: &str = "gateway_tls_certificate";
const KEY: &str = "gateway_tls_key";

/// The gateway's TLS: the secrets' files, and the redirect on `address`'s HTTP port.
pub fn gateway_tls(address: &str, options: &Options) -> gateway::Tls {
    let file = |name: &str| format!("/run/secrets/{name}");
    gateway::Tls {
        certificate: file(CERTIFICATE),
        key: file(KEY),
        redirect_from: gateway::Listen::on(address, 80),
        visible_port: visible_https_port(options),
    }
}

/// The port visitors reach HTTPS at: an `https://` public URL's (none when it names none, so
/// 443), else the published one; none for 443, or when the engine picks it.
fn visible_https_port(options: &Options) -> Option<u16> {
    https_port_in(&options.public_url, options.https_port)
}

fn https_port_in(public_url: &str, https_port: u16) -> Option<u16> {
    let port = if public_url.starts_with("https://") {
        crate::host::explicit_port(public_url).unwrap_or(HTTPS_PORT)
    } else {
        https_port
    };
    match port {
        super::EPHEMERAL_PORT | HTTPS_PORT => None,
        port => Some(port),
    }
}

/// compose.yaml's `secrets`: the files, read by compose at `up`.
pub fn secret_files(tls: &Tls, options: &Options) -> IndexMap<String, SecretFile> {
    [(CERTIFICATE, &tls.certificate), (KEY, &tls.key)]
        .into_iter()
        .map(|(name, path)| {
            let file = if path.starts_with('/') {
                path.clone()
            } else {
                join(&options.project_dir, path)
            };
            (
                name.to_string(),
                SecretFile {
                    file: literal(&file),
                },
            )
        })
        .collect()
}

/// The gateway's mounts of them, at `/run/secrets/<name>`.
pub fn secret_mounts() -> Vec<SecretMount> {
    [CERTIFICATE, KEY]
        .into_iter()
        .map(|source| SecretMount {
            source: source.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::https_port_in;

    #[test]
    fn the_redirect_goes_where_visitors_reach_https() {
        // An https public URL says where visitors come in, whatever port is published.
        assert_eq!(https_port_in("https://shop.example.com", 8443), None);
        assert_eq!(
            https_port_in("https://shop.example.com:9443/", 8443),
            Some(9443)
        );
        // Otherwise the published port, unless it is 443 or the engine's pick.
        assert_eq!(
            https_port_in("http://shop.localhost:8080", 8443),
            Some(8443)
        );
        assert_eq!(https_port_in("http://shop.localhost:8080", 443), None);
        assert_eq!(https_port_in("http://shop.localhost:8080", 0), None);
    }
}
