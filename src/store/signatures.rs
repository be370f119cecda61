//! The story signatures kept for the newest articles (so the cluster index is rebuilt at start
//! without recomputing) and their pruning.

use std::sync::atomic::Ordering;

use super::keys;
use super::{PRUNE_EVERY, SIGNATURES_KEPT, Store, StoreError};
use crate::model::ArticleId;

impl Store {
    /// Stores the near-duplicate signature of an article with its cluster, so the cluster index
    /// can be rebuilt at start without recomputing. The bytes are opaque to the store.
    pub fn put_signature(
        &self,
        id: ArticleId,
        cluster: ArticleId,
        signature: &[u8],
    ) -> Result<(), StoreError> {
        let mut value = Vec::with_capacity(8 + signature.len());
        value.extend_from_slice(&cluster.0.to_be_bytes());
        value.extend_from_slice(signature);
        self.sigs.insert(id.0.to_be_bytes(), value)?;
        if self.sig_writes.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.prune_signatures(SIGNATURES_KEPT)?;
        }
        Ok(())
    }

    /// Deletes the signatures of stored articles that are not among the `keep` newest; returns
    /// how many. Only ids seen in `by_date` behind the `keep` newest are deleted, so an
    /// article stored while this runs, or whose signature is recorded just before it is stored
    /// (as the crawler does), keeps its signature. Reads the `sigs` tree (at most `keep` +
    /// [`PRUNE_EVERY`] entries) and the date keys.
    pub(super) fn prune_signatures(&self, keep: usize) -> Result<u64, StoreError> {
        let mut with_sig = std::collections::HashSet::new();
        for key in self.sigs.iter().keys() {
            if let Some(id) = keys::read_u64(&key?) {
                with_sig.insert(id);
            }
        }
        let mut removed = 0;
        if with_sig.len() <= keep {
            return Ok(0);
        }
        for key in self.by_date.iter().keys().rev().skip(keep) {
            let Some(id) = keys::trailing_id(&key?) else {
                continue;
            };
            if with_sig.remove(&id.0) {
                self.sigs.remove(id.0.to_be_bytes())?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// The stored signature of article `id` as (cluster, signature bytes), if any. A signature
    /// may outlive a failed write of its article; it then only names a cluster, which is
    /// harmless.
    pub fn signature(&self, id: ArticleId) -> Result<Option<(ArticleId, Vec<u8>)>, StoreError> {
        let Some(v) = self.sigs.get(id.0.to_be_bytes())? else {
            return Ok(None);
        };
        Ok(v.split_first_chunk::<8>()
            .map(|(cluster, sig)| (ArticleId(u64::from_be_bytes(*cluster)), sig.to_vec())))
    }
}
