use chrono::{TimeZone, Utc};

use super::*;
use crate::model::{Article, Level};

fn article(url: &str, day: u32, keywords: &[&str]) -> Article {
    let t = Utc
        .with_ymd_and_hms(2021, 1, day, 12, 0, 0)
        .single()
        .expect("valid date");
    let mut a = Article::sample(url, &format!("Titel {day}"), "Text", t);
    a.source_id = "k21".into();
    a.tags = vec!["Politik".into()];
    a.keywords = keywords.iter().map(|s| s.to_string()).collect();
    a.level = Level::Presse;
    a
}

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("open");
    (dir, store)
}

#[test]
fn upsert_is_new_then_unchanged_then_updated() {
    let (_d, s) = open();
    let a = article("https://x.test/a", 3, &["OZG"]);
    assert_eq!(s.upsert(&a).unwrap(), Upsert::New);
    assert_eq!(s.upsert(&a).unwrap(), Upsert::Unchanged);
    let mut b = a.clone();
    b.text = "Neuer Text".into();
    b.first_seen = Utc::now();
    assert_eq!(s.upsert(&b).unwrap(), Upsert::Updated);
    let got = s.get(a.id).unwrap().unwrap();
    assert_eq!(got.text, "Neuer Text");
    assert_eq!(got.first_seen, a.first_seen, "first_seen survives updates");
    assert_eq!(s.count().unwrap(), 1);
    assert!(s.check().unwrap().is_ok());
}

#[test]
fn listings_are_newest_first_and_paginate() {
    let (_d, s) = open();
    for day in 1..=5 {
        let kws: &[&str] = if day % 2 == 0 { &["OZG"] } else { &[] };
        s.upsert(&article(&format!("https://x.test/{day}"), day, kws))
            .unwrap();
    }
    let p = s.latest(0, 2).unwrap();
    assert_eq!(
        p.items.iter().map(|a| a.title.as_str()).collect::<Vec<_>>(),
        ["Titel 5", "Titel 4"]
    );
    assert!(p.has_more);
    let last = s.latest(4, 2).unwrap();
    assert_eq!(last.items.len(), 1);
    assert!(!last.has_more);
    let kw = s.by_keyword("OZG", 0, 10).unwrap();
    assert_eq!(
        kw.items
            .iter()
            .map(|a| a.title.as_str())
            .collect::<Vec<_>>(),
        ["Titel 4", "Titel 2"]
    );
    assert_eq!(
        s.by_keyword("OZ", 0, 10).unwrap().items.len(),
        0,
        "prefix must not leak"
    );
    assert_eq!(s.by_source("k21", 0, 10).unwrap().items.len(), 5);
    assert_eq!(s.by_tag("  POLITIK ", 0, 10).unwrap().items.len(), 5);
}

#[test]
fn changing_keywords_and_date_moves_index_entries() {
    let (_d, s) = open();
    let a = article("https://x.test/a", 3, &["OZG"]);
    s.upsert(&a).unwrap();
    let mut b = a.clone();
    b.keywords = vec!["BundID".into()];
    b.published = Some(Utc.with_ymd_and_hms(2022, 5, 1, 0, 0, 0).unwrap());
    s.upsert(&b).unwrap();
    assert!(s.by_keyword("OZG", 0, 10).unwrap().items.is_empty());
    assert_eq!(s.by_keyword("BundID", 0, 10).unwrap().items.len(), 1);
    assert_eq!(s.latest(0, 10).unwrap().items.len(), 1);
    let report = s.check().unwrap();
    assert!(report.is_ok(), "{report:?}");
}

#[test]
fn reopen_keeps_articles_and_health() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    {
        let s = Store::open(&path).unwrap();
        s.upsert(&article("https://x.test/a", 1, &[])).unwrap();
        let h = SourceHealth {
            consecutive_failures: 2,
            etag: Some("\"abc\"".into()),
            ..Default::default()
        };
        s.put_health("k21", &h).unwrap();
        s.flush().unwrap();
    }
    let s = Store::open(&path).unwrap();
    assert_eq!(s.count().unwrap(), 1);
    assert!(s.contains_url("https://x.test/a").unwrap());
    assert!(!s.contains_url("https://x.test/b").unwrap());
    let h = s.health("k21").unwrap().unwrap();
    assert_eq!(h.consecutive_failures, 2);
    assert_eq!(h.etag.as_deref(), Some("\"abc\""));
}

#[test]
fn second_open_reports_folder_in_use() {
    let (dir, _s) = open();
    match Store::open(&dir.path().join("store")) {
        Err(e @ StoreError::InUse { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("in use"), "{msg}");
            assert!(
                msg.contains(&format!("PID {}", std::process::id())),
                "{msg}"
            );
        }
        Err(other) => panic!("wrong error: {other}"),
        Ok(_) => panic!("second open must fail"),
    }
}

#[test]
fn schema_mismatch_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    {
        let s = Store::open(&path).unwrap();
        s.meta.insert(META_SCHEMA, &99u32.to_be_bytes()).unwrap();
        s.flush().unwrap();
    }
    let err = Store::open(&path).err().expect("must fail");
    assert!(err.to_string().contains("schema version 99"), "{err}");
}

#[test]
fn tag_key_normalises() {
    assert_eq!(tag_key("  E-Government   Bayern "), "e-government bayern");
    assert_eq!(tag_key("ÖFFENTLICH"), "öffentlich");
}

#[test]
fn listing_links_lead_to_their_article() {
    let (_d, s) = open();
    let a = article("https://x.test/canonical", 3, &[]);
    s.upsert_linked(&a, Some("https://x.test/list-link?utm_source=rss"))
        .unwrap();
    let got = s
        .get_by_link("https://x.test/list-link?utm_source=rss")
        .unwrap()
        .unwrap();
    assert_eq!(got.id, a.id);
    assert_eq!(
        s.get_by_link("https://x.test/canonical")
            .unwrap()
            .unwrap()
            .id,
        a.id
    );
    assert!(s.get_by_link("https://x.test/other").unwrap().is_none());
}

#[test]
fn between_lists_a_time_window_oldest_first_and_state_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    {
        let store = Store::open(dir.path()).unwrap();
        for (i, when) in [
            "2026-11-28T22:59:00Z",
            "2026-11-28T23:00:00Z",
            "2026-11-29T22:59:59Z",
            "2026-11-29T23:00:00Z",
        ]
        .iter()
        .enumerate()
        {
            let mut a = article(&format!("https://a.test/{i}"), 1, &[]);
            a.published = Some(t(when));
            store.upsert(&a).unwrap();
        }
        store.set_state("digest:sent", b"2026-11-29").unwrap();
        store.flush().unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    let got = store
        .between(t("2026-11-28T23:00:00Z"), t("2026-11-29T23:00:00Z"))
        .unwrap();
    let urls: Vec<_> = got.iter().map(|a| a.url.as_str()).collect();
    assert_eq!(urls, ["https://a.test/1", "https://a.test/2"]);
    assert_eq!(
        store.state("digest:sent").unwrap().as_deref(),
        Some(&b"2026-11-29"[..])
    );
    assert_eq!(store.state("nothing").unwrap(), None);
}

#[test]
fn generation_moves_on_article_writes_only() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("store")).unwrap();
    let g0 = s.generation();
    let mut a = article("https://x.test/a", 1, &[]);
    assert_eq!(s.upsert(&a).unwrap(), Upsert::New);
    let g1 = s.generation();
    assert!(g1 > g0, "a new article is a write");
    assert_eq!(s.upsert(&a).unwrap(), Upsert::Unchanged);
    assert_eq!(s.generation(), g1, "an unchanged upsert writes nothing");
    a.title = "Neuer Titel".into();
    assert_eq!(s.upsert(&a).unwrap(), Upsert::Updated);
    let g2 = s.generation();
    assert!(g2 > g1, "a changed article is a write");
    s.put_health("k21", &SourceHealth::default()).unwrap();
    s.set_state("x", b"y").unwrap();
    assert_eq!(s.generation(), g2, "bookkeeping is not an article write");
    // Clones share the counter: the web view and the crawler hold different clones.
    let clone = s.clone();
    a.title = "Noch ein Titel".into();
    clone.upsert(&a).unwrap();
    assert!(s.generation() > g2);
}
