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

/// FNV-1a, stable across platforms and releases (unlike std's hasher), then mixed so that names
/// differing in one character land far apart in the low bits too.
pub fn stable_hash(text: &str) -> u64 {
    let fnv = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    // splitmix64's finaliser.
    let mut z = fnv;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
