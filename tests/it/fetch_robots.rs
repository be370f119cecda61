//! robots.txt availability (RFC 9309 §2.3.1.3–4), over loopback: a robots.txt that answers
//! 5xx, cannot be reached or breaks off mid-body pauses the whole origin (nothing else is
//! requested), while a 4xx robots.txt ("unavailable") allows everything.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::get;
use govwire::fetch::{FetchConfig, FetchError, Fetched, Fetcher};

#[derive(Default)]
struct Hits {
    robots: AtomicUsize,
    pages: AtomicUsize,
}

/// A site whose robots.txt answers `robots_status` (no route at all for `None`, so 404).
async fn site(robots_status: Option<StatusCode>, hits: Arc<Hits>) -> String {
    let h = hits.clone();
    let mut app = Router::new().fallback(move |uri: Uri| async move {
        if uri.path() == "/robots.txt" {
            return (StatusCode::NOT_FOUND, "").into_response();
        }
        h.pages.fetch_add(1, Ordering::SeqCst);
        "<html><body><p>Pressemitteilung</p></body></html>".into_response()
    });
    if let Some(status) = robots_status {
        let h = hits.clone();
        app = app.route(
            "/robots.txt",
            get(move || async move {
                h.robots.fetch_add(1, Ordering::SeqCst);
                (status, "User-agent: *\nDisallow: /\n")
            }),
        );
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

fn fetcher() -> Fetcher {
    Fetcher::new(FetchConfig {
        per_host_interval: Duration::from_millis(1),
        retry_base: Duration::from_millis(10),
        timeout: Duration::from_secs(10),
        ..FetchConfig::default()
    })
    .expect("client")
}

#[tokio::test]
async fn server_errors_on_robots_txt_pause_the_origin() {
    for status in [
        StatusCode::INTERNAL_SERVER_ERROR,
        StatusCode::BAD_GATEWAY,
        StatusCode::SERVICE_UNAVAILABLE,
    ] {
        let hits = Arc::new(Hits::default());
        let base = site(Some(status), hits.clone()).await;
        let f = fetcher();
        for path in ["/presse/1.html", "/presse/2.html"] {
            let url = format!("{base}{path}");
            let err = f.get(&url, None).await.expect_err("must refuse");
            match &err {
                FetchError::RobotsUnreachable { url: u } => assert_eq!(*u, url),
                other => panic!("{status}: expected RobotsUnreachable, got {other}"),
            }
            assert!(err.to_string().contains("robots.txt"), "{err}");
        }
        assert_eq!(
            hits.pages.load(Ordering::SeqCst),
            0,
            "{status}: nothing fetched"
        );
        assert_eq!(
            hits.robots.load(Ordering::SeqCst),
            1,
            "{status}: the pause is remembered, robots.txt not asked again at once"
        );
    }
}

#[tokio::test]
async fn an_unreachable_host_is_refused_as_robots_unreachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let url = format!("http://{addr}/presse/1.html");
    let err = fetcher().get(&url, None).await.expect_err("nobody listens");
    assert!(
        matches!(err, FetchError::RobotsUnreachable { .. }),
        "expected RobotsUnreachable, got {err}"
    );
}

#[tokio::test]
async fn a_robots_txt_cut_off_mid_body_pauses_the_origin() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let pages = Arc::new(AtomicUsize::new(0));
    let p = pages.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = [0u8; 2048];
            let _ = sock.read(&mut buf).await;
            if buf.starts_with(b"GET /robots.txt") {
                // Promises 500 bytes, sends a few, hangs up.
                let _ = sock
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\nUser-agent: *\n")
                    .await;
            } else {
                p.fetch_add(1, Ordering::SeqCst);
                let _ = sock
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                    .await;
            }
            let _ = sock.shutdown().await;
        }
    });
    let err = fetcher()
        .get(&format!("http://{addr}/presse/1.html"), None)
        .await
        .expect_err("must refuse");
    assert!(matches!(err, FetchError::RobotsUnreachable { .. }), "{err}");
    assert_eq!(pages.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_missing_or_forbidden_robots_txt_allows_everything() {
    // 404 (no robots.txt at all), and 401/403/410 whose body would disallow everything: a 4xx
    // means "unavailable", so the body is not read as rules.
    for status in [
        None,
        Some(StatusCode::UNAUTHORIZED),
        Some(StatusCode::FORBIDDEN),
        Some(StatusCode::GONE),
    ] {
        let hits = Arc::new(Hits::default());
        let base = site(status, hits.clone()).await;
        let f = fetcher();
        for path in ["/presse/1.html", "/private/2.html", "/"] {
            let got = f.get(&format!("{base}{path}"), None).await;
            assert!(
                matches!(got, Ok(Fetched::Page(_))),
                "{status:?} {path}: {got:?}"
            );
        }
        assert_eq!(hits.pages.load(Ordering::SeqCst), 3, "{status:?}");
    }
}
