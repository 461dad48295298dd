//! HTTPS at the gateway: the public server answers TLS 1.2 and 1.3 only, with the certificate
//! and key its host names, and a server on the HTTP port sends every request there with a
//! permanent redirect.

use super::host::Tls;
use crate::emit::nginx_conf::{Arg, Item, Part, block, comment, simple};

/// Mozilla's "intermediate" ciphers for TLS 1.2 (TLS 1.3 picks its own): forward secret and
/// authenticated only, without the ones that need a Diffie-Hellman parameter file.
const CIPHERS: &str = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

/// The public server's TLS settings, after its `listen`s.
pub(super) fn settings(tls: &Tls) -> Vec<Item> {
    vec![
        Item::Blank,
        comment("HTTPS: TLS 1.2 and 1.3 only"),
        simple("ssl_certificate", vec![Arg::text(&tls.certificate)]),
        simple("ssl_certificate_key", vec![Arg::text(&tls.key)]),
        simple(
            "ssl_protocols",
            vec![Arg::Word("TLSv1.2"), Arg::Word("TLSv1.3")],
        ),
        simple("ssl_ciphers", vec![Arg::text(CIPHERS)]),
        simple("ssl_prefer_server_ciphers", vec![Arg::Word("off")]),
        simple("ssl_session_cache", vec![Arg::text("shared:SSL:10m")]),
        simple("ssl_session_timeout", vec![Arg::text("1d")]),
        simple("ssl_session_tickets", vec![Arg::Word("off")]),
    ]
}

/// The HTTP port's only server: every request, whatever its host, goes to the same URL over
/// HTTPS on the port visitors reach it at.
pub(super) fn redirect_server(tls: &Tls) -> Vec<Item> {
    let mut target = vec![Part::Text("https://".into()), Part::Var("host".into())];
    if let Some(port) = tls.visible_port {
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
                simple("listen", vec![Arg::text(tls.redirect_from.socket())]),
                simple("return", vec![Arg::Number(308), Arg::Value(target)]),
            ],
        ),
    ]
}
