//! HTML pages: order, pagination, filters, errors, escaping, links.

use super::*;

#[tokio::test]
async fn front_page_lists_newest_first_and_paginates() {
    let f = fixture();
    let r = get(&f.app, "/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.content_type(), "text/html; charset=utf-8");
    let b = &r.body;
    let order = [
        "OZG-Umsetzung",
        "alert(1)",
        "Link-Test",
        "Meldung 50",
        "Meldung 34",
    ];
    let positions: Vec<usize> = order.iter().map(|t| pos(b, t)).collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "not newest first: {positions:?}"
    );
    assert!(!b.contains("Meldung 33"), "page 1 holds 20 articles");
    assert_eq!(b.matches("<li class=\"card\">").count(), 20);
    assert!(b.contains("href=\"/?page=2\" rel=\"next\">Ältere"));
    assert!(!b.contains("Neuere"));
    assert!(b.contains("<time datetime=\"2020-12-11T10:00:00Z\">11.12.2020</time>"));
    assert!(b.contains("<span class=\"kicker\">E-Government</span>"));
    assert!(b.contains("<a href=\"/source/k21\">Kommune21</a>"));
    assert!(b.contains("<a href=\"/keyword/OZG\">OZG</a>"));
    assert!(b.contains(&format!("<a href=\"/article/{}\">OZG-Umsetzung", f.ozg.id)));

    let p2 = get(&f.app, "/?page=2").await.body;
    assert!(p2.contains("Meldung 33") && p2.contains("Meldung 14") && !p2.contains("Meldung 13"));
    assert!(p2.contains("href=\"/?page=1\" rel=\"prev\">← Neuere"));
    assert!(p2.contains("href=\"/?page=3\" rel=\"next\">Ältere"));
    let p3 = get(&f.app, "/?page=3").await.body;
    assert!(p3.contains("Meldung 13") && p3.contains("Meldung 01"));
    assert!(!p3.contains("Ältere"));

    let big = get(&f.app, "/?page=2&per_page=50").await.body;
    assert!(
        big.contains("Meldung 03") && big.contains("Meldung 01") && !big.contains("Meldung 04"),
        "page 2 of 50"
    );
    assert!(
        big.contains("href=\"/?page=1&#38;per_page=50\""),
        "per_page is kept in pager links"
    );
}

#[tokio::test]
async fn bad_page_parameters_are_400_with_a_german_message() {
    let f = fixture();
    for uri in [
        "/?page=abc",
        "/?page=0",
        "/?page=-2",
        "/?page=100000",
        "/?per_page=1000",
        "/keyword/OZG?page=x",
    ] {
        let r = get(&f.app, uri).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(r.body.contains("Ungültige"), "{uri}: {}", r.body);
        assert!(r.body.contains("erlaubt sind ganze Zahlen"), "{uri}");
    }
    let beyond = get(&f.app, "/?page=400").await;
    assert_eq!(beyond.status, StatusCode::OK);
    assert!(beyond.body.contains("keine Artikel mehr"));
}

#[tokio::test]
async fn article_page_shows_fields_and_paragraphs() {
    let f = fixture();
    let r = get(&f.app, &format!("/article/{}", f.ozg.id)).await;
    assert_eq!(r.status, StatusCode::OK);
    let b = &r.body;
    assert!(b.contains("<p>Erster Absatz.</p>"), "{b}");
    assert!(
        b.contains("<p>Zweiter Absatz mit &#60;b&#62;Fett&#60;/b&#62;.</p>"),
        "{b}"
    );
    assert!(b.contains("11.12.2020, 11:00 Uhr"), "Berlin time");
    assert!(b.contains("Erika Muster"));
    assert!(b.contains("Bayern"));
    assert!(b.contains("<a href=\"/tag/digitalisierung\">Digitalisierung</a>"));
    assert!(b.contains("<a href=\"/keyword/OZG\">OZG</a>"));
    assert!(b.contains(
        "<a href=\"https://www.kommune21.de/ozg\" rel=\"noopener noreferrer nofollow\">https://www.kommune21.de/ozg</a>"
    ));
    assert!(b.contains("<title>OZG-Umsetzung schreitet voran – govwire</title>"));
    let upper = get(
        &f.app,
        &format!("/article/{}", f.ozg.id.to_string().to_uppercase()),
    )
    .await;
    assert_eq!(upper.status, StatusCode::OK, "hex is case-insensitive");
}

#[tokio::test]
async fn unknown_things_are_404_pages() {
    let f = fixture();
    for uri in [
        "/article/0000000000000000",
        "/article/xyz",
        "/article/+123456789abcdef",
        "/article/123",
        "/keyword/Unbekannt",
        "/keyword/Unbekannt/feed.xml",
        "/keyword/OZG/rss.xml",
        "/source/gibtsnicht",
        "/source/gibtsnicht/atom.xml",
        "/gibtsnicht",
        "/static/../Cargo.toml",
    ] {
        let r = get(&f.app, uri).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(
            r.body.contains("<h1>Nicht gefunden</h1>"),
            "{uri}: {}",
            r.body
        );
        assert!(r.content_type().starts_with("text/html"), "{uri}");
    }
    let bad_utf8 = get(&f.app, "/keyword/%FF").await;
    assert_eq!(bad_utf8.status, StatusCode::BAD_REQUEST);
    assert!(bad_utf8.body.contains("ungültige Zeichen"));
}

#[tokio::test]
async fn keyword_source_and_tag_pages_filter() {
    let f = fixture();
    let kw = get(&f.app, "/keyword/OZG").await;
    assert_eq!(kw.status, StatusCode::OK);
    assert!(kw.body.contains("Stichwort „OZG“"));
    assert!(pos(&kw.body, "OZG-Umsetzung") < pos(&kw.body, "Link-Test"));
    assert!(!kw.body.contains("Meldung ") && !kw.body.contains("alert(1)"));
    assert_eq!(
        get(&f.app, "/keyword/ozg").await.status,
        StatusCode::OK,
        "case-insensitive lookup"
    );
    let empty_kw = get(&f.app, "/keyword/E-Akte").await;
    assert_eq!(empty_kw.status, StatusCode::OK);
    assert!(empty_kw.body.contains("noch keine Artikel"));

    let src = get(&f.app, "/source/k21").await;
    assert_eq!(src.status, StatusCode::OK);
    assert!(
        src.body.contains("OZG-Umsetzung")
            && !src.body.contains("Meldung ")
            && !src.body.contains("Link-Test")
    );
    assert!(src.body.contains(
        "<span class=\"broken\">gestört</span> – die Liste lieferte zuletzt keine Artikel"
    ));
    assert!(src.body.contains("HTTP-Status 500."), "the error in German");
    assert!(
        src.body
            .contains("HTTP 500 &#60;script&#62;x&#60;/script&#62;")
    );
    let bmi = get(&f.app, "/source/bmi").await.body;
    assert!(
        bmi.contains("Link-Test") && bmi.contains("Meldung 50") && !bmi.contains("OZG-Umsetzung")
    );
    assert!(bmi.contains("noch nicht abgerufen"));
    assert!(bmi.contains("Bund · Berlin"));

    for uri in [
        "/tag/digitalisierung",
        "/tag/Digitalisierung",
        "/tag/%20DIGITALISIERUNG%20",
    ] {
        let tag = get(&f.app, uri).await;
        assert_eq!(tag.status, StatusCode::OK, "{uri}");
        assert!(
            tag.body.contains("OZG-Umsetzung") && !tag.body.contains("Link-Test"),
            "{uri}"
        );
    }
    let unknown = get(&f.app, "/tag/unbekannt").await;
    assert_eq!(unknown.status, StatusCode::OK, "tags are open-ended");
    assert!(unknown.body.contains("noch keine Artikel"));
    assert_eq!(
        get(&f.app, "/tag/%20").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn overview_pages_list_keywords_and_sources() {
    let f = fixture();
    let kws = get(&f.app, "/keywords").await;
    assert_eq!(kws.status, StatusCode::OK);
    assert!(
        kws.body.contains("<a href=\"/keyword/OZG\">OZG</a>")
            && kws.body.contains("Onlinezugangsgesetz")
    );
    assert!(kws.body.contains("<a href=\"/keyword/E-Akte\">E-Akte</a>"));
    let srcs = get(&f.app, "/sources").await;
    assert_eq!(srcs.status, StatusCode::OK);
    let b = &srcs.body;
    assert!(
        pos(b, "Kommune21") < pos(b, "Bundesministerium des Innern"),
        "configured order"
    );
    assert!(
        b.contains("gestört") && b.contains("<dd>3</dd>") && b.contains("11.12.2020, 09:00 Uhr")
    );
    assert!(b.contains(
        "<a href=\"https://k21.example.org/presse\" rel=\"noopener noreferrer nofollow\">"
    ));
}

/// Pages that show the hostile article somewhere.
fn hostile_pages(f: &Fixture) -> Vec<String> {
    vec![
        "/".into(),
        format!("/article/{}", f.hostile.id),
        "/source/bmi".into(),
        "/tag/%3Cscript%3Etag%3C%2Fscript%3E".into(),
        "/sources".into(),
        "/source/k21".into(),
    ]
}

#[tokio::test]
async fn hostile_markup_is_only_ever_escaped() {
    let f = fixture();
    for uri in hostile_pages(&f) {
        let r = get(&f.app, &uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        for raw in ["<script", "<img", "<b>", "<i>"] {
            assert!(
                !r.body.contains(raw),
                "{uri} contains raw {raw:?}:\n{}",
                r.body
            );
        }
        assert!(
            r.body.contains("&#60;script&#62;"),
            "{uri} shows the escaped text"
        );
    }
    let art = get(&f.app, &format!("/article/{}", f.hostile.id))
        .await
        .body;
    assert!(art.contains("<p>&#60;script&#62;alert(2)&#60;/script&#62;</p>"));
    assert!(art.contains("<p>Normaler Absatz</p>"));
    assert!(
        art.contains("href=\"https://evil.test/x?a=1&#38;b=2\""),
        "attribute escaped"
    );
    let tag = get(&f.app, "/tag/%3Cscript%3Etag%3C%2Fscript%3E")
        .await
        .body;
    assert!(
        tag.contains("alert(1)"),
        "the hostile article is listed under its tag"
    );
}

#[tokio::test]
async fn javascript_urls_never_become_links() {
    let f = fixture();
    let art_uri = format!("/article/{}", f.js.id);
    for uri in ["/", "/keyword/OZG", "/source/bmi", art_uri.as_str()] {
        let r = get(&f.app, uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        let lower = r.body.to_lowercase();
        assert!(
            !lower.contains("href=\"javascript"),
            "{uri} links javascript:"
        );
        assert!(
            r.body.contains("Link-Test"),
            "{uri} still lists the article"
        );
    }
    let art = get(&f.app, &art_uri).await.body;
    assert!(art.contains("javascript:alert(1) (kein gültiger Link)"));
    let card_links = get(&f.app, "/keyword/OZG")
        .await
        .body
        .matches("Zum Original")
        .count();
    assert_eq!(card_links, 1, "only the http article gets an original link");
}

#[tokio::test]
async fn pages_announce_their_feeds() {
    let f = fixture();
    let cases = [
        ("/", "/feed.xml", "/atom.xml"),
        (
            "/keyword/OZG",
            "/keyword/OZG/feed.xml",
            "/keyword/OZG/atom.xml",
        ),
        (
            "/source/k21",
            "/source/k21/feed.xml",
            "/source/k21/atom.xml",
        ),
        (
            "/tag/digitalisierung",
            "/tag/digitalisierung/feed.xml",
            "/tag/digitalisierung/atom.xml",
        ),
    ];
    for (page, rss, atom) in cases {
        let b = get(&f.app, page).await.body;
        assert!(b.contains("type=\"application/rss+xml\" title="), "{page}");
        assert!(b.contains(&format!("href=\"{rss}\">")), "{page} → {rss}");
        assert!(b.contains(&format!("href=\"{atom}\">")), "{page} → {atom}");
    }
}

#[tokio::test]
async fn health_static_methods_and_headers() {
    let f = fixture();
    let h = get(&f.app, "/healthz").await;
    assert_eq!((h.status, h.body.as_str()), (StatusCode::OK, "ok"));
    let css = get(&f.app, "/static/style.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.content_type(), "text/css; charset=utf-8");
    assert!(
        css.headers
            .get("cache-control")
            .is_some_and(|v| v.as_bytes().starts_with(b"public, max-age=31536000"))
    );
    assert!(css.body.contains(".card"));
    let head = request(&f.app, Method::HEAD, "/").await;
    assert_eq!(head.status, StatusCode::OK);
    assert!(head.body.is_empty());
    for method in [Method::POST, Method::PUT, Method::DELETE] {
        assert_eq!(
            request(&f.app, method.clone(), "/").await.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method}"
        );
    }
    let r = get(&f.app, "/").await;
    let csp = r
        .headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert_eq!(
        r.headers
            .get("x-content-type-options")
            .map(|v| v.as_bytes()),
        Some(&b"nosniff"[..])
    );
    assert!(
        get(&f.app, "/gibtsnicht")
            .await
            .headers
            .contains_key("content-security-policy")
    );
}
