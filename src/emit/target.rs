//! What a target is to the rest of svc: its name, when it starts among several, and how it
//! emits from a [`Run`]. Each target module declares one; `registry.rs` lists them.

use super::Artifacts;
use crate::check::Checked;
use crate::diag::Diagnostics;
use crate::emit::gateway::Limits;
use crate::ir::Project;
use crate::settings::TargetSettings;
use std::path::Path;

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
