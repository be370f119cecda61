//! OPML export and import: round trip, escaping, folders, junk, and the `sources
//! export-opml` / `import-opml --write` commands on a real config file.

use std::path::Path;
use std::process::{Command, Output};

use govwire::model::{Land, Level, SourceKind};
use govwire::opml::{self, OpmlError};

const CONFIG: &str = r#"# my sources — comments and layout must survive an import
[settings]
data_dir = "./data"

[[source]]
id = "bmi"
name = "Bundesministerium des Innern & für Heimat"
url = "https://www.bmi.bund.de/rss.xml?typ=presse&lang=de"
kind = "feed"
level = "bund"

[[source]]
id = "stk-nrw"
name = "Staatskanzlei <NRW> \"Presse\" 'aktuell' Düsseldorf"
url = "https://www.land.nrw/feed.xml"
kind = "feed"
level = "land"
land = "NW"

[[source]]
id = "kommune21"
name = "Kommune21"
url = "https://www.kommune21.de/meldung_liste.html"
kind = "html"
level = "presse"
[source.list]
item = "div.teaser"
"#;

#[test]
fn export_then_import_gives_the_same_feeds() {
    let config = govwire::config::parse(CONFIG, "sources.toml").expect("config");
    let xml = opml::export(&config.sources, "govwire sources");
    let doc = opml::parse(&xml).expect("own export parses");
    assert_eq!(doc.without_feed, 1, "the html source has no xmlUrl");
    let plan = opml::plan_import(&doc, &[], Level::Presse);
    assert!(plan.skipped.is_empty(), "{:?}", plan.skipped);
    let feeds: Vec<_> = config
        .sources
        .iter()
        .filter(|s| s.kind == SourceKind::Feed)
        .collect();
    assert_eq!(plan.new.len(), feeds.len());
    for (new, old) in plan.new.iter().zip(feeds) {
        assert_eq!(new.name, old.name);
        assert_eq!(new.url, old.url);
        assert_eq!((new.level, new.land), (old.level, old.land));
    }
    // The planned blocks are valid config, and the same sources again.
    let toml = opml::to_toml(&plan.new);
    let back = govwire::config::parse(&toml, "imported.toml").expect("valid blocks");
    let urls: Vec<_> = back.sources.iter().map(|s| s.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "https://www.bmi.bund.de/rss.xml?typ=presse&lang=de",
            "https://www.land.nrw/feed.xml"
        ]
    );
    assert_eq!(back.sources[1].land, Some(Land::NW));
    // Importing into the config it came from adds nothing.
    let again = opml::plan_import(&doc, &config.sources, Level::Presse);
    assert!(again.new.is_empty());
    assert_eq!(again.skipped.len(), 2);
    assert!(again.skipped[0].reason.contains("\"bmi\""));
}

#[test]
fn export_escapes_markup_quotes_and_ampersands() {
    let config = govwire::config::parse(CONFIG, "sources.toml").expect("config");
    let xml = opml::export(&config.sources, "Quellen <&> \"govwire\"");
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">"));
    assert!(
        xml.contains("<title>Quellen &lt;&amp;&gt; &quot;govwire&quot;</title>"),
        "{xml}"
    );
    assert!(
        xml.contains("text=\"Bundesministerium des Innern &amp; für Heimat\""),
        "{xml}"
    );
    assert!(xml.contains("xmlUrl=\"https://www.bmi.bund.de/rss.xml?typ=presse&amp;lang=de\""));
    assert!(
        xml.contains("Staatskanzlei &lt;NRW&gt; &quot;Presse&quot; &apos;aktuell&apos; Düsseldorf"),
        "{xml}"
    );
    assert!(xml.contains(
        "type=\"html\" htmlUrl=\"https://www.kommune21.de/meldung_liste.html\" category=\"/presse\""
    ));
    assert!(xml.contains("category=\"/land/NW\""));
    // Every attribute value reads back exactly, umlauts included.
    let doc = opml::parse(&xml).expect("parses");
    assert_eq!(
        doc.feeds[1].title,
        "Staatskanzlei <NRW> \"Presse\" 'aktuell' Düsseldorf"
    );
}

const NESTED: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<!-- exported by some reader -->
<opml version="1.0">
  <head><title>Abos</title></head>
  <body>
    <outline text="Bund">
      <outline text="Bundesregierung" type="rss" xmlUrl="https://www.bundesregierung.de/feed"/>
      <outline text="Ministerien" title="Ministerien">
        <outline title="BMI Presse" xmlURL="https://www.bmi.bund.de/feed.xml"/>
        <outline text="BMI Presse" xmlUrl="https://www.bmi.bund.de/andere.xml"></outline>
      </outline>
    </outline>
    <outline text="Sonstiges">
      <outline text="Ein Blog" htmlUrl="https://blog.test/"/>
      <outline text="Kaputt" xmlUrl="feed://kaputt.test/rss"/>
      <outline text="Doppelt" xmlUrl="https://www.bundesregierung.de/feed"/>
      <outline text="Münchner Stadtportal" xmlUrl="https://stadt.muenchen.de/rss" category="/kommune/BY"/>
    </outline>
    <outline text="Ohne Ordner" xmlUrl="https://ohne.test/atom.xml"/>
  </body>
</opml>
"#;

#[test]
fn nested_folders_are_flattened_and_ids_stay_unique() {
    let doc = opml::parse(NESTED).expect("parses");
    assert_eq!(doc.feeds.len(), 7);
    assert_eq!(doc.without_feed, 1);
    assert_eq!(doc.feeds[1].folders, ["Bund", "Ministerien"]);
    assert_eq!(
        doc.feeds[1].title, "BMI Presse",
        "title= stands in for a missing text="
    );
    assert_eq!(
        doc.feeds[1].xml_url, "https://www.bmi.bund.de/feed.xml",
        "xmlURL spelling"
    );

    let existing = govwire::config::parse(CONFIG, "sources.toml").expect("config");
    let plan = opml::plan_import(&doc, &existing.sources, Level::Presse);
    let ids: Vec<_> = plan.new.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "bundesregierung",
            "bmi-presse",
            "bmi-presse-2",
            "muenchner-stadtportal",
            "ohne-ordner"
        ]
    );
    let levels: Vec<_> = plan.new.iter().map(|s| (s.level, s.land)).collect();
    assert_eq!(
        levels,
        [
            (Level::Bund, None),
            (Level::Bund, None),
            (Level::Bund, None),
            (Level::Kommune, Some(Land::BY)),
            (Level::Presse, None)
        ]
    );
    let reasons: Vec<_> = plan.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "not an absolute http(s) URL",
            "the same feed as \"bundesregierung\" above"
        ]
    );
    let toml = opml::to_toml(&plan.new);
    assert!(toml.contains(
        "# imported from OPML, folder: Bund / Ministerien\n[[source]]\nid = \"bmi-presse\""
    ));
    let combined = format!("{CONFIG}{toml}");
    let config = govwire::config::parse(&combined, "sources.toml").expect("still valid");
    assert_eq!(config.sources.len(), 8);
}

#[test]
fn junk_gives_a_clear_error() {
    let cases: &[(&str, &str)] = &[
        (
            "das ist kein XML, sondern ein Einkaufszettel",
            "text before any element",
        ),
        ("", "no XML elements at all"),
        (
            "<!DOCTYPE html><html><head><title>x</title></head><body></body></html>",
            "the root element is <html>, expected <opml>",
        ),
        (
            "<opml version=\"2.0\"><head/></opml>",
            "<opml> has no <body>",
        ),
        ("<opml/>", "<opml> has no <body>"),
        (
            "<opml>\n<body>\n<outline text=\"a\">\n</body>\n</opml>",
            "not well-formed XML at line 4",
        ),
        (
            "<opml><body>\n<outline text=\"a\" xmlUrl=\"https://a.test/f\"/>\n",
            "the file ends before </opml>",
        ),
        (
            "<opml><body><outline text=\"&unbekannt;\" xmlUrl=\"https://a.test/\"/></body></opml>",
            "not well-formed XML at line 1",
        ),
    ];
    for (input, want) in cases {
        let err = opml::parse(input).expect_err(input);
        assert!(err.to_string().contains(want), "{input:?}: {err}");
    }
    // Entities declared in a DTD are never expanded (no billion laughs).
    let laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE opml [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>\n<opml><body><outline text=\"&b;\" xmlUrl=\"https://a.test/\"/></body></opml>";
    let err = opml::parse(laughs).expect_err("custom entity");
    assert!(matches!(err, OpmlError::Xml { line: 3, .. }), "{err}");
    let shipped = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile/billion-laughs.xml"),
    )
    .expect("fixture");
    assert!(opml::parse(&shipped).is_err());
}

fn govwire(config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_govwire"))
        .arg("-c")
        .arg(config)
        .args(args)
        .env_remove("GOVWIRE_CONFIG")
        .env_remove("GOVWIRE_DATA_DIR")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run govwire")
}

#[test]
fn the_commands_export_and_append_without_touching_the_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let from = dir.path().join("from.toml");
    std::fs::write(&from, CONFIG).expect("write");
    let out_file = dir.path().join("sources.opml");
    let out = govwire(
        &from,
        &[
            "sources",
            "export-opml",
            "--output",
            out_file.to_str().expect("utf-8"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = govwire(&from, &["sources", "export-opml"]);
    let exported = std::fs::read_to_string(&out_file).expect("exported");
    assert_eq!(String::from_utf8_lossy(&out.stdout), exported);

    // A config without a trailing newline that already uses the id an import would pick.
    let original = "[[source]]\nid = \"bundesministerium-des-innern-fuer-heimat\"\nname = \"Anderes\"\nurl = \"https://other.test/feed\"\nkind = \"feed\"\nlevel = \"presse\"";
    let to = dir.path().join("to.toml");
    std::fs::write(&to, original).expect("write");
    let opml_path = out_file.to_str().expect("utf-8");

    let preview = govwire(&to, &["sources", "import-opml", opml_path]);
    assert!(
        preview.status.success(),
        "{}",
        String::from_utf8_lossy(&preview.stderr)
    );
    let blocks = String::from_utf8_lossy(&preview.stdout);
    assert!(
        blocks.contains("id = \"bundesministerium-des-innern-fuer-heimat-2\""),
        "{blocks}"
    );
    assert_eq!(
        std::fs::read_to_string(&to).expect("read"),
        original,
        "no --write, no change"
    );

    let write = govwire(&to, &["sources", "import-opml", opml_path, "--write"]);
    let stderr = String::from_utf8_lossy(&write.stderr);
    assert!(write.status.success(), "{stderr}");
    assert!(stderr.contains("appended 2 sources"), "{stderr}");
    assert!(stderr.contains("without xmlUrl"), "{stderr}");
    let after = std::fs::read_to_string(&to).expect("read");
    assert!(
        after.starts_with(original),
        "existing text kept byte for byte"
    );
    assert_eq!(&after[original.len()..original.len() + 1], "\n");
    let config = govwire::config::load(&to).expect("still loads");
    let names: Vec<_> = config.sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Anderes",
            "Bundesministerium des Innern & für Heimat",
            "Staatskanzlei <NRW> \"Presse\" 'aktuell' Düsseldorf"
        ]
    );

    // Importing again finds everything configured and leaves the file alone.
    let again = govwire(&to, &["sources", "import-opml", opml_path, "--write"]);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("nothing new to import"));
    assert_eq!(std::fs::read_to_string(&to).expect("read"), after);

    let junk = dir.path().join("junk.opml");
    std::fs::write(&junk, "<html><body>Fehler 404</body></html>").expect("write");
    let bad = govwire(
        &to,
        &[
            "sources",
            "import-opml",
            junk.to_str().expect("utf-8"),
            "--write",
        ],
    );
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success());
    assert!(
        stderr.contains("junk.opml: not an OPML file: the root element is <html>"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&to).expect("read"), after);
}
