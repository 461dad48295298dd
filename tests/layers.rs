//! No two modules of one directory import each other, directly or round a loop: within each
//! directory of `src/`, the files' references to their siblings (`super::x`, `crate::a::b::x`)
//! form a graph without cycles, so each module can be read knowing only those below it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The sibling modules of a directory: its `.rs` files (but `mod.rs`) and subdirectories.
fn siblings(dir: &Path) -> BTreeMap<String, PathBuf> {
    let mut modules = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            modules.insert(name, path.join("mod.rs"));
        } else if path.extension().is_some_and(|e| e == "rs") && name != "mod" {
            modules.insert(name, path);
        }
    }
    modules.retain(|_, path| path.is_file());
    modules
}

/// A module's own code: without its comments (a doc link is no import) and its unit tests
/// (whose `super::` is the module itself).
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let code = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => &text,
    };
    code.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Which siblings `code` refers to, by `super::name` or by `prefix::name`.
fn references(code: &str, prefix: &str, names: &BTreeSet<&str>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for name in names {
        let by_super = format!("super::{name}");
        let by_path = format!("{prefix}::{name}");
        let mentions = |needle: &str| {
            code.match_indices(needle).any(|(at, _)| {
                let after = code[at + needle.len()..].chars().next();
                !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
            })
        };
        if mentions(&by_super) || mentions(&by_path) {
            found.insert(name.to_string());
        }
    }
    // `use super::{a, b::c}` names siblings inside braces.
    for group in code.split("use super::{").skip(1) {
        let inner = &group[..group.find("};").unwrap_or(group.len())];
        for item in inner.split([',', '\n', ' ']) {
            let head = item.trim().split("::").next().unwrap_or("");
            if names.contains(head) {
                found.insert(head.to_string());
            }
        }
    }
    found
}

fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_string());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

fn directories(root: &Path) -> Vec<PathBuf> {
    let mut found = vec![root.to_path_buf()];
    let mut i = 0;
    while i < found.len() {
        for entry in std::fs::read_dir(&found[i]).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                found.push(path);
            }
        }
        i += 1;
    }
    found
}

#[test]
fn no_module_imports_a_sibling_that_imports_it_back() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut checked = 0;
    for dir in directories(&src) {
        let modules = siblings(&dir);
        let names: BTreeSet<&str> = modules.keys().map(String::as_str).collect();
        let relative = dir.strip_prefix(&src).unwrap();
        let prefix = std::iter::once("crate".to_string())
            .chain(relative.iter().map(|p| p.to_string_lossy().to_string()))
            .collect::<Vec<_>>()
            .join("::");
        let graph: BTreeMap<String, BTreeSet<String>> = modules
            .iter()
            .map(|(name, path)| {
                let mut refs = references(&code_of(path), &prefix, &names);
                refs.remove(name);
                (name.clone(), refs)
            })
            .collect();
        checked += graph.values().map(BTreeSet::len).sum::<usize>();
        if let Some(found) = cycle(&graph) {
            panic!(
                "in src/{}: {} import each other round a loop",
                relative.display(),
                found.join(" -> ")
            );
        }
    }
    assert!(
        checked > 50,
        "the check found only {checked} imports: it reads nothing"
    );
}
