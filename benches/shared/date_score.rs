//! Publication-date scoring on the public date set, shared by `dates_bench` (which writes the
//! predictions and the development fold page by page) and `extract_bench` (which prints one
//! dates row per fold).
//!
//! For every page in `ground-truth.json` it reads `html/<id>.html.gz`, decodes the charset like
//! `govwire extract` does, and runs the crawler's entry point `extract_article` with the page
//! URL from the ground truth and no selectors. A date-time is right when its own calendar day
//! or its Europe/Berlin day is the true day (as `score_dates.py` scores). Folds: a page is in
//! fold A when the last hex digit of its id is even, else in fold B.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use chrono::{DateTime, FixedOffset};
use chrono_tz::Europe::Berlin;
use govwire::extract::extract_article;
use govwire::fetch::charset;
use govwire::model::ArticleSelectors;

/// Running counts of one fold.
#[derive(Default)]
pub struct Tally {
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

    /// One printed line: pages, right, found and wrong with their shares.
    pub fn line(&self, name: &str) -> String {
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

/// The outcome of one run over the date set.
#[derive(Default)]
pub struct Scored {
    /// Fold A (last hex digit of the id even).
    pub a: Tally,
    /// Fold B (odd).
    pub b: Tally,
    /// Both folds.
    pub all: Tally,
    /// `{id: RFC 3339 date-time or null}`, the input of `score_dates.py`.
    pub pred: serde_json::Map<String, serde_json::Value>,
    /// The development fold page by page (`id url true pred right`, tab-separated): fold A
    /// since the third round of issue 22 (fold B was developed on in the second).
    pub dev_rows: String,
}

/// Scores every page of the date set in `data`; `None` (with a message) when its ground truth
/// is absent or unreadable.
pub fn score(data: &Path) -> Option<Scored> {
    let gt_path = data.join("ground-truth.json");
    let Ok(gt_raw) = std::fs::read_to_string(&gt_path) else {
        println!("no date benchmark data at {}; skipping", data.display());
        return None;
    };
    let gt: BTreeMap<String, serde_json::Value> = serde_json::from_str(&gt_raw)
        .map_err(|e| eprintln!("{}: {e}", gt_path.display()))
        .ok()?;
    let mut s = Scored {
        dev_rows: String::from("id\turl\ttrue\tpred\tright\n"),
        ..Scored::default()
    };
    for (id, t) in &gt {
        let truth = t["date"].as_str().unwrap_or_default();
        let url = t["url"].as_str().unwrap_or_default();
        let got = read_page(data, id).and_then(|html| {
            extract_article(&html, url, &ArticleSelectors::default())
                .ok()?
                .published_local()
        });
        let right = got.is_some_and(|d| days(d).iter().any(|day| day == truth));
        let shown = got.map(|d| d.to_rfc3339());
        s.pred.insert(
            id.clone(),
            shown.clone().map_or(serde_json::Value::Null, Into::into),
        );
        let fold_a = id
            .chars()
            .last()
            .and_then(|c| c.to_digit(16))
            .is_some_and(|d| d % 2 == 0);
        if fold_a {
            s.a.add(got.is_some(), right);
            s.dev_rows.push_str(&format!(
                "{id}\t{url}\t{truth}\t{}\t{}\n",
                shown.unwrap_or_default(),
                u8::from(right)
            ));
        } else {
            s.b.add(got.is_some(), right);
        }
        s.all.add(got.is_some(), right);
    }
    Some(s)
}

/// The page's HTML, gunzipped and decoded, or `None` (with a message) when unreadable.
fn read_page(data: &Path, id: &str) -> Option<String> {
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
