//! The one integration-test binary: every integration test module is linked here.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod access;
mod adversarial;
mod cli;
mod commands;
mod crash;
mod cycle;
mod demo;
mod docx;
mod export;
mod faults;
mod figures;
mod fuzz;
mod import;
mod indicators;
mod mirror;
mod offline;
mod openapi;
mod plans;
mod proofs_http;
mod reports;
mod server;
mod server_connection;
mod server_documents;
mod server_views;
mod store;
mod support;
mod tlog;
mod web;
mod web_browser;
mod witness;
