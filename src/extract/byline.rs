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
    "autorin/autor:",
    "autor/autorin:",
    "autor/in:",
    "autor*in:",
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

/// A person named as author, with the role or office the byline gives after the name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// The name alone (`Dr. Anna Beispiel`).
    pub name: String,
    /// The role after the name (`Bundesministerin für Digitales`, `Pressesprecher`), if any.
    pub role: Option<String>,
}

/// Longest role kept; a longer tail is a sentence, not an office.
const MAX_ROLE_CHARS: usize = 120;

impl Author {
    /// Splits an author value (`Max Muster (Pressesprecher)`, `Anna Beispiel, Ministerin`)
    /// into name and role; `None` when no name is left. The name is not checked for being a
    /// person's (meta and feed authors may name an organisation).
    pub fn split(text: &str) -> Option<Author> {
        let (name, role) = split_role(text);
        let name = name.trim().trim_end_matches(['.', ',', ';', ':']).trim();
        if name.is_empty() {
            return None;
        }
        // An organisation has no role of its own: the tail is part of its name or a unit.
        let role = role.filter(|_| !is_organisation(name));
        Some(Author {
            name: name.to_string(),
            role,
        })
    }
}

/// The author from a byline line (`Autorin: Dr. Anna Beispiel`, `Von Max Mustermann,
/// Bundesminister für …`), role split off; `None` when the line is no byline.
pub(crate) fn parse_byline(line: &str) -> Option<Author> {
    let line = line.trim();
    if line.is_empty() || line.chars().count() > MAX_BYLINE_CHARS {
        return None;
    }
    let lower = line.to_lowercase();
    let prefix = BYLINE_PREFIXES.iter().find(|p| lower.starts_with(*p))?;
    // Prefixes are ASCII, so the byte length is the same in `line`.
    let rest = line.get(prefix.len()..)?.trim();
    person(rest)
}

/// The person in `text` with the role split off (`Anna Beispiel, Bundesministerin für …`), if
/// what is left looks like one or a few persons' names.
pub(crate) fn person(text: &str) -> Option<Author> {
    let a = Author::split(text)?;
    looks_like_names(&a.name).then_some(a)
}

/// Name and role of an author value: cut at the first `, `, ` – `, ` - `, ` | `, ` (` or ` / `;
/// the role is what follows, without brackets, and only when it is no date or number.
fn split_role(text: &str) -> (&str, Option<String>) {
    let text = text.trim();
    let cut = [", ", " – ", " — ", " - ", " | ", " (", " / "]
        .iter()
        .filter_map(|sep| text.find(sep).map(|i| (i, sep.len())))
        .min();
    let Some((i, len)) = cut else {
        return (text, None);
    };
    let role = text[i + len..]
        .trim()
        .trim_end_matches(')')
        .trim_start_matches('(')
        .trim()
        .trim_end_matches(['.', ',', ';'])
        .trim();
    let role = (!role.is_empty()
        && role.chars().count() <= MAX_ROLE_CHARS
        && role.chars().next().is_some_and(char::is_alphabetic)
        && !role.chars().any(|c| c.is_ascii_digit()))
    .then(|| role.to_string());
    (text[..i].trim(), role)
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
/// else the first at all.
pub(crate) fn best_author<I>(candidates: I) -> Option<Author>
where
    I: IntoIterator<Item = Option<Author>>,
{
    let mut first_org: Option<Author> = None;
    for c in candidates.into_iter().flatten() {
        if c.name.is_empty() {
            continue;
        }
        if !is_organisation(&c.name) {
            return Some(c);
        }
        if first_org.is_none() {
            first_org = Some(c);
        }
    }
    first_org
}

/// The author to keep when the page names `page` and the feed entry `feed`: the page's, unless
/// it is an organisation and the feed names a person. A role after the feed's name is split off.
pub fn prefer_author(page: Option<Author>, feed: Option<String>) -> Option<Author> {
    best_author([page, feed.as_deref().and_then(Author::split)])
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
            assert_eq!(
                parse_byline(line).map(|a| a.name).as_deref(),
                want,
                "{line}"
            );
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

    fn name(a: Option<Author>) -> Option<String> {
        a.map(|a| a.name)
    }

    fn split(s: &str) -> Option<Author> {
        Author::split(s)
    }

    #[test]
    fn persons_beat_organisations() {
        assert_eq!(
            name(prefer_author(
                split("Pressestelle"),
                Some("Max Mustermann".into())
            ))
            .as_deref(),
            Some("Max Mustermann")
        );
        assert_eq!(
            name(prefer_author(
                split("Anna Beispiel, Ministerin"),
                Some("Redaktion".into())
            ))
            .as_deref(),
            Some("Anna Beispiel")
        );
        assert_eq!(
            name(prefer_author(None, Some("Staatskanzlei".into()))).as_deref(),
            Some("Staatskanzlei")
        );
    }

    #[test]
    fn roles_are_split_from_names() {
        for (line, want_name, want_role) in [
            (
                "Dr. Anna Beispiel, Bundesministerin für Digitales",
                "Dr. Anna Beispiel",
                Some("Bundesministerin für Digitales"),
            ),
            (
                "Max Muster (Pressesprecher)",
                "Max Muster",
                Some("Pressesprecher"),
            ),
            (
                "Von Erika Muster, Referentin im Ministerium der Finanzen",
                "Erika Muster",
                Some("Referentin im Ministerium der Finanzen"),
            ),
            (
                "Autorin: Lena Probe – Staatssekretärin",
                "Lena Probe",
                Some("Staatssekretärin"),
            ),
            ("Von Max Mustermann", "Max Mustermann", None),
            ("Von Max Mustermann | 11.12.2020", "Max Mustermann", None),
        ] {
            let a = parse_byline(line)
                .or_else(|| person(line))
                .unwrap_or_else(|| panic!("{line}: no author"));
            assert_eq!(a.name, want_name, "{line}");
            assert_eq!(a.role.as_deref(), want_role, "{line}");
        }
        // An organisation keeps no role.
        assert_eq!(
            split("Pressestelle - Staatskanzlei").and_then(|a| a.role),
            None
        );
    }
}
