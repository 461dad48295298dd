//! Raw bytes as vercel.json (JSON with comments) through read and parse.
#![no_main]

#[path = "../../tests/fuzz_support/mod.rs"]
mod fuzz_support;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    fuzz_support::invariants::read_and_parse(bytes, "vercel.json");
});
