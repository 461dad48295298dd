//! Runtime parity with Vercel (issue 17), on a real nginx in front of stub upstreams: route
//! prefixes of the legacy form, case, status codes, a rewrite's query against the request's,
//! and static services' own rewrites. Needs `nginx`; skips without it (fails under CI).

mod support;

use std::path::Path;
use support::cases::{get, run_cases};
use support::gateway::Gateway;
use support::{require_tool, scratch_dir};

/// A project in a scratch directory: its files, then the gateway in front of it.
fn project(name: &str, config: serde_json::Value, files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = scratch_dir(name);
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    std::fs::write(dir.join("vercel.json"), config.to_string()).unwrap();
    dir
}

fn start(nginx: &Path, dir: &Path, test: &str) -> Gateway {
    Gateway::start(nginx, dir.join("vercel.json").to_str().unwrap(), test)
}

#[test]
fn the_gateway_strips_the_legacy_prefix_where_no_runner_does() {
    let Some(nginx) = require_tool("nginx", "the_gateway_strips_the_legacy_prefix") else {
        return;
    };
    let dir = project(
        "parity-prefix",
        serde_json::json!({ "experimentalServices": {
            "web": { "framework": "vite", "entrypoint": "web", "routePrefix": "/" },
            "docs": { "framework": "vite", "entrypoint": "docs", "routePrefix": "/docs" },
            "go-api": { "entrypoint": "go/main.go", "routePrefix": "/api/go" },
            "py-api": { "entrypoint": "py/main.py", "routePrefix": "/api/py" }
        }}),
        &[
            (
                "web/package.json",
                r#"{"devDependencies":{"vite":"7.3.8"}}"#,
            ),
            (
                "docs/package.json",
                r#"{"devDependencies":{"vite":"7.3.8"}}"#,
            ),
            ("go/main.go", "package main\nfunc main() {}\n"),
            ("go/go.mod", "module api\n\ngo 1.23\n"),
            (
                "py/main.py",
                "from fastapi import FastAPI\napp = FastAPI()\n",
            ),
            ("py/requirements.txt", "fastapi\n"),
        ],
    );
    let gateway = start(&nginx, &dir, "parity-prefix");
    run_cases(
        &gateway,
        &[
            // Go and static sites have no runner of svc's in front: the gateway strips.
            get("/api/go/x/y?q=1").routes_to("go-api", "/x/y?q=1"),
            get("/api/go").routes_to("go-api", "/"),
            get("/api/go/").routes_to("go-api", "/"),
            get("/api/go?q=1").routes_to("go-api", "/?q=1"),
            get("/api/go//x").routes_to("go-api", "//x"),
            get("/docs/assets/app.js").routes_to("docs", "/assets/app.js"),
            get("/docs").routes_to("docs", "/"),
            // Not under the prefix, or another case: not this service's, as on Vercel.
            get("/api/gox").routes_to("web", "/api/gox"),
            get("/API/GO/x").routes_to("web", "/API/GO/x"),
            // Python's runner strips it itself (and sets root_path): the full path goes on.
            get("/api/py/ping").routes_to("py-api", "/api/py/ping"),
            get("/").routes_to("web", "/"),
        ],
    );
    // Static servers read X-Svc-Rewritten-Path: the gateway never passes a client's on.
    let echo = support::http::request(
        gateway.port,
        "GET",
        "/docs/x",
        &[("X-Svc-Rewritten-Path", "/secret.html")],
    )
    .echo()
    .unwrap();
    assert!(
        !echo.headers.contains_key("x-svc-rewritten-path"),
        "{:?}",
        echo.headers
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn every_route_is_case_sensitive_once_the_config_uses_the_newer_keys() {
    let Some(nginx) = require_tool("nginx", "every_route_is_case_sensitive") else {
        return;
    };
    let web = [("web/index.html", "hello")];
    let dir = project(
        "parity-case",
        serde_json::json!({
            "services": { "web": { "root": "web" } },
            "cleanUrls": true,
            "trailingSlash": true,
            "rewrites": [{ "source": "/(.*)", "destination": { "service": "web" } }]
        }),
        &web,
    );
    let gateway = start(&nginx, &dir, "parity-case");
    run_cases(
        &gateway,
        &[
            get("/about/index").redirects(308, "/about/"),
            get("/about.html").redirects(308, "/about/"),
            // Vercel hands these on: its cleanUrls routes match case-sensitively.
            get("/INDEX/").routes_to("web", "/INDEX/"),
            get("/Index").redirects(308, "/Index/"),
            get("/Page.HTML").routes_to("web", "/Page.HTML"),
        ],
    );
    drop(gateway);
    // A config of low-level routes alone keeps Vercel's case-insensitive routes.
    let dir = project(
        "parity-case-routes",
        serde_json::json!({
            "services": { "web": { "root": "web" }, "api": { "root": "web" } },
            "routes": [
                { "src": "/api/(.*)", "destination": { "service": "api" } },
                { "src": "/exact", "caseSensitive": true, "destination": { "service": "api" } },
                { "src": "/(.*)", "destination": { "service": "web" } }
            ]
        }),
        &web,
    );
    let gateway = start(&nginx, &dir, "parity-case-routes");
    run_cases(
        &gateway,
        &[
            get("/API/x").routes_to("api", "/API/x"),
            get("/exact").routes_to("api", "/exact"),
            get("/EXACT").routes_to("web", "/EXACT"),
        ],
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn status_codes_and_queries_behave_as_on_vercel() {
    let Some(nginx) = require_tool("nginx", "status_codes_and_queries_behave_as_on_vercel") else {
        return;
    };
    let dir = project(
        "parity-status",
        serde_json::json!({
            "services": { "web": { "root": "web" } },
            "redirects": [
                { "source": "/private/:path*", "destination": "/404", "statusCode": 404 },
                { "source": "/gone", "destination": "/", "statusCode": 410 },
                { "source": "/see", "destination": "/other", "statusCode": 303 }
            ],
            "rewrites": [
                { "source": "/moved/:path*", "destination": "/new/:path*", "statusCode": 301 },
                { "source": "/missing/:path*", "destination": "/404.html", "statusCode": 404 },
                { "source": "/retired", "destination": { "service": "web" }, "statusCode": 410 },
                { "source": "/stale", "destination": "/nothing-here", "statusCode": 404 },
                { "source": "/search/:term", "destination": "/find" },
                { "source": "/list", "destination": "/items?sort=asc&page=1" },
                { "source": "/(.*)", "destination": { "service": "web" }, "missing": [{ "type": "header", "key": "x-nowhere" }] }
            ]
        }),
        &[("web/index.html", "hello")],
    );
    let gateway = start(&nginx, &dir, "parity-status");
    run_cases(
        &gateway,
        &[
            // A redirect's statusCode may be any status: a 4xx answers with it.
            get("/private/a").status(404).with("Location", "/404"),
            get("/gone").status(410),
            get("/see").redirects(303, "/other"),
            // A rewrite's 3xx statusCode redirects to its destination.
            get("/moved/a/b").redirects(301, "/new/a/b"),
            // A key the request carries keeps the request's value alone.
            get("/search/rust").routes_to("web", "/find?term=rust"),
            get("/search/rust?term=x").routes_to("web", "/find?term=x"),
            get("/search/rust?other=1").routes_to("web", "/find?term=rust&other=1"),
            get("/list").routes_to("web", "/items?sort=asc&page=1"),
            get("/list?page=3").routes_to("web", "/items?sort=asc&page=3"),
            get("/list?sort=desc&page=2&x=1").routes_to("web", "/items?sort=desc&page=2&x=1"),
        ],
    );
    // What no rule hands on still gets the gateway's own 404, though 404 has a status page.
    let response = support::http::request(gateway.port, "GET", "/x", &[("X-Nowhere", "1")]);
    assert_eq!(response.status, 404);
    assert!(response.echo().is_none(), "no service answered");
    // A pending status that no service takes up: the gateway's own 404 as well.
    let response = support::http::request(gateway.port, "GET", "/stale", &[("X-Nowhere", "1")]);
    assert_eq!(response.status, 404, "{response:?}");
    assert!(response.echo().is_none(), "no service answered");
    // A rewrite's 4xx statusCode: the destination's response, under that status.
    for (path, status, uri) in [
        ("/missing/a/b?x=1", 404, "/404.html?path=a/b&x=1"),
        ("/retired", 410, "/retired"),
    ] {
        let response = support::http::request(gateway.port, "GET", path, &[]);
        assert_eq!(response.status, status, "{path}");
        let echo = response.echo().expect("the service answered");
        assert_eq!(
            (echo.service.as_str(), echo.uri.as_str()),
            ("web", uri),
            "{path}"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_project_without_services_is_one_app_behind_its_own_routing() {
    let Some(nginx) = require_tool("nginx", "a_project_without_services_is_one_app") else {
        return;
    };
    let gateway = Gateway::start(&nginx, "examples/no-services/vercel.json", "parity-one-app");
    run_cases(
        &gateway,
        &[
            get("/about.html").redirects(308, "/about"),
            get("/docs/").redirects(308, "/docs"),
            get("/blog/hello?x=1").redirects(308, "/posts/hello?x=1"),
            get("/private/keys").status(404),
            get("/")
                .routes_to("app", "/")
                .with("X-Frame-Options", "DENY"),
            get("/assets/app.css")
                .routes_to("app", "/assets/app.css")
                .with("Cache-Control", "public, max-age=31536000, immutable"),
        ],
    );
    // A static app gets the URI as sent, and the path its rewrites lead to beside it: its
    // server serves a file at the URI first, as Vercel's filesystem phase does.
    let echo = support::http::request(gateway.port, "GET", "/docs/intro?x=1", &[])
        .echo()
        .expect("the app answered");
    assert_eq!(echo.uri, "/docs/intro?x=1");
    // Every path the rewrites lead to, in order: the server serves the first that is a file.
    assert_eq!(
        echo.headers["x-svc-rewritten-path"],
        "/docs/index.html /index.html"
    );
    let echo = support::http::request(
        gateway.port,
        "GET",
        "/anything",
        &[("X-Svc-Rewritten-Path", "/etc/passwd")],
    )
    .echo()
    .unwrap();
    assert_eq!(echo.headers["x-svc-rewritten-path"], "/index.html");
}

#[test]
fn transforms_change_what_the_service_sees_and_what_the_client_gets() {
    let Some(nginx) = require_tool("nginx", "transforms_change_what_the_service_sees") else {
        return;
    };
    let dir = project(
        "parity-transforms",
        serde_json::json!({
            "services": { "web": { "root": "web" } },
            "routes": [{
                "src": "/api/(?<rest>.*)",
                "continue": true,
                "transforms": [
                    { "type": "request.headers", "op": "set", "target": { "key": "x-tenant" }, "args": "acme-$rest" },
                    { "type": "request.headers", "op": "append", "target": { "key": "x-list" }, "args": "b" },
                    { "type": "request.headers", "op": "delete", "target": { "key": { "eq": "x-secret" } } },
                    { "type": "request.query", "op": "append", "target": { "key": "from" }, "args": "the gateway" },
                    { "type": "request.path", "op": "set", "args": "/v2/$rest" },
                    { "type": "response.headers", "op": "set", "target": { "key": "x-served" }, "args": "svc" },
                    { "type": "response.headers", "op": "append", "target": { "key": "x-extra" }, "args": "1" },
                    { "type": "response.headers", "op": "delete", "target": { "key": "cache-control" } }
                ]
            }],
            "rewrites": [
                {
                    "source": "/org/:org/api/:path*",
                    "destination": { "service": "web" },
                    "transforms": [{ "type": "request.path", "op": "set", "args": "/tenants/:org/:path*" }]
                },
                { "source": "/(.*)", "destination": { "service": "web" } }
            ]
        }),
        &[("web/index.html", "hello")],
    );
    let gateway = start(&nginx, &dir, "parity-transforms");
    let request = |target: &str, headers: &[(&str, &str)]| {
        support::http::request(gateway.port, "GET", target, headers)
    };
    let response = request(
        "/api/items?page=2",
        &[
            ("X-Secret", "s3cret"),
            ("X-List", "a"),
            ("X-Tenant", "evil"),
        ],
    );
    let echo = response.echo().expect("the service answered");
    assert_eq!(echo.uri, "/v2/items?page=2&from=the+gateway");
    assert_eq!(echo.headers["x-tenant"], "acme-items");
    assert_eq!(echo.headers["x-list"], "a, b");
    assert!(!echo.headers.contains_key("x-secret"), "{:?}", echo.headers);
    assert_eq!(response.header("X-Served"), Some("svc"));
    assert_eq!(response.header("X-Extra"), Some("1"));
    assert_eq!(response.header("Cache-Control"), None);
    // Without the route, nothing changes: the upstream's header, the client's headers.
    let response = request("/other", &[("X-Secret", "s3cret"), ("X-List", "a")]);
    let echo = response.echo().unwrap();
    assert_eq!(echo.uri, "/other");
    assert_eq!(echo.headers["x-secret"], "s3cret");
    assert_eq!(echo.headers["x-list"], "a");
    assert_eq!(response.header("Cache-Control"), Some("max-age=60"));
    assert_eq!(response.header("X-Served"), None);
    // A rewrite's request.path: the app sees the new path, with the query as sent.
    let echo = request("/org/acme/api/users/7?x=1", &[]).echo().unwrap();
    assert_eq!(echo.uri, "/tenants/acme/users/7?x=1");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn transforms_nginx_cannot_carry_out_are_refused_with_the_reason() {
    let dir = project(
        "parity-transforms-refused",
        serde_json::json!({
            "services": { "web": { "root": "web" } },
            "routes": [
                { "src": "/a", "transforms": [{ "type": "request.headers", "op": "set", "target": { "key": { "pre": "x-" } }, "args": "1" }] },
                { "src": "/b", "transforms": [{ "type": "request.query", "op": "delete", "target": { "key": "token" } }] },
                { "src": "/c", "transforms": [{ "type": "request.headers", "op": "set", "target": { "key": "x-a" }, "args": "$X", "env": ["X"] }] },
                { "src": "/d", "continue": true, "transforms": [{ "type": "request.headers", "op": "delete", "target": { "key": "X-Forwarded-For" } }] }
            ],
            "rewrites": [
                { "source": "/e", "destination": { "service": "web" }, "statusCode": 444 },
                { "source": "/(.*)", "destination": { "service": "web" } }
            ]
        }),
        &[("web/index.html", "hello")],
    );
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_svc"))
        .args(["check", "-c"])
        .arg(dir.join("vercel.json"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    for expected in [
        "selects keys with `pre`, and nginx cannot list a request's headers",
        "must remove every `token` pair from the query",
        "reads the deployment's environment",
        "changes `X-Forwarded-For`, which the gateway sets on every proxied request",
        "`statusCode: 444` would replace the status",
    ] {
        assert!(stderr.contains(expected), "{expected}: {stderr}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// The static server svc builds sites with, on this machine's nginx: the requested path first,
/// then each path the gateway says the service's rewrites lead to, then the SPA fallback; a
/// listed path that would leave the site is refused.
#[test]
fn the_static_server_tries_each_rewritten_path_and_never_leaves_the_site() {
    let Some(nginx) = require_tool("nginx", "the_static_server_tries_each_rewritten_path") else {
        return;
    };
    let site = scratch_dir("parity-static-site");
    std::fs::create_dir_all(site.join("docs")).unwrap();
    std::fs::write(site.join("index.html"), "hello from index").unwrap();
    std::fs::write(site.join("docs/index.html"), "hello from docs").unwrap();
    std::fs::write(site.join("about.html"), "hello from about").unwrap();
    let secret = scratch_dir("parity-static-secret");
    std::fs::write(secret.join("passwd"), "root:secret").unwrap();
    let port = support::free_port();
    let config = svc::emit::dockerfile::static_server_config(port, true)
        .replace("root \"/www\"", &format!("root \"{}\"", site.display()))
        .replace("pid \"/tmp/nginx.pid\";", "")
        .replace("daemon off;", "");
    let server = Gateway::run(
        &nginx,
        config,
        port,
        Default::default(),
        "parity-static-server",
    );
    let traversal = format!(
        "/../{}/passwd",
        secret.file_name().unwrap().to_str().unwrap()
    );
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("/docs/", "", Some("hello from docs")),
        ("/about", "", Some("hello from about")),
        (
            "/x",
            "/docs/index.html /index.html",
            Some("hello from docs"),
        ),
        ("/x", "/nope.html /about", Some("hello from about")),
        ("/x", "", Some("hello from index")),
        (
            "/x",
            "/a /b /c /d /docs/index.html",
            Some("hello from index"),
        ),
        ("/x", &traversal, None),
        ("/x", "/docs/%2e%2e/%2e%2e/etc/passwd", None),
    ];
    for (path, rewritten, expected) in cases {
        let response = support::http::request(
            server.port,
            "GET",
            path,
            &[("X-Svc-Rewritten-Path", rewritten)],
        );
        match expected {
            Some(body) => assert!(
                response.body.contains(body),
                "{path} {rewritten}: {response:?}"
            ),
            None => {
                assert_eq!(response.status, 404, "{path} {rewritten}: {response:?}");
                assert!(!response.body.contains("secret"), "{response:?}");
            }
        }
    }
    drop(server);
    std::fs::remove_dir_all(site).unwrap();
    std::fs::remove_dir_all(secret).unwrap();
}
