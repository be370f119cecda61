//! Measures `extract_article` (automatic main text, no selectors) on the public benchmark pages.
//!
//! Usage: `cargo bench --bench extract_bench -- [BENCH_DIR] [OUT_DIR]`
//! (defaults: `/work/shared/bench-data`, `target/extract-bench`). For every data set folder
//! (`scrapinghub`, `trafilatura-eval`) it reads `html/*.html.gz`, decodes the charset (BOM, then
//! `<meta charset>`, then chardetng), extracts, writes `OUT_DIR/<set>.json` (`{id: text}`) for
//! `score.py`, and prints pages/s and MB/s of the extraction itself. Skips politely when the
//! folder is absent.
//!
//! Because the machine it runs on is shared and noisy, every set is also run through a baseline in
//! the same process: merely parsing each page with scraper and collecting its body text (what
//! any extractor built on scraper has to pay). Baseline and extraction alternate, `ROUNDS` times
//! (env `EXTRACT_BENCH_ROUNDS`, default 3), and the report gives wall time, CPU time of this
//! thread (from `/proc/thread-self/schedstat`, so time spent waiting for a core is not counted)
//! and our speed as a share of the baseline's, by CPU time. Target: at least 60 %.
//! `EXTRACT_BENCH_BASELINE=0` skips the baseline (for profiles of the extraction alone);
//! `EXTRACT_BENCH_DRAFTS=1` also writes all fields of every draft to `OUT_DIR/<set>.drafts.json`.
//!
//! **Folds** (issue 22, held-out development): each set is also scored here, in Rust, with
//! `score.py`'s metrics (`shingle` for scrapinghub, `snippet` for trafilatura-eval; the full-set
//! line agrees with `score.py` to the printed digits), on the whole set and on two folds by page
//! id: **fold A** = ids whose last character is an even hex digit (`0 2 4 6 8 a c e`), **fold B**
//! = odd (`1 3 5 7 9 b d f`); an id ending in a non-hex character goes by its character code.
//! Rules are developed on fold A; fold B is only read as a total, to check that a rule carries.

// A measurement program: a setup failure should stop it at once, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use govwire::extract::extract_article;
use govwire::model::ArticleSelectors;

/// The allocator the `govwire` binary uses (src/main.rs), so that this measures extraction as
/// the crawler runs it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The command line without the `--bench` that `cargo bench` appends to it.
fn args() -> impl Iterator<Item = String> {
    std::env::args().filter(|a| a != "--bench")
}

fn main() {
    let mut args = args().skip(1);
    let bench = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "/work/shared/bench-data".into()),
    );
    let out = PathBuf::from(args.next().unwrap_or_else(|| "target/extract-bench".into()));
    if !bench.is_dir() {
        println!("no benchmark data at {}; skipping", bench.display());
        return;
    }
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("cannot create {}: {e}", out.display());
        return;
    }
    for set in ["scrapinghub", "trafilatura-eval"] {
        let dir = bench.join(set).join("html");
        if dir.is_dir() {
            let result = run_set(set, &dir, &out.join(format!("{set}.json")));
            print_folds(set, &bench.join(set).join("ground-truth.json"), &result);
        }
    }
    dates_row(&bench.join("dates"));
}

/// The fold a page id belongs to (see the module doc): `'A'` for an even last hex digit, `'B'`
/// for an odd one.
fn fold(id: &str) -> char {
    let last = id.chars().last().unwrap_or('0');
    let v = last.to_digit(16).unwrap_or(last as u32);
    if v.is_multiple_of(2) { 'A' } else { 'B' }
}

/// Prints precision, recall and F1 of `result` against the set's ground truth: the whole set,
/// fold A and fold B, one line each (the metric as `score.py` defines it for that truth).
fn print_folds(set: &str, gt_path: &Path, result: &serde_json::Map<String, serde_json::Value>) {
    let Some(gt) = std::fs::read_to_string(gt_path)
        .ok()
        .and_then(|s| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&s).ok())
    else {
        println!(
            "  (no readable ground truth at {}; F1 not computed)",
            gt_path.display()
        );
        return;
    };
    for part in [None, Some('A'), Some('B')] {
        let ids: Vec<&String> = gt
            .keys()
            .filter(|id| part.is_none_or(|f| fold(id) == f))
            .collect();
        let pred = |id: &str| result.get(id).and_then(|v| v.as_str()).unwrap_or("");
        let (metric, p, r, f1) = if ids
            .iter()
            .any(|id| gt[id.as_str()].get("articleBody").is_some())
        {
            let rows: Vec<(Option<f64>, Option<f64>)> = ids
                .iter()
                .map(|id| {
                    let truth = gt[id.as_str()]["articleBody"].as_str().unwrap_or("");
                    shingle_page(truth, pred(id))
                })
                .collect();
            let mean = |v: Vec<f64>| {
                if v.is_empty() {
                    0.0
                } else {
                    v.iter().sum::<f64>() / v.len() as f64
                }
            };
            let p = mean(rows.iter().filter_map(|r| r.0).collect());
            let r = mean(rows.iter().filter_map(|r| r.1).collect());
            (
                "shingle",
                p,
                r,
                if p + r > 0.0 {
                    2.0 * p * r / (p + r)
                } else {
                    0.0
                },
            )
        } else {
            let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
            for id in &ids {
                let out = norm_ws(pred(id));
                let item = &gt[id.as_str()];
                let snippets = |k: &str| -> Vec<String> {
                    item[k]
                        .as_array()
                        .map(|a| a.iter().filter_map(|s| s.as_str()).map(norm_ws).collect())
                        .unwrap_or_default()
                };
                for w in snippets("with") {
                    if out.contains(&w) { tp += 1 } else { fn_ += 1 }
                }
                fp += snippets("without")
                    .iter()
                    .filter(|w| out.contains(w.as_str()))
                    .count();
            }
            let ratio = |a: usize, b: usize| if b > 0 { a as f64 / b as f64 } else { 0.0 };
            (
                "snippet",
                ratio(tp, tp + fp),
                ratio(tp, tp + fn_),
                ratio(2 * tp, 2 * tp + fp + fn_),
            )
        };
        let label = part.map_or_else(|| "all".to_string(), |f| format!("fold {f}"));
        println!(
            "  F1 {set} {label:<6} n={:<3} {metric}: P={p:.3} R={r:.3} F1={f1:.3}",
            ids.len()
        );
    }
}

/// `score.py`'s tokens: runs of word characters (`\w+`, Unicode letters, digits and `_`).
fn tokens(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
        .collect()
}

/// The multiset of 4-token shingles (one shingle of all tokens for a text of 1 to 3 tokens).
fn shingles<'a>(toks: &[&'a str]) -> std::collections::HashMap<Vec<&'a str>, usize> {
    let mut bag = std::collections::HashMap::new();
    if toks.is_empty() {
        return bag;
    }
    if toks.len() < 4 {
        *bag.entry(toks.to_vec()).or_insert(0) += 1;
        return bag;
    }
    for w in toks.windows(4) {
        *bag.entry(w.to_vec()).or_insert(0) += 1;
    }
    bag
}

/// One page's shingle precision and recall (`None` where `score.py` leaves them undefined).
fn shingle_page(truth: &str, pred: &str) -> (Option<f64>, Option<f64>) {
    let (t, p) = (shingles(&tokens(truth)), shingles(&tokens(pred)));
    let tp: usize = t
        .iter()
        .map(|(k, n)| (*n).min(p.get(k).copied().unwrap_or(0)))
        .sum();
    let (nt, np): (usize, usize) = (t.values().sum(), p.values().sum());
    let ratio = |d: usize| (d > 0).then(|| tp as f64 / d as f64);
    (ratio(np), ratio(nt))
}

/// Whitespace runs to one space, trimmed (`score.py`'s `norm_ws`).
fn norm_ws(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Extracts every page of one set (timed) and returns `{id: text}` of the first round.
fn run_set(set: &str, dir: &Path, out: &Path) -> serde_json::Map<String, serde_json::Value> {
    let mut pages: Vec<(String, String)> = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let Some(id) = name.strip_suffix(".html.gz") else {
            continue;
        };
        if let Some(text) = read_page(&path) {
            pages.push((id.to_string(), text));
        }
    }
    let bytes: usize = pages.iter().map(|(_, t)| t.len()).sum();
    let sel = ArticleSelectors::default();
    let rounds: usize = std::env::var("EXTRACT_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .filter(|r| *r > 0)
        .unwrap_or(3);
    // `EXTRACT_BENCH_BASELINE=0` skips the baseline, so that a profile shows extraction only.
    let baseline = std::env::var("EXTRACT_BENCH_BASELINE").map_or(true, |v| v != "0");
    // `EXTRACT_BENCH_DRAFTS=1` also writes every field of every draft to
    // `OUT_DIR/<set>.drafts.json`, to check that a change leaves all of them alone.
    let drafts_out = std::env::var("EXTRACT_BENCH_DRAFTS").is_ok_and(|v| v == "1");
    let mut drafts = serde_json::Map::new();
    let mut result = serde_json::Map::new();
    let (mut base, mut ours) = (Clock::default(), Clock::default());
    for round in 0..rounds {
        if baseline {
            base.time(|| {
                for (_, html) in &pages {
                    black_box(parse_and_collect(html));
                }
            });
        }
        ours.time(|| {
            for (id, html) in &pages {
                let draft = extract_article(html, "https://bench.invalid/article.html", &sel);
                if round == 0 && drafts_out {
                    let v = draft
                        .as_ref()
                        .ok()
                        .and_then(|d| serde_json::to_value(d).ok());
                    drafts.insert(id.clone(), v.unwrap_or_default());
                }
                let text = draft.map(|d| d.text).unwrap_or_default();
                if round == 0 {
                    result.insert(id.clone(), serde_json::Value::String(text));
                } else {
                    black_box(text);
                }
            }
        });
    }
    let n = (pages.len() * rounds) as f64;
    let mb = (bytes * rounds) as f64 / 1e6;
    println!(
        "{set}: {} pages x {rounds} rounds, {:.1} MB of HTML per round",
        pages.len(),
        bytes as f64 / 1e6
    );
    for (label, c) in [("parse baseline", &base), ("extraction", &ours)] {
        let wall = c.wall.as_secs_f64().max(1e-9);
        let cpu = c.cpu.as_secs_f64().max(1e-9);
        println!(
            "  {label:<15} wall {wall:6.2} s = {:6.1} pages/s, {:5.1} MB/s | CPU {cpu:6.2} s = {:6.1} pages/s, {:5.1} MB/s",
            n / wall,
            mb / wall,
            n / cpu,
            mb / cpu,
        );
    }
    println!(
        "  extraction speed / parse baseline: {:.0} % by CPU time, {:.0} % by wall time (target >= 60 %)",
        100.0 * base.cpu.as_secs_f64() / ours.cpu.as_secs_f64().max(1e-9),
        100.0 * base.wall.as_secs_f64() / ours.wall.as_secs_f64().max(1e-9),
    );
    if drafts_out {
        let path = out.with_extension("drafts.json");
        let json = serde_json::to_string_pretty(&drafts).unwrap_or_default();
        if let Err(e) = std::fs::write(&path, json) {
            eprintln!("cannot write {}: {e}", path.display());
        }
    }
    match serde_json::to_string(&result) {
        Ok(json) => {
            if let Err(e) = std::fs::write(out, json) {
                eprintln!("cannot write {}: {e}", out.display());
            }
        }
        Err(e) => eprintln!("cannot serialise results: {e}"),
    }
    result
}

/// The baseline: parse with scraper, collect all text under `<body>`.
fn parse_and_collect(html: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let mut out = String::new();
    let body = doc
        .root_element()
        .children()
        .filter_map(scraper::ElementRef::wrap)
        .find(|e| e.value().name() == "body");
    if let Some(body) = body {
        for t in body.text() {
            out.push_str(t);
        }
    }
    out
}

/// Wall and CPU time accumulated over several timed passes.
#[derive(Default)]
struct Clock {
    wall: Duration,
    cpu: Duration,
}

impl Clock {
    /// Runs `f` once, adding its wall and CPU time.
    fn time(&mut self, f: impl FnOnce()) {
        let (cpu0, wall0) = (thread_cpu(), Instant::now());
        f();
        self.wall += wall0.elapsed();
        self.cpu += thread_cpu().saturating_sub(cpu0);
    }
}

/// CPU time this thread has run so far (Linux `schedstat`, nanoseconds; zero elsewhere).
fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

/// Gunzips and decodes one page.
fn read_page(path: &Path) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut raw)
        .ok()?;
    Some(decode(&raw))
}

/// BOM, then a `charset=` in the first 2 KiB, then chardetng.
fn decode(raw: &[u8]) -> String {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(raw) {
        return enc.decode_without_bom_handling(&raw[bom..]).0.into_owned();
    }
    let head = String::from_utf8_lossy(&raw[..raw.len().min(2048)]).to_ascii_lowercase();
    let declared = head.find("charset=").and_then(|i| {
        let rest = head[i + 8..].trim_start_matches(['"', '\'']);
        let label: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        encoding_rs::Encoding::for_label(label.as_bytes())
    });
    let enc = match declared {
        Some(enc) if enc != encoding_rs::UTF_8 || std::str::from_utf8(raw).is_ok() => enc,
        _ => {
            let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            det.feed(raw, true);
            det.guess(None, chardetng::Utf8Detection::Allow)
        }
    };
    enc.decode_without_bom_handling(raw).0.into_owned()
}

#[allow(dead_code)] // `dates_bench` also writes the predictions; this row only prints.
#[path = "shared/date_score.rs"]
mod date_score;

/// The dates row: publication day right / found / wrong per fold on the public date set
/// (`BENCH_DIR/dates`), scored as `dates_bench` scores it; skipped when the set is absent.
fn dates_row(dir: &Path) {
    if let Some(s) = date_score::score(dir) {
        println!("dates (fold B developed on, fold A held out):");
        for (name, t) in [("fold A", &s.a), ("fold B", &s.b), ("overall", &s.all)] {
            println!("  {}", t.line(name));
        }
    }
}
