//! Security groups and their rules, each rule its own resource: the load balancer takes the
//! allowed CIDRs; the gateway takes only the load balancer; a public service takes only the
//! gateway, on its port; a bound target takes each caller, on its port, one rule per binding.
//! Nothing else is admitted. Labels cannot collide: service names hold no digits, so `_2_`
//! separates caller and target unambiguously.

use super::hcl::{block, number};
use crate::ir::{Project, Service};
use ::hcl::Block;
use std::collections::BTreeSet;

fn group(label: &str, description: &str) -> Result<Block, String> {
    Ok(block("resource", &["aws_security_group", label])
        .raw(
            "name_prefix",
            &format!("\"${{var.name}}-{}-\"", label.replace('_', "-")),
        )?
        .str("description", description)
        .raw("vpc_id", "var.vpc_id")?
        // A replacement group must exist before the old one goes, or services lose their group.
        .child(block("lifecycle", &[]).attr("create_before_destroy", ::hcl::Expression::Bool(true)))
        .build())
}

/// An ingress rule into `target` from another group, on one TCP port.
fn from_group(
    label: &str,
    target: &str,
    source: &str,
    port: u16,
    description: &str,
) -> Result<Block, String> {
    Ok(block("resource", &["aws_security_group_rule", label])
        .str("type", "ingress")
        .str("description", description)
        .attr("from_port", number(u64::from(port)))
        .attr("to_port", number(u64::from(port)))
        .str("protocol", "tcp")
        .raw(
            "security_group_id",
            &format!("aws_security_group.{target}.id"),
        )?
        .raw(
            "source_security_group_id",
            &format!("aws_security_group.{source}.id"),
        )?
        .build())
}

fn egress_to_cidr(
    label: &str,
    group: &str,
    cidr: &str,
    description: &str,
) -> Result<Block, String> {
    Ok(block("resource", &["aws_security_group_rule", label])
        .str("type", "egress")
        .str("description", description)
        .attr("from_port", number(0))
        .attr("to_port", number(0))
        .str("protocol", "-1")
        .raw(
            "security_group_id",
            &format!("aws_security_group.{group}.id"),
        )?
        .raw("cidr_blocks", cidr)?
        .build())
}

/// The load balancer's and the gateway's groups and rules.
pub fn edge() -> Result<Vec<Block>, String> {
    let mut blocks = vec![
        group(
            "alb",
            "The public load balancer: the allowed CIDRs in, the gateway out.",
        )?,
        group(
            "gateway",
            "The gateway: the load balancer in; public services and external origins out.",
        )?,
    ];
    for port in [80u16, 443] {
        let label = format!("alb_ingress_{}", if port == 80 { "http" } else { "https" });
        let mut rule = block("resource", &["aws_security_group_rule", &label]);
        if port == 443 {
            rule = rule.raw("count", "var.certificate_arn == null ? 0 : 1")?;
        }
        blocks.push(
            rule.str("type", "ingress")
                .str("description", "Public traffic to the load balancer")
                .attr("from_port", number(u64::from(port)))
                .attr("to_port", number(u64::from(port)))
                .str("protocol", "tcp")
                .raw("security_group_id", "aws_security_group.alb.id")?
                .raw("cidr_blocks", "var.allowed_cidrs")?
                .build(),
        );
    }
    blocks.push(
        block(
            "resource",
            &["aws_security_group_rule", "alb_egress_gateway"],
        )
        .str("type", "egress")
        .str(
            "description",
            "The load balancer forwards to the gateway only",
        )
        .attr("from_port", number(80))
        .attr("to_port", number(80))
        .str("protocol", "tcp")
        .raw("security_group_id", "aws_security_group.alb.id")?
        .raw("source_security_group_id", "aws_security_group.gateway.id")?
        .build(),
    );
    blocks.push(from_group(
        "gateway_ingress_alb",
        "gateway",
        "alb",
        80,
        "Only the load balancer reaches the gateway",
    )?);
    blocks.push(egress_to_cidr(
        "gateway_egress",
        "gateway",
        "[\"0.0.0.0/0\"]",
        "Public services through Service Connect, and the external origins of string rewrites",
    )?);
    Ok(blocks)
}

/// One service's group: its explicit egress, the gateway if it is public, and one rule per
/// caller that binds it.
pub fn service_group(project: &Project, service: &Service) -> Result<Vec<Block>, String> {
    let name = service.name.as_str();
    let mut blocks = vec![group(
        name,
        &format!("Service {name}: the gateway if public, and its declared callers"),
    )?];
    let (cidr, why) = if service.egress {
        (
            "[\"0.0.0.0/0\"]",
            "Outbound: the internet, the services it binds, image pulls and logs",
        )
    } else {
        (
            "[data.aws_vpc.this.cidr_block]",
            "Outbound inside the VPC only (egress false): the services it binds, and AWS through VPC endpoints",
        )
    };
    blocks.push(egress_to_cidr(&format!("egress_{name}"), name, cidr, why)?);
    if !service.egress {
        blocks.push(
            block(
                "resource",
                &["aws_security_group_rule", &format!("egress_s3_{name}")],
            )
            .str("type", "egress")
            .str(
                "description",
                "Image layers from S3, through the S3 gateway endpoint of the VPC",
            )
            .attr("from_port", number(443))
            .attr("to_port", number(443))
            .str("protocol", "tcp")
            .raw(
                "security_group_id",
                &format!("aws_security_group.{name}.id"),
            )?
            .raw("prefix_list_ids", "[data.aws_prefix_list.s3.id]")?
            .build(),
        );
    }
    if project.is_public(&service.name) {
        blocks.push(from_group(
            &format!("ingress_public_{name}"),
            name,
            "gateway",
            service.port,
            &format!("Public routes reach {name} through the gateway only"),
        )?);
    }
    let mut seen = BTreeSet::new();
    for binding in project.bindings.iter().filter(|b| b.target == service.name) {
        if !seen.insert(&binding.caller) {
            continue;
        }
        let label = format!("ingress_{}_2_{}", binding.caller, binding.target);
        let description = format!(
            "Binding {} to {} ({})",
            binding.caller, binding.target, binding.env
        );
        blocks.push(from_group(
            &label,
            name,
            binding.caller.as_str(),
            service.port,
            &description,
        )?);
    }
    Ok(blocks)
}
