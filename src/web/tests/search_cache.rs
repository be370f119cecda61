//! The search part of the response cache: repeated searches are answered from it while the
//! index generation is unchanged, spellings of the same request share an entry, a commit makes
//! new results visible at once, and validators give 304s.

use axum::http::header;

use super::*;
use crate::search::Index;

struct SearchFixture {
    _dir: tempfile::TempDir,
    app: Router,
    store: Store,
    index: Arc<Index>,
}

fn article(url: &str, title: &str, text: &str, day: u32) -> Article {
    let mut a = base(url, title, "bmi", at(day, 9));
    a.text = text.into();
    a
}

fn search_fixture() -> SearchFixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    for (i, day) in (1..=3).enumerate() {
        store
            .upsert(&article(
                &format!("https://bmi.example.org/breitband/{i}"),
                &format!("Breitband-Meldung {i}"),
                "Der Breitbandausbau kommt voran. Breitband für alle Schulen.",
                day,
            ))
            .expect("upsert");
    }
    let index = Arc::new(Index::open_or_rebuild(&dir.path().join("index"), &store).expect("index"));
    let state = AppState {
        store: store.clone(),
        sources: vec![source("bmi", "BMI", Level::Bund, None)],
        keywords: vec![],
        site_title: "govwire".into(),
        search: Some(index.clone()),
    };
    SearchFixture {
        _dir: dir,
        app: router(Arc::new(state)),
        store,
        index,
    }
}

fn etag(r: &Reply) -> String {
    r.headers
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .expect("cached search responses carry an ETag")
        .to_owned()
}

async fn with_etag(app: &Router, uri: &str, etag: &str) -> StatusCode {
    let req = Request::builder()
        .uri(uri)
        .header("host", "news.test")
        .header(header::IF_NONE_MATCH, etag)
        .body(Body::empty())
        .expect("request");
    app.clone().oneshot(req).await.expect("infallible").status()
}

/// Changes what the store holds for the first article without telling the index: a response
/// that still shows the old title came from the cache (the index generation is unchanged).
fn retitle_in_store_only(f: &SearchFixture) {
    let mut a = article(
        "https://bmi.example.org/breitband/0",
        "Neuer Titel im Speicher",
        "Der Breitbandausbau kommt voran. Breitband für alle Schulen.",
        1,
    );
    a.updated = at(25, 9);
    f.store.upsert(&a).expect("upsert");
}

#[tokio::test]
async fn repeated_searches_are_answered_from_the_cache_for_every_format() {
    let f = search_fixture();
    let uris = [
        "/search?q=Breitband",
        "/search.rss?q=Breitband",
        "/search.atom?q=Breitband",
        "/search.csv?q=Breitband",
        "/api/search?q=Breitband",
        "/trends?q=Breitband",
        "/trends.csv?q=Breitband",
    ];
    let mut first = Vec::new();
    for uri in uris {
        let r = get(&f.app, uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.body);
        first.push(r);
    }
    assert!(
        first[0].body.contains("Breitband-Meldung 0"),
        "{}",
        first[0].body
    );
    retitle_in_store_only(&f);
    for (uri, before) in uris.iter().zip(&first) {
        let again = get(&f.app, uri).await;
        assert_eq!(again.body, before.body, "{uri}: served from the cache");
        assert_eq!(etag(&again), etag(before), "{uri}");
        assert!(!again.body.contains("Neuer Titel"), "{uri}");
    }
}

#[tokio::test]
async fn spellings_of_one_request_share_an_entry_and_different_ones_do_not() {
    let f = search_fixture();
    let plain = get(&f.app, "/search?q=Breitband").await;
    retitle_in_store_only(&f);
    // Same parameters, parsed: default page, an unknown parameter, another order.
    for uri in [
        "/search?q=Breitband&page=1",
        "/search?utm_source=x&q=Breitband",
        "/search?page=&q=Breitband&per_page=50",
    ] {
        let r = get(&f.app, uri).await;
        assert_eq!(r.body, plain.body, "{uri} shares the entry");
    }
    // Anything the response depends on makes another entry (rendered now, from the store).
    for uri in [
        "/search?q=breitband",
        "/search?q=Breitband&sort=relevance",
        "/search?q=Breitband&sort=date",
        "/search?q=Breitband&from=2020",
    ] {
        let r = get(&f.app, uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        assert!(
            r.body.contains("Neuer Titel im Speicher"),
            "{uri} rendered anew"
        );
    }
    // Dates are normalised: `from=2020` and `from=2020-01-01` are the same request.
    let a = get(&f.app, "/search?q=Breitband&from=2020").await;
    let b = get(&f.app, "/search?q=Breitband&from=2020-01-01").await;
    assert_eq!(etag(&a), etag(&b));
    // The host is part of the key: feeds carry absolute URLs.
    let req = Request::builder()
        .uri("/search.rss?q=Breitband")
        .header("host", "other.test")
        .body(Body::empty())
        .expect("request");
    let res = f.app.clone().oneshot(req).await.expect("infallible");
    let body = res.into_body().collect().await.expect("body").to_bytes();
    let body = String::from_utf8_lossy(&body);
    assert!(body.contains("http://other.test/"), "{body}");
    assert!(!body.contains("news.test"), "{body}");
}

#[tokio::test]
async fn a_commit_of_the_index_makes_new_results_visible_at_once() {
    let f = search_fixture();
    let before = get(&f.app, "/search?q=Glasfaser").await;
    assert!(before.body.contains("0 Treffer"), "{}", before.body);
    let before_api = get(&f.app, "/api/search?q=Breitband").await;

    let fresh = article(
        "https://bmi.example.org/glasfaser",
        "Glasfaser für Breitband-Schulen",
        "Glasfaser erreicht die Schulen.",
        20,
    );
    f.store.upsert(&fresh).expect("upsert");
    f.index.add(&fresh).expect("index add");
    // Added but not committed: the index answers as before, and so does the cache.
    let same = get(&f.app, "/search?q=Glasfaser").await;
    assert_eq!(same.body, before.body);
    let generation = f.index.generation();
    f.index.commit().expect("commit");
    assert_ne!(f.index.generation(), generation);

    let after = get(&f.app, "/search?q=Glasfaser").await;
    assert!(after.body.contains("1 Treffer"), "{}", after.body);
    assert!(
        after
            .body
            .contains("<b>Glasfaser</b> erreicht die Schulen."),
        "{}",
        after.body
    );
    assert_ne!(etag(&after), etag(&before));
    assert_eq!(
        with_etag(&f.app, "/search?q=Glasfaser", &etag(&before)).await,
        StatusCode::OK,
        "the old validator no longer matches"
    );
    let after_api = get(&f.app, "/api/search?q=Breitband").await;
    let total = |r: &Reply| {
        serde_json::from_str::<serde_json::Value>(&r.body).expect("json")["total"].clone()
    };
    assert_eq!(total(&before_api), 3);
    assert_eq!(total(&after_api), 4);
}

#[tokio::test]
async fn search_responses_revalidate_with_304() {
    let f = search_fixture();
    for uri in ["/search?q=Breitband", "/api/search?q=Breitband&page=1"] {
        let first = get(&f.app, uri).await;
        let tag = etag(&first);
        assert_eq!(with_etag(&f.app, uri, &tag).await, StatusCode::NOT_MODIFIED);
        assert_eq!(
            with_etag(&f.app, uri, &format!("W/{tag}")).await,
            StatusCode::NOT_MODIFIED
        );
        assert_eq!(with_etag(&f.app, uri, "\"nope\"").await, StatusCode::OK);
    }
}

#[tokio::test]
async fn errors_are_not_cached() {
    let f = search_fixture();
    for uri in ["/search?q=land:XY", "/search?q=a&page=0", "/api/search?q=("] {
        let r = get(&f.app, uri).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(r.headers.get(header::ETAG).is_none(), "{uri}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn identical_concurrent_searches_agree() {
    let f = search_fixture();
    let mut tasks = Vec::new();
    for _ in 0..24 {
        let app = f.app.clone();
        tasks.push(tokio::spawn(async move {
            get(&app, "/search?q=Schulen&sort=date").await
        }));
    }
    let mut bodies = Vec::new();
    for t in tasks {
        let r = t.await.expect("task");
        assert_eq!(r.status, StatusCode::OK);
        bodies.push(r.body);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]));
    assert!(bodies[0].contains("3 Treffer"), "{}", bodies[0]);
}
