//! Every target svc emits, in one table. The CLI's `--target` values and `all`, `svc check`'s
//! refusals, the snapshot tests and the fuzz invariants all iterate it, so adding a target is
//! its module (with its `TARGET`) and one line here; see ARCHITECTURE.md, "Adding a target".

pub use super::target::{Run, Target};

use super::{compose, kubernetes, nginx, terraform};

/// Every target, in name order: the order `all` emits and reports in.
pub const TARGETS: &[Target] = &[
    compose::TARGET,
    kubernetes::TARGET,
    nginx::TARGET,
    terraform::TARGET,
];

/// The target called `name`.
pub fn named(name: &str) -> Option<Target> {
    TARGETS.iter().copied().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_in_order() {
        let names: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(
            names, sorted,
            "TARGETS must list each target once, in name order"
        );
        assert!(
            named("all").is_none(),
            "`all` names every target, so no target may take it"
        );
    }
}
