//! The terraform target: an AWS ECS Fargate root module where security groups enforce the
//! bindings. Users bring the VPC; svc brings everything that runs in it. See docs/terraform.md.

mod ecs;
#[cfg(test)]
mod fmt;
mod gateway_config;
mod hcl;
mod images;
mod network;
mod print;
mod schedules;
mod services;
mod start_order;

use crate::check::Checked;
use crate::diag::Code;
use crate::diag::{Diagnostic, Diagnostics};
use crate::emit::Artifacts;
use crate::emit::gateway::{Ecs, Gateway, Host, Limits};
use crate::ir::Project;
use hcl::{block, expr};

/// A pinned official nginx image; the gateway's config arrives in an environment variable.
/// The official nginx image from ECR Public: no Docker Hub rate limits through a NAT.
pub const DEFAULT_GATEWAY_IMAGE: &str = "public.ecr.aws/nginx/nginx:1.27.5-alpine";
/// Where the gateway answers the load balancer's health checks, whatever the routes say.
pub const HEALTH_PATH: &str = "/__svc/health";
/// The Amazon-provided DNS server in every VPC, for the gateway's external rewrites.
const VPC_RESOLVER: &str = "169.254.169.253";
/// Names svc's own resources use; a service may not take them.
/// svc's own parts that share a resource type with the services' (tasks, ECS services, log
/// groups, security groups) start with `_`, which no service name can, so a service may be
/// called `gateway`.
pub const GATEWAY: &str = "_gateway";
/// The load balancer's security group.
pub const EDGE_GROUP: &str = "_alb";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Prefix of every AWS name (cluster, roles, log groups).
    pub name: String,
    /// Limits and timeouts for the gateway; addresses are this target's own.
    pub gateway: Limits,
    /// The project directory as seen from the module's directory (`""` when the same), for
    /// build contexts.
    pub project_dir: String,
    /// Threads the service files may be built on; output is the same for any number.
    pub workers: usize,
}

/// The terraform target in the registry: the longest, so it starts on the second thread.
pub const TARGET: crate::emit::target::Target = crate::emit::target::Target {
    name: "terraform",
    start_rank: 1,
    emit: |run| {
        let options = Options {
            name: crate::emit::compose::project_name(&run.dir_name()),
            gateway: run.gateway_limits(),
            project_dir: run.project_dir(),
            // The cores are shared out among the targets that run side by side.
            workers: (crate::parallel::cores() / run.side_by_side).max(1),
        };
        emit(run.project, &options)
    },
};

pub fn emit(project: &Checked<Project>, options: &Options) -> Result<Artifacts, Diagnostics> {
    let internal = |reason: String| {
        let mut diags = Diagnostics::default();
        diags.push(Diagnostic::error(Code::TerraformInternal, reason));
        diags
    };
    let schedules = schedules::blocks(project).map_err(internal)?;
    let gateway_config = gateway_config(project, options)?;
    let delivery = gateway_config::Delivery::for_size(gateway_config.len());
    let mut files = vec![
        ("versions.tf".to_string(), versions()),
        (
            "variables.tf".to_string(),
            variables(project, options, delivery),
        ),
        ("main.tf".to_string(), main(project)),
        ("gateway.tf".to_string(), gateway(project, delivery)),
        ("outputs.tf".to_string(), outputs(project, options)),
    ];
    if !schedules.is_empty() {
        files.push(("schedules.tf".to_string(), Ok(schedules)));
    }
    let mut artifacts = Artifacts::default();
    let mut printer = print::Printer::default();
    for (name, blocks) in files {
        let text = blocks
            .and_then(|blocks| printer.file(&blocks))
            .map_err(internal)?;
        artifacts.files.insert(name, text);
    }
    // Each service's blocks are formatted as soon as they are built: holding every service's
    // syntax tree until the end cost more memory than the text they become. On a large
    // project the files are built side by side.
    let order = start_order::StartOrder::new(project);
    let all: Vec<&crate::ir::Service> = project.services.values().collect();
    let files = crate::parallel::map_with(
        &all,
        if all.len() >= crate::parallel::PARALLEL_FROM {
            options.workers
        } else {
            1
        },
        print::Printer::default,
        |printer, service| {
            services::service(project, service, &order).and_then(|blocks| printer.file(&blocks))
        },
    );
    for (service, text) in all.iter().zip(files) {
        artifacts.files.insert(
            format!("service_{}.tf", service.name),
            text.map_err(internal)?,
        );
    }
    artifacts
        .files
        .insert(gateway_config::GATEWAY_CONFIG.to_string(), gateway_config);
    artifacts
        .files
        .extend(images::dockerfiles(project).map_err(internal)?);
    artifacts.files.insert(
        images::README.to_string(),
        images::readme(project, &options.project_dir),
    );
    Ok(artifacts)
}

/// The public edge: load balancer, gateway, and their security groups.
fn gateway(
    project: &Project,
    delivery: gateway_config::Delivery,
) -> Result<Vec<::hcl::Block>, String> {
    let mut blocks = services::gateway(project, delivery)?;
    blocks.extend(network::edge()?);
    Ok(blocks)
}

/// The gateway's config, reaching each public service at its Service Connect alias.
fn gateway_config(project: &Checked<Project>, options: &Options) -> Result<String, Diagnostics> {
    let host = Host::Ecs(Ecs {
        resolver: VPC_RESOLVER.to_string(),
        health_path: HEALTH_PATH.to_string(),
    });
    Ok(Gateway::build(project, &host, &options.gateway)?.print())
}

fn versions() -> Result<Vec<::hcl::Block>, String> {
    Ok(vec![
        block("terraform", &[])
            .str("required_version", ">= 1.5.0")
            .child(block("required_providers", &[]).raw(
                "aws",
                "{\n source = \"hashicorp/aws\"\n version = \"~> 5.0\"\n }",
            )?)
            .build(),
        block("provider", &["aws"])
            .raw("region", "var.aws_region")?
            .child(block("default_tags", &[]).raw("tags", "var.tags")?)
            .build(),
    ])
}

fn variable(name: &str, description: &str, kind: &str) -> Result<hcl::BlockBuilder, String> {
    block("variable", &[name])
        .str("description", description)
        .raw("type", kind)
}

/// A project name as AWS names allow it: lowercase letters, digits and `-`, at most 20
/// characters (a load balancer name is 32, and `-gw` is added).
pub fn aws_name(name: &str) -> String {
    let cleaned: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let trimmed: String = cleaned.trim_matches('-').chars().take(20).collect();
    let trimmed = trimmed.trim_end_matches('-').to_string();
    if trimmed.is_empty() {
        "svc".to_string()
    } else {
        trimmed
    }
}

fn variables(
    project: &Project,
    options: &Options,
    delivery: gateway_config::Delivery,
) -> Result<Vec<::hcl::Block>, String> {
    let names = project
        .services
        .keys()
        .map(|s| hcl::string(s.as_str()))
        .collect();
    // length(setsubtract([names], keys(var.images))) == 0
    let every_image_set = ::hcl::expr::BinaryOp::new(
        hcl::call(
            "length",
            vec![hcl::call(
                "setsubtract",
                vec![
                    hcl::array(names),
                    hcl::call("keys", vec![expr("var.images")?]),
                ],
            )],
        ),
        ::hcl::expr::BinaryOperator::Eq,
        hcl::number(0),
    );
    let mut blocks = vec![
        variable(
            "name",
            "Prefix of every AWS name (cluster, roles, load balancer, log groups); set it per environment to run several in one account.",
            "string",
        )?
        .str("default", &aws_name(&options.name))
        .child(
            block("validation", &[])
                .raw("condition", "can(regex(\"^[a-z0-9][a-z0-9-]{0,19}$\", var.name)) && !startswith(var.name, \"internal\")")?
                .str("error_message", "Use 1 to 20 lowercase letters, digits and hyphens, not starting with `internal` (load balancer names are short, and may not start with `internal-`)."),
        )
        .build(),
        variable(
            "aws_region",
            "AWS region to deploy into, e.g. eu-west-1.",
            "string",
        )?
        .build(),
        variable("vpc_id", "The VPC every resource is created in.", "string")?.build(),
        variable(
            "public_subnet_ids",
            "Public subnets for the internet-facing load balancer (at least two zones).",
            "list(string)",
        )?
        .build(),
        variable(
            "private_subnet_ids",
            "Private subnets the services and the gateway run in.",
            "list(string)",
        )?
        .build(),
        variable(
            "images",
            "Container image for each service, by service name.",
            "map(string)",
        )?
        .child(
            block("validation", &[])
                .attr("condition", every_image_set.into())
                .str(
                    "error_message",
                    &format!(
                        "Set an image for every service: {}.",
                        project
                            .services
                            .keys()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
        )
        .build(),
        variable(
            "gateway_image",
            "The nginx image the gateway runs; its config is passed in, not baked in.",
            "string",
        )?
        .str("default", DEFAULT_GATEWAY_IMAGE)
        .build(),
        variable(
            "allowed_cidrs",
            "CIDR blocks allowed to reach the load balancer.",
            "list(string)",
        )?
        .raw("default", "[\"0.0.0.0/0\"]")?
        .build(),
        variable(
            "certificate_arn",
            "ACM certificate for HTTPS; when set, HTTP redirects to HTTPS.",
            "string",
        )?
        .raw("default", "null")?
        .build(),
        // Per-service maps default to empty: each lookup carries the default, so a module of
        // thousands of services does not spell out thousands of defaults.
        variable(
            "cpu",
            "Fargate CPU units by service name; a service not listed gets 256.",
            "map(number)",
        )?
        .raw("default", "{}")?
        .build(),
        variable(
            "memory",
            "Fargate memory (MiB) by service name; a service not listed gets 512.",
            "map(number)",
        )?
        .raw("default", "{}")?
        .build(),
        variable(
            "desired_count",
            "Running tasks by service name; a service not listed runs its svc.yaml `replicas` (default 1).",
            "map(number)",
        )?
        .raw("default", "{}")?
        .build(),
        variable(
            "tags",
            "Tags on every resource that takes them.",
            "map(string)",
        )?
        .raw("default", "{\n ManagedBy = \"svc\"\n }")?
        .build(),
        variable(
            "log_retention_days",
            "Days CloudWatch keeps each service's logs.",
            "number",
        )?
        .raw("default", "30")?
        .build(),
    ];
    if let Some(declared) = declared_secrets(project) {
        blocks.push(
            variable(
                "secrets",
                "For each service, the ARN of each secret svc.yaml declares for it (an SSM parameter or a Secrets Manager secret), by variable name; ECS reads them when a task starts.",
                "map(map(string))",
            )?
            .child(
                block("validation", &[])
                    .raw(
                        "condition",
                        &format!("alltrue([for service, names in {declared} : alltrue([for name in names : can(var.secrets[service][name])])])"),
                    )?
                    .str(
                        "error_message",
                        &format!("Give an ARN for every secret svc.yaml declares: {declared}."),
                    ),
            )
            .build(),
        );
    }
    if uses_public_url(project) {
        blocks.push(
            variable(
                "public_url",
                "The origin the project is reached at (e.g. https://shop.example.com), for the URLs injected into services and requested by crons; default: the load balancer's.",
                "string",
            )?
            .raw("default", "null")?
            .build(),
        );
    }
    if delivery == gateway_config::Delivery::S3 {
        blocks.push(
            variable(
                "gateway_config_fetch_image",
                "The AWS CLI image that copies the gateway's config from S3 when the task starts.",
                "string",
            )?
            .str("default", gateway_config::DEFAULT_FETCH_IMAGE)
            .build(),
        );
    }
    if project.requests_on_schedule() {
        blocks.push(
            variable(
                "cron_caller_image",
                "The image whose wget requests cron targets at their times.",
                "string",
            )?
            .str("default", schedules::DEFAULT_CALLER_IMAGE)
            .build(),
        );
    }
    Ok(blocks)
}

/// Whether anything needs the project's public origin.
fn uses_public_url(project: &Project) -> bool {
    project.requests_public_paths_on_schedule()
        || project.services.values().any(|s| {
            s.env
                .values()
                .any(|v| matches!(v, crate::ir::EnvValue::PublicUrl(_)))
        })
}

/// The memory sizes (MiB) Fargate runs with each CPU size, as an HCL map: every task
/// definition's precondition checks its pair against it.
fn fargate_memory() -> String {
    let range = |low: u64, high: u64, step: u64| -> Vec<u64> {
        (low..=high).step_by(step as usize).collect()
    };
    let sizes: [(u64, Vec<u64>); 7] = [
        (256, vec![512, 1024, 2048]),
        (512, range(1024, 4096, 1024)),
        (1024, range(2048, 8192, 1024)),
        (2048, range(4096, 16384, 1024)),
        (4096, range(8192, 30720, 1024)),
        (8192, range(16384, 61440, 4096)),
        (16384, range(32768, 122880, 8192)),
    ];
    let entries: Vec<String> = sizes
        .iter()
        .map(|(cpu, memory)| {
            let memory: Vec<String> = memory.iter().map(u64::to_string).collect();
            format!("\"{cpu}\" = [{}]", memory.join(", "))
        })
        .collect();
    format!("{{\n{}\n}}", entries.join("\n"))
}

/// The secrets each service declares, as an HCL object of lists (`{ "api" = ["TOKEN"] }`),
/// when any does.
fn declared_secrets(project: &Project) -> Option<String> {
    let entries: Vec<String> = project
        .services
        .values()
        .filter(|s| !s.secrets.is_empty())
        .map(|s| {
            let names: Vec<String> = s.secrets.iter().map(|n| format!("\"{n}\"")).collect();
            format!("\"{}\" = [{}]", s.name, names.join(", "))
        })
        .collect();
    (!entries.is_empty()).then(|| format!("{{ {} }}", entries.join(", ")))
}

/// Every service's name, as an HCL set for `for_each`.
fn service_names(project: &Project) -> String {
    let names: Vec<String> = project
        .services
        .keys()
        .map(|name| format!("\"{name}\""))
        .collect();
    format!("toset([{}])", names.join(", "))
}

fn main(project: &Project) -> Result<Vec<::hcl::Block>, String> {
    let assume = "jsonencode({\n Version = \"2012-10-17\"\n Statement = [{\n Effect = \"Allow\"\n Principal = { Service = \"ecs-tasks.amazonaws.com\" }\n Action = \"sts:AssumeRole\"\n }]\n })";
    let mut blocks = vec![
        block("resource", &["aws_ecs_cluster", "this"])
            .raw("name", "var.name")?
            // CPU, memory and restarts per service and task, in CloudWatch.
            .child(
                block("setting", &[])
                    .str("name", "containerInsights")
                    .str("value", "enabled"),
            )
            .build(),
        block("resource", &["aws_service_discovery_http_namespace", "this"])
            .raw("name", "\"${var.name}.svc\"")?
            .str("description", "Service Connect names: each service's hostname, reachable only where a security group allows it.")
            .build(),
        block("resource", &["aws_iam_role", "task_execution"])
            // Role names are account-wide: a prefix gets a unique suffix, so the same `name` in
            // two regions does not collide.
            .raw("name_prefix", "\"${var.name}-task-execution-\"")?
            .raw("assume_role_policy", assume)?
            .build(),
        block("resource", &["aws_iam_role_policy_attachment", "task_execution"])
            .raw("role", "aws_iam_role.task_execution.name")?
            .str("policy_arn", "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
            .build(),
        // Each service's own AWS identity, with no permission: attach what it needs to
        // `aws_iam_role.service_task["<name>"]`, and no other service gains it.
        block("resource", &["aws_iam_role", "service_task"])
            .raw("for_each", &service_names(project))?
            .raw("name_prefix", "\"${substr(\"${var.name}-${each.key}\", 0, 37)}-\"")?
            .raw("assume_role_policy", assume)?
            .build(),
        block("data", &["aws_vpc", "this"]).raw("id", "var.vpc_id")?.build(),
        block("locals", &[])
            .raw("fargate_memory", &fargate_memory())?
            .build(),
    ];
    if declared_secrets(project).is_some() {
        // Tasks start with their secrets read by the execution role: exactly the ARNs given.
        blocks.push(
            block("resource", &["aws_iam_role_policy", "task_execution_secrets"])
                .raw("name", "\"${var.name}-secrets\"")?
                .raw("role", "aws_iam_role.task_execution.id")?
                .raw("policy", "jsonencode({\n Version = \"2012-10-17\"\n Statement = [{\n Effect = \"Allow\"\n Action = [\"ssm:GetParameters\", \"secretsmanager:GetSecretValue\"]\n Resource = distinct(flatten([for arns in values(var.secrets) : values(arns)]))\n }]\n })")?
                .build(),
        );
    }
    if uses_public_url(project) {
        blocks.push(
            block("locals", &[])
                .attr("public_url", expr("coalesce(var.public_url, var.certificate_arn == null ? \"http://${aws_lb.gateway.dns_name}\" : \"https://${aws_lb.gateway.dns_name}\")")?)
                .build(),
        );
    }
    // A service without internet egress still pulls image layers from S3.
    if project.services.values().any(|s| !s.egress) {
        blocks.push(
            block("data", &["aws_prefix_list", "s3"])
                .raw("name", "\"com.amazonaws.${var.aws_region}.s3\"")?
                .build(),
        );
    }
    Ok(blocks)
}

fn outputs(project: &Project, options: &Options) -> Result<Vec<::hcl::Block>, String> {
    Ok(vec![
        images::output(project, &options.project_dir)?,
        block("output", &["alb_dns_name"])
            .str("description", "DNS name of the load balancer in front of the gateway.")
            .raw("value", "aws_lb.gateway.dns_name")?
            .build(),
        block("output", &["public_url"])
            .str("description", "The project's public URL.")
            .attr("value", expr("var.certificate_arn == null ? \"http://${aws_lb.gateway.dns_name}\" : \"https://${aws_lb.gateway.dns_name}\"")?)
            .build(),
    ])
}

#[cfg(test)]
mod fargate_tests {
    use super::fargate_memory;

    /// The pairs AWS documents for Fargate task sizes: spot checks at each CPU size's edges.
    #[test]
    fn memory_sizes_follow_fargates_table() {
        let table = fargate_memory();
        let sizes = |cpu: &str| -> Vec<u64> {
            let line = table
                .lines()
                .find(|l| l.starts_with(&format!("\"{cpu}\" = [")))
                .unwrap_or_else(|| panic!("no {cpu}: {table}"));
            line.split(['[', ']'])
                .nth(1)
                .unwrap()
                .split(", ")
                .map(|n| n.parse().unwrap())
                .collect()
        };
        assert_eq!(sizes("256"), [512, 1024, 2048]);
        assert_eq!(sizes("512"), [1024, 2048, 3072, 4096]);
        assert_eq!(sizes("1024").first(), Some(&2048));
        assert_eq!(sizes("1024").last(), Some(&8192));
        assert_eq!(sizes("4096").len(), 23);
        assert_eq!(sizes("8192").last(), Some(&61440));
        assert_eq!(
            sizes("16384"),
            (4..=15).map(|k| k * 8192).collect::<Vec<u64>>()
        );
        assert!(!table.contains("\"128\""));
    }
}
