//! Tests of the store, one child module per job (as the store's own files); the article
//! builders and folder helpers they share live here.

use chrono::{TimeZone, Utc};

use super::*;
use crate::model::{Article, Land, Level, SourceHealth};

mod compaction;
mod durability;
mod open;
mod read;
mod signatures;
mod write;

fn article(url: &str, day: u32, keywords: &[&str]) -> Article {
    let t = Utc
        .with_ymd_and_hms(2021, 1, day, 12, 0, 0)
        .single()
        .expect("valid date");
    let mut a = Article::sample(url, &format!("Titel {day}"), "Text", t);
    a.source_id = "k21".into();
    a.tags = vec!["Politik".into()];
    a.keywords = keywords.iter().map(|s| s.to_string()).collect();
    a.level = Level::Presse;
    a
}

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("open");
    (dir, store)
}

/// The body log segments of a store folder, oldest first.
fn segments(store_dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(store_dir.join("bodies"))
        .expect("bodies folder")
        .flatten()
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

fn long_article(url: &str, day: u32) -> Article {
    let mut a = article(url, day, &["OZG"]);
    a.text = format!("{url} ").repeat(50) + &"Die Verwaltung wird digital. ".repeat(40);
    a
}

fn mentioning(url: &str, day: u32, lands: &[Land]) -> Article {
    let mut a = article(url, day, &[]);
    a.lands_mentioned = lands.to_vec();
    a.land = Some(Land::BY);
    a
}

fn urls(p: &Page) -> Vec<&str> {
    p.items.iter().map(|a| a.url.as_str()).collect()
}

/// Replaces sled's files in `to` (everything but the body log) by those in `from`.
pub(super) fn copy_sled_files(from: &std::path::Path, to: &std::path::Path) {
    fn copy(from: &std::path::Path, to: &std::path::Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap().flatten() {
            let target = to.join(e.file_name());
            if e.file_type().unwrap().is_dir() {
                copy(&e.path(), &target);
            } else {
                std::fs::copy(e.path(), target).unwrap();
            }
        }
    }
    if to.exists() {
        for e in std::fs::read_dir(to).unwrap().flatten() {
            if e.file_name() == "bodies" {
                continue;
            }
            if e.file_type().unwrap().is_dir() {
                std::fs::remove_dir_all(e.path()).unwrap();
            } else {
                std::fs::remove_file(e.path()).unwrap();
            }
        }
    }
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        if e.file_name() == "bodies" {
            continue;
        }
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}
