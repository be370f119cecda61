//! The end-to-end tests, built as one test binary: each former `tests/*.rs` file is a module
//! here. One binary instead of one per file links the library and its dependencies once, which
//! is most of the build time and the disk space of `cargo test`.
//!
//! All modules share one process, and so its process-wide state: the Prometheus recorder
//! (`govwire::telemetry`, installed by the first `Crawler`) and the web view's search slots.
//! `end_to_end` asserts exact counter values for its sources, so no other module may crawl a
//! source with the id `k21` (`stories` calls its Kommune21 feed `kommune21` for that reason).

// Tests and their helpers fail loudly: unwrap/expect on a setup error is the right answer here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod browser;
mod check;
mod cli_crawl;
mod cli_terminal;
#[cfg(unix)]
mod control;
mod crash_safety;
mod crawl_faults;
mod date_precision;
mod digest_mail;
mod digest_web;
mod end_to_end;
mod feeds_http;
mod fetch_robots;
mod fields;
mod fuzz_regressions;
mod hostile_inputs;
mod malformed_feeds;
mod opml;
mod reload;
mod search;
mod search_cache;
mod search_rebuild;
mod security;
#[cfg(unix)]
mod signals;
mod site_fields;
mod site_web;
mod spreadsheets;
mod store_compaction;
mod store_repair;
mod store_upgrade;
mod stories;
