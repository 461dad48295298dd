//! Hostile strings in every place the nginx config carries one: each case is either rejected
//! with a diagnostic naming the key, or emitted so that `nginx -t` accepts it and a real nginx
//! does exactly what the config said (no directive added, no variable expanded).

mod support;

use serde_json::{Value, json};
use support::cases::{Case, get, run_cases};
use support::gateway::Gateway;
use support::{require_tool, scratch_dir};

enum Outcome {
    /// Refused with this diagnostic code, on a key that contains this text.
    Rejected(&'static str, &'static str),
    Serves(Vec<Case>),
}

struct Hostile {
    name: &'static str,
    config: Value,
    outcome: Outcome,
}

/// A one-service project plus the given top-level routing keys; `/(.*)` goes to `web` last.
fn project(routing: Value) -> Value {
    let mut config = json!({ "services": { "web": { "root": "web", "framework": "vite" } } });
    let object = config.as_object_mut().unwrap();
    for (key, value) in routing.as_object().unwrap() {
        object.insert(key.clone(), value.clone());
    }
    let catch_all = json!({ "source": "/(.*)", "destination": { "service": "web" } });
    let rewrites = object.entry("rewrites").or_insert_with(|| json!([]));
    rewrites.as_array_mut().unwrap().push(catch_all);
    config
}

fn header_rule(key: &str, value: &str) -> Value {
    project(
        json!({ "headers": [{ "source": "/(.*)", "headers": [{ "key": key, "value": value }] }] }),
    )
}

fn redirect(destination: &str) -> Value {
    project(json!({ "redirects": [{ "source": "/r", "destination": destination }] }))
}

fn rewrite_to_web(source: &str) -> Value {
    project(json!({ "rewrites": [{ "source": source, "destination": { "service": "web" } }] }))
}

fn only_when(condition: Value) -> Value {
    json!({
        "services": { "web": { "root": "web", "framework": "vite" } },
        "rewrites": [{ "source": "/(.*)", "has": [condition], "destination": { "service": "web" } }]
    })
}

/// One rewrite of every path, when `condition` holds, to `destination`.
fn only_when_to(condition: Value, destination: &str) -> Value {
    json!({
        "services": { "web": { "root": "web", "framework": "vite" } },
        "rewrites": [{ "source": "/:path*", "has": [condition], "destination": destination }]
    })
}

fn echoes_header(value: &'static str) -> Outcome {
    Outcome::Serves(vec![
        get("/")
            .routes_to("web", "/")
            .with("X-Test", value)
            .without("X-Evil"),
    ])
}

fn cases() -> Vec<Hostile> {
    use Outcome::{Rejected, Serves};
    let case = |name, config, outcome| Hostile {
        name,
        config,
        outcome,
    };
    vec![
        case(
            "header value ends the directive",
            header_rule("X-Test", "a\"; add_header X-Evil 1; #"),
            echoes_header("a\"; add_header X-Evil 1; #"),
        ),
        case(
            "header value names nginx variables",
            header_rule("X-Test", "$host $remote_addr ${uri}"),
            echoes_header("$host $remote_addr ${uri}"),
        ),
        case(
            "header value opens and closes blocks",
            header_rule("X-Test", "} server { listen 9999; } {"),
            echoes_header("} server { listen 9999; } {"),
        ),
        case(
            "header value with backslashes and quotes",
            header_rule("X-Test", "a\\b \\\" 'c' \\\\"),
            echoes_header("a\\b \\\" 'c' \\\\"),
        ),
        case(
            "header value starting a comment",
            header_rule("X-Test", "#not-a-comment"),
            echoes_header("#not-a-comment"),
        ),
        case(
            "header value in unicode",
            header_rule("X-Test", "héllo ✓"),
            echoes_header("héllo ✓"),
        ),
        case(
            "header value with a newline",
            header_rule("X-Test", "a\nX-Evil: 1"),
            Rejected("invalid-header-value", "headers[0].headers[0].value"),
        ),
        case(
            "header value with a carriage return",
            header_rule("X-Test", "a\rb"),
            Rejected("invalid-header-value", "headers[0].headers[0].value"),
        ),
        case(
            "header name with a space",
            header_rule("X Test", "v"),
            Rejected("invalid-header-name", "headers[0].headers[0].key"),
        ),
        case(
            "header name with a semicolon",
            header_rule("X-Test;", "v"),
            Rejected("invalid-header-name", "headers[0].headers[0].key"),
        ),
        case(
            "header name with a quote",
            header_rule("X-Test\"", "v"),
            Rejected("invalid-header-name", "headers[0].headers[0].key"),
        ),
        case(
            "source with a semicolon",
            rewrite_to_web("/a;b"),
            Serves(vec![get("/a;b").routes_to("web", "/a;b")]),
        ),
        case(
            "source with a dollar",
            rewrite_to_web("/a$b"),
            Serves(vec![get("/a$b").routes_to("web", "/a$b")]),
        ),
        case(
            "source with an escaped dot",
            rewrite_to_web("/only/a\\.b"),
            Serves(vec![
                get("/only/a.b").routes_to("web", "/only/a.b"),
                get("/only/axb").routes_to("web", "/only/axb"),
            ]),
        ),
        case(
            "source in unicode",
            rewrite_to_web("/café"),
            Serves(vec![get("/café").routes_to("web", "/café")]),
        ),
        case(
            "source with an unbalanced brace",
            rewrite_to_web("/a}b"),
            Rejected("invalid-pattern", "rewrites[0].source"),
        ),
        case(
            "source with a newline",
            rewrite_to_web("/a\nb"),
            Rejected("control-character", "rewrites[0].source"),
        ),
        case(
            "redirect to nginx variables",
            redirect("/x/$host/${y}"),
            Serves(vec![get("/r").redirects(308, "/x/$host/${y}")]),
        ),
        case(
            "redirect that tries to end the return",
            redirect("/x\";return;#{}"),
            Serves(vec![get("/r").redirects(308, "/x\";return;#{}")]),
        ),
        case(
            "redirect with a space",
            redirect("/a b"),
            Rejected("invalid-destination", "redirects[0].destination"),
        ),
        case(
            "redirect that splits the response",
            redirect("/a\r\nSet-Cookie: x=1"),
            Rejected("invalid-destination", "redirects[0].destination"),
        ),
        case(
            "rewrite destination with quotes and braces",
            project(json!({ "rewrites": [{ "source": "/in", "destination": "/out;$x\"{}" }] })),
            Serves(vec![get("/in").routes_to("web", "/out;$x\"{}")]),
        ),
        case(
            "header condition with a quote and a semicolon",
            only_when(json!({ "type": "header", "key": "X-Token", "value": "a\";b" })),
            Serves(vec![
                get("/").header("X-Token", "a\";b").routes_to("web", "/"),
                get("/").header("X-Token", "a").status(404),
            ]),
        ),
        case(
            "host condition with braces",
            only_when(json!({ "type": "host", "value": "a}{b\\.test" })),
            Serves(vec![get("/").status(404)]),
        ),
        case(
            "query condition with a semicolon",
            only_when(json!({ "type": "query", "key": "q", "value": { "eq": "1;2" } })),
            Serves(vec![
                get("/?q=1;2").routes_to("web", "/?q=1;2"),
                get("/?q=1").status(404),
            ]),
        ),
        case(
            "cookie name with a semicolon",
            only_when(json!({ "type": "cookie", "key": "a;b" })),
            Rejected("invalid-condition-key", "rewrites[0].has[0].key"),
        ),
        case(
            "query name with an ampersand",
            only_when(json!({ "type": "query", "key": "a&b" })),
            Rejected("invalid-condition-key", "rewrites[0].has[0].key"),
        ),
        case(
            "header name nginx cannot read",
            only_when(json!({ "type": "header", "key": "x_token" })),
            Rejected("nginx-untranslatable", "rewrites[0]"),
        ),
        case(
            "a PCRE verb in a condition",
            only_when(json!({ "type": "header", "key": "x-a", "value": "(*UTF)a" })),
            Rejected("invalid-pattern", "rewrites[0].has[0].value"),
        ),
        case(
            "service name with a semicolon",
            json!({ "services": { "web;}": { "root": "web", "framework": "vite" } } }),
            Rejected("invalid-service-name", "services"),
        ),
        // Found in review: each was a real escape from what the config said.
        case(
            "a capture named like an internal variable",
            json!({
                "services": { "web": { "root": "web", "framework": "vite" } },
                "routes": [
                    { "src": "/u/(?<v0>[^/]*)", "has": [{ "type": "cookie", "key": "session" }], "dest": "/profile/$1", "check": true },
                    { "src": "/(.*)", "destination": { "service": "web" } }
                ]
            }),
            Serves(vec![
                get("/u/me")
                    .header("Cookie", "session=SECRET")
                    .routes_to("web", "/profile/me"),
            ]),
        ),
        case(
            "a chain of rewrites that each add to the query",
            project(json!({ "rewrites": [
            { "source": "/a/:x", "destination": "/b?p=1" },
            { "source": "/b", "destination": "/c?q=2" }
        ] })),
            Serves(vec![
                get("/a/one").routes_to("web", "/c?q=2&p=1&x=one"),
                get("/a/one?o=9").routes_to("web", "/c?q=2&p=1&x=one&o=9"),
            ]),
        ),
        case(
            "a route dest naming a group of its src",
            json!({
                "services": { "web": { "root": "web", "framework": "vite" } },
                "routes": [
                    { "src": "/named/(?<rest>.*)", "dest": "/x/$rest", "check": true },
                    { "src": "/x/(.*)", "destination": { "service": "web" } }
                ]
            }),
            Serves(vec![get("/named/a/b").routes_to("web", "/x/a/b")]),
        ),
        case(
            "a has capture that would inject a query",
            project(json!({ "rewrites": [
            { "source": "/p", "has": [{ "type": "header", "key": "name" }], "destination": "/profile/:name" }
        ] })),
            Serves(vec![
                get("/p")
                    .header("Name", "me")
                    .routes_to("web", "/profile/me"),
                get("/p").header("Name", "me?role=admin").status(400),
                get("/p").header("Name", "x HTTP/1.0").status(400),
            ]),
        ),
        case(
            "an external host chosen by the request",
            only_when_to(
                json!({ "type": "header", "key": "tenant" }),
                "http://:tenant/:path*",
            ),
            Rejected("nginx-untranslatable", "rewrites[0]"),
        ),
        case(
            "an external host with a fixed domain",
            only_when_to(
                json!({ "type": "header", "key": "tenant" }),
                "http://:tenant.tenants.example.net/:path*",
            ),
            Serves(vec![
                get("/x").header("Tenant", "127.0.0.1:19002/x?").status(400),
                get("/x").status(404),
            ]),
        ),
        case(
            "continue with a status",
            json!({
                "services": { "web": { "root": "web", "framework": "vite" } },
                "routes": [{ "src": "/(.*)", "status": 410, "continue": true }]
            }),
            Rejected("nginx-untranslatable", "routes[0]"),
        ),
        case(
            "a regex escape JavaScript reads differently",
            only_when(json!({ "type": "header", "key": "x-a", "value": "\\p{L}+" })),
            Rejected("nginx-untranslatable", "rewrites[0]"),
        ),
        case(
            "numeric comparison",
            only_when(json!({ "type": "header", "key": "x-n", "value": { "gt": 5 } })),
            Rejected("nginx-untranslatable", "rewrites[0]"),
        ),
    ]
}

#[test]
fn hostile_strings_are_rejected_or_mean_exactly_what_they_say() {
    let Some(nginx) = require_tool(
        "nginx",
        "hostile_strings_are_rejected_or_mean_exactly_what_they_say",
    ) else {
        return;
    };
    let cases = cases();
    assert!(cases.len() >= 20);
    for (i, case) in cases.iter().enumerate() {
        let dir = scratch_dir(&format!("hostile-{i}"));
        std::fs::create_dir_all(dir.join("web")).unwrap();
        let config_path = dir.join("vercel.json");
        std::fs::write(&config_path, case.config.to_string()).unwrap();
        let compilation = svc::compile::compile(&config_path).unwrap();
        let emitted = compilation.project.as_ref().map(|project| {
            let settings = &compilation.settings.nginx;
            let host = svc::emit::gateway::Standalone::from_settings(project, settings);
            let limits = svc::emit::gateway::Limits::from_settings(settings);
            svc::emit::nginx::emit(project, &host, &limits)
        });
        let diagnostics = match &emitted {
            None => Some(compilation.diagnostics.clone()),
            Some(Err(diagnostics)) => Some(diagnostics.clone()),
            Some(Ok(_)) => None,
        };
        match (&case.outcome, diagnostics) {
            (Outcome::Rejected(code, key), Some(diagnostics)) => {
                let found = diagnostics
                    .iter()
                    .any(|d| d.code == *code && d.key.as_deref().is_some_and(|k| k.contains(key)));
                assert!(
                    found,
                    "{}: expected {code} on {key}, got {:?}",
                    case.name,
                    diagnostics
                        .iter()
                        .map(|d| (d.code, d.key.clone()))
                        .collect::<Vec<_>>()
                );
            }
            (Outcome::Rejected(code, _), None) => {
                panic!("{}: expected {code}, but it was accepted", case.name)
            }
            (Outcome::Serves(_), Some(diagnostics)) => panic!(
                "{}: expected to be served, got {:?}",
                case.name,
                diagnostics
                    .iter()
                    .map(|d| (d.code, d.message.clone()))
                    .collect::<Vec<_>>()
            ),
            (Outcome::Serves(requests), None) => {
                let gateway = Gateway::start(
                    &nginx,
                    config_path.to_str().unwrap(),
                    &format!("hostile-gw-{i}"),
                );
                run_cases(&gateway, requests);
            }
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
