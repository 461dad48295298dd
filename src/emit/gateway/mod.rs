//! The gateway: Vercel's public routing as an nginx config, and the binding proxy, for any
//! [`Host`].
//!
//! Every target runs this one gateway: the nginx target writes it alone, compose runs it on
//! every service network with the binding [`Grant`]s it carries out, terraform runs it in an
//! ECS task. A target names its host and its grants; the config is built here, as a directive
//! tree ([`crate::emit::nginx_conf`]) printed by one writer that quotes every argument.

mod conditions;
mod dest;
mod grants;
mod host;
mod proxy;
mod public;
mod regex;
mod table;
mod tls;
mod transforms;

pub use grants::Grant;
pub use host::{
    CA_BUNDLE, Compose, DOCKER_RESOLVER, Ecs, Host, KUBE_DNS, Kubernetes, Limits, Listen,
    Standalone, Tls, hostname_upstreams,
};

use crate::check::Checked;
use crate::diag::{Diagnostic, Diagnostics};
use crate::emit::nginx_conf::{self, Arg, Dollars, Item, block, comment, simple};
use crate::ir::Project;
use host::Options;
use std::collections::BTreeSet;
use table::{Phases, Program};

/// The compiled gateway: http-level definitions, the public server's contents, and the grants
/// it carries out.
pub struct Gateway {
    options: Options,
    http: Vec<Item>,
    public_server: Vec<Item>,
    grants: Vec<Grant>,
    dollars: Dollars,
}

impl Gateway {
    /// The routing program of `project` for `host`, with no grants yet.
    pub fn build(
        project: &Checked<Project>,
        host: &Host,
        limits: &Limits,
    ) -> Result<Gateway, Diagnostics> {
        let options = Options::new(project, host, limits);
        let program = routing_program(project, &options)?;
        let mut http = public::http_level(&options);
        http.extend(public::header_overrides(&program));
        if options.static_upstreams {
            http.extend(public::upstream_groups(project, &options));
        }
        let public_server = public::public_server(&options, program);
        Ok(Gateway {
            options,
            http,
            public_server,
            grants: Vec::new(),
            // Compose interpolates config content, so it reads `$$` as one `$`.
            dollars: match host {
                Host::Compose(_) => Dollars::Doubled,
                Host::Standalone(_) | Host::Ecs(_) | Host::Kubernetes(_) => Dollars::AsWritten,
            },
        })
    }

    /// Carries out `grant` too, after the grants already given.
    pub fn grant(&mut self, grant: Grant) {
        self.grants.push(grant);
    }

    /// The config, printed. The grants' servers are built as they are printed, a few at a
    /// time, so thousands are never all held as data at once.
    pub fn print(self) -> String {
        let dollars = self.dollars;
        let process = Process::of(&self.options);
        let (public_server, http, extra_listeners, servers) = self.into_parts();
        let mut printer = nginx_conf::Printer::new(dollars);
        let (config, http) = parts(public_server, http, extra_listeners, process);
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
            printed_listeners, extra_listeners,
            "the listener count in the config's header matches the servers printed"
        );
        printer.close_block(0);
        printer.finish()
    }

    /// The whole config as data, for tests that read what svc meant to write.
    pub fn config(self) -> Vec<Item> {
        let process = Process::of(&self.options);
        let (public_server, http, extra_listeners, servers) = self.into_parts();
        let (mut config, mut http) = parts(public_server, http, extra_listeners, process);
        http.extend(servers.flatten());
        config.push(block("http", vec![], http));
        config
    }

    /// The public server and http-level items, how many `listen`s the servers after it hold,
    /// and those servers (the HTTPS redirect's, then the grants'), built lazily.
    fn into_parts(self) -> (Vec<Item>, Vec<Item>, u64, impl Iterator<Item = Vec<Item>>) {
        let Gateway {
            options,
            mut http,
            public_server,
            grants,
            ..
        } = self;
        let mut taken: BTreeSet<String> = options.listens.iter().map(Listen::socket).collect();
        if !grants.is_empty() {
            http.extend(grants::defaults(&options));
        }
        let redirect: Vec<Vec<Item>> = options.tls.iter().map(tls::redirect_server).collect();
        let listeners = redirect.len() as u64 + grants::listeners(&grants, taken.clone());
        let servers = redirect.into_iter().chain(
            grants
                .into_iter()
                .map(move |grant| grants::servers(&grant, &mut taken)),
        );
        (public_server, http, listeners, servers)
    }
}

/// The routing tables of the project and of each public service, as one program.
fn routing_program<'o>(
    project: &Checked<Project>,
    options: &'o Options,
) -> Result<Program<'o>, Diagnostics> {
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
    public::clear_deletions_on_set(&mut program.items, &program.deletable_headers);
    if !program.errors.is_empty() {
        let mut diags = Diagnostics::default();
        std::mem::take(&mut program.errors)
            .into_iter()
            .for_each(|d: Diagnostic| diags.push(d));
        return Err(diags);
    }
    Ok(program)
}

/// How the nginx process runs, which its main context says.
#[derive(Clone, Copy)]
struct Process {
    unprivileged: bool,
    workers: Option<u64>,
}

impl Process {
    fn of(options: &Options) -> Process {
        Process {
            unprivileged: options.unprivileged,
            workers: options.worker_processes,
        }
    }
}

/// Everything before `http`, and the `http` block's own contents up to the public server.
fn parts(
    public_server: Vec<Item>,
    mut http: Vec<Item>,
    extra_listeners: u64,
    process: Process,
) -> (Vec<Item>, Vec<Item>) {
    // Every listening socket takes a connection slot in each worker, and a proxied request
    // two more: leave room for traffic on top of the listeners.
    let listeners = count_listens(&public_server) + extra_listeners;
    let connections = TRAFFIC_CONNECTIONS + listeners;
    http.push(Item::Blank);
    http.push(comment("the public entry: Vercel's routing table"));
    http.push(block("server", vec![], public_server));
    if process.unprivileged {
        let mut temp = nginx_conf::temp_paths_under_tmp();
        temp.push(Item::Blank);
        http.splice(0..0, temp);
    }
    let mut before_http = Vec::new();
    if process.unprivileged {
        // An unprivileged nginx on a read-only root writes only under `/tmp`.
        before_http.push(simple("pid", vec![Arg::text("/tmp/nginx.pid")]));
    }
    before_http.extend([
        simple(
            "worker_processes",
            vec![match process.workers {
                Some(workers) => Arg::Number(workers),
                None => Arg::Word("auto"),
            }],
        ),
        simple("worker_rlimit_nofile", vec![Arg::Number(2 * connections)]),
        Item::Blank,
        block(
            "events",
            vec![],
            vec![simple("worker_connections", vec![Arg::Number(connections)])],
        ),
        Item::Blank,
    ]);
    (before_http, http)
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
