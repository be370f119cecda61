//! Tests over the realistic fixture sites in `tests/fixtures/` (Kommune21-style trade press, a
//! Government-Site-Builder ministry with one ISO-8859-1 page, a state chancellery RSS feed, and
//! single pages in the styles of TYPO3, Drupal (ISO-8859-1) and WordPress in `cms/`).
//! Pages are read as a crawler would see them at `http://127.0.0.1:8080/<site>/...`.

use chrono_tz::Europe::Berlin;

use super::{extract_article, feed_links, parse_feed, parse_listing};
use crate::model::{ArticleSelectors, ListSelectors};

const HOST: &str = "http://127.0.0.1:8080/";

fn fixture_bytes(path: &str) -> Vec<u8> {
    let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("fixture {full}: {e}"))
}

/// Decodes a page the way `fetch` will: declared charset, UTF-8 otherwise.
fn fixture_text(path: &str, charset: &str) -> String {
    let bytes = fixture_bytes(path);
    let enc = encoding_rs::Encoding::for_label(charset.as_bytes()).unwrap_or(encoding_rs::UTF_8);
    let (text, _, had_errors) = enc.decode(&bytes);
    assert!(!had_errors, "{path} is not valid {charset}");
    text.into_owned()
}

struct Case {
    path: &'static str,
    charset: &'static str,
    title: &'static str,
    kicker: Option<&'static str>,
    day: &'static str,
    tags: &'static [&'static str],
    first: &'static str,
    last: &'static str,
    absent: &'static [&'static str],
    lang: &'static str,
    url: &'static str,
}

const K21_ABSENT: &[&str] = &[
    "Weitere Meldungen",
    "mehr...",
    "Als Digital Natives",
    "Die KGSt hat ein Papier",
    "Abonnement",
    "IT-Infrastruktur",
    "Cookies",
    "Einverstanden",
    "Impressum",
    "K21 media",
    "Aktuelle Information des Verlags",
    "Buchhaltung",
    "Ausgabe 1/2021",
    "Druckversion",
    "Link mailen",
    "Stichwörter",
    "Suchen",
];

const BMDV_ABSENT: &[&str] = &[
    "Sie sind hier",
    "Startseite",
    "Leichte Sprache",
    "Direkt zum Inhalt",
    "technisch notwendige Cookies",
    "Mehr zum Thema",
    "Seite teilen",
    "Facebook",
    "Pressekontakt",
    "presse@bmdv.example",
    "Erklärung zur Barrierefreiheit",
    "© Bundesministerium",
];

const STK_ABSENT: &[&str] = &[
    "Landesregierung Presse Themen",
    "Startseite",
    "Weitere Pressemitteilungen",
    "Teilen auf Facebook",
    "Per E-Mail versenden",
    "Impressum",
    "Landeshaus 1",
    "Pressemitteilung vom",
];

/// Boilerplate of the CMS-style pages in `tests/fixtures/cms/`.
const CMS_ABSENT: &[&str] = &[
    "Zum Inhalt springen",
    "Direkt zum Inhalt",
    "Cookies",
    "akzeptieren",
    "Startseite",
    "Hauptnavigation",
    "Ähnliche Meldungen",
    "Fortbildungsoffensive",
    "Zurück zur Übersicht",
    "Pressekontakt",
    "Pressemitteilung Nr.",
    "Schlagworte",
    "Themen:",
    "Druckversion",
    "PDF",
    "Weitere Nachrichten",
    "Wochenmarkt",
    "Teilen mit",
    "Facebook",
    "Sperrmülltermine",
    "Maibaumfest",
    "Kommentar",
    "herzlichen Glückwunsch",
    "Impressum",
    "Datenschutz",
    "Rathausplatz 1",
    "Hauptstraße 3",
    "©",
];

const CASES: &[Case] = &[
    Case {
        // TYPO3 (state ministry): news extension markup, lead block between headline and body,
        // `Schlagworte:` line, related news, sidebar contact.
        path: "cms/typo3-landesministerium.html",
        charset: "utf-8",
        title: "Förderprogramm für digitale Schulen verlängert",
        kicker: None,
        day: "2025-10-06",
        tags: &["Schule", "Digitalisierung", "Förderprogramm"],
        first: "Das Land verlängert sein Förderprogramm für die digitale Ausstattung der Schulen",
        last: "die meisten für die Vernetzung ihrer Schulgebäude.",
        absent: CMS_ABSENT,
        lang: "de",
        url: "http://127.0.0.1:8080/cms/presse/foerderprogramm-digitale-schulen",
    },
    Case {
        // Drupal (city), served as ISO-8859-1: headline block outside the article node,
        // `Themen:` field, print links, a "Weitere Nachrichten" view, `;jsessionid` canonical.
        path: "cms/drupal-stadt.html",
        charset: "iso-8859-1",
        title: "Grünflächenamt pflanzt 500 neue Straßenbäume",
        kicker: None,
        day: "2024-10-21",
        tags: &["Umwelt", "Stadtgrün"],
        first: "Das Grünflächenamt der Stadt Musterstadt pflanzt in diesem Herbst 500 neue",
        last: "das Förderprogramm „Klimaangepasste Stadt“ des Landes.",
        absent: CMS_ABSENT,
        lang: "de",
        url: "http://127.0.0.1:8080/cms/aktuelles/strassenbaeume",
    },
    Case {
        // WordPress (municipality): category kicker, JSON-LD date, share buttons, tag links,
        // post navigation, comments, widget sidebar, cookie notice, `fbclid` canonical.
        path: "cms/wordpress-gemeinde.html",
        charset: "utf-8",
        title: "Neues Feuerwehrhaus in Oberdorf eingeweiht",
        kicker: Some("Feuerwehr"),
        day: "2023-05-13",
        tags: &["Feuerwehr", "Oberdorf"],
        first: "Nach zwei Jahren Bauzeit hat die Freiwillige Feuerwehr Oberdorf am Samstag",
        last: "Der Erlös aus dem Kuchenverkauf geht an die Jugendfeuerwehr.",
        absent: CMS_ABSENT,
        lang: "de",
        url: "http://127.0.0.1:8080/cms/2023/05/13/neues-feuerwehrhaus-eingeweiht/",
    },
    Case {
        path: "kommune21/meldungen/bayern-brandenburg.html",
        charset: "utf-8",
        title: "Bayern und Brandenburg kooperieren",
        kicker: Some("E-Government"),
        day: "2020-12-11",
        tags: &[
            "Politik",
            "Bayern",
            "Brandenburg",
            "Hessen",
            "OZG",
            "BayernPortal",
        ],
        first: "Eine Kooperationsvereinbarung zur Digitalisierung der Verwaltung haben jetzt Bayern",
        last: "gemeinsam weiterentwickelt werden können. (ve)",
        absent: K21_ABSENT,
        lang: "de",
        url: "kommune21/meldungen/bayern-brandenburg.html",
    },
    Case {
        path: "kommune21/meldungen/thueringen-ozg-schwerpunkte.html",
        charset: "utf-8",
        title: "Zwei OZG-Schwerpunkte",
        kicker: Some("Thüringen"),
        day: "2021-01-27",
        tags: &[
            "Politik",
            "Thüringen",
            "OZG",
            "Einer-für-Alle",
            "Registermodernisierung",
            "Kommune21",
            "E-Government",
            "Verwaltung",
        ],
        first: "Nach dem Einer-für-Alle-Prinzip wird Thüringen zwei Schwerpunkte",
        last: "Thüringen will erste Dienste noch in diesem Jahr online stellen. (bs)",
        absent: K21_ABSENT,
        lang: "de",
        url: "kommune21/meldungen/thueringen-ozg-schwerpunkte.html",
    },
    Case {
        path: "kommune21/meldungen/gemeinde-website-relaunch.html",
        charset: "utf-8",
        title: "Neuer Internet-Auftritt ist online",
        kicker: Some("Neuenstadt"),
        day: "2021-01-20",
        tags: &[
            "Praxis",
            "Website",
            "Barrierefreiheit",
            "Kommune21",
            "E-Government",
            "Verwaltung",
        ],
        first: "Die Gemeinde Neuenstadt hat ihre Website modernisiert.",
        last: "ein Mängelmelder und ein Newsletter für Vereine. (al)",
        absent: K21_ABSENT,
        lang: "de",
        url: "kommune21/meldungen/gemeinde-website-relaunch.html",
    },
    Case {
        path: "ministry/pressemitteilungen/registermodernisierung.html",
        charset: "utf-8",
        title: "Registermodernisierung: Bund und Länder beschließen gemeinsamen Fahrplan",
        kicker: None,
        day: "2021-02-03",
        tags: &[],
        first: "Bund und Länder haben sich auf einen gemeinsamen Fahrplan",
        last: "Ein erster Bericht soll im Herbst vorgelegt werden.",
        absent: BMDV_ABSENT,
        lang: "de",
        url: "ministry/pressemitteilungen/registermodernisierung.html",
    },
    Case {
        path: "ministry/pressemitteilungen/bundid-servicekonto.html",
        charset: "iso-8859-1",
        title: "Neue BundID: Ein Konto für alle Verwaltungsleistungen",
        kicker: None,
        day: "2020-12-11",
        tags: &[],
        first: "Mit der BundID steht Bürgerinnen und Bürgern ab sofort ein gemeinsames Servicekonto",
        last: "Größere Umstellungen sind für die Kommunen nicht nötig.",
        absent: BMDV_ABSENT,
        lang: "de",
        url: "ministry/pressemitteilungen/bundid-servicekonto.html",
    },
    Case {
        path: "ministry/pressemitteilungen/kabinett-eckpunkte.html",
        charset: "utf-8",
        title: "Kabinett beschließt Eckpunkte zur Verwaltungsdigitalisierung",
        kicker: None,
        day: "2021-01-14",
        tags: &[],
        first: "Das Bundeskabinett hat heute Eckpunkte",
        last: "Die Ressorts legen bis zum Sommer eine Liste der betroffenen Vorschriften vor.",
        absent: BMDV_ABSENT,
        lang: "de",
        // og:url names another host, so the fetched URL stays canonical.
        url: "ministry/pressemitteilungen/kabinett-eckpunkte.html",
    },
    Case {
        path: "feed/servicekonto-nrw.html",
        charset: "utf-8",
        title: "Landesregierung startet Servicekonto.NRW 2.0",
        kicker: Some("Digitalisierung"),
        day: "2021-03-01",
        tags: &[],
        first: "Das Land stellt die zweite Generation seines Servicekontos vor.",
        last: "um ein gemeinsames Postfach ergänzt werden.",
        absent: STK_ABSENT,
        lang: "de",
        url: "feed/servicekonto-nrw.html",
    },
    Case {
        path: "feed/estonia-agreement.html",
        charset: "utf-8",
        title: "State signs digital administration agreement with Estonia",
        kicker: Some("International"),
        day: "2021-02-24",
        tags: &[],
        first: "The state government and the Republic of Estonia have signed",
        last: "on the progress of the cooperation.",
        absent: STK_ABSENT,
        lang: "en",
        url: "feed/estonia-agreement.html",
    },
];

#[test]
fn fixture_articles() {
    for c in CASES {
        let html = fixture_text(c.path, c.charset);
        let page_url = format!("{HOST}{}", c.path);
        let d = extract_article(&html, &page_url, &ArticleSelectors::default())
            .unwrap_or_else(|e| panic!("{}: {e}", c.path));
        let ctx = format!("{}:\n{}", c.path, d.text);
        assert_eq!(d.title.as_deref(), Some(c.title), "{ctx}");
        assert_eq!(d.kicker.as_deref(), c.kicker, "{ctx}");
        let day = d
            .published
            .map(|p| p.with_timezone(&Berlin).format("%Y-%m-%d").to_string());
        assert_eq!(day.as_deref(), Some(c.day), "{ctx}");
        assert_eq!(d.tags, c.tags, "{ctx}");
        assert!(
            d.text.starts_with(c.first),
            "first paragraph missing in {ctx}"
        );
        assert!(d.text.contains(c.last), "last paragraph missing in {ctx}");
        for bad in c.absent {
            assert!(!d.text.contains(bad), "{bad:?} leaked into {ctx}");
        }
        assert!(!d.text.contains(c.title), "title duplicated in {ctx}");
        assert_eq!(d.lang.as_deref(), Some(c.lang), "{ctx}");
        let want_url = if c.url.starts_with("http") {
            c.url.to_string()
        } else {
            format!("{HOST}{}", c.url)
        };
        assert_eq!(d.url, want_url, "{ctx}");
        let summary = d.summary.unwrap_or_default();
        assert!(
            !summary.is_empty() && summary.chars().count() <= 301,
            "summary of {ctx}"
        );
    }
}

#[test]
fn kommune21_details() {
    let html = fixture_text("kommune21/meldungen/bayern-brandenburg.html", "utf-8");
    let d = extract_article(
        &html,
        &format!("{HOST}kommune21/meldungen/bayern-brandenburg.html"),
        &ArticleSelectors::default(),
    )
    .expect("extracts");
    assert!(
        d.text
            .ends_with("http://www.mik.brandenburg.de\nhttps://www.stmd.bayern.de"),
        "{}",
        d.text
    );
    assert!(
        !d.text.contains("[11.12.2020]"),
        "date prefix stays out of the lede"
    );
    assert_eq!(
        d.text.matches("\n\n").count(),
        7,
        "lede, six paragraphs and the URL block: {}",
        d.text
    );
    let summary = d.summary.unwrap_or_default();
    assert!(
        summary.starts_with("Eine Kooperationsvereinbarung"),
        "{summary}"
    );
}

#[test]
fn latin1_umlauts_survive() {
    let html = fixture_text(
        "ministry/pressemitteilungen/bundid-servicekonto.html",
        "iso-8859-1",
    );
    let d = extract_article(
        &html,
        &format!("{HOST}ministry/pressemitteilungen/bundid-servicekonto.html"),
        &ArticleSelectors::default(),
    )
    .expect("extracts");
    for word in [
        "Bürgerinnen",
        "für",
        "Größere",
        "nötig",
        "Schlüssel",
        "„Die Bürgerinnen",
    ] {
        assert!(d.text.contains(word), "{word} missing in {}", d.text);
    }
    assert!(
        !d.text.contains('\u{FFFD}') && !d.text.contains("Ã"),
        "mojibake in {}",
        d.text
    );
}

#[test]
fn ministry_selectors_and_lists() {
    let html = fixture_text(
        "ministry/pressemitteilungen/registermodernisierung.html",
        "utf-8",
    );
    let sel = ArticleSelectors {
        body: Some(".c-article__text".into()),
        date: Some(".c-article__date".into()),
        title: Some("h1".into()),
        ..ArticleSelectors::default()
    };
    let d = extract_article(
        &html,
        &format!("{HOST}ministry/pressemitteilungen/registermodernisierung.html"),
        &sel,
    )
    .expect("extracts");
    assert!(
        d.text
            .contains("Die wichtigsten Punkte des Fahrplans\n\nDie Steuer-Identifikationsnummer"),
        "{}",
        d.text
    );
    assert!(
        d.text
            .contains("Die ersten 18 Register werden bis Ende 2023 angebunden.\n\nDie Umsetzung"),
        "{}",
        d.text
    );
    assert_eq!(
        d.published
            .map(|p| p.with_timezone(&Berlin).format("%d.%m.%Y").to_string())
            .as_deref(),
        Some("03.02.2021")
    );
}

fn day(p: Option<chrono::DateTime<chrono::Utc>>) -> Option<String> {
    p.map(|p| p.with_timezone(&Berlin).format("%Y-%m-%d").to_string())
}

#[test]
fn kommune21_listing() {
    let html = fixture_text("kommune21/index.html", "utf-8");
    let sel = ListSelectors {
        item: "div.teaser".into(),
        ..ListSelectors::default()
    };
    let got = parse_listing(&html, &format!("{HOST}kommune21/index.html"), &sel).expect("lists");
    let want = [
        (
            "bayern-brandenburg",
            "E-Government: Bayern und Brandenburg kooperieren",
            "2020-12-11",
        ),
        (
            "thueringen-ozg-schwerpunkte",
            "Thüringen: Zwei OZG-Schwerpunkte",
            "2021-01-27",
        ),
        (
            "gemeinde-website-relaunch",
            "Neuenstadt: Neuer Internet-Auftritt ist online",
            "2021-01-20",
        ),
    ];
    assert_eq!(got.len(), want.len(), "{got:#?}");
    for (c, (slug, title, d)) in got.iter().zip(want) {
        assert_eq!(c.url, format!("{HOST}kommune21/meldungen/{slug}.html"));
        assert_eq!(c.title.as_deref(), Some(title));
        assert_eq!(day(c.published).as_deref(), Some(d));
        let s = c.summary.as_deref().unwrap_or_default();
        assert!(
            !s.is_empty() && !s.contains("mehr") && !s.contains('[') && !s.contains(title),
            "{s}"
        );
    }
    assert_links_exist(got.iter().map(|c| c.url.as_str()));
}

#[test]
fn ministry_listing() {
    let html = fixture_text("ministry/index.html", "utf-8");
    let sel = ListSelectors {
        item: "li.c-result".into(),
        link: Some("h2 a".into()),
        title: Some(".c-teaser__headline".into()),
        date: Some(".c-teaser__date".into()),
    };
    let got = parse_listing(&html, &format!("{HOST}ministry/index.html"), &sel).expect("lists");
    let days: Vec<_> = got
        .iter()
        .map(|c| day(c.published).unwrap_or_default())
        .collect();
    assert_eq!(days, ["2021-02-03", "2021-01-14", "2020-12-11"]);
    assert_eq!(
        got[0].title.as_deref(),
        Some("Registermodernisierung: Bund und Länder beschließen gemeinsamen Fahrplan")
    );
    assert!(
        got[0]
            .summary
            .as_deref()
            .unwrap_or_default()
            .starts_with("Pressemitteilung Bund und Länder haben sich")
    );
    assert_links_exist(got.iter().map(|c| c.url.as_str()));
}

#[test]
fn chancellery_feed() {
    let feed_url = format!("{HOST}feed/rss.xml");
    let got = parse_feed(&fixture_bytes("feed/rss.xml"), &feed_url).expect("feed parses");
    assert_eq!(got.len(), 3, "the item without a link is skipped");
    assert_eq!(got[0].url, format!("{HOST}feed/servicekonto-nrw.html"));
    assert_eq!(got[0].tags, ["Digitalisierung", "Verwaltung"]);
    assert_eq!(day(got[1].published).as_deref(), Some("2021-02-24"));
    assert!(
        got[2]
            .summary
            .as_deref()
            .unwrap_or_default()
            .starts_with("Am Samstag öffnet")
    );
    assert_links_exist(got.iter().map(|c| c.url.as_str()));
    let page = fixture_text("feed/servicekonto-nrw.html", "utf-8");
    assert_eq!(feed_links(&page, &got[0].url), [feed_url]);
}

/// Every URL the fixtures hand out points at a fixture file.
fn assert_links_exist<'a>(urls: impl Iterator<Item = &'a str>) {
    for u in urls {
        let path = u
            .strip_prefix(HOST)
            .unwrap_or_else(|| panic!("{u} left the fixture host"));
        let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
        assert!(
            std::path::Path::new(&full).exists(),
            "{u} has no fixture file"
        );
    }
}
