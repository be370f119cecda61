//! `govwire digest`: print one day's digest as text or HTML, or mail it now.

use std::io::Write;
use std::process::ExitCode;

use super::control::{Io, Owner};

use anyhow::Context;
use chrono::{NaiveDate, Utc};
use govwire::digest::{berlin_date, build, day_window, render_html, render_text, send_for_date};

/// Output format of `govwire digest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Plain text, as in the e-mail's text part.
    Text,
    /// The self-contained HTML document, as in the e-mail's HTML part.
    Html,
}

/// The arguments of `govwire digest`.
#[derive(Debug, clap::Args)]
pub struct DigestArgs {
    /// The day (Europe/Berlin), as YYYY-MM-DD; default: today.
    #[arg(long, value_parser = parse_date)]
    pub date: Option<NaiveDate>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Mail the digest to the recipients in [digest.email] now (and record the day as sent)
    /// instead of printing it.
    #[arg(long)]
    pub send: bool,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|e| format!("{s:?} is not a date like 2026-03-29 ({e})"))
}

/// Prints or sends the digest.
pub async fn run(owner: &Owner, args: DigestArgs, io: &mut Io) -> anyhow::Result<ExitCode> {
    let config = owner.config()?;
    let store = owner.store(&config)?;
    let config_path = owner.config_path();
    let date = args.date.unwrap_or_else(|| berlin_date(Utc::now()));
    if args.send {
        let email = config.digest.email.as_ref().with_context(|| {
            format!(
                "cannot send: {} has no [digest.email] table",
                config_path.display()
            )
        })?;
        send_for_date(&store, &config, date, Utc::now())
            .await
            .with_context(|| format!("sending the digest of {date}"))?;
        writeln!(io.err, "digest of {date} sent to {}", email.to.join(", "))?;
        return Ok(ExitCode::SUCCESS);
    }
    let (from, to) = day_window(date);
    let articles = store.between(from, to)?;
    let names: Vec<(String, String)> = config
        .sources
        .iter()
        .map(|s| (s.id.clone(), s.name.clone()))
        .collect();
    let digest = build(date, &articles, &config.keywords, &names);
    let rendered = match args.format {
        Format::Text => render_text(&digest, "govwire"),
        Format::Html => render_html(&digest, "govwire")? + "\n",
    };
    // `govwire digest | head` closes the pipe early; that is not an error.
    match io
        .out
        .write_all(rendered.as_bytes())
        .and_then(|()| io.out.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e).context("writing to stdout"),
        _ => Ok(ExitCode::SUCCESS),
    }
}
