//! Issue 22, the field table: five fixture sites of our own, one per CMS style government
//! bodies use (Government Site Builder, TYPO3, Drupal, WordPress, a legacy table layout), eight
//! press releases each with known truth, served over 127.0.0.1 and crawled through their feeds —
//! once automatically and once with `[source.article]` selectors. Per field the share of
//! articles right is computed and printed as a table; automatic mode must reach 98 % on every
//! field, and no caption may leak into text, summary or keywords.
//!
//! The pages carry what real ones do: stock captions naming watched keywords, bylines with
//! roles after an organisation in `<meta name="author">`, subtitles, kickers, tags in heading
//! plus list blocks (and Drupal's tag field, a `Stichwörter:` line), day-only and date+time
//! pages, a feed that gives the exact time of day-only pages, and site-wide meta descriptions.

use crate::common::{self, Canned};

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Berlin;
use govwire::crawl::{Crawler, crawl_all};
use govwire::fetch::{FetchConfig, Fetcher};
use govwire::model::{Article, DatePrecision, Keyword};
use govwire::store::Store;

/// The CMS styles, each one site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Gsb,
    Typo3,
    Drupal,
    WordPress,
    Legacy,
}

const STYLES: [Style; 5] = [
    Style::Gsb,
    Style::Typo3,
    Style::Drupal,
    Style::WordPress,
    Style::Legacy,
];

impl Style {
    fn slug(self) -> &'static str {
        match self {
            Style::Gsb => "gsb",
            Style::Typo3 => "typo3",
            Style::Drupal => "drupal",
            Style::WordPress => "wp",
            Style::Legacy => "legacy",
        }
    }

    fn land(self) -> &'static str {
        match self {
            Style::Gsb => "Brandenburg",
            Style::Typo3 => "Sachsen",
            Style::Drupal => "Hessen",
            Style::WordPress => "Bremen",
            Style::Legacy => "Thüringen",
        }
    }

    /// The meta description every page of the site repeats, if the site has one.
    fn sitewide_description(self) -> Option<&'static str> {
        match self {
            Style::Gsb => Some("Presseinformationen der Staatskanzlei"),
            Style::Legacy => Some("Landesportal Thüringen – Aktuelle Meldungen"),
            _ => None,
        }
    }

    /// Whether the site's feed states the exact time (then the page shows the day only).
    fn feed_has_times(self) -> bool {
        self == Style::Gsb
    }
}

/// One topic: title, kicker, subtitle, the lead and two more paragraphs.
struct Topic {
    title: &'static str,
    kicker: Option<&'static str>,
    subtitle: Option<&'static str>,
    lead: &'static str,
    body: [&'static str; 2],
    tags: [&'static str; 2],
}

const TOPICS: [Topic; 8] = [
    Topic {
        title: "Förderprogramm für digitale Verwaltung beschlossen",
        kicker: Some("Verwaltungsdigitalisierung"),
        subtitle: Some("Land unterstützt Kommunen bei der Einführung der elektronischen Akte"),
        lead: "Die Landesregierung hat am Dienstag ein Förderprogramm beschlossen, mit dem die Kommunen die E-Akte in allen Ämtern einführen sollen.",
        body: [
            "Gefördert werden Projekte, die Anträge vollständig online ermöglichen und Bürgerinnen und Bürgern Wege ins Amt ersparen, wie die Ministerin erläuterte.",
            "Die Mittel stehen ab dem Frühjahr bereit; Anträge können die Landkreise und kreisfreien Städte bis zum Herbst bei der Investitionsbank stellen.",
        ],
        tags: ["Digitalisierung", "Kommunen"],
    },
    Topic {
        title: "Servicekonto wird mit der BundID verbunden",
        kicker: Some("Onlinezugang"),
        subtitle: Some("Ein Konto für alle Anträge von Bund und Land"),
        lead: "Ab Januar können sich Bürgerinnen und Bürger mit einem einzigen Konto bei allen Online-Diensten anmelden, teilte das Innenministerium mit.",
        body: [
            "Das Servicekonto des Landes wird dazu mit dem Nutzerkonto des Bundes verknüpft, so wie es das OZG für alle Verwaltungsleistungen vorsieht.",
            "Bestehende Konten bleiben erhalten; wer bereits registriert ist, muss lediglich einmalig der Verknüpfung zustimmen.",
        ],
        tags: ["Onlinezugangsgesetz", "Servicekonto"],
    },
    Topic {
        title: "Registermodernisierung: Pilotprojekt startet in drei Landkreisen",
        kicker: None,
        subtitle: Some("Daten sollen nur noch einmal angegeben werden"),
        lead: "In drei Landkreisen beginnt im Februar ein Pilotprojekt, das Nachweise zwischen Behörden digital austauscht, statt sie erneut anzufordern.",
        body: [
            "Die Registermodernisierung soll es ermöglichen, dass Geburtsurkunden oder Meldebescheinigungen nicht mehr auf Papier vorgelegt werden müssen.",
            "Die Erfahrungen aus dem Pilotbetrieb fließen in die landesweite Einführung ein, die für das übernächste Jahr geplant ist.",
        ],
        tags: ["Registermodernisierung", "Landkreise"],
    },
    Topic {
        title: "Neue Breitbandförderung für ländliche Räume",
        kicker: Some("Infrastruktur"),
        subtitle: None,
        lead: "Das Wirtschaftsministerium stellt weitere vierzig Millionen Euro für den Glasfaserausbau in dünn besiedelten Gemeinden bereit.",
        body: [
            "Gefördert wird der Ausbau dort, wo private Anbieter in den nächsten drei Jahren kein schnelles Netz verlegen wollen.",
            "Gemeinden können ihre Anträge ab sofort stellen; die Beratung übernimmt das Breitbandkompetenzzentrum des Landes.",
        ],
        tags: ["Breitband", "Ländlicher Raum"],
    },
    Topic {
        title: "Kabinett billigt Entwurf zum Digitalgesetz",
        kicker: Some("Kabinett"),
        subtitle: Some("Verwaltungsleistungen sollen bis 2026 durchgängig digital sein"),
        lead: "Das Kabinett hat am Montag den Entwurf eines Digitalgesetzes gebilligt, der die Umsetzung des OZG im Land verbindlich regelt.",
        body: [
            "Der Entwurf verpflichtet Landesbehörden, ihre Leistungen elektronisch anzubieten und Bescheide auf Wunsch digital zuzustellen.",
            "Der Landtag soll sich noch vor der Sommerpause in erster Lesung mit dem Gesetz befassen.",
        ],
        tags: ["Digitalgesetz", "Kabinett"],
    },
    Topic {
        title: "Ministerin besucht Bürgeramt der Zukunft",
        kicker: None,
        subtitle: None,
        lead: "Bei ihrem Besuch im neuen Bürgeramt informierte sich die Ministerin über Terminbuchung, Selbstbedienungsterminals und kurze Wartezeiten.",
        body: [
            "Das Amt gilt als Modell für andere Städte, weil es Beratung vor Ort und Online-Angebote aus einer Hand verbindet.",
            "Die Beschäftigten berichteten, dass sich die Wartezeiten seit der Eröffnung mehr als halbiert hätten.",
        ],
        tags: ["Bürgeramt", "Service"],
    },
    Topic {
        title: "Landesportal zählt eine Million Nutzerkonten",
        kicker: Some("Bilanz"),
        subtitle: Some("Besonders gefragt sind Wohngeld und Kfz-Zulassung"),
        lead: "Seit dem Start des Landesportals haben sich mehr als eine Million Menschen registriert, viele davon mit ihrer BundID.",
        body: [
            "Am häufigsten wurden im vergangenen Jahr Anträge auf Wohngeld und die Zulassung von Fahrzeugen online gestellt.",
            "Das Portal soll im kommenden Jahr um weitere zweihundert Leistungen der Kommunen erweitert werden.",
        ],
        tags: ["Landesportal", "Statistik"],
    },
    Topic {
        title: "Fortbildungsoffensive für Beschäftigte im öffentlichen Dienst",
        kicker: Some("Personal"),
        subtitle: Some("Kurse zur E-Akte für alle Landesbehörden"),
        lead: "Mit einer Fortbildungsoffensive will das Land seine Beschäftigten auf neue digitale Arbeitsweisen in der Verwaltung vorbereiten.",
        body: [
            "Angeboten werden Kurse zu Projektmanagement, Datenschutz und zur Arbeit mit elektronischen Vorgängen.",
            "Die Teilnahme ist während der Arbeitszeit möglich; die Kosten trägt die Landesakademie für Verwaltung.",
        ],
        tags: ["Fortbildung", "Öffentlicher Dienst"],
    },
];

/// Authors: name and role.
const AUTHORS: [(&str, Option<&str>); 8] = [
    ("Dr. Anna Beispiel", Some("Ministerin für Digitales")),
    ("Max Muster", Some("Pressesprecher")),
    (
        "Erika Musterfrau",
        Some("Referentin im Ministerium der Finanzen"),
    ),
    ("Lena Probe", Some("Staatssekretärin")),
    ("Jan Beispiel", None),
    (
        "Prof. Dr. Karl Beispielmann",
        Some("Landesbeauftragter für Informationstechnik"),
    ),
    ("Sabine Muster", None),
    ("Tobias Probe", Some("Leiter der Pressestelle")),
];

/// The watched keywords; the captions name the first two on every page.
const WATCHED: [&str; 4] = ["E-Akte", "BundID", "OZG", "Registermodernisierung"];

/// A caption naming watched keywords; its words must never reach text or keywords.
const CAPTION: &str = "Laptop mit E-Akte und BundID auf einem Schreibtisch im Bürgeramt";

/// What one article page says, and so what must be stored.
struct Truth {
    path: String,
    style: Style,
    title: String,
    kicker: Option<&'static str>,
    subtitle: Option<&'static str>,
    /// The publisher's day.
    day: NaiveDate,
    /// The exact instant when a time was published (on the page or in the feed).
    time: Option<DateTime<Utc>>,
    /// The time shown on the page, if the page shows one.
    page_time: Option<DateTime<Utc>>,
    author: &'static str,
    role: Option<&'static str>,
    tags: Vec<&'static str>,
    /// The specific meta description, if the page has one.
    description: Option<String>,
    lead: &'static str,
    text: String,
    keywords: Vec<&'static str>,
}

fn truths() -> Vec<Truth> {
    let mut out = vec![];
    for style in STYLES {
        for (i, t) in TOPICS.iter().enumerate() {
            let (author, role) = AUTHORS[(i + style as usize) % AUTHORS.len()];
            let day =
                NaiveDate::from_ymd_opt(2020, 12, 1 + i as u32 + 3 * style as u32).expect("day");
            let at = Berlin
                .from_local_datetime(&day.and_hms_opt(9 + i as u32, 15, 0).expect("time"))
                .single()
                .expect("berlin")
                .with_timezone(&Utc);
            // WordPress always writes a time; TYPO3, Drupal and the legacy site do on every
            // other page; GSB pages show the day and the feed the time.
            let page_time = match style {
                Style::WordPress => Some(at),
                Style::Gsb => None,
                _ => (i % 2 == 0).then_some(at),
            };
            let time = if style.feed_has_times() {
                Some(at)
            } else {
                page_time
            };
            let title = t.title.to_string();
            let text = [t.lead, t.body[0], t.body[1]].join("\n\n");
            let keywords = WATCHED
                .iter()
                .copied()
                .filter(|k| {
                    title.contains(k)
                        || text.contains(k)
                        || t.subtitle.is_some_and(|s| s.contains(k))
                })
                .collect();
            out.push(Truth {
                path: format!("/{}/presse/meldung-{}.html", style.slug(), i + 1),
                style,
                title,
                kicker: t.kicker,
                subtitle: t.subtitle,
                day,
                time,
                page_time,
                author,
                role,
                tags: t.tags.to_vec(),
                description: style
                    .sitewide_description()
                    .is_none()
                    .then(|| format!("{} – {}", style.land(), t.title)),
                lead: t.lead,
                text,
                keywords,
            });
        }
    }
    out
}

/// `Name, Rolle`, `Name (Rolle)` or `Name – Rolle` as the style writes it.
fn byline(style: Style, t: &Truth) -> String {
    match (style, t.role) {
        (_, None) => t.author.to_string(),
        (Style::Typo3, Some(r)) => format!("{} ({r})", t.author),
        (Style::WordPress, Some(r)) => format!("{} – {r}", t.author),
        (_, Some(r)) => format!("{}, {r}", t.author),
    }
}

fn german_day(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

fn berlin_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&Berlin).format("%H:%M").to_string()
}

fn iso(t: DateTime<Utc>) -> String {
    t.with_timezone(&Berlin).to_rfc3339()
}

/// The `<head>`: title with site name, an organisation as meta author, the description.
fn head(t: &Truth, extra: &str) -> String {
    let desc = t
        .description
        .as_deref()
        .or(t.style.sitewide_description())
        .map(|d| format!("<meta name=\"description\" content=\"{d}\">"))
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html><html lang=\"de\"><head><meta charset=\"utf-8\"><title>{} | Land {}</title>\
<meta name=\"author\" content=\"Pressestelle der Landesregierung\">{desc}{extra}</head>",
        t.title,
        t.style.land()
    )
}

fn paras(t: &Truth, class: &str) -> String {
    t.text
        .split("\n\n")
        .map(|p| format!("<p{class}>{p}</p>"))
        .collect()
}

fn nav() -> &'static str {
    "<nav class=\"navigation\"><ul><li><a href=\"/\">Startseite</a></li><li><a href=\"/presse\">Presse</a></li>\
<li><a href=\"/themen\">Themen</a></li><li><a href=\"/kontakt\">Kontakt</a></li></ul></nav>"
}

fn footer() -> &'static str {
    "<footer><ul><li><a href=\"/impressum\">Impressum</a></li><li><a href=\"/datenschutz\">Datenschutz</a></li>\
<li><a href=\"/barrierefreiheit\">Barrierefreiheit</a></li></ul></footer></body></html>"
}

fn page(t: &Truth) -> String {
    let kicker = |open: &str, close: &str| {
        t.kicker
            .map(|k| format!("{open}{k}{close}"))
            .unwrap_or_default()
    };
    let subtitle = |open: &str, close: &str| {
        t.subtitle
            .map(|s| format!("{open}{s}{close}"))
            .unwrap_or_default()
    };
    let tags = &t.tags;
    match t.style {
        Style::Gsb => format!(
            "{}<body>{}<main id=\"content\"><div class=\"article\"><div class=\"article-header\">{}\
<h1 class=\"isFirstInSlot\">{}</h1>{}</div>\
<p class=\"metadata\"><span class=\"label\">Pressemitteilung</span> <span class=\"date\">{}</span></p>\
<p class=\"author\">{}</p>\
<div class=\"picture\"><img src=\"/bild.jpg\" alt=\"\"><p class=\"caption\">Symbolbild: {CAPTION}</p></div>\
<div class=\"text\">{}</div>\
<div class=\"tags\"><h2>Schlagworte</h2><ul class=\"links\"><li><a href=\"/t/1\">{}</a></li><li><a href=\"/t/2\">{}</a></li></ul></div>\
</div></main>{}",
            head(t, ""),
            nav(),
            kicker("<p class=\"dachzeile\">", "</p>"),
            t.title,
            subtitle("<p class=\"subline\">", "</p>"),
            german_day(t.day),
            byline(t.style, t),
            paras(t, ""),
            tags[0],
            tags[1],
            footer()
        ),
        Style::Typo3 => {
            let date = match t.page_time {
                Some(at) => format!(
                    "<time datetime=\"{}\">{}, {} Uhr</time>",
                    iso(at),
                    german_day(t.day),
                    berlin_time(at)
                ),
                None => format!(
                    "<time datetime=\"{}\">{}</time>",
                    t.day.format("%Y-%m-%d"),
                    german_day(t.day)
                ),
            };
            format!(
                "{}<body>{}<div id=\"page\"><div class=\"news news-single\"><div class=\"article\">\
<div class=\"header\">{}<h1>{}</h1>{}</div>\
<div class=\"news-list-date\">{date}</div>\
<div class=\"news-author\">Von {}</div>\
<div class=\"news-text-wrap\">{}\
<figure class=\"image\"><img src=\"/bild.jpg\" alt=\"\"><figcaption class=\"image-caption\">{CAPTION}</figcaption></figure></div>\
<dl class=\"news-tags\"><dt>Stichwörter</dt><dd><a href=\"/t/1\">{}</a>, <a href=\"/t/2\">{}</a></dd></dl>\
</div></div></div>{}",
                head(t, ""),
                nav(),
                kicker("<p class=\"news-kicker\">", "</p>"),
                t.title,
                subtitle("<h2>", "</h2>"),
                byline(t.style, t),
                paras(t, " class=\"bodytext\""),
                tags[0],
                tags[1],
                footer()
            )
        }
        Style::Drupal => {
            let published = match t.page_time {
                Some(at) => iso(at),
                None => t.day.format("%Y-%m-%d").to_string(),
            };
            let ld = format!(
                "<script type=\"application/ld+json\">{{\"@context\":\"https://schema.org\",\"@type\":\"NewsArticle\",\"headline\":\"{}\",\"datePublished\":\"{published}\"}}</script>",
                t.title
            );
            format!(
                "{}<body>{}<main role=\"main\"><div class=\"region region-content\"><article class=\"node node--type-press-release\">\
<div class=\"block-page-title\">{}<h1 class=\"page-title\"><span>{}</span></h1></div>{}\
<div class=\"field field--name-field-date\">{}</div>\
<div class=\"field field--name-field-autor\">Autorin/Autor: {}</div>\
<div class=\"field field--name-body\">{}</div>\
<div class=\"field field--name-field-image\"><img src=\"/bild.jpg\" alt=\"\"><div class=\"field--name-field-image-caption\">{CAPTION}</div></div>\
<div class=\"field field--name-field-tags field--type-entity-reference\"><div class=\"field__label\">Schlagworte</div><div class=\"field__items\">\
<div class=\"field__item\"><a href=\"/t/1\">{}</a></div><div class=\"field__item\"><a href=\"/t/2\">{}</a></div></div></div>\
</article></div></main>{}",
                head(t, &ld),
                nav(),
                kicker("<div class=\"field field--name-field-kicker\">", "</div>"),
                t.title,
                subtitle("<div class=\"field field--name-field-subtitle\">", "</div>"),
                german_day(t.day),
                byline(t.style, t),
                paras(t, ""),
                tags[0],
                tags[1],
                footer()
            )
        }
        Style::WordPress => {
            let at = t.page_time.expect("WordPress writes a time");
            format!(
                "{}<body class=\"post-template-default single\">{}<div id=\"primary\"><main id=\"main\"><article class=\"post type-post\">\
<header class=\"entry-header\">{}<h1 class=\"entry-title\">{}</h1>{}\
<div class=\"entry-meta\"><span class=\"posted-on\"><time class=\"entry-date published\" datetime=\"{}\">{}</time></span> \
<span class=\"byline\">von {}</span></div></header>\
<div class=\"entry-content\">{}\
<figure class=\"wp-block-image size-large\"><img src=\"/bild.jpg\" alt=\"\"><figcaption class=\"wp-element-caption\">Symbolbild: {CAPTION}</figcaption></figure></div>\
<footer class=\"entry-footer\"><h3>Themen</h3><ul class=\"post-tags\"><li><a href=\"/tag/1\" rel=\"tag\">{}</a></li><li><a href=\"/tag/2\" rel=\"tag\">{}</a></li></ul></footer>\
</article></main></div>{}",
                head(
                    t,
                    &format!(
                        "<meta property=\"article:published_time\" content=\"{}\">",
                        iso(at)
                    )
                ),
                nav(),
                kicker("<span class=\"topline\">", "</span>"),
                t.title,
                subtitle("<h2 class=\"teaser-subtitle\">", "</h2>"),
                iso(at),
                german_day(t.day),
                byline(t.style, t),
                paras(t, ""),
                tags[0],
                tags[1],
                footer()
            )
        }
        Style::Legacy => {
            let date = match t.page_time {
                Some(at) => format!("{}, {} Uhr", german_day(t.day), berlin_time(at)),
                None => german_day(t.day),
            };
            format!(
                "{}<body bgcolor=\"#ffffff\"><table width=\"100%\" border=\"0\"><tr><td class=\"nav\" width=\"180\" valign=\"top\">\
<a href=\"/\">Startseite</a><br><a href=\"/presse\">Presse</a><br><a href=\"/themen\">Themen</a></td>\
<td class=\"inhalt\" valign=\"top\"><font size=\"2\">Pressemitteilung vom {date}</font>{}<h1>{}</h1>{}\
<p>Autor: {}</p>{}\
<table><tr><td><img src=\"/bild.jpg\" alt=\"\"><br><font size=\"1\">Foto: {CAPTION}</font></td></tr></table>\
<p>Stichwörter: {}, {}</p></td></tr></table>{}",
                head(t, ""),
                kicker("<p>", ":</p>"),
                t.title,
                subtitle("<p><b>", "</b></p>"),
                byline(t.style, t),
                paras(t, ""),
                tags[0],
                tags[1],
                footer()
            )
        }
    }
}

fn feed(style: Style, truths: &[Truth]) -> String {
    let mut items = String::new();
    for t in truths.iter().filter(|t| t.style == style) {
        let date = match (style.feed_has_times(), t.time) {
            (true, Some(at)) => format!("<pubDate>{}</pubDate>", at.to_rfc2822()),
            _ => String::new(),
        };
        let _ = write!(
            items,
            "<item><title>{}</title><link>{}</link>{date}</item>",
            t.title, t.path
        );
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>Land {}</title>\
<link>/</link><description>Pressemitteilungen</description>{items}</channel></rss>",
        style.land()
    )
}

/// The `[source.article]` selectors of each site, as its operator would write them.
fn selectors(style: Style) -> &'static str {
    match style {
        Style::Gsb => {
            "title = \"h1\"\nkicker = \".dachzeile\"\nsubtitle = \".subline\"\nauthor = \".author\"\nbody = \".text\"\ntags = \".tags li\"\n"
        }
        Style::Typo3 => {
            "title = \"h1\"\nkicker = \".news-kicker\"\nsubtitle = \".header h2\"\nauthor = \".news-author\"\nbody = \".news-text-wrap\"\ndate = \".news-list-date time\"\n"
        }
        Style::Drupal => {
            "title = \"h1 span\"\nkicker = \".field--name-field-kicker\"\nsubtitle = \".field--name-field-subtitle\"\nauthor = \".field--name-field-autor\"\nbody = \".field--name-body\"\ntags = \".field--name-field-tags .field__item\"\n"
        }
        Style::WordPress => {
            "title = \".entry-title\"\nkicker = \".topline\"\nsubtitle = \".teaser-subtitle\"\nauthor = \".byline\"\nbody = \".entry-content\"\ntags = \"a[rel=tag]\"\n"
        }
        Style::Legacy => "title = \"h1\"\nremove = \"td.nav\"\n",
    }
}

fn config(base: &str, with_selectors: bool) -> String {
    let mut out = String::new();
    for style in STYLES {
        let _ = write!(
            out,
            "[[source]]\nid = \"{s}\"\nname = \"Land {land}\"\nurl = \"{base}/{s}/feed.xml\"\nkind = \"feed\"\nlevel = \"land\"\n",
            s = style.slug(),
            land = style.land()
        );
        if with_selectors {
            let _ = write!(out, "[source.article]\n{}", selectors(style));
        }
        out.push('\n');
    }
    out
}

/// Right and total per field.
#[derive(Default, Clone, Copy)]
struct Share {
    right: usize,
    total: usize,
}

impl Share {
    fn add(&mut self, ok: bool) {
        self.total += 1;
        self.right += usize::from(ok);
    }

    fn pct(self) -> f64 {
        if self.total == 0 {
            100.0
        } else {
            100.0 * self.right as f64 / self.total as f64
        }
    }
}

/// The scores of one crawl.
#[derive(Default)]
struct Scores {
    title: Share,
    kicker: Share,
    subtitle: Share,
    date_day: Share,
    date_time: Share,
    precision: Share,
    author: Share,
    role: Share,
    tags: Share,
    summary: Share,
    text: Share,
    kw_tp: usize,
    kw_fp: usize,
    kw_fn: usize,
    caption_leaks: usize,
    missing: usize,
    wrong: Vec<String>,
}

impl Scores {
    fn keyword_precision(&self) -> f64 {
        let d = self.kw_tp + self.kw_fp;
        if d == 0 {
            100.0
        } else {
            100.0 * self.kw_tp as f64 / d as f64
        }
    }

    fn keyword_recall(&self) -> f64 {
        let d = self.kw_tp + self.kw_fn;
        if d == 0 {
            100.0
        } else {
            100.0 * self.kw_tp as f64 / d as f64
        }
    }
}

fn score(truths: &[Truth], stored: &[Option<Article>]) -> Scores {
    let mut s = Scores::default();
    for (t, a) in truths.iter().zip(stored) {
        let Some(a) = a else {
            s.missing += 1;
            s.wrong.push(format!("{}: not stored", t.path));
            continue;
        };
        let mut check = |name: &str, share: &mut Share, ok: bool, got: String| {
            share.add(ok);
            if !ok {
                s.wrong.push(format!("{} {name}: {got}", t.path));
            }
        };
        check(
            "title",
            &mut s.title,
            a.title == t.title,
            format!("{:?}", a.title),
        );
        check(
            "kicker",
            &mut s.kicker,
            a.kicker.as_deref() == t.kicker,
            format!("{:?}", a.kicker),
        );
        check(
            "subtitle",
            &mut s.subtitle,
            a.subtitle.as_deref() == t.subtitle,
            format!("{:?}", a.subtitle),
        );
        let (local, precision) = a.published_at_publisher();
        check(
            "day",
            &mut s.date_day,
            a.published.is_some() && local.date_naive() == t.day,
            format!("{:?}", a.published),
        );
        if let Some(at) = t.time {
            check(
                "time",
                &mut s.date_time,
                a.published == Some(at) && precision == DatePrecision::Time,
                format!("{:?} {precision:?}", a.published),
            );
        }
        let want = if t.time.is_some() {
            DatePrecision::Time
        } else {
            DatePrecision::Day
        };
        check(
            "precision",
            &mut s.precision,
            precision == want,
            format!("{precision:?}"),
        );
        check(
            "author",
            &mut s.author,
            a.author.as_deref() == Some(t.author),
            format!("{:?}", a.author),
        );
        check(
            "role",
            &mut s.role,
            a.author_role.as_deref() == t.role,
            format!("{:?}", a.author_role),
        );
        let mut got_tags = a.tags.clone();
        got_tags.sort();
        let mut want_tags: Vec<String> = t.tags.iter().map(|s| s.to_string()).collect();
        want_tags.sort();
        check(
            "tags",
            &mut s.tags,
            got_tags == want_tags,
            format!("{:?}", a.tags),
        );
        // A specific description is the summary; a site-wide one is nobody's: then the lead
        // (stored as no summary when it is the text's start, which readers are shown).
        let summary_ok = match (&t.description, a.summary.as_deref()) {
            (Some(d), got) => got == Some(d.as_str()),
            (None, None) => a.text.starts_with(t.lead),
            (None, Some(got)) => got.starts_with(&t.lead[..40]),
        };
        check(
            "summary",
            &mut s.summary,
            summary_ok,
            format!("{:?}", a.summary),
        );
        for k in WATCHED {
            match (a.keywords.iter().any(|g| g == k), t.keywords.contains(&k)) {
                (true, true) => s.kw_tp += 1,
                (true, false) => {
                    s.kw_fp += 1;
                    s.wrong.push(format!("{} keyword {k}: false", t.path));
                }
                (false, true) => {
                    s.kw_fn += 1;
                    s.wrong.push(format!("{} keyword {k}: missed", t.path));
                }
                (false, false) => {}
            }
        }
        let leak = a.text.contains("Schreibtisch")
            || a.summary
                .as_deref()
                .is_some_and(|s| s.contains("Schreibtisch"))
            || a.keywords.iter().any(|k| k == "E-Akte") && !t.keywords.contains(&"E-Akte")
            || a.keywords.iter().any(|k| k == "BundID") && !t.keywords.contains(&"BundID");
        if leak {
            s.caption_leaks += 1;
            s.wrong.push(format!("{}: caption leaked", t.path));
        }
        // The body is the article's text, nothing of the page's furniture.
        let text_ok = a.text == t.text;
        s.text.add(text_ok);
        if !text_ok {
            s.wrong.push(format!("{} text: {:?}", t.path, a.text));
        }
    }
    s
}

async fn crawl(base: &str, with_selectors: bool, truths: &[Truth]) -> Scores {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    let fetcher = Fetcher::new(FetchConfig {
        per_host_interval: Duration::from_millis(1),
        retry_base: Duration::from_millis(10),
        timeout: Duration::from_secs(10),
        ..FetchConfig::default()
    })
    .expect("client");
    let keywords: Vec<Keyword> = WATCHED.iter().map(|k| Keyword::new(*k, vec![])).collect();
    let crawler = Arc::new(Crawler::new(fetcher, store.clone(), &keywords, 100));
    let cfg = govwire::config::parse(&config(base, with_selectors), "sources.toml")
        .expect("config parses");
    let report = crawl_all(crawler, &cfg.sources, 2).await;
    for r in &report {
        assert!(r.errors.is_empty(), "{r:?}");
    }
    let stored: Vec<Option<Article>> = truths
        .iter()
        .map(|t| {
            store
                .get_by_link(&format!("{base}{}", t.path))
                .expect("read store")
        })
        .collect();
    score(truths, &stored)
}

fn table(auto: &Scores, sel: &Scores, n: usize) -> String {
    let mut out = format!(
        "| field ({n} articles, 5 CMS styles) | automatic | with `[source.article]` selectors |\n|---|---:|---:|\n"
    );
    let mut row = |name: &str, a: f64, s: f64| {
        let _ = writeln!(out, "| {name} | {a:.1} % | {s:.1} % |");
    };
    row("title", auto.title.pct(), sel.title.pct());
    row("kicker", auto.kicker.pct(), sel.kicker.pct());
    row("subtitle", auto.subtitle.pct(), sel.subtitle.pct());
    row(
        "date: publisher's day",
        auto.date_day.pct(),
        sel.date_day.pct(),
    );
    row(
        "date: exact time where one was published",
        auto.date_time.pct(),
        sel.date_time.pct(),
    );
    row(
        "date: precision (day only vs time)",
        auto.precision.pct(),
        sel.precision.pct(),
    );
    row("author (name)", auto.author.pct(), sel.author.pct());
    row("author role", auto.role.pct(), sel.role.pct());
    row("tags", auto.tags.pct(), sel.tags.pct());
    row("summary", auto.summary.pct(), sel.summary.pct());
    row(
        "body text exactly the article's",
        auto.text.pct(),
        sel.text.pct(),
    );
    row(
        "keyword precision",
        auto.keyword_precision(),
        sel.keyword_precision(),
    );
    row(
        "keyword recall",
        auto.keyword_recall(),
        sel.keyword_recall(),
    );
    let _ = writeln!(
        out,
        "| caption leaks (articles) | {} | {} |",
        auto.caption_leaks, sel.caption_leaks
    );
    out
}

#[tokio::test]
async fn field_table_on_five_cms_styles() {
    let truths = truths();
    let mut routes = vec![(
        "/robots.txt".to_string(),
        Canned::new("text/plain", "User-agent: *\n"),
    )];
    for style in STYLES {
        routes.push((
            format!("/{}/feed.xml", style.slug()),
            Canned::new("application/rss+xml", feed(style, &truths)),
        ));
    }
    for t in &truths {
        routes.push((
            t.path.clone(),
            Canned::new("text/html; charset=utf-8", page(t)),
        ));
    }
    let (base, _log) = common::start_routes(routes).await;

    let auto = crawl(&base, false, &truths).await;
    let sel = crawl(&base, true, &truths).await;
    let table = table(&auto, &sel, truths.len());
    println!("{table}");
    println!(
        "automatic, wrong:\n{}\nselectors, wrong:\n{}",
        auto.wrong.join("\n"),
        sel.wrong.join("\n")
    );
    assert_eq!(auto.missing, 0, "{:?}", auto.wrong);
    assert_eq!(auto.caption_leaks, 0, "{:?}", auto.wrong);
    assert_eq!(sel.caption_leaks, 0, "{:?}", sel.wrong);
    let fields = vec![
        ("title", auto.title.pct()),
        ("kicker", auto.kicker.pct()),
        ("subtitle", auto.subtitle.pct()),
        ("day", auto.date_day.pct()),
        ("time", auto.date_time.pct()),
        ("author", auto.author.pct()),
        ("role", auto.role.pct()),
        ("tags", auto.tags.pct()),
        ("summary", auto.summary.pct()),
        ("text", auto.text.pct()),
        ("keyword precision", auto.keyword_precision()),
        ("keyword recall", auto.keyword_recall()),
        ("precision", auto.precision.pct()),
    ];
    for (name, pct) in fields {
        assert!(pct >= 98.0, "{name}: {pct:.1} %\n{table}\n{:?}", auto.wrong);
    }
}
