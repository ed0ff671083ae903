//! The fetcher against local mock upstreams on 127.0.0.1 (axum, or raw TCP
//! where a well-behaved server cannot misbehave enough). Short timeouts and
//! quotas keep the suite to a few seconds.

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use reqwest::Url;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;

const JSON: &str = r#"{"resultSets":[]}"#;

/// Serves `router` on an ephemeral loopback port; the task ends with the test's runtime.
async fn serve(router: Router) -> Url {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    Url::parse(&format!("http://{addr}/")).unwrap()
}

/// Production table, made fast: tiny backoff, no rate limit, a high breaker
/// threshold, no secrets; `change` adjusts `source` further.
fn fetcher(source: SourceId, change: impl FnOnce(&mut SourcePolicy)) -> Fetcher {
    options(source, change).build().unwrap()
}

fn options(source: SourceId, change: impl FnOnce(&mut SourcePolicy)) -> FetcherOptions {
    FetcherOptions::new(Policies::default())
        .secrets(Arc::new(StaticSecrets::new()))
        .policy(source, |p| {
            p.connect_timeout = Duration::from_secs(1);
            p.read_timeout = Duration::from_secs(2);
            p.total_timeout = Duration::from_secs(2);
            p.budget = Duration::from_secs(5);
            p.retry = RetryPolicy {
                max_attempts: 3,
                base_delay: Duration::from_millis(10),
                max_delay: Duration::from_millis(50),
                retry_after_cap: Duration::from_secs(5),
            };
            p.rate = None;
            p.breaker = BreakerPolicy {
                failure_threshold: 100,
                cool_down: Duration::from_secs(1),
            };
            p.max_body_bytes = 1024 * 1024;
            change(p);
        })
}

#[derive(Clone, Default)]
struct Hits(Arc<AtomicU32>);

impl Hits {
    fn bump(&self) -> u32 {
        self.0.fetch_add(1, Ordering::SeqCst) + 1
    }
    fn get(&self) -> u32 {
        self.0.load(Ordering::SeqCst)
    }
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried_after_the_wait_then_succeeds() {
    let hits = Hits::default();
    let router = Router::new()
        .route(
            "/x",
            get(|State(hits): State<Hits>| async move {
                if hits.bump() == 1 {
                    (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "1")], "slow down").into_response()
                } else {
                    ([(header::CONTENT_TYPE, "application/json")], JSON).into_response()
                }
            }),
        )
        .with_state(hits.clone());
    let base = serve(router).await;
    let f = fetcher(SourceId::NbaStats, |_| {});
    let started = Instant::now();
    let fetched = f.fetch(SourceId::NbaStats, &base.join("x").unwrap()).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "{:?}", started.elapsed());
    assert_eq!(fetched.attempts, 2);
    assert_eq!(fetched.status, 200);
    assert_eq!(&fetched.body[..], JSON.as_bytes());
    assert_eq!(hits.get(), 2);
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_is_not_waited_for() {
    let hits = Hits::default();
    let router = Router::new()
        .route(
            "/x",
            get(|State(hits): State<Hits>| async move {
                hits.bump();
                (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "3600")], "quota")
            }),
        )
        .with_state(hits.clone());
    let base = serve(router).await;
    let f = fetcher(SourceId::OddsApi, |_| {});
    let err = f.fetch(SourceId::OddsApi, &base.join("x").unwrap()).await.unwrap_err();
    assert!(matches!(err, FetchError::Status { status: 429, .. }), "{err}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert!(err.is_transient());
    assert_eq!((err.attempts(), hits.get()), (1, 1));
}

#[tokio::test]
async fn a_hanging_upstream_ends_as_timeout_within_the_total_timeout() {
    let router = Router::new().route(
        "/hang",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            JSON
        }),
    );
    let base = serve(router).await;
    let f = fetcher(SourceId::NbaStats, |p| {
        p.total_timeout = Duration::from_millis(300);
        p.retry.max_attempts = 1;
    });
    let started = Instant::now();
    let err = f
        .fetch(SourceId::NbaStats, &base.join("hang").unwrap())
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, FetchError::Timeout { attempts: 1, .. }), "{err}");
    assert!(err.is_transient());
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_millis(1500),
        "{took:?}"
    );
}

#[tokio::test]
async fn retries_of_a_hang_stop_at_the_budget() {
    let router = Router::new().route(
        "/hang",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            JSON
        }),
    );
    let base = serve(router).await;
    let f = fetcher(SourceId::NbaStats, |p| {
        p.total_timeout = Duration::from_millis(200);
        p.budget = Duration::from_millis(500);
        p.retry.max_attempts = 10;
    });
    let started = Instant::now();
    let err = f
        .fetch(SourceId::NbaStats, &base.join("hang").unwrap())
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, FetchError::Timeout { .. }), "{err}");
    assert!(err.attempts() >= 2 && err.attempts() <= 3, "{}", err.attempts());
    assert!(took < Duration::from_millis(1200), "{took:?}");
}

#[tokio::test]
async fn a_500_storm_opens_the_breaker_which_fails_fast_then_a_probe_closes_it() {
    #[derive(Clone, Default)]
    struct Upstream {
        hits: Hits,
        healthy: Arc<AtomicBool>,
    }
    let state = Upstream::default();
    let router = Router::new()
        .route(
            "/x",
            get(|State(s): State<Upstream>| async move {
                s.hits.bump();
                if s.healthy.load(Ordering::SeqCst) {
                    (StatusCode::OK, JSON)
                } else {
                    (StatusCode::INTERNAL_SERVER_ERROR, "boom")
                }
            }),
        )
        .with_state(state.clone());
    let base = serve(router).await;
    let url = base.join("x").unwrap();
    let f = fetcher(SourceId::NbaStats, |p| {
        p.retry.max_attempts = 2;
        p.breaker = BreakerPolicy {
            failure_threshold: 3,
            cool_down: Duration::from_millis(400),
        };
    });

    // Call 1: two failed attempts. Call 2: the third failure opens the breaker,
    // which stops the retry and returns the real error.
    let e1 = f.fetch(SourceId::NbaStats, &url).await.unwrap_err();
    assert!(
        matches!(
            e1,
            FetchError::Status {
                status: 500,
                attempts: 2,
                ..
            }
        ),
        "{e1}"
    );
    assert_eq!(
        f.breaker_state(SourceId::NbaStats),
        BreakerState::Closed {
            consecutive_failures: 2
        }
    );
    let e2 = f.fetch(SourceId::NbaStats, &url).await.unwrap_err();
    assert!(
        matches!(
            e2,
            FetchError::Status {
                status: 500,
                attempts: 1,
                ..
            }
        ),
        "{e2}"
    );
    assert_eq!(state.hits.get(), 3);
    assert_eq!(f.breaker_state(SourceId::NbaStats).as_str(), "open");

    // Open: fail fast, nothing reaches the server.
    for _ in 0..5 {
        let started = Instant::now();
        let e = f.fetch(SourceId::NbaStats, &url).await.unwrap_err();
        assert!(
            matches!(
                e,
                FetchError::CircuitOpen {
                    source: SourceId::NbaStats,
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.is_transient());
        assert!(started.elapsed() < Duration::from_millis(50));
    }
    assert_eq!(state.hits.get(), 3);

    // After the cool-down one probe goes through; the upstream has recovered.
    state.healthy.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(f.breaker_state(SourceId::NbaStats), BreakerState::HalfOpen);
    let fetched = f.fetch(SourceId::NbaStats, &url).await.unwrap();
    assert_eq!(fetched.attempts, 1);
    assert_eq!(state.hits.get(), 4);
    assert_eq!(
        f.breaker_state(SourceId::NbaStats),
        BreakerState::Closed {
            consecutive_failures: 0
        }
    );
    // Other sources were never affected.
    assert_eq!(
        f.breaker_state(SourceId::NbaCdn),
        BreakerState::Closed {
            consecutive_failures: 0
        }
    );
    let json = serde_json::to_value(f.breaker_state(SourceId::NbaStats)).unwrap();
    assert_eq!(json["state"], "closed");
}

/// A raw server that declares 1000 bytes, sends 10 and closes, for every connection.
async fn truncating_server(hits: Hits) -> Url {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            hits.bump();
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let _ = socket
                .write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n0123456789",
                )
                .await;
            let _ = socket.shutdown().await;
        }
    });
    Url::parse(&format!("http://{addr}/")).unwrap()
}

#[tokio::test]
async fn a_body_cut_short_is_a_transient_error_not_a_short_body() {
    let hits = Hits::default();
    let base = truncating_server(hits.clone()).await;
    let f = fetcher(SourceId::NbaCdn, |p| p.retry.max_attempts = 2);
    let err = f
        .fetch(SourceId::NbaCdn, &base.join("x.json").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Incomplete { attempts: 2, .. }), "{err}");
    assert!(err.is_transient());
    assert_eq!(hits.get(), 2);
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        enc.write_all(data).unwrap();
    }
    out
}

#[tokio::test]
async fn gzip_and_brotli_bodies_are_decoded() {
    let router = Router::new()
        .route(
            "/gz",
            get(|headers: HeaderMap| async move {
                let accepts = headers
                    .get(header::ACCEPT_ENCODING)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                assert!(accepts.contains("gzip") && accepts.contains("br"), "{accepts}");
                (
                    [
                        (header::CONTENT_ENCODING, "gzip"),
                        (header::CONTENT_TYPE, "application/json"),
                    ],
                    gzip(JSON.as_bytes()),
                )
            }),
        )
        .route(
            "/br",
            get(|| async {
                (
                    [
                        (header::CONTENT_ENCODING, "br"),
                        (header::CONTENT_TYPE, "application/json"),
                    ],
                    brotli(JSON.as_bytes()),
                )
            }),
        );
    let base = serve(router).await;
    let f = fetcher(SourceId::NbaStats, |_| {});
    for path in ["gz", "br"] {
        let body = f.get(SourceId::NbaStats, &base.join(path).unwrap()).await.unwrap();
        assert_eq!(&body[..], JSON.as_bytes(), "{path}");
    }
}

#[tokio::test]
async fn html_from_a_json_source_is_unexpected_content_but_fine_from_an_html_source() {
    const PAGE: &str = "<html><body>Access Denied</body></html>";
    let router = Router::new().route(
        "/page",
        get(|| async { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE) }),
    );
    let base = serve(router).await;
    let url = base.join("page").unwrap();
    let f = options(SourceId::NbaStats, |_| {})
        .policy(SourceId::BasketballReference, |p| p.rate = None)
        .build()
        .unwrap();
    let err = f.fetch(SourceId::NbaStats, &url).await.unwrap_err();
    match &err {
        FetchError::UnexpectedContentType { content_type, body, .. } => {
            assert!(content_type.starts_with("text/html"));
            assert_eq!(&body[..], PAGE.as_bytes(), "the page is kept for diagnosis");
        }
        other => panic!("expected UnexpectedContentType, got {other}"),
    }
    assert!(!err.is_transient());
    assert_eq!(err.attempts(), 1, "not retried");
    let page = f.fetch(SourceId::BasketballReference, &url).await.unwrap();
    assert_eq!(&page.body[..], PAGE.as_bytes());
}

#[tokio::test]
async fn bodies_over_the_cap_are_too_large_declared_streamed_or_decoded() {
    let big = vec![b'a'; 5000];
    let router = Router::new()
        .route("/declared", get(move || async move { big }))
        .route(
            "/streamed",
            get(|| async {
                let chunks = (0..10).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b'b'; 500])));
                Response::new(Body::from_stream(futures::stream::iter(chunks)))
            }),
        )
        .route(
            "/bomb",
            get(|| async { ([(header::CONTENT_ENCODING, "gzip")], gzip(&vec![b'0'; 100_000])) }),
        );
    let base = serve(router).await;
    let f = fetcher(SourceId::NbaCdn, |p| p.max_body_bytes = 1000);
    for path in ["declared", "streamed", "bomb"] {
        let err = f.fetch(SourceId::NbaCdn, &base.join(path).unwrap()).await.unwrap_err();
        assert!(matches!(err, FetchError::TooLarge { limit: 1000, .. }), "{path}: {err}");
        assert!(!err.is_transient());
    }
}

#[tokio::test]
async fn the_nba_stats_quota_spaces_calls_and_can_be_switched_off() {
    let router = Router::new().route("/x", get(|| async { JSON }));
    let base = serve(router).await;
    let url = base.join("x").unwrap();
    // The production quota for stats.nba.com (one request per 0.6 s), untouched.
    let limited = options(SourceId::NbaCdn, |_| {}).build().unwrap();
    assert_eq!(
        limited.policy(SourceId::NbaStats).rate,
        Some(RateQuota::every(Duration::from_millis(600)))
    );
    let started = Instant::now();
    for _ in 0..3 {
        limited.fetch(SourceId::NbaStats, &url).await.unwrap();
    }
    assert!(
        started.elapsed() >= Duration::from_millis(1150),
        "{:?}",
        started.elapsed()
    );

    let unlimited = options(SourceId::NbaCdn, |_| {}).rate_limiting(false).build().unwrap();
    let started = Instant::now();
    for _ in 0..3 {
        unlimited.fetch(SourceId::NbaStats, &url).await.unwrap();
    }
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn connection_refused_is_a_retried_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let f = fetcher(SourceId::Espn, |_| {});
    let err = f
        .fetch(SourceId::Espn, &Url::parse(&format!("http://{addr}/x")).unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Transport { attempts: 3, .. }), "{err}");
    assert!(err.is_transient());
    assert!(
        err.to_string().contains(&addr.to_string()),
        "the (redacted) URL is named: {err}"
    );
}

#[tokio::test]
async fn response_headers_are_reported_without_cookies() {
    let router = Router::new().route(
        "/odds",
        get(|| async {
            (
                [
                    ("x-requests-remaining", "480"),
                    ("x-requests-used", "20"),
                    ("x-requests-last", "2"),
                    ("set-cookie", "session=abc"),
                ],
                "[]",
            )
        }),
    );
    let base = serve(router).await;
    let f = fetcher(SourceId::OddsApi, |_| {});
    let fetched = f.fetch(SourceId::OddsApi, &base.join("odds").unwrap()).await.unwrap();
    assert_eq!(fetched.odds_quota().and_then(|q| q.remaining), Some(480));
    assert!(fetched.header("set-cookie").is_none());
    assert_eq!(fetched.header("X-Requests-Last"), Some("2"));
}

/// A `MakeWriter` that appends every log line to a shared buffer.
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogBuffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn api_keys_reach_the_upstream_but_no_message_url_or_log_line() {
    const KEY: &str = "sekrit-123";
    let logs = LogBuffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer({
            let logs = logs.clone();
            move || logs.clone()
        })
        .finish();
    // tracing-core takes a shortcut while a single dispatcher is registered: a
    // callsite first hit on another test's thread then caches that thread's
    // "never" and this buffer misses its events. A second live dispatcher turns
    // the shortcut off; the rebuild fixes callsites already cached.
    let _second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    // Current-thread test runtime: the mock server's tasks log here too.
    let _guard = tracing::subscriber::set_default(subscriber);
    tracing::callsite::rebuild_interest_cache();

    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let router = Router::new()
        .route(
            "/v4/odds",
            get(
                |Query(q): Query<std::collections::HashMap<String, String>>| async move {
                    match q.get("apiKey").map(String::as_str) {
                        Some(KEY) => (StatusCode::OK, "[]"),
                        _ => (StatusCode::UNAUTHORIZED, "bad key"),
                    }
                },
            ),
        )
        .route(
            "/v4/fail",
            get(
                |Query(q): Query<std::collections::HashMap<String, String>>| async move {
                    assert_eq!(q.get("apiKey").map(String::as_str), Some(KEY));
                    (StatusCode::SERVICE_UNAVAILABLE, "down")
                },
            ),
        )
        .route(
            "/v1/games",
            get(
                |State(seen): State<Arc<Mutex<Vec<String>>>>, headers: HeaderMap| async move {
                    let auth = headers
                        .get(header::AUTHORIZATION)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    seen.lock().unwrap().push(auth.clone());
                    if auth == KEY {
                        (StatusCode::OK, "{}")
                    } else {
                        (StatusCode::UNAUTHORIZED, "no")
                    }
                },
            ),
        )
        .with_state(seen.clone());
    let base = serve(router).await;
    let secrets = StaticSecrets::new()
        .with(secrets::ODDS_API_KEY, KEY)
        .with(secrets::BALLDONTLIE_API_KEY, KEY);
    let f = options(SourceId::OddsApi, |_| {})
        .policy(SourceId::BallDontLie, |p| p.rate = None)
        .secrets(Arc::new(secrets))
        .build()
        .unwrap();

    // The key is attached by the fetcher (the URL has none) and accepted by the server.
    let url = base.join("v4/odds?regions=us").unwrap();
    let fetched = f.fetch(SourceId::OddsApi, &url).await.unwrap();
    assert_eq!(fetched.status, 200);
    assert!(!fetched.url_shown.contains(KEY), "{}", fetched.url_shown);
    assert!(fetched.url_shown.contains("apiKey="), "{}", fetched.url_shown);
    assert!(fetched.url_shown.contains("regions=us"), "{}", fetched.url_shown);
    assert!(!format!("{fetched:?}").contains(KEY));

    // Failures (retried, logged) name the URL but never the key.
    let err = f
        .fetch(SourceId::OddsApi, &base.join("v4/fail").unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            FetchError::Status {
                status: 503,
                attempts: 3,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("/v4/fail"));
    assert!(
        !err.to_string().contains(KEY) && !format!("{err:?}").contains(KEY),
        "{err:?}"
    );

    // The header-borne key of balldontlie, too.
    let games = f
        .fetch(SourceId::BallDontLie, &base.join("v1/games").unwrap())
        .await
        .unwrap();
    assert_eq!(games.status, 200);
    assert_eq!(seen.lock().unwrap().as_slice(), [KEY.to_string()]);
    assert!(!format!("{f:?}").contains(KEY));

    let text = logs.text();
    assert!(
        text.contains("fetching") && text.contains("retrying"),
        "logs were captured: {text}"
    );
    assert!(!text.contains(KEY), "a log line holds the key:\n{text}");
}

#[tokio::test]
async fn a_missing_key_fails_loudly_except_towards_a_local_replay() {
    let f = fetcher(SourceId::OddsApi, |_| {});
    let prod = Url::parse("https://api.the-odds-api.com/v4/sports").unwrap();
    let err = f.fetch(SourceId::OddsApi, &prod).await.unwrap_err();
    assert!(
        matches!(err, FetchError::MissingSecret { source: SourceId::OddsApi, name } if name == secrets::ODDS_API_KEY),
        "{err}"
    );
    assert!(!err.is_transient());
    assert_eq!(err.attempts(), 0);

    let router = Router::new().route(
        "/v4/sports",
        get(
            |Query(q): Query<std::collections::HashMap<String, String>>| async move {
                assert!(!q.contains_key("apiKey"));
                "[]"
            },
        ),
    );
    let base = serve(router).await;
    let fetched = f
        .fetch(SourceId::OddsApi, &base.join("v4/sports").unwrap())
        .await
        .unwrap();
    assert_eq!(&fetched.body[..], b"[]");
}

#[tokio::test]
async fn an_unreachable_secret_store_is_a_transient_error_and_the_future_is_send() {
    struct Down;
    #[async_trait::async_trait]
    impl SecretSource for Down {
        async fn secret(&self, name: &str) -> Result<Option<Secret>, SecretError> {
            Err(SecretError {
                name: name.into(),
                reason: "permission denied".into(),
            })
        }
    }
    let f = options(SourceId::BallDontLie, |_| {})
        .secrets(Arc::new(Down))
        .build()
        .unwrap();
    let url = Url::parse("https://api.balldontlie.io/v1/games").unwrap();
    fn assert_send<T: Send>(t: T) -> T {
        t
    }
    // Functions run fetches inside `Send` futures (axum handlers).
    let err = assert_send(f.fetch(SourceId::BallDontLie, &url)).await.unwrap_err();
    assert!(matches!(err, FetchError::Secret { .. }), "{err}");
    assert!(err.is_transient());
    assert_eq!(err.attempts(), 0);
}

#[tokio::test]
async fn nba_proxy_env_routes_one_source_through_its_egress_proxy() {
    // The "proxy" is a local server: plain-HTTP proxying sends it the absolute URL.
    let hits = Hits::default();
    let router = Router::new()
        .route(
            "/stats/x",
            get(|State(hits): State<Hits>, uri: axum::http::Uri| async move {
                hits.bump();
                assert_eq!(uri.host(), Some("stats.nba.invalid"), "{uri}");
                JSON
            }),
        )
        .with_state(hits.clone());
    let proxy = serve(router).await;
    let policies = Policies::from_vars(|name| (name == "NBA_PROXY_NBA_STATS").then(|| proxy.to_string())).unwrap();
    let f = FetcherOptions::new(policies)
        .secrets(Arc::new(StaticSecrets::new()))
        .rate_limiting(false)
        .build()
        .unwrap();
    // `.invalid` never resolves: only the proxy can have answered.
    let url = Url::parse("http://stats.nba.invalid/stats/x").unwrap();
    let body = f.get(SourceId::NbaStats, &url).await.unwrap();
    assert_eq!(&body[..], JSON.as_bytes());
    assert_eq!(hits.get(), 1);
    assert!(f.policy(SourceId::NbaCdn).proxy.is_none(), "other sources go direct");
}
