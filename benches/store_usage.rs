//! Where the bytes of a data folder go: logical size of every sled tree against the disk used.
//!
//! Usage: `cargo bench --bench store_usage -- DATA_DIR [COPY_DIR]` (the folder holding
//! `store/` and `index/`; no govwire process may have it open, sled takes an exclusive lock).
//!
//! For each tree of the store it prints the number of entries and the bytes of keys and values
//! as sled hands them out (the logical payload), then the disk used by `store/` (sled's files
//! and the body log `store/bodies/` apart) and `index/`. The ratio of sled's disk to its payload
//! is sled's space amplification. Since the body log, the `articles` values are 13-byte
//! pointers and the article bytes are the log's; stores written before keep them inline. Used by `bench/crawl-site.sh` to explain
//! the disk-per-article figure of issue 7. Opens sled directly so that it measures the stored
//! bytes, not govwire's view of them.
//!
//! It also deflates (flate2, fast level) every inline (not yet deflated, not a pointer) value of
//! the `articles` tree to show what compressing them would save, and with `COPY_DIR` writes every tree into a fresh
//! sled database there (plain inserts in key order, `Mode::LowSpace` like the store) and prints
//! its disk use: the space amplification of sled itself, apart from govwire's write pattern.
//! The copy is deleted afterwards.

// A measurement program: a setup failure should stop it at once, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};

/// The command line without the `--bench` that `cargo bench` appends to it.
fn args() -> impl Iterator<Item = String> {
    std::env::args().filter(|a| a != "--bench")
}

fn main() {
    let copy_dir = args().nth(2).map(PathBuf::from);
    let Some(dir) = args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: store_usage DATA_DIR [COPY_DIR]");
        std::process::exit(2);
    };
    let store = dir.join("store");
    if !store.is_dir() {
        eprintln!("no store at {}", store.display());
        std::process::exit(2);
    }
    let disk_store = disk_usage(&store);
    let disk_bodies = disk_usage(&store.join("bodies"));
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
    let disk_sled = disk_store - disk_bodies;
    println!(
        "payload in sled {total} B; disk: store {disk_store} B = sled {disk_sled} B ({:.2}x its payload) + body log {disk_bodies} B; index {disk_index} B",
        disk_sled as f64 / total.max(1) as f64
    );
    deflate_articles(&db);
    if let Some(copy) = copy_dir {
        copy_into(&db, &copy, total);
    }
}

/// Counts body log pointers and deflates every inline plain-JSON article value on its own.
fn deflate_articles(db: &sled::Db) {
    let Ok(tree) = db.open_tree("articles") else {
        return;
    };
    let (mut raw, mut packed, mut n) = (0u64, 0u64, 0u64);
    let started = std::time::Instant::now();
    let mut pointers = 0u64;
    for (_, value) in tree.iter().flatten() {
        // A body log pointer (0x02) or an already deflated value (0x01).
        if matches!(value.first(), Some(1 | 2)) {
            pointers += u64::from(value[0] == 2);
            continue;
        }
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        if enc.write_all(&value).is_err() {
            continue;
        }
        let Ok(out) = enc.finish() else { continue };
        raw += value.len() as u64;
        packed += out.len() as u64;
        n += 1;
    }
    let took = started.elapsed();
    println!("articles in the body log: {pointers}; inline plain JSON values: {n}");
    if n > 0 {
        println!(
            "inline values deflated one by one (level 1): {raw} B -> {packed} B ({:.2}x smaller), {:.1} us per article",
            raw as f64 / packed.max(1) as f64,
            took.as_secs_f64() * 1e6 / n.max(1) as f64
        );
    }
}

/// Copies every tree into a fresh sled database at `dir` and prints its disk use.
fn copy_into(db: &sled::Db, dir: &Path, payload: u64) {
    let _ = std::fs::remove_dir_all(dir);
    let copy = match sled::Config::new()
        .path(dir)
        .cache_capacity(64 << 20)
        .mode(sled::Mode::LowSpace)
        .open()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cannot create {}: {e}", dir.display());
            return;
        }
    };
    for name in db.tree_names() {
        let (Ok(from), Ok(to)) = (db.open_tree(&name), copy.open_tree(&name)) else {
            continue;
        };
        for (k, v) in from.iter().flatten() {
            if to.insert(k, v).is_err() {
                eprintln!("copy failed");
                return;
            }
        }
    }
    if copy.flush().is_err() {
        eprintln!("flush failed");
    }
    drop(copy);
    let disk = disk_usage(dir);
    println!(
        "fresh copy (inserts in key order, LowSpace): {disk} B on disk ({:.2}x the payload)",
        disk as f64 / payload.max(1) as f64
    );
    let _ = std::fs::remove_dir_all(dir);
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
