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
//!   last flush)
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
            db,
        };
        store.check_schema(dir)?;
        if store.meta.get(META_MENTIONS_IN_DATE)?.is_none() {
            store.migrate_mentions()?;
        }
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
            Err(e) => Err(e),
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
        Ok(())
    }

    /// Reclaims the space edits leave in the body log: every closed segment of which at least
    /// `min_garbage` (0.0–1.0) is superseded records has its live records copied to the active
    /// segment and repointed (each in its own small transaction, skipped if the article was
    /// rewritten meanwhile), then the store is flushed and the segment deleted. Safe beside
    /// readers and writers; a crash before the deletion leaves only garbage. Reads every
    /// closed segment: a maintenance step (after a re-tag, or from `govwire check-store`), not
    /// something to run per write.
    pub fn compact_bodies(&self, min_garbage: f64) -> Result<Compaction, StoreError> {
        let mut report = Compaction::default();
        for (segment, len) in self.bodies.closed_segments()? {
            let (records, damaged) = self.bodies.records(segment)?;
            if damaged {
                // The scan stopped at a damaged record: records after it are invisible here but
                // may still be read by their pointers, so the segment must not be deleted.
                report.damaged += 1;
                continue;
            }
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
            let live_bytes: u64 = live.iter().map(|(_, p)| bodies::record_bytes(*p)).sum();
            if len > 0 && (len.saturating_sub(live_bytes) as f64) < min_garbage * len as f64 {
                continue;
            }
            for (id, old) in live {
                let payload = self.bodies.read(id, old)?;
                let new = self.bodies.append(id, &payload)?;
                let key = id.to_be_bytes();
                let repointed = self.articles.transaction(|t| {
                    if t.get(key)?.as_deref() == Some(&old.to_bytes()[..]) {
                        t.insert(&key, &new.to_bytes())?;
                    }
                    Ok::<_, ConflictableTransactionError<StoreError>>(())
                });
                unwrap_tx(repointed)?;
                report.moved += 1;
            }
            // The new pointers must be durable before the records they replace go.
            self.flush()?;
            self.bodies.delete_segment(segment)?;
            report.segments += 1;
            report.freed_bytes += len;
        }
        Ok(report)
    }

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
                Err(_) => {
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
