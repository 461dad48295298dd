//! The compose target on a real Docker engine: each e2e example comes up, and the full
//! reachability matrix holds. From the host only the gateway's port answers; through the
//! gateway every public route reaches its service and no private one does; every caller reaches
//! every bound target through the URL in its env var; every other ordered pair of services is
//! refused by every name and address the source could try. Answers are judged by their body.

mod support;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;
use support::compose::{Stack, engine};

fn hello(service: &str) -> String {
    format!("hello from {service}")
}

/// A GET from the host; `None` when nothing accepts the connection.
fn host_get(port: u16, path: &str, host: &str) -> Option<String> {
    let mut stream =
        TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(2)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut body = String::new();
    let _ = stream.read_to_string(&mut body);
    Some(body)
}

/// A positive check, tried a few times: a loaded machine can be slow to answer once. Refusals
/// are never retried: one answer from a refused pair is a failure.
fn eventually(mut attempt: impl FnMut() -> String, expected: &str) -> String {
    let mut last = String::new();
    for _ in 0..3 {
        last = attempt();
        if last.contains(expected) {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    last
}

fn assert_matrix(stack: &Stack, public_routes: &[(&str, &str)]) {
    let project = &stack.project;
    let port = stack.port();
    let mut failures = Vec::new();

    // From the host: the gateway's published port routes; no service port is published.
    for (path, service) in public_routes {
        let body = eventually(
            || host_get(port, path, "svc.test").unwrap_or_default(),
            &hello(service),
        );
        if !body.contains(&hello(service)) {
            failures.push(format!(
                "host -> gateway {path}: expected {service}, got {body:?}"
            ));
        }
    }
    for service in project.services.values() {
        if let Some(body) = host_get(service.port, "/", "svc.test")
            && body.contains(&hello(service.name.as_str()))
        {
            failures.push(format!(
                "host reached {} on its own port {}",
                service.name, service.port
            ));
        }
    }

    // Through the gateway, no path or Host reaches a private service.
    let access = project.access();
    for private in &access.private {
        let service = &project.services[private];
        let alias = svc::emit::compose::binding_alias(service);
        for host in [
            private.as_str(),
            service.hostname.as_str(),
            alias.as_str(),
            "svc.test",
        ] {
            for path in [
                "/",
                &format!("/{private}"),
                &format!("/{}/x", service.hostname),
            ] {
                let body = host_get(port, path, host).unwrap_or_default();
                if body.contains(&hello(private.as_str())) {
                    failures.push(format!(
                        "gateway {path} (Host: {host}) reached private {private}"
                    ));
                }
            }
        }
    }

    // Every caller reaches every bound target through its env var, which holds the alias URL.
    for binding in &project.bindings {
        let target = &project.services[&binding.target];
        let expected = format!(
            "http://{}:{}",
            svc::emit::compose::binding_alias(target),
            target.port
        );
        let value = stack.env(binding.caller.as_str(), &binding.env);
        if value != expected {
            failures.push(format!(
                "{}.{} = {value:?}, expected {expected:?}",
                binding.caller, binding.env
            ));
        }
        let expected_answer = hello(binding.target.as_str());
        let answer = eventually(
            || {
                stack
                    .probe_from(binding.caller.as_str(), &[(value.clone(), None)])
                    .remove(0)
            },
            &expected_answer,
        );
        if !answer.contains(&expected_answer) {
            failures.push(format!(
                "{} -> {} through ${}: got {answer:?}",
                binding.caller, binding.target, binding.env
            ));
        }
    }

    // Every other ordered pair is refused, by name, alias, address, and the gateway's addresses.
    let grants: BTreeSet<(String, String)> = project
        .bindings
        .iter()
        .map(|b| (b.caller.0.clone(), b.target.0.clone()))
        .collect();
    let gateway_ips: Vec<String> = stack.addresses("svc.gateway").into_values().collect();
    for source in project.services.keys() {
        // First a probe that must answer: the source itself, so a broken exec cannot pass as
        // a wall of refusals.
        let mut probes = vec![(
            format!("http://127.0.0.1:{}/", project.services[source].port),
            None,
        )];
        let mut about = vec![(String::new(), String::new())];
        let granted_ports: BTreeSet<u16> = project
            .bindings
            .iter()
            .filter(|b| &b.caller == source)
            .map(|b| project.services[&b.target].port)
            .collect();
        for (target_id, target) in &project.services {
            if target_id == source || grants.contains(&(source.0.clone(), target_id.0.clone())) {
                continue;
            }
            let alias = svc::emit::compose::binding_alias(target);
            let mut urls: Vec<(String, Option<String>)> = vec![
                (format!("http://{}:{}/", target_id, target.port), None),
                (format!("http://{}:{}/", target.hostname, target.port), None),
                (format!("http://{alias}:{}/", target.port), None),
            ];
            for ip in stack
                .addresses(target_id.as_str())
                .values()
                .filter(|ip| !ip.is_empty())
            {
                urls.push((format!("http://{ip}:{}/", target.port), None));
            }
            // Every gateway address, on the target's port and on each port the source may use.
            for ip in &gateway_ips {
                for port in granted_ports.iter().copied().chain([target.port]) {
                    urls.push((
                        format!("http://{ip}:{port}/"),
                        Some(format!("{alias}:{port}")),
                    ));
                }
            }
            for url in urls {
                about.push((target_id.0.clone(), url.0.clone()));
                probes.push(url);
            }
        }
        let answers = stack.probe_from(source.as_str(), &probes);
        if !answers[0].contains(&hello(source.as_str())) {
            failures.push(format!("{source} did not answer itself: {:?}", answers[0]));
        }
        for ((target, url), answer) in about.iter().zip(&answers).skip(1) {
            if answer.contains(&hello(target)) {
                failures.push(format!("{source} reached {target} at {url}"));
            }
        }
    }

    // A service with `egress: false` is on its own internal network only.
    for service in project.services.values() {
        let networks: Vec<String> = stack.addresses(service.name.as_str()).into_keys().collect();
        let on_egress = networks.iter().any(|n| n.ends_with("_egress"));
        if on_egress != service.egress || networks.len() != 1 + usize::from(service.egress) {
            failures.push(format!(
                "{} is on {networks:?} (egress: {})",
                service.name, service.egress
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} reachability failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn run_example(name: &str, public_routes: &[(&str, &str)]) {
    let Some(_engine) = engine(name) else { return };
    let mut stack = Stack::emit(&Path::new("examples").join(name).join("vercel.json"), name);
    stack.up();
    // The generated gateway config, checked where its addresses exist.
    support::compose::run(
        stack
            .compose()
            .args(["exec", "-T", "svc.gateway", "nginx", "-t", "-q"]),
    );
    assert_matrix(&stack, public_routes);
    assert_no_raw_frames(&stack);
}

/// No container can forge frames on the networks it is on: raw sockets are gone everywhere
/// (NET_RAW dropped; svc's own parts keep only what they need), no process can gain privileges,
/// and the gateway routes no packet between its networks.
fn assert_no_raw_frames(stack: &Stack) {
    let services = support::compose::run(stack.compose().args(["ps", "--services"])).stdout;
    let services: Vec<String> = String::from_utf8_lossy(&services)
        .lines()
        .map(str::to_string)
        .collect();
    assert!(services.iter().any(|s| s == "svc.gateway"), "{services:?}");
    let gateway = stack.addresses("svc.gateway");
    let probe = "grep -E '^(CapEff|NoNewPrivs)' /proc/self/status; arping -c 1 -w 1 %IP% 2>&1; echo arping-exit=$?";
    for service in &services {
        let target = stack
            .addresses(service)
            .keys()
            .find_map(|network| gateway.get(network))
            .cloned()
            .unwrap_or_else(|| "10.0.0.1".to_string());
        let out = exec(
            stack,
            service,
            &["sh", "-c", &probe.replace("%IP%", &target)],
        );
        let capabilities = out
            .lines()
            .find_map(|l| l.strip_prefix("CapEff:"))
            .map(|hex| u64::from_str_radix(hex.trim(), 16).unwrap())
            .unwrap_or_else(|| panic!("{service}: {out}"));
        const NET_RAW: u64 = 1 << 13;
        assert_eq!(
            capabilities & NET_RAW,
            0,
            "{service} can open raw sockets: {out}"
        );
        assert!(out.contains("NoNewPrivs:\t1"), "{service}: {out}");
        assert!(
            out.contains("Operation not permitted") && !out.contains("arping-exit=0"),
            "{service} sent a raw frame: {out}"
        );
    }
    let sysctl = |path: &str| {
        exec(stack, "svc.gateway", &["cat", path])
            .trim()
            .to_string()
    };
    assert_eq!(sysctl("/proc/sys/net/ipv4/ip_forward"), "0");
    assert_eq!(sysctl("/proc/sys/net/ipv4/conf/all/rp_filter"), "1");
}

#[test]
fn e2e_mesh_keeps_every_promise() {
    run_example(
        "e2e-mesh",
        &[
            ("/", "web"),
            ("/anything", "web"),
            ("/api/users", "api"),
            ("/api", "api"),
            ("/admin/x", "admin"),
        ],
    );
}

#[test]
fn e2e_seed_keeps_every_promise() {
    run_example(
        "e2e-seed",
        &[("/", "my_frontend"), ("/users", "my_frontend")],
    );
}

#[test]
fn e2e_cycle_keeps_every_promise() {
    run_example("e2e-cycle", &[("/", "site"), ("/ping", "site")]);
}

/// The output of a command run inside one of the stack's services.
fn exec(stack: &Stack, service: &str, command: &[&str]) -> String {
    stack.exec(service, command)
}

/// The scheduler requests the every-minute cron service over its grant and the top-level cron's
/// public path through the gateway; the worker runs with no network shared with the gateway;
/// nobody else gains a path to the cron service.
#[test]
fn e2e_cron_runs_its_schedules_and_keeps_the_worker_off_the_gateway() {
    let Some(_engine) = engine("e2e-cron") else {
        return;
    };
    let mut stack = Stack::emit(Path::new("examples/e2e-cron/vercel.json"), "e2e-cron");
    stack.up();
    support::compose::run(
        stack
            .compose()
            .args(["exec", "-T", "svc.gateway", "nginx", "-t", "-q"]),
    );

    // crond fires at the start of each minute: within two minutes both requests have run.
    let deadline = std::time::Instant::now() + Duration::from_secs(150);
    let (mut ticks, mut access) = (String::new(), String::new());
    while std::time::Instant::now() < deadline {
        ticks = exec(&stack, "tick", &["cat", "/tmp/ticks"]);
        access = exec(&stack, "svc.gateway", &["cat", "/var/log/nginx/access.log"]);
        let pinged = access
            .lines()
            .any(|l| l.contains("\"GET /ping HTTP/1.1\" 200") && l.contains("vercel-cron/1.0"));
        if ticks.contains("vercel-cron/1.0") && pinged {
            break;
        }
        std::thread::sleep(Duration::from_secs(5));
    }
    assert!(
        ticks.contains("vercel-cron/1.0"),
        "the scheduler never requested tick; tick saw {ticks:?}; gateway log:\n{access}"
    );
    assert!(
        access.contains("\"GET /ping HTTP/1.1\" 200"),
        "the top-level cron never reached site through the gateway:\n{access}"
    );

    // The worker runs, with its topics, on no network the gateway is on.
    let running = support::compose::run(
        stack
            .compose()
            .args(["ps", "--status", "running", "-q", "churn"]),
    )
    .stdout;
    assert!(!running.is_empty(), "the worker is not running");
    let logs = support::compose::run(stack.compose().args(["logs", "churn"])).stdout;
    assert!(
        String::from_utf8_lossy(&logs).contains("working on jobs as churner"),
        "the worker did not get its topics and consumer"
    );
    let gateway_networks: BTreeSet<String> = stack.addresses("svc.gateway").into_keys().collect();
    let worker_networks: BTreeSet<String> = stack.addresses("churn").into_keys().collect();
    assert!(
        gateway_networks.is_disjoint(&worker_networks),
        "worker on {worker_networks:?}, gateway on {gateway_networks:?}"
    );

    // The scheduler is alone with the gateway; the cron service admits no one else.
    let scheduler_networks: Vec<String> = stack.addresses("svc.scheduler").into_keys().collect();
    assert_eq!(scheduler_networks.len(), 1, "{scheduler_networks:?}");
    assert!(scheduler_networks[0].ends_with("_svc.scheduler"));
    let tick_ips: Vec<String> = stack.addresses("tick").into_values().collect();
    for source in ["site", "churn"] {
        let mut probes = vec![
            ("http://tick.internal:8000/".to_string(), None),
            ("http://tick:8000/".to_string(), None),
        ];
        probes.extend(
            tick_ips
                .iter()
                .map(|ip| (format!("http://{ip}:8000/"), None)),
        );
        for ip in stack.addresses("svc.gateway").values() {
            probes.push((
                format!("http://{ip}:8000/"),
                Some("tick.internal:8000".into()),
            ));
        }
        for (answer, (url, _)) in stack.probe_from(source, &probes).iter().zip(&probes) {
            assert!(
                !answer.contains(&hello("tick")),
                "{source} reached the cron service at {url}"
            );
        }
    }
    let through_public = host_get(stack.port(), "/", "tick.internal").unwrap_or_default();
    assert!(!through_public.contains(&hello("tick")), "{through_public}");
}

/// Names `svc-aa`, `svc-ab`, ... (service names are letters, `-` and `_`).
fn letters_name(i: usize) -> String {
    let letter = |n: usize| char::from(b'a' + (n % 26) as u8);
    format!("svc-{}{}", letter(i / 26), letter(i))
}

#[test]
fn a_sixty_service_graph_comes_up() {
    let Some(_engine) = engine("a_sixty_service_graph_comes_up") else {
        return;
    };
    let dir = support::scratch_dir("compose-sixty-config");
    let names: Vec<String> = (0..60).map(letters_name).collect();
    let mut services = serde_json::Map::new();
    // The harness gives the stack a project name per process and a pool no network on the
    // engine uses: Docker can keep a stale endpoint on a network 61 containers just left.
    let mut settings = "compose:\n  gateway_image: svc-test/nginx\nservices:\n".to_string();
    for (i, name) in names.iter().enumerate() {
        std::fs::create_dir_all(dir.join(name)).unwrap();
        // `$PORT` must reach the container's shell: compose.yaml writes it as `$$PORT`.
        let command = format!(
            "sh -c 'mkdir -p /www && echo hello from {name} > /www/index.html && exec httpd -f -p \"$PORT\" -h /www'"
        );
        let mut bindings = vec![
            serde_json::json!({ "service": names[(i + 1) % 60], "format": "url", "env": "NEXT_URL" }),
        ];
        if i % 10 == 5 {
            bindings.push(
                serde_json::json!({ "service": names[0], "format": "url", "env": "FIRST_URL" }),
            );
        }
        services.insert(
            name.clone(),
            serde_json::json!({ "root": name, "command": command, "bindings": bindings }),
        );
        settings.push_str(&format!(
            "  {name}:\n    image: svc-test/busybox\n    port: {}\n",
            3000 + i
        ));
    }
    let config = serde_json::json!({
        "services": services,
        "rewrites": [{ "source": "/(.*)", "destination": { "service": names[0] } }]
    });
    std::fs::write(dir.join("vercel.json"), config.to_string()).unwrap();
    std::fs::write(dir.join("svc.yaml"), settings).unwrap();

    let mut stack = Stack::emit(&dir.join("vercel.json"), "compose-sixty");
    stack.up();
    let running =
        support::compose::run(stack.compose().args(["ps", "--status", "running", "-q"])).stdout;
    assert_eq!(
        String::from_utf8_lossy(&running).lines().count(),
        61,
        "60 services and the gateway run"
    );
    assert!(
        host_get(stack.port(), "/", "svc.test")
            .unwrap_or_default()
            .contains(&hello(&names[0]))
    );
    let from_first = stack.probe_from(
        &names[0],
        &[
            (stack.env(&names[0], "NEXT_URL"), None),
            (format!("http://{}:{}/", names[2], 3002), None),
        ],
    );
    assert!(from_first[0].contains(&hello(&names[1])), "{from_first:?}");
    assert!(!from_first[1].contains(&hello(&names[2])), "{from_first:?}");
    let from_fifth = stack.probe_from(&names[5], &[(stack.env(&names[5], "FIRST_URL"), None)]);
    assert!(from_fifth[0].contains(&hello(&names[0])), "{from_fifth:?}");
    drop(stack);
    std::fs::remove_dir_all(dir).unwrap();
}

/// A service with no Dockerfile, no image and no framework is a static site, built from the
/// Dockerfile svc generates and served by nginx (here the local stand-in svc.yaml names): its
/// files answer, and its dotfiles (but `.well-known`), manifests and links out of the site
/// never do.
#[test]
fn a_static_site_serves_its_files_and_nothing_else() {
    let Some(_engine) = engine("a_static_site_serves_its_files_and_nothing_else") else {
        return;
    };
    let dir = support::scratch_dir("static-build-project");
    let site = dir.join("site");
    std::fs::create_dir_all(site.join(".well-known")).unwrap();
    std::fs::create_dir_all(site.join("docs")).unwrap();
    std::fs::write(site.join("index.html"), "hello from site\n").unwrap();
    std::fs::write(site.join("docs/index.html"), "hello from site docs\n").unwrap();
    std::fs::write(site.join("docs/style.css"), "hello from site css\n").unwrap();
    std::fs::write(
        site.join(".well-known/security.txt"),
        "hello from site security\n",
    )
    .unwrap();
    std::fs::write(site.join(".env.local"), "SECRET=hunter2\n").unwrap();
    std::fs::write(site.join("docs/.secret"), "SECRET=hunter2\n").unwrap();
    std::fs::write(site.join("README.md"), "SECRET=hunter2\n").unwrap();
    std::fs::create_dir_all(site.join(".git")).unwrap();
    std::fs::write(site.join(".git/config"), "SECRET=hunter2\n").unwrap();
    std::fs::write(site.join("yarn.lock"), "SECRET=hunter2\n").unwrap();
    std::fs::create_dir_all(site.join("node_modules/x")).unwrap();
    std::fs::write(site.join("node_modules/x/index.js"), "SECRET=hunter2\n").unwrap();
    std::os::unix::fs::symlink("/etc/passwd", site.join("passwd")).unwrap();
    std::fs::write(
        dir.join("vercel.json"),
        r#"{ "services": { "site": { "root": "site",
               "rewrites": [
                 { "source": "/docs/:path*", "destination": "/docs/index.html" },
                 { "source": "/guide/:path*", "destination": "/nowhere.html" },
                 { "source": "/nowhere.html", "destination": "/docs/index.html" }
               ] } },
             "rewrites": [{ "source": "/(.*)", "destination": { "service": "site" } }] }"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("svc.yaml"),
        "compose:\n  gateway_image: svc-test/nginx\nbuild:\n  images:\n    static: svc-test/nginx\n",
    )
    .unwrap();
    let mut stack = Stack::emit(&dir.join("vercel.json"), "compose-static-build");
    assert!(
        std::fs::read_to_string(&stack.file)
            .unwrap()
            .contains("dockerfile_inline"),
        "the site is built from svc's Dockerfile"
    );
    stack.up();
    let port = stack.port();
    for (path, expected) in [
        ("/", "hello from site"),
        ("/index.html", "hello from site"),
        ("/docs/", "hello from site docs"),
        ("/.well-known/security.txt", "hello from site security"),
        // Files first, then the service's own rewrites (Vercel's filesystem phase), then the
        // SPA fallback: the site's index.html for any other path.
        ("/docs/style.css", "hello from site css"),
        ("/docs/intro", "hello from site docs"),
        ("/some-spa-route", "hello from site"),
        // Rewrites chain while their paths are no files: /guide/x -> /nowhere.html (none) ->
        // /docs/index.html.
        ("/guide/x", "hello from site docs"),
        ("/deep/spa/route?x=1", "hello from site"),
    ] {
        let body = eventually(
            || host_get(port, path, "svc.test").unwrap_or_default(),
            expected,
        );
        assert!(body.contains(expected), "{path}: {body}");
    }
    // Dotfiles are refused; what was removed from the site is a path like any other, which
    // the SPA fallback answers with the index page.
    for path in ["/.env.local", "/docs/.secret", "/.git/config"] {
        let body = host_get(port, path, "svc.test").unwrap_or_default();
        assert!(body.starts_with("HTTP/1.1 404"), "{path} is served: {body}");
    }
    for path in [
        "/.env.local",
        "/docs/.secret",
        "/README.md",
        "/passwd",
        "/.git/config",
        "/yarn.lock",
        "/node_modules/x/index.js",
    ] {
        let body = host_get(port, path, "svc.test").unwrap_or_default();
        assert!(
            !body.contains("hunter2") && !body.contains("root:"),
            "{path}: {body}"
        );
    }
    let uid = exec(&stack, "site", &["id", "-u"]);
    assert_eq!(
        uid.trim(),
        "10001",
        "the site runs as the unprivileged user"
    );
    drop(stack);
    std::fs::remove_dir_all(dir).unwrap();
}

/// A project without `services` is one app: here the static site of `examples/no-services`,
/// behind its redirects and headers, its files served before its rewrites, and Vercel's SPA
/// fallback after them.
#[test]
fn a_project_without_services_runs_as_one_app() {
    let Some(_engine) = engine("a_project_without_services_runs_as_one_app") else {
        return;
    };
    let dir = support::scratch_dir("no-services-project");
    support::copy_dir(Path::new("examples/no-services"), &dir);
    std::fs::write(
        dir.join("svc.yaml"),
        "compose:\n  gateway_image: svc-test/nginx\n  public_url: http://shop.test\nbuild:\n  images:\n    static: svc-test/nginx\n",
    )
    .unwrap();
    let mut stack = Stack::emit(&dir.join("vercel.json"), "compose-no-services");
    stack.up();
    let port = stack.port();
    for (path, expected) in [
        ("/", "hello from the app"),
        ("/about", "hello from about"),
        ("/assets/app.css", "hello from css"),
        ("/assets/app.css", "max-age=31536000"),
        ("/docs/intro", "hello from docs"),
        ("/docs/intro", "X-Frame-Options: DENY"),
        ("/some/spa/route", "hello from the app"),
        ("/about.html", "Location: /about"),
    ] {
        let body = eventually(
            || host_get(port, path, "svc.test").unwrap_or_default(),
            expected,
        );
        assert!(body.contains(expected), "{path}: {body}");
    }
    let body = host_get(port, "/private/x", "svc.test").unwrap_or_default();
    assert!(body.starts_with("HTTP/1.1 404"), "{body}");
    // The public URL is public, so it works from inside the stack too: it names the gateway's
    // public routing there.
    let inside = exec(&stack, "app", &["wget", "-qO-", "http://shop.test/about"]);
    assert!(inside.contains("hello from about"), "{inside}");
    let inside = exec(&stack, "app", &["wget", "-qO-", "http://shop.test/docs/x"]);
    assert!(inside.contains("hello from docs"), "{inside}");
    drop(stack);
    std::fs::remove_dir_all(dir).unwrap();
}

/// A secret's value comes from the `.env` beside compose.yaml when the stack comes up: the
/// service has it, and no file svc wrote holds it.
#[test]
fn a_secret_reaches_its_service_from_dot_env_and_no_generated_file() {
    let Some(_engine) = engine("a_secret_reaches_its_service_from_dot_env") else {
        return;
    };
    let dir = support::scratch_dir("secret-project");
    support::copy_dir(Path::new("examples/e2e-seed"), &dir);
    let settings = std::fs::read_to_string(dir.join("svc.yaml")).unwrap();
    std::fs::write(
        dir.join("svc.yaml"),
        format!("{settings}services:\n  my_backend:\n    secrets: [DB_PASSWORD]\n"),
    )
    .unwrap();
    let canary = format!("canary-{}", std::process::id());
    let mut stack = Stack::emit_with_dot_env(
        &dir.join("vercel.json"),
        "compose-secret",
        Some(&format!("DB_PASSWORD={canary}\n")),
    );
    let compose = std::fs::read_to_string(&stack.file).unwrap();
    assert!(!compose.contains(&canary));
    assert!(
        compose.contains("DB_PASSWORD: \"${DB_PASSWORD:?"),
        "{compose}"
    );
    stack.up();
    assert_eq!(
        exec(&stack, "my_backend", &["sh", "-c", "echo \"$DB_PASSWORD\""]).trim(),
        canary
    );
    drop(stack);
    std::fs::remove_dir_all(dir).unwrap();
}

/// `compose.tls`: the gateway answers HTTPS with the certificate svc.yaml names (read from the
/// file at `up`, its key readable by its owner only), TLS 1.2 and 1.3 only, and plain HTTP
/// answers every request with a permanent redirect to the same URL over HTTPS.
#[test]
fn the_gateway_serves_https_with_the_certificate_from_svc_yaml() {
    let Some(_engine) = engine("the_gateway_serves_https") else {
        return;
    };
    let (Some(openssl), Some(curl)) = (
        support::require_tool("openssl", "the_gateway_serves_https"),
        support::require_tool("curl", "the_gateway_serves_https"),
    ) else {
        return;
    };
    let dir = support::scratch_dir("tls-project");
    support::copy_dir(Path::new("examples/e2e-seed"), &dir);
    std::fs::create_dir_all(dir.join("certs")).unwrap();
    let made = std::process::Command::new(&openssl)
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-days", "2", "-subj", "/CN=seed.test"])
        .args(["-addext", "subjectAltName=DNS:seed.test"])
        .arg("-keyout")
        .arg(dir.join("certs/key.pem"))
        .arg("-out")
        .arg(dir.join("certs/cert.pem"))
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        dir.join("certs/key.pem"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let settings = std::fs::read_to_string(dir.join("svc.yaml")).unwrap();
    std::fs::write(
        dir.join("svc.yaml"),
        format!("{settings}  https_port: 0\n  tls:\n    certificate: certs/cert.pem\n    key: certs/key.pem\n"),
    )
    .unwrap();
    let mut stack = Stack::emit(&dir.join("vercel.json"), "compose-tls");
    let compose = std::fs::read_to_string(&stack.file).unwrap();
    let key = std::fs::read_to_string(dir.join("certs/key.pem")).unwrap();
    let key_body = key.lines().nth(1).unwrap();
    assert!(!compose.contains(key_body), "the key is in compose.yaml");
    stack.up();
    let published = run_ok(stack.compose().args(["port", "svc.gateway", "443"]));
    let https_port: u16 = published
        .trim()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let fetch = |tls: &[&str], path: &str| {
        std::process::Command::new(&curl)
            .args(["-sS", "--max-time", "10", "--cacert"])
            .arg(dir.join("certs/cert.pem"))
            .arg("--resolve")
            .arg(format!("seed.test:{https_port}:127.0.0.1"))
            .args(tls)
            .arg(format!("https://seed.test:{https_port}{path}"))
            .output()
            .unwrap()
    };
    for version in ["--tlsv1.2", "--tlsv1.3"] {
        let answer = fetch(&[version], "/");
        assert!(
            String::from_utf8_lossy(&answer.stdout).contains("hello from"),
            "{version}: {} {}",
            String::from_utf8_lossy(&answer.stdout),
            String::from_utf8_lossy(&answer.stderr)
        );
    }
    for old in [
        ["--tlsv1", "--tls-max", "1.0"],
        ["--tlsv1", "--tls-max", "1.1"],
    ] {
        let answer = fetch(&old, "/");
        assert!(!answer.status.success(), "{old:?} was accepted");
    }
    // Inside the stack, the public URL (`https://<dir>.localhost`) names the gateway, which
    // answers it over TLS with the same routing as outside. busybox's TLS client offers none
    // of the gateway's ciphers, so curl asks from the frontend's network namespace.
    let host = stack
        .options
        .public_url
        .trim_start_matches("https://")
        .to_string();
    let network = format!("{}_svc-my-frontend", stack.options.name);
    let gateway = stack.addresses(svc::emit::compose::GATEWAY)[&network].clone();
    let resolved = exec(&stack, "my_frontend", &["nslookup", &host]);
    assert!(resolved.contains(&gateway), "{host} inside: {resolved}");
    if let Some(nsenter) = support::require_tool("nsenter", "the_gateway_serves_https") {
        let id = run_ok(stack.compose().args(["ps", "-q", "my_frontend"]));
        let pid = run_ok(std::process::Command::new("docker").args([
            "inspect",
            "-f",
            "{{.State.Pid}}",
            id.trim(),
        ]));
        let inside = std::process::Command::new(nsenter)
            .args(["-t", pid.trim(), "-n"])
            .arg(&curl)
            .args(["-sS", "-k", "--max-time", "10", "--resolve"])
            .arg(format!("{host}:443:{gateway}"))
            .arg(format!("https://{host}/"))
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&inside.stdout).contains("hello from"),
            "inside: {}",
            String::from_utf8_lossy(&inside.stderr)
        );
    }
    let plain = support::http::request(
        stack.port(),
        "GET",
        "/some/page?q=1",
        &[("Host", "seed.test")],
    );
    assert_eq!(plain.status, 308, "{plain:?}");
    assert_eq!(
        plain.header("Location"),
        Some("https://seed.test/some/page?q=1")
    );
    drop(stack);
    std::fs::remove_dir_all(dir).unwrap();
}

fn run_ok(command: &mut std::process::Command) -> String {
    String::from_utf8_lossy(&support::compose::run(command).stdout).into_owned()
}

/// The spellings of a private service `svc check` refuses as a rewrite's destination are not
/// hypothetical: from where the gateway sits (on every service network), each one reaches the
/// service. Here each is tried from inside the running gateway container, then written into a
/// copy of the config, where `svc check` must refuse it.
#[test]
fn every_spelling_svc_refuses_reaches_a_private_service_from_the_gateway() {
    let Some(_engine) = engine("every_spelling_svc_refuses") else {
        return;
    };
    let mut stack = Stack::emit(
        Path::new("examples/e2e-seed/vercel.json"),
        "compose-spellings",
    );
    stack.up();
    let port = stack.project.services[&svc::ir::ServiceId("my_backend".into())].port;
    let network = format!("{}_svc-my-backend", stack.options.name);
    let address = stack.addresses("my_backend")[&network].clone();
    let container = format!("{}-my_backend-1", stack.options.name);
    let urls: Vec<String> = [
        "my_backend".to_string(),
        "my_backend.".to_string(),
        "MY_BACKEND.".to_string(),
        container,
        address.clone(),
    ]
    .iter()
    .map(|host| format!("http://{host}:{port}/"))
    .collect();
    let probes: Vec<(String, Option<String>)> = urls.iter().map(|u| (u.clone(), None)).collect();
    let answers = stack.probe_from(svc::emit::compose::GATEWAY, &probes);
    for (url, answer) in urls.iter().zip(&answers) {
        assert!(
            answer.contains("hello from"),
            "{url} does not reach my_backend from the gateway: {answer:?}"
        );
    }
    // Spellings only nginx reads this way (zero-padded octets as decimal, an IPv4-mapped IPv6
    // literal) are tried by a second nginx started in the gateway container.
    let padded: Vec<String> = address
        .split('.')
        .map(|octet| format!("{:0>3}", octet))
        .collect();
    let nginx_urls = [
        format!("http://{}:{port}/", padded.join(".")),
        format!("http://[::ffff:{address}]:{port}/"),
    ];
    let answers = nginx_probe(&stack, &nginx_urls);
    for (url, answer) in nginx_urls.iter().zip(&answers) {
        assert!(
            answer.contains("hello from"),
            "{url} does not reach my_backend through nginx in the gateway: {answer:?}"
        );
    }
    let pool = stack.options.subnet_pool.clone().unwrap();
    let name = stack.options.name.clone();
    drop(stack);
    for url in urls.iter().chain(&nginx_urls) {
        let dir = support::scratch_dir("spelling-project");
        support::copy_dir(Path::new("examples/e2e-seed"), &dir);
        let config = std::fs::read_to_string(dir.join("vercel.json")).unwrap();
        let leak = format!(r#""rewrites": [{{ "source": "/leak", "destination": "{url}" }},"#);
        std::fs::write(
            dir.join("vercel.json"),
            config.replacen(r#""rewrites": ["#, &leak, 1),
        )
        .unwrap();
        std::fs::write(
            dir.join("svc.yaml"),
            format!("compose:\n  name: {name}\n  subnet_pool: {pool}\n"),
        )
        .unwrap();
        let check = std::process::Command::new(env!("CARGO_BIN_EXE_svc"))
            .args(["check", "--format", "json", "-c"])
            .arg(dir.join("vercel.json"))
            .output()
            .unwrap();
        let report = String::from_utf8_lossy(&check.stdout);
        assert!(!check.status.success(), "svc check passed {url}");
        assert!(report.contains("internal-destination"), "{url}: {report}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}

/// Each URL requested through a throwaway nginx in the gateway container (one server per URL
/// on loopback, proxying to it), so it is read exactly as the gateway's nginx reads it.
fn nginx_probe(stack: &Stack, urls: &[String]) -> Vec<String> {
    let servers: String = urls
        .iter()
        .enumerate()
        .map(|(i, url)| {
            format!(
                "server {{ listen 127.0.0.1:{}; location / {{ proxy_pass {url}; }} }}\n",
                9901 + i
            )
        })
        .collect();
    let temp: String = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
        .iter()
        .map(|kind| format!("{kind}_temp_path /tmp/probe-{kind};\n"))
        .collect();
    let config = format!(
        "pid /tmp/probe.pid;\nerror_log stderr;\nworker_processes 1;\nevents {{}}\nhttp {{\naccess_log off;\n{temp}{servers}}}\n"
    );
    let requests: String = (0..urls.len())
        .map(|i| {
            format!(
                "echo \"@@$(timeout 3 wget -q -O - http://127.0.0.1:{}/ 2>&1)\"; ",
                9901 + i
            )
        })
        .collect();
    let script = format!(
        "printf '%s' \"$1\" > /tmp/probe.conf && nginx -c /tmp/probe.conf 2>&1 && sleep 1; {requests}nginx -c /tmp/probe.conf -s stop"
    );
    let output = stack.exec(
        svc::emit::compose::GATEWAY,
        &["sh", "-c", &script, "sh", &config],
    );
    output
        .split("@@")
        .skip(1)
        .map(|answer| answer.trim().to_string())
        .collect()
}
