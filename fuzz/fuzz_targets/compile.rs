//! Parse → resolve → check → every backend, over arbitrary bytes. See
//! `fuzz/README.md` for the command; the invariants are in
//! `src/invariants.rs`, shared with the integration suite, which replays
//! `fuzz/corpus/compile/` through them on every `cargo test`.
#![no_main]

#[path = "../src/invariants.rs"]
mod invariants;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    invariants::check_input(data);
});
