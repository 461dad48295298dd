//! Every target svc emits, in one table. The CLI's `--target` values and `all`, `svc check`'s
//! refusals, the snapshot tests and the fuzz invariants all iterate it, so adding a target is
//! its module (with its `TARGET`) and one line here; see ARCHITECTURE.md, "Adding a target".

use super::{Artifacts, compose, nginx, terraform};
use crate::check::Checked;
use crate::diag::Diagnostics;
use crate::emit::gateway::Limits;
use crate::ir::Project;
use crate::settings::TargetSettings;
use std::path::Path;

/// Every target, in name order: the order `all` emits and reports in.
pub const TARGETS: &[Target] = &[compose::TARGET, nginx::TARGET, terraform::TARGET];

/// One target: its name on the command line and as its directory under `--out DIR`, when it
/// starts among several, and how it emits.
#[derive(Clone, Copy)]
pub struct Target {
    pub name: &'static str,
    /// Among targets run side by side, lower starts first (see `emit::request`).
    pub start_rank: u8,
    pub emit: fn(&Run) -> Result<Artifacts, Diagnostics>,
}

/// What a target emits from: the checked project, svc.yaml's target sections, and where its
/// files go.
pub struct Run<'a> {
    pub project: &'a Checked<Project>,
    pub settings: &'a TargetSettings,
    pub config_path: &'a Path,
    /// The directory the target's files are written to (the config's, without `--out`).
    pub target_dir: &'a Path,
    /// How many targets run side by side, sharing the cores.
    pub side_by_side: usize,
}

impl Run<'_> {
    /// The directory holding the config, as seen from the target's directory (`""` when it is
    /// the same), for paths the output names (build contexts).
    pub fn project_dir(&self) -> String {
        let config_dir = self.config_path.parent().unwrap_or(Path::new(""));
        crate::paths::relative(self.target_dir, config_dir)
    }

    /// The name of the directory holding the config: the default project name.
    pub fn dir_name(&self) -> String {
        crate::paths::dir_name(self.config_path)
    }

    /// The gateway's limits and timeouts from svc.yaml's `nginx:` section, which every target's
    /// gateway shares.
    pub fn gateway_limits(&self) -> Limits {
        Limits::from_settings(&self.settings.nginx)
    }
}

/// The target called `name`.
pub fn named(name: &str) -> Option<Target> {
    TARGETS.iter().copied().find(|t| t.name == name)
}

impl PartialEq for Target {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Target {}

impl PartialOrd for Target {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Target {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.name.cmp(other.name)
    }
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
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
