//! The Letopis binary's library: the durable store and (later) commands, server and CLI.
//!
//! This is the one crate that knows sled, tokio, axum and clap; the format lives in proto-events
//! and the folds in projections.

pub mod access;
pub mod archive;
pub mod cli;
pub mod commands;
pub mod demo;
pub mod documents;
pub mod event_view;
pub mod personal;
pub mod query;
pub mod server;
pub mod store;
