//! The sled store: the source of truth for articles, their index entries and per-source state.
//!
//! This is the only module that touches sled. It owns the tree layout ([`keys`]), the value
//! encoding (JSON, so that a stored article stays readable across schema additions; articles
//! deflated, see [`codec`]), the schema version check at open, and the transactions that keep
//! an article and its index entries consistent. It must never fetch, extract or render anything.
//!
//! Layout (one fixed tree each, never a tree per source):
//! - `articles`: article id (8 bytes BE) → deflated JSON [`Article`]
//! - `by_date`: time + id → `()`; `by_source` / `by_keyword` / `by_tag` / `by_region`: name, 0,
//!   time, id → `()` (`by_region` names: `from:BY`, `mentions:BY`, `level:bund`)
//! - `by_cluster`: cluster id, time, id → `()`; `sigs`: id → cluster id + signature bytes
//! - `health`: source id → JSON [`SourceHealth`]
//! - `meta`: `schema_version`, `article_count`
//! - `state`: free-form bookkeeping of other modules (digest sent, watchlist fingerprint)

mod codec;
mod keys;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use sled::{Transactional, Tree};

use crate::model::{Article, ArticleId, Land, Level, SourceHealth};

pub use keys::tag_key;

/// The schema version this build writes and understands.
pub const SCHEMA_VERSION: u32 = 1;

const META_SCHEMA: &[u8] = b"schema_version";
const META_COUNT: &[u8] = b"article_count";
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
}

impl Integrity {
    /// True when nothing is wrong.
    pub fn is_ok(&self) -> bool {
        self.dangling == 0 && self.unindexed == 0 && self.misfiled == 0
    }
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
    /// Bumped after every committed article write; see [`Store::generation`].
    generation: Arc<AtomicU64>,
}

type TxResult<T> = Result<T, ConflictableTransactionError<StoreError>>;

impl Store {
    /// Opens (or creates) the store in `dir`, checking the schema version.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let db = open_db(dir)?;
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
            meta: db.open_tree("meta")?,
            state: db.open_tree("state")?,
            generation: Arc::new(AtomicU64::new(0)),
            db,
        };
        store.check_schema(dir)?;
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
                if let Some(link) = link
                    && links.get(link.as_bytes())?.as_deref() != Some(&id_key[..])
                {
                    links.insert(link.as_bytes(), &id_key)?;
                }
                let old = match arts.get(id_key)? {
                    Some(bytes) => Some(
                        decode_article(&bytes, &article.id.to_string())
                            .map_err(ConflictableTransactionError::Abort)?,
                    ),
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
                arts.insert(
                    &id_key,
                    codec::encode(&new)
                        .map_err(|e| ConflictableTransactionError::Abort(StoreError::Encode(e)))?,
                )?;
                if old.is_some() {
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
        match self.articles.get(id.0.to_be_bytes())? {
            Some(bytes) => Ok(Some(decode_article(&bytes, &id.to_string())?)),
            None => Ok(None),
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
        self.page(&self.by_region, &keys::prefix(&region.key()), offset, limit)
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
        Ok(())
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
        let mut items = Vec::with_capacity(limit.min(256));
        let mut has_more = false;
        for entry in tree.scan_prefix(prefix).keys().rev().skip(offset) {
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
            let id = keys::read_u64(&k).map_or_else(
                || String::from_utf8_lossy(&k).into_owned(),
                |id| ArticleId(id).to_string(),
            );
            decode_article(&v, &id)
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

    /// Flushes everything to disk (blocking).
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }

    /// Flushes everything to disk without blocking the runtime.
    pub async fn flush_async(&self) -> Result<(), StoreError> {
        self.db.flush_async().await?;
        Ok(())
    }

    /// Checks that every index entry points to a stored article that still matches it, and
    /// every article is indexed by date. Reads everything: for tests and `govwire check-store`.
    pub fn check(&self) -> Result<Integrity, StoreError> {
        let mut report = Integrity::default();
        let mut expected = std::collections::HashSet::new();
        for article in self.iter_articles() {
            let article = article?;
            report.articles += 1;
            if ArticleId::from_url(&article.url) != article.id {
                report.misfiled += 1;
            }
            for (tree, key) in index_keys(&article) {
                expected.insert((tree, key));
            }
            if !self.by_date.contains_key(keys::date_key(&article))? {
                report.unindexed += 1;
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
        Ok(report)
    }
}

/// Index entries of an article as (tree number, key): 0 date, 1 source, 2 keyword, 3 tag,
/// 4 region (source Land, Länder mentioned, level), 5 cluster.
fn index_keys(a: &Article) -> Vec<(usize, Vec<u8>)> {
    let mut out = Vec::with_capacity(5 + a.keywords.len() + a.tags.len() + a.lands_mentioned.len());
    out.push((4, keys::named_key(&Region::Level(a.level).key(), a)));
    if let Some(land) = a.land {
        out.push((4, keys::named_key(&Region::From(land).key(), a)));
    }
    for land in &a.lands_mentioned {
        out.push((4, keys::named_key(&Region::Mentions(*land).key(), a)));
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
