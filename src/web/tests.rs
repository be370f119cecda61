//! Router tests against a real sled store in a temp dir, without a socket (`oneshot`).

mod cache;
mod feeds;
mod pages;
mod search_cache;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use chrono::{DateTime, TimeZone, Utc};
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::{AppState, router};
use crate::model::{
    Article, ArticleSelectors, Keyword, Land, Level, Source, SourceHealth, SourceKind,
};
use crate::store::Store;

/// Number of plain filler articles (older than the three special ones).
const FILLERS: u32 = 50;

/// What the tests need to know about the fixture.
struct Fixture {
    _dir: tempfile::TempDir,
    app: Router,
    /// The store behind `app`, for tests that write while the router serves.
    store: Store,
    ozg: Article,
    hostile: Article,
    js: Article,
}

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 12, day, hour, 0, 0)
        .single()
        .expect("valid date")
}

fn base(url: &str, title: &str, source: &str, published: DateTime<Utc>) -> Article {
    let mut a = Article::sample(url, title, "Text.", published);
    a.source_id = source.into();
    a
}

fn source(id: &str, name: &str, level: Level, land: Option<Land>) -> Source {
    Source {
        id: id.into(),
        name: name.into(),
        url: format!("https://{id}.example.org/presse"),
        kind: SourceKind::Feed,
        interval: Duration::from_secs(3600),
        level,
        land,
        list: None,
        article: ArticleSelectors::default(),
        fetch_articles: false,
        entries: Default::default(),
    }
}

fn articles() -> (Article, Article, Article) {
    let mut ozg = base(
        "https://www.kommune21.de/ozg",
        "OZG-Umsetzung schreitet voran",
        "k21",
        at(11, 10),
    );
    ozg.kicker = Some("E-Government".into());
    ozg.keywords = vec!["OZG".into()];
    ozg.tags = vec!["Digitalisierung".into()];
    ozg.text = "Erster Absatz.\n\nZweiter Absatz mit <b>Fett</b>.".into();
    ozg.author = Some("Erika Muster".into());
    ozg.lands_mentioned = vec![Land::BY];
    ozg.level = Level::Presse;

    let mut hostile = base(
        "https://evil.test/x?a=1&b=2",
        "<script>alert(1)</script> Böse",
        "bmi",
        at(10, 10),
    );
    hostile.text = "<script>alert(2)</script>\n\nNormaler Absatz".into();
    hostile.summary = Some("<img src=x onerror=alert(3)>".into());
    hostile.tags = vec!["<script>tag</script>".into()];
    hostile.kicker = Some("<i>k</i>".into());
    hostile.author = Some("<b>M</b>".into());

    let mut js = base("javascript:alert(1)", "Link-Test", "bmi", at(9, 10));
    js.keywords = vec!["OZG".into()];
    (ozg, hostile, js)
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("open store");
    let (ozg, hostile, js) = articles();
    for a in [&ozg, &hostile, &js] {
        store.upsert(a).expect("upsert");
    }
    for n in 1..=FILLERS {
        let t = at(1, 0) - chrono::Duration::hours(i64::from(FILLERS - n));
        let a = base(
            &format!("https://bmi.example.org/m/{n}"),
            &format!("Meldung {n:02}"),
            "bmi",
            t,
        );
        store.upsert(&a).expect("upsert filler");
    }
    let health = SourceHealth {
        last_success: Some(at(11, 8)),
        last_error_at: Some(at(11, 9)),
        last_error: Some("HTTP 500 <script>x</script>".into()),
        consecutive_failures: 3,
        broken: true,
        ..SourceHealth::default()
    };
    store.put_health("k21", &health).expect("put health");
    let state = AppState {
        store: store.clone(),
        sources: vec![
            source("k21", "Kommune21", Level::Presse, None),
            source(
                "bmi",
                "Bundesministerium des Innern",
                Level::Bund,
                Some(Land::BE),
            ),
        ],
        keywords: vec![
            Keyword::new("OZG", vec!["Onlinezugangsgesetz".into()]),
            Keyword::new("E-Akte", vec![]),
        ],
        site_title: "govwire".into(),
        search: None,
    };
    Fixture {
        _dir: dir,
        app: router(Arc::new(state)),
        store,
        ozg,
        hostile,
        js,
    }
}

/// A response, read completely.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

async fn request(app: &Router, method: Method, uri: &str) -> Reply {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "news.test")
        .body(Body::empty())
        .expect("request");
    let res = app
        .clone()
        .oneshot(req)
        .await
        .expect("router is infallible");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

async fn get(app: &Router, uri: &str) -> Reply {
    request(app, Method::GET, uri).await
}

/// Position of `needle` in `hay`, failing the test if it is missing.
fn pos(hay: &str, needle: &str) -> usize {
    hay.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not found in\n{hay}"))
}
