//! Feeds as a feed reader gets them, over real HTTP on 127.0.0.1: the full article text as
//! sanitised HTML paragraphs, the publishing source in every item, one feed id per saved search,
//! validators with `304` on `If-None-Match` and `If-Modified-Since` (GET and HEAD, digest feeds
//! included), gzip and brotli, and hostile source names and queries that stay text. Every feed
//! type is parsed back with feed-rs and with Python feedparser (`tests/feedparser_check.py
//! --summary`; skipped with a clear line when feedparser is not installed).

use crate::common;

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use feed_rs::model::{Entry, Feed};
use govwire::model::{Article, ArticleSelectors, Keyword, Level, Source, SourceKind};
use govwire::search::Index;
use govwire::store::Store;
use govwire::web::{AppState, router};
use reqwest::header;

/// A source name and a query that would be live markup if escaped too little.
const HOSTILE: &str = "<script>alert(1)</script> & \"x\"";

fn source(id: &str, name: &str, url: &str) -> Source {
    Source {
        id: id.into(),
        name: name.into(),
        url: url.into(),
        kind: SourceKind::Feed,
        interval: Duration::from_secs(3600),
        level: Level::Land,
        land: None,
        list: None,
        article: ArticleSelectors::default(),
        fetch_articles: false,
        entries: Default::default(),
    }
}

fn at(day: u32, hour: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0)
        .single()
        .expect("date")
}

/// The OZG release of the BMI (a person named), a BundID item of the hostile source (no person),
/// and an older OZG item of the BMI.
fn articles() -> Vec<Article> {
    let ozg = Article {
        author: Some("Erika Muster".into()),
        summary: Some("Kurz: das OZG kommt voran.".into()),
        keywords: vec!["OZG".into()],
        ..common::article(
            "bmi",
            "https://www.bmi.bund.de/ozg-2026",
            "OZG: Neue Leistungen online",
            "Erster Absatz zum OZG.\n\nZweiter Absatz mit https://www.bmi.bund.de/ozg und \
             <script>alert(1)</script> als Text.\nZeile zwei.",
            at(20, 9),
        )
    };
    let bundid = common::article(
        "evil",
        "https://evil.example/bundid",
        "BundID für alle",
        "Die BundID kommt.\n\nMehr dazu <b onclick=\"x()\">bald</b>.",
        at(19, 9),
    );
    let older = Article {
        keywords: vec!["OZG".into()],
        ..common::article(
            "bmi",
            "https://www.bmi.bund.de/ozg-2025",
            "Wieder OZG",
            "OZG im Vorjahr.",
            at(1, 9),
        )
    };
    vec![ozg, bundid, older]
}

/// A served site over a temp store and search index; its base URL.
async fn serve() -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    for a in articles() {
        store.upsert(&a).expect("upsert");
    }
    let index = Index::open_or_rebuild(&dir.path().join("index"), &store).expect("index");
    let state = Arc::new(AppState {
        store,
        sources: vec![
            source(
                "bmi",
                "Bundesministerium des Innern",
                "https://www.bmi.bund.de/presse/rss.xml",
            ),
            source("evil", HOSTILE, "https://evil.example/feed?a=1&b=2"),
        ],
        keywords: vec![Keyword::new("OZG", vec![])],
        site_title: "govwire".into(),
        search: Some(Arc::new(index)),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router(state)).await;
    });
    (base, dir)
}

/// A client that decodes nothing, so `Content-Encoding` and the raw bytes can be checked.
fn raw_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .no_deflate()
        .build()
        .expect("client")
}

struct Reply {
    status: u16,
    headers: header::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("utf-8")
    }
}

async fn send(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    headers: &[(header::HeaderName, &str)],
) -> Reply {
    let mut req = client.request(method, url);
    for (name, value) in headers {
        req = req.header(name.clone(), *value);
    }
    let resp = req.send().await.expect("request to loopback");
    Reply {
        status: resp.status().as_u16(),
        headers: resp.headers().clone(),
        body: resp.bytes().await.expect("body").to_vec(),
    }
}

async fn get(url: &str) -> Reply {
    send(&raw_client(), reqwest::Method::GET, url, &[]).await
}

fn parse(xml: &str) -> Feed {
    feed_rs::parser::parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{xml}"))
}

fn entry<'a>(feed: &'a Feed, title: &str) -> &'a Entry {
    feed.entries
        .iter()
        .find(|e| e.title.as_ref().is_some_and(|t| t.content == title))
        .unwrap_or_else(|| panic!("no entry {title}"))
}

/// The first author's name of `e` (empty when there is none).
fn author(e: &Entry) -> &str {
    e.authors
        .first()
        .and_then(|p| p.name.as_deref())
        .unwrap_or_default()
}

fn content(e: &Entry) -> &str {
    e.content
        .as_ref()
        .and_then(|c| c.body.as_deref())
        .unwrap_or_else(|| panic!("no content in {:?}", e.id))
}

/// `q` percent-encoded for a query string.
fn enc(q: &str) -> String {
    url::form_urlencoded::byte_serialize(q.as_bytes()).collect()
}

#[tokio::test]
async fn feed_rs_reads_full_text_and_the_publisher_in_every_item() {
    let (web, _dir) = serve().await;
    for path in ["/feed.xml", "/keyword/OZG/feed.xml", "/search.rss?q=OZG"] {
        let reply = get(&format!("{web}{path}")).await;
        assert_eq!(reply.status, 200, "{path}");
        let xml = reply.text();
        let feed = parse(&xml);
        let ozg = entry(&feed, "OZG: Neue Leistungen online");
        let html = content(ozg);
        assert!(
            html.starts_with("<p>Erster Absatz zum OZG.</p><p>Zweiter Absatz mit <a href=\"https://www.bmi.bund.de/ozg\" rel=\"noopener noreferrer nofollow\">https://www.bmi.bund.de/ozg</a> und &lt;script&gt;alert(1)&lt;/script&gt; als Text.<br>Zeile zwei.</p>"),
            "{path}: {html}"
        );
        assert_eq!(
            ozg.summary.as_ref().map(|s| s.content.as_str()),
            Some("Kurz: das OZG kommt voran."),
            "{path}: the summary stays the description"
        );
        assert_eq!(author(ozg), "Erika Muster", "{path}: the person");
        assert!(
            xml.contains(
                "<source url=\"https://www.bmi.bund.de/presse/rss.xml\">Bundesministerium des Innern</source>"
            ),
            "{path}"
        );
        assert!(
            xml.contains("<dc:creator>Erika Muster</dc:creator>"),
            "{path}"
        );
    }
    // An item without a named person: the source is the creator, escaped once.
    let xml = get(&format!("{web}/feed.xml")).await.text();
    let feed = parse(&xml);
    let bundid = entry(&feed, "BundID für alle");
    assert_eq!(author(bundid), HOSTILE);
    assert!(
        xml.contains(
            "<source url=\"https://evil.example/feed?a=1&amp;b=2\">&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;</source>"
        ),
        "{xml}"
    );
    let html = content(bundid);
    assert!(!html.contains("<b"), "{html}");
    // Markup in the stored text is text for the reader: escaped, never an element.
    assert!(
        html.contains("&lt;b onclick=\"x()\"&gt;bald&lt;/b&gt;"),
        "{html}"
    );

    for path in ["/atom.xml", "/search.atom?q=OZG", "/source/evil/atom.xml"] {
        let feed = parse(&get(&format!("{web}{path}")).await.text());
        for e in &feed.entries {
            let html = content(e);
            assert!(html.starts_with("<p>"), "{path}: {html}");
            assert!(!author(e).is_empty(), "{path}");
        }
        if path != "/source/evil/atom.xml" {
            let ozg = entry(&feed, "OZG: Neue Leistungen online");
            assert_eq!(author(ozg), "Erika Muster", "{path}");
            assert!(content(ozg).contains("<p>Erster Absatz zum OZG.</p>"));
        } else {
            assert_eq!(author(entry(&feed, "BundID für alle")), HOSTILE);
        }
    }
}

#[tokio::test]
async fn every_saved_search_has_its_own_feed_id_and_self_link() {
    let (web, _dir) = serve().await;
    let ozg = parse(&get(&format!("{web}/search.atom?q=OZG")).await.text());
    let bundid = parse(&get(&format!("{web}/search.atom?q=BundID")).await.text());
    assert_ne!(ozg.id, bundid.id);
    assert_eq!(ozg.id, "urn:govwire:feed:/search.atom%3Fq=OZG");
    let self_of = |f: &Feed| {
        f.links
            .iter()
            .find(|l| l.rel.as_deref() == Some("self"))
            .map(|l| l.href.clone())
    };
    assert_eq!(self_of(&ozg), Some(format!("{web}/search.atom?q=OZG")));
    assert_eq!(
        self_of(&bundid),
        Some(format!("{web}/search.atom?q=BundID"))
    );
    let rss = get(&format!("{web}/search.rss?q=BundID")).await.text();
    assert!(
        rss.contains(&format!(
            "<atom:link rel=\"self\" type=\"application/rss+xml\" href=\"{web}/search.rss?q=BundID\"/>"
        )),
        "{rss}"
    );
    // The site feeds keep their path ids.
    let atom = parse(&get(&format!("{web}/atom.xml")).await.text());
    assert_eq!(atom.id, "urn:govwire:feed:/atom.xml");
}

#[tokio::test]
async fn hostile_source_names_and_queries_are_text_in_channel_titles_and_descriptions() {
    let (web, _dir) = serve().await;
    let xml = get(&format!("{web}/source/evil/feed.xml")).await.text();
    // Title: plain text, XML-escaped once. Description: HTML in readers, so escaped for HTML
    // and then for XML.
    assert!(
        xml.contains(
            "<title>govwire – Quelle: &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;</title>"
        ),
        "{xml}"
    );
    assert!(
        xml.contains("<description>Quelle: &amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt; &amp;amp; &amp;quot;x&amp;quot;: die 50 neuesten Artikel</description>"),
        "{xml}"
    );
    let feed = parse(&xml);
    assert_eq!(
        feed.title.map(|t| t.content),
        Some(format!("govwire – Quelle: {HOSTILE}"))
    );
    let atom = parse(&get(&format!("{web}/source/evil/atom.xml")).await.text());
    assert_eq!(
        atom.title.map(|t| t.content),
        Some(format!("govwire – Quelle: {HOSTILE}"))
    );
    assert!(
        atom.description
            .is_some_and(|d| d.content.starts_with(&format!("Quelle: {HOSTILE}")))
    );

    let q = format!("BundID {HOSTILE}");
    let reply = get(&format!("{web}/search.rss?q={}", enc(&q))).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let xml = reply.text();
    assert!(!xml.contains("<script"), "{xml}");
    assert!(
        xml.contains("<description>Gespeicherte Suche „BundID &amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt; &amp;amp; &amp;quot;x&amp;quot;“</description>"),
        "{xml}"
    );
    assert_eq!(
        parse(&xml).title.map(|t| t.content),
        Some(format!("govwire – Suche: {q}"))
    );
}

/// The paths of every feed type, article feeds first.
fn feed_paths() -> Vec<String> {
    let q = enc(&format!("OZG {HOSTILE}"));
    vec![
        "/feed.xml".into(),
        "/atom.xml".into(),
        "/keyword/OZG/feed.xml".into(),
        "/keyword/OZG/atom.xml".into(),
        "/source/bmi/feed.xml".into(),
        "/source/evil/feed.xml".into(),
        "/source/evil/atom.xml".into(),
        "/land/BB/feed.xml".into(),
        "/level/land/atom.xml".into(),
        "/search.rss?q=OZG".into(),
        "/search.atom?q=OZG".into(),
        "/search.atom?q=BundID".into(),
        format!("/search.rss?q={q}&sort=relevance"),
        format!("/search.atom?q={q}"),
        "/digest.rss".into(),
        "/digest.atom".into(),
    ]
}

fn python_feedparser() -> bool {
    std::process::Command::new("python3")
        .args(["-c", "import feedparser"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test]
async fn feedparser_reads_every_feed_type_with_full_text_and_source() {
    if !python_feedparser() {
        eprintln!(
            "SKIP feedparser_reads_every_feed_type_with_full_text_and_source: python3 with \
             feedparser not available (python3 -m pip install feedparser)"
        );
        return;
    }
    let (web, _dir) = serve().await;
    let files = tempfile::tempdir().expect("tempdir");
    let mut names = Vec::new();
    for (i, path) in feed_paths().iter().enumerate() {
        let reply = get(&format!("{web}{path}")).await;
        assert_eq!(reply.status, 200, "{path}");
        let name = files.path().join(format!("feed-{i:02}.xml"));
        std::fs::write(&name, &reply.body).expect("save");
        names.push((path.clone(), name));
    }
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/feedparser_check.py");
    let out = std::process::Command::new("python3")
        .arg(&script)
        .arg("--summary")
        .args(names.iter().map(|(_, n)| n))
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summaries: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(summaries.len(), names.len());
    let s = |v: &serde_json::Value, k: &str| v[k].as_str().unwrap_or_default().to_string();
    let mut ids = std::collections::BTreeMap::new();
    for ((path, _), feed) in names.iter().zip(&summaries) {
        assert_eq!(feed["bozo"], false, "{path}: {}", s(feed, "bozo_exception"));
        let entries = feed["entries"].as_array().expect("entries");
        // The hostile query matches nothing: its feeds are there for their channel text.
        assert!(
            !entries.is_empty() || path.contains("script"),
            "{path}: no entries"
        );
        ids.insert(path.clone(), s(feed, "id"));
        if path.starts_with("/digest") {
            continue;
        }
        for e in entries {
            let content = &e["content"];
            assert_eq!(s(content, "type"), "text/html", "{path}");
            let html = s(content, "value");
            assert!(html.starts_with("<p>"), "{path}: {html}");
            assert!(!html.contains("<script"), "{path}: {html}");
            assert!(!html.contains("<b "), "{path}: {html}");
            let publisher = s(e, "source_title");
            assert!(
                publisher == "Bundesministerium des Innern" || publisher == HOSTILE,
                "{path}: source {publisher:?}"
            );
            assert!(!s(e, "author").is_empty(), "{path}: no author");
            if s(&e["title"], "value") == "OZG: Neue Leistungen online" {
                assert_eq!(s(e, "author"), "Erika Muster", "{path}");
                assert!(
                    html.contains("<p>Erster Absatz zum OZG.</p>"),
                    "{path}: {html}"
                );
                assert!(
                    html.contains("&lt;script&gt;alert(1)&lt;/script&gt; als Text."),
                    "{path}: {html}"
                );
                assert_eq!(
                    s(&e["summary"], "value"),
                    "Kurz: das OZG kommt voran.",
                    "{path}"
                );
            }
        }
        // Hostile names and queries: text in titles, escaped text in HTML descriptions.
        let title = &feed["title"];
        if path.contains("evil") || path.contains("script") {
            assert_eq!(s(title, "type"), "text/plain", "{path}");
            let subtitle = s(&feed["subtitle"], "value");
            if s(&feed["subtitle"], "type") == "text/html" {
                assert!(!subtitle.contains("<script"), "{path}: {subtitle}");
                assert!(subtitle.contains("&lt;script&gt;"), "{path}: {subtitle}");
            } else {
                assert!(subtitle.contains(HOSTILE), "{path}: {subtitle}");
            }
            if path.contains("evil") {
                assert!(s(title, "value").ends_with(HOSTILE), "{path}: {title}");
            }
        }
    }
    assert_ne!(
        ids["/search.atom?q=OZG"], ids["/search.atom?q=BundID"],
        "a distinct id per saved search"
    );
}

/// Checks one URL's validators: `304` on `If-None-Match` and on `If-Modified-Since`, `200` for
/// an older date, and the same validators without a body on HEAD.
async fn check_validators(url: &str) {
    let client = raw_client();
    let full = send(&client, reqwest::Method::GET, url, &[]).await;
    assert_eq!(full.status, 200, "{url}");
    let etag = full.header(header::ETAG).expect("ETag").to_string();
    let modified = full
        .header(header::LAST_MODIFIED)
        .unwrap_or_else(|| panic!("{url}: no Last-Modified"))
        .to_string();
    let inm = send(
        &client,
        reqwest::Method::GET,
        url,
        &[(header::IF_NONE_MATCH, &etag)],
    )
    .await;
    assert_eq!(inm.status, 304, "{url}");
    assert!(inm.body.is_empty());
    assert_eq!(inm.header(header::ETAG), Some(etag.as_str()));
    let ims = send(
        &client,
        reqwest::Method::GET,
        url,
        &[(header::IF_MODIFIED_SINCE, &modified)],
    )
    .await;
    assert_eq!(ims.status, 304, "{url}: If-Modified-Since {modified}");
    let then = chrono::DateTime::parse_from_rfc2822(&modified).expect("HTTP date")
        - chrono::Duration::hours(1);
    let older = then.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let changed = send(
        &client,
        reqwest::Method::GET,
        url,
        &[(header::IF_MODIFIED_SINCE, &older)],
    )
    .await;
    assert_eq!(changed.status, 200, "{url}");
    assert_eq!(changed.body, full.body);
    // A stale ETag wins over a current date.
    let stale = send(
        &client,
        reqwest::Method::GET,
        url,
        &[
            (header::IF_NONE_MATCH, "\"veraltet\""),
            (header::IF_MODIFIED_SINCE, &modified),
        ],
    )
    .await;
    assert_eq!(stale.status, 200, "{url}");

    let head = send(&client, reqwest::Method::HEAD, url, &[]).await;
    assert_eq!(head.status, 200, "{url}");
    assert!(head.body.is_empty(), "{url}");
    assert_eq!(
        head.header(header::ETAG),
        Some(etag.as_str()),
        "{url}: HEAD"
    );
    assert_eq!(
        head.header(header::LAST_MODIFIED),
        Some(modified.as_str()),
        "{url}: HEAD"
    );
    for (name, value) in [
        (header::IF_NONE_MATCH, etag.as_str()),
        (header::IF_MODIFIED_SINCE, modified.as_str()),
    ] {
        let head = send(&client, reqwest::Method::HEAD, url, &[(name, value)]).await;
        assert_eq!(head.status, 304, "{url}: HEAD");
    }
}

#[tokio::test]
async fn feeds_answer_304_on_if_none_match_and_if_modified_since_also_on_head() {
    let (web, _dir) = serve().await;
    for path in [
        "/feed.xml",
        "/atom.xml",
        "/source/evil/feed.xml",
        "/keyword/OZG/atom.xml",
        "/search.rss?q=OZG",
        "/search.atom?q=BundID",
        "/digest.rss",
        "/digest.atom",
    ] {
        check_validators(&format!("{web}{path}")).await;
    }
    // The feed's Last-Modified is its newest change.
    let reply = get(&format!("{web}/feed.xml")).await;
    assert_eq!(
        reply.header(header::LAST_MODIFIED),
        Some("Fri, 20 Mar 2026 09:00:00 GMT")
    );
}

#[tokio::test]
async fn gzip_and_brotli_are_negotiated_for_feeds_and_pages() {
    let (web, _dir) = serve().await;
    let client = raw_client();
    for path in [
        "/feed.xml",
        "/atom.xml",
        "/",
        "/search.rss?q=OZG",
        "/digest.rss",
    ] {
        let url = format!("{web}{path}");
        let plain = send(&client, reqwest::Method::GET, &url, &[]).await;
        assert_eq!(plain.status, 200);
        assert_eq!(plain.header(header::CONTENT_ENCODING), None, "{path}");

        let gz = send(
            &client,
            reqwest::Method::GET,
            &url,
            &[(header::ACCEPT_ENCODING, "gzip")],
        )
        .await;
        assert_eq!(gz.status, 200);
        assert_eq!(gz.header(header::CONTENT_ENCODING), Some("gzip"), "{path}");
        assert!(
            gz.header(header::VARY)
                .is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")),
            "{path}"
        );
        assert!(
            gz.body.len() * 2 < plain.body.len(),
            "{path}: {} of {}",
            gz.body.len(),
            plain.body.len()
        );
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(&gz.body[..])
            .read_to_end(&mut unzipped)
            .expect("gunzip");
        assert_eq!(unzipped, plain.body, "{path}: the same bytes");
        // The compressed copy revalidates too (its ETag is the weak form of the same tag).
        let etag = gz.header(header::ETAG).expect("ETag").to_string();
        assert!(etag.starts_with("W/"), "{etag}");
        let again = send(
            &client,
            reqwest::Method::GET,
            &url,
            &[
                (header::ACCEPT_ENCODING, "gzip"),
                (header::IF_NONE_MATCH, &etag),
            ],
        )
        .await;
        assert_eq!(again.status, 304, "{path}");

        let br = send(
            &client,
            reqwest::Method::GET,
            &url,
            &[(header::ACCEPT_ENCODING, "br")],
        )
        .await;
        assert_eq!(br.header(header::CONTENT_ENCODING), Some("br"), "{path}");
        assert!(br.body.len() * 2 < plain.body.len(), "{path}");
    }
    // A decoding client (reqwest's brotli) reads the brotli body back to the same feed.
    let decoding = reqwest::Client::builder().build().expect("client");
    let decoded = send(
        &decoding,
        reqwest::Method::GET,
        &format!("{web}/feed.xml"),
        &[(header::ACCEPT_ENCODING, "br")],
    )
    .await;
    let plain = get(&format!("{web}/feed.xml")).await;
    assert_eq!(decoded.body, plain.body);
}
