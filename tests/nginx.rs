//! The nginx target: every example's config passes `nginx -t`, and a real nginx in front of
//! stub upstreams routes exactly as Vercel would.

mod support;

use support::cases::{get, run_cases};
use support::gateway::{Gateway, syntax_check};
use support::http::request;
use support::{require_tool, scratch_dir};

#[test]
fn every_example_config_passes_nginx_t() {
    let Some(nginx) = require_tool("nginx", "every_example_config_passes_nginx_t") else {
        return;
    };
    let dir = scratch_dir("nginx-t");
    let mut checked = 0;
    for entry in std::fs::read_dir("examples").unwrap() {
        let example = entry.unwrap().path();
        let config = support::example_config(&example);
        let Some(config) = config else { continue };
        let compilation = svc::compile::compile(&config).unwrap();
        let project = compilation.project.unwrap();
        let options =
            svc::emit::gateway::Standalone::from_settings(&project, &compilation.settings.nginx);
        let limits = svc::emit::gateway::Limits::from_settings(&compilation.settings.nginx);
        let artifacts = svc::emit::nginx::emit(&project, &options, &limits).unwrap();
        let conf = &artifacts.files["nginx.conf"];
        syntax_check(&nginx, &dir, conf).unwrap_or_else(|e| panic!("{}: {e}", example.display()));
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} examples checked");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn seed_routes_everything_to_the_frontend_and_nothing_to_the_backend() {
    let Some(nginx) = require_tool("nginx", "seed_routes_everything_to_the_frontend") else {
        return;
    };
    let gateway = Gateway::start(&nginx, "examples/seed/vercel.json", "nginx-seed");
    run_cases(
        &gateway,
        &[
            get("/").routes_to("my_frontend", "/"),
            get("/anything").routes_to("my_frontend", "/anything"),
            get("/api/users?id=1&x=%20y").routes_to("my_frontend", "/api/users?id=1&x=%20y"),
            get("/users")
                .header("Host", "my-backend")
                .routes_to("my_frontend", "/users"),
            get("/")
                .header("Host", "my-backend:8000")
                .routes_to("my_frontend", "/"),
            get("/__svc_gateway/service").routes_to("my_frontend", "/__svc_gateway/service"),
            get("/main:app")
                .method("POST")
                .routes_to("my_frontend", "/main:app"),
        ],
    );
    assert_eq!(
        gateway.hits("my_backend"),
        0,
        "no request may reach the private backend"
    );
}

#[test]
fn the_routing_example_behaves_like_vercel() {
    let Some(nginx) = require_tool("nginx", "the_routing_example_behaves_like_vercel") else {
        return;
    };
    let gateway = Gateway::start(&nginx, "examples/routing/vercel.json", "nginx-routing");
    run_cases(
        &gateway,
        &[
            // Rewrites to services keep the original URI; the first match wins.
            get("/")
                .routes_to("web", "/")
                .with("X-Frame-Options", "DENY")
                .without("X-Api"),
            get("/?q=1&r=%2F").routes_to("web", "/?q=1&r=%2F"),
            // A rule header replaces the upstream's; without a rule the upstream's passes.
            get("/")
                .routes_to("web", "/")
                .with("Cache-Control", "max-age=60"),
            get("/api/users")
                .routes_to("api", "/api/users")
                .with("Cache-Control", "no-store")
                .with("X-Api", "1"),
            get("/api/users?page=2").routes_to("api", "/api/users?page=2"),
            get("/api").routes_to("api", "/api"),
            get("/api/a%20b/c").routes_to("api", "/api/a%20b/c"),
            get("/api/users")
                .method("POST")
                .routes_to("api", "/api/users"),
            get("/api/items")
                .method("DELETE")
                .routes_to("api", "/api/items"),
            // Headers accumulate; for one name the later rule wins.
            get("/api/v1/users")
                .routes_to("api", "/api/v1/users")
                .with("X-Api", "v1")
                .with("X-Frame-Options", "DENY"),
            // has: header.
            get("/api/users")
                .header("X-Beta", "1")
                .routes_to("beta", "/api/users"),
            get("/api/users")
                .header("X-Beta", "2")
                .routes_to("api", "/api/users"),
            get("/api/users")
                .header("X-Beta", "11")
                .routes_to("api", "/api/users"),
            // missing: cookie. A string rewrite is followed by the rest of the table, and (Vercel's
            // quirk) a destination that uses none of the source's parameters gets them as a query.
            get("/admin/settings").routes_to("web", "/login?path=settings"),
            get("/admin/settings?next=1").routes_to("web", "/login?path=settings&next=1"),
            get("/admin/settings")
                .header("Cookie", "theme=dark; session=abc")
                .routes_to("admin", "/settings"),
            get("/admin")
                .header("Cookie", "session=abc")
                .routes_to("admin", "/"),
            get("/admin/a/b?x=1")
                .header("Cookie", "session=abc")
                .routes_to("admin", "/a/b?x=1"),
            // has: host.
            get("/anything")
                .header("Host", "beta.example.com")
                .routes_to("beta", "/anything"),
            get("/anything")
                .header("Host", "BETA.example.com:8080")
                .routes_to("beta", "/anything"),
            get("/anything")
                .header("Host", "xbeta.example.com")
                .status(404),
            // Internal rewrites; a service destination's `path` only routes, the app sees the URL.
            get("/docs/intro").routes_to("web", "/help/intro"),
            get("/docs/intro?lang=en").routes_to("web", "/help/intro?lang=en"),
            get("/help/faq").routes_to("web", "/help/faq"),
            // Unused parameters become query parameters.
            get("/search/rust").routes_to("web", "/find?term=rust"),
            get("/search/rust?page=2").routes_to("web", "/find?term=rust&page=2"),
            get("/users/42").routes_to("api", "/users/42"),
            get("/users/abc").status(404),
            // has + missing with object operators.
            get("/flags")
                .header("X-Plan", "pro")
                .routes_to("beta", "/flags"),
            get("/flags?preview=on")
                .header("X-Plan", "team")
                .routes_to("beta", "/flags?preview=on"),
            get("/flags?preview=off")
                .header("X-Plan", "team")
                .status(404),
            get("/flags").header("X-Plan", "free").status(404),
            get("/flags").status(404),
            // Redirects, with the request's query carried over.
            // Redirects come before `headers` in Vercel's order and end routing, so no rule headers.
            get("/old-blog/hello")
                .redirects(308, "/blog/hello")
                .without("X-Frame-Options"),
            get("/old-blog/hello?x=1").redirects(308, "/blog/hello?x=1"),
            get("/temp").redirects(307, "/"),
            get("/found").redirects(302, "https://example.com/landing?ref=svc"),
            get("/found?utm=a").redirects(302, "https://example.com/landing?ref=svc&utm=a"),
            get("/legacy/a/b").redirects(308, "/new/a/b"),
            get("/go?to=docs").redirects(308, "/docs?to=docs"),
            get("/go?to=other").status(404),
            // cleanUrls and trailingSlash: false.
            get("/about.html").redirects(308, "/about"),
            get("/index.html").redirects(308, "/"),
            get("/blog/index").redirects(308, "/blog"),
            get("/api/users/").redirects(308, "/api/users"),
            // Headers with parameters, and cookie conditions.
            get("/assets/logo.png")
                .status(404)
                .with("X-Asset", "logo.png"),
            get("/")
                .header("Cookie", "debug=on")
                .routes_to("web", "/")
                .with("X-Debug", "cookie"),
            get("/")
                .header("Cookie", "debug=off")
                .routes_to("web", "/")
                .without("X-Debug"),
            // Paths that mean another path once normalised are refused, not routed.
            get("//evil.example/").status(400),
            get("/\\evil.example/").status(400),
            get("/api/../admin/x").status(400),
            get("/api/%2e%2E/admin/x").status(400),
            get("/api/./x").status(400),
            get("/api/.well").routes_to("api", "/api/.well"),
            // Nothing matches: the gateway's own 404.
            get("/nothing").status(404).with("X-Frame-Options", "DENY"),
            get("/internal").status(404),
        ],
    );
    assert_eq!(
        gateway.hits("internal"),
        0,
        "the private service was reached"
    );
}

#[test]
fn proxied_requests_carry_forwarding_and_websocket_headers() {
    let Some(nginx) = require_tool("nginx", "proxied_requests_carry_forwarding_headers") else {
        return;
    };
    let gateway = Gateway::start(&nginx, "examples/routing/vercel.json", "nginx-forwarding");
    let response = request(
        gateway.port,
        "GET",
        "/api/socket",
        &[
            ("Host", "shop.example"),
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("X-Forwarded-For", "203.0.113.9"),
        ],
    );
    let echo = response.echo().expect("api answered");
    assert_eq!(echo.service, "api");
    assert_eq!(echo.headers["host"], "shop.example");
    assert_eq!(echo.headers["upgrade"], "websocket");
    assert_eq!(echo.headers["connection"], "upgrade");
    assert_eq!(
        echo.headers["x-forwarded-for"], "127.0.0.1",
        "the client's address replaces a supplied chain"
    );
    assert_eq!(echo.headers["x-forwarded-proto"], "http");
    assert_eq!(echo.headers["x-forwarded-host"], "shop.example");
    let plain = request(gateway.port, "GET", "/api/plain", &[])
        .echo()
        .unwrap();
    assert_eq!(plain.headers["connection"], "close");
    assert!(!plain.headers.contains_key("upgrade"));
}

#[test]
fn low_level_routes_follow_vercels_phases() {
    let Some(nginx) = require_tool("nginx", "low_level_routes_follow_vercels_phases") else {
        return;
    };
    let gateway = Gateway::start(&nginx, "examples/routes/vercel.json", "nginx-routes");
    run_cases(
        &gateway,
        &[
            get("/legacy/a/b")
                .redirects(301, "/new/a/b")
                .without("X-Route"),
            get("/api/x")
                .routes_to("api", "/api/x")
                .with("X-Route", "all"),
            get("/api/x").method("POST").routes_to("api", "/api/x"),
            get("/api/x").method("PUT").routes_to("web", "/api/x"),
            // The config also has `rewrites`, so Vercel matches every route case-sensitively.
            get("/Api/X").routes_to("web", "/Api/X"),
            get("/API-ONLY").routes_to("api", "/API-ONLY"),
            get("/api-only").routes_to("web", "/api-only"),
            get("/blocked").status(403).with("X-Route", "all"),
            get("/BLOCKED").routes_to("web", "/BLOCKED"),
            // A matching `dest` route without `continue` ends the first phase: the `/docs/(.*)`
            // route is skipped and the rewrites decide.
            get("/old-docs/intro").routes_to("web", "/docs/intro"),
            get("/docs/intro").routes_to("api", "/docs/intro"),
            get("/elsewhere")
                .routes_to("web", "/elsewhere")
                .with("X-Route", "all"),
        ],
    );
}

#[test]
fn an_absolute_rewrite_destination_is_proxied_to_that_origin() {
    let Some(nginx) = require_tool("nginx", "an_absolute_rewrite_destination_is_proxied") else {
        return;
    };
    // Not loopback: svc refuses a destination on the gateway's own machine.
    let address = support::http::outward_address();
    let origin = support::http::Stub::start_on("origin", address);
    let dir = scratch_dir("nginx-external-config");
    std::fs::create_dir_all(dir.join("web")).unwrap();
    let config = serde_json::json!({
        "services": { "web": { "root": "web", "framework": "vite" } },
        "rewrites": [
            { "source": "/ext/:path*", "destination": format!("http://{address}:{}/mirror/:path*", origin.port) },
            { "source": "/(.*)", "destination": { "service": "web" } }
        ]
    });
    std::fs::write(dir.join("vercel.json"), config.to_string()).unwrap();
    let gateway = Gateway::start(
        &nginx,
        dir.join("vercel.json").to_str().unwrap(),
        "nginx-external",
    );
    let echo = request(
        gateway.port,
        "GET",
        "/ext/a/b?x=1",
        &[("Host", "shop.example")],
    )
    .echo()
    .expect("the origin answered");
    assert_eq!(echo.service, "origin");
    assert_eq!(echo.uri, "/mirror/a/b?x=1");
    assert_eq!(echo.headers["host"], format!("{address}:{}", origin.port));
    let echo = request(gateway.port, "GET", "/other", &[]).echo().unwrap();
    assert_eq!(echo.service, "web");
    assert_eq!(origin.hits(), 1);
    std::fs::remove_dir_all(dir).unwrap();
}
