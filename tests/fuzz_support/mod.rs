//! Shared by the fuzz targets (`fuzz/`) and the corpus replay (`tests/fuzz_corpus.rs`): the
//! structured config generator, nginx's reading of a config, and the invariants.
//!
//! Each includer uses only part of it (the read targets never build a config).
#![allow(dead_code)]

pub mod config_input;
pub mod invariants;
pub mod nginx_tokens;
