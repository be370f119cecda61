//! Mailing the digest: once per day, at the configured Berlin time, over SMTP with lettre.
//!
//! This file owns the schedule and its bookkeeping in the store: `digest:sent:YYYY-MM-DD` is
//! written (and flushed) only after the SMTP server accepted the message, so a restart neither
//! resends nor skips a day; `digest:last_error` holds the last failure as JSON (empty once a send
//! succeeds) for the health page. At `send_at` on day D the digest of day D−1 is due, until it is
//! sent; days older than yesterday are never sent by the schedule. [`run_mailer`] retries
//! failures with exponential backoff and never panics; errors are logged and recorded.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Berlin;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::{berlin_date, build, day_window, render_html, render_text, subject};
use crate::config::{Config, EmailConfig, SmtpTls};
use crate::store::{Store, StoreError};

/// Store state key of the last failure (JSON [`MailFailure`]; empty after a success).
pub const LAST_ERROR_KEY: &str = "digest:last_error";

/// Site name used in subjects and headings of mailed digests.
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

/// The state key recording that the digest of `date` was sent.
pub fn sent_key(date: NaiveDate) -> String {
    format!("digest:sent:{}", date.format("%Y-%m-%d"))
}

/// When the digest of `date` was recorded as sent, if it was.
pub fn sent_at(store: &Store, date: NaiveDate) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(store.state(&sent_key(date))?.map(|v| {
        std::str::from_utf8(&v)
            .ok()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map_or(DateTime::UNIX_EPOCH, |t| t.with_timezone(&Utc))
    }))
}

/// Delivery status for the health page: the newest sent day among the last 14 and the current
/// error.
pub fn mail_status(store: &Store, now: DateTime<Utc>) -> Result<MailStatus, StoreError> {
    let today = berlin_date(now);
    let mut last_sent = None;
    for back in 0..14 {
        let Some(day) = today.checked_sub_days(chrono::Days::new(back)) else {
            break;
        };
        if let Some(at) = sent_at(store, day)? {
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

/// The digest day whose send slot has passed at `now`: yesterday (Berlin) once today's
/// `send_at` is reached, else nothing.
pub fn due_date(email: &EmailConfig, now: DateTime<Utc>) -> Option<NaiveDate> {
    let local = now.with_timezone(&Berlin);
    if local.time() < email.send_at {
        return None;
    }
    local.date_naive().pred_opt()
}

/// Sends the digest whose slot has passed at `now`, unless it was sent already.
///
/// Returns the day sent, or `None` when nothing was due. The day is recorded as sent (and the
/// store flushed) only after the SMTP server accepted the message; a failure is recorded under
/// [`LAST_ERROR_KEY`] and returned.
pub async fn send_due(
    store: &Store,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<Option<NaiveDate>, MailError> {
    let email = config
        .digest
        .email
        .as_ref()
        .ok_or(MailError::NotConfigured)?;
    let Some(date) = due_date(email, now) else {
        return Ok(None);
    };
    let s = store.clone();
    let already = tokio::task::spawn_blocking(move || sent_at(&s, date)).await??;
    if already.is_some() {
        return Ok(None);
    }
    send_for_date(store, config, date, now).await?;
    Ok(Some(date))
}

/// Builds and sends the digest of `date` now, whatever the schedule says, and records it as
/// sent (so the schedule will not send it again). Failures are recorded and returned.
pub async fn send_for_date(
    store: &Store,
    config: &Config,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), MailError> {
    let email = config
        .digest
        .email
        .as_ref()
        .ok_or(MailError::NotConfigured)?;
    match deliver(store, config, email, date).await {
        Ok(()) => {
            store.set_state(&sent_key(date), now.to_rfc3339().as_bytes())?;
            store.set_state(LAST_ERROR_KEY, b"")?;
            store.flush_async().await?;
            tracing::info!(%date, recipients = email.to.len(), "digest mailed");
            Ok(())
        }
        Err(e) => {
            let attempts = match last_failure(store) {
                Ok(Some(f)) if f.date == date => f.attempts.saturating_add(1),
                _ => 1,
            };
            let failure = MailFailure {
                at: now,
                date,
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

/// Reads the day's articles, renders both parts and hands the message to the SMTP server.
async fn deliver(
    store: &Store,
    config: &Config,
    email: &EmailConfig,
    date: NaiveDate,
) -> Result<(), MailError> {
    let (from, to) = day_window(date);
    let s = store.clone();
    let keywords = config.keywords.clone();
    let names: Vec<(String, String)> = config
        .sources
        .iter()
        .map(|s| (s.id.clone(), s.name.clone()))
        .collect();
    // Reading and watchlist matching are blocking work; keep them off the runtime's threads.
    let digest = tokio::task::spawn_blocking(move || {
        s.between(from, to)
            .map(|articles| build(date, &articles, &keywords, &names))
    })
    .await??;
    let text = render_text(&digest, SITE_TITLE);
    let html = render_html(&digest, SITE_TITLE)?;
    let message = message(
        email,
        subject(&digest, SITE_TITLE, email.subject_prefix.as_deref()),
        text,
        html,
    )?;
    transport(email)?.send(message).await?;
    Ok(())
}

/// The multipart/alternative message (text first, then HTML, both UTF-8).
pub fn message(
    email: &EmailConfig,
    subject: String,
    text: String,
    html: String,
) -> Result<Message, MailError> {
    let mailbox = |s: &str| -> Result<Mailbox, MailError> {
        s.parse().map_err(|_| MailError::Address(s.to_string()))
    };
    let mut builder = Message::builder()
        .from(mailbox(&email.from)?)
        .subject(subject);
    for to in &email.to {
        builder = builder.to(mailbox(to)?);
    }
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
