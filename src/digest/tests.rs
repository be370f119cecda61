//! Tests of the pure digest functions: day windows across DST, grouping, clusters, rendering.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Berlin;

use super::*;
use crate::model::{Article, Keyword};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// The UTC instant of a Berlin wall-clock time (unambiguous ones only).
fn berlin(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Berlin
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("unambiguous Berlin time")
        .with_timezone(&Utc)
}

fn article(url: &str, source: &str, title: &str, text: &str, at: DateTime<Utc>) -> Article {
    let mut a = Article::sample(url, title, text, at);
    a.source_id = source.into();
    a
}

fn names() -> Vec<(String, String)> {
    [
        ("bmi", "Bundesministerium des Innern"),
        ("k21", "Kommune21"),
        ("stmd", "Bayerisches Staatsministerium für Digitales"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect()
}

fn watchlist() -> Vec<Keyword> {
    vec![
        Keyword::new("OZG", vec!["Onlinezugangsgesetz".into()]),
        Keyword::new("BayernPortal", vec![]),
        Keyword::new("Registermodernisierung", vec![]),
    ]
}

/// Every entry's title, per section heading.
fn layout(d: &Digest) -> Vec<(String, Vec<String>)> {
    d.sections()
        .map(|s| {
            (
                s.heading.clone(),
                s.entries.iter().map(|e| e.title.clone()).collect(),
            )
        })
        .collect()
}

#[test]
fn day_windows_follow_berlin_time_including_dst_changes() {
    let (from, to) = day_window(date(2026, 1, 15));
    assert_eq!(from, Utc.with_ymd_and_hms(2026, 1, 14, 23, 0, 0).unwrap());
    assert_eq!(to - from, Duration::hours(24));

    // Spring forward: 02:00 → 03:00, the day has 23 hours.
    let (from, to) = day_window(date(2026, 3, 29));
    assert_eq!(from, Utc.with_ymd_and_hms(2026, 3, 28, 23, 0, 0).unwrap());
    assert_eq!(to, Utc.with_ymd_and_hms(2026, 3, 29, 22, 0, 0).unwrap());

    // Fall back: 03:00 → 02:00, the day has 25 hours.
    let (from, to) = day_window(date(2026, 10, 25));
    assert_eq!(from, Utc.with_ymd_and_hms(2026, 10, 24, 22, 0, 0).unwrap());
    assert_eq!(to, Utc.with_ymd_and_hms(2026, 10, 25, 23, 0, 0).unwrap());

    // Consecutive windows tile the time line.
    let mut d = date(2026, 3, 25);
    while d < date(2026, 11, 1) {
        assert_eq!(day_window(d).1, day_window(d.succ_opt().unwrap()).0, "{d}");
        d = d.succ_opt().unwrap();
    }
}

#[test]
fn late_articles_on_dst_change_days_land_on_their_berlin_day() {
    for (y, m, d) in [(2026, 3, 29), (2026, 10, 25)] {
        let day = date(y, m, d);
        let next = day.succ_opt().unwrap();
        let late = article(
            "https://a.example/late",
            "bmi",
            "Spät",
            "",
            berlin(y, m, d, 23, 30),
        );
        let early_next = article(
            "https://a.example/next",
            "bmi",
            "Nächster Tag",
            "",
            berlin(y, m, next.day(), 0, 30),
        );
        let early = article(
            "https://a.example/early",
            "bmi",
            "Früh",
            "",
            berlin(y, m, d, 0, 5),
        );
        let all = [late, early_next, early];
        let digest = build(day, &all, &watchlist(), &names());
        assert_eq!(
            layout(&digest),
            vec![(
                "Bundesministerium des Innern".to_string(),
                vec!["Spät".to_string(), "Früh".to_string()]
            )],
            "{day}"
        );
        assert_eq!(
            digest.by_source[0].entries[0].time,
            format!("{:02}.{:02}.{y}, 23:30 Uhr", d, m)
        );
        let following = build(next, &all, &watchlist(), &names());
        assert_eq!(
            layout(&following)[0].1,
            vec!["Nächster Tag".to_string()],
            "{next}"
        );
    }
}

#[test]
fn an_empty_day_is_a_valid_digest_that_says_so() {
    let digest = build(date(2026, 3, 29), &[], &watchlist(), &names());
    assert!(digest.is_empty());
    assert_eq!(digest.date_label, "Sonntag, 29. März 2026");
    let text = render_text(&digest, "govwire");
    assert!(
        text.contains("Tagesübersicht für Sonntag, 29. März 2026"),
        "{text}"
    );
    assert!(text.contains("keine neuen Meldungen"), "{text}");
    let html = render_html(&digest, "govwire").expect("renders");
    assert!(html.contains("keine neuen Meldungen"), "{html}");
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(subject(&digest, "[govwire]").contains("keine neuen Meldungen"));
}

#[test]
fn each_article_goes_under_its_strongest_keyword_only() {
    let at = berlin(2026, 5, 4, 10, 0);
    let articles = [
        // Text-only OZG, title BayernPortal: the title wins over the earlier watchlist entry.
        article(
            "https://a.example/1",
            "stmd",
            "BayernPortal erweitert",
            "Das OZG verlangt es. OZG, OZG, OZG.",
            at,
        ),
        // Both in the title: the earlier watchlist entry (OZG) wins, whatever the counts.
        article(
            "https://a.example/2",
            "k21",
            "Registermodernisierung und Onlinezugangsgesetz",
            "Registermodernisierung Registermodernisierung",
            at + Duration::minutes(5),
        ),
        // Both only in the text: the earlier watchlist entry wins.
        article(
            "https://a.example/3",
            "bmi",
            "Neues aus dem Ministerium",
            "BayernPortal, Registermodernisierung und nochmals Registermodernisierung.",
            at + Duration::minutes(10),
        ),
        // Nothing watched: goes under its source.
        article(
            "https://a.example/4",
            "bmi",
            "Personalie",
            "Neue Staatssekretärin.",
            at + Duration::minutes(15),
        ),
        // A source that is no longer configured is shown by its id, after the known ones.
        article(
            "https://a.example/5",
            "alt",
            "Aus alter Quelle",
            "",
            at + Duration::minutes(20),
        ),
    ];
    let digest = build(date(2026, 5, 4), &articles, &watchlist(), &names());
    let want = vec![
        (
            "OZG".to_string(),
            vec!["Registermodernisierung und Onlinezugangsgesetz".to_string()],
        ),
        (
            "BayernPortal".to_string(),
            vec![
                "Neues aus dem Ministerium".to_string(),
                "BayernPortal erweitert".to_string(),
            ],
        ),
        (
            "Bundesministerium des Innern".to_string(),
            vec!["Personalie".to_string()],
        ),
        ("alt".to_string(), vec!["Aus alter Quelle".to_string()]),
    ];
    assert_eq!(layout(&digest), want);
    assert_eq!((digest.stories, digest.articles), (5, 5));
}

#[test]
fn a_cluster_is_one_entry_naming_the_other_sources() {
    let at = berlin(2026, 5, 4, 9, 0);
    let first = article(
        "https://bmi.example/ozg",
        "bmi",
        "OZG-Änderungsgesetz beschlossen",
        "Der Bundestag hat das OZG geändert.",
        at,
    );
    let mut copy = article(
        "https://k21.example/ozg",
        "k21",
        "Bundestag beschließt OZG-Novelle",
        "Auch Kommune21 berichtet über das OZG.",
        at + Duration::hours(2),
    );
    let mut copy2 = article(
        "https://stmd.example/ozg",
        "stmd",
        "Freistaat begrüßt Novelle",
        "Bayern begrüßt das Gesetz.",
        at + Duration::hours(3),
    );
    let mut same_source = article(
        "https://k21.example/ozg-2",
        "k21",
        "Nachtrag",
        "Noch einmal.",
        at + Duration::hours(4),
    );
    let mut first = first;
    first.cluster = Some(first.id);
    copy.cluster = Some(first.id);
    copy2.cluster = Some(first.id);
    same_source.cluster = Some(first.id);
    let lone = article("https://x.example/1", "k21", "Anderes Thema", "", at);
    let digest = build(
        date(2026, 5, 4),
        &[
            copy2.clone(),
            same_source,
            lone,
            copy.clone(),
            first.clone(),
        ],
        &watchlist(),
        &names(),
    );
    assert_eq!((digest.stories, digest.articles), (2, 5));
    let ozg = &digest.by_keyword[0];
    assert_eq!(ozg.heading, "OZG");
    assert_eq!(ozg.entries.len(), 1);
    let e = &ozg.entries[0];
    assert_eq!(e.title, "OZG-Änderungsgesetz beschlossen");
    assert_eq!(e.source, "Bundesministerium des Innern");
    assert_eq!(
        e.also,
        vec![
            Also {
                source: "Kommune21".to_string(),
                link: Some("https://k21.example/ozg".to_string())
            },
            Also {
                source: "Bayerisches Staatsministerium für Digitales".to_string(),
                link: Some("https://stmd.example/ozg".to_string())
            },
        ]
    );
    assert_eq!(layout(&digest)[1].1, vec!["Anderes Thema".to_string()]);

    // Without the cluster's first article that day, the earliest member leads.
    let digest = build(date(2026, 5, 4), &[copy2, copy], &watchlist(), &names());
    let e = &digest.by_keyword[0].entries[0];
    assert_eq!(e.title, "Bundestag beschließt OZG-Novelle");
    let also: Vec<&str> = e.also.iter().map(|a| a.source.as_str()).collect();
    assert_eq!(also, vec!["Bayerisches Staatsministerium für Digitales"]);
    let text = render_text(&digest, "govwire");
    assert!(
        text.contains(
            "Auch berichtet von: Bayerisches Staatsministerium für Digitales <https://stmd.example/ozg>"
        ),
        "{text}"
    );
    let html = render_html(&digest, "govwire").expect("renders");
    assert!(
        html.contains("<a href=\"https://stmd.example/ozg\" style=\"color:#0b4f8a\">Bayerisches Staatsministerium für Digitales</a>"),
        "{html}"
    );
}

#[test]
fn entries_show_kicker_summary_and_only_http_links() {
    let at = berlin(2026, 5, 4, 9, 0);
    let mut a = article(
        "https://k21.example/a",
        "k21",
        "Neues Portal <script>alert(1)</script>",
        &"Wort ".repeat(100),
        at,
    );
    a.kicker = Some("E-Government".into());
    let mut b = article("javascript:alert(1)", "k21", "Schlechter Link", "", at);
    b.summary = Some("Kurze Zusammenfassung\nüber zwei Zeilen.".into());
    let digest = build(date(2026, 5, 4), &[a, b], &[], &names());
    let entries = &digest.by_source[0].entries;
    let a = entries
        .iter()
        .find(|e| e.title.starts_with("E-Gov"))
        .unwrap();
    assert_eq!(
        a.title,
        "E-Government: Neues Portal <script>alert(1)</script>"
    );
    assert!(a.summary.ends_with("Wort…"), "{}", a.summary);
    assert!(a.summary.chars().count() <= SUMMARY_CHARS + 1);
    assert_eq!(a.link.as_deref(), Some("https://k21.example/a"));
    let b = entries
        .iter()
        .find(|e| e.title == "Schlechter Link")
        .unwrap();
    assert_eq!(b.link, None);
    assert_eq!(b.summary, "Kurze Zusammenfassung über zwei Zeilen.");

    let html = render_html(&digest, "govwire").expect("renders");
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&#60;script&#62;"), "{html}");
    assert!(!html.contains("javascript:"), "{html}");
    assert!(
        !html.contains("<link") && !html.contains("src="),
        "self-contained: {html}"
    );
    assert!(html.contains("href=\"https://k21.example/a\""), "{html}");
}

#[test]
fn one_subject_rule_says_the_prefix_once() {
    let a = article(
        "https://a.example/1",
        "bmi",
        "Eins",
        "",
        berlin(2026, 3, 29, 9, 0),
    );
    let digest = build(date(2026, 3, 29), &[a], &watchlist(), &names());
    assert_eq!(
        subject(&digest, "[govwire]"),
        "[govwire] Tagesübersicht für Sonntag, 29. März 2026 (1 Meldung)"
    );
    assert_eq!(
        subject(&digest, "  "),
        "Tagesübersicht für Sonntag, 29. März 2026 (1 Meldung)"
    );
    assert!(!subject(&digest, "[govwire]").contains("govwire:"));
}

#[test]
fn a_range_digest_covers_every_day_and_says_so() {
    let all = [
        article(
            "https://a.example/do",
            "bmi",
            "Donnerstag",
            "",
            berlin(2026, 3, 26, 12, 0),
        ),
        article(
            "https://a.example/fr",
            "bmi",
            "Freitag",
            "",
            berlin(2026, 3, 27, 0, 5),
        ),
        article(
            "https://a.example/sa",
            "k21",
            "Samstag",
            "",
            berlin(2026, 3, 28, 12, 0),
        ),
        article(
            "https://a.example/so",
            "bmi",
            "Sonntag",
            "",
            berlin(2026, 3, 29, 23, 30),
        ),
        article(
            "https://a.example/mo",
            "bmi",
            "Montag",
            "",
            berlin(2026, 3, 30, 0, 10),
        ),
    ];
    let digest = build_range(
        date(2026, 3, 27),
        date(2026, 3, 29),
        &all,
        &watchlist(),
        &names(),
    );
    assert!(digest.is_range());
    assert_eq!(digest.stories, 3);
    assert_eq!(digest.date_label, "Freitag, 27. bis Sonntag, 29. März 2026");
    assert_eq!(
        subject(&digest, "[govwire]"),
        "[govwire] Übersicht für Freitag, 27. bis Sonntag, 29. März 2026 (3 Meldungen)"
    );
    assert_eq!(
        german_span(date(2026, 12, 31), date(2027, 1, 3)),
        "Donnerstag, 31. Dezember 2026 bis Sonntag, 3. Januar 2027"
    );
    assert_eq!(
        german_span(date(2026, 10, 30), date(2026, 11, 1)),
        "Freitag, 30. Oktober bis Sonntag, 1. November 2026"
    );
}

/// WCAG relative luminance of `#rgb` or `#rrggbb`.
fn luminance(hex: &str) -> f64 {
    let h = hex.trim_start_matches('#');
    let h: String = if h.len() == 3 {
        h.chars().flat_map(|c| [c, c]).collect()
    } else {
        h.to_string()
    };
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&h[i..i + 2], 16).expect("hex")) / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
}

#[test]
fn every_text_colour_of_the_mail_has_contrast_4_5_on_white() {
    let a = article(
        "https://a.example/1",
        "bmi",
        "OZG kommt",
        "Text",
        berlin(2026, 3, 29, 9, 0),
    );
    let digest = build(date(2026, 3, 29), &[a], &watchlist(), &names());
    let links = MailLinks::new("https://govwire.example.org/", &digest).expect("links");
    let html = render_mail_html(&digest, "govwire", Some(&links)).expect("renders");
    let mut seen = 0;
    for (i, _) in html
        .match_indices(";color:#")
        .chain(html.match_indices("\"color:#"))
    {
        let hex: String = html[i + 7..]
            .chars()
            .take_while(|c| *c == '#' || c.is_ascii_hexdigit())
            .collect();
        let ratio = (1.0 + 0.05) / (luminance(&hex) + 0.05);
        assert!(ratio >= 4.5, "{hex} on white: {ratio:.2}:1");
        seen += 1;
    }
    assert!(seen >= 5, "{seen} colours checked");
    assert!(
        (1.05 / (luminance("#888") + 0.05)) < 4.5,
        "the old footer grey fails"
    );
}

#[test]
fn mail_links_point_into_the_web_view() {
    let a = article(
        "https://a.example/1",
        "bmi",
        "OZG kommt",
        "",
        berlin(2026, 3, 29, 9, 0),
    );
    let b = Article {
        title: "E-Akte Bund startet".into(),
        ..article(
            "https://a.example/2",
            "bmi",
            "x",
            "",
            berlin(2026, 3, 28, 9, 0),
        )
    };
    let kws = vec![
        Keyword::new("OZG", vec![]),
        Keyword::new("E-Akte Bund", vec![]),
    ];
    let digest = build_range(
        date(2026, 3, 28),
        date(2026, 3, 29),
        &[a, b],
        &kws,
        &names(),
    );
    let links = MailLinks::new("https://example.org/govwire/", &digest).expect("links");
    assert_eq!(
        links
            .days
            .iter()
            .map(|(_, h)| h.as_str())
            .collect::<Vec<_>>(),
        [
            "https://example.org/govwire/digest/2026-03-28",
            "https://example.org/govwire/digest/2026-03-29"
        ]
    );
    assert_eq!(
        links.keyword("E-Akte Bund"),
        Some("https://example.org/govwire/keyword/E-Akte%20Bund")
    );
    assert_eq!(links.search, "https://example.org/govwire/search");
    let text = render_mail_text(&digest, "govwire", Some(&links));
    assert!(
        text.contains("Im Web: https://example.org/govwire/digest/2026-03-29"),
        "{text}"
    );
    assert!(
        text.contains("https://example.org/govwire/keyword/OZG"),
        "{text}"
    );
    let html = render_mail_html(&digest, "govwire", Some(&links)).expect("renders");
    assert!(
        html.contains("href=\"https://example.org/govwire/keyword/E-Akte%20Bund\""),
        "{html}"
    );
    assert!(
        html.contains("href=\"https://example.org/govwire/search\""),
        "{html}"
    );
}
