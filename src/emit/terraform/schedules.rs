//! Scheduled work as EventBridge Scheduler schedules, each with its own IAM role that may run
//! exactly one task definition. A job's schedule runs the job's own task to completion; a cron
//! service's or a top-level cron's schedule runs a small caller task that requests the target
//! once. The caller has its own security group, admitted by each cron service on its port only
//! (a grant, like a binding); a cron service is found by a Cloud Map DNS name, since tasks that
//! RunTask starts cannot use Service Connect.

use super::hcl::{BlockBuilder, array, block, call, expr, number, object, string};
use crate::ir::{CRON_SECRET, Call, CronSecret, Project, Scheduled, ServiceId};
use ::hcl::{Block, Expression};

pub use super::ecs::CALLER;
/// Busybox's wget, from ECR Public (no Docker Hub rate limits through a NAT).
pub const DEFAULT_CALLER_IMAGE: &str = "public.ecr.aws/docker/library/busybox:1.37.0";
const NAMESPACE: &str = "aws_service_discovery_private_dns_namespace.schedules";

/// A cron service's Cloud Map registration, for its ECS service's `service_registries`.
pub fn registry(service: &ServiceId) -> Result<BlockBuilder, String> {
    block("service_registries", &[]).raw(
        "registry_arn",
        &format!("aws_service_discovery_service.{service}.arn"),
    )
}

/// Everything in `schedules.tf`.
pub fn blocks(project: &Project) -> Result<Vec<Block>, String> {
    let mut blocks = Vec::new();
    let cron_services = project.scheduled_services();
    if !cron_services.is_empty() {
        blocks.push(namespace()?);
        for service in &cron_services {
            blocks.push(discovery(service)?);
        }
    }
    if project.requests_on_schedule() {
        blocks.extend(caller(project)?);
    }
    let mut counters = std::collections::BTreeMap::new();
    for (index, scheduled) in project.scheduled().into_iter().enumerate() {
        let label = match scheduled.call {
            Call::PublicPath(_) => format!("cron_{index}"),
            Call::Service(id) | Call::Job(id) => {
                let n = counters.entry(id).or_insert(0usize);
                *n += 1;
                format!("{id}_schedule_{}", *n - 1)
            }
        };
        blocks.extend(schedule(project, &scheduled, &label)?);
    }
    Ok(blocks)
}

fn namespace() -> Result<Block, String> {
    Ok(block("resource", &["aws_service_discovery_private_dns_namespace", "schedules"])
        .raw("name", "\"${var.name}.cron.internal\"")?
        .str("description", "DNS names of the cron services, for the scheduled caller only (security groups admit nobody else).")
        .raw("vpc", "var.vpc_id")?
        .build())
}

fn discovery(service: &ServiceId) -> Result<Block, String> {
    Ok(block(
        "resource",
        &["aws_service_discovery_service", service.as_str()],
    )
    .str("name", &crate::naming::dns_label(service.as_str()))
    .child(
        block("dns_config", &[])
            .raw("namespace_id", &format!("{NAMESPACE}.id"))?
            .str("routing_policy", "MULTIVALUE")
            .child(
                block("dns_records", &[])
                    .attr("ttl", number(10))
                    .str("type", "A"),
            ),
    )
    .build())
}

/// The caller: a task definition whose command each schedule overrides with its own URL.
/// Run without a schedule's overrides, it fails saying so, rather than succeed doing nothing.
fn caller(project: &Project) -> Result<Vec<Block>, String> {
    let unscheduled = "echo 'svc: the cron caller requests what its schedule passes in its command override; it was started without one' >&2; exit 64";
    let mut container = vec![
        ("name", string(CALLER)),
        ("image", expr("var.cron_caller_image")?),
        ("essential", Expression::Bool(true)),
        (
            "command",
            array(vec![string("sh"), string("-c"), string(unscheduled)]),
        ),
    ];
    let secrets = cron_secrets(project)?;
    if !secrets.is_empty() {
        container.push(("secrets", array(secrets)));
    }
    container.push(("logConfiguration", super::ecs::logging(CALLER)?));
    let container = object(container);
    let mut blocks = vec![
        super::ecs::log_group(CALLER)?,
        super::ecs::task(
            CALLER,
            &format!("\"${{var.name}}-{CALLER}\""),
            number(256),
            number(512),
            container,
            None,
        )?,
    ];
    blocks.extend(super::network::caller_group()?);
    Ok(blocks)
}

/// The caller's variable holding a cron service's `CRON_SECRET` when svc.yaml keeps it a
/// secret: one per service, since each may have its own.
fn cron_secret_variable(service: &crate::ir::Service) -> String {
    format!(
        "CRON_SECRET_{}",
        service.hostname.to_ascii_uppercase().replace('-', "_")
    )
}

/// Each such secret, read by ECS from the ARN the service's own comes from.
fn cron_secrets(project: &Project) -> Result<Vec<Expression>, String> {
    project
        .scheduled_services()
        .iter()
        .map(|id| &project.services[id])
        .filter(|service| service.cron_secret() == Some(CronSecret::Secret))
        .map(|service| {
            Ok(object(vec![
                ("name", string(&cron_secret_variable(service))),
                (
                    "valueFrom",
                    expr(&format!(
                        "var.secrets[\"{}\"][\"{CRON_SECRET}\"]",
                        service.name
                    ))?,
                ),
            ]))
        })
        .collect()
}

/// What the caller requests for one schedule.
fn url(project: &Project, call: Call) -> Result<Expression, String> {
    Ok(match call {
        Call::PublicPath(path) => call_join(vec![expr("local.public_url")?, string(path)]),
        Call::Service(id) => {
            let service = &project.services[id];
            call_join(vec![
                string(&format!("http://{}.", service.hostname)),
                expr(&format!("{NAMESPACE}.name"))?,
                string(&format!(":{}{}", service.port, service.cron_path())),
            ])
        }
        Call::Job(_) => string(""),
    })
}

/// wget with Vercel's cron user agent, and the service's `CRON_SECRET` as a bearer token: its
/// value, or (a secret) the caller's variable, expanded by a shell, with the URL as `$0`.
fn caller_command(project: &Project, call: Call) -> Result<Expression, String> {
    let wget = ["wget", "-q", "-O", "/dev/null", "-U", "vercel-cron/1.0"];
    let service = match call {
        Call::Service(id) => Some(&project.services[id]),
        _ => None,
    };
    let mut words: Vec<Expression> = wget.into_iter().map(string).collect();
    match service.and_then(|s| Some((s, s.cron_secret()?))) {
        Some((_, CronSecret::Value(secret))) => {
            words.push(string("--header"));
            words.push(string(&format!("Authorization: Bearer {secret}")));
        }
        Some((service, CronSecret::Secret)) => {
            let line = format!(
                "{} --header \"Authorization: Bearer ${}\" \"$0\"",
                wget.join(" "),
                cron_secret_variable(service)
            );
            return Ok(array(vec![
                string("sh"),
                string("-c"),
                string(&line),
                url(project, call)?,
            ]));
        }
        None => {}
    }
    words.push(url(project, call)?);
    Ok(array(words))
}

fn call_join(parts: Vec<Expression>) -> Expression {
    call("join", vec![string(""), array(parts)])
}

fn owner(scheduled: &Scheduled) -> String {
    match scheduled.call {
        Call::PublicPath(path) => format!("the cron for `{path}`"),
        Call::Service(id) | Call::Job(id) => format!("service `{id}`"),
    }
}

/// The schedule, its role, and the role's one permission.
fn schedule(project: &Project, scheduled: &Scheduled, label: &str) -> Result<Vec<Block>, String> {
    let expression = scheduled.schedule.eventbridge();
    let (task, group) = match scheduled.call {
        Call::Job(id) => (id.as_str().to_string(), id.as_str().to_string()),
        _ => (CALLER.to_string(), CALLER.to_string()),
    };
    let role = format!("schedule_{label}");
    let mut target = block("target", &[])
        .raw("arn", "aws_ecs_cluster.this.arn")?
        .raw("role_arn", &format!("aws_iam_role.{role}.arn"))?;
    if !matches!(scheduled.call, Call::Job(_)) {
        let command = caller_command(project, scheduled.call)?;
        let overrides = object(vec![(
            "containerOverrides",
            array(vec![object(vec![
                ("name", string(CALLER)),
                ("command", command),
            ])]),
        )]);
        target = target.attr("input", call("jsonencode", vec![overrides]));
    }
    target = target.child(
        block("ecs_parameters", &[])
            .raw(
                "task_definition_arn",
                &format!("aws_ecs_task_definition.{task}.arn"),
            )?
            .str("launch_type", "FARGATE")
            .child(super::ecs::private_network(&group)?),
    );
    let schedule = block("resource", &["aws_scheduler_schedule", label])
        .raw(
            "name_prefix",
            &format!("\"${{var.name}}-{}-\"", short(label)),
        )?
        .str(
            "description",
            &format!("{} at `{}` (UTC)", owner(scheduled), scheduled.schedule),
        )
        .str("schedule_expression", &expression)
        .str("schedule_expression_timezone", "UTC")
        .child(block("flexible_time_window", &[]).str("mode", "OFF"))
        .child(target)
        .build();
    let assume = "jsonencode({\n Version = \"2012-10-17\"\n Statement = [{\n Effect = \"Allow\"\n Principal = { Service = \"scheduler.amazonaws.com\" }\n Action = \"sts:AssumeRole\"\n }]\n })";
    // RunTask hands the task its roles: the execution role, and a job's own task role.
    let passed = match scheduled.call {
        Call::Job(id) => {
            format!("[aws_iam_role.task_execution.arn, aws_iam_role.service_task[\"{id}\"].arn]")
        }
        _ => "aws_iam_role.task_execution.arn".to_string(),
    };
    let policy = format!(
        "jsonencode({{\n Version = \"2012-10-17\"\n Statement = [\n {{\n Effect = \"Allow\"\n Action = \"ecs:RunTask\"\n Resource = \"${{aws_ecs_task_definition.{task}.arn_without_revision}}:*\"\n Condition = {{ ArnEquals = {{ \"ecs:cluster\" = aws_ecs_cluster.this.arn }} }}\n }},\n {{\n Effect = \"Allow\"\n Action = \"iam:PassRole\"\n Resource = {passed}\n }},\n ]\n }})"
    );
    Ok(vec![
        schedule,
        block("resource", &["aws_iam_role", &role])
            .raw(
                "name_prefix",
                &format!("\"${{var.name}}-{}-\"", short(label)),
            )?
            .raw("assume_role_policy", assume)?
            .build(),
        block("resource", &["aws_iam_role_policy", &role])
            .str("name", "run-task")
            .raw("role", &format!("aws_iam_role.{role}.id"))?
            .raw("policy", &policy)?
            .build(),
    ])
}

/// IAM name prefixes are at most 38 characters; `var.name` takes up to 20 and a `-`.
fn short(label: &str) -> String {
    label.replace('_', "-").chars().take(16).collect()
}
