//! Writing articles: upserts, index entries, the generation, body log records.

use super::*;

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
fn tag_key_normalises() {
    assert_eq!(tag_key("  E-Government   Bayern "), "e-government-bayern");
    assert_eq!(tag_key("ÖFFENTLICH"), "oeffentlich");
    assert_eq!(tag_key("E Government"), tag_key("E-Government"));
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

#[test]
fn article_values_live_in_the_body_log_and_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let urls: Vec<String> = (1..=20).map(|i| format!("https://x.test/{i}")).collect();
    {
        let s = Store::open(&path).unwrap();
        for (i, url) in urls.iter().enumerate() {
            s.upsert(&long_article(url, 1 + i as u32)).unwrap();
        }
        // The sled value is a 13-byte pointer, not the article.
        let id = ArticleId::from_url(&urls[0]);
        let raw = s.articles.get(id.0.to_be_bytes()).unwrap().unwrap();
        assert_eq!(raw.len(), 13);
        assert_eq!(raw[0], bodies::POINTER);
        s.flush().unwrap();
    }
    let log_bytes: u64 = segments(&path)
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum();
    assert!(
        log_bytes > 20 * 200,
        "records are in the log: {log_bytes} B"
    );
    let s = Store::open(&path).unwrap();
    for (i, url) in urls.iter().enumerate() {
        let got = s.get_by_url(url).unwrap().expect("stored");
        assert_eq!(got, long_article(url, 1 + i as u32));
    }
    assert_eq!(s.latest(0, 100).unwrap().items.len(), 20);
    let report = s.check().unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.log_records, 20);
    assert_eq!(report.log_garbage_bytes, 0);
    assert_eq!(report.log_bytes, log_bytes);
}

#[test]
fn edits_append_and_leave_measured_garbage() {
    let (_d, s) = open();
    let mut a = long_article("https://x.test/a", 3);
    s.upsert(&a).unwrap();
    let first = s.check().unwrap();
    a.title = "Geändert".into();
    assert_eq!(s.upsert(&a).unwrap(), Upsert::Updated);
    assert_eq!(s.upsert(&a).unwrap(), Upsert::Unchanged);
    let report = s.check().unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.log_records, 2, "an unchanged upsert appends nothing");
    assert_eq!(report.log_garbage_bytes, first.log_bytes);
    assert_eq!(s.get(a.id).unwrap().unwrap().title, "Geändert");
}

#[test]
fn a_link_equal_to_the_canonical_url_needs_no_entry() {
    let (_d, s) = open();
    let a = article("https://x.test/a", 3, &[]);
    let b = article("https://x.test/b", 4, &[]);
    // An earlier crawl saw the link lead to another article.
    s.upsert_linked(&b, Some("https://x.test/a")).unwrap();
    assert_eq!(s.get_by_link("https://x.test/a").unwrap().unwrap().id, b.id);
    s.upsert_linked(&a, Some("https://x.test/a")).unwrap();
    assert_eq!(s.get_by_link("https://x.test/a").unwrap().unwrap().id, a.id);
    assert_eq!(
        s.links.len(),
        0,
        "no entry for a link that is the URL itself"
    );
}
