//! The sled store: the source of truth for articles, their index entries and per-source state.
//!
//! This is the only module that touches sled. It owns the tree layout ([`keys`]), the value
//! encoding (JSON, so that a stored article stays readable across schema additions; articles
//! deflated, see [`codec`]), the schema version check at open, and the transactions that keep
//! an article and its index entries consistent. It must never fetch, extract or render anything.
//!
//! Layout (one fixed tree each, never a tree per source):
//! - `articles`: article id (8 bytes BE) → pointer into the body log ([`bodies`]: segment
//!   files of deflated JSON [`Article`]s beside sled); stores written before the body log keep
//!   deflated or plain JSON values here, which still read
//! - `by_date`: time + id → the Länder the article mentions (16-bit mask, in [`Land::ALL`]
//!   order, empty for none), which the `mentions:` listings filter on; `by_source` /
//!   `by_keyword` / `by_tag` / `by_region`: name, 0, time, id → `()` (`by_region` names:
//!   `from:BY`, `level:bund`; stores written before the mask also had `mentions:BY` entries,
//!   moved into the mask at open)
//! - `by_cluster`: cluster id, time, id → `()`; `sigs`: id → cluster id + signature bytes, kept
//!   for the newest [`SIGNATURES_KEPT`] articles only
//! - `health`: source id → JSON [`SourceHealth`]
//! - `meta`: `schema_version`, `article_count`, `bodies_end` (where the body log ended at the
//!   last flush); `garbage\0` + segment → superseded bytes of that body log segment (an
//!   estimate kept by every write, corrected by each exact measurement; see
//!   [`CompactionPolicy`]); `pending\0` + segment + offset → pointer, id, source and URL of
//!   an article written since the last body log sync; `damaged\0` + id → source and URL of an article whose
//!   record was found missing or damaged (see [`Store::damaged`])
//! - `state`: free-form bookkeeping of other modules (digest sent, watchlist fingerprint)

mod bodies;
mod codec;
mod keys;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bodies::{BodyLog, Pointer};

use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use sled::{Transactional, Tree};

use crate::model::{Article, ArticleId, Land, Level, SourceHealth};

pub use bodies::BodyError;
pub use keys::tag_key;

/// The schema version this build writes. Version 2 keeps article values in the body log; a
/// version-1 store (values inside sled) opens and is marked version 2 when opened, so that an
/// older govwire refuses it instead of misreading its pointers.
pub const SCHEMA_VERSION: u32 = 2;

/// Oldest schema version this build reads.
const OLDEST_SCHEMA: u32 = 1;

/// Story signatures are kept for this many of the newest articles (by publication, else
/// first-seen time): twice the story index's window (`enrich::DEFAULT_WINDOW`, the newest
/// articles `crawl` compares a new one with), so a restart always finds the window's
/// signatures. Older ones are deleted every [`PRUNE_EVERY`] signature writes; an edited older
/// article keeps the cluster stored in the article itself.
pub const SIGNATURES_KEPT: usize = 20_000;

/// Signature writes between two prunes of the `sigs` tree: a prune walks every date key, so
/// its cost per article is the store's size divided by this.
const PRUNE_EVERY: u64 = 5_000;

const META_SCHEMA: &[u8] = b"schema_version";
const META_COUNT: &[u8] = b"article_count";
const META_BODIES_END: &[u8] = b"bodies_end";
/// Present once the `mentions:` entries of `by_region` live in the `by_date` values.
const META_MENTIONS_IN_DATE: &[u8] = b"mentions_in_by_date";
/// The name prefix of the `by_region` entries of stores written before the mask.
const OLD_MENTIONS: &str = "mentions:";
const PID_FILE: &str = "owner.pid";
/// Prefix of the per-segment superseded-bytes counters in `meta`.
const META_GARBAGE: &[u8] = b"garbage\0";
/// Present once every segment's counter was measured (new stores, or after the first automatic
/// compaction pass over a store written before the counters).
const META_GARBAGE_MEASURED: &[u8] = b"garbage_measured";
/// Prefix of the entries of articles written since the last body log sync.
const META_PENDING: &[u8] = b"pending\0";
/// Prefix of the entries of articles whose body log record is known to be lost.
const META_DAMAGED: &[u8] = b"damaged\0";

/// Live records moved per batch in a compaction: the batch is appended, synced once, then
/// repointed, so one batch is the most a crash or a stop request can leave half done (as
/// garbage) and a reader or writer never waits for more than one record's append or repoint.
const COMPACT_BATCH: usize = 512;

/// sled's page cache. Listings read the newest articles, which stay cached; sled's own
/// bookkeeping grows beside it with the store, so a bigger cache mostly costs resident memory
/// (the crawler's peak RSS target is 300 MB at 100,000 articles).
const CACHE_BYTES: u64 = 32 << 20;

/// What went wrong in the store; each variant says what a user can do about it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process holds sled's lock on the folder.
    #[error(
        "data folder {path} is in use by another govwire process{pid}; stop it or choose another data_dir"
    )]
    InUse {
        /// The store folder.
        path: PathBuf,
        /// `" (PID n)"` when known.
        pid: String,
    },
    /// The folder was written by a different schema version.
    #[error(
        "data folder {path} has schema version {found}, this govwire understands {expected}; move it aside and re-crawl"
    )]
    SchemaMismatch {
        /// The store folder.
        path: PathBuf,
        /// Version found on disk.
        found: u32,
        /// Version this build writes.
        expected: u32,
    },
    /// sled reported an error (I/O, corruption).
    #[error("store error: {0}")]
    Sled(#[from] sled::Error),
    /// A stored value could not be decoded.
    #[error("stored value under {key} is unreadable: {source}")]
    Decode {
        /// Which key.
        key: String,
        /// The decoder's complaint.
        source: serde_json::Error,
    },
    /// A value could not be encoded.
    #[error("could not encode value: {0}")]
    Encode(#[from] serde_json::Error),
    /// The body log failed: I/O, or a record that is missing or fails its CRC.
    #[error(transparent)]
    Body(#[from] BodyError),
}

/// Result of writing one article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    /// The URL was not stored before.
    New,
    /// The article existed and its content changed.
    Updated,
    /// The article existed with the same content; nothing was written.
    Unchanged,
}

/// One page of a listing, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The articles on this page.
    pub items: Vec<Article>,
    /// True if at least one more article follows.
    pub has_more: bool,
}

/// A regional slice of the articles, for the region and level filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    /// Articles from sources located in a Land.
    From(Land),
    /// Articles whose text mentions a Land.
    Mentions(Land),
    /// Articles from sources of one administrative level.
    Level(Level),
}

impl Region {
    /// The index name (`from:BY`, `mentions:BY`, `level:bund`).
    fn key(self) -> String {
        match self {
            Region::From(l) => format!("from:{}", l.code()),
            Region::Mentions(l) => format!("mentions:{}", l.code()),
            Region::Level(l) => format!("level:{}", l.as_str()),
        }
    }
}

/// What [`Store::check`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Integrity {
    /// Articles stored.
    pub articles: u64,
    /// Index entries checked.
    pub index_entries: u64,
    /// Index entries pointing at no article, or at an article that no longer matches them.
    pub dangling: u64,
    /// Articles whose `by_date` entry is missing.
    pub unindexed: u64,
    /// Articles stored under an id that does not match their URL.
    pub misfiled: u64,
    /// Articles whose stored value cannot be read (body log record missing or failing its CRC,
    /// undecodable JSON).
    pub unreadable: u64,
    /// Intact records in the body log (live and superseded).
    pub log_records: u64,
    /// Body log segments whose records stop at a damaged one (CRC failure or a record running
    /// past the end of the file) before the end of the file.
    pub log_corrupt: u64,
    /// Bytes of the body log files.
    pub log_bytes: u64,
    /// Of those, bytes of records no article points at any more (superseded by an edit, or
    /// written by a transaction that did not commit): what a compaction would reclaim.
    pub log_garbage_bytes: u64,
}

impl Integrity {
    /// True when nothing is wrong (garbage in the body log is not wrong, only unreclaimed).
    pub fn is_ok(&self) -> bool {
        self.dangling == 0
            && self.unindexed == 0
            && self.misfiled == 0
            && self.unreadable == 0
            && self.log_corrupt == 0
    }
}

/// What [`Store::compact_bodies`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Compaction {
    /// Closed body log segments deleted.
    pub segments: u64,
    /// Live records copied into the active segment.
    pub moved: u64,
    /// Bytes of the deleted segments.
    pub freed_bytes: u64,
    /// Closed segments left alone because a damaged record hides what follows it (see
    /// [`Integrity::log_corrupt`]).
    pub damaged: u64,
}

/// When the body log is compacted automatically ([`Store::compact_auto`], run by the crawl
/// scheduler after crawls). Superseded records are counted per segment as they are superseded,
/// so deciding costs a few `meta` reads, not a scan of the log.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompactionPolicy {
    /// Nothing is done until the closed segments hold at least this many superseded bytes in
    /// total. Default 32 MiB, half a segment: reclaiming less is not worth reading and
    /// rewriting a segment beside a running crawl, and it is below 15 % of the log of a store
    /// that has closed segments at all (the log is 217 MB at 100,000 articles); about 15,000
    /// superseded records of 2.2 kB.
    pub min_total_garbage: u64,
    /// Only closed segments of which at least this share (0.0–1.0) is superseded records are
    /// rewritten. Default 0.5, as `check-store --compact`: copying the live rest then writes at
    /// most one byte per byte reclaimed.
    pub min_segment_garbage: f64,
}

impl Default for CompactionPolicy {
    fn default() -> CompactionPolicy {
        CompactionPolicy {
            min_total_garbage: 32 << 20,
            min_segment_garbage: 0.5,
        }
    }
}

/// An article whose body log record was found missing or damaged (after a power cut, or bit
/// rot), kept until the article is stored again; the crawler fetches these itself instead of
/// waiting for a listing to name them again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damaged {
    /// The article.
    pub id: ArticleId,
    /// Its source, when known.
    pub source_id: Option<String>,
    /// The URL to fetch it from (its canonical URL or the listing link), when known. A record
    /// found damaged by a reader that only had the id has none: the article is then repaired
    /// when a listing names it again.
    pub url: Option<String>,
}

/// A step of a compaction of one segment, where tests simulate a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// The segment was scanned and its live records listed.
    Scanned,
    /// A batch of live records was appended to the active segment, not yet synced.
    Copied,
    /// The copies were synced; no pointer names them yet.
    CopiesSynced,
    /// The first record of a batch was repointed.
    FirstRepointed,
    /// Every live record was repointed; the store is not flushed yet.
    Repointed,
    /// The store was flushed; the segment still exists.
    Flushed,
    /// The segment was deleted; its counter not yet removed.
    Deleted,
}

/// What a simulated crash loses (tests only).
#[cfg(test)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Crash {
    /// The process dies: sled keeps what it wrote, the log keeps everything written.
    Abort,
    /// The power fails at the worst moment: sled made everything durable (its background
    /// flusher may have), the log keeps only what was synced.
    PowerCut,
    /// The power fails and sled kept only what the last `Store::flush` made durable (its
    /// flusher had not run), the log only what was synced: the test restores sled's files
    /// from the copy `Store::flush` leaves in `GOVWIRE_TEST_SLED_SNAPSHOT`.
    SledLags,
}

/// The open store. Cheap to clone; all clones share one sled `Db`.
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    articles: Tree,
    by_date: Tree,
    by_source: Tree,
    by_keyword: Tree,
    by_tag: Tree,
    by_region: Tree,
    by_cluster: Tree,
    sigs: Tree,
    links: Tree,
    health: Tree,
    meta: Tree,
    state: Tree,
    /// Article values (see [`bodies`]).
    bodies: Arc<BodyLog>,
    /// Bumped after every committed article write; see [`Store::generation`].
    generation: Arc<AtomicU64>,
    /// Signature writes of this process, to prune `sigs` every [`PRUNE_EVERY`].
    sig_writes: Arc<AtomicU64>,
    /// Held by a running compaction: two at once would copy the same records twice.
    compacting: Arc<std::sync::Mutex<()>>,
    /// Where a test makes a compaction crash.
    #[cfg(test)]
    crash: Arc<std::sync::Mutex<Option<(Step, Crash)>>>,
    /// The store folder (tests copy sled's files from it).
    #[cfg(test)]
    dir: PathBuf,
}

type TxResult<T> = Result<T, ConflictableTransactionError<StoreError>>;

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

    /// A number that changes after every article write of this process (new, changed or
    /// re-tagged article; crawl health and bookkeeping do not count). Read it before rendering
    /// from the store: output rendered while it still has the same value is up to date, which
    /// is what the web view's response cache relies on. Only one process can open a store, so
    /// no write can happen unseen.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The article with `id`, if stored.
    pub fn get(&self, id: ArticleId) -> Result<Option<Article>, StoreError> {
        let key = id.0.to_be_bytes();
        let Some(bytes) = self.articles.get(key)? else {
            return Ok(None);
        };
        match self.decode_value(id, &bytes) {
            Ok(article) => Ok(Some(article)),
            // A compaction may have moved the record and deleted its segment meanwhile.
            Err(StoreError::Body(BodyError::Corrupt { .. }))
                if self.articles.get(key)?.is_some_and(|now| now != bytes) =>
            {
                self.get(id)
            }
            Err(e) => {
                if matches!(e, StoreError::Body(BodyError::Corrupt { .. })) {
                    self.note_damaged(id, &bytes);
                }
                Err(e)
            }
        }
    }

    /// The article an `articles` value stands for: a body log pointer, or (stores written
    /// before the body log) the deflated or plain JSON itself.
    fn decode_value(&self, id: ArticleId, value: &[u8]) -> Result<Article, StoreError> {
        if value.first() == Some(&bodies::POINTER) {
            let ptr = Pointer::from_bytes(value)
                .ok_or(StoreError::Body(BodyError::BadPointer { id: id.0 }))?;
            let payload = self.bodies.read(id.0, ptr)?;
            decode_article(&payload, &id.to_string())
        } else {
            decode_article(value, &id.to_string())
        }
    }

    /// The article stored for `canonical_url`, if any.
    pub fn get_by_url(&self, canonical_url: &str) -> Result<Option<Article>, StoreError> {
        let found = self.get(ArticleId::from_url(canonical_url))?;
        Ok(found.filter(|a| a.url == canonical_url))
    }

    /// True if an article for `canonical_url` is stored.
    pub fn contains_url(&self, canonical_url: &str) -> Result<bool, StoreError> {
        Ok(self.get_by_url(canonical_url)?.is_some())
    }

    /// The article a listing link led to on an earlier crawl, or stored under that very URL.
    pub fn get_by_link(&self, link: &str) -> Result<Option<Article>, StoreError> {
        if let Some(id) = self
            .links
            .get(link.as_bytes())?
            .and_then(|v| keys::read_u64(&v))
            && let Some(a) = self.get(ArticleId(id))?
        {
            return Ok(Some(a));
        }
        self.get_by_url(link)
    }

    /// Number of stored articles (kept as a counter; O(1)).
    pub fn count(&self) -> Result<u64, StoreError> {
        Ok(self
            .meta
            .get(META_COUNT)?
            .and_then(|v| keys::read_u64(&v))
            .unwrap_or(0))
    }

    /// Newest articles first.
    pub fn latest(&self, offset: usize, limit: usize) -> Result<Page, StoreError> {
        self.page(&self.by_date, &[], offset, limit)
    }

    /// Newest articles of one source first.
    pub fn by_source(
        &self,
        source_id: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Page, StoreError> {
        self.page(&self.by_source, &keys::prefix(source_id), offset, limit)
    }

    /// Newest articles carrying a watched keyword (canonical name) first.
    pub fn by_keyword(
        &self,
        keyword: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Page, StoreError> {
        self.page(&self.by_keyword, &keys::prefix(keyword), offset, limit)
    }

    /// How many stored articles carry the watched keyword `keyword` (counts index keys; no
    /// article is read).
    pub fn keyword_count(&self, keyword: &str) -> Result<u64, StoreError> {
        let mut n = 0;
        for key in self.by_keyword.scan_prefix(keys::prefix(keyword)).keys() {
            key?;
            n += 1;
        }
        Ok(n)
    }

    /// Newest articles carrying a site tag first (matched by [`tag_key`]).
    pub fn by_tag(&self, tag: &str, offset: usize, limit: usize) -> Result<Page, StoreError> {
        self.page(&self.by_tag, &keys::prefix(&tag_key(tag)), offset, limit)
    }

    /// Newest articles of a region or level first.
    pub fn by_region(
        &self,
        region: Region,
        offset: usize,
        limit: usize,
    ) -> Result<Page, StoreError> {
        match region {
            Region::Mentions(land) => self.mentioning(land, offset, limit),
            _ => self.page(&self.by_region, &keys::prefix(&region.key()), offset, limit),
        }
    }

    /// Newest articles mentioning `land` first: a reverse walk of `by_date` filtered on the
    /// mask in its values (no article is read until it is on the page).
    fn mentioning(&self, land: Land, offset: usize, limit: usize) -> Result<Page, StoreError> {
        let bit = land_bit(land);
        let mentioning = self.by_date.iter().rev().filter_map(|entry| match entry {
            Ok((key, value)) => (read_mask(&value) & bit != 0).then_some(Ok(key)),
            Err(e) => Some(Err(e)),
        });
        self.page_of(mentioning, offset, limit)
    }

    /// The members of story cluster `cluster`, newest first, at most `limit`.
    pub fn cluster_members(
        &self,
        cluster: ArticleId,
        limit: usize,
    ) -> Result<Vec<Article>, StoreError> {
        Ok(self
            .page(&self.by_cluster, &cluster.0.to_be_bytes(), 0, limit)?
            .items)
    }

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
    fn prune_signatures(&self, keep: usize) -> Result<u64, StoreError> {
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

    /// The ids of the `limit` newest articles (by publication, else first-seen time), newest
    /// first, without decoding any article.
    pub fn newest_ids(&self, limit: usize) -> Result<Vec<ArticleId>, StoreError> {
        let mut out = Vec::with_capacity(limit.min(1 << 16));
        for key in self.by_date.iter().keys().rev() {
            if out.len() == limit {
                break;
            }
            if let Some(id) = keys::trailing_id(&key?) {
                out.push(id);
            }
        }
        Ok(out)
    }

    fn page(
        &self,
        tree: &Tree,
        prefix: &[u8],
        offset: usize,
        limit: usize,
    ) -> Result<Page, StoreError> {
        self.page_of(tree.scan_prefix(prefix).keys().rev(), offset, limit)
    }

    /// One page of articles from index keys ending in an article id, in the order given:
    /// skips `offset` keys, reads at most `limit` articles, and says whether more follow.
    fn page_of(
        &self,
        entries: impl Iterator<Item = sled::Result<sled::IVec>>,
        offset: usize,
        limit: usize,
    ) -> Result<Page, StoreError> {
        let mut items = Vec::with_capacity(limit.min(256));
        let mut has_more = false;
        for entry in entries.skip(offset) {
            let key = entry?;
            if items.len() == limit {
                has_more = true;
                break;
            }
            let Some(id) = keys::trailing_id(&key) else {
                continue;
            };
            // An index entry without article would be a bug; skip rather than fail the page.
            if let Some(article) = self.get(id)? {
                items.push(article);
            }
        }
        Ok(Page { items, has_more })
    }

    /// Every stored article, in id order (for re-tagging and re-indexing).
    pub fn iter_articles(&self) -> impl Iterator<Item = Result<Article, StoreError>> + '_ {
        self.articles.iter().map(|entry| {
            let (k, v) = entry?;
            match keys::read_u64(&k) {
                Some(id) => self.decode_value(ArticleId(id), &v),
                None => decode_article(&v, &String::from_utf8_lossy(&k)),
            }
        })
    }

    /// Articles whose sort time (publication date, else first seen) lies in `[from, to)`,
    /// oldest first. For digests and exports of a time window.
    pub fn between(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<Article>, StoreError> {
        let mut out = Vec::new();
        let range = keys::time_prefix(from)..keys::time_prefix(to);
        for key in self.by_date.range(range).keys() {
            let key = key?;
            if let Some(id) = keys::trailing_id(&key)
                && let Some(article) = self.get(id)?
            {
                out.push(article);
            }
        }
        Ok(out)
    }

    /// A small piece of bookkeeping state (for example "digest sent for 2026-11-29"), kept in
    /// the store so that it survives restarts. Keys are namespaced by the caller.
    pub fn state(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.state.get(key.as_bytes())?.map(|v| v.to_vec()))
    }

    /// Sets a bookkeeping value (see [`Store::state`]); durable once the store is flushed.
    pub fn set_state(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.state.insert(key.as_bytes(), value)?;
        Ok(())
    }

    /// The persisted crawl state of `source_id`.
    pub fn health(&self, source_id: &str) -> Result<Option<SourceHealth>, StoreError> {
        match self.health.get(source_id.as_bytes())? {
            Some(bytes) => Ok(Some(decode_plain(&bytes, source_id)?)),
            None => Ok(None),
        }
    }

    /// Replaces the persisted crawl state of `source_id`.
    pub fn put_health(&self, source_id: &str, health: &SourceHealth) -> Result<(), StoreError> {
        self.health
            .insert(source_id.as_bytes(), serde_json::to_vec(health)?)?;
        Ok(())
    }

    /// Flushes everything to disk (blocking): the body log first, then sled, so that no
    /// durable pointer names a record that is not.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.sync_bodies()?;
        self.db.flush()?;
        #[cfg(test)]
        if let Some(to) = std::env::var_os("GOVWIRE_TEST_SLED_SNAPSHOT") {
            tests::copy_sled_files(&self.dir, std::path::Path::new(&to));
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
    fn recover_pending(&self) -> Result<(), StoreError> {
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
    fn note_damaged(&self, id: ArticleId, value: &[u8]) {
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

    /// Starts a new body log segment once the active one holds `bytes` (default 64 MiB), for
    /// this process only. For tests and benchmarks that need closed segments, and so
    /// compaction, without writing 64 MiB per segment.
    pub fn set_log_segment_bytes(&self, bytes: u64) {
        self.bodies.set_segment_bytes(bytes);
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

    /// Reclaims the space edits leave in the body log: every closed segment of which at least
    /// `min_garbage` (0.0–1.0) is superseded records is rewritten by [`Store::compact_segment`].
    /// Reads every closed segment: a maintenance step (after a re-tag, or from `govwire
    /// check-store`); a running server uses [`Store::compact_auto`]. Waits for a compaction
    /// already running.
    pub fn compact_bodies(&self, min_garbage: f64) -> Result<Compaction, StoreError> {
        let _one = self.compacting.lock().unwrap_or_else(|p| p.into_inner());
        let mut report = Compaction::default();
        for (segment, len) in self.bodies.closed_segments()? {
            self.compact_segment(segment, len, min_garbage, &|| false, &mut report)?;
        }
        Ok(report)
    }

    /// The automatic compaction: when the closed segments hold at least
    /// [`CompactionPolicy::min_total_garbage`] superseded bytes (by the counters every write
    /// keeps), rewrites the segments that are at least
    /// [`CompactionPolicy::min_segment_garbage`] superseded, most garbage first, one at a time,
    /// until the total is below the threshold or `stop` returns true (checked between batches
    /// of [`COMPACT_BATCH`] records). Returns at once, doing nothing, while another compaction
    /// runs. A store written before the counters existed is measured once first (one read of
    /// the log). Blocking: run it on a blocking thread.
    pub fn compact_auto(
        &self,
        policy: &CompactionPolicy,
        stop: &dyn Fn() -> bool,
    ) -> Result<Compaction, StoreError> {
        let mut report = Compaction::default();
        let _one = match self.compacting.try_lock() {
            Ok(guard) => guard,
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => return Ok(report),
        };
        if self.meta.get(META_GARBAGE_MEASURED)?.is_none() {
            self.measure_garbage(stop)?;
        }
        while !stop() {
            let Some((segment, len)) = self.due_segment(policy)? else {
                break;
            };
            self.compact_segment(segment, len, policy.min_segment_garbage, stop, &mut report)?;
        }
        Ok(report)
    }

    /// The superseded bytes counted for each body log segment, oldest first (an estimate: see
    /// [`CompactionPolicy`]; `govwire check-store` measures exactly).
    pub fn log_garbage(&self) -> Result<Vec<(u32, u64)>, StoreError> {
        let mut out = Vec::new();
        for entry in self.meta.scan_prefix(META_GARBAGE) {
            let (key, value) = entry?;
            if let (Some(seg), Some(bytes)) = (
                key.get(META_GARBAGE.len()..).and_then(keys::read_u32),
                keys::read_u64(&value),
            ) {
                out.push((seg, bytes));
            }
        }
        Ok(out)
    }

    /// The closed segment to compact next under `policy`, if the total is over its threshold.
    fn due_segment(&self, policy: &CompactionPolicy) -> Result<Option<(u32, u64)>, StoreError> {
        let counted: std::collections::HashMap<u32, u64> =
            self.log_garbage()?.into_iter().collect();
        let closed = self.bodies.closed_segments()?;
        let total: u64 = closed
            .iter()
            .map(|(seg, _)| counted.get(seg).copied().unwrap_or(0))
            .sum();
        if total < policy.min_total_garbage {
            return Ok(None);
        }
        Ok(closed
            .into_iter()
            .map(|(seg, len)| (seg, len, counted.get(&seg).copied().unwrap_or(0)))
            .filter(|(_, len, garbage)| {
                *garbage > 0 && *garbage as f64 >= policy.min_segment_garbage * *len as f64
            })
            .max_by_key(|(_, _, garbage)| *garbage)
            .map(|(seg, len, _)| (seg, len)))
    }

    /// Sets every segment's counter to its measured value (stores written before the
    /// counters), then marks the store as measured. A write meanwhile adds to the counter as
    /// usual; the measurement replaces only what was counted before it.
    fn measure_garbage(&self, stop: &dyn Fn() -> bool) -> Result<(), StoreError> {
        let mut segments: Vec<u32> = self.bodies.closed_segments()?.iter().map(|s| s.0).collect();
        segments.push(self.bodies.sync()?.0);
        for segment in segments {
            if stop() {
                return Ok(());
            }
            let before = self.counted_garbage(segment)?;
            let usage = self.segment_usage(segment)?;
            let measured = usage.len.saturating_sub(usage.live_bytes);
            self.meta
                .update_and_fetch(meta_key_u32(META_GARBAGE, segment), |v| {
                    let now = v.and_then(keys::read_u64).unwrap_or(0);
                    let value = measured + now.saturating_sub(before);
                    Some(value.to_be_bytes().to_vec())
                })?;
        }
        self.meta.insert(META_GARBAGE_MEASURED, &[1u8])?;
        Ok(())
    }

    fn counted_garbage(&self, segment: u32) -> Result<u64, StoreError> {
        Ok(self
            .meta
            .get(meta_key_u32(META_GARBAGE, segment))?
            .and_then(|v| keys::read_u64(&v))
            .unwrap_or(0))
    }

    /// The intact records of `segment` that an article still points at.
    fn segment_usage(&self, segment: u32) -> Result<SegmentUsage, StoreError> {
        let bodies::Records {
            records,
            damaged,
            len,
        } = self.bodies.records(segment)?;
        let live: Vec<(u64, Pointer)> = records
            .into_iter()
            .filter(|(id, ptr)| {
                self.articles
                    .get(id.to_be_bytes())
                    .ok()
                    .flatten()
                    .is_some_and(|v| *v == ptr.to_bytes())
            })
            .collect();
        let live_bytes = live.iter().map(|(_, p)| bodies::record_bytes(*p)).sum();
        Ok(SegmentUsage {
            live,
            live_bytes,
            len,
            damaged,
        })
    }

    /// Rewrites one closed segment if at least `min_garbage` of it is superseded: its live
    /// records are copied to the active segment in batches, each batch synced before any
    /// pointer names it and then repointed (each in its own small transaction, skipped if the
    /// article was rewritten meanwhile); then the store is flushed and the segment deleted.
    /// Otherwise its counter is set to the measured garbage.
    ///
    /// Safe beside readers (a reader that lost the race reads the new pointer) and writers.
    /// A crash at any point leaves every durable pointer naming a durable record: the old
    /// segment stays until the new pointers are flushed, and the copies are synced before
    /// they are pointed at; what a crash leaves is garbage, reclaimed by a later compaction.
    /// `stop` returning true between batches ends the work early the same way.
    fn compact_segment(
        &self,
        segment: u32,
        len: u64,
        min_garbage: f64,
        stop: &dyn Fn() -> bool,
        report: &mut Compaction,
    ) -> Result<(), StoreError> {
        let usage = self.segment_usage(segment)?;
        self.crash_point(Step::Scanned);
        if usage.damaged {
            // The scan stopped at a damaged record: records after it are invisible here but
            // may still be read by their pointers, so the segment must not be deleted.
            report.damaged += 1;
            self.meta.remove(meta_key_u32(META_GARBAGE, segment))?;
            return Ok(());
        }
        let garbage = usage.len.max(len).saturating_sub(usage.live_bytes);
        if len > 0 && (garbage as f64) < min_garbage * len as f64 {
            self.meta
                .insert(meta_key_u32(META_GARBAGE, segment), &garbage.to_be_bytes())?;
            return Ok(());
        }
        for batch in usage.live.chunks(COMPACT_BATCH) {
            if stop() {
                self.flush()?;
                return Ok(());
            }
            let mut copies = Vec::with_capacity(batch.len());
            for &(id, old) in batch {
                let payload = self.bodies.read(id, old)?;
                copies.push((id, old, self.bodies.append(id, &payload)?));
            }
            self.crash_point(Step::Copied);
            // A pointer may become durable before the next flush (sled flushes by itself), so
            // what it names must be durable first.
            self.bodies.sync()?;
            self.crash_point(Step::CopiesSynced);
            for (i, (id, old, new)) in copies.into_iter().enumerate() {
                let key = id.to_be_bytes();
                let repointed = self.articles.transaction(|t| {
                    if t.get(key)?.as_deref() == Some(&old.to_bytes()[..]) {
                        t.insert(&key, &new.to_bytes())?;
                    }
                    Ok::<_, ConflictableTransactionError<StoreError>>(())
                });
                unwrap_tx(repointed)?;
                report.moved += 1;
                if i == 0 {
                    self.crash_point(Step::FirstRepointed);
                }
            }
        }
        if !usage.live.is_empty() {
            self.crash_point(Step::Repointed);
        }
        // The new pointers must be durable before the records they replace go.
        self.flush()?;
        if !usage.live.is_empty() {
            self.crash_point(Step::Flushed);
        }
        self.bodies.delete_segment(segment)?;
        if !usage.live.is_empty() {
            self.crash_point(Step::Deleted);
        }
        self.meta.remove(meta_key_u32(META_GARBAGE, segment))?;
        report.segments += 1;
        report.freed_bytes += len;
        Ok(())
    }

    /// Makes the next compaction crash at `step` (tests only; see [`Crash`]).
    #[cfg(test)]
    fn crash_at(&self, step: Step, how: Crash) {
        *self.crash.lock().unwrap_or_else(|p| p.into_inner()) = Some((step, how));
    }

    #[cfg(test)]
    fn crash_point(&self, step: Step) {
        let armed = *self.crash.lock().unwrap_or_else(|p| p.into_inner());
        match armed {
            Some((at, how)) if at == step => {
                if how == Crash::PowerCut {
                    let _ = self.db.flush();
                }
                let _ = self.bodies.cut_to_synced();
                std::process::abort();
            }
            _ => {}
        }
    }

    #[cfg(not(test))]
    fn crash_point(&self, _step: Step) {}

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

/// Index entries of an article as (tree number, key): 0 date, 1 source, 2 keyword, 3 tag,
/// 4 region (source Land, level), 5 cluster. The Länder mentioned are the `by_date` value
/// ([`mask_value`]).
fn index_keys(a: &Article) -> Vec<(usize, Vec<u8>)> {
    let mut out = Vec::with_capacity(5 + a.keywords.len() + a.tags.len());
    out.push((4, keys::named_key(&Region::Level(a.level).key(), a)));
    if let Some(land) = a.land {
        out.push((4, keys::named_key(&Region::From(land).key(), a)));
    }
    if let Some(cluster) = a.cluster {
        out.push((5, keys::cluster_key(cluster, a)));
    }
    out.push((0, keys::date_key(a)));
    out.push((1, keys::named_key(&a.source_id, a)));
    for k in &a.keywords {
        out.push((2, keys::named_key(k, a)));
    }
    for t in &a.tags {
        out.push((3, keys::named_key(&tag_key(t), a)));
    }
    out.sort();
    out.dedup();
    out
}

/// The bit of `land` in a mentions mask.
fn land_bit(land: Land) -> u16 {
    let i = Land::ALL.iter().position(|l| *l == land).unwrap_or(0);
    1 << i
}

/// The Länder `a` mentions as a mask.
fn mask(a: &Article) -> u16 {
    a.lands_mentioned.iter().fold(0, |m, l| m | land_bit(*l))
}

/// The `by_date` value of `a`: its mask, or nothing when it mentions no Land.
fn mask_value(a: &Article) -> Vec<u8> {
    match mask(a) {
        0 => Vec::new(),
        m => m.to_be_bytes().to_vec(),
    }
}

/// Reads a `by_date` value (empty: no Land).
fn read_mask(v: &[u8]) -> u16 {
    match v {
        [a, b] => u16::from_be_bytes([*a, *b]),
        _ => 0,
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

fn decode_article(bytes: &[u8], key: &str) -> Result<Article, StoreError> {
    codec::decode(bytes).map_err(|source| StoreError::Decode {
        key: key.to_string(),
        source,
    })
}

fn decode_plain<T: serde::de::DeserializeOwned>(bytes: &[u8], key: &str) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|source| StoreError::Decode {
        key: key.to_string(),
        source,
    })
}

/// What [`Store::segment_usage`] found.
struct SegmentUsage {
    /// Intact records still pointed at, as (id, pointer).
    live: Vec<(u64, Pointer)>,
    /// Their bytes.
    live_bytes: u64,
    /// The segment's length.
    len: u64,
    /// A damaged record stopped the scan before the end.
    damaged: bool,
}

/// A `meta` key: `prefix` then an id.
fn meta_key(prefix: &[u8], id: u64) -> Vec<u8> {
    let mut k = prefix.to_vec();
    k.extend_from_slice(&id.to_be_bytes());
    k
}

/// The `meta` key of the pending entry of the record at `ptr`: its segment and offset, so
/// that the entries a sync made unnecessary form one key range.
fn pending_key(ptr: Pointer) -> Vec<u8> {
    let mut k = META_PENDING.to_vec();
    k.extend_from_slice(&ptr.to_bytes()[1..9]);
    k
}

/// A `meta` key: `prefix` then a segment number.
fn meta_key_u32(prefix: &[u8], n: u32) -> Vec<u8> {
    let mut k = prefix.to_vec();
    k.extend_from_slice(&n.to_be_bytes());
    k
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

/// Source id and URL as one value: `source`, 0, `url` (source ids never hold a 0 byte).
fn where_from(source: &str, url: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(source.len() + 1 + url.len());
    v.extend_from_slice(source.as_bytes());
    v.push(0);
    v.extend_from_slice(url.as_bytes());
    v
}

/// Reads [`where_from`]; empty parts are `None`.
fn split_where_from(v: &[u8]) -> (Option<String>, Option<String>) {
    let (source, url) = match v.iter().position(|b| *b == 0) {
        Some(i) => (&v[..i], &v[i + 1..]),
        None => (&[][..], v),
    };
    let part = |b: &[u8]| (!b.is_empty()).then(|| String::from_utf8_lossy(b).into_owned());
    (part(source), part(url))
}

fn unwrap_tx<T>(r: Result<T, TransactionError<StoreError>>) -> Result<T, StoreError> {
    match r {
        Ok(v) => Ok(v),
        Err(TransactionError::Abort(e)) => Err(e),
        Err(TransactionError::Storage(e)) => Err(StoreError::Sled(e)),
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

#[cfg(test)]
mod tests;
