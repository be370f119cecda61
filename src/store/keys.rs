//! Byte layouts of the index keys. Keys sort by time so that a reverse prefix scan lists the
//! newest articles first; a name prefix ends in a 0 byte so `OZG` never scans `OZG-Gesetz`.

use super::META_PENDING;
use super::Region;
use super::bodies::Pointer;
use crate::model::{Article, ArticleId, Land};

/// Normalised form of a site tag used in index keys and URLs: the one tag rule of
/// [`crate::text::tag_key`] (`Künstliche Intelligenz` → `kuenstliche-intelligenz`), the same
/// that extraction and enrichment use to tell duplicate tags.
pub use crate::text::tag_key;

/// Time as 8 bytes that sort like the signed millisecond timestamp.
fn time_bytes(a: &Article) -> [u8; 8] {
    let ms = a.sort_time().timestamp_millis();
    ((ms as u64) ^ (1 << 63)).to_be_bytes()
}

/// The `by_date` key prefix of an instant: every article sorted at or after it has a key
/// at or after this one.
pub(super) fn time_prefix(t: chrono::DateTime<chrono::Utc>) -> Vec<u8> {
    let ms = t.timestamp_millis();
    ((ms as u64) ^ (1 << 63)).to_be_bytes().to_vec()
}

/// `by_date` key: time, id.
pub(super) fn date_key(a: &Article) -> Vec<u8> {
    let mut k = Vec::with_capacity(16);
    k.extend_from_slice(&time_bytes(a));
    k.extend_from_slice(&a.id.0.to_be_bytes());
    k
}

/// The prefix shared by all entries under `name`.
pub(super) fn prefix(name: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(name.len() + 1);
    // A 0 byte cannot occur inside a UTF-8 name other than U+0000, which we strip.
    k.extend(name.bytes().filter(|b| *b != 0));
    k.push(0);
    k
}

/// `by_source` / `by_keyword` / `by_tag` key: name, 0, time, id.
pub(super) fn named_key(name: &str, a: &Article) -> Vec<u8> {
    let mut k = prefix(name);
    k.extend_from_slice(&time_bytes(a));
    k.extend_from_slice(&a.id.0.to_be_bytes());
    k
}

/// `by_cluster` key: cluster id, time, id.
pub(super) fn cluster_key(cluster: ArticleId, a: &Article) -> Vec<u8> {
    let mut k = Vec::with_capacity(24);
    k.extend_from_slice(&cluster.0.to_be_bytes());
    k.extend_from_slice(&time_bytes(a));
    k.extend_from_slice(&a.id.0.to_be_bytes());
    k
}

/// The article id in the last 8 bytes of any index key.
pub(super) fn trailing_id(key: &[u8]) -> Option<ArticleId> {
    let start = key.len().checked_sub(8)?;
    let bytes: [u8; 8] = key.get(start..)?.try_into().ok()?;
    Some(ArticleId(u64::from_be_bytes(bytes)))
}

pub(super) fn read_u64(v: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(v.try_into().ok()?))
}

pub(super) fn read_u32(v: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(v.try_into().ok()?))
}

/// Index entries of an article as (tree number, key): 0 date, 1 source, 2 keyword, 3 tag,
/// 4 region (source Land, level), 5 cluster. The Länder mentioned are the `by_date` value
/// ([`mask_value`]).
pub(super) fn index_keys(a: &Article) -> Vec<(usize, Vec<u8>)> {
    let mut out = Vec::with_capacity(5 + a.keywords.len() + a.tags.len());
    out.push((4, named_key(&Region::Level(a.level).key(), a)));
    if let Some(land) = a.land {
        out.push((4, named_key(&Region::From(land).key(), a)));
    }
    if let Some(cluster) = a.cluster {
        out.push((5, cluster_key(cluster, a)));
    }
    out.push((0, date_key(a)));
    out.push((1, named_key(&a.source_id, a)));
    for k in &a.keywords {
        out.push((2, named_key(k, a)));
    }
    for t in &a.tags {
        out.push((3, named_key(&tag_key(t), a)));
    }
    out.sort();
    out.dedup();
    out
}

/// The bit of `land` in a mentions mask.
pub(super) fn land_bit(land: Land) -> u16 {
    let i = Land::ALL.iter().position(|l| *l == land).unwrap_or(0);
    1 << i
}

/// The Länder `a` mentions as a mask.
pub(super) fn mask(a: &Article) -> u16 {
    a.lands_mentioned.iter().fold(0, |m, l| m | land_bit(*l))
}

/// The `by_date` value of `a`: its mask, or nothing when it mentions no Land.
pub(super) fn mask_value(a: &Article) -> Vec<u8> {
    match mask(a) {
        0 => Vec::new(),
        m => m.to_be_bytes().to_vec(),
    }
}

/// Reads a `by_date` value (empty: no Land).
pub(super) fn read_mask(v: &[u8]) -> u16 {
    match v {
        [a, b] => u16::from_be_bytes([*a, *b]),
        _ => 0,
    }
}

/// A `meta` key: `prefix` then an id.
pub(super) fn meta_key(prefix: &[u8], id: u64) -> Vec<u8> {
    let mut k = prefix.to_vec();
    k.extend_from_slice(&id.to_be_bytes());
    k
}

/// The `meta` key of the pending entry of the record at `ptr`: its segment and offset, so
/// that the entries a sync made unnecessary form one key range.
pub(super) fn pending_key(ptr: Pointer) -> Vec<u8> {
    let mut k = META_PENDING.to_vec();
    k.extend_from_slice(&ptr.to_bytes()[1..9]);
    k
}

/// A `meta` key: `prefix` then a segment number.
pub(super) fn meta_key_u32(prefix: &[u8], n: u32) -> Vec<u8> {
    let mut k = prefix.to_vec();
    k.extend_from_slice(&n.to_be_bytes());
    k
}

/// Source id and URL as one value: `source`, 0, `url` (source ids never hold a 0 byte).
pub(super) fn where_from(source: &str, url: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(source.len() + 1 + url.len());
    v.extend_from_slice(source.as_bytes());
    v.push(0);
    v.extend_from_slice(url.as_bytes());
    v
}

/// Reads [`where_from`]; empty parts are `None`.
pub(super) fn split_where_from(v: &[u8]) -> (Option<String>, Option<String>) {
    let (source, url) = match v.iter().position(|b| *b == 0) {
        Some(i) => (&v[..i], &v[i + 1..]),
        None => (&[][..], v),
    };
    let part = |b: &[u8]| (!b.is_empty()).then(|| String::from_utf8_lossy(b).into_owned());
    (part(source), part(url))
}
