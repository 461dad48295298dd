//! A service's readiness check as Docker's `HEALTHCHECK` test (`["CMD", ...]` or
//! `["CMD-SHELL", line]`), which compose's `healthcheck.test` and ECS's `healthCheck.command`
//! both take. An HTTP probe runs with what the image svc built already holds: Node or Bun,
//! Python, or busybox's `wget` in the nginx and Alpine images static sites and Go binaries run
//! on. It asks over loopback, and judges the service's own first answer, not where a redirect
//! leads.

use crate::ir::{Command, HealthCheck, ImageSource, Probe, RecipeKind, Service};

/// The test, or `None` when an HTTP probe has no tool to run with (the service's image is not
/// svc's; lower refuses svc.yaml's asking for that, so this is only a guard).
pub fn test(service: &Service, check: &HealthCheck) -> Option<Vec<String>> {
    let path = match &check.probe {
        Probe::Command(Command::Exec(words)) => {
            return Some(
                std::iter::once("CMD".to_string())
                    .chain(words.iter().cloned())
                    .collect(),
            );
        }
        Probe::Command(Command::Line(line)) => {
            return Some(vec!["CMD-SHELL".to_string(), line.clone()]);
        }
        Probe::Answers => None,
        Probe::Path(path) => Some(path.as_str()),
    };
    let ImageSource::Recipe(recipe) = service.image_source() else {
        return None;
    };
    let port = service.port;
    let url = format!("http://127.0.0.1:{port}{}", path.unwrap_or("/"));
    let words = match &recipe.kind {
        RecipeKind::Next { node, .. } | RecipeKind::Node { node, .. } => {
            let exit = if path.is_some() {
                "r.status<400?0:1"
            } else {
                "0"
            };
            vec![
                "CMD".to_string(),
                crate::emit::dockerfile::runtime_binary(node).to_string(),
                "-e".to_string(),
                format!(
                    "fetch({url:?},{{redirect:\"manual\"}}).then(r=>process.exit({exit}),()=>process.exit(1))"
                ),
            ]
        }
        RecipeKind::Python { .. } => {
            let exit = if path.is_some() {
                "0 if s<400 else 1"
            } else {
                "0"
            };
            let request_path = path.unwrap_or("/");
            vec![
                "CMD".to_string(),
                "python".to_string(),
                "-c".to_string(),
                format!(
                    "import http.client,sys;c=http.client.HTTPConnection(\"127.0.0.1\",{port},timeout={});c.request(\"GET\",{request_path:?});s=c.getresponse().status;sys.exit({exit})",
                    check.timeout
                ),
            ]
        }
        RecipeKind::Site { .. } | RecipeKind::Files { .. } | RecipeKind::Go { .. } => match path {
            // busybox's wget follows redirects and fails on some statuses below 400: the first
            // status line it prints (`-S`) is the service's own answer.
            Some(_) => vec![
                "CMD-SHELL".to_string(),
                format!(
                    "wget -S -O /dev/null {url} 2>&1 | grep -m1 '^  HTTP/' | grep -q ' [23][0-9][0-9] '"
                ),
            ],
            None => answers_with_wget(&url),
        },
    };
    Some(words)
}

/// Any HTTP answer at `url`, asked with busybox's `wget`, which fails on a 404 as on a refused
/// connection: the status line it prints (`-S`) tells them apart. No `-T`: the check's own
/// timeout stops it, and some busybox builds crash on `-T`.
pub fn answers_with_wget(url: &str) -> Vec<String> {
    vec![
        "CMD-SHELL".to_string(),
        format!("wget -S -O /dev/null {url} 2>&1 | grep -q '^  HTTP/'"),
    ]
}
