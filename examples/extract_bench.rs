//! Measures `extract_article` (automatic main text, no selectors) on the public benchmark pages.
//!
//! Usage: `cargo run --release --example extract_bench -- [BENCH_DIR] [OUT_DIR]`
//! (defaults: `/work/shared/bench-data`, `target/extract-bench`). For every data set folder
//! (`scrapinghub`, `trafilatura-eval`) it reads `html/*.html.gz`, decodes the charset (BOM, then
//! `<meta charset>`, then chardetng), extracts, writes `OUT_DIR/<set>.json` (`{id: text}`) for
//! `score.py`, and prints pages/s and MB/s of the extraction itself. Skips politely when the
//! folder is absent.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use govwire::extract::extract_article;
use govwire::model::ArticleSelectors;

fn main() {
    let mut args = std::env::args().skip(1);
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
            run_set(set, &dir, &out.join(format!("{set}.json")));
        }
    }
}

fn run_set(set: &str, dir: &Path, out: &Path) {
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
    let mut result = serde_json::Map::new();
    let mut spent = Duration::ZERO;
    for (id, html) in &pages {
        let start = Instant::now();
        let draft = extract_article(html, "https://bench.invalid/article.html", &sel);
        spent += start.elapsed();
        let text = draft.map(|d| d.text).unwrap_or_default();
        result.insert(id.clone(), serde_json::Value::String(text));
    }
    let secs = spent.as_secs_f64().max(1e-9);
    println!(
        "{set}: {} pages, {:.1} pages/s, {:.1} MB/s (extraction only, one core)",
        pages.len(),
        pages.len() as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
    match serde_json::to_string(&result) {
        Ok(json) => {
            if let Err(e) = std::fs::write(out, json) {
                eprintln!("cannot write {}: {e}", out.display());
            }
        }
        Err(e) => eprintln!("cannot serialise results: {e}"),
    }
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
