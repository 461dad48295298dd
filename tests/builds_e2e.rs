//! Real projects, built from the Dockerfiles svc generates and run on a real Docker engine:
//! the seed (Next.js and FastAPI), Python (FastAPI with uv, Flask and Django found without an
//! entrypoint), Node (a Vite site and an Express app found without `framework`, a plain server),
//! a pnpm workspace monorepo (Next.js with a client-visible variable inlined at build time), and
//! the legacy form (file entrypoints beside their own manifests, crons and a worker). Each page
//! renders through the gateway, each backend answers at its public path, each binding works
//! from inside its caller, and each private backend answers nobody else.
//!
//! Base images are local stand-ins for the official ones (tests/images/bases.sh), named in
//! svc.yaml's `build.images`: the override users behind a mirror use.

mod support;

use support::apps::{App, start, start_with_dot_env};

fn must(app: &App, path: &str, expected: &str) -> String {
    let body = app.get_eventually(path, expected);
    assert!(
        body.contains(expected),
        "GET {path}: expected {expected:?}, got {body:?}"
    );
    body
}

#[test]
fn the_seed_builds_and_its_frontend_calls_the_private_backend() {
    let Some(app) = start("seed", "seed-build") else {
        return;
    };
    must(&app, "/", "hello from my_frontend");
    // The announcement's route handler calls the backend through BACKEND_INTERNAL_URL.
    must(&app, "/api/users", r#"[{"id":1,"name":"Ada"}]"#);
    let url = app.exec("my_frontend", &["sh", "-c", "echo $BACKEND_INTERNAL_URL"]);
    assert_eq!(url.trim(), "http://my-backend.internal:8000");
    let users = app.fetch_in("my_frontend", &format!("{}/users", url.trim()));
    assert!(users.contains("Ada"), "{users}");
    app.assert_private("my_backend", "Ada", &[]);
    app.assert_private("my_backend", "hello from my_backend", &[]);
}

#[test]
fn python_frameworks_build_from_their_dependency_files() {
    let Some(app) = start("apps-python", "python-build") else {
        return;
    };
    must(&app, "/api/shop/x/y", "hello from shop at /api/shop/x/y");
    must(&app, "/blog/post/1", "hello from blog at /blog/post/1");
    must(
        &app,
        "/admin-site/users/3",
        "hello from admin at /admin-site/users/3",
    );
    // shop calls the private ledger through its binding.
    must(&app, "/api/shop/ledger", "shop got: hello from ledger");
    app.assert_private("ledger", "hello from ledger", &["blog", "admin"]);
}

#[test]
fn node_apps_build_with_the_versions_they_ask_for() {
    let Some(app) = start("apps-node", "node-build") else {
        return;
    };
    // The Vite site, detected without `framework`, built with VITE_API_BASE inlined.
    let page = must(&app, "/", "hello from web");
    assert!(page.contains(r#"<a id="api" href="/api">"#), "{page}");
    // An Express app that exports itself and never listens, served on $PORT.
    must(&app, "/api/x/y", "hello from api at /api/x/y");
    must(&app, "/api/inventory", "api got: hello from inventory");
    // engines.node 22.x, and .nvmrc's 20 where package.json says nothing.
    assert_eq!(app.exec("api", &["node", "-v"]).trim(), "v22.14.0");
    assert_eq!(app.exec("inventory", &["node", "-v"]).trim(), "v20.18.1");
    // The static server serves the build's output, not the project: a source file's path is
    // one more path the SPA fallback answers with the page.
    for path in [
        "/package.json",
        "/index.html.map",
        "/vite.config.js",
        "/main.js",
    ] {
        let body = support::http::get_from(app.port(), path, "svc.test");
        assert!(
            body.contains("hello from web") && !body.contains("devDependencies"),
            "{path}: {body}"
        );
        assert!(!body.contains("querySelector"), "{path}: {body}");
    }
    let dotfile = support::http::get_from(app.port(), "/.env", "svc.test");
    assert!(dotfile.starts_with("HTTP/1.1 404"), "{dotfile}");
    app.assert_private("inventory", "hello from inventory", &["web"]);
}

#[test]
fn a_pnpm_workspace_builds_each_service_with_its_own_packages() {
    let Some(app) = start("apps-monorepo", "monorepo-build") else {
        return;
    };
    // Next.js inlines NEXT_PUBLIC_API_BASE when it builds; the page shows the value svc set.
    let page = must(&app, "/", "hello from web");
    assert!(page.contains(r#"<a id="api" href="/api">"#), "{page}");
    must(&app, "/api/hello", "hello from api at /api/hello");
    let url = app.exec("web", &["sh", "-c", "echo $API_URL"]);
    let answer = app.fetch_in("web", &format!("{}/api/from-web", url.trim()));
    assert!(
        answer.contains("hello from api at /api/from-web"),
        "{answer}"
    );
    // pnpm installed only what each service needs: the api has Express and no Next.js.
    let store = app.exec("api", &["ls", "/app/node_modules/.pnpm"]);
    assert!(store.lines().any(|l| l.starts_with("express@")), "{store}");
    assert!(
        !store.lines().any(|l| l.starts_with("next@")),
        "the api image holds Next.js: {store}"
    );
}

#[test]
fn the_legacy_form_builds_file_entrypoints_crons_and_a_worker() {
    // svc.yaml keeps CRON_SECRET a secret: compose reads it from .env for the service and
    // the scheduler alike.
    let Some(app) = start_with_dot_env("apps-legacy", "legacy-build", Some("CRON_SECRET=s3cret\n"))
    else {
        return;
    };
    let page = must(&app, "/", "hello from web");
    // VITE_GO_API_URL is one of the variables the legacy form injects, inlined at build time.
    assert!(page.contains(r#"<a id="go" href="/api/go">"#), "{page}");
    // Vercel's runtimes take a backend's routePrefix off the path before the app sees it (the
    // Python one passes it as root_path); the gateway does it for Go, svc's runners for the rest.
    must(&app, "/api/go/x", "hello from go-api at /x");
    let root = must(&app, "/api/go", "hello from go-api at /");
    assert!(root.trim_end().ends_with("go-api at /"), "{root}");
    must(
        &app,
        "/api/py/a/b",
        "hello from py-api at /a/b (root_path /api/py)",
    );
    must(&app, "/api/node/q?x=1", "hello from express-api at /q");
    // A prefixed Vite site serves its pages and assets under the prefix (its `base`), and its
    // index for any other path under it; `/` stays the other site's.
    let dashboard = must(&app, "/dashboard/", "hello from dashboard");
    let script = dashboard
        .split("src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page loads a script");
    assert!(script.starts_with("/dashboard/assets/"), "{script}");
    must(&app, script, "hello from dashboard (script loaded)");
    must(&app, "/dashboard/some/spa/route", "hello from dashboard");
    must(&app, "/some-spa-route", "hello from web");

    // Vercel's cron routes: the function answers GET and POST at its path with the project's
    // CRON_SECRET, and nothing else.
    let call = |path: &str, method: &str, secret: &str| {
        let script = "import sys,urllib.request as u,urllib.error as e\nr=u.Request('http://127.0.0.1:8000'+sys.argv[1],method=sys.argv[2],headers={'Authorization':'Bearer '+sys.argv[3]})\ntry: x=u.urlopen(r); print(x.status, x.read().decode())\nexcept e.HTTPError as x: print(x.code, x.read().decode())";
        app.exec("cleanup", &["python", "-c", script, path, method, secret])
            .trim()
            .to_string()
    };
    let route = "/_svc/cleanup/crons/jobs/cleanup/run";
    assert_eq!(call(route, "GET", "s3cret"), r#"200 {"ok":true}"#);
    assert_eq!(call(route, "POST", "s3cret"), r#"200 {"ok":true}"#);
    assert_eq!(
        call(route, "PUT", "s3cret"),
        r#"405 {"error":"method not allowed"}"#
    );
    assert_eq!(
        call(route, "GET", "wrong"),
        r#"401 {"error":"unauthorized"}"#
    );
    assert_eq!(
        call("/_svc/cleanup/crons/x/y", "GET", "s3cret"),
        r#"404 {"error":"no cron handler for path: /_svc/cleanup/crons/x/y"}"#
    );

    // The scheduler calls the fixed schedule; the dynamic one (from get_crons()) the service
    // keeps itself. Both run within two minutes.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(150);
    let (mut cleanup, mut reports) = (String::new(), String::new());
    while std::time::Instant::now() < deadline {
        cleanup = app.exec("cleanup", &["cat", "/tmp/cron.log"]);
        reports = app.exec("reports", &["cat", "/tmp/cron.log"]);
        // Two calls are the test's own above; the scheduler's make more.
        if cleanup.matches("cleanup ran").count() >= 3 && reports.contains("reports ran") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_secs(5));
    }
    assert!(
        cleanup.matches("cleanup ran").count() >= 3,
        "the scheduler never called cleanup (with its CRON_SECRET): {cleanup:?}"
    );
    assert!(
        reports.contains("reports ran"),
        "the dynamic schedule never ran: {reports:?}"
    );

    // A job runs its function once, to its end, when it is started.
    let job = app
        .stack
        .compose()
        .args(["run", "--rm", "-T", "nightly"])
        .output()
        .unwrap();
    assert!(
        job.status.success(),
        "{}",
        String::from_utf8_lossy(&job.stderr)
    );
    assert!(
        String::from_utf8_lossy(&job.stdout).contains("hello from nightly: the job ran"),
        "{}",
        String::from_utf8_lossy(&job.stdout)
    );

    // The worker has stayed up all along.
    let id = app
        .stack
        .compose()
        .args(["ps", "-q", "mailer"])
        .output()
        .unwrap()
        .stdout;
    let state = std::process::Command::new("docker")
        .args(["inspect", "--format", "{{.State.Status}} {{.RestartCount}}"])
        .arg(String::from_utf8_lossy(&id).trim())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&state.stdout).trim(), "running 0");
    app.assert_private("cleanup", "no cron handler", &["py-api", "web"]);
}
