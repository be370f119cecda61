//! Reading articles: by id, URL or listing link, the newest-first listings and their pages,
//! iteration, time windows, and the state and crawl health reads.

use std::sync::atomic::Ordering;

use sled::Tree;

use super::bodies::{self, BodyError, Pointer};
use super::codec;
use super::keys::{self, land_bit, read_mask, tag_key};
use super::{META_COUNT, Page, Region, Store, StoreError};
use crate::model::{Article, ArticleId, Land, SourceHealth};

impl Store {
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
    pub(super) fn decode_value(&self, id: ArticleId, value: &[u8]) -> Result<Article, StoreError> {
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

    /// The persisted crawl state of `source_id`.
    pub fn health(&self, source_id: &str) -> Result<Option<SourceHealth>, StoreError> {
        match self.health.get(source_id.as_bytes())? {
            Some(bytes) => Ok(Some(decode_plain(&bytes, source_id)?)),
            None => Ok(None),
        }
    }
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
