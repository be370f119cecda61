//! A long-running crawl that keeps re-storing edited articles does not grow its body log
//! forever: the scheduler compacts it after crawls, while crawling goes on, and nothing is
//! lost. Loopback feed, real sled store in a temp dir, 8 KiB log segments so that a few
//! rounds close several.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use govwire::crawl::{Crawler, scheduler};
use govwire::fetch::{FetchConfig, Fetcher};
use govwire::store::{CompactionPolicy, Store};

const ENTRIES: u64 = 20;

/// Every request is a new round: every entry has a new `updated` date, title and text.
async fn feed(State(round): State<Arc<AtomicU64>>) -> impl IntoResponse {
    let r = round.fetch_add(1, Ordering::SeqCst);
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\">\
         <title>Land</title><id>urn:land</id><updated>2021-03-01T08:00:00Z</updated>",
    );
    for i in 0..ENTRIES {
        xml.push_str(&format!(
            "<entry><title>Meldung {i} Fassung {r}</title><id>urn:land:{i}</id>\
             <link rel=\"alternate\" href=\"/meldung-{i}.html\"/>\
             <published>2021-02-{:02}T10:00:00+01:00</published>\
             <updated>{}</updated>\
             <content type=\"html\">&lt;p&gt;Meldung {i}, Fassung {r}: Die Landesregierung \
             treibt das Onlinezugangsgesetz voran. {}&lt;/p&gt;</content></entry>",
            1 + i % 28,
            // Later than the last crawl, which is what an edit is compared with.
            (chrono::Utc::now() + chrono::Duration::hours(1 + r as i64)).to_rfc3339(),
            format!("Absatz {r}-{i} über digitale Verwaltung. ").repeat(20),
        ));
    }
    xml.push_str("</feed>");
    ([(header::CONTENT_TYPE, "application/atom+xml")], xml)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduler_compacts_the_body_log_while_crawling_and_loses_nothing() {
    let round = Arc::new(AtomicU64::new(0));
    let app = Router::new()
        .route("/feed.xml", get(feed))
        .with_state(round.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let text = format!(
        r#"
[[source]]
id = "land"
name = "Land"
url = "{base}/feed.xml"
kind = "feed"
level = "land"
fetch_articles = false
"#
    );
    let mut sources = govwire::config::parse(&text, "sources.toml")
        .expect("config")
        .sources;
    sources[0].interval = Duration::from_millis(20);

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("store");
    let store = Store::open(&path).expect("store");
    store.set_log_segment_bytes(8 << 10);
    let fetcher = Fetcher::new(FetchConfig {
        per_host_interval: Duration::from_millis(1),
        ..FetchConfig::default()
    })
    .expect("client");
    let crawler = Arc::new(
        Crawler::new(fetcher, store.clone(), &[], 100).with_compaction(CompactionPolicy {
            min_total_garbage: 16 << 10,
            min_segment_garbage: 0.5,
        }),
    );
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let run = tokio::spawn(scheduler::run(crawler.clone(), sources, 1, stop_rx));

    // Wait for the first segments to be compacted away, with crawls still running.
    let first = path.join("bodies").join("00000000.log");
    let deadline = Instant::now() + Duration::from_secs(60);
    while first.exists() || round.load(Ordering::SeqCst) < 10 {
        assert!(
            Instant::now() < deadline,
            "no compaction after {} rounds",
            round.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let rounds = round.load(Ordering::SeqCst);
    crawler.stop();
    let _ = stop.send(true);
    tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("scheduler stops")
        .expect("scheduler task");

    let report = store.check().expect("check");
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.articles, ENTRIES);
    // Without compaction the log would hold every version written: at least one per entry
    // and round after the first (minus rounds still in flight).
    let written = report.log_records;
    assert!(
        written < ENTRIES * (rounds - 2),
        "{written} records left after {rounds} rounds: {report:?}"
    );
    // Every article reads as one consistent version (title and text of the same round).
    let items = store.latest(0, 100).expect("latest").items;
    assert_eq!(items.len() as u64, ENTRIES);
    for a in items {
        let version = a.title.replacen(" Fassung", ", Fassung", 1);
        assert!(a.text.contains(&version), "{} / {}", a.title, a.text);
    }
}
