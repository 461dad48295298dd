//! `svc graph`: the services graph as Mermaid or Graphviz DOT.

use crate::check::Checked;
use crate::ir::{Call, Destination, Project, ServiceId, Trigger, Workload};

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
    match &service.workload {
        Workload::Web => format!("{id}\n{visibility} · {kind} · :{}", service.port),
        Workload::Cron { .. } => format!("{id}\ncron · {kind} · :{}", service.port),
        Workload::Worker(_) => format!("{id}\nworker · {kind}"),
        Workload::Job { trigger } => {
            let trigger = match trigger {
                Trigger::Schedule { .. } => "schedule",
                Trigger::Queue(_) => "queue",
                Trigger::Workflow => "workflow",
            };
            format!("{id}\njob ({trigger}) · {kind}")
        }
    }
}

/// One edge from the scheduler: to the service it requests or runs, or to the internet side
/// for a public path, labelled with the schedule (and the path).
struct ScheduleEdge<'a> {
    to: Option<&'a ServiceId>,
    label: String,
}

fn schedule_edges(project: &Project) -> Vec<ScheduleEdge<'_>> {
    project
        .scheduled()
        .into_iter()
        .map(|s| match s.call {
            Call::PublicPath(path) => ScheduleEdge {
                to: None,
                label: format!("{} {path}", s.schedule),
            },
            Call::Service(id) | Call::Job(id) => ScheduleEdge {
                to: Some(id),
                label: s.schedule.to_string(),
            },
        })
        .collect()
}

/// Mermaid labels are HTML: quotes and angle brackets become entities.
fn mermaid_text(s: &str) -> String {
    s.replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace('\n', "<br/>")
}

pub fn mermaid(project: &Checked<Project>) -> String {
    let ids = NodeIds::new(project);
    let escape = mermaid_text;
    let mut out = String::from("flowchart LR\n  internet((internet))\n");
    for id in project.services.keys() {
        let shape = if project.is_public(id) {
            ("[\"", "\"]")
        } else {
            ("[/\"", "\"/]")
        };
        out.push_str(&format!(
            "  {}{}{}{}\n",
            ids.of(id),
            shape.0,
            escape(&node_label(project, id)),
            shape.1
        ));
    }
    for edge in public_edges(project) {
        out.push_str(&format!(
            "  internet -- \"{}\" --> {}\n",
            escape(&edge.label),
            ids.of(edge.service)
        ));
    }
    for binding in &project.bindings {
        out.push_str(&format!(
            "  {} -. \"{}\" .-> {}\n",
            ids.of(&binding.caller),
            escape(&binding.env),
            ids.of(&binding.target)
        ));
    }
    let schedules = schedule_edges(project);
    if !schedules.is_empty() {
        out.push_str("  scheduler((scheduler))\n");
    }
    for edge in schedules {
        out.push_str(&format!(
            "  scheduler -- \"{}\" --> {}\n",
            escape(&edge.label),
            edge.to.map_or("internet", |id| ids.of(id))
        ));
    }
    for id in project.services.keys().filter(|id| !project.is_public(id)) {
        out.push_str(&format!("  class {} private\n", ids.of(id)));
    }
    out.push_str("  classDef private stroke-dasharray: 5 5\n");
    out
}

/// Node ids by position: service names may hold characters ids cannot, and any escaping of
/// them risks two services sharing a node.
struct NodeIds(std::collections::BTreeMap<ServiceId, String>);

impl NodeIds {
    fn new(project: &Project) -> Self {
        NodeIds(
            project
                .services
                .keys()
                .enumerate()
                .map(|(i, id)| (id.clone(), format!("s{i}")))
                .collect(),
        )
    }

    fn of(&self, id: &ServiceId) -> &str {
        self.0.get(id).map_or("unknown", String::as_str)
    }
}

pub fn dot(project: &Checked<Project>) -> String {
    let ids = NodeIds::new(project);
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
            ids.of(id),
            quote(&node_label(project, id))
        ));
    }
    for edge in public_edges(project) {
        out.push_str(&format!(
            "  internet -> {} [label={}];\n",
            ids.of(edge.service),
            quote(&edge.label)
        ));
    }
    for binding in &project.bindings {
        out.push_str(&format!(
            "  {} -> {} [style=dashed, label={}];\n",
            ids.of(&binding.caller),
            ids.of(&binding.target),
            quote(&binding.env)
        ));
    }
    let schedules = schedule_edges(project);
    if !schedules.is_empty() {
        out.push_str("  scheduler [shape=circle, label=\"scheduler\"];\n");
    }
    for edge in schedules {
        out.push_str(&format!(
            "  scheduler -> {} [style=dotted, label={}];\n",
            edge.to.map_or("internet", |id| ids.of(id)),
            quote(&edge.label)
        ));
    }
    out.push_str("}\n");
    out
}
