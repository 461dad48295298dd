//! What must hold for any input, checked by the fuzz targets and by the corpus replay in
//! `cargo test`. A broken invariant panics with what broke; so does svc itself.

use super::config_input::{ConfigInput, ROOTS};
use super::nginx_tokens;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use svc::compile::{Compilation, compile};
use svc::emit::gateway::{Gateway, Host, Limits, Standalone};
use svc::emit::registry::TARGETS;
use svc::emit::request::{Request, run};
use svc::source::SourceMap;

/// Raw bytes as a config file named `file_name` (its extension picks the syntax), through read
/// and parse; every diagnostic renders.
pub fn read_and_parse(bytes: &[u8], file_name: &str) {
    let path = Path::new(file_name);
    let Ok(file) = svc::read::source_from_bytes(path, bytes) else {
        return;
    };
    let mut diagnostics = svc::diag::Diagnostics::default();
    let mut sources = SourceMap::default();
    let id = sources.add(file);
    if let Some(tree) = svc::read::parse_tree(sources.get(id), id, &mut diagnostics) {
        let mut decoder = svc::parse::decode::Decoder::new(id, &mut diagnostics);
        let _ = svc::parse::parse_config(&tree, &mut decoder);
        let mut decoder = svc::parse::decode::Decoder::new(id, &mut diagnostics);
        let _ = svc::parse::settings::parse_settings(&tree, &mut decoder);
    }
    let _ = svc::render::human(&diagnostics, &sources, false);
    let _ = svc::render::json(&diagnostics, &sources);
}

/// A structured input through the whole pipeline.
/// Whether the input got as far as emitting every target (see [`pipeline_files`]).
pub fn pipeline(input: &ConfigInput) -> bool {
    let (config, settings) = input.to_files();
    pipeline_files(&config, &settings)
}

/// A config and settings through the whole pipeline: a rejected config renders its
/// diagnostics; an accepted one emits every target, and every output re-parses. True when it
/// got that far: every target emitted and every output was checked.
pub fn pipeline_files(config: &Value, settings: &Value) -> bool {
    let dir = project_dir();
    let config_path = dir.join("vercel.json");
    write(&config_path, &config.to_string());
    write(&dir.join("svc.json"), &settings.to_string());
    let Ok(compilation) = compile(&config_path) else {
        return false;
    };
    let _ = svc::render::human(&compilation.diagnostics, &compilation.sources, false);
    let _ = svc::render::json(&compilation.diagnostics, &compilation.sources);
    if compilation.project.is_none() {
        return false;
    }
    let request = Request {
        compilation: &compilation,
        config_path: &config_path,
        targets: TARGETS,
        out: None,
    };
    let Ok(output) = run(&request) else {
        return false;
    };
    let meant = meant_gateway(&compilation);
    for (path, content) in &output.files {
        check_file(path, content, meant.as_deref());
    }
    true
}

fn check_file(path: &str, content: &str, meant: Option<&[nginx_tokens::Directive]>) {
    if path.ends_with(".tf") {
        if let Err(e) = hcl::parse(content) {
            panic!("{path} does not parse as HCL: {e}\n{content}");
        }
    } else if path.ends_with(".yaml") {
        // A compose file is one document; a Kubernetes manifest may hold several.
        let docs: Vec<Value> = serde_saphyr::from_multiple(content)
            .unwrap_or_else(|e| panic!("{path} does not parse as YAML: {e}\n{content}"));
        for doc in &docs {
            for config in gateway_configs(doc) {
                if let Err(e) = nginx_tokens::read(&config.replace("$$", "$")) {
                    panic!("the gateway config in {path} does not read as nginx: {e}\n{config}");
                }
            }
            if let Some(config) = doc.pointer("/data/nginx.conf").and_then(Value::as_str)
                && let Err(e) = nginx_tokens::read(config)
            {
                panic!("the gateway config in {path} does not read as nginx: {e}\n{config}");
            }
        }
    } else if path.ends_with("nginx.conf") {
        let read = nginx_tokens::read(content)
            .unwrap_or_else(|e| panic!("{path} does not read as nginx: {e}\n{content}"));
        // The terraform gateway prints the same routing with AWS's resolver; only the nginx
        // target's file is compared whole.
        let meant = meant.filter(|_| path == "nginx/nginx.conf");
        if let Some(difference) = meant.and_then(|m| nginx_tokens::first_difference(&read, m)) {
            panic!("{path}: nginx would read other directives than svc meant: {difference}");
        }
    }
}

/// The directives svc meant to write for the nginx target's gateway.
fn meant_gateway(compilation: &Compilation) -> Option<Vec<nginx_tokens::Directive>> {
    let project = compilation.project.as_ref()?;
    let settings = &compilation.settings.nginx;
    let host = Host::Standalone(Standalone::from_settings(project, settings));
    let gateway = Gateway::build(project, &host, &Limits::from_settings(settings)).ok()?;
    Some(nginx_tokens::meant(&gateway.config()))
}

/// Compose `configs.*.content` strings.
fn gateway_configs(doc: &Value) -> Vec<&str> {
    let Some(configs) = doc.get("configs").and_then(Value::as_object) else {
        return Vec::new();
    };
    configs
        .values()
        .filter_map(|config| config.get("content").and_then(Value::as_str))
        .collect()
}

fn write(path: &Path, text: &str) {
    if let Err(e) = std::fs::write(path, text) {
        panic!("cannot write {}: {e}", path.display());
    }
}

/// A project directory per process, with the roots the generator picks from.
fn project_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("svc-fuzz-{}", std::process::id()));
        let files = [
            (
                "web/package.json",
                r#"{"dependencies":{"vite":"5.0.0"},"scripts":{"build":"vite build"}}"#,
            ),
            (
                "api/main.py",
                "from fastapi import FastAPI\napp = FastAPI()\n",
            ),
            ("api/requirements.txt", "fastapi\nuvicorn\n"),
            ("worker/worker.py", "print('work')\n"),
            ("docs/index.html", "<h1>docs</h1>\n"),
        ];
        for root in ROOTS {
            let _ = std::fs::create_dir_all(dir.join(root));
        }
        for (path, text) in files {
            write(&dir.join(path), text);
        }
        dir
    })
}
