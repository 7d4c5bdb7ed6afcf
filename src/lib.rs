//! The Letopis binary's library: the durable store and (later) commands, server and CLI.
//!
//! This is the one crate that knows sled, tokio, axum and clap; the format lives in proto-events
//! and the folds in projections.

pub mod access;
pub mod archive;
pub mod checkpoint;
pub mod cli;
pub mod commands;
pub mod cosigning;
pub mod documents;
pub mod event_view;
pub mod offline;
pub mod personal;
pub mod query;
pub mod server;
pub mod store;
pub mod web;
pub mod witness;

// The demo generator belongs to the binary (`main.rs`), not to this library; the library's unit
// tests compile it as a fixture (the gate snapshot's tests fold a generated district). The
// generator names the library `letopis::`, so the test build gives this crate that name too.
#[cfg(test)]
extern crate self as letopis;
#[cfg(test)]
mod demo;
