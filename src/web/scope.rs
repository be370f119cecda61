//! Which articles a listing or feed shows: all, one watched keyword, one site tag, one source,
//! or one region (a Land's sources, a Land mentioned, a level).
//!
//! This file owns resolving a path parameter to a scope (404 for keywords and sources that are not
//! configured), the scope's German heading, its site paths, and the store query behind it. It must
//! never render anything.

use crate::model::{Land, Level, Source};
use crate::store::{Page, Region, Store, StoreError, tag_key};

use super::error::WebError;
use super::paths::{keyword_path, region_path, source_path, tag_path};
use super::state::AppState;

/// Longest tag accepted in a URL, in bytes (longer ones cannot be stored tags anyway).
const MAX_TAG_BYTES: usize = 200;

/// A set of articles, newest first.
#[derive(Debug, Clone)]
pub enum Scope {
    /// Every article.
    Latest,
    /// Articles carrying a watched keyword (canonical name).
    Keyword(String),
    /// Articles carrying a site tag (as given; matched by [`tag_key`]).
    Tag(String),
    /// Articles of one configured source.
    Source(Box<Source>),
    /// Articles from a Land's sources, mentioning a Land, or of one level.
    Region(Region),
}

impl Scope {
    /// The watched keyword `name` (exact, else case-insensitive); 404 if it is not watched.
    pub fn keyword(state: &AppState, name: &str) -> Result<Scope, WebError> {
        let found = state.keywords.iter().find(|k| k.name == name).or_else(|| {
            state
                .keywords
                .iter()
                .find(|k| k.name.to_lowercase() == name.to_lowercase())
        });
        match found {
            Some(k) => Ok(Scope::Keyword(k.name.clone())),
            None => Err(WebError::NotFound(format!(
                "„{}“ steht nicht auf der Liste der beobachteten Stichwörter.",
                name.chars().take(80).collect::<String>()
            ))),
        }
    }

    /// The site tag `tag`; 400 if it is blank or absurdly long.
    pub fn tag(tag: &str) -> Result<Scope, WebError> {
        let key = tag_key(tag);
        // Tags such as `Bund/Länder` may contain slashes, but never a `.` or `..` segment:
        // such a "tag" can only be a path-traversal probe.
        // Judged on the tag as asked for: its key holds only letters, digits and `-`.
        let path_like = tag
            .trim()
            .split(['/', '\\'])
            .any(|segment| !segment.is_empty() && segment.chars().all(|c| c == '.'));
        if key.is_empty() || key.len() > MAX_TAG_BYTES || path_like {
            return Err(WebError::BadRequest(format!(
                "Ein Schlagwort muss 1 bis {MAX_TAG_BYTES} Zeichen lang sein."
            )));
        }
        // The tag as asked for is what the page names; the store and the links key it.
        Ok(Scope::Tag(
            tag.split_whitespace().collect::<Vec<_>>().join(" "),
        ))
    }

    /// The configured source `id`; 404 if there is none.
    pub fn source(state: &AppState, id: &str) -> Result<Scope, WebError> {
        match state.sources.iter().find(|s| s.id == id) {
            Some(s) => Ok(Scope::Source(Box::new(s.clone()))),
            None => Err(WebError::NotFound(format!(
                "Eine Quelle „{}“ ist nicht konfiguriert.",
                id.chars().take(80).collect::<String>()
            ))),
        }
    }

    /// Articles from sources in the Land with code `code` (`BY`, any case); 404 otherwise.
    pub fn land(code: &str) -> Result<Scope, WebError> {
        Ok(Scope::Region(Region::From(parse_land(code)?)))
    }

    /// Articles whose text mentions the Land with code `code`; 404 for unknown codes.
    pub fn mentions(code: &str) -> Result<Scope, WebError> {
        Ok(Scope::Region(Region::Mentions(parse_land(code)?)))
    }

    /// Articles from sources of level `level` (`bund`, `land`, `kommune`, `presse`).
    pub fn level(level: &str) -> Result<Scope, WebError> {
        match Level::parse(&level.to_ascii_lowercase()) {
            Some(l) => Ok(Scope::Region(Region::Level(l))),
            None => Err(WebError::NotFound(
                "Ebenen sind bund, land, kommune und presse.".to_string(),
            )),
        }
    }

    /// German heading (`Stichwort „OZG“`).
    pub fn heading(&self) -> String {
        match self {
            Scope::Latest => "Neueste Meldungen".to_string(),
            Scope::Keyword(k) => format!("Stichwort „{k}“"),
            Scope::Tag(t) => format!("Schlagwort „{t}“"),
            Scope::Source(s) => format!("Quelle: {}", s.name),
            Scope::Region(Region::From(l)) => format!("Aus {}", l.name()),
            Scope::Region(Region::Mentions(l)) => format!("Erwähnt: {}", l.name()),
            Scope::Region(Region::Level(l)) => format!("Ebene: {}", l.label()),
        }
    }

    /// Site path of the HTML listing (`/keyword/OZG`).
    pub fn path(&self) -> String {
        match self {
            Scope::Latest => "/".to_string(),
            Scope::Keyword(k) => keyword_path(k),
            Scope::Tag(t) => tag_path(t),
            Scope::Source(s) => source_path(&s.id),
            Scope::Region(r) => region_path(*r),
        }
    }

    /// Path the scope's feeds hang off (`""` for the site-wide feeds).
    pub fn feed_base(&self) -> String {
        match self {
            Scope::Latest => String::new(),
            other => other.path(),
        }
    }

    /// `limit` articles after skipping `offset`, newest first.
    pub fn fetch(&self, store: &Store, offset: usize, limit: usize) -> Result<Page, StoreError> {
        match self {
            Scope::Latest => store.latest(offset, limit),
            Scope::Keyword(k) => store.by_keyword(k, offset, limit),
            Scope::Tag(t) => store.by_tag(t, offset, limit),
            Scope::Source(s) => store.by_source(&s.id, offset, limit),
            Scope::Region(r) => store.by_region(*r, offset, limit),
        }
    }
}

fn parse_land(code: &str) -> Result<Land, WebError> {
    Land::parse(&code.to_ascii_uppercase()).ok_or_else(|| {
        WebError::NotFound(
            "Länder werden mit ihrem Kürzel angegeben, zum Beispiel BY oder NW.".to_string(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_may_hold_slashes_but_not_dot_segments() {
        for ok in [
            "Bund/Länder",
            "TCP/IP",
            "E-Government",
            "v1.2",
            "...und mehr",
        ] {
            assert!(Scope::tag(ok).is_ok(), "{ok}");
        }
        for bad in [".", "..", "../../Cargo.toml", "a/../b", "..\\x", "", "   "] {
            assert!(Scope::tag(bad).is_err(), "{bad}");
        }
    }
}
