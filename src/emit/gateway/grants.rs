//! The binding proxy: the gateway carries out one-way permissions. A grant is a server on the
//! gateway's address in the caller's network, answering to the target's name there and to the
//! caller's address only, that proxies to the target. A host where the network itself enforces
//! who may call whom has no grants.

use super::host::{Listen, Options};
use super::proxy::proxy_headers;
use crate::emit::nginx_conf::{Arg, Item, block, comment, simple};
use std::collections::BTreeSet;

/// `caller` may reach one target through the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The gateway's address in the caller's network, on the target's port.
    pub listen: Listen,
    /// The name the caller reaches the target by.
    pub server_name: String,
    /// The caller's address, the only one admitted.
    pub admit: String,
    /// `host:port` of the target, on its own network.
    pub upstream: String,
    /// Why it exists, said in a comment above its server.
    pub why: String,
}

/// What every grant's proxying shares, said once at the `http` level, where each grant's
/// location inherits it. The public server's locations set their own (nginx inherits a
/// directive only into blocks that do not set it), so nothing of theirs changes.
pub(super) fn defaults(options: &Options) -> Vec<Item> {
    let mut items = vec![
        Item::Blank,
        comment("every binding grant proxies with these (their locations set none of their own)"),
        simple(
            "proxy_set_header",
            vec![Arg::text("Host"), Arg::var("http_host")],
        ),
    ];
    items.extend(proxy_headers(options));
    items
}

/// How many `listen` directives the grants' servers hold: one each, and one more for each
/// socket's default server (unless `taken`, a public listener, is already that default).
pub(super) fn listeners(grants: &[Grant], mut taken: BTreeSet<String>) -> u64 {
    grants
        .iter()
        .map(|grant| 1 + u64::from(taken.insert(grant.listen.socket())))
        .sum()
}

/// A grant's server. The first server on each socket is preceded by a default server
/// answering 421, so a request for a name the caller was not granted lands nowhere (unless a
/// socket in `taken`, the public server's, is already that default).
pub(super) fn servers(grant: &Grant, taken: &mut BTreeSet<String>) -> Vec<Item> {
    let mut items = Vec::new();
    let listen = grant.listen.socket();
    if taken.insert(listen.clone()) {
        items.push(Item::Blank);
        items.push(comment(format!(
            "{listen}: names the caller was not granted"
        )));
        items.push(block(
            "server",
            vec![],
            vec![
                simple(
                    "listen",
                    vec![Arg::text(&listen), Arg::Word("default_server")],
                ),
                simple("return", vec![Arg::Number(421)]),
            ],
        ));
    }
    items.push(Item::Blank);
    items.push(comment(grant.why.clone()));
    items.push(block(
        "server",
        vec![],
        vec![
            simple("listen", vec![Arg::text(&listen)]),
            simple("server_name", vec![Arg::text(&grant.server_name)]),
            simple("allow", vec![Arg::text(&grant.admit)]),
            simple("deny", vec![Arg::Word("all")]),
            block(
                "location",
                vec![Arg::text("/")],
                vec![simple(
                    "proxy_pass",
                    vec![Arg::text(format!("http://{}", grant.upstream))],
                )],
            ),
        ],
    ));
    items
}
