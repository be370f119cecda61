//! The `[digest]` table: settings of the daily digest, today only its optional e-mail delivery
//! (`[digest.email]`).
//!
//! This file owns [`DigestConfig`] and [`EmailConfig`] and how they are read: SMTP host and port,
//! the TLS mode, the *names* of the environment variables that hold the credentials (never the
//! secrets themselves), sender and recipients (validated as RFC 5322 mailboxes), Bcc delivery,
//! the Berlin send time and weekdays, whether empty days are mailed, the subject prefix and the
//! web view's `base_url` the mail links to. It must never read the environment, connect anywhere or send mail; the digest
//! module does that.

use std::fmt;
use std::ops::Range;

use chrono::{NaiveTime, Weekday};
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
    /// Text put before the subject (default `[govwire]`; `""` for none). The one subject rule:
    /// `{subject_prefix} Tagesübersicht für {day} ({count})`.
    pub subject_prefix: String,
    /// Hidden delivery (`bcc = true` or a `bcc = [...]` list); default [`Bcc::Off`].
    pub bcc: Bcc,
    /// The weekdays (Berlin) on which the mail goes out (default Monday to Friday); the first
    /// mail after a pause covers every day since the last sent digest.
    pub weekdays: Vec<Weekday>,
    /// Days without news are recorded as done but not mailed (default `true`).
    pub skip_empty: bool,
    /// The web view's address (`https://govwire.example.org`, no trailing slash), so the mail
    /// links to the day's page, the keyword pages and the search; `None`: no such links.
    pub base_url: Option<String>,
}

/// Who sees whom: Bcc delivery of the digest.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Bcc {
    /// Every recipient in `To` (the default).
    #[default]
    Off,
    /// `bcc = true`: the `to` recipients receive it by Bcc; `To` shows no address
    /// (`undisclosed-recipients:;`).
    All,
    /// `bcc = [...]`: these mailboxes (validated) receive it by Bcc, in addition to any `to`;
    /// `to` may then be left out.
    List(Vec<String>),
}

impl Bcc {
    /// True when the `To` header must show no recipient address.
    pub fn hides_to(&self) -> bool {
        matches!(self, Bcc::All)
    }
}

/// The default send days: Monday to Friday.
pub const DEFAULT_WEEKDAYS: [Weekday; 5] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
];

/// The default subject prefix.
pub const DEFAULT_SUBJECT_PREFIX: &str = "[govwire]";

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
    "bcc",
    "weekdays",
    "skip_empty",
    "base_url",
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
    let bcc = read_bcc(&f, r);
    let to = read_recipients(&f, r, matches!(&bcc, Bcc::List(l) if !l.is_empty()));
    let send_at = match f.string(r, "send_at") {
        Some((span, s)) => parse_send_at(s)
            .map_err(|m| f.problem(r, &span, "send_at", m))
            .ok(),
        None => NaiveTime::from_hms_opt(7, 0, 0),
    };
    let subject_prefix = f.string(r, "subject_prefix").map_or_else(
        || DEFAULT_SUBJECT_PREFIX.to_owned(),
        |(_, s)| s.trim().to_owned(),
    );
    let weekdays = read_weekdays(&f, r);
    let skip_empty = f.boolean(r, "skip_empty").unwrap_or(true);
    let base_url = f.string(r, "base_url").and_then(|(span, s)| {
        parse_base_url(s)
            .map_err(|m| f.problem(r, &span, "base_url", m))
            .ok()
    });
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
        bcc,
        weekdays,
        skip_empty,
        base_url,
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

/// `to`: required (at least one) unless a non-empty `bcc` list is given (`optional`).
fn read_recipients(f: &Fields<'_, '_>, r: &mut Report<'_>, optional: bool) -> Vec<String> {
    let Some((span, value)) = f.value("to") else {
        if !optional {
            f.problem(
                r,
                &f.span(),
                "to",
                "missing required field (or give the recipients as a `bcc` list)",
            );
        }
        return Vec::new();
    };
    if !optional && matches!(value, toml::de::DeValue::Array(a) if a.is_empty()) {
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

/// `bcc = true | false | ["mailbox", ...]`.
fn read_bcc(f: &Fields<'_, '_>, r: &mut Report<'_>) -> Bcc {
    let Some((span, value)) = f.value("bcc") else {
        return Bcc::Off;
    };
    match value {
        toml::de::DeValue::Boolean(true) => Bcc::All,
        toml::de::DeValue::Boolean(false) => Bcc::Off,
        toml::de::DeValue::Array(a) if a.is_empty() => {
            let msg = "empty list (give mailboxes, or `bcc = true` to hide the `to` recipients)";
            f.problem(r, &span, "bcc", msg);
            Bcc::Off
        }
        toml::de::DeValue::Array(_) => Bcc::List(
            f.strings(r, "bcc")
                .into_iter()
                .filter_map(|(span, s)| mailbox(f, r, &span, "bcc", s))
                .collect(),
        ),
        other => {
            let msg = format!(
                "expected true, false or a list of e-mail addresses, found {}",
                other.type_str()
            );
            f.problem(r, &span, "bcc", msg);
            Bcc::Off
        }
    }
}

/// `weekdays = ["mon", "tue", ...]` (English or German abbreviations, any case); default
/// Monday to Friday.
fn read_weekdays(f: &Fields<'_, '_>, r: &mut Report<'_>) -> Vec<Weekday> {
    let Some((span, _)) = f.value("weekdays") else {
        return DEFAULT_WEEKDAYS.to_vec();
    };
    let mut out: Vec<Weekday> = Vec::new();
    let items = f.strings(r, "weekdays");
    if items.is_empty() {
        let msg = "needs at least one day (e.g. [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"])";
        f.problem(r, &span, "weekdays", msg);
    }
    for (span, s) in items {
        match parse_weekday(s) {
            Some(d) if !out.contains(&d) => out.push(d),
            Some(_) => {}
            None => {
                let msg = format!(
                    "unknown weekday {s:?} (expected one of: mon, tue, wed, thu, fri, sat, sun; or mo, di, mi, do, fr, sa, so)"
                );
                f.problem(r, &span, "weekdays", msg);
            }
        }
    }
    out
}

/// A weekday by its English or German name or abbreviation (`mon`, `Monday`, `Mo`, `Montag`).
pub(crate) fn parse_weekday(s: &str) -> Option<Weekday> {
    let s = s.trim().to_lowercase();
    const NAMES: [(Weekday, &[&str]); 7] = [
        (Weekday::Mon, &["mon", "monday", "mo", "montag"]),
        (Weekday::Tue, &["tue", "tuesday", "di", "dienstag"]),
        (Weekday::Wed, &["wed", "wednesday", "mi", "mittwoch"]),
        (Weekday::Thu, &["thu", "thursday", "do", "donnerstag"]),
        (Weekday::Fri, &["fri", "friday", "fr", "freitag"]),
        (
            Weekday::Sat,
            &["sat", "saturday", "sa", "samstag", "sonnabend"],
        ),
        (Weekday::Sun, &["sun", "sunday", "so", "sonntag"]),
    ];
    NAMES
        .iter()
        .find(|(_, names)| names.contains(&s.as_str()))
        .map(|(d, _)| *d)
}

/// `base_url`: an absolute http(s) URL without query or fragment; returned without the
/// trailing slash so paths can be appended.
pub(crate) fn parse_base_url(s: &str) -> Result<String, String> {
    let t = s.trim();
    let bad = |why: &str| {
        format!(
            "{why}: {s:?} (expected the web view's address, e.g. \"https://govwire.example.org\")"
        )
    };
    let url = url::Url::parse(t).map_err(|e| bad(&format!("not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(bad("not an absolute http(s) URL"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("a base address has no ?query or #fragment"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
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

    /// A valid `[digest.email]` table on lines 1–4; cases append lines 5 and on.
    const EMAIL: &str = "[digest.email]\nsmtp_host = \"mail.example.org\"\nfrom = \"govwire <digest@example.org>\"\nto = [\"a@example.org\"]\n";

    fn email(text: &str) -> EmailConfig {
        crate::config::parse(text, "sources.toml")
            .expect("valid")
            .digest
            .email
            .expect("email")
    }

    #[test]
    fn safe_defaults_for_the_new_fields() {
        let e = email(EMAIL);
        assert_eq!(e.subject_prefix, "[govwire]");
        assert_eq!(e.bcc, Bcc::Off);
        assert_eq!(e.weekdays, DEFAULT_WEEKDAYS.to_vec());
        assert!(e.skip_empty);
        assert_eq!(e.base_url, None);

        let e = email(&format!(
            "{EMAIL}bcc = true\nweekdays = [\"Mo\", \"wed\", \"Freitag\"]\nskip_empty = false\n\
             base_url = \"https://govwire.example.org/\"\nsubject_prefix = \"\"\n"
        ));
        assert_eq!(e.bcc, Bcc::All);
        assert_eq!(e.weekdays, vec![Weekday::Mon, Weekday::Wed, Weekday::Fri]);
        assert!(!e.skip_empty);
        assert_eq!(e.base_url.as_deref(), Some("https://govwire.example.org"));
        assert_eq!(e.subject_prefix, "");

        // A Bcc list alone is enough recipients.
        let e = email(
            "[digest.email]\nsmtp_host = \"h\"\nfrom = \"d@example.org\"\nbcc = [\"x@example.org\", \"Y <y@example.org>\"]\n",
        );
        assert!(e.to.is_empty());
        assert_eq!(
            e.bcc,
            Bcc::List(vec!["x@example.org".into(), "Y <y@example.org>".into()])
        );
    }

    #[test]
    fn bad_new_fields_name_file_line_and_field() {
        let cases: Vec<(&str, String, usize, &str, &str)> = vec![
            (
                "bad weekday",
                format!("{EMAIL}weekdays = [\"mon\", \"funday\"]\n"),
                5,
                "weekdays",
                "unknown weekday \"funday\"",
            ),
            (
                "no weekdays",
                format!("{EMAIL}weekdays = []\n"),
                5,
                "weekdays",
                "at least one day",
            ),
            (
                "weekdays not a list",
                format!("{EMAIL}weekdays = \"mon\"\n"),
                5,
                "weekdays",
                "expected an array of strings",
            ),
            (
                "skip_empty not a bool",
                format!("{EMAIL}skip_empty = \"yes\"\n"),
                5,
                "skip_empty",
                "expected true or false",
            ),
            (
                "base_url not http",
                format!("{EMAIL}base_url = \"ftp://x.example\"\n"),
                5,
                "base_url",
                "not an absolute http(s) URL",
            ),
            (
                "base_url relative",
                format!("{EMAIL}base_url = \"/govwire\"\n"),
                5,
                "base_url",
                "not a URL",
            ),
            (
                "base_url with query",
                format!("{EMAIL}base_url = \"https://x.example/?a=1\"\n"),
                5,
                "base_url",
                "no ?query",
            ),
            (
                "bcc bad address",
                format!("{EMAIL}bcc = [\"nobody\"]\n"),
                5,
                "bcc",
                "invalid e-mail address \"nobody\"",
            ),
            (
                "bcc empty list",
                format!("{EMAIL}bcc = []\n"),
                5,
                "bcc",
                "empty list",
            ),
            (
                "bcc a number",
                format!("{EMAIL}bcc = 3\n"),
                5,
                "bcc",
                "expected true, false or a list",
            ),
            (
                "no to, no bcc list",
                "[digest.email]\nsmtp_host = \"h\"\nfrom = \"d@example.org\"\nbcc = true\n".into(),
                1,
                "to",
                "missing required field (or give the recipients as a `bcc` list)",
            ),
        ];
        for (what, text, line, field, part) in cases {
            let err = crate::config::parse(&text, "sources.toml").expect_err(what);
            let shown = err.to_string();
            let want_prefix = format!("sources.toml:{line}:");
            let want_field = format!("field `{field}`");
            let hit = shown.lines().any(|l| {
                l.starts_with(&want_prefix) && l.contains(&want_field) && l.contains(part)
            });
            assert!(
                hit,
                "{what}: wanted line {line}, {want_field}, {part:?}; got:\n{shown}"
            );
        }
    }
}
