//! `govwire check-store [--compact]`: verifies the store on disk and reclaims the body log
//! space that edits leave behind.

use std::io::Write;
use std::process::ExitCode;

use govwire::store::{Compaction, Integrity, Store};

use super::control::{Io, Owner};

/// Share of a closed body log segment that must be superseded records before `--compact` (and
/// `retag`) rewrite it: below half, copying the live records costs more than the space is worth.
pub const COMPACT_MIN_GARBAGE: f64 = 0.5;

/// Checks every article, index entry and body log record; with `compact`, first reclaims body
/// log segments that are mostly superseded. Exit code 1 when anything is wrong.
pub fn run(owner: &Owner, compact: bool, io: &mut Io) -> anyhow::Result<ExitCode> {
    let config = owner.config()?;
    let store = owner.store(&config)?;
    if compact {
        let done = store.compact_bodies(COMPACT_MIN_GARBAGE)?;
        writeln!(io.out, "{}", compaction_line(&done))?;
    }
    let mut report = store.check()?;
    if owner.served().is_some() {
        // The server writes meanwhile (crawls, re-tags), and the check reads the articles
        // before the index trees: an article rewritten in between shows as index entries that
        // match no article. Real damage stays; such passing mismatches do not. So a check that
        // finds problems is repeated, up to three times a second apart, and the last one counts.
        for _ in 0..3 {
            if report.is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_secs(1));
            report = store.check()?;
        }
    }
    write!(io.out, "{}", integrity_text(&report, &store.damaged()?))?;
    Ok(if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Reclaims mostly superseded body log segments after a bulk rewrite (such as `retag`) and
/// says what it did; a failure is logged, never fatal, since nothing is lost by skipping it.
pub fn compact_after_rewrite(store: &Store, out: &mut dyn Write) {
    match store.compact_bodies(COMPACT_MIN_GARBAGE) {
        Ok(done) if done.segments > 0 || done.damaged > 0 => {
            let _ = writeln!(out, "{}", compaction_line(&done));
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "body log compaction failed; the garbage stays"),
    }
}

/// One line saying what a compaction did.
fn compaction_line(c: &Compaction) -> String {
    format!(
        "compacted: {} rewritten, {} moved, {} freed, {} left alone",
        super::plural(c.segments as usize, "segment", "segments"),
        super::plural(c.moved as usize, "record", "records"),
        super::plural(c.freed_bytes as usize, "byte", "bytes"),
        super::plural(c.damaged as usize, "damaged segment", "damaged segments")
    )
}

/// How many articles lost their text and wait for the next crawl of their source to fetch them
/// again, and how many of those it can fetch by URL.
fn damaged_line(damaged: &[govwire::store::Damaged]) -> String {
    let by_url = damaged.iter().filter(|d| d.url.is_some()).count();
    format!(
        "articles waiting to be fetched again: {} ({by_url} with a known URL; the others when a listing names them)",
        damaged.len()
    )
}

/// The check report, one `name: value` line per figure, then `ok` or `PROBLEMS FOUND`.
/// `damaged`: the articles waiting to be fetched again, said in one more line when there are any.
fn integrity_text(r: &Integrity, damaged: &[govwire::store::Damaged]) -> String {
    let rows: [(&str, u64); 10] = [
        ("articles", r.articles),
        ("index entries", r.index_entries),
        ("dangling index entries", r.dangling),
        ("articles not indexed by date", r.unindexed),
        ("articles under a wrong id", r.misfiled),
        ("unreadable articles", r.unreadable),
        ("body log records", r.log_records),
        ("damaged body log segments", r.log_corrupt),
        ("body log bytes", r.log_bytes),
        ("superseded body log bytes", r.log_garbage_bytes),
    ];
    let mut out = String::new();
    for (name, value) in rows {
        out.push_str(&format!("{name}: {value}\n"));
    }
    if !damaged.is_empty() {
        out.push_str(&damaged_line(damaged));
        out.push('\n');
    }
    out.push_str(if r.is_ok() {
        "ok\n"
    } else {
        "PROBLEMS FOUND\n"
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clean_report_ends_in_ok_and_a_damaged_one_says_so() {
        let clean = Integrity {
            articles: 3,
            log_records: 3,
            ..Integrity::default()
        };
        let text = integrity_text(&clean, &[]);
        assert!(text.contains("articles: 3\n"), "{text}");
        assert!(text.ends_with("ok\n"), "{text}");
        let damaged = Integrity {
            unreadable: 1,
            ..clean
        };
        let text = integrity_text(&damaged, &[]);
        assert!(text.contains("unreadable articles: 1\n"), "{text}");
        assert!(text.ends_with("PROBLEMS FOUND\n"), "{text}");
    }

    #[test]
    fn the_damaged_line_counts_articles_fetchable_by_url() {
        let id = |n: u8| govwire::model::ArticleId::from_url(&format!("https://example.org/{n}"));
        let damaged = [
            govwire::store::Damaged {
                id: id(1),
                source_id: Some("s".into()),
                url: Some("https://example.org/1".into()),
            },
            govwire::store::Damaged {
                id: id(2),
                source_id: None,
                url: None,
            },
        ];
        let line = damaged_line(&damaged);
        assert!(
            line.starts_with("articles waiting to be fetched again: 2 (1 with a known URL"),
            "{line}"
        );
    }
}
