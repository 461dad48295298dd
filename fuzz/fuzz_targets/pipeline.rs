//! Well-shaped configs through the whole pipeline to every target.
#![no_main]

#[path = "../../tests/fuzz_support/mod.rs"]
mod fuzz_support;

use fuzz_support::config_input::ConfigInput;

libfuzzer_sys::fuzz_target!(|input: ConfigInput| {
    fuzz_support::invariants::pipeline(&input);
});
