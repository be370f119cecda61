//! Feeds parsed back with feed-rs: titles, links, ids, dates and hostile text survive.

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::model::{ArticleId, Level};

const HOSTILE: &str = "<script>alert(1)</script> & \"x\" 'y'\u{1}\u{FFFF}";
const HOSTILE_CLEAN: &str = "<script>alert(1)</script> & \"x\" 'y'";

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 12, day, hour, 0, 0)
        .single()
        .expect("valid test date")
}

fn article(url: &str, title: &str, day: u32) -> Article {
    Article {
        id: ArticleId::from_url(url),
        source_id: "k21".into(),
        url: url.into(),
        title: title.into(),
        kicker: None,
        published: Some(at(day, 10)),
        published_offset: None,
        published_precision: crate::model::DatePrecision::Time,
        subtitle: None,
        first_seen: at(day, 11),
        updated: at(day, 12),
        author: Some("Erika Muster".into()),
        author_role: None,
        lang: Some("de".into()),
        summary: Some("Kurzfassung".into()),
        text: "Erster Absatz.\n\nZweiter Absatz.".into(),
        tags: vec!["Digitalisierung".into()],
        keywords: vec!["OZG".into()],
        level: Level::Presse,
        land: None,
        lands_mentioned: vec![],
        cluster: None,
    }
}

fn meta() -> FeedMeta {
    FeedMeta {
        title: "govwire – Neueste".into(),
        self_url: "http://localhost:8080/feed.xml".into(),
        html_url: "http://localhost:8080/".into(),
        description: "Neueste Meldungen & Pressemitteilungen".into(),
        updated: at(12, 0),
    }
}

fn own(a: &Article) -> String {
    format!("http://localhost:8080/article/{}", a.id)
}

/// Every article's publisher: a hostile name, so that escaping is checked on every item.
fn publisher(a: &Article) -> Option<Publisher> {
    Some(Publisher {
        id: a.source_id.clone(),
        name: format!("Kommune21 {HOSTILE}"),
        url: "https://www.kommune21.de/rss?a=1&b=2".into(),
    })
}

fn sample() -> Vec<Article> {
    let mut hostile = article("https://evil.test/x?a=1&b=2", HOSTILE, 10);
    hostile.summary = Some(HOSTILE.into());
    hostile.author = Some("<b>Mallory</b>".into());
    hostile.tags = vec!["a<b>&c".into()];
    let mut js = article("javascript:alert(1)", "Böser Link", 9);
    js.published = None;
    vec![
        article("https://www.kommune21.de/meldung_1", "OZG-Umsetzung", 11),
        hostile,
        js,
    ]
}

fn parse(xml: &str) -> feed_rs::model::Feed {
    feed_rs::parser::parse(xml.as_bytes())
        .unwrap_or_else(|e| panic!("feed does not parse: {e}\n{xml}"))
}

fn title_of(e: &feed_rs::model::Entry) -> String {
    e.title
        .as_ref()
        .map(|t| t.content.clone())
        .unwrap_or_default()
}

fn hrefs(e: &feed_rs::model::Entry) -> Vec<String> {
    e.links.iter().map(|l| l.href.clone()).collect()
}

fn check_common(feed: &feed_rs::model::Feed, articles: &[Article]) {
    assert_eq!(feed.entries.len(), articles.len());
    for (entry, a) in feed.entries.iter().zip(articles) {
        assert_eq!(entry.id, format!("urn:govwire:article:{}", a.id));
    }
    let first = &feed.entries[0];
    assert_eq!(title_of(first), "OZG-Umsetzung");
    assert_eq!(first.published, Some(at(11, 10)));
    assert!(hrefs(first).contains(&"https://www.kommune21.de/meldung_1".to_string()));
    assert!(first.categories.iter().any(|c| c.term == "OZG"));
    assert!(first.categories.iter().any(|c| c.term == "Digitalisierung"));
    assert!(
        first
            .authors
            .iter()
            .any(|p| p.name.as_deref() == Some("Erika Muster"))
    );

    let hostile = &feed.entries[1];
    assert_eq!(title_of(hostile), HOSTILE_CLEAN);
    assert_eq!(hrefs(hostile)[0], "https://evil.test/x?a=1&b=2");
    assert!(hostile.categories.iter().any(|c| c.term == "a<b>&c"));

    let js = &feed.entries[2];
    assert!(
        hrefs(js).iter().all(|h| !h.starts_with("javascript")),
        "{:?}",
        hrefs(js)
    );
    assert_eq!(hrefs(js)[0], own(&sample()[2]), "falls back to our page");
    assert_eq!(
        js.published,
        Some(at(9, 11)),
        "first_seen when no publication date"
    );
}

#[test]
fn rss_round_trips_through_feed_rs() {
    let articles = sample();
    let xml = rss(&meta(), &articles, own, publisher);
    let feed = parse(&xml);
    assert_eq!(feed.feed_type, feed_rs::model::FeedType::RSS2);
    assert_eq!(
        feed.title.as_ref().map(|t| t.content.as_str()),
        Some("govwire – Neueste")
    );
    check_common(&feed, &articles);
    assert!(xml.contains("<guid isPermaLink=\"false\">urn:govwire:article:"));
    assert!(xml.contains("<pubDate>Fri, 11 Dec 2020 10:00:00 +0000</pubDate>"));
    assert!(xml.contains("<atom:link rel=\"self\" type=\"application/rss+xml\" href=\"http://localhost:8080/feed.xml\"/>"));
    assert!(xml.contains("<dc:creator>&lt;b&gt;Mallory&lt;/b&gt;</dc:creator>"));
    let summary = feed.entries[1].summary.as_ref().map(|s| s.content.as_str());
    assert_eq!(
        summary,
        Some("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot; &#39;y&#39;"),
        "the description is HTML that shows the hostile text as text"
    );
}

#[test]
fn atom_round_trips_through_feed_rs() {
    let articles = sample();
    let xml = atom(&meta(), &articles, own, publisher);
    let feed = parse(&xml);
    assert_eq!(feed.feed_type, feed_rs::model::FeedType::Atom);
    assert_eq!(feed.id, "urn:govwire:feed:/feed.xml");
    assert_eq!(feed.updated, Some(at(12, 0)));
    check_common(&feed, &articles);
    let first = &feed.entries[0];
    assert_eq!(first.updated, Some(at(11, 12)));
    assert_eq!(
        first.summary.as_ref().map(|s| s.content.as_str()),
        Some("Kurzfassung")
    );
    let related = first
        .links
        .iter()
        .find(|l| l.rel.as_deref() == Some("related"));
    assert_eq!(related.map(|l| l.href.clone()), Some(own(&articles[0])));
    assert!(xml.contains("<published>2020-12-11T10:00:00Z</published>"));
    assert!(xml.contains(
        "<link rel=\"self\" type=\"application/atom+xml\" href=\"http://localhost:8080/feed.xml\"/>"
    ));
    assert!(xml.contains("<author><name>govwire</name></author>"));
    let summary = feed.entries[1].summary.as_ref().map(|s| s.content.as_str());
    assert_eq!(
        summary,
        Some(HOSTILE_CLEAN),
        "Atom summary is type=\"text\""
    );
}

#[test]
fn hostile_text_never_appears_as_markup_or_invalid_chars() {
    for xml in [
        rss(&meta(), &sample(), own, publisher),
        atom(&meta(), &sample(), own, publisher),
    ] {
        assert!(!xml.contains("<script"), "raw script tag in\n{xml}");
        assert!(!xml.contains("<b>"), "raw markup in\n{xml}");
        assert!(
            xml.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot; &apos;y&apos;")
        );
        assert!(!xml.contains("javascript:"), "javascript URL in\n{xml}");
        assert!(xml.chars().all(is_xml_char));
    }
}

#[test]
fn empty_feeds_are_valid() {
    let rss_feed = parse(&rss(&meta(), &[], own, publisher));
    assert!(rss_feed.entries.is_empty());
    assert_eq!(
        rss_feed.title.map(|t| t.content),
        Some("govwire – Neueste".to_string())
    );
    let atom_feed = parse(&atom(&meta(), &[], own, publisher));
    assert!(atom_feed.entries.is_empty());
    assert_eq!(atom_feed.updated, Some(at(12, 0)));
}

#[test]
fn rendering_is_deterministic() {
    let articles = sample();
    assert_eq!(
        rss(&meta(), &articles, own, publisher),
        rss(&meta(), &articles, own, publisher)
    );
    assert_eq!(
        atom(&meta(), &articles, own, publisher),
        atom(&meta(), &articles, own, publisher)
    );
    let mut recrawled = articles.clone();
    recrawled[0].title = "Neuer Titel".into();
    recrawled[0].updated = at(20, 0);
    let before = parse(&rss(&meta(), &articles, own, publisher));
    let after = parse(&rss(&meta(), &recrawled, own, publisher));
    assert_eq!(
        before.entries[0].id, after.entries[0].id,
        "GUID survives a content change"
    );
}

#[test]
fn description_prefers_summary_then_cuts_text_at_a_word() {
    let mut a = article("https://x.test/a", "T", 1);
    assert_eq!(description(&a).as_deref(), Some("Kurzfassung"));
    a.summary = Some("   ".into());
    assert_eq!(
        description(&a).as_deref(),
        Some("Erster Absatz.\n\nZweiter Absatz.")
    );
    a.text = "wort ".repeat(200);
    let d = description(&a).unwrap_or_default();
    assert!(d.ends_with("wort…"), "{d}");
    assert!(d.chars().count() <= DESCRIPTION_CHARS + 1);
    a.text = "ä".repeat(600);
    assert_eq!(
        description(&a).map(|d| d.chars().count()),
        Some(DESCRIPTION_CHARS + 1)
    );
    a.text = " \n ".into();
    assert_eq!(description(&a), None);
}

#[test]
fn only_http_urls_are_links() {
    assert_eq!(
        http_url("https://a.test/x y").as_deref(),
        Some("https://a.test/x%20y")
    );
    assert_eq!(
        http_url(" http://a.test ").as_deref(),
        Some("http://a.test/")
    );
    for bad in [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,x",
        "/relative",
        "",
        "ftp://a.test/",
    ] {
        assert_eq!(http_url(bad), None, "{bad}");
    }
}

#[test]
fn blank_titles_get_a_placeholder() {
    let a = article("https://x.test/a", "  ", 1);
    let feed = parse(&rss(&meta(), &[a], own, publisher));
    assert_eq!(title_of(&feed.entries[0]), "(ohne Titel)");
}

#[test]
fn items_carry_full_text_and_publisher_in_both_formats() {
    let articles = sample();
    let rss_xml = rss(&meta(), &articles, own, publisher);
    assert!(rss_xml.contains("xmlns:content=\"http://purl.org/rss/1.0/modules/content/\""));
    assert!(rss_xml.contains(
        "<content:encoded>&lt;p&gt;Erster Absatz.&lt;/p&gt;&lt;p&gt;Zweiter Absatz.&lt;/p&gt;</content:encoded>"
    ));
    assert!(rss_xml.contains(
        "<source url=\"https://www.kommune21.de/rss?a=1&amp;b=2\">Kommune21 &lt;script&gt;"
    ));
    let feed = parse(&rss_xml);
    let body = feed.entries[0]
        .content
        .as_ref()
        .and_then(|c| c.body.as_deref());
    assert_eq!(body, Some("<p>Erster Absatz.</p><p>Zweiter Absatz.</p>"));

    let atom_xml = atom(&meta(), &articles, own, publisher);
    let feed = parse(&atom_xml);
    let first = &feed.entries[0];
    let body = first.content.as_ref().and_then(|c| c.body.as_deref());
    assert_eq!(body, Some("<p>Erster Absatz.</p><p>Zweiter Absatz.</p>"));
    assert_eq!(
        first.authors[0].name.as_deref(),
        Some("Erika Muster"),
        "the person first"
    );
    assert!(atom_xml.contains(
        "<source>\n<id>urn:govwire:source:k21</id>\n<title type=\"text\">Kommune21 &lt;script&gt;"
    ));

    // No person named: the source is the author (RSS dc:creator, Atom author).
    let mut anonymous = articles[0].clone();
    anonymous.author = None;
    let one = std::slice::from_ref(&anonymous);
    let rss_feed = parse(&rss(&meta(), one, own, publisher));
    assert_eq!(
        rss_feed.entries[0].authors[0].name,
        Some(format!("Kommune21 {HOSTILE_CLEAN}"))
    );
    let atom_feed = parse(&atom(&meta(), one, own, publisher));
    assert_eq!(
        atom_feed.entries[0].authors[0].name,
        Some(format!("Kommune21 {HOSTILE_CLEAN}"))
    );
    // An unknown source: no source element, no author but the feed's.
    let bare = rss(&meta(), one, own, |_| None);
    assert!(
        !bare.contains("<source") && !bare.contains("<dc:creator>"),
        "{bare}"
    );
}

#[test]
fn the_rss_channel_description_is_escaped_for_html_then_xml() {
    let mut m = meta();
    m.title = format!("Quelle: {HOSTILE}");
    m.description = format!("Quelle: {HOSTILE}");
    let xml = rss(&m, &[], own, publisher);
    assert!(xml.contains(
        "<title>Quelle: &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot; &apos;y&apos;</title>"
    ));
    assert!(xml.contains(
        "<description>Quelle: &amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt; &amp;amp; \
         &amp;quot;x&amp;quot; &amp;#39;y&amp;#39;</description>"
    ));
}

#[test]
fn atom_feed_ids_include_the_query() {
    assert_eq!(
        feed_id("http://h/search.atom?q=OZG"),
        "urn:govwire:feed:/search.atom%3Fq=OZG"
    );
    assert_ne!(
        feed_id("http://h/search.atom?q=OZG"),
        feed_id("http://h/search.atom?q=BundID")
    );
    assert_eq!(
        feed_id("http://other-host/atom.xml"),
        "urn:govwire:feed:/atom.xml"
    );
    assert_eq!(feed_id("http://h/atom.xml?"), "urn:govwire:feed:/atom.xml");
    assert_eq!(feed_id("kein url"), "urn:govwire:feed:/");
}
