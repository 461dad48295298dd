//! Service Connect gives a task only the names that existed when it started, so a caller must
//! start after the services it binds. Bindings may form cycles (legal in Vercel); inside a cycle
//! no order exists, so only edges between different strongly connected components become
//! `depends_on`, and docs/terraform.md tells how to finish a first deploy of a cycle.

use crate::ir::{Project, ServiceId};
use std::collections::{BTreeSet, HashMap};

/// Each service's binding cycle, worked out once for the whole project.
pub struct StartOrder<'p> {
    position: HashMap<&'p ServiceId, usize>,
    /// By position in the project's services: the strongly connected component.
    component: Vec<usize>,
}

impl<'p> StartOrder<'p> {
    pub fn new(project: &'p Project) -> Self {
        let position: HashMap<&ServiceId, usize> = project
            .services
            .keys()
            .enumerate()
            .map(|(i, id)| (id, i))
            .collect();
        let mut edges = vec![Vec::new(); position.len()];
        for binding in &project.bindings {
            if let (Some(&caller), Some(&target)) =
                (position.get(&binding.caller), position.get(&binding.target))
            {
                edges[caller].push(target);
            }
        }
        StartOrder {
            position,
            component: components(&edges),
        }
    }

    /// The services `caller` binds that must start first: its targets outside its own cycle.
    pub fn targets_first(&self, project: &Project, caller: &ServiceId) -> Vec<ServiceId> {
        let component = |id: &ServiceId| self.position.get(id).map(|&i| self.component[i]);
        let own = component(caller);
        let targets: BTreeSet<&ServiceId> = project
            .bindings_from(caller)
            .filter(|b| component(&b.target) != own)
            .map(|b| &b.target)
            .collect();
        targets.into_iter().cloned().collect()
    }
}

/// Each node's strongly connected component (Tarjan's algorithm), without recursion: a chain
/// of thousands of bindings must not exhaust a thread's stack.
fn components(edges: &[Vec<usize>]) -> Vec<usize> {
    let mut tarjan = Tarjan::new(edges.len());
    for root in 0..edges.len() {
        if tarjan.index[root] != UNVISITED {
            continue;
        }
        tarjan.enter(root);
        while let Some((node, edge)) = tarjan.path.last_mut() {
            let node = *node;
            if let Some(&target) = edges[node].get(*edge) {
                *edge += 1;
                if tarjan.index[target] == UNVISITED {
                    tarjan.enter(target);
                } else if tarjan.on_stack[target] {
                    tarjan.low[node] = tarjan.low[node].min(tarjan.index[target]);
                }
            } else {
                tarjan.leave(node);
            }
        }
    }
    tarjan.component
}

const UNVISITED: usize = usize::MAX;

struct Tarjan {
    index: Vec<usize>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    component: Vec<usize>,
    next_index: usize,
    components: usize,
    /// The walk's current path: each node with the next of its edges to follow.
    path: Vec<(usize, usize)>,
}

impl Tarjan {
    fn new(nodes: usize) -> Tarjan {
        Tarjan {
            index: vec![UNVISITED; nodes],
            low: vec![0; nodes],
            on_stack: vec![false; nodes],
            stack: Vec::new(),
            component: vec![0; nodes],
            next_index: 0,
            components: 0,
            path: Vec::new(),
        }
    }

    fn enter(&mut self, node: usize) {
        self.index[node] = self.next_index;
        self.low[node] = self.next_index;
        self.next_index += 1;
        self.stack.push(node);
        self.on_stack[node] = true;
        self.path.push((node, 0));
    }

    /// Every edge of `node` followed: pass its low link up, and close its component if it
    /// is the root of one.
    fn leave(&mut self, node: usize) {
        self.path.pop();
        if let Some(&(parent, _)) = self.path.last() {
            self.low[parent] = self.low[parent].min(self.low[node]);
        }
        if self.low[node] == self.index[node] {
            while let Some(member) = self.stack.pop() {
                self.on_stack[member] = false;
                self.component[member] = self.components;
                if member == node {
                    break;
                }
            }
            self.components += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::components;

    #[test]
    fn cycles_share_a_component_and_chains_do_not() {
        // 0 -> 1 -> 2 -> 0 is a cycle; 3 -> 0 and 4 alone are not in it.
        let edges = vec![vec![1], vec![2], vec![0], vec![0], vec![]];
        let c = components(&edges);
        assert_eq!(c[0], c[1]);
        assert_eq!(c[1], c[2]);
        assert_ne!(c[3], c[0]);
        assert_ne!(c[4], c[0]);
        assert_ne!(c[4], c[3]);
    }

    #[test]
    fn a_long_chain_does_not_exhaust_the_stack() {
        let nodes = 200_000;
        let edges: Vec<Vec<usize>> = (0..nodes)
            .map(|i| if i + 1 < nodes { vec![i + 1] } else { vec![0] })
            .collect();
        // Run where a recursive walk would overflow: a thread with a small stack.
        let c = std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || components(&edges))
            .unwrap()
            .join()
            .unwrap();
        assert!(c.iter().all(|&x| x == c[0]), "one cycle through every node");
    }
}
