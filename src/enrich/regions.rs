//! Which of the 16 Länder a text mentions, by name, genitive, adjective or demonym.
//!
//! Recognised (folded, case-insensitive, as whole words or hyphen parts):
//! - names and their genitives: `Bayern(s)`, `Hessen(s)`, `Saarland(s/es)`, `NRW`, … and the
//!   two-word names with hyphen or space: `Nordrhein-Westfalen(s)`, `Sachsen-Anhalt(s)`, …
//!   (`Freistaat Bayern` counts through `Bayern`; `Hamburg-Altona`, `NRW-Landesregierung` count
//!   through their hyphen parts);
//! - adjectives with any ending: `bayerisch`, `brandenburgisch`, `hessisch`, `sächsisch`,
//!   `thüringisch`, `niedersächsisch`, `saarländisch`, `hamburgisch`, `bremisch`, and the two-word
//!   ones `baden-württembergisch`, `nordrhein-westfälisch`, `rheinland-pfälzisch`,
//!   `schleswig-holsteinisch`, `mecklenburg-vorpommersch`/`-vorpommerisch`, `sachsen-anhaltisch`;
//! - demonym adjectives that in government news almost always mean the Land: `Berliner`,
//!   `Hamburger`, `Bremer`, `Brandenburger` (not in `Brandenburger Tor`), `Thüringer`, and the
//!   city `Bremerhaven` (part of the Land Bremen).
//!
//! Not recognised, on purpose: closed compounds (`BayernPortal`, `Hessenpark`, `Sachsenring`,
//! `Bayerwald`), the company `Bayer`, region names that are not a Land (`Pfalz`, `Westfalen`,
//! `Rheinland`, `Oberpfalz`, `Anhalt`), `Freistaat` alone, code abbreviations other than `NRW`, and
//! cities other than the city-states and Bremerhaven. `Sachsen-Anhalt` never also counts as
//! `Sachsen`, and `Niedersachsen` is its own word. `Berlin` as a metonym for the federal
//! government is indistinguishable from the Land and counts.
//! This module must never do I/O and never panic on any text.

use std::sync::LazyLock;

use super::hash::FxMap;
use super::tokens::{Join, Parts};
use crate::model::Land;

/// One-word names (take genitive `-s`).
const NAMES: [(&str, Land); 12] = [
    ("bayern", Land::BY),
    ("berlin", Land::BE),
    ("brandenburg", Land::BB),
    ("bremen", Land::HB),
    ("hamburg", Land::HH),
    ("hessen", Land::HE),
    ("niedersachsen", Land::NI),
    ("saarland", Land::SL),
    ("sachsen", Land::SN),
    ("thueringen", Land::TH),
    ("nrw", Land::NW),
    ("bawue", Land::BW),
];

/// One-word adjective stems (take adjective endings).
const ADJECTIVES: [(&str, Land); 9] = [
    ("bayerisch", Land::BY),
    ("brandenburgisch", Land::BB),
    ("hessisch", Land::HE),
    ("saechsisch", Land::SN),
    ("thueringisch", Land::TH),
    ("niedersaechsisch", Land::NI),
    ("saarlaendisch", Land::SL),
    ("hamburgisch", Land::HH),
    ("bremisch", Land::HB),
];

/// Demonym adjectives and other whole words, matched exactly.
const WORDS: [(&str, Land); 6] = [
    ("berliner", Land::BE),
    ("hamburger", Land::HH),
    ("bremer", Land::HB),
    ("bremerhaven", Land::HB),
    ("brandenburger", Land::BB),
    ("thueringer", Land::TH),
];

/// Two-word names: first part, second part, second-part adjective stems.
const TWO_WORD: [(&str, &str, &[&str], Land); 6] = [
    ("baden", "wuerttemberg", &["wuerttembergisch"], Land::BW),
    ("nordrhein", "westfalen", &["westfaelisch"], Land::NW),
    (
        "mecklenburg",
        "vorpommern",
        &["vorpommersch", "vorpommerisch"],
        Land::MV,
    ),
    ("sachsen", "anhalt", &["anhaltisch"], Land::ST),
    ("rheinland", "pfalz", &["pfaelzisch"], Land::RP),
    ("schleswig", "holstein", &["holsteinisch"], Land::SH),
];

/// Adjective endings.
const ADJ_ENDINGS: [&str; 6] = ["", "e", "en", "er", "es", "em"];

/// What a folded word can mean.
#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    /// The Land this word names on its own.
    single: Option<Land>,
    /// The Land whose two-word name starts with this word.
    first_of: Option<Land>,
}

/// Folded word → meaning, for one-word mentions and first parts of two-word names.
static WORD: LazyLock<FxMap<String, Entry>> = LazyLock::new(|| {
    let mut map: FxMap<String, Entry> = SINGLE
        .iter()
        .map(|(w, land)| {
            (
                w.clone(),
                Entry {
                    single: Some(*land),
                    first_of: None,
                },
            )
        })
        .collect();
    for (first, _, _, land) in TWO_WORD {
        map.entry(first.to_string()).or_default().first_of = Some(land);
    }
    map
});

/// Folded word → Land, for one-word mentions.
static SINGLE: LazyLock<FxMap<String, Land>> = LazyLock::new(|| {
    let mut map = FxMap::default();
    for (name, land) in NAMES {
        map.insert(name.to_string(), land);
        map.insert(format!("{name}s"), land);
    }
    map.insert("saarlandes".to_string(), Land::SL);
    insert_adjectives(&mut map, &ADJECTIVES);
    for (word, land) in WORDS {
        map.insert(word.to_string(), land);
    }
    map
});

/// Folded second part → Land, for two-word names.
static SECOND: LazyLock<FxMap<String, Land>> = LazyLock::new(|| {
    let mut map = FxMap::default();
    for (_, second, adjectives, land) in TWO_WORD {
        map.insert(second.to_string(), land);
        map.insert(format!("{second}s"), land);
        let stems: Vec<(&str, Land)> = adjectives.iter().map(|a| (*a, land)).collect();
        insert_adjectives(&mut map, &stems);
    }
    map
});

/// Inserts every inflected form of each adjective stem.
fn insert_adjectives(map: &mut FxMap<String, Land>, stems: &[(&str, Land)]) {
    for (stem, land) in stems {
        for ending in ADJ_ENDINGS {
            map.insert(format!("{stem}{ending}"), *land);
        }
    }
}

/// The Länder mentioned in `text`, sorted (by `Land` order) and deduplicated.
pub fn lands_mentioned(text: &str) -> Vec<Land> {
    let mut parts = Parts::new(false);
    parts.fill(text);
    lands_in_parts(&parts)
}

/// [`lands_mentioned`] on text already split into parts.
pub(crate) fn lands_in_parts(parts: &Parts) -> Vec<Land> {
    let mut seen = [false; Land::ALL.len()];
    let mut i = 0;
    while i < parts.len() {
        let Some(entry) = WORD.get(parts.lower(i)) else {
            i += 1;
            continue;
        };
        if let Some(land) = entry.first_of
            && second_part_is(parts, i + 1, land)
        {
            mark(&mut seen, land);
            i += 2;
            continue;
        }
        if let Some(land) = entry.single
            && !is_decoy(parts, i)
        {
            mark(&mut seen, land);
        }
        i += 1;
    }
    Land::ALL
        .into_iter()
        .zip(seen)
        .filter_map(|(land, hit)| hit.then_some(land))
        .collect()
}

/// True if part `j` completes the two-word name of `land` (`Anhalt` after `Sachsen`), joined by
/// a hyphen or a space.
fn second_part_is(parts: &Parts, j: usize, land: Land) -> bool {
    matches!(parts.join(j), Join::Hyphen | Join::Space) && SECOND.get(parts.lower(j)) == Some(&land)
}

/// True for known look-alikes: `Brandenburger Tor`.
fn is_decoy(parts: &Parts, i: usize) -> bool {
    parts.lower(i) == "brandenburger" && parts.lower(i + 1) == "tor"
}

/// Records a Land as seen.
fn mark(seen: &mut [bool; Land::ALL.len()], land: Land) {
    if let Some(slot) = Land::ALL
        .iter()
        .position(|l| *l == land)
        .and_then(|p| seen.get_mut(p))
    {
        *slot = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Land::*;

    #[test]
    fn finds_lands_and_rejects_decoys() {
        let cases: &[(&str, &[Land])] = &[
            ("Der Freistaat Bayern investiert.", &[BY]),
            ("Bayerns Digitalministerin", &[BY]),
            ("die bayerische Staatsregierung", &[BY]),
            ("im Bayerischen Landtag", &[BY]),
            ("Nordrhein-Westfalen und NRW", &[NW]),
            ("die NRW-Landesregierung", &[NW]),
            ("nordrhein-westfälische Kommunen", &[NW]),
            ("Baden-Württemberg", &[BW]),
            ("das baden-württembergische Innenministerium", &[BW]),
            ("Mecklenburg-Vorpommern", &[MV]),
            ("mecklenburg-vorpommersche Städte", &[MV]),
            ("Sachsen-Anhalt", &[ST]),
            ("Sachsen-Anhalts Landesregierung", &[ST]),
            ("Sachsen und Sachsen-Anhalt", &[SN, ST]),
            ("Niedersachsen", &[NI]),
            ("niedersächsische Gemeinden", &[NI]),
            ("sächsische Verwaltung", &[SN]),
            ("Thüringens CIO", &[TH]),
            ("Thueringer Landtag", &[TH]),
            ("Rheinland-Pfalz", &[RP]),
            ("rheinland-pfälzisch", &[RP]),
            ("Schleswig-Holstein", &[SH]),
            ("schleswig-holsteinische Kreise", &[SH]),
            ("Saarland und des Saarlandes", &[SL]),
            ("saarländische Kommunen", &[SL]),
            ("Hessen", &[HE]),
            ("hessisches Ministerium", &[HE]),
            ("Berlin-Mitte", &[BE]),
            ("der Berliner Senat", &[BE]),
            ("Hamburg und die Hamburgische Bürgerschaft", &[HH]),
            ("Bremen, Bremerhaven, Bremische Bürgerschaft", &[HB]),
            ("Brandenburgs Innenminister", &[BB]),
            ("Berlin, Brandenburg, Bayern", &[BY, BE, BB]),
            // decoys
            ("das BayernPortal", &[]),
            ("der Hessenpark", &[]),
            ("der Bayerwald", &[]),
            ("die Bayer AG", &[]),
            ("am Sachsenring", &[]),
            ("die Pfalz und die Oberpfalz", &[]),
            ("Westfalen-Lippe", &[]),
            ("der Freistaat", &[]),
            ("vor dem Brandenburger Tor", &[]),
            ("Nordrhein. Westfalen", &[]),
            ("Sachsen/Anhalt", &[SN]),
            ("https://www.bayern.de", &[]),
            ("post@brandenburg.de", &[]),
            ("", &[]),
        ];
        for (text, want) in cases {
            assert_eq!(lands_mentioned(text), want.to_vec(), "text {text:?}");
        }
    }

    #[test]
    fn real_article_is_sorted_and_deduplicated() {
        let text = include_str!("testdata/kommune21.txt");
        // Bayern, Brandenburg, Hessen in the body; Thüringen in the related-news block.
        assert_eq!(lands_mentioned(text), vec![BY, BB, HE, TH]);
    }
}
