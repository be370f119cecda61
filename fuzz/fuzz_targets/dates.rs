//! German date parsing: `parse_date` (a date field) and `find_date_span` (free text).
#![no_main]

use chrono::Datelike;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for d in [
        govwire::extract::dates::parse_date(&text),
        govwire::extract::dates::find_date(&text),
    ]
    .into_iter()
    .flatten()
    {
        // The module never invents a date outside the years it believes in.
        assert!((1900..=2199).contains(&d.year()), "implausible {d}");
    }
    if let Some((_, span)) = govwire::extract::dates::find_date_span(&text) {
        // The span is real text that starts with a digit.
        let matched = text
            .get(span.clone())
            .expect("span inside text on char boundaries");
        assert!(
            matched.as_bytes().first().is_some_and(u8::is_ascii_digit),
            "span {span:?}"
        );
    }
});
