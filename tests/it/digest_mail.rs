//! The digest by e-mail over real SMTP on loopback, and the once-per-day schedule across restarts.
//!
//! `digest_reaches_a_real_smtp_server` talks to aiosmtpd (`tests/smtp_sink.py`, installed by
//! `python3 -m pip install aiosmtpd`) and checks what that independent implementation received;
//! it prints a SKIP line when aiosmtpd is not importable. The schedule tests use a minimal SMTP
//! responder written here, so they run everywhere. Stores are real sled databases in temp dirs.

use crate::common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Berlin;
use govwire::config::{Config, parse};
use govwire::digest::{mail, mail_status, send_due};
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
    let text = format!(
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
"#,
        data_dir.display()
    );
    parse(&text, "test.toml").expect("valid test config")
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
    let cfg = config(dir.path(), sink.port);
    let store = open_store(dir.path());
    fill(&store);

    let sent = send_due(&store, &cfg, berlin(2026, 3, 30, 7, 5))
        .await
        .expect("send succeeds");
    assert_eq!(sent, Some(date(2026, 3, 29)));
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
        "[govwire] govwire: Tagesübersicht für Sonntag, 29. März 2026 (3 Meldungen)"
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
async fn sends_once_per_day_across_a_restart_and_never_for_older_days() {
    let smtp = MiniSmtp::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path(), smtp.port);
    {
        let store = open_store(dir.path());
        fill(&store);
        // Before 07:00 Berlin nothing is due (the day before yesterday is never sent).
        let early = send_due(&store, &cfg, berlin(2026, 3, 30, 6, 59)).await;
        assert_eq!(early.expect("no error"), None);
        assert_eq!(smtp.count(), 0);
        // The server was down at 07:00 and starts at 09:00: it sends yesterday's digest.
        let sent = send_due(&store, &cfg, berlin(2026, 3, 30, 9, 0)).await;
        assert_eq!(sent.expect("sent"), Some(date(2026, 3, 29)));
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
        assert_eq!(next.expect("sent"), Some(date(2026, 3, 30)));
        assert_eq!(smtp.count(), 2);
        assert!(smtp.messages.lock().expect("lock")[1].contains("naechster-tag"));
    }
    {
        let store = open_store(dir.path());
        // Down for all of April 1st: on April 2nd only April 1st is sent, never March 31st.
        let late = send_due(&store, &cfg, berlin(2026, 4, 2, 8, 0)).await;
        assert_eq!(late.expect("sent"), Some(date(2026, 4, 1)));
        assert_eq!(smtp.count(), 3);
        assert!(
            mail::sent_at(&store, date(2026, 3, 31))
                .expect("state")
                .is_none()
        );
        let status = mail_status(&store, berlin(2026, 4, 2, 8, 1)).expect("status");
        assert_eq!(status.last_sent.map(|(d, _)| d), Some(date(2026, 4, 1)));
        assert_eq!(status.last_error, None);
        // An empty day is still a digest: it says so.
        let empty = smtp.messages.lock().expect("lock")[2].clone();
        assert!(empty.contains("keine neuen Meldungen"), "{empty}");
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
    assert_eq!(sent.expect("sent"), Some(date(2026, 3, 29)));
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
