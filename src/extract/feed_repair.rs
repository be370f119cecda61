//! Byte-level repairs that let a strict XML feed parser read what lenient readers (feedparser,
//! browsers' feed previews) read: Atom 0.3 spelled as Atom 1.0, bare `&` in text and links,
//! and a download cut off in the middle of an entry.
//!
//! Owns only these rewrites of raw feed bytes. It must never invent entries, never change the
//! bytes of a feed that needs no repair, never expand entities (the parser decides about those)
//! and stays linear in the input size.

use std::borrow::Cow;

/// The Atom 0.3 namespace, which feed-rs does not read (it returns a feed with no entries).
const ATOM03_NS: &[u8] = b"http://purl.org/atom/ns#";

/// Atom 0.3 rewritten as Atom 1.0 (namespace, `issued`/`modified`, `mode="escaped"` content
/// types); any other input is returned untouched.
pub(super) fn atom03_as_atom10(bytes: &[u8]) -> Cow<'_, [u8]> {
    if find(bytes, 0, ATOM03_NS).is_none() {
        return Cow::Borrowed(bytes);
    }
    let pairs: &[(&[u8], &[u8])] = &[
        (ATOM03_NS, b"http://www.w3.org/2005/Atom"),
        (b"<issued>", b"<published>"),
        (b"</issued>", b"</published>"),
        (b"<modified>", b"<updated>"),
        (b"</modified>", b"</updated>"),
        (b" mode=\"escaped\"", b""),
        (b" mode=\"xml\"", b""),
        (b"type=\"text/html\"", b"type=\"html\""),
        (b"type=\"text/plain\"", b"type=\"text\""),
        (b"type=\"application/xhtml+xml\"", b"type=\"xhtml\""),
    ];
    Cow::Owned(replace_all(bytes, pairs))
}

/// The feed as UTF-8, with any XML declaration's `encoding` rewritten to match: UTF-16 and
/// UTF-32 (by byte-order mark, or by the zero bytes around the first `<`), an 8-bit charset
/// named by the XML declaration, else by `content_type`'s `charset` (a Latin-1 feed without
/// declaration), else detected when the bytes are not UTF-8. Valid UTF-8 without a contrary
/// declaration is returned untouched.
pub(super) fn to_utf8<'a>(bytes: &'a [u8], content_type: Option<&str>) -> Cow<'a, [u8]> {
    use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};
    let wide = match bytes {
        [0, 0, 0xFE, 0xFF, rest @ ..] => Some(utf32(rest, true)),
        [0xFF, 0xFE, 0, 0, rest @ ..] => Some(utf32(rest, false)),
        [0, 0, 0, b'<', ..] => Some(utf32(bytes, true)),
        [b'<', 0, 0, 0, ..] => Some(utf32(bytes, false)),
        [0xFE, 0xFF, rest @ ..] => Some(UTF_16BE.decode_without_bom_handling(rest).0.into_owned()),
        [0xFF, 0xFE, rest @ ..] => Some(UTF_16LE.decode_without_bom_handling(rest).0.into_owned()),
        [0, b'<', 0, _, ..] => Some(UTF_16BE.decode_without_bom_handling(bytes).0.into_owned()),
        [b'<', 0, _, 0, ..] => Some(UTF_16LE.decode_without_bom_handling(bytes).0.into_owned()),
        _ => None,
    };
    if let Some(text) = wide {
        return Cow::Owned(utf8_declared(text.trim_start_matches('\u{feff}')));
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let declared = xml_declared_encoding(body);
    let valid = std::str::from_utf8(body).is_ok();
    let enc: &'static Encoding = match declared {
        Some(enc) if enc != UTF_8 && enc.is_ascii_compatible() => enc,
        _ if valid => return Cow::Borrowed(body),
        _ => content_type
            .and_then(crate::fetch::charset::charset_param)
            .filter(|e| *e != UTF_8 && e.is_ascii_compatible())
            .unwrap_or_else(|| {
                let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
                det.feed(body, true);
                det.guess(Some(b"de"), chardetng::Utf8Detection::Deny)
            }),
    };
    let text = enc.decode_without_bom_handling(body).0;
    Cow::Owned(utf8_declared(&text))
}

/// `text` as bytes, its XML declaration (if any) saying `encoding="utf-8"`.
fn utf8_declared(text: &str) -> Vec<u8> {
    let decl_end = text
        .starts_with("<?xml")
        .then(|| text.find("?>"))
        .flatten()
        .filter(|e| *e < 500);
    match decl_end {
        Some(end) => {
            let mut out = String::with_capacity(text.len());
            out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
            out.push_str(&text[end + 2..]);
            out.into_bytes()
        }
        None => text.as_bytes().to_vec(),
    }
}

/// The encoding named by a leading `<?xml … encoding="…"?>`.
fn xml_declared_encoding(b: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let head = b.get(..b.len().min(500))?;
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = find(head, 0, b"?>")?;
    let decl = &head[..end];
    let at = find(decl, 0, b"encoding")? + b"encoding".len();
    let rest = decl[at..]
        .trim_ascii_start()
        .strip_prefix(b"=")?
        .trim_ascii_start();
    let (quote, rest) = rest.split_first()?;
    let label_end = rest.iter().position(|c| c == quote)?;
    encoding_rs::Encoding::for_label(&rest[..label_end])
}

/// UTF-32 (big- or little-endian) to text; invalid code points become U+FFFD.
fn utf32(b: &[u8], big_endian: bool) -> String {
    b.chunks_exact(4)
        .map(|c| {
            let n = if big_endian {
                u32::from_be_bytes([c[0], c[1], c[2], c[3]])
            } else {
                u32::from_le_bytes([c[0], c[1], c[2], c[3]])
            };
            char::from_u32(n).unwrap_or('\u{FFFD}')
        })
        .collect()
}

/// Repaired versions of a feed that did not parse, to be tried in order: bare ampersands
/// escaped; then, in addition, everything after the last complete entry dropped and the
/// document closed. Empty when there is nothing to repair.
pub(super) fn repaired(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let escaped = escape_bare_ampersands(bytes);
    let base: &[u8] = match &escaped {
        Cow::Owned(v) => {
            out.push(v.clone());
            v
        }
        Cow::Borrowed(b) => b,
    };
    if let Some(closed) = close_after_last_entry(base) {
        out.push(closed);
    }
    out
}

/// Replaces every `&` that does not start a character or entity reference by `&amp;`, leaving
/// CDATA sections, comments and processing instructions as they are.
fn escape_bare_ampersands(b: &[u8]) -> Cow<'_, [u8]> {
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    while i < b.len() {
        let verbatim_end = [
            (&b"<![CDATA["[..], &b"]]>"[..]),
            (b"<!--", b"-->"),
            (b"<?", b"?>"),
        ]
        .iter()
        .find(|(open, _)| b[i..].starts_with(open))
        .map(|(open, close)| find(b, i + open.len(), close).map_or(b.len(), |e| e + close.len()));
        if let Some(end) = verbatim_end {
            if let Some(o) = out.as_mut() {
                o.extend_from_slice(&b[i..end]);
            }
            i = end;
            continue;
        }
        let byte = b[i];
        if byte == b'&' && !is_reference(&b[i + 1..]) {
            let o = out.get_or_insert_with(|| b[..i].to_vec());
            o.extend_from_slice(b"&amp;");
        } else if let Some(o) = out.as_mut() {
            o.push(byte);
        }
        i += 1;
    }
    out.map_or(Cow::Borrowed(b), Cow::Owned)
}

/// Whether `rest` (what follows an `&`) is `#123;`, `#x1F;` or `name;`.
fn is_reference(rest: &[u8]) -> bool {
    let (body, hex) = match rest {
        [b'#', b'x' | b'X', tail @ ..] => (tail, true),
        [b'#', tail @ ..] => (tail, false),
        _ => {
            let n = rest
                .iter()
                .take(40)
                .take_while(|c| c.is_ascii_alphanumeric())
                .count();
            return n > 0 && rest.get(n) == Some(&b';') && rest[0].is_ascii_alphabetic();
        }
    };
    let n = body
        .iter()
        .take(10)
        .take_while(|c| {
            if hex {
                c.is_ascii_hexdigit()
            } else {
                c.is_ascii_digit()
            }
        })
        .count();
    n > 0 && body.get(n) == Some(&b';')
}

/// Cuts after the last `</item>` or `</entry>` and closes the document the way it was opened
/// (`</channel></rss>`, `</rdf:RDF>`, `</feed>`); `None` when there is no complete entry or the
/// document is already closed after it.
fn close_after_last_entry(b: &[u8]) -> Option<Vec<u8>> {
    let end = [&b"</item>"[..], b"</entry>"]
        .iter()
        .filter_map(|tag| rfind(b, tag).map(|p| p + tag.len()))
        .max()?;
    let closer: &[u8] = if find(b, 0, b"<rdf:RDF").is_some() {
        b"</rdf:RDF>"
    } else if find(b, 0, b"<feed").is_some() {
        b"</feed>"
    } else if find(b, 0, b"<rss").is_some() {
        b"</channel></rss>"
    } else if find(b, 0, b"<channel").is_some() {
        b"</channel>"
    } else {
        return None;
    };
    if b[end..].trim_ascii().ends_with(closer) {
        return None;
    }
    let mut out = b[..end].to_vec();
    out.extend_from_slice(closer);
    Some(out)
}

fn replace_all(b: &[u8], pairs: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len() + 64);
    let mut i = 0;
    'outer: while i < b.len() {
        for (from, to) in pairs {
            if b[i..].starts_with(from) {
                out.extend_from_slice(to);
                i += from.len();
                continue 'outer;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_ampersands_are_escaped_references_and_cdata_kept() {
        let cases: &[(&str, &str)] = &[
            ("a & b", "a &amp; b"),
            ("?id=1&lang=de", "?id=1&amp;lang=de"),
            (
                "&amp; &#228; &#xE4; &auml; &nbsp;",
                "&amp; &#228; &#xE4; &auml; &nbsp;",
            ),
            (
                "&#; &#x; &; &1a; &a b;",
                "&amp;#; &amp;#x; &amp;; &amp;1a; &amp;a b;",
            ),
            ("<![CDATA[a & b]]> & c", "<![CDATA[a & b]]> &amp; c"),
            ("<!-- & --> <?pi & ?>", "<!-- & --> <?pi & ?>"),
            ("<![CDATA[never closed & ", "<![CDATA[never closed & "),
            ("tail &", "tail &amp;"),
        ];
        for (input, want) in cases {
            let got = escape_bare_ampersands(input.as_bytes());
            assert_eq!(String::from_utf8_lossy(&got), *want, "{input:?}");
        }
        assert!(matches!(
            escape_bare_ampersands(b"ok &amp;"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn truncated_documents_are_closed_after_the_last_entry() {
        let rss = b"<rss><channel><item>1</item><item>2</item><item>3";
        assert_eq!(
            close_after_last_entry(rss).as_deref(),
            Some(&b"<rss><channel><item>1</item><item>2</item></channel></rss>"[..])
        );
        let atom = b"<feed xmlns='x'><entry>1</entry><entry>2";
        assert_eq!(
            close_after_last_entry(atom).as_deref(),
            Some(&b"<feed xmlns='x'><entry>1</entry></feed>"[..])
        );
        let rdf = b"<rdf:RDF><channel/><item>1</item><it";
        assert_eq!(
            close_after_last_entry(rdf).as_deref(),
            Some(&b"<rdf:RDF><channel/><item>1</item></rdf:RDF>"[..])
        );
        assert_eq!(close_after_last_entry(b"<rss><channel><item>1"), None);
        assert_eq!(
            close_after_last_entry(b"<feed><entry/></entry></feed>"),
            None
        );
        assert_eq!(close_after_last_entry(b""), None);
    }

    fn utf16(s: &str, big: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        if bom {
            out.extend_from_slice(if big { &[0xFE, 0xFF] } else { &[0xFF, 0xFE] });
        }
        for u in s.encode_utf16() {
            out.extend_from_slice(&if big {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            });
        }
        out
    }

    fn utf32_bytes(s: &str, big: bool) -> Vec<u8> {
        let mut out: Vec<u8> = if big {
            vec![0, 0, 0xFE, 0xFF]
        } else {
            vec![0xFF, 0xFE, 0, 0]
        };
        for c in s.chars() {
            let n = c as u32;
            out.extend_from_slice(&if big {
                n.to_be_bytes()
            } else {
                n.to_le_bytes()
            });
        }
        out
    }

    #[test]
    fn wide_and_8bit_encodings_become_utf8() {
        let doc = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><rss>Größe €</rss>";
        let want = "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss>Größe €</rss>";
        for big in [true, false] {
            for bom in [true, false] {
                let bytes = utf16(doc, big, bom);
                let got = to_utf8(&bytes, None);
                assert_eq!(
                    String::from_utf8_lossy(&got),
                    want,
                    "utf16 big={big} bom={bom}"
                );
            }
            let bytes = utf32_bytes(doc, big);
            let got = to_utf8(&bytes, None);
            assert_eq!(String::from_utf8_lossy(&got), want, "utf32 big={big}");
        }
        // Declared Latin-1 / windows-1252.
        let latin = b"<?xml version='1.0' encoding='ISO-8859-1'?><rss>Gr\xf6\xdfe \x80</rss>";
        let got = to_utf8(latin, None);
        assert_eq!(String::from_utf8_lossy(&got), want);
        // No declaration: the HTTP header's charset.
        let bare = b"<rss>Gr\xf6\xdfe \x80</rss>";
        let got = to_utf8(bare, Some("application/rss+xml; charset=ISO-8859-1"));
        assert_eq!(String::from_utf8_lossy(&got), "<rss>Größe €</rss>");
        // Neither: detected.
        let got = to_utf8(b"<rss>F\xfcr die B\xfcrger und \xc4mter</rss>", None);
        assert_eq!(
            String::from_utf8_lossy(&got),
            "<rss>Für die Bürger und Ämter</rss>"
        );
        // UTF-8 stays borrowed.
        assert!(matches!(
            to_utf8("<rss>ä</rss>".as_bytes(), Some("text/xml; charset=latin1")),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn atom03_is_renamed_and_other_feeds_untouched() {
        let old = br#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><entry><issued>x</issued><content type="text/html" mode="escaped">y</content></entry></feed>"#;
        let new = atom03_as_atom10(old);
        assert_eq!(
            String::from_utf8_lossy(&new),
            r#"<feed version="0.3" xmlns="http://www.w3.org/2005/Atom"><entry><published>x</published><content type="html">y</content></entry></feed>"#
        );
        let rss = b"<rss><issued>x</issued></rss>";
        assert!(matches!(atom03_as_atom10(rss), Cow::Borrowed(_)));
    }
}
