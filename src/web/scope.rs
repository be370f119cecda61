//! Which articles a listing or feed shows: all, one watched keyword, one site tag or one source.
//!
//! This file owns resolving a path parameter to a scope (404 for keywords and sources that are not
//! configured), the scope's German heading, its site paths, and the store query behind it. It must
//! never render anything.

use crate::model::Source;
use crate::store::{Page, Store, StoreError, tag_key};

use super::AppState;
use super::error::WebError;
use super::view::{keyword_path, source_path, tag_path};

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
        if key.is_empty() || key.len() > MAX_TAG_BYTES {
            return Err(WebError::BadRequest(format!(
                "Ein Schlagwort muss 1 bis {MAX_TAG_BYTES} Zeichen lang sein."
            )));
        }
        Ok(Scope::Tag(key))
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

    /// German heading (`Stichwort „OZG“`).
    pub fn heading(&self) -> String {
        match self {
            Scope::Latest => "Neueste Meldungen".to_string(),
            Scope::Keyword(k) => format!("Stichwort „{k}“"),
            Scope::Tag(t) => format!("Schlagwort „{t}“"),
            Scope::Source(s) => format!("Quelle: {}", s.name),
        }
    }

    /// Site path of the HTML listing (`/keyword/OZG`).
    pub fn path(&self) -> String {
        match self {
            Scope::Latest => "/".to_string(),
            Scope::Keyword(k) => keyword_path(k),
            Scope::Tag(t) => tag_path(t),
            Scope::Source(s) => source_path(&s.id),
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
        }
    }
}
