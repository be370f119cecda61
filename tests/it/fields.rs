//! Issue 22, the fields: a crawl over 127.0.0.1 of our own small government pages, checking what
//! the store then holds — no caption in the text or its keywords, the byline's person as author
//! (not the press office, not the role), no control characters, a hostile tag stored whole, and a
//! page without text reported as an error instead of stored empty.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::http::header;
use axum::routing::get;
use govwire::crawl::{Crawler, crawl_all};
use govwire::fetch::{FetchConfig, Fetcher};
use govwire::model::{ArticleSelectors, Keyword, Level, Source, SourceKind};
use govwire::store::Store;

const FEED: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Land</title><link>/</link><description>Presseinformationen</description>
<item><title>Förderprogramm beschlossen</title><link>/presse/1.html</link><pubDate>Mon, 01 Feb 2021 10:00:00 +0100</pubDate><dc:creator>Pressestelle</dc:creator><category>&lt;script&gt;alert(30)&lt;/script&gt;</category><category>Digitalisierung</category></item>
<item><title>Leere Seite</title><link>/presse/2.html</link><pubDate>Tue, 02 Feb 2021 10:00:00 +0100</pubDate></item>
<item><title>Servicekonto startet</title><link>/presse/3.html</link><pubDate>Wed, 03 Feb 2021 10:00:00 +0100</pubDate><dc:creator>Max Mustermann</dc:creator></item>
</channel></rss>"#;

fn page(n: &str) -> String {
    let prose = "<p>Die Landesregierung hat am Dienstag ein neues Förderprogramm für die Kommunen \
beschlossen, das den Ausbau digitaler Verwaltungsleistungen in den nächsten drei Jahren unterstützt.</p>\
<p>Gefördert werden Projekte, die Anträge vollständig online ermöglichen und Bürgerinnen und Bürgern \
Wege ins Amt ersparen, wie die Ministerin in Potsdam erläuterte.</p>";
    match n {
        // Government Site Builder style: org meta author, a byline with a role, a figure whose
        // stock caption names watched keywords, a credit line, and a stray control character.
        "1.html" => format!(
            "<html lang=\"de\"><head><title>Förderprogramm</title><meta name=\"author\" content=\"Staatskanzlei\"><meta name=\"description\" content=\"Presseinformationen der Staatskanzlei\"></head>\
<body><nav><a href=\"/\">Start</a></nav><main><article><h1>Förderprogramm beschlossen</h1>\
<p class=\"byline\">Von Dr. Anna Beispiel, Ministerin für Digitales</p>\
<figure><img src=\"/a.jpg\" alt=\"\"><p>Symbolbild: Laptop mit E-Akte und BundID</p></figure>{prose}\
<p>Die Mittel stehen ab dem Frühjahr\u{0007} bereit; Anträge stellen die Kreise bei der Investitionsbank.</p>\
<div class=\"bild\"><img src=\"/b.jpg\" alt=\"\"><p>Foto: Pressestelle E-Akte</p></div>\
<p class=\"tags\">Schlagworte: <a href=\"/t/1\">&lt;script&gt;alert(31)&lt;/script&gt;</a> <a href=\"/t/2\">Verwaltung</a></p>\
</article></main></body></html>"
        ),
        // A page whose text is gone (a script-only shell).
        "2.html" => "<html><head><title>Leer</title></head><body><div id=\"app\"></div><script>render()</script></body></html>".into(),
        // Drupal style: the press office as meta author, the feed names the person.
        _ => format!(
            "<html lang=\"de\"><head><title>Servicekonto</title><meta name=\"author\" content=\"Pressestelle des Ministeriums\"><meta name=\"description\" content=\"Presseinformationen der Staatskanzlei\"></head>\
<body><main><article><h1>Servicekonto startet</h1>{prose}</article></main></body></html>"
        ),
    }
}

async fn serve() -> String {
    let app = Router::new()
        .route("/robots.txt", get(|| async { "User-agent: *\n" }))
        .route(
            "/feed.xml",
            get(|| async { ([(header::CONTENT_TYPE, "application/rss+xml")], FEED) }),
        )
        .route(
            "/presse/{n}",
            get(|Path(n): Path<String>| async move { axum::response::Html(page(&n)) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    base
}

#[tokio::test]
async fn crawled_fields_are_right() {
    let base = serve().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    let fetcher = Fetcher::new(FetchConfig {
        per_host_interval: Duration::from_millis(5),
        retry_base: Duration::from_millis(10),
        timeout: Duration::from_secs(5),
        ..FetchConfig::default()
    })
    .expect("client");
    let keywords = vec![
        Keyword::new("E-Akte", vec![]),
        Keyword::new("BundID", vec![]),
        Keyword::new("Förderprogramm", vec![]),
    ];
    let crawler = Arc::new(Crawler::new(fetcher, store.clone(), &keywords, 100));
    let source = Source {
        id: "fields-land".into(),
        name: "Land".into(),
        url: format!("{base}/feed.xml"),
        kind: SourceKind::Feed,
        interval: Duration::from_secs(3600),
        level: Level::Land,
        land: None,
        list: None,
        article: ArticleSelectors::default(),
        fetch_articles: true,
        entries: Default::default(),
    };
    let report = crawl_all(crawler, &[source], 1).await;
    let r = &report[0];
    assert_eq!(r.new, 2, "{r:?}");
    assert!(
        r.errors
            .iter()
            .any(|e| e.contains("/presse/2.html") && e.contains("has no text")),
        "{:?}",
        r.errors
    );
    assert!(
        store
            .get_by_link(&format!("{base}/presse/2.html"))
            .expect("get")
            .is_none(),
        "no empty article stored"
    );

    let first = store
        .get_by_link(&format!("{base}/presse/1.html"))
        .expect("get")
        .expect("stored");
    assert!(!first.text.contains("E-Akte"), "{}", first.text);
    assert!(!first.text.contains("BundID"), "{}", first.text);
    assert!(!first.text.contains("Anna Beispiel"), "{}", first.text);
    assert_eq!(first.keywords, vec!["Förderprogramm".to_string()]);
    assert_eq!(first.author.as_deref(), Some("Dr. Anna Beispiel"));
    assert!(
        !first.text.chars().any(|c| c.is_control() && c != '\n'),
        "{:?}",
        first.text
    );
    assert!(first.text.contains("Frühjahr bereit"), "{}", first.text);
    // A page's tag is text: kept whole (and escaped wherever shown), never half-stripped. A
    // feed's category is markup-bearing text and loses its script, so it is dropped.
    assert!(
        first.tags.iter().any(|t| t == "<script>alert(31)</script>"),
        "hostile tag kept whole as text: {:?}",
        first.tags
    );
    assert!(
        !first.tags.iter().any(|t| t.starts_with("script>")),
        "{:?}",
        first.tags
    );

    let third = store
        .get_by_link(&format!("{base}/presse/3.html"))
        .expect("get")
        .expect("stored");
    assert_eq!(third.author.as_deref(), Some("Max Mustermann"));

    // The site-wide description is no article's summary: once it repeats, the page's lead is
    // taken (stored as no summary, since it is the text's start, which readers are shown
    // anyway), and the article stored first with it loses it too.
    let first = store
        .get_by_link(&format!("{base}/presse/1.html"))
        .expect("get")
        .expect("stored");
    let generic = [&first, &third]
        .iter()
        .filter(|a| a.summary.as_deref() == Some("Presseinformationen der Staatskanzlei"))
        .count();
    assert_eq!(generic, 0, "{:?} {:?}", first.summary, third.summary);
}

/// A page whose kicker, subtitle, author and summary sit in elements no automatic rule knows;
/// the source's `[source.article]` selectors name them.
fn selector_page() -> String {
    "<html lang=\"de\"><head><title>Servicekonto</title><meta name=\"author\" content=\"Pressestelle\"></head>\
<body><main><div class=\"rubrik\">Verwaltungsdigitalisierung</div><h1>Servicekonto startet landesweit</h1>\
<p class=\"zusatz\">Bürgerinnen und Bürger melden sich ab Montag mit einem Konto an.</p>\
<div class=\"meta\"><span class=\"wer\">Max Muster (Pressesprecher)</span></div>\
<div class=\"anreisser\">Ein Konto für alle Anträge im Land.</div>\
<div class=\"inhalt\"><p>Die Landesregierung hat am Dienstag das neue Servicekonto freigeschaltet, mit dem sich \
Bürgerinnen und Bürger für alle Online-Anträge des Landes anmelden können.</p>\
<p>Das Konto ersetzt die bisherigen Einzelzugänge der Fachverfahren und ist mit der BundID verbunden, \
wie das Ministerium in Potsdam mitteilte.</p></div></main></body></html>"
        .into()
}

#[tokio::test]
async fn article_selectors_for_author_kicker_subtitle_and_summary_win() {
    let feed = r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Land</title><link>/</link><description>Presse</description>
<item><title>Servicekonto startet landesweit</title><link>/presse/s.html</link><pubDate>Mon, 01 Feb 2021 10:00:00 +0100</pubDate></item>
</channel></rss>"#;
    let app = Router::new()
        .route("/robots.txt", get(|| async { "User-agent: *\n" }))
        .route(
            "/feed.xml",
            get(move || async move { ([(header::CONTENT_TYPE, "application/rss+xml")], feed) }),
        )
        .route(
            "/presse/s.html",
            get(|| async { axum::response::Html(selector_page()) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    let fetcher = Fetcher::new(FetchConfig {
        per_host_interval: Duration::from_millis(5),
        retry_base: Duration::from_millis(10),
        timeout: Duration::from_secs(5),
        ..FetchConfig::default()
    })
    .expect("client");
    let crawler = Arc::new(Crawler::new(fetcher, store.clone(), &[], 100));
    // The selectors come through the configuration file, as a user writes them.
    let toml = format!(
        "[[source]]\nid = \"sel\"\nname = \"Land\"\nurl = \"{base}/feed.xml\"\nkind = \"feed\"\nlevel = \"land\"\n\
[source.article]\nauthor = \".wer\"\nkicker = \".rubrik\"\nsubtitle = \".zusatz\"\nsummary = \".anreisser\"\nbody = \".inhalt\"\n"
    );
    let config = govwire::config::parse(&toml, "sources.toml").expect("config parses");
    let report = crawl_all(crawler, &config.sources, 1).await;
    assert_eq!(report[0].new, 1, "{:?}", report[0]);
    let a = store
        .get_by_link(&format!("{base}/presse/s.html"))
        .expect("get")
        .expect("stored");
    assert_eq!(a.kicker.as_deref(), Some("Verwaltungsdigitalisierung"));
    assert_eq!(
        a.subtitle.as_deref(),
        Some("Bürgerinnen und Bürger melden sich ab Montag mit einem Konto an.")
    );
    assert_eq!(a.author.as_deref(), Some("Max Muster"));
    assert_eq!(a.author_role.as_deref(), Some("Pressesprecher"));
    assert_eq!(
        a.summary.as_deref(),
        Some("Ein Konto für alle Anträge im Land.")
    );
    assert!(a.text.starts_with("Die Landesregierung hat"), "{}", a.text);
}
