//! Parse stage: the [`Node`] tree of vercel.json (or svc.yaml) into raw, spanned structs.
//!
//! Schema rules live here: which keys exist, their types, lengths and allowed values. Meaning
//! (names resolved, defaults applied) is the lower stage's job.

pub mod decode;
pub mod health;
mod legacy;
pub mod raw;
mod routing;
mod service;
pub mod settings;
mod top;
mod transforms;

pub use top::parse_config;
