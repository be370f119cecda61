//! `govwire digest`: print one day's digest as text or HTML, or mail it now.
//!
//! `--send` mails the last completed day (yesterday, Europe/Berlin) unless `--date` names
//! another, and refuses to mail a day that is already recorded as done unless `--force` is
//! given. A test send of a day that is not over yet is mailed but not recorded, so it never
//! suppresses the scheduled mail.

use std::io::Write;
use std::process::ExitCode;

use super::control::{Io, Owner};

use anyhow::Context;
use chrono::{DateTime, Days, NaiveDate, Utc};
use govwire::digest::mail::{DayRecord, day_record};
use govwire::digest::{Sent, berlin_date, build, day_window, render_html, render_text, send_range};

/// Output format of `govwire digest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Plain text, as in the e-mail's text part.
    Text,
    /// The self-contained HTML document, as in the e-mail's HTML part.
    Html,
}

/// A day as given on the command line: a calendar date, or one relative to today (Berlin).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayArg {
    /// `2026-12-05` or `05.12.2026`.
    On(NaiveDate),
    /// `heute` (0), `gestern` (1), `vorgestern` (2) days before today.
    DaysAgo(u64),
}

impl DayArg {
    /// The calendar day this names at `now`.
    pub fn resolve(self, now: DateTime<Utc>) -> NaiveDate {
        match self {
            DayArg::On(d) => d,
            DayArg::DaysAgo(n) => {
                let today = berlin_date(now);
                today.checked_sub_days(Days::new(n)).unwrap_or(today)
            }
        }
    }
}

/// The arguments of `govwire digest`.
#[derive(Debug, clap::Args)]
pub struct DigestArgs {
    /// The day (Europe/Berlin): 2026-12-05, 05.12.2026, heute, gestern or vorgestern.
    /// Default: today when printing, yesterday (the last completed day) with --send.
    #[arg(long, value_parser = parse_day)]
    pub date: Option<DayArg>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Mail the digest to the recipients in [digest.email] now and record the day as sent
    /// (a day not over yet is mailed but not recorded), instead of printing it.
    #[arg(long)]
    pub send: bool,
    /// With --send: mail a day again that is already recorded as sent.
    #[arg(long, requires = "send")]
    pub force: bool,
}

/// Parses `--date`: ISO `2026-12-05`, German `05.12.2026` (or `5.12.2026`), `heute`,
/// `gestern`, `vorgestern` (and `today`, `yesterday`).
pub fn parse_day(s: &str) -> Result<DayArg, String> {
    let t = s.trim();
    match t.to_lowercase().as_str() {
        "heute" | "today" => return Ok(DayArg::DaysAgo(0)),
        "gestern" | "yesterday" => return Ok(DayArg::DaysAgo(1)),
        "vorgestern" => return Ok(DayArg::DaysAgo(2)),
        _ => {}
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%d.%m.%Y"))
        .map(DayArg::On)
        .map_err(|_| {
            format!(
                "{s:?} is not a day (expected 2026-12-05, 05.12.2026, heute, gestern or vorgestern)"
            )
        })
}

/// Prints or sends the digest.
pub async fn run(owner: &Owner, args: DigestArgs, io: &mut Io) -> anyhow::Result<ExitCode> {
    let config = owner.config()?;
    let store = owner.store(&config)?;
    let config_path = owner.config_path();
    let now = Utc::now();
    if args.send {
        let email = config.digest.email.as_ref().with_context(|| {
            format!(
                "cannot send: {} has no [digest.email] table",
                config_path.display()
            )
        })?;
        let date = args.date.unwrap_or(DayArg::DaysAgo(1)).resolve(now);
        if let Some(record) = day_record(&store, date)?
            && !args.force
        {
            let at = record
                .at()
                .with_timezone(&chrono_tz::Europe::Berlin)
                .format("%d.%m.%Y %H:%M");
            let what = match record {
                DayRecord::Sent(_) => format!("was already mailed on {at}"),
                DayRecord::Empty(_) => {
                    format!("had no news and was marked done on {at} (skip_empty)")
                }
            };
            anyhow::bail!(
                "the digest of {date} {what}; nothing sent. Add --force to send it again."
            );
        }
        let complete = day_window(date).1 <= now;
        let sent = send_range(&store, &config, date, date, now, complete)
            .await
            .with_context(|| format!("sending the digest of {date}"))?;
        match sent {
            Sent::Mailed { stories, .. } => {
                let mut who = email.to.clone();
                if let govwire::config::Bcc::List(hidden) = &email.bcc {
                    who.extend(hidden.iter().map(|h| format!("{h} (Bcc)")));
                }
                writeln!(
                    io.err,
                    "digest of {date} ({stories} stories) sent to {}",
                    who.join(", ")
                )?;
            }
            Sent::Empty { .. } => writeln!(
                io.err,
                "no news on {date}: nothing mailed (skip_empty = true in [digest.email])"
            )?,
        }
        if !complete {
            writeln!(
                io.err,
                "{date} is not over yet: not recorded as sent, the scheduled mail will still cover it"
            )?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let date = args.date.unwrap_or(DayArg::DaysAgo(0)).resolve(now);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_iso_german_and_words() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 5).expect("date");
        assert_eq!(parse_day("2026-12-05"), Ok(DayArg::On(d)));
        assert_eq!(parse_day("05.12.2026"), Ok(DayArg::On(d)));
        assert_eq!(parse_day("5.12.2026"), Ok(DayArg::On(d)));
        assert_eq!(parse_day("Gestern"), Ok(DayArg::DaysAgo(1)));
        assert_eq!(parse_day("heute"), Ok(DayArg::DaysAgo(0)));
        assert_eq!(parse_day("vorgestern"), Ok(DayArg::DaysAgo(2)));
        let err = parse_day("morgen").expect_err("not a day");
        assert!(err.contains("05.12.2026"), "{err}");
        assert!(parse_day("31.02.2026").is_err());
        // 00:30 Berlin on 6 December is still 5 December in UTC: days count in Berlin.
        let now = DateTime::parse_from_rfc3339("2026-12-05T23:30:00Z")
            .expect("time")
            .with_timezone(&Utc);
        assert_eq!(DayArg::DaysAgo(1).resolve(now), d);
        assert_eq!(DayArg::DaysAgo(0).resolve(now), d.succ_opt().expect("next"));
    }
}
