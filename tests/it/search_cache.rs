//! The search response cache over real loopback HTTP, wired as `govwire serve` wires it: a
//! crawler whose stored articles go into the search index, a periodic committer, and the web
//! view. A search answered (and cached) before an article is crawled must give the new result
//! once the crawl is committed to the index; validators of unchanged results keep working.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use govwire::crawl::Crawler;
use govwire::fetch::{FetchConfig, Fetcher};
use govwire::search::Index;
use govwire::store::Store;
use govwire::web::{AppState, router};

fn feed(items: &[(&str, &str, &str)]) -> String {
    let items: String = items
        .iter()
        .map(|(link, title, text)| {
            format!(
                "<item><title>{title}</title><link>{link}</link><guid>{link}</guid>\
                 <pubDate>Mon, 05 Oct 2026 09:00:00 +0200</pubDate>\
                 <description>{text}</description></item>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel>\
         <title>Q</title><link>https://example.org/</link><description>x</description>\
         {items}</channel></rss>"
    )
}

fn config(base: &str) -> govwire::config::Config {
    let text = format!(
        "[[source]]\nid = \"kreis\"\nname = \"Landkreis\"\nurl = \"{base}/kreis.xml\"\n\
         kind = \"feed\"\nlevel = \"kommune\"\nfetch_articles = false\n\n\
         [[source]]\nid = \"land\"\nname = \"Land\"\nurl = \"{base}/land.xml\"\n\
         kind = \"feed\"\nlevel = \"land\"\nfetch_articles = false\n"
    );
    govwire::config::parse(&text, "sources.toml").expect("config")
}

/// Waits until the committer made `n` articles searchable.
async fn searchable(index: &Index, n: u64) {
    for _ in 0..200 {
        if index.num_docs() == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("index has {} articles, expected {n}", index.num_docs());
}

async fn get_with(url: &str, etag: Option<&str>) -> (u16, Option<String>, String) {
    let client = reqwest::Client::new();
    let mut req = client.get(url);
    if let Some(tag) = etag {
        req = req.header("if-none-match", tag);
    }
    let resp = req.send().await.expect("request to loopback");
    let status = resp.status().as_u16();
    let tag = resp
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, tag, resp.text().await.expect("body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_search_gives_the_new_result_after_a_crawl_is_indexed() {
    let (site, _log) = common::start_routes(vec![
        (
            "/kreis.xml".into(),
            common::Canned::new(
                "application/rss+xml",
                feed(&[(
                    "https://kreis.example/breitband",
                    "Breitband im Landkreis",
                    "Der Landkreis baut Breitband für alle Schulen aus.",
                )]),
            ),
        ),
        (
            "/land.xml".into(),
            common::Canned::new(
                "application/rss+xml",
                feed(&[(
                    "https://land.example/glasfaser",
                    "Glasfaser-Förderung startet",
                    "Das Land fördert Glasfaser &amp;lt;schnell&amp;gt; &amp; flächendeckend.",
                )]),
            ),
        ),
    ])
    .await;
    let config = config(&site);
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    let index = Arc::new(Index::open_or_rebuild(&dir.path().join("index"), &store).expect("index"));

    let fetcher = Fetcher::new(FetchConfig {
        per_host_interval: Duration::from_millis(1),
        ..FetchConfig::default()
    })
    .expect("client");
    let crawler = Crawler::new(fetcher, store.clone(), &config.keywords, 50);
    let sink = index.clone();
    assert!(crawler.on_stored(Box::new(move |a| {
        let _ = sink.add(a);
    })));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let committer =
        govwire::search::spawn_committer(index.clone(), Duration::from_millis(50), stop_rx);

    let report = crawler.crawl_source(&config.sources[0], Utc::now()).await;
    assert_eq!(report.new, 1, "{report:?}");
    searchable(&index, 1).await;

    let state = Arc::new(AppState {
        store: store.clone(),
        sources: config.sources.clone(),
        keywords: config.keywords.clone(),
        site_title: "govwire".into(),
        search: Some(index.clone()),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let web = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router(state)).await;
    });

    // Before the second source is crawled: no hit for Glasfaser, one for Breitband; the second
    // request of each is answered from the cache (same bytes, same validator, 304 on match).
    let glas = format!("{web}/search?q=Glasfaser");
    let breit = format!("{web}/search?q=Breitband");
    let (status, glas_tag, html) = get_with(&glas, None).await;
    assert_eq!(status, 200);
    assert!(html.contains("0 Treffer"), "{html}");
    let (_, breit_tag, breit_html) = get_with(&breit, None).await;
    assert!(breit_html.contains("1 Treffer"), "{breit_html}");
    assert!(
        breit_html.contains("Der Landkreis baut <b>Breitband</b> für alle Schulen aus."),
        "{breit_html}"
    );
    let (_, again_tag, again) = get_with(&breit, None).await;
    assert_eq!(
        (again_tag.as_deref(), again.as_str()),
        (breit_tag.as_deref(), breit_html.as_str())
    );
    let (status, _, body) = get_with(&glas, glas_tag.as_deref()).await;
    assert_eq!((status, body.as_str()), (304, ""));

    // The second source is crawled and committed by the committer.
    let report = crawler.crawl_source(&config.sources[1], Utc::now()).await;
    assert_eq!(report.new, 1, "{report:?}");
    searchable(&index, 2).await;

    // The cached "no hit" is not served any more: the new article is found, marked, escaped.
    let (status, tag, html) = get_with(&glas, glas_tag.as_deref()).await;
    assert_eq!(status, 200, "the old validator no longer matches");
    assert_ne!(tag, glas_tag);
    assert!(html.contains("1 Treffer"), "{html}");
    assert!(html.contains("Glasfaser-Förderung startet"), "{html}");
    assert!(
        html.contains("Das Land fördert <b>Glasfaser</b> &lt;schnell&gt; &amp; flächendeckend."),
        "{html}"
    );
    let (_, _, json) = get_with(&format!("{web}/api/search?q=Glasfaser+OR+Breitband"), None).await;
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["total"], 2, "{v}");
    // A result the crawl did not change keeps its bytes, so its validator still matches.
    let (status, _, _) = get_with(&breit, breit_tag.as_deref()).await;
    assert_eq!(status, 304);

    let _ = stop_tx.send(true);
    let _ = committer.await;
}
