//! HTTPS at the gateway: the public server answers TLS 1.2 and 1.3 only, with the certificate
//! and key svc.yaml names (mounted as compose secrets, never copied into compose.yaml), and a
//! server on the HTTP port sends every request there with a permanent redirect.

use super::model::{SecretFile, SecretMount};
use super::{Options, join, literal};
use crate::emit::nginx::conf::{Arg, Item, Part, block, comment, simple};
use crate::settings::Tls;
use indexmap::IndexMap;

pub const HTTPS_PORT: u16 = 443;
pub const DEFAULT_HOST_PORT: u16 = crate::settings::DEFAULT_HTTPS_PORT;
const CERTIFICATE: &str = "gateway_tls_certificate";
const KEY: &str = "gateway_tls_key";

/// Mozilla's "intermediate" ciphers for TLS 1.2 (TLS 1.3 picks its own): forward secret and
/// authenticated only, without the ones that need a Diffie-Hellman parameter file.
const CIPHERS: &str = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

/// The public server's TLS: its listen on `address` gets `ssl`, and the protocols, ciphers
/// and files follow it.
pub fn serve_https(public_server: &mut Vec<Item>, address: &str) {
    let listen = format!("{address}:{HTTPS_PORT}");
    for item in public_server.iter_mut() {
        if let Item::Directive(directive) = item
            && directive.name == "listen"
            && directive.args.first() == Some(&Arg::text(&listen))
        {
            directive.args.push(Arg::Word("ssl"));
        }
    }
    let file = |name: &str| Arg::text(format!("/run/secrets/{name}"));
    let settings = vec![
        Item::Blank,
        comment("HTTPS: TLS 1.2 and 1.3 only"),
        simple("ssl_certificate", vec![file(CERTIFICATE)]),
        simple("ssl_certificate_key", vec![file(KEY)]),
        simple(
            "ssl_protocols",
            vec![Arg::Word("TLSv1.2"), Arg::Word("TLSv1.3")],
        ),
        simple("ssl_ciphers", vec![Arg::text(CIPHERS)]),
        simple("ssl_prefer_server_ciphers", vec![Arg::Word("off")]),
        simple("ssl_session_cache", vec![Arg::text("shared:SSL:10m")]),
        simple("ssl_session_timeout", vec![Arg::text("1d")]),
        simple("ssl_session_tickets", vec![Arg::Word("off")]),
    ];
    let after_listens = public_server
        .iter()
        .position(|item| !matches!(item, Item::Directive(d) if d.name == "listen"))
        .unwrap_or(public_server.len());
    public_server.splice(after_listens..after_listens, settings);
}

/// The HTTP port's only server: every request, whatever its host, goes to the same URL over
/// HTTPS on the port visitors reach it at.
pub fn redirect_server(address: &str, options: &Options) -> Vec<Item> {
    let mut target = vec![Part::Text("https://".into()), Part::Var("host".into())];
    if let Some(port) = visible_https_port(options) {
        target.push(Part::Text(format!(":{port}")));
    }
    target.push(Part::Var("request_uri".into()));
    vec![
        Item::Blank,
        comment("HTTP: a permanent redirect to HTTPS"),
        block(
            "server",
            vec![],
            vec![
                simple("listen", vec![Arg::text(format!("{address}:80"))]),
                simple("return", vec![Arg::Number(308), Arg::Value(target)]),
            ],
        ),
    ]
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
