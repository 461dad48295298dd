//! Large projects are decoded and lowered on several threads. What users see must not show it:
//! diagnostics come in the order a one-by-one pass gives, as they do for a small project.

mod support;

use support::scratch_dir;

/// A service name without digits (service names may not hold them): a, b, ..., z, ba, bb, ...
fn name(mut i: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'a' + (i % 26) as u8);
        i /= 26;
        if i == 0 {
            break;
        }
    }
    letters.reverse();
    format!("svc-{}", String::from_utf8(letters).unwrap())
}

/// For a project of `services` services, each with an entrypoint of the wrong type, a missing
/// root and a binding to an unknown service, plus a bad top-level rewrite and an unknown
/// service in svc.yaml: the (code, key) of every diagnostic, in the order reported.
fn diagnostics_of(services: usize, test: &str) -> Vec<(String, String)> {
    let dir = scratch_dir(test);
    let entries: Vec<String> = (0..services)
        .map(|i| {
            format!(
                r#""{}": {{ "root": "missing-{i}", "entrypoint": 1, "bindings": [{{ "service": "nobody-{i}", "format": "url", "env": "NOBODY_URL" }}] }}"#,
                name(i)
            )
        })
        .collect();
    let config = format!(
        "{{ \"services\": {{ {} }},\n  \"rewrites\": [{{ \"source\": \"/q\", \"destination\": {{ \"service\": \"ghost\" }} }}] }}\n",
        entries.join(",\n")
    );
    std::fs::write(dir.join("vercel.json"), config).unwrap();
    std::fs::write(
        dir.join("svc.yaml"),
        "services:\n  phantom:\n    image: example.com/phantom:1\n",
    )
    .unwrap();
    let compilation = svc::compile::compile(&dir.join("vercel.json")).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    compilation
        .diagnostics
        .iter()
        .map(|d| (d.code.to_string(), d.key.clone().unwrap_or_default()))
        .collect()
}

fn expected(services: usize) -> Vec<(String, String)> {
    // Every service decodes before any lowers; svc.yaml's services are matched to the
    // config's before any service lowers.
    let mut expected: Vec<(String, String)> = (0..services)
        .map(|i| {
            (
                "invalid-type".to_string(),
                format!("services.{}.entrypoint", name(i)),
            )
        })
        .collect();
    expected.push((
        "unknown-service".to_string(),
        "services.phantom".to_string(),
    ));
    for i in 0..services {
        let service = name(i);
        expected.push((
            "root-not-found".to_string(),
            format!("services.{service}.root"),
        ));
        expected.push((
            "unknown-service".to_string(),
            format!("services.{service}.bindings[0].service"),
        ));
    }
    expected.push((
        "unknown-service".to_string(),
        "rewrites[0].destination.service".to_string(),
    ));
    expected
}

/// The first place two long lists differ, so a failure prints one line, not thousands.
fn assert_same(found: &[(String, String)], expected: &[(String, String)]) {
    let first_difference = found.iter().zip(expected).position(|(f, e)| f != e);
    assert_eq!(
        first_difference.map(|i| (&found[i], &expected[i])),
        None,
        "diagnostic {first_difference:?} differs"
    );
    assert_eq!(found.len(), expected.len(), "number of diagnostics");
}

#[test]
fn a_small_project_reports_in_declaration_order() {
    assert_same(&diagnostics_of(3, "scale-small"), &expected(3));
}

#[test]
fn a_large_project_reports_in_the_same_order_as_a_small_one() {
    // Past the size from which services decode and lower side by side (on a machine with more
    // than one core), with three diagnostics per service staying under the 1,000 kept.
    let services = svc::parallel::PARALLEL_FROM + 44;
    assert!(3 * services + 2 < 1000);
    assert_same(
        &diagnostics_of(services, "scale-large"),
        &expected(services),
    );
}

#[path = "../benches/support/synth.rs"]
#[allow(dead_code)]
mod synth;

#[test]
fn a_large_module_is_the_same_built_on_one_thread_or_several() {
    use svc::emit::{gateway, terraform};
    let dir = scratch_dir("scale-terraform");
    synth::write(svc::parallel::PARALLEL_FROM + 44, &dir).unwrap();
    let compilation = svc::compile::compile(&dir.join("vercel.json")).unwrap();
    let project = compilation.project.as_ref().unwrap();
    let emit = |workers| {
        let options = terraform::Options {
            name: "synth".to_string(),
            gateway: gateway::Limits::from_settings(&compilation.settings.nginx),
            project_dir: String::new(),
            workers,
        };
        terraform::emit(project, &options).unwrap().files
    };
    let one = emit(1);
    // Four workers, whatever this machine has: the files must not depend on who built them.
    let several = emit(4);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(one.len(), several.len());
    assert!(
        one.len() > svc::parallel::PARALLEL_FROM,
        "a file per service"
    );
    for (path, text) in &one {
        assert!(several.get(path) == Some(text), "{path} differs");
    }
}
