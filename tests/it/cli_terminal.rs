//! The command line as a new user meets it in a terminal (issue 20): one test per defect found,
//! each through the real binary, and every `govwire …` line printed in README.md run exactly as
//! written against a fixture store, and again piped into `head -n1`.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use chrono::{Duration, TimeZone, Utc};
use govwire::model::{Article, ArticleId};
use govwire::store::Store;

/// Articles in the fixture store: with 2 KB of text each, `export` writes far more than a pipe
/// buffer (64 KiB), so a reader that stops after one line really closes the pipe on it.
const ARTICLES: usize = 80;

/// Long enough to be cut in the `search` table (80 characters).
const LONG_TITLE: &str = "Onlinezugangsgesetz: Brandenburg meldet weitere Fortschritte bei der Digitalisierung kommunaler Verwaltungsleistungen";

fn fixture_article(i: usize) -> Article {
    let at = Utc.with_ymd_and_hms(2021, 3, 1, 9, 0, 0).unwrap() + Duration::days(i as i64);
    let title = if i == 0 {
        LONG_TITLE.to_string()
    } else {
        format!("OZG-Meldung Nummer {i}")
    };
    let text = format!(
        "Das OZG kommt voran. {}",
        "Verwaltung digital. ".repeat(100)
    );
    Article {
        keywords: vec!["OZG".into()],
        ..common::article("bb", &format!("https://bb.example/{i}"), &title, &text, at)
    }
}

/// A folder with `sources.toml` (its data in `data/`) and a store of [`ARTICLES`] articles, as
/// a user has after a few crawls; a shell in this folder finds the config by its default name.
fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("data/store")).unwrap();
    for i in 0..ARTICLES {
        store.upsert(&fixture_article(i)).unwrap();
    }
    store.flush().unwrap();
    drop(store);
    std::fs::write(
        dir.path().join("sources.toml"),
        config_text("http://127.0.0.1:9"),
    )
    .unwrap();
    dir
}

fn config_text(base: &str) -> String {
    format!(
        r#"[settings]
data_dir = "data"
per_host_interval = "1s"

[[source]]
id = "bb"
name = "Land Brandenburg"
url = "{base}/feed/rss.xml"
kind = "feed"
level = "land"
land = "BB"
fetch_articles = false

[[keyword]]
name = "OZG"
"#
    )
}

/// Runs the binary in `dir` (config found as `./sources.toml`), with no log level preset.
fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_govwire"))
        .current_dir(dir)
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .env_remove("GOVWIRE_CONFIG")
        .env_remove("GOVWIRE_DATA_DIR")
        .env_remove("GOVWIRE_LISTEN")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A shell line in `dir` with the binary first on `PATH`: (exit status of the whole line,
/// stdout, stderr). Under bash with `pipefail` off, `PIPESTATUS` is echoed to stderr last.
fn shell(dir: &Path, line: &str) -> (Vec<i32>, String, String) {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_govwire"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("{line}\necho \"status ${{PIPESTATUS[*]}}\" >&2"))
        .current_dir(dir)
        .env("PATH", path)
        .env_remove("RUST_LOG")
        .env_remove("GOVWIRE_CONFIG")
        .env_remove("GOVWIRE_DATA_DIR")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    let (rest, status) = stderr.trim_end().rsplit_once("status ").unwrap();
    let codes = status
        .split_whitespace()
        .map(|c| c.parse().unwrap())
        .collect();
    (codes, text(&out.stdout), rest.to_string())
}

/// A quiet end in a closed pipe: exit code 0, or killed by SIGPIPE (141 in a shell), and no
/// panic or "Broken pipe" message.
fn assert_quiet_pipe(line: &str, codes: &[i32], stderr: &str) {
    assert!(
        matches!(codes.first(), Some(0 | 141)),
        "{line}: exit {codes:?}\n{stderr}"
    );
    for bad in ["panicked", "Broken pipe", "backtrace", "error"] {
        assert!(!stderr.contains(bad), "{line}: {bad}:\n{stderr}");
    }
}

#[test]
fn extract_without_url_reads_a_saved_page() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("seite.html");
    std::fs::write(
        &page,
        "<html><body><article><h1>Neue Förderung</h1><p>Das Land fördert die Digitalisierung der Verwaltung mit weiteren Mitteln.</p></article></body></html>",
    )
    .unwrap();
    let out = run_in(dir.path(), &["extract", "seite.html"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["title"], "Neue Förderung");
    assert!(v["url"].as_str().unwrap().starts_with("file:///"), "{v}");
    // A missing file names itself and its cause once.
    let out = run_in(dir.path(), &["extract", "fehlt.html"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("fehlt.html"), "{err}");
    assert_eq!(err.matches("os error 2").count(), 1, "{err}");
}

#[test]
fn every_command_ends_quietly_in_a_closed_pipe() {
    let dir = fixture();
    std::fs::write(
        dir.path().join("seite.html"),
        format!(
            "<html><body><h1>T</h1>{}</body></html>",
            "<p>Absatz mit Text.</p>".repeat(5000)
        ),
    )
    .unwrap();
    let id = ArticleId::from_url("https://bb.example/3").to_string();
    for line in [
        "govwire export --format jsonl | head -n1".to_string(),
        "govwire export --format csv --with-text | head -n1".to_string(),
        "govwire search OZG --limit 100 | head -n1".to_string(),
        "govwire search OZG --format csv --with-text --limit 100 | head -n1".to_string(),
        "govwire sources | head -n1".to_string(),
        format!("govwire show {id} | head -n1"),
        "govwire extract --format text seite.html seite.html seite.html | head -n1".to_string(),
        "govwire --help | head -n1".to_string(),
    ] {
        let (codes, stdout, stderr) = shell(dir.path(), &line);
        assert_quiet_pipe(&line, &codes, &stderr);
        assert_eq!(stdout.lines().count(), 1, "{line}: {stdout}");
    }
}

#[test]
fn logs_are_quiet_by_default_and_colour_follows_no_color_and_color() {
    let dir = fixture();
    // The first search builds the index: an INFO line, not shown by default.
    let out = run_in(dir.path(), &["search", "OZG"]);
    assert!(out.status.success());
    assert_eq!(text(&out.stderr), "", "quiet by default");
    let out = run_in(dir.path(), &["reindex", "-v"]);
    let err = text(&out.stderr);
    assert!(err.contains("INFO"), "-v shows INFO: {err}");
    assert!(!err.contains("\x1b["), "no colour in a pipe: {err:?}");
    assert!(!err.contains("Z "), "no UTC timestamps for a person: {err}");

    let colour = |extra: &[&str], no_color: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_govwire"));
        cmd.current_dir(dir.path())
            .args(extra)
            .args(["-v", "reindex"])
            .env_remove("RUST_LOG");
        if no_color {
            cmd.env("NO_COLOR", "1");
        } else {
            cmd.env_remove("NO_COLOR");
        }
        text(&cmd.output().unwrap().stderr).contains("\x1b[")
    };
    assert!(colour(&["--color", "always"], false));
    assert!(colour(&["--color", "always"], true), "explicit wins");
    assert!(!colour(&["--color", "never"], false));
    assert!(!colour(&[], true));

    let out = run_in(dir.path(), &["-q", "-v", "-v", "reindex"]);
    assert!(text(&out.stderr).contains("INFO"), "-q and -v add up");
}

#[test]
fn search_cuts_titles_at_a_word_and_exits_1_without_hits() {
    let dir = fixture();
    let out = run_in(dir.path(), &["search", "Onlinezugangsgesetz"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let row = stdout.lines().nth(1).unwrap();
    assert!(
        row.contains("Fortschritte bei der…  ["),
        "cut after a whole word, with …: {row}"
    );
    // Berlin calendar day, as the store's 09:00 UTC is 10:00 in Berlin.
    assert!(row.starts_with("2021-03-01"), "{row}");

    let out = run_in(dir.path(), &["search", "Raumfahrt"]);
    assert_eq!(out.status.code(), Some(1), "no hits: 1, as grep");
    assert!(text(&out.stdout).starts_with("0 Treffer"));
    let out = run_in(dir.path(), &["search", "land:XY"]);
    assert_eq!(out.status.code(), Some(2), "a malformed query: 2");
}

#[test]
fn dates_are_read_as_germans_write_them() {
    let dir = fixture();
    // 2021-03-05 is article 4.
    for day in ["2021-03-05", "05.03.2021", "5.3.2021"] {
        let out = run_in(
            dir.path(),
            &[
                "search", "OZG", "--from", day, "--to", day, "--format", "json",
            ],
        );
        assert!(out.status.success(), "{day}: {}", text(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["total"], 1, "{day}: {v}");
    }
    let out = run_in(
        dir.path(),
        &["search", "OZG", "--from", "03.2021", "--to", "03.2021"],
    );
    assert!(
        text(&out.stdout).starts_with("31 Treffer"),
        "{}",
        text(&out.stdout)
    );
    // Nothing was published yesterday or today in the fixture: no hits, but a valid date.
    for day in ["gestern", "heute"] {
        let out = run_in(dir.path(), &["export", "--from", day]);
        assert!(out.status.success(), "{day}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "", "{day}");
    }
    let out = run_in(dir.path(), &["search", "OZG", "--from", "32.13.2021"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn show_prints_one_article_by_its_id() {
    let dir = fixture();
    let id = ArticleId::from_url("https://bb.example/0").to_string();
    let out = run_in(dir.path(), &["show", &format!("[{id}]")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with(LONG_TITLE), "{stdout}");
    assert!(
        stdout.contains("source:    Land Brandenburg (bb)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("published: 2021-03-01 10:00:00 CET"),
        "Berlin time: {stdout}"
    );
    assert!(stdout.contains("Verwaltung digital."));
    let out = run_in(dir.path(), &["show", "0000000000000000"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no stored article"));
    let out = run_in(dir.path(), &["show", "kaputt"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn errors_name_the_thing_at_fault_once_and_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    // No config: the hint to copy the shipped one.
    let out = run_in(dir.path(), &["sources"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("sources.toml") && err.contains("copy the shipped"),
        "{err}"
    );

    // An invalid selector: what is wrong, in words, and where to fix it.
    std::fs::write(
        dir.path().join("sources.toml"),
        format!(
            "{}\n[source.article]\nbody = \"div..x\"\n",
            config_text("http://127.0.0.1:9")
        ),
    )
    .unwrap();
    let out = run_in(dir.path(), &["sources"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(!err.contains("Unexpected error"), "{err}");
    assert!(!err.contains("report this"), "{err}");
    assert!(err.contains("must be followed by a class name"), "{err}");
    assert!(
        err.contains("sources.toml:"),
        "names the file and line: {err}"
    );

    // A store path that is a file, not a folder: named, with its cause once.
    std::fs::write(
        dir.path().join("sources.toml"),
        config_text("http://127.0.0.1:9"),
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    std::fs::write(dir.path().join("data/store"), "a file").unwrap();
    let out = run_in(dir.path(), &["sources"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("data/store"), "{err}");
    let first = err.lines().next().unwrap_or_default();
    let cause = first.rsplit(": ").next().unwrap();
    assert_eq!(first.matches(cause).count(), 1, "cause once: {first}");
}

#[tokio::test(flavor = "multi_thread")]
async fn crawl_summary_columns_plural_and_berlin_times() {
    let (base, _log) = common::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = config_text(&base);
    let config = format!(
        "{config}\n[[source]]\nid = \"kaputt\"\nname = \"Kein Feed\"\nurl = \"{base}/kommune21/index.html\"\nkind = \"feed\"\nlevel = \"bund\"\n"
    );
    std::fs::write(dir.path().join("sources.toml"), config).unwrap();
    let d = dir.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || run_in(&d, &["crawl"]))
        .await
        .unwrap();
    let stdout = text(&out.stdout);
    assert!(
        stdout.lines().last().unwrap().ends_with("new articles"),
        "{stdout}"
    );
    assert!(!stdout.contains("(s)"), "{stdout}");
    // A feed error names its URL once.
    let url = format!("{base}/kommune21/index.html");
    let err_line = stdout.lines().find(|l| l.starts_with("kaputt: ")).unwrap();
    assert_eq!(err_line.matches(&url).count(), 1, "{err_line}");

    // Second crawl: the feed answers 304, in a column of its own; the counts stay numbers.
    let d = dir.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || run_in(&d, &["crawl", "--source", "bb"]))
        .await
        .unwrap();
    let stdout = text(&out.stdout);
    let header = stdout.lines().next().unwrap();
    let row = stdout.lines().find(|l| l.starts_with("bb ")).unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(&cells[1..5], ["0", "0", "0", "0"], "{stdout}");
    assert!(row.ends_with("not modified (304)"), "{stdout}");
    assert!(header.ends_with("listing"), "{header}");
    assert!(stdout.ends_with("0 new articles\n"), "{stdout}");

    // `sources` shows Berlin wall-clock times, to the second.
    let d = dir.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || run_in(&d, &["sources"]))
        .await
        .unwrap();
    let stdout = text(&out.stdout);
    let success = stdout
        .lines()
        .find(|l| l.contains("last success:"))
        .unwrap();
    assert!(
        success.ends_with(" CET") || success.ends_with(" CEST"),
        "{success}"
    );
    assert!(!stdout.contains("UTC"), "{stdout}");
}

/// In a terminal (a pseudo-terminal from util-linux `script`), `crawl -v` shows the bar naming
/// the running sources, and every log line is written on a line of its own, with the bar erased
/// first (never "▕███ 1/2 sources … INFO …" on one line). Skipped where `script` is missing.
#[tokio::test(flavor = "multi_thread")]
async fn the_progress_bar_names_running_sources_and_never_clobbers_log_lines() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` to give the crawl a terminal");
        return;
    }
    let (base, _log) = common::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "{}\n[[source]]\nid = \"kaputt\"\nname = \"Kein Feed\"\nurl = \"{base}/kommune21/index.html\"\nkind = \"feed\"\nlevel = \"bund\"\n",
        config_text(&base)
    );
    std::fs::write(dir.path().join("sources.toml"), config).unwrap();
    let cmd = format!("{} --color never -v crawl", env!("CARGO_BIN_EXE_govwire"));
    let d = dir.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .current_dir(&d)
            .env_remove("RUST_LOG")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let screen = text(&out.stdout);
    assert!(screen.contains("running: "), "{screen}");
    let mut log_lines = 0;
    for line in screen.split('\n') {
        // What stays visible of a line: the text after the last carriage return or erase.
        let visible = line
            .rsplit(['\r'])
            .find(|s| !s.is_empty())
            .unwrap_or_default()
            .trim_start_matches("\x1b[2K");
        if visible.contains(" INFO ") || visible.contains(" WARN ") {
            log_lines += 1;
            assert!(
                !visible.contains(" sources "),
                "bar and log on one line: {visible:?}"
            );
        }
    }
    assert!(log_lines >= 2, "{screen}");
    assert!(screen.contains("new articles"), "{screen}");
}

#[tokio::test(flavor = "multi_thread")]
async fn healthcheck_probes_a_running_serve() {
    let dir = fixture();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let listen = format!("127.0.0.1:{port}");
    let probe = {
        let d = dir.path().to_path_buf();
        let listen = listen.clone();
        move || {
            let out = Command::new(env!("CARGO_BIN_EXE_govwire"))
                .current_dir(&d)
                .arg("healthcheck")
                .env("GOVWIRE_LISTEN", &listen)
                .output()
                .unwrap();
            (out.status.code(), text(&out.stderr))
        }
    };
    let (code, err) = probe();
    assert_eq!(code, Some(1), "nothing running yet");
    assert!(
        err.contains(&listen) && err.contains("serve running"),
        "{err}"
    );

    let mut server = Command::new(env!("CARGO_BIN_EXE_govwire"))
        .current_dir(dir.path())
        .args(["serve", "--no-crawl", "--listen", &listen])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut healthy = false;
    for _ in 0..100 {
        if probe().0 == Some(0) {
            healthy = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let other = Command::new(env!("CARGO_BIN_EXE_govwire"))
        .current_dir(dir.path())
        .args(["healthcheck", "--url", &format!("http://{listen}/nicht-da")])
        .output()
        .unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(healthy, "serve became healthy");
    assert_eq!(other.status.code(), Some(1), "a 404 is unhealthy");
    assert!(text(&other.stderr).contains("404"));
}

/// README lines that are not run, with the reason.
const NOT_RUN: &[(&str, &str)] = &[
    ("govwire check ", "fetches a live site (network)"),
    ("govwire crawl", "fetches the configured sources (network)"),
    ("govwire serve", "starts a server that runs until stopped"),
    (
        "govwire healthcheck",
        "needs a running serve (tested above)",
    ),
    ("govwire digest --send", "mails (needs an SMTP server)"),
    (
        "govwire add ",
        "probes a live site (network; tested in site_web)",
    ),
];

/// The `govwire …` command lines README.md prints: lines of ```sh blocks and inline code spans,
/// except synopses with placeholders (`[--x]`, `FILE`, `ID`, `a|b`).
fn readme_lines() -> Vec<String> {
    let readme = include_str!("../../README.md");
    let mut lines = vec![];
    let mut in_code = false;
    for line in readme.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            if line.starts_with("govwire ") {
                lines.push(line.to_string());
            }
        } else {
            for (i, span) in line.split('`').enumerate() {
                if i % 2 == 1 && span.starts_with("govwire ") {
                    lines.push(span.to_string());
                }
            }
        }
    }
    lines.retain(|line| {
        // A shell comment after the command is prose, not part of the synopsis test.
        let l = line.split(" #").next().unwrap_or_default();
        let synopsis = l.contains('[')
            || l.contains("\\|")
            || l.split_whitespace()
                .any(|w| w.len() > 1 && w.chars().all(|c| c.is_ascii_uppercase() || c == '_'));
        !synopsis
    });
    lines.dedup();
    lines
}

#[test]
fn every_readme_command_runs_as_written_and_in_a_pipe() {
    let lines = readme_lines();
    assert!(lines.len() >= 8, "{lines:?}");
    let mut ran = 0;
    for line in &lines {
        if let Some((_, why)) = NOT_RUN.iter().find(|(p, _)| line.starts_with(p)) {
            eprintln!("not run ({why}): {line}");
            continue;
        }
        // A fresh folder per line: lines that write (import --write) do not change the next.
        let dir = fixture();
        std::fs::write(
            dir.path().join("abos.opml"),
            r#"<?xml version="1.0"?><opml version="2.0"><head><title>Abos</title></head><body><outline text="Stadt" type="rss" xmlUrl="http://127.0.0.1:9/stadt.xml"/></body></opml>"#,
        )
        .unwrap();
        let (codes, _, stderr) = shell(dir.path(), line);
        assert_eq!(codes.first(), Some(&0), "{line}\n{stderr}");
        let piped = format!("{line} | head -n1");
        let (codes, _, stderr) = shell(dir.path(), &piped);
        assert_quiet_pipe(&piped, &codes, &stderr);
        ran += 1;
    }
    assert!(ran >= 8, "ran {ran} of {lines:?}");
}
