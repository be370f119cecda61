//! What a shorter language-detection sample would cost and save (issue 7, crawl hot spot).
//!
//! Usage: `cargo bench --bench lang_sample -- [BENCH_DIR] [ONLY_LIMIT]` (default
//! `/work/shared/bench-data`; skips politely when absent). With `ONLY_LIMIT` (e.g. `1024`, or
//! `4096a` for whatlang restricted to an allowlist of 11 languages) it runs the detection once
//! per text in `detect_all` and nothing else, for callgrind:
//! `valgrind --tool=callgrind --toggle-collect='lang_sample::detect_all*' ...`.
//!
//! Extracts every benchmark page once (as `extract_bench` does), then runs whatlang on the
//! first 4,096 bytes of each main text (what `extract::lang` gives it today) and on the first
//! 1,024, and prints the time per text of each (fastest of five alternating runs) and how many answers differ. The crawl profile
//! showed language detection at 20 % of the crawl's instructions.

// A measurement program: a setup failure should stop it at once, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;
use std::path::PathBuf;
use std::time::Instant;

use govwire::extract::extract_article;
use govwire::model::ArticleSelectors;

/// The command line without the `--bench` that `cargo bench` appends to it.
fn args() -> impl Iterator<Item = String> {
    std::env::args().filter(|a| a != "--bench")
}

fn main() {
    let bench = PathBuf::from(
        args()
            .nth(1)
            .unwrap_or_else(|| "/work/shared/bench-data".into()),
    );
    if !bench.is_dir() {
        println!("no benchmark data at {}; skipping", bench.display());
        return;
    }
    let sel = ArticleSelectors::default();
    let mut texts = Vec::new();
    for set in ["scrapinghub", "trafilatura-eval"] {
        let Ok(rd) = std::fs::read_dir(bench.join(set).join("html")) else {
            continue;
        };
        for entry in rd.flatten() {
            let Ok(file) = std::fs::File::open(entry.path()) else {
                continue;
            };
            let mut raw = Vec::new();
            if flate2::read::GzDecoder::new(file)
                .read_to_end(&mut raw)
                .is_err()
            {
                continue;
            }
            let html = String::from_utf8_lossy(&raw);
            if let Ok(d) = extract_article(&html, "https://bench.invalid/a.html", &sel) {
                texts.push(d.text);
            }
        }
    }
    let only = args().nth(2);
    let run = |limit: usize| {
        let started = Instant::now();
        let langs = detect_all(&texts, limit, false);
        (langs, started.elapsed().as_secs_f64())
    };
    if let Some(only) = only {
        let allow = only.ends_with('a');
        let limit = only.trim_end_matches('a').parse().unwrap_or(4096);
        let plain = detect_all(&texts, 4096, false);
        let langs = detect_all(&texts, limit, allow);
        let differ = plain.iter().zip(&langs).filter(|(x, y)| x != y).count();
        println!(
            "{} texts, {limit}-byte sample{}: answers differ from the 4096-byte default on {differ}",
            texts.len(),
            if allow { ", allowlist" } else { "" }
        );
        return;
    }
    // Five times each, alternately; the fastest run of each is the least disturbed by the
    // other processes of a busy machine.
    let (a, _) = run(4096);
    let (b, _) = run(1024);
    let (mut best_a, mut best_b) = (f64::MAX, f64::MAX);
    for _ in 0..5 {
        best_a = best_a.min(run(4096).1);
        best_b = best_b.min(run(1024).1);
    }
    let differ = a.iter().zip(&b).filter(|(x, y)| x != y).count();
    let n = texts.len().max(1) as f64;
    println!(
        "{} texts: whatlang on a 4096-byte sample {:.1} us per text, on a 1024-byte sample {:.1} us (fastest of 5); answers differ on {differ}",
        texts.len(),
        best_a * 1e6 / n,
        best_b * 1e6 / n
    );
}

/// whatlang on the first `limit` bytes of every text; `allow` restricts it to the languages a
/// German public body publishes in (German, English, French, Italian, Spanish, Dutch, Polish,
/// Turkish, Russian, Ukrainian, Arabic).
#[inline(never)]
fn detect_all(texts: &[String], limit: usize, allow: bool) -> Vec<Option<whatlang::Lang>> {
    use whatlang::Lang::*;
    let detector = if allow {
        whatlang::Detector::with_allowlist(vec![
            Deu, Eng, Fra, Ita, Spa, Nld, Pol, Tur, Rus, Ukr, Ara,
        ])
    } else {
        whatlang::Detector::new()
    };
    texts
        .iter()
        .map(|t| detector.detect(prefix(t, limit)).map(|i| i.lang()))
        .collect()
}

/// At most `limit` bytes of `text`, cut on a char boundary.
fn prefix(text: &str, limit: usize) -> &str {
    let mut end = limit.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
