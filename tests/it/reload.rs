//! `govwire serve` reloads sources.toml on SIGHUP: an invalid file is reported and the running
//! configuration kept; a valid one takes over without a restart. Real binary, loopback only.

use crate::common;

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn config(data: &std::path::Path, base: &str, sources: &[(&str, &str)]) -> String {
    let mut text = format!(
        "[settings]\ndata_dir = \"{}\"\n\n[[keyword]]\nname = \"OZG\"\n",
        data.display()
    );
    for (id, name) in sources {
        text.push_str(&format!(
            "\n[[source]]\nid = \"{id}\"\nname = \"{name}\"\nurl = \"{base}/feed/rss.xml\"\nkind = \"feed\"\nlevel = \"land\"\nfetch_articles = false\ninterval = \"1h\"\n"
        ));
    }
    text
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Polls `url` until `ok` holds for the body, or panics after 20 s.
async fn wait_for(url: &str, what: &str, ok: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(resp) = reqwest::get(url).await
            && let Ok(body) = resp.text().await
            && ok(&body)
        {
            return body;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn signal(child: &Child, sig: &str) {
    let status = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn sighup_reloads_a_valid_config_and_keeps_the_old_one_on_error() {
    let (base, _log) = common::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let path = dir.path().join("sources.toml");
    std::fs::write(&path, config(&data, &base, &[("stk", "Erste Quelle")])).expect("write");
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_govwire"))
        .arg("-c")
        .arg(&path)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn govwire serve");
    let web = format!("http://127.0.0.1:{port}");
    wait_for(&format!("{web}/sources"), "first config", |b| {
        b.contains("Erste Quelle")
    })
    .await;

    // A broken file: reported, old configuration kept.
    std::fs::write(&path, "[[source]]\nid = \"kaputt\"\nkind = \"rss\"\n").expect("write");
    signal(&child, "-HUP");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let body = wait_for(&format!("{web}/sources"), "old config still served", |b| {
        b.contains("Erste Quelle")
    })
    .await;
    assert!(!body.contains("kaputt"));

    // A valid file: the new sources appear without a restart.
    std::fs::write(
        &path,
        config(
            &data,
            &base,
            &[("stk", "Erste Quelle"), ("zwei", "Zweite Quelle")],
        ),
    )
    .expect("write");
    signal(&child, "-HUP");
    wait_for(&format!("{web}/sources"), "new config", |b| {
        b.contains("Zweite Quelle") && b.contains("Erste Quelle")
    })
    .await;
    wait_for(&format!("{web}/source/zwei"), "new source page", |b| {
        b.contains("Zweite Quelle")
    })
    .await;

    signal(&child, "-TERM");
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    assert!(status.success(), "{stderr}");
    assert!(
        stderr.contains("NOT reloaded") && stderr.contains("sources.toml:"),
        "the error names the file and line:\n{stderr}"
    );
    assert!(stderr.contains("configuration reloaded"), "{stderr}");
}
