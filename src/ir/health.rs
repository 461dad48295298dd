//! What a container's runtime is held to: how it shows it is ready, and how much it may use.

use super::Command;
use serde::Serialize;

/// A readiness check, in seconds, as both Docker and ECS run it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthCheck {
    pub probe: Probe,
    pub interval: u32,
    pub timeout: u32,
    pub retries: u32,
    /// Failures in this window after start do not count; a success ends it.
    pub start_period: u32,
}

impl HealthCheck {
    /// Often enough that a caller waiting on it starts soon after its target is up; a long
    /// start period, since a first request may compile pages or import a large app.
    pub const DEFAULT_INTERVAL: u32 = 5;
    pub const DEFAULT_TIMEOUT: u32 = 3;
    pub const DEFAULT_RETRIES: u32 = 3;
    pub const DEFAULT_START_PERIOD: u32 = 60;

    /// `probe` at the default timings.
    pub fn with_defaults(probe: Probe) -> HealthCheck {
        HealthCheck {
            probe,
            interval: Self::DEFAULT_INTERVAL,
            timeout: Self::DEFAULT_TIMEOUT,
            retries: Self::DEFAULT_RETRIES,
            start_period: Self::DEFAULT_START_PERIOD,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Probe {
    /// Any HTTP answer on the service's port: the server is up. svc's default for what it
    /// builds, since an API may well answer its root with a 404.
    Answers,
    /// An answer below 400 at this path on the service's port.
    Path(String),
    /// svc.yaml's command, run in the container; exit 0 is healthy.
    Command(Command),
}

/// svc.yaml's limits; `None` leaves the target's default.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Resources {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_mib: Option<u64>,
}

impl Resources {
    pub fn is_empty(&self) -> bool {
        self.cpu.is_none() && self.memory_mib.is_none()
    }
}
