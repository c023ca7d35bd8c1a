//! The one integration test binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod backends;
mod cases;
mod cli;
mod docs;
mod editors;
mod explain;
mod fixtures;
mod flow;
mod ir;
mod snapshots_hygiene;
