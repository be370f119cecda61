//! Opening: reopen, the lock, schema versions, and the upgrades of older layouts.

use super::*;

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
fn old_tag_keys_are_rekeyed_once_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let mut a = article("https://x.test/1", 1, &[]);
    a.tags = vec!["Künstliche Intelligenz".into(), "E-Government".into()];
    let mut b = article("https://x.test/2", 2, &[]);
    b.tags = vec!["Kuenstliche Intelligenz".into(), "E Government".into()];
    {
        // As earlier builds keyed them: lowercase, spaces kept, umlauts kept.
        let s = Store::open(&path).unwrap();
        for art in [&a, &b] {
            s.upsert(art).unwrap();
            for t in &art.tags {
                s.by_tag
                    .remove(keys::named_key(&keys::tag_key(t), art))
                    .unwrap();
                let old = t.to_lowercase();
                s.by_tag
                    .insert(keys::named_key(&old, art), &[] as &[u8])
                    .unwrap();
            }
        }
        s.meta.remove(META_TAGS_KEYED).unwrap();
        assert!(!s.check().unwrap().is_ok(), "not yet re-keyed");
        s.flush().unwrap();
    }
    let s = Store::open(&path).unwrap();
    for spelling in [
        "Künstliche Intelligenz",
        "kuenstliche intelligenz",
        "kuenstliche-intelligenz",
    ] {
        assert_eq!(
            urls(&s.by_tag(spelling, 0, 9).unwrap()),
            ["https://x.test/2", "https://x.test/1"],
            "{spelling}"
        );
    }
    assert_eq!(
        urls(&s.by_tag("E Government", 0, 9).unwrap()),
        ["https://x.test/2", "https://x.test/1"]
    );
    assert_eq!(s.by_tag.len(), 4, "old entries removed");
    let report = s.check().unwrap();
    assert!(report.is_ok(), "{report:?}");
}
