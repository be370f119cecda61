//! Opening a store: sled's lock (and the PID file naming its holder), the schema version
//! check and upgrade, and the one-time migrations of older layouts.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use super::bodies::BodyLog;
use super::keys::{self, read_mask};
use super::{
    META_BODIES_END, META_GARBAGE_MEASURED, META_MENTIONS_IN_DATE, META_SCHEMA, META_TAGS_KEYED,
    SCHEMA_VERSION, Store, StoreError,
};
use crate::model::Land;

/// Oldest schema version this build reads.
const OLDEST_SCHEMA: u32 = 1;

/// The name prefix of the `by_region` entries of stores written before the mask.
const OLD_MENTIONS: &str = "mentions:";
const PID_FILE: &str = "owner.pid";

/// sled's page cache. Listings read the newest articles, which stay cached; sled's own
/// bookkeeping grows beside it with the store, so a bigger cache mostly costs resident memory
/// (the crawler's peak RSS target is 300 MB at 100,000 articles).
const CACHE_BYTES: u64 = 32 << 20;

impl Store {
    /// Opens (or creates) the store in `dir`, checking the schema version.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let db = open_db(dir)?;
        let meta = db.open_tree("meta")?;
        let synced = meta.get(META_BODIES_END)?.and_then(|v| {
            let (seg, end) = v.split_first_chunk::<4>()?;
            Some((u32::from_be_bytes(*seg), keys::read_u64(end)?))
        });
        let bodies = Arc::new(BodyLog::open(dir, synced)?);
        let store = Store {
            articles: db.open_tree("articles")?,
            by_date: db.open_tree("by_date")?,
            by_source: db.open_tree("by_source")?,
            by_keyword: db.open_tree("by_keyword")?,
            by_tag: db.open_tree("by_tag")?,
            by_region: db.open_tree("by_region")?,
            by_cluster: db.open_tree("by_cluster")?,
            sigs: db.open_tree("sigs")?,
            links: db.open_tree("links")?,
            health: db.open_tree("health")?,
            meta,
            state: db.open_tree("state")?,
            bodies,
            generation: Arc::new(AtomicU64::new(0)),
            sig_writes: Arc::new(AtomicU64::new(0)),
            compacting: Arc::default(),
            #[cfg(test)]
            crash: Arc::default(),
            #[cfg(test)]
            dir: dir.to_path_buf(),
            db,
        };
        store.check_schema(dir)?;
        if store.meta.get(META_MENTIONS_IN_DATE)?.is_none() {
            store.migrate_mentions()?;
        }
        if store.meta.get(META_TAGS_KEYED)?.is_none() {
            store.rekey_tags()?;
        }
        if store.articles.is_empty() && store.meta.get(META_GARBAGE_MEASURED)?.is_none() {
            // Counted from the first write on.
            store.meta.insert(META_GARBAGE_MEASURED, &[1u8])?;
        }
        store.recover_pending()?;
        // Best effort: lets a second process name the PID holding the lock.
        let _ = std::fs::write(dir.join(PID_FILE), std::process::id().to_string());
        Ok(store)
    }

    fn check_schema(&self, dir: &Path) -> Result<(), StoreError> {
        match self.meta.get(META_SCHEMA)? {
            None => {
                self.meta
                    .insert(META_SCHEMA, &SCHEMA_VERSION.to_be_bytes())?;
                Ok(())
            }
            Some(v) => {
                let found = keys::read_u32(&v).unwrap_or(0);
                if found == SCHEMA_VERSION {
                    Ok(())
                } else if (OLDEST_SCHEMA..SCHEMA_VERSION).contains(&found) {
                    // Readable as it is; from now on new values go to the body log.
                    self.meta
                        .insert(META_SCHEMA, &SCHEMA_VERSION.to_be_bytes())?;
                    Ok(())
                } else {
                    Err(StoreError::SchemaMismatch {
                        path: dir.to_path_buf(),
                        found,
                        expected: SCHEMA_VERSION,
                    })
                }
            }
        }
    }

    /// Moves the `mentions:` entries of `by_region` (one per article and Land mentioned, the
    /// most numerous index entries; sled stores each at a few hundred bytes) into the `by_date`
    /// values. One pass over those entries, once per store, a Land at a time; ORs into the
    /// values, so an interrupted run is simply repeated at the next open.
    fn migrate_mentions(&self) -> Result<(), StoreError> {
        let mut moved = 0u64;
        for (bit, land) in Land::ALL.iter().enumerate() {
            let prefix = keys::prefix(&format!("{OLD_MENTIONS}{}", land.code()));
            let mut dates = sled::Batch::default();
            let mut removals = sled::Batch::default();
            for key in self.by_region.scan_prefix(&prefix).keys() {
                let key = key?;
                if let Some(date_key) = key.get(key.len().saturating_sub(16)..)
                    && let Some(value) = self.by_date.get(date_key)?
                {
                    let mask = read_mask(&value) | (1 << bit);
                    dates.insert(date_key, &mask.to_be_bytes());
                }
                removals.remove(key);
                moved += 1;
            }
            self.by_date.apply_batch(dates)?;
            self.by_region.apply_batch(removals)?;
        }
        self.meta.insert(META_MENTIONS_IN_DATE, &[1u8])?;
        if moved > 0 {
            tracing::info!(
                entries = moved,
                "store: Länder mentioned moved into the date index"
            );
        }
        Ok(())
    }
}

/// `by_tag` entries re-keyed per batch, so that a big store's migration holds a bounded batch.
const REKEY_BATCH: usize = 10_000;
/// Bytes after the name in a `by_tag` key: the 0 separator, the time, the id.
const NAMED_KEY_TAIL: usize = 17;

impl Store {
    /// Re-keys the `by_tag` entries written under the older tag key (lowercase, spaces kept:
    /// `künstliche intelligenz`) to the one tag rule (`kuenstliche-intelligenz`), so that one tag
    /// page lists every spelling. Works on the keys alone: the key of an old key is the key of
    /// the tag it came from. Idempotent, in bounded batches, so an interrupted run is simply
    /// repeated at the next open.
    fn rekey_tags(&self) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        let mut pending = 0usize;
        let mut moved = 0u64;
        for key in self.by_tag.iter().keys() {
            let key = key?;
            let Some(split) = key.len().checked_sub(NAMED_KEY_TAIL) else {
                continue;
            };
            let (name, tail) = key.split_at(split);
            let new_name = keys::tag_key(&String::from_utf8_lossy(name));
            if new_name.as_bytes() == name {
                continue;
            }
            batch.remove(key.clone());
            if !new_name.is_empty() {
                let mut new_key = keys::prefix(&new_name);
                new_key.extend_from_slice(tail.get(1..).unwrap_or_default());
                batch.insert(new_key, &[] as &[u8]);
            }
            moved += 1;
            pending += 1;
            if pending >= REKEY_BATCH {
                self.by_tag.apply_batch(std::mem::take(&mut batch))?;
                pending = 0;
            }
        }
        self.by_tag.apply_batch(batch)?;
        self.meta.insert(META_TAGS_KEYED, &[1u8])?;
        if moved > 0 {
            tracing::info!(
                entries = moved,
                "store: tag index re-keyed to the one tag rule"
            );
        }
        Ok(())
    }
}

/// Opens sled, retrying for up to a second while the lock is busy: sled releases its file lock
/// a moment after the last handle is dropped, so an immediate reopen can see it still held.
fn open_db(dir: &Path) -> Result<sled::Db, StoreError> {
    let mut tries = 0;
    loop {
        let opened = sled::Config::new()
            .path(dir)
            .cache_capacity(CACHE_BYTES)
            .mode(sled::Mode::LowSpace)
            .open();
        match opened.map_err(|e| lock_error(dir, e)) {
            Err(StoreError::InUse { .. }) if tries < 10 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            other => return other,
        }
    }
}

fn lock_error(dir: &Path, e: sled::Error) -> StoreError {
    let locked = matches!(&e, sled::Error::Io(io) if io.kind() == std::io::ErrorKind::WouldBlock)
        || e.to_string().contains("lock");
    if !locked {
        return StoreError::Sled(e);
    }
    let pid = std::fs::read_to_string(dir.join(PID_FILE))
        .ok()
        .map(|p| format!(" (PID {})", p.trim()))
        .unwrap_or_default();
    StoreError::InUse {
        path: dir.to_path_buf(),
        pid,
    }
}
