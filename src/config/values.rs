//! Parsers for the value syntaxes of sources.toml: durations, sizes, ids, URLs, CSS selectors.
//!
//! This file owns the small grammars and their error wording; each parser is pure and returns a
//! message on failure. It must never read files, the environment or the clock.

use std::time::Duration;

use toml::de::DeValue;

use super::error::Report;
use super::walk::Fields;

/// Parses `"250ms"`, `"90s"`, `"30m"`, `"2h"`, `"1d"` into a non-zero duration.
///
/// Milliseconds exist for the per-host interval of sites one runs oneself (a mirror, a
/// benchmark site on loopback), where one request per second would be needlessly slow.
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    let bad = || {
        format!(
            "invalid duration {s:?} (expected e.g. \"500ms\", \"90s\", \"30m\", \"2h\", \"1d\")"
        )
    };
    let n: u64 = digits.parse().map_err(|_| bad())?;
    let millis_per_unit = match unit.trim() {
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(bad()),
    };
    let millis = n
        .checked_mul(millis_per_unit)
        .ok_or_else(|| format!("duration {s:?} is too large"))?;
    milliseconds(millis)
}

/// A duration of `millis` milliseconds, which must not be zero.
fn milliseconds(millis: u64) -> Result<Duration, String> {
    if millis == 0 {
        return Err("duration must be greater than zero".to_owned());
    }
    Ok(Duration::from_millis(millis))
}

/// Parses `"512KiB"`, `"10MiB"`, `"1GiB"`, `"2048B"` into a non-zero number of bytes.
pub(crate) fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    let bad = || format!("invalid size {s:?} (expected e.g. \"512KiB\", \"10MiB\", \"1GiB\")");
    let n: u64 = digits.parse().map_err(|_| bad())?;
    let factor: u64 = match unit.trim() {
        "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ => return Err(bad()),
    };
    let bytes = n
        .checked_mul(factor)
        .ok_or_else(|| format!("size {s:?} is too large"))?;
    positive(bytes, "size")
}

fn positive(n: u64, what: &str) -> Result<u64, String> {
    if n == 0 {
        Err(format!("{what} must be greater than zero"))
    } else {
        Ok(n)
    }
}

/// Checks a source id: non-empty, only `a-z`, `0-9` and `-`.
pub(crate) fn check_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid id {id:?} (use only a-z, 0-9 and -, e.g. \"bmi-presse\")"
        ))
    }
}

/// Parses an absolute http(s) URL with a host and returns its normalised form.
pub(crate) fn check_url(s: &str) -> Result<String, String> {
    let url = url::Url::parse(s.trim()).map_err(|e| format!("invalid URL {s:?}: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "URL {s:?} has scheme {:?} (expected http or https)",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("URL {s:?} has no host"));
    }
    Ok(url.to_string())
}

/// Checks that `s` is a valid CSS selector (as `scraper` understands it).
pub(crate) fn check_selector(s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        return Err("CSS selector must not be empty".to_owned());
    }
    scraper::Selector::parse(s).map(|_| ()).map_err(|e| {
        format!(
            "invalid CSS selector {s:?}: {}",
            crate::extract::selector_reason(&e)
        )
    })
}

/// Reads a duration field given as a string (`"30m"`) or integer seconds.
pub(crate) fn duration_field(
    f: &Fields<'_, '_>,
    r: &mut Report<'_>,
    key: &str,
) -> Option<Duration> {
    let (span, value) = f.value(key)?;
    let parsed = match value {
        DeValue::String(s) => parse_duration(s),
        DeValue::Integer(_) => {
            let (_, n) = f.integer(r, key)?;
            u64::try_from(n)
                .map_err(|_| "duration must not be negative".to_owned())
                .and_then(|secs| {
                    secs.checked_mul(1000)
                        .ok_or_else(|| "duration is too large".to_owned())
                })
                .and_then(milliseconds)
        }
        other => Err(format!(
            "expected a duration such as \"30m\" or integer seconds, found {}",
            other.type_str()
        )),
    };
    parsed.map_err(|m| f.problem(r, &span, key, m)).ok()
}

/// Longest poll interval accepted (`interval`, `default_interval`): a year. Longer values are
/// typos, and would overflow date arithmetic in the scheduler.
pub(crate) const MAX_INTERVAL: Duration = Duration::from_secs(365 * 86_400);
/// Longest request budget (`timeout`, `connect_timeout`) and per-host gap accepted: an hour.
pub(crate) const MAX_REQUEST_TIME: Duration = Duration::from_secs(3600);

/// Like [`duration_field`], but a value above `max` is a problem naming the field (and the
/// file and line, through the report) instead of a value that fails later.
pub(crate) fn bounded_duration_field(
    f: &Fields<'_, '_>,
    r: &mut Report<'_>,
    key: &str,
    max: Duration,
) -> Option<Duration> {
    let d = duration_field(f, r, key)?;
    if d <= max {
        return Some(d);
    }
    if let Some((span, _)) = f.value(key) {
        f.problem(
            r,
            &span,
            key,
            format!("{} is too long (at most {})", human(d), human(max)),
        );
    }
    None
}

/// A duration in the largest whole unit that fits, for messages.
fn human(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0 => format!("{}ms", d.as_millis()),
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// Reads a size field given as a string (`"10MiB"`) or integer bytes.
pub(crate) fn size_field(f: &Fields<'_, '_>, r: &mut Report<'_>, key: &str) -> Option<u64> {
    let (span, value) = f.value(key)?;
    let parsed = match value {
        DeValue::String(s) => parse_size(s),
        DeValue::Integer(_) => {
            let (_, n) = f.integer(r, key)?;
            u64::try_from(n)
                .map_err(|_| "size must not be negative".to_owned())
                .and_then(|n| positive(n, "size"))
        }
        other => Err(format!(
            "expected a size such as \"10MiB\" or integer bytes, found {}",
            other.type_str()
        )),
    };
    parsed.map_err(|m| f.problem(r, &span, key, m)).ok()
}

/// Reads a positive integer field that must fit a `usize`.
pub(crate) fn count_field(f: &Fields<'_, '_>, r: &mut Report<'_>, key: &str) -> Option<usize> {
    let (span, n) = f.integer(r, key)?;
    match usize::try_from(n) {
        Ok(n) if n > 0 => Some(n),
        _ => {
            f.problem(
                r,
                &span,
                key,
                format!("must be a positive integer, found {n}"),
            );
            None
        }
    }
}

/// Reads an optional CSS selector field, validating it.
pub(crate) fn selector_field(f: &Fields<'_, '_>, r: &mut Report<'_>, key: &str) -> Option<String> {
    let (span, s) = f.string(r, key)?;
    match check_selector(s) {
        Ok(()) => Some(s.to_owned()),
        Err(m) => {
            f.problem(r, &span, key, m);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let cases: [(&str, Result<u64, &str>); 14] = [
            ("90s", Ok(90_000)),
            ("30m", Ok(1_800_000)),
            ("2h", Ok(7_200_000)),
            ("1d", Ok(86_400_000)),
            (" 5 m ", Ok(300_000)),
            ("250ms", Ok(250)),
            ("0s", Err("greater than zero")),
            ("0ms", Err("greater than zero")),
            ("1.5s", Err("invalid duration")),
            ("30", Err("invalid duration")),
            ("m", Err("invalid duration")),
            ("1w", Err("invalid duration")),
            ("-5s", Err("invalid duration")),
            ("99999999999999999d", Err("too large")),
        ];
        for (input, want) in cases {
            let got = parse_duration(input);
            match want {
                Ok(ms) => assert_eq!(got, Ok(Duration::from_millis(ms)), "{input}"),
                Err(part) => {
                    let msg = got.expect_err(input);
                    assert!(msg.contains(part), "{input}: {msg}");
                }
            }
        }
    }

    #[test]
    fn sizes() {
        let cases: [(&str, Result<u64, &str>); 8] = [
            ("10MiB", Ok(10 << 20)),
            ("512KiB", Ok(512 << 10)),
            ("1GiB", Ok(1 << 30)),
            ("100B", Ok(100)),
            ("0MiB", Err("greater than zero")),
            ("10MB", Err("invalid size")),
            ("MiB", Err("invalid size")),
            ("99999999999999GiB", Err("too large")),
        ];
        for (input, want) in cases {
            match want {
                Ok(n) => assert_eq!(parse_size(input), Ok(n), "{input}"),
                Err(part) => {
                    let msg = parse_size(input).expect_err(input);
                    assert!(msg.contains(part), "{input}: {msg}");
                }
            }
        }
    }

    #[test]
    fn ids() {
        for ok in ["bmi", "kommune21", "it-planungsrat"] {
            assert!(check_id(ok).is_ok(), "{ok}");
        }
        for bad in ["", "BMI", "bmi_presse", "bmi presse", "bmü"] {
            assert!(check_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn urls() {
        assert_eq!(
            check_url("https://www.bmi.bund.de").as_deref(),
            Ok("https://www.bmi.bund.de/")
        );
        assert!(check_url("http://example.org/feed.xml").is_ok());
        let cases = [
            ("ftp://example.org/x", "scheme"),
            ("www.example.org/feed", "invalid URL"),
            ("/relative/path", "invalid URL"),
            ("file:///etc/passwd", "scheme"),
        ];
        for (input, part) in cases {
            let msg = check_url(input).expect_err(input);
            assert!(msg.contains(part), "{input}: {msg}");
        }
    }

    #[test]
    fn selectors() {
        for ok in [
            "div.teaser",
            "a",
            ".related, .share",
            "#content > p",
            "h3 a[href]",
        ] {
            assert!(check_selector(ok).is_ok(), "{ok}");
        }
        for bad in ["", "   ", "div..x", "a[", ">>"] {
            assert!(check_selector(bad).is_err(), "{bad:?}");
        }
    }
}
