//! The locations that proxy, and the headers every proxied request carries.

use super::host::Options;
use super::table::{self, EXTERNAL, UPSTREAM};
use crate::emit::nginx_conf::{Arg, Item, Part, block, comment, if_block, simple};

/// Internal locations the routing program hands requests to.
pub(super) const SERVICE_LOCATION: &str = "/__svc_gateway/service";
pub(super) const EXTERNAL_LOCATION: &str = "/__svc_gateway/external";

/// The path to the header variable the service location sends.
pub(super) const REWRITTEN_PATH: &str = "svc_rewritten_path";

/// Headers every proxied request carries: forwarding information and WebSocket upgrades.
pub(super) fn proxy_headers(options: &Options) -> Vec<Item> {
    let header = |name: &str, value: Arg| simple("proxy_set_header", vec![Arg::text(name), value]);
    vec![
        simple("proxy_http_version", vec![Arg::Word("1.1")]),
        header("Upgrade", Arg::var("http_upgrade")),
        header("Connection", Arg::var("svc_connection_upgrade")),
        // At the edge, the client's own address, never a client-supplied chain; behind a load
        // balancer, the chain it started.
        header(
            "X-Forwarded-For",
            Arg::var(if options.behind_proxy {
                "proxy_add_x_forwarded_for"
            } else {
                "remote_addr"
            }),
        ),
        // Behind a load balancer that ends TLS, the client's scheme is the one it reports.
        header(
            "X-Forwarded-Proto",
            Arg::var(if options.behind_proxy {
                "http_x_forwarded_proto"
            } else {
                "scheme"
            }),
        ),
        header("X-Forwarded-Host", Arg::var("host")),
        simple("proxy_redirect", vec![Arg::Word("off")]),
        // Upstreams cannot steer the gateway (internal redirects, rate limits, buffering).
        simple(
            "proxy_ignore_headers",
            [
                "X-Accel-Redirect",
                "X-Accel-Expires",
                "X-Accel-Limit-Rate",
                "X-Accel-Buffering",
                "X-Accel-Charset",
            ]
            .map(Arg::Word)
            .to_vec(),
        ),
    ]
}

/// The internal locations that proxy: to a service, or to an external origin. `request_headers`
/// are the headers `transforms` may change, sent from their variables.
pub(super) fn locations(
    options: &Options,
    hidden_headers: &[&str],
    static_sites: bool,
    request_headers: &[Item],
    statuses: &[u16],
) -> Vec<Item> {
    let hide = |items: &mut Vec<Item>| {
        items.extend(
            hidden_headers
                .iter()
                .map(|key| simple("proxy_hide_header", vec![Arg::text(*key)])),
        );
    };
    let mut service = vec![
        simple(
            "proxy_pass",
            vec![Arg::Value(vec![
                Part::Text("http://".into()),
                Part::Var(UPSTREAM.into()),
                Part::Var("svc_uri".into()),
            ])],
        ),
        simple(
            "proxy_set_header",
            vec![Arg::text("Host"), Arg::var("host")],
        ),
    ];
    if static_sites {
        service.push(simple(
            "proxy_set_header",
            vec![
                Arg::text(crate::emit::dockerfile::REWRITTEN_PATH_HEADER),
                Arg::var(REWRITTEN_PATH),
            ],
        ));
    }
    service.extend(proxy_headers(options));
    service.extend(request_headers.iter().cloned());
    hide(&mut service);
    // A rewrite's `statusCode`: nginx answers with the status, and its error page is the
    // service's response, which keeps the status.
    let mut status_pages = Vec::new();
    for status in statuses {
        let name = format!("@svc_status_{status}");
        status_pages.push(simple(
            "error_page",
            vec![Arg::Number(u64::from(*status)), Arg::text(&name)],
        ));
        let mut page = vec![if_block(
            vec![
                Arg::var(table::STATUS),
                Arg::Word("!="),
                Arg::text(status.to_string()),
            ],
            vec![simple("return", vec![Arg::Number(u64::from(*status))])],
        )];
        page.extend(service.iter().cloned());
        status_pages.push(block("location", vec![Arg::text(&name)], page));
    }
    service.insert(0, simple("internal", vec![]));
    let mut external = vec![
        simple("internal", vec![]),
        simple("proxy_pass", vec![Arg::var(EXTERNAL)]),
        simple("proxy_ssl_server_name", vec![Arg::Word("on")]),
        simple("proxy_ssl_verify", vec![Arg::Word("on")]),
        simple(
            "proxy_ssl_trusted_certificate",
            vec![Arg::text(&options.trusted_certificates)],
        ),
        simple(
            "proxy_set_header",
            vec![Arg::text("Host"), Arg::var("proxy_host")],
        ),
    ];
    external.extend(proxy_headers(options));
    external.extend(request_headers.iter().cloned());
    hide(&mut external);
    let mut locations = status_pages;
    locations.extend([
        block(
            "location",
            vec![Arg::Word("="), Arg::text(SERVICE_LOCATION)],
            service,
        ),
        block(
            "location",
            vec![Arg::Word("="), Arg::text(EXTERNAL_LOCATION)],
            external,
        ),
        comment("unreachable: the program above always returns or hands off"),
        block(
            "location",
            vec![Arg::text("/")],
            vec![simple("return", vec![Arg::Number(404)])],
        ),
    ]);
    locations
}
