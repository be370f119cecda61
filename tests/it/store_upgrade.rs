//! Benchmark, not run by default: how long the first open of a version-1 store takes (values
//! inside sled, one `by_region` `mentions:` entry per article and Land mentioned), which moves
//! those entries into the `by_date` values.
//!
//! `GOVWIRE_BENCH_ARTICLES=100000 cargo test --release --test it -- store_upgrade:: --ignored
//! --nocapture`. The v1 store is written with sled directly in the layout earlier builds
//! wrote (deflated JSON values, keys as `store::keys` builds them), then opened with
//! `Store::open` and checked with `Store::check`, which would report any entry this file laid
//! out differently from the store.

use crate::common;

use std::io::Write;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use govwire::model::{Article, Land};
use govwire::store::Store;

fn time_bytes(a: &Article) -> [u8; 8] {
    ((a.sort_time().timestamp_millis() as u64) ^ (1 << 63)).to_be_bytes()
}

fn named_key(name: &str, a: &Article) -> Vec<u8> {
    let mut k = name.as_bytes().to_vec();
    k.push(0);
    k.extend_from_slice(&time_bytes(a));
    k.extend_from_slice(&a.id.0.to_be_bytes());
    k
}

fn deflated(a: &Article) -> Vec<u8> {
    let mut out = vec![1u8];
    let mut e = flate2::write::DeflateEncoder::new(&mut out, flate2::Compression::fast());
    e.write_all(&serde_json::to_vec(a).expect("json"))
        .expect("deflate");
    e.finish().expect("deflate");
    out
}

fn article(i: u64) -> Article {
    let t = Utc
        .with_ymd_and_hms(2020, 1, 1, 0, 0, 0)
        .single()
        .expect("date")
        + Duration::minutes(i as i64 * 7);
    let text = format!(
        "Meldung {i}. Die Landesregierung treibt die Digitalisierung der Verwaltung voran. \
         Bürgerinnen und Bürger sollen Leistungen nach dem Onlinezugangsgesetz künftig \
         vollständig online beantragen können, teilte das Ministerium am {} mit. ",
        t.format("%d.%m.%Y")
    )
    .repeat(8);
    let url = format!("https://quelle{}.example/meldungen/{i}.html", i % 50);
    let mut a = Article {
        tags: vec!["Digitalisierung".into(), format!("Thema {}", i % 40)],
        keywords: vec!["OZG".into()],
        land: Some(Land::ALL[(i % 16) as usize]),
        ..common::article(
            &format!("quelle{}", i % 50),
            &url,
            &format!("Meldung {i} zur Verwaltungsdigitalisierung"),
            &text,
            t,
        )
    };
    // Two or three Länder mentioned: the entries the upgrade moves.
    a.lands_mentioned = (0..2 + i % 2)
        .map(|k| Land::ALL[((i + k * 5) % 16) as usize])
        .collect();
    a.lands_mentioned.sort();
    a.lands_mentioned.dedup();
    a
}

#[test]
#[ignore = "benchmark: GOVWIRE_BENCH_ARTICLES=100000 cargo test --release --test it -- store_upgrade:: --ignored --nocapture"]
fn first_open_of_a_version_1_store() {
    let n: u64 = std::env::var("GOVWIRE_BENCH_ARTICLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("store");
    let started = Instant::now();
    let mut mentions = 0u64;
    {
        let db = sled::Config::new()
            .path(&path)
            .mode(sled::Mode::LowSpace)
            .cache_capacity(32 << 20)
            .open()
            .expect("sled");
        let tree = |name: &str| db.open_tree(name).expect("tree");
        let (articles, by_date, by_source, by_keyword, by_tag, by_region, meta) = (
            tree("articles"),
            tree("by_date"),
            tree("by_source"),
            tree("by_keyword"),
            tree("by_tag"),
            tree("by_region"),
            tree("meta"),
        );
        let chunk = 1_000;
        for start in (0..n).step_by(chunk) {
            let mut batches: [sled::Batch; 6] = Default::default();
            for i in start..(start + chunk as u64).min(n) {
                let a = article(i);
                batches[0].insert(&a.id.0.to_be_bytes(), deflated(&a));
                let mut date = time_bytes(&a).to_vec();
                date.extend_from_slice(&a.id.0.to_be_bytes());
                batches[1].insert(date, &[] as &[u8]);
                batches[2].insert(named_key(&a.source_id, &a), &[] as &[u8]);
                for k in &a.keywords {
                    batches[3].insert(named_key(k, &a), &[] as &[u8]);
                }
                for t in &a.tags {
                    batches[4].insert(named_key(&govwire::store::tag_key(t), &a), &[] as &[u8]);
                }
                batches[5].insert(named_key("level:land", &a), &[] as &[u8]);
                if let Some(l) = a.land {
                    batches[5].insert(named_key(&format!("from:{}", l.code()), &a), &[] as &[u8]);
                }
                for l in &a.lands_mentioned {
                    batches[5].insert(
                        named_key(&format!("mentions:{}", l.code()), &a),
                        &[] as &[u8],
                    );
                    mentions += 1;
                }
            }
            let [b0, b1, b2, b3, b4, b5] = batches;
            articles.apply_batch(b0).expect("articles");
            by_date.apply_batch(b1).expect("by_date");
            by_source.apply_batch(b2).expect("by_source");
            by_keyword.apply_batch(b3).expect("by_keyword");
            by_tag.apply_batch(b4).expect("by_tag");
            by_region.apply_batch(b5).expect("by_region");
        }
        meta.insert("schema_version", &1u32.to_be_bytes())
            .expect("meta");
        meta.insert("article_count", &n.to_be_bytes())
            .expect("meta");
        db.flush().expect("flush");
    }
    let written = started.elapsed();
    let opened = Instant::now();
    let store = Store::open(&path).expect("open v1 store");
    let open_time = opened.elapsed();
    let checked = Instant::now();
    let report = store.check().expect("check");
    let check_time = checked.elapsed();
    println!(
        "articles {n}, mentions entries moved {mentions}: v1 store written in {:.1} s, \
         first open (upgrade) {:.2} s, check {:.1} s",
        written.as_secs_f64(),
        open_time.as_secs_f64(),
        check_time.as_secs_f64()
    );
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.articles, n);
    drop(store);
    let reopened = Instant::now();
    Store::open(&path).expect("reopen");
    println!("second open {:.2} s", reopened.elapsed().as_secs_f64());
}

/// Benchmark, not run by default: `Store::upsert` of `GOVWIRE_BENCH_ARTICLES` new articles,
/// then of each again edited, each pass followed by a flush (the write path the crawler takes,
/// without fetching or extracting).
#[test]
#[ignore = "benchmark: GOVWIRE_BENCH_ARTICLES=20000 cargo test --release --test it -- store_upgrade:: --ignored --nocapture"]
fn upsert_new_then_edited() {
    let n: u64 = std::env::var("GOVWIRE_BENCH_ARTICLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    let mut articles: Vec<Article> = (0..n).map(article).collect();
    for a in &mut articles {
        a.lands_mentioned = vec![Land::BY];
    }
    let started = Instant::now();
    for a in &articles {
        store.upsert(a).expect("upsert");
    }
    let before_flush = started.elapsed();
    store.flush().expect("flush");
    let new = started.elapsed();
    println!(
        "flush after the new articles: {:.2} s",
        (new - before_flush).as_secs_f64()
    );
    let started = Instant::now();
    for a in &mut articles {
        a.title.push_str(" (aktualisiert)");
        store.upsert(a).expect("upsert");
    }
    store.flush().expect("flush");
    let edited = started.elapsed();
    println!(
        "upsert {n}: new {:.2} s ({:.0}/s), edited {:.2} s ({:.0}/s)",
        new.as_secs_f64(),
        n as f64 / new.as_secs_f64(),
        edited.as_secs_f64(),
        n as f64 / edited.as_secs_f64()
    );
}
