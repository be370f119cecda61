//! The same story from several sources, regions, and re-tagging, end to end over loopback:
//! three fixture feeds (a ministry's press release, a trade portal's light reprint plus another
//! story on the same topic, a Land portal's heavily edited reprint plus a third story) are crawled
//! into a temp store; the web view and feeds are then checked, and the watchlist is changed.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use govwire::crawl::{Crawler, crawl_all};
use govwire::fetch::{FetchConfig, Fetcher};
use govwire::model::{Article, Keyword, Land};
use govwire::store::Store;
use govwire::web::{AppState, router};

fn config_text(base: &str, extra_keyword: &str) -> String {
    format!(
        r#"
[[source]]
id = "bmi"
name = "Bundesministerium (Fixture)"
url = "{base}/stories/bmi.xml"
kind = "feed"
level = "bund"
fetch_articles = false

[[source]]
id = "kommune21"
name = "Fachportal (Fixture)"
url = "{base}/stories/k21.xml"
kind = "feed"
level = "presse"
fetch_articles = false

[[source]]
id = "bb"
name = "Landesportal Brandenburg (Fixture)"
url = "{base}/stories/land.xml"
kind = "feed"
level = "land"
land = "BB"
fetch_articles = false

[[keyword]]
name = "Registermodernisierung"
{extra_keyword}
"#
    )
}

fn crawler(store: Store, keywords: &[Keyword]) -> Arc<Crawler> {
    let fetcher = Fetcher::new(FetchConfig {
        per_host_interval: Duration::from_millis(1),
        ..FetchConfig::default()
    })
    .expect("client");
    Arc::new(Crawler::new(fetcher, store, keywords, 100))
}

fn by_url<'a>(articles: &'a [Article], url: &str) -> &'a Article {
    articles
        .iter()
        .find(|a| a.url == url)
        .unwrap_or_else(|| panic!("{url} stored"))
}

#[tokio::test]
async fn reprints_cluster_regions_filter_and_watchlist_changes_retag() {
    let (base, _log) = common::start().await;
    let config = govwire::config::parse(&config_text(&base, ""), "sources.toml").expect("config");
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    // First start: nothing stored yet, the watchlist is recorded.
    let first = crawler(store.clone(), &config.keywords)
        .retag_if_changed()
        .expect("retag");
    assert_eq!(first.map(|r| r.scanned), Some(0));
    // The feeds are crawled in publication order so that the original is stored first.
    for source in &config.sources {
        let reports = crawl_all(
            crawler(store.clone(), &config.keywords),
            std::slice::from_ref(source),
            1,
        )
        .await;
        assert!(reports[0].errors.is_empty(), "{reports:?}");
    }
    let all: Vec<Article> = store
        .iter_articles()
        .collect::<Result<_, _>>()
        .expect("articles");
    assert_eq!(all.len(), 5);

    // Clusters: the original and both reprints share one; the two other stories stand alone.
    let original = by_url(&all, "https://bmi.example/pm/registermodernisierung");
    let light = by_url(&all, "https://k21.example/artikel/start");
    let heavy = by_url(&all, "https://land.example/news/register");
    let hamburg = by_url(&all, "https://k21.example/artikel/hamburg");
    let kommunen = by_url(&all, "https://land.example/news/kommunen");
    assert_eq!(
        original.cluster,
        Some(original.id),
        "the original names its story"
    );
    assert_eq!(light.cluster, original.cluster, "light reprint joins");
    assert_eq!(heavy.cluster, original.cluster, "edited reprint joins");
    assert_eq!(hamburg.cluster, Some(hamburg.id), "other story stays apart");
    assert_eq!(
        kommunen.cluster,
        Some(kommunen.id),
        "other story stays apart"
    );
    let members = store.cluster_members(original.id, 10).expect("members");
    assert_eq!(members.len(), 3);
    assert!(store.check().expect("check").is_ok());

    // Regions: the source's Land and the Länder mentioned are separate facts.
    assert_eq!(kommunen.land, Some(Land::BB));
    assert!(
        kommunen.lands_mentioned.contains(&Land::BB),
        "{:?}",
        kommunen.lands_mentioned
    );
    assert!(
        hamburg.lands_mentioned.contains(&Land::HH),
        "{:?}",
        hamburg.lands_mentioned
    );
    assert!(hamburg.land.is_none());

    let state = Arc::new(AppState {
        store: store.clone(),
        sources: config.sources.clone(),
        keywords: config.keywords.clone(),
        site_title: "govwire".into(),
        search: None,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let web = format!("http://{}", listener.local_addr().expect("addr"));
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router(state)).await;
    });

    // The front page shows the story once, led by its original (the ministry's release, the
    // earliest report of a public body), naming the others.
    let (status, home) = common::get(&format!("{web}/")).await;
    assert_eq!(status, 200);
    let shown = [
        "Startschuss in Berlin",
        "Finanzierung offen",
        "starten Programm",
    ]
    .iter()
    .filter(|t| home.contains(*t))
    .count();
    assert_eq!(shown, 1, "one entry for the three reports:\n{home}");
    assert!(
        home.contains("starten Programm"),
        "the original is shown, not the newest report"
    );
    assert!(home.contains("Auch berichtet von"));
    assert!(home.contains("Bundesministerium (Fixture)"));
    assert!(home.contains("Fachportal (Fixture)"));
    assert!(home.contains("Pilot für Identifikationsnummer"));
    assert!(home.contains("Kommunen fordern Hilfe"));
    let (_, page) = common::get(&format!("{web}/article/{}", original.id)).await;
    assert!(page.contains("Auch berichtet von"), "{page}");
    assert!(page.contains(&format!("/article/{}", heavy.id)));
    assert!(page.contains("/level/bund"));

    // Region and level filters, as pages and as feeds.
    let (status, from_bb) = common::get(&format!("{web}/land/BB")).await;
    assert_eq!(status, 200);
    assert!(from_bb.contains("Kommunen fordern Hilfe"));
    assert!(!from_bb.contains("Pilot für Identifikationsnummer"));
    let (_, mentions_hh) = common::get(&format!("{web}/mentions/hh")).await;
    assert!(mentions_hh.contains("Pilot für Identifikationsnummer"));
    assert!(!mentions_hh.contains("Kommunen fordern Hilfe"));
    let (_, bund) = common::get(&format!("{web}/level/bund")).await;
    assert!(bund.contains("starten Programm"));
    assert!(!bund.contains("Pilot für Identifikationsnummer"));
    assert_eq!(common::get(&format!("{web}/land/XX")).await.0, 404);
    assert_eq!(common::get(&format!("{web}/level/galaxis")).await.0, 404);
    assert_eq!(common::get(&format!("{web}/regions")).await.0, 200);
    let titles = |bytes: &[u8]| -> Vec<String> {
        feed_rs::parser::parse(bytes)
            .expect("our feed parses")
            .entries
            .into_iter()
            .filter_map(|e| e.title.map(|t| t.content))
            .collect()
    };
    let (status, _, bytes) = common::get_bytes(&format!("{web}/land/BB/atom.xml")).await;
    assert_eq!(status, 200);
    assert_eq!(titles(&bytes).len(), 2);
    let (_, _, bytes) = common::get_bytes(&format!("{web}/mentions/HH/feed.xml")).await;
    assert_eq!(titles(&bytes), ["Hamburg: Pilot für Identifikationsnummer"]);

    // Feeds list every report unless asked to collapse stories.
    let (_, _, bytes) = common::get_bytes(&format!("{web}/feed.xml")).await;
    assert_eq!(titles(&bytes).len(), 5);
    let (_, _, bytes) = common::get_bytes(&format!("{web}/feed.xml?collapse=1")).await;
    assert_eq!(titles(&bytes).len(), 3);
    server.abort();

    // A new keyword: the next start re-tags the stored articles without fetching anything.
    let before = crawler(store.clone(), &config.keywords);
    assert_eq!(
        before.retag_if_changed().expect("retag"),
        None,
        "unchanged watchlist: nothing to do"
    );
    let changed = govwire::config::parse(
        &config_text(
            &base,
            "[[keyword]]\nname = \"Identifikationsnummer\"\naliases = [\"ID-Nummer\"]\n",
        ),
        "sources.toml",
    )
    .expect("config");
    let after = crawler(store.clone(), &changed.keywords);
    let report = after
        .retag_if_changed()
        .expect("retag")
        .expect("watchlist changed");
    assert_eq!(report.scanned, 5);
    // The original, both reprints (they keep the sentence) and the Hamburg story mention it.
    assert_eq!(report.changed, 4, "{report:?}");
    let tagged = store
        .by_keyword("Identifikationsnummer", 0, 10)
        .expect("keyword")
        .items;
    assert_eq!(tagged.len(), 4);
    assert!(tagged.iter().all(|a| a.id != kommunen.id));
    assert_eq!(after.retag_if_changed().expect("retag"), None, "done once");
    assert_eq!(after.retag().expect("retag").changed, 0, "idempotent");
    assert!(store.check().expect("check").is_ok());
    // Clusters survive a restart: a new crawler rebuilt from the store keeps them.
    let hamburg_again = store.get(hamburg.id).expect("get").expect("stored");
    assert_eq!(hamburg_again.cluster, hamburg.cluster);
}
