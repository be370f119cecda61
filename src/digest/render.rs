//! Rendering a [`Digest`]: plain text, a self-contained HTML document for e-mail, an HTML
//! fragment for the web page and feeds, the e-mail subject, and the links back to the web view
//! ([`MailLinks`]).
//!
//! This file owns the wording and layout, and the one subject rule ([`subject`]). HTML goes through escaping askama templates
//! (`templates/digest_*.html`) with inline styles only and no external resources, so the
//! message looks the same in any mail client. It must never read the store or the clock.

use askama::Template;
use chrono::NaiveDate;
use url::Url;

use super::{Digest, Entry, Section};

/// The full HTML document sent as the e-mail's HTML part.
#[derive(Template)]
#[template(path = "digest_email.html")]
struct EmailHtml<'a> {
    digest: &'a Digest,
    site_title: &'a str,
    title: String,
    links: Option<&'a MailLinks>,
}

/// Only the digest's body (sections and entries), for embedding in pages and feeds.
#[derive(Template)]
#[template(path = "digest_fragment.html")]
struct FragmentHtml<'a> {
    digest: &'a Digest,
}

/// Absolute links from a mailed digest back to the web view at `base_url`: the pages of the
/// days covered, each watched keyword's page, and the search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailLinks {
    /// `(day, {base}/digest/YYYY-MM-DD)` for each day covered, oldest first.
    pub days: Vec<(NaiveDate, String)>,
    /// `(keyword, {base}/keyword/{name})` for each keyword section.
    pub keywords: Vec<(String, String)>,
    /// `{base}/search`.
    pub search: String,
}

impl MailLinks {
    /// The links of `digest` under `base_url` (an absolute http(s) URL, as the config validated
    /// it); `None` if it does not parse after all.
    pub fn new(base_url: &str, digest: &Digest) -> Option<MailLinks> {
        let base = Url::parse(base_url).ok()?;
        let link = |segments: &[&str]| -> Option<String> {
            let mut u = base.clone();
            u.path_segments_mut()
                .ok()?
                .pop_if_empty()
                .extend(segments.iter().copied());
            Some(u.to_string())
        };
        let days = digest
            .first
            .iter_days()
            .take_while(|d| *d <= digest.date)
            .map(|d| Some((d, link(&["digest", &d.format("%Y-%m-%d").to_string()])?)))
            .collect::<Option<Vec<_>>>()?;
        let keywords = digest
            .by_keyword
            .iter()
            .map(|s| Some((s.heading.clone(), link(&["keyword", &s.heading])?)))
            .collect::<Option<Vec<_>>>()?;
        Some(MailLinks {
            days,
            keywords,
            search: link(&["search"])?,
        })
    }

    /// The link to keyword `name`'s page.
    pub fn keyword(&self, name: &str) -> Option<&str> {
        self.keywords
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, href)| href.as_str())
    }

    /// `29.03.2026` style short labels for the day links.
    pub fn day_label(date: &NaiveDate) -> String {
        date.format("%d.%m.%Y").to_string()
    }
}

/// The digest as a self-contained HTML document (inline CSS, no external resources).
pub fn render_html(digest: &Digest, site_title: &str) -> Result<String, askama::Error> {
    render_mail_html(digest, site_title, None)
}

/// Like [`render_html`], with links back to the web view when `links` is given.
pub fn render_mail_html(
    digest: &Digest,
    site_title: &str,
    links: Option<&MailLinks>,
) -> Result<String, askama::Error> {
    EmailHtml {
        digest,
        site_title,
        title: format!("{site_title}: {}", heading(digest)),
        links,
    }
    .render()
}

/// The digest's sections as an HTML fragment (a `<div>`), for a web page or a feed item.
pub fn render_html_fragment(digest: &Digest) -> Result<String, askama::Error> {
    FragmentHtml { digest }.render()
}

/// `Tagesübersicht für {day}` or, for several days, `Übersicht für {first} bis {last}`.
fn heading(digest: &Digest) -> String {
    if digest.is_range() {
        format!("Übersicht für {}", digest.date_label)
    } else {
        format!("Tagesübersicht für {}", digest.date_label)
    }
}

/// The e-mail subject, by one rule: `{prefix} Tagesübersicht für {day} ({count})`, the prefix
/// (`[govwire]` unless configured; empty for none) said once, the site name not repeated.
pub fn subject(digest: &Digest, prefix: &str) -> String {
    let count = match digest.stories {
        0 => "keine neuen Meldungen".to_string(),
        1 => "1 Meldung".to_string(),
        n => format!("{n} Meldungen"),
    };
    let main = format!("{} ({count})", heading(digest));
    match prefix.trim() {
        "" => main,
        p => format!("{p} {main}"),
    }
}

/// The digest as plain text (the e-mail's text part and `govwire digest --format text`).
pub fn render_text(digest: &Digest, site_title: &str) -> String {
    render_mail_text(digest, site_title, None)
}

/// Like [`render_text`], with links back to the web view when `links` is given.
pub fn render_mail_text(digest: &Digest, site_title: &str, links: Option<&MailLinks>) -> String {
    let mut out = String::new();
    let head = format!("{site_title}: {}", heading(digest));
    out.push_str(&head);
    out.push('\n');
    out.push_str(&"=".repeat(head.chars().count()));
    out.push_str("\n\n");
    if let Some(l) = links {
        for (day, href) in &l.days {
            out.push_str(&format!("Im Web: {href} ({})\n", MailLinks::day_label(day)));
        }
        out.push_str(&format!("Suche: {}\n\n", l.search));
    }
    if digest.is_empty() {
        out.push_str(if digest.is_range() {
            "Für diese Tage gibt es keine neuen Meldungen.\n"
        } else {
            "Für diesen Tag gibt es keine neuen Meldungen.\n"
        });
        return out;
    }
    let noun = if digest.stories == 1 {
        "Meldung"
    } else {
        "Meldungen"
    };
    out.push_str(&format!("{} {noun}", digest.stories));
    if digest.articles > digest.stories {
        out.push_str(&format!(
            " ({} Artikel, gleiche Geschichten zusammengefasst)",
            digest.articles
        ));
    }
    out.push_str("\n\n");
    for section in &digest.by_keyword {
        text_section(
            &mut out,
            &format!("Stichwort: {}", section.heading),
            '-',
            section,
        );
        if let Some(href) = links.and_then(|l| l.keyword(&section.heading)) {
            out.push_str(&format!(
                "Alle Meldungen zu {}: {href}\n\n",
                section.heading
            ));
        }
    }
    if !digest.by_source.is_empty() {
        let h = "Weitere Meldungen nach Quelle";
        out.push_str(&format!("{h}\n{}\n\n", "-".repeat(h.chars().count())));
        for section in &digest.by_source {
            text_section(&mut out, &section.heading, '·', section);
        }
    }
    out
}

fn text_section(out: &mut String, heading: &str, underline: char, section: &Section) {
    out.push_str(heading);
    out.push('\n');
    out.push_str(&underline.to_string().repeat(heading.chars().count()));
    out.push_str("\n\n");
    for entry in &section.entries {
        text_entry(out, entry);
    }
}

fn text_entry(out: &mut String, e: &Entry) {
    out.push_str(&format!("* {}\n", one_line(&e.title)));
    out.push_str(&format!("  {} · {}\n", one_line(&e.source), e.time));
    if !e.summary.is_empty() {
        out.push_str(&format!("  {}\n", one_line(&e.summary)));
    }
    if !e.also.is_empty() {
        let names: Vec<String> = e
            .also
            .iter()
            .map(|a| match &a.link {
                Some(link) => format!("{} <{link}>", one_line(&a.source)),
                None => one_line(&a.source),
            })
            .collect();
        out.push_str(&format!("  Auch berichtet von: {}\n", names.join(", ")));
    }
    if let Some(link) = &e.link {
        out.push_str(&format!("  {link}\n"));
    }
    out.push('\n');
}

/// Stored text may hold line breaks or control characters; a text digest shows one line.
fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
