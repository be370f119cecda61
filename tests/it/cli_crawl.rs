//! `govwire crawl` as a user runs it: the real binary against the loopback fixture sites, checking
//! the progress lines, the summary table, JSON logs that name their source, and `govwire retag`.

use crate::common;

use std::process::Command;

fn write_config(dir: &std::path::Path, base: &str) -> std::path::PathBuf {
    let path = dir.join("sources.toml");
    let text = format!(
        r#"
[settings]
data_dir = "{data}"
per_host_interval = "1s"

[[source]]
id = "stk"
name = "Staatskanzlei (Fixture)"
url = "{base}/feed/rss.xml"
kind = "feed"
level = "land"
land = "NW"
fetch_articles = false

[[source]]
id = "gone"
name = "Verschwunden"
url = "{base}/nothing/here.xml"
kind = "feed"
level = "bund"

[[keyword]]
name = "OZG"
"#,
        data = dir.join("data").display()
    );
    std::fs::write(&path, text).expect("config");
    path
}

fn govwire(config: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_govwire"))
        .arg("-c")
        .arg(config)
        .args(args)
        .env("RUST_LOG", "info")
        .output()
        .expect("run govwire")
}

#[tokio::test(flavor = "multi_thread")]
async fn crawl_prints_progress_and_summary_and_json_logs_name_the_source() {
    let (base, _log) = common::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), &base);

    let cfg = config.clone();
    let out = tokio::task::spawn_blocking(move || govwire(&cfg, &["crawl"]))
        .await
        .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // One source failed entirely: exit code 1, but the other source's articles are stored.
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("] stk: "), "plain progress line:\n{stderr}");
    assert!(stderr.contains("] gone: 0 new"), "{stderr}");
    let stk_row = stdout
        .lines()
        .find(|l| l.starts_with("stk "))
        .expect("summary row");
    let new: usize = stk_row.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(new >= 2, "{stdout}");
    assert!(
        stdout.contains("gone: "),
        "the failing source's error is shown:\n{stdout}"
    );
    assert!(stdout.contains("404"), "{stdout}");

    // JSON logs: every line is one JSON object; lines from a crawl carry their source.
    let cfg = config.clone();
    let out = tokio::task::spawn_blocking(move || {
        govwire(&cfg, &["--log-format", "json", "crawl", "--source", "gone"])
    })
    .await
    .expect("join");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut from_crawl = 0;
    for line in stderr.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        if let Some(span) = v.get("span").filter(|s| s["name"] == "crawl") {
            assert_eq!(span["source"], "gone", "{line}");
            from_crawl += 1;
        }
    }
    assert!(
        from_crawl >= 2,
        "crawl lines carry the source span:\n{stderr}"
    );

    // Re-tagging the stored articles from the command line fetches nothing and is idempotent.
    let cfg = config.clone();
    let out = tokio::task::spawn_blocking(move || govwire(&cfg, &["retag"]))
        .await
        .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains(&format!("{new} articles read, 0 changed")),
        "{stdout}"
    );
}

/// The body log files under the data folder, oldest first.
fn body_logs(data: &std::path::Path) -> Vec<std::path::PathBuf> {
    let dir = data.join("store").join("bodies");
    let mut logs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    logs.sort();
    logs
}

#[tokio::test(flavor = "multi_thread")]
async fn check_store_reports_a_damaged_body_log_and_a_crawl_repairs_the_article() {
    // A server without validators, so the second crawl reads the feed again instead of a 304.
    let feed = std::fs::read(common::fixtures().join("feed/rss.xml")).expect("feed fixture");
    let (base, _log) = common::start_routes(vec![(
        "/feed/rss.xml".to_string(),
        common::Canned::new("application/rss+xml", feed),
    )])
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), &base);
    let run = |args: &'static [&'static str]| {
        let cfg = config.clone();
        tokio::task::spawn_blocking(move || govwire(&cfg, args))
    };

    let out = run(&["crawl", "--source", "stk"]).await.expect("join");
    assert!(out.status.success(), "{out:?}");
    let out = run(&["check-store"]).await.expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("unreadable articles: 0\n"), "{stdout}");
    assert!(stdout.ends_with("ok\n"), "{stdout}");

    // Bit rot inside the first stored article's record.
    let log = body_logs(&dir.path().join("data")).remove(0);
    let mut bytes = std::fs::read(&log).expect("read log");
    bytes[40] ^= 0x20;
    std::fs::write(&log, &bytes).expect("write log");

    let out = run(&["check-store"]).await.expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("unreadable articles: 1\n"), "{stdout}");
    assert!(stdout.ends_with("PROBLEMS FOUND\n"), "{stdout}");

    // The next crawl treats the lost article as unknown and stores it again.
    let out = run(&["crawl", "--source", "stk"]).await.expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stderr.contains("stored text lost"), "{stderr}");
    let out = run(&["check-store"]).await.expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        stdout.contains("unreadable articles: 0\n"),
        "the article reads again:\n{stdout}"
    );
}

/// A slow loopback host (150 ms per answer) with two automatic sources of three articles each,
/// counting the requests it has in flight at once. Returns its base URL and the highest count.
async fn slow_host() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use axum::body::Body;
    use axum::http::{Request, header};
    use axum::response::IntoResponse;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (f2, m2) = (in_flight.clone(), most.clone());
    let app = axum::Router::new().fallback(move |req: Request<Body>| {
        let (in_flight, most) = (f2.clone(), m2.clone());
        async move {
            let path = req.uri().path().to_string();
            let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(150)).await;
            in_flight.fetch_sub(1, Ordering::SeqCst);
            if path == "/robots.txt" {
                return "User-agent: *\nAllow: /\n".into_response();
            }
            let body = match path.strip_suffix("/liste.html") {
                Some(dir) => (1..=3)
                    .map(|k| format!("<div class=\"teaser\"><h3><a href=\"{dir}/m{k}.html\">Meldung {k} einer langsamen Behörde im Netz</a></h3><p>0{k}.03.2031</p></div>"))
                    .collect::<String>(),
                None => format!("<h1>Meldung {path}</h1><p>Ein Text einer langsamen Behörde, lang genug für einen Absatz im Test.</p>"),
            };
            (
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                format!("<html><body>{body}</body></html>"),
            )
                .into_response()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), most)
}

#[tokio::test(flavor = "multi_thread")]
async fn max_in_flight_per_host_in_the_config_bounds_one_hosts_parallel_requests() {
    use std::sync::atomic::Ordering;
    for limit in [2usize, 1] {
        let (base, most) = slow_host().await;
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("sources.toml");
        std::fs::write(
            &config,
            format!(
                "[settings]\ndata_dir = {data:?}\nper_host_interval = \"1ms\"\nmax_in_flight_per_host = {limit}\n\n\
                 [[source]]\nid = \"amt-a\"\nname = \"Amt A\"\nurl = \"{base}/a/liste.html\"\n\n\
                 [[source]]\nid = \"amt-b\"\nname = \"Amt B\"\nurl = \"{base}/b/liste.html\"\n",
                data = dir.path().join("data").display().to_string()
            ),
        )
        .expect("config");
        let out = tokio::task::spawn_blocking(move || govwire(&config, &["crawl"]))
            .await
            .expect("join");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stdout}\n{stderr}");
        for id in ["amt-a", "amt-b"] {
            let row = stdout
                .lines()
                .find(|l| l.starts_with(&format!("{id} ")))
                .unwrap_or_else(|| panic!("no summary row for {id}:\n{stdout}"));
            assert_eq!(row.split_whitespace().nth(1), Some("3"), "{stdout}");
        }
        // Two sources with eight requests between them: the host gets exactly as many at
        // once as configured, never more.
        assert_eq!(most.load(Ordering::SeqCst), limit, "{stderr}");
    }
}
