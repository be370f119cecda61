use chrono::{TimeZone, Utc};

use super::*;
use crate::model::{Article, Land, Level, SourceHealth};

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

/// The body log segments of a store folder, oldest first.
fn segments(store_dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(store_dir.join("bodies"))
        .expect("bodies folder")
        .flatten()
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

fn long_article(url: &str, day: u32) -> Article {
    let mut a = article(url, day, &["OZG"]);
    a.text = format!("{url} ").repeat(50) + &"Die Verwaltung wird digital. ".repeat(40);
    a
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
fn old_stores_with_values_inside_sled_still_read_and_take_new_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let plain = article("https://x.test/plain", 1, &["OZG"]);
    let deflated = long_article("https://x.test/deflated", 2);
    {
        // A version-1 store as earlier builds wrote it: plain JSON, then deflated JSON values.
        let s = Store::open(&path).unwrap();
        s.upsert(&plain).unwrap();
        s.upsert(&deflated).unwrap();
        s.articles
            .insert(
                plain.id.0.to_be_bytes(),
                serde_json::to_vec(&plain).unwrap(),
            )
            .unwrap();
        s.articles
            .insert(
                deflated.id.0.to_be_bytes(),
                codec::encode(&deflated).unwrap(),
            )
            .unwrap();
        s.meta.insert(META_SCHEMA, &1u32.to_be_bytes()).unwrap();
        s.flush().unwrap();
    }
    std::fs::remove_dir_all(path.join("bodies")).unwrap();
    let s = Store::open(&path).unwrap();
    assert_eq!(
        s.meta.get(META_SCHEMA).unwrap().as_deref(),
        Some(&SCHEMA_VERSION.to_be_bytes()[..]),
        "marked as written by this version"
    );
    assert_eq!(s.get(plain.id).unwrap().unwrap(), plain);
    assert_eq!(s.get(deflated.id).unwrap().unwrap(), deflated);
    assert_eq!(s.by_keyword("OZG", 0, 10).unwrap().items.len(), 2);
    let mut edited = plain.clone();
    edited.text = "Neu".into();
    assert_eq!(s.upsert(&edited).unwrap(), Upsert::Updated);
    assert_eq!(s.get(plain.id).unwrap().unwrap().text, "Neu");
    let report = s.check().unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.log_records, 1);
}

#[test]
fn a_torn_tail_is_cut_off_at_open_and_nothing_flushed_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let kept = long_article("https://x.test/kept", 1);
    let torn = long_article("https://x.test/torn", 2);
    {
        let s = Store::open(&path).unwrap();
        s.upsert(&kept).unwrap();
        s.flush().unwrap();
        s.upsert(&torn).unwrap();
        s.flush().unwrap();
    }
    // As if the machine died while the second record was being written: half of it reached
    // the disk (sled's pointer did).
    let seg = segments(&path).pop().unwrap();
    let len = std::fs::metadata(&seg).unwrap().len();
    let first_end = {
        let s = Store::open(&path).unwrap();
        let r = s.check().unwrap();
        assert_eq!(r.log_records, 2);
        drop(s);
        // Where the first record ends: its header length plus payload.
        let bytes = std::fs::read(&seg).unwrap();
        16 + u64::from(u32::from_le_bytes(bytes[..4].try_into().unwrap()))
    };
    let cut = first_end + (len - first_end) / 2;
    std::fs::OpenOptions::new()
        .write(true)
        .open(&seg)
        .unwrap()
        .set_len(cut)
        .unwrap();
    // Forget the synced end so the open checks the whole segment.
    {
        let db = sled::Config::new().path(&path).open().unwrap();
        db.open_tree("meta")
            .unwrap()
            .remove(META_BODIES_END)
            .unwrap();
        db.flush().unwrap();
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    let s = Store::open(&path).unwrap();
    assert_eq!(
        std::fs::metadata(&seg).unwrap().len(),
        first_end,
        "the torn record is cut off"
    );
    assert_eq!(
        segments(&path).len(),
        2,
        "appending continues in a new segment"
    );
    assert_eq!(s.get(kept.id).unwrap().unwrap(), kept);
    // The pointer to the lost record is reported, not answered with garbage.
    match s.get(torn.id) {
        Err(StoreError::Body(BodyError::Corrupt { what, .. })) => {
            assert!(what.contains("missing"), "{what}")
        }
        other => panic!("expected a corrupt record, got {other:?}"),
    }
    let report = s.check().unwrap();
    assert_eq!(report.unreadable, 1, "{report:?}");
    assert!(!report.is_ok());
    // Re-storing the article repairs it; new records go to the new segment.
    s.upsert(&torn).unwrap();
    assert_eq!(s.get(torn.id).unwrap().unwrap(), torn);
    assert!(s.check().unwrap().is_ok());
}

#[test]
fn a_record_failing_its_crc_is_reported_not_returned() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let a = long_article("https://x.test/a", 1);
    let b = long_article("https://x.test/b", 2);
    {
        let s = Store::open(&path).unwrap();
        s.upsert(&a).unwrap();
        s.upsert(&b).unwrap();
        s.flush().unwrap();
    }
    // Flip one byte inside the first record's payload (bit rot).
    let seg = segments(&path).pop().unwrap();
    let mut bytes = std::fs::read(&seg).unwrap();
    bytes[40] ^= 0x20;
    std::fs::write(&seg, &bytes).unwrap();
    let s = Store::open(&path).unwrap();
    let first = [a.id, b.id]
        .into_iter()
        .find(|id| s.get(*id).is_err())
        .expect("one article fails");
    match s.get(first) {
        Err(StoreError::Body(BodyError::Corrupt { what, .. })) => {
            assert_eq!(what, "CRC mismatch")
        }
        other => panic!("expected a CRC failure, got {other:?}"),
    }
    let msg = s.get(first).unwrap_err().to_string();
    assert!(msg.contains("CRC"), "{msg}");
    let report = s.check().unwrap();
    assert_eq!(report.unreadable, 1, "{report:?}");
    assert_eq!(report.log_corrupt, 1, "{report:?}");
    assert!(!report.is_ok());
}

#[test]
fn a_stale_pointer_to_another_articles_record_is_reported() {
    let (_d, s) = open();
    let a = long_article("https://x.test/a", 1);
    let b = long_article("https://x.test/b", 2);
    s.upsert(&a).unwrap();
    s.upsert(&b).unwrap();
    let ptr_b = s.articles.get(b.id.0.to_be_bytes()).unwrap().unwrap();
    s.articles.insert(a.id.0.to_be_bytes(), ptr_b).unwrap();
    assert!(matches!(
        s.get(a.id),
        Err(StoreError::Body(BodyError::Corrupt { .. }))
    ));
}

#[test]
fn signature_pruning_keeps_the_newest_window() {
    let (_d, s) = open();
    let mut ids = Vec::new();
    for day in 1..=28 {
        let a = article(&format!("https://x.test/{day}"), day, &[]);
        s.upsert(&a).unwrap();
        s.put_signature(a.id, a.id, &[day as u8; 16]).unwrap();
        ids.push(a.id);
    }
    // A signature recorded just before its article is stored must survive a prune.
    let pending = ArticleId::from_url("https://x.test/pending");
    s.put_signature(pending, pending, &[1; 16]).unwrap();
    assert_eq!(s.prune_signatures(10).unwrap(), 18);
    for (i, id) in ids.iter().enumerate() {
        let kept = s.signature(*id).unwrap();
        if i >= 18 {
            assert_eq!(kept, Some((*id, vec![i as u8 + 1; 16])), "newest 10 kept");
        } else {
            assert_eq!(kept, None, "older ones pruned");
        }
    }
    assert!(s.signature(pending).unwrap().is_some());
    // The newest ids of the story window still have their signatures.
    for id in s.newest_ids(10).unwrap() {
        assert!(s.signature(id).unwrap().is_some());
    }
    // An edited older article keeps its stored cluster; its fresh signature is kept until
    // the next prune.
    let mut old = s.get(ids[0]).unwrap().unwrap();
    old.cluster = Some(ids[5]);
    old.title = "Korrigiert".into();
    s.put_signature(old.id, ids[5], &[9; 16]).unwrap();
    s.upsert(&old).unwrap();
    assert_eq!(s.get(old.id).unwrap().unwrap().cluster, Some(ids[5]));
    assert_eq!(s.signature(old.id).unwrap(), Some((ids[5], vec![9; 16])));
    assert_eq!(s.prune_signatures(10).unwrap(), 1);
    assert_eq!(s.get(old.id).unwrap().unwrap().cluster, Some(ids[5]));
    assert!(s.check().unwrap().is_ok());
}

// The story index's window must be covered (twice) by the signatures kept: fails the build of
// the tests otherwise.
const _: () = assert!(SIGNATURES_KEPT >= 2 * crate::enrich::DEFAULT_WINDOW);

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

fn mentioning(url: &str, day: u32, lands: &[Land]) -> Article {
    let mut a = article(url, day, &[]);
    a.lands_mentioned = lands.to_vec();
    a.land = Some(Land::BY);
    a
}

fn urls(p: &Page) -> Vec<&str> {
    p.items.iter().map(|a| a.url.as_str()).collect()
}

#[test]
fn mentions_listings_are_newest_first_paginate_and_follow_edits() {
    let (_d, s) = open();
    s.upsert(&mentioning("https://x.test/1", 1, &[Land::HB, Land::SN]))
        .unwrap();
    s.upsert(&mentioning("https://x.test/2", 2, &[])).unwrap();
    s.upsert(&mentioning("https://x.test/3", 3, &[Land::SN]))
        .unwrap();
    s.upsert(&mentioning("https://x.test/4", 4, &[Land::SN, Land::TH]))
        .unwrap();
    let sn = Region::Mentions(Land::SN);
    let p = s.by_region(sn, 0, 2).unwrap();
    assert_eq!(urls(&p), ["https://x.test/4", "https://x.test/3"]);
    assert!(p.has_more);
    let p = s.by_region(sn, 2, 2).unwrap();
    assert_eq!(urls(&p), ["https://x.test/1"]);
    assert!(!p.has_more);
    assert_eq!(
        urls(&s.by_region(Region::Mentions(Land::HB), 0, 9).unwrap()),
        ["https://x.test/1"]
    );
    assert!(
        s.by_region(Region::Mentions(Land::BW), 0, 9)
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(
        s.by_region(Region::From(Land::BY), 0, 9)
            .unwrap()
            .items
            .len(),
        4
    );
    // An edit that drops Sachsen and mentions Bremen moves the article.
    s.upsert(&mentioning("https://x.test/3", 3, &[Land::HB]))
        .unwrap();
    assert_eq!(
        urls(&s.by_region(sn, 0, 9).unwrap()),
        ["https://x.test/4", "https://x.test/1"]
    );
    assert_eq!(
        urls(&s.by_region(Region::Mentions(Land::HB), 0, 9).unwrap()),
        ["https://x.test/3", "https://x.test/1"]
    );
    assert!(s.check().unwrap().is_ok());
}

#[test]
fn old_mentions_entries_move_into_the_date_index_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let a = mentioning("https://x.test/1", 1, &[Land::HB, Land::SN]);
    let b = mentioning("https://x.test/2", 2, &[Land::SN]);
    {
        // As earlier builds wrote them: one `by_region` entry per Land mentioned, empty dates.
        let s = Store::open(&path).unwrap();
        for art in [&a, &b] {
            s.upsert(art).unwrap();
            s.by_date.insert(keys::date_key(art), &[] as &[u8]).unwrap();
            for land in &art.lands_mentioned {
                let name = format!("mentions:{}", land.code());
                s.by_region
                    .insert(keys::named_key(&name, art), &[] as &[u8])
                    .unwrap();
            }
        }
        s.meta.remove(META_MENTIONS_IN_DATE).unwrap();
        assert!(!s.check().unwrap().is_ok(), "not yet migrated");
        s.flush().unwrap();
    }
    let s = Store::open(&path).unwrap();
    assert_eq!(
        urls(&s.by_region(Region::Mentions(Land::SN), 0, 9).unwrap()),
        ["https://x.test/2", "https://x.test/1"]
    );
    assert_eq!(
        urls(&s.by_region(Region::Mentions(Land::HB), 0, 9).unwrap()),
        ["https://x.test/1"]
    );
    assert_eq!(
        s.by_region.scan_prefix(b"mentions:").count(),
        0,
        "old entries removed"
    );
    let report = s.check().unwrap();
    assert!(report.is_ok(), "{report:?}");
}

#[test]
fn compaction_moves_live_records_and_deletes_mostly_dead_segments() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let mut articles: Vec<Article> = (1..=12)
        .map(|i| long_article(&format!("https://x.test/{i}"), i))
        .collect();
    {
        let s = Store::open(&path).unwrap();
        s.bodies.set_segment_bytes(2048);
        for a in &articles {
            s.upsert(a).unwrap();
        }
        // Every article edited twice: two thirds of the log is garbage.
        for round in 0..2 {
            for a in &mut articles {
                a.title = format!("{} (Fassung {round})", a.title);
                assert_eq!(s.upsert(a).unwrap(), Upsert::Updated);
            }
        }
        let before = s.check().unwrap();
        assert!(before.is_ok(), "{before:?}");
        assert!(
            before.log_garbage_bytes * 2 >= before.log_bytes,
            "{before:?}"
        );
        let segments_before = segments(&path).len();
        assert!(segments_before > 3, "{segments_before} segments");
        let done = s.compact_bodies(0.5).unwrap();
        assert!(done.segments > 0, "{done:?}");
        assert_eq!(
            segments(&path).len() as u64,
            segments_before as u64 - done.segments
        );
        let after = s.check().unwrap();
        assert!(after.is_ok(), "{after:?}");
        assert!(
            after.log_bytes < before.log_bytes,
            "{after:?} vs {before:?}"
        );
        for a in &articles {
            assert_eq!(&s.get(a.id).unwrap().unwrap(), a);
        }
        // Nothing left to do at the same threshold.
        assert_eq!(s.compact_bodies(0.5).unwrap().segments, 0);
    }
    let s = Store::open(&path).unwrap();
    for a in &articles {
        assert_eq!(&s.get(a.id).unwrap().unwrap(), a);
    }
    assert!(s.check().unwrap().is_ok());
}

#[test]
fn compaction_leaves_a_segment_with_a_damaged_record_and_what_follows_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let articles: Vec<Article> = (1..=12)
        .map(|i| long_article(&format!("https://x.test/{i}"), i))
        .collect();
    {
        let s = Store::open(&path).unwrap();
        s.bodies.set_segment_bytes(1 << 30);
        for a in &articles[..6] {
            s.upsert(a).unwrap();
        }
        s.bodies.set_segment_bytes(1);
        // The next write closes the first segment and starts a new one.
        for a in &articles[6..] {
            s.upsert(a).unwrap();
        }
        s.flush().unwrap();
    }
    let first = segments(&path).into_iter().next().unwrap();
    // Bit rot in the first record of the (closed) first segment.
    let mut bytes = std::fs::read(&first).unwrap();
    bytes[40] ^= 0x20;
    std::fs::write(&first, &bytes).unwrap();
    let s = Store::open(&path).unwrap();
    let readable_before: Vec<_> = articles.iter().filter(|a| s.get(a.id).is_ok()).collect();
    assert_eq!(readable_before.len(), 11, "one article lost to the damage");
    let done = s.compact_bodies(0.0).unwrap();
    assert_eq!(done.damaged, 1, "{done:?}");
    assert!(first.exists(), "the damaged segment is kept");
    for a in readable_before {
        assert_eq!(&s.get(a.id).unwrap().unwrap(), a, "intact records survive");
    }
}

/// Twelve long articles in a store with 2 KiB segments, each edited twice: two thirds of the
/// log superseded, spread over closed segments. Returns the latest versions.
fn edited_store(s: &Store) -> Vec<Article> {
    s.bodies.set_segment_bytes(2048);
    let mut articles: Vec<Article> = (1..=12)
        .map(|i| long_article(&format!("https://x.test/{i}"), i))
        .collect();
    for a in &articles {
        s.upsert(a).unwrap();
    }
    for round in 0..2 {
        for a in &mut articles {
            a.title = format!("{} (Fassung {round})", a.title);
            assert_eq!(s.upsert(a).unwrap(), Upsert::Updated);
        }
    }
    articles
}

/// Superseded bytes counted for the closed segments.
fn counted_in_closed(s: &Store) -> u64 {
    let closed: Vec<u32> = s
        .bodies
        .closed_segments()
        .unwrap()
        .iter()
        .map(|c| c.0)
        .collect();
    s.log_garbage()
        .unwrap()
        .iter()
        .filter(|(seg, _)| closed.contains(seg))
        .map(|(_, b)| b)
        .sum()
}

fn small_policy() -> CompactionPolicy {
    CompactionPolicy {
        min_total_garbage: 1,
        min_segment_garbage: 0.5,
    }
}

#[test]
fn every_edit_counts_its_superseded_record_exactly() {
    let (_d, s) = open();
    edited_store(&s);
    let counted: u64 = s.log_garbage().unwrap().iter().map(|(_, b)| b).sum();
    let measured = s.check().unwrap().log_garbage_bytes;
    assert!(measured > 0);
    assert_eq!(counted, measured);
}

#[test]
fn automatic_compaction_waits_for_both_thresholds_then_reclaims() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let s = Store::open(&path).unwrap();
    let articles = edited_store(&s);
    let before = s.check().unwrap();
    let garbage = counted_in_closed(&s);
    assert!(garbage > 0);
    let n = segments(&path).len();
    // Not enough garbage in total: nothing happens.
    let high = CompactionPolicy {
        min_total_garbage: garbage + 1,
        ..small_policy()
    };
    assert_eq!(
        s.compact_auto(&high, &|| false).unwrap(),
        Compaction::default()
    );
    assert_eq!(segments(&path).len(), n);
    // A stop request before the first batch: nothing is deleted, nothing lost.
    assert_eq!(
        s.compact_auto(&small_policy(), &|| true).unwrap().segments,
        0
    );
    let done = s.compact_auto(&small_policy(), &|| false).unwrap();
    assert!(done.segments > 0, "{done:?}");
    let after = s.check().unwrap();
    assert!(after.is_ok(), "{after:?}");
    assert!(after.log_bytes < before.log_bytes, "{after:?} {before:?}");
    // Left: segments below half garbage, whose counters now hold the measured value.
    for (seg, len) in s.bodies.closed_segments().unwrap() {
        let counted = s.counted_garbage(seg).unwrap();
        assert!(
            (counted as f64) < 0.5 * len as f64,
            "{seg}: {counted} of {len}"
        );
    }
    assert_eq!(
        s.compact_auto(&small_policy(), &|| false).unwrap().segments,
        0
    );
    for a in &articles {
        assert_eq!(&s.get(a.id).unwrap().unwrap(), a);
    }
}

#[test]
fn a_store_written_before_the_counters_is_measured_once_then_compacted() {
    let (_d, s) = open();
    let articles = edited_store(&s);
    let counters: Vec<_> = s.meta.scan_prefix(META_GARBAGE).keys().collect();
    for k in counters {
        s.meta.remove(k.unwrap()).unwrap();
    }
    s.meta.remove(META_GARBAGE_MEASURED).unwrap();
    assert_eq!(counted_in_closed(&s), 0);
    let done = s.compact_auto(&small_policy(), &|| false).unwrap();
    assert!(done.segments > 0, "{done:?}");
    assert!(s.meta.get(META_GARBAGE_MEASURED).unwrap().is_some());
    assert!(s.check().unwrap().is_ok());
    for a in &articles {
        assert_eq!(&s.get(a.id).unwrap().unwrap(), a);
    }
}

/// Runs in a child process (see the test below): opens the store at `GOVWIRE_CRASH_DIR`,
/// arms the crash and compacts, which must not return.
#[test]
#[ignore = "child process of an_interrupted_compaction_never_loses_an_article"]
fn compaction_crash_child() {
    let dir = std::env::var("GOVWIRE_CRASH_DIR").expect("GOVWIRE_CRASH_DIR");
    let step = match std::env::var("GOVWIRE_CRASH_STEP").unwrap().as_str() {
        "Scanned" => Step::Scanned,
        "Copied" => Step::Copied,
        "CopiesSynced" => Step::CopiesSynced,
        "FirstRepointed" => Step::FirstRepointed,
        "Repointed" => Step::Repointed,
        "Flushed" => Step::Flushed,
        "Deleted" => Step::Deleted,
        other => panic!("unknown step {other}"),
    };
    let how = match std::env::var("GOVWIRE_CRASH_MODE").unwrap().as_str() {
        "Abort" => Crash::Abort,
        "PowerCut" => Crash::PowerCut,
        _ => Crash::SledLags,
    };
    let s = Store::open(std::path::Path::new(&dir)).unwrap();
    s.crash_at(step, how);
    // Every closed segment, so that segments with live records are rewritten too.
    let _ = s.compact_bodies(0.0);
    // Reaching this line means the step was never reached: exit cleanly so the parent fails.
}

#[test]
fn an_interrupted_compaction_never_loses_an_article() {
    let exe = std::env::current_exe().unwrap();
    let steps = [
        "Scanned",
        "Copied",
        "CopiesSynced",
        "FirstRepointed",
        "Repointed",
        "Flushed",
        "Deleted",
    ];
    for how in ["Abort", "PowerCut", "SledLags"] {
        for step in steps {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("store");
            let articles = {
                let s = Store::open(&path).unwrap();
                let articles = edited_store(&s);
                s.flush().unwrap();
                articles
            };
            let before = segments(&path);
            let snapshot = dir.path().join("sled-at-last-flush");
            copy_sled_files(&path, &snapshot);
            let out = std::process::Command::new(&exe)
                .args([
                    "store::tests::compaction_crash_child",
                    "--exact",
                    "--ignored",
                    "--test-threads=1",
                ])
                .env("GOVWIRE_CRASH_DIR", &path)
                .env("GOVWIRE_CRASH_STEP", step)
                .env("GOVWIRE_CRASH_MODE", how)
                .env("GOVWIRE_TEST_SLED_SNAPSHOT", &snapshot)
                .output()
                .unwrap();
            assert!(
                !out.status.success(),
                "{how} at {step}: the child did not crash: {}",
                String::from_utf8_lossy(&out.stdout)
            );
            if step == "Deleted" {
                assert!(segments(&path).len() < before.len(), "{how}: deleted");
            }
            if how == "SledLags" {
                copy_sled_files(&snapshot, &path);
            }
            let s = Store::open(&path).unwrap();
            for a in &articles {
                let got = s.get(a.id);
                assert!(
                    matches!(&got, Ok(Some(g)) if g == a),
                    "{how} at {step}: {} → {got:?}",
                    a.url
                );
            }
            let report = s.check().unwrap();
            assert!(report.is_ok(), "{how} at {step}: {report:?}");
            assert!(s.damaged().unwrap().is_empty(), "{how} at {step}");
            // What the crash left is reclaimed by the next compaction.
            let done = s.compact_bodies(0.5).unwrap();
            let after = s.check().unwrap();
            assert!(after.is_ok(), "{how} at {step}: {after:?}");
            assert!(
                after.log_bytes < report.log_bytes || done.segments == 0,
                "{how} at {step}"
            );
            for a in &articles {
                assert_eq!(&s.get(a.id).unwrap().unwrap(), a, "{how} at {step}");
            }
        }
    }
}

#[test]
fn a_record_lost_to_a_power_cut_is_noted_with_its_url_until_stored_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let a = long_article("https://x.test/a", 1);
    let mut b = long_article("https://x.test/b", 2);
    let synced_len;
    {
        let s = Store::open(&path).unwrap();
        s.upsert(&a).unwrap();
        s.upsert(&b).unwrap();
        s.flush().unwrap();
        assert_eq!(
            s.meta.scan_prefix(META_PENDING).count(),
            0,
            "a flush leaves no pending entry"
        );
        synced_len = std::fs::metadata(segments(&path).pop().unwrap())
            .unwrap()
            .len();
        b.title = "Bearbeitet".into();
        assert_eq!(s.upsert(&b).unwrap(), Upsert::Updated);
        // sled's own flusher made the pointer durable; the log was not synced.
        s.db.flush().unwrap();
    }
    let seg = segments(&path).pop().unwrap();
    assert!(std::fs::metadata(&seg).unwrap().len() > synced_len);
    std::fs::OpenOptions::new()
        .write(true)
        .open(&seg)
        .unwrap()
        .set_len(synced_len)
        .unwrap();
    let s = Store::open(&path).unwrap();
    assert!(s.get(b.id).is_err(), "the edit is lost");
    assert_eq!(
        s.damaged().unwrap(),
        vec![Damaged {
            id: b.id,
            source_id: Some("k21".into()),
            url: Some(b.url.clone()),
        }]
    );
    assert_eq!(s.get(a.id).unwrap().unwrap(), a);
    assert_eq!(s.upsert(&b).unwrap(), Upsert::Updated);
    assert!(s.damaged().unwrap().is_empty(), "stored again: repaired");
    assert_eq!(s.get(b.id).unwrap().unwrap(), b);
}

#[test]
fn a_damaged_record_read_by_id_is_noted_with_the_url_it_still_holds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let a = long_article("https://x.test/a", 1);
    {
        let s = Store::open(&path).unwrap();
        s.upsert(&a).unwrap();
        s.flush().unwrap();
    }
    // Bit rot near the end of the only record: the URL at its start still decodes.
    let seg = segments(&path).pop().unwrap();
    let mut bytes = std::fs::read(&seg).unwrap();
    let at = bytes.len() - 20;
    bytes[at] ^= 0x55;
    std::fs::write(&seg, &bytes).unwrap();
    let s = Store::open(&path).unwrap();
    assert!(s.damaged().unwrap().is_empty(), "nothing read yet");
    assert!(s.get(a.id).is_err());
    assert_eq!(
        s.damaged().unwrap(),
        vec![Damaged {
            id: a.id,
            source_id: Some("k21".into()),
            url: Some(a.url.clone()),
        }]
    );
}

/// Replaces sled's files in `to` (everything but the body log) by those in `from`.
pub(super) fn copy_sled_files(from: &std::path::Path, to: &std::path::Path) {
    fn copy(from: &std::path::Path, to: &std::path::Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap().flatten() {
            let target = to.join(e.file_name());
            if e.file_type().unwrap().is_dir() {
                copy(&e.path(), &target);
            } else {
                std::fs::copy(e.path(), target).unwrap();
            }
        }
    }
    if to.exists() {
        for e in std::fs::read_dir(to).unwrap().flatten() {
            if e.file_name() == "bodies" {
                continue;
            }
            if e.file_type().unwrap().is_dir() {
                std::fs::remove_dir_all(e.path()).unwrap();
            } else {
                std::fs::remove_file(e.path()).unwrap();
            }
        }
    }
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        if e.file_name() == "bodies" {
            continue;
        }
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}
