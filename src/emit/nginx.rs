//! The nginx target: the gateway alone, as `nginx.conf` for an nginx of the user's, configured
//! by svc.yaml `nginx:` (see [`crate::emit::gateway`] for what it holds).

use crate::check::Checked;
use crate::diag::Diagnostics;
use crate::emit::Artifacts;
use crate::emit::gateway::{Gateway, Host, Limits, Standalone};
use crate::emit::target::Target;
use crate::ir::Project;

pub const FILE_NAME: &str = "nginx.conf";

/// The nginx target in the registry: the shortest, so it starts last among several.
pub const TARGET: Target = Target {
    name: "nginx",
    start_rank: 2,
    emit: |run| {
        let host = Standalone::from_settings(run.project, &run.settings.nginx);
        emit(run.project, &host, &run.gateway_limits())
    },
};

pub fn emit(
    project: &Checked<Project>,
    host: &Standalone,
    limits: &Limits,
) -> Result<Artifacts, Diagnostics> {
    let gateway = Gateway::build(project, &Host::Standalone(host.clone()), limits)?;
    Ok(Artifacts::single(FILE_NAME, gateway.print()))
}
