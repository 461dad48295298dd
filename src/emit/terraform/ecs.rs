//! The ECS building blocks every part of the module is made of: a task definition, its log
//! group and logging, and a task's place in the network. They depend on nothing but the HCL
//! helpers, so services, schedules and the gateway build on them without depending on each
//! other.

use super::hcl::{BlockBuilder, array, block, call, expr, object, string, traversal};
use ::hcl::{Block, Expression};

/// The cron caller's task definition, log group and security group: named here, since both
/// the schedules and the network rules that admit it refer to it.
pub const CALLER: &str = "_cron_caller";

pub fn log_group(label: &str) -> Result<Block, String> {
    Ok(block("resource", &["aws_cloudwatch_log_group", label])
        .raw("name", &format!("\"/svc/${{var.name}}/{label}\""))?
        .raw("retention_in_days", "var.log_retention_days")?
        .build())
}

pub fn logging(label: &str) -> Result<Expression, String> {
    Ok(object(vec![
        ("logDriver", string("awslogs")),
        (
            "options",
            object(vec![
                (
                    "awslogs-group",
                    traversal("aws_cloudwatch_log_group", &[label, "name"]),
                ),
                ("awslogs-region", expr("var.aws_region")?),
                ("awslogs-stream-prefix", string(label)),
            ]),
        ),
    ]))
}

pub fn task(
    label: &str,
    family: &str,
    cpu: Expression,
    memory: Expression,
    container: Expression,
    task_role: Option<&str>,
) -> Result<Block, String> {
    // Fargate runs only some pairs of CPU and memory: a wrong one fails at plan, naming it.
    let valid_pair = call(
        "contains",
        vec![
            call(
                "lookup",
                vec![
                    traversal("local", &["fargate_memory"]),
                    call("tostring", vec![cpu.clone()]),
                    array(Vec::new()),
                ],
            ),
            memory.clone(),
        ],
    );
    let mut definition = block("resource", &["aws_ecs_task_definition", label])
        .raw("family", family)?
        .raw("requires_compatibilities", "[\"FARGATE\"]")?
        .str("network_mode", "awsvpc")
        .attr("cpu", cpu)
        .attr("memory", memory)
        .child(
            block("lifecycle", &[]).child(
                block("precondition", &[])
                    .attr("condition", valid_pair)
                    .str(
                        "error_message",
                        &format!("`cpu` and `memory` of {label} are not a pair Fargate runs: see local.fargate_memory for the memory each CPU size takes."),
                    ),
            ),
        )
        .raw("execution_role_arn", "aws_iam_role.task_execution.arn")?;
    if let Some(role) = task_role {
        definition = definition.raw("task_role_arn", role)?;
    }
    Ok(definition
        .attr(
            "container_definitions",
            call("jsonencode", vec![array(vec![container])]),
        )
        .build())
}

/// A task's place: the private subnets, in one security group, with no public address.
pub fn private_network(group: &str) -> Result<BlockBuilder, String> {
    Ok(block("network_configuration", &[])
        .raw("subnets", "var.private_subnet_ids")?
        .attr(
            "security_groups",
            array(vec![traversal("aws_security_group", &[group, "id"])]),
        )
        .attr("assign_public_ip", Expression::Bool(false)))
}
