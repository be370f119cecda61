//! Reading: listings, pagination, links, time windows, mentions.

use super::*;

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
