//! Malformed feeds of every dialect govwire reads (RSS 0.91/0.92/1.0/2.0, Atom 0.3/1.0, JSON
//! Feed 1/1.1), table-driven: missing fields, bad dates, relative links, HTML in titles,
//! duplicate GUIDs, undeclared HTML entities, bare ampersands, truncated downloads. Each case
//! lists the entries a lenient reader (feedparser, a browser's feed preview) recovers, and
//! `extract::parse_feed` must recover the same ones; nothing may panic.

use govwire::extract::parse_feed;
use govwire::model::Candidate;

const BASE: &str = "https://land.test/presse/feed.xml";

/// One case: a feed and what must come out of it.
struct Case {
    name: &'static str,
    feed: &'static str,
    /// The candidates' URLs, in feed order.
    urls: &'static [&'static str],
    /// Their titles (`None` where the entry has none).
    titles: &'static [Option<&'static str>],
    /// Their publication days (`YYYY-MM-DD` in UTC), where the case cares.
    days: Option<&'static [Option<&'static str>]>,
}

const CASES: &[Case] = &[
    Case {
        name: "RSS 0.91 without guid or dates",
        feed: r#"<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>Stadt</title><link>https://land.test/</link>
<description>Meldungen</description><language>de</language>
<item><title>Erste Meldung</title><link>https://land.test/a.html</link><description>Text</description></item>
<item><title>Zweite Meldung</title><link>https://land.test/b.html</link></item>
</channel></rss>"#,
        urls: &["https://land.test/a.html", "https://land.test/b.html"],
        titles: &[Some("Erste Meldung"), Some("Zweite Meldung")],
        days: Some(&[None, None]),
    },
    Case {
        name: "RSS 0.92: item without title, relative and protocol-relative links",
        feed: r#"<rss version="0.92"><channel><title>Amt</title><link>https://land.test/</link><description>d</description>
<item><description>Nur ein Text ohne Titel.</description><link>../meldungen/1.html</link></item>
<item><title>Protokoll-relativ</title><link>//land.test/meldungen/2.html</link></item>
<item><title>Wurzel-relativ</title><link>/meldungen/3.html</link></item>
<item><title>Leerer Link</title><link>   </link></item>
</channel></rss>"#,
        urls: &[
            "https://land.test/meldungen/1.html",
            "https://land.test/meldungen/2.html",
            "https://land.test/meldungen/3.html",
        ],
        titles: &[None, Some("Protokoll-relativ"), Some("Wurzel-relativ")],
        days: None,
    },
    Case {
        // RSS 1.0 requires <link> in an item; one known only by its rdf:about is skipped.
        name: "RSS 1.0 (RDF) with dc:date, one item known only by rdf:about",
        feed: r#"<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://land.test/rss"><title>Land</title><link>https://land.test/</link><description>d</description>
<items><rdf:Seq><rdf:li rdf:resource="https://land.test/r1.html"/><rdf:li rdf:resource="https://land.test/r2.html"/></rdf:Seq></items></channel>
<item rdf:about="https://land.test/r1.html"><title>RDF eins</title><link>https://land.test/r1.html</link><dc:date>2021-02-03T10:00:00+01:00</dc:date></item>
<item rdf:about="https://land.test/r2.html"><title>RDF zwei</title><link>r2.html</link><dc:date>11.12.2020</dc:date></item>
<item rdf:about="https://land.test/r3.html"><title>RDF drei ohne link</title></item>
</rdf:RDF>"#,
        urls: &[
            "https://land.test/r1.html",
            "https://land.test/presse/r2.html",
        ],
        titles: &[Some("RDF eins"), Some("RDF zwei")],
        days: Some(&[Some("2021-02-03"), Some("2020-12-11")]),
    },
    Case {
        name: "RSS 2.0: bad and German dates, HTML in titles, duplicate GUIDs",
        feed: r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Ministerium</title><link>https://land.test/</link><description>d</description>
<item><title>Kein Datum</title><link>https://land.test/1</link><pubDate>gestern</pubDate><guid>g1</guid></item>
<item><title>Unmögliches Datum</title><link>https://land.test/2</link><pubDate>Mon, 32 Foo 2021 25:61:00 GMT</pubDate><guid>g2</guid></item>
<item><title>Deutsches Datum</title><link>https://land.test/3</link><pubDate>Mittwoch, 3. Februar 2021</pubDate><guid>g3</guid></item>
<item><title>Ohne Zone</title><link>https://land.test/4</link><pubDate>2021-02-03 10:00:00</pubDate><guid>g4</guid></item>
<item><title><![CDATA[<b>Fett</b> &amp; <i>kursiv</i>]]></title><link>https://land.test/5</link><guid>g5</guid></item>
<item><title>&lt;script&gt;alert(1)&lt;/script&gt;Escaped</title><link>https://land.test/6</link><guid>g6</guid></item>
<item><title>Doppelte GUID, anderer Link</title><link>https://land.test/7</link><guid>g1</guid></item>
<item><title>Doppelt, gleicher Link</title><link>https://land.test/1</link><guid>g1</guid></item>
</channel></rss>"#,
        urls: &[
            "https://land.test/1",
            "https://land.test/2",
            "https://land.test/3",
            "https://land.test/4",
            "https://land.test/5",
            "https://land.test/6",
            "https://land.test/7",
        ],
        titles: &[
            Some("Kein Datum"),
            Some("Unmögliches Datum"),
            Some("Deutsches Datum"),
            Some("Ohne Zone"),
            Some("Fett & kursiv"),
            Some("Escaped"),
            Some("Doppelte GUID, anderer Link"),
        ],
        days: Some(&[
            None,
            None,
            Some("2021-02-03"),
            Some("2021-02-03"),
            None,
            None,
            None,
        ]),
    },
    Case {
        name: "RSS 2.0 with HTML entities no XML parser knows (&nbsp; &auml; &ndash;)",
        feed: r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Stadt&nbsp;Überlingen</title><link>https://land.test/</link><description>d</description>
<item><title>B&uuml;rgerb&uuml;ro&nbsp;&ndash; neue Zeiten</title><link>https://land.test/n1</link><description>Gr&ouml;&szlig;er &amp; besser</description></item>
<item><title>Zweite</title><link>https://land.test/n2</link></item>
</channel></rss>"#,
        urls: &["https://land.test/n1", "https://land.test/n2"],
        titles: &[Some("Bürgerbüro – neue Zeiten"), Some("Zweite")],
        days: None,
    },
    Case {
        name: "RSS 2.0 with bare ampersands in links and text",
        feed: r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Bau & Verkehr</title><link>https://land.test/</link><description>d</description>
<item><title>Straßen & Brücken</title><link>https://land.test/suche?id=1&lang=de</link></item>
<item><title>Zweite</title><link>https://land.test/suche?id=2&amp;lang=de</link></item>
</channel></rss>"#,
        urls: &[
            "https://land.test/suche?id=1&lang=de",
            "https://land.test/suche?id=2&lang=de",
        ],
        titles: &[Some("Straßen & Brücken"), Some("Zweite")],
        days: None,
    },
    Case {
        name: "RSS 2.0 cut off mid-item (truncated download)",
        feed: r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Land</title><link>https://land.test/</link><description>d</description>
<item><title>Vollständig eins</title><link>https://land.test/t1</link></item>
<item><title>Vollständig zwei</title><link>https://land.test/t2</link></item>
<item><title>Abgeschnit"#,
        urls: &["https://land.test/t1", "https://land.test/t2"],
        titles: &[Some("Vollständig eins"), Some("Vollständig zwei")],
        days: None,
    },
    Case {
        name: "RSS 2.0 with whitespace and a BOM before the XML declaration",
        feed: "\u{FEFF}\n  <?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>x</title><link>https://land.test/</link><description>d</description>\
<item><title>Nach Leerraum</title><link>https://land.test/w1</link></item></channel></rss>",
        urls: &["https://land.test/w1"],
        titles: &[Some("Nach Leerraum")],
        days: None,
    },
    Case {
        name: "RSS 2.0: guid-only items, javascript: and mailto: links skipped",
        feed: r#"<rss version="2.0"><channel><title>x</title><link>https://land.test/</link><description>d</description>
<item><title>Permalink-GUID</title><guid>https://land.test/g.html</guid></item>
<item><title>Nicht-URL-GUID ohne Link</title><guid isPermaLink="false">abc-123</guid></item>
<item><title>Skript</title><link>JaVaScRiPt:alert(1)</link></item>
<item><title>Mail</title><link>mailto:presse@land.test</link></item>
<item><title>Daten</title><link>data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;</link></item>
</channel></rss>"#,
        urls: &["https://land.test/g.html"],
        titles: &[Some("Permalink-GUID")],
        days: None,
    },
    Case {
        name: "Atom 0.3 with issued/modified and escaped content",
        feed: r#"<?xml version="1.0" encoding="utf-8"?>
<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>Alt-Atom</title>
<link rel="alternate" type="text/html" href="https://land.test/"/><modified>2021-02-03T10:00:00Z</modified>
<entry><title>Atom null drei</title><link rel="alternate" type="text/html" href="https://land.test/a03.html"/>
<id>tag:land.test,2021:a03</id><issued>2021-02-03T10:00:00+01:00</issued><modified>2021-02-03T10:00:00Z</modified>
<content type="text/html" mode="escaped">&lt;p&gt;Inhalt&lt;/p&gt;</content></entry>
</feed>"#,
        urls: &["https://land.test/a03.html"],
        titles: &[Some("Atom null drei")],
        days: Some(&[Some("2021-02-03")]),
    },
    Case {
        name: "Atom 1.0: missing id/updated, rel-less and relative links, xhtml title, self-only entry",
        feed: r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://land.test/atom/"><title>Land</title>
<entry><title>Ohne ID</title><link href="eins.html"/></entry>
<entry><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">XHTML <b>fett</b></div></title>
<id>urn:x:2</id><link rel="alternate" href="/zwei.html"/><link rel="enclosure" href="/zwei.pdf"/>
<updated>kein Datum</updated></entry>
<entry><title>Nur self</title><id>urn:x:3</id><link rel="self" href="https://land.test/api/3"/></entry>
<entry><title>Enclosure zuerst</title><id>urn:x:4</id><link rel="enclosure" href="/vier.pdf"/><link href="/vier.html"/></entry>
<entry><title>Gar kein Link</title><id>urn:x:5</id></entry>
</feed>"#,
        urls: &[
            "https://land.test/atom/eins.html",
            "https://land.test/zwei.html",
            "https://land.test/api/3",
            "https://land.test/vier.html",
        ],
        titles: &[
            Some("Ohne ID"),
            Some("XHTML fett"),
            Some("Nur self"),
            Some("Enclosure zuerst"),
        ],
        days: Some(&[None, None, None, None]),
    },
    Case {
        name: "JSON Feed 1.1: missing title, external_url, id as URL, relative url, bad date",
        feed: r#"{"version":"https://jsonfeed.org/version/1.1","title":"Land","home_page_url":"https://land.test/",
"items":[
 {"id":"1","url":"https://land.test/j1.html","title":"JSON eins","date_published":"2021-02-03T10:00:00+01:00","content_text":"Text"},
 {"id":"2","url":"/j2.html","content_html":"<p>Ohne Titel</p>","date_published":"nicht heute"},
 {"id":"https://land.test/j3.html","title":"Nur ID"},
 {"id":"4","external_url":"https://land.test/j4.html","title":"<b>Extern</b>"},
 {"id":"5","title":"Ohne alles"},
 {"id":"6","url":"https://land.test/j1.html","title":"Doppelt"}
]}"#,
        urls: &[
            "https://land.test/j1.html",
            "https://land.test/j2.html",
            "https://land.test/j3.html",
            "https://land.test/j4.html",
        ],
        titles: &[Some("JSON eins"), None, Some("Nur ID"), Some("Extern")],
        days: Some(&[Some("2021-02-03"), None, None, None]),
    },
    Case {
        name: "JSON Feed 1.0 with summary only and German date",
        feed: r#"{"version":"https://jsonfeed.org/version/1","title":"Alt",
"items":[{"id":"a","url":"https://land.test/alt.html","summary":"Kurz","date_published":"11.12.2020"}]}"#,
        urls: &["https://land.test/alt.html"],
        titles: &[None],
        days: Some(&[Some("2020-12-11")]),
    },
];

fn day(c: &Candidate) -> Option<String> {
    c.published.map(|d| d.format("%Y-%m-%d").to_string())
}

/// What must hold for every candidate of every feed, whatever the case expects.
fn invariants(name: &str, got: &[Candidate]) {
    let mut seen = std::collections::HashSet::new();
    for c in got {
        assert!(
            c.url.starts_with("https://") || c.url.starts_with("http://"),
            "{name}: non-http link {:?}",
            c.url
        );
        assert!(seen.insert(&c.url), "{name}: {} twice", c.url);
        for text in [&c.title, &c.summary].into_iter().flatten() {
            for markup in [
                "<b>", "<i>", "<p>", "<script", "</", "&lt;", "&amp;", "&nbsp;",
            ] {
                assert!(
                    !text.contains(markup),
                    "{name}: markup {markup} in {text:?}"
                );
            }
        }
    }
}

#[test]
fn malformed_feeds_recover_what_a_lenient_reader_recovers() {
    let mut failures = Vec::new();
    for case in CASES {
        let got = match parse_feed(case.feed.as_bytes(), BASE) {
            Ok(got) => got,
            Err(e) => {
                failures.push(format!("{}: not read: {e}", case.name));
                continue;
            }
        };
        invariants(case.name, &got);
        let urls: Vec<&str> = got.iter().map(|c| c.url.as_str()).collect();
        if urls != case.urls {
            failures.push(format!(
                "{}: urls {urls:?}, want {:?}",
                case.name, case.urls
            ));
            continue;
        }
        let titles: Vec<Option<&str>> = got.iter().map(|c| c.title.as_deref()).collect();
        if titles != case.titles {
            failures.push(format!(
                "{}: titles {titles:?}, want {:?}",
                case.name, case.titles
            ));
        }
        if let Some(days) = case.days {
            let got_days: Vec<Option<String>> = got.iter().map(day).collect();
            let want: Vec<Option<String>> = days.iter().map(|d| d.map(str::to_string)).collect();
            if got_days != want {
                failures.push(format!("{}: days {got_days:?}, want {want:?}", case.name));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every prefix of every case (a download cut off anywhere) and a few byte-level corruptions:
/// an error or candidates, never a panic, and whatever comes out keeps the invariants.
#[test]
fn truncated_and_corrupted_feeds_never_panic() {
    for case in CASES {
        let bytes = case.feed.as_bytes();
        for end in (0..bytes.len()).step_by(7) {
            if let Ok(got) = parse_feed(&bytes[..end], BASE) {
                invariants(case.name, &got);
            }
        }
        let mut flipped = bytes.to_vec();
        for i in (0..flipped.len()).step_by(13) {
            flipped[i] = flipped[i].wrapping_add(0x80);
        }
        if let Ok(got) = parse_feed(&flipped, BASE) {
            invariants(case.name, &got);
        }
    }
}
