//! Who may connect to whom: the promise every target enforces.

use super::{Project, ServiceId};
use serde::Serialize;
use std::collections::BTreeSet;

/// A connection's source.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Peer {
    /// Anyone on the public side of the gateway.
    Internet,
    Service(ServiceId),
    /// The scheduler that runs cron services, jobs and top-level crons.
    Scheduler,
}

/// The derived access facts of a project, for review and for targets.
#[derive(Debug, Clone, Serialize)]
pub struct Access {
    /// Services a top-level rewrite or route sends public traffic to.
    pub public: BTreeSet<ServiceId>,
    pub private: BTreeSet<ServiceId>,
    /// Every ordered (caller, target) pair a binding allows.
    pub grants: BTreeSet<(ServiceId, ServiceId)>,
    /// Cron services: the scheduler, and nobody else unless bound, may call them.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub scheduled: BTreeSet<ServiceId>,
}

impl Project {
    /// Whether `from` may open a connection to `to`. Bindings are one-way grants; public
    /// routes admit only the internet (through the gateway), never other services.
    pub fn allows(&self, from: &Peer, to: &ServiceId) -> bool {
        match from {
            Peer::Internet => self.is_public(to),
            Peer::Service(caller) => self.bindings_from(caller).any(|b| &b.target == to),
            Peer::Scheduler => self.scheduled_services().contains(to),
        }
    }

    /// Services the scheduler calls over HTTP (cron services).
    pub fn scheduled_services(&self) -> BTreeSet<ServiceId> {
        self.scheduled()
            .into_iter()
            .filter_map(|s| match s.call {
                super::Call::Service(id) => Some(id.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn access(&self) -> Access {
        let public = self.public_services();
        let private = self
            .services
            .keys()
            .filter(|s| !public.contains(*s))
            .cloned()
            .collect();
        let grants = self
            .bindings
            .iter()
            .map(|b| (b.caller.clone(), b.target.clone()))
            .collect();
        Access {
            public,
            private,
            grants,
            scheduled: self.scheduled_services(),
        }
    }
}
