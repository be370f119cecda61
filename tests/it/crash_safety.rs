//! `govwire crawl` killed with SIGKILL at random moments, again and again, must never leave a
//! store that does not open, has index entries pointing nowhere, holds an article twice, or
//! has lost an article that an earlier reopen had seen.
//!
//! The fixture site (loopback, its own thread) serves two Atom feeds of 200 entries each whose
//! window moves by 60 entries per round, so every round has new articles to write; every
//! tenth entry changes its `updated` date (to the time the feed is served: the crawler takes an
//! entry for edited only when it says it changed after the article was stored), title and
//! keywords each round, so stored articles are also rewritten with different index entries (the
//! riskiest write); the test checks that the final crawl left the newest version. The feeds carry the
//! full text (`fetch_articles = false`): `per_host_interval` cannot go below one second in
//! sources.toml, so fetching 200 article pages per round would take minutes; the writes are
//! what a kill can break, and a round writes up to 400 articles. The two feeds are served as
//! `127.0.0.1` and `localhost`, two hosts for the per-host limiter, so both write at once.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use govwire::model::ArticleId;
use govwire::store::Store;
use rand::Rng;

/// Kills after the baseline round.
const KILLS: usize = 20;
/// Entries per feed.
const WINDOW: u64 = 200;
/// How far the window moves per round.
const STEP: u64 = 60;

/// Starts the fixture site on its own thread and runtime; returns its port.
fn start_site(round: Arc<AtomicU64>) -> u16 {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let app = Router::new().route("/{feed}", get(feed)).with_state(round);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            tx.send(listener.local_addr().expect("addr").port())
                .expect("send port");
            let _ = axum::serve(listener, app).await;
        });
    });
    rx.recv().expect("site started")
}

/// `/a.xml` or `/b.xml`: the Atom feed of one source for the current round.
async fn feed(
    State(round): State<Arc<AtomicU64>>,
    UrlPath(name): UrlPath<String>,
) -> impl IntoResponse {
    let g = round.load(Ordering::SeqCst);
    let src = name.trim_end_matches(".xml");
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\">\
         <title>Land {src}</title><id>urn:land:{src}</id><updated>2021-03-01T08:00:00Z</updated>"
    );
    for i in g * STEP..g * STEP + WINDOW {
        // Every tenth entry is edited each round: new updated date, title and keyword.
        let edited = i % 10 == 0;
        let rev = if edited { g } else { 0 };
        let topic = if edited && g % 2 == 1 {
            "das Servicekonto"
        } else {
            "das Onlinezugangsgesetz (OZG)"
        };
        let day = 1 + (i % 28);
        let updated = if edited {
            chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        } else {
            "2021-03-01T10:00:00+01:00".to_string()
        };
        xml.push_str(&format!(
            "<entry><title>Meldung {src}-{i} Fassung {rev}</title><id>urn:land:{src}:{i}</id>\
             <link rel=\"alternate\" href=\"/{src}/meldung-{i}.html\"/>\
             <published>2021-02-{day:02}T10:00:00+01:00</published>\
             <updated>{updated}</updated>\
             <category term=\"Thema{}\"/>\
             <content type=\"html\">&lt;p&gt;Meldung {i} der Quelle {src}: Die Landesregierung \
             treibt {topic} voran. Bürgerinnen und Bürger sollen Leistungen künftig digital \
             beantragen können.&lt;/p&gt;&lt;p&gt;Fassung {rev}.&lt;/p&gt;</content></entry>",
            i % 7 + rev % 3,
        ));
    }
    xml.push_str("</feed>");
    ([(header::CONTENT_TYPE, "application/atom+xml")], xml)
}

fn write_config(dir: &Path, port: u16) -> std::path::PathBuf {
    let data = dir.join("data");
    let text = format!(
        r#"[settings]
data_dir = "{}"
per_host_interval = "1s"
max_concurrency = 4
max_items_per_source = {WINDOW}
timeout = "10s"

[[source]]
id = "land-a"
name = "Land A"
url = "http://127.0.0.1:{port}/a.xml"
kind = "feed"
level = "land"
fetch_articles = false

[[source]]
id = "land-b"
name = "Land B"
url = "http://localhost:{port}/b.xml"
kind = "feed"
level = "land"
fetch_articles = false

[[keyword]]
name = "OZG"
aliases = ["Onlinezugangsgesetz"]

[[keyword]]
name = "Servicekonto"
"#,
        data.display()
    );
    let path = dir.join("sources.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

/// Reopens the store and checks it; returns every (id, url) it holds.
fn check_store(
    store_dir: &Path,
    seen: &HashMap<ArticleId, String>,
    when: &str,
) -> HashMap<ArticleId, String> {
    let store =
        Store::open(store_dir).unwrap_or_else(|e| panic!("{when}: store does not open: {e}"));
    let report = store
        .check()
        .unwrap_or_else(|e| panic!("{when}: check failed: {e}"));
    assert!(report.is_ok(), "{when}: {report:?}");
    let mut ids: HashMap<ArticleId, String> = HashMap::new();
    let mut urls = std::collections::HashSet::new();
    for a in store.iter_articles() {
        let a = a.unwrap_or_else(|e| panic!("{when}: unreadable article: {e}"));
        assert!(
            urls.insert(a.url.clone()),
            "{when}: url stored twice: {}",
            a.url
        );
        assert!(
            ids.insert(a.id, a.url.clone()).is_none(),
            "{when}: id twice: {}",
            a.id
        );
        assert!(
            !a.title.is_empty() && !a.text.is_empty(),
            "{when}: empty article {}",
            a.url
        );
    }
    assert_eq!(ids.len() as u64, report.articles, "{when}");
    assert_eq!(
        store.count().expect("count"),
        report.articles,
        "{when}: counter agrees"
    );
    for (id, url) in seen {
        assert_eq!(
            ids.get(id),
            Some(url),
            "{when}: lost {url}, seen before the kill"
        );
    }
    ids
}

fn crawl(config: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_govwire"));
    cmd.arg("--config")
        .arg(config)
        .arg("crawl")
        .env_remove("GOVWIRE_DATA_DIR")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

#[test]
fn sigkill_during_crawls_never_corrupts_or_loses_articles() {
    let started = Instant::now();
    let round = Arc::new(AtomicU64::new(0));
    let port = start_site(round.clone());
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), port);
    let store_dir = dir.path().join("data/store");

    // Baseline: one complete crawl, timed, to aim the kills at the writing phase.
    let t = Instant::now();
    let status = crawl(&config).status().expect("run govwire crawl");
    let full = t.elapsed();
    assert!(status.success(), "baseline crawl failed: {status}");
    let mut seen = check_store(&store_dir, &HashMap::new(), "baseline");
    assert_eq!(seen.len() as u64, 2 * WINDOW, "baseline stores both feeds");
    eprintln!("baseline crawl: {full:?}, {} articles", seen.len());

    let mut rng = rand::rng();
    let (mut killed_running, mut grew_partially) = (0, 0);
    // Aim below the time a round takes; when a crawl turns out to have finished before its
    // kill, aim lower from then on (rounds get shorter or longer with the machine's load).
    let mut upper = full.clamp(Duration::from_millis(1500), Duration::from_millis(2500));
    for i in 1..=KILLS {
        round.store(i as u64, Ordering::SeqCst);
        // A quarter of the kills anywhere from startup on, the rest while feeds are written
        // (the first request to each host waits out the 1 s per-host interval after robots.txt).
        let at = if i % 4 == 0 {
            rng.random_range(Duration::ZERO..upper)
        } else {
            rng.random_range(Duration::from_millis(900)..upper)
        };
        let mut child = crawl(&config).spawn().expect("spawn govwire crawl");
        std::thread::sleep(at);
        if child.try_wait().expect("poll child").is_none() {
            killed_running += 1;
        } else {
            upper = at.mul_f64(0.9).max(Duration::from_millis(1100));
        }
        child.kill().expect("SIGKILL"); // std sends SIGKILL on Unix
        let _ = child.wait();
        let before = seen.len();
        let t = Instant::now();
        seen = check_store(&store_dir, &seen, &format!("kill {i} at {at:?}"));
        let expected_if_complete = (2 * (WINDOW + i as u64 * STEP)) as usize;
        if seen.len() > before && seen.len() < expected_if_complete {
            grew_partially += 1;
        }
        eprintln!(
            "kill {i:>2} at {at:>12?}: {before} -> {} articles (checked in {:?})",
            seen.len(),
            t.elapsed()
        );
    }

    // A last, complete crawl after all the kills fills every gap and duplicates nothing.
    round.store(KILLS as u64, Ordering::SeqCst);
    let status = crawl(&config).status().expect("run govwire crawl");
    assert!(status.success(), "final crawl failed: {status}");
    let last = check_store(&store_dir, &seen, "final");
    let urls: std::collections::HashSet<&str> = last.values().map(String::as_str).collect();
    let first = KILLS as u64 * STEP;
    for i in first..first + WINDOW {
        for url in [
            format!("http://127.0.0.1:{port}/a/meldung-{i}.html"),
            format!("http://localhost:{port}/b/meldung-{i}.html"),
        ] {
            assert!(urls.contains(url.as_str()), "final crawl stored {url}");
        }
    }
    // The edited entries were rewritten: each holds the final round's version.
    let store = Store::open(&store_dir).expect("reopen");
    let mut rewritten = 0;
    for a in store.iter_articles() {
        let a = a.expect("readable");
        let Some(i) = a
            .url
            .rsplit("meldung-")
            .next()
            .and_then(|n| n.trim_end_matches(".html").parse::<u64>().ok())
        else {
            continue;
        };
        if i % 10 == 0 && (first..first + WINDOW).contains(&i) {
            assert!(
                a.title.ends_with(&format!("Fassung {KILLS}")),
                "edited entry {} holds an old version: {:?}",
                a.url,
                a.title
            );
            rewritten += 1;
        }
    }
    assert_eq!(
        rewritten as u64,
        2 * WINDOW / 10,
        "every edited entry checked"
    );
    drop(store);
    eprintln!(
        "{KILLS} kills, {killed_running} while running, {grew_partially} mid-write; {} articles; {:?}",
        last.len(),
        started.elapsed()
    );
    assert!(
        killed_running >= KILLS / 2,
        "most kills must hit a running crawl: {killed_running}/{KILLS}"
    );
}
