//! The nginx target: Vercel's public routing as a standalone gateway config (`nginx.conf`).
//!
//! The compose and terraform targets run this same config as their gateway, so this module is
//! the single implementation of public routing. The config is built as a directive tree
//! ([`conf`]) and printed by one writer that quotes every argument.

mod conditions;
pub mod conf;
mod dest;
mod options;
mod regex;
mod table;
mod transforms;

pub use options::{DOCKER_RESOLVER, Options};

use crate::check::Checked;
use crate::diag::{Diagnostic, Diagnostics};
use crate::emit::Artifacts;
use crate::ir::Project;
use conditions::{ARGS, LOOKUP, PHASE, set};
use conf::{Arg, DOLLAR_VAR, Dollars, Item, Part, block, comment, if_block, simple};
use table::{
    EXTERNAL, PATH, Phases, Program, QUERY_SUFFIX, REWRITTEN, TARGET as TARGET_KIND, UPSTREAM,
};

pub const FILE_NAME: &str = "nginx.conf";

/// Internal locations the routing program hands requests to.
const SERVICE_LOCATION: &str = "/__svc_gateway/service";
const EXTERNAL_LOCATION: &str = "/__svc_gateway/external";

/// The nginx target in the registry: the shortest, so it starts last among several.
pub const TARGET: crate::emit::registry::Target = crate::emit::registry::Target {
    name: "nginx",
    start_rank: 2,
    emit: |run| emit(run.project, &run.gateway()),
};

pub fn emit(project: &Checked<Project>, options: &Options) -> Result<Artifacts, Diagnostics> {
    let gateway = Gateway::build(project, options)?;
    Ok(Artifacts::single(FILE_NAME, conf::print(&gateway.config())))
}

/// The compiled gateway: http-level definitions and the public server's contents.
pub struct Gateway {
    pub http: Vec<Item>,
    pub public_server: Vec<Item>,
}

impl Gateway {
    pub fn build(project: &Checked<Project>, options: &Options) -> Result<Gateway, Diagnostics> {
        let mut program = Program::new(options);
        program.strips = project
            .services
            .values()
            .filter_map(|s| Some((s.name.clone(), s.gateway_strips_prefix()?.to_string())))
            .collect();
        program.static_rewrites = project
            .services
            .values()
            .filter(|s| s.is_static_site() && !s.routing.rewrites.is_empty())
            .map(|s| s.name.clone())
            .collect();
        program.static_sites = project
            .public_services()
            .iter()
            .any(|id| project.services[id].is_static_site());
        program.table(&project.routing, &Phases::top());
        for id in project.public_services() {
            let service = &project.services[&id];
            if has_rules(&service.routing) {
                program.items.push(Item::Blank);
                program.items.push(comment(format!(
                    "service `{id}`: its own routing, after the hand-off"
                )));
                program.in_static_table = program.static_rewrites.contains(&id);
                program.table(&service.routing, &Phases::service(id.as_str()));
                program.in_static_table = false;
            }
        }
        clear_deletions_on_set(&mut program.items, &program.deletable_headers);
        if !program.errors.is_empty() {
            let mut diags = Diagnostics::default();
            program
                .errors
                .into_iter()
                .for_each(|d: Diagnostic| diags.push(d));
            return Err(diags);
        }
        let mut http = http_level(options);
        http.extend(header_overrides(&program));
        if options.static_upstreams {
            http.extend(upstream_groups(project, options));
        }
        Ok(Gateway {
            http,
            public_server: public_server(options, program),
        })
    }

    /// The whole config: `events`, and `http` with the public server.
    pub fn config(self) -> Vec<Item> {
        let (mut config, http) = self.parts(0);
        config.push(block("http", vec![], http));
        config
    }

    /// The whole config printed, with extra servers after the public one (the compose
    /// target's binding listeners). They are printed as `servers` yields them, a few at a
    /// time, so thousands are never all held as data at once; `listeners` counts their
    /// `listen` directives.
    pub fn print_with_servers(
        self,
        dollars: Dollars,
        listeners: u64,
        servers: impl Iterator<Item = Vec<Item>>,
    ) -> String {
        let (config, http) = self.parts(listeners);
        let mut printer = conf::Printer::new(dollars);
        printer.items(&config, 0);
        printer.open_block("http", 0);
        printer.items(&http, 1);
        let mut printed_listeners = 0;
        for group in servers {
            if cfg!(debug_assertions) {
                printed_listeners += count_listens(&group);
            }
            printer.items(&group, 1);
        }
        debug_assert_eq!(
            printed_listeners, listeners,
            "the listener count in the config's header matches the servers printed"
        );
        printer.close_block(0);
        printer.finish()
    }

    /// Everything before `http`, and the `http` block's own contents.
    fn parts(self, extra_listeners: u64) -> (Vec<Item>, Vec<Item>) {
        // Every listening socket takes a connection slot in each worker, and a proxied request
        // two more: leave room for traffic on top of the listeners.
        let listeners = count_listens(&self.public_server) + extra_listeners;
        let connections = TRAFFIC_CONNECTIONS + listeners;
        let mut http = self.http;
        http.push(Item::Blank);
        http.push(comment("the public entry: Vercel's routing table"));
        http.push(block("server", vec![], self.public_server));
        let before_http = vec![
            simple("worker_processes", vec![Arg::Word("auto")]),
            simple("worker_rlimit_nofile", vec![Arg::Number(2 * connections)]),
            Item::Blank,
            block(
                "events",
                vec![],
                vec![simple("worker_connections", vec![Arg::Number(connections)])],
            ),
            Item::Blank,
        ];
        (before_http, http)
    }
}

/// Where nginx keeps request bodies and buffered responses, all under `/tmp`, for an nginx
/// whose root file system is read-only.
pub fn temp_paths_under_tmp() -> Vec<Item> {
    [
        ("client_body_temp_path", "client_body"),
        ("proxy_temp_path", "proxy"),
        ("fastcgi_temp_path", "fastcgi"),
        ("uwsgi_temp_path", "uwsgi"),
        ("scgi_temp_path", "scgi"),
    ]
    .into_iter()
    .map(|(name, dir)| simple(name, vec![Arg::text(format!("/tmp/{dir}"))]))
    .collect()
}

/// Connections each worker keeps for requests, besides its listening sockets.
const TRAFFIC_CONNECTIONS: u64 = 4096;

/// `listen` directives in a list of servers.
fn count_listens(items: &[Item]) -> u64 {
    items
        .iter()
        .map(|item| match item {
            Item::Directive(d) if d.name == "listen" => 1,
            Item::Directive(d) => d.block.as_deref().map_or(0, count_listens),
            _ => 0,
        })
        .sum()
}

fn has_rules(routing: &crate::ir::Routing) -> bool {
    routing.clean_urls
        || routing.trailing_slash.is_some()
        || !routing.routes.is_empty()
        || !routing.redirects.is_empty()
        || !routing.headers.is_empty()
        || !routing.rewrites.is_empty()
}

fn http_level(options: &Options) -> Vec<Item> {
    let mut items = vec![
        simple("server_tokens", vec![Arg::Word("off")]),
        // Binding aliases are up to 72 characters; the default buckets hold about 46.
        simple("server_names_hash_bucket_size", vec![Arg::Number(128)]),
        // Location headers exactly as the config wrote them, not made absolute.
        simple("absolute_redirect", vec![Arg::Word("off")]),
        simple(
            "client_max_body_size",
            vec![Arg::text(&options.client_max_body_size)],
        ),
        simple(
            "proxy_connect_timeout",
            vec![Arg::text(&options.proxy_connect_timeout)],
        ),
        simple(
            "proxy_read_timeout",
            vec![Arg::text(&options.proxy_read_timeout)],
        ),
        simple(
            "proxy_send_timeout",
            vec![Arg::text(&options.proxy_send_timeout)],
        ),
    ];
    if let Some(resolver) = &options.resolver {
        items.push(simple(
            "resolver",
            vec![
                Arg::text(resolver),
                Arg::Word("valid=10s"),
                Arg::Word("ipv6=off"),
            ],
        ));
    }
    items.extend([
        Item::Blank,
        comment("nginx has no escape for `$` in a value; this variable holds one"),
        block(
            "geo",
            vec![Arg::var(DOLLAR_VAR)],
            vec![simple("default", vec![Arg::Word("\"$\"")])],
        ),
        block(
            "map",
            vec![Arg::var("http_upgrade"), Arg::var("svc_connection_upgrade")],
            vec![
                simple("default", vec![Arg::Word("upgrade")]),
                simple("\"\"", vec![Arg::Word("close")]),
            ],
        ),
    ]);
    items
}

/// A rule header replaces the upstream's header of the same name (sent once, never twice);
/// without a matching rule the upstream's passes through. Names nginx cannot read back from
/// the upstream (anything but letters, digits and `-`) are only added.
fn header_overrides(program: &Program) -> Vec<Item> {
    program
        .headers
        .iter()
        .filter(|slot| readable_header(&slot.key))
        .map(|slot| {
            let upstream = format!(
                "upstream_http_{}",
                slot.key.to_ascii_lowercase().replace('-', "_")
            );
            let out = Arg::var(format!("{}_out", slot.var));
            if !program.deletable_headers.contains(&slot.var) {
                return block(
                    "map",
                    vec![Arg::var(&slot.var), out],
                    vec![
                        simple("\"\"", vec![Arg::var(upstream)]),
                        simple("default", vec![Arg::var(&slot.var)]),
                    ],
                );
            }
            // `<deleted>|<value>`: a deleted header sends nothing, not even the upstream's.
            let key = Arg::Value(vec![
                Part::Var(transforms::deleted(&slot.var)),
                Part::Text("|".into()),
                Part::Var(slot.var.clone()),
            ]);
            block(
                "map",
                vec![key, out],
                vec![
                    simple("\"|\"", vec![Arg::var(upstream)]),
                    simple("\"~^1\\|\"", vec![Arg::text("")]),
                    simple("default", vec![Arg::var(&slot.var)]),
                ],
            )
        })
        .collect()
}

/// One `upstream` group per public service, resolved when nginx starts.
fn upstream_groups(project: &Project, options: &Options) -> Vec<Item> {
    project
        .public_services()
        .iter()
        .filter_map(|id| {
            let address = options.upstreams.get(id)?;
            Some(block(
                "upstream",
                vec![Arg::text(table::upstream_group(id))],
                vec![simple("server", vec![Arg::text(address)])],
            ))
        })
        .collect()
}

fn readable_header(key: &str) -> bool {
    key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

fn public_server(options: &Options, program: Program) -> Vec<Item> {
    let listen = match &options.listen_address {
        Some(address) => Arg::text(format!("{address}:{}", options.listen)),
        None => Arg::Number(u64::from(options.listen)),
    };
    let mut items = vec![
        simple("listen", vec![listen]),
        Item::Blank,
        comment("response headers set by `headers` rules; empty ones are not sent"),
    ];
    for slot in &program.headers {
        items.push(simple(
            "add_header",
            vec![
                Arg::text(&slot.key),
                Arg::var(if readable_header(&slot.key) {
                    format!("{}_out", slot.var)
                } else {
                    slot.var.clone()
                }),
                Arg::Word("always"),
            ],
        ));
    }
    for slot in &program.appended_headers {
        items.push(simple(
            "add_header",
            vec![
                Arg::text(&slot.key),
                Arg::var(&slot.var),
                Arg::Word("always"),
            ],
        ));
    }
    items.push(Item::Blank);
    items.extend(prelude(&program, options));
    items.push(Item::Blank);
    let epilogue = epilogue(&program);
    // Static servers read the header, so the gateway always sets or clears it for them.
    let static_sites = program.static_sites;
    let statuses: Vec<u16> = program.statuses.iter().copied().collect();
    let request_headers: Vec<Item> = program
        .request_headers
        .iter()
        .map(|slot| {
            simple(
                "proxy_set_header",
                vec![Arg::text(&slot.key), Arg::var(&slot.var)],
            )
        })
        .collect();
    items.extend(program.items);
    items.push(Item::Blank);
    items.extend(epilogue);
    items.push(Item::Blank);
    let hidden: Vec<&str> = program
        .headers
        .iter()
        .map(|s| s.key.as_str())
        .filter(|k| readable_header(k))
        .collect();
    items.extend(locations(
        options,
        &hidden,
        static_sites,
        &request_headers,
        &statuses,
    ));
    items
}

/// State every request starts with.
fn prelude(program: &Program, options: &Options) -> Vec<Item> {
    let refuse = |regex: &str| {
        if_block(
            vec![
                Arg::var(PATH),
                Arg::Word("~"),
                Arg::Regex(regex.to_string()),
            ],
            vec![simple("return", vec![Arg::Number(400)])],
        )
    };
    let mut items = Vec::new();
    if let Some(path) = &options.health_path {
        items.push(comment(
            "the load balancer's health check, answered before any rule",
        ));
        items.push(if_block(
            vec![Arg::var("request_uri"), Arg::Word("="), Arg::text(path)],
            vec![simple("return", vec![Arg::Number(200)])],
        ));
    }
    items.extend([
        comment("routing state: the path as sent (no decoding), the query, and the outcome"),
        set(PATH, Arg::text("")),
        if_block(
            vec![
                Arg::var("request_uri"),
                Arg::Word("~"),
                Arg::Regex(format!("^(?<{PATH}>[^?]*)")),
            ],
            vec![set(REWRITTEN, Arg::text(""))],
        ),
        comment(
            "rules match the path as sent; refuse paths that mean another one once normalised:",
        ),
        comment(
            "`//host` and `/\\host` (a redirect echoing them would leave the site), dot segments",
        ),
        refuse(r"^/[/\\]"),
        refuse(r"(?:^|/)(?:\.|%2[eE]){1,2}(?:/|$)"),
        set(LOOKUP, Arg::var(PATH)),
        set(ARGS, Arg::var("args")),
        set(REWRITTEN, Arg::text("")),
        set(PHASE, Arg::text(&Phases::top().before)),
        set(TARGET_KIND, Arg::text("")),
        set(UPSTREAM, Arg::text("")),
        set(EXTERNAL, Arg::text("")),
    ]);
    if !program.strips.is_empty() {
        items.push(set(table::STRIP, Arg::text("")));
    }
    if !program.static_rewrites.is_empty() {
        items.push(set(table::STATIC_URI, Arg::text("")));
        items.push(set(table::STATIC_PATHS, Arg::text("")));
    }
    if program.static_sites {
        items.push(set(REWRITTEN_PATH, Arg::text("")));
    }
    if program.sees_path {
        items.push(set(transforms::SEEN_PATH, Arg::text("")));
    }
    if !program.statuses.is_empty() {
        items.push(set(table::STATUS, Arg::text("")));
    }
    for slot in &program.request_headers {
        let header = format!("http_{}", slot.key.to_ascii_lowercase().replace('-', "_"));
        items.push(set(&slot.var, Arg::var(header)));
    }
    for slot in &program.appended_headers {
        items.push(set(&slot.var, Arg::text("")));
    }
    for var in &program.deletable_headers {
        items.push(set(&transforms::deleted(var), Arg::text("")));
    }
    items.extend(table::refresh_query());
    items.extend(
        program
            .headers
            .iter()
            .map(|slot| set(&slot.var, Arg::text(""))),
    );
    items
}

/// After every table: no terminal rule matched means 404; otherwise proxy.
fn epilogue(program: &Program) -> Vec<Item> {
    let target_is = |target: &str, body| {
        if_block(
            vec![Arg::var(TARGET_KIND), Arg::Word("="), Arg::text(target)],
            body,
        )
    };
    let mut items = Vec::new();
    if !program.statuses.is_empty() {
        // A rewrite's status applies to a service's response only.
        items.push(if_block(
            vec![Arg::var(TARGET_KIND), Arg::Word("!="), Arg::text("service")],
            vec![set(table::STATUS, Arg::text(""))],
        ));
    }
    items.extend([
        comment("no rule handed the request to a service or an external URL"),
        target_is("", vec![simple("return", vec![Arg::Number(404)])]),
        set("svc_uri", Arg::var("request_uri")),
        if_block(
            vec![Arg::var(REWRITTEN), Arg::Word("="), Arg::text("1")],
            vec![set(
                "svc_uri",
                Arg::Value(vec![Part::Var(PATH.into()), Part::Var(QUERY_SUFFIX.into())]),
            )],
        ),
    ]);
    items.extend(
        seen_path(program)
            .into_iter()
            .chain(static_rewrite(program))
            .chain(strip_prefix(&program.strips))
            .chain(program.statuses.iter().map(|status| {
                // Answered by the service's response, under this status (`error_page` below).
                if_block(
                    vec![
                        Arg::var(table::STATUS),
                        Arg::Word("="),
                        Arg::text(status.to_string()),
                    ],
                    vec![simple("return", vec![Arg::Number(u64::from(*status))])],
                )
            }))
            .chain(
                [
                    ("service", SERVICE_LOCATION),
                    ("external", EXTERNAL_LOCATION),
                ]
                .map(|(target, location)| {
                    target_is(
                        target,
                        vec![simple(
                            "rewrite",
                            vec![
                                Arg::Regex("^".into()),
                                Arg::text(location),
                                Arg::Word("last"),
                            ],
                        )],
                    )
                }),
            ),
    );
    items
}

/// The path a `request.path` transform set replaces the path the service is proxied.
fn seen_path(program: &Program) -> Vec<Item> {
    if !program.sees_path {
        return Vec::new();
    }
    vec![if_block(
        vec![
            Arg::var(transforms::SEEN_PATH),
            Arg::Word("!="),
            Arg::text(""),
        ],
        vec![set(
            "svc_uri",
            Arg::Value(vec![
                Part::Var(transforms::SEEN_PATH.into()),
                Part::Var(QUERY_SUFFIX.into()),
            ]),
        )],
    )]
}

/// A response header a transform deleted comes back when a later rule sets it: every `set` of
/// a deletable slot clears its flag, but the delete's own.
fn clear_deletions_on_set(items: &mut Vec<Item>, deletable: &std::collections::BTreeSet<String>) {
    if deletable.is_empty() {
        return;
    }
    let mut i = 0;
    while i < items.len() {
        if let Item::Directive(directive) = &mut items[i]
            && let Some(block) = directive.block.as_mut()
        {
            clear_deletions_on_set(block, deletable);
        }
        let set_var = match &items[i] {
            Item::Directive(d) if d.name == "set" => match d.args.first() {
                Some(Arg::Var(var)) if deletable.contains(var) => Some(var.clone()),
                _ => None,
            },
            _ => None,
        };
        if let Some(var) = set_var {
            let flag = transforms::deleted(&var);
            let next_sets_flag = matches!(items.get(i + 1), Some(Item::Directive(d))
                if d.name == "set" && d.args.first() == Some(&Arg::var(&flag)));
            if !next_sets_flag {
                items.insert(i + 1, set(&flag, Arg::text("")));
                i += 1;
            }
        }
        i += 1;
    }
}

/// The path to the header variable the service location sends.
const REWRITTEN_PATH: &str = "svc_rewritten_path";

/// A static service is proxied the URI it was handed, with the paths its own rewrites lead to in
/// a header: its static server serves a file at the URI when there is one, and only otherwise
/// the first rewritten path that is a file, as Vercel checks the filesystem before a service's
/// rewrites and after each.
fn static_rewrite(program: &Program) -> Vec<Item> {
    if program.static_rewrites.is_empty() {
        return Vec::new();
    }
    vec![if_block(
        vec![Arg::var(table::STATIC_URI), Arg::Word("!="), Arg::text("")],
        vec![
            set(REWRITTEN_PATH, Arg::var(table::STATIC_PATHS)),
            set("svc_uri", Arg::var(table::STATIC_URI)),
        ],
    )]
}

/// The route prefix of the service a request was handed to, taken off its URI as Vercel's
/// runtimes take it off: `/api/go` and `/api/go/` become `/`, `/api/go/x?q` becomes `/x?q`,
/// `/api/gox` is left alone; case-sensitive, on the path as sent.
fn strip_prefix(strips: &std::collections::BTreeMap<crate::ir::ServiceId, String>) -> Vec<Item> {
    let mut prefixes: Vec<&str> = strips.values().map(String::as_str).collect();
    prefixes.sort_unstable();
    prefixes.dedup();
    if prefixes.is_empty() {
        return Vec::new();
    }
    const STRIPPED: &str = "svc_strip_uri";
    let mut items = vec![
        comment("the route prefix of the service, stripped as Vercel's runtimes strip it"),
        set(
            STRIPPED,
            Arg::Value(vec![
                Part::Var(table::STRIP.into()),
                Part::Text("|".into()),
                Part::Var("svc_uri".into()),
            ]),
        ),
    ];
    for prefix in prefixes {
        let literal = crate::pattern::escape_string(prefix);
        items.push(if_block(
            vec![
                Arg::var(STRIPPED),
                Arg::Word("~"),
                Arg::Regex(format!(
                    r"^{literal}\|{literal}(?<svc_sp>/[^?]*)?(?<svc_sq>\?.*)?$"
                )),
            ],
            vec![set(
                "svc_uri",
                Arg::Value(vec![Part::Var("svc_sp".into()), Part::Var("svc_sq".into())]),
            )],
        ));
    }
    items.push(if_block(
        vec![
            Arg::var("svc_uri"),
            Arg::Word("!~"),
            Arg::Regex("^/".into()),
        ],
        vec![set(
            "svc_uri",
            Arg::Value(vec![Part::Text("/".into()), Part::Var("svc_uri".into())]),
        )],
    ));
    items
}

/// Headers every proxied request carries: forwarding information and WebSocket upgrades.
pub fn proxy_headers(options: &Options) -> Vec<Item> {
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
fn locations(
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
