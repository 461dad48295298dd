//! ECS: one log group, task definition and service per config service, and the gateway behind
//! an internet-facing load balancer.

use super::ecs::{log_group, logging, private_network, task};
use super::gateway_config::Delivery;
use super::hcl::{
    BlockBuilder, array, block, call, expr, index, lookup, number, object, string, traversal,
};
use super::start_order::StartOrder;
use crate::ir::{Command, EnvValue, Project, PublicUrl, Service, Workload};
use ::hcl::{Block, Expression};

/// Everything about one service: its logs, task, ECS service and security group.
pub fn service(
    project: &Project,
    service: &Service,
    order: &StartOrder,
) -> Result<Vec<Block>, String> {
    let mut blocks = vec![
        log_group(service.name.as_str())?,
        task_definition(project, service)?,
    ];
    // A job that runs once per trigger is a task definition only; its schedule runs it.
    if service.workload.is_long_running() {
        blocks.push(ecs_service(project, service, order)?);
    }
    blocks.extend(super::network::service_group(project, service)?);
    Ok(blocks)
}

fn env(name: &str, value: &str) -> Expression {
    object(vec![("name", string(name)), ("value", string(value))])
}

fn task_definition(project: &Project, service: &Service) -> Result<Block, String> {
    let name = service.name.as_str();
    let mut environment = Vec::new();
    if service.workload.listens() {
        environment.push(env("PORT", &service.port.to_string()));
    }
    for binding in project.bindings_from(&service.name) {
        let target = &project.services[&binding.target];
        environment.push(env(
            &binding.env,
            &format!("http://{}:{}", target.hostname, target.port),
        ));
    }
    for (key, value) in &service.env {
        let value = match value {
            EnvValue::Literal(text) => string(text),
            EnvValue::PublicUrl(url) => public_url(url)?,
        };
        environment.push(object(vec![("name", string(key)), ("value", value)]));
    }
    let mut container = vec![
        ("name", string(name)),
        ("image", index("var", &["images"], name)),
        ("essential", Expression::Bool(true)),
    ];
    if service.workload.listens() {
        container.push((
            "portMappings",
            array(vec![object(vec![
                ("name", string(&service.hostname)),
                ("containerPort", number(u64::from(service.port))),
                ("protocol", string("tcp")),
            ])]),
        ));
    }
    container.push(("environment", array(environment)));
    if !service.secrets.is_empty() {
        // Values ECS reads from SSM or Secrets Manager when the task starts; never in the module.
        let secrets = service
            .secrets
            .iter()
            .map(|secret| {
                Ok(object(vec![
                    ("name", string(secret)),
                    (
                        "valueFrom",
                        expr(&format!("var.secrets[\"{name}\"][\"{secret}\"]"))?,
                    ),
                ]))
            })
            .collect::<Result<Vec<_>, String>>()?;
        container.push(("secrets", array(secrets)));
    }
    container.push(("logConfiguration", logging(name)?));
    if let Some(check) = health_check(service) {
        container.push(("healthCheck", check));
    }
    if let Some(command) = &service.command {
        let words = match command {
            Command::Exec(words) => words.iter().map(|w| string(w)).collect(),
            Command::Line(line) => vec![string("sh"), string("-c"), string(line)],
        };
        container.push(("command", array(words)));
    }
    // svc.yaml's `cpu` (in Fargate's units, 1024 to a CPU) and `memory` are the defaults the
    // variables override.
    let cpu = service
        .resources
        .cpu
        .map_or(256, |cpu| (cpu * 1024.0).round() as u64);
    let memory = service.resources.memory_mib.unwrap_or(512);
    task(
        name,
        &format!("\"${{var.name}}-{name}\""),
        lookup("var", "cpu", name, cpu),
        lookup("var", "memory", name, memory),
        object(container),
        Some(&format!("aws_iam_role.service_task[\"{name}\"].arn")),
    )
}

/// The service's readiness check, as ECS runs it in the container (the same test compose
/// writes).
fn health_check(service: &Service) -> Option<Expression> {
    let check = service.health.as_ref()?;
    let test = crate::emit::health::test(service, check)?;
    Some(object(vec![
        ("command", array(test.iter().map(|w| string(w)).collect())),
        ("interval", number(u64::from(check.interval))),
        ("timeout", number(u64::from(check.timeout))),
        ("retries", number(u64::from(check.retries))),
        ("startPeriod", number(u64::from(check.start_period))),
    ]))
}

/// A URL of the deployment: `local.public_url` (the variable, else the load balancer), with a
/// subdomain put in front of its host when the mount has one.
fn public_url(url: &PublicUrl) -> Result<Expression, String> {
    let base = match &url.subdomain {
        Some(sub) => call(
            "replace",
            vec![
                expr("local.public_url")?,
                string("://"),
                string(&format!("://{sub}.")),
            ],
        ),
        None => expr("local.public_url")?,
    };
    Ok(call(
        "join",
        vec![string(""), array(vec![base, string(&url.path)])],
    ))
}

/// Every service is a Service Connect client; one that is bound or public also serves its
/// port under its hostname.
fn ecs_service(project: &Project, service: &Service, order: &StartOrder) -> Result<Block, String> {
    let name = service.name.as_str();
    let desired = lookup("var", "desired_count", name, u64::from(service.replicas));
    if let Workload::Cron { dynamic: false, .. } = service.workload {
        // Requested only by the scheduled caller, which finds it in Cloud Map's DNS.
        return Ok(fargate_service(name, desired, None)?
            .child(super::schedules::registry(&service.name)?)
            .build());
    }
    let reachable =
        project.is_public(&service.name) || project.bindings_to(&service.name).next().is_some();
    let mut connect = block("service_connect_configuration", &[])
        .attr("enabled", Expression::Bool(true))
        .raw("namespace", "aws_service_discovery_http_namespace.this.arn")?;
    if reachable {
        connect = connect.child(
            block("service", &[])
                .str("port_name", &service.hostname)
                .str("discovery_name", &service.hostname)
                .child(
                    block("client_alias", &[])
                        .attr("port", number(u64::from(service.port)))
                        .str("dns_name", &service.hostname),
                ),
        );
    }
    let mut ecs = fargate_service(name, desired, Some(connect))?;
    let after = order.targets_first(project, &service.name);
    if !after.is_empty() {
        let refs = after
            .iter()
            .map(|t| traversal("aws_ecs_service", &[t.as_str()]))
            .collect();
        ecs = ecs.attr("depends_on", array(refs));
    }
    Ok(ecs.build())
}

fn fargate_service(
    label: &str,
    desired_count: Expression,
    connect: Option<BlockBuilder>,
) -> Result<BlockBuilder, String> {
    let service = block("resource", &["aws_ecs_service", label])
        .str("name", label)
        .raw("cluster", "aws_ecs_cluster.this.id")?
        .attr(
            "task_definition",
            traversal("aws_ecs_task_definition", &[label, "arn"]),
        )
        .attr("desired_count", desired_count)
        .str("launch_type", "FARGATE")
        // An apply waits until the new tasks run, and a deployment whose tasks keep failing
        // rolls back instead of retrying forever.
        .attr("wait_for_steady_state", Expression::Bool(true))
        .child(private_network(label)?)
        .child(
            block("deployment_circuit_breaker", &[])
                .attr("enable", Expression::Bool(true))
                .attr("rollback", Expression::Bool(true)),
        );
    Ok(match connect {
        Some(connect) => service.child(connect),
        None => service,
    })
}

fn gateway_depends_on(project: &Project) -> String {
    // Both listeners: with a certificate the HTTPS one forwards to the target group too.
    let mut refs = vec![
        "aws_lb_listener.http".to_string(),
        "aws_lb_listener.https".to_string(),
    ];
    refs.extend(
        project
            .public_services()
            .iter()
            .map(|s| format!("aws_ecs_service.{s}")),
    );
    format!("[{}]", refs.join(", "))
}

/// The gateway: nginx with the generated config delivered to it at start (see
/// [`super::gateway_config`]), so no custom image is built.
pub fn gateway(project: &Project, delivery: Delivery) -> Result<Vec<Block>, String> {
    let mut task = block("resource", &["aws_ecs_task_definition", super::GATEWAY])
        .raw("family", &format!("\"${{var.name}}-{}\"", super::GATEWAY))?
        .raw("requires_compatibilities", "[\"FARGATE\"]")?
        .str("network_mode", "awsvpc")
        .attr("cpu", number(256))
        .attr("memory", number(512))
        .raw("execution_role_arn", "aws_iam_role.task_execution.arn")?;
    if delivery == Delivery::S3 {
        task = task
            .raw("task_role_arn", "aws_iam_role.gateway_task.arn")?
            .child(block("volume", &[]).str("name", "config"));
    }
    let task = task
        .attr(
            "container_definitions",
            call(
                "jsonencode",
                vec![array(super::gateway_config::containers(delivery)?)],
            ),
        )
        .build();
    let connect = block("service_connect_configuration", &[])
        .attr("enabled", Expression::Bool(true))
        .raw("namespace", "aws_service_discovery_http_namespace.this.arn")?;
    let mut blocks = vec![
        log_group(super::GATEWAY)?,
        task,
        fargate_service(super::GATEWAY, number(2), Some(connect))?
            // The target group must be attached (the listener) before ECS registers into it, and
            // nginx resolves the public services' Service Connect names when it starts.
            .raw("depends_on", &gateway_depends_on(project))?
            .child(
                block("load_balancer", &[])
                    .raw("target_group_arn", "aws_lb_target_group.gateway.arn")?
                    .str("container_name", "gateway")
                    .attr("container_port", number(80)),
            )
            .build(),
        block("resource", &["aws_lb", "gateway"])
            .raw("name", "\"${var.name}-gw\"")?
            .attr("internal", Expression::Bool(false))
            // Requests with header names nginx and the apps would read differently never pass.
            .attr("drop_invalid_header_fields", Expression::Bool(true))
            .str("load_balancer_type", "application")
            .raw("subnets", "var.public_subnet_ids")?
            .raw(
                "security_groups",
                &format!("[aws_security_group.{}.id]", super::EDGE_GROUP),
            )?
            .build(),
        block("resource", &["aws_lb_target_group", "gateway"])
            .raw("name", "\"${var.name}-gw\"")?
            .attr("port", number(80))
            .str("protocol", "HTTP")
            .str("target_type", "ip")
            .raw("vpc_id", "var.vpc_id")?
            .child(
                block("health_check", &[])
                    .str("path", super::HEALTH_PATH)
                    .str("matcher", "200"),
            )
            .build(),
        block("resource", &["aws_lb_listener", "http"])
            .raw("load_balancer_arn", "aws_lb.gateway.arn")?
            .attr("port", number(80))
            .str("protocol", "HTTP")
            .child(
                block("default_action", &[])
                    .raw(
                        "type",
                        "var.certificate_arn == null ? \"forward\" : \"redirect\"",
                    )?
                    .raw(
                        "target_group_arn",
                        "var.certificate_arn == null ? aws_lb_target_group.gateway.arn : null",
                    )?
                    .child(
                        block("dynamic", &["redirect"])
                            .raw("for_each", "var.certificate_arn == null ? [] : [1]")?
                            .child(
                                block("content", &[])
                                    .str("port", "443")
                                    .str("protocol", "HTTPS")
                                    .str("status_code", "HTTP_301"),
                            ),
                    ),
            )
            .build(),
        block("resource", &["aws_lb_listener", "https"])
            .raw("count", "var.certificate_arn == null ? 0 : 1")?
            .raw("load_balancer_arn", "aws_lb.gateway.arn")?
            .attr("port", number(443))
            .str("protocol", "HTTPS")
            .str("ssl_policy", "ELBSecurityPolicy-TLS13-1-2-2021-06")
            .raw("certificate_arn", "var.certificate_arn")?
            .child(
                block("default_action", &[])
                    .str("type", "forward")
                    .raw("target_group_arn", "aws_lb_target_group.gateway.arn")?,
            )
            .build(),
    ];
    if delivery == Delivery::S3 {
        blocks.extend(super::gateway_config::storage()?);
    }
    Ok(blocks)
}
