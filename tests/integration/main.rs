//! The one integration test binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

/// The fuzz target's invariants, shared so that the corpus replays here.
#[path = "../../fuzz/src/invariants.rs"]
mod invariants;

mod cases;
mod cli;
mod docs;
mod editors;
mod explain;
mod fixtures;
mod fuzz_corpus;
mod ir;
mod properties;
mod snapshots_hygiene;
