//! Where the bytes of a data folder go: logical size of every sled tree against the disk used.
//!
//! Usage: `cargo run --release --example store_usage -- DATA_DIR` (the folder holding `store/`
//! and `index/`; no govwire process may have it open, sled takes an exclusive lock).
//!
//! For each tree of the store it prints the number of entries and the bytes of keys and values
//! as sled hands them out (the logical payload), then the disk used by `store/` and `index/`.
//! The ratio of disk to payload is sled's space amplification; the `articles` tree's value
//! bytes are what the encoding of the articles costs. Used by `bench/crawl-site.sh` to explain
//! the disk-per-article figure of issue 7. Opens sled directly so that it measures the stored
//! bytes, not govwire's view of them.

use std::path::{Path, PathBuf};

fn main() {
    let Some(dir) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: store_usage DATA_DIR");
        std::process::exit(2);
    };
    let store = dir.join("store");
    if !store.is_dir() {
        eprintln!("no store at {}", store.display());
        std::process::exit(2);
    }
    let disk_store = disk_usage(&store);
    let disk_index = disk_usage(&dir.join("index"));
    let db = match sled::Config::new().path(&store).open() {
        Ok(db) => db,
        Err(e) => {
            eprintln!("cannot open {}: {e}", store.display());
            std::process::exit(1);
        }
    };
    println!("| tree | entries | key bytes | value bytes |");
    println!("|---|---|---|---|");
    let mut total = 0u64;
    let mut names = db.tree_names();
    names.sort();
    for name in names {
        let Ok(tree) = db.open_tree(&name) else {
            continue;
        };
        let (mut n, mut k, mut v) = (0u64, 0u64, 0u64);
        for (key, value) in tree.iter().flatten() {
            n += 1;
            k += key.len() as u64;
            v += value.len() as u64;
        }
        if n == 0 {
            continue;
        }
        total += k + v;
        println!(
            "| {} | {n} | {k} | {v} |",
            String::from_utf8_lossy(&name).replace("__sled__default", "(default)")
        );
    }
    println!(
        "payload {total} B; disk: store {disk_store} B ({:.2}x the payload), index {disk_index} B",
        disk_store as f64 / total.max(1) as f64
    );
}

/// Bytes of the regular files under `dir` (what `du -sb` counts, without directory entries).
fn disk_usage(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => disk_usage(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}
