//! Search benchmark over a generated corpus of synthetic German articles.
//!
//! ```sh
//! cargo bench --bench search_bench            # 100,000 articles
//! cargo bench --bench search_bench -- 1000000 # 1,000,000 articles
//! cargo bench --bench search_bench -- 1000000 --dir target/search-bench-1m
//! ```
//!
//! With `--dir`, the index is kept in that folder and reused by the next run with the same
//! article count (the articles are still generated, to draw the same queries), so query
//! changes can be measured without indexing again; delete the folder when done. After the
//! commit the bench waits for tantivy's background merges (as `Index::reindex` does), so the
//! queries neither overlap merges nor run over the unmerged segments; `--no-merge-wait`
//! queries right after the commit instead, as earlier versions of this bench did (and waits
//! for the merges only at the end, so that a kept index is merged for the next run).
//!
//! Indexes the articles through `Index::add` + one `commit` (the index only: the articles are
//! not written to sled, so hits carry no snippet; with `--store`, they are written to the sled
//! store too, as a crawl does, and every hit reads its article and builds its snippet, as
//! `/search` does: `--store` cannot reuse a kept index), then runs 300 queries of each kind —
//! a single word, a two-word phrase, and a word with a Land filter and a date range — through
//! `Index::search` (top 20, total count and facet counts, as `/search` does) and prints the
//! indexing rate and the median and 99th-percentile latency per kind, both as wall time and
//! as the CPU time of the querying thread (the machine may be shared: wall time then includes
//! waiting for a core, CPU time does not).

// A measurement program: a setup failure should stop it at once, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use govwire::model::{Article, ArticleId, Land, Level};
use govwire::search::{Index, Sort, query};
use govwire::store::Store;

/// Words with a domain meaning, mixed into the text at a fixed rate.
const DOMAIN: [&str; 24] = [
    "Verwaltung",
    "Verwaltungen",
    "Digitalisierung",
    "Onlinezugangsgesetz",
    "OZG",
    "Registermodernisierung",
    "Bürgerportal",
    "Zuständigkeit",
    "Kommune",
    "Landkreis",
    "Ministerium",
    "Förderung",
    "Breitband",
    "Servicekonto",
    "E-Akte",
    "Datenschutz",
    "Schnittstelle",
    "Plattform",
    "Antrag",
    "Leistungen",
    "Behörden",
    "Umsetzung",
    "Modernisierung",
    "Infrastruktur",
];

const SYLLABLES: [&str; 32] = [
    "ver", "wal", "tung", "be", "hör", "de", "an", "trag", "lan", "des", "kreis", "stadt", "amt",
    "bür", "ger", "da", "ten", "netz", "werk", "schul", "ge", "setz", "ord", "nung", "zu", "stän",
    "dig", "keit", "rat", "haus", "mit", "tel",
];

/// xorshift64*: deterministic, fast, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Roughly Zipf-distributed index below `n` (small indexes much more frequent).
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64).powf(u) as usize).saturating_sub(1).min(n - 1)
    }
}

fn vocabulary(rng: &mut Rng, n: usize) -> Vec<String> {
    let mut words = Vec::with_capacity(n);
    while words.len() < n {
        let parts = 2 + rng.below(3);
        let mut w = String::new();
        for _ in 0..parts {
            w.push_str(SYLLABLES[rng.below(SYLLABLES.len())]);
        }
        let mut c = w.chars();
        let w = match c.next() {
            Some(f) if rng.below(3) == 0 => f.to_uppercase().collect::<String>() + c.as_str(),
            _ => w,
        };
        words.push(w);
    }
    words
}

fn article(i: usize, rng: &mut Rng, vocab: &[String]) -> Article {
    let words = 80 + rng.below(220);
    let mut text = String::with_capacity(words * 9);
    for k in 0..words {
        if k > 0 {
            text.push(if rng.below(12) == 0 { '.' } else { ' ' });
            if text.ends_with('.') {
                text.push(' ');
            }
        }
        if rng.below(25) == 0 {
            text.push_str(DOMAIN[rng.below(DOMAIN.len())]);
        } else {
            text.push_str(&vocab[rng.zipf(vocab.len())]);
        }
    }
    let title: Vec<&str> = (0..6)
        .map(|_| vocab[rng.zipf(vocab.len())].as_str())
        .collect();
    let url = format!("https://bench.example/{i}");
    let day = Utc
        .with_ymd_and_hms(2018, 1, 1, 8, 0, 0)
        .single()
        .expect("date")
        + chrono::Duration::minutes(rng.below(8 * 365 * 24 * 60) as i64);
    let keywords = ["OZG", "Registermodernisierung", "Onlinezugangsgesetz"]
        .iter()
        .filter(|k| text.contains(**k))
        .map(|k| k.to_string())
        .collect();
    Article {
        id: ArticleId::from_url(&url),
        source_id: format!("quelle-{}", rng.below(60)),
        url,
        title: title.join(" "),
        kicker: None,
        published: Some(day),
        published_offset: None,
        published_precision: govwire::model::DatePrecision::Time,
        subtitle: None,
        first_seen: day,
        updated: day,
        author: None,
        author_role: None,
        lang: Some("de".into()),
        summary: None,
        text,
        tags: vec![],
        keywords,
        level: Level::ALL[rng.below(4)],
        land: Some(Land::ALL[rng.below(16)]),
        lands_mentioned: vec![Land::ALL[rng.below(16)]],
        cluster: None,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// CPU time of the calling thread (Linux `CLOCK_THREAD_CPUTIME_ID`). On a machine shared with
/// other jobs, wall time also counts the time a query waits for a core; this does not.
fn thread_cpu() -> Duration {
    #[repr(C)]
    struct Timespec {
        sec: i64,
        nsec: i64,
    }
    unsafe extern "C" {
        fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut ts = Timespec { sec: 0, nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    Duration::new(ts.sec as u64, ts.nsec as u32)
}

/// Median and 99th percentile of `times` in ms.
fn p50_p99(times: &mut [Duration]) -> (f64, f64) {
    times.sort();
    (
        percentile(times, 0.5).as_secs_f64() * 1e3,
        percentile(times, 0.99).as_secs_f64() * 1e3,
    )
}

fn run(index: &Index, name: &str, queries: &[String], facets: bool, sort: Sort) {
    let parse = |text: &str| {
        let mut q = query::parse(text).expect("bench query parses");
        q.sort = sort;
        q
    };
    // One warm-up pass, then the measured pass.
    for q in queries {
        index.search_with(&parse(q), 0, 20, facets).expect("search");
    }
    let mut wall = Vec::with_capacity(queries.len());
    let mut cpu = Vec::with_capacity(queries.len());
    let mut hits = 0usize;
    for text in queries {
        let q = parse(text);
        let (t, c) = (Instant::now(), thread_cpu());
        let h = index.search_with(&q, 0, 20, facets).expect("search");
        cpu.push(thread_cpu() - c);
        wall.push(t.elapsed());
        hits += h.total;
    }
    let (w50, w99) = p50_p99(&mut wall);
    let (c50, c99) = p50_p99(&mut cpu);
    println!(
        "{name:<10} n={:<4} wall p50 {w50:>8.3} ms  p99 {w99:>8.3} ms   cpu p50 {c50:>8.3} ms  p99 {c99:>8.3} ms   mean hits {}",
        queries.len(),
        hits / queries.len().max(1)
    );
}

/// The command line without the `--bench` that `cargo bench` appends to it.
fn args() -> impl Iterator<Item = String> {
    std::env::args().filter(|a| a != "--bench")
}

fn main() {
    let mut n: usize = 100_000;
    let mut keep: Option<std::path::PathBuf> = None;
    let mut merge_wait = true;
    let mut with_store = false;
    let mut args = args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--dir" => keep = Some(args.next().expect("--dir PATH").into()),
            "--no-merge-wait" => merge_wait = false,
            "--store" => with_store = true,
            _ => n = a.parse().expect("article count"),
        }
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&tmp.path().join("store")).expect("store");
    let index_dir = keep.clone().unwrap_or_else(|| tmp.path().join("index"));
    let reused = match Index::open_unchecked(&index_dir, &store) {
        Ok(Some(i)) if i.num_docs() == n as u64 && !with_store => Some(i),
        Ok(Some(i)) => {
            println!(
                "kept index has {} articles, not {n}: rebuilding",
                i.num_docs()
            );
            None
        }
        Ok(None) => None,
        // Never delete a folder another process may be writing (a busy lock lands here).
        Err(e) => panic!(
            "kept index {} unusable ({e}); delete it to rebuild",
            index_dir.display()
        ),
    };
    let fresh = reused.is_none();
    let index = match reused {
        Some(i) => i,
        None => {
            if index_dir.exists() {
                std::fs::remove_dir_all(&index_dir).expect("remove old bench index");
            }
            Index::open_or_rebuild(&index_dir, &store).expect("index")
        }
    };
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let vocab = vocabulary(&mut rng, 20_000);

    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let mut generating = Duration::ZERO;
    let mut phrases = Vec::new();
    // A kept index also keeps the phrases drawn from its articles and the generator state
    // after them, so a rerun draws the same queries without generating the articles again.
    let cache = index_dir.join("bench-queries.txt");
    let cached = if fresh {
        None
    } else {
        std::fs::read_to_string(&cache).ok()
    };
    if let Some(text) = &cached {
        let mut lines = text.lines();
        rng.0 = lines
            .next()
            .and_then(|l| l.parse().ok())
            .expect("cached state");
        phrases = lines.map(str::to_string).collect();
    }
    for i in 0..if cached.is_some() { 0 } else { n } {
        let g = Instant::now();
        let a = article(i, &mut rng, &vocab);
        generating += g.elapsed();
        if i % (n / 300).max(1) == 0 && phrases.len() < 300 {
            let w: Vec<&str> = a.text.split_whitespace().collect();
            let at = rng.below(w.len().saturating_sub(2).max(1));
            if let [x, y] = &w[at..at + 2] {
                let clean = |s: &str| s.trim_matches('.').to_string();
                phrases.push(format!("\"{} {}\"", clean(x), clean(y)));
            }
        }
        if fresh {
            index.add(&a).expect("add");
        }
        if with_store {
            store.upsert(&a).expect("store");
        }
    }
    if keep.is_some() && cached.is_none() {
        let text = std::iter::once(rng.0.to_string())
            .chain(phrases.iter().cloned())
            .collect::<Vec<_>>()
            .join("\n");
        std::fs::write(&cache, text).expect("write query cache");
    }
    if fresh {
        let added = started.elapsed();
        index.commit().expect("commit");
        let total = started.elapsed();
        let cpu = cpu_seconds() - cpu_before;
        let indexing = total - generating;
        println!(
            "indexed {n} articles: {:.1} s including commit ({:.1} s generating excluded), {:.0} articles/s; commit {:.1} s",
            indexing.as_secs_f64(),
            generating.as_secs_f64(),
            n as f64 / indexing.as_secs_f64(),
            (total - added).as_secs_f64()
        );
        println!(
            "process CPU time for generating + indexing: {cpu:.1} s ({:.0} articles per CPU second; \
             the machine is shared, so wall time overstates the cost)",
            n as f64 / cpu
        );
    } else {
        println!(
            "reusing the index of {n} articles in {}",
            index_dir.display()
        );
    }
    if with_store {
        println!("articles also stored in sled: hits carry articles and snippets");
    }
    println!("segments: {}", index.num_segments());
    if merge_wait {
        let t = Instant::now();
        index.wait_merges().expect("wait for merges");
        println!(
            "waited {:.1} s for background merges; segments: {}",
            t.elapsed().as_secs_f64(),
            index.num_segments()
        );
    }
    println!(
        "index size: {:.0} MiB",
        dir_size(&index_dir) as f64 / (1 << 20) as f64
    );
    println!("load average before queries: {}", load_average());

    let mut words: Vec<String> = (0..300)
        .map(|k| {
            if k % 3 == 0 {
                DOMAIN[rng.below(DOMAIN.len())].to_string()
            } else {
                vocab[rng.zipf(vocab.len())].clone()
            }
        })
        .collect();
    let filtered: Vec<String> = words
        .iter()
        .map(|w| {
            format!(
                "{w} land:{} from:2021-01-01 to:2022-12-31",
                Land::ALL[rng.below(16)].code()
            )
        })
        .collect();
    let rel = Sort::Relevance;
    println!("top 20 + total + facet counts (as /search):");
    run(&index, "word", &words, true, rel);
    run(&index, "phrase", &phrases, true, rel);
    run(&index, "filtered", &filtered, true, rel);
    println!("top 20 + total, no facets (as /api/search could, or the CLI):");
    run(&index, "word", &words, false, rel);
    run(&index, "phrase", &phrases, false, rel);
    run(&index, "filtered", &filtered, false, rel);
    words.truncate(100);
    println!("newest first, top 20 + total + facet counts:");
    run(&index, "word", &words, true, Sort::Date);
    run(&index, "filtered", &filtered[..100], true, Sort::Date);
    println!("load average after queries: {}", load_average());
    if !merge_wait {
        index.wait_merges().expect("wait for merges");
        println!("segments after merges: {}", index.num_segments());
    }
}

/// The 1-, 5- and 15-minute load averages (Linux `/proc/loadavg`).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// User + system CPU time of this process so far (Linux `/proc/self/stat`, 100 ticks/s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // After the `)`: state is field 0, utime field 11, stime field 12.
    (ticks(11) + ticks(12)) / 100.0
}

fn dir_size(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}
