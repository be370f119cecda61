//! Near-duplicate clustering: the same press release reprinted by several sources ends up in one
//! story cluster.
//!
//! A [`Signature`] is a MinHash sketch (128 values) of the set of 3-word shingles of the folded
//! title and text (URLs and e-mail addresses skipped). It is computed as one-permutation MinHash:
//! each shingle hash picks one of 128 bins by its top 7 bits and competes for that bin's minimum
//! with its low 32 bits; empty bins are then filled by optimal densification (each empty bin copies
//! the bin found by a fixed, per-bin probe sequence), which keeps two signatures' agreement rate an
//! estimate of Jaccard similarity at O(shingles) cost instead of O(shingles × 128). [`ClusterIndex`] finds candidates with LSH
//! banding (42 bands × 3 rows, candidate probability ≈ 1 − (1 − J³)⁴²) and confirms them with the
//! estimated Jaccard similarity against [`DEFAULT_THRESHOLD`]. Everything is deterministic: fixed
//! seeds, no `RandomState`, so persisted signatures stay comparable across runs and machines.
//! This module must never do I/O, read a clock or panic on any input; changing the shingle size,
//! seeds or hash functions invalidates stored signatures (bump [`SIGNATURE_VERSION`]).

use serde::{Deserialize, Serialize};

use super::hash::{FxMap, hash_bytes, mix64};
use super::tokens::Parts;

/// Number of MinHash values in a signature.
pub const SIGNATURE_LEN: usize = 128;

/// Version of the signature scheme; stored signatures of another version must be recomputed.
pub const SIGNATURE_VERSION: u32 = 1;

/// Estimated Jaccard similarity at or above which an article joins a cluster.
pub const DEFAULT_THRESHOLD: f64 = 0.3;

/// Words per shingle.
const SHINGLE: usize = 3;

/// Signature values per LSH band.
const ROWS: usize = 3;

/// LSH bands (uses the first `BANDS * ROWS` values).
const BANDS: usize = 42;

/// Default number of most recent articles a new article is compared with (see
/// [`ClusterIndex::with_window`]).
pub const DEFAULT_WINDOW: usize = 10_000;

/// Most bucket entries inspected per band, newest first (bounds the cost of huge buckets).
const MAX_BUCKET_WALK: usize = 256;

/// Largest window (in members, twice the window) whose buffers are reserved up front.
const MAX_RESERVED_MEMBERS: usize = 1 << 18;

/// End of a bucket's linked list.
const NONE: u32 = u32::MAX;

/// Seed of the band keys and densification probes.
const SEED: u64 = 0x676f_7677_6972_6531; // "govwire1"

/// Bits of a shingle hash that choose its bin (`2^BIN_BITS == SIGNATURE_LEN`).
const BIN_BITS: u32 = 7;

/// Probes tried per empty bin before falling back to the next non-empty bin in order.
const MAX_PROBES: u64 = 512;

/// A MinHash sketch of an article's title and text; serde-serialisable for the store.
///
/// An *empty* signature (no words, or deserialised with the wrong length) never clusters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature(Vec<u32>);

impl Signature {
    /// True if this signature carries no content and will never be similar to anything.
    pub fn is_empty(&self) -> bool {
        self.0.len() != SIGNATURE_LEN || self.0.iter().all(|v| *v == u32::MAX)
    }

    /// Compact form for the store: [`SIGNATURE_VERSION`] then the values, little-endian u32s
    /// (516 bytes for a full signature).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + 4 * self.0.len());
        out.extend_from_slice(&SIGNATURE_VERSION.to_le_bytes());
        for v in &self.0 {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }

    /// Reads [`Signature::to_bytes`]; `None` for another version or a malformed value, so that a
    /// stale signature is recomputed rather than compared with incompatible hashes.
    pub fn from_bytes(bytes: &[u8]) -> Option<Signature> {
        let (version, values) = bytes.split_first_chunk::<4>()?;
        if u32::from_le_bytes(*version) != SIGNATURE_VERSION || values.len() != 4 * SIGNATURE_LEN {
            return None;
        }
        let values = values
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        Some(Signature(values))
    }
}

/// Computes the MinHash signature of an article's title and text.
pub fn signature(title: &str, text: &str) -> Signature {
    let mut title_parts = Parts::new(false);
    title_parts.fill(title);
    let mut text_parts = Parts::new(false);
    text_parts.fill(text);
    signature_of_parts(&title_parts, &text_parts)
}

/// [`signature`] of a title and text already split into parts.
pub(crate) fn signature_of_parts(title: &Parts, text: &Parts) -> Signature {
    let mut words: Vec<u64> = Vec::with_capacity(title.len() + text.len());
    for parts in [title, text] {
        words.extend((0..parts.len()).map(|i| hash_bytes(parts.lower(i).as_bytes())));
    }
    let mut bins = [u32::MAX; SIGNATURE_LEN];
    if words.is_empty() {
        return Signature(bins.to_vec());
    }
    if words.len() < SHINGLE {
        add_shingle(&mut bins, shingle_hash(&words));
    } else {
        for window in words.windows(SHINGLE) {
            add_shingle(&mut bins, shingle_hash(window));
        }
    }
    Signature(densify(&bins))
}

/// Hash of a sequence of word hashes (order-sensitive).
fn shingle_hash(words: &[u64]) -> u64 {
    words
        .iter()
        .fold(0x5348_494e_474c_4531, |h, w| mix64(h.rotate_left(17) ^ *w))
}

/// Puts one shingle into its bin, keeping the bin's minimum.
#[inline]
fn add_shingle(bins: &mut [u32; SIGNATURE_LEN], shingle: u64) {
    let bin = (shingle >> (64 - BIN_BITS)) as usize;
    if let Some(slot) = bins.get_mut(bin) {
        *slot = (*slot).min(shingle as u32);
    }
}

/// Fills every empty bin from the first non-empty bin on its fixed probe sequence (optimal
/// densification); returns the bins unchanged if all are empty.
fn densify(bins: &[u32; SIGNATURE_LEN]) -> Vec<u32> {
    let filled = |k: usize| bins.get(k).copied().filter(|v| *v != u32::MAX);
    (0..SIGNATURE_LEN)
        .map(|j| {
            filled(j)
                .or_else(|| {
                    (1..=MAX_PROBES)
                        .map(|attempt| probe(j, attempt))
                        .find_map(filled)
                })
                .or_else(|| (1..SIGNATURE_LEN).find_map(|d| filled((j + d) % SIGNATURE_LEN)))
                .unwrap_or(u32::MAX)
        })
        .collect()
}

/// The `attempt`-th bin probed for empty bin `j`; the same for every document.
fn probe(j: usize, attempt: u64) -> usize {
    (mix64(SEED ^ ((j as u64) << 32) ^ attempt) % SIGNATURE_LEN as u64) as usize
}

/// Estimated Jaccard similarity of two raw value slices of equal length.
fn estimate(a: &[u32], b: &[u32]) -> f64 {
    if a.len() != b.len() || a.is_empty() {
        return 0.0;
    }
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / a.len() as f64
}

/// A band key split into halves, so that a bucket head (key and link) takes 12 bytes of the
/// hash table instead of 16; the table holds `BANDS` entries per indexed member and is the
/// biggest part of the index.
type BandKey = [u32; 2];

/// The [`BandKey`] of a 64-bit band hash.
fn band_key(key: u64) -> BandKey {
    [key as u32, (key >> 32) as u32]
}

/// One entry of a bucket's linked list.
#[derive(Debug, Clone, Copy)]
struct Link {
    /// Indexed member.
    member: u32,
    /// Next (older) link in the same bucket, or `NONE`.
    next: u32,
}

/// An in-memory, incremental index of signatures that assigns each article to a story cluster.
///
/// Cluster ids are article ids: a cluster is named after its earliest inserted member.
#[derive(Debug)]
pub struct ClusterIndex {
    /// Join threshold on estimated Jaccard similarity.
    threshold: f64,
    /// Every inserted article id still in the window → its cluster id.
    by_id: FxMap<u64, u64>,
    /// Article id of each indexed member, oldest first.
    ids: Vec<u64>,
    /// Cluster id of each indexed member (members with non-empty signatures).
    clusters: Vec<u64>,
    /// Signature values of each indexed member, `SIGNATURE_LEN` apiece.
    sigs: Vec<u32>,
    /// Band key (as two halves: 12-byte entries instead of 16 with a `u64` key) → newest
    /// link in its bucket.
    heads: FxMap<BandKey, u32>,
    /// Bucket linked lists.
    links: Vec<Link>,
    /// Reused candidate buffer.
    candidates: Vec<u32>,
    /// Members kept when the index is compacted; it holds at most twice as many.
    window: usize,
}

impl Default for ClusterIndex {
    fn default() -> Self {
        ClusterIndex::new()
    }
}

impl ClusterIndex {
    /// An empty index with [`DEFAULT_THRESHOLD`].
    pub fn new() -> Self {
        ClusterIndex::with_threshold(DEFAULT_THRESHOLD)
    }

    /// An empty index with a custom join threshold in `0.0..=1.0` (clamped; NaN → default).
    pub fn with_threshold(threshold: f64) -> Self {
        let threshold = if threshold.is_nan() {
            DEFAULT_THRESHOLD
        } else {
            threshold.clamp(0.0, 1.0)
        };
        ClusterIndex {
            threshold,
            by_id: FxMap::default(),
            ids: Vec::new(),
            clusters: Vec::new(),
            sigs: Vec::new(),
            heads: FxMap::default(),
            links: Vec::new(),
            candidates: Vec::new(),
            window: DEFAULT_WINDOW,
        }
    }

    /// Bounds memory: only the `window` most recently added articles (at least 1) are kept as
    /// candidates; whenever twice as many are indexed, the older half is dropped in one
    /// rebuild (amortised O(1) per article). Reprints follow their original within days, so a
    /// window of weeks of news loses nothing in practice, and memory no longer grows with the
    /// archive (about 1.9 KB per indexed article). A dropped article keeps the cluster it was
    /// given; it only stops attracting new reprints.
    pub fn with_window(mut self, window: usize) -> Self {
        self.window = window.max(1);
        self
    }

    /// Number of inserted articles still within the window.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// True if nothing was inserted.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The cluster of an inserted article, while it is within the window.
    pub fn cluster_of(&self, id: u64) -> Option<u64> {
        self.by_id.get(&id).copied()
    }

    /// Adds an article and returns its cluster id: the cluster of the most similar indexed
    /// article at or above the threshold (ties: the earliest), or `id` itself. Inserting an id
    /// again returns its first cluster and changes nothing; empty signatures form their own cluster.
    pub fn insert(&mut self, id: u64, sig: &Signature) -> u64 {
        if let Some(cluster) = self.by_id.get(&id) {
            return *cluster;
        }
        let cluster = if sig.is_empty() {
            id
        } else {
            self.index(id, &sig.0)
        };
        self.by_id.insert(id, cluster);
        self.compact_if_full();
        cluster
    }

    /// Re-adds an article whose cluster was decided earlier (when rebuilding the index from the
    /// store after a restart): it keeps `cluster` and becomes a candidate for later articles.
    /// Does nothing if `id` is already indexed.
    pub fn restore(&mut self, id: u64, sig: &Signature, cluster: u64) {
        if self.by_id.contains_key(&id) {
            return;
        }
        self.by_id.insert(id, cluster);
        if sig.is_empty() {
            return;
        }
        let Ok(member) = u32::try_from(self.clusters.len()) else {
            return;
        };
        self.link(member, id, cluster, &sig.0, band_keys(&sig.0));
        self.compact_if_full();
    }

    /// Number of articles that new articles are currently compared with.
    pub fn indexed(&self) -> usize {
        self.clusters.len()
    }

    /// Drops all but the newest `window` members once twice as many are indexed (or once the
    /// id map, which also holds articles without a usable signature, is four times as big).
    ///
    /// Compacts in place: the kept members move to the front of the same buffers and the
    /// tables are cleared, not reallocated, so a compaction needs no second copy of the index.
    fn compact_if_full(&mut self) {
        if self.clusters.len() <= self.window.saturating_mul(2)
            && self.by_id.len() <= self.window.saturating_mul(4)
        {
            return;
        }
        let keep_from = self.clusters.len().saturating_sub(self.window);
        self.ids.drain(..keep_from);
        self.clusters.drain(..keep_from);
        self.sigs.drain(..keep_from.saturating_mul(SIGNATURE_LEN));
        self.heads.clear();
        self.links.clear();
        self.by_id.clear();
        for m in 0..self.ids.len().min(self.clusters.len()) {
            let Ok(member) = u32::try_from(m) else {
                break;
            };
            let Some(sig) = self.sigs.get(m * SIGNATURE_LEN..(m + 1) * SIGNATURE_LEN) else {
                break;
            };
            let keys = band_keys(sig);
            self.by_id.insert(self.ids[m], self.clusters[m]);
            self.link_bands(member, keys);
        }
    }

    /// Reserves room for the most members the index holds between compactions (twice the
    /// window, plus the one that triggers a compaction), once, when the first member arrives:
    /// growing by doubling would leave up to half of each buffer unused and, while it grows,
    /// hold the old and the new buffer at once. Windows too big to reserve up front (such as
    /// `usize::MAX` in tools that index everything) grow as needed.
    fn reserve_for_window(&mut self) {
        let members = self.window.saturating_mul(2).saturating_add(1);
        if members > MAX_RESERVED_MEMBERS {
            return;
        }
        self.by_id.reserve(members);
        self.ids.reserve_exact(members);
        self.clusters.reserve_exact(members);
        self.sigs
            .reserve_exact(members.saturating_mul(SIGNATURE_LEN));
        self.links.reserve_exact(members.saturating_mul(BANDS));
        self.heads.reserve(members.saturating_mul(BANDS));
    }

    /// Estimated Jaccard similarity of two signatures (0.0 if either is empty).
    pub fn similarity(a: &Signature, b: &Signature) -> f64 {
        if a.is_empty() || b.is_empty() {
            return 0.0;
        }
        estimate(&a.0, &b.0)
    }

    /// Finds the cluster for a non-empty signature and adds it to the band buckets.
    fn index(&mut self, id: u64, sig: &[u32]) -> u64 {
        let Ok(member) = u32::try_from(self.clusters.len()) else {
            return id;
        };
        let keys = band_keys(sig);
        let cluster = self.best_match(sig, &keys).unwrap_or(id);
        self.link(member, id, cluster, sig, keys);
        cluster
    }

    /// Appends member `member` (article `id`) with its cluster and signature to the band
    /// buckets.
    fn link(&mut self, member: u32, id: u64, cluster: u64, sig: &[u32], keys: [u64; BANDS]) {
        if self.ids.capacity() == 0 {
            self.reserve_for_window();
        }
        self.ids.push(id);
        self.clusters.push(cluster);
        self.sigs.extend_from_slice(sig);
        self.link_bands(member, keys);
    }

    /// Pushes member `member` onto the bucket of each of its band keys.
    fn link_bands(&mut self, member: u32, keys: [u64; BANDS]) {
        for key in keys {
            let Ok(link) = u32::try_from(self.links.len()) else {
                break;
            };
            let next = self.heads.insert(band_key(key), link).unwrap_or(NONE);
            self.links.push(Link { member, next });
        }
    }

    /// The cluster of the most similar candidate at or above the threshold.
    fn best_match(&mut self, sig: &[u32], keys: &[u64; BANDS]) -> Option<u64> {
        self.collect_candidates(keys);
        let mut best: Option<(f64, u32)> = None;
        for &member in &self.candidates {
            let start = (member as usize).saturating_mul(SIGNATURE_LEN);
            let end = start.saturating_add(SIGNATURE_LEN);
            let Some(other) = self.sigs.get(start..end) else {
                continue;
            };
            let sim = estimate(sig, other);
            if sim >= self.threshold && best.is_none_or(|(b, _)| sim > b) {
                best = Some((sim, member));
            }
        }
        best.and_then(|(_, member)| self.clusters.get(member as usize).copied())
    }

    /// Fills `candidates` with the distinct members sharing a band bucket, oldest first.
    fn collect_candidates(&mut self, keys: &[u64; BANDS]) {
        self.candidates.clear();
        for key in keys {
            let mut cursor = self.heads.get(&band_key(*key)).copied().unwrap_or(NONE);
            for _ in 0..MAX_BUCKET_WALK {
                let Some(link) = self.links.get(cursor as usize) else {
                    break;
                };
                self.candidates.push(link.member);
                cursor = link.next;
            }
        }
        self.candidates.sort_unstable();
        self.candidates.dedup();
    }
}

/// One bucket key per band.
fn band_keys(sig: &[u32]) -> [u64; BANDS] {
    let mut keys = [0u64; BANDS];
    for (band, (key, rows)) in keys.iter_mut().zip(sig.chunks_exact(ROWS)).enumerate() {
        *key = rows
            .iter()
            .fold(mix64(band as u64 ^ SEED), |h, v| mix64(h ^ u64::from(*v)));
    }
    keys
}

#[cfg(test)]
mod tests;
