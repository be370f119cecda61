//! Decoding fetched bytes to text: HTTP header, then BOM, then `<meta charset>` /
//! `http-equiv`, then detection with chardetng. A declared charset that the bytes contradict
//! (a page that says UTF-8 but is Latin-1) falls back to detection instead of producing
//! U+FFFD soup. Pure: no I/O.

use encoding_rs::{Encoding, UTF_8};

/// How many leading bytes are searched for a `<meta>` charset declaration.
const META_SNIFF_BYTES: usize = 4096;

/// Decodes `bytes` using the charset named in `content_type` (the HTTP header), a BOM, a
/// `<meta>` declaration, or detection, in that order. `tld` (e.g. `b"de"`) helps detection.
pub fn decode(bytes: &[u8], content_type: Option<&str>, tld: Option<&[u8]>) -> String {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let body = bytes.get(bom_len..).unwrap_or_default();
        return enc.decode_without_bom_handling(body).0.into_owned();
    }
    let declared = content_type.and_then(charset_param).or_else(|| {
        meta_charset(
            bytes
                .get(..META_SNIFF_BYTES.min(bytes.len()))
                .unwrap_or(bytes),
        )
    });
    if let Some(enc) = declared {
        let (text, had_errors) = enc.decode_without_bom_handling(bytes);
        if !had_errors {
            return text.into_owned();
        }
        // The declaration lies; let detection decide.
    }
    detect(bytes, tld)
}

/// Guesses the encoding with chardetng and decodes.
fn detect(bytes: &[u8], tld: Option<&[u8]>) -> String {
    if std::str::from_utf8(bytes).is_ok() {
        return UTF_8.decode_without_bom_handling(bytes).0.into_owned();
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(bytes, true);
    let enc = det.guess(tld, chardetng::Utf8Detection::Allow);
    enc.decode_without_bom_handling(bytes).0.into_owned()
}

/// The encoding named by a `charset=` parameter in a Content-Type value.
pub fn charset_param(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        if !k.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        Encoding::for_label(v.trim().trim_matches(|c| c == '"' || c == '\'').as_bytes())
    })
}

/// The encoding declared by `<meta charset=…>` or `<meta http-equiv … content="…charset=…">`,
/// or an XML declaration's `encoding="…"`, found by a byte scan (no parse).
pub fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(pos) = find(&lower[from..], b"charset") {
        let start = from + pos + b"charset".len();
        if let Some(enc) = value_after(&lower, start) {
            return Some(enc);
        }
        from = start;
    }
    if lower.starts_with(b"<?xml") {
        let start = find(&lower, b"encoding")? + b"encoding".len();
        return value_after(&lower, start);
    }
    None
}

/// Reads `= "label"` (quotes optional) at `start` and resolves the label.
fn value_after(s: &[u8], start: usize) -> Option<&'static Encoding> {
    let rest = s.get(start..)?;
    let rest = trim_start(rest);
    let rest = trim_start(rest.strip_prefix(b"=")?);
    let rest = rest
        .strip_prefix(b"\"")
        .or_else(|| rest.strip_prefix(b"'"))
        .unwrap_or(rest);
    let end = rest
        .iter()
        .position(|b| matches!(b, b'"' | b'\'' | b';' | b' ' | b'>' | b'/' | b'?'))
        .unwrap_or(rest.len());
    let label = rest.get(..end)?;
    let enc = Encoding::for_label(label)?;
    // A page cannot honestly declare UTF-16 in ASCII bytes; HTML treats that as UTF-8.
    if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
        return Some(UTF_8);
    }
    Some(enc)
}

fn trim_start(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| b.is_ascii_whitespace()).count();
    s.get(n..).unwrap_or_default()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn latin1(s: &str) -> Vec<u8> {
        encoding_rs::WINDOWS_1252.encode(s).0.into_owned()
    }

    #[test]
    fn header_then_bom_then_meta_then_detection() {
        let body = "Grüße aus München, Straße – „Zitat“ €";
        let cases: Vec<(Vec<u8>, Option<&str>, &str)> = vec![
            (latin1(body), Some("text/html; charset=ISO-8859-1"), "header latin1"),
            (latin1(body), Some("text/html; charset=\"windows-1252\""), "quoted header"),
            ([&[0xEF, 0xBB, 0xBF][..], body.as_bytes()].concat(), Some("text/html; charset=iso-8859-1"), "BOM beats header"),
            ([b"<meta charset=\"iso-8859-1\">".as_slice(), &latin1(body)].concat(), None, "meta charset"),
            (
                [b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\">".as_slice(), &latin1(body)].concat(),
                None,
                "http-equiv",
            ),
            (latin1(body), None, "undeclared cp1252 detected"),
            (latin1(body), Some("text/html; charset=utf-8"), "declared utf-8 but latin1 bytes"),
            (body.as_bytes().to_vec(), None, "plain utf-8"),
        ];
        for (bytes, header, name) in cases {
            let text = decode(&bytes, header, Some(b"de"));
            assert!(text.contains(body), "{name}: got {text:?}");
            assert!(!text.contains('\u{FFFD}'), "{name}");
        }
    }

    #[test]
    fn xml_declaration_is_read() {
        let mut bytes = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss>".to_vec();
        bytes.extend(latin1("Bürger"));
        assert!(decode(&bytes, Some("application/xml"), None).contains("Bürger"));
    }

    #[test]
    fn garbage_labels_are_ignored() {
        assert!(charset_param("text/html; charset=").is_none());
        assert!(charset_param("text/html; charset=klingon").is_none());
        assert!(meta_charset(b"<meta charset=").is_none());
        assert_eq!(decode(b"", Some("text/html; charset=bogus"), None), "");
    }
}
