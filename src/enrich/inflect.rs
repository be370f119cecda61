//! German inflection for watchlist keywords: which spellings of a folded keyword count as it.
//!
//! Rules (applied to folded lowercase keywords only; case-sensitive keywords never inflect):
//! - keywords of at least [`MIN_INFLECT`] letters also match the keyword plus one ending of
//!   `-s -es -n -en -e -er -ern -ens` (`Servicekontos`, `Digitalpaktes`, `Portale`);
//! - singular endings swap to `-en` plurals: `-o`, `-um`, `-a`, `-us` (`Servicekonto`→`Servicekonten`,
//!   `Zentrum`→`Zentren`, `Agenda`→`Agenden`);
//! - a keyword configured in an `-en` plural also matches the stem plus `-e -o -um -a`
//!   (`Kommunen`→`Kommune`, `Servicekonten`→`Servicekonto`), and the bare stem when it ends in
//!   `-ung -heit -keit -schaft -ion -tät -tum` (`Leistungen`→`Leistung`).
//!
//! Forms are *generated* from the keyword and looked up whole, never stripped from text, so a
//! near miss such as `Servicekonzept` (for `Servicekonto`) or `Digitalpaket` (for `Digitalpakt`)
//! can never match. This file must never look at article text.

/// Minimum folded letter count for a keyword to take inflection endings.
pub(crate) const MIN_INFLECT: usize = 6;

/// Endings appended to the whole keyword.
const ENDINGS: [&str; 8] = ["s", "es", "n", "en", "e", "er", "ern", "ens"];

/// Singular endings whose plural replaces them with `-en`.
const SWAP_TO_EN: [&str; 4] = ["o", "um", "a", "us"];

/// Suffixes of nouns that always take a linking `-s-` as the first element of a compound.
const LINKING_S: [&str; 7] = ["ung", "heit", "keit", "schaft", "ion", "taet", "tum"];

/// Every accepted folded form of a folded keyword, sorted and deduplicated; the keyword itself
/// only if it is shorter than [`MIN_INFLECT`] letters.
pub(crate) fn forms(keyword: &str) -> Vec<String> {
    let mut out = vec![keyword.to_string()];
    if keyword.chars().count() < MIN_INFLECT {
        return out;
    }
    out.extend(ENDINGS.iter().map(|e| format!("{keyword}{e}")));
    for singular in SWAP_TO_EN {
        if let Some(stem) = keyword.strip_suffix(singular)
            && stem.chars().count() >= 4
        {
            out.push(format!("{stem}en"));
        }
    }
    if let Some(stem) = keyword.strip_suffix("en")
        && stem.chars().count() >= 5
    {
        if takes_linking_s(stem) {
            out.push(stem.to_string());
        }
        out.extend(["e", "o", "um", "a"].iter().map(|e| format!("{stem}{e}")));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// True if the folded keyword ends in a suffix that takes a linking `-s-` in compounds
/// (`Registermodernisierung` → `Registermodernisierungsgesetz`).
pub(crate) fn takes_linking_s(keyword: &str) -> bool {
    LINKING_S.iter().any(|s| keyword.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_forms_include_and_exclude() {
        let cases: &[(&str, &[&str], &[&str])] = &[
            (
                "servicekonto",
                &["servicekonto", "servicekontos", "servicekonten"],
                &["servicekonzept", "servicekont"],
            ),
            (
                "digitalpakt",
                &["digitalpakt", "digitalpaktes", "digitalpakts"],
                &["digitalpaket"],
            ),
            ("leistungen", &["leistung", "leistungen"], &["leist"]),
            ("kommunen", &["kommune", "kommunen"], &["kommun"]),
            ("zentrum", &["zentren", "zentrums"], &[]),
            ("ozg", &["ozg"], &["ozgs", "ozgen"]),
        ];
        for (kw, yes, no) in cases {
            let f = forms(kw);
            for y in *yes {
                assert!(f.iter().any(|x| x == y), "{kw}: expected form {y} in {f:?}");
            }
            for n in *no {
                assert!(!f.iter().any(|x| x == n), "{kw}: unexpected form {n}");
            }
        }
    }

    #[test]
    fn linking_s_suffixes() {
        let cases = [
            ("registermodernisierung", true),
            ("zustaendigkeit", true),
            ("digitalpakt", false),
            ("servicekonto", false),
        ];
        for (kw, want) in cases {
            assert_eq!(takes_linking_s(kw), want, "{kw}");
        }
    }
}
