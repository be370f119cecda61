//! Loopback tests: a real axum server on 127.0.0.1 that misbehaves on request.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::*;

#[derive(Default)]
struct Hits {
    robots: AtomicUsize,
    flaky: AtomicUsize,
    secret: AtomicUsize,
    etag: AtomicUsize,
    etag_full: AtomicUsize,
}

async fn serve(hits: Arc<Hits>) -> String {
    let h = hits.clone();
    let h2 = hits.clone();
    let h3 = hits.clone();
    let h4 = hits.clone();
    let app = Router::new()
        .route(
            "/robots.txt",
            get(move || async move {
                h.robots.fetch_add(1, Ordering::SeqCst);
                "User-agent: *\nDisallow: /secret\n"
            }),
        )
        .route(
            "/secret",
            get(move || async move {
                h2.secret.fetch_add(1, Ordering::SeqCst);
                "nope"
            }),
        )
        .route(
            "/flaky",
            get(move || async move {
                h3.flaky.fetch_add(1, Ordering::SeqCst);
                StatusCode::INTERNAL_SERVER_ERROR
            }),
        )
        .route(
            "/etag",
            get(move |headers: HeaderMap| async move {
                h4.etag.fetch_add(1, Ordering::SeqCst);
                if headers
                    .get(header::IF_NONE_MATCH)
                    .and_then(|v| v.to_str().ok())
                    == Some("\"v1\"")
                {
                    return StatusCode::NOT_MODIFIED.into_response();
                }
                h4.etag_full.fetch_add(1, Ordering::SeqCst);
                ([(header::ETAG, "\"v1\"")], "hello").into_response()
            }),
        )
        .route("/big", get(|| async { vec![b'x'; 3 << 20] }))
        .route("/bomb", get(gzip_bomb))
        .route(
            "/slow-429",
            get(|| async {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, "3600")],
                    "later",
                )
            }),
        )
        .route(
            "/loop",
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/loop")]) }),
        )
        .route(
            "/latin1",
            get(|| async {
                let body = encoding_rs::WINDOWS_1252
                    .encode("<p>Grüße, Straße</p>")
                    .0
                    .into_owned();
                (
                    [(header::CONTENT_TYPE, "text/html; charset=iso-8859-1")],
                    body,
                )
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

async fn gzip_bomb() -> Response {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..16 {
        enc.write_all(&zeros).expect("gzip");
    }
    let body = enc.finish().expect("gzip");
    (
        [
            (header::CONTENT_ENCODING, "gzip"),
            (header::CONTENT_TYPE, "text/html"),
        ],
        body,
    )
        .into_response()
}

fn fetcher() -> Fetcher {
    Fetcher::new(FetchConfig {
        per_host_interval: Duration::from_millis(1),
        retry_base: Duration::from_millis(10),
        max_body_bytes: 1 << 20,
        timeout: Duration::from_secs(10),
        ..FetchConfig::default()
    })
    .expect("client")
}

#[tokio::test]
async fn robots_disallow_is_never_requested_and_cached() {
    let hits = Arc::new(Hits::default());
    let base = serve(hits.clone()).await;
    let f = fetcher();
    let err = f.get(&format!("{base}/secret"), None).await.unwrap_err();
    assert!(matches!(err, FetchError::Disallowed { .. }), "{err}");
    assert!(f.get(&format!("{base}/etag"), None).await.is_ok());
    assert_eq!(hits.secret.load(Ordering::SeqCst), 0);
    assert_eq!(hits.robots.load(Ordering::SeqCst), 1, "robots.txt cached");
}

#[tokio::test]
async fn conditional_get_gives_not_modified() {
    let hits = Arc::new(Hits::default());
    let base = serve(hits.clone()).await;
    let f = fetcher();
    let Fetched::Page(page) = f.get(&format!("{base}/etag"), None).await.unwrap() else {
        panic!("expected a page")
    };
    assert_eq!(page.validators.etag.as_deref(), Some("\"v1\""));
    let again = f
        .get(&format!("{base}/etag"), Some(&page.validators))
        .await
        .unwrap();
    assert!(matches!(again, Fetched::NotModified));
    assert_eq!(hits.etag_full.load(Ordering::SeqCst), 1);
    assert_eq!(hits.etag.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn server_errors_are_retried_a_bounded_number_of_times() {
    let hits = Arc::new(Hits::default());
    let base = serve(hits.clone()).await;
    let err = fetcher()
        .get(&format!("{base}/flaky"), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::Status { status: 500, .. }),
        "{err}"
    );
    assert_eq!(
        hits.flaky.load(Ordering::SeqCst),
        3,
        "one try + two retries"
    );
}

#[tokio::test]
async fn caps_timeouts_and_loops_give_clear_errors() {
    let base = serve(Arc::new(Hits::default())).await;
    let f = fetcher();
    for (path, want) in [
        ("/big", "exceeds the limit"),
        ("/bomb", "exceeds the limit"),
        ("/loop", "redirect"),
    ] {
        let err = f.get(&format!("{base}{path}"), None).await.unwrap_err();
        assert!(err.to_string().contains(want), "{path}: {err}");
        assert!(err.to_string().contains(path), "error names the URL: {err}");
    }
    let err = f.get(&format!("{base}/slow-429"), None).await.unwrap_err();
    assert!(
        matches!(err, FetchError::RetryLater { seconds: 3600, .. }),
        "{err}"
    );
    let err = f.get("ftp://example.org/x", None).await.unwrap_err();
    assert!(matches!(err, FetchError::InvalidUrl { .. }));
}

#[tokio::test]
async fn latin1_page_decodes() {
    let base = serve(Arc::new(Hits::default())).await;
    let Fetched::Page(page) = fetcher()
        .get(&format!("{base}/latin1"), None)
        .await
        .unwrap()
    else {
        panic!("expected a page")
    };
    assert!(page.text().contains("Grüße, Straße"));
}

#[test]
fn retry_after_parses() {
    assert_eq!(parse_retry_after("120"), Some(Duration::from_secs(120)));
    assert_eq!(
        parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
        Some(Duration::ZERO)
    );
    assert_eq!(parse_retry_after("soon"), None);
}

/// A raw TCP server that sends headers promising 1000 bytes, sends 10, and hangs up.
async fn dropping_server() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = [0u8; 2048];
            let _ = sock.read(&mut buf).await;
            let head = if buf.starts_with(b"GET /robots.txt") {
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec()
            } else {
                b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789".to_vec()
            };
            let _ = sock.write_all(&head).await;
            let _ = sock.shutdown().await;
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn connection_dropped_mid_body_is_a_clear_error() {
    let base = dropping_server().await;
    let err = fetcher()
        .get(&format!("{base}/article"), None)
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Network { .. }), "{err}");
    assert!(err.to_string().contains("/article"), "{err}");
}

#[tokio::test]
async fn slow_server_times_out_and_short_retry_after_is_honoured() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let slow_calls = Arc::new(AtomicUsize::new(0));
    let s = slow_calls.clone();
    let app = Router::new()
        .route(
            "/slow",
            get(move || async move {
                s.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        )
        .route(
            "/busy",
            get(move || async move {
                if c.fetch_add(1, Ordering::SeqCst) == 0 {
                    (
                        StatusCode::TOO_MANY_REQUESTS,
                        [(header::RETRY_AFTER, "1")],
                        "wait",
                    )
                        .into_response()
                } else {
                    "done".into_response()
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let f = Fetcher::new(FetchConfig {
        timeout: Duration::from_millis(300),
        per_host_interval: Duration::from_millis(1),
        retry_base: Duration::from_millis(10),
        max_retries: 1,
        ..FetchConfig::default()
    })
    .expect("client");
    let started = std::time::Instant::now();
    let err = f.get(&format!("{base}/slow"), None).await.unwrap_err();
    assert!(err.to_string().contains("timed out"), "{err}");
    assert_eq!(
        slow_calls.load(Ordering::SeqCst),
        1,
        "the timeout is the whole budget: no time is left for a retry"
    );
    assert!(started.elapsed() < Duration::from_secs(3));

    // A Retry-After within the budget is waited for.
    let f = Fetcher::new(FetchConfig {
        timeout: Duration::from_secs(10),
        per_host_interval: Duration::from_millis(1),
        retry_base: Duration::from_millis(10),
        max_retries: 1,
        ..FetchConfig::default()
    })
    .expect("client");
    let started = std::time::Instant::now();
    let ok = f
        .get(&format!("{base}/busy"), None)
        .await
        .expect("second try succeeds");
    assert!(matches!(ok, Fetched::Page(_)));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After: 1 honoured"
    );
}

#[tokio::test]
async fn per_host_interval_is_respected_across_concurrent_requests() {
    let times = Arc::new(std::sync::Mutex::new(Vec::new()));
    let t = times.clone();
    let app = Router::new().route(
        "/page/{n}",
        get(move || async move {
            if let Ok(mut v) = t.lock() {
                v.push(std::time::Instant::now());
            }
            "ok"
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let f = Arc::new(
        Fetcher::new(FetchConfig {
            per_host_interval: Duration::from_millis(200),
            ..FetchConfig::default()
        })
        .expect("client"),
    );
    let mut tasks = Vec::new();
    for n in 0..4 {
        let f = f.clone();
        let url = format!("{base}/page/{n}");
        tasks.push(tokio::spawn(async move { f.get(&url, None).await.is_ok() }));
    }
    for t in tasks {
        assert!(t.await.expect("task"));
    }
    let mut v = times.lock().expect("lock").clone();
    v.sort();
    assert_eq!(v.len(), 4);
    // Arrival times at the server: the client spaces request starts 200 ms apart, but on a
    // loaded machine one request can reach the server late and the next one on time, so a
    // single gap may shrink by that delay. Bounds that hold under load and still fail when
    // the interval is not kept (4 requests at once arrive within a few ms of each other).
    for pair in v.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= Duration::from_millis(100), "requests {gap:?} apart");
    }
    let span = v[3] - v[0];
    assert!(
        span >= Duration::from_millis(450),
        "4 requests within {span:?}"
    );
}

/// A raw TCP server that answers every page with a body of 100 bytes sent one per second.
async fn trickling_server() -> (String, Arc<AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let requests = Arc::new(AtomicUsize::new(0));
    let r = requests.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let r = r.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 2048];
                let _ = sock.read(&mut buf).await;
                if buf.starts_with(b"GET /robots.txt") {
                    let _ = sock
                        .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                        .await;
                    return;
                }
                r.fetch_add(1, Ordering::SeqCst);
                let _ = sock
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
                    .await;
                for _ in 0..100 {
                    if sock.write_all(b"x").await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            });
        }
    });
    (format!("http://{addr}"), requests)
}

/// One byte per second: the fetch fails once the configured timeout is spent, retries
/// included, not after (1 + max_retries) times the timeout.
#[tokio::test]
async fn a_trickle_fails_after_the_timeout_not_a_multiple() {
    let (base, requests) = trickling_server().await;
    let f = Fetcher::new(FetchConfig {
        timeout: Duration::from_secs(2),
        per_host_interval: Duration::from_millis(1),
        retry_base: Duration::from_millis(10),
        max_retries: 2,
        ..FetchConfig::default()
    })
    .expect("client");
    let started = std::time::Instant::now();
    let err = f.get(&format!("{base}/trickle"), None).await.unwrap_err();
    let took = started.elapsed();
    assert!(err.to_string().contains("timed out"), "{err}");
    assert!(err.to_string().contains("/trickle"), "{err}");
    assert!(took >= Duration::from_millis(1900), "{took:?}");
    assert!(
        took < Duration::from_millis(3000),
        "budget exceeded: {took:?}"
    );
    assert!(requests.load(Ordering::SeqCst) <= 2, "no full retries");
}
