//! `govwire serve` stops cleanly on SIGTERM: the real binary crawls a loopback fixture source
//! into a temp data folder, is sent SIGTERM with `kill`, exits 0, and the store it flushed
//! reopens (its lock released) with the crawled articles in it.

use crate::common;

use std::path::Path as FsPath;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Path;
use axum::http::header;
use axum::routing::get;

use govwire::store::Store;

/// Kills the server if the test fails before it exits on its own.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// Polls `check` every 100 ms until it returns true or `limit` passes.
async fn wait_until<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < limit {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// Items in the RSS feed the server serves (a fresh connection each time, so no idle
/// keep-alive connection holds up the graceful shutdown).
async fn feed_items(url: &str) -> usize {
    let Ok(resp) = reqwest::get(url).await else {
        return 0;
    };
    let Ok(body) = resp.bytes().await else {
        return 0;
    };
    feed_rs::parser::parse(&body[..]).map_or(0, |f| f.entries.len())
}

/// The HTTP status of a GET, `None` while nothing listens.
async fn status(url: &str) -> Option<u16> {
    reqwest::get(url).await.ok().map(|r| r.status().as_u16())
}

fn logs(dir: &FsPath) -> String {
    std::fs::read_to_string(dir.join("serve.log")).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_serve_cleanly_and_the_store_keeps_the_articles() {
    let (base, _log) = common::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let config = dir.path().join("sources.toml");
    std::fs::write(
        &config,
        format!(
            "[settings]\ndata_dir = {:?}\n\n[[source]]\nid = \"stk\"\nname = \"Staatskanzlei\"\n\
             url = \"{base}/feed/rss.xml\"\nkind = \"feed\"\nlevel = \"land\"\nland = \"NW\"\n",
            data.display().to_string()
        ),
    )
    .expect("config");
    let port = free_port();
    let log = std::fs::File::create(dir.path().join("serve.log")).expect("log file");
    let child = Command::new(env!("CARGO_BIN_EXE_govwire"))
        .arg("-c")
        .arg(&config)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env_remove("GOVWIRE_CONFIG")
        .env_remove("GOVWIRE_DATA_DIR")
        .env_remove("GOVWIRE_LISTEN")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start govwire serve");
    let mut server = Server(child);
    let web = format!("http://127.0.0.1:{port}");

    let healthy = wait_until(Duration::from_secs(30), || async {
        status(&format!("{web}/healthz")).await == Some(200)
    })
    .await;
    assert!(healthy, "never served /healthz:\n{}", logs(dir.path()));
    let crawled = wait_until(Duration::from_secs(60), || async {
        feed_items(&format!("{web}/feed.xml")).await == 3
    })
    .await;
    assert!(
        crawled,
        "the crawl never stored 3 articles:\n{}",
        logs(dir.path())
    );

    let pid = server.0.id().to_string();
    let kill = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(kill.success());
    let mut status = None;
    let stopped = wait_until(Duration::from_secs(15), || {
        status = server.0.try_wait().ok().flatten();
        std::future::ready(status.is_some())
    })
    .await;
    assert!(
        stopped,
        "still running 15 s after SIGTERM:\n{}",
        logs(dir.path())
    );
    let status = status.expect("exit status");
    assert!(
        status.success(),
        "exit {status:?} after SIGTERM:\n{}",
        logs(dir.path())
    );
    let log_text = logs(dir.path());
    assert!(log_text.contains("store flushed"), "{log_text}");

    // The lock is released and everything crawled is on disk.
    let store = Store::open(&data.join("store")).expect("store reopens after a clean stop");
    assert_eq!(store.count().expect("count"), 3);
    let health = store.health("stk").expect("health").expect("recorded");
    assert!(health.last_success.is_some(), "{health:?}");
}

/// A feed of three articles whose pages each take 1.5 s; counts the article requests.
async fn slow_site(article_hits: Arc<AtomicUsize>) -> String {
    const FEED: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Land</title><link>/</link><description>d</description>
<item><title>Eins</title><link>/a/1.html</link><pubDate>Mon, 01 Feb 2021 10:00:00 +0100</pubDate></item>
<item><title>Zwei</title><link>/a/2.html</link><pubDate>Tue, 02 Feb 2021 10:00:00 +0100</pubDate></item>
<item><title>Drei</title><link>/a/3.html</link><pubDate>Wed, 03 Feb 2021 10:00:00 +0100</pubDate></item>
</channel></rss>"#;
    let app = Router::new()
        .route(
            "/feed.xml",
            get(|| async { ([(header::CONTENT_TYPE, "application/rss+xml")], FEED) }),
        )
        .route(
            "/a/{n}",
            get(move |Path(n): Path<String>| {
                let hits = article_hits.clone();
                async move {
                    hits.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(1500)).await;
                    format!(
                        "<html lang=de><body><article><h1>Meldung {n}</h1><p>Die \
                         Landesregierung hat heute die nächste Stufe der Verwaltungs\
                         digitalisierung beschlossen. Anträge sollen künftig online \
                         gestellt werden können.</p></article></body></html>"
                    )
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_crawl_finishes_the_article_in_flight_and_starts_no_more() {
    let hits = Arc::new(AtomicUsize::new(0));
    let base = slow_site(hits.clone()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let config = dir.path().join("sources.toml");
    std::fs::write(
        &config,
        format!(
            "[settings]\ndata_dir = {:?}\n\n[[source]]\nid = \"langsam\"\nname = \"Langsam\"\n\
             url = \"{base}/feed.xml\"\nkind = \"feed\"\nlevel = \"land\"\n",
            data.display().to_string()
        ),
    )
    .expect("config");
    let port = free_port();
    let log = std::fs::File::create(dir.path().join("serve.log")).expect("log file");
    let child = Command::new(env!("CARGO_BIN_EXE_govwire"))
        .arg("-c")
        .arg(&config)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env_remove("GOVWIRE_CONFIG")
        .env_remove("GOVWIRE_DATA_DIR")
        .env_remove("GOVWIRE_LISTEN")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start govwire serve");
    let mut server = Server(child);

    let in_flight = wait_until(Duration::from_secs(30), || {
        std::future::ready(hits.load(Ordering::SeqCst) >= 1)
    })
    .await;
    assert!(in_flight, "no article requested:\n{}", logs(dir.path()));
    let kill = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .expect("run kill");
    assert!(kill.success());
    let mut status = None;
    let stopped = wait_until(Duration::from_secs(15), || {
        status = server.0.try_wait().ok().flatten();
        std::future::ready(status.is_some())
    })
    .await;
    assert!(
        stopped,
        "still running 15 s after SIGTERM:\n{}",
        logs(dir.path())
    );
    assert!(
        status.is_some_and(|s| s.success()),
        "exit {status:?}:\n{}",
        logs(dir.path())
    );
    assert_eq!(
        hits.load(Ordering::SeqCst),
        1,
        "no new article after SIGTERM"
    );
    let store = Store::open(&data.join("store")).expect("store reopens");
    assert_eq!(
        store.count().expect("count"),
        1,
        "the article in flight was written"
    );
    assert!(
        store
            .get_by_link(&format!("{base}/a/1.html"))
            .expect("read")
            .is_some()
    );
}
