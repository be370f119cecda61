//! Durability: flushing the body log before sled, the pending entries of writes not yet
//! synced, recovery after a crash, and the set of articles whose record was found lost.

use super::bodies::{BodyError, Pointer};
use super::codec;
use super::keys::{self, meta_key, split_where_from, where_from};
use super::{Damaged, META_BODIES_END, META_DAMAGED, META_PENDING, Store, StoreError};
use crate::model::ArticleId;

impl Store {
    /// Flushes everything to disk (blocking): the body log first, then sled, so that no
    /// durable pointer names a record that is not.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.sync_bodies()?;
        self.db.flush()?;
        #[cfg(test)]
        if let Some(to) = std::env::var_os("GOVWIRE_TEST_SLED_SNAPSHOT") {
            super::tests::copy_sled_files(&self.dir, std::path::Path::new(&to));
        }
        Ok(())
    }

    /// Flushes everything to disk without blocking the runtime (body log, then sled).
    pub async fn flush_async(&self) -> Result<(), StoreError> {
        let store = self.clone();
        match tokio::task::spawn_blocking(move || store.sync_bodies()).await {
            Ok(synced) => synced?,
            // The sync task panicked or was cancelled: sync here rather than skip it.
            Err(_) => self.sync_bodies()?,
        }
        self.db.flush_async().await?;
        Ok(())
    }

    /// Syncs the body log and records where it ends, so the next open checks only what
    /// follows for a torn tail.
    fn sync_bodies(&self) -> Result<(), StoreError> {
        let (segment, end) = self.bodies.sync()?;
        let mut v = [0u8; 12];
        v[..4].copy_from_slice(&segment.to_be_bytes());
        v[4..].copy_from_slice(&end.to_be_bytes());
        self.meta.insert(META_BODIES_END, &v)?;
        // Records before here are durable: their pending entries go, in one batch. Entries
        // are keyed by position, so one a concurrent write adds (past here) stays.
        let mut bound = META_PENDING.to_vec();
        bound.extend_from_slice(&segment.to_be_bytes());
        bound.extend_from_slice(&u32::try_from(end).unwrap_or(u32::MAX).to_be_bytes());
        let mut done = sled::Batch::default();
        let mut any = false;
        for key in self.meta.range(META_PENDING.to_vec()..bound).keys() {
            done.remove(key?);
            any = true;
        }
        if any {
            self.meta.apply_batch(done)?;
        }
        Ok(())
    }

    /// After a crash: every article written since the last log sync whose record did not make
    /// it (torn tail cut at open, segment lost) is noted as damaged with its source and URL,
    /// so the crawler fetches it again; then the pending entries are dropped. Cheap: only
    /// entries of writes not followed by a flush exist (none after a clean shutdown).
    pub(super) fn recover_pending(&self) -> Result<(), StoreError> {
        if self.meta.scan_prefix(META_PENDING).next().is_none() {
            return Ok(());
        }
        // What survived is made durable before the entries that would name it go.
        self.bodies.sync()?;
        let mut lost = 0u64;
        for entry in self.meta.scan_prefix(META_PENDING) {
            let (key, value) = entry?;
            let ptr = value.get(..13).and_then(Pointer::from_bytes);
            let id = value.get(13..21).and_then(keys::read_u64).map(ArticleId);
            if let (Some(id), Some(ptr)) = (id, ptr)
                && self.articles.get(id.0.to_be_bytes())?.as_deref() == Some(&ptr.to_bytes()[..])
                && let Err(BodyError::Corrupt { .. }) = self.bodies.read(id.0, ptr)
            {
                let (source, url) = split_where_from(&value[21..]);
                self.mark_damaged(id, source.as_deref(), url.as_deref())?;
                lost += 1;
            }
            self.meta.remove(key)?;
        }
        if lost > 0 {
            tracing::warn!(
                articles = lost,
                "store: texts written just before a crash were lost; the next crawl fetches them again"
            );
        }
        Ok(())
    }

    /// Notes that the record of article `id` is lost, with where to fetch it again if known
    /// (what is already known is kept). The entry goes when the article is stored again.
    pub fn mark_damaged(
        &self,
        id: ArticleId,
        source_id: Option<&str>,
        url: Option<&str>,
    ) -> Result<(), StoreError> {
        let key = meta_key(META_DAMAGED, id.0);
        let known = self.meta.get(&key)?;
        let (old_source, old_url) = known.as_deref().map(split_where_from).unwrap_or_default();
        let source = source_id.map(str::to_string).or(old_source);
        let url = url.map(str::to_string).or(old_url);
        let value = where_from(
            source.as_deref().unwrap_or(""),
            url.as_deref().unwrap_or(""),
        );
        if known.as_deref() != Some(&value[..]) {
            self.meta.insert(key, value)?;
        }
        Ok(())
    }

    /// Notes article `id`, whose stored `value` failed to read, as damaged, with the source
    /// and URL its record still names if they can be salvaged and match the id. Best effort:
    /// a failure to note it only loses the automatic repair.
    pub(super) fn note_damaged(&self, id: ArticleId, value: &[u8]) {
        let origin = Pointer::from_bytes(value)
            .and_then(|ptr| self.bodies.read_unchecked(ptr))
            .and_then(|payload| codec::salvage_origin(&payload))
            .filter(|(_, url)| ArticleId::from_url(url) == id);
        let (source, url) = origin.unzip();
        if let Err(e) = self.mark_damaged(id, source.as_deref(), url.as_deref()) {
            tracing::warn!(error = %e, "could not note a damaged article");
        }
    }

    /// Drops article `id` from the damaged set without storing it (it reads again, or its page
    /// is gone for good and fetching it is pointless).
    pub fn forget_damaged(&self, id: ArticleId) -> Result<(), StoreError> {
        self.meta.remove(meta_key(META_DAMAGED, id.0))?;
        Ok(())
    }

    /// The articles whose record is known to be lost (see [`Damaged`]), in id order.
    pub fn damaged(&self) -> Result<Vec<Damaged>, StoreError> {
        let mut out = Vec::new();
        for entry in self.meta.scan_prefix(META_DAMAGED) {
            let (key, value) = entry?;
            if let Some(id) = key.get(META_DAMAGED.len()..).and_then(keys::read_u64) {
                let (source_id, url) = split_where_from(&value);
                out.push(Damaged {
                    id: ArticleId(id),
                    source_id,
                    url,
                });
            }
        }
        Ok(out)
    }
}
