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
        // A panic on one hostile file (a bug) is reported like an error; the others still run.
        let result = std::panic::catch_unwind(|| one(file, url.as_deref(), &selectors, format))
            .unwrap_or_else(|_| Err(anyhow::anyhow!("internal error (panic) while extracting")));
        if let Err(e) = result {
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

/// Largest page read, counted after gzip decompression: the crawler's default body cap
/// (`max_body`), so a saved page and a fetched one are bounded alike and a gzip bomb stops early.
const MAX_FILE_BYTES: u64 = 10 << 20;

/// Reads `file` (gunzipped if it is gzip), failing once it exceeds `limit` bytes, before
/// reading further.
fn read_capped(file: &Path, limit: u64) -> anyhow::Result<Vec<u8>> {
    let too_large = || anyhow::anyhow!("larger than {} MiB (after decompression)", limit >> 20);
    let mut f = std::fs::File::open(file).context("cannot read")?;
    let mut magic = [0u8; 2];
    let n = f.read(&mut magic).context("cannot read")?;
    let head = std::io::Cursor::new(magic[..n].to_vec());
    let mut out = Vec::new();
    if magic[..n] == [0x1f, 0x8b] {
        flate2::read::GzDecoder::new(head.chain(f))
            .take(limit + 1)
            .read_to_end(&mut out)
            .context("invalid gzip")?;
    } else {
        head.chain(f)
            .take(limit + 1)
            .read_to_end(&mut out)
            .context("cannot read")?;
    }
    if out.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(out)
}

fn one(
    file: &Path,
    url: Option<&str>,
    selectors: &ArticleSelectors,
    format: Format,
) -> anyhow::Result<()> {
    let bytes = read_capped(file, MAX_FILE_BYTES)?;
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
