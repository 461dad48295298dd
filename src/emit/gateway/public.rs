//! The public server: Vercel's routing table as nginx directives, from the request's first
//! state to the hand-off to a service or an external origin, and the http-level definitions it
//! reads.

use super::conditions::{ARGS, LOOKUP, PHASE, set};
use super::host::{Listen, Options};
use super::proxy::{EXTERNAL_LOCATION, REWRITTEN_PATH, SERVICE_LOCATION, locations};
use super::table::{
    self, EXTERNAL, PATH, Phases, Program, QUERY_SUFFIX, REWRITTEN, TARGET as TARGET_KIND, UPSTREAM,
};
use super::transforms;
use crate::emit::nginx_conf::{Arg, DOLLAR_VAR, Item, Part, block, comment, if_block, simple};
use crate::ir::Project;

pub(super) fn http_level(options: &Options) -> Vec<Item> {
    let mut items = vec![
        simple("server_tokens", vec![Arg::Word("off")]),
        // Binding aliases are up to 72 characters; the default buckets hold about 46.
        simple("server_names_hash_bucket_size", vec![Arg::Number(128)]),
        // Location headers exactly as the config wrote them, not made absolute.
        simple("absolute_redirect", vec![Arg::Word("off")]),
        simple(
            "client_max_body_size",
            vec![Arg::text(&options.limits.client_max_body_size)],
        ),
        simple(
            "proxy_connect_timeout",
            vec![Arg::text(&options.limits.proxy_connect_timeout)],
        ),
        simple(
            "proxy_read_timeout",
            vec![Arg::text(&options.limits.proxy_read_timeout)],
        ),
        simple(
            "proxy_send_timeout",
            vec![Arg::text(&options.limits.proxy_send_timeout)],
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
pub(super) fn header_overrides(program: &Program) -> Vec<Item> {
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
pub(super) fn upstream_groups(project: &Project, options: &Options) -> Vec<Item> {
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

pub(super) fn readable_header(key: &str) -> bool {
    key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// A `listen` of the public server: a port alone listens on every address.
fn listen(listen: &Listen) -> Item {
    let mut args = vec![match &listen.address {
        Some(_) => Arg::text(listen.socket()),
        None => Arg::Number(u64::from(listen.port)),
    }];
    if listen.tls {
        args.push(Arg::Word("ssl"));
    }
    simple("listen", args)
}

pub(super) fn public_server(options: &Options, program: Program) -> Vec<Item> {
    let mut items: Vec<Item> = options.listens.iter().map(listen).collect();
    if let Some(tls) = &options.tls {
        items.extend(super::tls::settings(tls));
    }
    items.extend([
        Item::Blank,
        comment("response headers set by `headers` rules; empty ones are not sent"),
    ]);
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
pub(super) fn prelude(program: &Program, options: &Options) -> Vec<Item> {
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
pub(super) fn epilogue(program: &Program) -> Vec<Item> {
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
pub(super) fn seen_path(program: &Program) -> Vec<Item> {
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
pub(super) fn clear_deletions_on_set(
    items: &mut Vec<Item>,
    deletable: &std::collections::BTreeSet<String>,
) {
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

/// A static service is proxied the URI it was handed, with the paths its own rewrites lead to in
/// a header: its static server serves a file at the URI when there is one, and only otherwise
/// the first rewritten path that is a file, as Vercel checks the filesystem before a service's
/// rewrites and after each.
pub(super) fn static_rewrite(program: &Program) -> Vec<Item> {
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
pub(super) fn strip_prefix(
    strips: &std::collections::BTreeMap<crate::ir::ServiceId, String>,
) -> Vec<Item> {
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
