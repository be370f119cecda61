//! A fixture web of eight public-body sites, served over loopback and crawled with nothing
//! configured but each site's list page or home page URL: no `kind`, no selectors.
//!
//! The sites render the same 25 German news items (`tests/fixtures/sites/meldungen.txt`, written
//! for these tests) the way their CMS would:
//! - Government Site Builder: `<base href>`, relative `SharedDocs/…` links with `;jsessionid=…`
//!   and `?nn=…` variants, a PDF download in a teaser, a "Themen" box, the double-encoded pager
//!   `?gtp=148_list%253D2` (requested byte for byte), a canonical link relative to `<base>`;
//! - TYPO3 tx_news in ISO-8859-1: query-string article URLs with `cHash`, a category menu, the
//!   `currentPage` widget pager;
//! - Drupal views: `?page=1` pager with `rel="next"`, taxonomy term links in every teaser;
//! - a legacy table-layout portal in windows-1252 with a `»` pager and `<br><br>` paragraphs;
//! - a Kommune21-style trade magazine with rubric pages, a `?seite=N` pager, kicker + title,
//!   `[30.03.2031]` dates, `Stichwörter:` tag links, and the same article linked from the home
//!   page, two rubrics and a "Weitere Meldungen" box (configured once by its news list, once
//!   by its home page).
//!
//! Three more sites are configured by their home page alone (issue 17, second part): WordPress
//! (a feed of the newest 10 posts advertised on every page, the "Aktuelles" list in the menu
//! with a `/page/N/` pager), a municipality whose news is only a box on its home page, and a
//! state agency on its own host (`localhost`) with a robots.txt sitemap index, a gzip news
//! sitemap and a "Presse" page of the 5 newest. Further tests: one fetch and one home per
//! article across a feed, a list and two sources; a broken entry point found again; `govwire
//! add` through the real binary.
//!
//! The server counts every request by its exact target and, per host, the requests in flight and
//! their arrival times; the tests assert ≥ 95 % of the articles found, no non-article page
//! stored, no article stored twice, no URL fetched twice, robots.txt first with its Disallow and
//! `Crawl-delay` kept, at most one request in flight per host, and a second crawl that only asks
//! conditionally, is answered 304 throughout and fetches no article. Bad input (20,000 links, a looping
//! pager, an endless calendar, a list linking only off-site) stays bounded.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use govwire::crawl::{Crawler, crawl_all};
use govwire::fetch::{FetchConfig, Fetcher};
use govwire::model::{Article, DatePrecision};
use govwire::store::Store;

/// One news item of the fixture texts.
struct Item {
    title: String,
    lead: String,
    body: String,
    /// Day of March 2031 (descending: item 0 is the newest).
    day: u32,
}

fn items(amt: &str) -> Vec<Item> {
    let text = std::fs::read_to_string(crate::common::fixtures().join("sites/meldungen.txt"))
        .expect("fixture texts");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            let mut parts = l.split(" | ");
            let mut next = || parts.next().expect("three fields").trim().to_string();
            let (title, lead, body) = (next(), next(), next());
            Item {
                title,
                lead,
                body: body.replace("{amt}", amt),
                day: 30 - i as u32,
            }
        })
        .collect()
}

fn slug(i: usize) -> String {
    format!("meldung-{:02}", i + 1)
}

/// A route: content type and body.
type Routes = HashMap<String, (&'static str, Vec<u8>)>;

/// Every request: (target as received, conditional?, status); and per host (`127.0.0.1`,
/// `localhost`) when each request arrived and the most requests it had in flight at once.
#[derive(Clone, Default)]
struct Log(
    Arc<Mutex<Vec<(String, bool, u16)>>>,
    Arc<Mutex<HashMap<&'static str, Vec<std::time::Instant>>>>,
    Arc<Mutex<HashMap<&'static str, (usize, usize)>>>,
);

impl Log {
    /// Counts a request to `host` in flight (returns when it arrived).
    fn enter(&self, host: &'static str) {
        if let Ok(mut s) = self.1.lock() {
            s.entry(host).or_default().push(std::time::Instant::now());
        }
        if let Ok(mut f) = self.2.lock() {
            let e = f.entry(host).or_default();
            e.0 += 1;
            e.1 = e.1.max(e.0);
        }
    }
    fn leave(&self, host: &'static str) {
        if let Ok(mut f) = self.2.lock() {
            let e = f.entry(host).or_default();
            e.0 = e.0.saturating_sub(1);
        }
    }
    /// Per host: the most requests in flight at once, and the arrival times.
    fn per_host(&self) -> Vec<(&'static str, usize, Vec<std::time::Instant>)> {
        let starts = self.1.lock().map(|s| s.clone()).unwrap_or_default();
        let most = self.2.lock().map(|f| f.clone()).unwrap_or_default();
        starts
            .into_iter()
            .map(|(h, t)| (h, most.get(h).map_or(0, |m| m.1), t))
            .collect()
    }
    fn all(&self) -> Vec<(String, bool, u16)> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
    }
    fn clear(&self) {
        if let Ok(mut v) = self.0.lock() {
            v.clear();
        }
        if let Ok(mut v) = self.1.lock() {
            v.clear();
        }
        if let Ok(mut v) = self.2.lock() {
            v.clear();
        }
    }

    /// Asserts the crawler's politeness as this server saw it: at most one request in flight
    /// per host; robots.txt asked first on every host; and request starts on a host whose
    /// robots.txt says `Crawl-delay: delay` spaced by it (the span of all of them at least 90 %
    /// of the delays, and 9 of 10 single gaps at least half of it: arrivals jitter on a loaded
    /// machine, a crawler ignoring the delay fails both).
    fn assert_polite(&self, delays: &[(&str, Duration)]) {
        for (host, most, starts) in self.per_host() {
            assert!(most <= 1, "{host}: {most} requests in flight at once");
            let Some((_, delay)) = delays.iter().find(|(h, _)| *h == host) else {
                continue;
            };
            let n = starts.len();
            assert!(n > 2, "{host}: {n} requests");
            let span = starts[n - 1] - starts[0];
            assert!(
                span >= delay.mul_f64(0.9 * (n - 1) as f64),
                "{host}: {n} requests in {span:?}, Crawl-delay {delay:?}"
            );
            let short = starts
                .windows(2)
                .filter(|w| w[1] - w[0] < *delay / 2)
                .count();
            assert!(
                short * 10 <= n,
                "{host}: {short} of {n} gaps below half the Crawl-delay"
            );
        }
        let all = self.all();
        for localhost in [false, true] {
            let first = all
                .iter()
                .find(|(t, _, _)| t.starts_with("//localhost/") == localhost);
            if let Some((t, _, _)) = first {
                assert!(t.ends_with("/robots.txt"), "first request to the host: {t}");
            }
        }
    }
}

fn latin1(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect()
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The pages the fixture server generates for endless or looping lists.
fn dynamic(path: &str, query: &str, base: &str) -> Option<String> {
    let n: u32 = query
        .split('&')
        .find_map(|kv| {
            kv.split_once('=')
                .filter(|(k, _)| matches!(*k, "runde" | "monat" | "page"))
        })
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(1);
    match path {
        // A pager that loops back to the same teasers with a new query string.
        "/schleife/liste.html" => {
            let teasers: String = (1..=3)
                .map(|k| {
                    format!(
                        "<div class=\"teaser\"><h3><a href=\"/schleife/a{k}.html\">Meldung {k} aus der Schleifenverwaltung</a></h3><p>02.03.2031</p></div>"
                    )
                })
                .collect();
            Some(format!(
                "<html><body>{teasers}<a href=\"liste.html?runde={}&amp;page={}\">weiter</a></body></html>",
                n + 1,
                n + 1
            ))
        }
        // An endless calendar: every month has new entries and a "»" to the next.
        "/kalender/termine.html" => {
            let teasers: String = (1..=2)
                .map(|k| {
                    format!(
                        "<div class=\"termin\"><h3><a href=\"/kalender/termin-{n}-{k}.html\">Sitzung des Ausschusses Nummer {k} im Monat {n}</a></h3><p>0{k}.03.2031</p></div>"
                    )
                })
                .collect();
            Some(format!(
                "<html><body>{teasers}<a href=\"termine.html?monat={}\">»</a></body></html>",
                n + 1
            ))
        }
        // An endless pager: every page has new entries and a "weiter" to the next.
        "/endlos/liste.html" => {
            let teasers: String = (1..=2)
                .map(|k| {
                    format!(
                        "<div class=\"teaser\"><h3><a href=\"/endlos/meldung-{n}-{k}.html\">Meldung {k} von Seite {n} des endlosen Archivs</a></h3><p>0{k}.03.2031</p></div>"
                    )
                })
                .collect();
            Some(format!(
                "<html><body>{teasers}<a href=\"liste.html?page={}\">weiter</a></body></html>",
                n + 1
            ))
        }
        _ if path.starts_with("/endlos/meldung-") => Some(format!(
            "<html><body><h1>Archivmeldung</h1><p>Eine Meldung aus dem Archiv der Verwaltung {base}, lang genug für einen Absatz.</p></body></html>"
        )),
        _ if path.starts_with("/schleife/a") || path.starts_with("/kalender/termin-") => {
            Some(format!(
                "<html><body><h1>Termin</h1><p>Ein Text über einen Termin der Verwaltung in {base}, lang genug für einen Absatz.</p></body></html>"
            ))
        }
        _ => None,
    }
}

/// Starts the fixture web; returns its base URL and request log.
async fn start() -> (String, Log, Arc<Mutex<Routes>>) {
    let log = Log::default();
    let routes: Arc<Mutex<Routes>> = Arc::default();
    let (l2, r2) = (log.clone(), routes.clone());
    let app = Router::new().fallback(move |req: Request<Body>| {
        let (log, routes) = (l2.clone(), r2.clone());
        async move {
            let target = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default();
            // A second host on the same server: `localhost` has routes of its own.
            let on_localhost = req
                .headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .is_some_and(|h| h.starts_with("localhost"));
            let target = if on_localhost {
                format!("//localhost{target}")
            } else {
                target
            };
            let host = if on_localhost {
                "localhost"
            } else {
                "127.0.0.1"
            };
            log.enter(host);
            // Long enough for a second request to the host to overlap if one were sent.
            tokio::time::sleep(Duration::from_millis(2)).await;
            let conditional = req.headers().contains_key(header::IF_NONE_MATCH);
            let found = routes.lock().ok().and_then(|r| r.get(&target).cloned());
            let found = found.or_else(|| {
                dynamic(req.uri().path(), req.uri().query().unwrap_or_default(), "")
                    .map(|s| ("text/html; charset=utf-8", s.into_bytes()))
            });
            let resp: Response = match found {
                None => StatusCode::NOT_FOUND.into_response(),
                Some((ctype, body)) => {
                    let etag = format!("\"{:x}\"", fnv(&body));
                    let same = req
                        .headers()
                        .get(header::IF_NONE_MATCH)
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v == etag);
                    if same {
                        (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response()
                    } else {
                        (
                            [
                                (header::CONTENT_TYPE, ctype.to_string()),
                                (header::ETAG, etag),
                            ],
                            body,
                        )
                            .into_response()
                    }
                }
            };
            if let Ok(mut v) = log.0.lock() {
                v.push((target, conditional, resp.status().as_u16()));
            }
            log.leave(host);
            resp
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), log, routes)
}

/// The sites: routes, and per site (source id, list URL, expected article URLs).
struct Site {
    id: &'static str,
    list: String,
    articles: Vec<String>,
}

fn html(s: String) -> (&'static str, Vec<u8>) {
    ("text/html; charset=utf-8", s.into_bytes())
}

fn gsb(base: &str, r: &mut Routes) -> Site {
    let items = items("Das Bundesministerium für Verwaltungsfragen");
    let b = format!("{base}/bmi/");
    let list_path = "DE/presse/pressemitteilungen.html";
    let page_target = |n: usize| match n {
        1 => format!("/bmi/{list_path}"),
        n => format!("/bmi/{list_path}?gtp=148_list%253D{n}"),
    };
    let chunks: Vec<&[Item]> = items.chunks(9).collect();
    let mut articles = Vec::new();
    for (p, chunk) in chunks.iter().enumerate() {
        let n = p + 1;
        let mut teasers = String::new();
        for (k, it) in chunk.iter().enumerate() {
            let i = p * 9 + k;
            let path = format!("SharedDocs/pressemitteilungen/DE/2031/03/{}.html", slug(i));
            let variant = match i % 3 {
                0 => format!(";jsessionid=8E1F9A{i:02}C2B4.live21304?nn=148"),
                1 => "?nn=148".to_string(),
                _ => String::new(),
            };
            let download = if k == 0 {
                format!(
                    "<a class=\"download\" href=\"SharedDocs/Downloads/DE/2031/{}.pdf?__blob=publicationFile&amp;v=2\">Pressemitteilung als PDF herunterladen (barrierefrei)</a>",
                    slug(i)
                )
            } else {
                String::new()
            };
            teasers.push_str(&format!(
                "<div class=\"c-teaser\"><p class=\"c-teaser__date\">Pressemitteilung {:02}.03.2031</p>\n\
                 <h3 class=\"c-teaser__headline\"><a href=\"{path}{variant}\">{}</a></h3>\n<p>{}</p>{download}</div>\n",
                it.day, it.title, it.lead
            ));
            articles.push(format!("{b}{path}"));
            r.insert(
                format!("/bmi/{path}"),
                html(format!(
                    "<!DOCTYPE html><html lang=\"de\"><head><base href=\"{b}\"><title>BMV - {t}</title>\
                     <link rel=\"canonical\" href=\"{path}\"></head><body>\
                     <div id=\"navPrimary\"><ul><li><a href=\"DE/themen/themen-node.html\">Themen</a></li><li><a href=\"DE/presse/pressemitteilungen.html\">Presse</a></li></ul></div>\
                     <main><div class=\"article\"><p class=\"date\">Ausgabejahr 2031 Erscheinungsdatum {d:02}.03.2031</p><h1>{t}</h1>\
                     <p class=\"abstract\">{l}</p><p>{body}</p><p>Weitere Informationen erteilt die Pressestelle des Ministeriums.</p></div></main>\
                     <div id=\"footer\"><a href=\"DE/service/impressum/impressum-node.html\">Impressum</a></div></body></html>",
                    t = it.title,
                    d = it.day,
                    l = it.lead,
                    body = it.body
                )),
            );
        }
        let mut pager = String::from("<div class=\"navIndex\"><ul>");
        for m in 1..=chunks.len() {
            if m == n {
                pager.push_str(&format!("<li><strong>{m}</strong></li>"));
            } else {
                let t = page_target(m);
                pager.push_str(&format!("<li><a href=\"{}\">{m}</a></li>", &t[5..]));
            }
        }
        if n < chunks.len() {
            let t = page_target(n + 1);
            pager.push_str(&format!(
                "<li class=\"forward\"><a href=\"{}\" title=\"nächste Seite\">weiter</a></li>",
                &t[5..]
            ));
        }
        pager.push_str("</ul></div>");
        r.insert(
            page_target(n),
            html(format!(
                "<!DOCTYPE html><html lang=\"de\"><head><base href=\"{b}\"><title>Pressemitteilungen</title></head><body>\
                 <div id=\"navPrimary\"><ul><li><a href=\"DE/themen/themen-node.html\">Themen</a></li><li><a href=\"DE/presse/pressemitteilungen.html\">Presse</a></li></ul></div>\
                 <main><h1>Pressemitteilungen</h1>{teasers}{pager}\
                 <div class=\"c-related\"><h2>Themen</h2><ul>\
                 <li><a href=\"DE/themen/verwaltung/verwaltung-node.html\">Moderne Verwaltung und Digitalisierung</a></li>\
                 <li><a href=\"DE/themen/heimat/heimat-node.html\">Heimat, Zusammenhalt und Ehrenamt im Land</a></li>\
                 <li><a href=\"DE/themen/sicherheit/sicherheit-node.html\">Sicherheit und Katastrophenschutz im Bund</a></li></ul></div></main>\
                 <div id=\"footer\"><a href=\"DE/service/impressum/impressum-node.html\">Impressum</a> <a href=\"mailto:presse@bmv.test\">Schreiben Sie der Pressestelle</a></div></body></html>"
            )),
        );
    }
    Site {
        id: "gsb",
        list: format!("{base}/bmi/{list_path}"),
        articles,
    }
}

fn typo3(base: &str, r: &mut Routes) -> Site {
    let items = items("Die Kreisverwaltung");
    let page_query = |n: usize| match n {
        1 => "index.php?id=42".to_string(),
        n => format!(
            "index.php?id=42&tx_news_pi1%5B%40widget_0%5D%5BcurrentPage%5D={n}&cHash={:x}",
            fnv(n.to_string().as_bytes()) >> 32
        ),
    };
    let chunks: Vec<&[Item]> = items.chunks(10).collect();
    let mut articles = Vec::new();
    let head = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\"><title>Kreis Musterland</title></head><body>\
                <div id=\"menu\"><ul><li><a href=\"index.php?id=1\">Startseite</a></li><li><a href=\"index.php?id=42\">Aktuelles</a></li></ul></div>";
    for (p, chunk) in chunks.iter().enumerate() {
        let n = p + 1;
        let mut teasers = String::new();
        for (k, it) in chunk.iter().enumerate() {
            let i = p * 10 + k;
            let q = format!(
                "index.php?id=43&tx_news_pi1%5Bnews%5D={}&tx_news_pi1%5Bcontroller%5D=News&tx_news_pi1%5Baction%5D=detail&cHash={:x}",
                100 + i,
                fnv(slug(i).as_bytes()) >> 24
            );
            let href = q.replace('&', "&amp;");
            teasers.push_str(&format!(
                "<div class=\"article articletype-0\"><div class=\"news-list-date\"><time datetime=\"2031-03-{d:02}\">{d:02}.03.2031</time></div>\
                 <h3><a title=\"{t}\" href=\"{href}\">{t}</a></h3><div class=\"teaser-text\"><p>{l}</p></div>\
                 <a class=\"more\" href=\"{href}\">Weiterlesen</a></div>\n",
                d = it.day,
                t = it.title,
                l = it.lead
            ));
            articles.push(format!("{base}/typo3/{q}"));
            r.insert(
                format!("/typo3/{q}"),
                ("text/html", latin1(&format!(
                    "{head}<div class=\"news news-single\"><div class=\"header\"><h1>{t}</h1></div>\
                     <span class=\"news-list-date\"><time datetime=\"2031-03-{d:02}\">{d:02}.03.2031</time></span>\
                     <div class=\"teaser-text\"><p>{l}</p></div><div class=\"news-text-wrap\"><p>{body}</p>\
                     <p>Die Kreisverwaltung beantwortet Fragen dazu gern telefonisch.</p></div></div></body></html>",
                    t = it.title,
                    d = it.day,
                    l = it.lead,
                    body = it.body
                ))),
            );
        }
        let mut pager = String::from("<ul class=\"f3-widget-paginator\">");
        for m in 1..=chunks.len() {
            if m == n {
                pager.push_str(&format!("<li class=\"current\">{m}</li>"));
            } else {
                pager.push_str(&format!(
                    "<li><a href=\"{}\">{m}</a></li>",
                    page_query(m).replace('&', "&amp;")
                ));
            }
        }
        if n < chunks.len() {
            pager.push_str(&format!(
                "<li class=\"next\"><a href=\"{}\">nächste</a></li>",
                page_query(n + 1).replace('&', "&amp;")
            ));
        }
        pager.push_str("</ul>");
        let cats = "<div class=\"news-catmenu\"><ul>\
            <li><a href=\"index.php?id=42&amp;tx_news_pi1%5BoverwriteDemand%5D%5Bcategories%5D=3&amp;cHash=77aa\">Bauen, Wohnen und Verkehr im Kreisgebiet</a></li>\
            <li><a href=\"index.php?id=42&amp;tx_news_pi1%5BoverwriteDemand%5D%5Bcategories%5D=4&amp;cHash=88bb\">Gesundheit, Soziales und Jugend im Kreis</a></li></ul></div>";
        r.insert(
            format!("/typo3/{}", page_query(n)),
            (
                "text/html",
                latin1(&format!(
                    "{head}<h1>Aktuelle Meldungen</h1>{cats}<div class=\"news-list-view\">{teasers}</div>{pager}\
                     <div id=\"footer\"><a href=\"index.php?id=7\">Impressum</a></div></body></html>"
                )),
            ),
        );
    }
    Site {
        id: "typo3",
        list: format!("{base}/typo3/index.php?id=42"),
        articles,
    }
}

fn drupal(base: &str, r: &mut Routes) -> Site {
    let items = items("Die Landesregierung");
    let chunks: Vec<&[Item]> = items.chunks(10).collect();
    let mut articles = Vec::new();
    let head = "<!DOCTYPE html><html lang=\"de\" dir=\"ltr\"><head><meta charset=\"utf-8\"><title>Presse | Land</title></head><body>\
        <header role=\"banner\"><a href=\"/drupal/\">Startseite</a></header>\
        <nav role=\"navigation\"><ul class=\"menu\"><li><a href=\"/drupal/presse\">Presse</a></li><li><a href=\"/drupal/themen\">Themen</a></li></ul></nav>";
    for (p, chunk) in chunks.iter().enumerate() {
        let mut rows = String::new();
        for it in chunk.iter() {
            let i = items.iter().position(|x| x.title == it.title).unwrap_or(0);
            let path = format!("/drupal/presse/2031/{}", slug(i));
            rows.push_str(&format!(
                "<div class=\"views-row\"><article class=\"node node--type-press-release node--view-mode-teaser\">\
                 <h2 class=\"node__title\"><a href=\"{path}\" rel=\"bookmark\"><span>{t}</span></a></h2>\
                 <div class=\"node__meta\"><time datetime=\"2031-03-{d:02}T10:00:00Z\">{d:02}.03.2031</time></div>\
                 <div class=\"field field--name-body\"><p>{l}</p></div>\
                 <div class=\"field--name-field-tags\"><a href=\"/drupal/taxonomy/term/7\">Digitalisierung und Verwaltung</a></div></article></div>\n",
                t = it.title,
                d = it.day,
                l = it.lead
            ));
            articles.push(format!("{base}{path}"));
            r.insert(
                path,
                html(format!(
                    "{head}<main><article class=\"node node--type-press-release\"><h1 class=\"page-title\"><span>{t}</span></h1>\
                     <time datetime=\"2031-03-{d:02}T10:00:00Z\">{d:02}.03.2031</time>\
                     <div class=\"field--name-body\"><p><strong>{l}</strong></p><p>{body}</p></div></article></main>\
                     <footer><a href=\"/drupal/impressum\">Impressum</a></footer></body></html>",
                    t = it.title,
                    d = it.day,
                    l = it.lead,
                    body = it.body
                )),
            );
        }
        let mut pager = String::from(
            "<nav class=\"pager\" role=\"navigation\"><ul class=\"js-pager__items pager__items\">",
        );
        for m in 0..chunks.len() {
            let current = if m == p { " aria-current=\"page\"" } else { "" };
            pager.push_str(&format!(
                "<li class=\"pager__item\"><a href=\"?page={m}\"{current}>{}</a></li>",
                m + 1
            ));
        }
        if p + 1 < chunks.len() {
            pager.push_str(&format!(
                "<li class=\"pager__item pager__item--next\"><a href=\"?page={}\" rel=\"next\" title=\"Zur nächsten Seite\"><span>Nächste Seite</span><span aria-hidden=\"true\">›</span></a></li>",
                p + 1
            ));
        }
        pager.push_str("</ul></nav>");
        let target = match p {
            0 => "/drupal/presse".to_string(),
            p => format!("/drupal/presse?page={p}"),
        };
        r.insert(
            target,
            html(format!(
                "{head}<main><h1>Pressemitteilungen</h1><div class=\"view-content\">{rows}</div>{pager}</main>\
                 <footer><a href=\"/drupal/impressum\">Impressum</a></footer></body></html>"
            )),
        );
    }
    Site {
        id: "drupal",
        list: format!("{base}/drupal/presse"),
        articles,
    }
}

fn legacy(base: &str, r: &mut Routes) -> Site {
    let items = items("Die Gemeindeverwaltung");
    let chunks: Vec<&[Item]> = items.chunks(9).collect();
    let mut articles = Vec::new();
    let frame = |content: &str| {
        latin1(&format!(
            "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\"><title>Gemeinde Musterau</title></head>\
             <body bgcolor=\"#ffffff\"><table width=\"760\" border=\"0\"><tr><td class=\"navi\" width=\"160\" valign=\"top\">\
             <a href=\"index.php\">Startseite</a><br><a href=\"rathaus.php\">Rathaus</a><br><a href=\"aktuelles.php\">Aktuelles</a><br><a href=\"impressum.php\">Impressum</a></td>\
             <td valign=\"top\">{content}</td></tr></table></body></html>"
        ))
    };
    for (p, chunk) in chunks.iter().enumerate() {
        let n = p + 1;
        let mut rows = String::new();
        for (k, it) in chunk.iter().enumerate() {
            let i = p * 9 + k;
            let q = format!("meldung.php?id={}", 300 + i);
            rows.push_str(&format!(
                "<tr><td class=\"datum\" valign=\"top\">{d:02}.03.2031</td><td><a href=\"{q}\" class=\"ueberschrift\"><b>{t}</b></a><br>{l}</td></tr>\n",
                d = it.day,
                t = it.title,
                l = it.lead
            ));
            articles.push(format!("{base}/gemeinde/{q}"));
            r.insert(
                format!("/gemeinde/{q}"),
                (
                    "text/html",
                    frame(&format!(
                        "<font size=\"4\"><b>{t}</b></font><br>{d:02}.03.2031<br><br>{l}<br><br>{body}<br><br>Ihre Gemeindeverwaltung",
                        t = it.title,
                        d = it.day,
                        l = it.lead,
                        body = it.body
                    )),
                ),
            );
        }
        let mut pager = String::from("<p align=\"center\">Seite: ");
        for m in 1..=chunks.len() {
            if m == n {
                pager.push_str(&format!("<b>{m}</b> "));
            } else {
                pager.push_str(&format!("<a href=\"aktuelles.php?seite={m}\">{m}</a> "));
            }
        }
        if n < chunks.len() {
            pager.push_str(&format!(
                "<a href=\"aktuelles.php?seite={}\">&raquo;</a>",
                n + 1
            ));
        }
        pager.push_str("</p>");
        let target = match n {
            1 => "/gemeinde/aktuelles.php".to_string(),
            n => format!("/gemeinde/aktuelles.php?seite={n}"),
        };
        r.insert(
            target,
            (
                "text/html",
                frame(&format!(
                    "<h2>Aktuelles aus der Gemeinde</h2><table border=\"0\" cellpadding=\"4\">{rows}</table>{pager}"
                )),
            ),
        );
    }
    Site {
        id: "gemeinde",
        list: format!("{base}/gemeinde/aktuelles.php"),
        articles,
    }
}

/// The fixture web's invariants after a crawl, shared by the list-URL and the home-page tests:
/// every article stored once (by id and by URL), no page stored that is not one of the sites'
/// articles, at least 95 % of each site's articles found, and no source error. Returns what
/// was stored, for the test's own checks.
fn stored_once_only_articles_most_found(
    store: &Store,
    sites: &[Site],
    reports: &[govwire::crawl::SourceReport],
) -> Vec<govwire::model::Article> {
    let stored: Vec<govwire::model::Article> = store
        .iter_articles()
        .collect::<Result<_, _>>()
        .expect("articles read");
    let mut ids = HashSet::new();
    let mut urls = HashSet::new();
    for a in &stored {
        assert!(
            ids.insert(a.id) && urls.insert(a.url.clone()),
            "stored twice: {}",
            a.url
        );
    }
    let expected: HashSet<&str> = sites
        .iter()
        .flat_map(|s| s.articles.iter().map(String::as_str))
        .collect();
    for a in &stored {
        assert!(
            expected.contains(a.url.as_str()),
            "a non-article page was stored: {} ({})",
            a.url,
            a.title
        );
    }
    for (site, report) in sites.iter().zip(reports) {
        let found = stored.iter().filter(|a| a.source_id == site.id).count();
        assert!(
            found * 100 >= site.articles.len() * 95,
            "{}: {found} of {} articles found; report {report:?}",
            site.id,
            site.articles.len()
        );
        assert!(report.errors.is_empty(), "{}: {:?}", site.id, report.errors);
    }
    stored
}

fn crawler(store: Store, max_items: usize) -> Arc<Crawler> {
    let fetcher = Fetcher::new(FetchConfig {
        per_host_interval: Duration::from_millis(1),
        ..FetchConfig::default()
    })
    .expect("client");
    Arc::new(Crawler::new(fetcher, store, &[], max_items))
}

fn config(sites: &[(&str, &str)]) -> govwire::config::Config {
    let text: String = sites
        .iter()
        .map(|(id, url)| {
            format!("[[source]]\nid = \"{id}\"\nname = \"Fixture {id}\"\nurl = \"{url}\"\n\n")
        })
        .collect();
    govwire::config::parse(&text, "sources.toml").expect("bare sources parse")
}

#[tokio::test]
async fn five_site_styles_are_crawled_from_the_list_url_alone() {
    let (base, log, routes) = start().await;
    let sites = {
        let mut r = routes.lock().expect("routes");
        r.insert(
            "/robots.txt".into(),
            (
                "text/plain",
                b"User-agent: *\nDisallow: /intern/\nCrawl-delay: 0.03\n".to_vec(),
            ),
        );
        vec![
            gsb(&base, &mut r),
            typo3(&base, &mut r),
            drupal(&base, &mut r),
            legacy(&base, &mut r),
            magazin(&base, &mut r),
        ]
    };
    let pairs: Vec<(&str, &str)> = sites.iter().map(|s| (s.id, s.list.as_str())).collect();
    let config = config(&pairs);
    assert!(
        config
            .sources
            .iter()
            .all(|s| s.kind == govwire::model::SourceKind::Auto)
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    let crawler = crawler(store.clone(), 200);
    let reports = crawl_all(crawler.clone(), &config.sources, 4).await;

    let stored = stored_once_only_articles_most_found(&store, &sites, &reports);
    for (site, report) in sites.iter().zip(&reports) {
        let found = stored.iter().filter(|a| a.source_id == site.id).count();
        // (All of them, in fact; the bound the issue asks for is 95 %.)
        assert_eq!(found, site.articles.len(), "{}", site.id);
        assert!(
            report.pages >= 3,
            "{}: {} list pages",
            site.id,
            report.pages
        );
        let one = stored
            .iter()
            .find(|a| a.source_id == site.id)
            .expect("one article");
        assert!(
            one.text.contains("Verwaltung") || one.text.contains("Behörde") || one.text.len() > 100,
            "{}: {:?}",
            site.id,
            one.text
        );
    }
    // Titles and dates of the ISO-8859-1 and windows-1252 sites are read right.
    let umlaut = stored
        .iter()
        .find(|a| a.source_id == "typo3" && a.title.starts_with("Förderprogramm"))
        .expect("TYPO3 article with an umlaut");
    assert_eq!(
        umlaut
            .published
            .map(|d| d
                .with_timezone(&chrono_tz::Europe::Berlin)
                .format("%Y-%m-%d")
                .to_string())
            .as_deref(),
        Some("2031-03-29")
    );
    // The magazine's dates come from the `[dd.mm.yyyy]` lead of the article itself, never from
    // the "Weitere Meldungen" box beside it (all other articles' dates), and its kicker is read.
    let magazine: Vec<&Article> = stored.iter().filter(|a| a.source_id == "magazin").collect();
    let mut checked = 0;
    for item in items("Die Redaktion") {
        let Some(a) = magazine.iter().find(|a| a.title == item.title) else {
            continue;
        };
        checked += 1;
        assert_eq!(
            a.published
                .map(|d| d.with_timezone(&chrono_tz::Europe::Berlin).date_naive()),
            chrono::NaiveDate::from_ymd_opt(2031, 3, item.day),
            "{}",
            a.url
        );
        assert_eq!(a.published_precision, DatePrecision::Day, "{}", a.url);
        assert!(a.kicker.is_some(), "{}", a.url);
    }
    assert_eq!(
        checked,
        magazine.len(),
        "every magazine article is one of the items"
    );
    // Every URL was fetched once; the GSB pager was requested byte for byte.
    let first = log.all();
    let mut per_target: HashMap<&str, usize> = HashMap::new();
    for (t, _, _) in &first {
        *per_target.entry(t.as_str()).or_default() += 1;
    }
    let twice: Vec<_> = per_target.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "fetched more than once: {twice:?}");
    // robots.txt first, its Disallow and Crawl-delay kept, one request in flight per host.
    assert!(
        !per_target.keys().any(|t| t.contains("/intern/")),
        "{per_target:?}"
    );
    log.assert_polite(&[
        ("127.0.0.1", Duration::from_millis(30)),
        ("localhost", Duration::from_millis(30)),
    ]);
    assert!(
        per_target.contains_key("/bmi/DE/presse/pressemitteilungen.html?gtp=148_list%253D2"),
        "{per_target:?}"
    );
    let not_found: Vec<_> = first.iter().filter(|(_, _, s)| *s == 404).collect();
    assert!(not_found.is_empty(), "{not_found:?}");

    // A second crawl of the unchanged sites: conditional requests only, all 304.
    log.clear();
    let again = crawl_all(crawler, &config.sources, 4).await;
    let second = log.all();
    assert_eq!(second.len(), sites.len(), "{second:?}");
    assert!(
        second
            .iter()
            .all(|(_, conditional, status)| *conditional && *status == 304),
        "{second:?}"
    );
    assert!(
        again.iter().all(|r| r.not_modified && r.new == 0),
        "{again:?}"
    );
}

#[tokio::test]
async fn bad_lists_are_bounded() {
    let (base, log, routes) = start().await;
    let port = base.rsplit(':').next().expect("port").to_string();
    {
        let mut r = routes.lock().expect("routes");
        let mut flood = String::from("<html><body><ul>");
        for i in 0..20_000 {
            flood.push_str(&format!(
                "<li><a href=\"/flut/meldung-{i}.html\">Meldung Nummer {i} aus dem Rathaus der Stadt</a></li>"
            ));
        }
        flood.push_str("</ul></body></html>");
        r.insert("/flut/liste.html".into(), html(flood));
        let offsite: String = (0..5)
            .map(|i| format!("<div class=\"teaser\"><h3><a href=\"http://localhost:{port}/x/{i}.html\">Ein Bericht über die Verwaltung auf einer anderen Website</a></h3><p>0{i}.03.2031</p></div>"))
            .collect();
        r.insert(
            "/fremd/liste.html".into(),
            html(format!("<html><body>{offsite}</body></html>")),
        );
    }
    let config = config(&[
        ("flut", &format!("{base}/flut/liste.html")),
        ("schleife", &format!("{base}/schleife/liste.html?runde=1")),
        ("kalender", &format!("{base}/kalender/termine.html?monat=1")),
        ("fremd", &format!("{base}/fremd/liste.html")),
        ("endlos", &format!("{base}/endlos/liste.html")),
    ]);
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    let (warnings, guard) = Warnings::capture();
    let reports = crawl_all(crawler(store.clone(), 30), &config.sources, 4).await;
    drop(guard);
    let by = |id: &str| reports.iter().find(|r| r.source_id == id).expect("report");
    // Each bound hit is a warning naming the page and the bound.
    warnings.assert_line(&["/flut/liste.html", "more than 5000 links"]);
    warnings.assert_line(&["/flut/liste.html", "kept=30", "max_items_per_source"]);
    warnings.assert_line(&["/schleife/liste.html?runde=2", "loops back"]);
    warnings.assert_line(&["/endlos/liste.html?page=6", "max_pages=5"]);
    warnings.assert_line(&["/fremd/liste.html", "only to other sites"]);
    let all = log.all();
    let count = |prefix: &str| all.iter().filter(|(t, _, _)| t.starts_with(prefix)).count();

    // 20,000 links: read up to the bound, articles capped by max_items_per_source.
    let flut = by("flut");
    assert_eq!(flut.candidates, 30, "{flut:?}");
    assert_eq!(count("/flut/meldung-"), 30);
    // A pager looping back to the same teasers with a new query string: two list pages.
    let schleife = by("schleife");
    assert_eq!(schleife.new, 3, "{schleife:?}");
    assert_eq!(count("/schleife/liste.html"), 2, "{all:?}");
    // An endless calendar: its "next month" is no pager of the list, so one page is read (no
    // bound is reached, so there is nothing to warn about).
    let kalender = by("kalender");
    assert_eq!(count("/kalender/termine.html"), 1, "{kalender:?}");
    assert_eq!(kalender.new, 2);
    // An endless pager with new entries on every page: max_pages (5) list pages, then stop.
    let endlos = by("endlos");
    assert_eq!(count("/endlos/liste.html"), 5, "{endlos:?}");
    assert_eq!((endlos.new, endlos.pages), (10, 5));
    // Off-site links only: an error naming the list, nothing fetched off-site.
    let fremd = by("fremd");
    assert!(
        fremd
            .errors
            .first()
            .is_some_and(|e| e.contains("/fremd/liste.html")),
        "{fremd:?}"
    );
    assert_eq!(count("/x/"), 0);
    assert_eq!(fremd.new, 0);
}

/// The GSB site alone, with its first list page's URL.
async fn gsb_only() -> (String, Log, Arc<Mutex<Routes>>, Site) {
    let (base, log, routes) = start().await;
    let site = {
        let mut r = routes.lock().expect("routes");
        gsb(&base, &mut r)
    };
    (base, log, routes, site)
}

fn list_requests(log: &Log, site: &Site) -> Vec<(String, bool, u16)> {
    let first = site
        .list
        .split("/bmi/")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    log.all()
        .into_iter()
        .filter(|(t, _, _)| t.ends_with(&first))
        .collect()
}

#[tokio::test]
async fn a_fixed_source_is_read_in_full_not_answered_304() {
    let (_base, log, _routes, site) = gsb_only().await;
    let with = |item: &str, extra: &str| {
        let text = format!(
            "[[source]]\nid = \"gsb\"\nname = \"GSB\"\nurl = \"{}\"\nkind = \"html\"\nlevel = \"bund\"\n{extra}[source.list]\nitem = \"{item}\"\n",
            site.list
        );
        govwire::config::parse(&text, "sources.toml").expect("config")
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    let crawler = crawler(store.clone(), 200);

    // Broken selectors: nothing found, an error, and no validators kept.
    let broken = with("div.gibt-es-nicht", "");
    let r = crawl_all(crawler.clone(), &broken.sources, 1).await;
    assert!(
        r[0].errors
            .first()
            .is_some_and(|e| e.contains("matched no articles")),
        "{r:?}"
    );
    let health = store.health("gsb").expect("health").expect("stored");
    assert!(health.etag.is_none(), "{health:?}");

    // Fixed: the list is read in full (no If-None-Match), the articles are stored.
    log.clear();
    let fixed = with("div.c-teaser", "");
    let r = crawl_all(crawler.clone(), &fixed.sources, 1).await;
    assert!(r[0].errors.is_empty() && r[0].new >= 24, "{r:?}");
    let lists = list_requests(&log, &site);
    assert_eq!(lists.len(), 1, "{lists:?}");
    assert!(!lists[0].1, "the fixed listing was asked conditionally");

    // Unchanged: 304. Then another configuration change: asked without validators again,
    // but no article page is fetched (all are known).
    log.clear();
    let r = crawl_all(crawler.clone(), &fixed.sources, 1).await;
    assert!(r[0].not_modified, "{r:?}");
    log.clear();
    let changed = with(
        "div.c-teaser",
        "fetch_articles = true\n[source.article]\nremove = \".share\"\n",
    );
    let r = crawl_all(crawler, &changed.sources, 1).await;
    assert!(!r[0].not_modified && r[0].new == 0, "{r:?}");
    let all = log.all();
    assert!(
        all.iter().all(|(_, conditional, _)| !conditional),
        "{all:?}"
    );
    assert!(
        all.iter().all(|(t, _, _)| !t.contains("SharedDocs")),
        "article pages fetched again: {all:?}"
    );
}

#[tokio::test]
async fn check_fails_when_the_sampled_articles_cannot_be_fetched() {
    let (base, _log, routes, site) = gsb_only().await;
    {
        let mut r = routes.lock().expect("routes");
        let teasers: String = (1..=3)
            .map(|i| format!("<div class=\"teaser\"><h3><a href=\"/kaputt/fehlt-{i}.html\">Eine Meldung, deren Seite es nicht mehr gibt, Nummer {i}</a></h3><p>0{i}.03.2031</p></div>"))
            .collect();
        r.insert(
            "/kaputt/liste.html".into(),
            html(format!("<html><body>{teasers}</body></html>")),
        );
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sources.toml");
    std::fs::write(
        &path,
        format!(
            "[[source]]\nid = \"kaputt\"\nname = \"Kaputt\"\nurl = \"{base}/kaputt/liste.html\"\n\n\
             [[source]]\nid = \"gsb\"\nname = \"GSB\"\nurl = \"{}\"\n",
            site.list
        ),
    )
    .expect("write config");
    let run = |id: &'static str| {
        let path = path.clone();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_govwire"))
                .arg("-c")
                .arg(&path)
                .args(["check", id])
                .env_remove("GOVWIRE_CONFIG")
                .env_remove("GOVWIRE_DATA_DIR")
                .env("RUST_LOG", "warn")
                .output()
                .expect("run govwire")
        })
    };
    let bad = run("kaputt").await.expect("joined");
    let err = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(1), "{err}");
    assert!(err.contains("none of the 3 sampled articles"), "{err}");
    let good = run("gsb").await.expect("joined");
    let out = String::from_utf8_lossy(&good.stdout);
    assert_eq!(
        good.status.code(),
        Some(0),
        "{out}\n{}",
        String::from_utf8_lossy(&good.stderr)
    );
    assert!(out.contains("SharedDocs/pressemitteilungen"), "{out}");
    assert!(
        out.contains("list page without selectors: found 9 teasers with a link (9 with a title, 9 with a date)"),
        "{out}"
    );
}

#[tokio::test]
async fn backfill_walks_back_to_a_date() {
    let (base, log, routes) = start().await;
    let site = {
        let mut r = routes.lock().expect("routes");
        drupal(&base, &mut r)
    };
    let config = config(&[("drupal", site.list.as_str())]);
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    let fetcher = || {
        Fetcher::new(FetchConfig {
            per_host_interval: Duration::from_millis(1),
            ..FetchConfig::default()
        })
        .expect("client")
    };
    // A normal crawl limited to one list page: the newest ten (30 to 21 March).
    let normal = Arc::new(Crawler::new(fetcher(), store.clone(), &[], 200).with_max_pages(1));
    let r = crawl_all(normal, &config.sources, 1).await;
    assert_eq!((r[0].new, r[0].pages), (10, 1), "{r:?}");

    // Backfill to 12 March: page 1 again (in full, its articles known), page 2 (20 to 11
    // March: 11 March is left), no page 3.
    log.clear();
    let backfill = Arc::new(Crawler::new(fetcher(), store.clone(), &[], 5));
    assert!(
        backfill.set_backfill(govwire::crawl::listing::Backfill {
            since: chrono::NaiveDate::from_ymd_opt(2031, 3, 12)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc()),
            max_pages: Some(10),
        })
    );
    let r = crawl_all(backfill, &config.sources, 1).await;
    assert_eq!((r[0].new, r[0].unchanged, r[0].pages), (9, 10, 2), "{r:?}");
    let all = log.all();
    assert!(
        all.iter().all(|(_, conditional, _)| !conditional),
        "{all:?}"
    );
    assert!(
        !all.iter().any(|(t, _, _)| t == "/drupal/presse?page=2"),
        "{all:?}"
    );
    assert_eq!(store.count().expect("count"), 19);
}

#[tokio::test]
async fn one_host_gets_one_request_at_a_time_and_its_crawl_delay_from_the_start() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    // A slow host (200 ms per answer) with `Crawl-delay: 1`, two sources on it.
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let starts: Arc<Mutex<Vec<(String, std::time::Instant)>>> = Arc::default();
    let (f2, m2, s2) = (in_flight.clone(), most.clone(), starts.clone());
    let app = Router::new().fallback(move |req: Request<Body>| {
        let (in_flight, most, starts) = (f2.clone(), m2.clone(), s2.clone());
        async move {
            let path = req.uri().path().to_string();
            if let Ok(mut s) = starts.lock() {
                s.push((path.clone(), std::time::Instant::now()));
            }
            let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(200)).await;
            in_flight.fetch_sub(1, Ordering::SeqCst);
            if path == "/robots.txt" {
                return "User-agent: *\nCrawl-delay: 1\n".into_response();
            }
            let body = match path.strip_suffix("/liste.html") {
                Some(dir) => (1..=2)
                    .map(|k| format!("<div class=\"teaser\"><h3><a href=\"{dir}/m{k}.html\">Meldung {k} einer langsamen Behörde im Netz</a></h3><p>0{k}.03.2031</p></div>"))
                    .collect::<String>(),
                None => "<h1>Meldung</h1><p>Ein Text einer langsamen Behörde, lang genug für einen Absatz im Test.</p>".to_string(),
            };
            ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], format!("<html><body>{body}</body></html>")).into_response()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let base = format!("http://{addr}");
    let config = config(&[
        ("amt-a", &format!("{base}/a/liste.html")),
        ("amt-b", &format!("{base}/b/liste.html")),
    ]);
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    let reports = crawl_all(crawler(store.clone(), 200), &config.sources, 2).await;
    assert!(reports.iter().all(|r| r.new == 2), "{reports:?}");
    assert_eq!(
        most.load(Ordering::SeqCst),
        1,
        "more than one request in flight"
    );
    let starts = starts.lock().expect("starts").clone();
    assert_eq!(starts[0].0, "/robots.txt");
    assert_eq!(starts.len(), 7, "{starts:?}");
    // Starts are 1 s apart at the client; arrivals here jitter with the shared CPU.
    for pair in starts.windows(2) {
        let gap = pair[1].1 - pair[0].1;
        assert!(
            gap >= Duration::from_millis(900),
            "{} came {gap:?} after {}",
            pair[1].0,
            pair[0].0
        );
    }
}

/// The older fixture sites, configured with selectors elsewhere, give the same teasers without.
#[tokio::test]
async fn the_selector_fixtures_read_the_same_without_selectors() {
    let (base, _log) = crate::common::start().await;
    for (page, item) in [
        ("kommune21/index.html", "div.teaser"),
        ("ministry/index.html", "li.c-result"),
    ] {
        let url = format!("{base}/{page}");
        let (_, html) = crate::common::get(&url).await;
        let with = govwire::extract::parse_listing(
            &html,
            &url,
            &govwire::model::ListSelectors {
                item: item.into(),
                ..Default::default()
            },
        )
        .expect("selectors");
        let auto = govwire::extract::auto_listing(&html, &url).expect("auto");
        let a: Vec<&str> = auto.candidates.iter().map(|c| c.url.as_str()).collect();
        let w: Vec<&str> = with.iter().map(|c| c.url.as_str()).collect();
        assert_eq!(a, w, "{page}");
    }
}

/// The date of item `it` as RFC 2822 with an exact time (what a feed says).
fn rfc2822(it: &Item, minute: usize) -> String {
    chrono::NaiveDate::from_ymd_opt(2031, 3, it.day)
        .and_then(|d| d.and_hms_opt(9, (minute % 60) as u32, 0))
        .map(|t| format!("{} +0100", t.format("%a, %d %b %Y %H:%M:%S")))
        .expect("a March date")
}

/// A WordPress site configured by its home page: the home page advertises the feed (the newest
/// 10 posts only) and links "Aktuelles" in its menu; the category list has 3 pages
/// (`/page/2/`, `rel="next"`); the home page itself shows no teasers outside its sidebar.
fn wordpress(base: &str, r: &mut Routes) -> Site {
    let items = items("Das Landratsamt");
    let head = |title: &str, extra: &str| {
        format!(
            "<!DOCTYPE html><html lang=\"de-DE\"><head><meta charset=\"UTF-8\"><title>{title} &#8211; Landkreis Musterheide</title>\
             <link rel=\"alternate\" type=\"application/rss+xml\" title=\"Landkreis Musterheide &raquo; Feed\" href=\"{base}/wp/feed/\">{extra}</head>\
             <body class=\"home blog\"><header id=\"masthead\" class=\"site-header\"><nav id=\"site-navigation\" class=\"main-navigation\"><ul id=\"primary-menu\" class=\"menu\">\
             <li><a href=\"{base}/wp/\">Start</a></li><li><a href=\"{base}/wp/landkreis/\">Landkreis</a></li>\
             <li><a href=\"{base}/wp/aktuelles/\">Aktuelles</a></li><li><a href=\"{base}/wp/service/\">Service</a></li></ul></nav></header>"
        )
    };
    let sidebar = |items: &[Item]| {
        let mut s = String::from(
            "<aside id=\"secondary\" class=\"widget-area\"><section class=\"widget widget_recent_entries\"><h2>Neueste Beiträge</h2><ul>",
        );
        for (i, it) in items.iter().enumerate().take(5) {
            s.push_str(&format!(
                "<li><a href=\"{base}/wp/2031/03/{:02}/{}/\">{}</a></li>",
                it.day,
                slug(i),
                it.title
            ));
        }
        s.push_str("</ul></section></aside>");
        s
    };
    let post_url = |i: usize, it: &Item| format!("{base}/wp/2031/03/{:02}/{}/", it.day, slug(i));
    let mut articles = Vec::new();
    for (i, it) in items.iter().enumerate() {
        let url = post_url(i, it);
        articles.push(url.clone());
        r.insert(
            url[base.len()..].to_string(),
            html(format!(
                "{}<main id=\"main\"><article class=\"post type-post status-publish\"><header class=\"entry-header\"><h1 class=\"entry-title\">{t}</h1>\
                 <div class=\"entry-meta\"><span class=\"posted-on\"><time class=\"entry-date published\" datetime=\"2031-03-{d:02}\">{d}. März 2031</time></span></div></header>\
                 <div class=\"entry-content\"><p><strong>{l}</strong></p><p>{body}</p></div></article></main>{}\
                 <footer class=\"site-footer\"><a href=\"{base}/wp/impressum/\">Impressum</a></footer></body></html>",
                head(&it.title, ""),
                sidebar(&items),
                t = it.title,
                d = it.day,
                l = it.lead,
                body = it.body
            )),
        );
    }
    // The feed holds the newest 10 posts only, with their exact times and author.
    let feed_items: String = items
        .iter()
        .enumerate()
        .take(10)
        .map(|(i, it)| {
            format!(
                "<item><title>{}</title><link>{}</link><pubDate>{}</pubDate><dc:creator><![CDATA[Pressestelle Musterheide]]></dc:creator>\
                 <category><![CDATA[Aktuelles]]></category><description><![CDATA[{}]]></description></item>",
                it.title,
                post_url(i, it),
                rfc2822(it, 10 + i),
                it.lead
            )
        })
        .collect();
    r.insert(
        "/wp/feed/".into(),
        (
            "application/rss+xml; charset=UTF-8",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel>\
                 <title>Landkreis Musterheide</title><link>{base}/wp/</link><description>Nachrichten aus dem Landkreis</description>{feed_items}</channel></rss>"
            )
            .into_bytes(),
        ),
    );
    let chunks: Vec<&[Item]> = items.chunks(10).collect();
    for (p, chunk) in chunks.iter().enumerate() {
        let n = p + 1;
        let page_url = |m: usize| match m {
            1 => format!("{base}/wp/aktuelles/"),
            m => format!("{base}/wp/aktuelles/page/{m}/"),
        };
        let mut posts = String::new();
        for (k, it) in chunk.iter().enumerate() {
            let i = p * 10 + k;
            posts.push_str(&format!(
                "<article class=\"post type-post\"><header class=\"entry-header\"><h2 class=\"entry-title\"><a href=\"{}\" rel=\"bookmark\">{}</a></h2>\
                 <div class=\"entry-meta\"><time class=\"entry-date published\" datetime=\"2031-03-{d:02}\">{d}. März 2031</time></div></header>\
                 <div class=\"entry-summary\"><p>{} […]</p></div></article>\n",
                post_url(i, it),
                it.title,
                it.lead,
                d = it.day
            ));
        }
        let mut pager =
            String::from("<nav class=\"navigation pagination\"><div class=\"nav-links\">");
        for m in 1..=chunks.len() {
            if m == n {
                pager.push_str(&format!(
                    "<span aria-current=\"page\" class=\"page-numbers current\">{m}</span>"
                ));
            } else {
                pager.push_str(&format!(
                    "<a class=\"page-numbers\" href=\"{}\">{m}</a>",
                    page_url(m)
                ));
            }
        }
        pager.push_str("</div></nav>");
        let next = if n < chunks.len() {
            format!("<link rel=\"next\" href=\"{}\">", page_url(n + 1))
        } else {
            String::new()
        };
        r.insert(
            page_url(n)[base.len()..].to_string(),
            html(format!(
                "{}<main id=\"main\"><header class=\"page-header\"><h1 class=\"page-title\">Kategorie: Aktuelles</h1></header>{posts}{pager}</main>{}</body></html>",
                head("Aktuelles", &next),
                sidebar(&items)
            )),
        );
    }
    r.insert(
        "/wp/".into(),
        html(format!(
            "{}<main id=\"main\"><article class=\"page\"><h1>Willkommen im Landkreis Musterheide</h1>\
             <p>Der Landkreis Musterheide liegt zwischen Heide und Moor und zählt rund 140.000 Einwohnerinnen und Einwohner.</p></article></main>{}\
             <footer class=\"site-footer\"><a href=\"{base}/wp/impressum/\">Impressum</a></footer></body></html>",
            head("Start", ""),
            sidebar(&items)
        )),
    );
    Site {
        id: "wordpress",
        list: format!("{base}/wp/"),
        articles,
    }
}

/// A municipality whose news is only a box on its home page: the ten newest items as teasers
/// next to quick links and an events box, no list page, no feed.
fn kommune(base: &str, r: &mut Routes) -> Site {
    let items = items("Die Gemeinde Lindenfeld");
    let mut articles = Vec::new();
    let mut teasers = String::new();
    let frame = |main: &str| {
        format!(
            "<!DOCTYPE html><html lang=\"de\"><head><meta charset=\"utf-8\"><title>Gemeinde Lindenfeld</title></head><body>\
             <div id=\"kopf\"><a href=\"/kommune/\"><img src=\"/kommune/logo.png\" alt=\"Gemeinde Lindenfeld\"></a></div>\
             <ul id=\"hauptmenue\"><li><a href=\"/kommune/rathaus-politik.html\">Rathaus &amp; Politik</a></li>\
             <li><a href=\"/kommune/leben.html\">Leben in Lindenfeld</a></li><li><a href=\"/kommune/wirtschaft.html\">Wirtschaft</a></li></ul>\
             <div id=\"inhalt\">{main}</div>\
             <div id=\"fuss\"><a href=\"/kommune/impressum.html\">Impressum</a> <a href=\"/kommune/datenschutz.html\">Datenschutz</a></div></body></html>"
        )
    };
    for (i, it) in items.iter().enumerate().take(10) {
        let path = format!("/kommune/aktuelles/{}.html", slug(i));
        teasers.push_str(&format!(
            "<div class=\"news-kurz\"><span class=\"datum\">{d:02}.03.2031</span><h3><a href=\"{path}\">{t}</a></h3><p>{l}</p></div>\n",
            d = it.day,
            t = it.title,
            l = it.lead
        ));
        articles.push(format!("{base}{path}"));
        r.insert(
            path,
            html(frame(&format!(
                "<h1>{t}</h1><p class=\"datum\">{d:02}.03.2031</p><p><b>{l}</b></p><p>{body}</p><p>Ihr Bürgermeister</p>",
                t = it.title,
                d = it.day,
                l = it.lead,
                body = it.body
            ))),
        );
    }
    r.insert(
        "/kommune/".into(),
        html(frame(&format!(
            "<div class=\"willkommen\"><h1>Herzlich willkommen in Lindenfeld</h1><p>Unsere Gemeinde mit ihren vier Ortsteilen lädt zum Leben und Arbeiten ein.</p></div>\
             <div class=\"box box-aktuelles\"><h2>Aktuelles</h2>{teasers}</div>\
             <div class=\"box box-schnell\"><h2>Schnellzugriff</h2><ul>\
             <li><a href=\"/kommune/service/formulare.html\">Formulare und Anträge online</a></li>\
             <li><a href=\"/kommune/service/abfallkalender.html\">Abfallkalender der Gemeinde</a></li>\
             <li><a href=\"/kommune/service/oeffnungszeiten.html\">Öffnungszeiten des Rathauses</a></li></ul></div>\
             <div class=\"box box-termine\"><h2>Veranstaltungen</h2><p><a href=\"/kommune/veranstaltungen.html\">Alle Veranstaltungen im Überblick</a></p></div>"
        ))),
    );
    Site {
        id: "kommune",
        list: format!("{base}/kommune/"),
        articles,
    }
}

/// A state agency on its own host (`localhost`) configured by its home page `/`: robots.txt
/// names a sitemap index; the index names a gzip news sitemap of all 25 press releases and a
/// plain sitemap of every page; the "Presse" page in the menu shows only the 5 newest.
fn landesamt(local: &str, r: &mut Routes) -> Site {
    let items = items("Das Landesamt für Statistik");
    let frame = |main: &str| {
        format!(
            "<!DOCTYPE html><html lang=\"de\"><head><meta charset=\"utf-8\"><title>Landesamt für Statistik</title></head><body>\
             <header><nav><ul><li><a href=\"/\">Startseite</a></li><li><a href=\"/themen/\">Themen</a></li><li><a href=\"/presse/\">Presse</a></li>\
             <li><a href=\"/kontakt.html\">Kontakt</a></li></ul></nav></header><main>{main}</main>\
             <footer><a href=\"/impressum.html\">Impressum</a></footer></body></html>"
        )
    };
    let mut articles = Vec::new();
    let mut news = String::new();
    let mut pages = String::new();
    let mut teasers = String::new();
    for (i, it) in items.iter().enumerate() {
        let path = format!("/presse/2031/{}.html", slug(i));
        articles.push(format!("{local}{path}"));
        news.push_str(&format!(
            "<url><loc>{local}{path}</loc><news:news><news:publication><news:name>Landesamt</news:name><news:language>de</news:language></news:publication>\
             <news:publication_date>2031-03-{:02}T11:00:00+01:00</news:publication_date><news:title>{}</news:title></news:news></url>",
            it.day, it.title
        ));
        pages.push_str(&format!(
            "<url><loc>{local}{path}</loc><lastmod>2031-03-{:02}</lastmod></url>",
            it.day
        ));
        if i < 5 {
            teasers.push_str(&format!(
                "<div class=\"pm\"><time datetime=\"2031-03-{d:02}\">{d:02}.03.2031</time><h2><a href=\"{path}\">{t}</a></h2><p>{l}</p></div>",
                d = it.day,
                t = it.title,
                l = it.lead
            ));
        }
        r.insert(
            format!("//localhost{path}"),
            html(frame(&format!(
                "<article><h1>{t}</h1><time datetime=\"2031-03-{d:02}\">{d:02}.03.2031</time><p><strong>{l}</strong></p><p>{body}</p></article>",
                t = it.title,
                d = it.day,
                l = it.lead,
                body = it.body
            ))),
        );
    }
    for p in [
        "/impressum.html",
        "/kontakt.html",
        "/themen/",
        "/themen/bevoelkerung.html",
    ] {
        pages.push_str(&format!(
            "<url><loc>{local}{p}</loc><lastmod>2031-01-01</lastmod></url>"
        ));
    }
    let gz = {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
                 xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">{news}</urlset>"
            )
            .as_bytes(),
        )
        .expect("gzip");
        e.finish().expect("gzip")
    };
    r.insert(
        "//localhost/news-sitemap.xml.gz".into(),
        ("application/gzip", gz),
    );
    r.insert(
        "//localhost/pages-sitemap.xml".into(),
        (
            "application/xml",
            format!(
                "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">{pages}</urlset>"
            )
            .into_bytes(),
        ),
    );
    r.insert(
        "//localhost/sitemap_index.xml".into(),
        (
            "application/xml",
            format!(
                "<?xml version=\"1.0\"?><sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
                 <sitemap><loc>{local}/news-sitemap.xml.gz</loc><lastmod>2031-03-30</lastmod></sitemap>\
                 <sitemap><loc>{local}/pages-sitemap.xml</loc><lastmod>2031-03-01</lastmod></sitemap></sitemapindex>"
            )
            .into_bytes(),
        ),
    );
    r.insert(
        "//localhost/robots.txt".into(),
        (
            "text/plain",
            format!("User-agent: *\nDisallow: /intern/\nCrawl-delay: 0.03\nSitemap: {local}/sitemap_index.xml\n")
                .into_bytes(),
        ),
    );
    r.insert(
        "//localhost/presse/".into(),
        html(frame(&format!("<h1>Pressemitteilungen</h1>{teasers}"))),
    );
    r.insert(
        "//localhost/".into(),
        html(frame("<h1>Landesamt für Statistik</h1><p>Zahlen und Fakten über das Land, seine Menschen und seine Wirtschaft.</p>")),
    );
    Site {
        id: "landesamt",
        list: format!("{local}/"),
        articles,
    }
}

#[tokio::test]
async fn sites_configured_by_their_home_page_alone() {
    let (base, log, routes) = start().await;
    let local = base.replace("127.0.0.1", "localhost");
    let sites = {
        let mut r = routes.lock().expect("routes");
        r.insert(
            "/robots.txt".into(),
            (
                "text/plain",
                b"User-agent: *\nDisallow: /intern/\nCrawl-delay: 0.03\n".to_vec(),
            ),
        );
        vec![
            wordpress(&base, &mut r),
            kommune(&base, &mut r),
            landesamt(&local, &mut r),
            Site {
                list: format!("{base}/k21/"),
                ..magazin(&base, &mut r)
            },
        ]
    };
    let pairs: Vec<(&str, &str)> = sites.iter().map(|s| (s.id, s.list.as_str())).collect();
    let config = config(&pairs);
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    let crawler = crawler(store.clone(), 200);
    let reports = crawl_all(crawler.clone(), &config.sources, 3).await;
    let stored = stored_once_only_articles_most_found(&store, &sites, &reports);
    // Feed facts merged with the page: the exact time and the author of the feed.
    let newest = stored
        .iter()
        .find(|a| a.source_id == "wordpress" && a.url.contains("meldung-01"))
        .expect("newest post");
    assert_eq!(
        newest.published.map(|t| t.to_rfc3339()).as_deref(),
        Some("2031-03-30T08:10:00+00:00")
    );
    assert_eq!(newest.author.as_deref(), Some("Pressestelle Musterheide"));
    // The entry points are remembered in the crawl state.
    let wp = store.health("wordpress").expect("health").expect("some");
    let kinds: Vec<(String, govwire::model::EntryKind)> =
        wp.entries.iter().map(|e| (e.url.clone(), e.kind)).collect();
    assert!(
        kinds.contains(&(format!("{base}/wp/feed/"), govwire::model::EntryKind::Feed)),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&(
            format!("{base}/wp/aktuelles/"),
            govwire::model::EntryKind::List
        )),
        "{kinds:?}"
    );
    let land = store.health("landesamt").expect("health").expect("some");
    assert!(
        land.entries
            .iter()
            .any(|e| e.url.ends_with("/sitemap_index.xml")),
        "{:?}",
        land.entries
    );
    // No URL fetched twice in the crawl.
    let first = log.all();
    let mut per_target: HashMap<&str, usize> = HashMap::new();
    for (t, _, _) in &first {
        *per_target.entry(t.as_str()).or_default() += 1;
    }
    let twice: Vec<_> = per_target.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "fetched more than once: {twice:?}");
    // robots.txt first, its Disallow and Crawl-delay kept, one request in flight per host.
    assert!(
        !per_target.keys().any(|t| t.contains("/intern/")),
        "{per_target:?}"
    );
    log.assert_polite(&[
        ("127.0.0.1", Duration::from_millis(30)),
        ("localhost", Duration::from_millis(30)),
    ]);

    // The second crawl of the unchanged sites: conditional requests only, all 304.
    log.clear();
    let again = crawl_all(crawler, &config.sources, 3).await;
    let second = log.all();
    assert!(
        second
            .iter()
            .all(|(_, conditional, status)| *conditional && *status == 304),
        "{second:?}"
    );
    assert!(
        again.iter().all(|r| r.new == 0 && r.errors.is_empty()),
        "{again:?}"
    );
}

/// The article URL → source id map of a store.
fn homes(store: &Store) -> HashMap<String, String> {
    store
        .iter_articles()
        .map(|a| a.map(|a| (a.url, a.source_id)))
        .collect::<Result<_, _>>()
        .expect("articles read")
}

#[tokio::test]
async fn one_fetch_and_one_home_per_article_across_entry_points_and_sources() {
    let (base, log, routes) = start().await;
    let local = base.replace("127.0.0.1", "localhost");
    let site = {
        let mut r = routes.lock().expect("routes");
        let site = wordpress(&base, &mut r);
        // A portal on another site whose feed relays five of the posts (with its own times).
        let relayed: String = site.articles[10..15]
            .iter()
            .enumerate()
            .map(|(k, url)| {
                format!(
                    "<item><title>Aus dem Landkreis: Meldung {k}</title><link>{url}</link><pubDate>Mon, 03 Mar 2031 08:00:00 +0100</pubDate></item>"
                )
            })
            .collect();
        r.insert(
            "//localhost/portal/feed.xml".into(),
            (
                "application/rss+xml",
                format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Portal</title><link>{local}/portal/</link>{relayed}</channel></rss>").into_bytes(),
            ),
        );
        site
    };
    // Configuration order: the portal first (another site), then the site's news list, then the
    // site by its home page (feed + the same list).
    let sources = [
        ("portal", format!("{local}/portal/feed.xml")),
        ("wp-aktuelles", format!("{base}/wp/aktuelles/")),
        ("wordpress", format!("{base}/wp/")),
    ];
    let pairs: Vec<(&str, &str)> = sources.iter().map(|(i, u)| (*i, u.as_str())).collect();
    let config = config(&pairs);
    let mut results = Vec::new();
    for parallel in [3, 1] {
        log.clear();
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("store")).expect("store");
        let crawler = crawler(store.clone(), 200);
        let reports = crawl_all(crawler.clone(), &config.sources, parallel).await;
        assert!(reports.iter().all(|r| r.errors.is_empty()), "{reports:?}");
        // Every article page fetched once in the crawl, though reached up to four times.
        let mut per_target: HashMap<String, usize> = HashMap::new();
        for (t, _, _) in log.all() {
            *per_target.entry(t).or_default() += 1;
        }
        for url in &site.articles {
            let target = &url[base.len()..];
            assert_eq!(per_target.get(target), Some(&1), "{target}: {per_target:?}");
        }
        let first = homes(&store);
        assert_eq!(first.len(), site.articles.len(), "stored once each");
        // The site's own news list is configured before the home page: all its articles are
        // its, none the portal's.
        assert!(
            first.values().all(|s| s == "wp-aktuelles"),
            "parallel {parallel}: {first:?}"
        );
        // Stable: another crawl moves nothing.
        crawl_all(crawler, &config.sources, parallel).await;
        assert_eq!(homes(&store), first);
        results.push(first);
    }
    assert_eq!(
        results[0], results[1],
        "the same homes whatever the crawl order"
    );

    // The portal configured alone first stores the relayed posts; once the site is configured
    // too, they move to it without being fetched again.
    log.clear();
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    let crawler = crawler(store.clone(), 200);
    crawl_all(crawler.clone(), &config.sources[..1], 1).await;
    assert!(homes(&store).values().all(|s| s == "portal"));
    assert_eq!(homes(&store).len(), 5);
    log.clear();
    crawl_all(crawler, &config.sources, 1).await;
    let moved = homes(&store);
    assert_eq!(moved.len(), site.articles.len());
    assert!(moved.values().all(|s| s == "wp-aktuelles"), "{moved:?}");
    let refetched = log
        .all()
        .into_iter()
        .filter(|(t, _, _)| {
            site.articles[10..15]
                .iter()
                .any(|u| u.ends_with(t.as_str()))
        })
        .count();
    assert_eq!(
        refetched, 0,
        "the relayed posts were moved, not fetched again"
    );
}

/// Runs the real binary with `--config config` off the async runtime.
async fn govwire_bin(config: &std::path::Path, args: &[&str]) -> std::process::Output {
    let config = config.to_path_buf();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_govwire"))
            .arg("--config")
            .arg(&config)
            .args(&args)
            .env_remove("GOVWIRE_CONFIG")
            .env_remove("GOVWIRE_DATA_DIR")
            .env_remove("GOVWIRE_LISTEN")
            .output()
            .expect("run govwire")
    })
    .await
    .expect("join")
}

#[tokio::test]
async fn govwire_add_proposes_a_source_and_writes_it() {
    let (base, log, routes) = start().await;
    {
        let mut r = routes.lock().expect("routes");
        r.insert(
            "/robots.txt".into(),
            ("text/plain", b"User-agent: *\nCrawl-delay: 0.05\n".to_vec()),
        );
        wordpress(&base, &mut r);
        kommune(&base, &mut r);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("sources.toml");
    let original = format!(
        "[settings]\ndata_dir = {:?}\nper_host_interval = \"50ms\"\n\n[[source]]\nid = \"wp\"\nname = \"Schon da\"\nurl = \"{base}/wp/feed/\"\n",
        dir.path().join("data").display().to_string()
    );
    std::fs::write(&config, &original).expect("config");

    // A dry run: the proposal with what was found, nothing written.
    let url = format!("{base}/wp/");
    let out = govwire_bin(&config, &["add", &url]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("feed     {base}/wp/feed/  (10 entries)")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "list     {base}/wp/aktuelles/  (10 teasers matched, 3 pager pages read)"
        )),
        "{stdout}"
    );
    let articles: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("#   article  "))
        .collect();
    assert_eq!(articles.len(), 3, "{stdout}");
    assert!(articles[0].contains("2031-03-30"), "{stdout}");
    // The id `wp` is taken: the proposal gets another; the name is the site's own.
    assert!(
        stdout.contains("[[source]]\nid = \"wp-2\"\nname = \"Landkreis Musterheide\"\n"),
        "{stdout}"
    );
    assert_eq!(std::fs::read_to_string(&config).expect("config"), original);
    // robots.txt was asked once and every page once (the fetcher is the crawler's).
    let mut per_target: HashMap<String, usize> = HashMap::new();
    for (t, _, _) in log.all() {
        *per_target.entry(t).or_default() += 1;
    }
    assert!(per_target.values().all(|n| *n == 1), "{per_target:?}");
    assert_eq!(per_target.get("/robots.txt"), Some(&1));

    // --write appends the block, and the configuration loads with it.
    let home = format!("{base}/kommune/");
    let out = govwire_bin(&config, &["add", &home, "--write"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!(
            "list     {home}  (10 teasers matched, 1 pager page read)"
        )),
        "{stdout}"
    );
    let written = std::fs::read_to_string(&config).expect("config");
    assert!(written.starts_with(&original));
    let loaded = govwire::config::load(&config).expect("loads");
    let added = loaded
        .sources
        .iter()
        .find(|s| s.url == home)
        .expect("added");
    assert_eq!(added.kind, govwire::model::SourceKind::Auto);
    assert_eq!(added.name, "Gemeinde Lindenfeld");
    let out = govwire_bin(&config, &["sources"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(&added.id));

    // Adding it again is refused; a page without articles or one that cannot be fetched
    // writes nothing and exits 1.
    let out = govwire_bin(&config, &["add", &home, "--write"]).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already configured"));
    for nothing in [
        format!("{base}/kommune/aktuelles/meldung-01.html"),
        format!("{base}/wp/impressum/"),
    ] {
        let out = govwire_bin(&config, &["add", &nothing, "--write"]).await;
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(!String::from_utf8_lossy(&out.stderr).is_empty());
        assert_eq!(std::fs::read_to_string(&config).expect("config"), written);
    }

    // A configuration that does not load is refused before anything is written.
    let broken = format!("{original}\n[settings.nonsense]\n");
    std::fs::write(&config, &broken).expect("config");
    let out = govwire_bin(&config, &["add", &url, "--write"]).await;
    assert!(!out.status.success());
    assert_eq!(std::fs::read_to_string(&config).expect("config"), broken);
}

#[tokio::test]
async fn a_broken_entry_point_is_found_again_from_the_home_page() {
    let (base, log, routes) = start().await;
    let site = {
        let mut r = routes.lock().expect("routes");
        wordpress(&base, &mut r)
    };
    let config = config(&[(site.id, site.list.as_str())]);
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    let crawler = crawler(store.clone(), 200);
    crawl_all(crawler.clone(), &config.sources, 1).await;
    let feed = format!("{base}/wp/feed/");
    let has_feed = || {
        store
            .health("wordpress")
            .expect("health")
            .expect("some")
            .entries
            .iter()
            .any(|e| e.url == feed)
    };
    assert!(has_feed());

    // The feed breaks while the home page is unchanged (304): it is dropped, with the home
    // page's validators.
    let saved = routes
        .lock()
        .expect("routes")
        .remove("/wp/feed/")
        .expect("feed route");
    log.clear();
    let report = &crawl_all(crawler.clone(), &config.sources, 1).await[0];
    assert!(report.not_modified, "{report:?}");
    assert!(
        report.errors.iter().any(|e| e.contains("404")),
        "{report:?}"
    );
    assert!(!has_feed());
    let requests = log.all();
    assert!(
        requests.contains(&("/wp/".to_string(), true, 304)),
        "{requests:?}"
    );
    assert!(
        requests.contains(&("/wp/feed/".to_string(), true, 404)),
        "{requests:?}"
    );

    // The next crawl reads the home page in full and finds the feed again.
    routes
        .lock()
        .expect("routes")
        .insert("/wp/feed/".into(), saved);
    log.clear();
    let report = &crawl_all(crawler, &config.sources, 1).await[0];
    assert!(report.errors.is_empty(), "{report:?}");
    let requests = log.all();
    assert!(
        requests.contains(&("/wp/".to_string(), false, 200)),
        "{requests:?}"
    );
    assert!(
        requests.contains(&("/wp/feed/".to_string(), false, 200)),
        "{requests:?}"
    );
    assert!(has_feed());
}

/// An ASCII URL slug of the first words of `title` (`Förderprogramm für` → `Foerderprogramm+fuer`),
/// the way a trade magazine's CMS builds `meldung_<id>_<Titel+Wörter>.html`.
fn plus_slug(title: &str) -> String {
    title
        .split_whitespace()
        .take(4)
        .map(|w| {
            w.chars()
                .flat_map(|c| match c {
                    'ä' => "ae".chars().collect::<Vec<_>>(),
                    'ö' => "oe".chars().collect(),
                    'ü' => "ue".chars().collect(),
                    'Ä' => "Ae".chars().collect(),
                    'Ö' => "Oe".chars().collect(),
                    'Ü' => "Ue".chars().collect(),
                    'ß' => "ss".chars().collect(),
                    c if c.is_ascii_alphanumeric() || c == '-' => vec![c],
                    _ => Vec::new(),
                })
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("+")
}

/// A Kommune21-style trade magazine (`/k21/`): rubric pages (`/k21/e-government/`,
/// `/k21/breitband/`, `/k21/it-sicherheit/`), each a list with a `?seite=N` pager; every article
/// in two rubrics; the news list `/k21/meldungen/` of all articles (10 a page, "nächste Seite");
/// the home page with the five newest as "Top-Meldungen", a box per rubric and a "Weitere
/// Meldungen" box, so one article is linked from the home page, two rubrics and the box.
/// Teasers carry a kicker (Dachzeile) above the title and a `[30.03.2031]` date before the
/// lead; article pages end with `Stichwörter:` tag links and a "Weitere Meldungen" box.
/// [`Site::list`] is the news list; the home page is `/k21/`.
fn magazin(base: &str, r: &mut Routes) -> Site {
    let items = items("Die Redaktion");
    const RUBRICS: [(&str, &str); 3] = [
        ("e-government", "E-Government"),
        ("breitband", "Breitband"),
        ("it-sicherheit", "IT-Sicherheit"),
    ];
    const PLACES: [&str; 5] = [
        "Nordrhein-Westfalen",
        "Landkreis Musterheide",
        "Bayern",
        "Lindenfeld",
        "Bund",
    ];
    let url =
        |i: usize, it: &Item| format!("/k21/meldung_{}_{}.html", 36_000 + i, plus_slug(&it.title));
    let rubrics_of = |i: usize| [RUBRICS[i % 3], RUBRICS[(i + 1) % 3]];
    let teaser = |i: usize, it: &Item| {
        format!(
            "<div class=\"teaser\"><span class=\"dachzeile\">{}</span><h3><a href=\"{u}\">{t}</a></h3>\
             <p>[{d:02}.03.2031] {l} <a href=\"{u}\" class=\"mehr\">mehr...</a></p>\
             <p class=\"stichwoerter\">Stichwörter: <a href=\"/k21/stichwort/{p}/\">{p}</a>, <a href=\"/k21/stichwort/Digitalisierung/\">Digitalisierung</a></p></div>\n",
            PLACES[i % PLACES.len()],
            p = PLACES[i % PLACES.len()],
            u = url(i, it),
            t = it.title,
            d = it.day,
            l = it.lead
        )
    };
    let weitere = |skip: Option<usize>| {
        let mut s = String::from("<div class=\"box weitere\"><h2>Weitere Meldungen</h2><ul>");
        for (i, it) in items
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != skip)
            .take(6)
        {
            s.push_str(&format!(
                "<li><a href=\"{}\">{}</a> <span class=\"datum\">[{:02}.03.2031]</span></li>",
                url(i, it),
                it.title,
                it.day
            ));
        }
        s.push_str("</ul><p><a href=\"/k21/meldungen/\">Alle Meldungen</a></p></div>");
        s
    };
    let frame = |title: &str, main: &str, side: &str| {
        let nav: String = RUBRICS
            .iter()
            .map(|(p, n)| format!("<li><a href=\"/k21/{p}/\">{n}</a></li>"))
            .collect();
        html(format!(
            "<!DOCTYPE html><html lang=\"de\"><head><meta charset=\"utf-8\"><title>{title} – Kommune21 – E-Government, Internet und Informationstechnik</title></head><body>\
             <div id=\"kopf\"><a href=\"/k21/\" class=\"logo\"><img src=\"/k21/img/logo.png\" alt=\"Kommune21\"></a>\
             <form class=\"suche\" action=\"/k21/suche.html\"><input type=\"text\" name=\"q\"><button>Los</button></form></div>\
             <ul id=\"hauptnavigation\"><li><a href=\"/k21/\">Home</a></li>{nav}<li><a href=\"/k21/meldungen/\">Meldungen</a></li>\
             <li><a href=\"/k21/termine/\">Termine</a></li><li><a href=\"/k21/abonnement/\">Abonnement</a></li></ul>\
             <div id=\"inhalt\">{main}</div><div id=\"rechts\">{side}</div>\
             <div id=\"fuss\"><a href=\"/k21/impressum.html\">Impressum</a> <a href=\"/k21/datenschutz.html\">Datenschutz</a> <a href=\"/k21/mediadaten.html\">Mediadaten</a></div></body></html>"
        ))
    };
    let mut articles = Vec::new();
    for (i, it) in items.iter().enumerate() {
        let tags: String = rubrics_of(i)
            .iter()
            .map(|(_, n)| format!("<a href=\"/k21/stichwort/{n}/\">{n}</a>"))
            .chain([format!(
                "<a href=\"/k21/stichwort/{p}/\">{p}</a>",
                p = PLACES[i % PLACES.len()]
            )])
            .collect::<Vec<_>>()
            .join(", ");
        articles.push(format!("{base}{}", url(i, it)));
        r.insert(
            url(i, it),
            frame(
                &it.title,
                &format!(
                    "<div class=\"meldung\"><p class=\"dachzeile\">{p}</p><h1>{t}</h1>\
                     <p class=\"vorspann\"><b>[{d:02}.03.2031] {l}</b></p><p>{body}</p>\
                     <p>Die Redaktion hat bei den Beteiligten nachgefragt; weitere Angaben folgen.</p>\
                     <p class=\"stichwoerter\">Stichwörter: {tags}</p></div>",
                    p = PLACES[i % PLACES.len()],
                    t = it.title,
                    d = it.day,
                    l = it.lead,
                    body = it.body
                ),
                &weitere(Some(i)),
            ),
        );
    }
    // A paged list of `idx` at `path`: `per` teasers a page, `?seite=N`, "nächste Seite".
    let mut paged = |path: &str, heading: &str, idx: &[usize], per: usize| {
        let pages: Vec<&[usize]> = idx.chunks(per).collect();
        for (p, chunk) in pages.iter().enumerate() {
            let n = p + 1;
            let teasers: String = chunk.iter().map(|i| teaser(*i, &items[*i])).collect();
            let mut pager = String::from("<div class=\"blaettern\">Seite ");
            for m in 1..=pages.len() {
                if m == n {
                    pager.push_str(&format!("<span class=\"aktiv\">{m}</span> "));
                } else {
                    pager.push_str(&format!("<a href=\"{path}?seite={m}\">{m}</a> "));
                }
            }
            if n < pages.len() {
                pager.push_str(&format!(
                    "<a href=\"{path}?seite={}\">nächste Seite</a>",
                    n + 1
                ));
            }
            pager.push_str("</div>");
            let target = match n {
                1 => path.to_string(),
                n => format!("{path}?seite={n}"),
            };
            r.insert(
                target,
                frame(
                    heading,
                    &format!("<h1>{heading}</h1>{teasers}{pager}"),
                    &weitere(None),
                ),
            );
        }
    };
    let all: Vec<usize> = (0..items.len()).collect();
    paged("/k21/meldungen/", "Meldungen", &all, 10);
    for (k, (p, n)) in RUBRICS.iter().enumerate() {
        let idx: Vec<usize> = all
            .iter()
            .copied()
            .filter(|i| i % 3 == k || (i + 1) % 3 == k)
            .collect();
        paged(&format!("/k21/{p}/"), n, &idx, 8);
    }
    // The home page: five newest, one box per rubric (three each), "Weitere Meldungen".
    let top: String = (0..5).map(|i| teaser(i, &items[i])).collect();
    let boxes: String = RUBRICS
        .iter()
        .enumerate()
        .map(|(k, (p, n))| {
            let links: String = all
                .iter()
                .filter(|i| *i % 3 == k || (*i + 1) % 3 == k)
                .take(3)
                .map(|i| format!("<li><a href=\"{}\">{}</a></li>", url(*i, &items[*i]), items[*i].title))
                .collect();
            format!(
                "<div class=\"rubrik-box\"><h2><a href=\"/k21/{p}/\">{n}</a></h2><ul>{links}</ul></div>"
            )
        })
        .collect();
    r.insert(
        "/k21/".into(),
        frame(
            "Home",
            &format!("<div class=\"top-meldungen\"><h2>Top-Meldungen</h2>{top}</div>{boxes}"),
            &weitere(None),
        ),
    );
    Site {
        id: "magazin",
        list: format!("{base}/k21/meldungen/"),
        articles,
    }
}

/// Log lines of the crawler at WARN and above, captured on the test's thread (the crawl runs
/// there: `#[tokio::test]` is single-threaded). One global subscriber writes each line to the
/// buffer its thread has set, if any: a scoped subscriber per test would race with the other
/// tests over tracing's cached interest of each log call site.
#[derive(Clone, Default)]
struct Warnings(Arc<Mutex<Vec<u8>>>);

thread_local! {
    static WARNINGS_SINK: std::cell::RefCell<Option<Warnings>> = const { std::cell::RefCell::new(None) };
}

/// The writer of the global subscriber: the current thread's [`Warnings`], or nowhere.
struct ThreadSink;

impl std::io::Write for ThreadSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        WARNINGS_SINK.with(|s| {
            if let Some(w) = s.borrow().as_ref()
                && let Ok(mut v) = w.0.lock()
            {
                v.extend_from_slice(buf);
            }
        });
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Stops capturing on this thread when dropped.
struct CaptureGuard;

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        WARNINGS_SINK.with(|s| s.borrow_mut().take());
    }
}

impl Warnings {
    fn capture() -> (Warnings, CaptureGuard) {
        static GLOBAL: std::sync::Once = std::sync::Once::new();
        GLOBAL.call_once(|| {
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::WARN)
                .with_ansi(false)
                .with_writer(|| ThreadSink)
                .finish();
            let _ = tracing::subscriber::set_global_default(subscriber);
        });
        let w = Warnings::default();
        WARNINGS_SINK.with(|s| *s.borrow_mut() = Some(w.clone()));
        (w, CaptureGuard)
    }
    fn text(&self) -> String {
        self.0
            .lock()
            .map(|v| String::from_utf8_lossy(&v).into_owned())
            .unwrap_or_default()
    }
    /// The one warning line that contains every one of `words`.
    fn assert_line(&self, words: &[&str]) {
        let text = self.text();
        assert!(
            text.lines().any(|l| words.iter().all(|w| l.contains(w))),
            "no warning with {words:?} in:\n{text}"
        );
    }
}

/// A gzip body of `head`, `pad_bytes` spaces and `tail`: small on the wire, large inflated.
fn gzip_padded(head: &str, pad_bytes: usize, tail: &str) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(head.as_bytes()).expect("gzip");
    let chunk = vec![b' '; 1 << 20];
    let mut left = pad_bytes;
    while left > 0 {
        let n = left.min(chunk.len());
        e.write_all(&chunk[..n]).expect("gzip");
        left -= n;
    }
    e.write_all(tail.as_bytes()).expect("gzip");
    e.finish().expect("gzip")
}

#[tokio::test]
async fn bad_sitemaps_are_bounded_warned_about_and_lose_nothing() {
    let (base, log, routes) = start().await;
    let drupal_site = {
        let mut r = routes.lock().expect("routes");
        let page = |t: &str| {
            html(format!(
                "<html><body><h1>{t}</h1><p>Ein Text der Verwaltung über {t}, lang genug für einen Absatz im Test der Sitemaps.</p></body></html>"
            ))
        };
        // A sitemap index of 50,000 sitemaps (about 5 MB), the newest first; each names one
        // news page.
        let mut index = String::from(
            "<?xml version=\"1.0\"?><sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">",
        );
        for i in 0..50_000u32 {
            let day = 28 - (i % 28);
            index.push_str(&format!(
                "<sitemap><loc>{base}/karte/teil-{i}.xml</loc><lastmod>2031-03-{day:02}</lastmod></sitemap>"
            ));
        }
        index.push_str("</sitemapindex>");
        assert!(index.len() > 4_000_000);
        r.insert(
            "/karte/sitemap_index.xml".into(),
            ("application/xml", index.into_bytes()),
        );
        for i in 0..5_000u32 {
            r.insert(
                format!("/karte/teil-{i}.xml"),
                ("application/xml", format!(
                    "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">\
                     <url><loc>{base}/karte/presse/teil-{i}.html</loc><news:news><news:publication_date>2031-03-{:02}</news:publication_date></news:news></url></urlset>",
                    28 - (i % 28)
                ).into_bytes()),
            );
            r.insert(
                format!("/karte/presse/teil-{i}.html"),
                page(&format!("Teil {i}")),
            );
        }
        r.insert(
            "/karte/".into(),
            html("<html><body><h1>Amt für Karten</h1><p>Willkommen.</p></body></html>".into()),
        );
        // A gzip news sitemap of 30 KB that inflates to 20 MiB: three entries, then spaces.
        let entries: String = (1..=3)
            .map(|k| format!("<url><loc>{base}/bombe/presse/m{k}.html</loc><news:news><news:publication_date>2031-03-0{k}</news:publication_date></news:news></url>"))
            .collect();
        let bomb = gzip_padded(
            &format!(
                "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">{entries}"
            ),
            20 << 20,
            &format!(
                "<url><loc>{base}/bombe/presse/hinter-der-grenze.html</loc><news:news><news:publication_date>2031-03-09</news:publication_date></news:news></url></urlset>"
            ),
        );
        assert!(bomb.len() < 100_000, "{}", bomb.len());
        r.insert(
            "/bombe/news-sitemap.xml.gz".into(),
            ("application/gzip", bomb),
        );
        for k in 1..=3 {
            r.insert(
                format!("/bombe/presse/m{k}.html"),
                page(&format!("Meldung {k}")),
            );
        }
        r.insert(
            "/bombe/".into(),
            html("<html><body><h1>Amt für Bomben</h1><p>Willkommen.</p></body></html>".into()),
        );
        drupal(&base, &mut r)
    };
    let text = format!(
        "[[source]]\nid = \"drupal\"\nname = \"Land\"\nurl = \"{}\"\n\n\
         [[source]]\nid = \"karte\"\nname = \"Karten\"\nurl = \"{base}/karte/\"\nsitemaps = [\"{base}/karte/sitemap_index.xml\"]\n\n\
         [[source]]\nid = \"bombe\"\nname = \"Bomben\"\nurl = \"{base}/bombe/\"\nsitemaps = [\"{base}/bombe/news-sitemap.xml.gz\"]\n",
        drupal_site.list
    );
    let config = govwire::config::parse(&text, "sources.toml").expect("config");
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store")).expect("store");
    let crawler = crawler(store.clone(), 200);
    // What is stored before the bad sitemaps are met is kept.
    crawl_all(crawler.clone(), &config.sources[..1], 1).await;
    let before = homes(&store);
    assert_eq!(before.len(), drupal_site.articles.len());

    let (warnings, guard) = Warnings::capture();
    let started = std::time::Instant::now();
    let reports = crawl_all(crawler, &config.sources, 3).await;
    let took = started.elapsed();
    drop(guard);
    let by = |id: &str| reports.iter().find(|r| r.source_id == id).expect("report");
    let after = homes(&store);
    for (url, home) in &before {
        assert_eq!(after.get(url), Some(home), "lost: {url}");
    }
    assert!(took < Duration::from_secs(60), "{took:?}");

    // The index: its first 5,000 entries read, the 5 newest sitemaps fetched, their pages stored.
    warnings.assert_line(&["/karte/sitemap_index.xml", "more than 5000 entries"]);
    warnings.assert_line(&[
        "/karte/sitemap_index.xml",
        "read=5",
        "more sitemaps than are read",
    ]);
    let karte = by("karte");
    assert_eq!(karte.new, 5, "{karte:?}");
    let all = log.all();
    assert_eq!(
        all.iter()
            .filter(|(t, _, _)| t.starts_with("/karte/teil-"))
            .count(),
        5
    );
    // The bomb: inflation stops at 16 MiB with a warning; the three entries before it are stored,
    // the one behind the bound is not asked for.
    warnings.assert_line(&["/bombe/news-sitemap.xml.gz", "inflates past 16777216 bytes"]);
    let bombe = by("bombe");
    assert_eq!(bombe.new, 3, "{bombe:?}");
    assert!(!all.iter().any(|(t, _, _)| t.contains("hinter-der-grenze")));
    // The other source crawled as usual (unchanged: nothing new, no error).
    let drupal = by("drupal");
    assert!(drupal.errors.is_empty(), "{drupal:?}");
    assert_eq!(after.len(), before.len() + 8);
}

#[tokio::test]
async fn check_shows_the_entry_points_of_a_site_configured_by_its_home_page() {
    let (base, _log, routes) = start().await;
    let local = base.replace("127.0.0.1", "localhost");
    {
        let mut r = routes.lock().expect("routes");
        wordpress(&base, &mut r);
        landesamt(&local, &mut r);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("sources.toml");
    std::fs::write(
        &config,
        format!(
            "[settings]\ndata_dir = {:?}\nper_host_interval = \"10ms\"\nmax_in_flight_per_host = 1\n\n\
             [[source]]\nid = \"wordpress\"\nname = \"WP\"\nurl = \"{base}/wp/\"\n\n\
             [[source]]\nid = \"landesamt\"\nname = \"Landesamt\"\nurl = \"{local}/\"\n",
            dir.path().join("data").display().to_string()
        ),
    )
    .expect("config");
    // The WordPress home page has no teasers of its own: its feed and its news list (with the
    // pager pages) are what the crawler reads, and the check shows them and passes.
    let out = govwire_bin(&config, &["check", "wordpress"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("entry points found (automatic source):"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("  feed     {base}/wp/feed/  (10 entries)")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "  list     {base}/wp/aktuelles/  (10 teasers matched, 3 pager pages read)"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("    pager  {base}/wp/aktuelles/page/2/")),
        "{stdout}"
    );
    assert!(stdout.contains("/wp/2031/03/30/meldung-01/"), "{stdout}");
    // The state agency: its robots.txt sitemap index.
    let out = govwire_bin(&config, &["check", "landesamt"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!(
            "  sitemap  {local}/sitemap_index.xml  (0 pages, 0 news entries, 2 sitemaps)"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "  list     {local}/presse/  (5 teasers matched, 1 pager page read)"
        )),
        "{stdout}"
    );
    // JSON carries them too.
    let out = govwire_bin(&config, &["check", "wordpress", "--format", "json"]).await;
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["entry_points"]["feeds"][0]["entries"], 10);
}
