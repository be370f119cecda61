//! Dates as German government sites and feeds write them, turned into UTC instants.
//!
//! Owns the date grammar: numeric German dates (`11.12.2020`, `1.2.21`), dates with month names
//! (`11. Dez. 2020`, `1. Maerz 2021`, `6 October 2025`), ISO 8601 / RFC 3339 and RFC 2822, each
//! optionally followed by a time (`14:30 Uhr`). Local times are Europe/Berlin. A date without a
//! time becomes **noon** Berlin time: noon is the same calendar day in UTC and in every time zone
//! a German reader uses, so a date-only "11.12.2020" never shows up as the 10th or 12th after a
//! round trip through UTC. This module must never invent a date: impossible days (`31.02.2021`),
//! missing years (`11.12.`) and years outside 1900–2199 give `None`; it never panics and looks at
//! no more than [`MAX_SCAN`] bytes of any input.

use std::ops::Range;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::Berlin;

use crate::model::DatePrecision;

/// `parse_date` refuses strings longer than this (a date field is never longer).
pub const MAX_PARSE_LEN: usize = 256;
/// `find_date` scans at most this many bytes of free text.
pub const MAX_SCAN: usize = 64 * 1024;
/// Longest timestamp read after an ISO date (`2020-12-11T10:00:00.123456789+01:00` is 35).
/// The cap keeps `find_date` linear: without it, every ISO-looking date in a run of
/// `2020-13-11 2020-13-11 …` re-read the whole rest of the text (found with the fuzz targets).
const MAX_STAMP: usize = 40;

/// Parses a string that is (or plainly labels) one date: `11.12.2020`, `[11.12.2020]`,
/// `Veröffentlicht am 03.02.2021`, `Stand: 14.01.2021`, `Montag, 6. Oktober 2025`,
/// `14.01.2021, 10:30 Uhr`, RFC 3339, RFC 2822, `2020-12-11`. `None` for anything else.
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    parse_date_local(s).map(|d| d.with_timezone(&Utc))
}

/// Like [`parse_date`], keeping the offset the text gave (`+01:00`, `-05:00`, `Z`; Berlin's
/// offset of the day where the text gives none), so that its calendar day is the writer's.
pub fn parse_date_local(s: &str) -> Option<DateTime<FixedOffset>> {
    let s = s.trim();
    if s.is_empty() || s.len() > MAX_PARSE_LEN {
        return None;
    }
    parse_machine(s).or_else(|| find_date_local(s))
}

/// Like [`parse_date_local`], also telling whether the text stated a time of day
/// ([`DatePrecision::Time`]: `2020-12-11T10:00:00+01:00`, `03.02.2021, 14:30 Uhr`) or a day only
/// ([`DatePrecision::Day`]: `11.12.2020`, `2020-12-11`), so that no time is shown that nobody
/// published.
pub fn parse_date_precise(s: &str) -> Option<(DateTime<FixedOffset>, DatePrecision)> {
    let s = s.trim();
    if s.is_empty() || s.len() > MAX_PARSE_LEN {
        return None;
    }
    if let Some(d) = parse_machine(s) {
        return Some((d, DatePrecision::Time));
    }
    find_date_span_precise(s).map(|(d, _, p)| (d, p))
}

/// Like [`find_date_span_local`], also telling whether the matched text states a time of day
/// (see [`parse_date_precise`]).
pub fn find_date_span_precise(
    text: &str,
) -> Option<(DateTime<FixedOffset>, Range<usize>, DatePrecision)> {
    let (d, r) = find_date_span_local(text)?;
    let p = precision_of(text.get(r.clone()).unwrap_or_default());
    Some((d, r, p))
}

/// The precision of a matched date text: the grammar only takes a time with a colon
/// (`14:30`, `T10:00`) or with `Uhr` (`9.05 Uhr`).
fn precision_of(matched: &str) -> DatePrecision {
    let lower = matched.to_ascii_lowercase();
    if lower.contains(':') || lower.ends_with("uhr") {
        DatePrecision::Time
    } else {
        DatePrecision::Day
    }
}

/// Finds the first plausible date in free text (e.g. the `[11.12.2020]` before a lede).
pub fn find_date(text: &str) -> Option<DateTime<Utc>> {
    find_date_span(text).map(|(d, _)| d)
}

/// Like [`find_date`], keeping the offset the text gave (see [`parse_date_local`]).
pub fn find_date_local(text: &str) -> Option<DateTime<FixedOffset>> {
    find_date_span_local(text).map(|(d, _)| d)
}

/// Like [`find_date`], also returning the byte range of the matched date text.
pub fn find_date_span(text: &str) -> Option<(DateTime<Utc>, Range<usize>)> {
    find_date_span_local(text).map(|(d, r)| (d.with_timezone(&Utc), r))
}

/// Like [`find_date_span`], keeping the offset the text gave (see [`parse_date_local`]).
pub fn find_date_span_local(text: &str) -> Option<(DateTime<FixedOffset>, Range<usize>)> {
    let text = prefix(text, MAX_SCAN);
    let bytes = text.as_bytes();
    let mut prev_digit = false;
    for (i, &b) in bytes.iter().enumerate() {
        let is_digit = b.is_ascii_digit();
        if is_digit && !prev_digit {
            let start_ok = i == 0 || !matches!(bytes.get(i - 1), Some(b'.' | b',' | b'/'));
            if start_ok && let Some((d, end)) = scan_at(text, i) {
                return Some((d, i..end));
            }
            if let Some((d, start, end)) = scan_month_first(text, i) {
                return Some((d, start..end));
            }
        }
        prev_digit = is_digit;
    }
    None
}

/// The longest prefix of `s` of at most `max` bytes that ends on a char boundary.
fn prefix(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Machine formats that must make up the whole string.
fn parse_machine(s: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return plausible(d);
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return plausible(d);
    }
    // `2021-11-04T23:00Z`: RFC 3339 wants seconds, chrono's `%z` no `Z`.
    if let Some(zulu) = s.strip_suffix(['Z', 'z'])
        && !zulu.ends_with(['Z', 'z'])
    {
        return parse_machine(&format!("{zulu}+00:00"));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
    ] {
        if let Ok(d) = DateTime::parse_from_str(s, fmt) {
            return plausible(d);
        }
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, fmt) {
            return berlin(d);
        }
    }
    None
}

/// The instant a day-only publication date is stored as: the start of that day in
/// Europe/Berlin, in Berlin's offset of that day (so its calendar day stays the publisher's
/// and no time of day is invented).
pub fn day_start(day: NaiveDate) -> Option<DateTime<FixedOffset>> {
    Berlin
        .from_local_datetime(&day.and_time(NaiveTime::MIN))
        .earliest()
        .map(|d| d.fixed_offset())
}

/// Whether `d` is noon Berlin time to the second: how [`parse_date`] reads a day without a time
/// (for callers that only kept the UTC instant, such as feed and teaser dates).
pub fn is_noon_berlin(d: DateTime<Utc>) -> bool {
    use chrono::Timelike;
    let b = d.with_timezone(&Berlin);
    b.hour() == 12 && b.minute() == 0 && b.second() == 0 && b.nanosecond() == 0
}

/// Keeps only instants in the years this crate believes in.
fn plausible(d: DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
    use chrono::Datelike;
    (1900..=2199).contains(&d.year()).then_some(d)
}

/// A Berlin wall-clock time as UTC; times skipped by the DST switch move forward an hour.
fn berlin(local: NaiveDateTime) -> Option<DateTime<FixedOffset>> {
    let d = Berlin.from_local_datetime(&local).earliest().or_else(|| {
        Berlin
            .from_local_datetime(&(local + chrono::Duration::hours(1)))
            .earliest()
    })?;
    plausible(d.fixed_offset())
}

/// Builds a date from parts, `None` if impossible; no time means noon Berlin.
fn make(y: i32, m: u32, d: u32, time: Option<NaiveTime>) -> Option<DateTime<FixedOffset>> {
    if !(1900..=2199).contains(&y) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(y, m, d)?;
    let time = time.or_else(|| NaiveTime::from_hms_opt(12, 0, 0))?;
    berlin(date.and_time(time))
}

/// Tries every grammar at byte `i` (a digit that follows a non-digit).
fn scan_at(text: &str, i: usize) -> Option<(DateTime<FixedOffset>, usize)> {
    scan_iso(text, i)
        .or_else(|| scan_slashed(text, i))
        .or_else(|| scan_numeric(text, i))
        .or_else(|| scan_named(text, i))
}

/// `2020-12-11`, optionally with a time and offset.
fn scan_iso(text: &str, i: usize) -> Option<(DateTime<FixedOffset>, usize)> {
    let mut c = Cur::new(text, i);
    let y = c.digits(4, 4)?;
    c.eat(b'-').then_some(())?;
    let m = c.digits(2, 2)?;
    c.eat(b'-').then_some(())?;
    let d = c.digits(2, 2)?;
    let date_end = c.pos;
    if c.peek_digit() {
        return None;
    }
    // An impossible date (`2020-13-11`) cannot start a valid timestamp either: stop here.
    let date_only = make(i32::try_from(y).ok()?, m, d, None)?;
    // A full timestamp first (dropping words after it, e.g. `… 10:00:00 Text`, one space at a
    // time); else the date alone.
    if matches!(c.peek(), Some(b'T' | b' ')) {
        let end = c.scan_while(i + MAX_STAMP, |b| {
            b.is_ascii_digit() || b":.+-TZ ".contains(&b)
        });
        let mut candidate = text.get(i..end).unwrap_or_default().trim_end();
        loop {
            if let Some(dt) = parse_machine(candidate) {
                return Some((dt, i + candidate.len()));
            }
            match candidate.rfind(' ') {
                Some(cut) if i + cut > date_end => {
                    candidate = candidate.get(..cut).unwrap_or_default().trim_end();
                }
                _ => break,
            }
        }
    }
    Some((date_only, date_end))
}

/// `2014/05/18`, `2023.11.02.`, optionally with a time (`2014/05/18 14:30`): year first, so never ambiguous
/// (a US `05/18/2014` is not read at all rather than risk swapping day and month).
fn scan_slashed(text: &str, i: usize) -> Option<(DateTime<FixedOffset>, usize)> {
    let mut c = Cur::new(text, i);
    let y = c.digits(4, 4)?;
    let sep = c.peek().filter(|b| matches!(b, b'/' | b'.'))?;
    c.eat(sep);
    let m = c.digits(1, 2)?;
    c.eat(sep).then_some(())?;
    let d = c.digits(1, 2)?;
    // `2014/05/18/titel` is a path, `2023.11.02.5` a version number.
    let more =
        c.peek() == Some(sep) && (sep == b'/' || c.peek_at(1).is_some_and(|b| b.is_ascii_digit()));
    if c.peek_digit() || more {
        return None;
    }
    c.eat(b'.'); // `2023.11.02.` (Korean and Hungarian style)
    let time = c.time();
    Some((make(i32::try_from(y).ok()?, m, d, time)?, c.pos))
}

/// `11.12.2020`, `1.2.21`, `03.02.2021, 14:30 Uhr`.
fn scan_numeric(text: &str, i: usize) -> Option<(DateTime<FixedOffset>, usize)> {
    let mut c = Cur::new(text, i);
    let d = c.digits(1, 2)?;
    c.eat(b'.').then_some(())?;
    c.skip_spaces();
    let m = c.digits(1, 2)?;
    c.eat(b'.').then_some(())?;
    c.skip_spaces();
    let start = c.pos;
    let y = c.digits(2, 4)?;
    let y = match c.pos - start {
        4 => i32::try_from(y).ok()?,
        2 => 2000 + i32::try_from(y).ok()?,
        _ => return None,
    };
    if c.peek_digit()
        || (c.peek() == Some(b'.') && c.peek_at(1).is_some_and(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let time = c.time();
    Some((make(y, m, d, time)?, c.pos))
}

/// `11. Dezember 2020`, `11. Dez. 2020`, `1. Maerz 2021`, `6 October 2025`.
fn scan_named(text: &str, i: usize) -> Option<(DateTime<FixedOffset>, usize)> {
    let mut c = Cur::new(text, i);
    let d = c.digits(1, 2)?;
    c.eat(b'.');
    c.skip_spaces();
    let m = month(c.word())?;
    c.eat(b'.');
    c.skip_spaces();
    c.eat(b',');
    c.skip_spaces();
    let y = c.digits(4, 4)?;
    if c.peek_digit() {
        return None;
    }
    let time = c.time();
    Some((make(i32::try_from(y).ok()?, m, d, time)?, c.pos))
}

/// `Dec 11, 2020`, `December 11th, 2020`, `Oct. 11 2021` and the Java `Date` form
/// `Mon Oct 11 14:57:21 CEST 2021` (Government Site Builder metas): the month name ends right
/// before the day digits at byte `i`. Returns the date, where its text starts and ends.
fn scan_month_first(text: &str, i: usize) -> Option<(DateTime<FixedOffset>, usize, usize)> {
    let before = text.get(..i)?;
    let trimmed = before.trim_end_matches([' ', '\u{a0}']);
    if trimmed.len() == before.len() {
        return None; // `Dec11` is no date
    }
    let trimmed = trimmed.strip_suffix('.').unwrap_or(trimmed);
    let word_start = trimmed
        .char_indices()
        .rev()
        .find(|(_, ch)| !ch.is_alphabetic())
        .map_or(0, |(k, ch)| k + ch.len_utf8());
    let m = month(trimmed.get(word_start..)?)?;
    let mut c = Cur::new(text, i);
    let d = c.digits(1, 2)?;
    if c.peek_digit() {
        return None;
    }
    for suffix in ["st", "nd", "rd", "th"] {
        if text.get(c.pos..).is_some_and(|r| r.starts_with(suffix)) {
            c.pos += 2;
            break;
        }
    }
    if c.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    c.eat(b',');
    c.skip_spaces();
    // Java: `Oct 11 14:57:21 CEST 2021`.
    let mut time = None;
    let before_clock = c.pos;
    if let Some(t) = c.clock() {
        c.skip_spaces();
        let zone = c.word();
        let offset = match zone {
            "CEST" | "MESZ" => Some(2),
            "CET" | "MEZ" => Some(1),
            "UTC" | "GMT" | "Z" => Some(0),
            _ => None,
        }?;
        c.skip_spaces();
        let y = i32::try_from(c.digits(4, 4)?).ok()?;
        if c.peek_digit() {
            return None;
        }
        let at = NaiveDate::from_ymd_opt(y, m, d)?.and_time(t);
        let off = FixedOffset::east_opt(offset * 3600)?;
        let dt = off.from_local_datetime(&at).single()?;
        return Some((plausible(dt)?, word_start, c.pos));
    }
    c.pos = before_clock;
    let y = c.digits(4, 4)?;
    if c.peek_digit() {
        return None;
    }
    if let Some(t) = c.time() {
        time = Some(t);
    }
    Some((make(i32::try_from(y).ok()?, m, d, time)?, word_start, c.pos))
}

/// A publication day written in a URL path: `/2014/05/18/`, `/2020-02/19/`, `/2021-11-19/`,
/// `/20201211/`, `/20030331_Rede2.html`, `/29-10-2021` when the day is above 12 (noon Berlin). The eight digits must stand alone (a
/// Wayback Machine `/20130307194448/` stamp is no publication day).
pub fn url_date(url: &str) -> Option<DateTime<FixedOffset>> {
    let path = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest.find('/').map_or("", |k| &rest[k..]));
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let b = path.as_bytes();
    let num = |r: Range<usize>| -> Option<u32> {
        let s = path.get(r)?;
        (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let digit = |k: usize| b.get(k).is_some_and(u8::is_ascii_digit);
    for (k, &ch) in b.iter().enumerate() {
        if ch != b'/' || !digit(k + 1) {
            continue;
        }
        let s = k + 1;
        // `/29-10-2021`: day first, taken only when the order is plain (a day above 12).
        if matches!(b.get(s + 2), Some(b'-' | b'.'))
            && b.get(s + 5) == b.get(s + 2)
            && !digit(s + 10)
            && let (Some(d), Some(m), Some(y)) =
                (num(s..s + 2), num(s + 3..s + 5), num(s + 6..s + 10))
            && d > 12
            && (1990..=2099).contains(&y)
            && let Some(date) = make(i32::try_from(y).ok()?, m, d, None)
        {
            return Some(date);
        }
        let Some(y) = num(s..s + 4) else { continue };
        if !(1990..=2099).contains(&y) {
            continue;
        }
        // `/2014/05/18`, `/2020-02/19`, `/2021-11-19`, `/2014_05_18`.
        let sep = |at: usize| matches!(b.get(at), Some(b'/' | b'-' | b'_'));
        if sep(s + 4)
            && sep(s + 7)
            && !digit(s + 10)
            && let (Some(m), Some(d)) = (num(s + 5..s + 7), num(s + 8..s + 10))
            && let Some(date) = make(i32::try_from(y).ok()?, m, d, None)
        {
            return Some(date);
        }
        // `/20201211/`, `/20030331_Rede2.html`.
        if !digit(s + 8)
            && let (Some(m), Some(d)) = (num(s + 4..s + 6), num(s + 6..s + 8))
            && let Some(date) = make(i32::try_from(y).ok()?, m, d, None)
        {
            return Some(date);
        }
    }
    None
}

/// Month number for a German or English month name or abbreviation.
fn month(word: &str) -> Option<u32> {
    const MONTHS: [(&str, u32); 36] = [
        ("januar", 1),
        ("jänner", 1),
        ("january", 1),
        ("jan", 1),
        ("jän", 1),
        ("februar", 2),
        ("february", 2),
        ("feb", 2),
        ("märz", 3),
        ("maerz", 3),
        ("march", 3),
        ("mär", 3),
        ("mrz", 3),
        ("mar", 3),
        ("april", 4),
        ("apr", 4),
        ("mai", 5),
        ("may", 5),
        ("juni", 6),
        ("june", 6),
        ("jun", 6),
        ("juli", 7),
        ("july", 7),
        ("jul", 7),
        ("august", 8),
        ("aug", 8),
        ("september", 9),
        ("sept", 9),
        ("sep", 9),
        ("oktober", 10),
        ("october", 10),
        ("okt", 10),
        ("oct", 10),
        ("november", 11),
        ("nov", 11),
        ("dezember", 12),
    ];
    /// Full month names of the other languages on the pages govwire meets (French, Italian,
    /// Dutch, and Russian in the genitive a date uses), by month.
    const OTHER: [&[&str]; 12] = [
        &["janvier", "gennaio", "januari", "января"],
        &["février", "fevrier", "febbraio", "februari", "февраля"],
        &["mars", "marzo", "maart", "марта"],
        &["avril", "aprile", "апреля"],
        &["maggio", "mei", "мая"],
        &["juin", "giugno", "июня"],
        &["juillet", "luglio", "июля"],
        &["août", "aout", "agosto", "augustus", "августа"],
        &["septembre", "settembre", "сентября"],
        &["octobre", "ottobre", "oktober", "октября"],
        &["novembre", "ноября"],
        &["décembre", "decembre", "dicembre", "december", "декабря"],
    ];
    if word.is_empty() || word.len() > 24 {
        return None;
    }
    let lower = word.to_lowercase();
    match lower.as_str() {
        "december" | "dez" | "dec" => return Some(12),
        _ => {}
    }
    MONTHS
        .iter()
        .find(|(n, _)| *n == lower)
        .map(|(_, m)| *m)
        .or_else(|| {
            (1..=12)
                .zip(OTHER)
                .find(|(_, names)| names.contains(&lower.as_str()))
                .map(|(m, _)| m)
        })
}

/// A byte cursor over ASCII-led date text.
struct Cur<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cur<'a> {
    fn new(s: &'a str, pos: usize) -> Self {
        Cur { s, pos }
    }

    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    fn peek_at(&self, off: usize) -> Option<u8> {
        self.s.as_bytes().get(self.pos + off).copied()
    }

    fn peek_digit(&self) -> bool {
        self.peek().is_some_and(|b| b.is_ascii_digit())
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        if hit {
            self.pos += 1;
        }
        hit
    }

    /// Reads `min..=max` digits (stops after `max`).
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let mut n: u32 = 0;
        let mut count = 0;
        while count < max && self.peek_digit() {
            n = n * 10 + u32::from(self.peek().unwrap_or(b'0') - b'0');
            self.pos += 1;
            count += 1;
        }
        (count >= min).then_some(n)
    }

    /// Advances while `f` holds, but not past byte `limit`; returns the new position.
    fn scan_while(&mut self, limit: usize, f: impl Fn(u8) -> bool) -> usize {
        while self.pos < limit && self.peek().is_some_and(&f) {
            self.pos += 1;
        }
        self.pos
    }

    /// Skips ASCII spaces and NBSP.
    fn skip_spaces(&mut self) {
        loop {
            if matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                self.pos += 1;
            } else if self
                .s
                .get(self.pos..)
                .is_some_and(|r| r.starts_with('\u{a0}'))
            {
                self.pos += '\u{a0}'.len_utf8();
            } else {
                return;
            }
        }
    }

    /// Reads a run of letters (umlauts included).
    fn word(&mut self) -> &'a str {
        let rest = self.s.get(self.pos..).unwrap_or_default();
        let len = rest
            .char_indices()
            .find(|(_, ch)| !ch.is_alphabetic())
            .map_or(rest.len(), |(i, _)| i);
        self.pos += len;
        rest.get(..len).unwrap_or_default()
    }

    /// An optional `, 14:30 Uhr` / ` um 14:30:05` after a date; restores the cursor if absent.
    fn time(&mut self) -> Option<NaiveTime> {
        let save = self.pos;
        self.skip_spaces();
        self.eat(b',');
        self.skip_spaces();
        let before_word = self.pos;
        if !self.word().eq_ignore_ascii_case("um") {
            self.pos = before_word;
        }
        self.skip_spaces();
        let parsed = self.clock();
        if parsed.is_none() {
            self.pos = save;
        }
        parsed
    }

    fn clock(&mut self) -> Option<NaiveTime> {
        let h = self.digits(1, 2)?;
        let dotted = if self.eat(b':') {
            false
        } else if self.eat(b'.') {
            true
        } else {
            return None;
        };
        let m = self.digits(2, 2)?;
        let s = if self.peek() == Some(b':') {
            self.pos += 1;
            self.digits(2, 2)?
        } else {
            0
        };
        if self.peek_digit() {
            return None;
        }
        let end = self.pos;
        self.skip_spaces();
        let word = self.word();
        let mut h = h;
        if word.eq_ignore_ascii_case("uhr") {
        } else if !dotted && (1..=12).contains(&h) && word.eq_ignore_ascii_case("pm") {
            h = h % 12 + 12; // `November 8, 2023, 11:15 PM` is 23:15
        } else if !dotted && (1..=12).contains(&h) && word.eq_ignore_ascii_case("am") {
            h %= 12;
        } else {
            if dotted {
                return None; // `11.12.2020 10.15` is not a time without "Uhr"
            }
            self.pos = end;
        }
        NaiveTime::from_hms_opt(h, m, s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    fn berlin_day(d: DateTime<Utc>) -> String {
        d.with_timezone(&Berlin).format("%Y-%m-%d").to_string()
    }

    #[test]
    fn hostile_table_from_fixture() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/hostile/dates.tsv"
        );
        let table = std::fs::read_to_string(path).unwrap_or_default();
        let mut rows = 0;
        for line in table.lines().filter(|l| !l.starts_with('#')) {
            let (input, want) = line.split_once('\t').unwrap_or(("", line));
            let got = parse_date(input).map(berlin_day);
            let want = (want != "NONE").then(|| want.to_string());
            assert_eq!(got, want, "input {input:?}");
            rows += 1;
        }
        assert!(rows >= 20, "fixture table missing or short ({rows} rows)");
    }

    #[test]
    fn parse_date_table() {
        let cases: &[(&str, Option<&str>)] = &[
            ("11.12.2020", Some("2020-12-11 12:00")),
            ("1.2.2021", Some("2021-02-01 12:00")),
            ("11.12.20", Some("2020-12-11 12:00")),
            ("03.02.2021, 14:30 Uhr", Some("2021-02-03 14:30")),
            ("03.02.2021 um 9.05 Uhr", Some("2021-02-03 09:05")),
            ("11. Dez. 2020", Some("2020-12-11 12:00")),
            ("6 October 2025", Some("2025-10-06 12:00")),
            ("2020-12-11", Some("2020-12-11 12:00")),
            ("2021-03-28T02:30:00", Some("2021-03-28 03:30")),
            ("2021-03-01T09:00:00+0100", Some("2021-03-01 09:00")),
            ("2021-11-04T23:00Z", Some("2021-11-05 00:00")),
            (
                "Pressemitteilung 12/2021 vom 03.02.2021",
                Some("2021-02-03 12:00"),
            ),
            ("32.13.2020", None),
            ("10.1.12.5", None),
            ("1.2.3", None),
            ("Version 2.10.2021a", Some("2021-10-02 12:00")),
            ("12.12.1850", None),
            ("2014/05/18", Some("2014-05-18 12:00")),
            ("am 2014/5/18 14:30", Some("2014-05-18 14:30")),
            ("05/18/2014", None),
            ("2014/05/18/titel", None),
            ("2023.11.02. 20:06", Some("2023-11-02 20:06")),
            ("2023.11.02.5", None),
            ("15 августа 2016, 13:43", Some("2016-08-15 13:43")),
            ("14 Gennaio 2020", Some("2020-01-14 12:00")),
            ("le 3 août 2021", Some("2021-08-03 12:00")),
            ("18 mei 2014", Some("2014-05-18 12:00")),
            ("🦀🦀🦀 ünïcödé", None),
            ("\u{a0}", None),
        ];
        for (input, want) in cases {
            let got = parse_date(input).map(|d| {
                d.with_timezone(&Berlin)
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            });
            assert_eq!(got.as_deref(), *want, "input {input:?}");
        }
    }

    #[test]
    fn precision_is_what_the_text_stated() {
        use DatePrecision::{Day, Time};
        let cases: &[(&str, Option<(&str, DatePrecision)>)] = &[
            ("11.12.2020", Some(("2020-12-11 12:00", Day))),
            ("2020-12-11", Some(("2020-12-11 12:00", Day))),
            ("11. Dezember 2020", Some(("2020-12-11 12:00", Day))),
            ("Dec 11, 2020", Some(("2020-12-11 12:00", Day))),
            (
                "Stand: 07.11.2023, 07:30 Uhr",
                Some(("2023-11-07 07:30", Time)),
            ),
            ("03.02.2021 um 9.05 Uhr", Some(("2021-02-03 09:05", Time))),
            (
                "2020-12-11T10:00:00+01:00",
                Some(("2020-12-11 10:00", Time)),
            ),
            ("2021-11-04T23:00Z", Some(("2021-11-04 23:00", Time))),
            (
                "Tue, 16 Jun 2020 23:10:00 -0700",
                Some(("2020-06-16 23:10", Time)),
            ),
            (
                "November 8, 2023, 11:15 PM",
                Some(("2023-11-08 23:15", Time)),
            ),
            ("May 2, 2023 12:05 am", Some(("2023-05-02 00:05", Time))),
            (
                "Mon Oct 11 14:57:21 CEST 2021",
                Some(("2021-10-11 14:57", Time)),
            ),
            ("kein Datum", None),
        ];
        for (input, want) in cases {
            let got =
                parse_date_precise(input).map(|(d, p)| (d.format("%Y-%m-%d %H:%M").to_string(), p));
            let want = want.map(|(d, p)| (d.to_string(), p));
            assert_eq!(got, want, "input {input:?}");
        }
    }

    #[test]
    fn date_only_is_noon_berlin() {
        let d = parse_date("11.12.2020").unwrap_or_default();
        assert_eq!(d.hour(), 11, "noon CET is 11:00 UTC");
    }

    #[test]
    fn huge_and_odd_inputs_never_panic() {
        assert_eq!(parse_date(&"1".repeat(10_000)), None);
        let huge = format!("{}[11.12.2020]", "x ".repeat(100_000));
        assert_eq!(find_date(&huge), None, "beyond the scan window");
        let odd = "ä1.ö2.ü2021 ß 3. Ma\u{0308}rz 2021 ".repeat(3);
        let _ = find_date(&odd);
        for cut in 0.."11. Dezember 2020".len() {
            let _ = parse_date(&"11. Dezember 2020"[..cut]);
        }
    }

    #[test]
    fn runs_of_impossible_iso_dates_are_skipped() {
        // Found with the fuzz targets (issue 10): each `2020-13-11` used to scan the rest of
        // the text as a possible timestamp, quadratic over 64 KiB. The date after them must
        // still be found.
        let text = format!("{}am 03.02.2021", "2020-13-11 ".repeat(5_000));
        let (d, span) = find_date_span(&text).unwrap_or_default();
        assert_eq!(berlin_day(d), "2021-02-03");
        assert_eq!(&text[span], "03.02.2021");
        // A timestamp right at the cap still parses in full.
        let stamp = "2021-03-01T09:00:00.123456789+01:00";
        let hm = |d: Option<DateTime<Utc>>| {
            d.map(|d| d.with_timezone(&Berlin).format("%H:%M").to_string())
        };
        assert_eq!(
            hm(find_date("2021-03-01T09:00:00+01:00 Text")),
            Some("09:00".into())
        );
        let got = find_date(&format!("x {stamp} 2020-01-01T00:00:00 y"));
        assert_eq!(got, parse_date(stamp));
        assert_eq!(hm(got), Some("09:00".into()));
    }

    #[test]
    fn find_date_locates_first_date() {
        let text = "E-Government: Bayern [11.12.2020] Eine Kooperation vom 1.1.2019";
        let (d, span) = find_date_span(text).unwrap_or_default();
        assert_eq!(berlin_day(d), "2020-12-11");
        assert_eq!(&text[span], "11.12.2020");
        assert_eq!(find_date("Nummer 123.45.2020 und 2.2021"), None);
    }

    #[test]
    fn local_dates_keep_their_offset() {
        let cases: &[(&str, Option<&str>)] = &[
            ("2020-12-11T00:30:00+01:00", Some("2020-12-11 00:30 +01:00")),
            ("2023-11-08T20:30:00-05:00", Some("2023-11-08 20:30 -05:00")),
            ("2023-11-08T20:30:00Z", Some("2023-11-08 20:30 +00:00")),
            ("11.12.2020", Some("2020-12-11 12:00 +01:00")),
            (
                "Tue, 16 Jun 2020 23:10:00 -0700",
                Some("2020-06-16 23:10 -07:00"),
            ),
        ];
        for (input, want) in cases {
            let got = parse_date_local(input).map(|d| d.format("%Y-%m-%d %H:%M %:z").to_string());
            assert_eq!(got.as_deref(), *want, "input {input:?}");
        }
    }

    #[test]
    fn month_first_dates() {
        let cases: &[(&str, Option<&str>)] = &[
            ("Dec 11, 2020", Some("2020-12-11")),
            ("Published on August 19, 2019", Some("2019-08-19")),
            ("December 11th, 2020", Some("2020-12-11")),
            ("Sept. 3 2021", Some("2021-09-03")),
            ("Mon Oct 11 14:57:21 CEST 2021", Some("2021-10-11")),
            ("Wed Nov 10 23:48:39 CET 2021", Some("2021-11-10")),
            ("May 5 people came", None),
            ("Mai 2014", None),
            ("Dec11, 2020", None),
            ("Feb 30, 2021", None),
        ];
        for (input, want) in cases {
            let got = find_date_local(input).map(|d| d.format("%Y-%m-%d").to_string());
            assert_eq!(got.as_deref(), *want, "input {input:?}");
        }
        let text = "By Jane Doe, Dec 11, 2020 in News";
        let (_, span) = find_date_span(text).unwrap_or_default();
        assert_eq!(&text[span], "Dec 11, 2020");
    }

    #[test]
    fn url_path_dates() {
        let cases: &[(&str, Option<&str>)] = &[
            ("https://example.org/2014/05/18/title/", Some("2014-05-18")),
            (
                "https://example.org/news/2020-02/19/title.html",
                Some("2020-02-19"),
            ),
            (
                "https://example.org/themen/2021-11-19/title",
                Some("2021-11-19"),
            ),
            ("https://example.org/20201211/title", Some("2020-12-11")),
            (
                "https://example.org/Reden/2003/03/20030331_Rede2.html",
                Some("2003-03-31"),
            ),
            (
                "https://web.archive.org/web/20130307194448/http://example.org/2013/08/07/t/",
                Some("2013-08-07"),
            ),
            (
                "https://web.archive.org/web/20130307194448/http://example.org/t/",
                None,
            ),
            ("https://example.org/2014/05/title/", None),
            (
                "https://example.org/meldungen/29-10-2021",
                Some("2021-10-29"),
            ),
            (
                "https://example.org/meldungen/29.10.2021/text",
                Some("2021-10-29"),
            ),
            ("https://example.org/meldungen/10-11-2021", None),
            ("https://example.org/meldungen/29-10-20215", None),
            ("https://example.org/2021/13/45/title/", None),
            ("https://example.org/article/12345678/title", None),
            ("https://example.org/title?date=2020/01/02/", None),
            ("https://2020.example.org/title", None),
        ];
        for (url, want) in cases {
            let got = url_date(url).map(|d| d.format("%Y-%m-%d").to_string());
            assert_eq!(got.as_deref(), *want, "url {url:?}");
        }
    }
}
