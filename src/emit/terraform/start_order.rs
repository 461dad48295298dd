//! Service Connect gives a task only the names that existed when it started, so a caller must
//! start after the services it binds. Bindings may form cycles (legal in Vercel); inside a cycle
//! no order exists, so only edges between different strongly connected components become
//! `depends_on`, and docs/terraform.md tells how to finish a first deploy of a cycle.

use crate::ir::{Project, ServiceId};
use std::collections::{BTreeMap, BTreeSet};

/// Each service's binding cycle, worked out once for the whole project.
pub struct StartOrder {
    component: BTreeMap<ServiceId, usize>,
}

impl StartOrder {
    pub fn new(project: &Project) -> Self {
        StartOrder {
            component: components(project),
        }
    }

    /// The services `caller` binds that must start first: its targets outside its own cycle.
    pub fn targets_first(&self, project: &Project, caller: &ServiceId) -> Vec<ServiceId> {
        let component = &self.component;
        let targets: BTreeSet<ServiceId> = project
            .bindings_from(caller)
            .filter(|b| component[&b.target] != component[caller])
            .map(|b| b.target.clone())
            .collect();
        targets.into_iter().collect()
    }
}

/// Each service's strongly connected component (Tarjan), as an index.
fn components(project: &Project) -> BTreeMap<ServiceId, usize> {
    let mut edges: BTreeMap<&ServiceId, Vec<&ServiceId>> = BTreeMap::new();
    for binding in &project.bindings {
        edges
            .entry(&binding.caller)
            .or_default()
            .push(&binding.target);
    }
    let mut state = Tarjan::default();
    for id in project.services.keys() {
        if !state.index.contains_key(id) {
            state.visit(id, &edges);
        }
    }
    state.component
}

#[derive(Default)]
struct Tarjan<'a> {
    next: usize,
    index: BTreeMap<&'a ServiceId, usize>,
    low: BTreeMap<&'a ServiceId, usize>,
    stack: Vec<&'a ServiceId>,
    on_stack: BTreeSet<&'a ServiceId>,
    component: BTreeMap<ServiceId, usize>,
    components: usize,
}

impl<'a> Tarjan<'a> {
    fn visit(&mut self, node: &'a ServiceId, edges: &BTreeMap<&'a ServiceId, Vec<&'a ServiceId>>) {
        self.index.insert(node, self.next);
        self.low.insert(node, self.next);
        self.next += 1;
        self.stack.push(node);
        self.on_stack.insert(node);
        for &next in edges.get(node).map(Vec::as_slice).unwrap_or_default() {
            if !self.index.contains_key(next) {
                self.visit(next, edges);
                let low = self.low[node].min(self.low[next]);
                self.low.insert(node, low);
            } else if self.on_stack.contains(next) {
                let low = self.low[node].min(self.index[next]);
                self.low.insert(node, low);
            }
        }
        if self.low[node] == self.index[node] {
            while let Some(member) = self.stack.pop() {
                self.on_stack.remove(member);
                self.component.insert(member.clone(), self.components);
                if member == node {
                    break;
                }
            }
            self.components += 1;
        }
    }
}
