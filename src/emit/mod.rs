//! Emit stage: a checked project plus a target's options into that target's files.
//!
//! Every target takes a `&Checked<Project>`, so it never sees an unchecked graph; what a target
//! cannot express exactly is reported as a diagnostic, never approximated.

pub mod compose;
pub mod container;
pub mod dockerfile;
pub mod gateway;
pub mod health;
pub mod kubernetes;
pub mod nginx;
pub mod nginx_conf;
pub mod registry;
pub mod request;
pub mod target;
pub mod terraform;

use std::collections::BTreeMap;

/// A target's output: relative file path -> file content, in a stable order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Artifacts {
    pub files: BTreeMap<String, String>,
}

impl Artifacts {
    pub fn single(path: &str, content: String) -> Self {
        let mut files = BTreeMap::new();
        files.insert(path.to_string(), content);
        Artifacts { files }
    }
}
