//! Security groups and their rules, each rule its own resource: the load balancer takes the
//! allowed CIDRs; the gateway takes only the load balancer; a public service takes only the
//! gateway, on its port; a bound target takes each caller, on its port, one rule per binding.
//! Nothing else is admitted. Labels cannot collide: service names hold no digits, so `_2_`
//! separates caller and target unambiguously.

use super::hcl::{block, number, traversal};
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

/// Who is on the other side of a rule.
enum Peer<'a> {
    /// Another security group, by label.
    Group(&'a str),
    /// An HCL list of CIDR blocks.
    Cidrs(&'a str),
    /// An HCL list of prefix-list ids.
    PrefixLists(&'a str),
}

/// Which traffic a rule is about.
enum Traffic {
    Tcp(u16),
    All,
}

/// One `aws_security_group_rule`: `kind` ("ingress" or "egress") on `group`.
struct Rule<'a> {
    label: &'a str,
    kind: &'static str,
    group: &'a str,
    traffic: Traffic,
    peer: Peer<'a>,
    description: &'a str,
    /// An HCL `count`, for a rule that exists only sometimes.
    count: Option<&'a str>,
}

impl Rule<'_> {
    fn build(self) -> Result<Block, String> {
        let mut rule = block("resource", &["aws_security_group_rule", self.label]);
        if let Some(count) = self.count {
            rule = rule.raw("count", count)?;
        }
        let (from, to, protocol) = match self.traffic {
            Traffic::Tcp(port) => (u64::from(port), u64::from(port), "tcp"),
            Traffic::All => (0, 0, "-1"),
        };
        let rule = rule
            .str("type", self.kind)
            .str("description", self.description)
            .attr("from_port", number(from))
            .attr("to_port", number(to))
            .str("protocol", protocol)
            .attr(
                "security_group_id",
                traversal("aws_security_group", &[self.group, "id"]),
            );
        let rule = match self.peer {
            Peer::Group(source) => rule.attr(
                "source_security_group_id",
                traversal("aws_security_group", &[source, "id"]),
            ),
            Peer::Cidrs(list) => rule.raw("cidr_blocks", list)?,
            Peer::PrefixLists(list) => rule.raw("prefix_list_ids", list)?,
        };
        Ok(rule.build())
    }
}

/// An ingress rule into `target` from another group, on one TCP port.
fn from_group(
    label: &str,
    target: &str,
    source: &str,
    port: u16,
    description: &str,
) -> Result<Block, String> {
    Rule {
        label,
        kind: "ingress",
        group: target,
        traffic: Traffic::Tcp(port),
        peer: Peer::Group(source),
        description,
        count: None,
    }
    .build()
}

fn egress_to_cidr(
    label: &str,
    group: &str,
    cidr: &str,
    description: &str,
) -> Result<Block, String> {
    Rule {
        label,
        kind: "egress",
        group,
        traffic: Traffic::All,
        peer: Peer::Cidrs(cidr),
        description,
        count: None,
    }
    .build()
}

/// The load balancer's and the gateway's groups and rules.
pub fn edge() -> Result<Vec<Block>, String> {
    let mut blocks = vec![
        group(
            super::EDGE_GROUP,
            "The public load balancer: the allowed CIDRs in, the gateway out.",
        )?,
        group(
            super::GATEWAY,
            "The gateway: the load balancer in; public services and external origins out.",
        )?,
    ];
    for (label, port, count) in [
        ("alb_ingress_http", 80, None),
        (
            "alb_ingress_https",
            443,
            Some("var.certificate_arn == null ? 0 : 1"),
        ),
    ] {
        let peer = Peer::Cidrs("var.allowed_cidrs");
        blocks.push(
            Rule {
                label,
                kind: "ingress",
                group: super::EDGE_GROUP,
                traffic: Traffic::Tcp(port),
                peer,
                description: "Public traffic to the load balancer",
                count,
            }
            .build()?,
        );
    }
    blocks.push(
        Rule {
            label: "alb_egress_gateway",
            kind: "egress",
            group: super::EDGE_GROUP,
            traffic: Traffic::Tcp(80),
            peer: Peer::Group(super::GATEWAY),
            description: "The load balancer forwards to the gateway only",
            count: None,
        }
        .build()?,
    );
    blocks.push(from_group(
        "gateway_ingress_alb",
        super::GATEWAY,
        super::EDGE_GROUP,
        80,
        "Only the load balancer reaches the gateway",
    )?);
    blocks.push(egress_to_cidr(
        "gateway_egress",
        super::GATEWAY,
        "[\"0.0.0.0/0\"]",
        "Public services through Service Connect, and the external origins of string rewrites",
    )?);
    Ok(blocks)
}

/// The scheduled caller's group: it takes no connections; it goes out to the cron services and
/// the public URL (and pulls its image).
pub fn caller_group() -> Result<Vec<Block>, String> {
    let caller = super::ecs::CALLER;
    Ok(vec![
        group(
            caller,
            "The scheduled caller: requests cron targets; nothing connects to it",
        )?,
        egress_to_cidr(
            &format!("egress_{caller}"),
            caller,
            "[\"0.0.0.0/0\"]",
            "Outbound: the cron services, the public URL, image pulls and logs",
        )?,
    ])
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
        let label = format!("egress_s3_{name}");
        let peer = Peer::PrefixLists("[data.aws_prefix_list.s3.id]");
        let description = "Image layers from S3, through the S3 gateway endpoint of the VPC";
        blocks.push(
            Rule {
                label: &label,
                kind: "egress",
                group: name,
                traffic: Traffic::Tcp(443),
                peer,
                description,
                count: None,
            }
            .build()?,
        );
    }
    if project.is_public(&service.name) {
        blocks.push(from_group(
            &format!("ingress_public_{name}"),
            name,
            super::GATEWAY,
            service.port,
            &format!("Public routes reach {name} through the gateway only"),
        )?);
    }
    // A dynamic cron service keeps its own schedules: nothing calls it.
    if let crate::ir::Workload::Cron { dynamic: false, .. } = service.workload {
        blocks.push(from_group(
            &format!("ingress_schedule_{name}"),
            name,
            super::ecs::CALLER,
            service.port,
            &format!("The scheduled caller requests {name} at its times"),
        )?);
    }
    let mut seen = BTreeSet::new();
    for binding in project.bindings_to(&service.name) {
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
