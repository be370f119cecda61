//! Rendering a [`Digest`]: plain text, a self-contained HTML document for e-mail, an HTML
//! fragment for the web page and feeds, and the e-mail subject.
//!
//! This file owns the wording and layout. HTML goes through escaping askama templates
//! (`templates/digest_*.html`) with inline styles only and no external resources, so the
//! message looks the same in any mail client. It must never read the store or the clock.

use askama::Template;

use super::{Digest, Entry, Section};

/// The full HTML document sent as the e-mail's HTML part.
#[derive(Template)]
#[template(path = "digest_email.html")]
struct EmailHtml<'a> {
    digest: &'a Digest,
    site_title: &'a str,
    title: String,
}

/// Only the digest's body (sections and entries), for embedding in pages and feeds.
#[derive(Template)]
#[template(path = "digest_fragment.html")]
struct FragmentHtml<'a> {
    digest: &'a Digest,
}

/// The digest as a self-contained HTML document (inline CSS, no external resources).
pub fn render_html(digest: &Digest, site_title: &str) -> Result<String, askama::Error> {
    EmailHtml {
        digest,
        site_title,
        title: format!("{site_title}: Tagesübersicht {}", digest.date_label),
    }
    .render()
}

/// The digest's sections as an HTML fragment (a `<div>`), for a web page or a feed item.
pub fn render_html_fragment(digest: &Digest) -> Result<String, askama::Error> {
    FragmentHtml { digest }.render()
}

/// The e-mail subject: optional prefix, site, the German date and the number of stories.
pub fn subject(digest: &Digest, site_title: &str, prefix: Option<&str>) -> String {
    let count = match digest.stories {
        0 => "keine neuen Meldungen".to_string(),
        1 => "1 Meldung".to_string(),
        n => format!("{n} Meldungen"),
    };
    let main = format!(
        "{site_title}: Tagesübersicht für {} ({count})",
        digest.date_label
    );
    match prefix.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => format!("{p} {main}"),
        None => main,
    }
}

/// The digest as plain text (the e-mail's text part and `govwire digest --format text`).
pub fn render_text(digest: &Digest, site_title: &str) -> String {
    let mut out = String::new();
    let head = format!("{site_title}: Tagesübersicht für {}", digest.date_label);
    out.push_str(&head);
    out.push('\n');
    out.push_str(&"=".repeat(head.chars().count()));
    out.push_str("\n\n");
    if digest.is_empty() {
        out.push_str("Für diesen Tag gibt es keine neuen Meldungen.\n");
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
