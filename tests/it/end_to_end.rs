//! From sources.toml to sled to the web and feeds, over real loopback HTTP: the fixture sites
//! are crawled into a temp store, then the web view and feeds are requested and checked.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use govwire::crawl::{Crawler, crawl_all};
use govwire::fetch::{FetchConfig, Fetcher};
use govwire::store::Store;
use govwire::web::{AppState, router};

fn config_text(base: &str) -> String {
    format!(
        r#"
[[source]]
id = "k21"
name = "Kommune21 (Fixture)"
url = "{base}/kommune21/index.html"
kind = "html"
level = "presse"
[source.list]
item = "div.teaser"

[[source]]
id = "bmi"
name = "Ministerium (Fixture)"
url = "{base}/ministry/index.html"
kind = "html"
level = "bund"
[source.list]
item = "li.c-result"
link = "h2 a"
title = ".c-teaser__headline"
date = ".c-teaser__date"

[[source]]
id = "stk"
name = "Staatskanzlei (Fixture)"
url = "{base}/feed/rss.xml"
kind = "feed"
level = "land"
land = "NW"

[[keyword]]
name = "OZG"
aliases = ["Onlinezugangsgesetz"]

[[keyword]]
name = "BayernPortal"

[[keyword]]
name = "Servicekonto"
"#
    )
}

fn crawler(store: Store, keywords: &[govwire::model::Keyword]) -> Arc<Crawler> {
    let fetcher = Fetcher::new(FetchConfig {
        per_host_interval: Duration::from_millis(1),
        ..FetchConfig::default()
    })
    .expect("client");
    Arc::new(Crawler::new(fetcher, store, keywords, 200))
}

#[tokio::test]
async fn crawl_store_serve_and_recrawl() {
    // The library never installs the metrics recorder (the command line does); this test reads
    // `/metrics`, so it installs it as `govwire serve` would.
    govwire::telemetry::install();
    let (base, log) = common::start().await;
    let config = govwire::config::parse(&config_text(&base), "sources.toml").expect("config");
    let dir = tempfile::tempdir().expect("tempdir");
    let store_dir = dir.path().join("store");
    let store = Store::open(&store_dir).expect("store");

    let reports = crawl_all(crawler(store.clone(), &config.keywords), &config.sources, 4).await;
    for r in &reports {
        assert!(r.errors.is_empty(), "{r:?}");
        assert!(r.new >= 2, "{r:?}");
    }
    let total = store.count().expect("count");
    assert_eq!(total as usize, reports.iter().map(|r| r.new).sum::<usize>());

    // The Kommune21 article: kicker, date, tags, body without "Weitere Meldungen" or navigation.
    let k21 = store.by_source("k21", 0, 50).expect("k21").items;
    let bb = k21
        .iter()
        .find(|a| a.title.contains("Bayern und Brandenburg"))
        .expect("seed article stored");
    assert_eq!(bb.kicker.as_deref(), Some("E-Government"));
    // A day without a time: stored as that day's start in Berlin, shown without a time.
    assert_eq!(
        bb.published
            .map(|d| d
                .with_timezone(&chrono_tz::Europe::Berlin)
                .date_naive()
                .to_string())
            .as_deref(),
        Some("2020-12-11")
    );
    assert_eq!(bb.published_precision, govwire::model::DatePrecision::Day);
    assert!(bb.tags.iter().any(|t| t == "BayernPortal"), "{:?}", bb.tags);
    assert!(bb.text.contains("Kooperationsvereinbarung"));
    assert!(!bb.text.contains("Weitere Meldungen"), "{}", bb.text);
    assert!(
        !bb.text.contains("Zwei OZG-Schwerpunkt"),
        "related teaser leaked"
    );
    assert!(!bb.text.contains("Stichwörter"));
    assert!(
        bb.keywords.contains(&"OZG".to_string()),
        "{:?}",
        bb.keywords
    );
    assert!(bb.keywords.contains(&"BayernPortal".to_string()));
    assert_eq!(bb.lang.as_deref(), Some("de"));

    // The web view and feeds over real HTTP.
    let state = Arc::new(AppState {
        store: store.clone(),
        sources: config.sources.clone(),
        keywords: config.keywords.clone(),
        site_title: "govwire".into(),
        search: None,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let web = format!("http://{}", listener.local_addr().expect("addr"));
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router(state)).await;
    });
    let (status, home) = common::get(&format!("{web}/")).await;
    assert_eq!(status, 200);
    assert!(home.contains("Bayern und Brandenburg kooperieren"));
    let (status, page) = common::get(&format!("{web}/article/{}", bb.id)).await;
    assert_eq!(status, 200);
    assert!(page.contains("Kooperationsvereinbarung"));
    assert!(page.contains(&bb.url), "links the original");
    let (status, listing) = common::get(&format!("{web}/keywords")).await;
    assert_eq!(status, 200);
    let bp = store
        .by_keyword("BayernPortal", 0, 100)
        .expect("kw")
        .items
        .len();
    assert!(bp > 0);
    assert!(
        listing.contains(&format!(
            ">BayernPortal</a> <span class=\"count\">{bp} Artikel</span>"
        )),
        "{listing}"
    );
    let (status, kw) = common::get(&format!("{web}/keyword/BayernPortal")).await;
    assert_eq!(status, 200);
    assert!(kw.contains("Bayern und Brandenburg kooperieren"));
    for feed_path in [
        "/feed.xml",
        "/atom.xml",
        "/keyword/OZG/feed.xml",
        "/source/k21/atom.xml",
    ] {
        let (status, _, bytes) = common::get_bytes(&format!("{web}{feed_path}")).await;
        assert_eq!(status, 200, "{feed_path}");
        let feed = feed_rs::parser::parse(&bytes[..]).expect("our feed parses");
        assert!(!feed.entries.is_empty(), "{feed_path}");
    }
    let (_, _, bytes) = common::get_bytes(&format!("{web}/feed.xml")).await;
    let feed = feed_rs::parser::parse(&bytes[..]).expect("feed");
    assert_eq!(feed.entries.len() as u64, total.min(50));
    let guids: Vec<String> = feed.entries.iter().map(|e| e.id.clone()).collect();

    // Metrics: the first crawl's fetches and writes are counted per source.
    // The recorder is process-wide: exact counts hold because no other module of this test
    // binary crawls a source `k21` (see main.rs).
    let (status, metrics) = common::get(&format!("{web}/metrics")).await;
    assert_eq!(status, 200);
    let k21_new = metric(
        &metrics,
        "govwire_articles_written_total",
        &["source=\"k21\"", "outcome=\"new\""],
    );
    assert_eq!(k21_new as usize, reports[0].new, "{metrics}");
    assert!(
        metric(
            &metrics,
            "govwire_fetches_total",
            &["source=\"bmi\"", "status=\"200\""]
        ) >= 3.0
    );
    assert_eq!(
        metric(&metrics, "govwire_articles_stored", &[]),
        total as f64
    );
    assert!(
        metric(
            &metrics,
            "govwire_crawl_duration_seconds_count",
            &["source=\"stk\""]
        ) >= 1.0
    );
    assert!(metrics.contains("govwire_source_last_success_timestamp_seconds{source=\"k21\"}"));
    assert!(
        metrics.contains("govwire_http_requests_total{route=\"/keyword/{name}\",status=\"200\"}"),
        "{metrics}"
    );
    let not_modified_before = metric(
        &metrics,
        "govwire_fetches_total",
        &["source=\"k21\"", "status=\"304\""],
    );

    // A second crawl of the unchanged fixture stores nothing new and re-downloads nothing.
    log.clear();
    let again = crawl_all(crawler(store.clone(), &config.keywords), &config.sources, 4).await;
    for r in &again {
        assert_eq!(r.new + r.updated, 0, "{r:?}");
        assert!(r.not_modified, "listing answered 304: {r:?}");
    }
    assert_eq!(
        log.total(200),
        0,
        "nothing fetched in full on the second crawl"
    );
    assert_eq!(store.count().expect("count"), total);
    let (_, _, bytes) = common::get_bytes(&format!("{web}/feed.xml")).await;
    let feed = feed_rs::parser::parse(&bytes[..]).expect("feed");
    let guids_again: Vec<String> = feed.entries.iter().map(|e| e.id.clone()).collect();
    assert_eq!(guids, guids_again, "stable GUIDs");
    let (_, metrics) = common::get(&format!("{web}/metrics")).await;
    let not_modified_after = metric(
        &metrics,
        "govwire_fetches_total",
        &["source=\"k21\"", "status=\"304\""],
    );
    assert_eq!(
        not_modified_after,
        not_modified_before + 1.0,
        "the 304 was counted"
    );

    // A restart keeps every article.
    server.abort();
    let _ = server.await;
    drop(store);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let reopened = Store::open(&store_dir).expect("reopen");
    assert_eq!(reopened.count().expect("count"), total);
    assert_eq!(
        reopened.latest(0, 100).expect("latest").items.len() as u64,
        total
    );
    assert!(reopened.check().expect("check").is_ok());
}

/// The value of the sample of `name` whose labels include every one of `labels` (0 if none).
fn metric(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| {
            l.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .filter(|l| labels.iter().all(|want| l.contains(want)))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}
