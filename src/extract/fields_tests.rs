//! Field fixtures for issue 22: small pages of our own, one per defect, in the styles of the
//! CMSs government sites use (Government Site Builder, TYPO3, Drupal, WordPress, a legacy
//! table layout). Each asserts the field the reader sees, not internals.

use super::extract_article;
use crate::model::{ArticleSelectors, Draft};

const URL: &str = "http://127.0.0.1:8080/presse/meldung-1.html";

/// Three paragraphs of plain article prose, so the main text is unambiguous.
const PROSE: &str = "<p>Die Landesregierung hat am Dienstag ein neues Förderprogramm für die Kommunen beschlossen, das den Ausbau digitaler Verwaltungsleistungen in den nächsten drei Jahren unterstützt.</p>\
<p>Gefördert werden Projekte, die Anträge vollständig online ermöglichen und Bürgerinnen und Bürgern Wege ins Amt ersparen, wie die Ministerin in Potsdam erläuterte.</p>\
<p>Die Mittel stehen ab dem Frühjahr bereit; Anträge können die Landkreise und kreisfreien Städte bis zum Herbst bei der Investitionsbank stellen.</p>";

fn page(head: &str, article: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"de\"><head><meta charset=\"utf-8\"><title>Meldung</title>{head}</head>\
<body><header class=\"site-header\"><nav><a href=\"/\">Start</a> <a href=\"/presse\">Presse</a></nav></header>\
<main><article>{article}</article></main><footer>Impressum · Datenschutz</footer></body></html>"
    )
}

fn auto(html: &str) -> Draft {
    extract_article(html, URL, &ArticleSelectors::default()).expect("extracts")
}

fn assert_absent(d: &Draft, needles: &[&str]) {
    for n in needles {
        assert!(
            !d.text.contains(n),
            "`{n}` leaked into the body:\n{}",
            d.text
        );
        assert!(
            !d.summary.as_deref().unwrap_or_default().contains(n),
            "`{n}` leaked into the summary: {:?}",
            d.summary
        );
    }
}

#[test]
fn captions_in_figure_and_figcaption_stay_out_of_the_body() {
    // WordPress style: figure with figcaption; GSB style: a caption paragraph inside a figure.
    let html = page(
        "",
        &format!(
            "<h1>Förderprogramm beschlossen</h1>{PROSE}\
<figure class=\"wp-block-image\"><img src=\"a.jpg\" alt=\"\"><figcaption>Symbolbild: Ein Laptop mit E-Akte und BundID auf dem Bildschirm.</figcaption></figure>\
<figure><img src=\"b.jpg\" alt=\"\"><p>Die Ministerin stellt das Programm zur E-Akte vor, daneben ein Plakat zur BundID.</p></figure>\
<p>Weitere Auskünfte erteilt das Ministerium des Innern und für Kommunales gern auf Anfrage.</p>"
        ),
    );
    let d = auto(&html);
    assert!(
        d.text.contains("Förderprogramm für die Kommunen"),
        "{}",
        d.text
    );
    assert!(d.text.contains("Weitere Auskünfte"), "{}", d.text);
    assert_absent(&d, &["E-Akte", "BundID"]);
}

#[test]
fn caption_classes_stay_out_of_the_body() {
    // TYPO3 and Drupal style: caption blocks by class, in German and English.
    for class in [
        "bildunterschrift",
        "ce-bildunterschrift",
        "image-caption",
        "bildtext",
        "c-image__caption",
        "field--name-field-image-caption",
    ] {
        let html = page(
            "",
            &format!(
                "<h1>Förderprogramm beschlossen</h1>{PROSE}\
<div class=\"ce-image\"><img src=\"a.jpg\" alt=\"\"><div class=\"{class}\"><span>Ein Laptop mit E-Akte und BundID auf dem Bildschirm im Bürgeramt der Stadt.</span></div></div>\
<p>Weitere Auskünfte erteilt das Ministerium des Innern und für Kommunales gern auf Anfrage.</p>"
            ),
        );
        let d = auto(&html);
        assert!(d.text.contains("Weitere Auskünfte"), "{class}: {}", d.text);
        assert_absent(&d, &["E-Akte", "BundID"]);
    }
}

#[test]
fn credit_lines_next_to_images_stay_out_of_the_body() {
    for credit in [
        "Foto: Staatskanzlei / E-Akte-Team BundID",
        "Bild: Pressestelle E-Akte BundID",
        "Symbolbild: E-Akte und BundID (Adobe Stock)",
        "Quelle: Ministerium, E-Akte BundID",
        "© Landesamt E-Akte BundID",
        "Foto © Land Brandenburg E-Akte BundID",
    ] {
        let html = page(
            "",
            &format!(
                "<h1>Förderprogramm beschlossen</h1><div class=\"image\"><img src=\"a.jpg\" alt=\"\"><p>{credit}</p></div>{PROSE}\
<p><img src=\"b.jpg\" alt=\"\"><br>{credit}</p>"
            ),
        );
        let d = auto(&html);
        assert!(d.text.contains("Investitionsbank"), "{credit}: {}", d.text);
        assert_absent(&d, &["E-Akte", "BundID"]);
    }
}

#[test]
fn quelle_in_running_text_stays() {
    // Only a credit line by an image is furniture; a sentence that starts with `Quelle` is text.
    let html = page(
        "",
        &format!(
            "<h1>Förderprogramm beschlossen</h1>{PROSE}<p>Quelle: Statistisches Landesamt, Bericht zur Verwaltungsdigitalisierung 2024, Tabelle 3.</p>"
        ),
    );
    let d = auto(&html);
    assert!(d.text.contains("Statistisches Landesamt"), "{}", d.text);
}

#[test]
fn a_lead_with_a_link_or_strong_is_kept() {
    for lead in [
        "<p class=\"lead\">Die Landesregierung will die <a href=\"/themen/e-akte\">E-Akte</a> bis 2026 in allen Behörden einführen, teilte das Innenministerium mit.</p>",
        "<p class=\"teaser\">Die Landesregierung will die <strong>E-Akte</strong> bis 2026 in allen Behörden einführen, teilte das <a href=\"/mik\">Innenministerium</a> mit.</p>",
        "<div class=\"intro\"><p>Die Landesregierung will die <a href=\"/themen/e-akte\">E-Akte</a> bis 2026 in allen Behörden einführen, teilte das Innenministerium mit.</p></div>",
    ] {
        let html = page(
            "",
            &format!(
                "<header><h1>Förderprogramm beschlossen</h1>{lead}</header><div class=\"text\">{PROSE}</div>"
            ),
        );
        let d = auto(&html);
        assert!(d.text.contains("E-Akte"), "lead lost: {lead}\n{}", d.text);
        assert!(
            d.text.starts_with("Die Landesregierung will"),
            "lead not first: {}",
            d.text
        );
    }
}

#[test]
fn autorin_line_is_the_author_and_not_body() {
    let html = page(
        "<meta name=\"author\" content=\"Pressestelle\">",
        &format!("<h1>Förderprogramm beschlossen</h1><p>Autorin: Dr. Anna Beispiel</p>{PROSE}"),
    );
    let d = auto(&html);
    assert_eq!(d.author.as_deref(), Some("Dr. Anna Beispiel"));
    assert_absent(&d, &["Autorin", "Anna Beispiel"]);
}

#[test]
fn byline_forms_beat_organisation_authors() {
    for (meta, line, want) in [
        ("Pressestelle", "Von Max Mustermann", "Max Mustermann"),
        (
            "Bundesministerium des Innern",
            "Ein Beitrag von Erika Musterfrau",
            "Erika Musterfrau",
        ),
        (
            "Staatskanzlei",
            "Autor: Jan Beispiel, Bundesminister für Digitales und Verkehr",
            "Jan Beispiel",
        ),
        (
            "Redaktion",
            "Von Lena Probe, Staatssekretärin im Ministerium der Finanzen",
            "Lena Probe",
        ),
    ] {
        let html = page(
            &format!("<meta name=\"author\" content=\"{meta}\">"),
            &format!("<h1>Förderprogramm beschlossen</h1><p class=\"meta\">{line}</p>{PROSE}"),
        );
        let d = auto(&html);
        assert_eq!(d.author.as_deref(), Some(want), "{line}");
        assert!(!d.text.contains(want), "byline in body: {}", d.text);
    }
}

#[test]
fn a_person_in_meta_author_stays_and_roles_are_cut() {
    let html = page(
        "<meta name=\"author\" content=\"Dr. Anna Beispiel, Bundesministerin für Bildung und Forschung\">",
        &format!("<h1>Förderprogramm beschlossen</h1>{PROSE}"),
    );
    assert_eq!(auto(&html).author.as_deref(), Some("Dr. Anna Beispiel"));
}

#[test]
fn legacy_layout_subtitle_and_autorin_are_not_body() {
    let html = "<html lang=\"de\"><head><meta charset=\"utf-8\"><title>Meldung</title></head><body>\
<table width=\"100%\"><tr><td class=\"nav\"><a href=\"/\">Start</a><br><a href=\"/presse\">Presse</a></td>\
<td class=\"inhalt\"><h1>Förderprogramm beschlossen</h1><h2>Land unterstützt Kommunen bei digitalen Anträgen</h2>\
<p>Autorin: Dr. Anna Beispiel</p>"
        .to_string()
        + PROSE
        + "</td></tr></table></body></html>";
    let d = auto(&html);
    assert_eq!(d.author.as_deref(), Some("Dr. Anna Beispiel"));
    assert_absent(&d, &["Autorin", "Land unterstützt Kommunen"]);
    assert!(d.text.starts_with("Die Landesregierung hat"), "{}", d.text);
}

#[test]
fn a_title_selector_keeps_the_kicker() {
    let html = page(
        "",
        &format!(
            "<h1 class=\"headline\"><span class=\"headline__kicker\">E-Government</span> <span class=\"headline__title\">Förderprogramm beschlossen</span></h1>{PROSE}"
        ),
    );
    let sel = ArticleSelectors {
        title: Some(".headline__title".into()),
        ..ArticleSelectors::default()
    };
    let d = extract_article(&html, URL, &sel).expect("extracts");
    assert_eq!(d.title.as_deref(), Some("Förderprogramm beschlossen"));
    assert_eq!(d.kicker.as_deref(), Some("E-Government"));
}

#[test]
fn control_characters_are_not_stored() {
    let html = page(
        "",
        &format!(
            "<h1>Förder\u{1b}programm beschlossen</h1>{PROSE}<p>Die Mittel\u{0} stehen\u{7f} bereit, sagte die Ministerin am Montag in Potsdam vor der Presse.</p>"
        ),
    );
    let d = auto(&html);
    assert_eq!(d.title.as_deref(), Some("Förderprogramm beschlossen"));
    assert!(d.text.contains("Die Mittel stehen bereit"), "{:?}", d.text);
    assert!(!d.text.chars().any(|c| c.is_control() && c != '\n'));
}

#[test]
fn heading_list_and_drupal_tag_fields_are_tags_not_body() {
    for block in [
        "<h2>Schlagworte</h2><ul class=\"list\"><li><a href=\"/t/1\">E-Government</a></li><li><a href=\"/t/2\">Künstliche Intelligenz</a></li></ul>",
        "<dl><dt>Stichwörter</dt><dd><a href=\"/t/1\">E-Government</a>, <a href=\"/t/2\">Künstliche Intelligenz</a></dd></dl>",
        "<div class=\"field field--name-field-tags field--type-entity-reference\"><div class=\"field__items\"><div class=\"field__item\"><a href=\"/t/1\">E-Government</a></div><div class=\"field__item\"><a href=\"/t/2\">Künstliche Intelligenz</a></div></div></div>",
    ] {
        let html = page(
            "<meta name=\"keywords\" content=\"E Government, Kuenstliche Intelligenz\">",
            &format!("<h1>Förderprogramm beschlossen</h1>{PROSE}{block}"),
        );
        let d = auto(&html);
        assert_eq!(
            d.tags,
            ["E-Government", "Künstliche Intelligenz"],
            "one tag per key: {block}"
        );
        assert!(!d.text.contains("Schlagworte"), "{}", d.text);
        assert!(!d.text.contains("Künstliche"), "{}", d.text);
    }
}

#[test]
fn captions_without_markers_need_a_picture_block() {
    // A caption beside an image in a block named for pictures goes; a lead beside a teaser
    // image in an intro block stays.
    let html = page(
        "",
        &format!(
            "<h1>Förderprogramm beschlossen</h1><div class=\"intro\"><img src=\"t.jpg\" alt=\"\"><p>Das Land fördert die E-Akte in allen Kommunen mit zwölf Millionen Euro.</p></div>{PROSE}\
<div class=\"bildbox\"><img src=\"a.jpg\" alt=\"\"><p>Die Ministerin mit einem Plakat zur BundID in Potsdam.</p></div>"
        ),
    );
    let d = auto(&html);
    assert!(d.text.contains("E-Akte in allen Kommunen"), "{}", d.text);
    assert!(!d.text.contains("BundID"), "{}", d.text);
}

/// One page per CMS style with a subtitle and a byline with a role: (style, page).
fn subtitle_pages() -> Vec<(&'static str, String)> {
    vec![
        (
            "GSB",
            page(
                "<meta name=\"author\" content=\"Bundesministerium des Innern\">",
                &format!(
                    "<div class=\"article-header\"><p class=\"dachzeile\">Verwaltungsdigitalisierung</p><h1 class=\"isFirstInSlot\">Förderprogramm beschlossen</h1>\
<p class=\"subline\">Land unterstützt Kommunen bei digitalen Anträgen</p></div>\
<p class=\"author\">Dr. Anna Beispiel, Bundesministerin für Digitales</p>{PROSE}"
                ),
            ),
        ),
        (
            "TYPO3",
            page(
                "",
                &format!(
                    "<div class=\"news-single\"><hgroup><h1>Förderprogramm beschlossen</h1><h2>Land unterstützt Kommunen bei digitalen Anträgen</h2></hgroup>\
<p class=\"news-author\">Max Muster (Pressesprecher)</p>{PROSE}</div>"
                ),
            ),
        ),
        (
            "Drupal",
            page(
                "<meta name=\"author\" content=\"Redaktion\">",
                &format!(
                    "<div class=\"block-page-title\"><h1 class=\"page-title\"><span>Förderprogramm beschlossen</span></h1></div>\
<div class=\"field field--name-field-subtitle\">Land unterstützt Kommunen bei digitalen Anträgen.</div>\
<div class=\"field field--name-body\"><p>Von Erika Muster, Referentin im Ministerium der Finanzen</p>{PROSE}</div>"
                ),
            ),
        ),
        (
            "WordPress",
            page(
                "<meta name=\"author\" content=\"admin\">",
                &format!(
                    "<header class=\"entry-header\"><h1 class=\"entry-title\">Förderprogramm beschlossen</h1>\
<h2 class=\"teaser-subtitle\">Land unterstützt Kommunen bei digitalen Anträgen</h2>\
<span class=\"byline\">Von Lena Probe – Staatssekretärin</span></header><div class=\"entry-content\">{PROSE}</div>"
                ),
            ),
        ),
        (
            "legacy",
            "<html lang=\"de\"><head><meta charset=\"utf-8\"><title>Meldung</title></head><body>\
<table width=\"100%\"><tr><td class=\"nav\"><a href=\"/\">Start</a><br><a href=\"/presse\">Presse</a></td>\
<td class=\"inhalt\"><h1>Förderprogramm beschlossen</h1><p><b>Land unterstützt Kommunen bei digitalen Anträgen</b></p>\
<p>Autor: Jan Beispiel, Bundesminister für Digitales und Verkehr</p>"
                .to_string()
                + PROSE
                + "</td></tr></table></body></html>",
        ),
    ]
}

#[test]
fn subtitles_in_five_cms_styles_are_a_field_not_body_lead_or_kicker() {
    for (style, html) in subtitle_pages() {
        let d = auto(&html);
        let sub = d.subtitle.as_deref().unwrap_or_default();
        assert!(
            sub.starts_with("Land unterstützt Kommunen bei digitalen Anträgen"),
            "{style}: subtitle {:?}",
            d.subtitle
        );
        assert_eq!(
            d.title.as_deref(),
            Some("Förderprogramm beschlossen"),
            "{style}"
        );
        assert!(!d.text.contains("Land unterstützt"), "{style}: {}", d.text);
        assert!(
            d.text.starts_with("Die Landesregierung hat"),
            "{style}: {}",
            d.text
        );
        assert!(
            d.lead
                .as_deref()
                .is_some_and(|l| l.starts_with("Die Landesregierung")),
            "{style}: lead {:?}",
            d.lead
        );
    }
    // The GSB kicker stays the kicker.
    let (_, gsb) = &subtitle_pages()[0];
    assert_eq!(
        auto(gsb).kicker.as_deref(),
        Some("Verwaltungsdigitalisierung")
    );
}

#[test]
fn author_roles_in_five_cms_styles_are_split_off() {
    let want = [
        ("GSB", "Dr. Anna Beispiel", "Bundesministerin für Digitales"),
        ("TYPO3", "Max Muster", "Pressesprecher"),
        (
            "Drupal",
            "Erika Muster",
            "Referentin im Ministerium der Finanzen",
        ),
        ("WordPress", "Lena Probe", "Staatssekretärin"),
        (
            "legacy",
            "Jan Beispiel",
            "Bundesminister für Digitales und Verkehr",
        ),
    ];
    for ((style, html), (_, name, role)) in subtitle_pages().into_iter().zip(want) {
        let d = auto(&html);
        assert_eq!(d.author.as_deref(), Some(name), "{style}");
        assert_eq!(d.author_role.as_deref(), Some(role), "{style}");
        assert!(!d.text.contains(role), "{style}: role in body: {}", d.text);
    }
}

#[test]
fn a_lead_after_the_headline_is_no_subtitle() {
    for after in [
        "<p>Die Landesregierung will die E-Akte bis 2026 in allen Behörden einführen.</p>",
        "<p><strong>Die Landesregierung will die E-Akte bis 2026 in allen Behörden einführen.</strong></p>",
        "<h2>Die Landesregierung will die E-Akte bis 2026 einführen.</h2>",
        "<p><strong>Potsdam, 11.12.2020</strong></p>",
        "<p><b>Von Max Mustermann</b></p>",
        "<p><strong>Pressemitteilung</strong></p>",
    ] {
        let html = page(
            "",
            &format!("<h1>Förderprogramm beschlossen</h1>{after}{PROSE}"),
        );
        let d = auto(&html);
        assert_eq!(d.subtitle, None, "{after}");
    }
}
