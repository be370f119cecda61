//! Feeds served by the router, parsed back with feed-rs.

use super::*;
use feed_rs::model::{Entry, Feed, FeedType};

fn parse(r: &Reply) -> Feed {
    feed_rs::parser::parse(r.body.as_bytes())
        .unwrap_or_else(|e| panic!("feed does not parse: {e}\n{}", r.body))
}

fn titles(feed: &Feed) -> Vec<String> {
    feed.entries
        .iter()
        .map(|e| {
            e.title
                .as_ref()
                .map(|t| t.content.clone())
                .unwrap_or_default()
        })
        .collect()
}

fn guid(a: &Article) -> String {
    format!("urn:govwire:article:{}", a.id)
}

fn entry<'a>(feed: &'a Feed, a: &Article) -> &'a Entry {
    let id = guid(a);
    feed.entries
        .iter()
        .find(|e| e.id == id)
        .unwrap_or_else(|| panic!("no entry {id}"))
}

#[tokio::test]
async fn site_feeds_carry_the_newest_fifty() {
    let f = fixture();
    let rss = get(&f.app, "/feed.xml").await;
    assert_eq!(rss.status, StatusCode::OK);
    assert_eq!(rss.content_type(), "application/rss+xml; charset=utf-8");
    let feed = parse(&rss);
    assert_eq!(feed.feed_type, FeedType::RSS2);
    assert_eq!(feed.entries.len(), 50, "53 stored, newest 50 served");
    let t = titles(&feed);
    assert_eq!(t[0], "OZG-Umsetzung schreitet voran");
    assert_eq!(
        t[1], "<script>alert(1)</script> Böse",
        "hostile title round-trips as text"
    );
    assert_eq!(t[2], "Link-Test");
    assert_eq!(t[49], "Meldung 04");
    assert!(rss.body.contains(
        "<atom:link rel=\"self\" type=\"application/rss+xml\" href=\"http://news.test/feed.xml\"/>"
    ));
    assert!(!rss.body.contains("<script"));
    let ozg = entry(&feed, &f.ozg);
    assert_eq!(
        ozg.published,
        Some(f.ozg.published.unwrap_or(f.ozg.first_seen))
    );
    assert_eq!(
        ozg.links[0].href, "https://www.kommune21.de/ozg",
        "item links the original"
    );
    let js = entry(&feed, &f.js);
    assert_eq!(
        js.links[0].href,
        format!("http://news.test/article/{}", f.js.id),
        "never javascript:"
    );

    let atom = get(&f.app, "/atom.xml").await;
    assert_eq!(atom.status, StatusCode::OK);
    assert_eq!(atom.content_type(), "application/atom+xml; charset=utf-8");
    let feed = parse(&atom);
    assert_eq!(feed.feed_type, FeedType::Atom);
    assert_eq!(feed.entries.len(), 50);
    assert_eq!(
        feed.updated,
        Some(f.ozg.updated),
        "feed updated = newest article"
    );
    assert_eq!(titles(&feed)[1], "<script>alert(1)</script> Böse");
    let self_link = feed
        .links
        .iter()
        .find(|l| l.rel.as_deref() == Some("self"))
        .map(|l| l.href.as_str());
    assert_eq!(self_link, Some("http://news.test/atom.xml"));
    assert_eq!(
        entry(&feed, &f.hostile).links[0].href,
        "https://evil.test/x?a=1&b=2"
    );
}

#[tokio::test]
async fn scoped_feeds_filter_like_their_pages() {
    let f = fixture();
    let cases: [(&str, &[&str]); 6] = [
        (
            "/keyword/OZG/feed.xml",
            &["OZG-Umsetzung schreitet voran", "Link-Test"],
        ),
        (
            "/keyword/OZG/atom.xml",
            &["OZG-Umsetzung schreitet voran", "Link-Test"],
        ),
        ("/source/k21/feed.xml", &["OZG-Umsetzung schreitet voran"]),
        ("/source/k21/atom.xml", &["OZG-Umsetzung schreitet voran"]),
        (
            "/tag/Digitalisierung/feed.xml",
            &["OZG-Umsetzung schreitet voran"],
        ),
        (
            "/tag/digitalisierung/atom.xml",
            &["OZG-Umsetzung schreitet voran"],
        ),
    ];
    for (uri, want) in cases {
        let r = get(&f.app, uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        assert_eq!(titles(&parse(&r)), want, "{uri}");
    }
    let bmi = parse(&get(&f.app, "/source/bmi/feed.xml").await);
    assert_eq!(bmi.entries.len(), 50);
    assert!(!titles(&bmi).iter().any(|t| t.starts_with("OZG")));
    let kw = get(&f.app, "/keyword/OZG/atom.xml").await;
    let self_link = parse(&kw)
        .links
        .into_iter()
        .find(|l| l.rel.as_deref() == Some("self"));
    assert_eq!(
        self_link.map(|l| l.href),
        Some("http://news.test/keyword/OZG/atom.xml".to_string())
    );
}

#[tokio::test]
async fn empty_feeds_are_valid() {
    let f = fixture();
    for uri in [
        "/keyword/E-Akte/feed.xml",
        "/keyword/E-Akte/atom.xml",
        "/tag/unbekannt/feed.xml",
        "/tag/unbekannt/atom.xml",
    ] {
        let r = get(&f.app, uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        assert!(parse(&r).entries.is_empty(), "{uri}");
    }
}

#[tokio::test]
async fn rerendering_gives_identical_guids_and_bytes() {
    let f = fixture();
    for uri in ["/feed.xml", "/atom.xml"] {
        let first = get(&f.app, uri).await;
        let second = get(&f.app, uri).await;
        assert_eq!(first.body, second.body, "{uri} is deterministic");
        let ids: Vec<String> = parse(&first).entries.into_iter().map(|e| e.id).collect();
        assert_eq!(ids[0], guid(&f.ozg));
        assert_eq!(
            ids,
            parse(&second)
                .entries
                .into_iter()
                .map(|e| e.id)
                .collect::<Vec<_>>()
        );
    }
}

#[tokio::test]
async fn hostile_host_headers_fall_back_to_loopback() {
    let f = fixture();
    let req = Request::builder()
        .uri("/feed.xml")
        .header("host", "evil\"><script>")
        .body(Body::empty())
        .expect("request");
    let res = f
        .app
        .clone()
        .oneshot(req)
        .await
        .expect("router is infallible");
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    let body = String::from_utf8_lossy(&bytes);
    assert!(
        body.contains("href=\"http://127.0.0.1/feed.xml\""),
        "{body}"
    );
    assert!(
        !body.contains("evil&quot;") && !body.contains("http://evil"),
        "{body}"
    );
}
