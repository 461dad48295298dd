//! The NetworkPolicies. Policies only add permissions, so the namespace starts from one that
//! selects every pod and allows nothing but DNS; each policy after it admits exactly one
//! service's callers on its port, or lets one kind of pod reach exactly what it calls.

use super::model::{
    EgressRule, IngressRule, IpBlock, NetworkPolicySpec, Object, Peer, PodSelector, PolicyPort,
    Spec,
};
use super::{DEFAULT_DENY, GATEWAY, GATEWAY_PORT, Options, SCHEDULER, metadata, selector};
use crate::ir::{Call, Project, Service, ServiceId};
use std::collections::BTreeSet;

type Policy = Object<Spec<NetworkPolicySpec>>;

fn policy(name: &str, spec: NetworkPolicySpec, options: &Options) -> Policy {
    Object {
        api_version: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: metadata(name, options),
        body: Spec { spec },
    }
}

fn pods(name: &str) -> Peer {
    Peer {
        pod_selector: Some(PodSelector {
            match_labels: selector(name),
        }),
        ..Peer::default()
    }
}

fn tcp(port: u16) -> PolicyPort {
    PolicyPort {
        protocol: "TCP",
        port,
    }
}

/// The internet: every address but link-local ones, where clouds answer a node's metadata and
/// credentials (169.254.169.254), which no service of a Vercel project could reach there.
fn anywhere() -> Peer {
    Peer {
        ip_block: Some(IpBlock {
            cidr: "0.0.0.0/0",
            except: vec!["169.254.0.0/16"],
        }),
        ..Peer::default()
    }
}

/// Every pod of the namespace: no ingress, and egress to the cluster's DNS only.
pub fn default_deny(options: &Options) -> Policy {
    let dns = Peer {
        namespace_selector: Some(PodSelector {
            match_labels: [(
                "kubernetes.io/metadata.name".to_string(),
                "kube-system".to_string(),
            )]
            .into(),
        }),
        pod_selector: Some(PodSelector {
            match_labels: [("k8s-app".to_string(), "kube-dns".to_string())].into(),
        }),
        ip_block: None,
    };
    policy(
        DEFAULT_DENY,
        NetworkPolicySpec {
            pod_selector: PodSelector::default(),
            policy_types: vec!["Ingress", "Egress"],
            ingress: Vec::new(),
            egress: vec![EgressRule {
                to: vec![dns],
                ports: vec![
                    PolicyPort {
                        protocol: "UDP",
                        port: 53,
                    },
                    tcp(53),
                ],
            }],
        },
        options,
    )
}

/// Who may call `service`: the callers that declare a binding to it, the gateway when a public
/// route leads to it, and the scheduler when it is called on schedule. And what it may reach:
/// its binding targets on their ports, and the internet when `egress` allows.
pub fn service(
    project: &Project,
    scheduled: &BTreeSet<ServiceId>,
    service: &Service,
    options: &Options,
) -> Option<Policy> {
    let mut ingress = Vec::new();
    if service.workload.listens() {
        let mut callers: BTreeSet<String> = project
            .bindings_to(&service.name)
            .map(|b| project.services[&b.caller].hostname.clone())
            .collect();
        if project.is_public(&service.name) {
            callers.insert(GATEWAY.to_string());
        }
        if scheduled.contains(&service.name) {
            callers.insert(SCHEDULER.to_string());
        }
        if !callers.is_empty() {
            ingress.push(IngressRule {
                from: callers.iter().map(|c| pods(c)).collect(),
                ports: vec![tcp(service.port)],
            });
        }
    }
    let targets: BTreeSet<&ServiceId> = project
        .bindings_from(&service.name)
        .map(|b| &b.target)
        .collect();
    let mut egress: Vec<EgressRule> = targets
        .into_iter()
        .map(|id| {
            let target = &project.services[id];
            EgressRule {
                to: vec![pods(&target.hostname)],
                ports: vec![tcp(target.port)],
            }
        })
        .collect();
    if service.egress {
        egress.push(EgressRule {
            to: vec![anywhere()],
            ports: Vec::new(),
        });
    }
    if ingress.is_empty() && egress.is_empty() {
        return None;
    }
    let mut policy_types = Vec::new();
    if !ingress.is_empty() {
        policy_types.push("Ingress");
    }
    if !egress.is_empty() {
        policy_types.push("Egress");
    }
    Some(policy(
        &service.hostname,
        NetworkPolicySpec {
            pod_selector: PodSelector {
                match_labels: selector(&service.hostname),
            },
            policy_types,
            ingress,
            egress,
        },
        options,
    ))
}

/// The services the scheduler requests directly.
pub fn scheduled_targets(project: &Project) -> BTreeSet<ServiceId> {
    project
        .scheduled()
        .into_iter()
        .filter_map(|s| match s.call {
            Call::Service(id) => Some(id.clone()),
            _ => None,
        })
        .collect()
}

/// The gateway: anyone may reach it on its port; it reaches the public services on theirs, and
/// the internet when a route proxies to an external origin.
pub fn gateway(project: &Project, options: &Options) -> Policy {
    let mut egress: Vec<EgressRule> = project
        .public_services()
        .iter()
        .map(|id| &project.services[id])
        .filter(|s| s.workload.listens())
        .map(|target| EgressRule {
            to: vec![pods(&target.hostname)],
            ports: vec![tcp(target.port)],
        })
        .collect();
    if proxies_to_external_origins(project) {
        egress.push(EgressRule {
            to: vec![anywhere()],
            ports: Vec::new(),
        });
    }
    let mut policy_types = vec!["Ingress"];
    if !egress.is_empty() {
        policy_types.push("Egress");
    }
    policy(
        GATEWAY,
        NetworkPolicySpec {
            pod_selector: PodSelector {
                match_labels: selector(GATEWAY),
            },
            policy_types,
            ingress: vec![IngressRule {
                from: Vec::new(),
                ports: vec![tcp(GATEWAY_PORT)],
            }],
            egress,
        },
        options,
    )
}

fn proxies_to_external_origins(project: &Project) -> bool {
    std::iter::once(&project.routing)
        .chain(project.services.values().map(|s| &s.routing))
        .any(|routing| routing.proxied_urls().next().is_some())
}

/// The scheduler's pods reach the gateway (for top-level crons) and each cron service it
/// requests, on their ports; nothing reaches them.
pub fn scheduler(project: &Project, options: &Options) -> Policy {
    let mut egress = Vec::new();
    if project.requests_public_paths_on_schedule() {
        egress.push(EgressRule {
            to: vec![pods(GATEWAY)],
            ports: vec![tcp(GATEWAY_PORT)],
        });
    }
    for id in scheduled_targets(project) {
        let target = &project.services[&id];
        egress.push(EgressRule {
            to: vec![pods(&target.hostname)],
            ports: vec![tcp(target.port)],
        });
    }
    policy(
        SCHEDULER,
        NetworkPolicySpec {
            pod_selector: PodSelector {
                match_labels: selector(SCHEDULER),
            },
            policy_types: vec!["Egress"],
            ingress: Vec::new(),
            egress,
        },
        options,
    )
}
