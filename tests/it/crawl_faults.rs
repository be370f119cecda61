//! Crawling keeps going when sources misbehave: a failing source, a hanging source, a
//! robots.txt-disallowed article and a redesigned list page, all served on loopback.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use chrono::Utc;
use govwire::crawl::{Crawler, crawl_all, scheduler};
use govwire::fetch::{FetchConfig, Fetcher};
use govwire::model::{ArticleSelectors, Level, ListSelectors, Source, SourceKind};
use govwire::store::Store;

#[derive(Default)]
struct Site {
    private_hits: AtomicUsize,
    broken_hits: AtomicUsize,
    redesigned: AtomicBool,
}

const FEED: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Land</title><link>/</link><description>d</description>
<item><title>Erste Meldung zur OZG-Umsetzung</title><link>/artikel/1.html</link><pubDate>Mon, 01 Feb 2021 10:00:00 +0100</pubDate></item>
<item><title>Zweite Meldung</title><link>/artikel/2.html</link><pubDate>Tue, 02 Feb 2021 10:00:00 +0100</pubDate></item>
<item><title>Geheim</title><link>/private/3.html</link><pubDate>Wed, 03 Feb 2021 10:00:00 +0100</pubDate></item>
</channel></rss>"#;

fn article_page(n: &str) -> String {
    format!(
        "<html lang=de><head><title>Meldung {n}</title></head><body><nav>Startseite Presse</nav>\
         <article><h1>Meldung {n}</h1><p>Das Land treibt die Umsetzung des Onlinezugangsgesetzes \
         voran. Bürgerinnen und Bürger sollen Verwaltungsleistungen künftig digital beantragen \
         können, sagte die Ministerin am Montag in der Landeshauptstadt.</p><p>Weitere Leistungen \
         folgen im nächsten Jahr, darunter das Servicekonto für Unternehmen.</p></article>\
         <footer>Impressum Datenschutz</footer></body></html>"
    )
}

fn list_page(redesigned: bool) -> String {
    if redesigned {
        "<html><body><div class=neu><a href=/artikel/1.html>Eins</a></div></body></html>".into()
    } else {
        "<html><body><ul><li class=teaser><a href=/artikel/1.html>Eins</a></li>\
         <li class=teaser><a href=/artikel/2.html>Zwei</a></li></ul></body></html>"
            .into()
    }
}

async fn serve(site: Arc<Site>) -> String {
    let (s1, s2, s3) = (site.clone(), site.clone(), site.clone());
    let app = Router::new()
        .route(
            "/robots.txt",
            get(|| async { "User-agent: *\nDisallow: /private/\n" }),
        )
        .route(
            "/feed.xml",
            get(|| async { ([(header::CONTENT_TYPE, "application/rss+xml")], FEED) }),
        )
        .route(
            "/artikel/{n}",
            get(|Path(n): Path<String>| async move { axum::response::Html(article_page(&n)) }),
        )
        .route(
            "/private/{n}",
            get(move || async move {
                s1.private_hits.fetch_add(1, Ordering::SeqCst);
                "secret"
            }),
        )
        .route(
            "/broken.xml",
            get(move || async move {
                s2.broken_hits.fetch_add(1, Ordering::SeqCst);
                StatusCode::INTERNAL_SERVER_ERROR
            }),
        )
        .route(
            "/hang.xml",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(600)).await;
                "never"
            }),
        )
        .route(
            "/liste.html",
            get(move || async move {
                axum::response::Html(list_page(s3.redesigned.load(Ordering::SeqCst)))
                    .into_response()
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    base
}

fn source(id: &str, url: String, kind: SourceKind) -> Source {
    Source {
        id: id.into(),
        name: id.into(),
        url,
        kind,
        interval: Duration::from_secs(3600),
        level: Level::Land,
        land: None,
        list: (kind == SourceKind::Html).then(|| ListSelectors {
            item: "li.teaser".into(),
            ..ListSelectors::default()
        }),
        article: ArticleSelectors::default(),
        fetch_articles: true,
        entries: Default::default(),
    }
}

fn crawler(store: Store, timeout: Duration) -> Arc<Crawler> {
    let fetcher = Fetcher::new(FetchConfig {
        per_host_interval: Duration::from_millis(5),
        retry_base: Duration::from_millis(10),
        timeout,
        ..FetchConfig::default()
    })
    .expect("client");
    let keywords = vec![govwire::model::Keyword::new(
        "OZG",
        vec!["Onlinezugangsgesetz".into()],
    )];
    Arc::new(Crawler::new(fetcher, store, &keywords, 100))
}

#[tokio::test]
async fn failing_sources_do_not_stop_others_and_robots_is_obeyed() {
    let site = Arc::new(Site::default());
    let base = serve(site.clone()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    let sources = vec![
        source("broken", format!("{base}/broken.xml"), SourceKind::Feed),
        source("good", format!("{base}/feed.xml"), SourceKind::Feed),
    ];
    let reports = crawl_all(crawler(store.clone(), Duration::from_secs(5)), &sources, 4).await;
    let broken = &reports[0];
    assert_eq!(broken.new, 0);
    assert!(broken.errors[0].contains("HTTP 500"), "{:?}", broken.errors);
    assert!(
        broken.errors[0].contains("/broken.xml"),
        "error names the URL"
    );
    assert_eq!(
        site.broken_hits.load(Ordering::SeqCst),
        3,
        "retries bounded: 1 + 2"
    );
    let good = &reports[1];
    assert_eq!(good.new, 2, "{good:?}");
    assert_eq!(
        good.errors.len(),
        1,
        "the disallowed article is reported: {:?}",
        good.errors
    );
    assert!(good.errors[0].contains("robots.txt"));
    assert_eq!(
        site.private_hits.load(Ordering::SeqCst),
        0,
        "disallowed path never requested"
    );

    let health = store.health("broken").expect("health").expect("recorded");
    assert_eq!(health.consecutive_failures, 1);
    assert!(
        health
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("HTTP 500")
    );
    let first_due = health.next_due.expect("due");
    crawl_all(
        crawler(store.clone(), Duration::from_secs(5)),
        &sources[..1],
        1,
    )
    .await;
    let health = store.health("broken").expect("health").expect("recorded");
    assert_eq!(health.consecutive_failures, 2);
    assert!(
        health.next_due.expect("due") - first_due > chrono::Duration::minutes(90),
        "backs off"
    );

    let ozg = store.by_keyword("OZG", 0, 10).expect("query");
    assert_eq!(
        ozg.items.len(),
        2,
        "both articles mention the Onlinezugangsgesetz"
    );
}

#[tokio::test]
async fn a_hanging_source_never_delays_the_others() {
    let base = serve(Arc::new(Site::default())).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    // On another host name: one host has one request in flight at a time, so a source on the
    // hanging host itself waits for it by design.
    let other_host = base.replace("127.0.0.1", "localhost");
    let sources = vec![
        source("hang", format!("{other_host}/hang.xml"), SourceKind::Feed),
        source("good", format!("{base}/feed.xml"), SourceKind::Feed),
    ];
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let c = crawler(store.clone(), Duration::from_secs(60));
    let task = tokio::spawn(scheduler::run(c.clone(), sources, 4, stop_rx));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while store.count().expect("count") < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "good source not stored while another hangs"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    c.stop();
    let _ = stop.send(true);
    // The hanging request is still in flight; the scheduler must not need it to stop the rest.
    task.abort();
    let health = store.health("good").expect("health").expect("recorded");
    assert!(health.last_success.is_some());
    assert!(health.next_due.expect("due") > Utc::now() + chrono::Duration::minutes(50));
}

#[tokio::test]
async fn a_redesigned_list_page_is_flagged_broken() {
    let site = Arc::new(Site::default());
    let base = serve(site.clone()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    let sources = vec![source(
        "liste",
        format!("{base}/liste.html"),
        SourceKind::Html,
    )];
    let r = crawl_all(crawler(store.clone(), Duration::from_secs(5)), &sources, 1).await;
    assert_eq!(r[0].new, 2, "{:?}", r[0]);
    assert!(!store.health("liste").expect("h").expect("h").broken);
    site.redesigned.store(true, Ordering::SeqCst);
    let r = crawl_all(crawler(store.clone(), Duration::from_secs(5)), &sources, 1).await;
    assert!(
        r[0].errors[0].contains("matched no articles"),
        "{:?}",
        r[0].errors
    );
    let h = store.health("liste").expect("h").expect("h");
    assert!(h.broken, "flagged, not silently 0 new");
    assert_eq!(store.count().expect("count"), 2, "nothing lost");
}

/// The scheduler and a `govwire crawl --source` forwarded to `serve` share one crawler: two
/// crawls of one source at the same time run one after the other, so the second finds the
/// first one's article stored and fetches no article page again.
#[tokio::test]
async fn one_crawler_never_crawls_a_source_twice_at_once() {
    let feed = r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Land</title><link>/</link><description>d</description>
<item><title>Erste Meldung zur OZG-Umsetzung</title><link>/artikel/1.html</link><pubDate>Mon, 01 Feb 2021 10:00:00 +0100</pubDate></item>
</channel></rss>"#;
    let page = "<html><head><title>Erste Meldung zur OZG-Umsetzung</title></head><body><article>\
        <h1>Erste Meldung zur OZG-Umsetzung</h1><p>Das Land Brandenburg setzt das \
        Onlinezugangsgesetz weiter um und stellt neue Verwaltungsleistungen online bereit.</p>\
        <p>Bürgerinnen und Bürger können Anträge künftig digital stellen.</p></article></body></html>";
    let (base, log) = crate::common::start_routes(vec![
        (
            "/feed.xml".into(),
            crate::common::Canned::new("application/rss+xml", feed),
        ),
        (
            "/artikel/1.html".into(),
            crate::common::Canned::new("text/html; charset=utf-8", page),
        ),
    ])
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("store");
    let c = crawler(store.clone(), Duration::from_secs(10));
    let src = source("land", format!("{base}/feed.xml"), SourceKind::Feed);
    let (a, b) = tokio::join!(
        c.crawl_source(&src, Utc::now()),
        c.crawl_source(&src, Utc::now())
    );
    assert!(a.errors.is_empty() && b.errors.is_empty(), "{a:?} {b:?}");
    assert_eq!(
        log.count("/artikel/1.html", 200),
        1,
        "article page fetched once"
    );
    assert_eq!(a.new + b.new, 1, "stored once: {a:?} {b:?}");
    assert_eq!(store.count().expect("count"), 1);
}
