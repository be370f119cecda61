//! `govwire add URL [--write]`: probe a site politely and propose its `[[source]]` block.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use govwire::config::Config;
use govwire::crawl::probe::{self, Probe};

/// Arguments of `govwire add`.
#[derive(clap::Args)]
pub struct AddArgs {
    /// The site's home page, news list page or feed (http or https).
    #[arg(value_name = "URL")]
    url: String,
    /// Append the proposed block to the configuration file (`--config`) and check that it
    /// still loads; on failure the file is restored.
    #[arg(long)]
    write: bool,
}

/// Probes the URL, prints the proposal and with `--write` appends it. Exit code 1 when the
/// site yields no articles the crawler could read (nothing is written then).
pub async fn run(config_path: &Path, args: AddArgs) -> anyhow::Result<ExitCode> {
    if !args.url.starts_with("http://") && !args.url.starts_with("https://") {
        bail!("{:?} is not an http(s) URL", args.url);
    }
    let existing = if config_path.exists() {
        Some(super::load_config(config_path)?)
    } else {
        None
    };
    if let Some(c) = &existing
        && let Some(s) = c.sources.iter().find(|s| s.url == args.url)
    {
        bail!(
            "{} is already configured as source {:?} in {}",
            args.url,
            s.id,
            config_path.display()
        );
    }
    let settings_from = existing.clone().unwrap_or_else(|| Config {
        settings: Default::default(),
        sources: Vec::new(),
        keywords: Vec::new(),
        digest: Default::default(),
    });
    let fetcher = super::fetcher(&settings_from)?;
    let mut found = probe::probe(&fetcher, &args.url)
        .await
        .with_context(|| format!("cannot fetch {}", args.url))?;
    found.id = unique_id(&found.id, existing.as_ref());
    let block = block(&found);
    print!("{block}");
    if !found.usable() {
        eprintln!(
            "error: no feed entries, list teasers or news sitemap entries found at {}; nothing \
             written (try the site's news list page)",
            args.url
        );
        return Ok(ExitCode::from(1));
    }
    if args.write {
        append(config_path, &block)?;
        println!("# appended to {}", config_path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `id`, or `id-2`, `id-3`, … when the configuration uses it already.
fn unique_id(id: &str, config: Option<&Config>) -> String {
    let taken = |c: &str| config.is_some_and(|cfg| cfg.sources.iter().any(|s| s.id == c));
    if !taken(id) {
        return id.to_string();
    }
    (2..)
        .map(|n| format!("{id}-{n}"))
        .find(|c| !taken(c))
        .unwrap_or_else(|| id.to_string())
}

/// A TOML basic string.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The proposal: what was found as comments, then the `[[source]]` block.
fn block(p: &Probe) -> String {
    let mut out = format!("\n# govwire add {}\n", p.url);
    for line in govwire::crawl::probe::describe(p) {
        let _ = writeln!(out, "#   {line}");
    }
    if p.feeds.is_empty() && p.lists.is_empty() && p.sitemaps.is_empty() {
        out.push_str("#   nothing found: no feed, news list or sitemap\n");
    }
    for a in &p.articles {
        let date = a
            .published
            .map(|d| {
                d.with_timezone(&chrono_tz::Europe::Berlin)
                    .format("%Y-%m-%d")
                    .to_string()
            })
            .unwrap_or_else(|| "(no date)".into());
        let title = a.title.as_deref().unwrap_or("(no title)");
        match &a.error {
            None => {
                let _ = writeln!(out, "#   article  {date}  {title}  <{}>", a.url);
            }
            Some(e) => {
                let _ = writeln!(out, "#   article  {}  (failed: {e})", a.url);
            }
        }
    }
    let _ = writeln!(
        out,
        "[[source]]\nid = {}\nname = {}\nurl = {}",
        quoted(&p.id),
        quoted(&p.name),
        quoted(&p.url)
    );
    out
}

/// Appends `block` to the configuration at `path` and checks that it loads; on failure the
/// file is restored (or removed, if it did not exist) and the reason returned.
fn append(path: &Path, block: &str) -> anyhow::Result<()> {
    let before = match std::fs::read(path) {
        Ok(b) => Some(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => bail!("cannot read {}: {e}", path.display()),
    };
    let mut text = before.clone().unwrap_or_default();
    if !text.is_empty() && !text.ends_with(b"\n") {
        text.push(b'\n');
    }
    text.extend_from_slice(block.as_bytes());
    std::fs::write(path, &text).with_context(|| format!("cannot write {}", path.display()))?;
    if let Err(e) = govwire::config::load(path) {
        let restored = match &before {
            Some(b) => std::fs::write(path, b),
            None => std::fs::remove_file(path),
        };
        let how = match restored {
            Ok(()) => "the file was restored",
            Err(_) => "and the file could not be restored",
        };
        bail!(
            "the configuration with the new source does not load ({how}): {}",
            super::error_text(&anyhow::Error::from(e))
        );
    }
    Ok(())
}
