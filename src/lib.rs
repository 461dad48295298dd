//! `svc`: compiles the `services` config of vercel.json into deployable infrastructure.
//!
//! The pipeline is read -> parse -> lower -> check -> emit -> write; see ARCHITECTURE.md.

#![forbid(unsafe_code)]
// A config is untrusted input: the library reports, it does not panic.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod check;
pub mod compile;
pub mod cron;
pub mod diag;
pub mod emit;
pub mod graph;
pub mod host;
pub mod ir;
pub mod limits;
pub mod lower;
pub mod naming;
pub mod parallel;
pub mod parse;
pub mod paths;
pub mod pattern;
pub mod read;
pub mod render;
pub mod settings;
pub mod source;
pub mod write;
