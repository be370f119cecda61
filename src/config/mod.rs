//! Loads `sources.toml` into validated [`Config`] values, once, for the whole program.
//!
//! This module owns the file format: the `[settings]` table, the `[[source]]` list, the
//! `[[keyword]]` watchlist and `[digest]`, their defaults, and errors that name the file, the 1-based line and
//! the field. It reads the TOML into a span-carrying tree (`toml::de::DeTable`) and walks it by
//! hand, so that *every* problem (unknown keys, wrong types, bad values) is reported in one go
//! rather than only the first. It must never fetch anything, and [`parse`] must never read the
//! environment or the file system; env overrides live in [`Config::apply_env`] only.

mod digest;
mod error;
mod keywords;
mod settings;
mod sources;
mod values;
mod walk;

#[cfg(test)]
mod tests;

use std::path::Path;

use toml::de::DeTable;

pub use digest::{Bcc, DigestConfig, EmailConfig, SmtpTls};
pub use error::{ConfigError, Problem};
pub use settings::{ENV_DATA_DIR, ENV_LISTEN, Settings};

use crate::model::{Keyword, Source};
use error::Report;
use walk::Fields;

/// The whole validated configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Global settings (`[settings]`, defaults where absent).
    pub settings: Settings,
    /// Every configured source, in file order.
    pub sources: Vec<Source>,
    /// The keyword watchlist, in file order.
    pub keywords: Vec<Keyword>,
    /// The daily digest (`[digest]`, all optional; no e-mail unless `[digest.email]` is given).
    pub digest: DigestConfig,
}

impl Config {
    /// The source with id `id`, if configured.
    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.id == id)
    }

    /// Applies the `GOVWIRE_DATA_DIR` and `GOVWIRE_LISTEN` environment variables, if set.
    pub fn apply_env(&mut self) -> Result<(), ConfigError> {
        self.settings.apply_overrides(|k| std::env::var_os(k))
    }
}

const TOP_KEYS: &[&str] = &["settings", "source", "keyword", "digest"];

/// Reads and validates the config file at `path`; errors name the path.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, &path.display().to_string())
}

/// Parses and validates config `text`; `file_name` is only used in error messages.
pub fn parse(text: &str, file_name: &str) -> Result<Config, ConfigError> {
    let mut r = Report::new(file_name, text);
    let (doc, syntax_errors) = DeTable::parse_recoverable(text);
    for e in &syntax_errors {
        let span = e.span().unwrap_or(0..0);
        r.push(
            &span,
            "",
            "",
            format!("TOML syntax error: {}", e.message().trim()),
        );
    }
    if !r.is_clean() {
        // The recovered tree would only add follow-on noise.
        return r.finish(empty_config());
    }
    let top = Fields::new(doc.get_ref(), doc.span(), TOP_KEYS);
    top.reject_unknown(&mut r);
    let settings = match top.table(&mut r, "settings") {
        Some((span, table)) => settings::read(table, span, &mut r),
        None => Settings::default(),
    };
    let source_tables = top.tables(&mut r, "source");
    let sources = sources::read_all(source_tables, settings.default_interval, &mut r);
    let keyword_tables = top.tables(&mut r, "keyword");
    let keywords = keywords::read_all(keyword_tables, &mut r);
    let digest = match top.table(&mut r, "digest") {
        Some((span, table)) => digest::read(table, span, &mut r),
        None => DigestConfig::default(),
    };
    r.finish(Config {
        settings,
        sources,
        keywords,
        digest,
    })
}

fn empty_config() -> Config {
    Config {
        settings: Settings::default(),
        sources: Vec::new(),
        keywords: Vec::new(),
        digest: DigestConfig::default(),
    }
}
