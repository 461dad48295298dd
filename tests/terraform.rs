//! The terraform target: `terraform fmt -check` on every example's module, and the module read
//! back with hcl-rs: every reference resolves, and the security-group rules are exactly the
//! bindings and public routes of the checked graph.

mod support;

use hcl::expr::{Expression, TraversalOperator};
use hcl::{Body, Structure};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::{require_tool, scratch_dir};
use svc::emit::gateway::Limits;
use svc::emit::terraform;

fn examples() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("examples")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && p.file_name().unwrap() != "invalid")
        .collect();
    dirs.sort();
    dirs
}

fn config_of(dir: &Path) -> PathBuf {
    ["vercel.json", "vercel.yaml"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
        .unwrap()
}

fn emit(dir: &Path) -> (svc::check::Checked<svc::ir::Project>, svc::emit::Artifacts) {
    let compilation = svc::compile::compile(&config_of(dir)).unwrap();
    let project = compilation.project.unwrap();
    let gateway = Limits::from_settings(&compilation.settings.nginx);
    let options = terraform::Options {
        name: "example".to_string(),
        gateway,
        project_dir: String::new(),
        workers: svc::parallel::cores(),
    };
    let artifacts =
        terraform::emit(&project, &options).unwrap_or_else(|d| panic!("{}: {d:?}", dir.display()));
    (project, artifacts)
}

#[test]
fn every_module_is_terraform_fmt_clean() {
    let Some(terraform) = require_tool("terraform", "every_module_is_terraform_fmt_clean") else {
        return;
    };
    for dir in examples() {
        let (_, artifacts) = emit(&dir);
        let out = scratch_dir(&format!(
            "tf-fmt-{}",
            dir.file_name().unwrap().to_string_lossy()
        ));
        for (path, content) in &artifacts.files {
            let file = out.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, content).unwrap();
        }
        let output = Command::new(&terraform)
            .args(["fmt", "-check", "-diff", "-recursive"])
            .arg(&out)
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}: terraform fmt would change:\n{}",
            dir.display(),
            String::from_utf8_lossy(&output.stdout)
        );
        std::fs::remove_dir_all(out).unwrap();
    }
}

/// Every `.tf` file of the module as one body.
fn module_body(artifacts: &svc::emit::Artifacts) -> Body {
    let mut structures = Vec::new();
    for (path, content) in artifacts.files.iter().filter(|(p, _)| p.ends_with(".tf")) {
        let body: Body = hcl::parse(content).unwrap_or_else(|e| panic!("{path}: {e}"));
        structures.extend(body.into_inner());
    }
    Body::from(structures)
}

/// `type.name` of every resource, `data.type.name`, `var.name`.
fn declarations(body: &Body) -> BTreeSet<String> {
    body.blocks()
        .filter_map(|b| {
            let labels: Vec<&str> = b.labels.iter().map(|l| l.as_str()).collect();
            match (b.identifier.as_str(), labels.as_slice()) {
                ("resource", [kind, name]) => Some(format!("{kind}.{name}")),
                ("data", [kind, name]) => Some(format!("data.{kind}.{name}")),
                ("variable", [name]) => Some(format!("var.{name}")),
                _ => None,
            }
        })
        .collect()
}

/// The object each traversal refers to (`aws_lb.gateway`, `var.images`, `data.aws_vpc.this`).
fn references(body: &Body) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for structure in body.iter() {
        walk_structure(structure, &mut found);
    }
    found
}

fn walk_structure(structure: &Structure, found: &mut BTreeSet<String>) {
    match structure {
        Structure::Attribute(a) => walk_expr(&a.expr, found),
        Structure::Block(b) => b.body.iter().for_each(|s| walk_structure(s, found)),
    }
}

fn walk_expr(expr: &Expression, found: &mut BTreeSet<String>) {
    match expr {
        Expression::Traversal(t) => {
            if let Expression::Variable(root) = &t.expr {
                let attrs: Vec<&str> = t
                    .operators
                    .iter()
                    .filter_map(|op| match op {
                        TraversalOperator::GetAttr(id) => Some(id.as_str()),
                        _ => None,
                    })
                    .collect();
                let root = root.as_str();
                let reference = match (root, attrs.as_slice()) {
                    ("var", [name, ..]) => Some(format!("var.{name}")),
                    ("data", [kind, name, ..]) => Some(format!("data.{kind}.{name}")),
                    ("path" | "each" | "count" | "local", _) => None,
                    (kind, [name, ..]) => Some(format!("{kind}.{name}")),
                    _ => None,
                };
                found.extend(reference);
            }
            for op in &t.operators {
                if let TraversalOperator::Index(index) = op {
                    walk_expr(index, found);
                }
            }
        }
        Expression::Array(items) => items.iter().for_each(|e| walk_expr(e, found)),
        Expression::Object(object) => object.values().for_each(|e| walk_expr(e, found)),
        Expression::FuncCall(call) => call.args.iter().for_each(|e| walk_expr(e, found)),
        Expression::Conditional(c) => [&c.cond_expr, &c.true_expr, &c.false_expr]
            .into_iter()
            .for_each(|e| walk_expr(e, found)),
        Expression::Operation(op) => match op.as_ref() {
            hcl::expr::Operation::Unary(u) => walk_expr(&u.expr, found),
            hcl::expr::Operation::Binary(b) => {
                walk_expr(&b.lhs_expr, found);
                walk_expr(&b.rhs_expr, found);
            }
        },
        Expression::Parenthesis(inner) => walk_expr(inner, found),
        Expression::TemplateExpr(template) => {
            let text = template.to_string();
            for part in text.split("${").skip(1) {
                let inner = part.split('}').next().unwrap_or_default();
                if let Ok(expr) = hcl::parse(&format!("x = {inner}\n"))
                    .map(|b: Body| b.attributes().next().unwrap().expr.clone())
                {
                    walk_expr(&expr, found);
                }
            }
        }
        _ => {}
    }
}

#[test]
fn every_reference_points_at_something_declared() {
    for dir in examples() {
        let (_, artifacts) = emit(&dir);
        let body = module_body(&artifacts);
        let declared = declarations(&body);
        let undeclared: Vec<String> = references(&body)
            .into_iter()
            .filter(|r| !declared.contains(r))
            .collect();
        assert!(
            undeclared.is_empty(),
            "{}: undeclared {undeclared:?}",
            dir.display()
        );
        assert!(declared.len() > 10, "{}: only {declared:?}", dir.display());
    }
}

/// One ingress rule: (source group, target group, port, cidr?).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Ingress {
    from: Option<String>,
    into: String,
    port: u64,
    cidr: bool,
}

fn group_of(expr: &Expression) -> Option<String> {
    let Expression::Traversal(t) = expr else {
        return None;
    };
    match t.operators.first()? {
        TraversalOperator::GetAttr(id) => Some(id.to_string()),
        _ => None,
    }
}

fn ingress_rules(body: &Body) -> Vec<Ingress> {
    body.blocks()
        .filter(|b| {
            b.identifier.as_str() == "resource"
                && b.labels.first().map(|l| l.as_str()) == Some("aws_security_group_rule")
        })
        .filter(|b| {
            b.body
                .attributes()
                .any(|a| a.key.as_str() == "type" && a.expr == Expression::String("ingress".into()))
        })
        .map(|b| {
            let attr = |key: &str| {
                b.body
                    .attributes()
                    .find(|a| a.key.as_str() == key)
                    .map(|a| a.expr.clone())
            };
            Ingress {
                from: attr("source_security_group_id").as_ref().and_then(group_of),
                into: attr("security_group_id")
                    .as_ref()
                    .and_then(group_of)
                    .unwrap(),
                port: match attr("from_port") {
                    Some(Expression::Number(n)) => n.as_u64().unwrap(),
                    other => panic!("{other:?}"),
                },
                cidr: attr("cidr_blocks").is_some(),
            }
        })
        .collect()
}

#[test]
fn security_group_rules_are_exactly_the_bindings_public_routes_and_schedules() {
    for dir in examples() {
        let (project, artifacts) = emit(&dir);
        let mut rules = ingress_rules(&module_body(&artifacts));
        rules.sort();
        let mut expected: Vec<Ingress> = project
            .bindings
            .iter()
            .map(|b| (b.caller.0.clone(), b.target.0.clone()))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .map(|(caller, target)| Ingress {
                port: u64::from(project.services[&svc::ir::ServiceId(target.clone())].port),
                from: Some(caller),
                into: target,
                cidr: false,
            })
            .chain(project.public_services().into_iter().map(|id| Ingress {
                from: Some("_gateway".into()),
                port: u64::from(project.services[&id].port),
                into: id.0,
                cidr: false,
            }))
            // The scheduled caller, into each cron service only.
            .chain(project.scheduled_services().into_iter().map(|id| Ingress {
                from: Some("_cron_caller".into()),
                port: u64::from(project.services[&id].port),
                into: id.0,
                cidr: false,
            }))
            .chain([
                Ingress {
                    from: None,
                    into: "_alb".into(),
                    port: 80,
                    cidr: true,
                },
                Ingress {
                    from: None,
                    into: "_alb".into(),
                    port: 443,
                    cidr: true,
                },
                Ingress {
                    from: Some("_alb".into()),
                    into: "_gateway".into(),
                    port: 80,
                    cidr: false,
                },
            ])
            .collect();
        expected.sort();
        assert_eq!(rules, expected, "{}", dir.display());
        for rule in rules.iter().filter(|r| {
            project
                .services
                .contains_key(&svc::ir::ServiceId(r.into.clone()))
        }) {
            assert!(
                !rule.cidr && rule.from.as_deref() != Some("_alb"),
                "{}: {rule:?} opens a service to the outside",
                dir.display()
            );
        }
    }
}

#[test]
fn the_seed_admits_exactly_its_binding_and_the_gateway() {
    let (_, artifacts) = emit(Path::new("examples/seed"));
    let rules = ingress_rules(&module_body(&artifacts));
    let into = |group: &str| rules.iter().filter(|r| r.into == group).collect::<Vec<_>>();
    assert_eq!(
        into("my_backend"),
        [&Ingress {
            from: Some("my_frontend".into()),
            into: "my_backend".into(),
            port: 8000,
            cidr: false
        }]
    );
    assert_eq!(
        into("my_frontend"),
        [&Ingress {
            from: Some("_gateway".into()),
            into: "my_frontend".into(),
            port: 3000,
            cidr: false
        }]
    );
    let services = &artifacts.files["service_my_frontend.tf"];
    assert!(
        services.contains(r#"{ name = "BACKEND_INTERNAL_URL", value = "http://my-backend:8000" }"#),
        "{services}"
    );
}

/// Every `description` of a security group or rule, which the AWS provider validates.
fn descriptions(body: &Body) -> Vec<String> {
    body.blocks()
        .filter(|b| {
            b.labels
                .first()
                .is_some_and(|l| l.as_str().starts_with("aws_security_group"))
        })
        .filter_map(|b| {
            b.body
                .attributes()
                .find(|a| a.key.as_str() == "description")
                .map(|a| a.expr.clone())
        })
        .map(|e| match e {
            Expression::String(s) => s,
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn descriptions_use_only_what_the_aws_provider_accepts() {
    let allowed = |c: char| c.is_ascii_alphanumeric() || " ._-:/()#,@[]+=&;{}!$*".contains(c);
    for dir in examples() {
        let (_, artifacts) = emit(&dir);
        for description in descriptions(&module_body(&artifacts)) {
            assert!(
                description.chars().all(allowed),
                "{}: {description:?}",
                dir.display()
            );
        }
    }
}

#[test]
fn callers_start_after_their_targets_except_inside_a_cycle() {
    let (_, artifacts) = emit(Path::new("examples/shop"));
    let depends = |service: &str| -> Vec<String> {
        let file = &artifacts.files[&format!("service_{service}.tf")];
        let body: Body = hcl::parse(file).unwrap();
        let ecs = body
            .blocks()
            .find(|b| b.labels.first().map(|l| l.as_str()) == Some("aws_ecs_service"))
            .unwrap();
        match ecs
            .body
            .attributes()
            .find(|a| a.key.as_str() == "depends_on")
            .map(|a| a.expr.clone())
        {
            Some(Expression::Array(items)) => items.iter().map(|e| group_of(e).unwrap()).collect(),
            None => Vec::new(),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(depends("storefront"), ["api"]);
    assert_eq!(depends("admin"), ["api"]);
    assert_eq!(
        depends("api"),
        ["search"],
        "api and auth bind each other: no order between them"
    );
    assert_eq!(depends("auth"), Vec::<String>::new());
    let gateway = &artifacts.files["gateway.tf"];
    assert!(
        gateway.contains("  depends_on = [\n    aws_lb_listener.http,\n    aws_lb_listener.https,\n    aws_ecs_service.admin,\n    aws_ecs_service.api,\n    aws_ecs_service.storefront\n  ]\n"),
        "{gateway}"
    );
}

#[test]
fn service_names_that_are_hcl_keywords_stay_valid() {
    let Some(terraform) = require_tool(
        "terraform",
        "service_names_that_are_hcl_keywords_stay_valid",
    ) else {
        return;
    };
    let dir = scratch_dir("tf-keywords");
    std::fs::create_dir_all(dir.join("app")).unwrap();
    let services: serde_json::Map<String, serde_json::Value> = ["for", "if", "in", "null", "true"]
        .iter()
        .map(|n| {
            (
                n.to_string(),
                serde_json::json!({ "root": "app", "framework": "vite" }),
            )
        })
        .collect();
    std::fs::write(
        dir.join("vercel.json"),
        serde_json::json!({ "services": services }).to_string(),
    )
    .unwrap();
    let (_, artifacts) = emit(&dir);
    let out = dir.join("module");
    for (path, content) in &artifacts.files {
        std::fs::create_dir_all(out.join(path).parent().unwrap()).unwrap();
        std::fs::write(out.join(path), content).unwrap();
    }
    let status = Command::new(&terraform)
        .args(["fmt", "-check", "-recursive"])
        .arg(&out)
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .status()
        .unwrap();
    assert!(status.success());
    assert!(
        artifacts.files["service_for.tf"].contains("lookup(var.cpu, \"for\", 256)"),
        "{}",
        artifacts.files["service_for.tf"]
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[path = "../benches/support/synth.rs"]
mod synth;

/// A project whose routing outgrows a task definition (ECS caps one at 64 KiB) gets its gateway
/// config through S3: the module still formats, every reference resolves, and the gateway task
/// fetches the object before nginx starts, with a role that may read that object only.
#[test]
fn a_gateway_config_too_large_for_a_task_definition_travels_through_s3() {
    let dir = scratch_dir("tf-large");
    synth::write(600, &dir).unwrap();
    let (_, artifacts) = emit(&dir);
    let config = &artifacts.files["gateway/nginx.conf"];
    assert!(config.len() > 40 * 1024, "{} bytes", config.len());
    let body = module_body(&artifacts);
    let declared = declarations(&body);
    for resource in [
        "aws_s3_bucket.gateway_config",
        "aws_s3_bucket_public_access_block.gateway_config",
        "aws_s3_object.gateway_config",
        "aws_iam_role.gateway_task",
        "aws_iam_role_policy.gateway_task",
        "var.gateway_config_fetch_image",
    ] {
        assert!(declared.contains(resource), "{resource} missing");
    }
    let undeclared: Vec<String> = references(&body)
        .into_iter()
        .filter(|r| !declared.contains(r))
        .collect();
    assert!(undeclared.is_empty(), "undeclared {undeclared:?}");
    let gateway = &artifacts.files["gateway.tf"];
    assert!(!gateway.contains("NGINX_CONF"), "the config is not inline");
    assert!(
        gateway.contains(r#"dependsOn = [{ containerName = "config", condition = "SUCCESS" }]"#)
    );
    assert!(gateway.contains(r#""nginx", "-c", "/etc/nginx/svc/nginx.conf""#));
    assert!(gateway.contains(r#"Action = "s3:GetObject""#));
    if let Some(terraform) = support::require_tool("terraform", "tf-large") {
        let out = scratch_dir("tf-large-module");
        for (path, text) in &artifacts.files {
            let file = out.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, text).unwrap();
        }
        let status = std::process::Command::new(terraform)
            .args(["fmt", "-check", "-recursive"])
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success(), "terraform fmt -check");
        std::fs::remove_dir_all(out).unwrap();
    }
    std::fs::remove_dir_all(dir).unwrap();
}
