//! The HTTP API on garbage input: bad dates, unknown systems and parameters, invalid
//! percent-escapes, path traversal, very long paths and query strings, odd methods and
//! headers. Every answer is 2xx/3xx (where the request is in fact valid) or 4xx — never
//! 5xx — and no body carries a panic message or a server-side file path.
//!
//! A table of nasty requests, then a property test over generated ones, against the router
//! over a local bucket holding one document and an in-memory warehouse seeded with the
//! synthetic slate (so valid dates reach the warehouse).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use nba_cloud::embedded::{DuckDbWarehouse, LocalObjectStore};
use nba_cloud::ports::object_store::PutOptions;
use nba_cloud::{ObjectStore, Warehouse};
use nba_publishing::api::documents::DocumentReader;
use nba_publishing::api::{ApiState, router};
use proptest::prelude::*;
use tower::ServiceExt;

const BUCKET: &str = "nba-api";
const DOCUMENT: &str = "v1/predictions/2025-01-10.json";

struct Api {
    router: Router,
    runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

fn api() -> Api {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let router = runtime.block_on(async {
        let objects = Arc::new(LocalObjectStore::open(dir.path()).expect("object store"));
        let body = Bytes::from_static(br#"{"api_version":"v1","game_date":"2025-01-10","games":[]}"#);
        let opts = PutOptions {
            content_type: "application/json".into(),
            ..PutOptions::default()
        };
        objects.put(BUCKET, DOCUMENT, body, opts).await.expect("put");
        let warehouse = Arc::new(DuckDbWarehouse::open_in_memory().expect("warehouse"));
        nba_publishing::fixture::seed(warehouse.as_ref(), 1.0, 0)
            .await
            .expect("seed");
        let warehouse: Arc<dyn Warehouse> = warehouse;
        let objects: Arc<dyn ObjectStore> = objects;
        let state = ApiState::new(DocumentReader::new(objects, BUCKET), warehouse).expect("state");
        router(Arc::new(state))
    });
    Api {
        router,
        runtime,
        _dir: dir,
    }
}

/// A request: method, URI (already percent-encoded where needed) and headers.
#[derive(Debug)]
struct Nasty {
    method: Method,
    uri: String,
    headers: Vec<(&'static str, Vec<u8>)>,
}

fn get(uri: impl Into<String>) -> Nasty {
    Nasty {
        method: Method::GET,
        uri: uri.into(),
        headers: Vec::new(),
    }
}

impl Api {
    /// Sends `req`, asserting the answer is not 5xx and its body leaks nothing; the status.
    fn check(&self, req: &Nasty) -> StatusCode {
        let mut builder = Request::builder().method(req.method.clone()).uri(&req.uri);
        for (name, value) in &req.headers {
            builder = builder.header(*name, value.as_slice());
        }
        let request = builder.body(Body::empty()).expect("a valid HTTP request");
        let (status, body) = self.runtime.block_on(async {
            let response = self.router.clone().oneshot(request).await.expect("infallible");
            let status = response.status();
            let body = response.into_body().collect().await.expect("body").to_bytes();
            (status, body)
        });
        let text = String::from_utf8_lossy(&body);
        let what = format!("{} {} {:?}: {status} {text:.300}", req.method, req.uri, req.headers);
        assert!(!status.is_server_error(), "{what}");
        for leak in [
            "panicked",
            "RUST_BACKTRACE",
            ".rs:",
            env!("CARGO_MANIFEST_DIR"),
            "/var/cache/",
            &*self._dir.path().to_string_lossy(),
        ] {
            assert!(!text.contains(leak), "{what}: body leaks {leak:?}");
        }
        status
    }
}

#[test]
fn valid_requests_still_answer_2xx_or_304() {
    let api = api();
    for uri in [
        "/healthz",
        "/v1/openapi.json",
        "/v1/predictions/2025-01-10.json",
        "/v1/predictions?date=2025-01-10",
        "/v1/predictions?date=2025-01-10&player=jaysontatum",
    ] {
        assert_eq!(api.check(&get(uri)), StatusCode::OK, "{uri}");
    }
    let mut conditional = get("/v1/predictions/2025-01-10.json");
    conditional.headers.push(("if-none-match", b"*".to_vec()));
    assert_eq!(api.check(&conditional), StatusCode::NOT_MODIFIED);
}

#[test]
fn a_table_of_nasty_requests_answers_4xx() {
    let api = api();
    // Under the 64 KiB the http crate takes in a URI (hyper answers longer ones itself).
    let long = "a".repeat(32 * 1024);
    let mut cases: Vec<(Nasty, Option<StatusCode>)> = Vec::new();
    let bad = Some(StatusCode::BAD_REQUEST);
    let missing = Some(StatusCode::NOT_FOUND);
    for (uri, expect) in [
        // Dates.
        ("/v1/predictions?date=", bad),
        ("/v1/predictions?date=2025-02-30", bad),
        ("/v1/predictions?date=2025-1-9", bad),
        ("/v1/predictions?date=20250110", bad),
        ("/v1/predictions?date=%EF%BC%92025-01-10", bad),
        ("/v1/predictions?date=2025-01-10T00:00:00Z", bad),
        ("/v1/predictions?date=-2025-01-10", bad),
        ("/v1/predictions?date=0000-00-00", bad),
        ("/v1/predictions/2025-13-01.json", bad),
        ("/v1/predictions/9999-99-99.json", bad),
        ("/v1/best-bets/yesterday.json", bad),
        ("/v1/results/2025-02-29.json", bad),
        // Far but valid dates: an empty answer, or not published (404), never 5xx.
        ("/v1/predictions?date=0000-01-01", None),
        ("/v1/predictions?date=9999-12-31", None),
        ("/v1/predictions?date=1970-01-01&player=a&system=", None),
        ("/v1/predictions/0001-01-01.json", missing),
        // Parameters.
        ("/v1/predictions", bad),
        ("/v1/predictions?", bad),
        ("/v1/predictions?date=2025-01-10&system=nope", bad),
        ("/v1/predictions?date=2025-01-10&system=%00", bad),
        ("/v1/predictions?date=2025-01-10&player=LeBron%20James", bad),
        ("/v1/predictions?date=2025-01-10&player=", bad),
        (
            "/v1/predictions?date=2025-01-10&player=%27%3B%20DROP%20TABLE%20x%3B--",
            bad,
        ),
        ("/v1/predictions?date=2025-01-10&x=1", bad),
        ("/v1/predictions?date=2025-01-10&date=2025-01-11&date=bad", None),
        ("/v1/predictions?date", bad),
        ("/v1/predictions?=&=&&&", bad),
        ("/v1/predictions?date=%", bad),
        ("/v1/predictions?date=%zz", bad),
        ("/v1/predictions?date=%FF%FE", bad),
        ("/v1/predictions?date=%C0%AF", bad),
        ("/v1/predictions?%FF=1", bad),
        ("/v1/predictions?date=2025-01-10%00", bad),
        // Paths.
        ("/v1/../../etc/passwd", missing),
        ("/v1/%2e%2e/%2e%2e/etc/passwd", None),
        ("/v1/predictions/..%2f..%2fCargo.toml", None),
        ("/v1/players/..%2F..%2F..%2Fsecret.json", None),
        ("/v1/players/%2e%2e.json", bad),
        ("/v1/players/LeBron.json", bad),
        ("/v1/players/.json", bad),
        ("/v1/players/a%00b.json", bad),
        ("/v1/players/%FF%FE.json", None),
        ("/v1/%C0%AE%C0%AE/x.json", None),
        ("/v1/status", missing),
        ("/v1/", missing),
        ("/v1", missing),
        ("/v1//", missing),
        ("/v1/predictions/", missing),
        ("/v1/predictions/today.json/", missing),
        ("/v1/systems/performance.json.gz", missing),
        ("/v2/predictions/today.json", missing),
        ("//v1/predictions/today.json", missing),
        ("/%2F%2F", missing),
        ("/v1/a%", None),
        ("/healthz/..", missing),
        ("/dashboard.js/x", missing),
    ] {
        cases.push((get(uri), expect));
    }
    // Very long paths and query strings.
    cases.push((get(format!("/v1/players/{long}.json")), bad));
    cases.push((get(format!("/v1/{long}")), missing));
    cases.push((get(format!("/v1/predictions?date=2025-01-10&player={long}")), bad));
    cases.push((get(format!("/v1/predictions?{}", "date=x&".repeat(8 * 1024))), bad));
    cases.push((
        get(format!("/v1/predictions?date=2025-01-10&{}", "a=1&".repeat(8 * 1024))),
        bad,
    ));
    cases.push((get(format!("/{}", "../".repeat(4 * 1024))), missing));
    // Odd methods.
    for method in ["POST", "PUT", "DELETE", "PATCH", "TRACE", "CONNECT", "PROPFIND", "BREW"] {
        for uri in [
            "/v1/predictions/today.json",
            "/v1/predictions?date=2025-01-10",
            "/healthz",
            "/nope",
        ] {
            let req = Nasty {
                method: Method::from_bytes(method.as_bytes()).expect("method"),
                uri: uri.into(),
                headers: Vec::new(),
            };
            cases.push((req, None));
        }
    }
    // Bad conditional and content-negotiation headers on a real document.
    for (name, value) in [
        ("if-none-match", b"".to_vec()),
        ("if-none-match", b"\"".to_vec()),
        ("if-none-match", b"W/".to_vec()),
        ("if-none-match", b",,,,".to_vec()),
        ("if-none-match", b"\xff\xfe\x80".to_vec()),
        ("if-none-match", "\"x\", ".repeat(2000).into_bytes()),
        ("accept-encoding", b"gzip;q=nan, *;q=-1".to_vec()),
        ("accept-encoding", b"\xff".to_vec()),
        ("accept-encoding", b";;;q=".to_vec()),
        ("if-modified-since", b"yesterday".to_vec()),
        ("range", b"bytes=-1-2".to_vec()),
        ("content-length", b"18446744073709551616".to_vec()),
        ("x-cloud-trace-context", b"\xff/\xff".to_vec()),
        ("traceparent", b"00-zz".to_vec()),
        ("origin", b"null".to_vec()),
    ] {
        let mut req = get("/v1/predictions/2025-01-10.json");
        req.headers.push((name, value));
        cases.push((req, None));
    }
    for (req, expect) in &cases {
        let status = api.check(req);
        if let Some(expect) = expect {
            assert_eq!(status, *expect, "{} {}", req.method, req.uri);
        }
    }
}

/// Percent-encodes every byte outside the unreserved set.
fn encode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (*b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "v1",
            "predictions",
            "best-bets",
            "results",
            "players",
            "systems",
            "status.json",
            "today.json",
            "latest.json",
            "performance.json",
            "2025-01-10.json",
            "..",
            ".",
            "",
            "%2e%2e",
            "%2F",
            "%",
            "%zz",
        ])
        .prop_map(str::to_string),
        prop::collection::vec(any::<u8>(), 0..24).prop_map(|b| encode(&b)),
    ]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "2025-01-10",
            "2025-02-30",
            "0000-01-01",
            "9999-12-31",
            "jaysontatum",
            "LeBron",
            "",
            "%",
            "%FF",
            "%C0%AF",
            "..%2F",
        ])
        .prop_map(str::to_string),
        prop::collection::vec(any::<u8>(), 0..32).prop_map(|b| encode(&b)),
    ]
}

fn query() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        prop::sample::select(vec!["date", "player", "system", "x", ""]).prop_map(str::to_string),
        prop::collection::vec(any::<u8>(), 0..8).prop_map(|b| encode(&b)),
    ];
    prop::collection::vec((key, prop::option::of(value())), 0..5).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(k, v)| match v {
                Some(v) => format!("{k}={v}"),
                None => k,
            })
            .collect::<Vec<_>>()
            .join("&")
    })
}

fn request() -> impl Strategy<Value = Nasty> {
    let method = prop::sample::select(vec!["GET", "GET", "GET", "HEAD", "OPTIONS", "POST", "DELETE", "X-ODD"]);
    let header = (
        prop::sample::select(vec!["if-none-match", "accept-encoding", "traceparent", "origin"]),
        prop::collection::vec(
            any::<u8>().prop_filter("header byte", |b| *b == b'\t' || (*b >= 0x20 && *b != 0x7f)),
            0..40,
        ),
    );
    (
        method,
        prop::collection::vec(segment(), 0..5),
        prop::option::of(query()),
        prop::collection::vec(header, 0..3),
    )
        .prop_map(|(method, segments, query, headers)| {
            let mut uri = format!("/{}", segments.join("/"));
            if let Some(q) = query {
                uri = format!("{uri}?{q}");
            }
            Nasty {
                method: Method::from_bytes(method.as_bytes()).expect("method"),
                uri,
                headers,
            }
        })
}

#[test]
fn generated_garbage_never_answers_5xx() {
    let api = api();
    let config = ProptestConfig::with_cases(256);
    proptest!(config, |(req in request())| {
        api.check(&req);
    });
}
