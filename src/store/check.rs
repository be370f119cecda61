//! The full integrity check behind `govwire check-store`.

use super::bodies::{self, BodyError, Pointer};
use super::keys::{self, index_keys, mask, read_mask};
use super::{Integrity, Store, StoreError};
use crate::model::ArticleId;

impl Store {
    /// Checks that every article reads (body log records intact), every index entry points to
    /// a stored article that still matches it, every article is indexed by date, and every
    /// record of the body log passes its CRC. Reads everything: for tests and
    /// `govwire check-store`.
    pub fn check(&self) -> Result<Integrity, StoreError> {
        let mut report = Integrity::default();
        let mut expected = std::collections::HashSet::new();
        let mut live = std::collections::HashSet::new();
        for entry in self.articles.iter() {
            let (k, v) = entry?;
            report.articles += 1;
            let Some(id) = keys::read_u64(&k).map(ArticleId) else {
                report.unreadable += 1;
                continue;
            };
            if let Some(ptr) = Pointer::from_bytes(&v) {
                live.insert((id.0, ptr));
            }
            let article = match self.decode_value(id, &v) {
                Ok(a) => a,
                Err(StoreError::Sled(e)) => return Err(StoreError::Sled(e)),
                Err(e) => {
                    if matches!(e, StoreError::Body(BodyError::Corrupt { .. })) {
                        // Found here, fetched again by the next crawl.
                        self.note_damaged(id, &v);
                    }
                    report.unreadable += 1;
                    continue;
                }
            };
            if ArticleId::from_url(&article.url) != article.id {
                report.misfiled += 1;
            }
            for (tree, key) in index_keys(&article) {
                expected.insert((tree, key));
            }
            match self.by_date.get(keys::date_key(&article))? {
                None => report.unindexed += 1,
                // A date entry with the wrong Länder lists the article under the wrong ones.
                Some(v) if read_mask(&v) != mask(&article) => report.dangling += 1,
                Some(_) => {}
            }
        }
        let trees = [
            &self.by_date,
            &self.by_source,
            &self.by_keyword,
            &self.by_tag,
            &self.by_region,
            &self.by_cluster,
        ];
        for (i, tree) in trees.iter().enumerate() {
            for key in tree.iter().keys() {
                let key = key?;
                report.index_entries += 1;
                if !expected.contains(&(i, key.to_vec())) {
                    report.dangling += 1;
                }
            }
        }
        let mut garbage = 0u64;
        let log = self.bodies.verify(|id, ptr| {
            if !live.contains(&(id, ptr)) {
                garbage += bodies::record_bytes(ptr);
            }
        })?;
        report.log_records = log.records;
        report.log_corrupt = log.corrupt;
        report.log_bytes = log.bytes;
        report.log_garbage_bytes = garbage;
        Ok(report)
    }
}
