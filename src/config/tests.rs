//! Tests of `parse` and `load` over whole files: valid input, every kind of bad input, defaults.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::*;
use crate::model::{ArticleSelectors, Land, Level, ListSelectors, SourceKind};

const FULL: &str = r##"
[settings]
data_dir = "/srv/govwire"
listen = "0.0.0.0:9090"
user_agent = "govwire-test (+https://example.org/contact)"
default_interval = "2h"
per_host_interval = 3
max_concurrency = 4
timeout = "1m"
connect_timeout = "5s"
max_body = "512KiB"
max_items_per_source = 50

[[source]]
id = "kommune21"
name = "Kommune21"
url = "https://www.kommune21.de/meldungen"
kind = "html"
interval = "1h"
level = "presse"
fetch_articles = true
[source.list]
item = "div.teaser"
link = "h3 a"
title = "h3"
date = ".date"
[source.article]
title = "h1"
date = ".date"
body = "#content"
tags = ".stichwoerter a"
remove = ".related, .share"

[[source]]
id = "stmd"
name = "Bayerisches Staatsministerium für Digitales"
url = "https://www.stmd.bayern.de/feed/"
kind = "feed"
level = "land"
land = "BY"
fetch_articles = false

[[keyword]]
name = "OZG"
case_sensitive = true

[[keyword]]
name = "Servicekonto"
aliases = ["Servicekonten", "Nutzerkonto"]
prefix = true
"##;

#[test]
fn full_file_parses_into_expected_values() {
    let cfg = parse(FULL, "full.toml").expect("valid file");
    let s = &cfg.settings;
    assert_eq!(s.data_dir, PathBuf::from("/srv/govwire"));
    assert_eq!(s.listen.to_string(), "0.0.0.0:9090");
    assert_eq!(s.user_agent, "govwire-test (+https://example.org/contact)");
    assert_eq!(s.default_interval, Duration::from_secs(7200));
    assert_eq!(s.per_host_interval, Duration::from_secs(3));
    assert_eq!(s.max_concurrency, 4);
    assert_eq!(s.timeout, Duration::from_secs(60));
    assert_eq!(s.connect_timeout, Duration::from_secs(5));
    assert_eq!(s.max_body_bytes, 512 * 1024);
    assert_eq!(s.max_items_per_source, 50);

    let k21 = Source {
        id: "kommune21".into(),
        name: "Kommune21".into(),
        url: "https://www.kommune21.de/meldungen".into(),
        kind: SourceKind::Html,
        interval: Duration::from_secs(3600),
        level: Level::Presse,
        land: None,
        list: Some(ListSelectors {
            item: "div.teaser".into(),
            link: Some("h3 a".into()),
            title: Some("h3".into()),
            date: Some(".date".into()),
        }),
        article: ArticleSelectors {
            title: Some("h1".into()),
            date: Some(".date".into()),
            body: Some("#content".into()),
            tags: Some(".stichwoerter a".into()),
            remove: Some(".related, .share".into()),
            ..ArticleSelectors::default()
        },
        fetch_articles: true,
        entries: Default::default(),
    };
    let stmd = Source {
        id: "stmd".into(),
        name: "Bayerisches Staatsministerium für Digitales".into(),
        url: "https://www.stmd.bayern.de/feed/".into(),
        kind: SourceKind::Feed,
        interval: Duration::from_secs(7200), // the file's default_interval
        level: Level::Land,
        land: Some(Land::BY),
        list: None,
        article: ArticleSelectors::default(),
        fetch_articles: false,
        entries: Default::default(),
    };
    assert_eq!(cfg.sources, vec![k21, stmd]);
    assert_eq!(cfg.source("stmd").map(|s| s.land), Some(Some(Land::BY)));
    assert!(cfg.source("nope").is_none());

    let ozg = Keyword {
        name: "OZG".into(),
        aliases: vec![],
        case_sensitive: true,
        prefix: false,
    };
    let sk = Keyword {
        name: "Servicekonto".into(),
        aliases: vec!["Servicekonten".into(), "Nutzerkonto".into()],
        case_sensitive: false,
        prefix: true,
    };
    assert_eq!(cfg.keywords, vec![ozg, sk]);
}

#[test]
fn missing_settings_and_optional_fields_take_defaults() {
    let text = r#"
[[source]]
id = "bmi"
name = "BMI"
url = "https://www.bmi.bund.de/rss"
kind = "feed"
level = "bund"
"#;
    let cfg = parse(text, "min.toml").expect("valid file");
    assert_eq!(cfg.settings, Settings::default());
    let bmi = cfg.source("bmi").expect("bmi configured");
    assert_eq!(bmi.interval, Duration::from_secs(30 * 60));
    assert!(bmi.fetch_articles);
    assert_eq!(bmi.land, None);
    assert_eq!(bmi.list, None);
    assert_eq!(bmi.article, ArticleSelectors::default());
    assert!(cfg.keywords.is_empty());

    let empty = parse("", "empty.toml").expect("an empty file is valid");
    assert_eq!(empty.settings, Settings::default());
    assert!(empty.sources.is_empty());
}

/// A valid feed source starting on line 1; cases append or replace lines after it.
const FEED: &str = "[[source]]\nid = \"a\"\nname = \"A\"\nurl = \"https://a.example/feed\"\nkind = \"feed\"\nlevel = \"bund\"\n";

fn with_feed(extra: &str) -> String {
    format!("{FEED}{extra}")
}

/// An html source without its `[source.list]` table, lines 1–6.
const HTML: &str = "[[source]]\nid = \"h\"\nname = \"H\"\nurl = \"https://h.example/\"\nkind = \"html\"\nlevel = \"kommune\"\n";

fn with_html(extra: &str) -> String {
    format!("{HTML}{extra}")
}

#[test]
fn each_bad_value_names_file_line_and_field() {
    // (what, file text, line, field, part of the message)
    let cases: Vec<(&str, String, usize, &str, &str)> = vec![
        ("unknown top key", "sourcez = 1\n".into(), 1, "sourcez", "unknown key"),
        ("unknown settings key", "[settings]\nlisten = \"127.0.0.1:1\"\nfoo = 1\n".into(), 3, "foo", "unknown key"),
        ("unknown source key", with_feed("colour = \"red\"\n"), 7, "colour", "unknown key"),
        ("unknown list key", with_html("[source.list]\nitem = \"li\"\nlnk = \"a\"\n"), 9, "list.lnk", "unknown key"),
        ("unknown article key", with_feed("[source.article]\nbodyy = \"main\"\n"), 8, "article.bodyy", "unknown key"),
        ("unknown keyword key", "[[keyword]]\nname = \"OZG\"\nalias = [\"x\"]\n".into(), 3, "alias", "unknown key"),
        ("unparsable url", FEED.replace("https://a.example/feed", "not a url"), 4, "url", "invalid URL"),
        ("non-http scheme", FEED.replace("https://a.example/feed", "ftp://a.example/feed"), 4, "url", "scheme"),
        ("unknown kind", FEED.replace("\"feed\"", "\"rss\""), 5, "kind", "unknown kind \"rss\""),
        ("unknown level", FEED.replace("\"bund\"", "\"federal\""), 6, "level", "unknown level"),
        ("unknown land", with_feed("land = \"XY\"\n"), 7, "land", "unknown Land \"XY\" (expected one of BW, BY,"),
        ("bad duration", with_feed("interval = \"5 minutes\"\n"), 7, "interval", "invalid duration"),
        ("zero interval", with_feed("interval = 0\n"), 7, "interval", "greater than zero"),
        ("zero interval string", with_feed("interval = \"0m\"\n"), 7, "interval", "greater than zero"),
        ("absurd default interval", "[settings]\ndefault_interval = \"99999999999d\"\n".into(), 2, "default_interval", "too long (at most 365d)"),
        ("absurd interval", with_feed("interval = \"400d\"\n"), 7, "interval", "too long"),
        ("absurd timeout", "[settings]\ntimeout = \"2h\"\n".into(), 2, "timeout", "too long (at most 1h)"),
        ("overflowing duration", with_feed("interval = \"999999999999999d\"\n"), 7, "interval", "too large"),
        ("huge body cap", "[settings]\nmax_body = \"2GiB\"\n".into(), 2, "max_body", "too large (at most 1GiB)"),
        ("huge concurrency", "[settings]\nmax_concurrency = 100000\n".into(), 2, "max_concurrency", "too large"),
        ("bad size", "[settings]\nmax_body = \"10MB\"\n".into(), 2, "max_body", "invalid size"),
        ("bad settings duration", "[settings]\n\ntimeout = \"soon\"\n".into(), 3, "timeout", "invalid duration"),
        ("zero concurrency", "[settings]\nmax_concurrency = 0\n".into(), 2, "max_concurrency", "positive integer"),
        ("listen not a socket address", "[settings]\nlisten = \"localhost\"\n".into(), 2, "listen", "not a socket address"),
        ("wrong type", FEED.replace("name = \"A\"", "name = 5"), 3, "name", "expected a string, found integer"),
        ("wrong bool type", with_feed("fetch_articles = \"yes\"\n"), 7, "fetch_articles", "expected true or false"),
        ("empty name", FEED.replace("name = \"A\"", "name = \"  \""), 3, "name", "must not be empty"),
        ("missing name", FEED.replace("name = \"A\"\n", ""), 1, "name", "missing required field"),
        ("bad id", FEED.replace("id = \"a\"", "id = \"Bad_Id\""), 2, "id", "invalid id"),
        ("duplicate id", format!("{FEED}\n{FEED}"), 9, "id", "duplicate source id \"a\" (first used on line 2)"),
        ("invalid selector", with_feed("[source.article]\nbody = \"div..x\"\n"), 8, "article.body", "invalid CSS selector"),
        ("invalid author selector", with_feed("[source.article]\nauthor = \".byline[\"\n"), 8, "article.author", "invalid CSS selector"),
        ("invalid kicker selector", with_feed("[source.article]\ntitle = \"h1\"\nkicker = \"p..dachzeile\"\n"), 9, "article.kicker", "invalid CSS selector"),
        ("invalid subtitle selector", with_feed("[source.article]\nsubtitle = \"h2:nope(\"\n"), 8, "article.subtitle", "invalid CSS selector"),
        ("invalid summary selector", with_feed("[source.article]\nsummary = \">>\"\n"), 8, "article.summary", "invalid CSS selector"),
        ("summary selector not a string", with_feed("[source.article]\nsummary = 3\n"), 8, "article.summary", "expected a string"),
        ("list on a feed", with_feed("[source.list]\nitem = \"li\"\n"), 7, "list", "only for kind = \"html\""),
        ("list without item", with_html("[source.list]\nlink = \"a\"\n"), 7, "list.item", "missing required field"),
        ("invalid list selector", with_html("[source.list]\nitem = \"li[\"\n"), 8, "list.item", "invalid CSS selector"),
        ("duplicate keyword name", "[[keyword]]\nname = \"OZG\"\n\n[[keyword]]\nname = \"ozg\"\n".into(), 5, "name", "duplicate keyword spelling \"ozg\" (already used by keyword \"OZG\" on line 2)"),
        ("alias repeats a name", "[[keyword]]\nname = \"BundID\"\n[[keyword]]\nname = \"Bund\"\naliases = [\"x\", \"BundID\"]\n".into(), 5, "aliases", "duplicate keyword spelling \"BundID\""),
        ("empty alias", "[[keyword]]\nname = \"EfA\"\naliases = [\"\"]\n".into(), 3, "aliases", "must not be empty"),
        ("empty keyword name", "[[keyword]]\nname = \"\"\n".into(), 2, "name", "must not be empty"),
    ];
    for (what, text, line, field, part) in cases {
        let err = parse(&text, "sources.toml").expect_err(what);
        let shown = err.to_string();
        let want_prefix = format!("sources.toml:{line}:");
        let want_field = format!("field `{field}`");
        let hit = shown
            .lines()
            .any(|l| l.starts_with(&want_prefix) && l.contains(&want_field) && l.contains(part));
        assert!(
            hit,
            "{what}: wanted line {line}, {want_field}, {part:?}; got:\n{shown}"
        );
    }
}

#[test]
fn problems_carry_the_source_context() {
    let err = parse(&with_feed("land = \"XY\"\n"), "sources.toml").expect_err("bad land");
    let problems = err.problems();
    assert_eq!(problems.len(), 1, "{err}");
    assert_eq!(problems[0].context, "[[source]] \"a\"");
    assert_eq!(
        problems[0].to_string(),
        "sources.toml:7:8: [[source]] \"a\": field `land`: unknown Land \"XY\" (expected one of \
         BW, BY, BE, BB, HB, HH, HE, MV, NI, NW, RP, SL, SN, ST, SH, TH)"
    );
}

#[test]
fn all_problems_are_reported_in_file_order() {
    let text = r#"[settings]
listen = "nowhere"
bogus = true

[[source]]
id = "x"
name = ""
url = "mailto:a@b.c"
kind = "html"
level = "staat"
land = "ZZ"

[[keyword]]
name = "OZG"
extra = 1
"#;
    let err = parse(text, "many.toml").expect_err("many problems");
    let got: Vec<(usize, &str)> = err
        .problems()
        .iter()
        .map(|p| (p.line, p.field.as_str()))
        .collect();
    let want = vec![
        (2, "listen"),
        (3, "bogus"),
        (7, "name"),
        (8, "url"),
        (10, "level"),
        (11, "land"),
        (15, "extra"),
    ];
    assert_eq!(got, want, "{err}");
    assert_eq!(err.to_string().lines().count(), want.len());
}

#[test]
fn syntax_errors_are_located() {
    let err = parse("[settings]\nlisten = \n", "broken.toml").expect_err("syntax");
    let shown = err.to_string();
    assert!(shown.starts_with("broken.toml:2:"), "{shown}");
    assert!(shown.contains("TOML syntax error"), "{shown}");

    let err = parse("[[source]]\nid = \"a\"\nid = \"b\"\n", "dup.toml").expect_err("dup key");
    assert!(err.to_string().starts_with("dup.toml:3:"), "{err}");
}

#[test]
fn wrong_top_level_shapes_are_reported() {
    let cases = [
        ("settings = 1\n", "settings", "expected a table"),
        ("source = \"x\"\n", "source", "expected an array of tables"),
        ("keyword = [1]\n", "keyword", "expected a table"),
    ];
    for (text, field, part) in cases {
        let err = parse(text, "t.toml").expect_err(text);
        let shown = err.to_string();
        assert!(
            shown.starts_with("t.toml:1:") && shown.contains(field) && shown.contains(part),
            "{text}: {shown}"
        );
    }
}

#[test]
fn load_names_the_missing_path() {
    let path = Path::new("/nonexistent/govwire/sources.toml");
    let err = load(path).expect_err("missing file");
    assert!(
        err.to_string()
            .contains("/nonexistent/govwire/sources.toml"),
        "{err}"
    );
}

#[test]
fn load_uses_the_path_in_problems() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "[settings]\nmax_concurrency = -1\n").expect("write");
    let err = load(&path).expect_err("bad value");
    let want = format!("{}:2:", path.display());
    assert!(err.to_string().starts_with(&want), "{err}");
}

#[test]
fn shipped_sources_toml_is_valid() {
    let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/sources.toml"));
    let cfg = load(path).unwrap_or_else(|e| panic!("shipped sources.toml is invalid:\n{e}"));
    assert!(
        cfg.sources.len() >= 10,
        "only {} sources",
        cfg.sources.len()
    );
    let names: Vec<&str> = cfg.keywords.iter().map(|k| k.name.as_str()).collect();
    for want in [
        "OZG",
        "Onlinezugangsgesetz",
        "BayernPortal",
        "Registermodernisierung",
        "Servicekonto",
        "BundID",
        "Einer-für-Alle",
    ] {
        assert!(
            names.contains(&want),
            "keyword {want} missing from {names:?}"
        );
    }
    for level in Level::ALL {
        assert!(
            cfg.sources.iter().any(|s| s.level == level),
            "no source at level {level}"
        );
    }
    // The HTML sources whose selectors were guessed are automatic (issue 17).
    assert!(
        cfg.sources
            .iter()
            .any(|s| s.kind == SourceKind::Auto && s.list.is_none())
    );
    assert!(cfg.sources.iter().all(|s| s.kind != SourceKind::Html));
}

/// A valid `[digest.email]` table on lines 1–6; cases append or replace lines.
const EMAIL: &str = "[digest.email]\nsmtp_host = \"mail.example.org\"\nfrom = \"govwire <digest@example.org>\"\nto = [\"a@example.org\"]\nsend_at = \"06:30\"\ntls = \"tls\"\n";

#[test]
fn digest_email_parses_with_defaults() {
    let cfg = parse(EMAIL, "sources.toml").expect("valid email table");
    let e = cfg.digest.email.expect("email configured");
    assert_eq!(e.smtp_host, "mail.example.org");
    assert_eq!(e.smtp_port, 465, "tls defaults to port 465");
    assert_eq!(e.tls, SmtpTls::Tls);
    assert_eq!(e.from, "govwire <digest@example.org>");
    assert_eq!(e.to, vec!["a@example.org".to_string()]);
    assert_eq!(
        e.send_at,
        chrono::NaiveTime::from_hms_opt(6, 30, 0).unwrap()
    );
    assert_eq!((e.username_env, e.password_env), (None, None));
    assert_eq!(e.subject_prefix, "[govwire]", "the default prefix");

    let text = "[digest.email]\nsmtp_host = \"127.0.0.1\"\nsmtp_port = 2525\ntls = \"none\"\n\
                username_env = \"SMTP_USER\"\npassword_env = \"SMTP_PASS\"\n\
                from = \"d@example.org\"\nto = [\"Jürgen Müller <j@example.org>\", \"b@example.org\"]\n\
                subject_prefix = \"[govwire]\"\n";
    let e = parse(text, "t.toml")
        .expect("valid")
        .digest
        .email
        .expect("email");
    assert_eq!((e.smtp_port, e.tls), (2525, SmtpTls::None));
    assert_eq!(e.send_at, chrono::NaiveTime::from_hms_opt(7, 0, 0).unwrap());
    assert_eq!(e.username_env.as_deref(), Some("SMTP_USER"));
    assert_eq!(e.password_env.as_deref(), Some("SMTP_PASS"));
    assert_eq!(e.to.len(), 2);
    assert_eq!(e.subject_prefix, "[govwire]");

    let none = parse("", "t.toml").expect("empty");
    assert_eq!(none.digest, DigestConfig::default());
    assert!(none.digest.email.is_none());
}

#[test]
fn bad_digest_values_name_file_line_and_field() {
    let cases: Vec<(&str, String, usize, &str, &str)> = vec![
        (
            "bad send_at",
            EMAIL.replace("\"06:30\"", "\"7 Uhr\""),
            5,
            "send_at",
            "invalid time \"7 Uhr\"",
        ),
        (
            "send_at out of range",
            EMAIL.replace("\"06:30\"", "\"24:00\""),
            5,
            "send_at",
            "invalid time",
        ),
        (
            "bad from",
            EMAIL.replace("govwire <digest@example.org>", "digest at example"),
            3,
            "from",
            "invalid e-mail address",
        ),
        (
            "bad recipient",
            EMAIL.replace("[\"a@example.org\"]", "[\"a@example.org\", \"nobody\"]"),
            4,
            "to",
            "invalid e-mail address \"nobody\"",
        ),
        (
            "no recipients",
            EMAIL.replace("[\"a@example.org\"]", "[]"),
            4,
            "to",
            "at least one recipient",
        ),
        (
            "missing to",
            EMAIL.replace("to = [\"a@example.org\"]\n", ""),
            1,
            "to",
            "missing required field",
        ),
        (
            "missing host",
            EMAIL.replace("smtp_host = \"mail.example.org\"\n", ""),
            1,
            "smtp_host",
            "missing required field",
        ),
        (
            "unknown tls",
            EMAIL.replace("\"tls\"", "\"ssl\""),
            6,
            "tls",
            "unknown TLS mode \"ssl\"",
        ),
        (
            "port out of range",
            format!("{EMAIL}smtp_port = 70000\n"),
            7,
            "smtp_port",
            "between 1 and 65535",
        ),
        (
            "secret instead of a name",
            format!("{EMAIL}username_env = \"U\"\npassword_env = \"hunter2!\"\n"),
            8,
            "password_env",
            "not an environment variable name",
        ),
        (
            "only one credential",
            format!("{EMAIL}username_env = \"U\"\n"),
            1,
            "password_env",
            "must be given together",
        ),
        (
            "unknown email key",
            format!("{EMAIL}port = 25\n"),
            7,
            "port",
            "unknown key",
        ),
        (
            "unknown digest key",
            "[digest]\nhour = 7\n".into(),
            2,
            "hour",
            "unknown key",
        ),
    ];
    for (what, text, line, field, part) in cases {
        let err = parse(&text, "sources.toml").expect_err(what);
        let shown = err.to_string();
        let want_prefix = format!("sources.toml:{line}:");
        let want_field = format!("field `{field}`");
        let hit = shown
            .lines()
            .any(|l| l.starts_with(&want_prefix) && l.contains(&want_field) && l.contains(part));
        assert!(
            hit,
            "{what}: wanted line {line}, {want_field}, {part:?}; got:\n{shown}"
        );
    }
}

#[test]
fn a_source_may_be_just_a_url() {
    let text = "[[source]]\nid = \"bare\"\nname = \"Gemeinde\"\nurl = \"https://g.example/aktuelles/\"\n\n\
                [[source]]\nid = \"h\"\nname = \"H\"\nurl = \"https://h.example/\"\nkind = \"html\"\nlevel = \"land\"\n";
    let c = parse(text, "sources.toml").expect("bare sources parse");
    let bare = c.source("bare").expect("bare");
    assert_eq!(bare.kind, SourceKind::Auto);
    assert_eq!(bare.level, crate::model::Level::Kommune);
    assert!(bare.list.is_none());
    let html = c.source("h").expect("h");
    assert_eq!((html.kind, html.list.is_none()), (SourceKind::Html, true));
}

#[test]
fn automatic_sources_take_feeds_lists_and_sitemaps() {
    let text = "[[source]]\nid = \"s\"\nname = \"S\"\nurl = \"https://s.example/\"\n\
                feeds = [\"https://s.example/feed/\"]\nlists = [\"https://s.example/presse/\"]\n\
                sitemaps = [\"https://s.example/sitemap.xml\"]\n";
    let cfg = parse(text, "sources.toml").expect("valid");
    let e = &cfg.sources[0].entries;
    assert_eq!(e.feeds, ["https://s.example/feed/"]);
    assert_eq!(e.lists, ["https://s.example/presse/"]);
    assert_eq!(e.sitemaps, ["https://s.example/sitemap.xml"]);
    let err = parse(
        &with_feed("lists = [\"https://a.example/x\"]\n"),
        "sources.toml",
    )
    .expect_err("lists on a feed");
    assert!(
        err.to_string().contains("only for automatic sources"),
        "{err}"
    );
    let text = "[[source]]\nid = \"s\"\nname = \"S\"\nurl = \"https://s.example/\"\nfeeds = [\"ftp://x\"]\n";
    assert!(parse(text, "sources.toml").is_err());
}
