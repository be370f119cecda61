//! One call that enriches an article: keywords, Länder and signature from a single split of the
//! title and text.
//!
//! Equivalent to calling [`Watchlist::find`], [`lands_mentioned`](super::lands_mentioned) and
//! [`signature`](super::signature) separately, but each text is split and folded once instead of
//! up to three times. This file must never do I/O; clustering itself stays with the caller, who
//! owns the [`ClusterIndex`](super::ClusterIndex).

use serde::{Deserialize, Serialize};

use super::cluster::{Signature, signature_of_parts};
use super::keywords::{KeywordMatch, Watchlist};
use super::regions::lands_in_parts;
use crate::model::Land;

/// What enrich derives from one article's title and text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Enrichment {
    /// Watched keywords found, ranked as by [`Watchlist::find`].
    pub keywords: Vec<KeywordMatch>,
    /// Länder mentioned in the title or the text, sorted.
    pub lands: Vec<Land>,
    /// Near-duplicate signature of title and text.
    pub signature: Signature,
}

impl Enrichment {
    /// Canonical names of the keywords found, in rank order (for `Article::keywords`).
    pub fn keyword_names(&self) -> Vec<String> {
        self.keywords.iter().map(|k| k.name.clone()).collect()
    }
}

/// Enriches one article with a single split of its title and text.
pub fn enrich(watchlist: &Watchlist, title: &str, text: &str) -> Enrichment {
    let mut title_parts = watchlist.parts();
    title_parts.fill(title);
    let mut text_parts = watchlist.parts();
    text_parts.fill(text);
    Enrichment {
        keywords: watchlist.find_in_parts(&title_parts, &text_parts),
        lands: {
            let mut lands = lands_in_parts(&title_parts);
            lands.extend(lands_in_parts(&text_parts));
            lands.sort();
            lands.dedup();
            lands
        },
        signature: signature_of_parts(&title_parts, &text_parts),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::{lands_mentioned, signature};
    use crate::model::Keyword;

    #[test]
    fn matches_the_separate_functions() {
        let list = Watchlist::new(&[
            Keyword::new("OZG", vec![]),
            Keyword {
                case_sensitive: true,
                ..Keyword::new("EfA", vec![])
            },
        ]);
        let docs = [
            (
                "Bayern und Brandenburg kooperieren",
                include_str!("testdata/kommune21.txt"),
            ),
            ("", ""),
            ("OZG", "EfA in Sachsen-Anhalt"),
            (
                "Hamburg startet Pilot",
                "Die Kommunen in Brandenburg warten noch.",
            ),
        ];
        for (title, text) in docs {
            let e = enrich(&list, title, text);
            assert_eq!(e.keywords, list.find(title, text), "{title}");
            assert_eq!(e.keyword_names(), list.names(title, text), "{title}");
            let both = lands_mentioned(&format!("{title}\n{text}"));
            assert_eq!(e.lands, both, "{title}");
            assert_eq!(e.signature, signature(title, text), "{title}");
        }
    }
}
