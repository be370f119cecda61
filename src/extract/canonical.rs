//! Canonical article URLs: one URL per article, whatever link led to it.
//!
//! Owns the choice between `rel=canonical`, `og:url` and the fetched URL, and the clean-up rules
//! (fragment, `;jsessionid=…`, tracking parameters). It must never accept a canonical URL on
//! another host (a hostile page could otherwise claim another site's article id) and never
//! change anything that selects content (path, other query parameters).

use url::Url;

/// Query parameters that only track the visitor and never select content.
fn is_tracking_param(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("utm_")
        || lower.starts_with("pk_")
        || matches!(
            lower.as_str(),
            "fbclid"
                | "gclid"
                | "dclid"
                | "gbraid"
                | "wbraid"
                | "msclkid"
                | "yclid"
                | "igshid"
                | "mc_cid"
                | "mc_eid"
                | "_ga"
                | "_gl"
                | "wt_mc"
                | "wt.mc_id"
                | "mkt_tok"
                | "oly_anon_id"
                | "oly_enc_id"
                | "vero_id"
                | "jsessionid"
                | "phpsessid"
                // Government Site Builder's navigation node: where the menu stands, not which
                // article is shown (`?nn=…` variants of one article are one article).
                | "nn"
        )
}

/// Removes the fragment, `;jsessionid=…` path parameters and tracking query parameters.
pub fn clean(mut url: Url) -> Url {
    url.set_fragment(None);
    if let Some(cut) = find_ascii_ci(url.path(), ";jsessionid=") {
        let path = url.path()[..cut].to_string();
        url.set_path(&path);
    }
    if url.query().is_some() {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !is_tracking_param(k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else if kept.len() != url.query_pairs().count() {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    url
}

/// Byte offset of `needle` (ASCII) in `hay`, ignoring ASCII case.
fn find_ascii_ci(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() || h.len() < n.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

/// Cleans an absolute http(s) URL given as text; `None` if it is not one.
pub fn clean_url(url: &str) -> Option<String> {
    let u = Url::parse(url.trim()).ok()?;
    matches!(u.scheme(), "http" | "https").then(|| clean(u).to_string())
}

/// Host without a leading `www.`, for same-site comparisons.
fn site(u: &Url) -> Option<String> {
    let host = u.host_str()?.to_ascii_lowercase();
    Some(host.strip_prefix("www.").unwrap_or(&host).to_string())
}

/// The canonical URL of a page fetched from `page`: the first of `declared` (in order of trust:
/// `rel=canonical`, then `og:url`) that resolves to an http(s) URL on the same site, else `page`
/// itself; cleaned either way.
pub fn canonical_url(page: &Url, declared: &[&str]) -> String {
    canonical_url_based(page, page, declared)
}

/// [`canonical_url`] with the declared URLs resolved against `base` (the page's `<base href>`,
/// see `links::document_base`) instead of the page URL.
pub(crate) fn canonical_url_based(page: &Url, base: &Url, declared: &[&str]) -> String {
    let page_site = site(page);
    declared
        .iter()
        .filter_map(|href| base.join(href.trim()).ok())
        .find(|u| matches!(u.scheme(), "http" | "https") && site(u) == page_site)
        .map_or_else(|| clean(page.clone()).to_string(), |u| clean(u).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(s: &str) -> Url {
        Url::parse(s).expect("test URL parses")
    }

    #[test]
    fn canonical_url_table() {
        let p =
            "https://www.example.de/meldungen/a.html;jsessionid=ABC123.node1?utm_source=x&id=7#top";
        let cases: &[(&str, &[&str], &str)] = &[
            (p, &[], "https://www.example.de/meldungen/a.html?id=7"),
            (
                p,
                &["/meldungen/kanonisch.html"],
                "https://www.example.de/meldungen/kanonisch.html",
            ),
            (
                p,
                &["https://example.de/x.html?fbclid=1&gclid=2"],
                "https://example.de/x.html",
            ),
            (
                p,
                &["https://evil.test/steal.html"],
                "https://www.example.de/meldungen/a.html?id=7",
            ),
            (
                p,
                &["javascript:alert(1)", "../b.html"],
                "https://www.example.de/b.html",
            ),
            (
                p,
                &["https://evil.test/", "https://www.example.de/og.html"],
                "https://www.example.de/og.html",
            ),
            (
                "http://a.test/x?UTM_Campaign=1&nn=2",
                &[],
                "http://a.test/x",
            ),
            (
                "http://a.test/x;JSESSIONID=1?a=b%20c",
                &[],
                "http://a.test/x?a=b%20c",
            ),
        ];
        for (page_url, declared, want) in cases {
            assert_eq!(
                canonical_url(&page(page_url), declared),
                *want,
                "{page_url} {declared:?}"
            );
        }
    }

    #[test]
    fn clean_url_rejects_non_http() {
        assert_eq!(clean_url("ftp://a.test/x"), None);
        assert_eq!(clean_url("not a url"), None);
        assert_eq!(
            clean_url(" https://a.test/x#f "),
            Some("https://a.test/x".into())
        );
    }
}
