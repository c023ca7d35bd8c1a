//! The one integration test binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod cases;
mod explain;
mod fixtures;
mod cli;
mod ir;
mod docs;
mod snapshots_hygiene;
