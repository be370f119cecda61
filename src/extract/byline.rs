//! Bylines and author names: `Autorin: …`, `Von …`, `Ein Beitrag von …` lines, the role after a
//! name (`…, Bundesminister für …`), and organisation names that are no author.
//!
//! Owns the reading of a byline line and the person/organisation verdict used to rank author
//! candidates (page byline, `<meta name="author">`, JSON-LD, the feed's author). It must never
//! take a sentence for a byline (`Von den 20 Projekten …` is text): a byline's name is a handful
//! of capitalised words.

/// Prefixes of a byline line, longest first so that `Ein Beitrag von` wins over `Von`.
const BYLINE_PREFIXES: &[&str] = &[
    "ein beitrag von ",
    "ein gastbeitrag von ",
    "ein interview von ",
    "geschrieben von ",
    "beitrag von ",
    "text und fotos:",
    "text und foto:",
    "autorinnen:",
    "autorinnen ",
    "verfasserin:",
    "verfasser:",
    "autorin:",
    "autoren:",
    "autorin ",
    "autoren ",
    "autor:",
    "autor ",
    "text von ",
    "text:",
    "von:",
    "von ",
    "by ",
];

/// Longest byline line read.
const MAX_BYLINE_CHARS: usize = 160;
/// Most words of a name (titles and particles included).
const MAX_NAME_WORDS: usize = 8;

/// The author's name from a byline line (`Autorin: Dr. Anna Beispiel`, `Von Max Mustermann,
/// Bundesminister für …`), role cut off; `None` when the line is no byline.
pub(crate) fn parse_byline(line: &str) -> Option<String> {
    let line = line.trim();
    if line.is_empty() || line.chars().count() > MAX_BYLINE_CHARS {
        return None;
    }
    let lower = line.to_lowercase();
    let prefix = BYLINE_PREFIXES.iter().find(|p| lower.starts_with(*p))?;
    // Prefixes are ASCII, so the byte length is the same in `line`.
    let rest = line.get(prefix.len()..)?.trim();
    let name = person_name(rest)?;
    Some(name)
}

/// The name in `text` without a role (`Anna Beispiel, Bundesministerin für …` → `Anna
/// Beispiel`), if what is left looks like one or a few persons' names.
pub(crate) fn person_name(text: &str) -> Option<String> {
    let name = strip_role(text);
    let name = name.trim().trim_end_matches(['.', ',', ';', ':']).trim();
    looks_like_names(name).then(|| name.to_string())
}

/// `text` without a role or affiliation after the name: cut at `, `, ` – `, ` - `, ` | ` or ` (`.
pub(crate) fn strip_role(text: &str) -> &str {
    let cut = [", ", " – ", " — ", " - ", " | ", " (", " / "]
        .iter()
        .filter_map(|sep| text.find(sep))
        .min();
    match cut {
        Some(i) => text[..i].trim(),
        None => text.trim(),
    }
}

/// Lowercase words allowed inside names: particles and the joins of several authors.
const NAME_PARTICLES: &[&str] = &[
    "von", "van", "der", "den", "de", "zu", "vom", "und", "u.", "&", "di", "da", "le", "la", "ten",
    "ter", "al",
];

/// One to [`MAX_NAME_WORDS`] words, each capitalised (or an academic title, an initial, a
/// particle), no digits: `Dr. Anna Beispiel`, `Max Mustermann und Erika Musterfrau`.
fn looks_like_names(name: &str) -> bool {
    let words: Vec<&str> = name.split_whitespace().collect();
    if words.is_empty() || words.len() > MAX_NAME_WORDS || name.chars().any(|c| c.is_ascii_digit())
    {
        return false;
    }
    let capitalised = words
        .iter()
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .count();
    capitalised >= 1
        && words
            .iter()
            .all(|w| w.chars().next().is_some_and(char::is_uppercase) || NAME_PARTICLES.contains(w))
        && !words.first().is_some_and(|w| NAME_PARTICLES.contains(w))
        && !name.ends_with(['!', '?'])
}

/// Word stems of organisations, not persons (lowercased).
const ORGANISATION_STEMS: &[&str] = &[
    "pressestelle",
    "presse",
    "ministeri",
    "staatskanzlei",
    "kanzlei",
    "redaktion",
    "senatsverwaltung",
    "verwaltung",
    "behörde",
    "bundesamt",
    "landesamt",
    "referat",
    "abteilung",
    "kommunikation",
    "öffentlichkeitsarbeit",
    "regierung",
    "landkreis",
    "landratsamt",
    "gmbh",
    "institut",
    "agentur",
    "stiftung",
    "verband",
    "ministry",
    "department",
    "office",
    "team",
    "newsroom",
    "webmaster",
    "admin",
    "stadt",
    "gemeinde",
    "landtag",
    "bundestag",
    "senat",
    "rathaus",
    "polizei",
    "dienst",
];

/// Whether an author value names an organisation (`Pressestelle`, `Bundesministerium des
/// Innern`, `Staatskanzlei`, `Redaktion`, `Auswärtiges Amt`) rather than a person.
pub(crate) fn is_organisation(name: &str) -> bool {
    let lower = name.to_lowercase();
    lower.split(|c: char| !c.is_alphanumeric()).any(|w| {
        ORGANISATION_STEMS.iter().any(|s| w.contains(s))
            || w == "amt"
            || (w.len() > 4 && w.ends_with("amt"))
            || w == "ev"
    })
}

/// The best author among candidates in order of preference: the first that names a person,
/// else the first at all. Every candidate has its role cut off.
pub(crate) fn best_author<I>(candidates: I) -> Option<String>
where
    I: IntoIterator<Item = Option<String>>,
{
    let mut first_org: Option<String> = None;
    for c in candidates.into_iter().flatten() {
        let name = strip_role(&c).to_string();
        if name.is_empty() {
            continue;
        }
        if !is_organisation(&name) {
            return Some(name);
        }
        if first_org.is_none() {
            first_org = Some(name);
        }
    }
    first_org
}

/// The author to keep when the page names `page` and the feed entry `feed`: the page's, unless
/// it is an organisation and the feed names a person.
pub fn prefer_author(page: Option<String>, feed: Option<String>) -> Option<String> {
    best_author([page, feed])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byline_lines() {
        for (line, want) in [
            ("Autorin: Dr. Anna Beispiel", Some("Dr. Anna Beispiel")),
            (
                "Autor: Jan Beispiel, Bundesminister für Digitales",
                Some("Jan Beispiel"),
            ),
            ("Von Max Mustermann", Some("Max Mustermann")),
            (
                "von Max Mustermann und Erika Musterfrau",
                Some("Max Mustermann und Erika Musterfrau"),
            ),
            ("Ein Beitrag von Erika Musterfrau", Some("Erika Musterfrau")),
            ("Von Lena Probe – Staatssekretärin", Some("Lena Probe")),
            ("Von den 20 Projekten wurden zwölf gefördert.", None),
            ("Von Montag an gilt die neue Regel.", None),
            ("Von Berlin aus koordiniert", None),
            ("Die Ministerin sagt", None),
        ] {
            assert_eq!(parse_byline(line).as_deref(), want, "{line}");
        }
    }

    #[test]
    fn organisations() {
        for org in [
            "Pressestelle",
            "Bundesministerium des Innern und für Heimat",
            "Staatskanzlei",
            "Redaktion",
            "Auswärtiges Amt",
            "Landratsamt Musterkreis",
            "Senatsverwaltung für Finanzen",
        ] {
            assert!(is_organisation(org), "{org}");
        }
        for person in ["Dr. Anna Beispiel", "Max Mustermann", "Lena Probe"] {
            assert!(!is_organisation(person), "{person}");
        }
    }

    #[test]
    fn persons_beat_organisations() {
        assert_eq!(
            prefer_author(Some("Pressestelle".into()), Some("Max Mustermann".into())).as_deref(),
            Some("Max Mustermann")
        );
        assert_eq!(
            prefer_author(
                Some("Anna Beispiel, Ministerin".into()),
                Some("Redaktion".into())
            )
            .as_deref(),
            Some("Anna Beispiel")
        );
        assert_eq!(
            prefer_author(None, Some("Staatskanzlei".into())).as_deref(),
            Some("Staatskanzlei")
        );
    }
}
