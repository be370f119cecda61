//! Watchlist matching: which configured keywords an article's title and text mention.
//!
//! A [`Watchlist`] is compiled once from the configured [`Keyword`]s and then matched against
//! every article. Both sides are folded the same way (NFC, lowercase, `ä→ae ö→oe ü→ue ß→ss`), and
//! text is split into word parts (see `tokens`), skipping URLs and e-mail addresses.
//!
//! # Matching rules
//! A keyword spelling (its name or an alias) matches a text part when:
//! 1. **Whole part**: the part equals it. Hyphens split parts, so `OZG` matches `OZG-Umsetzung`,
//!    `(OZG)`, `„OZG“` and `BayernPortal` matches `BayernPortal-Anbindung`, but `OZG` never
//!    matches `OZGX`, `XOZG` or `ozgard`.
//! 2. **Multi-part spellings** (`Einer-für-Alle`, `E-Government`) match consecutive parts joined by
//!    hyphens or spaces, interchangeably (`Einer für Alle`, `Einer-für-Alle-Prinzip`); punctuation in
//!    between breaks the match unless the spelling has it too. The closed-up form also matches
//!    (`eGovernment`).
//! 3. **Inflection** (spellings of ≥ 6 letters): generated German endings, see `inflect`
//!    (`Servicekonten`, `Servicekontos`; never `Servicekonzept`).
//! 4. **Closed compound tail** (spellings of ≥ 8 letters): the part ends with the spelling or one of
//!    its forms, with at least 3 letters before it (`Bundesregistermodernisierung`).
//! 5. **Closed compound head with linking s** (spellings of ≥ 8 letters ending in `-ung -heit -keit
//!    -schaft -ion -tät -tum`): the part starts with the spelling plus `s` and has at least 3 more
//!    letters (`Registermodernisierungsgesetz`). These nouns always link with `-s-`, so this is safe
//!    without `prefix`.
//! 6. **`prefix = true`**: any part starting with the spelling (`Servicekont` → `Servicekontingent`
//!    too — the user asked for it).
//! 7. **`case_sensitive = true`**: rules 1, 2 and 6 only, on case-keeping folded text
//!    (`EfA` matches `EfA-Leistung`, not `efa`); no inflection, no compound rules.
//!
//! Each keyword is counted at most once per text part. Ranking: keywords found in the title first,
//! then by total count (title + text), then in configuration order. This module must never do I/O
//! and never panic on any text.

use serde::{Deserialize, Serialize};

use super::patterns::Patterns;
use super::tokens::Parts;
use crate::model::Keyword;

/// A compiled keyword watchlist; build once, match many articles (it is `Send + Sync`).
#[derive(Debug)]
pub struct Watchlist {
    /// Lookup tables and canonical names.
    patterns: Patterns,
}

/// One keyword found in an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeywordMatch {
    /// Canonical keyword name, as configured.
    pub name: String,
    /// True if the title mentions it.
    pub in_title: bool,
    /// How many times title and text mention it (any spelling).
    pub count: u32,
}

/// Per-keyword counters while matching one article.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    /// Mentions in title and text.
    count: u32,
    /// Mentioned in the title.
    in_title: bool,
}

impl Watchlist {
    /// Compiles the keywords; entries whose names fold to the same text are merged, empty
    /// names and spellings are ignored.
    pub fn new(keywords: &[Keyword]) -> Watchlist {
        Watchlist {
            patterns: Patterns::compile(keywords),
        }
    }

    /// True if no keyword can ever match (no keywords, or only empty spellings).
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Keywords mentioned in `title` or `text`, each once, ranked: title matches first, then by
    /// count, then in configuration order.
    pub fn find(&self, title: &str, text: &str) -> Vec<KeywordMatch> {
        if self.is_empty() {
            return Vec::new();
        }
        let mut title_parts = self.parts();
        title_parts.fill(title);
        let mut text_parts = self.parts();
        text_parts.fill(text);
        self.find_in_parts(&title_parts, &text_parts)
    }

    /// Canonical names of the keywords mentioned, in [`Watchlist::find`] order.
    pub fn names(&self, title: &str, text: &str) -> Vec<String> {
        self.find(title, text).into_iter().map(|m| m.name).collect()
    }

    /// Empty part buffers of the kind this watchlist needs (case-keeping if any keyword is).
    pub(crate) fn parts(&self) -> Parts {
        Parts::new(self.patterns.keep_case)
    }

    /// [`Watchlist::find`] on text already split by buffers from [`Watchlist::parts`].
    pub(crate) fn find_in_parts(&self, title: &Parts, text: &Parts) -> Vec<KeywordMatch> {
        if self.is_empty() {
            return Vec::new();
        }
        let mut tallies = vec![Tally::default(); self.patterns.names.len()];
        let mut seen = Vec::new();
        self.tally(title, true, &mut seen, &mut tallies);
        self.tally(text, false, &mut seen, &mut tallies);
        self.ranked(&tallies)
    }

    /// Counts every keyword hit in `parts`, at most once per keyword and part.
    fn tally(&self, parts: &Parts, in_title: bool, seen: &mut Vec<u32>, tallies: &mut [Tally]) {
        for i in 0..parts.len() {
            seen.clear();
            self.patterns.match_at(parts, i, |kw| {
                if !seen.contains(&kw) {
                    seen.push(kw);
                }
            });
            for kw in seen.iter() {
                if let Some(t) = tallies.get_mut(*kw as usize) {
                    t.count = t.count.saturating_add(1);
                    t.in_title |= in_title;
                }
            }
        }
    }

    /// Turns counters into ranked matches.
    fn ranked(&self, tallies: &[Tally]) -> Vec<KeywordMatch> {
        let mut found: Vec<(usize, Tally)> = tallies
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, t)| t.count > 0)
            .collect();
        found.sort_by(|(ia, a), (ib, b)| {
            b.in_title
                .cmp(&a.in_title)
                .then(b.count.cmp(&a.count))
                .then(ia.cmp(ib))
        });
        found
            .into_iter()
            .filter_map(|(i, t)| {
                self.patterns.names.get(i).map(|name| KeywordMatch {
                    name: name.clone(),
                    in_title: t.in_title,
                    count: t.count,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
