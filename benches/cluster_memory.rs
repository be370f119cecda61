//! Memory of the in-process story index: what the crawler's story index costs on a full store.
//!
//! Usage: `cargo bench --bench cluster_memory -- DATA_DIR` (the folder holding
//! `store/`; no govwire process may have it open).
//!
//! Opens the store, then rebuilds a [`ClusterIndex`] from the signatures of the newest
//! [`DEFAULT_WINDOW`] articles, oldest first, as the crawler does before its first crawl (not
//! `serve --no-crawl`), and prints the process's resident memory (VmRSS, VmHWM from
//! /proc/self/status) before and after, so the peak-RSS figure of `bench/crawl-site.sh` can be
//! attributed (issue 7). `ALL=1` indexes every stored signature instead (what it cost before
//! the window existed).

// A measurement program: a setup failure should stop it at once, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use govwire::enrich::{ClusterIndex, DEFAULT_WINDOW, Signature};
use govwire::store::Store;

/// The command line without the `--bench` that `cargo bench` appends to it.
fn args() -> impl Iterator<Item = String> {
    std::env::args().filter(|a| a != "--bench")
}

fn main() {
    let Some(dir) = args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: cluster_memory DATA_DIR");
        std::process::exit(2);
    };
    let store = match Store::open(&dir.join("store")) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot open the store: {e}");
            std::process::exit(1);
        }
    };
    println!("store opened:            {}", memory());
    let all = std::env::var_os("ALL").is_some();
    let window = if all { usize::MAX } else { DEFAULT_WINDOW };
    let ids = store.newest_ids(window).unwrap_or_default();
    let mut sigs = Vec::new();
    for id in ids.into_iter().rev() {
        if let Ok(Some((cluster, bytes))) = store.signature(id)
            && let Some(sig) = Signature::from_bytes(&bytes)
        {
            sigs.push((id.0, cluster.0, sig));
        }
    }
    println!("{:>7} signatures read: {}", sigs.len(), memory());
    let started = std::time::Instant::now();
    let mut index = ClusterIndex::new().with_window(window);
    for (id, cluster, sig) in &sigs {
        index.restore(*id, sig, *cluster);
    }
    let took = started.elapsed();
    println!(
        "cluster index rebuilt:   {}  ({} members, {:.2} s)",
        memory(),
        index.indexed(),
        took.as_secs_f64()
    );
    drop(sigs);
    println!("signatures dropped:      {}", memory());
}

/// VmRSS and VmHWM of this process in MiB.
fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or(0, |kb| kb / 1024)
    };
    format!(
        "VmRSS {} MiB, VmHWM {} MiB",
        field("VmRSS:"),
        field("VmHWM:")
    )
}
