//! The index schema and the text analysers: which fields exist, how German and English text is
//! cut into terms, and how one article becomes one tantivy document.
//!
//! This file owns the field names and the analysis chain. Any change to either changes what is
//! on disk, so it must come with a bump of [`SCHEMA_VERSION`] (the index is then rebuilt from the
//! store at the next start). It must never read the store or the clock.

use std::mem;

use tantivy::TantivyDocument;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer, TokenizerManager,
};

use crate::model::Article;

/// Version of schema plus analysis; an index written with another version is rebuilt.
pub const SCHEMA_VERSION: u32 = 2;

/// Name of the German analyser (lowercase, umlaut folding, German Snowball stemmer).
pub const GERMAN: &str = "govwire_de";
/// Name of the English analyser (lowercase, ASCII folding, English Snowball stemmer).
pub const ENGLISH: &str = "govwire_en";

/// Separator of the keyword names in [`Fields::keyword_set`] (ASCII unit separator: never
/// part of a watchlist name).
pub const KEYWORD_SEP: &str = "\u{1f}";

/// Tokens longer than this (in bytes) are dropped: they are URLs or garbage, never words.
const MAX_TOKEN_BYTES: usize = 60;

/// The two analysed languages. Articles in any other (or no) language are analysed as German,
/// since nearly every source is German.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// German analysis.
    De,
    /// English analysis.
    En,
}

impl Lang {
    /// The analysis language of an article's `lang` code.
    pub fn of(code: Option<&str>) -> Lang {
        match code {
            Some(c) if c.eq_ignore_ascii_case("en") => Lang::En,
            _ => Lang::De,
        }
    }
}

/// The analysed text fields of one language.
#[derive(Debug, Clone, Copy)]
pub struct TextFields {
    /// Headline.
    pub title: Field,
    /// Kicker / Dachzeile.
    pub kicker: Field,
    /// Summary and main text.
    pub text: Field,
}

/// Every field of the index, resolved once.
#[derive(Debug, Clone)]
pub struct Fields {
    /// The schema they belong to.
    pub schema: Schema,
    /// Article id (u64; indexed for replace-by-id, fast for reading hits).
    pub id: Field,
    /// German-analysed text.
    pub de: TextFields,
    /// English-analysed text.
    pub en: TextFields,
    /// Watched keywords, lowercased (filter).
    pub keyword: Field,
    /// The article's watched keywords as written, sorted, deduplicated and joined with
    /// [`KEYWORD_SEP`] into one value (fast only, for facet counts). One value per article,
    /// empty when none, so facet counting reads it a block of documents at a time; a
    /// multi-valued column needs two index lookups per document, a third of a broad query's
    /// time at 1M articles.
    pub keyword_set: Field,
    /// Site tags, normalised like the store's tag key (lowercase, single spaces).
    pub tag: Field,
    /// Source id (filter and facet).
    pub source: Field,
    /// Land code of the source (filter and facet).
    pub land: Field,
    /// Land codes mentioned in the text (filter).
    pub mentions: Field,
    /// Level (`bund`, `land`, ...).
    pub level: Field,
    /// Language code as detected (`de`, `en`; empty when unknown).
    pub lang: Field,
    /// Sort time (publication date, else first seen) in Unix seconds (fast, for sort and range).
    pub published: Field,
}

impl Fields {
    /// The fixed schema.
    pub fn new() -> Fields {
        let mut b = Schema::builder();
        let id = b.add_u64_field("id", INDEXED | STORED | FAST);
        let text = |analyser: &str| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(analyser)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            )
        };
        let de = TextFields {
            title: b.add_text_field("title_de", text(GERMAN)),
            kicker: b.add_text_field("kicker_de", text(GERMAN)),
            text: b.add_text_field("text_de", text(GERMAN)),
        };
        let en = TextFields {
            title: b.add_text_field("title_en", text(ENGLISH)),
            kicker: b.add_text_field("kicker_en", text(ENGLISH)),
            text: b.add_text_field("text_en", text(ENGLISH)),
        };
        let keyword = b.add_text_field("keyword", STRING);
        let keyword_set = b.add_text_field("keyword_set", FAST);
        let tag = b.add_text_field("tag", STRING);
        let source = b.add_text_field("source", STRING | FAST);
        let land = b.add_text_field("land", STRING | FAST);
        let mentions = b.add_text_field("mentions", STRING);
        let level = b.add_text_field("level", STRING);
        let lang = b.add_text_field("lang", STRING);
        let published = b.add_i64_field("published", INDEXED | FAST);
        Fields {
            schema: b.build(),
            id,
            de,
            en,
            keyword,
            keyword_set,
            tag,
            source,
            land,
            mentions,
            level,
            lang,
            published,
        }
    }

    /// The text fields of `lang`.
    pub fn text(&self, lang: Lang) -> TextFields {
        match lang {
            Lang::De => self.de,
            Lang::En => self.en,
        }
    }

    /// The tantivy document for `article`.
    pub fn document(&self, a: &Article) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_u64(self.id, a.id.0);
        let t = self.text(Lang::of(a.lang.as_deref()));
        doc.add_text(t.title, &a.title);
        if let Some(k) = &a.kicker {
            doc.add_text(t.kicker, k);
        }
        if let Some(s) = &a.summary {
            doc.add_text(t.text, s);
        }
        // The subtitle is kept out of the text but is the article's words all the same.
        if let Some(s) = &a.subtitle {
            doc.add_text(t.text, s);
        }
        doc.add_text(t.text, &a.text);
        for k in &a.keywords {
            doc.add_text(self.keyword, k.to_lowercase());
        }
        let mut names: Vec<&str> = a
            .keywords
            .iter()
            .map(|k| k.as_str())
            .filter(|k| !k.is_empty())
            .collect();
        names.sort_unstable();
        names.dedup();
        doc.add_text(self.keyword_set, names.join(KEYWORD_SEP));
        for tag in &a.tags {
            doc.add_text(self.tag, normalise_tag(tag));
        }
        doc.add_text(self.source, &a.source_id);
        if let Some(l) = a.land {
            doc.add_text(self.land, l.code());
        }
        for l in &a.lands_mentioned {
            doc.add_text(self.mentions, l.code());
        }
        doc.add_text(self.level, a.level.as_str());
        doc.add_text(
            self.lang,
            a.lang.as_deref().unwrap_or("").to_ascii_lowercase(),
        );
        doc.add_i64(self.published, a.sort_time().timestamp());
        doc
    }
}

impl Default for Fields {
    fn default() -> Fields {
        Fields::new()
    }
}

/// A site tag as the filter field stores it: lowercase, whitespace collapsed to single spaces
/// (the same normalisation as the store's tag key).
pub fn normalise_tag(tag: &str) -> String {
    tag.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The German and English analysers, registered under [`GERMAN`] and [`ENGLISH`].
pub fn register(manager: &TokenizerManager) {
    manager.register(GERMAN, analyser(Lang::De));
    manager.register(ENGLISH, analyser(Lang::En));
}

/// The analyser of `lang`. German: words → lowercase → umlaut folding (`ä`/`ae` → `a`, `ß` →
/// `ss`) → Snowball German stemmer, so `Zuständigkeit`, `Zustaendigkeit` and `Zuständigkeiten`
/// meet. English: words → lowercase → ASCII folding → Snowball English stemmer.
pub fn analyser(lang: Lang) -> TextAnalyzer {
    let base = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser);
    match lang {
        Lang::De => base
            .filter(GermanFold)
            .filter(Stemmer::new(Language::German))
            .build(),
        Lang::En => base
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::new(Language::English))
            .build(),
    }
}

/// The terms `text` is analysed into (for building queries and for tests).
pub fn terms(lang: Lang, text: &str) -> Vec<(usize, String)> {
    let mut analyser = analyser(lang);
    let mut stream = analyser.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        let t = stream.token();
        out.push((t.position, t.text.clone()));
    }
    out
}

/// Folds German spellings of one word onto one form: `ä ö ü` → `a o u`, `ß` → `ss`, and the
/// transliterations `ae oe ue` → `a o u` when they follow a consonant (so `Zustaendigkeit`
/// equals `Zuständigkeit`, while `neue` or `Steuer` keep their `ue`). Other accented letters
/// lose their accent. Expects lowercase input.
pub fn fold_german(word: &str, out: &mut String) {
    out.clear();
    let mut prev: Option<char> = None;
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        if c == 'ß' {
            out.push_str("ss");
            prev = Some('s');
            continue;
        }
        let mapped = fold_accent(c).unwrap_or(c);
        out.push(mapped);
        if matches!(mapped, 'a' | 'o' | 'u')
            && chars.peek() == Some(&'e')
            && prev.is_some_and(|p| p.is_alphabetic() && !is_vowel(p))
        {
            chars.next();
        }
        prev = Some(mapped);
    }
}

/// The base letter of a lowercase umlaut or accented letter (`ä` → `a`, `é` → `e`, `ñ` → `n`);
/// `None` for any other character. One table for [`fold_german`] and the snippet scan, which
/// must agree on what a word folds to.
pub(crate) fn fold_accent(c: char) -> Option<char> {
    Some(match c {
        'ä' | 'à' | 'á' | 'â' | 'å' => 'a',
        'ö' | 'ò' | 'ó' | 'ô' => 'o',
        'ü' | 'ù' | 'ú' | 'û' => 'u',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ç' => 'c',
        'ñ' => 'n',
        _ => return None,
    })
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
}

/// Token filter applying [`fold_german`] to every token.
#[derive(Clone, Copy, Debug)]
pub struct GermanFold;

impl TokenFilter for GermanFold {
    type Tokenizer<T: Tokenizer> = GermanFoldTokenizer<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> GermanFoldTokenizer<T> {
        GermanFoldTokenizer {
            inner: tokenizer,
            buffer: String::new(),
        }
    }
}

/// The tokenizer [`GermanFold`] wraps another one in.
#[derive(Clone, Debug)]
pub struct GermanFoldTokenizer<T> {
    inner: T,
    buffer: String,
}

impl<T: Tokenizer> Tokenizer for GermanFoldTokenizer<T> {
    type TokenStream<'a> = GermanFoldStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        GermanFoldStream {
            buffer: &mut self.buffer,
            tail: self.inner.token_stream(text),
        }
    }
}

/// The token stream of [`GermanFoldTokenizer`].
pub struct GermanFoldStream<'a, T> {
    buffer: &'a mut String,
    tail: T,
}

impl<T: TokenStream> TokenStream for GermanFoldStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        fold_german(&token.text, self.buffer);
        if *self.buffer != token.text {
            mem::swap(&mut token.text, self.buffer);
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(lang: Lang, word: &str) -> String {
        let t = terms(lang, word);
        assert_eq!(t.len(), 1, "{word}: {t:?}");
        t[0].1.clone()
    }

    #[test]
    fn german_inflections_and_spellings_meet() {
        let groups: [&[&str]; 6] = [
            &["Verwaltung", "Verwaltungen", "VERWALTUNG"],
            &["Zuständigkeit", "Zustaendigkeit", "Zuständigkeiten"],
            &["München", "Muenchen"],
            &["Straße", "Strasse", "Straßen"],
            &["Digitalisierung", "Digitalisierungen"],
            &["Behörde", "Behoerde", "Behörden"],
        ];
        for group in groups {
            let first = one(Lang::De, group[0]);
            for w in &group[1..] {
                assert_eq!(one(Lang::De, w), first, "{w} vs {}", group[0]);
            }
        }
    }

    #[test]
    fn folding_keeps_ue_after_vowels() {
        let mut out = String::new();
        for (word, want) in [
            ("zustaendigkeit", "zustandigkeit"),
            ("neue", "neue"),
            ("steuer", "steuer"),
            ("größe", "grosse"),
            ("ae", "ae"),
            ("café", "cafe"),
        ] {
            fold_german(word, &mut out);
            assert_eq!(out, want, "{word}");
        }
    }

    #[test]
    fn english_is_stemmed_and_compounds_split() {
        assert_eq!(
            one(Lang::En, "administrations"),
            one(Lang::En, "administration")
        );
        let parts: Vec<String> = terms(Lang::De, "OZG-Umsetzung")
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        assert_eq!(parts.len(), 2, "{parts:?}");
        assert_eq!(parts[0], "ozg");
    }
}
