//! svc's two runners, the files its Dockerfiles put in every Node and Python image, run on this
//! machine against small modules: the Node launcher serves each shape of app Vercel's runtime
//! serves (a fetch handler, a (req, res) function, the server a module starts, whatever port
//! it asked for) and the ones svc serves besides (Koa's callback, Fastify's listen, a named
//! `app`), runs cron routes and jobs, and prefers a TypeScript entrypoint's compiled output;
//! the Python runner tells ASGI from WSGI as Vercel's runtime does, keeps cron schedules, and
//! runs a job's function. Needs `node` and `python3`; skips without them (fails under CI).

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{free_port, http::get_from, require_tool, scratch_dir};

const LAUNCHER: &str = "targets/dockerfile/shims/serve.mjs";
const RUNNER: &str = "targets/dockerfile/shims/run.py";

/// A launcher process, killed when dropped.
struct Launched {
    child: Child,
    port: u16,
}

impl Drop for Launched {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn launch(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Launched {
    let port = free_port();
    let launcher = std::fs::canonicalize(LAUNCHER).unwrap();
    let child = Command::new("node")
        .arg(launcher)
        .args(args)
        .current_dir(dir)
        .env("PORT", port.to_string())
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Launched { child, port }
}

/// The launcher run to its end (a job, or a module that fails to start).
fn run_to_end(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("node")
        .arg(std::fs::canonicalize(LAUNCHER).unwrap())
        .args(args)
        .current_dir(dir)
        .env("PORT", free_port().to_string())
        .output()
        .unwrap()
}

/// The body of a GET once the server answers, or what it last said after ten seconds.
fn answer(launched: &Launched, path: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let response = get_from(launched.port, path, "svc.test");
        if !response.is_empty() || Instant::now() > deadline {
            return response;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A request with a method, headers and body: the whole response as text.
fn request(port: u16, method: &str, path: &str, headers: &[&str], body: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: svc.test\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for header in headers {
        head.push_str(header);
        head.push_str("\r\n");
    }
    write!(stream, "{head}\r\n{body}").unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
}

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn the_launcher_serves_every_shape_of_node_app_on_port() {
    if require_tool(
        "node",
        "the_launcher_serves_every_shape_of_node_app_on_port",
    )
    .is_none()
    {
        return;
    }
    let dir = scratch_dir("launcher-shapes");
    let apps: &[(&str, &str, &str)] = &[
        (
            "fetch.mjs",
            "export default { fetch: async (req) => new Response(`hello from fetch ${new URL(req.url).pathname}`) };",
            "hello from fetch /x/y",
        ),
        (
            "function.cjs",
            "module.exports = (req, res) => res.end(`hello from function ${req.url}`);",
            "hello from function /x/y",
        ),
        (
            // Vercel ignores the port a module listens on: the launcher serves it on $PORT.
            "listens.mjs",
            "import http from 'node:http';\nhttp.createServer((req, res) => res.end(`hello from listens ${req.url}`)).listen(1);",
            "hello from listens /x/y",
        ),
        (
            "koa.mjs",
            "export default { callback: () => (req, res) => res.end(`hello from koa ${req.url}`) };",
            "hello from koa /x/y",
        ),
        (
            "fastify.mjs",
            "import http from 'node:http';\nexport default { ready() {}, listen({ port, host }) { return new Promise((done) => http.createServer((req, res) => res.end(`hello from fastify ${req.url}`)).listen(port, host, done)); } };",
            "hello from fastify /x/y",
        ),
        (
            "named.mjs",
            "export const app = (req, res) => res.end(`hello from named ${req.url}`);",
            "hello from named /x/y",
        ),
    ];
    for (file, source, expected) in apps {
        write(&dir, file, source);
        let launched = launch(&dir, &["web", file], &[]);
        let body = answer(&launched, "/x/y");
        assert!(body.contains(expected), "{file}: {body:?}");
    }
    // A fetch handler receives the request's body and method, and its headers come back.
    write(
        &dir,
        "echo.mjs",
        "export default { fetch: async (req) => new Response(`${req.method} ${await req.text()}`, { headers: { 'x-svc': 'yes' } }) };",
    );
    let launched = launch(&dir, &["web", "echo.mjs"], &[]);
    answer(&launched, "/");
    let text = request(launched.port, "POST", "/", &[], "ping").to_ascii_lowercase();
    assert!(
        text.contains("x-svc: yes") && text.contains("post ping"),
        "{text}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_module_that_serves_nothing_fails_with_the_reason() {
    if require_tool("node", "a_module_that_serves_nothing_fails_with_the_reason").is_none() {
        return;
    }
    let dir = scratch_dir("launcher-nothing");
    write(&dir, "nothing.mjs", "export const answer = 42;");
    let output = run_to_end(&dir, &["web", "nothing.mjs"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains(
        "neither exports a handler (fetch, or a (req, res) function) nor starts a server"
    ));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_typescript_entrypoint_runs_from_its_compiled_output() {
    if require_tool(
        "node",
        "a_typescript_entrypoint_runs_from_its_compiled_output",
    )
    .is_none()
    {
        return;
    }
    let dir = scratch_dir("launcher-typescript");
    // Not JavaScript: it would fail if it were loaded instead of the build's output.
    write(&dir, "src/index.ts", "const app: Express = ;");
    write(
        &dir,
        "dist/index.js",
        "module.exports = (req, res) => res.end('hello from the compiled entrypoint');",
    );
    let launched = launch(&dir, &["web", "src/index.ts"], &[]);
    let body = answer(&launched, "/");
    assert!(
        body.contains("hello from the compiled entrypoint"),
        "{body:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn node_cron_routes_and_jobs_call_the_default_export() {
    if require_tool("node", "node_cron_routes_and_jobs_call_the_default_export").is_none() {
        return;
    }
    let dir = scratch_dir("launcher-cron");
    write(
        &dir,
        "cron.mjs",
        "import { appendFileSync } from 'node:fs';\nexport default async () => appendFileSync('ran.log', 'ran\\n');",
    );
    let routes = r#"{"/_svc/jobs/crons/cron/cron":"default"}"#;
    let launched = launch(
        &dir,
        &["cron", "cron.mjs", routes],
        &[("CRON_SECRET", "s3cret")],
    );
    let unauthorized = answer(&launched, "/_svc/jobs/crons/cron/cron");
    assert!(unauthorized.starts_with("HTTP/1.1 401"), "{unauthorized}");
    let call = |path: &str, method: &str| {
        request(
            launched.port,
            method,
            path,
            &["Authorization: Bearer s3cret"],
            "",
        )
    };
    let ok = call("/_svc/jobs/crons/cron/cron", "POST");
    assert!(
        ok.starts_with("HTTP/1.1 200") && ok.contains(r#"{"ok":true}"#),
        "{ok}"
    );
    let unknown = call("/_svc/jobs/crons/x/y", "GET");
    assert!(
        unknown.contains("no cron handler for path: /_svc/jobs/crons/x/y"),
        "{unknown}"
    );
    let put = call("/_svc/jobs/crons/cron/cron", "PUT");
    assert!(put.starts_with("HTTP/1.1 405"), "{put}");
    assert_eq!(
        std::fs::read_to_string(dir.join("ran.log")).unwrap(),
        "ran\n"
    );
    drop(launched);

    // A job runs its default export once and ends.
    write(
        &dir,
        "job.mjs",
        "import { writeFileSync } from 'node:fs';\nexport default async () => writeFileSync('job.log', 'hello from the job');",
    );
    assert!(run_to_end(&dir, &["job", "job.mjs"]).status.success());
    assert_eq!(
        std::fs::read_to_string(dir.join("job.log")).unwrap(),
        "hello from the job"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// What a Python script printed, with run.py importable as `run`; the script must succeed.
fn python_prints(dir: &Path, script: &str) -> String {
    let output = python(dir, script);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs Python with run.py importable as `run`.
fn python(dir: &Path, script: &str) -> std::process::Output {
    let runner = std::fs::canonicalize(RUNNER).unwrap();
    Command::new("python3")
        .args(["-c", script])
        .current_dir(dir)
        .env("PYTHONPATH", runner.parent().unwrap())
        .output()
        .unwrap()
}

#[test]
fn the_python_runner_tells_asgi_from_wsgi_keeps_schedules_and_runs_jobs() {
    let test = "the_python_runner_tells_asgi_from_wsgi_keeps_schedules_and_runs_jobs";
    if require_tool("python3", test).is_none() {
        return;
    }
    let dir = scratch_dir("runner-python");
    let printed = python_prints(
        &dir,
        r#"
import time, run
from http.server import BaseHTTPRequestHandler
async def asgi(scope, receive, send): pass
def wsgi(environ, start_response): pass
class Handler(BaseHTTPRequestHandler): pass
class Asgi:
    async def __call__(self, scope, receive, send): pass
class WithAsgi:
    def asgi(self, scope, receive, send): pass
print([run.interface(a)[0] for a in (asgi, wsgi, Handler, Asgi(), WithAsgi())])
every5 = run.Schedule("*/5 * * * *")
weekdays = run.Schedule("0 9 * * 1-5")
monday = time.strptime("2026-12-07 09:00", "%Y-%m-%d %H:%M")
sunday = time.strptime("2026-12-06 09:00", "%Y-%m-%d %H:%M")
print(every5.due(monday), weekdays.due(monday), weekdays.due(sunday), run.Schedule("0 9 * jan sun").due(sunday))
print(run.cron_path("reports", "jobs.reports", "nightly"))
"#,
    );
    assert_eq!(
        printed,
        "['asgi', 'wsgi', 'handler', 'asgi', 'asgi']\nTrue True False False\n/_svc/reports/crons/jobs/reports/nightly\n"
    );

    // A job runs its function (awaited when it is a coroutine) once.
    write(
        &dir,
        "tasks.py",
        "async def nightly():\n    open('job.log', 'w').write('hello from the job')\n",
    );
    let runner = std::fs::canonicalize(RUNNER).unwrap();
    let status = Command::new("python3")
        .arg(runner)
        .args(["job", "tasks:nightly"])
        .current_dir(&dir)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(
        std::fs::read_to_string(dir.join("job.log")).unwrap(),
        "hello from the job"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_launcher_strips_the_legacy_route_prefix_as_vercels_runtime_does() {
    if require_tool("node", "the_launcher_strips_the_legacy_route_prefix").is_none() {
        return;
    }
    let dir = scratch_dir("launcher-prefix");
    write(
        &dir,
        "app.cjs",
        "module.exports = (req, res) => res.end(`saw ${req.url}`);",
    );
    let prefixed = [
        ("VERCEL_SERVICE_ROUTE_PREFIX", "/api/node"),
        ("VERCEL_SERVICE_ROUTE_PREFIX_STRIP", "1"),
    ];
    let app = launch(&dir, &["web", "app.cjs"], &prefixed);
    assert_eq!(body(&answer(&app, "/api/node/q?x=1")), "saw /q?x=1");
    assert_eq!(body(&answer(&app, "/api/node")), "saw /");
    assert_eq!(body(&answer(&app, "/api/node/")), "saw /");
    assert_eq!(body(&answer(&app, "/api/node?x=1")), "saw /?x=1");
    assert_eq!(body(&answer(&app, "/api/nodex/q")), "saw /api/nodex/q");
    assert_eq!(body(&answer(&app, "/API/NODE/q")), "saw /API/NODE/q");
    // Without the strip flag the prefix is only information.
    let kept = launch(
        &dir,
        &["web", "app.cjs"],
        &[("VERCEL_SERVICE_ROUTE_PREFIX", "/api/node")],
    );
    assert_eq!(body(&answer(&kept, "/api/node/q")), "saw /api/node/q");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_python_runner_strips_the_legacy_route_prefix_and_tells_the_app_where_it_is_mounted() {
    let test = "the_python_runner_strips_the_legacy_route_prefix";
    if require_tool("python3", test).is_none() {
        return;
    }
    let dir = scratch_dir("runner-python-prefix");
    let printed = python_prints(
        &dir,
        r#"
import asyncio, os, run
os.environ["VERCEL_SERVICE_ROUTE_PREFIX"] = "/api/py/"
os.environ["VERCEL_SERVICE_ROUTE_PREFIX_STRIP"] = "true"
seen = []
async def asgi(scope, receive, send):
    seen.append((scope["path"], scope["root_path"], scope["raw_path"]))
app = run.under_prefix("asgi", asgi)
for path in ("/api/py/ping", "/api/py", "/api/py/", "/api/pyx", "/API/PY/ping"):
    asyncio.run(app({"type": "http", "path": path, "raw_path": path.encode(), "root_path": ""}, None, None))
print(seen)
def wsgi(environ, start_response):
    return [environ["SCRIPT_NAME"], environ["PATH_INFO"]]
app = run.under_prefix("wsgi", wsgi)
print([app({"SCRIPT_NAME": "", "PATH_INFO": p}, None) for p in ("/api/py/ping", "/api/pyx")])
"#,
    );
    assert_eq!(
        printed,
        "[('/ping', '/api/py', b'/ping'), ('/', '/api/py', b'/'), ('/', '/api/py', b'/'), ('/api/pyx', '', b'/api/pyx'), ('/API/PY/ping', '', b'/API/PY/ping')]\n[['/api/py', '/ping'], ['', '/api/pyx']]\n"
    );

    // A BaseHTTPRequestHandler class, served for real.
    write(
        &dir,
        "handler.py",
        "from http.server import BaseHTTPRequestHandler\nclass handler(BaseHTTPRequestHandler):\n    def do_GET(self):\n        self.send_response(200)\n        self.end_headers()\n        self.wfile.write(f'saw {self.path}'.encode())\n",
    );
    let port = free_port();
    let runner = std::fs::canonicalize(RUNNER).unwrap();
    let child = Command::new("python3")
        .arg(runner)
        .args(["web", "handler:handler"])
        .current_dir(&dir)
        .env("PORT", port.to_string())
        .env("VERCEL_SERVICE_ROUTE_PREFIX", "/api/py")
        .env("VERCEL_SERVICE_ROUTE_PREFIX_STRIP", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let served = Launched { child, port };
    assert_eq!(body(&answer(&served, "/api/py/ping?x=1")), "saw /ping?x=1");
    assert_eq!(body(&answer(&served, "/api/pyx")), "saw /api/pyx");
    std::fs::remove_dir_all(dir).unwrap();
}

/// A response's body.
fn body(response: &str) -> &str {
    response.split_once("\r\n\r\n").map_or("", |(_, body)| body)
}
