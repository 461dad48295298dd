//! How each container runs beyond what it is: its readiness check, what it waits for at start,
//! its limits, and which of its files may change.

use super::literal;
use super::model::{Dependency, Deploy, DeployResources, Healthcheck, Limits};
use crate::ir::{HealthCheck, Project, Service, ServiceId};
use indexmap::IndexMap;
use std::collections::{BTreeMap, BTreeSet};

/// Every service's check as compose writes it.
pub fn healthcheck(service: &Service) -> Option<Healthcheck> {
    let check = service.health.as_ref()?;
    let test = crate::emit::health::test(service, check)?;
    Some(timed(test.iter().map(|w| literal(w)).collect(), check))
}

pub fn timed(test: Vec<String>, check: &HealthCheck) -> Healthcheck {
    Healthcheck {
        test,
        interval: format!("{}s", check.interval),
        timeout: format!("{}s", check.timeout),
        retries: check.retries,
        start_period: format!("{}s", check.start_period),
    }
}

/// A caller starts once each target it binds to is healthy (started, for a target with no
/// check); never along a cycle of bindings, which compose would refuse.
pub fn depends_on(
    project: &Project,
    waits: &BTreeMap<&ServiceId, BTreeSet<&ServiceId>>,
    caller: &ServiceId,
) -> IndexMap<String, Dependency> {
    waits
        .get(caller)
        .into_iter()
        .flatten()
        .map(|target| {
            let condition = if project.services[*target].health.is_some() {
                "service_healthy"
            } else {
                "service_started"
            };
            (target.to_string(), Dependency { condition })
        })
        .collect()
}

pub fn deploy(service: &Service) -> Option<Deploy> {
    let resources = &service.resources;
    if resources.is_empty() {
        return None;
    }
    Some(Deploy {
        resources: DeployResources {
            limits: Limits {
                cpus: resources.cpu.map(|c| c.to_string()),
                memory: resources.memory_mib.map(|m| format!("{m}M")),
            },
        },
    })
}
