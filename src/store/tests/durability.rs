//! Durability: torn tails, damaged records, pending entries after a power cut.

use super::*;

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
