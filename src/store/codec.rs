//! The byte form of a stored article: its JSON (readable across schema additions), deflated.
//!
//! Article text is most of what the store holds, and sled writes each value more than once;
//! deflating the JSON (level 1: about 50 µs per article to write, 10 µs to read) keeps the data
//! folder small. Values written before compression existed are plain JSON objects and still
//! read: a deflated value starts with a marker byte that no JSON text starts with.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;

use crate::model::Article;

/// First byte of a deflated value (JSON starts with `{` or whitespace).
const DEFLATED: u8 = 0x01;

/// Largest decompressed value accepted: far above any article the crawler can store (its
/// pages are capped at a few MiB), so only a corrupt value can hit it.
const MAX_JSON_BYTES: u64 = 64 << 20;

/// The stored bytes of `article`.
pub(super) fn encode(article: &Article) -> Result<Vec<u8>, serde_json::Error> {
    let json = serde_json::to_vec(article)?;
    let mut out = Vec::with_capacity(json.len() / 2 + 16);
    out.push(DEFLATED);
    let mut encoder = DeflateEncoder::new(out, Compression::fast());
    encoder.write_all(&json).map_err(serde_json::Error::io)?;
    encoder.finish().map_err(serde_json::Error::io)
}

/// The article stored as `bytes` (deflated or, from older versions, plain JSON).
pub(super) fn decode(bytes: &[u8]) -> Result<Article, serde_json::Error> {
    match bytes.split_first() {
        Some((&DEFLATED, deflated)) => {
            let mut json = Vec::with_capacity(deflated.len() * 3);
            DeflateDecoder::new(deflated)
                .take(MAX_JSON_BYTES)
                .read_to_end(&mut json)
                .map_err(serde_json::Error::io)?;
            serde_json::from_slice(&json)
        }
        _ => serde_json::from_slice(bytes),
    }
}

/// The source id and URL at the start of a damaged stored value, when they still decode:
/// they come first in the JSON, and deflate decodes everything before a damaged bit, so a
/// record damaged further on still names its article. Unverified: the caller checks the URL
/// against the article id (its hash).
pub(super) fn salvage_origin(bytes: &[u8]) -> Option<(String, String)> {
    let mut json = Vec::new();
    match bytes.split_first() {
        Some((&DEFLATED, deflated)) => {
            // Keeps what decoded before an error.
            let _ = DeflateDecoder::new(deflated)
                .take(8 << 10)
                .read_to_end(&mut json);
        }
        _ => json.extend_from_slice(&bytes[..bytes.len().min(8 << 10)]),
    }
    let field = |name: &str| -> Option<String> {
        let key = format!("\"{name}\":");
        let at = json.windows(key.len()).position(|w| w == key.as_bytes())?;
        let mut de = serde_json::Deserializer::from_slice(&json[at + key.len()..]);
        serde::Deserialize::deserialize(&mut de).ok()
    };
    Some((field("source_id")?, field("url")?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Level;
    use chrono::{TimeZone, Utc};

    fn article() -> Article {
        let t = Utc
            .with_ymd_and_hms(2025, 1, 2, 3, 4, 5)
            .single()
            .expect("date");
        let mut a = Article::sample(
            "https://a.example/x",
            "Übergabe der Zuständigkeit",
            &"Die Verwaltung digitalisiert. ".repeat(100),
            t,
        );
        a.kicker = Some("E-Government".into());
        a.tags = vec!["OZG".into()];
        a.level = Level::Land;
        a
    }

    #[test]
    fn round_trips_and_is_smaller_than_json() {
        let a = article();
        let bytes = encode(&a).expect("encode");
        assert_eq!(bytes[0], DEFLATED);
        assert!(bytes.len() < serde_json::to_vec(&a).expect("json").len() / 2);
        assert_eq!(decode(&bytes).expect("decode"), a);
    }

    #[test]
    fn reads_plain_json_written_by_older_versions() {
        let a = article();
        let plain = serde_json::to_vec(&a).expect("json");
        assert_eq!(decode(&plain).expect("decode"), a);
    }

    #[test]
    fn corrupt_values_are_errors_not_panics() {
        let a = article();
        let mut bytes = encode(&a).expect("encode");
        bytes.truncate(bytes.len() / 2);
        assert!(decode(&bytes).is_err());
        for junk in [
            &[][..],
            &[DEFLATED][..],
            &[DEFLATED, 0xff, 0x00][..],
            b"{\"id\":",
        ] {
            assert!(decode(junk).is_err(), "{junk:?}");
        }
    }
}
