//! Index behaviour over a real sled store in a temp dir: analysis, filters, sorting, replace by
//! id, snippets, and rebuilding when the folder is missing, corrupt or stale.

use chrono::{TimeZone, Utc};

use super::*;
use crate::model::{Land, Level};

fn article(url: &str, title: &str, text: &str, day: (i32, u32, u32)) -> Article {
    let t = Utc
        .with_ymd_and_hms(day.0, day.1, day.2, 10, 0, 0)
        .single()
        .expect("date");
    let mut a = Article::sample(url, title, text, t);
    a.source_id = "bmi".into();
    a
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    index: Index,
    index_dir: PathBuf,
}

fn corpus() -> Vec<Article> {
    let mut ozg = article(
        "https://a.example/ozg",
        "Brandenburg setzt das OZG um",
        "Die Verwaltung digitalisiert Leistungen. Die Zuständigkeit liegt beim Land.",
        (2021, 3, 4),
    );
    ozg.keywords = vec!["OZG".into()];
    ozg.land = Some(Land::BB);
    ozg.level = Level::Land;
    ozg.source_id = "bb".into();
    ozg.lands_mentioned = vec![Land::BE];
    ozg.tags = vec!["Digitale  Verwaltung".into()];
    let mut reg = article(
        "https://a.example/reg",
        "Registermodernisierung kommt voran",
        "Der Bund modernisiert die Register. Mehrere Verwaltungen sind beteiligt.",
        (2022, 6, 1),
    );
    reg.keywords = vec!["Registermodernisierung".into()];
    let mut en = article(
        "https://a.example/en",
        "Digital administrations in Europe",
        "The administrations of several countries share registers.",
        (2020, 1, 15),
    );
    en.lang = Some("en".into());
    let hostile = article(
        "https://a.example/x",
        "Sicherheit <script>",
        "Warnung: <script>alert(1)</script> in der Verwaltung & anderswo.",
        (2019, 5, 5),
    );
    vec![ozg, reg, en, hostile]
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    for a in corpus() {
        store.upsert(&a).expect("upsert");
    }
    let index_dir = dir.path().join("index");
    let index = Index::open_or_rebuild(&index_dir, &store).expect("index");
    Fixture {
        _dir: dir,
        store,
        index,
        index_dir,
    }
}

fn titles(index: &Index, text: &str) -> Vec<String> {
    let mut q = query::parse(text).expect("query parses");
    q.sort = Sort::Date;
    index
        .search(&q, 0, 50)
        .expect("search")
        .items
        .into_iter()
        .map(|h| h.article.expect("stored").title)
        .collect()
}

#[test]
fn stemming_and_umlaut_folding_find_each_other() {
    let f = fixture();
    // `Verwaltungen` finds `Verwaltung` and the other way round.
    let both = [
        "Registermodernisierung kommt voran",
        "Brandenburg setzt das OZG um",
        "Sicherheit <script>",
    ];
    assert_eq!(titles(&f.index, "Verwaltungen"), both);
    assert_eq!(titles(&f.index, "verwaltung"), both);
    assert_eq!(
        titles(&f.index, "Verwaltung & –"),
        both,
        "punctuation is ignored"
    );
    assert!(titles(&f.index, "&").is_empty());
    assert_eq!(
        titles(&f.index, "Zustaendigkeit"),
        ["Brandenburg setzt das OZG um"]
    );
    assert_eq!(
        titles(&f.index, "Zuständigkeiten"),
        ["Brandenburg setzt das OZG um"]
    );
    // English articles are stemmed in English.
    assert_eq!(
        titles(&f.index, "administration"),
        ["Digital administrations in Europe"]
    );
}

#[test]
fn phrases_booleans_and_filters() {
    let f = fixture();
    assert_eq!(titles(&f.index, "\"Register modernisiert\"").len(), 0);
    assert_eq!(
        titles(&f.index, "\"modernisiert die Register\""),
        ["Registermodernisierung kommt voran"]
    );
    assert_eq!(
        titles(&f.index, "Verwaltung -OZG"),
        ["Registermodernisierung kommt voran", "Sicherheit <script>"]
    );
    assert_eq!(
        titles(&f.index, "OZG OR Registermodernisierung"),
        [
            "Registermodernisierung kommt voran",
            "Brandenburg setzt das OZG um"
        ]
    );
    let only_ozg = ["Brandenburg setzt das OZG um"];
    for q in [
        "keyword:ozg",
        "land:BB",
        "mentions:be",
        "level:land",
        "source:bb",
        "tag:\"digitale verwaltung\"",
        "Verwaltung from:2021-01-01 to:2021-12-31",
        "from:2021-03-04 to:2021-03-04",
    ] {
        assert_eq!(titles(&f.index, q), only_ozg, "{q}");
    }
    assert_eq!(
        titles(&f.index, "lang:en"),
        ["Digital administrations in Europe"]
    );
    assert_eq!(titles(&f.index, "to:2019").len(), 1);
    assert_eq!(titles(&f.index, "").len(), 4);
    assert_eq!(titles(&f.index, "-keyword:OZG").len(), 3);
}

#[test]
fn totals_facets_and_relevance() {
    let f = fixture();
    let q = query::parse("Verwaltung").expect("parses");
    let hits = f.index.search(&q, 0, 1).expect("search");
    assert_eq!(hits.total, 3);
    assert_eq!(hits.items.len(), 1);
    assert!(hits.items[0].score > 0.0);
    assert_eq!(
        hits.facets.sources,
        vec![("bmi".to_string(), 2), ("bb".to_string(), 1)]
    );
    assert_eq!(
        hits.facets.keywords,
        vec![
            ("OZG".to_string(), 1),
            ("Registermodernisierung".to_string(), 1)
        ]
    );
    assert_eq!(hits.facets.lands, vec![("BB".to_string(), 1)]);
    // A title match ranks above a text-only match.
    let q = query::parse("Registermodernisierung").expect("parses");
    let hits = f.index.search(&q, 0, 10).expect("search");
    assert_eq!(hits.total, 1);
    assert!(matches!(
        f.index.search(&q, MAX_OFFSET + 1, 10),
        Err(SearchError::TooDeep)
    ));
}

#[test]
fn snippets_mark_matches_and_escape_everything_else() {
    let f = fixture();
    let q = query::parse("Warnung").expect("parses");
    let hits = f.index.search(&q, 0, 10).expect("search");
    let html = &hits.items[0].snippet_html;
    assert!(html.contains("<b>Warnung</b>"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("&amp;"), "{html}");
    assert_eq!(mark("a<b", &[0..1, 0..1, 2..9]), "<b>a</b>&lt;b");
    assert_eq!(
        mark("äx", std::slice::from_ref(&(1..2))),
        "äx",
        "range inside a character is skipped"
    );
}

#[test]
fn add_replaces_by_id_and_commit_makes_it_visible() {
    let f = fixture();
    let mut a = corpus().remove(0);
    a.title = "Neuer Titel über Glasfaser".into();
    f.index.add(&a).expect("add");
    assert_eq!(titles(&f.index, "Glasfaser").len(), 0, "not before commit");
    assert_eq!(f.index.pending(), 1);
    f.index.commit().expect("commit");
    assert_eq!(f.index.pending(), 0);
    assert_eq!(
        f.index
            .count(&query::parse("Glasfaser").expect("q"))
            .expect("count"),
        1
    );
    assert_eq!(f.index.num_docs(), 4, "replaced, not duplicated");
    let matches = f.index.matches(&Query::default()).expect("matches");
    assert_eq!(matches.len(), 4);
    assert!(matches.windows(2).all(|w| w[0].0 >= w[1].0), "newest first");
}

#[test]
fn reindex_with_an_uncommitted_addition_keeps_one_document_per_article() {
    // `serve` runs `govwire reindex` for a client while its crawls add articles: an addition
    // still buffered when the reindex starts must not survive as a second document.
    let f = fixture();
    let a = corpus().remove(0);
    f.store.upsert(&a).expect("upsert");
    f.index.add(&a).expect("add");
    assert_eq!(f.index.reindex(&f.store).expect("reindex"), 4);
    assert_eq!(f.index.num_docs(), 4, "one document per stored article");
    assert_eq!(
        f.index.matches(&Query::default()).expect("matches").len(),
        4
    );
}

#[test]
fn rebuilds_when_missing_corrupt_stale_or_of_another_version() {
    let f = fixture();
    let Fixture {
        _dir,
        store,
        index,
        index_dir,
    } = f;
    drop(index);
    let reopen = || Index::open_or_rebuild(&index_dir, &store).expect("reopen");
    // Current: opened as is.
    assert_eq!(reopen().num_docs(), 4);
    // Deleted folder.
    std::fs::remove_dir_all(&index_dir).expect("rm");
    assert_eq!(reopen().num_docs(), 4);
    // Corrupt meta.json.
    std::fs::write(index_dir.join("meta.json"), b"{ not json").expect("corrupt");
    assert_eq!(reopen().num_docs(), 4);
    // Corrupt segment files.
    for entry in std::fs::read_dir(&index_dir).expect("ls") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "idx" || e == "term") {
            std::fs::write(&path, b"garbage").expect("corrupt segment");
        }
    }
    let idx = reopen();
    assert_eq!(
        idx.count(&query::parse("Verwaltung").expect("q"))
            .expect("count"),
        3
    );
    drop(idx);
    // Older schema version.
    std::fs::write(index_dir.join(VERSION_FILE), "0").expect("version");
    assert_eq!(reopen().num_docs(), 4);
    // Store grew behind the index's back.
    store
        .upsert(&article(
            "https://a.example/new",
            "Neu",
            "Text",
            (2023, 1, 1),
        ))
        .expect("upsert");
    assert_eq!(reopen().num_docs(), 5);
}

#[tokio::test]
async fn committer_makes_additions_visible_and_stops_on_signal() {
    let f = fixture();
    let index = std::sync::Arc::new(f.index);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let task = spawn_committer(index.clone(), Duration::from_millis(20), stop_rx);
    index
        .add(&article(
            "https://a.example/c",
            "Glasfaser",
            "Ausbau",
            (2024, 1, 1),
        ))
        .expect("add");
    let q = query::parse("Glasfaser").expect("q");
    let mut visible = false;
    for _ in 0..500 {
        if index.count(&q).expect("count") == 1 {
            visible = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(visible, "committed by the background task");
    // A last addition is committed when the stop signal arrives.
    index
        .add(&article(
            "https://a.example/d",
            "Glasfaser zwei",
            "",
            (2024, 1, 2),
        ))
        .expect("add");
    stop_tx.send(true).expect("stop");
    task.await.expect("committer ends");
    assert_eq!(index.count(&q).expect("count"), 2);
    assert_eq!(index.pending(), 0);
}

/// 600 articles over several segments (one commit per 150), a third of them later replaced
/// (so segments have deleted documents), with known sources, Lands, keywords and distinct
/// times: enough matches for block-wise collection and for pruning the newest candidates.
fn many() -> (tempfile::TempDir, Index, Vec<Article>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    let index = Index::open_or_rebuild(&dir.path().join("index"), &store).expect("index");
    let mut all = Vec::new();
    for i in 0..600u32 {
        let word = if i % 3 == 0 { "Haushalt" } else { "Verwaltung" };
        let mut a = article(
            &format!("https://m.example/{i}"),
            &format!("Meldung {i}"),
            &format!("Die {word} meldet Nummer {i}."),
            (2020, 1, 1),
        );
        // Distinct times, not in index order.
        let t = a.first_seen + chrono::Duration::minutes(i64::from((i * 7919) % 600));
        a.published = Some(t);
        a.first_seen = t;
        a.source_id = format!("s{}", i % 5);
        a.land = (i % 4 != 0).then_some(Land::ALL[(i % 16) as usize]);
        if i % 10 == 0 {
            a.keywords = vec!["OZG".into()];
        }
        if i % 7 == 0 {
            a.keywords.push("Registermodernisierung".into());
        }
        store.upsert(&a).expect("upsert");
        index.add(&a).expect("add");
        all.push(a);
        if i % 150 == 149 {
            index.commit().expect("commit");
        }
    }
    // Replace a third: the old versions become deleted documents in their segments.
    for a in all
        .iter_mut()
        .filter(|a| a.text.contains("Verwaltung"))
        .step_by(2)
    {
        a.title = format!("{} (neu)", a.title);
        store.upsert(a).expect("upsert");
        index.add(a).expect("replace");
    }
    index.commit().expect("commit");
    (dir, index, all)
}

/// Counts of `values` as facets report them: most frequent first, ties by name.
fn expected_counts<'a>(values: impl Iterator<Item = &'a str>) -> Counts {
    let mut map = std::collections::HashMap::<String, u64>::new();
    for v in values {
        *map.entry(v.to_string()).or_default() += 1;
    }
    let mut v: Counts = map.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

#[test]
fn totals_facets_and_date_pages_over_segments_with_deletions() {
    let (_dir, index, all) = many();
    assert!(index.num_segments() > 1, "the test needs several segments");
    let matching: Vec<&Article> = all
        .iter()
        .filter(|a| a.text.contains("Verwaltung"))
        .collect();
    assert_eq!(matching.len(), 400);
    let want = Facets {
        sources: expected_counts(matching.iter().map(|a| a.source_id.as_str())),
        keywords: expected_counts(
            matching
                .iter()
                .flat_map(|a| a.keywords.iter().map(|k| k.as_str())),
        ),
        lands: expected_counts(matching.iter().filter_map(|a| a.land).map(|l| l.code())),
    };
    let mut newest: Vec<&Article> = matching.clone();
    newest.sort_by_key(|a| std::cmp::Reverse(a.sort_time()));

    for sort in [Sort::Relevance, Sort::Date] {
        let mut q = query::parse("Verwaltungen").expect("parses");
        q.sort = sort;
        let hits = index.search(&q, 0, 10).expect("search");
        assert_eq!(hits.total, 400, "{sort:?}");
        assert_eq!(hits.facets, want, "{sort:?}");
        let bare = index.search_with(&q, 0, 10, false).expect("search");
        assert_eq!(bare.total, 400, "{sort:?}");
        assert_eq!(bare.facets, Facets::default(), "{sort:?}");
        assert_eq!(bare.items.len(), 10);
    }

    // Phrases, filters and several words take the one-pass path; same totals and facets.
    type Matches = fn(&Article) -> bool;
    let shapes: [(&str, Matches); 4] = [
        ("\"die verwaltung meldet\"", |a| {
            a.text.contains("Verwaltung")
        }),
        ("Verwaltung OR Haushalt", |_| true),
        ("Verwaltung land:BE", |a| {
            a.text.contains("Verwaltung") && a.land == Some(Land::BE)
        }),
        ("Haushalt -keyword:ozg", |a| {
            a.text.contains("Haushalt") && !a.keywords.iter().any(|k| k == "OZG")
        }),
    ];
    for (text, pred) in shapes {
        let m: Vec<&Article> = all.iter().filter(|a| pred(a)).collect();
        assert!(!m.is_empty(), "{text}: {}", m.len());
        let want = Facets {
            sources: expected_counts(m.iter().map(|a| a.source_id.as_str())),
            keywords: expected_counts(m.iter().flat_map(|a| a.keywords.iter().map(|k| k.as_str()))),
            lands: expected_counts(m.iter().filter_map(|a| a.land).map(|l| l.code())),
        };
        let hits = index
            .search(&query::parse(text).expect("parses"), 0, 10)
            .expect("search");
        assert_eq!(hits.total, m.len(), "{text}");
        assert_eq!(hits.facets, want, "{text}");
        assert_eq!(hits.items.len(), m.len().min(10), "{text}");
    }

    // Newest first, page after page, with the replaced versions (never the old ones).
    let mut q = query::parse("Verwaltung").expect("parses");
    q.sort = Sort::Date;
    let mut seen = Vec::new();
    for page in 0..5 {
        let hits = index.search(&q, page * 90, 90).expect("search");
        assert_eq!(hits.total, 400);
        assert_eq!(hits.items.len(), if page < 4 { 90 } else { 400 - 360 });
        seen.extend(hits.items.into_iter().map(|h| (h.id, h.score)));
    }
    let want: Vec<(ArticleId, f32)> = newest.iter().map(|a| (a.id, 0.0)).collect();
    assert_eq!(seen, want);
}

#[test]
fn waiting_for_merges_keeps_every_article_and_the_writer_usable() {
    let (_dir, index, all) = many();
    let before = index.num_segments();
    index.wait_merges().expect("wait");
    assert!(index.num_segments() <= before);
    assert_eq!(index.num_docs(), 600);
    let q = query::parse("Haushalt").expect("parses");
    assert_eq!(index.search(&q, 0, 5).expect("search").total, 200);
    // The fresh writer takes additions and replacements.
    let mut a = all[0].clone();
    a.text = "Ein Nachtragshaushalt.".into();
    index.add(&a).expect("add");
    index.commit().expect("commit");
    assert_eq!(index.search(&q, 0, 5).expect("search").total, 199);
    assert_eq!(index.num_docs(), 600);
    let q = query::parse("Nachtragshaushalt").expect("parses");
    assert_eq!(index.search(&q, 0, 5).expect("search").total, 1);
}

#[test]
fn an_index_committed_to_after_a_rebuild_opens_as_is() {
    let Fixture {
        _dir,
        store,
        index,
        index_dir,
    } = fixture();
    // An index-only change (the store keeps the old text) shows whether the next open
    // reused the folder or rebuilt it from the store.
    let mut changed = corpus().remove(0);
    changed.text = "Ein Sonderwort nur im Index.".into();
    index.add(&changed).expect("add");
    index.commit().expect("commit");
    index.add(&changed).expect("add");
    index.commit().expect("commit");
    index.wait_merges().expect("merges");
    drop(index);
    assert!(
        index_dir.join(VERSION_FILE).exists(),
        "commits kept the version file"
    );
    let reopened = Index::open_or_rebuild(&index_dir, &store).expect("reopen");
    let q = query::parse("Sonderwort").expect("parses");
    assert_eq!(
        reopened.count(&q).expect("count"),
        1,
        "opened as is, not rebuilt"
    );
}

/// The exact facets of `matching`, as a search for them must report them.
fn want_facets(matching: &[&Article]) -> Facets {
    Facets {
        sources: expected_counts(matching.iter().map(|a| a.source_id.as_str())),
        keywords: expected_counts(
            matching
                .iter()
                .flat_map(|a| a.keywords.iter().map(|k| k.as_str())),
        ),
        lands: expected_counts(matching.iter().filter_map(|a| a.land).map(|l| l.code())),
    }
}

#[test]
fn facet_tables_follow_deletions_changed_values_and_merges() {
    let (_dir, index, mut all) = many();
    let mut q = query::parse("Verwaltung").expect("parses");
    let matching = |all: &[Article]| -> Vec<Article> {
        all.iter()
            .filter(|a| a.text.contains("Verwaltung"))
            .cloned()
            .collect()
    };
    let check = |index: &Index, all: &[Article], q: &mut Query, what: &str| {
        let m = matching(all);
        let refs: Vec<&Article> = m.iter().collect();
        let mut newest = refs.clone();
        newest.sort_by_key(|a| std::cmp::Reverse(a.sort_time()));
        for sort in [Sort::Relevance, Sort::Date] {
            q.sort = sort;
            let hits = index.search(q, 0, 10).expect("search");
            assert_eq!(hits.total, m.len(), "{what} {sort:?}");
            assert_eq!(hits.facets, want_facets(&refs), "{what} {sort:?}");
            if sort == Sort::Date {
                let ids: Vec<ArticleId> = hits.items.iter().map(|h| h.id).collect();
                let want: Vec<ArticleId> = newest.iter().take(10).map(|a| a.id).collect();
                assert_eq!(ids, want, "{what}");
            }
        }
    };
    // Tables are built by this first search, one per segment.
    check(&index, &all, &mut q, "first");
    assert_eq!(index.tables.size().0, index.num_segments());
    // Change the facet values and the time of articles whose segments already have a table:
    // the old documents become deleted in those segments, the new ones land in a new segment.
    let mut later = all[0].first_seen + chrono::Duration::days(30);
    for a in all
        .iter_mut()
        .filter(|a| a.text.contains("Verwaltung"))
        .step_by(3)
    {
        a.source_id = "neu".into();
        a.land = Some(Land::HH);
        a.keywords = vec!["Cloud".into(), "OZG".into()];
        a.published = Some(later);
        later += chrono::Duration::minutes(1);
        index.add(a).expect("replace");
    }
    index.commit().expect("commit");
    check(&index, &all, &mut q, "after replacing");
    // Merging replaces segments: their tables go with them, the merged one is built anew.
    index.wait_merges().expect("merges");
    check(&index, &all, &mut q, "after merging");
    assert_eq!(
        index.tables.size().0,
        index.num_segments(),
        "tables of merged-away segments are dropped"
    );
}

#[test]
fn a_build_in_the_background_takes_articles_added_meanwhile_once_each() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    let mut all: Vec<Article> = (0..1000u32)
        .map(|i| {
            article(
                &format!("https://b.example/{i}"),
                &format!("Meldung {i}"),
                "Die Verwaltung meldet etwas.",
                (2021, 1, 1 + i % 28),
            )
        })
        .collect();
    for a in &all {
        store.upsert(a).expect("upsert");
    }
    // The build reads the store in key (id) order: the first turn takes the lowest ids.
    all.sort_by_key(|a| a.id.0);
    let index_dir = dir.path().join("index");
    let index = Index::open_or_create(&index_dir, &store).expect("create");
    assert!(!index.is_ready());
    let q = query::parse("Verwaltung").expect("parses");
    assert!(matches!(
        index.search(&q, 0, 10),
        Err(SearchError::Building {
            done: 0,
            total: 1000
        })
    ));
    assert!(matches!(index.count(&q), Err(SearchError::Building { .. })));

    // Crawled before the build starts: stored, then added (as `serve`'s crawler does).
    let fresh = |n: u32| {
        let a = article(
            &format!("https://b.example/neu/{n}"),
            &format!("Neuigkeit {n}"),
            "Die Verwaltung meldet Neues.",
            (2022, 2, 2),
        );
        store.upsert(&a).expect("upsert");
        a
    };
    let early = fresh(0);
    index.add(&early).expect("add");
    let mut in_between = Vec::new();
    let (first, last) = (all[0].clone(), all[999].clone());
    let mut turns = 0;
    let built = index
        .build_with(|| {
            turns += 1;
            if turns != 1 {
                return;
            }
            // After the first turn: one already indexed and one not yet reached are replaced,
            // a new one is stored and added, and the committer commits.
            for (a, title) in [(&first, "Erste geändert"), (&last, "Letzte geändert")] {
                let mut changed = a.clone();
                changed.title = title.into();
                store.upsert(&changed).expect("upsert");
                index.add(&changed).expect("add");
            }
            let new = fresh(1);
            index.add(&new).expect("add");
            in_between.push(new);
            index.commit().expect("commit during the build");
            assert!(!index.is_ready(), "a commit does not make it ready");
        })
        .expect("build");
    assert!(turns >= 3, "the build took several turns: {turns}");
    assert!(index.is_ready());
    assert!(
        built < 1002,
        "articles added before the build reached them are skipped"
    );
    // Stored after the build, added after it (the usual path).
    let late = fresh(2);
    index.add(&late).expect("add");
    index.commit().expect("commit");

    let total = store.count().expect("count");
    assert_eq!(total, 1003);
    assert_eq!(index.num_docs(), total, "every article once");
    assert_eq!(index.search(&q, 0, 10).expect("search").total, 1003);
    for (text, n) in [
        ("Neuigkeit", 3),
        ("\"Erste geändert\"", 1),
        ("\"Letzte geändert\"", 1),
        (&format!("\"{}\"", first.title), 0),
        (&format!("\"{}\"", last.title), 0),
    ] {
        let q = query::parse(text).expect("parses");
        assert_eq!(index.count(&q).expect("count"), n, "{text}");
    }
    drop(index);
    // Marked as current: the next open does not build again.
    let reopened = Index::open_or_create(&index_dir, &store).expect("reopen");
    assert!(reopened.is_ready());
    assert_eq!(reopened.num_docs(), 1003);
}

#[test]
fn a_stopped_build_leaves_the_folder_to_be_built_again() {
    let Fixture {
        _dir,
        store,
        index,
        index_dir,
    } = fixture();
    drop(index);
    std::fs::remove_file(index_dir.join(VERSION_FILE)).expect("unmark");
    let index = Index::open_or_create(&index_dir, &store).expect("create");
    assert!(!index.is_ready());
    index.stop_building();
    assert!(matches!(index.build(), Err(SearchError::Stopped)));
    assert!(!index.is_ready());
    drop(index);
    let again = Index::open_or_create(&index_dir, &store).expect("reopen");
    assert!(!again.is_ready(), "not marked as current, so built again");
    assert_eq!(again.build().expect("build"), 4);
    assert!(again.is_ready());
}

#[test]
fn days_in_filters_and_trends_are_berlin_days() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    // 00:30 on 1 January 2021 in Berlin is still 2020 in UTC.
    let new_year = Utc
        .with_ymd_and_hms(2020, 12, 31, 23, 30, 0)
        .single()
        .expect("date");
    let mut a = Article::sample(
        "https://a.example/neujahr",
        "Neujahrsempfang",
        "Der Empfang beginnt.",
        new_year,
    );
    a.source_id = "bmi".into();
    store.upsert(&a).expect("upsert");
    let index = Index::open_or_rebuild(&dir.path().join("index"), &store).expect("index");
    assert_eq!(
        titles(&index, "from:2021-01-01 to:2021-01-01"),
        ["Neujahrsempfang"]
    );
    assert!(titles(&index, "from:2020-12-31 to:2020-12-31").is_empty());
    let base = query::parse("").expect("parses");
    let t =
        trends::trend(&index, &["Empfang".into()], &base, trends::Period::Month).expect("trend");
    assert_eq!(
        t.periods,
        vec![chrono::NaiveDate::from_ymd_opt(2021, 1, 1).expect("day")]
    );
    assert_eq!(t.series[0].counts, vec![1]);
}
