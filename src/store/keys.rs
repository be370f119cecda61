//! Byte layouts of the index keys. Keys sort by time so that a reverse prefix scan lists the
//! newest articles first; a name prefix ends in a 0 byte so `OZG` never scans `OZG-Gesetz`.

use crate::model::{Article, ArticleId};

/// Normalised form of a site tag used in index keys and URLs: trimmed, whitespace collapsed,
/// lowercase.
pub fn tag_key(tag: &str) -> String {
    let mut out = String::with_capacity(tag.len());
    for word in tag.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

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
