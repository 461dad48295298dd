//! Shared helpers for tests that run real tools: finding them, skipping politely on a developer
//! machine, failing loudly under CI, stub upstream servers, and a raw HTTP client.

#![allow(dead_code)]

pub mod apps;
pub mod cases;
pub mod compose;
pub mod gateway;
pub mod http;

use std::path::{Path, PathBuf};

/// Under CI (`CI=true`) or with `SVC_E2E=1`, a missing tool fails the test instead of skipping.
pub fn tools_required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
        || std::env::var("SVC_E2E").is_ok_and(|v| v == "1")
}

/// The path of a program on PATH (or in the sbin directories where Debian puts nginx).
pub fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"].map(PathBuf::from))
        // The virtual environments .ci/run installs the scanners and the Kubernetes checkers in.
        .chain([
            PathBuf::from("target/scanners/bin"),
            PathBuf::from("target/kubernetes/bin"),
        ])
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// The tool, or `None` after printing why the test is skipped; panics when tools are required.
pub fn require_tool(name: &str, test: &str) -> Option<PathBuf> {
    match find_tool(name) {
        Some(path) => Some(path),
        None if tools_required() => panic!(
            "{test}: `{name}` is not installed, and CI=true/SVC_E2E=1 requires it (.ci/run installs it)"
        ),
        None => {
            eprintln!(
                "SKIPPED {test}: `{name}` is not installed (install it, or run under CI=true to make this a failure)"
            );
            None
        }
    }
}

/// The config of an example directory (`vercel.json`, `vercel.jsonc` or `vercel.yaml`).
#[allow(dead_code)]
pub fn example_config(example: &Path) -> Option<PathBuf> {
    ["vercel.json", "vercel.jsonc", "vercel.yaml"]
        .iter()
        .map(|name| example.join(name))
        .find(|path| path.is_file())
}

/// A fresh scratch directory for one test.
pub fn scratch_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("svc-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Copies a directory tree (an example into a scratch project).
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// Every file under `dir`, at any depth, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}
