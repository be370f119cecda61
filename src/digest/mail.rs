//! Mailing the digest: at the configured Berlin time on the configured weekdays, over SMTP with
//! lettre.
//!
//! This file owns the schedule and its bookkeeping in the store. `digest:sent:YYYY-MM-DD` marks a
//! day as done: written (and flushed) only after the SMTP server accepted the message, or when
//! the day had no news and `skip_empty` is on (value `empty <time>`), so a restart neither resends
//! nor skips a day. `digest:since` records when the mailer first ran on this data folder; days
//! before it are never mailed by the schedule (a fresh folder, a copy for review or a second
//! instance mails nothing at start-up). At `send_at` on a send weekday D the digest of every day
//! after the last done day up to D−1 is due as one mail (Monday's covers Friday to Sunday), at
//! most [`MAX_ROLLUP_DAYS`] days back. `digest:last_error` holds the last failure as JSON (empty
//! once a send succeeds) for the health page. [`run_mailer`] retries failures with exponential
//! backoff and never panics; errors are logged and recorded. Every function takes the clock
//! (`now`) as a parameter, so the schedule is tested without waiting.

use std::time::Duration;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use chrono_tz::Europe::Berlin;
use lettre::address::Envelope;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::{
    Digest, MailLinks, berlin_date, build_range, day_window, days_window, render_mail_html,
    render_mail_text, subject,
};
use crate::config::{Bcc, Config, EmailConfig, SmtpTls};
use crate::store::{Store, StoreError};

/// Store state key of the last failure (JSON [`MailFailure`]; empty after a success).
pub const LAST_ERROR_KEY: &str = "digest:last_error";

/// Store state key of the instant the mailer first ran on this data folder (RFC 3339).
pub const SINCE_KEY: &str = "digest:since";

/// The longest span one mail covers: after a longer pause, older days are not mailed.
pub const MAX_ROLLUP_DAYS: u64 = 7;

/// Site name used in headings of mailed digests.
const SITE_TITLE: &str = "govwire";

/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(60);

/// How often the mailer looks whether a digest is due.
const POLL: Duration = Duration::from_secs(60);

/// First and longest wait after a failed send.
const BACKOFF_MIN: Duration = Duration::from_secs(60);
const BACKOFF_MAX: Duration = Duration::from_secs(3600);

/// Everything that can stop a digest from being sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// No `[digest.email]` table in the config.
    #[error("no [digest.email] table in the configuration; e-mail is off")]
    NotConfigured,
    /// A credential variable named in the config is unset or not UTF-8.
    #[error("environment variable {0} (named in [digest.email]) is not set")]
    MissingEnv(String),
    /// An address in the config did not parse (the config validates them; kept for safety).
    #[error("invalid address {0:?}")]
    Address(String),
    /// The message could not be built.
    #[error("cannot build the message: {0}")]
    Build(#[from] lettre::error::Error),
    /// The envelope (sender and recipients) could not be formed.
    #[error("cannot address the message: {0}")]
    Envelope(#[from] lettre::address::AddressError),
    /// The HTML template failed.
    #[error("cannot render the digest: {0}")]
    Render(#[from] askama::Error),
    /// Connecting, TLS, authentication or delivery failed. (Not a `source`: lettre's message
    /// already includes its cause, and a chain would repeat it.)
    #[error("SMTP: {0}")]
    Smtp(lettre::transport::smtp::Error),
    /// A blocking store read panicked or was cancelled.
    #[error("store read task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// Reading articles or writing the bookkeeping failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<lettre::transport::smtp::Error> for MailError {
    fn from(e: lettre::transport::smtp::Error) -> Self {
        MailError::Smtp(e)
    }
}

/// A recorded failure, as stored under [`LAST_ERROR_KEY`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailFailure {
    /// When the last attempt failed.
    pub at: DateTime<Utc>,
    /// The digest day it tried to send.
    pub date: NaiveDate,
    /// The error, as text.
    pub error: String,
    /// Failed attempts in a row for this day.
    pub attempts: u32,
}

/// What the health page can show about e-mail delivery.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailStatus {
    /// The newest digest day recorded as sent, with when it was sent.
    pub last_sent: Option<(NaiveDate, DateTime<Utc>)>,
    /// The current failure, if the last attempt failed.
    pub last_error: Option<MailFailure>,
}

/// The state key recording that the digest of `date` was sent (or skipped as empty).
pub fn sent_key(date: NaiveDate) -> String {
    format!("digest:sent:{}", date.format("%Y-%m-%d"))
}

/// What the store says about one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayRecord {
    /// Mailed at this instant.
    Sent(DateTime<Utc>),
    /// Had no news and was not mailed (`skip_empty`); recorded at this instant.
    Empty(DateTime<Utc>),
}

impl DayRecord {
    /// When the day was recorded as done.
    pub fn at(self) -> DateTime<Utc> {
        match self {
            DayRecord::Sent(t) | DayRecord::Empty(t) => t,
        }
    }

    fn encode(self) -> String {
        match self {
            DayRecord::Sent(t) => t.to_rfc3339(),
            DayRecord::Empty(t) => format!("empty {}", t.to_rfc3339()),
        }
    }

    fn decode(v: &[u8]) -> DayRecord {
        let s = std::str::from_utf8(v).unwrap_or("");
        let time = |s: &str| {
            DateTime::parse_from_rfc3339(s.trim())
                .map_or(DateTime::UNIX_EPOCH, |t| t.with_timezone(&Utc))
        };
        match s.strip_prefix("empty ") {
            Some(rest) => DayRecord::Empty(time(rest)),
            None => DayRecord::Sent(time(s)),
        }
    }
}

/// The record of day `date`, if it is done.
pub fn day_record(store: &Store, date: NaiveDate) -> Result<Option<DayRecord>, StoreError> {
    Ok(store.state(&sent_key(date))?.map(|v| DayRecord::decode(&v)))
}

/// When the digest of `date` was recorded as done (mailed, or skipped as empty), if it was.
pub fn sent_at(store: &Store, date: NaiveDate) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(day_record(store, date)?.map(DayRecord::at))
}

/// Delivery status for the health page: the newest mailed day among the last 14 and the
/// current error.
pub fn mail_status(store: &Store, now: DateTime<Utc>) -> Result<MailStatus, StoreError> {
    let today = berlin_date(now);
    let mut last_sent = None;
    for back in 0..14 {
        let Some(day) = today.checked_sub_days(Days::new(back)) else {
            break;
        };
        if let Some(DayRecord::Sent(at)) = day_record(store, day)? {
            last_sent = Some((day, at));
            break;
        }
    }
    Ok(MailStatus {
        last_sent,
        last_error: last_failure(store)?,
    })
}

fn last_failure(store: &Store) -> Result<Option<MailFailure>, StoreError> {
    Ok(store
        .state(LAST_ERROR_KEY)?
        .and_then(|v| serde_json::from_slice(&v).ok()))
}

/// When the mailer first ran on this data folder; on the first call it records `now` (or, in a
/// folder from before this record existed, the start of the day after the newest done day).
pub fn started(store: &Store, now: DateTime<Utc>) -> Result<DateTime<Utc>, StoreError> {
    if let Some(v) = store.state(SINCE_KEY)?
        && let Some(t) = std::str::from_utf8(&v)
            .ok()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
    {
        return Ok(t.with_timezone(&Utc));
    }
    let since = match last_done(store, berlin_date(now))? {
        Some(day) => day.succ_opt().map_or(now, |d| day_window(d).0.min(now)),
        None => now,
    };
    store.set_state(SINCE_KEY, since.to_rfc3339().as_bytes())?;
    store.flush()?;
    Ok(since)
}

/// The newest done day before `today`, looking back [`MAX_ROLLUP_DAYS`] days.
pub fn last_done(store: &Store, today: NaiveDate) -> Result<Option<NaiveDate>, StoreError> {
    for back in 1..=MAX_ROLLUP_DAYS {
        let Some(day) = today.checked_sub_days(Days::new(back)) else {
            break;
        };
        if day_record(store, day)?.is_some() {
            return Ok(Some(day));
        }
    }
    Ok(None)
}

/// The days (first, last) whose mail is due at `now`, or `None`.
///
/// Due only on a configured weekday once `send_at` (Berlin) has passed; the span ends
/// yesterday and starts after `last_done`, never before the day of `since` (the folder's first
/// start) and never more than [`MAX_ROLLUP_DAYS`] days back.
pub fn due_range(
    email: &EmailConfig,
    now: DateTime<Utc>,
    since: DateTime<Utc>,
    last_done: Option<NaiveDate>,
) -> Option<(NaiveDate, NaiveDate)> {
    let local = now.with_timezone(&Berlin);
    if local.time() < email.send_at || !email.weekdays.contains(&local.weekday()) {
        return None;
    }
    let today = local.date_naive();
    let last = today.pred_opt()?;
    let mut first = today.checked_sub_days(Days::new(MAX_ROLLUP_DAYS))?;
    first = first.max(berlin_date(since));
    if let Some(done) = last_done {
        first = first.max(done.succ_opt()?);
    }
    (first <= last).then_some((first, last))
}

/// What a send did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// The digest of `first..=last` was mailed with this many stories.
    Mailed {
        /// First day covered.
        first: NaiveDate,
        /// Last day covered.
        last: NaiveDate,
        /// Stories in the mail.
        stories: usize,
    },
    /// The days had no news; nothing was mailed (`skip_empty`).
    Empty {
        /// First day covered.
        first: NaiveDate,
        /// Last day covered.
        last: NaiveDate,
    },
}

/// Sends the digest whose slot has passed at `now`, unless it was done already.
///
/// Records the folder's first start on the first call (see [`started`]). Returns what was
/// done, or `None` when nothing was due. The days are recorded as done (and the store flushed)
/// only after the SMTP server accepted the message or when they were empty and `skip_empty` is
/// on; a failure is recorded under [`LAST_ERROR_KEY`] and returned.
pub async fn send_due(
    store: &Store,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<Option<Sent>, MailError> {
    let email = config
        .digest
        .email
        .as_ref()
        .ok_or(MailError::NotConfigured)?;
    let s = store.clone();
    let (since, done) = tokio::task::spawn_blocking(move || -> Result<_, StoreError> {
        let since = started(&s, now)?;
        Ok((since, last_done(&s, berlin_date(now))?))
    })
    .await??;
    let Some((first, last)) = due_range(email, now, since, done) else {
        return Ok(None);
    };
    send_range(store, config, first, last, now, true)
        .await
        .map(Some)
}

/// Builds and sends the digest of `date` now, whatever the schedule says; records it as done
/// (so the schedule will not send it again) only if the day is over at `now`, so a test send of
/// today suppresses nothing. Failures are recorded and returned.
pub async fn send_for_date(
    store: &Store,
    config: &Config,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Sent, MailError> {
    let complete = day_window(date).1 <= now;
    send_range(store, config, date, date, now, complete).await
}

/// Builds the digest of the days `first..=last` and mails it, or, when it is empty and
/// `skip_empty` is on, mails nothing. With `record`, the days are then recorded as done.
pub async fn send_range(
    store: &Store,
    config: &Config,
    first: NaiveDate,
    last: NaiveDate,
    now: DateTime<Utc>,
    record: bool,
) -> Result<Sent, MailError> {
    let email = config
        .digest
        .email
        .as_ref()
        .ok_or(MailError::NotConfigured)?;
    let result: Result<Sent, MailError> = async {
        let digest = read_digest(store, config, first, last).await?;
        if digest.is_empty() && email.skip_empty {
            return Ok(Sent::Empty { first, last });
        }
        deliver(email, &digest, now).await?;
        Ok(Sent::Mailed {
            first,
            last,
            stories: digest.stories,
        })
    }
    .await;
    match result {
        Ok(sent) => {
            if record {
                let rec = match sent {
                    Sent::Mailed { .. } => DayRecord::Sent(now),
                    Sent::Empty { .. } => DayRecord::Empty(now),
                };
                for day in first.iter_days().take_while(|d| *d <= last) {
                    store.set_state(&sent_key(day), rec.encode().as_bytes())?;
                }
            }
            store.set_state(LAST_ERROR_KEY, b"")?;
            store.flush_async().await?;
            match sent {
                Sent::Mailed { stories, .. } => {
                    tracing::info!(%first, %last, stories, recipients = recipients(email), "digest mailed");
                }
                Sent::Empty { .. } => {
                    tracing::info!(%first, %last, "no news: digest not mailed (skip_empty)");
                }
            }
            Ok(sent)
        }
        Err(e) => {
            let attempts = match last_failure(store) {
                Ok(Some(f)) if f.date == last => f.attempts.saturating_add(1),
                _ => 1,
            };
            let failure = MailFailure {
                at: now,
                date: last,
                error: e.to_string(),
                attempts,
            };
            // Recording is best effort: the send error is the one to report.
            if let Ok(json) = serde_json::to_vec(&failure) {
                let _ = store.set_state(LAST_ERROR_KEY, &json);
                let _ = store.flush_async().await;
            }
            Err(e)
        }
    }
}

/// How many mailboxes receive the digest (visible and hidden).
fn recipients(email: &EmailConfig) -> usize {
    email.to.len()
        + match &email.bcc {
            Bcc::List(l) => l.len(),
            _ => 0,
        }
}

/// Reads the articles of `first..=last` and builds their digest (blocking work, off the
/// runtime's threads).
pub async fn read_digest(
    store: &Store,
    config: &Config,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Digest, MailError> {
    let (from, to) = days_window(first, last);
    let s = store.clone();
    let keywords = config.keywords.clone();
    let names: Vec<(String, String)> = config
        .sources
        .iter()
        .map(|s| (s.id.clone(), s.name.clone()))
        .collect();
    Ok(tokio::task::spawn_blocking(move || {
        s.between(from, to)
            .map(|articles| build_range(first, last, &articles, &keywords, &names))
    })
    .await??)
}

/// Renders both parts and hands the message to the SMTP server.
async fn deliver(
    email: &EmailConfig,
    digest: &Digest,
    now: DateTime<Utc>,
) -> Result<(), MailError> {
    let links = email
        .base_url
        .as_deref()
        .and_then(|b| MailLinks::new(b, digest));
    let text = render_mail_text(digest, SITE_TITLE, links.as_ref());
    let html = render_mail_html(digest, SITE_TITLE, links.as_ref())?;
    let message = message(
        email,
        subject(digest, &email.subject_prefix),
        text,
        html,
        &message_id_local(digest, now),
    )?;
    transport(email)?.send(message).await?;
    Ok(())
}

/// The local part of the Message-ID: the days covered and the send time, unique per send.
fn message_id_local(digest: &Digest, now: DateTime<Utc>) -> String {
    format!(
        "govwire.digest.{}.{}.{}",
        digest.first.format("%Y%m%d"),
        digest.date.format("%Y%m%d"),
        now.timestamp_millis()
    )
}

/// The multipart/alternative message (text first, then HTML, both UTF-8) with `Message-ID`
/// (`<{id_local}@{sender's domain}>`), `Auto-Submitted: auto-generated` (RFC 3834, so
/// auto-responders stay quiet), `List-Id` (RFC 2919, for filters) and the recipients either in
/// `To` or, with [`Bcc`], only in the envelope.
pub fn message(
    email: &EmailConfig,
    subject: String,
    text: String,
    html: String,
    id_local: &str,
) -> Result<Message, MailError> {
    let mailbox = |s: &str| -> Result<Mailbox, MailError> {
        s.parse().map_err(|_| MailError::Address(s.to_string()))
    };
    let from = mailbox(&email.from)?;
    let domain = from.email.domain().to_string();
    let mut builder = Message::builder()
        .from(from.clone())
        .subject(subject)
        .message_id(Some(format!("<{id_local}@{domain}>")))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".to_string(),
        ))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Id"),
            format!("govwire digest <govwire-digest.{domain}>"),
        ));
    let mut envelope_to = Vec::new();
    let mut visible = 0;
    for to in &email.to {
        let m = mailbox(to)?;
        envelope_to.push(m.email.clone());
        if !email.bcc.hides_to() {
            builder = builder.to(m);
            visible += 1;
        }
    }
    if let Bcc::List(hidden) = &email.bcc {
        for b in hidden {
            envelope_to.push(mailbox(b)?.email);
        }
    }
    if visible == 0 {
        // RFC 5322 group syntax: a To header that names nobody.
        builder = builder.raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("To"),
            "undisclosed-recipients:;".to_string(),
        ));
    }
    builder = builder.envelope(Envelope::new(Some(from.email), envelope_to)?);
    Ok(builder.multipart(MultiPart::alternative_plain_html(text, html))?)
}

/// An SMTP transport for the configured server, TLS mode and credentials.
fn transport(email: &EmailConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
    type T = AsyncSmtpTransport<Tokio1Executor>;
    let builder = match email.tls {
        SmtpTls::None => T::builder_dangerous(&email.smtp_host),
        SmtpTls::StartTls => T::starttls_relay(&email.smtp_host)?,
        SmtpTls::Tls => T::relay(&email.smtp_host)?,
    };
    let mut builder = builder.port(email.smtp_port).timeout(Some(SMTP_TIMEOUT));
    if let (Some(user_var), Some(pass_var)) = (&email.username_env, &email.password_env) {
        let user = env(user_var)?;
        let pass = env(pass_var)?;
        builder = builder.credentials(Credentials::new(user, pass));
    }
    Ok(builder.build())
}

fn env(name: &str) -> Result<String, MailError> {
    std::env::var(name).map_err(|_| MailError::MissingEnv(name.to_string()))
}

/// Sends each day's digest at its time until `shutdown` turns true; the lead spawns this from
/// `serve` when `[digest.email]` is configured (it returns at once otherwise).
///
/// Checks once a minute; after a failure it waits 1, 2, 4, … up to 60 minutes before the next
/// attempt. Never panics on a send or store error: they are logged and recorded.
pub async fn run_mailer(store: Store, config: Config, mut shutdown: watch::Receiver<bool>) {
    // The folder's first start is recorded even without e-mail, so turning e-mail on later
    // does not mail days from before this folder was served.
    let s = store.clone();
    let now = Utc::now();
    match tokio::task::spawn_blocking(move || started(&s, now)).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "cannot record the digest start"),
        Err(e) => tracing::warn!(error = %e, "cannot record the digest start"),
    }
    if config.digest.email.is_none() {
        return;
    }
    let mut backoff = BACKOFF_MIN;
    loop {
        if *shutdown.borrow() {
            return;
        }
        let wait = match send_due(&store, &config, Utc::now()).await {
            Ok(_) => {
                backoff = BACKOFF_MIN;
                POLL
            }
            Err(e) => {
                let wait = backoff;
                tracing::warn!(error = %e, retry_in_secs = wait.as_secs(), "digest e-mail failed");
                backoff = (backoff * 2).min(BACKOFF_MAX);
                wait
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            changed = shutdown.changed() => {
                if changed.is_err() {
                    return; // the sender is gone: nobody can stop us any more, so stop now
                }
            }
        }
    }
}
