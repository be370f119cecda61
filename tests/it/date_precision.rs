//! Issue 22, dates shown honestly: a date published without a time is shown, fed and exported
//! as a day — never with an invented "00:00" or "12:00 Uhr" — and on the publisher's calendar
//! day (the stored offset), while a published time is shown as before. Checked through what a
//! user reads: the article page, the list and the search page over HTTP, RSS and Atom parsed
//! back with feed-rs, and `/search.csv` read back. Subtitle and author role are on the page.

use crate::common;

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use govwire::model::{Article, ArticleId, DatePrecision};
use govwire::search::Index;
use govwire::store::Store;
use govwire::web::{AppState, router};

const CONFIG: &str = r#"
[[source]]
id = "bb"
name = "Land Brandenburg"
url = "http://127.0.0.1:9/bb.xml"
kind = "feed"
level = "land"
land = "BB"
"#;

/// Published on 11 December 2020, day only, Berlin (stored as that day's start, 23:00 UTC).
fn day_only() -> Article {
    let start = Utc.with_ymd_and_hms(2020, 12, 10, 23, 0, 0).unwrap();
    Article {
        published_precision: DatePrecision::Day,
        subtitle: Some("Land unterstützt Kommunen bei digitalen Anträgen".into()),
        author: Some("Dr. Anna Beispiel".into()),
        author_role: Some("Ministerin für Digitales".into()),
        ..common::article(
            "bb",
            "https://bb.example/foerderprogramm",
            "Förderprogramm Verwaltung beschlossen",
            "Die Landesregierung fördert die Verwaltung der Kommunen.",
            start,
        )
    }
}

/// Published on 11 June 2021, day only, by a page that wrote +02:00 ... stored at 10 June 22:00
/// UTC, which a naive UTC reading would show as 10 June.
fn day_only_offset() -> Article {
    let start = Utc.with_ymd_and_hms(2021, 6, 10, 22, 0, 0).unwrap();
    Article {
        published_precision: DatePrecision::Day,
        published_offset: Some(7200),
        ..common::article(
            "bb",
            "https://bb.example/sommer",
            "Sommerprogramm Verwaltung gestartet",
            "Das Sommerprogramm der Verwaltung beginnt.",
            start,
        )
    }
}

/// Published with a time: 12 December 2020, 09:15 Berlin.
fn timed() -> Article {
    let t = Utc.with_ymd_and_hms(2020, 12, 12, 8, 15, 0).unwrap();
    common::article(
        "bb",
        "https://bb.example/servicekonto",
        "Servicekonto Verwaltung startet",
        "Das Servicekonto der Verwaltung startet landesweit.",
        t,
    )
}

async fn serve() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    for a in [day_only(), day_only_offset(), timed()] {
        store.upsert(&a).unwrap();
    }
    let index = Arc::new(Index::open_or_rebuild(&dir.path().join("index"), &store).unwrap());
    let cfg = govwire::config::parse(CONFIG, "sources.toml").unwrap();
    let state = Arc::new(AppState {
        store,
        sources: cfg.sources,
        keywords: vec![],
        site_title: "govwire".into(),
        search: Some(index),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let web = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router(state)).await;
    });
    (dir, web)
}

/// The `<time …>…</time>` elements of a page.
fn times(html: &str) -> Vec<String> {
    html.split("<time ")
        .skip(1)
        .filter_map(|t| t.split_once("</time>").map(|(t, _)| t.to_string()))
        .collect()
}

#[tokio::test]
async fn day_only_dates_show_no_time_anywhere() {
    let (_dir, web) = serve().await;

    // The article page: the day, no time; subtitle and author role shown.
    let id = ArticleId::from_url("https://bb.example/foerderprogramm");
    let (status, page) = common::get(&format!("{web}/article/{id}")).await;
    assert_eq!(status, 200);
    let t = times(&page);
    assert_eq!(t, ["datetime=\"2020-12-11\">11.12.2020"], "{page}");
    assert!(!page.contains("Uhr"), "an invented time: {t:?}");
    assert!(
        page.contains("<p class=\"subtitle\">Land unterstützt Kommunen bei digitalen Anträgen</p>"),
        "{page}"
    );
    assert!(
        page.contains(
            "Dr. Anna Beispiel</span>, <span class=\"role\">Ministerin für Digitales</span>"
        ),
        "{page}"
    );

    // The publisher's calendar day, not UTC's.
    let id = ArticleId::from_url("https://bb.example/sommer");
    let (_, page) = common::get(&format!("{web}/article/{id}")).await;
    assert_eq!(times(&page), ["datetime=\"2021-06-11\">11.06.2021"]);

    // A published time is still shown with its time.
    let id = ArticleId::from_url("https://bb.example/servicekonto");
    let (_, page) = common::get(&format!("{web}/article/{id}")).await;
    assert_eq!(
        times(&page),
        ["datetime=\"2020-12-12T08:15:00Z\">12.12.2020, 09:15 Uhr"]
    );

    // The subtitle's words find the article, though they are not in its text.
    let (_, html) = common::get(&format!("{web}/search?q=Anträgen")).await;
    assert!(
        html.contains("Förderprogramm Verwaltung beschlossen"),
        "{html}"
    );

    // The digest of that day: the entry shows the day, no time.
    let (status, html) = common::get(&format!("{web}/digest/2020-12-11")).await;
    assert_eq!(status, 200, "{html}");
    let t = times(&html);
    assert!(
        t.iter().any(|t| t == "datetime=\"2020-12-11\">11.12.2020"),
        "digest: {t:?}"
    );
    assert!(
        !t.iter().any(|t| t.contains("11.12.2020, ")),
        "digest: {t:?}"
    );

    // Lists and search hits: the publisher's day.
    for path in ["/", "/search?q=Verwaltung"] {
        let (status, html) = common::get(&format!("{web}{path}")).await;
        assert_eq!(status, 200, "{path}");
        let t = times(&html);
        assert!(
            t.iter().any(|t| t.ends_with(">11.12.2020")),
            "{path}: {t:?}"
        );
        assert!(
            t.iter().any(|t| t.ends_with(">11.06.2021")),
            "{path}: {t:?}"
        );
        assert!(!t.iter().any(|t| t.contains("10.06.2021")), "{path}: {t:?}");
    }
}

#[tokio::test]
async fn feeds_give_a_day_only_date_as_the_start_of_the_publishers_day() {
    let (_dir, web) = serve().await;
    for path in ["/feed.xml", "/atom.xml"] {
        let (status, _, body) = common::get_bytes(&format!("{web}{path}")).await;
        assert_eq!(status, 200, "{path}");
        let feed = feed_rs::parser::parse(&body[..]).unwrap_or_else(|e| panic!("{path}: {e}"));
        let published = |title: &str| -> DateTime<Utc> {
            feed.entries
                .iter()
                .find(|e| e.title.as_ref().is_some_and(|t| t.content.contains(title)))
                .and_then(|e| e.published)
                .unwrap_or_else(|| panic!("{path}: no {title}"))
        };
        let berlin = FixedOffset::east_opt(3600).unwrap();
        let plus2 = FixedOffset::east_opt(7200).unwrap();
        assert_eq!(
            published("Förderprogramm"),
            berlin.with_ymd_and_hms(2020, 12, 11, 0, 0, 0).unwrap(),
            "{path}"
        );
        assert_eq!(
            published("Sommerprogramm"),
            plus2.with_ymd_and_hms(2021, 6, 11, 0, 0, 0).unwrap(),
            "{path}"
        );
        assert_eq!(
            published("Servicekonto"),
            Utc.with_ymd_and_hms(2020, 12, 12, 8, 15, 0).unwrap(),
            "{path}"
        );
        // The offset written is the publisher's, so a reader's calendar day is the publisher's.
        let text = String::from_utf8_lossy(&body);
        let want = if path == "/feed.xml" {
            "Fri, 11 Dec 2020 00:00:00 +0100"
        } else {
            "2020-12-11T00:00:00+01:00"
        };
        assert!(text.contains(want), "{path}: {text}");
        // The subtitle leads the description.
        let entry = feed
            .entries
            .iter()
            .find(|e| {
                e.title
                    .as_ref()
                    .is_some_and(|t| t.content.contains("Förderprogramm"))
            })
            .unwrap();
        let summary = entry
            .summary
            .as_ref()
            .map(|s| s.content.clone())
            .unwrap_or_default();
        assert!(
            summary.starts_with("Land unterstützt Kommunen"),
            "{path}: {summary}"
        );
    }
}

#[tokio::test]
async fn csv_and_json_exports_show_a_day_only_date_as_a_day() {
    let (_dir, web) = serve().await;
    let (status, _, body) =
        common::get_bytes(&format!("{web}/search.csv?q=Verwaltung&sep=%3B")).await;
    assert_eq!(status, 200);
    let text = String::from_utf8(body).unwrap();
    let text = text.trim_start_matches('\u{feff}');
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(';').collect();
    let col = header.iter().position(|h| *h == "published").unwrap();
    let title = header.iter().position(|h| *h == "title").unwrap();
    let mut seen = std::collections::BTreeMap::new();
    for line in lines {
        let cells: Vec<&str> = line.split(';').collect();
        seen.insert(cells[title].to_string(), cells[col].to_string());
    }
    assert_eq!(seen["Förderprogramm Verwaltung beschlossen"], "2020-12-11");
    assert_eq!(seen["Sommerprogramm Verwaltung gestartet"], "2021-06-11");
    assert_eq!(
        seen["Servicekonto Verwaltung startet"],
        "2020-12-12 09:15:00"
    );

    // The workbook: a date cell at the publisher's day, no time of day in it.
    let (status, _, body) = common::get_bytes(&format!("{web}/search.xlsx?q=Verwaltung")).await;
    assert_eq!(status, 200);
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(body)).expect("an xlsx file");
    let range = calamine::Reader::worksheet_range(&mut book, "govwire").unwrap();
    let rows: Vec<&[calamine::Data]> = range.rows().collect();
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let row = rows
        .iter()
        .find(|r| {
            r[col("title")]
                == calamine::Data::String("Förderprogramm Verwaltung beschlossen".into())
        })
        .unwrap();
    let cell = calamine::DataType::as_datetime(&row[col("published")]).expect("a date cell");
    assert_eq!(
        cell,
        chrono::NaiveDate::from_ymd_opt(2020, 12, 11)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
    );

    let (status, body) = common::get(&format!("{web}/api/search?q=Verwaltung")).await;
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let items = json["items"].as_array().expect("items");
    let published: Vec<&str> = items
        .iter()
        .filter_map(|i| i["published"].as_str())
        .collect();
    assert!(published.contains(&"2020-12-11"), "{published:?}");
    assert!(published.contains(&"2020-12-12T08:15:00Z"), "{published:?}");
}
