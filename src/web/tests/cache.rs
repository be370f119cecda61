//! The response cache: cached pages stay correct after writes, validators give 304s, and pages
//! that show crawl health are never cached.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::{at, base, fixture, get, request};
use crate::model::SourceHealth;

/// A GET with `If-None-Match: etag`: the status and the body length.
async fn revalidate(app: &axum::Router, uri: &str, etag: &str) -> (StatusCode, usize) {
    let req = Request::builder()
        .method(Method::GET)
        .uri(uri)
        .header("host", "news.test")
        .header(header::IF_NONE_MATCH, etag)
        .body(Body::empty())
        .expect("request");
    let res = app.clone().oneshot(req).await.expect("infallible");
    let status = res.status();
    let body = res.into_body().collect().await.expect("body").to_bytes();
    (status, body.len())
}

fn etag(reply: &super::Reply) -> String {
    reply
        .headers
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .expect("cached routes carry an ETag")
        .to_owned()
}

#[tokio::test]
async fn repeated_requests_agree_and_revalidate_with_304() {
    let f = fixture();
    let article = format!("/article/{}", f.ozg.id);
    for uri in [
        "/",
        "/feed.xml",
        "/keyword/OZG/atom.xml",
        &article,
        "/article/0000000000000001",
    ] {
        let first = get(&f.app, uri).await;
        let second = get(&f.app, uri).await;
        assert_eq!(first.status, second.status, "{uri}");
        assert_eq!(first.body, second.body, "{uri}");
        if first.status != StatusCode::OK {
            // A 404 is not cached and carries no validator.
            assert!(first.headers.get(header::ETAG).is_none(), "{uri}");
            continue;
        }
        assert_eq!(etag(&first), etag(&second), "{uri}");
        let (status, len) = revalidate(&f.app, uri, &etag(&first)).await;
        assert_eq!((status, len), (StatusCode::NOT_MODIFIED, 0), "{uri}");
        let (status, len) = revalidate(&f.app, uri, "\"somethingelse\"").await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert_eq!(len, first.body.len(), "{uri}");
        // Weak form and lists are understood too.
        let list = format!("\"x\", W/{}", etag(&first));
        assert_eq!(
            revalidate(&f.app, uri, &list).await.0,
            StatusCode::NOT_MODIFIED
        );
    }
}

#[tokio::test]
async fn a_write_is_visible_at_once_on_cached_pages_and_feeds() {
    let f = fixture();
    let before_page = get(&f.app, "/").await;
    let before_feed = get(&f.app, "/feed.xml").await;
    let before_kw = get(&f.app, "/keyword/OZG/feed.xml").await;
    assert!(!before_page.body.contains("Registermodernisierung startet"));

    let mut fresh = base(
        "https://bmi.example.org/neu",
        "Registermodernisierung startet",
        "bmi",
        at(20, 9),
    );
    fresh.keywords = vec!["OZG".into()];
    f.store.upsert(&fresh).expect("upsert");

    for (uri, before) in [
        ("/", &before_page),
        ("/feed.xml", &before_feed),
        ("/keyword/OZG/feed.xml", &before_kw),
    ] {
        let after = get(&f.app, uri).await;
        assert!(
            after.body.contains("Registermodernisierung startet"),
            "{uri} is stale"
        );
        assert_ne!(etag(&after), etag(before), "{uri}");
        // The old validator no longer matches.
        let (status, _) = revalidate(&f.app, uri, &etag(before)).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
    }
}

#[tokio::test]
async fn unchanged_pages_keep_their_etag_across_unrelated_writes() {
    let f = fixture();
    let before = get(&f.app, "/keyword/E-Akte/feed.xml").await;
    let mut other = base(
        "https://bmi.example.org/x",
        "Etwas anderes",
        "bmi",
        at(20, 9),
    );
    other.keywords = vec!["OZG".into()];
    f.store.upsert(&other).expect("upsert");
    let after = get(&f.app, "/keyword/E-Akte/feed.xml").await;
    assert_eq!(before.body, after.body);
    assert_eq!(etag(&before), etag(&after));
}

#[tokio::test]
async fn health_pages_are_never_cached() {
    let f = fixture();
    let first = get(&f.app, "/source/k21").await;
    assert_eq!(first.status, StatusCode::OK);
    // Every 200 has a validator (the conditional layer hashes uncached bodies), but only the
    // response cache marks its answers `no-cache`.
    assert!(first.headers.get(header::CACHE_CONTROL).is_none());
    let health = SourceHealth {
        last_error: Some("Zeitüberschreitung beim Abruf".into()),
        last_error_at: Some(at(21, 8)),
        consecutive_failures: 1,
        ..SourceHealth::default()
    };
    // Health is not an article write: the generation stays, the page must still change.
    let generation = f.store.generation();
    f.store.put_health("k21", &health).expect("put health");
    assert_eq!(f.store.generation(), generation);
    for uri in ["/source/k21", "/sources"] {
        let page = get(&f.app, uri).await;
        assert!(page.body.contains("Zeitüberschreitung beim Abruf"), "{uri}");
    }
}

#[tokio::test]
async fn head_requests_still_answer_without_a_body() {
    let f = fixture();
    let _warm = get(&f.app, "/feed.xml").await;
    let head = request(&f.app, Method::HEAD, "/feed.xml").await;
    assert_eq!(head.status, StatusCode::OK);
    assert!(head.body.is_empty());
    let again = get(&f.app, "/feed.xml").await;
    assert!(
        again.body.contains("<rss"),
        "a HEAD must not poison the cache"
    );
}

#[tokio::test]
async fn feeds_for_another_host_are_not_served_from_its_entry() {
    let f = fixture();
    let ours = get(&f.app, "/feed.xml").await;
    assert!(ours.body.contains("http://news.test/"), "{}", ours.body);
    let req = Request::builder()
        .method(Method::GET)
        .uri("/feed.xml")
        .header("host", "mirror.test")
        .header(header::IF_NONE_MATCH, etag(&ours))
        .body(Body::empty())
        .expect("request");
    let res = f.app.clone().oneshot(req).await.expect("infallible");
    assert_eq!(res.status(), StatusCode::OK, "another host's validator");
    let body = res.into_body().collect().await.expect("body").to_bytes();
    let body = String::from_utf8_lossy(&body);
    assert!(body.contains("http://mirror.test/"), "{body}");
    assert!(!body.contains("news.test"), "{body}");
}
