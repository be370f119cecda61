//! A start on a store without a current search index: pages are served at once while the
//! index is rebuilt in the background; search answers `503` with `Retry-After` and a message
//! until it is ready; articles crawled meanwhile end up in the index. Once over real loopback
//! HTTP with the real app state (deterministic: the build starts when the test says so), once
//! with the real `govwire serve` binary and a crawl of a loopback feed during the rebuild.

use crate::common;

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use govwire::crawl::Crawler;
use govwire::fetch::{FetchConfig, Fetcher};
use govwire::model::Article;
use govwire::search::Index;
use govwire::store::Store;
use govwire::web::{AppState, router};

fn article(i: usize) -> Article {
    let url = format!("https://land.example/meldung/{i}");
    let t = Utc
        .with_ymd_and_hms(2025, 1 + (i % 12) as u32, 1 + (i % 28) as u32, 9, 0, 0)
        .single()
        .expect("date");
    common::article(
        "land",
        &url,
        &format!("Meldung {i} aus der Landesregierung"),
        &format!("Die Verwaltung berichtet über Vorhaben Nummer {i}. Weitere Einzelheiten folgen."),
        t,
    )
}

/// A store of `n` articles under `data/store` (and no search index).
fn stored(data: &Path, n: usize) {
    let store = Store::open(&data.join("store")).expect("store");
    for i in 0..n {
        store.upsert(&article(i)).expect("upsert");
    }
    store.flush().expect("flush");
}

fn feed(items: &[(&str, &str)]) -> String {
    let items: String = items
        .iter()
        .map(|(link, title)| {
            format!(
                "<item><title>{title}</title><link>{link}</link><guid>{link}</guid>\
                 <pubDate>Mon, 05 Oct 2026 09:00:00 +0200</pubDate>\
                 <description>Die Verwaltung meldet: {title}.</description></item>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel>\
         <title>Kreis</title><link>https://kreis.example/</link><description>x</description>\
         {items}</channel></rss>"
    )
}

async fn site() -> String {
    let (base, _log) = common::start_routes(vec![(
        "/kreis.xml".into(),
        common::Canned::new(
            "application/rss+xml",
            feed(&[
                (
                    "https://kreis.example/funkmast-1",
                    "Neuer Funkmast in Adorf",
                ),
                (
                    "https://kreis.example/funkmast-2",
                    "Funkmast in Bedorf genehmigt",
                ),
                (
                    "https://kreis.example/funkmast-3",
                    "Funkmast-Streit in Cedorf",
                ),
            ]),
        ),
    )])
    .await;
    base
}

/// Status, `Retry-After` and body of a GET.
async fn get(url: &str) -> (u16, Option<String>, String) {
    let resp = reqwest::get(url).await.expect("request to loopback");
    let status = resp.status().as_u16();
    let retry = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, retry, resp.text().await.expect("body"))
}

/// `total` of a JSON search answered with 200.
async fn total(web: &str, q: &str) -> u64 {
    let (status, _, body) = get(&format!("{web}/api/search?q={q}")).await;
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    v["total"].as_u64().expect("total")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_serve_while_the_index_builds_and_crawled_articles_end_up_in_it() {
    const N: usize = 600;
    let dir = tempfile::tempdir().expect("tempdir");
    stored(dir.path(), N);
    let store = Store::open(&dir.path().join("store")).expect("store");
    let index = Arc::new(Index::open_or_create(&dir.path().join("index"), &store).expect("index"));
    assert!(!index.is_ready(), "no index on disk: it must be built");

    let base = site().await;
    let config = govwire::config::parse(
        &format!(
            "[[source]]\nid = \"kreis\"\nname = \"Landkreis\"\nurl = \"{base}/kreis.xml\"\n\
             kind = \"feed\"\nlevel = \"kommune\"\nfetch_articles = false\n"
        ),
        "sources.toml",
    )
    .expect("config");
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

    // Before the build: pages and feeds work, every search route says it is being built.
    let (status, _, html) = get(&format!("{web}/")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Meldung"), "{html}");
    let one = article(7);
    let (status, _, html) = get(&format!("{web}/article/{}", one.id)).await;
    assert_eq!(status, 200);
    assert!(html.contains(&one.title), "{html}");
    assert_eq!(get(&format!("{web}/feed.xml")).await.0, 200);
    assert_eq!(get(&format!("{web}/healthz")).await.0, 200);
    let (status, retry, html) = get(&format!("{web}/search?q=Verwaltung")).await;
    assert_eq!(status, 503, "{html}");
    assert_eq!(retry.as_deref(), Some("5"));
    assert!(html.contains("Suchindex wird aufgebaut"), "{html}");
    assert!(html.contains(&format!("0 von {N} Artikeln")), "{html}");
    let (status, retry, body) = get(&format!("{web}/api/search?q=Verwaltung")).await;
    assert_eq!((status, retry.as_deref()), (503, Some("5")), "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert!(
        v["error"].as_str().is_some_and(|e| e.contains("Suchindex")),
        "{body}"
    );
    for path in [
        "/search.rss?q=Verwaltung",
        "/search.csv?q=Verwaltung",
        "/trends?q=Verwaltung",
    ] {
        let (status, retry, body) = get(&format!("{web}{path}")).await;
        assert_eq!(
            (status, retry.as_deref()),
            (503, Some("5")),
            "{path}: {body}"
        );
    }

    // A crawl while the index is not built yet, wired as `serve` wires it.
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
    assert_eq!(report.new, 3, "{report:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        get(&format!("{web}/search?q=Funkmast")).await.0,
        503,
        "committed additions do not make a half-built index searchable"
    );

    // The build, in the background as `serve` runs it.
    let building = index.clone();
    let built = tokio::task::spawn_blocking(move || building.build())
        .await
        .expect("task")
        .expect("build");
    assert!(index.is_ready());
    assert_eq!(
        built, N as u64,
        "the crawled articles were indexed by the crawl, not again"
    );
    assert_eq!(total(&web, "Funkmast").await, 3);
    assert_eq!(total(&web, "Verwaltung").await, N as u64 + 3);
    assert_eq!(index.num_docs(), store.count().expect("count"));
    let (status, _, html) = get(&format!("{web}/search?q=Funkmast")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Bedorf"), "{html}");

    let _ = stop_tx.send(true);
    committer.await.expect("committer");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn serve(config: &Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_govwire"))
        .arg("-c")
        .arg(config)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env_remove("GOVWIRE_DATA_DIR")
        .env_remove("GOVWIRE_LISTEN")
        .env("RUST_LOG", "info,sled=warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn govwire serve")
}

/// Stops `child` with SIGTERM and returns its log.
async fn stop(mut child: Child) -> String {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut log = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut log)
        .expect("read stderr");
    assert!(status.success(), "{log}");
    log
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_at_once_and_rebuilds_the_index_in_the_background() {
    const N: usize = 1500;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    stored(&data, N);
    // An index folder of another schema version: thrown away and rebuilt.
    std::fs::create_dir_all(data.join("index")).expect("mkdir");
    std::fs::write(data.join("index/govwire-index-version"), "1").expect("write");
    let base = site().await;
    let config = dir.path().join("sources.toml");
    std::fs::write(
        &config,
        format!(
            "[settings]\ndata_dir = \"{}\"\nper_host_interval = \"1ms\"\n\n\
             [[source]]\nid = \"kreis\"\nname = \"Landkreis\"\nurl = \"{base}/kreis.xml\"\n\
             kind = \"feed\"\nlevel = \"kommune\"\nfetch_articles = false\ninterval = \"1h\"\n",
            data.display()
        ),
    )
    .expect("write config");
    let port = free_port();
    let web = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let child = serve(&config, port);

    // Pages as soon as the port answers; searches 503 (with Retry-After) or, once built, 200.
    let deadline = started + Duration::from_secs(120);
    let mut first_page = None;
    let mut refused = 0;
    let found = loop {
        assert!(Instant::now() < deadline, "search never became ready");
        let Ok(resp) = reqwest::get(format!("{web}/")).await else {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        assert_eq!(resp.status().as_u16(), 200, "pages work during the rebuild");
        first_page.get_or_insert(started.elapsed());
        let (status, retry, body) = get(&format!("{web}/api/search?q=Verwaltung")).await;
        match status {
            503 => {
                assert_eq!(retry.as_deref(), Some("5"), "{body}");
                assert!(body.contains("Suchindex"), "{body}");
                refused += 1;
            }
            200 => {
                let v: serde_json::Value = serde_json::from_str(&body).expect("json");
                let n = v["total"].as_u64().expect("total");
                // The crawl of the feed may still be running when the index becomes ready.
                if n == N as u64 + 3 {
                    break n;
                }
                assert!((N as u64..=N as u64 + 3).contains(&n), "{n}");
            }
            other => panic!("search answered {other}: {body}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let ready = started.elapsed();
    eprintln!(
        "first page after {:?}, search ready after {ready:?} ({refused} searches refused meanwhile)",
        first_page.expect("a page was served")
    );
    assert_eq!(found, N as u64 + 3);
    assert_eq!(
        total(&web, "Funkmast").await,
        3,
        "crawled articles are searchable"
    );
    let log = stop(child).await;
    assert!(log.contains("rebuilding it from the store"), "{log}");
    assert!(log.contains("search index rebuilt and ready"), "{log}");
    assert!(
        data.join("index/govwire-index-version").exists(),
        "marked as current"
    );

    // The next start opens the index as it is: search answers at once, nothing is rebuilt.
    let port = free_port();
    let web = format!("http://127.0.0.1:{port}");
    let child = serve(&config, port);
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::get(format!("{web}/healthz")).await.is_err() {
        assert!(Instant::now() < deadline, "second start did not answer");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(total(&web, "Verwaltung").await, N as u64 + 3);
    let log = stop(child).await;
    assert!(!log.contains("rebuilding it from the store"), "{log}");
}
