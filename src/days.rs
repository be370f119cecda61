//! Calendar days as people in Germany count them: Europe/Berlin days.
//!
//! A press release published at 00:30 on 11 December (Berlin) belongs to 11 December, although
//! it is 23:30 on the 10th in UTC. The digest's day windows, the search filters
//! `from:`/`to:` and the trend buckets all count days this way, so an article never falls on
//! different days in different views.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::Berlin;

/// Midnight at the start of `date` in Berlin, as UTC. Berlin's clocks change at 02:00/03:00,
/// so midnight always exists exactly once; the fallback only guards against odd tz data.
pub fn berlin_midnight(date: NaiveDate) -> DateTime<Utc> {
    let local = date.and_time(NaiveTime::MIN);
    match Berlin.from_local_datetime(&local).earliest() {
        Some(t) => t.with_timezone(&Utc),
        None => Utc.from_utc_datetime(&local),
    }
}

/// The calendar day in Europe/Berlin at instant `at`.
pub fn berlin_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Berlin).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn days_start_at_berlin_midnight_in_winter_and_summer() {
        assert_eq!(
            berlin_midnight(day("2020-12-11")).to_rfc3339(),
            "2020-12-10T23:00:00+00:00"
        );
        assert_eq!(
            berlin_midnight(day("2021-07-01")).to_rfc3339(),
            "2021-06-30T22:00:00+00:00"
        );
        // The night of the spring clock change (28 March 2021, 02:00 → 03:00).
        assert_eq!(
            berlin_midnight(day("2021-03-28")).to_rfc3339(),
            "2021-03-27T23:00:00+00:00"
        );
    }

    #[test]
    fn an_instant_after_berlin_midnight_is_on_the_next_day() {
        let late = "2020-12-10T23:30:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(berlin_date(late), day("2020-12-11"));
        let early = "2020-12-10T22:59:59Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(berlin_date(early), day("2020-12-10"));
    }
}
