//! `svc graph`: the services graph as Mermaid or Graphviz DOT.

use crate::check::Checked;
use crate::ir::{Destination, Project, ServiceId};

/// One edge from the internet to a public service, labelled with the rule's source.
struct PublicEdge<'a> {
    service: &'a ServiceId,
    label: String,
}

fn public_edges(project: &Project) -> Vec<PublicEdge<'_>> {
    let routes = project.routing.routes.iter().filter_map(|r| {
        let service = &r.service.as_ref()?.service;
        Some(PublicEdge {
            service,
            label: r.src.clone().unwrap_or_default(),
        })
    });
    let rewrites = project
        .routing
        .rewrites
        .iter()
        .filter_map(|r| match &r.destination {
            Destination::Service(d) => Some(PublicEdge {
                service: &d.service,
                label: r.source.source().to_string(),
            }),
            _ => None,
        });
    routes.chain(rewrites).collect()
}

fn node_label(project: &Project, id: &ServiceId) -> String {
    let service = &project.services[id];
    let visibility = if project.is_public(id) {
        "public"
    } else {
        "private"
    };
    let kind = service
        .framework
        .clone()
        .unwrap_or_else(|| format!("{:?}", service.runtime).to_lowercase());
    format!("{id}\n{visibility} · {kind} · :{}", service.port)
}

pub fn mermaid(project: &Checked<Project>) -> String {
    let escape = |s: &str| s.replace('"', "#quot;").replace('\n', "<br/>");
    let mut out = String::from("flowchart LR\n  internet((internet))\n");
    for id in project.services.keys() {
        let shape = if project.is_public(id) {
            ("[\"", "\"]")
        } else {
            ("[/\"", "\"/]")
        };
        out.push_str(&format!(
            "  {}{}{}{}\n",
            node_id(id),
            shape.0,
            escape(&node_label(project, id)),
            shape.1
        ));
    }
    for edge in public_edges(project) {
        out.push_str(&format!(
            "  internet -- \"{}\" --> {}\n",
            escape(&edge.label),
            node_id(edge.service)
        ));
    }
    for binding in &project.bindings {
        out.push_str(&format!(
            "  {} -. \"{}\" .-> {}\n",
            node_id(&binding.caller),
            escape(&binding.env),
            node_id(&binding.target)
        ));
    }
    for id in project.services.keys().filter(|id| !project.is_public(id)) {
        out.push_str(&format!("  class {} private\n", node_id(id)));
    }
    out.push_str("  classDef private stroke-dasharray: 5 5\n");
    out
}

/// Mermaid and DOT ids: names are `[a-z_-]`, and `-` is not allowed in ids.
fn node_id(id: &ServiceId) -> String {
    format!("svc_{}", id.as_str().replace('-', "__"))
}

pub fn dot(project: &Checked<Project>) -> String {
    let quote = |s: &str| serde_json::Value::String(s.to_string()).to_string();
    let mut out = String::from(
        "digraph services {\n  rankdir=LR;\n  internet [shape=circle, label=\"internet\"];\n",
    );
    for id in project.services.keys() {
        let style = if project.is_public(id) {
            "solid"
        } else {
            "dashed"
        };
        out.push_str(&format!(
            "  {} [shape=box, style={style}, label={}];\n",
            node_id(id),
            quote(&node_label(project, id))
        ));
    }
    for edge in public_edges(project) {
        out.push_str(&format!(
            "  internet -> {} [label={}];\n",
            node_id(edge.service),
            quote(&edge.label)
        ));
    }
    for binding in &project.bindings {
        out.push_str(&format!(
            "  {} -> {} [style=dashed, label={}];\n",
            node_id(&binding.caller),
            node_id(&binding.target),
            quote(&binding.env)
        ));
    }
    out.push_str("}\n");
    out
}
