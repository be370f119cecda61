//! Writing articles with all their index entries in one transaction, and the small
//! bookkeeping writes (crawl health, state).

use std::sync::atomic::Ordering;

use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};

use super::bodies::{self, BodyError, Pointer};
use super::codec;
use super::keys::{self, index_keys, mask_value, meta_key, meta_key_u32, pending_key, where_from};
use super::{META_COUNT, META_DAMAGED, META_GARBAGE, Store, StoreError, Upsert};
use crate::model::{Article, SourceHealth};

type TxResult<T> = Result<T, ConflictableTransactionError<StoreError>>;

impl Store {
    /// Writes `article` and all its index entries in one transaction.
    ///
    /// An existing article keeps its `first_seen`; if nothing a reader sees changed, nothing is
    /// written and [`Upsert::Unchanged`] is returned.
    pub fn upsert(&self, article: &Article) -> Result<Upsert, StoreError> {
        self.upsert_linked(article, None)
    }

    /// Like [`Store::upsert`], and also records in the same transaction that the listing link
    /// `link` (a feed or teaser URL, which may differ from the canonical URL) leads to this
    /// article, so the next crawl can skip it without fetching it.
    pub fn upsert_linked(
        &self,
        article: &Article,
        link: Option<&str>,
    ) -> Result<Upsert, StoreError> {
        let id_key = article.id.0.to_be_bytes();
        // The body record is appended once, before the commit that points at it; a retried
        // transaction reuses it unless the value changed meanwhile.
        let appended: std::cell::RefCell<Option<(Vec<u8>, Pointer)>> = Default::default();
        let trees = (
            &self.articles,
            &self.by_date,
            &self.by_source,
            &self.by_keyword,
            &self.by_tag,
            &self.meta,
            &self.links,
            &self.by_region,
            &self.by_cluster,
        );
        let result = trees.transaction(
            |(arts, date, source, kw, tag, meta, links, region, cluster)| {
                if let Some(link) = link {
                    let known = links.get(link.as_bytes())?;
                    if link == article.url {
                        // `get_by_link` finds it by its URL; an entry would only cost space
                        // (and one naming another article would now be wrong).
                        if known.is_some() {
                            links.remove(link.as_bytes())?;
                        }
                    } else if known.as_deref() != Some(&id_key[..]) {
                        links.insert(link.as_bytes(), &id_key)?;
                    }
                }
                let stored = arts.get(id_key)?;
                let old = match &stored {
                    Some(bytes) => match self.decode_value(article.id, bytes) {
                        Ok(old) => Some(old),
                        // The old text is lost (see `check`); storing the article again
                        // repairs it. Its old index entries cannot be known; `check` reports
                        // any that differ from the new ones as dangling.
                        Err(StoreError::Body(BodyError::Corrupt { .. })) => None,
                        Err(e) => return Err(ConflictableTransactionError::Abort(e)),
                    },
                    None => None,
                };
                let mut new = article.clone();
                if let Some(old) = &old {
                    if !old.content_differs(&new) {
                        return Ok(Upsert::Unchanged);
                    }
                    new.first_seen = old.first_seen;
                    let idx = [date, source, kw, tag, region, cluster];
                    for (tree, key) in index_keys(old) {
                        idx[tree].remove(key)?;
                    }
                }
                let idx = [date, source, kw, tag, region, cluster];
                for (tree, key) in index_keys(&new) {
                    idx[tree].insert(key, &[] as &[u8])?;
                }
                date.insert(keys::date_key(&new), mask_value(&new))?;
                let encoded = codec::encode(&new)
                    .map_err(|e| ConflictableTransactionError::Abort(StoreError::Encode(e)))?;
                let mut appended = appended.borrow_mut();
                let ptr = match &*appended {
                    Some((bytes, ptr)) if *bytes == encoded => *ptr,
                    _ => {
                        let ptr = self.bodies.append(article.id.0, &encoded).map_err(|e| {
                            ConflictableTransactionError::Abort(StoreError::Body(e))
                        })?;
                        *appended = Some((encoded, ptr));
                        ptr
                    }
                };
                if let Some(old_ptr) = stored.as_deref().and_then(Pointer::from_bytes) {
                    add_garbage(meta, old_ptr.segment(), bodies::record_bytes(old_ptr))?;
                }
                // Until the log is synced this record can be lost while sled keeps the pointer
                // (sled flushes itself); this entry, durable with the pointer, names what to
                // fetch again then.
                let mut pending = ptr.to_bytes().to_vec();
                pending.extend_from_slice(&article.id.0.to_be_bytes());
                pending.extend_from_slice(&where_from(&new.source_id, &new.url));
                meta.insert(pending_key(ptr), pending)?;
                let damaged = meta_key(META_DAMAGED, article.id.0);
                if meta.get(&damaged)?.is_some() {
                    meta.remove(damaged)?;
                }
                arts.insert(&id_key, &ptr.to_bytes())?;
                if stored.is_some() {
                    Ok(Upsert::Updated)
                } else {
                    bump_count(meta)?;
                    Ok(Upsert::New)
                }
            },
        );
        let outcome = unwrap_tx(result)?;
        if outcome != Upsert::Unchanged {
            // After the commit: whoever reads the new number also sees the write.
            self.generation.fetch_add(1, Ordering::Release);
        }
        Ok(outcome)
    }

    /// Sets a bookkeeping value (see [`Store::state`]); durable once the store is flushed.
    pub fn set_state(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.state.insert(key.as_bytes(), value)?;
        Ok(())
    }

    /// Replaces the persisted crawl state of `source_id`.
    pub fn put_health(&self, source_id: &str, health: &SourceHealth) -> Result<(), StoreError> {
        self.health
            .insert(source_id.as_bytes(), serde_json::to_vec(health)?)?;
        Ok(())
    }
}

fn bump_count(meta: &TransactionalTree) -> TxResult<()> {
    let n = meta
        .get(META_COUNT)?
        .and_then(|v| keys::read_u64(&v))
        .unwrap_or(0);
    meta.insert(META_COUNT, &(n + 1).to_be_bytes())?;
    Ok(())
}

/// Adds `bytes` to the superseded-bytes counter of `segment`.
fn add_garbage(meta: &TransactionalTree, segment: u32, bytes: u64) -> TxResult<()> {
    let key = meta_key_u32(META_GARBAGE, segment);
    let n = meta
        .get(&key)?
        .and_then(|v| keys::read_u64(&v))
        .unwrap_or(0);
    meta.insert(key, &(n + bytes).to_be_bytes())?;
    Ok(())
}

pub(super) fn unwrap_tx<T>(r: Result<T, TransactionError<StoreError>>) -> Result<T, StoreError> {
    match r {
        Ok(v) => Ok(v),
        Err(TransactionError::Abort(e)) => Err(e),
        Err(TransactionError::Storage(e)) => Err(StoreError::Sled(e)),
    }
}
