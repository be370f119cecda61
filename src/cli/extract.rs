//! `govwire extract FILE...`: runs article extraction on saved pages, for debugging a source
//! and for the extraction benchmark.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use govwire::fetch::charset;
use govwire::model::ArticleSelectors;

/// Output format of `govwire extract`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// One JSON object per file.
    Json,
    /// Only the main text.
    Text,
}

/// Extracts each file; a file that fails is reported and the others still run.
pub fn run(
    config_path: &Path,
    url: Option<String>,
    source: Option<String>,
    format: Format,
    files: &[PathBuf],
) -> anyhow::Result<ExitCode> {
    let selectors = match &source {
        Some(id) => {
            let config = super::load_config(config_path)?;
            config
                .source(id)
                .with_context(|| format!("no source with id {id:?} in {}", config_path.display()))?
                .article
                .clone()
        }
        None => ArticleSelectors::default(),
    };
    let mut failed = false;
    for file in files {
        if let Err(e) = one(file, url.as_deref(), &selectors, format) {
            eprintln!("{}: {e:#}", file.display());
            failed = true;
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn one(
    file: &Path,
    url: Option<&str>,
    selectors: &ArticleSelectors,
    format: Format,
) -> anyhow::Result<()> {
    let raw = std::fs::read(file).map_err(|e| anyhow::anyhow!("cannot read: {e}"))?;
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .take(64 << 20)
            .read_to_end(&mut out)
            .context("invalid gzip")?;
        out
    } else {
        raw
    };
    let html = charset::decode(&bytes, None, Some(b"de"));
    let page_url = match url {
        Some(u) => u.to_owned(),
        // A saved page without --url: relative links resolve against the file itself.
        None => std::path::absolute(file)
            .ok()
            .and_then(|p| url::Url::from_file_path(p).ok())
            .map(String::from)
            .with_context(|| "cannot make a file:// URL of this path; pass --url")?,
    };
    let draft = govwire::extract::extract_article(&html, &page_url, selectors)?;
    match format {
        Format::Json => println!("{}", serde_json::to_string(&draft)?),
        Format::Text => println!("{}", draft.text),
    }
    Ok(())
}
