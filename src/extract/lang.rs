//! Language of an article: what the text says first, what the page declares second.
//!
//! Owns the mapping from whatlang's ISO 639-3 codes to ISO 639-1 and the rule that a declared
//! `<html lang>` only decides when detection is unreliable or the text is too short. It must never
//! report a code that is not two lowercase ASCII letters.

use whatlang::Lang;

/// Below this many letters detection is too noisy; the declared language wins.
const MIN_LETTERS: usize = 40;
/// whatlang confidence at or above which the detected language beats the declared one.
const CONFIDENT: f64 = 0.5;
/// Only this much text is given to whatlang: more does not change the answer, only the time
/// (`benches/lang_sample`: 1 KiB instead of 4 KiB gave the same language on all 413 pages of the
/// extraction benchmark and cut detection's instructions by about 40 %).
const MAX_SAMPLE: usize = 1024;

/// Detects the language of `text` (ISO 639-1, e.g. `de`, `en`). `declared` (an `<html lang>`
/// value like `de-DE`) is used only when the text is short or detection is not confident.
pub fn detect_language(text: &str, declared: Option<&str>) -> Option<String> {
    let declared = declared.and_then(normalize_declared);
    let sample = sample(text);
    let letters = sample.chars().filter(|c| c.is_alphabetic()).count();
    if letters < MIN_LETTERS {
        return declared.or_else(|| detect(sample).map(|(code, _)| code.to_string()));
    }
    match detect(sample) {
        Some((code, conf)) if conf >= CONFIDENT => Some(code.to_string()),
        Some((code, _)) => declared.or_else(|| Some(code.to_string())),
        None => declared,
    }
}

/// At most [`MAX_SAMPLE`] bytes of `text`, cut on a char boundary.
fn sample(text: &str) -> &str {
    if text.len() <= MAX_SAMPLE {
        return text;
    }
    let mut end = MAX_SAMPLE;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// whatlang's guess as ISO 639-1 plus its confidence.
fn detect(text: &str) -> Option<(&'static str, f64)> {
    let info = whatlang::detect(text)?;
    let code = iso639_1(info.lang())?;
    let conf = if info.is_reliable() {
        info.confidence().max(CONFIDENT)
    } else {
        info.confidence()
    };
    Some((code, conf))
}

/// `de-DE`, `DE`, `de_AT` → `de`; anything that is not a two-letter code → `None`.
fn normalize_declared(lang: &str) -> Option<String> {
    let primary = lang.trim().split(['-', '_']).next()?;
    (primary.len() == 2 && primary.chars().all(|c| c.is_ascii_alphabetic()))
        .then(|| primary.to_ascii_lowercase())
}

/// ISO 639-1 for the languages whatlang knows that have one.
fn iso639_1(lang: Lang) -> Option<&'static str> {
    const TABLE: &[(&str, &str)] = &[
        ("deu", "de"),
        ("eng", "en"),
        ("fra", "fr"),
        ("ita", "it"),
        ("spa", "es"),
        ("por", "pt"),
        ("nld", "nl"),
        ("pol", "pl"),
        ("ces", "cs"),
        ("slk", "sk"),
        ("slv", "sl"),
        ("hrv", "hr"),
        ("srp", "sr"),
        ("hun", "hu"),
        ("ron", "ro"),
        ("bul", "bg"),
        ("rus", "ru"),
        ("ukr", "uk"),
        ("bel", "be"),
        ("tur", "tr"),
        ("ara", "ar"),
        ("heb", "he"),
        ("pes", "fa"),
        ("dan", "da"),
        ("swe", "sv"),
        ("nob", "nb"),
        ("fin", "fi"),
        ("est", "et"),
        ("lav", "lv"),
        ("lit", "lt"),
        ("ell", "el"),
        ("cmn", "zh"),
        ("jpn", "ja"),
        ("kor", "ko"),
        ("vie", "vi"),
        ("tha", "th"),
        ("hin", "hi"),
        ("ind", "id"),
        ("epo", "eo"),
        ("cat", "ca"),
        ("kat", "ka"),
        ("hye", "hy"),
        ("aze", "az"),
        ("mkd", "mk"),
        ("cym", "cy"),
        ("afr", "af"),
        ("lat", "la"),
        ("urd", "ur"),
        ("ben", "bn"),
        ("tgl", "tl"),
    ];
    let code = lang.code();
    TABLE
        .iter()
        .find(|(three, _)| *three == code)
        .map(|(_, two)| *two)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DE: &str = "Brandenburg und Bayern haben eine Kooperationsvereinbarung zur \
        Digitalisierung der Verwaltung geschlossen. Das teilen jetzt das Bayerische \
        Staatsministerium für Digitales und das Ministerium des Innern mit.";
    const EN: &str = "The federal government has published a new strategy for the \
        digitalisation of public administration. Citizens will be able to apply for most \
        services online by the end of next year, the ministry said on Tuesday.";

    #[test]
    fn language_table() {
        let cases: &[(&str, Option<&str>, Option<&str>)] = &[
            (DE, None, Some("de")),
            (EN, None, Some("en")),
            (EN, Some("de-DE"), Some("en")),
            (DE, Some("en"), Some("de")),
            ("Kurz", Some("de-DE"), Some("de")),
            ("", Some("DE"), Some("de")),
            ("", Some("deutsch"), None),
            ("", None, None),
            ("12345 !!!", Some("x"), None),
        ];
        for (text, declared, want) in cases {
            assert_eq!(
                detect_language(text, *declared).as_deref(),
                *want,
                "text {text:.20?} declared {declared:?}"
            );
        }
    }

    #[test]
    fn output_is_always_two_letters() {
        for text in [
            DE,
            EN,
            "Привет, как дела? Это тестовый текст на русском языке.",
            "ßßß",
        ] {
            if let Some(code) = detect_language(text, None) {
                assert_eq!(code.len(), 2);
                assert!(code.chars().all(|c| c.is_ascii_lowercase()));
            }
        }
    }
}
