//! How much svc accepts. A config comes from pull requests, so each dimension that could make a
//! run exhaust memory, the stack or time has a limit here, reported as an error naming the key.
//! The figures sit far above any real project (Vercel allows 100 services) and at or above the
//! largest benchmark (`docs/performance.md`); `docs/robustness.md` says why each exists.

/// Bytes in a config or settings file.
pub const MAX_INPUT_BYTES: usize = 16 << 20;

/// Values (strings, numbers, objects, arrays...) in one file. The largest benchmark, 10,000
/// services, holds about 150,000; a file of millions of tiny values would take seconds and
/// gigabytes to read.
pub const MAX_VALUES: usize = 1_000_000;

/// Objects and arrays nested inside each other. A config needs about eight.
pub const MAX_DEPTH: usize = 64;

/// Entries in any one list or map of a config: services, rewrites, bindings of one service...
pub const MAX_ENTRIES: usize = 10_000;

/// Bindings across all services: each becomes a listener, a grant and network rules in every
/// target, so the output grows with this number.
pub const MAX_BINDINGS: usize = 100_000;

/// Characters in a path pattern or a regular expression.
pub const MAX_PATTERN: usize = 4096;
