//! The scheduler: one small service running busybox's `crond`, which requests each cron target
//! at its times. It is a caller like any other: it sits alone with the gateway on its own
//! network, reaches a cron service only through a grant listener (exactly like a binding), and
//! requests top-level cron paths through the gateway's public routing. It has no internet and
//! no other path; nothing gains a path to it.

use super::addresses::Layout;
use super::model::{self, Attachment, ConfigMount};
use super::{Options, binding_alias, literal};
use crate::ir::{CRON_SECRET, Call, CronSecret, Project, ServiceId};
use indexmap::IndexMap;

/// The compose service, and the name of its network's member.
pub const SERVICE: &str = "svc.scheduler";
/// A pinned official image with crond and wget.
pub const DEFAULT_IMAGE: &str = "busybox:1.37.0";
pub const CRONTAB_CONFIG: &str = "scheduler_crontab";
pub const NETWORK: &str = "svc.scheduler";
/// Vercel's cron requests carry this user agent.
const USER_AGENT: &str = "vercel-cron/1.0";

/// The scheduler's key in the address layout: not a name any service can have.
pub fn layout_id() -> ServiceId {
    ServiceId("(scheduler)".to_string())
}

/// root's crontab: one line per schedule, in the five plain fields every crond reads alike. A
/// public path is requested with the public origin's `Host`, as a visitor's request arrives,
/// so host conditions in the routing see what they would see on the deployment.
pub fn crontab(project: &Project, public_url: &str) -> String {
    let public_host = public_url
        .split_once("://")
        .map_or(public_url, |(_, host)| host);
    let mut text = String::from("# svc: every scheduled request, in UTC\n");
    for scheduled in project.scheduled() {
        let (url, host) = match scheduled.call {
            Call::PublicPath(path) => (
                format!("http://{}{path}", super::GATEWAY),
                Some(public_host),
            ),
            Call::Service(id) => {
                let service = &project.services[id];
                (
                    format!(
                        "http://{}:{}{}",
                        binding_alias(service),
                        service.port,
                        service.cron_path()
                    ),
                    None,
                )
            }
            Call::Job(_) => continue,
        };
        let mut header = host
            .map(|h| format!(" --header {}", shell_quote(&format!("Host: {h}"))))
            .unwrap_or_default();
        if let Call::Service(id) = scheduled.call {
            match project.services[id].cron_secret() {
                Some(CronSecret::Value(secret)) => header.push_str(&format!(
                    " --header {}",
                    shell_quote(&format!("Authorization: Bearer {secret}"))
                )),
                // crond's jobs inherit its environment, where compose put the secret at `up`.
                Some(CronSecret::Secret) => header.push_str(&format!(
                    " --header \"Authorization: Bearer ${CRON_SECRET}\""
                )),
                None => {}
            }
        }
        text.push_str(&format!(
            "{} wget -q -O /dev/null -U {USER_AGENT}{header} {}\n",
            scheduled.schedule.crontab(),
            shell_quote(&url)
        ));
    }
    text
}

/// One word for `sh`, whatever the text holds.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The scheduler sends `CRON_SECRET` as a secret when a service it calls keeps it as one: the
/// same `${CRON_SECRET}` the service reads, filled by compose at `up`.
fn environment(project: &Project) -> IndexMap<String, String> {
    let secret = project.scheduled().into_iter().any(|scheduled| {
        matches!(scheduled.call, Call::Service(id) if project.services[id].cron_secret() == Some(CronSecret::Secret))
    });
    if !secret {
        return IndexMap::new();
    }
    IndexMap::from([(
        CRON_SECRET.to_string(),
        super::secret_reference(CRON_SECRET),
    )])
}

pub fn service(project: &Project, options: &Options, layout: &Layout) -> model::Service {
    let address = layout
        .services
        .get(&layout_id())
        .map(|net| net.service.clone());
    model::Service {
        image: Some(literal(&options.scheduler_image)),
        init: true,
        restart: "unless-stopped",
        // crond sets each job's groups and user (root's, here); wget needs nothing more.
        cap_drop: vec!["ALL"],
        cap_add: vec!["SETGID", "SETUID"],
        security_opt: vec![super::NO_NEW_PRIVILEGES],
        command: Some(
            // Every busybox build has -L (not all have -d): each run goes to the container's log.
            ["crond", "-f", "-L", "/dev/stderr", "-c", "/etc/crontabs"]
                .map(String::from)
                .to_vec(),
        ),
        environment: environment(project),
        configs: vec![ConfigMount {
            source: CRONTAB_CONFIG.to_string(),
            target: "/etc/crontabs/root".to_string(),
        }],
        networks: IndexMap::from([(
            NETWORK.to_string(),
            Attachment {
                ipv4_address: address,
                aliases: Vec::new(),
            },
        )]),
        ..model::Service::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_reach_the_shell_as_one_word() {
        assert_eq!(shell_quote("http://a/b"), "'http://a/b'");
        assert_eq!(shell_quote("http://a/it's;rm"), r"'http://a/it'\''s;rm'");
    }
}
