//! The compose target's output, checked by Compose itself and read back as data.

mod support;

use serde_json::Value;
use std::path::Path;
use std::process::Command;
use support::{require_tool, scratch_dir};
use svc::emit::compose;
use svc::emit::gateway::Limits;

/// compose.yaml for an example, written beside nothing (build contexts relative to the example).
fn emit(example: &str) -> String {
    let dir = Path::new("examples").join(example);
    let config = ["vercel.json", "vercel.yaml"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
        .unwrap();
    let compilation = svc::compile::compile(&config).unwrap();
    let project = compilation.project.unwrap();
    let gateway = Limits::from_settings(&compilation.settings.nginx);
    let options =
        compose::Options::from_settings(&compilation.settings.compose, gateway, example, "");
    compose::emit(&project, &options).unwrap().files[compose::FILE_NAME].clone()
}

fn parse(yaml: &str) -> Value {
    serde_saphyr::from_str(yaml).unwrap()
}

#[test]
fn every_example_passes_docker_compose_config() {
    let Some(docker) = require_tool("docker", "every_example_passes_docker_compose_config") else {
        return;
    };
    let has_compose = Command::new(&docker)
        .args(["compose", "version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_compose {
        assert!(
            !support::tools_required(),
            "the Docker Compose v2 plugin is missing (.ci/run installs it)"
        );
        eprintln!("SKIPPED every_example_passes_docker_compose_config: no `docker compose` plugin");
        return;
    }
    let mut checked = 0;
    for entry in std::fs::read_dir("examples").unwrap() {
        let example = entry.unwrap().path();
        let name = example.file_name().unwrap().to_string_lossy().into_owned();
        if name == "invalid" {
            continue;
        }
        // Written inside the example so build contexts resolve as they would for a user.
        let dir = scratch_dir(&format!("compose-config-{name}"));
        let file = dir.join("compose.yaml");
        let yaml = emit(&name);
        std::fs::write(&file, &yaml).unwrap();
        // Secrets come from the environment when compose reads the file.
        let secrets = support::compose::secret_names(&yaml);
        let output = Command::new(&docker)
            .envs(secrets.iter().map(|name| (name, "a-value")))
            .args(["compose", "--project-directory"])
            .arg(&example)
            .arg("-f")
            .arg(&file)
            .args(["config", "-q"])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::remove_dir_all(dir).unwrap();
        checked += 1;
    }
    assert!(checked >= 9, "only {checked} examples checked");
}

/// The names a network attachment adds.
fn aliases_of(attachment: &Value) -> Vec<&str> {
    attachment["aliases"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn networks_of<'a>(compose: &'a Value, service: &str) -> Vec<&'a str> {
    compose["services"][service]["networks"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

#[test]
fn the_seed_keeps_frontend_and_backend_apart() {
    let yaml = emit("seed");
    let compose = parse(&yaml);
    let frontend = networks_of(&compose, "my_frontend");
    let backend = networks_of(&compose, "my_backend");
    let shared: Vec<_> = frontend.iter().filter(|n| backend.contains(n)).collect();
    assert_eq!(
        shared,
        [&"egress"],
        "the only shared network is egress, with inter-container traffic off"
    );
    assert_eq!(
        compose["networks"]["egress"]["driver_opts"]["com.docker.network.bridge.enable_icc"],
        "false"
    );

    // The env var names an alias that only the gateway carries, on my_frontend's network only.
    let url = compose["services"]["my_frontend"]["environment"]["BACKEND_INTERNAL_URL"]
        .as_str()
        .unwrap();
    assert_eq!(url, "http://my-backend.internal:8000");
    let gateway_networks = compose["services"]["svc.gateway"]["networks"]
        .as_object()
        .unwrap();
    for (network, attachment) in gateway_networks {
        let aliases = aliases_of(attachment);
        assert_eq!(
            aliases.contains(&"my-backend.internal"),
            network == "svc-my-frontend",
            "{network}: {aliases:?}"
        );
    }
    // The public URL (by default `http://<name>.localhost:<port>`, which browsers on the host
    // resolve to loopback) names the gateway inside every service network, where the public
    // server listens on its port: it is public, so services reach it as the internet does.
    let config = compose["configs"]["gateway_conf"]["content"]
        .as_str()
        .unwrap();
    for (network, attachment) in gateway_networks {
        let aliases = aliases_of(attachment);
        let address = attachment["ipv4_address"].as_str().unwrap();
        let inside = network.starts_with("svc-");
        assert_eq!(aliases.contains(&"seed.localhost"), inside, "{network}");
        assert_eq!(
            config.contains(&format!("listen \"{address}:8080\";")),
            inside,
            "{network}"
        );
    }
    for service in ["my_frontend", "my_backend"] {
        assert!(
            compose["services"][service].get("ports").is_none(),
            "{service} publishes nothing"
        );
    }
    assert_eq!(
        compose["services"]["svc.gateway"]["ports"][0],
        "0.0.0.0:8080:80"
    );

    // The public server proxies only to my_frontend; my_backend is reached by the grant only.
    let config = compose["configs"]["gateway_conf"]["content"]
        .as_str()
        .unwrap();
    let backend_ip =
        compose["services"]["my_backend"]["networks"]["svc-my-backend"]["ipv4_address"]
            .as_str()
            .unwrap();
    let public_server = config.split("# binding grant").next().unwrap();
    assert!(
        !public_server.contains(backend_ip),
        "no public route reaches my_backend"
    );
    assert_eq!(
        config
            .matches(&format!("proxy_pass \"http://{backend_ip}:8000\""))
            .count(),
        1
    );
    assert!(
        config.contains("$$svc_") && !config.replace("$$", "").contains('$'),
        "every `$` is written `$$`"
    );
}

#[test]
fn a_service_svc_cannot_build_is_an_error_of_check_and_emit_naming_the_frameworks_that_would_settle_it()
 {
    let dir = scratch_dir("compose-no-image");
    std::fs::create_dir_all(dir.join("web")).unwrap();
    // A Node app of no framework Vercel detects: svc will not serve its sources as a site.
    std::fs::write(
        dir.join("web/package.json"),
        r#"{ "dependencies": { "left-pad": "1.3.0" } }"#,
    )
    .unwrap();
    std::fs::write(dir.join("web/.env.local"), "SECRET=1\n").unwrap();
    std::fs::write(
        dir.join("vercel.json"),
        r#"{ "services": { "web": { "root": "web" } } }"#,
    )
    .unwrap();
    for command in [&["check"][..], &["emit", "--target", "compose"]] {
        let output = Command::new(env!("CARGO_BIN_EXE_svc"))
            .args(command)
            .arg("-c")
            .arg(dir.join("vercel.json"))
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{command:?}: {stderr}");
        assert!(
            stderr.contains("error[cannot-build]: svc cannot build service `web`: no framework was detected, but `web` holds a package.json"),
            "{command:?}: {stderr}"
        );
        assert!(
            stderr.contains("`vite`")
                && stderr.contains("`nextjs`")
                && stderr.contains("services.web.image")
                && stderr.contains("\"runtime\": \"container\""),
            "{command:?}: {stderr}"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn dollars_from_the_config_survive_compose_interpolation() {
    let yaml = emit("yaml-containers");
    let compose = parse(&yaml);
    // A string command runs through a shell (as a Dockerfile's shell form does).
    assert_eq!(
        compose["services"]["worker"]["command"],
        serde_json::json!(["sh", "-c", "run-worker --queue default"])
    );
    let yaml = container_app(
        "compose-dollar",
        r#""command": ["sh", "-c", "echo $PORT ${HOME}"]"#,
        "FROM scratch\n",
    );
    assert_eq!(
        parse(&yaml)["services"]["app"]["command"][2],
        "echo $$PORT $${HOME}"
    );
}

#[test]
fn ambiguous_scalars_are_quoted() {
    let yaml = container_app(
        "compose-quoting",
        r#""command": "yes""#,
        "FROM scratch\nEXPOSE 22\n",
    );
    assert!(yaml.contains("- \"yes\""), "{yaml}");
    assert!(yaml.contains("PORT: \"22\""), "{yaml}");
    assert_eq!(parse(&yaml)["services"]["app"]["command"][2], "yes");
}

/// compose.yaml for one container service `app` with extra service keys and a Dockerfile.
fn container_app(test: &str, extra: &str, dockerfile: &str) -> String {
    let dir = scratch_dir(test);
    std::fs::create_dir_all(dir.join("app")).unwrap();
    std::fs::write(dir.join("app/Dockerfile"), dockerfile).unwrap();
    let config = format!(
        r#"{{ "services": {{ "app": {{ "root": "app", "runtime": "container", {extra} }} }} }}"#
    );
    std::fs::write(dir.join("vercel.json"), config).unwrap();
    let compilation = svc::compile::compile(&dir.join("vercel.json")).unwrap();
    let project = compilation.project.unwrap();
    let gateway = Limits::default();
    let options = compose::Options::from_settings(&Default::default(), gateway, "x", "");
    let yaml = compose::emit(&project, &options).unwrap().files[compose::FILE_NAME].clone();
    std::fs::remove_dir_all(dir).unwrap();
    yaml
}

/// A service with `egress: false` gets no way to the public routes from inside: they lead to
/// external origins. The others reach the public URL at the gateway on their own network.
#[test]
fn the_public_url_names_the_gateway_inside_every_network_but_egress_less_ones() {
    let compose = parse(&emit("shop"));
    let config = compose["configs"]["gateway_conf"]["content"]
        .as_str()
        .unwrap();
    let gateway = compose["services"]["svc.gateway"]["networks"]
        .as_object()
        .unwrap();
    let mut inside = 0;
    for (network, attachment) in gateway.iter().filter(|(n, _)| n.starts_with("svc-")) {
        let aliases = aliases_of(attachment);
        let address = attachment["ipv4_address"].as_str().unwrap();
        let reachable = network != "svc-search";
        assert_eq!(
            aliases.contains(&"shop-demo.localhost"),
            reachable,
            "{network}"
        );
        assert_eq!(
            config.contains(&format!("listen \"{address}:8088\";")),
            reachable,
            "{network}"
        );
        inside += usize::from(reachable);
    }
    assert!(inside >= 4, "only {inside} networks reach the public URL");
}

/// An address in the compose pool is refused however it is spelled, read as nginx reads it.
#[test]
fn rewrites_into_the_pool_are_refused_in_every_spelling() {
    let dir = scratch_dir("compose-pool-spellings");
    std::fs::create_dir_all(dir.join("web")).unwrap();
    std::fs::write(dir.join("web/index.html"), "hello").unwrap();
    std::fs::write(
        dir.join("svc.yaml"),
        "compose:\n  subnet_pool: 10.213.0.0/16\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("vercel.json"),
        r#"{ "services": { "web": { "root": "web" } },
             "routes": [{ "src": "/r", "dest": "http://10.213.0.3:3000/" }],
             "rewrites": [
               { "source": "/zero", "destination": "http://10.213.000.018/" },
               { "source": "/mapped", "destination": "http://[::ffff:10.213.0.18]:3000/" },
               { "source": "/outside", "destination": "http://10.214.0.18/" },
               { "source": "/(.*)", "destination": { "service": "web" } }
             ] }"#,
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_svc"))
        .args(["check", "--format", "json", "-c"])
        .arg(dir.join("vercel.json"))
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let keys: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "compose-internal-destination")
        .filter_map(|d| d["key"].as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "routes[0].dest",
            "rewrites[0].destination",
            "rewrites[1].destination"
        ],
        "{report}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// A caller waits for each service it binds to (healthy, when the target has a check), except
/// along a cycle of bindings, which compose would refuse and where neither could start first.
#[test]
fn callers_wait_for_their_targets_but_never_along_a_cycle() {
    let dir = scratch_dir("compose-start-order");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("Dockerfile"), "FROM scratch\nEXPOSE 8080\n").unwrap();
    let image = |name: &str, check: &str| {
        format!("  {name}:\n    image: registry.example.com/{name}:1\n{check}")
    };
    let checked = "    health:\n      command: [\"/ready\"]\n";
    std::fs::write(
        dir.join("svc.yaml"),
        format!(
            "services:\n{}{}{}{}",
            image("front", ""),
            image("ring_a", checked),
            image("ring_b", ""),
            image("leaf", checked)
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("vercel.json"),
        r#"{ "services": {
               "front": { "root": ".", "runtime": "container", "bindings": [
                 { "type": "service", "service": "ring_a", "format": "url", "env": "A_URL" },
                 { "type": "service", "service": "ring_b", "format": "url", "env": "B_URL" } ] },
               "ring_a": { "root": ".", "runtime": "container", "bindings": [
                 { "type": "service", "service": "ring_b", "format": "url", "env": "B_URL" },
                 { "type": "service", "service": "leaf", "format": "url", "env": "LEAF_URL" } ] },
               "ring_b": { "root": ".", "runtime": "container", "bindings": [
                 { "type": "service", "service": "ring_a", "format": "url", "env": "A_URL" } ] },
               "leaf": { "root": ".", "runtime": "container" } },
             "rewrites": [{ "source": "/(.*)", "destination": { "service": "front" } }] }"#,
    )
    .unwrap();
    let compilation = svc::compile::compile(&dir.join("vercel.json")).unwrap();
    let project = compilation.project.expect("the project checks clean");
    let gateway = Limits::from_settings(&compilation.settings.nginx);
    let options =
        compose::Options::from_settings(&compilation.settings.compose, gateway, "order", "");
    let yaml = compose::emit(&project, &options).unwrap().files[compose::FILE_NAME].clone();
    let compose = parse(&yaml);
    let waits = |service: &str| -> Vec<(String, String)> {
        compose["services"][service]["depends_on"]
            .as_object()
            .map(|deps| {
                deps.iter()
                    .map(|(k, v)| (k.clone(), v["condition"].as_str().unwrap().to_string()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let pair = |name: &str, condition: &str| (name.to_string(), condition.to_string());
    assert_eq!(
        waits("front"),
        vec![
            pair("ring_a", "service_healthy"),
            pair("ring_b", "service_started")
        ]
    );
    assert_eq!(waits("ring_a"), vec![pair("leaf", "service_healthy")]);
    assert_eq!(waits("ring_b"), vec![]);
    assert_eq!(waits("leaf"), vec![]);
    assert_eq!(
        compose["services"]["ring_a"]["healthcheck"]["test"],
        serde_json::json!(["CMD", "/ready"])
    );
    assert!(compose["services"]["ring_b"].get("healthcheck").is_none());
    std::fs::remove_dir_all(dir).unwrap();
}
