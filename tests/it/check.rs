//! `govwire check` against the loopback fixture sites: through the library function and by
//! running the real binary with a temporary sources.toml.

use crate::common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use govwire::check::{CheckError, PageType, check_source, check_url};
use govwire::fetch::{FetchConfig, Fetcher};

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
[source.article]
tags = ".stichwoerter a"

[[source]]
id = "stk"
name = "Staatskanzlei (Fixture)"
url = "{base}/feed/rss.xml"
kind = "feed"
level = "land"
land = "NW"

[[source]]
id = "feed-is-a-page"
name = "Kommune21, als Feed eingetragen"
url = "{base}/kommune21/index.html"
kind = "feed"
level = "presse"

[[source]]
id = "redesigned"
name = "Ministerium nach dem Relaunch"
url = "{base}/ministry/index.html"
kind = "html"
level = "bund"
[source.list]
item = "div.nichtda"

[[source]]
id = "wrong-link"
name = "Ministerium, falscher Link-Selektor"
url = "{base}/ministry/index.html"
kind = "html"
level = "bund"
[source.list]
item = "li.c-result"
link = "span.kein-link"
"#
    )
}

fn fetcher() -> Fetcher {
    Fetcher::new(FetchConfig {
        per_host_interval: Duration::from_millis(1),
        ..FetchConfig::default()
    })
    .expect("client")
}

#[tokio::test]
async fn configured_html_source_shows_teasers_articles_and_its_feed() {
    let (base, log) = common::start().await;
    let config = govwire::config::parse(&config_text(&base), "sources.toml").expect("config");
    let source = config.source("k21").expect("k21");
    let r = check_source(&fetcher(), source).await;
    assert!(r.ok(), "{:?}", r.error);
    let page = r.page.as_ref().expect("page");
    assert_eq!(page.detected, PageType::Html);
    let listing = r.listing.as_ref().expect("listing");
    assert_eq!(
        (listing.found, listing.with_title, listing.with_date),
        (3, 3, 3)
    );
    assert_eq!(
        listing.items[1].title.as_deref(),
        Some("Thüringen: Zwei OZG-Schwerpunkte")
    );
    assert!(
        listing.items[1]
            .url
            .ends_with("/meldungen/thueringen-ozg-schwerpunkte.html")
    );

    assert_eq!(r.articles.len(), 3);
    for a in &r.articles {
        assert!(a.error.is_none(), "{a:?}");
        assert!(a.title.is_some() && a.text_chars > 200, "{a:?}");
        assert!(a.text_start.chars().count() <= check_len(), "{a:?}");
        assert_eq!(a.lang.as_deref(), Some("de"));
    }
    let first = &r.articles[0];
    assert_eq!(
        first.title.as_deref(),
        Some("Bayern und Brandenburg kooperieren")
    );
    assert_eq!(first.kicker.as_deref(), Some("E-Government"));
    assert!(first.published.is_some());
    assert!(
        first.tags.iter().any(|t| t == "BayernPortal"),
        "{:?}",
        first.tags
    );

    assert_eq!(r.feeds.len(), 1, "{:?}", r.feeds);
    assert!(r.feeds[0].url.ends_with("/kommune21/rss.xml"));
    assert_eq!(r.feeds[0].entries, Some(3));
    assert!(
        r.hints
            .iter()
            .any(|h| h.contains("advertises a feed") && h.contains("kind = \"feed\"")),
        "{:?}",
        r.hints
    );
    // One list page, one feed, three articles: nothing else was fetched, nothing twice.
    assert_eq!(log.count("/kommune21/index.html", 200), 1);
    assert_eq!(log.count("/kommune21/rss.xml", 200), 1);
    assert_eq!(log.total(200), 5);
}

fn check_len() -> usize {
    govwire::check::TEXT_PREVIEW + 1
}

#[tokio::test]
async fn configured_feed_source_extracts_its_first_three_articles() {
    let (base, _log) = common::start().await;
    let config = govwire::config::parse(&config_text(&base), "sources.toml").expect("config");
    let r = check_source(&fetcher(), config.source("stk").expect("stk")).await;
    assert!(r.ok(), "{:?}", r.error);
    let listing = r.listing.as_ref().expect("listing");
    assert!(listing.selectors.is_none());
    assert_eq!(listing.found, 3);
    assert!(r.feeds.is_empty(), "a feed advertises no feeds");
    let langs: Vec<_> = r.articles.iter().map(|a| a.lang.as_deref()).collect();
    assert_eq!(langs, [Some("de"), Some("en"), Some("de")]);
    assert!(
        r.articles
            .iter()
            .all(|a| !a.from_feed && a.text_chars > 100)
    );
}

#[tokio::test]
async fn a_bare_feed_url_lists_its_entries() {
    let (base, _log) = common::start().await;
    let r = check_url(&fetcher(), &format!("{base}/feed/rss.xml")).await;
    assert!(r.ok(), "{:?}", r.error);
    assert_eq!(r.page.as_ref().map(|p| p.detected), Some(PageType::Feed));
    let listing = r.listing.as_ref().expect("entries");
    assert_eq!(listing.found, 3);
    assert_eq!(
        listing.items[0].title.as_deref(),
        Some("Landesregierung startet Servicekonto.NRW 2.0")
    );
    assert!(r.articles.is_empty());
}

#[tokio::test]
async fn a_bare_html_url_is_extracted_automatically_and_its_feed_reported() {
    let (base, _log) = common::start().await;
    let r = check_url(&fetcher(), &format!("{base}/feed/servicekonto-nrw.html")).await;
    assert!(r.ok(), "{:?}", r.error);
    assert_eq!(r.articles.len(), 1);
    let a = &r.articles[0];
    assert!(
        a.title
            .as_deref()
            .unwrap_or_default()
            .contains("Servicekonto"),
        "{a:?}"
    );
    assert!(a.text_chars > 200);
    assert_eq!(r.feeds.len(), 1);
    assert_eq!(r.feeds[0].entries, Some(3));
}

#[tokio::test]
async fn selectors_that_match_nothing_fail_and_name_the_selector() {
    let (base, _log) = common::start().await;
    let config = govwire::config::parse(&config_text(&base), "sources.toml").expect("config");
    let f = fetcher();
    let r = check_source(&f, config.source("redesigned").expect("source")).await;
    assert!(!r.ok());
    assert!(
        matches!(r.error, Some(CheckError::NoItems { .. })),
        "{:?}",
        r.error
    );
    assert!(
        r.error
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
            .contains("div.nichtda")
    );
    assert!(r.articles.is_empty());

    let r = check_source(&f, config.source("wrong-link").expect("source")).await;
    match &r.error {
        Some(e @ CheckError::NoLinks { found, .. }) => {
            assert_eq!(*found, 3);
            assert!(e.to_string().contains("span.kein-link"), "{e}");
        }
        other => panic!("expected NoLinks, got {other:?}"),
    }

    let r = check_url(&f, &format!("{base}/nicht/vorhanden.html")).await;
    assert!(
        matches!(r.error, Some(CheckError::Fetch(_))),
        "{:?}",
        r.error
    );
    assert!(r.page.is_none());
}

#[tokio::test]
async fn a_feed_source_pointing_at_a_page_is_told_where_the_feed_is() {
    let (base, _log) = common::start().await;
    let config = govwire::config::parse(&config_text(&base), "sources.toml").expect("config");
    let r = check_source(&fetcher(), config.source("feed-is-a-page").expect("source")).await;
    assert!(
        matches!(r.error, Some(CheckError::Extract { .. })),
        "{:?}",
        r.error
    );
    assert_eq!(r.page.as_ref().map(|p| p.detected), Some(PageType::Html));
    let want = format!("with url = \"{base}/kommune21/rss.xml\"");
    assert!(
        r.hints.iter().any(|h| h.contains("serves an HTML page")),
        "{:?}",
        r.hints
    );
    assert!(r.hints.iter().any(|h| h.contains(&want)), "{:?}", r.hints);
}

/// Runs the real binary with `-c config` off the async runtime.
async fn govwire(config: &Path, args: &[&str]) -> Output {
    let config = config.to_path_buf();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_govwire"))
            .arg("-c")
            .arg(&config)
            .args(&args)
            .env_remove("GOVWIRE_CONFIG")
            .env_remove("GOVWIRE_DATA_DIR")
            .env_remove("GOVWIRE_LISTEN")
            .env("RUST_LOG", "warn")
            .output()
            .expect("run govwire")
    })
    .await
    .expect("join")
}

fn write_config(dir: &Path, base: &str) -> std::path::PathBuf {
    let path = dir.join("sources.toml");
    let text = format!(
        "[settings]\ndata_dir = {:?}\n{}",
        dir.join("data").display().to_string(),
        config_text(base)
    );
    std::fs::write(&path, text).expect("write config");
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_checks_a_source_a_feed_and_a_broken_source() {
    let (base, _log) = common::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), &base);

    let out = govwire(&config, &["check", "k21"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for want in [
        "source k21 (kind = \"html\")",
        "list selectors: item = \"div.teaser\"",
        "matched 3 teasers with a link (3 with a title, 3 with a date)",
        // A teaser's bare day and an article page's day-only date are shown without a time.
        "2. 2021-01-27        Thüringen: Zwei OZG-Schwerpunkte",
        "date:   2021-01-27\n",
        "articles (3 extracted with the source's [source.article] selectors)",
        "kicker: E-Government",
        "/kommune21/rss.xml (3 entries)",
        "consider kind = \"feed\"",
    ] {
        assert!(stdout.contains(want), "missing {want:?} in\n{stdout}");
    }
    assert!(stdout.ends_with("OK\n"), "{stdout}");

    let feed_url = format!("{base}/feed/rss.xml");
    let out = govwire(&config, &["check", "--format", "json", &feed_url]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(json["page"]["detected"], "feed");
    assert_eq!(json["listing"]["found"], 3);
    assert_eq!(json["source_id"], serde_json::Value::Null);
    assert_eq!(json["error"], serde_json::Value::Null);

    let out = govwire(&config, &["check", "redesigned"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("`item = \"div.nichtda\"` matched nothing"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("FAILED"));

    let out = govwire(&config, &["check", "--format", "json", "redesigned"]).await;
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on failure");
    assert!(
        json["error"]
            .as_str()
            .unwrap_or_default()
            .contains("div.nichtda")
    );

    let out = govwire(&config, &["check", "gibt-es-nicht"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no source with id \"gibt-es-nicht\""));
}

#[tokio::test]
async fn check_obeys_robots_txt() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::Router;
    use axum::routing::get;

    let list_hits = Arc::new(AtomicUsize::new(0));
    let hits = list_hits.clone();
    let app = Router::new()
        .route(
            "/robots.txt",
            get(|| async { "User-agent: *\nDisallow: /intern/\n" }),
        )
        .route(
            "/intern/liste.html",
            get(move || async move {
                hits.fetch_add(1, Ordering::SeqCst);
                "<html><body><div class=teaser><a href=/a.html>A</a></div></body></html>"
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let text = format!(
        "[[source]]\nid = \"intern\"\nname = \"Intern\"\nurl = \"http://{addr}/intern/liste.html\"\n\
         kind = \"html\"\nlevel = \"bund\"\n[source.list]\nitem = \"div.teaser\"\n"
    );
    let config = govwire::config::parse(&text, "sources.toml").expect("config");
    let r = check_source(&fetcher(), &config.sources[0]).await;
    assert!(
        matches!(
            r.error,
            Some(CheckError::Fetch(
                govwire::fetch::FetchError::Disallowed { .. }
            ))
        ),
        "{:?}",
        r.error
    );
    assert_eq!(
        list_hits.load(Ordering::SeqCst),
        0,
        "a check is a request too"
    );
}

/// Feeds sniffed by content: a UTF-16 feed and an `rss:`-prefixed RSS 1.0 feed served as
/// `application/xml`, and an RSS feed served as `text/html`, are checked as feeds with their
/// entries, not as HTML pages.
#[tokio::test]
async fn feeds_are_recognised_by_content_not_content_type() {
    use common::Canned;
    let rss = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><rss version=\"2.0\"><channel><title>t</title>\
<item><title>Breit</title><link>https://land.test/wide.html</link></item></channel></rss>";
    let mut wide = vec![0xFF, 0xFE];
    for u in rss.encode_utf16() {
        wide.extend_from_slice(&u.to_le_bytes());
    }
    let prefixed = r#"<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:rss="http://purl.org/rss/1.0/"><!-- a long comment that pushes the items far down -->
<rss:channel rdf:about="https://land.test/"><rss:title>t</rss:title><rss:link>https://land.test/</rss:link></rss:channel>
<rss:item rdf:about="https://land.test/p.html"><rss:title>Präfix</rss:title><rss:link>https://land.test/p.html</rss:link></rss:item></rdf:RDF>"#;
    let (base, _) = common::start_routes(vec![
        ("/wide.xml".into(), Canned::new("application/xml", wide)),
        (
            "/prefixed.xml".into(),
            Canned::new("application/xml", prefixed),
        ),
        (
            "/html.xml".into(),
            Canned::new("text/html; charset=utf-8", rss.replace("UTF-16", "UTF-8")),
        ),
    ])
    .await;
    for (path, title) in [
        ("/wide.xml", "Breit"),
        ("/prefixed.xml", "Präfix"),
        ("/html.xml", "Breit"),
    ] {
        let r = check_url(&fetcher(), &format!("{base}{path}")).await;
        assert!(r.ok(), "{path}: {:?}", r.error);
        assert_eq!(
            r.page.as_ref().map(|p| p.detected),
            Some(PageType::Feed),
            "{path}"
        );
        let listing = r.listing.as_ref().expect("entries");
        assert_eq!(listing.found, 1, "{path}");
        assert_eq!(listing.items[0].title.as_deref(), Some(title), "{path}");
    }
}
