//! The access facts every target enforces, derived from the checked graph.

use svc::compile::compile;
use svc::ir::{Peer, ServiceId};

fn id(name: &str) -> ServiceId {
    ServiceId(name.to_string())
}

#[test]
fn bindings_are_one_way_grants_and_public_routes_admit_only_the_internet() {
    let project = compile("examples/shop/vercel.json".as_ref())
        .unwrap()
        .project
        .unwrap();
    let service = |name: &str| Peer::Service(id(name));
    // Public through the gateway; private services are not.
    assert!(project.allows(&Peer::Internet, &id("storefront")));
    assert!(project.allows(&Peer::Internet, &id("api")));
    assert!(!project.allows(&Peer::Internet, &id("auth")));
    assert!(!project.allows(&Peer::Internet, &id("search")));
    // A binding lets its caller in, and nobody else.
    assert!(project.allows(&service("storefront"), &id("api")));
    assert!(project.allows(&service("admin"), &id("api")));
    assert!(
        !project.allows(&service("api"), &id("storefront")),
        "a target gains no path to its caller"
    );
    assert!(
        !project.allows(&service("storefront"), &id("admin")),
        "two callers of one target stay apart"
    );
    assert!(!project.allows(&service("admin"), &id("storefront")));
    assert!(
        !project.allows(&service("storefront"), &id("auth")),
        "grants are not transitive"
    );
    // A cycle is two grants.
    assert!(project.allows(&service("api"), &id("auth")));
    assert!(project.allows(&service("auth"), &id("api")));
    // Being public grants nothing to other services.
    assert!(!project.allows(&service("search"), &id("storefront")));

    let access = project.access();
    let names = |set: &std::collections::BTreeSet<ServiceId>| {
        set.iter().map(|s| s.0.clone()).collect::<Vec<_>>()
    };
    assert_eq!(names(&access.public), ["admin", "api", "storefront"]);
    assert_eq!(names(&access.private), ["auth", "search"]);
    assert_eq!(access.grants.len(), 5);
}

#[test]
fn the_scheduler_reaches_cron_services_only_and_nothing_reaches_workers_or_jobs() {
    let project = compile("examples/legacy-background/vercel.json".as_ref())
        .unwrap()
        .project
        .unwrap();
    assert!(project.allows(&Peer::Scheduler, &id("cleanup")));
    for other in ["app", "mailer", "ingest", "nightly", "reindex"] {
        assert!(
            !project.allows(&Peer::Scheduler, &id(other)),
            "the scheduler reaches {other}"
        );
    }
    for target in ["cleanup", "mailer", "ingest", "nightly", "reindex"] {
        assert!(!project.allows(&Peer::Internet, &id(target)), "{target}");
        for caller in project.services.keys() {
            assert!(
                !project.allows(&Peer::Service(caller.clone()), &id(target)),
                "{caller} reaches {target}"
            );
        }
    }
    assert!(project.allows(&Peer::Internet, &id("app")));
}
