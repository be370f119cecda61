//! Read speed of the store: the listings and article reads the web view makes.
//!
//! Usage: `cargo bench --bench store_read -- STORE_DIR [ROUNDS [CASE]]` (the `store/` folder
//! of a data dir; no govwire process may have it open). Opening a store written by an older
//! build upgrades it (Länder mentioned moved into the date index), so run it on a copy when the
//! original must stay as it was.
//!
//! Prints microseconds per call, best of ROUNDS (default 5) rounds, for: the front page
//! (`latest(0, 20)`), a deep page (`latest(1000, 20)`), one source's page, a `from:` and a
//! `mentions:` region page, and `get` of 2,000 articles spread over the whole store (the
//! article page). Best-of-rounds because the machine is shared; compare two stores in the same
//! run, alternately. With CASE (a prefix of a case name, or `none`), only the matching cases
//! run: under `valgrind --tool=callgrind`, the instructions of one case are the difference to a
//! run with `none`, which is stable on a noisy machine.

// A measurement program: a setup failure should stop it at once, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::Instant;

use govwire::model::Land;
use govwire::store::{Region, Store};

/// The command line without the `--bench` that `cargo bench` appends to it.
fn args() -> impl Iterator<Item = String> {
    std::env::args().filter(|a| a != "--bench")
}

fn main() {
    let Some(dir) = args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: store_read STORE_DIR [ROUNDS]");
        std::process::exit(2);
    };
    let rounds: usize = args().nth(2).and_then(|r| r.parse().ok()).unwrap_or(5);
    let opened = Instant::now();
    let store = match Store::open(&dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot open {}: {e}", dir.display());
            std::process::exit(1);
        }
    };
    println!(
        "open: {:.1} ms, {} articles",
        opened.elapsed().as_secs_f64() * 1e3,
        store.count().unwrap_or(0)
    );
    let ids = store.newest_ids(usize::MAX).expect("ids");
    let step = (ids.len() / 2000).max(1);
    let sample: Vec<_> = ids.iter().step_by(step).copied().collect();
    let source = store
        .latest(0, 1)
        .ok()
        .and_then(|p| p.items.into_iter().next())
        .map(|a| a.source_id)
        .unwrap_or_default();
    type Case<'a> = (&'a str, usize, Box<dyn Fn() -> usize + 'a>);
    let cases: Vec<Case> = vec![
        (
            "latest(0, 20)",
            50,
            Box::new(|| store.latest(0, 20).expect("latest").items.len()),
        ),
        (
            "latest(1000, 20)",
            20,
            Box::new(|| store.latest(1000, 20).expect("latest").items.len()),
        ),
        (
            "by_source(0, 20)",
            50,
            Box::new(|| store.by_source(&source, 0, 20).expect("source").items.len()),
        ),
        (
            "from:BY (0, 20)",
            50,
            Box::new(|| {
                store
                    .by_region(Region::From(Land::BY), 0, 20)
                    .expect("from")
                    .items
                    .len()
            }),
        ),
        (
            "mentions:SL (0, 20)",
            50,
            Box::new(|| {
                store
                    .by_region(Region::Mentions(Land::SL), 0, 20)
                    .expect("mentions")
                    .items
                    .len()
            }),
        ),
        (
            "get x2000 spread",
            1,
            Box::new(|| {
                sample
                    .iter()
                    .filter(|id| store.get(**id).expect("get").is_some())
                    .count()
            }),
        ),
    ];
    let only = args().nth(3);
    for (name, reps, f) in &cases {
        if only.as_deref().is_some_and(|o| !name.starts_with(o)) {
            continue;
        }
        let mut best = f64::MAX;
        let mut items = 0;
        for _ in 0..rounds {
            let t = Instant::now();
            for _ in 0..*reps {
                items = f();
            }
            best = best.min(t.elapsed().as_secs_f64() * 1e6 / *reps as f64);
        }
        println!("{name}: {best:.0} us per call ({items} articles)");
    }
}
