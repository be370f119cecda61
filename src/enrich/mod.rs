//! Enrichment: what govwire adds to an extracted article — watched keywords, Länder mentioned,
//! clean site tags, and the near-duplicate story cluster.
//!
//! Everything here is pure: text and configuration in, values out. This module must never do I/O,
//! read a clock, use randomness seeded at run time, or panic on any input text. It owns text
//! folding for matching (`fold`), word splitting (`tokens`) and all hashing (`hash`); other modules
//! use its public functions only.

mod article;
mod cluster;
mod fold;
mod hash;
mod inflect;
mod keywords;
mod patterns;
mod regions;
mod tags;
mod tokens;

pub use article::{Enrichment, enrich};
pub use cluster::{
    ClusterIndex, DEFAULT_THRESHOLD, DEFAULT_WINDOW, SIGNATURE_LEN, SIGNATURE_VERSION, Signature,
    signature,
};
pub use keywords::{KeywordMatch, Watchlist};
pub use regions::lands_mentioned;
pub use tags::{MAX_TAG_CHARS, MAX_TAGS, normalize_tags, tag_key};
