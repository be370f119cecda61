#![warn(missing_docs)]
//! govwire: an aggregator of German government news and press releases.
//!
//! The library holds everything; `src/main.rs` is a thin command line over it. See
//! `DESIGN.md`-style module map in the README: `web` → `store` ← `crawl` → `fetch`, `extract`,
//! `enrich`, with `model` at the bottom.

pub mod model;
pub mod store;
pub mod fetch;
