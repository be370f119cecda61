//! Inputs found by the cargo-fuzz targets in `fuzz/` (issue 10), kept as regression tests.
//!
//! Each finding is run through the same calls and checks as its fuzz target and must come back
//! without a panic and with the right answer. Small minimised inputs belong in
//! `tests/fixtures/fuzz/<target>/`; inputs that are only big repetition are generated here
//! instead. See `fuzz/README.md` for the runs and how each finding was found.

use chrono::Datelike;
use govwire::extract::dates::{find_date, find_date_span, parse_date};

/// What the `dates` fuzz target checks, for one input.
fn check_dates(name: &str, data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for d in [parse_date(&text), find_date(&text)].into_iter().flatten() {
        assert!((1900..=2199).contains(&d.year()), "{name}: implausible {d}");
    }
    if let Some((_, span)) = find_date_span(&text) {
        let matched = text.get(span.clone());
        assert!(
            matched.is_some_and(|m| m.as_bytes().first().is_some_and(u8::is_ascii_digit)),
            "{name}: bad span {span:?}"
        );
    }
}

/// Slow path found on the `dates` target: every `2020-13-11` (ISO-shaped, impossible month)
/// re-read the rest of the text as a possible timestamp, so `find_date` over 64 KiB of them
/// took seconds (quadratic). The input is generated (65 KB of repetition); the date that follows
/// the run must still be found.
#[test]
fn dates_run_of_impossible_iso_dates() {
    let text = format!("{}Stand: 03.02.2021", "2020-13-11 ".repeat(5_800));
    check_dates("generated iso run", text.as_bytes());
    let (d, span) = find_date_span(&text).expect("the real date after the run");
    assert_eq!(&text[span], "03.02.2021");
    assert_eq!((d.year(), d.month(), d.day()), (2021, 2, 3));
}
