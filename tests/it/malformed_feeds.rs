//! Malformed feeds of every dialect govwire reads (RSS 0.91/0.92/1.0/2.0, Atom 0.3/1.0, JSON
//! Feed 1/1.1), table-driven: missing fields, bad dates, relative links, HTML in titles,
//! duplicate GUIDs, undeclared HTML entities, bare ampersands, truncated downloads; and what
//! feed-rs alone refused (issue 18): version-less and 0.94/2.01 RSS, the UserLand namespace,
//! typed titles, `<link href>`, Atom text links, prefixed RSS 1.0, `rdf:about`-only items,
//! UTF-16/32 and 8-bit charsets, and rejection reasons that name what is wrong. Each case
//! lists the entries a lenient reader (feedparser, a browser's feed preview) recovers, and
//! `extract::parse_feed` must recover the same ones; nothing may panic.

use govwire::extract::{parse_feed, parse_feed_as};
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
        // RSS 1.0 requires <link> in an item; like feedparser, one known only by its
        // rdf:about is read with that as its link.
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
            "https://land.test/r3.html",
        ],
        titles: &[
            Some("RDF eins"),
            Some("RDF zwei"),
            Some("RDF drei ohne link"),
        ],
        days: Some(&[Some("2021-02-03"), Some("2020-12-11"), None]),
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
    Case {
        name: "<rss> without a version attribute",
        feed: r#"<rss><channel><title>Amt</title><link>https://land.test/</link>
<item><title>Ohne Version</title><link>https://land.test/v0.html</link></item></channel></rss>"#,
        urls: &["https://land.test/v0.html"],
        titles: &[Some("Ohne Version")],
        days: None,
    },
    Case {
        name: "RSS 0.94 version attribute",
        feed: r#"<rss version="0.94"><channel><title>Amt</title><link>https://land.test/</link>
<item><title>Null neun vier</title><link>https://land.test/v094.html</link><pubDate>Wed, 03 Feb 2021 10:30:00 +0100</pubDate></item>
</channel></rss>"#,
        urls: &["https://land.test/v094.html"],
        titles: &[Some("Null neun vier")],
        days: Some(&[Some("2021-02-03")]),
    },
    Case {
        name: "RSS 2.01",
        feed: r#"<?xml version="1.0"?><rss version="2.01"><channel><title>Amt</title>
<item><title>Zwei null eins</title><link>https://land.test/v201.html</link></item>
<item><title>Noch eine</title><link>https://land.test/v201b.html</link></item></channel></rss>"#,
        urls: &[
            "https://land.test/v201.html",
            "https://land.test/v201b.html",
        ],
        titles: &[Some("Zwei null eins"), Some("Noch eine")],
        days: None,
    },
    Case {
        name: "RSS 2.0 in the UserLand namespace",
        feed: r#"<?xml version="1.0"?><rss version="2.0" xmlns="http://backend.userland.com/rss2"><channel><title>Amt</title><link>https://land.test/</link><description>d</description>
<item><title>UserLand</title><link>https://land.test/ul.html</link></item></channel></rss>"#,
        urls: &["https://land.test/ul.html"],
        titles: &[Some("UserLand")],
        days: None,
    },
    Case {
        name: "title with an unexpected type attribute",
        feed: r#"<rss version="2.0"><channel><title type="text/plain">Amt</title><link>https://land.test/</link><description>d</description>
<item><title type="text/plain">Typisiert</title><link>https://land.test/typ.html</link><description type="text/html">x</description></item></channel></rss>"#,
        urls: &["https://land.test/typ.html"],
        titles: &[Some("Typisiert")],
        days: None,
    },
    Case {
        name: "RSS item with <link href> instead of element text",
        feed: r#"<rss version="2.0"><channel><title>Amt</title><link>https://land.test/</link><description>d</description>
<item><title>Href</title><link href="https://land.test/href.html"/></item>
<item><title>Text</title><link>https://land.test/text.html</link></item></channel></rss>"#,
        urls: &["https://land.test/href.html", "https://land.test/text.html"],
        titles: &[Some("Href"), Some("Text")],
        days: None,
    },
    Case {
        name: "Atom <link> with the URL as element text",
        feed: r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:f</id><updated>2021-02-03T10:00:00Z</updated>
<entry><title>Textlink</title><id>urn:1</id><link>https://land.test/atomtext.html</link><updated>2021-02-03T10:00:00Z</updated></entry>
<entry><title>Hreflink</title><id>urn:2</id><link rel="alternate" href="https://land.test/atomhref.html"/><updated>2021-02-03T10:00:00Z</updated></entry>
</feed>"#,
        urls: &[
            "https://land.test/atomtext.html",
            "https://land.test/atomhref.html",
        ],
        titles: &[Some("Textlink"), Some("Hreflink")],
        days: Some(&[Some("2021-02-03"), Some("2021-02-03")]),
    },
    Case {
        name: "foreign namespaces and prefixed RSS 1.0 elements",
        feed: r#"<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:rss="http://purl.org/rss/1.0/" xmlns:x="urn:x">
<rss:channel rdf:about="https://land.test/"><rss:title>Land</rss:title><rss:link>https://land.test/</rss:link></rss:channel>
<rss:item rdf:about="https://land.test/p1.html"><rss:title>Präfix</rss:title><rss:link>https://land.test/p1.html</rss:link><x:extra><rss:title>nicht dieser</rss:title></x:extra></rss:item>
</rdf:RDF>"#,
        urls: &["https://land.test/p1.html"],
        titles: &[Some("Präfix")],
        days: None,
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

/// The feed of the encoding cases: umlauts, ß, € and typographic quotes in title and link.
const WIDE: &str = "<rss version=\"2.0\"><channel><title>Amt</title>\
<item><title>Größere „Ämter“ – 5 €</title><link>https://land.test/größe.html</link></item>\
</channel></rss>";

fn utf16(s: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice(if big_endian {
            &[0xFE, 0xFF]
        } else {
            &[0xFF, 0xFE]
        });
    }
    for u in s.encode_utf16() {
        out.extend_from_slice(&if big_endian {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        });
    }
    out
}

fn utf32(s: &str, big_endian: bool) -> Vec<u8> {
    let mut out: Vec<u8> = if big_endian {
        vec![0, 0, 0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE, 0, 0]
    };
    for c in s.chars() {
        let n = c as u32;
        out.extend_from_slice(&if big_endian {
            n.to_be_bytes()
        } else {
            n.to_le_bytes()
        });
    }
    out
}

/// windows-1252 bytes of `s` (all its characters exist there).
fn cp1252(s: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(s);
    assert!(!unmappable);
    bytes.into_owned()
}

/// UTF-16/32 with and without byte-order mark, 8-bit charsets declared in the XML, named
/// only by the HTTP header, or named nowhere: the same entry with the same title, no panic.
#[test]
fn feeds_in_any_encoding_are_read() {
    let decl16 = format!("<?xml version=\"1.0\" encoding=\"UTF-16\"?>{WIDE}");
    let decl32 = format!("<?xml version=\"1.0\" encoding=\"UTF-32\"?>{WIDE}");
    let decl1252 = format!("<?xml version=\"1.0\" encoding=\"windows-1252\"?>{WIDE}");
    let decl_latin1 = format!("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>{WIDE}");
    let cases: Vec<(&str, Vec<u8>, Option<&str>)> = vec![
        ("UTF-16LE with BOM", utf16(&decl16, false, true), None),
        ("UTF-16BE with BOM", utf16(&decl16, true, true), None),
        (
            "UTF-16LE declared, no BOM",
            utf16(&decl16, false, false),
            None,
        ),
        (
            "UTF-16BE declared, no BOM",
            utf16(&decl16, true, false),
            None,
        ),
        (
            "UTF-16LE with BOM, no declaration",
            utf16(WIDE, false, true),
            None,
        ),
        ("UTF-32LE with BOM", utf32(&decl32, false), None),
        ("UTF-32BE with BOM", utf32(&decl32, true), None),
        ("windows-1252 declared", cp1252(&decl1252), None),
        (
            "ISO-8859-1 declared, windows-1252 bytes",
            cp1252(&decl_latin1),
            None,
        ),
        (
            "Latin-1 without declaration, charset in the header",
            cp1252(WIDE),
            Some("application/rss+xml; charset=ISO-8859-1"),
        ),
        (
            "windows-1252, declared nowhere",
            cp1252(WIDE),
            Some("text/xml"),
        ),
        (
            "UTF-8 with BOM",
            [&b"\xEF\xBB\xBF"[..], WIDE.as_bytes()].concat(),
            None,
        ),
    ];
    let mut failures = Vec::new();
    for (name, bytes, content_type) in cases {
        match parse_feed_as(&bytes, BASE, content_type) {
            Ok(got) => {
                invariants(name, &got);
                let titles: Vec<_> = got.iter().map(|c| c.title.as_deref()).collect();
                if titles != [Some("Größere „Ämter“ – 5 €")] {
                    failures.push(format!("{name}: titles {titles:?}"));
                }
                if got.first().map(|c| c.url.as_str())
                    != Some("https://land.test/gr%C3%B6%C3%9Fe.html")
                {
                    failures.push(format!("{name}: urls {:?}", got.first().map(|c| &c.url)));
                }
            }
            Err(e) => failures.push(format!("{name}: not read: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A document that is no feed is rejected with a reason naming what is wrong, never the
/// misleading "no root element".
#[test]
fn rejections_name_what_is_wrong() {
    let cases: &[(&[u8], &str)] = &[
        (b"", "empty"),
        (b"   \n", "empty"),
        (
            b"<!DOCTYPE html><html><body>Seite</body></html>",
            "HTML page",
        ),
        (
            b"<opml version=\"2.0\"><body/></opml>",
            "root element is <opml>",
        ),
        (b"Not Found", "no XML element"),
        (
            b"<rss><channel><title>x</title><!-- cut off",
            "XML error before the first entry",
        ),
    ];
    for (bytes, want) in cases {
        let Err(err) = parse_feed(bytes, BASE) else {
            panic!("{:?} accepted", String::from_utf8_lossy(bytes));
        };
        let shown = err.to_string();
        assert!(
            shown.contains(want),
            "{:?}: {shown}",
            String::from_utf8_lossy(bytes)
        );
        assert!(!shown.contains("no root element"), "{shown}");
    }
}
