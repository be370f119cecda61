//! Story signatures and their pruning.

use super::*;

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
