//! Spreadsheet exports read back as a spreadsheet would (issue 20): `export --format csv|xlsx`,
//! `search --format csv`, `/search.csv`, `/search.xlsx` and `/trends.csv`. The CSV is parsed
//! the way Excel reads it (byte order mark, then the chosen delimiter, RFC 4180 quotes), the
//! workbook with calamine; the fixtures carry umlauts, a release at 00:30 Berlin time (the
//! previous day in UTC) and formula payloads in every text column.

use crate::common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use calamine::{Data, DataType, Reader};
use chrono::{NaiveDate, TimeZone, Utc};
use govwire::model::{Article, ArticleId, Level};
use govwire::search::Index;
use govwire::store::Store;
use govwire::web::{AppState, router};

const CONFIG: &str = r#"
[[source]]
id = "by"
name = "Bayerische Staatskanzlei"
url = "http://127.0.0.1:9/by.xml"
kind = "feed"
level = "land"
land = "BY"

[[source]]
id = "bb"
name = "Land Brandenburg"
url = "http://127.0.0.1:9/bb.xml"
kind = "feed"
level = "land"
land = "BB"
"#;

fn nuernberg() -> Article {
    // 23:30 UTC on 4 December is 00:30 on 5 December in Berlin.
    let t = Utc.with_ymd_and_hms(2026, 12, 4, 23, 30, 0).unwrap();
    Article {
        summary: Some("Kurzfassung; mit Semikolon, Komma und „Anführung“".into()),
        level: Level::Land,
        land: Some(govwire::model::Land::BY),
        ..common::article(
            "by",
            "https://by.example/nuernberg",
            "Nürnberger Gespräche über Verwaltung",
            "Erster Absatz über Verwaltung.\nZweiter Absatz mit \"Zitat\".",
            t,
        )
    }
}

fn payload() -> Article {
    // Summer time: 10:00 UTC is 12:00 in Berlin.
    let t = Utc.with_ymd_and_hms(2026, 7, 1, 10, 0, 0).unwrap();
    Article {
        kicker: Some("@SUM(A1)".into()),
        summary: Some("+49 30 1234".into()),
        cluster: Some(ArticleId::from_url("https://by.example/nuernberg")),
        ..common::article(
            "bb",
            "https://bb.example/formel",
            "=HYPERLINK(\"http://evil.example\",\"Verwaltung\")",
            "-2+3 Verwaltung",
            t,
        )
    }
}

/// A data folder with the two articles and a config naming both sources.
fn fixture() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    store.upsert(&nuernberg()).unwrap();
    store.upsert(&payload()).unwrap();
    store.flush().unwrap();
    drop(store);
    let config = dir.path().join("sources.toml");
    let text = format!(
        "[settings]\ndata_dir = \"{}\"\n{CONFIG}",
        dir.path().display()
    );
    std::fs::write(&config, text).unwrap();
    (dir, config)
}

fn govwire(config: &Path, args: &[&str]) -> (i32, Vec<u8>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_govwire"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("GOVWIRE_DATA_DIR")
        .env_remove("GOVWIRE_CONFIG")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Reads CSV bytes as Excel does: a UTF-8 byte order mark is required (without one Excel
/// decodes Windows-1252), then fields split on `delimiter`, `"…"` quoting with `""` escapes,
/// CRLF row ends.
fn read_csv(bytes: &[u8], delimiter: char) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).expect("utf-8");
    let text = text
        .strip_prefix('\u{feff}')
        .expect("byte order mark first");
    let mut rows = vec![];
    let mut row = vec![];
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            '"' if quoted => quoted = false,
            '"' if cell.is_empty() => quoted = true,
            '\r' if !quoted && chars.peek() == Some(&'\n') => {}
            '\n' if !quoted => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            c if c == delimiter && !quoted => row.push(std::mem::take(&mut cell)),
            c => cell.push(c),
        }
    }
    assert!(cell.is_empty() && row.is_empty(), "file ends with CRLF");
    rows
}

/// The row whose `column` is `value`, as column name → cell.
fn find<'a>(rows: &'a [Vec<String>], column: &str, value: &str) -> Vec<(&'a str, &'a str)> {
    let header = &rows[0];
    let col = header.iter().position(|h| h == column).unwrap();
    let row = rows
        .iter()
        .find(|r| r[col] == value)
        .unwrap_or_else(|| panic!("no row with {column} = {value}: {rows:?}"));
    assert_eq!(row.len(), header.len(), "{row:?}");
    header
        .iter()
        .map(String::as_str)
        .zip(row.iter().map(String::as_str))
        .collect()
}

fn cell<'a>(row: &[(&str, &'a str)], column: &str) -> &'a str {
    row.iter().find(|(c, _)| *c == column).unwrap().1
}

const HEADER: [&str; 16] = [
    "id",
    "story",
    "published",
    "source",
    "source_id",
    "title",
    "kicker",
    "summary",
    "url",
    "keywords",
    "tags",
    "land",
    "mentions",
    "level",
    "lang",
    "text",
];

/// The checks every CSV export of the fixture passes, whatever its delimiter.
fn check_csv(rows: &[Vec<String>], with_text: bool) {
    let want: Vec<&str> = HEADER[..if with_text { 16 } else { 15 }].to_vec();
    assert_eq!(rows[0], want);
    let n = find(rows, "source_id", "by");
    assert_eq!(cell(&n, "title"), "Nürnberger Gespräche über Verwaltung");
    assert_eq!(cell(&n, "source"), "Bayerische Staatskanzlei");
    assert_eq!(cell(&n, "published"), "2026-12-05 00:30:00", "Berlin time");
    assert_eq!(
        cell(&n, "summary"),
        "Kurzfassung; mit Semikolon, Komma und „Anführung“"
    );
    let id = ArticleId::from_url("https://by.example/nuernberg").to_string();
    assert_eq!(cell(&n, "id"), id);
    assert_eq!(cell(&n, "story"), id, "a story of its own");
    let p = find(rows, "source_id", "bb");
    assert_eq!(cell(&p, "story"), id, "the story it belongs to");
    assert_eq!(cell(&p, "published"), "2026-07-01 12:00:00", "summer time");
    // Formula payloads arrive as text: a leading ' stops the spreadsheet from running them.
    assert_eq!(
        cell(&p, "title"),
        "'=HYPERLINK(\"http://evil.example\",\"Verwaltung\")"
    );
    assert_eq!(cell(&p, "kicker"), "'@SUM(A1)");
    assert_eq!(cell(&p, "summary"), "'+49 30 1234");
    if with_text {
        assert_eq!(
            cell(&n, "text"),
            "Erster Absatz über Verwaltung.\nZweiter Absatz mit \"Zitat\"."
        );
        assert_eq!(cell(&p, "text"), "'-2+3 Verwaltung");
    }
}

#[test]
fn cli_csv_reads_back_in_a_german_excel() {
    let (_dir, config) = fixture();
    let (code, out, err) = govwire(
        &config,
        &[
            "export",
            "--format",
            "csv",
            "--delimiter",
            ";",
            "--with-text",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let rows = read_csv(&out, ';');
    assert_eq!(rows.len(), 3);
    check_csv(&rows, true);

    // The default stays comma-separated, without the text; a tab works too.
    let (code, out, err) = govwire(&config, &["export", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    check_csv(&read_csv(&out, ','), false);
    let (code, out, err) = govwire(
        &config,
        &[
            "search",
            "Verwaltung",
            "--format",
            "csv",
            "--delimiter",
            "tab",
            "--with-text",
        ],
    );
    assert_eq!(code, 0, "{err}");
    check_csv(&read_csv(&out, '\t'), true);

    let (code, _, err) = govwire(&config, &["export", "--format", "csv", "--delimiter", "x"]);
    assert_eq!(code, 2);
    assert!(err.contains("German Excel"), "{err}");
}

/// Cell text of a calamine cell, with the kind of cell it is.
fn sheet_rows(bytes: Vec<u8>) -> calamine::Range<Data> {
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an xlsx file");
    assert_eq!(book.sheet_names(), ["govwire"]);
    let formulas = book.worksheet_formula("govwire").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no formula anywhere: {formulas:?}"
    );
    book.worksheet_range("govwire").unwrap()
}

fn check_xlsx(range: &calamine::Range<Data>, with_text: bool) {
    let rows: Vec<&[Data]> = range.rows().collect();
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(header, HEADER[..if with_text { 16 } else { 15 }]);
    assert_eq!(rows.len(), 3);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let row = |source: &str| {
        *rows
            .iter()
            .find(|r| r[col("source_id")] == Data::String(source.into()))
            .unwrap()
    };
    let n = row("by");
    assert_eq!(
        n[col("title")],
        Data::String("Nürnberger Gespräche über Verwaltung".into())
    );
    assert_eq!(
        n[col("source")],
        Data::String("Bayerische Staatskanzlei".into())
    );
    let published = n[col("published")].as_datetime().expect("a date cell");
    assert_eq!(
        published,
        NaiveDate::from_ymd_opt(2026, 12, 5)
            .unwrap()
            .and_hms_opt(0, 30, 0)
            .unwrap(),
        "Berlin time"
    );
    let p = row("bb");
    // A workbook holds the payload as a string cell: shown as typed, never run.
    assert_eq!(
        p[col("title")],
        Data::String("=HYPERLINK(\"http://evil.example\",\"Verwaltung\")".into())
    );
    assert_eq!(p[col("summary")], Data::String("+49 30 1234".into()));
    if with_text {
        assert_eq!(p[col("text")], Data::String("-2+3 Verwaltung".into()));
    }
}

#[test]
fn cli_xlsx_reads_back_with_calamine() {
    let (dir, config) = fixture();
    let file = dir.path().join("export.xlsx");
    let (code, _, err) = govwire(
        &config,
        &[
            "export",
            "--format",
            "xlsx",
            "--with-text",
            "-o",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    check_xlsx(&sheet_rows(std::fs::read(&file).unwrap()), true);
}

#[tokio::test]
async fn web_csv_xlsx_and_trends_read_back() {
    let (dir, config) = fixture();
    let cfg = govwire::config::load(&config).unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let index = Arc::new(Index::open_or_rebuild(&dir.path().join("index"), &store).unwrap());
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

    let (status, ctype, body) =
        common::get_bytes(&format!("{web}/search.csv?q=Verwaltung&sep=%3B&text=1")).await;
    assert_eq!(status, 200);
    assert_eq!(ctype, "text/csv; charset=utf-8");
    check_csv(&read_csv(&body, ';'), true);
    // `;` unescaped in the URL is read the same; the default is still a comma.
    let (_, _, body) = common::get_bytes(&format!("{web}/search.csv?q=Verwaltung&sep=;")).await;
    check_csv(&read_csv(&body, ';'), false);
    let (_, _, body) = common::get_bytes(&format!("{web}/search.csv?q=Verwaltung")).await;
    check_csv(&read_csv(&body, ','), false);
    let (status, _, body) = common::get_bytes(&format!("{web}/search.csv?q=x&sep=x")).await;
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("sep=%3B"));

    let (status, ctype, body) =
        common::get_bytes(&format!("{web}/search.xlsx?q=Verwaltung&text=1")).await;
    assert_eq!(status, 200);
    assert!(ctype.contains("spreadsheetml"), "{ctype}");
    check_xlsx(&sheet_rows(body), true);

    let (status, _, body) = common::get_bytes(&format!(
        "{web}/trends.csv?q=Verwaltung,N%C3%BCrnberger&by=month&sep=%3B"
    ))
    .await;
    assert_eq!(status, 200);
    let rows = read_csv(&body, ';');
    assert_eq!(rows[0], ["period", "Verwaltung", "Nürnberger"]);
    assert_eq!(rows[1], ["2026-07", "1", "0"]);
    assert_eq!(
        rows.last().unwrap(),
        &["2026-12", "1", "1"],
        "the umlaut query matches: {rows:?}"
    );
}
