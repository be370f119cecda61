//! Measures publication dates found by `extract_article` on the public date benchmark pages.
//!
//! Usage: `cargo bench --bench dates_bench -- [DATA_DIR] [OUT_DIR]` (a release build), or much
//! quicker to build and fast enough (about 10 s for the 381 pages): `cargo bench --bench
//! dates_bench --profile dev` or `cargo test --bench dates_bench`; defaults
//! `/work/shared/bench-data/dates` and `target/dates-bench`. Scores every page like
//! `score_dates.py` (see `shared/date_score.rs`, which `extract_bench` uses for its dates row
//! too), writes `OUT_DIR/pred.json` (`{id: RFC 3339 date-time or null}`, the input of
//! `score_dates.py`) and prints right / found / wrong per fold and overall.
//!
//! Folds: a page is in fold A when the last hex digit of its id is even, else in fold B. Rules
//! were first developed on fold A, in the second round of issue 22 on fold B, and in the third
//! on fold A again (`OUT_DIR/fold-a.tsv` lists its pages one by one) with fold B reported in
//! aggregate only, so that each rule is checked on pages it was not written for. Skips politely when the data
//! folder is absent.

use std::io::Write;
use std::path::PathBuf;

#[path = "shared/date_score.rs"]
mod date_score;

fn main() {
    // `cargo test --bench` passes harness flags such as `--bench`; only plain paths count.
    let mut args = std::env::args().skip(1).filter(|a| !a.starts_with('-'));
    let data = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "/work/shared/bench-data/dates".into()),
    );
    let out = PathBuf::from(args.next().unwrap_or_else(|| "target/dates-bench".into()));
    let Some(s) = date_score::score(&data) else {
        return;
    };
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("cannot create {}: {e}", out.display());
        return;
    }
    let pred_path = out.join("pred.json");
    let write = |path: &PathBuf, body: &str| {
        if let Err(e) = std::fs::File::create(path).and_then(|mut f| f.write_all(body.as_bytes())) {
            eprintln!("cannot write {}: {e}", path.display());
        }
    };
    write(
        &pred_path,
        &serde_json::to_string_pretty(&s.pred).unwrap_or_default(),
    );
    write(&out.join("fold-a.tsv"), &s.dev_rows);
    println!("{}", s.a.line("fold A"));
    println!("{}", s.b.line("fold B"));
    println!("{}", s.all.line("overall"));
    println!("predictions: {}", pred_path.display());
}
