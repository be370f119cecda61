//! Every hostile input of `tests/fixtures/hostile/README.md`, each tested at the level where
//! govwire meets it: charsets through `fetch::charset::decode` and a full loopback crawl,
//! dates through `extract::dates`, entity attacks and the 10,000-item feed through
//! `extract::parse_feed`, the 20 MB page and the gzip bomb through the `Fetcher` against a
//! loopback server, 50,000 nested elements through `extract::extract_article`. Issue 18 adds:
//! a parser panic injected through the debug-only hook (the source stays scheduled and shows
//! its error), NUL runs and tag floods (memory bounded by input), a gzip bomb file through
//! `govwire extract`, and UTF-16 / header-charset feeds through a full crawl.
//!
//! The small inputs are copies in `tests/fixtures/hostile/`; the big ones are generated here.
//! Time limits below are watchdogs against hangs (tens of seconds), not speed assertions.

use crate::common;

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::Canned;
use chrono_tz::Europe::Berlin;
use govwire::crawl::{Crawler, crawl_all};
use govwire::extract::{self, dates};
use govwire::fetch::charset::decode;
use govwire::fetch::{FetchConfig, FetchError, Fetched, Fetcher};
use govwire::model::{ArticleSelectors, Level, ListSelectors, Source, SourceKind};
use govwire::store::Store;

fn hostile(name: &str) -> Vec<u8> {
    std::fs::read(common::fixtures().join("hostile").join(name)).expect("hostile fixture")
}

/// Runs `f` on its own thread and fails the test if it has not finished after `limit`: a
/// guard against hangs and exponential blow-ups, generous enough for a loaded debug build.
fn within<T: Send + 'static>(
    what: &str,
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    let start = Instant::now();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(v) => {
            eprintln!("{what}: {:?}", start.elapsed());
            v
        }
        Err(_) => panic!("{what} did not finish within {limit:?}"),
    }
}

fn fetcher(max_body_bytes: u64) -> Fetcher {
    Fetcher::new(FetchConfig {
        per_host_interval: Duration::from_millis(1),
        retry_base: Duration::from_millis(10),
        max_body_bytes,
        ..FetchConfig::default()
    })
    .expect("client")
}

fn html_source(id: &str, url: String) -> Source {
    Source {
        id: id.into(),
        name: id.into(),
        url,
        kind: SourceKind::Html,
        interval: Duration::from_secs(3600),
        level: Level::Land,
        land: None,
        list: Some(ListSelectors {
            item: "li.teaser".into(),
            ..ListSelectors::default()
        }),
        article: ArticleSelectors::default(),
        fetch_articles: true,
        entries: Default::default(),
    }
}

fn list_page(links: &[&str]) -> String {
    let items: String = links
        .iter()
        .map(|l| format!("<li class=teaser><a href=\"{l}\">Meldung</a></li>"))
        .collect();
    format!("<html><body><ul>{items}</ul></body></html>")
}

// ---------------------------------------------------------------------------------------------
// Charsets

const LATIN1_WANT: &[&str] = &[
    "Länder stärken gemeinsame Plattform für Servicekonten",
    "Größere Behörden sollen früher angebunden werden.",
    "Über das BayernPortal können Bürgerinnen und Bürger",
];
const CP1252_WANT: &[&str] = &[
    "Landesportal – Aktuelles",
    "„Digitale Verwaltung“: Förderprogramm mit 5 Mio. € gestartet",
    "Potsdam, 03.02.2021 – Das Land fördert die Einführung",
    "Maßgeblich",
    "Anträge können bis zum 30. Juni gestellt werden …",
];
const WRONG_WANT: &[&str] = &[
    "Stadt Überlingen - Aktuelles",
    "Bürgerbüro: neue Terminbuchung für Personalausweise",
    "Veröffentlicht am 08.03.2021.",
];

#[test]
fn charsets_decode_without_replacement_characters() {
    let cases: &[(&str, Option<&str>, &[&str])] = &[
        ("latin1-meta.html", None, LATIN1_WANT),
        ("latin1-meta.html", Some("text/html"), LATIN1_WANT),
        ("cp1252-undeclared.html", None, CP1252_WANT),
        ("cp1252-undeclared.html", Some("text/html"), CP1252_WANT),
        ("wrong-charset-declared.html", None, WRONG_WANT),
        // The HTTP header lies as well as the meta tag.
        (
            "wrong-charset-declared.html",
            Some("text/html; charset=utf-8"),
            WRONG_WANT,
        ),
    ];
    for (file, header, want) in cases {
        let text = decode(&hostile(file), *header, Some(b"de"));
        assert!(
            !text.contains('\u{FFFD}'),
            "{file} {header:?}: U+FFFD in {text}"
        );
        for w in *want {
            assert!(
                text.contains(w),
                "{file} {header:?}: missing {w:?} in {text}"
            );
        }
    }
}

#[tokio::test]
async fn charsets_survive_a_full_crawl() {
    let files = [
        "latin1-meta.html",
        "cp1252-undeclared.html",
        "wrong-charset-declared.html",
    ];
    let mut routes: Vec<(String, Canned)> = files
        .iter()
        .map(|f| (format!("/p/{f}"), Canned::new("text/html", hostile(f))))
        .collect();
    let links: Vec<String> = files.iter().map(|f| format!("/p/{f}")).collect();
    let links: Vec<&str> = links.iter().map(String::as_str).collect();
    routes.push((
        "/liste.html".into(),
        Canned::new("text/html", list_page(&links)),
    ));
    let (base, _) = common::start_routes(routes).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    let crawler = Arc::new(Crawler::new(fetcher(10 << 20), store.clone(), &[], 100));
    let reports = crawl_all(
        crawler,
        &[html_source("charsets", format!("{base}/liste.html"))],
        1,
    )
    .await;
    assert!(reports[0].errors.is_empty(), "{:?}", reports[0]);
    assert_eq!(reports[0].new, 3, "{:?}", reports[0]);

    let get = |f: &str| {
        let url = format!("{base}/p/{f}");
        store
            .get_by_link(&url)
            .expect("read")
            .unwrap_or_else(|| panic!("{url} stored"))
    };
    let latin1 = get("latin1-meta.html");
    assert_eq!(
        latin1.title,
        "Länder stärken gemeinsame Plattform für Servicekonten"
    );
    assert!(latin1.text.contains("Größere Behörden"), "{}", latin1.text);
    assert!(
        latin1.text.contains("Über das BayernPortal"),
        "{}",
        latin1.text
    );
    let cp1252 = get("cp1252-undeclared.html");
    assert_eq!(
        cp1252.title,
        "„Digitale Verwaltung“: Förderprogramm mit 5 Mio. € gestartet"
    );
    assert!(cp1252.text.contains("Maßgeblich"), "{}", cp1252.text);
    let wrong = get("wrong-charset-declared.html");
    assert_eq!(
        wrong.title,
        "Bürgerbüro: neue Terminbuchung für Personalausweise"
    );
    assert!(wrong.text.contains("Veröffentlicht") || wrong.text.contains("Stadtverwaltung"));
    for a in [&latin1, &cp1252, &wrong] {
        let all = format!("{} {} {:?}", a.title, a.text, a.summary);
        assert!(!all.contains('\u{FFFD}'), "U+FFFD stored: {all}");
        assert!(
            !all.contains("Ã"),
            "UTF-8 read as Latin-1 (mojibake): {all}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Dates

/// Every row of dates.tsv, alone and embedded in a sentence: the listed date (as a Berlin
/// calendar day) or no date at all.
#[test]
fn dates_table_rows_parse_as_listed() {
    let table = String::from_utf8(hostile("dates.tsv")).expect("utf-8 table");
    let mut rows = 0;
    for line in table.lines().filter(|l| !l.starts_with('#')) {
        let (input, expected) = line.split_once('\t').expect("two columns");
        let want = (expected != "NONE").then_some(expected);
        let day = |d: Option<chrono::DateTime<chrono::Utc>>| {
            d.map(|d| d.with_timezone(&Berlin).date_naive().to_string())
        };
        assert_eq!(
            day(dates::parse_date(input)).as_deref(),
            want,
            "parse_date({input:?})"
        );
        assert_eq!(
            day(dates::find_date(input)).as_deref(),
            want,
            "find_date({input:?})"
        );
        let sentence = format!("Pressemitteilung vom {input} zur Digitalisierung");
        assert_eq!(
            day(dates::find_date(&sentence)).as_deref(),
            want,
            "find_date({sentence:?})"
        );
        rows += 1;
    }
    assert_eq!(rows, 20, "every row of the table was checked");
}

// ---------------------------------------------------------------------------------------------
// XML entity attacks

#[test]
fn billion_laughs_is_not_expanded() {
    let bytes = hostile("billion-laughs.xml");
    let result = within("billion laughs", Duration::from_secs(30), move || {
        extract::parse_feed(&bytes, "http://127.0.0.1/feed.xml")
    });
    let items = result.expect("the feed is read; the entity is simply not expanded");
    for c in &items {
        let size = format!("{c:?}").len();
        assert!(
            size < 10_000,
            "entity expanded: {size} bytes in {:?}",
            c.url
        );
        assert!(
            !format!("{c:?}").contains("lollol"),
            "entity expanded: {c:?}"
        );
    }
    let harmless = items
        .iter()
        .find(|c| c.url == "http://127.0.0.1/b")
        .expect("the harmless second item arrives");
    assert_eq!(harmless.title.as_deref(), Some("Harmlose Meldung"));
    assert_eq!(
        harmless.summary.as_deref(),
        Some("Diese Meldung muss trotzdem ankommen.")
    );
}

#[test]
fn external_entities_are_never_read() {
    // The shared fixture points at /etc/passwd; a second copy points at a file this test writes,
    // so the check does not depend on what /etc/passwd holds.
    let dir = tempfile::tempdir().expect("tempdir");
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "GEHEIM-7f3a9c").expect("write secret");
    let original = String::from_utf8(hostile("external-entity.xml")).expect("utf-8");
    let pointed = original.replace(
        "file:///etc/passwd",
        &format!("file://{}", secret.display()),
    );
    assert_ne!(original, pointed);
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let passwd_line = passwd.lines().next().unwrap_or("root:x:0:0").to_string();
    for xml in [original, pointed] {
        let result = extract::parse_feed(xml.as_bytes(), "http://127.0.0.1/feed.xml");
        let shown = match &result {
            Ok(items) => format!("{items:?}"),
            Err(e) => e.to_string(),
        };
        assert!(
            !shown.contains("GEHEIM-7f3a9c"),
            "local file leaked: {shown}"
        );
        assert!(!shown.contains(&passwd_line), "/etc/passwd leaked: {shown}");
        assert!(!shown.contains("root:"), "/etc/passwd leaked: {shown}");
        // The item itself is harmless apart from its entity; it arrives without it.
        let items = result.expect("feed readable without the entity");
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].url, "http://127.0.0.1/xxe");
    }
}

// ---------------------------------------------------------------------------------------------
// Size caps: a 20 MB page and a gzip bomb, fetched over loopback

/// The page of `make-huge.sh`: one article, then paragraphs up to 20,000,000 bytes.
fn huge_page() -> Vec<u8> {
    let para =
        "<p>Lorem ipsum dolor sit amet, Verwaltungsdigitalisierung und Onlinezugangsgesetz.</p>\n";
    let mut page = b"<html><head><meta charset=\"utf-8\"><title>Riesig</title></head><body><article><h1>Riesig</h1>".to_vec();
    let mut filler = para.repeat(20_000_000 / para.len() + 1).into_bytes();
    filler.truncate(20_000_000);
    page.extend(filler);
    page.extend_from_slice(b"</article></body></html>");
    page
}

/// A gzip member that inflates to exactly 1 GiB of zeros while being about 1 MB on the wire,
/// like `make-gzip-bomb.sh`. Built from a compressed 1 MiB block repeated (a deflate stream of
/// zeros after a sync flush is position-independent), so building it costs milliseconds.
fn gzip_bomb() -> Vec<u8> {
    use flate2::{Compress, Compression, Crc, FlushCompress};
    const MIB: usize = 1 << 20;
    let zeros = vec![0u8; MIB];
    let mut c = Compress::new(Compression::best(), false);
    // Each block: 1 MiB in, then one sync flush, which ends the output on a byte boundary.
    let mut block = || {
        let mut out = Vec::with_capacity(64 << 10);
        let before = c.total_in();
        while c.total_in() - before < MIB as u64 {
            let done = (c.total_in() - before) as usize;
            c.compress_vec(&zeros[done..], &mut out, FlushCompress::None)
                .expect("deflate");
            out.reserve(64 << 10);
        }
        loop {
            out.reserve(64 << 10);
            c.compress_vec(&[], &mut out, FlushCompress::Sync)
                .expect("deflate");
            // A flush that did not fill the buffer is complete.
            if out.len() < out.capacity() {
                break;
            }
        }
        out
    };
    let first = block();
    let steady = block();
    let mut deflate = first;
    for _ in 1..1024 {
        deflate.extend_from_slice(&steady);
    }
    // An empty final stored block ends the stream.
    deflate.extend_from_slice(&[0x01, 0x00, 0x00, 0xff, 0xff]);
    let mut one = Crc::new();
    one.update(&zeros);
    let mut crc = Crc::new();
    for _ in 0..1024 {
        crc.combine(&one);
    }
    let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3];
    gz.extend(deflate);
    gz.extend_from_slice(&crc.sum().to_le_bytes());
    gz.extend_from_slice(&((1u64 << 30) as u32).to_le_bytes());
    gz
}

#[test]
fn gzip_bomb_really_inflates_far_beyond_the_cap() {
    let bomb = gzip_bomb();
    assert!(
        bomb.len() < 2 << 20,
        "about 1 MB on the wire: {}",
        bomb.len()
    );
    // Inflate the first 64 MiB: all zeros, and more to come.
    let mut dec = flate2::read::GzDecoder::new(&bomb[..]);
    let mut buf = vec![1u8; 1 << 20];
    for _ in 0..64 {
        std::io::Read::read_exact(&mut dec, &mut buf).expect("inflates");
        assert!(buf.iter().all(|&b| b == 0));
    }
    let trailer = u32::from_le_bytes(bomb[bomb.len() - 4..].try_into().expect("4 bytes"));
    assert_eq!(trailer, 1 << 30, "declares 1 GiB");
}

#[tokio::test]
async fn oversized_bodies_stop_with_an_error_naming_the_url() {
    let huge = Arc::new(huge_page());
    let bomb = Arc::new(gzip_bomb());
    let canned = |body: &Arc<Vec<u8>>, enc, chunked| Canned {
        content_type: "text/html",
        content_encoding: enc,
        body: body.clone(),
        chunked,
    };
    let (base, _) = common::start_routes(vec![
        ("/huge.html".into(), canned(&huge, None, false)),
        ("/huge-chunked.html".into(), canned(&huge, None, true)),
        ("/bomb.html".into(), canned(&bomb, Some("gzip"), false)),
        (
            "/bomb-chunked.html".into(),
            canned(&bomb, Some("gzip"), true),
        ),
        ("/ok.html".into(), Canned::new("text/html", "<p>klein</p>")),
    ])
    .await;
    let f = fetcher(10 << 20); // the default cap, 10 MiB
    for path in [
        "/huge.html",
        "/huge-chunked.html",
        "/bomb.html",
        "/bomb-chunked.html",
    ] {
        let url = format!("{base}{path}");
        let err = f.get(&url, None).await.expect_err("over the cap");
        assert!(
            matches!(err, FetchError::TooLarge { limit, .. } if limit == 10 << 20),
            "{path}: {err}"
        );
        let msg = err.to_string();
        eprintln!("{path}: {msg}");
        assert!(msg.contains(&url), "names the URL: {msg}");
        assert!(msg.contains("exceeds the limit of 10485760 bytes"), "{msg}");
    }
    // The same client goes on with other URLs.
    let Fetched::Page(ok) = f.get(&format!("{base}/ok.html"), None).await.expect("ok") else {
        panic!("expected a page");
    };
    assert_eq!(ok.text(), "<p>klein</p>");
}

#[tokio::test]
async fn an_oversized_article_does_not_stop_the_others() {
    let good = "<html lang=de><body><article><h1>Kleine Meldung</h1><p>Das Land treibt die \
                Umsetzung des Onlinezugangsgesetzes voran, sagte die Ministerin am Montag.</p>\
                </article></body></html>";
    let (base, _) = common::start_routes(vec![
        (
            "/liste.html".into(),
            Canned::new(
                "text/html",
                list_page(&["/huge.html", "/bomb.html", "/gut.html"]),
            ),
        ),
        ("/huge.html".into(), Canned::new("text/html", huge_page())),
        (
            "/bomb.html".into(),
            Canned {
                content_type: "text/html",
                content_encoding: Some("gzip"),
                body: Arc::new(gzip_bomb()),
                chunked: true,
            },
        ),
        ("/gut.html".into(), Canned::new("text/html", good)),
    ])
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    let crawler = Arc::new(Crawler::new(fetcher(10 << 20), store.clone(), &[], 100));
    let r = &crawl_all(
        crawler,
        &[html_source("gross", format!("{base}/liste.html"))],
        1,
    )
    .await[0];
    assert_eq!(r.new, 1, "{r:?}");
    assert_eq!(r.errors.len(), 2, "{r:?}");
    assert!(r.errors[0].contains(&format!("{base}/huge.html")), "{r:?}");
    assert!(r.errors[1].contains(&format!("{base}/bomb.html")), "{r:?}");
    for e in &r.errors {
        assert!(e.contains("exceeds the limit"), "{e}");
    }
    assert_eq!(store.count().expect("count"), 1);
}

// ---------------------------------------------------------------------------------------------
// Deep nesting

fn nested(open: &str, close: &str, n: usize, inner: &str) -> String {
    format!(
        "<html><body>{}{inner}{}</body></html>",
        open.repeat(n),
        close.repeat(n)
    )
}

#[test]
fn fifty_thousand_nested_elements_do_not_overflow_the_stack() {
    let para = "<p>Tief verschachtelt.</p>";
    let cases = vec![
        (
            "divs (make-nested.sh)",
            nested("<div>", "</div>", 50_000, para),
        ),
        ("unclosed divs", nested("<div>", "", 50_000, para)),
        ("spans", nested("<span>", "</span>", 50_000, para)),
        ("inline b/i", nested("<b><i>", "</i></b>", 25_000, para)),
        (
            "tables",
            nested("<table><tr><td>", "</td></tr></table>", 20_000, para),
        ),
        ("svg groups", nested("<svg><g>", "</g></svg>", 25_000, para)),
    ];
    for (name, html) in cases {
        // A test thread's default stack (2 MiB): recursion over 50,000 levels would overflow it.
        let draft = within(name, Duration::from_secs(60), move || {
            extract::extract_article(
                &html,
                "http://127.0.0.1/tief.html",
                &ArticleSelectors::default(),
            )
        })
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            draft.text.contains("Tief verschachtelt."),
            "{name}: {draft:?}"
        );
    }
}

/// A nesting bomb on a list page leaves the shallow teasers readable. Tags nested deeper than
/// `extract`'s depth cap (400) lose their markup but keep their text, so a teaser *inside* the
/// bomb is not found (the crawl then reports "matched no articles"): never a crash or a hang.
#[test]
fn nested_list_pages_and_discovery_do_not_overflow() {
    let teaser = |n: u32| format!("<li class=teaser><a href=/{n}.html>Meldung {n}</a></li>");
    let html = format!(
        "<html><body><ul>{}</ul>{}<link rel=alternate type=application/rss+xml href=/rss.xml></body></html>",
        teaser(1),
        nested(
            "<div>",
            "</div>",
            50_000,
            &format!("<ul>{}</ul>", teaser(2))
        )
    );
    let sel = ListSelectors {
        item: "li.teaser".into(),
        ..ListSelectors::default()
    };
    let h2 = html.clone();
    let found = within("nested list page", Duration::from_secs(60), move || {
        extract::parse_listing(&h2, "http://127.0.0.1/liste.html", &sel)
    })
    .expect("selectors are valid");
    let urls: Vec<&str> = found.iter().map(|c| c.url.as_str()).collect();
    assert_eq!(urls, ["http://127.0.0.1/1.html"]);
    let links = within(
        "nested feed discovery",
        Duration::from_secs(60),
        move || extract::feed_links(&html, "http://127.0.0.1/"),
    );
    assert_eq!(
        links,
        ["http://127.0.0.1/rss.xml"],
        "a link after the bomb is still found"
    );
}

// ---------------------------------------------------------------------------------------------
// A 10,000-item feed

/// The feed of `make-big-feed.sh`.
fn big_feed(n: usize) -> Vec<u8> {
    let mut f = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>Viel</title>\
         <link>http://127.0.0.1/</link><description>x</description>",
    );
    for i in 0..n {
        f.push_str(&format!(
            "<item><title>Meldung {i}</title><link>http://127.0.0.1/m/{i}</link><guid>m-{i}</guid>\
             <pubDate>Mon, 01 Mar 2021 08:00:00 GMT</pubDate><description>Text {i} zum OZG.</description></item>"
        ));
    }
    f.push_str("</channel></rss>");
    f.into_bytes()
}

#[test]
fn a_ten_thousand_item_feed_is_read_completely() {
    let bytes = big_feed(10_000);
    let items = within("10,000-item feed", Duration::from_secs(60), move || {
        extract::parse_feed(&bytes, "http://127.0.0.1/feed.xml")
    })
    .expect("feed parses");
    assert_eq!(items.len(), 10_000, "parse_feed itself has no item cap");
    for (i, c) in items.iter().enumerate() {
        assert_eq!(c.url, format!("http://127.0.0.1/m/{i}"));
        assert_eq!(c.title.as_deref(), Some(format!("Meldung {i}").as_str()));
    }
    let day = items[9_999].published.map(|d| d.to_rfc3339());
    assert_eq!(day.as_deref(), Some("2021-03-01T08:00:00+00:00"));
}

/// The documented cap (`max_items_per_source`, README) applies to a crawl: the first N items
/// are stored, the rest are left for later, and the crawl reports how many it took.
#[tokio::test]
async fn the_per_source_item_cap_applies_to_a_big_feed() {
    let (base, _) = common::start_routes(vec![(
        "/feed.xml".into(),
        Canned::new("application/rss+xml", big_feed(10_000)),
    )])
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    let crawler = Arc::new(Crawler::new(fetcher(10 << 20), store.clone(), &[], 200));
    let mut source = html_source("viel", format!("{base}/feed.xml"));
    source.kind = SourceKind::Feed;
    source.list = None;
    source.fetch_articles = false;
    let r = &crawl_all(crawler, &[source], 1).await[0];
    assert!(r.errors.is_empty(), "{r:?}");
    assert_eq!(r.candidates, 200, "{r:?}");
    assert_eq!(r.new, 200, "{r:?}");
    assert_eq!(store.count().expect("count"), 200);
    assert!(
        store
            .get_by_link("http://127.0.0.1/m/0")
            .expect("read")
            .is_some()
    );
    assert!(
        store
            .get_by_link("http://127.0.0.1/m/199")
            .expect("read")
            .is_some()
    );
    assert!(
        store
            .get_by_link("http://127.0.0.1/m/200")
            .expect("read")
            .is_none()
    );
}

/// The fixture README asks that a per-feed cap be "documented and logged, never silent".
#[tokio::test]
async fn the_item_cap_is_reported_not_silent() {
    let (base, _) = common::start_routes(vec![(
        "/feed.xml".into(),
        Canned::new("application/rss+xml", big_feed(1_000)),
    )])
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    let crawler = Arc::new(Crawler::new(fetcher(10 << 20), store.clone(), &[], 200));
    let mut source = html_source("viel", format!("{base}/feed.xml"));
    source.kind = SourceKind::Feed;
    source.list = None;
    source.fetch_articles = false;
    let r = &crawl_all(crawler, &[source], 1).await[0];
    // The report (printed by `govwire crawl`, kept in the source's health) must say that 800
    // items were left out, e.g. "feed has 1000 items; took the first 200 (max_items_per_source)".
    assert_eq!((r.listed, r.candidates, r.new), (1000, 200, 200), "{r:?}");
}

#[test]
fn generators_write_what_the_readme_describes() {
    let page = huge_page();
    assert!(
        page.len() > 20_000_000 && page.len() < 20_001_000,
        "{}",
        page.len()
    );
    let mut w = Vec::new();
    w.write_all(&big_feed(3)).expect("write");
    assert_eq!(String::from_utf8_lossy(&w).matches("<item>").count(), 3);
}

// ---------------------------------------------------------------------------------------------
// Panics

/// A parser that panics (injected through the debug-only test hook) fails its source alone:
/// the scheduler keeps crawling it on its interval, its health and `/sources` show the error,
/// a panicking article fails alone, and the other source's articles arrive.
#[tokio::test]
async fn a_panicking_parser_leaves_the_source_scheduled_and_failing() {
    use govwire::crawl::{scheduler, test_hooks};
    let feed = r#"<rss version="2.0"><channel><title>t</title>
<item><title>Eins</title><link>/panic/a1.html</link></item></channel></rss>"#;
    let routes = vec![
        (
            "/panic/feed.xml".to_string(),
            Canned::new("application/rss+xml", feed),
        ),
        (
            "/calm/liste.html".to_string(),
            Canned::new(
                "text/html",
                list_page(&["/calm/gut.html", "/calm/kaputt.html"]),
            ),
        ),
        (
            "/calm/gut.html".to_string(),
            Canned::new(
                "text/html",
                "<html><head><title>Gut</title></head><body><article><h1>Gut</h1>\
                 <p>Ein ganz normaler Absatz mit genug Text für einen Artikel.</p></article></body></html>",
            ),
        ),
        (
            "/calm/kaputt.html".to_string(),
            Canned::new("text/html", "<html><body><p>x</p></body></html>"),
        ),
    ];
    let (base, log) = common::start_routes(routes).await;
    test_hooks::panic_while_parsing("panicky-source");
    test_hooks::panic_while_parsing(&format!("{base}/calm/kaputt.html"));

    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    let crawler = Arc::new(Crawler::new(fetcher(10 << 20), store.clone(), &[], 100));
    let mut panicky = html_source("panicky-source", format!("{base}/panic/feed.xml"));
    panicky.kind = SourceKind::Feed;
    panicky.list = None;
    panicky.interval = Duration::from_millis(100);
    let calm = html_source("calm-source", format!("{base}/calm/liste.html"));
    let sources = vec![panicky.clone(), calm.clone()];

    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let run = tokio::spawn(scheduler::run(crawler, sources.clone(), 2, shutdown));
    // Wait until the panicking source was crawled three times: it stays on its schedule.
    let deadline = Instant::now() + Duration::from_secs(30);
    while log.count("/panic/feed.xml", 200) < 3 {
        assert!(Instant::now() < deadline, "panicking source not re-crawled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = stop.send(true);
    tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("scheduler stops")
        .expect("scheduler task did not panic");

    let health = store
        .health("panicky-source")
        .expect("read")
        .expect("health recorded");
    let error = health.last_error.clone().unwrap_or_default();
    assert!(error.contains("internal error"), "{error}");
    assert!(error.contains("injected test panic"), "{error}");
    assert!(health.consecutive_failures >= 2, "{health:?}");
    assert!(health.next_due.is_some(), "still scheduled: {health:?}");

    // The other source crawled; its panicking article failed alone.
    assert!(
        store
            .get_by_link(&format!("{base}/calm/gut.html"))
            .expect("read")
            .is_some()
    );
    assert!(
        store
            .get_by_link(&format!("{base}/calm/kaputt.html"))
            .expect("read")
            .is_none()
    );
    let calm_health = store.health("calm-source").expect("read").expect("health");
    assert!(calm_health.last_success.is_some(), "{calm_health:?}");

    // /sources shows the source as failing, with the error.
    let state = Arc::new(govwire::web::AppState {
        store: store.clone(),
        sources,
        keywords: Vec::new(),
        site_title: "govwire".into(),
        search: None,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let web = format!("http://{}", listener.local_addr().expect("addr"));
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, govwire::web::router(state)).await;
    });
    let (status, page) = common::get(&format!("{web}/sources")).await;
    assert_eq!(status, 200);
    assert!(page.contains("injected test panic"), "{page}");
    server.abort();
}

// ---------------------------------------------------------------------------------------------
// Memory bounded by input

/// NUL runs are collapsed before the HTML parser: a page with 5 MB of NULs between two
/// paragraphs is read in bounded time, both paragraphs arrive, and no U+FFFD soup is stored.
#[test]
fn nul_runs_do_not_reach_the_parser() {
    let mut page = b"<html><head><title>Nullen</title></head><body><article><h1>Nullen</h1>\
<p>Der erste Absatz steht vor den Nullbytes und ist lang genug.</p>"
        .to_vec();
    page.extend(std::iter::repeat_n(0u8, 5_000_000));
    page.extend_from_slice(
        b"<p>Der zweite Absatz steht nach den Nullbytes und ist ebenso lang.</p></article></body></html>",
    );
    let draft = within("NUL page", Duration::from_secs(60), move || {
        let html = decode(&page, None, Some(b"de"));
        extract::extract_article(&html, "http://127.0.0.1/nul", &ArticleSelectors::default())
    })
    .expect("extracts");
    assert!(draft.text.contains("erste Absatz"), "{}", draft.text);
    assert!(draft.text.contains("zweite Absatz"), "{}", draft.text);
    assert!(!draft.text.contains('\u{FFFD}') && !draft.text.contains('\0'));
    assert!(
        draft.text.len() < 1000,
        "{} bytes of text",
        draft.text.len()
    );
}

/// A page of nothing but tiny elements is cut at its tag budget instead of building a tree
/// 60 times its size; the text before the cut is read.
#[test]
fn tag_floods_are_cut_not_parsed_whole() {
    let mut page = String::from(
        "<html><body><article><h1>Flut</h1><p>Vor der Flut steht ein ganz normaler Absatz.</p>",
    );
    page.push_str(&"<br>".repeat(2_000_000));
    page.push_str("</article></body></html>");
    let draft = within("tag flood", Duration::from_secs(120), move || {
        extract::extract_article(&page, "http://127.0.0.1/flut", &ArticleSelectors::default())
    })
    .expect("extracts");
    assert!(draft.text.contains("Vor der Flut"), "{}", draft.text);
}

/// `govwire extract` of a gzip bomb file stops at the body cap (10 MiB after decompression)
/// with a clear error, in bounded time, instead of inflating it.
#[test]
fn extract_of_a_gzip_bomb_file_stops_at_the_cap() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bomb = dir.path().join("bomb.html.gz");
    std::fs::write(&bomb, gzip_bomb()).expect("write");
    let small = dir.path().join("small.html.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"<html><body><article><h1>Klein</h1><p>Ein kleiner, ganz normaler Absatz im Archiv.</p></article></body></html>")
        .expect("gzip");
    std::fs::write(&small, gz.finish().expect("gzip")).expect("write");
    let out = within(
        "extract of a gzip bomb",
        Duration::from_secs(60),
        move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_govwire"))
                .args(["extract", "--format", "text", "--url", "http://127.0.0.1/x"])
                .arg(&bomb)
                .arg(&small)
                .output()
                .expect("runs")
        },
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("bomb.html.gz"), "{stderr}");
    assert!(stderr.contains("larger than 10 MiB"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("kleiner, ganz normaler Absatz"), "{stdout}");
}

/// Through a real crawl: a UTF-16 feed with a byte-order mark (which once panicked inside the
/// feed parser) and a Latin-1 feed without XML declaration, whose charset only the HTTP header
/// names, are read and their entries stored with correct umlauts.
#[tokio::test]
async fn utf16_and_header_charset_feeds_crawl() {
    let feed = |link: &str| {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-16\"?><rss version=\"2.0\"><channel><title>t</title>\
<item><title>Größere Ämter für alle</title><link>{link}</link>\
<description>Die Behörde teilt mit, dass die Ämter größer werden.</description></item></channel></rss>"
        )
    };
    let mut wide = vec![0xFF, 0xFE];
    for u in feed("/a/utf16.html").encode_utf16() {
        wide.extend_from_slice(&u.to_le_bytes());
    }
    let latin = feed("/a/latin1.html").replace("<?xml version=\"1.0\" encoding=\"UTF-16\"?>", "");
    let (latin, _, _) = encoding_rs::WINDOWS_1252.encode(&latin);
    let (base, _) = common::start_routes(vec![
        ("/utf16.xml".into(), Canned::new("application/xml", wide)),
        (
            "/latin1.xml".into(),
            Canned::new(
                "application/rss+xml; charset=ISO-8859-1",
                latin.into_owned(),
            ),
        ),
    ])
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    let crawler = Arc::new(Crawler::new(fetcher(10 << 20), store.clone(), &[], 100));
    let source = |id: &str, path: &str| Source {
        kind: SourceKind::Feed,
        list: None,
        fetch_articles: false,
        entries: Default::default(),
        ..html_source(id, format!("{base}{path}"))
    };
    let reports = crawl_all(
        crawler,
        &[source("wide", "/utf16.xml"), source("latin", "/latin1.xml")],
        2,
    )
    .await;
    for r in &reports {
        assert!(r.errors.is_empty(), "{r:?}");
        assert_eq!(r.new, 1, "{r:?}");
    }
    for path in ["/a/utf16.html", "/a/latin1.html"] {
        let a = store
            .get_by_link(&format!("{base}{path}"))
            .expect("read")
            .unwrap_or_else(|| panic!("{path} stored"));
        assert_eq!(a.title, "Größere Ämter für alle", "{path}");
        assert!(a.text.contains("Behörde"), "{path}: {}", a.text);
    }
}
