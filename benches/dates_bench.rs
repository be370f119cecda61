//! Measures publication dates found by `extract_article` on the public date benchmark pages.
//!
//! Usage: `cargo bench --bench dates_bench -- [DATA_DIR] [OUT_DIR]` (a release build), or much
//! quicker to build and fast enough (about 10 s for the 381 pages): `cargo bench --bench
//! dates_bench --profile dev` or `cargo test --bench dates_bench`; defaults
//! `/work/shared/bench-data/dates` and `target/dates-bench`. For every page in
//! `ground-truth.json` it reads `html/<id>.html.gz`, decodes the charset like `govwire extract`
//! does, runs the crawler's entry point `extract_article` with the page URL from the ground truth
//! and no selectors, and writes `OUT_DIR/pred.json` (`{id: RFC 3339 date-time or null}`, the
//! input of `score_dates.py`). It prints right / found / wrong per fold and overall, scored like
//! `score_dates.py` (a date-time is right when its own calendar day or its Europe/Berlin day is
//! the true day).
//!
//! Folds: a page is in fold A when the last hex digit of its id is even, else in fold B. Rules
//! were first developed on fold A; since the second round (issue 22) they are developed on fold
//! B (`OUT_DIR/fold-b.tsv` lists its pages one by one) and fold A is reported in aggregate only,
//! so that each rule is checked on pages it was not written for. Skips politely when the data
//! folder is absent.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;

use chrono::{DateTime, FixedOffset};
use chrono_tz::Europe::Berlin;
use govwire::extract::extract_article;
use govwire::fetch::charset;
use govwire::model::ArticleSelectors;

/// Running counts of one fold.
#[derive(Default)]
struct Tally {
    pages: usize,
    found: usize,
    right: usize,
}

impl Tally {
    fn add(&mut self, found: bool, right: bool) {
        self.pages += 1;
        self.found += usize::from(found);
        self.right += usize::from(right);
    }

    fn line(&self, name: &str) -> String {
        let pct = |n: usize| 100.0 * n as f64 / self.pages.max(1) as f64;
        let wrong = self.found - self.right;
        format!(
            "{name:<8} pages {:>4}  right {:>4} ({:5.1} %)  found {:>4} ({:5.1} %)  wrong {:>3} ({:4.1} %)",
            self.pages,
            self.right,
            pct(self.right),
            self.found,
            pct(self.found),
            wrong,
            pct(wrong)
        )
    }
}

fn main() {
    // `cargo test --bench` passes harness flags such as `--bench`; only plain paths count.
    let mut args = std::env::args().skip(1).filter(|a| !a.starts_with('-'));
    let data = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "/work/shared/bench-data/dates".into()),
    );
    let out = PathBuf::from(args.next().unwrap_or_else(|| "target/dates-bench".into()));
    let gt_path = data.join("ground-truth.json");
    let Ok(gt_raw) = std::fs::read_to_string(&gt_path) else {
        println!("no date benchmark data at {}; skipping", data.display());
        return;
    };
    let gt: BTreeMap<String, serde_json::Value> = match serde_json::from_str(&gt_raw) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{}: {e}", gt_path.display());
            return;
        }
    };
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("cannot create {}: {e}", out.display());
        return;
    }
    let mut pred = serde_json::Map::new();
    let mut dev_rows = String::from("id\turl\ttrue\tpred\tright\n");
    let (mut a, mut b, mut all) = (Tally::default(), Tally::default(), Tally::default());
    for (id, t) in &gt {
        let truth = t["date"].as_str().unwrap_or_default();
        let url = t["url"].as_str().unwrap_or_default();
        let got = read_page(&data, id).and_then(|html| {
            extract_article(&html, url, &ArticleSelectors::default())
                .ok()?
                .published_local()
        });
        let right = got.is_some_and(|d| days(d).iter().any(|day| day == truth));
        let shown = got.map(|d| d.to_rfc3339());
        pred.insert(
            id.clone(),
            shown.clone().map_or(serde_json::Value::Null, Into::into),
        );
        let fold_a = id
            .chars()
            .last()
            .and_then(|c| c.to_digit(16))
            .is_some_and(|d| d % 2 == 0);
        if fold_a {
            a.add(got.is_some(), right);
        } else {
            b.add(got.is_some(), right);
            dev_rows.push_str(&format!(
                "{id}\t{url}\t{truth}\t{}\t{}\n",
                shown.unwrap_or_default(),
                u8::from(right)
            ));
        }
        all.add(got.is_some(), right);
    }
    let pred_path = out.join("pred.json");
    let write = |path: &PathBuf, body: &str| {
        if let Err(e) = std::fs::File::create(path).and_then(|mut f| f.write_all(body.as_bytes())) {
            eprintln!("cannot write {}: {e}", path.display());
        }
    };
    write(
        &pred_path,
        &serde_json::to_string_pretty(&pred).unwrap_or_default(),
    );
    write(&out.join("fold-b.tsv"), &dev_rows);
    println!("{}", a.line("fold A"));
    println!("{}", b.line("fold B"));
    println!("{}", all.line("overall"));
    println!("predictions: {}", pred_path.display());
}

/// The page's HTML, gunzipped and decoded, or `None` (with a message) when unreadable.
fn read_page(data: &std::path::Path, id: &str) -> Option<String> {
    let path = data.join("html").join(format!("{id}.html.gz"));
    let raw = std::fs::read(&path)
        .map_err(|e| eprintln!("{}: {e}", path.display()))
        .ok()?;
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(&raw[..])
        .take(64 << 20)
        .read_to_end(&mut bytes)
        .map_err(|e| eprintln!("{}: {e}", path.display()))
        .ok()?;
    Some(charset::decode(&bytes, None, Some(b"de")))
}

/// The calendar days a date-time counts for: its own and Europe/Berlin's.
fn days(d: DateTime<FixedOffset>) -> [String; 2] {
    [
        d.date_naive().to_string(),
        d.with_timezone(&Berlin).date_naive().to_string(),
    ]
}
