//! The digest by e-mail over real SMTP on loopback, and the schedule across restarts.
//!
//! The tests named after a trap of issue 20 (and `digest_reaches_a_real_smtp_server`) talk to
//! aiosmtpd (`tests/smtp_sink.py`, installed by `.ci/run`) and check what that independent
//! implementation received, raw headers included; they print a SKIP line when aiosmtpd is not
//! importable. The clock is a parameter (`now`): no test sleeps until a send time. The older
//! schedule tests use a minimal SMTP responder written here, so they run everywhere. Stores are
//! real sled databases in temp dirs.

use crate::common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Berlin;
use govwire::config::{Config, parse};
use govwire::digest::mail::DayRecord;
use govwire::digest::{Sent, mail, mail_status, send_due, send_for_date};
use govwire::model::{Article, Level};
use govwire::store::Store;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader as TokioBufReader};
use tokio::net::TcpListener;

fn berlin(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Berlin
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("unambiguous Berlin time")
        .with_timezone(&Utc)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn article(url: &str, source: &str, title: &str, text: &str, at: DateTime<Utc>) -> Article {
    Article {
        level: Level::Bund,
        land: None,
        ..common::article(source, url, title, text, at)
    }
}

/// A config with two sources, a watchlist and `[digest.email]` pointing at `port`.
fn config(data_dir: &Path, port: u16) -> Config {
    config_with(data_dir, port, "")
}

/// Like [`config`], with `extra` lines appended to `[digest.email]`.
fn config_with(data_dir: &Path, port: u16, extra: &str) -> Config {
    parse(&config_text(data_dir, port, extra), "test.toml").expect("valid test config")
}

fn config_text(data_dir: &Path, port: u16, extra: &str) -> String {
    format!(
        r#"
[settings]
data_dir = "{}"

[[source]]
id = "bmi"
name = "Bundesministerium des Innern und für Heimat"
url = "https://www.bmi.bund.de/feed"
kind = "feed"
level = "bund"

[[source]]
id = "k21"
name = "Kommune21"
url = "https://www.kommune21.de/feed"
kind = "feed"
level = "presse"

[[keyword]]
name = "OZG"
aliases = ["Onlinezugangsgesetz"]

[[keyword]]
name = "Registermodernisierung"

[digest.email]
smtp_host = "127.0.0.1"
smtp_port = {port}
tls = "none"
from = "govwire Tagesübersicht <digest@example.org>"
to = ["Jörg Müller <joerg@example.org>", "team@example.org"]
send_at = "07:00"
subject_prefix = "[govwire]"
{extra}
"#,
        data_dir.display()
    )
}

/// Marks the folder as first started at `at` (as the mailer's first run would have).
fn started(store: &Store, at: DateTime<Utc>) {
    let t = mail::started(store, at).expect("record start");
    assert_eq!(t, at);
}

/// The unfolded value of header `name` in the raw message's header block.
fn header(raw: &str, name: &str) -> Option<String> {
    let head = raw.split("\r\n\r\n").next().unwrap_or(raw);
    let head = head.split("\n\n").next().unwrap_or(head);
    let mut value: Option<String> = None;
    for line in head.lines() {
        if let Some(v) = value.as_mut()
            && line.starts_with([' ', '\t'])
        {
            v.push_str(line);
            continue;
        }
        if value.is_some() {
            break;
        }
        if let Some((n, v)) = line.split_once(':')
            && n.eq_ignore_ascii_case(name)
        {
            value = Some(v.trim().to_string());
        }
    }
    value
}

/// The header block of the raw message.
fn header_block(raw: &str) -> &str {
    let end = raw
        .find("\r\n\r\n")
        .or_else(|| raw.find("\n\n"))
        .unwrap_or(raw.len());
    &raw[..end]
}

/// The articles of 2026-03-29 (the spring DST change day): OZG in a cluster of two, one
/// Registermodernisierung article, one unwatched; plus one on the next day.
fn day_articles() -> Vec<Article> {
    let mut lead = article(
        "https://www.bmi.bund.de/pm/ozg-aenderung",
        "bmi",
        "Größere Änderungen am OZG für Bürgerinnen und Bürger",
        "Das Bundesministerium erläutert die Änderungen am Onlinezugangsgesetz. Gemeinden müssen Leistungen digital anbieten.",
        berlin(2026, 3, 29, 9, 15),
    );
    lead.cluster = Some(lead.id);
    let mut copy = article(
        "https://www.kommune21.de/meldung_ozg-aenderung",
        "k21",
        "Bund ändert das OZG",
        "Kommune21 berichtet über die Änderungen am OZG.",
        berlin(2026, 3, 29, 11, 40),
    );
    copy.cluster = Some(lead.id);
    let mut reg = article(
        "https://www.kommune21.de/meldung_register",
        "k21",
        "Registermodernisierung: Übergangsfristen verlängert",
        "Die Länder begrüßen die längeren Fristen.",
        berlin(2026, 3, 29, 23, 30),
    );
    reg.kicker = Some("Verwaltung".into());
    let other = article(
        "https://www.bmi.bund.de/pm/personalie",
        "bmi",
        "Neue Staatssekretärin im Ministerium",
        "Frau Dr. Weiß übernimmt die Abteilung Digitale Verwaltung.",
        berlin(2026, 3, 29, 0, 10),
    );
    let next_day = article(
        "https://www.bmi.bund.de/pm/naechster-tag",
        "bmi",
        "Meldung vom Montag",
        "Gehört zum 30. März.",
        berlin(2026, 3, 30, 0, 30),
    );
    vec![lead, copy, reg, other, next_day]
}

fn mailed(first: NaiveDate, last: NaiveDate, stories: usize) -> Sent {
    Sent::Mailed {
        first,
        last,
        stories,
    }
}

fn open_store(dir: &Path) -> Store {
    Store::open(&dir.join("store")).expect("store opens")
}

fn fill(store: &Store) {
    for a in day_articles() {
        store.upsert(&a).expect("upsert");
    }
}

// --- aiosmtpd -------------------------------------------------------------------------------

/// aiosmtpd running `tests/smtp_sink.py`, killed on drop.
struct AioSink {
    child: Child,
    port: u16,
    out: tempfile::TempDir,
}

impl AioSink {
    /// Starts the sink, or returns `None` (after printing SKIP) if aiosmtpd is not installed.
    fn start() -> Option<AioSink> {
        let importable = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !importable {
            println!(
                "SKIP digest_reaches_a_real_smtp_server: python3 with aiosmtpd is not available \
                 (install it with `python3 -m pip install aiosmtpd`)"
            );
            return None;
        }
        let port = free_port();
        let out = tempfile::tempdir().expect("tempdir");
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(&script)
            .arg(port.to_string())
            .arg(out.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 starts");
        let stdout = child.stdout.take().expect("stdout piped");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read from smtp_sink.py");
        assert_eq!(line.trim(), "READY", "smtp_sink.py did not start");
        Some(AioSink { child, port, out })
    }

    /// Waits for message `n` (1-based) and returns its decoded JSON and raw bytes.
    async fn message(&self, n: usize) -> (serde_json::Value, String) {
        let json = self.out.path().join(format!("{n:03}.json"));
        let eml = self.out.path().join(format!("{n:03}.eml"));
        for _ in 0..200 {
            if json.exists() && eml.exists() {
                let decoded = std::fs::read_to_string(&json).expect("json readable");
                let raw = std::fs::read(&eml).expect("eml readable");
                return (
                    serde_json::from_str(&decoded).expect("valid json"),
                    String::from_utf8_lossy(&raw).into_owned(),
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("message {n} never arrived at the sink");
    }

    fn received(&self) -> usize {
        std::fs::read_dir(self.out.path())
            .expect("out dir")
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "json"))
            })
            .count()
    }
}

impl Drop for AioSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

#[tokio::test]
async fn digest_reaches_a_real_smtp_server() {
    let Some(sink) = AioSink::start() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config_with(
        dir.path(),
        sink.port,
        "base_url = \"https://govwire.example.org/\"",
    );
    let store = open_store(dir.path());
    fill(&store);
    started(&store, berlin(2026, 3, 29, 0, 0));

    let sent = send_due(&store, &cfg, berlin(2026, 3, 30, 7, 5))
        .await
        .expect("send succeeds");
    assert_eq!(sent, Some(mailed(date(2026, 3, 29), date(2026, 3, 29), 3)));
    let (msg, raw) = sink.message(1).await;

    // Envelope and headers.
    assert_eq!(msg["mail_from"], "digest@example.org");
    assert_eq!(
        msg["rcpt_tos"],
        serde_json::json!(["joerg@example.org", "team@example.org"])
    );
    let from = msg["from"].as_str().expect("From");
    assert!(
        from.contains("govwire Tagesübersicht") && from.contains("<digest@example.org>"),
        "{from}"
    );
    let to = msg["to"].as_str().expect("To");
    assert!(
        to.contains("Jörg Müller <joerg@example.org>") && to.contains("team@example.org"),
        "{to}"
    );
    let subject = msg["subject"].as_str().expect("Subject");
    assert_eq!(
        subject,
        "[govwire] Tagesübersicht für Sonntag, 29. März 2026 (3 Meldungen)"
    );
    // One subject rule: the prefix once, the site name not repeated after it.
    assert!(!subject.contains("govwire:"), "{subject}");
    // Headers for threading, auto-responders and filters.
    let id = header(&raw, "Message-ID").expect("Message-ID");
    assert!(
        id.starts_with("<govwire.digest.20260329.20260329.") && id.ends_with("@example.org>"),
        "{id}"
    );
    assert_eq!(
        header(&raw, "Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    assert_eq!(
        header(&raw, "List-Id").as_deref(),
        Some("govwire digest <govwire-digest.example.org>")
    );
    // On the wire the non-ASCII subject is RFC 2047 encoded, not raw 8-bit.
    let raw_subject = raw
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("subject:"))
        .expect("Subject header");
    assert!(
        raw_subject.to_ascii_lowercase().contains("=?utf-8?"),
        "{raw_subject}"
    );
    assert!(!raw_subject.contains('ü'), "{raw_subject}");

    // Both parts, decoded.
    assert_eq!(msg["content_type"], "multipart/alternative");
    let text = msg["text"].as_str().expect("text/plain part");
    let html = msg["html"].as_str().expect("text/html part");
    // Every article of the day, including the collapsed cluster member ("also reported by").
    for a in &day_articles()[..4] {
        assert!(text.contains(&a.url), "text lacks {}:\n{text}", a.url);
        assert!(
            html.contains(&format!("href=\"{}\"", a.url)),
            "html lacks {}:\n{html}",
            a.url
        );
    }
    assert!(!text.contains("naechster-tag") && !html.contains("naechster-tag"));
    assert!(
        text.contains(
            "Auch berichtet von: Kommune21 <https://www.kommune21.de/meldung_ozg-aenderung>"
        ),
        "{text}"
    );
    assert!(
        html.contains(
            "Auch berichtet von: <a href=\"https://www.kommune21.de/meldung_ozg-aenderung\""
        ),
        "{html}"
    );
    for umlauts in [
        "Größere Änderungen am OZG für Bürgerinnen und Bürger",
        "Verwaltung: Registermodernisierung: Übergangsfristen verlängert",
        "Neue Staatssekretärin im Ministerium",
        "Bundesministerium des Innern und für Heimat",
    ] {
        assert!(text.contains(umlauts), "text lacks {umlauts:?}:\n{text}");
        assert!(html.contains(umlauts), "html lacks {umlauts:?}:\n{html}");
    }
    // Grouping as the text shows it: OZG, then Registermodernisierung, then the source section.
    let ozg = text.find("Stichwort: OZG").expect("OZG section");
    let reg = text
        .find("Stichwort: Registermodernisierung")
        .expect("Reg section");
    let rest = text
        .find("Weitere Meldungen nach Quelle")
        .expect("source sections");
    assert!(ozg < reg && reg < rest, "{text}");
    assert!(text.find("Neue Staatssekretärin").expect("other") > rest);
    // Links back to the web view at base_url: the day's page, the keyword pages, the search.
    for href in [
        "https://govwire.example.org/digest/2026-03-29",
        "https://govwire.example.org/keyword/OZG",
        "https://govwire.example.org/keyword/Registermodernisierung",
        "https://govwire.example.org/search",
    ] {
        assert!(text.contains(href), "text lacks {href}:\n{text}");
        assert!(
            html.contains(&format!("href=\"{href}\"")),
            "html lacks {href}:\n{html}"
        );
    }
    // Self-contained HTML.
    assert!(
        !html.contains("<link") && !html.contains("<img") && !html.contains("src="),
        "{html}"
    );

    // Recorded as sent; the same slot does not send again.
    assert!(
        mail::sent_at(&store, date(2026, 3, 29))
            .expect("state")
            .is_some()
    );
    let again = send_due(&store, &cfg, berlin(2026, 3, 30, 8, 0))
        .await
        .expect("no error");
    assert_eq!(again, None);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(sink.received(), 1);
}

// --- a minimal SMTP responder for the schedule tests ----------------------------------------

/// Accepts any message on loopback and keeps the DATA of each.
pub(crate) struct MiniSmtp {
    pub(crate) port: u16,
    messages: Arc<Mutex<Vec<String>>>,
}

impl MiniSmtp {
    pub(crate) async fn start() -> MiniSmtp {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let store = messages.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let (read, mut write) = socket.into_split();
                    let mut lines = TokioBufReader::new(read);
                    let _ = write.write_all(b"220 mini ESMTP\r\n").await;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                        let reply: &[u8] = match verb.as_str() {
                            "EHLO" => b"250-mini\r\n250 8BITMIME\r\n",
                            "DATA" => {
                                let _ = write.write_all(b"354 go ahead\r\n").await;
                                let mut data = String::new();
                                loop {
                                    line.clear();
                                    if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                                        return;
                                    }
                                    if line == ".\r\n" {
                                        break;
                                    }
                                    data.push_str(&line);
                                }
                                store.lock().expect("lock").push(data);
                                b"250 queued\r\n"
                            }
                            "QUIT" => {
                                let _ = write.write_all(b"221 bye\r\n").await;
                                return;
                            }
                            _ => b"250 ok\r\n",
                        };
                        if write.write_all(reply).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        MiniSmtp { port, messages }
    }

    pub(crate) fn count(&self) -> usize {
        self.messages.lock().expect("lock").len()
    }
}

#[tokio::test]
async fn sends_once_per_day_across_a_restart_and_rolls_up_after_a_pause() {
    let smtp = MiniSmtp::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path(), smtp.port);
    {
        let store = open_store(dir.path());
        fill(&store);
        started(&store, berlin(2026, 3, 29, 0, 0));
        // Before 07:00 Berlin nothing is due.
        let early = send_due(&store, &cfg, berlin(2026, 3, 30, 6, 59)).await;
        assert_eq!(early.expect("no error"), None);
        assert_eq!(smtp.count(), 0);
        // The server was down at 07:00 and starts at 09:00: it sends yesterday's digest.
        let sent = send_due(&store, &cfg, berlin(2026, 3, 30, 9, 0)).await;
        assert_eq!(
            sent.expect("sent"),
            Some(mailed(date(2026, 3, 29), date(2026, 3, 29), 3))
        );
        assert_eq!(smtp.count(), 1);
    }
    // Restart: a new process opens the same store.
    {
        let store = open_store(dir.path());
        let again = send_due(&store, &cfg, berlin(2026, 3, 30, 10, 0)).await;
        assert_eq!(again.expect("no error"), None, "no resend after a restart");
        assert_eq!(smtp.count(), 1);
        // The next day: the digest of the 30th (one article) is due at 07:00.
        let next = send_due(&store, &cfg, berlin(2026, 3, 31, 7, 0)).await;
        assert_eq!(
            next.expect("sent"),
            Some(mailed(date(2026, 3, 30), date(2026, 3, 30), 1))
        );
        assert_eq!(smtp.count(), 2);
        assert!(smtp.messages.lock().expect("lock")[1].contains("naechster-tag"));
    }
    {
        let store = open_store(dir.path());
        // An article on April 1st; the server is down for all of that day. On April 2nd one mail
        // covers everything since the last sent digest: March 31st and April 1st.
        store
            .upsert(&article(
                "https://www.bmi.bund.de/pm/april",
                "bmi",
                "Meldung vom ersten April",
                "Kein Scherz.",
                berlin(2026, 4, 1, 12, 0),
            ))
            .expect("upsert");
        let late = send_due(&store, &cfg, berlin(2026, 4, 2, 8, 0)).await;
        assert_eq!(
            late.expect("sent"),
            Some(mailed(date(2026, 3, 31), date(2026, 4, 1), 1))
        );
        assert_eq!(smtp.count(), 3);
        for day in [date(2026, 3, 31), date(2026, 4, 1)] {
            assert!(
                mail::sent_at(&store, day).expect("state").is_some(),
                "{day}"
            );
        }
        let status = mail_status(&store, berlin(2026, 4, 2, 8, 1)).expect("status");
        assert_eq!(status.last_sent.map(|(d, _)| d), Some(date(2026, 4, 1)));
        assert_eq!(status.last_error, None);
    }
}

#[tokio::test]
async fn a_failed_send_is_recorded_and_not_marked_sent() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Nothing listens on this port.
    let closed = free_port();
    let cfg = config(dir.path(), closed);
    let store = open_store(dir.path());
    fill(&store);
    started(&store, berlin(2026, 3, 29, 0, 0));
    let now = berlin(2026, 3, 30, 7, 1);
    for attempt in 1..=2u32 {
        let err = send_due(&store, &cfg, now)
            .await
            .expect_err("nothing listens");
        assert!(err.to_string().contains("SMTP"), "{err}");
        let status = mail_status(&store, now).expect("status");
        let failure = status.last_error.expect("failure recorded");
        assert_eq!(failure.date, date(2026, 3, 29));
        assert_eq!(failure.attempts, attempt);
        assert!(failure.error.contains("SMTP"), "{}", failure.error);
        assert_eq!(status.last_sent, None);
    }
    assert!(
        mail::sent_at(&store, date(2026, 3, 29))
            .expect("state")
            .is_none()
    );

    // The server comes back: the retry sends and clears the error.
    let smtp = MiniSmtp::start().await;
    let cfg = config(dir.path(), smtp.port);
    let sent = send_due(&store, &cfg, berlin(2026, 3, 30, 7, 3)).await;
    assert_eq!(
        sent.expect("sent"),
        Some(mailed(date(2026, 3, 29), date(2026, 3, 29), 3))
    );
    let status = mail_status(&store, now).expect("status");
    assert_eq!(status.last_error, None);
    assert_eq!(smtp.count(), 1);
}

#[tokio::test]
async fn missing_credentials_are_an_error_naming_the_variable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let smtp = MiniSmtp::start().await;
    let mut cfg = config(dir.path(), smtp.port);
    let email = cfg.digest.email.as_mut().expect("email");
    email.username_env = Some("GOVWIRE_TEST_UNSET_SMTP_USER_7F3A".into());
    email.password_env = Some("GOVWIRE_TEST_UNSET_SMTP_PASS_7F3A".into());
    let store = open_store(dir.path());
    fill(&store);
    started(&store, berlin(2026, 3, 29, 0, 0));
    let err = send_due(&store, &cfg, berlin(2026, 3, 30, 7, 1))
        .await
        .expect_err("variables unset");
    assert!(
        err.to_string()
            .contains("GOVWIRE_TEST_UNSET_SMTP_USER_7F3A"),
        "{err}"
    );
    assert_eq!(smtp.count(), 0);
}

#[tokio::test]
async fn the_mailer_task_stops_on_shutdown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let smtp = MiniSmtp::start().await;
    let cfg = config(dir.path(), smtp.port);
    let store = open_store(dir.path());
    let (tx, rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(govwire::digest::run_mailer(store, cfg, rx));
    tokio::time::sleep(Duration::from_millis(300)).await;
    tx.send(true).expect("send shutdown");
    tokio::time::timeout(Duration::from_secs(30), task)
        .await
        .expect("mailer stops after shutdown")
        .expect("mailer did not panic");
}

// --- the traps of issue 20, against aiosmtpd with the clock as a parameter ---------------

/// An article at 12:00 Berlin on `day`.
fn noon(day: NaiveDate, slug: &str, title: &str) -> Article {
    article(
        &format!("https://www.bmi.bund.de/pm/{slug}"),
        "bmi",
        title,
        "Text.",
        berlin(day.year(), day.month(), day.day(), 12, 0),
    )
}

#[tokio::test]
async fn trap_a_morning_test_send_does_not_suppress_the_scheduled_mail() {
    let Some(sink) = AioSink::start() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path(), sink.port);
    let store = open_store(dir.path());
    fill(&store);
    started(&store, berlin(2026, 3, 29, 0, 0));

    // Monday 06:00: a test send of today (not over yet) is mailed but not recorded.
    let morning = berlin(2026, 3, 30, 6, 0);
    let test = send_for_date(&store, &cfg, date(2026, 3, 30), morning)
        .await
        .expect("test send");
    assert_eq!(test, mailed(date(2026, 3, 30), date(2026, 3, 30), 1));
    sink.message(1).await;
    assert_eq!(
        mail::sent_at(&store, date(2026, 3, 30)).expect("state"),
        None
    );
    // 07:00: yesterday's digest goes out as scheduled.
    let seven = send_due(&store, &cfg, berlin(2026, 3, 30, 7, 0)).await;
    assert_eq!(
        seven.expect("sent"),
        Some(mailed(date(2026, 3, 29), date(2026, 3, 29), 3))
    );
    sink.message(2).await;
    // Tuesday 07:00: Monday's digest is still sent, although Monday was test-sent.
    let next = send_due(&store, &cfg, berlin(2026, 3, 31, 7, 0)).await;
    assert_eq!(
        next.expect("sent"),
        Some(mailed(date(2026, 3, 30), date(2026, 3, 30), 1))
    );
    let (msg, _) = sink.message(3).await;
    assert!(
        msg["text"]
            .as_str()
            .expect("text")
            .contains("naechster-tag"),
        "{msg}"
    );
}

#[tokio::test]
async fn trap_a_first_start_sends_nothing_for_days_before_the_folder_existed() {
    let Some(sink) = AioSink::start() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path(), sink.port);
    let store = open_store(dir.path());
    // A folder filled before its first start (a copy for review, a second instance, an import):
    // the news of the 29th exists, but this folder was not serving then.
    fill(&store);
    let first_start = berlin(2026, 3, 30, 7, 5);
    let at_start = send_due(&store, &cfg, first_start).await;
    assert_eq!(at_start.expect("no error"), None, "nothing at start-up");
    let later = send_due(&store, &cfg, berlin(2026, 3, 30, 18, 0)).await;
    assert_eq!(later.expect("no error"), None);
    // The start is recorded, and survives a restart.
    drop(store);
    let store = open_store(dir.path());
    assert_eq!(
        mail::started(&store, berlin(2026, 4, 9, 0, 0)).expect("since"),
        first_start
    );
    // Next morning: the day the folder began (the 30th) is mailed, the 29th never.
    let next = send_due(&store, &cfg, berlin(2026, 3, 31, 7, 0)).await;
    assert_eq!(
        next.expect("sent"),
        Some(mailed(date(2026, 3, 30), date(2026, 3, 30), 1))
    );
    let (msg, _) = sink.message(1).await;
    let text = msg["text"].as_str().expect("text");
    assert!(text.contains("naechster-tag"), "{text}");
    assert!(!text.contains("ozg-aenderung"), "{text}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(sink.received(), 1);
}

#[tokio::test]
async fn trap_days_without_news_are_recorded_but_not_mailed() {
    let Some(sink) = AioSink::start() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path(), sink.port);
    let store = open_store(dir.path());
    started(&store, berlin(2026, 3, 25, 12, 0));
    // Thursday 07:00: Wednesday had no news.
    let thu = send_due(&store, &cfg, berlin(2026, 3, 26, 7, 0)).await;
    assert_eq!(
        thu.expect("done"),
        Some(Sent::Empty {
            first: date(2026, 3, 25),
            last: date(2026, 3, 25)
        })
    );
    assert!(matches!(
        mail::day_record(&store, date(2026, 3, 25)).expect("state"),
        Some(DayRecord::Empty(_))
    ));
    let again = send_due(&store, &cfg, berlin(2026, 3, 26, 8, 0)).await;
    assert_eq!(again.expect("no error"), None, "done means done");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(sink.received(), 0, "no \"keine neuen Meldungen\" mail");
    // An empty day does not count as mailed on the health page.
    let status = mail_status(&store, berlin(2026, 3, 26, 8, 0)).expect("status");
    assert_eq!(status.last_sent, None);

    // skip_empty = false mails the empty day, saying so.
    let dir2 = tempfile::tempdir().expect("tempdir");
    let cfg2 = config_with(dir2.path(), sink.port, "skip_empty = false");
    let store2 = open_store(dir2.path());
    started(&store2, berlin(2026, 3, 25, 12, 0));
    let sent = send_due(&store2, &cfg2, berlin(2026, 3, 26, 7, 0)).await;
    assert_eq!(
        sent.expect("sent"),
        Some(mailed(date(2026, 3, 25), date(2026, 3, 25), 0))
    );
    let (msg, _) = sink.message(1).await;
    assert!(
        msg["subject"]
            .as_str()
            .expect("subject")
            .contains("keine neuen Meldungen"),
        "{msg}"
    );
}

#[tokio::test]
async fn trap_the_monday_mail_rolls_up_the_weekend() {
    let Some(sink) = AioSink::start() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path(), sink.port);
    let store = open_store(dir.path());
    for (d, slug, title) in [
        (26, "do", "Meldung vom Donnerstag"),
        (27, "fr", "Meldung vom Freitag"),
        (28, "sa", "Meldung vom Samstag"),
        (29, "so", "Meldung vom Sonntag"),
        (30, "mo", "Meldung vom Montag"),
    ] {
        store
            .upsert(&noon(date(2026, 3, d), slug, title))
            .expect("upsert");
    }
    started(&store, berlin(2026, 3, 26, 0, 0));
    // Friday 07:00: Thursday.
    let fri = send_due(&store, &cfg, berlin(2026, 3, 27, 7, 0)).await;
    assert_eq!(
        fri.expect("sent"),
        Some(mailed(date(2026, 3, 26), date(2026, 3, 26), 1))
    );
    sink.message(1).await;
    // No mail on Saturday or Sunday (weekdays default to Monday to Friday).
    for now in [berlin(2026, 3, 28, 7, 0), berlin(2026, 3, 29, 12, 0)] {
        let weekend = send_due(&store, &cfg, now).await;
        assert_eq!(weekend.expect("no error"), None, "{now}");
    }
    // Monday 07:00: one mail for Friday to Sunday.
    let mon = send_due(&store, &cfg, berlin(2026, 3, 30, 7, 0)).await;
    assert_eq!(
        mon.expect("sent"),
        Some(mailed(date(2026, 3, 27), date(2026, 3, 29), 3))
    );
    let (msg, _) = sink.message(2).await;
    assert_eq!(
        msg["subject"],
        "[govwire] Übersicht für Freitag, 27. bis Sonntag, 29. März 2026 (3 Meldungen)"
    );
    let text = msg["text"].as_str().expect("text");
    for (slug, wanted) in [
        ("do", false),
        ("fr", true),
        ("sa", true),
        ("so", true),
        ("mo", false),
    ] {
        let url = format!("https://www.bmi.bund.de/pm/{slug}");
        assert_eq!(text.contains(&url), wanted, "{slug}:\n{text}");
    }
    for d in 27..=29 {
        assert!(
            mail::sent_at(&store, date(2026, 3, d))
                .expect("state")
                .is_some(),
            "{d}"
        );
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(sink.received(), 2);
}

#[tokio::test]
async fn trap_bcc_hides_the_recipients_and_all_receive_it() {
    let Some(sink) = AioSink::start() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open_store(dir.path());
    fill(&store);
    started(&store, berlin(2026, 3, 29, 0, 0));

    // bcc = true: the `to` list is hidden.
    let cfg = config_with(dir.path(), sink.port, "bcc = true");
    let sent = send_for_date(&store, &cfg, date(2026, 3, 29), berlin(2026, 3, 30, 7, 0)).await;
    assert!(matches!(sent.expect("sent"), Sent::Mailed { .. }));
    let (msg, raw) = sink.message(1).await;
    assert_eq!(
        msg["rcpt_tos"],
        serde_json::json!(["joerg@example.org", "team@example.org"])
    );
    let head = header_block(&raw);
    for hidden in ["joerg@example.org", "team@example.org", "Bcc:"] {
        assert!(!head.contains(hidden), "{hidden} in the headers:\n{head}");
    }
    assert_eq!(
        header(&raw, "To").as_deref(),
        Some("undisclosed-recipients:;")
    );

    // A bcc list: those are hidden, `to` stays visible.
    let cfg = config_with(
        dir.path(),
        sink.port,
        "bcc = [\"Geheim <hidden@example.org>\", \"leitung@example.org\"]",
    );
    send_for_date(&store, &cfg, date(2026, 3, 29), berlin(2026, 3, 30, 7, 0))
        .await
        .expect("sent");
    let (msg, raw) = sink.message(2).await;
    assert_eq!(
        msg["rcpt_tos"],
        serde_json::json!([
            "joerg@example.org",
            "team@example.org",
            "hidden@example.org",
            "leitung@example.org"
        ])
    );
    let head = header_block(&raw);
    assert!(head.contains("team@example.org"), "{head}");
    for hidden in ["hidden@example.org", "leitung@example.org", "Bcc:"] {
        assert!(!head.contains(hidden), "{hidden} in the headers:\n{head}");
    }
}

/// Runs `govwire --config CONFIG ARGS…` and returns (success, stderr).
fn govwire(config: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_govwire"))
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .expect("govwire runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn trap_send_defaults_to_yesterday_and_refuses_a_resend_without_force() {
    let Some(sink) = AioSink::start() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let config_path = dir.path().join("sources.toml");
    std::fs::write(&config_path, config_text(dir.path(), sink.port, "")).expect("write config");
    // The real clock: the CLI is what a user runs. One article yesterday, one today.
    let today = govwire::digest::berlin_date(Utc::now());
    let yesterday = today.pred_opt().expect("yesterday");
    {
        let store = open_store(dir.path());
        store
            .upsert(&noon(yesterday, "gestern", "Meldung von gestern"))
            .expect("upsert");
        store
            .upsert(&noon(today, "heute", "Meldung von heute"))
            .expect("upsert");
    }

    // `--send` without --date: the last completed day.
    let (ok, err) = govwire(&config_path, &["digest", "--send"]);
    assert!(ok, "{err}");
    let (msg, _) = sink.message(1).await;
    let text = msg["text"].as_str().expect("text");
    assert!(text.contains("/pm/gestern"), "{text}");
    assert!(!text.contains("/pm/heute"), "{text}");

    // Again: refused, with a non-zero exit and a message naming --force.
    for date_arg in [
        None,
        Some("gestern"),
        Some(&*yesterday.format("%d.%m.%Y").to_string()),
    ] {
        let mut args = vec!["digest", "--send"];
        if let Some(d) = date_arg {
            args.extend(["--date", d]);
        }
        let (ok, err) = govwire(&config_path, &args);
        assert!(!ok, "{args:?} must fail");
        assert!(
            err.contains("already mailed") && err.contains("--force"),
            "{args:?}: {err}"
        );
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(sink.received(), 1);

    // --force sends it again.
    let (ok, err) = govwire(&config_path, &["digest", "--send", "--force"]);
    assert!(ok, "{err}");
    sink.message(2).await;

    // A test send of today is mailed, not recorded, so it can be repeated and the schedule
    // still sends today tomorrow.
    for n in 3..=4 {
        let (ok, err) = govwire(&config_path, &["digest", "--send", "--date", "heute"]);
        assert!(ok, "{err}");
        assert!(err.contains("not over yet"), "{err}");
        let (msg, _) = sink.message(n).await;
        assert!(
            msg["text"].as_str().expect("text").contains("/pm/heute"),
            "{msg}"
        );
    }
    let store = open_store(dir.path());
    assert!(mail::sent_at(&store, today).expect("state").is_none());
    assert!(mail::sent_at(&store, yesterday).expect("state").is_some());
}
