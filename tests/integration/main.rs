//! The one integration test binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

/// The fuzz target's invariants, shared so that the corpus replays here.
#[path = "../../fuzz/src/invariants.rs"]
mod invariants;

/// The benchmarks' project generator, for the size tests.
#[path = "../../benches/support/generate.rs"]
mod generate;

mod backends;
mod bounds;
mod cases;
mod cli;
mod diff;
mod docs;
mod editors;
mod explain;
mod fixtures;
mod flow;
mod format;
mod formats;
mod fuzz_corpus;
mod ide;
mod inputs;
mod ir;
mod lints;
mod outputs;
mod parallel;
mod paths;
mod platform_schemas;
mod projects;
mod properties;
mod simulate;
mod simulate_properties;
mod simulate_values;
mod snapshots_hygiene;
mod tree_sitter;
