//! Search end to end: articles put into a real sled store are found through the web search
//! (HTML, RSS and Atom parsed back with feed-rs, CSV, JSON), the trend chart, and the `govwire`
//! binary's `search`, `export` and `reindex` — all over loopback or a temp data folder.

use crate::common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use govwire::model::{Article, Keyword, Level};
use govwire::search::Index;
use govwire::store::Store;
use govwire::web::{AppState, router};

fn article(url: &str, title: &str, text: &str, ymd: (i32, u32, u32)) -> Article {
    let t = Utc
        .with_ymd_and_hms(ymd.0, ymd.1, ymd.2, 9, 0, 0)
        .single()
        .expect("date");
    Article {
        kicker: Some("E-Government".into()),
        ..common::article("bb", url, title, text, t)
    }
}

fn corpus() -> Vec<Article> {
    let mut ozg = article(
        "https://bb.example/ozg-2021",
        "Brandenburg meldet Fortschritte beim OZG",
        "Die Verwaltung bietet jetzt 200 Leistungen online an.",
        (2021, 4, 12),
    );
    ozg.keywords = vec!["OZG".into()];
    let mut ozg2 = article(
        "https://bb.example/ozg-2022",
        "OZG-Bilanz für 2022",
        "Mehrere Verwaltungen ziehen Bilanz.",
        (2022, 2, 3),
    );
    ozg2.keywords = vec!["OZG".into()];
    let mut reg = article(
        "https://bund.example/reg",
        "Registermodernisierung: Zuständigkeiten geklärt",
        "Der Bund und die Länder teilen die Arbeit auf.",
        (2021, 6, 30),
    );
    reg.keywords = vec!["Registermodernisierung".into()];
    reg.source_id = "bmi".into();
    reg.level = Level::Bund;
    reg.land = None;
    let mut hostile = article(
        "https://evil.example/x",
        "Verwaltung <script>alert(1)</script>",
        "Verwaltung <img src=x onerror=alert(2)> & mehr",
        (2020, 1, 1),
    );
    hostile.source_id = "evil".into();
    vec![ozg, ozg2, reg, hostile]
}

/// A data folder with the corpus stored (and the store closed again).
fn data_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    for a in corpus() {
        store.upsert(&a).expect("upsert");
    }
    store.flush().expect("flush");
    dir
}

async fn serve(dir: &Path, with_index: bool) -> (String, Store) {
    let store = Store::open(&dir.join("store")).expect("store");
    let index = with_index
        .then(|| Arc::new(Index::open_or_rebuild(&dir.join("index"), &store).expect("index")));
    let state = Arc::new(AppState {
        store: store.clone(),
        sources: vec![],
        keywords: vec![Keyword::new("OZG", vec![])],
        site_title: "govwire".into(),
        search: index,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router(state)).await;
    });
    (base, store)
}

#[tokio::test]
async fn web_search_pages_feeds_csv_and_json() {
    let dir = data_dir();
    let (web, _store) = serve(dir.path(), true).await;

    // Stemming: `Verwaltungen` finds `Verwaltung`, with marked, escaped snippets.
    let (status, html) = common::get(&format!("{web}/search?q=Verwaltungen&sort=date")).await;
    assert_eq!(status, 200);
    assert!(html.contains("3 Treffer"), "{html}");
    assert!(html.contains("Brandenburg meldet Fortschritte beim OZG"));
    assert!(html.contains("<b>Verwaltung</b>"), "{html}");
    assert!(!html.contains("<script>alert"), "title escaped");
    assert!(!html.contains("<img src=x"), "snippet escaped");
    assert!(html.contains("&lt;img src=x"), "{html}");
    // Facets link to narrowed searches.
    assert!(html.contains("Brandenburg (3)"), "{html}");
    assert!(html.contains("q=Verwaltungen+land%3ABB"), "{html}");

    // Filters and date range, as form fields.
    let (_, html) = common::get(&format!("{web}/search?q=keyword:OZG&from=2022-01-01")).await;
    assert!(
        html.contains("1 Treffer") && html.contains("OZG-Bilanz"),
        "{html}"
    );

    // Umlaut folding in the web search.
    let (_, html) = common::get(&format!("{web}/search?q=Zustaendigkeit")).await;
    assert!(
        html.contains("Registermodernisierung: Zuständigkeiten geklärt"),
        "{html}"
    );

    // Malformed queries are a 400 with the parser's message.
    for (q, needle) in [
        ("land%3AXY", "Länderkürzel"),
        ("%22offen", "Anführungszeichen"),
        ("a+OR", "braucht auf beiden Seiten"),
    ] {
        let (status, html) = common::get(&format!("{web}/search?q={q}")).await;
        assert_eq!(status, 400, "{q}");
        assert!(html.contains(needle), "{q}: {html}");
    }
    let (status, _) = common::get(&format!("{web}/search?q=a&page=0")).await;
    assert_eq!(status, 400);

    // RSS and Atom of the same search, parsed back.
    for path in ["search.rss", "search.atom"] {
        let (status, ctype, body) = common::get_bytes(&format!("{web}/{path}?q=OZG")).await;
        assert_eq!(status, 200, "{path}");
        assert!(ctype.contains("xml"), "{ctype}");
        let feed = feed_rs::parser::parse(&body[..]).expect("feed parses");
        let titles: Vec<String> = feed
            .entries
            .iter()
            .filter_map(|e| e.title.as_ref().map(|t| t.content.clone()))
            .collect();
        assert_eq!(
            titles,
            [
                "OZG-Bilanz für 2022",
                "Brandenburg meldet Fortschritte beim OZG"
            ],
            "{path}: newest first"
        );
    }

    // CSV.
    let (status, ctype, body) = common::get_bytes(&format!("{web}/search.csv?q=OZG")).await;
    assert_eq!(status, 200);
    assert!(ctype.starts_with("text/csv"), "{ctype}");
    let csv = String::from_utf8(body).expect("utf-8");
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("\u{feff}id,story,published,source,"),
        "{csv}"
    );
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[1].contains("https://bb.example/ozg-2022"), "{csv}");

    // JSON.
    let (status, body) = common::get(&format!("{web}/api/search?q=OZG+land:bb&per_page=1")).await;
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v["total"], 2);
    assert_eq!(v["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["facets"]["lands"][0][0], "BB");
    let (status, body) = common::get(&format!("{web}/api/search?q=(")).await;
    assert_eq!(status, 400);
    let v: serde_json::Value = serde_json::from_str(&body).expect("json error");
    assert!(
        v["error"].as_str().is_some_and(|m| m.contains("Klammer")),
        "{v}"
    );
}

#[tokio::test]
async fn trends_chart_and_csv() {
    let dir = data_dir();
    let (web, _store) = serve(dir.path(), true).await;
    let (status, html) = common::get(&format!(
        "{web}/trends?q=OZG,Registermodernisierung,%3Cb%3EFoo&by=month"
    ))
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("<svg") && html.contains("<polyline"),
        "{html}"
    );
    assert_eq!(html.matches("<polyline").count(), 3);
    assert!(
        html.contains("2021-04") && html.contains("2022-02"),
        "{html}"
    );
    assert!(!html.contains("<b>Foo"), "labels escaped");
    assert!(html.contains("&#60;b&#62;Foo"), "{html}");

    let (status, body) = common::get(&format!(
        "{web}/trends.csv?q=OZG,Registermodernisierung&by=month"
    ))
    .await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines[0], "\u{feff}period,OZG,Registermodernisierung");
    assert_eq!(lines[1], "2021-04,1,0");
    assert!(lines.contains(&"2021-06,0,1"), "{body}");
    assert_eq!(lines.last(), Some(&"2022-02,1,0"));
    assert_eq!(lines.len(), 1 + 11, "gap-free months 2021-04..2022-02");

    let (status, _) = common::get(&format!("{web}/trends?q=land:XY")).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn without_an_index_search_is_unavailable_not_an_error() {
    let dir = data_dir();
    let (web, _store) = serve(dir.path(), false).await;
    let (status, html) = common::get(&format!("{web}/search?q=OZG")).await;
    assert_eq!(status, 503);
    assert!(html.contains("nicht eingerichtet"), "{html}");
    let (status, _) = common::get(&format!("{web}/")).await;
    assert_eq!(status, 200);
}

fn config(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("sources.toml");
    let text = format!(
        "[settings]\ndata_dir = \"{}\"\n\n[[source]]\nid = \"bb\"\nname = \"Brandenburg\"\nurl = \"http://127.0.0.1:9/feed.xml\"\nkind = \"feed\"\nlevel = \"land\"\nland = \"BB\"\n",
        dir.display()
    );
    std::fs::write(&path, text).expect("write config");
    path
}

fn govwire(config: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_govwire"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("GOVWIRE_DATA_DIR")
        .env_remove("GOVWIRE_CONFIG")
        .output()
        .expect("run govwire");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_search_export_and_reindex() {
    let dir = data_dir();
    let config = config(dir.path());

    // No index yet: `search` builds it from the store.
    let (code, out, err) = govwire(&config, &["search", "Verwaltungen", "--format", "table"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("3 Treffer"), "{out}");
    assert!(
        out.contains("Brandenburg meldet Fortschritte beim OZG"),
        "{out}"
    );

    let (code, out, err) = govwire(
        &config,
        &[
            "search", "--from", "2021", "--format", "json", "--", "OZG", "-Bilanz",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["items"][0]["url"], "https://bb.example/ozg-2021");

    let (code, out, err) = govwire(&config, &["search", "keyword:OZG", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 3, "{out}");

    // A malformed query is a user error with the message, not a crash.
    let (code, _, err) = govwire(&config, &["search", "land:XY"]);
    assert_eq!(code, 2);
    assert!(err.contains("Länderkürzel"), "{err}");

    // Export streams every match (all articles without a query).
    let (code, out, err) = govwire(&config, &["export", "--format", "jsonl"]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0]["title"], "OZG-Bilanz für 2022", "newest first");
    assert!(rows.iter().all(|r| r["text"].is_string()));
    let (code, out, err) = govwire(
        &config,
        &[
            "export",
            "--format",
            "csv",
            "--query",
            "land:BB",
            "--to",
            "2021-12-31",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 1 + 2, "{out}");

    // Reindex after the index folder was damaged.
    std::fs::write(dir.path().join("index/meta.json"), "kaputt").expect("corrupt");
    let (code, out, err) = govwire(&config, &["reindex"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("indexed 4 articles"), "{out}");
    std::fs::write(dir.path().join("index/meta.json"), "kaputt").expect("corrupt");
    let (code, out, err) = govwire(&config, &["search", "Zuständigkeit"]);
    assert_eq!(code, 0, "rebuilt on open: {err}");
    assert!(out.starts_with("1 Treffer"), "{out}");
}
