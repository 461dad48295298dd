//! Start-up order: a caller waits for what it binds to, unless the two are in a cycle of
//! bindings, where waiting would never end.

use super::{Project, ServiceId};
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeMap, BTreeSet};

impl Project {
    /// For each caller, the targets it waits for: every service it binds to, but the ones
    /// that (through any chain of bindings) bind back to it.
    pub fn startup_waits(&self) -> BTreeMap<&ServiceId, BTreeSet<&ServiceId>> {
        let mut graph: DiGraph<&ServiceId, ()> = DiGraph::new();
        let nodes: BTreeMap<&ServiceId, NodeIndex> = self
            .services
            .keys()
            .map(|id| (id, graph.add_node(id)))
            .collect();
        for binding in &self.bindings {
            graph.update_edge(nodes[&binding.caller], nodes[&binding.target], ());
        }
        let mut component = vec![0; graph.node_count()];
        for (index, members) in tarjan_scc(&graph).iter().enumerate() {
            for node in members {
                component[node.index()] = index;
            }
        }
        let mut waits: BTreeMap<&ServiceId, BTreeSet<&ServiceId>> = BTreeMap::new();
        for binding in &self.bindings {
            let (caller, target) = (nodes[&binding.caller], nodes[&binding.target]);
            if component[caller.index()] != component[target.index()] {
                waits
                    .entry(&binding.caller)
                    .or_default()
                    .insert(&binding.target);
            }
        }
        waits
    }
}
