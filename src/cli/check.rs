//! `govwire check SOURCE_ID | URL`: fetch live and show what govwire reads, as text or JSON.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Berlin;
use govwire::check::{self, CheckReport};
use govwire::config::{Config, ConfigError};

/// Arguments of `govwire check`.
#[derive(clap::Args)]
pub struct CheckArgs {
    /// A configured source id, or any http(s) URL (a feed or a page).
    #[arg(value_name = "SOURCE_ID|URL")]
    target: String,
    /// Output format: readable text, or one JSON object for scripts.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

/// Output format of `govwire check`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Readable text.
    Text,
    /// One JSON object.
    Json,
}

/// Runs the check; exit code 1 when the page cannot be fetched or read, the list selectors
/// match nothing (or no teasers are found without them), or no sampled article can be fetched.
pub async fn run(config_path: &Path, args: CheckArgs) -> anyhow::Result<ExitCode> {
    let is_url = args.target.contains("://");
    let config = match super::load_config(config_path) {
        Ok(c) => c,
        // A bare URL can be checked without any config file.
        Err(e) if is_url && is_missing(&e) => Config {
            settings: Default::default(),
            sources: Vec::new(),
            keywords: Vec::new(),
            digest: Default::default(),
        },
        Err(e) => return Err(e),
    };
    let fetcher = super::fetcher(&config)?;
    let report = match config.source(&args.target) {
        Some(source) => check::check_source(&fetcher, source).await,
        None if is_url => check::check_url(&fetcher, &args.target).await,
        None => bail!(
            "no source with id {:?} in {} (and it is not an http(s) URL)",
            args.target,
            config_path.display()
        ),
    };
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report).context("cannot write JSON")?
        ),
        Format::Text => print!("{}", text(&report)),
    }
    if let Some(e) = &report.error {
        eprintln!("error: {e}");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn is_missing(e: &anyhow::Error) -> bool {
    matches!(
        e.downcast_ref::<ConfigError>(),
        Some(ConfigError::Read { source, .. }) if source.kind() == std::io::ErrorKind::NotFound
    )
}

/// A listing's date as parsed, in Berlin time; a bare day (read as noon Berlin) as the day only,
/// so no time is shown that the listing did not state.
fn date(d: Option<DateTime<Utc>>) -> String {
    match d {
        Some(t) if govwire::extract::dates::is_noon_berlin(t) => {
            t.with_timezone(&Berlin).format("%Y-%m-%d").to_string()
        }
        Some(t) => t
            .with_timezone(&Berlin)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        None => "(no date)".into(),
    }
}

/// An article page's date as the crawler would store it: in the page's own offset (else Berlin),
/// the day only when the page stated no time.
fn page_date(a: &check::ArticleCheck) -> String {
    let Some(t) = a.published else {
        return "(no date)".into();
    };
    let local = govwire::model::at_publisher(t, a.published_offset);
    if a.published_precision == govwire::model::DatePrecision::Day {
        local.format("%Y-%m-%d").to_string()
    } else {
        local.format("%Y-%m-%d %H:%M").to_string()
    }
}

fn kind_name(kind: govwire::model::SourceKind) -> &'static str {
    match kind {
        govwire::model::SourceKind::Feed => "feed",
        govwire::model::SourceKind::Html => "html",
        govwire::model::SourceKind::Auto => "auto",
    }
}

fn or_none(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("(none)")
}

/// The report as readable text.
pub fn text(r: &CheckReport) -> String {
    let mut o = String::new();
    match (&r.source_id, r.kind) {
        (Some(id), Some(kind)) => {
            let _ = writeln!(o, "source {id} (kind = \"{}\"): {}", kind_name(kind), r.url);
        }
        _ => {
            let _ = writeln!(o, "URL {}", r.url);
        }
    }
    match &r.page {
        Some(p) => {
            let ct = p.content_type.as_deref().unwrap_or("no Content-Type");
            let kind = match p.detected {
                check::PageType::Feed => "a feed",
                check::PageType::Html => "an HTML page",
            };
            let _ = writeln!(o, "fetched: HTTP OK, {} bytes, {ct}: {kind}", p.bytes);
            if p.final_url != r.url {
                let _ = writeln!(o, "  redirected to {}", p.final_url);
            }
        }
        None => o.push_str("fetched: failed\n"),
    }
    if let Some(l) = &r.listing {
        match &l.selectors {
            Some(s) => {
                let opt = |v: &Option<String>| match v {
                    Some(v) => format!("{v:?}"),
                    None => "(unset)".into(),
                };
                let _ = writeln!(
                    o,
                    "list selectors: item = {:?}, link = {}, title = {}, date = {}",
                    s.item,
                    s.link
                        .as_ref()
                        .map_or("(default a[href])".into(), |v| format!("{v:?}")),
                    opt(&s.title),
                    opt(&s.date)
                );
                let _ = writeln!(
                    o,
                    "  matched {} teasers with a link ({} with a title, {} with a date)",
                    l.found, l.with_title, l.with_date
                );
            }
            None if l.automatic => {
                let _ = writeln!(
                    o,
                    "list page without selectors: found {} teasers with a link ({} with a title, {} with a date)",
                    l.found, l.with_title, l.with_date
                );
            }
            None => {
                let _ = writeln!(
                    o,
                    "feed: {} entries with a link ({} with a title, {} with a date)",
                    l.found, l.with_title, l.with_date
                );
            }
        }
        for (i, item) in l.items.iter().enumerate() {
            let _ = writeln!(
                o,
                "  {:>2}. {:<16}  {}\n      {}",
                i + 1,
                date(item.published),
                or_none(&item.title),
                item.url
            );
        }
        if l.found > l.items.len() {
            let _ = writeln!(o, "  … and {} more", l.found - l.items.len());
        }
    }
    if !r.articles.is_empty() {
        let how = if r.source_id.is_some() {
            "with the source's [source.article] selectors"
        } else {
            "with automatic extraction"
        };
        let _ = writeln!(o, "articles ({} extracted {how}):", r.articles.len());
    }
    for (i, a) in r.articles.iter().enumerate() {
        let _ = writeln!(o, "  {}. {}", i + 1, a.url);
        if let Some(e) = &a.error {
            let _ = writeln!(o, "     error:  {e}");
        }
        if a.error.is_some() && a.text_chars == 0 && a.title.is_none() {
            continue;
        }
        if a.from_feed {
            o.push_str("     (from the listing, not the article page)\n");
        }
        if let Some(c) = a.canonical.as_ref().filter(|c| **c != a.url) {
            let _ = writeln!(o, "     canonical: {c}");
        }
        let _ = writeln!(o, "     title:  {}", or_none(&a.title));
        let _ = writeln!(o, "     kicker: {}", or_none(&a.kicker));
        if let Some(subtitle) = &a.subtitle {
            let _ = writeln!(o, "     subtitle: {subtitle}");
        }
        let _ = writeln!(o, "     date:   {}", page_date(a));
        match &a.author_role {
            Some(role) => {
                let _ = writeln!(o, "     author: {} ({role})", or_none(&a.author));
            }
            None => {
                let _ = writeln!(o, "     author: {}", or_none(&a.author));
            }
        }
        let tags = if a.tags.is_empty() {
            "(none)".to_string()
        } else {
            a.tags.join(", ")
        };
        let _ = writeln!(o, "     tags:   {tags}");
        let _ = writeln!(o, "     lang:   {}", or_none(&a.lang));
        let _ = writeln!(o, "     text:   {} chars", a.text_chars);
        for line in a.text_start.lines().filter(|l| !l.trim().is_empty()) {
            let _ = writeln!(o, "       | {line}");
        }
    }
    if !r.feeds.is_empty() {
        o.push_str("feeds advertised by the page:\n");
        for f in &r.feeds {
            let state = match (f.entries, &f.error) {
                (Some(n), _) => format!("{n} entries"),
                (None, Some(e)) => format!("failed: {e}"),
                (None, None) => "not fetched".into(),
            };
            let _ = writeln!(o, "  {} ({state})", f.url);
        }
    } else if r
        .page
        .as_ref()
        .is_some_and(|p| p.detected == check::PageType::Html)
    {
        o.push_str("feeds advertised by the page: none\n");
    }
    if let Some(site) = &r.entry_points {
        o.push_str("entry points found (automatic source):\n");
        let lines = govwire::crawl::probe::describe(site);
        if lines.is_empty() {
            o.push_str("  none: no feed, news list or sitemap\n");
        }
        for line in lines {
            let _ = writeln!(o, "  {line}");
        }
    }
    for h in &r.hints {
        let _ = writeln!(o, "hint: {h}");
    }
    match &r.error {
        Some(e) => {
            let _ = writeln!(o, "FAILED: {e}");
        }
        None => o.push_str("OK\n"),
    }
    o
}
