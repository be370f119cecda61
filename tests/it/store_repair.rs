//! An article whose stored text was lost is fetched again by the next crawl even when its
//! listing did not change (and would answer 304), or no longer names it; over loopback against
//! fixture sites with a real sled store: after a power cut that lost an edit the log had not
//! synced, and after bit rot that a reader found.

use crate::common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use govwire::crawl::{Crawler, crawl_all};
use govwire::fetch::{FetchConfig, Fetcher};
use govwire::model::{ArticleId, Source};
use govwire::store::Store;

const FEED: &str = "/feed/rss.xml";
const PAGE: &str = "/feed/servicekonto-nrw.html";

fn sources(base: &str) -> Vec<Source> {
    let text = format!(
        r#"
[[source]]
id = "stk"
name = "Staatskanzlei (Fixture)"
url = "{base}{FEED}"
kind = "feed"
level = "land"
land = "NW"
"#
    );
    govwire::config::parse(&text, "sources.toml")
        .expect("config")
        .sources
}

fn crawler(store: Store) -> Arc<Crawler> {
    let fetcher = Fetcher::new(FetchConfig {
        per_host_interval: Duration::from_millis(1),
        ..FetchConfig::default()
    })
    .expect("client");
    Arc::new(Crawler::new(fetcher, store, &[], 200))
}

/// The newest body log segment of the store in `dir`.
fn active_segment(dir: &Path) -> PathBuf {
    let mut segs: Vec<PathBuf> = std::fs::read_dir(dir.join("bodies"))
        .expect("bodies")
        .flatten()
        .map(|e| e.path())
        .collect();
    segs.sort();
    segs.pop().expect("a segment")
}

/// Crawls the fixture feed into a new store (every article stored, then a second crawl
/// answered 304, so the feed's validators are stored); returns the store folder's parent and
/// the URL of the Servicekonto article.
async fn crawled(base: &str, log: &common::Log) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    let sources = sources(base);
    let first = crawl_all(crawler(store.clone()), &sources, 1).await;
    assert_eq!(first[0].new, 3, "{first:?}");
    let second = crawl_all(crawler(store.clone()), &sources, 1).await;
    assert!(second[0].not_modified, "{second:?}");
    assert_eq!(log.count(FEED, 304), 1);
    let url = format!("{base}{PAGE}");
    assert!(store.get_by_url(&url).expect("read").is_some());
    store.flush().expect("flush");
    (dir, url)
}

/// Crawls once more with the feed unchanged (it would answer 304) and checks that the lost
/// article was fetched and stored again as it was, index entries included.
async fn crawl_and_see_it_repaired(store: Store, url: &str, log: &common::Log) {
    let id = ArticleId::from_url(url);
    let feed_200 = log.count(FEED, 200);
    let feed_304 = log.count(FEED, 304);
    let page_200 = log.count(PAGE, 200);
    let reports = crawl_all(crawler(store.clone()), &sources(&base_of(url)), 1).await;
    let r = &reports[0];
    assert!(
        !r.not_modified,
        "read in full while one of its articles is damaged: {r:?}"
    );
    assert_eq!(log.count(FEED, 200), feed_200 + 1);
    assert_eq!(
        log.count(PAGE, 200),
        page_200 + 1,
        "the article page fetched"
    );
    assert_eq!(r.repaired, 1, "{r:?}");
    assert!(r.errors.is_empty(), "{r:?}");
    let article = store.get(id).expect("reads again").expect("stored");
    assert!(article.text.contains("Servicekonto"), "{}", article.text);
    assert!(
        article.tags.iter().any(|t| t == "Digitalisierung"),
        "the feed's categories are back: {:?}",
        article.tags
    );
    assert!(store.damaged().expect("damaged").is_empty());
    let check = store.check().expect("check");
    // (`log_corrupt` stays 1 after bit rot: the damaged bytes stay in their segment.)
    assert_eq!(
        (check.unreadable, check.dangling, check.unindexed),
        (0, 0, 0),
        "{check:?}"
    );
    // Repaired for good: the next crawl is answered 304 and fetches no article.
    let again = crawl_all(crawler(store.clone()), &sources(&base_of(url)), 1).await;
    assert!(again[0].not_modified, "{:?}", again[0]);
    assert_eq!(again[0].repaired, 0);
    assert_eq!(log.count(FEED, 304), feed_304 + 1);
    assert_eq!(log.count(PAGE, 200), page_200 + 1);
}

fn base_of(url: &str) -> String {
    url.trim_end_matches(PAGE).to_string()
}

#[tokio::test]
async fn an_edit_lost_to_a_power_cut_is_fetched_again_though_the_listing_is_unchanged() {
    let (base, log) = common::start().await;
    let (dir, url) = crawled(&base, &log).await;
    let path = dir.path().join("store");
    let id = ArticleId::from_url(&url);
    {
        let store = Store::open(&path).expect("reopen");
        let synced = std::fs::metadata(active_segment(&path))
            .expect("segment")
            .len();
        // An edit is written; sled persists its pointer (it flushes by itself, and on drop),
        // then the power fails before the log is synced: its record is gone.
        let mut edited = store.get(id).expect("read").expect("stored");
        edited.title = "Servicekonto.NRW 2.0 (aktualisiert)".into();
        store.upsert(&edited).expect("upsert");
        drop(store);
        std::fs::OpenOptions::new()
            .write(true)
            .open(active_segment(&path))
            .expect("open segment")
            .set_len(synced)
            .expect("cut");
    }
    let store = Store::open(&path).expect("reopen after the power cut");
    assert!(store.get(id).is_err(), "the text is lost");
    let damaged = store.damaged().expect("damaged");
    assert_eq!(damaged.len(), 1, "{damaged:?}");
    assert_eq!(damaged[0].url.as_deref(), Some(url.as_str()));
    crawl_and_see_it_repaired(store, &url, &log).await;
}

#[tokio::test]
async fn a_record_a_reader_found_damaged_is_fetched_again_though_the_listing_is_unchanged() {
    let (base, log) = common::start().await;
    let (dir, url) = crawled(&base, &log).await;
    let path = dir.path().join("store");
    let id = ArticleId::from_url(&url);
    {
        // Bit rot in the last bytes of the Servicekonto article's record.
        let store = Store::open(&path).expect("reopen");
        let others: Vec<_> = store.latest(0, 10).expect("latest").items;
        assert_eq!(others.len(), 3);
        drop(store);
        let seg = active_segment(&path);
        let bytes = std::fs::read(&seg).expect("read segment");
        let store_ids: Vec<ArticleId> = others.iter().map(|a| a.id).collect();
        assert!(store_ids.contains(&id));
        // Find the record of `id`: its header holds the id (big-endian) 8 bytes in.
        let at = bytes
            .windows(8)
            .position(|w| w == id.0.to_be_bytes())
            .expect("record header")
            - 8;
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize;
        let mut bytes = bytes;
        bytes[at + 16 + len - 10] ^= 0x55;
        std::fs::write(&seg, &bytes).expect("write segment");
    }
    let store = Store::open(&path).expect("reopen");
    // A reader (the web view, check-store) finds the damage.
    assert!(store.get(id).is_err());
    let damaged = store.damaged().expect("damaged");
    assert_eq!(damaged.len(), 1, "{damaged:?}");
    assert_eq!(damaged[0].url.as_deref(), Some(url.as_str()));
    assert_eq!(damaged[0].source_id.as_deref(), Some("stk"));
    crawl_and_see_it_repaired(store, &url, &log).await;
}

fn rss(items: &[(&str, &str)]) -> String {
    let items: String = items
        .iter()
        .map(|(title, link)| {
            format!(
                "<item><title>{title}</title><link>{link}</link>\
                 <pubDate>Mon, 01 Feb 2021 10:00:00 +0100</pubDate></item>"
            )
        })
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Land</title><link>/</link><description>d</description>{items}</channel></rss>"#
    )
}

fn page(title: &str) -> String {
    format!(
        "<html lang=de><head><title>{title}</title></head><body><article><h1>{title}</h1>\
         <p>Das Land treibt die Umsetzung des Onlinezugangsgesetzes voran. Bürgerinnen und \
         Bürger sollen Verwaltungsleistungen künftig digital beantragen können, sagte die \
         Ministerin am Montag in der Landeshauptstadt.</p><p>Weitere Leistungen folgen im \
         nächsten Jahr, darunter das Servicekonto für Unternehmen.</p></article></body></html>"
    )
}

#[tokio::test]
async fn a_damaged_article_no_listing_names_is_fetched_by_its_url_and_a_gone_one_is_dropped() {
    let html = |s: String| common::Canned::new("text/html; charset=utf-8", s);
    let xml = |s: String| common::Canned::new("application/rss+xml", s);
    let (base, log) = common::start_routes(vec![
        (
            "/all.xml".into(),
            xml(rss(&[("A", "/a.html"), ("B", "/b.html"), ("C", "/c.html")])),
        ),
        ("/only-b.xml".into(), xml(rss(&[("B", "/b.html")]))),
        ("/a.html".into(), html(page("Meldung A"))),
        ("/b.html".into(), html(page("Meldung B"))),
        // /c.html answers 404 from now on.
    ])
    .await;
    let source = |path: &str| {
        let mut s = sources(&base).remove(0);
        s.url = format!("{base}{path}");
        s
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("store");
    let store = Store::open(&path).expect("store");
    // C was stored while its page still existed (it 404s now): a copy of A under C's URL.
    let first = crawl_all(crawler(store.clone()), &[source("/all.xml")], 1).await;
    assert_eq!(first[0].new, 2, "{first:?}");
    let mut c = store
        .get_by_url(&format!("{base}/a.html"))
        .expect("read")
        .expect("A");
    c.url = format!("{base}/c.html");
    c.id = ArticleId::from_url(&c.url);
    store.upsert(&c).expect("store C");
    store.flush().expect("flush");
    drop(store);
    // Bit rot in the records of A and C (the last bytes of each).
    let seg = active_segment(&path);
    let mut bytes = std::fs::read(&seg).expect("segment");
    for url in [format!("{base}/a.html"), c.url.clone()] {
        let id = ArticleId::from_url(&url);
        let at = bytes
            .windows(8)
            .position(|w| w == id.0.to_be_bytes())
            .expect("record header")
            - 8;
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize;
        bytes[at + 16 + len - 10] ^= 0x55;
    }
    std::fs::write(&seg, &bytes).expect("write segment");
    let store = Store::open(&path).expect("reopen");
    // check-store (or any reader) finds them.
    assert_eq!(store.check().expect("check").unreadable, 2);
    assert_eq!(store.damaged().expect("damaged").len(), 2);
    let a_pages = log.count("/a.html", 200);
    let c_gone = log.count("/c.html", 404);
    let reports = crawl_all(crawler(store.clone()), &[source("/only-b.xml")], 1).await;
    let r = &reports[0];
    assert_eq!(r.repaired, 1, "{r:?}");
    assert_eq!(
        log.count("/a.html", 200),
        a_pages + 1,
        "A fetched by its URL"
    );
    assert_eq!(log.count("/c.html", 404), c_gone + 1, "C tried once");
    assert!(
        r.errors
            .iter()
            .any(|e| e.contains("/c.html") && e.contains("404")),
        "{r:?}"
    );
    let a = store
        .get_by_url(&format!("{base}/a.html"))
        .expect("A reads again")
        .expect("A");
    assert_eq!(a.title, "Meldung A");
    assert!(store.damaged().expect("damaged").is_empty(), "C given up");
    // Nothing is retried: C's page is gone, A is whole.
    crawl_all(crawler(store.clone()), &[source("/only-b.xml")], 1).await;
    assert_eq!(log.count("/c.html", 404), c_gone + 1);
    assert_eq!(log.count("/a.html", 200), a_pages + 1);
}
