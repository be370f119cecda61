#![warn(missing_docs)]
//! govwire: an aggregator of German government news and press releases.
//!
//! The library holds everything; `src/main.rs` is a thin command line over it. Dependencies
//! point one way: `web` → `store` ← `crawl` → `fetch`, `extract`, `enrich`, with `model` at
//! the bottom.

pub mod check;
pub mod config;
#[cfg(unix)]
pub mod control;
pub mod crawl;
pub mod days;
pub mod digest;
pub mod enrich;
pub mod extract;
pub mod fetch;
pub mod model;
pub mod opml;
pub mod search;
pub mod store;
pub mod syndication;
pub mod telemetry;
pub mod text;
pub mod web;
