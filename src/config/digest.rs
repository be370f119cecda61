//! The `[digest]` table: settings of the daily digest, today only its optional e-mail delivery
//! (`[digest.email]`).
//!
//! This file owns [`DigestConfig`] and [`EmailConfig`] and how they are read: SMTP host and port,
//! the TLS mode, the *names* of the environment variables that hold the credentials (never the
//! secrets themselves), sender and recipients (validated as RFC 5322 mailboxes) and the Berlin
//! send time. It must never read the environment, connect anywhere or send mail; the digest
//! module does that.

use std::fmt;
use std::ops::Range;

use chrono::NaiveTime;
use toml::de::DeTable;

use super::error::Report;
use super::walk::Fields;

/// `[digest]`: everything about the daily digest that can be configured.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DigestConfig {
    /// `[digest.email]`: send the digest by e-mail once a day; `None` means never.
    pub email: Option<EmailConfig>,
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain text (only sensible for a relay on localhost).
    None,
    /// Plain connection upgraded with STARTTLS (usually port 587); fails if the server cannot.
    StartTls,
    /// TLS from the first byte (implicit TLS, usually port 465).
    Tls,
}

impl SmtpTls {
    /// The config spelling (`none`, `starttls`, `tls`).
    pub fn as_str(self) -> &'static str {
        match self {
            SmtpTls::None => "none",
            SmtpTls::StartTls => "starttls",
            SmtpTls::Tls => "tls",
        }
    }

    fn parse(s: &str) -> Option<SmtpTls> {
        [SmtpTls::None, SmtpTls::StartTls, SmtpTls::Tls]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

impl fmt::Display for SmtpTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `[digest.email]`: where and when the daily digest is mailed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailConfig {
    /// SMTP server host name or IP address.
    pub smtp_host: String,
    /// SMTP server port (default: 25 for `none`, 587 for `starttls`, 465 for `tls`).
    pub smtp_port: u16,
    /// How the connection is secured (default `starttls`).
    pub tls: SmtpTls,
    /// Name of the environment variable holding the SMTP user name, if the server wants a login.
    pub username_env: Option<String>,
    /// Name of the environment variable holding the SMTP password.
    pub password_env: Option<String>,
    /// Sender mailbox (`govwire <digest@example.org>` or a bare address), already validated.
    pub from: String,
    /// Recipient mailboxes (at least one), already validated.
    pub to: Vec<String>,
    /// Local time in Europe/Berlin at which the previous day's digest is sent (default 07:00).
    pub send_at: NaiveTime,
    /// Text put before the subject (e.g. `[govwire]`), if any.
    pub subject_prefix: Option<String>,
}

const DIGEST_KEYS: &[&str] = &["email"];
const EMAIL_KEYS: &[&str] = &[
    "smtp_host",
    "smtp_port",
    "tls",
    "username_env",
    "password_env",
    "from",
    "to",
    "send_at",
    "subject_prefix",
];

/// Reads `[digest]` found at `span`.
pub(crate) fn read(table: &DeTable<'_>, span: Range<usize>, r: &mut Report<'_>) -> DigestConfig {
    let mut f = Fields::new(table, span, DIGEST_KEYS);
    f.set_context("[digest]".to_owned());
    f.reject_unknown(r);
    let email = f
        .table(r, "email")
        .and_then(|(span, t)| read_email(t, span, r));
    DigestConfig { email }
}

fn read_email(table: &DeTable<'_>, span: Range<usize>, r: &mut Report<'_>) -> Option<EmailConfig> {
    let f = Fields::new(table, span, EMAIL_KEYS).with_prefix("[digest.email]", "");
    f.reject_unknown(r);
    let before = r.problem_count();
    let host = f.required_string(r, "smtp_host").and_then(|(span, h)| {
        let h = h.trim();
        if h.is_empty() || h.contains(char::is_whitespace) {
            f.problem(r, &span, "smtp_host", format!("invalid host name {h:?}"));
            None
        } else {
            Some(h.to_owned())
        }
    });
    let tls = match f.string(r, "tls") {
        Some((span, s)) => SmtpTls::parse(s.trim()).or_else(|| {
            let msg = format!("unknown TLS mode {s:?} (expected one of: none, starttls, tls)");
            f.problem(r, &span, "tls", msg);
            None
        }),
        None => Some(SmtpTls::StartTls),
    };
    let port = read_port(&f, r, tls.unwrap_or(SmtpTls::StartTls));
    let username_env = env_name(&f, r, "username_env");
    let password_env = env_name(&f, r, "password_env");
    if username_env.is_some() != password_env.is_some() {
        let key = if username_env.is_some() {
            "password_env"
        } else {
            "username_env"
        };
        f.problem(
            r,
            &f.span(),
            key,
            "username_env and password_env must be given together",
        );
    }
    let from = f
        .required_string(r, "from")
        .and_then(|(span, s)| mailbox(&f, r, &span, "from", s));
    let to = read_recipients(&f, r);
    let send_at = match f.string(r, "send_at") {
        Some((span, s)) => parse_send_at(s)
            .map_err(|m| f.problem(r, &span, "send_at", m))
            .ok(),
        None => NaiveTime::from_hms_opt(7, 0, 0),
    };
    let subject_prefix = f
        .string(r, "subject_prefix")
        .map(|(_, s)| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    if r.problem_count() != before {
        return None;
    }
    Some(EmailConfig {
        smtp_host: host?,
        smtp_port: port?,
        tls: tls?,
        username_env,
        password_env,
        from: from?,
        to,
        send_at: send_at?,
        subject_prefix,
    })
}

fn read_port(f: &Fields<'_, '_>, r: &mut Report<'_>, tls: SmtpTls) -> Option<u16> {
    let Some((span, n)) = f.integer(r, "smtp_port") else {
        if f.value("smtp_port").is_some() {
            return None; // wrong type, already reported
        }
        return Some(match tls {
            SmtpTls::None => 25,
            SmtpTls::StartTls => 587,
            SmtpTls::Tls => 465,
        });
    };
    match u16::try_from(n) {
        Ok(p) if p > 0 => Some(p),
        _ => {
            f.problem(
                r,
                &span,
                "smtp_port",
                format!("port must be between 1 and 65535, found {n}"),
            );
            None
        }
    }
}

/// An optional environment variable *name*: `[A-Za-z_][A-Za-z0-9_]*`.
fn env_name(f: &Fields<'_, '_>, r: &mut Report<'_>, key: &str) -> Option<String> {
    let (span, s) = f.string(r, key)?;
    let s = s.trim();
    let valid = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Some(s.to_owned())
    } else {
        let msg = format!(
            "{s:?} is not an environment variable name (give the NAME of a variable such as \"GOVWIRE_SMTP_PASSWORD\", never the secret itself)"
        );
        f.problem(r, &span, key, msg);
        None
    }
}

fn read_recipients(f: &Fields<'_, '_>, r: &mut Report<'_>) -> Vec<String> {
    let Some((span, value)) = f.value("to") else {
        f.problem(r, &f.span(), "to", "missing required field");
        return Vec::new();
    };
    if matches!(value, toml::de::DeValue::Array(a) if a.is_empty()) {
        f.problem(r, &span, "to", "needs at least one recipient");
    }
    let mut out = Vec::new();
    for (span, s) in f.strings(r, "to") {
        if let Some(m) = mailbox(f, r, &span, "to", s) {
            out.push(m);
        }
    }
    out
}

/// Validates one mailbox (`Name <addr@host>` or `addr@host`) and returns it trimmed.
fn mailbox(
    f: &Fields<'_, '_>,
    r: &mut Report<'_>,
    span: &Range<usize>,
    key: &str,
    s: &str,
) -> Option<String> {
    let s = s.trim();
    match s.parse::<lettre::message::Mailbox>() {
        Ok(_) => Some(s.to_owned()),
        Err(e) => {
            let msg =
                format!("invalid e-mail address {s:?} ({e}; expected e.g. \"digest@example.org\")");
            f.problem(r, span, key, msg);
            None
        }
    }
}

/// Parses `"07:00"` (24-hour `HH:MM`, Berlin time).
pub(crate) fn parse_send_at(s: &str) -> Result<NaiveTime, String> {
    let t = s.trim();
    let bad =
        || format!("invalid time {s:?} (expected HH:MM in 24-hour Berlin time, e.g. \"07:00\")");
    let (h, m) = t.split_once(':').ok_or_else(bad)?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return Err(bad());
    }
    let h: u32 = h.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    NaiveTime::from_hms_opt(h, m, 0).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_at_times() {
        assert_eq!(
            parse_send_at("07:00"),
            Ok(NaiveTime::from_hms_opt(7, 0, 0).unwrap())
        );
        assert_eq!(
            parse_send_at("7:30"),
            Ok(NaiveTime::from_hms_opt(7, 30, 0).unwrap())
        );
        assert_eq!(
            parse_send_at("23:59"),
            Ok(NaiveTime::from_hms_opt(23, 59, 0).unwrap())
        );
        for bad in [
            "24:00", "07:60", "7", "07:0", "seven", "", "-1:00", "07:00:00",
        ] {
            assert!(parse_send_at(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn tls_modes() {
        assert_eq!(SmtpTls::parse("starttls"), Some(SmtpTls::StartTls));
        assert_eq!(SmtpTls::parse("STARTTLS"), None);
        assert_eq!(SmtpTls::Tls.to_string(), "tls");
    }
}
