//! The digest routes (`/digest`, `/digest/{date}`, `/digest.rss`, `/digest.atom`) on their own
//! router over a real sled store in a temp dir; feeds are parsed back with feed-rs.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::Berlin;
use govwire::digest::berlin_date;
use govwire::model::{Article, ArticleSelectors, Keyword, Level, Source, SourceKind};
use govwire::store::Store;
use govwire::web::AppState;
use govwire::web::digest::routes;
use http_body_util::BodyExt;
use tower::ServiceExt;

fn article(url: &str, source: &str, title: &str, text: &str, at: DateTime<Utc>) -> Article {
    Article {
        level: Level::Bund,
        land: None,
        ..common::article(source, url, title, text, at)
    }
}

fn source(id: &str, name: &str) -> Source {
    Source {
        id: id.into(),
        name: name.into(),
        url: format!("https://{id}.example.org/feed"),
        kind: SourceKind::Feed,
        interval: Duration::from_secs(3600),
        level: Level::Bund,
        land: None,
        list: None,
        article: ArticleSelectors::default(),
        fetch_articles: false,
        entries: Default::default(),
    }
}

/// Noon in Berlin on `date`.
fn noon(date: NaiveDate) -> DateTime<Utc> {
    Berlin
        .from_local_datetime(&date.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap()))
        .single()
        .expect("noon is unambiguous")
        .with_timezone(&Utc)
}

struct Fixture {
    _dir: tempfile::TempDir,
    app: Router,
    yesterday: NaiveDate,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("store");
    let yesterday = berlin_date(Utc::now()).pred_opt().expect("yesterday");
    let at = |y, m, d, h, min| {
        Berlin
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("time")
            .with_timezone(&Utc)
    };
    let articles = [
        article(
            "https://bmi.example.org/ozg",
            "bmi",
            "OZG-Novelle: Änderungen für Bürger",
            "Das OZG wird geändert.",
            at(2026, 3, 29, 23, 30),
        ),
        article(
            "https://k21.example.org/hostile",
            "k21",
            "<script>alert(1)</script> Größe",
            "Kein Stichwort.",
            at(2026, 3, 29, 10, 0),
        ),
        article(
            "https://k21.example.org/yesterday",
            "k21",
            "Gestern gemeldet: Registermodernisierung",
            "Text über die Registermodernisierung.",
            noon(yesterday),
        ),
    ];
    for a in &articles {
        store.upsert(a).expect("upsert");
    }
    let mut english = article(
        "https://bmi.example.org/en/ozg",
        "bmi",
        "Online Access Act: what changes",
        "The OZG is being amended.",
        at(2026, 3, 29, 12, 0),
    );
    english.lang = Some("en".into());
    store.upsert(&english).expect("upsert");
    let state = AppState {
        search: None,
        store,
        sources: vec![
            source("bmi", "Bundesministerium des Innern"),
            source("k21", "Kommune21"),
        ],
        keywords: vec![
            Keyword::new("OZG", vec![]),
            Keyword::new("Registermodernisierung", vec![]),
        ],
        site_title: "govwire".into(),
    };
    Fixture {
        _dir: dir,
        app: routes().with_state(Arc::new(state)),
        yesterday,
    }
}

async fn get(app: &Router, path: &str) -> (StatusCode, String, String) {
    let req = Request::builder()
        .uri(path)
        .header("host", "digest.test")
        .body(Body::empty())
        .expect("request");
    let resp = app.clone().oneshot(req).await.expect("response");
    let status = resp.status();
    let ctype = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    (
        status,
        ctype,
        String::from_utf8(body.to_vec()).expect("utf-8"),
    )
}

#[tokio::test]
async fn a_day_page_groups_links_and_escapes() {
    let f = fixture();
    let (status, ctype, html) = get(&f.app, "/digest/2026-03-29").await;
    assert_eq!(status, StatusCode::OK);
    assert!(ctype.starts_with("text/html"), "{ctype}");
    assert!(
        html.contains("Tagesübersicht: Sonntag, 29. März 2026"),
        "{html}"
    );
    assert!(html.contains("Stichwort: OZG"), "{html}");
    assert!(
        html.contains("OZG-Novelle: Änderungen für Bürger"),
        "{html}"
    );
    assert!(html.contains("29.03.2026, 23:30 Uhr"), "{html}");
    assert!(
        html.contains("href=\"https://bmi.example.org/ozg\""),
        "{html}"
    );
    assert!(html.contains("Weitere Meldungen nach Quelle"), "{html}");
    assert!(!html.contains("<script>alert(1)"), "{html}");
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62; Größe"),
        "{html}"
    );
    assert!(
        html.contains("href=\"/digest/2026-03-28\""),
        "previous day link: {html}"
    );
    assert!(
        html.contains("href=\"/digest/2026-03-30\""),
        "next day link: {html}"
    );
    assert!(html.contains("href=\"/digest.rss\""), "{html}");
    // The yesterday article is not on this day.
    assert!(!html.contains("Gestern gemeldet"), "{html}");
    // The English report is marked as English, the German ones are not marked.
    let english = html
        .find("Online Access Act")
        .expect("English entry listed");
    let li = html[..english].rfind("<li").expect("entry starts");
    assert!(html[li..english].starts_with("<li lang=\"en\">"), "{html}");
    assert!(!html.contains("lang=\"de\"><"), "{html}");
}

#[tokio::test]
async fn today_future_and_invalid_dates() {
    let f = fixture();
    let (status, _, html) = get(&f.app, "/digest").await;
    assert_eq!(status, StatusCode::OK);
    let today = berlin_date(Utc::now());
    assert!(
        html.contains(&format!(
            "href=\"/digest/{}\"",
            f.yesterday.format("%Y-%m-%d")
        )),
        "today links to yesterday: {html}"
    );
    assert!(
        !html.contains(&format!(
            "href=\"/digest/{}\"",
            today.succ_opt().unwrap().format("%Y-%m-%d")
        )),
        "no link into the future: {html}"
    );

    let future = today.checked_add_days(Days::new(30)).unwrap();
    let (status, _, html) = get(&f.app, &format!("/digest/{}", future.format("%Y-%m-%d"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("keine neuen Meldungen"), "{html}");

    for bad in [
        "/digest/2026-02-30",
        "/digest/gestern",
        "/digest/2026-3-1",
        "/digest/%FF",
    ] {
        let (status, _, html) = get(&f.app, bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(html.contains("Ungültige Anfrage"), "{bad}: {html}");
    }
}

#[tokio::test]
async fn feeds_have_one_item_per_completed_day_and_parse() {
    let f = fixture();
    let guid = format!("urn:govwire:digest:{}", f.yesterday.format("%Y-%m-%d"));
    for (path, want_ctype) in [
        ("/digest.rss", "application/rss+xml"),
        ("/digest.atom", "application/atom+xml"),
    ] {
        let (status, ctype, body) = get(&f.app, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(ctype.starts_with(want_ctype), "{path}: {ctype}");
        let feed = feed_rs::parser::parse(body.as_bytes())
            .unwrap_or_else(|e| panic!("{path} does not parse: {e}\n{body}"));
        assert_eq!(feed.entries.len(), 14, "{path}");
        let first = &feed.entries[0];
        assert_eq!(first.id, guid, "{path}: newest first, stable GUID");
        let title = first.title.as_ref().expect("title").content.clone();
        assert!(
            title.contains("Tagesübersicht für") && title.contains("1 Meldung"),
            "{title}"
        );
        assert_eq!(
            first.links.first().map(|l| l.href.as_str()),
            Some(
                format!(
                    "http://digest.test/digest/{}",
                    f.yesterday.format("%Y-%m-%d")
                )
                .as_str()
            ),
            "{path}"
        );
        let content = first
            .content
            .as_ref()
            .and_then(|c| c.body.clone())
            .or_else(|| first.summary.as_ref().map(|s| s.content.clone()))
            .expect("item content");
        assert!(
            content.contains("Gestern gemeldet: Registermodernisierung"),
            "{content}"
        );
        assert!(
            content.contains("href=\"https://k21.example.org/yesterday\""),
            "{content}"
        );
        // Older days are present and say they are empty.
        let last = feed.entries.last().expect("last");
        assert!(
            last.title
                .as_ref()
                .expect("title")
                .content
                .contains("keine neuen Meldungen"),
            "{path}"
        );
        // Today is not in the feed (it is not complete yet).
        let today = format!(
            "urn:govwire:digest:{}",
            berlin_date(Utc::now()).format("%Y-%m-%d")
        );
        assert!(feed.entries.iter().all(|e| e.id != today), "{path}");
    }
}
