//! OPML 2.0 in and out: moving feed lists between govwire and other feed readers.
//!
//! This module owns the OPML mapping: exporting every source as an `<outline>` (feeds with
//! `xmlUrl`, HTML list pages with `htmlUrl` and `type="html"`, the level and Land as an OPML
//! `category` such as `/land/NW`), and reading an OPML file back into feed outlines, folders
//! flattened, then planning `[[source]]` blocks for the ones not yet configured (ids slugified
//! from the titles, unique). It must never touch the network or the file system, never expand
//! entities beyond XML's five predefined ones and character references (quick-xml does not
//! read DTDs), and never emit text a TOML or XML parser would read differently.

use std::collections::HashSet;
use std::fmt::Write as _;

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use unicode_normalization::UnicodeNormalization;

use crate::model::{Land, Level, Source, SourceKind};

/// Longest id generated from a title, in characters.
const MAX_ID_CHARS: usize = 48;

/// Why an OPML file could not be read; always says where.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpmlError {
    /// The file is not well-formed XML.
    #[error("not well-formed XML at line {line}: {reason}")]
    Xml {
        /// 1-based line of the problem.
        line: usize,
        /// The parser's complaint.
        reason: String,
    },
    /// The file is XML (or text) but its root element is not `<opml>`.
    #[error("not an OPML file: {found}")]
    NotOpml {
        /// What was found instead.
        found: String,
    },
    /// The `<opml>` element has no `<body>`.
    #[error("not an OPML file: <opml> has no <body>")]
    NoBody,
}

/// One outline with a feed URL, as read from an OPML file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedOutline {
    /// `text` (or `title`) of the outline.
    pub title: String,
    /// The feed URL (`xmlUrl`).
    pub xml_url: String,
    /// The site URL (`htmlUrl`), if given.
    pub html_url: Option<String>,
    /// The OPML `category` attribute, if given (`/bund`, `/land/NW`).
    pub category: Option<String>,
    /// Titles of the folder outlines it sits in, outermost first.
    pub folders: Vec<String>,
}

/// What an OPML file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Opml {
    /// Every outline with an `xmlUrl`, in document order, at any depth.
    pub feeds: Vec<FeedOutline>,
    /// Leaf outlines without an `xmlUrl` (links, HTML pages), which cannot be imported as feeds.
    pub without_feed: usize,
}

/// Writes every source as OPML 2.0: feeds with `xmlUrl`, HTML list pages with `htmlUrl` and
/// `type="html"` (other readers cannot use their selectors, but keep the address).
pub fn export(sources: &[Source], title: &str) -> String {
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n");
    let _ = writeln!(
        out,
        "  <head>\n    <title>{}</title>\n  </head>",
        esc(title)
    );
    out.push_str("  <body>\n");
    for s in sources {
        let name = esc(&s.name);
        let category = match s.land {
            Some(land) => format!("/{}/{}", s.level, land.code()),
            None => format!("/{}", s.level),
        };
        let (kind, url_attr) = match s.kind {
            SourceKind::Feed => ("rss", "xmlUrl"),
            SourceKind::Html | SourceKind::Auto => ("html", "htmlUrl"),
        };
        let _ = writeln!(
            out,
            "    <outline text=\"{name}\" title=\"{name}\" type=\"{kind}\" {url_attr}=\"{}\" category=\"{}\"/>",
            esc(&s.url),
            esc(&category)
        );
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

/// XML-escapes an attribute or text value, dropping characters XML 1.0 cannot carry.
fn esc(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    quick_xml::escape::escape(clean.as_str()).into_owned()
}

/// Reads an OPML document. Folders (outlines holding outlines) are flattened; their titles
/// are kept in [`FeedOutline::folders`].
pub fn parse(text: &str) -> Result<Opml, OpmlError> {
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = Reader::from_str(text);
    let line_of = |pos: u64| {
        let pos = usize::try_from(pos).unwrap_or(usize::MAX).min(text.len());
        text.as_bytes()[..pos]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    };
    let xml_err = |pos: u64, e: &dyn std::fmt::Display| OpmlError::Xml {
        line: line_of(pos),
        reason: e.to_string(),
    };
    let mut opml = Opml::default();
    // Open elements below <opml>; `Some(title)` for outlines.
    let mut stack: Vec<(String, Option<String>)> = Vec::new();
    let mut seen_root = false;
    let mut seen_body = false;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| xml_err(reader.error_position(), &e))?;
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(e) | Event::Empty(e) if !seen_root => {
                let name = e.local_name().as_ref().to_ascii_lowercase();
                if name != "opml" {
                    return Err(OpmlError::NotOpml {
                        found: format!("the root element is <{}>, expected <opml>", name),
                    });
                }
                seen_root = true;
                if empty {
                    return Err(OpmlError::NoBody);
                }
            }
            Event::Text(t) if !seen_root && !t.as_ref().trim().is_empty() => {
                let start: String = t.as_ref().trim().chars().take(40).collect();
                return Err(OpmlError::NotOpml {
                    found: format!("text before any element: {start:?}"),
                });
            }
            Event::Start(e) => {
                let name = e.local_name().as_ref().to_ascii_lowercase();
                seen_body |= name == "body" && stack.is_empty();
                let title = if name == "outline" && in_body(&stack) {
                    let o = outline(&e).map_err(|m| xml_err(reader.buffer_position(), &m))?;
                    let folder_title = o.title.clone();
                    record(&mut opml, o, &stack, false);
                    Some(folder_title)
                } else {
                    None
                };
                stack.push((name, title));
            }
            Event::Empty(e) => {
                let name = e.local_name().as_ref().to_ascii_lowercase();
                seen_body |= name == "body" && stack.is_empty();
                if name == "outline" && in_body(&stack) {
                    let o = outline(&e).map_err(|m| xml_err(reader.buffer_position(), &m))?;
                    record(&mut opml, o, &stack, true);
                }
            }
            Event::End(_) => {
                let closed = stack.pop();
                if closed.is_none() {
                    // </opml>: anything after it is ignored.
                    break;
                }
            }
            Event::Eof => {
                if !seen_root {
                    return Err(OpmlError::NotOpml {
                        found: "no XML elements at all".into(),
                    });
                }
                return Err(OpmlError::Xml {
                    line: line_of(reader.buffer_position()),
                    reason: "the file ends before </opml>".into(),
                });
            }
            _ => {}
        }
    }
    if !seen_body {
        return Err(OpmlError::NoBody);
    }
    Ok(opml)
}

fn in_body(stack: &[(String, Option<String>)]) -> bool {
    stack.first().is_some_and(|(n, _)| n == "body")
}

/// An outline's attributes, read case-insensitively.
struct RawOutline {
    title: String,
    xml_url: Option<String>,
    html_url: Option<String>,
    category: Option<String>,
}

fn outline(e: &BytesStart<'_>) -> Result<RawOutline, String> {
    let mut o = RawOutline {
        title: String::new(),
        xml_url: None,
        html_url: None,
        category: None,
    };
    let mut title_attr = None;
    for attr in e.attributes() {
        let attr = attr.map_err(|e| e.to_string())?;
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| e.to_string())?;
        let value = value.trim().to_string();
        if value.is_empty() {
            continue;
        }
        let key = attr.key.local_name().as_ref().to_ascii_lowercase();
        match key.as_str() {
            "text" => o.title = value,
            "title" => title_attr = Some(value),
            "xmlurl" => o.xml_url = Some(value),
            "htmlurl" => o.html_url = Some(value),
            "category" => o.category = Some(value),
            _ => {}
        }
    }
    if o.title.is_empty() {
        o.title = title_attr.unwrap_or_default();
    }
    Ok(o)
}

fn record(opml: &mut Opml, o: RawOutline, stack: &[(String, Option<String>)], leaf: bool) {
    match o.xml_url {
        Some(xml_url) => opml.feeds.push(FeedOutline {
            title: o.title,
            xml_url,
            html_url: o.html_url,
            category: o.category,
            folders: stack.iter().filter_map(|(_, t)| t.clone()).collect(),
        }),
        None if leaf => opml.without_feed += 1,
        None => {}
    }
}

/// A `[[source]]` block to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSource {
    /// Unique id, slugified from the title.
    pub id: String,
    /// The outline's title.
    pub name: String,
    /// The feed URL.
    pub url: String,
    /// From the outline's `category` or folder, else the default given to [`plan_import`].
    pub level: Level,
    /// From the outline's `category`, if it names one.
    pub land: Option<Land>,
    /// The folder path in the OPML file, for a comment.
    pub folders: Vec<String>,
}

/// A feed outline that is not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The outline's title.
    pub title: String,
    /// Its `xmlUrl`.
    pub url: String,
    /// Why it is left out.
    pub reason: String,
}

/// What an import would add and leave out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportPlan {
    /// New sources, in document order.
    pub new: Vec<NewSource>,
    /// Outlines left out.
    pub skipped: Vec<Skipped>,
}

/// Plans `[[source]]` blocks for the feed outlines: feeds already configured (same URL) or
/// repeated in the file are skipped, non-http(s) URLs too; ids are unique against `existing`.
pub fn plan_import(opml: &Opml, existing: &[Source], default_level: Level) -> ImportPlan {
    let mut taken: HashSet<String> = existing.iter().map(|s| s.id.clone()).collect();
    let mut urls: Vec<(String, String)> = existing
        .iter()
        .map(|s| {
            (
                normal_url(&s.url).unwrap_or_else(|| s.url.clone()),
                s.id.clone(),
            )
        })
        .collect();
    let mut plan = ImportPlan::default();
    for f in &opml.feeds {
        let skip = |reason: String| Skipped {
            title: f.title.clone(),
            url: f.xml_url.clone(),
            reason,
        };
        let Some(url) = normal_url(&f.xml_url) else {
            plan.skipped
                .push(skip("not an absolute http(s) URL".into()));
            continue;
        };
        if let Some(i) = urls.iter().position(|(u, _)| *u == url) {
            let id = &urls[i].1;
            plan.skipped.push(skip(if i < existing.len() {
                format!("already configured as {id:?}")
            } else {
                format!("the same feed as {id:?} above")
            }));
            continue;
        }
        let name = if f.title.trim().is_empty() {
            url::Url::parse(&url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_else(|| url.clone())
        } else {
            f.title.trim().to_string()
        };
        let id = unique_id(&slugify(&name), &taken);
        taken.insert(id.clone());
        urls.push((url.clone(), id.clone()));
        let (level, land) = classify(f, default_level);
        plan.new.push(NewSource {
            id,
            name,
            url,
            level,
            land,
            folders: f.folders.clone(),
        });
    }
    plan
}

/// The URL as config normalises it, if it is absolute http(s) with a host.
fn normal_url(s: &str) -> Option<String> {
    let u = url::Url::parse(s.trim()).ok()?;
    (matches!(u.scheme(), "http" | "https") && u.host_str().is_some()).then(|| u.to_string())
}

/// Level and Land from `category="/land/NW"`, else from a folder named like a level.
fn classify(f: &FeedOutline, default_level: Level) -> (Level, Option<Land>) {
    for cat in f.category.iter().flat_map(|c| c.split(',')) {
        let mut parts = cat.trim().trim_start_matches('/').split('/');
        if let Some(level) = parts.next().and_then(|p| Level::parse(&p.to_lowercase())) {
            return (level, parts.next().and_then(Land::parse));
        }
    }
    let from_folder = f
        .folders
        .iter()
        .rev()
        .find_map(|name| Level::parse(&name.trim().to_lowercase()));
    (from_folder.unwrap_or(default_level), None)
}

/// A source id from a title: lowercase ASCII, German umlauts transliterated (`ä` → `ae`),
/// other accents dropped, anything else a single `-`; `feed` if nothing is left.
pub fn slugify(title: &str) -> String {
    let mut out = String::new();
    let push = |c: char, out: &mut String| {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    };
    for c in title.chars() {
        match c {
            'ä' | 'Ä' => "ae".chars().for_each(|c| push(c, &mut out)),
            'ö' | 'Ö' => "oe".chars().for_each(|c| push(c, &mut out)),
            'ü' | 'Ü' => "ue".chars().for_each(|c| push(c, &mut out)),
            'ß' | 'ẞ' => "ss".chars().for_each(|c| push(c, &mut out)),
            c if c.is_ascii() => push(c, &mut out),
            c => {
                let base: Vec<char> = std::iter::once(c).nfkd().filter(char::is_ascii).collect();
                if base.is_empty() {
                    push('-', &mut out);
                } else {
                    base.into_iter().for_each(|c| push(c, &mut out));
                }
            }
        }
    }
    let mut id = out.trim_matches('-').to_string();
    if id.len() > MAX_ID_CHARS {
        let cut = id[..MAX_ID_CHARS]
            .rfind('-')
            .filter(|i| *i > MAX_ID_CHARS / 2);
        id.truncate(cut.unwrap_or(MAX_ID_CHARS));
        id = id.trim_end_matches('-').to_string();
    }
    if id.is_empty() { "feed".into() } else { id }
}

fn unique_id(base: &str, taken: &HashSet<String>) -> String {
    if !taken.contains(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| !taken.contains(id))
        .unwrap_or_else(|| base.to_string())
}

/// The planned sources as `[[source]]` blocks ready to append to sources.toml; each starts
/// with a blank line and a comment naming its OPML folder.
pub fn to_toml(sources: &[NewSource]) -> String {
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut out = String::new();
    for s in sources {
        out.push('\n');
        if s.folders.is_empty() {
            out.push_str("# imported from OPML\n");
        } else {
            let path: Vec<String> = s.folders.iter().map(|f| one_line(f)).collect();
            let _ = writeln!(out, "# imported from OPML, folder: {}", path.join(" / "));
        }
        let _ = writeln!(out, "[[source]]\nid = {}\nname = {}", q(&s.id), q(&s.name));
        let _ = writeln!(out, "url = {}\nkind = \"feed\"", q(&s.url));
        let _ = writeln!(out, "level = \"{}\"", s.level);
        if let Some(land) = s.land {
            let _ = writeln!(out, "land = \"{}\"", land.code());
        }
    }
    out
}

/// Text safe inside a one-line TOML comment.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        let cases = [
            (
                "Bundesministerium für Digitales",
                "bundesministerium-fuer-digitales",
            ),
            ("Straße & Verkehr — Presse!", "strasse-verkehr-presse"),
            ("Île-de-France", "ile-de-france"),
            ("   ", "feed"),
            ("日本", "feed"),
            (
                "Ein sehr langer Titel einer Pressestelle mit vielen Wörtern darin",
                "ein-sehr-langer-titel-einer-pressestelle-mit",
            ),
        ];
        for (title, want) in cases {
            assert_eq!(slugify(title), want, "{title}");
        }
        let taken: HashSet<String> = ["bmi".to_string(), "bmi-2".to_string()].into();
        assert_eq!(unique_id("bmi", &taken), "bmi-3");
        assert_eq!(unique_id("bmf", &taken), "bmf");
    }

    #[test]
    fn category_and_folders_give_the_level() {
        let f = |cat: Option<&str>, folders: &[&str]| FeedOutline {
            title: "t".into(),
            xml_url: "https://a.test/f".into(),
            html_url: None,
            category: cat.map(str::to_owned),
            folders: folders.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(
            classify(&f(Some("/land/NW"), &[]), Level::Presse),
            (Level::Land, Some(Land::NW))
        );
        assert_eq!(
            classify(&f(Some("/tech,/bund"), &[]), Level::Presse),
            (Level::Bund, None)
        );
        assert_eq!(
            classify(&f(None, &["Kommune"]), Level::Presse),
            (Level::Kommune, None)
        );
        assert_eq!(
            classify(&f(None, &["Sonstiges"]), Level::Presse),
            (Level::Presse, None)
        );
    }
}
