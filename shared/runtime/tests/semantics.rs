//! Invocation semantics through the real router, in process: HTTP answers, execution-log
//! rows, correlation/trace resolution, limits, headers and graceful shutdown.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use nba_execlog::{ExecutionLogRow, MemorySink};
use nba_runtime::cloudevents::Event;
use nba_runtime::{
    CloudEventFunction, Function, FunctionError, HttpFunction, HttpRequest, Invocation, LegacyEventFunction, Outcome,
    RuntimeDeps, RuntimeSettings, event_data_json, router,
};
use serde_json::{Value, json};
use tower::ServiceExt;

/// Behaves as the event's `data.behave` says; remembers the invocation it saw.
#[derive(Default, Clone)]
struct Scripted {
    seen: Arc<Mutex<Vec<Invocation>>>,
}

impl Scripted {
    fn last(&self) -> Invocation {
        self.seen
            .lock()
            .expect("seen")
            .last()
            .cloned()
            .expect("function was called")
    }
}

#[async_trait]
impl CloudEventFunction for Scripted {
    async fn call(&self, inv: &Invocation, event: Event) -> Result<Outcome, FunctionError> {
        self.seen.lock().expect("seen").push(inv.clone());
        let behave = event_data_json(&event)
            .and_then(|d| d.get("behave"))
            .and_then(Value::as_str)
            .unwrap_or("ok")
            .to_string();
        match behave.as_str() {
            "transient" => Err(FunctionError::Transient("upstream 503 from stats.nba.com".into())),
            "internal" => Err(FunctionError::Internal("invariant broken".into())),
            "bad_request" => Err(FunctionError::BadRequest("missing game_date".into())),
            "bad_input" => Err(FunctionError::BadInput {
                source_name: "nbac_schedule".into(),
                file: "gs://raw/nbac/schedule.json".into(),
                field: "leagueSchedule.gameDates".into(),
                reason: "absent".into(),
            }),
            "panic" => panic!("secret panic detail"),
            "slow" => {
                tokio::time::sleep(Duration::from_secs(10)).await;
                Ok(Outcome::success())
            }
            _ => Ok(Outcome {
                rows_read: 10,
                rows_written: 8,
                rows_rejected: 2,
                status: nba_runtime::RunStatus::Partial,
                ..Outcome::success().with_input("gs://raw/x.json")
            }),
        }
    }
}

struct Sleepy(Duration);

#[async_trait]
impl HttpFunction for Sleepy {
    async fn call(&self, inv: &Invocation, req: HttpRequest) -> Result<(Response, Outcome), FunctionError> {
        tokio::time::sleep(self.0).await;
        let body = json!({"correlation_id": inv.correlation_id, "trace_id": inv.trace_id, "path": req.uri.path()});
        Ok((axum::Json(body).into_response(), Outcome::success()))
    }
}

struct Html;

#[async_trait]
impl HttpFunction for Html {
    async fn call(&self, _inv: &Invocation, _req: HttpRequest) -> Result<(Response, Outcome), FunctionError> {
        Ok((axum::response::Html("<p>hi</p>").into_response(), Outcome::success()))
    }
}

struct Legacy;

#[async_trait]
impl LegacyEventFunction for Legacy {
    async fn call(&self, _inv: &Invocation, _data: Value, _context: Value) -> Result<Outcome, FunctionError> {
        Ok(Outcome::skipped("nothing to do"))
    }
}

fn settings() -> RuntimeSettings {
    RuntimeSettings {
        body_limit_bytes: 4096,
        function_timeout: Duration::from_millis(300),
        drain_timeout: Duration::from_millis(500),
    }
}

fn app(function: Function) -> (axum::Router, MemorySink) {
    let (deps, sink) = RuntimeDeps::in_memory();
    (router("f", function, deps.with_settings(settings())), sink)
}

fn scripted() -> (axum::Router, MemorySink, Scripted) {
    let f = Scripted::default();
    let (app, sink) = app(Function::CloudEvent(Arc::new(f.clone())));
    (app, sink, f)
}

fn ce_request(_data: Value) -> http::request::Builder {
    Request::post("/")
        .header("ce-specversion", "1.0")
        .header("ce-id", "evt-1")
        .header("ce-type", "nba.test.v1")
        .header("ce-source", "//test")
        .header("content-type", "application/json")
}

async fn send(
    app: &axum::Router,
    req: http::request::Builder,
    body: impl Into<Body>,
) -> (StatusCode, http::HeaderMap, Value) {
    let resp = app
        .clone()
        .oneshot(req.body(body.into()).expect("request"))
        .await
        .expect("infallible");
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, headers, json)
}

async fn send_ce(app: &axum::Router, data: Value) -> (StatusCode, http::HeaderMap, Value) {
    send(app, ce_request(data.clone()), data.to_string()).await
}

fn only_row(sink: &MemorySink) -> ExecutionLogRow {
    let rows = sink.rows();
    assert_eq!(rows.len(), 1, "exactly one execution-log row per invocation: {rows:?}");
    rows.into_iter().next().expect("one row")
}

#[tokio::test]
async fn success_answers_200_with_status_and_writes_the_outcome_row() {
    let (app, sink, _) = scripted();
    let (status, _, body) = send_ce(&app, json!({"behave": "ok"})).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "partial");
    let row = only_row(&sink);
    assert_eq!(body["execution_id"], row.execution_id.as_str());
    assert_eq!(row.function_name, "f");
    assert_eq!(row.trigger_type, "cloudevent");
    assert_eq!(row.trigger_event_id, "evt-1");
    assert_eq!(row.event_type.as_deref(), Some("nba.test.v1"));
    assert_eq!(row.status, "partial");
    assert_eq!((row.rows_read, row.rows_written, row.rows_rejected), (10, 8, 2));
    assert_eq!(row.inputs, json!(["gs://raw/x.json"]));
    assert_eq!(row.error_class, None);
}

#[tokio::test]
async fn transient_is_503_and_redelivered() {
    let (app, sink, _) = scripted();
    let (status, _, body) = send_ce(&app, json!({"behave": "transient"})).await;
    assert_eq!(status, 503);
    assert!(
        !body.to_string().contains("stats.nba.com"),
        "details stay in the log: {body}"
    );
    let row = only_row(&sink);
    assert_eq!(
        (row.status.as_str(), row.error_class.as_deref()),
        ("failed", Some("transient"))
    );
    assert!(row.error_message.as_deref().is_some_and(|m| m.contains("upstream 503")));
}

#[tokio::test]
async fn internal_is_500() {
    let (app, sink, _) = scripted();
    assert_eq!(send_ce(&app, json!({"behave": "internal"})).await.0, 500);
    assert_eq!(only_row(&sink).error_class.as_deref(), Some("internal"));
}

#[tokio::test]
async fn bad_input_is_acked_200_with_a_failed_row() {
    let (app, sink, _) = scripted();
    let (status, _, body) = send_ce(&app, json!({"behave": "bad_input"})).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "failed");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("leagueSchedule.gameDates"))
    );
    let row = only_row(&sink);
    assert_eq!(
        (row.status.as_str(), row.error_class.as_deref()),
        ("failed", Some("bad_input"))
    );
}

#[tokio::test]
async fn bad_request_is_400() {
    let (app, sink, _) = scripted();
    assert_eq!(send_ce(&app, json!({"behave": "bad_request"})).await.0, 400);
    assert_eq!(only_row(&sink).error_class.as_deref(), Some("bad_request"));
}

#[tokio::test]
async fn panic_is_a_generic_500_with_a_panic_row_and_security_headers() {
    let (app, sink, _) = scripted();
    let (status, headers, body) = send_ce(&app, json!({"behave": "panic"})).await;
    assert_eq!(status, 500);
    assert_eq!(body["error"], "internal error");
    assert!(!body.to_string().contains("secret"), "panic message leaked: {body}");
    assert_eq!(
        headers.get("x-content-type-options").map(|v| v.as_bytes()),
        Some(&b"nosniff"[..])
    );
    let row = only_row(&sink);
    assert_eq!(
        (row.status.as_str(), row.error_class.as_deref()),
        ("failed", Some("panic"))
    );
}

#[tokio::test]
async fn slow_function_times_out_with_504() {
    let (app, sink, _) = scripted();
    let started = Instant::now();
    assert_eq!(send_ce(&app, json!({"behave": "slow"})).await.0, 504);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(only_row(&sink).error_class.as_deref(), Some("timeout"));
}

#[tokio::test]
async fn undecodable_event_is_400_with_an_undecodable_row() {
    let (app, sink, f) = scripted();
    let req = Request::post("/")
        .header("content-type", "application/json")
        .header("x-correlation-id", "chain-9");
    let (status, _, body) = send(&app, req, "not json at all").await;
    assert_eq!(status, 400);
    assert_eq!(body["error_class"], "undecodable");
    let row = only_row(&sink);
    assert_eq!(
        (row.status.as_str(), row.error_class.as_deref()),
        ("failed", Some("undecodable"))
    );
    assert_eq!(row.correlation_id, "chain-9");
    assert!(f.seen.lock().expect("seen").is_empty(), "the function must not run");
}

#[tokio::test]
async fn body_over_the_limit_is_413() {
    let (app, _sink, _) = scripted();
    let big = "x".repeat(5000);
    let (status, headers, _) = send(&app, ce_request(json!({})), big.clone()).await;
    assert_eq!(status, 413);
    assert!(headers.get("content-security-policy").is_some());
    // Without Content-Length (a streamed body) the limit holds too.
    let stream = futures::stream::iter(vec![Ok::<_, std::io::Error>(bytes::Bytes::from(big))]);
    let (status, _, _) = send(&app, ce_request(json!({})), Body::from_stream(stream)).await;
    assert_eq!(status, 413);
}

#[tokio::test]
async fn correlation_header_beats_extension_which_beats_attribute() {
    let (app, _sink, f) = scripted();
    let data = json!({"message": {"attributes": {"correlation_id": "from-attr"}}});
    let ps = |req: http::request::Builder| req.header("ce-type", "google.cloud.pubsub.topic.v1.messagePublished");
    let base = || {
        Request::post("/")
            .header("ce-specversion", "1.0")
            .header("ce-id", "m1")
            .header("ce-source", "//pubsub.googleapis.com/projects/p/topics/t")
            .header("content-type", "application/json")
    };
    send(&app, ps(base()), data.to_string()).await;
    assert_eq!(f.last().correlation_id.as_str(), "from-attr");
    send(
        &app,
        ps(base().header("ce-correlationid", "from-ext")),
        data.to_string(),
    )
    .await;
    assert_eq!(f.last().correlation_id.as_str(), "from-ext");
    send(
        &app,
        ps(base()
            .header("ce-correlationid", "from-ext")
            .header("x-correlation-id", "from-header")),
        data.to_string(),
    )
    .await;
    assert_eq!(f.last().correlation_id.as_str(), "from-header");
    send(&app, base().header("ce-type", "other"), "{}").await;
    assert_eq!(
        f.last().correlation_id.as_str().len(),
        32,
        "a new id when none is carried"
    );
}

#[tokio::test]
async fn push_delivery_attempt_subscription_and_storage_metadata_correlation() {
    use base64::Engine;
    let (app, sink, f) = scripted();
    let object = json!({"bucket": "raw", "name": "a.json", "metadata": {"correlation_id": "from-metadata"}});
    let envelope = json!({
        "message": {
            "attributes": {"bucketId": "raw", "objectId": "a.json", "eventType": "OBJECT_FINALIZE",
                           "payloadFormat": "JSON_API_V1"},
            "data": base64::engine::general_purpose::STANDARD.encode(object.to_string()),
            "messageId": "m-77", "publishTime": "2025-01-10T12:00:00Z"
        },
        "subscription": "projects/p/subscriptions/raw-finalize",
        "deliveryAttempt": 5
    });
    let req = Request::post("/").header("content-type", "application/json");
    assert_eq!(send(&app, req, envelope.to_string()).await.0, 200);
    let inv = f.last();
    assert_eq!(inv.correlation_id.as_str(), "from-metadata");
    assert_eq!(inv.delivery_attempt, Some(5));
    assert_eq!(
        inv.subscription.as_deref(),
        Some("projects/p/subscriptions/raw-finalize")
    );
    assert_eq!(inv.trigger_event_id, "m-77");
    let row = only_row(&sink);
    assert_eq!(row.delivery_attempt, Some(5));
    assert_eq!(
        row.event_type.as_deref(),
        Some("google.cloud.storage.object.v1.finalized")
    );
}

#[tokio::test]
async fn http_function_gets_any_path_and_trace_from_traceparent() {
    let (app, sink) = app(Function::Http(Arc::new(Sleepy(Duration::ZERO))));
    let req = Request::put("/any/path")
        .header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        .header("x-correlation-id", "c-http");
    let (status, headers, body) = send(&app, req, "").await;
    assert_eq!(status, 200);
    assert_eq!(body["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(body["correlation_id"], "c-http");
    assert_eq!(body["path"], "/any/path");
    assert_eq!(headers.get("x-frame-options").map(|v| v.as_bytes()), Some(&b"DENY"[..]));
    assert_eq!(
        headers.get("referrer-policy").map(|v| v.as_bytes()),
        Some(&b"no-referrer"[..])
    );
    assert_eq!(only_row(&sink).trigger_type, "http");
}

#[tokio::test]
async fn html_responses_get_no_csp_but_the_other_headers() {
    let (app, _sink) = app(Function::Http(Arc::new(Html)));
    let (_, headers, _) = send(&app, Request::get("/"), "").await;
    assert!(headers.get("content-security-policy").is_none());
    assert!(headers.get("x-content-type-options").is_some());
}

#[tokio::test]
async fn event_functions_accept_post_only_and_log_legacy_types() {
    let (app, sink) = app(Function::Event(Arc::new(Legacy)));
    assert_eq!(send(&app, Request::get("/"), "").await.0, 405);
    assert!(sink.rows().is_empty());
    let legacy = json!({"eventId": "e", "timestamp": "2020-01-01T00:00:00Z",
                        "eventType": "google.pubsub.topic.publish", "resource": "projects/p/topics/t",
                        "data": {"attributes": {"correlation_id": "legacy-c"}}});
    let (status, _, body) = send(
        &app,
        Request::post("/").header("content-type", "application/json"),
        legacy.to_string(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "skipped");
    let row = only_row(&sink);
    assert_eq!(row.trigger_type, "event");
    assert_eq!(row.correlation_id, "legacy-c");
    assert_eq!(row.event_type.as_deref(), Some("google.pubsub.topic.publish"));
    assert_eq!(row.message.as_deref(), Some("nothing to do"));
}

async fn listen(
    app: axum::Router,
    drain: Duration,
) -> (
    String,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/", listener.local_addr().expect("addr"));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(nba_runtime::serve_on_with_drain(
        listener,
        app,
        async move {
            let _ = rx.await;
        },
        drain,
    ));
    (url, tx, server)
}

#[tokio::test]
async fn shutdown_future_drains_in_flight_requests() {
    let (deps, _) = RuntimeDeps::in_memory();
    let app = router(
        "sleepy",
        Function::Http(Arc::new(Sleepy(Duration::from_millis(300)))),
        deps,
    );
    let (url, stop, server) = listen(app, Duration::from_secs(5)).await;
    // The client is built before the clock starts: its set-up (TLS roots) is not the request.
    let client = http_client();
    let request = tokio::spawn(async move { client.get(url).send().await.map(|r| r.status().as_u16()) });
    tokio::time::sleep(Duration::from_millis(50)).await;
    stop.send(()).expect("server running");
    assert_eq!(request.await.expect("join").expect("completes"), 200);
    tokio::time::timeout(Duration::from_secs(2), server)
        .await
        .expect("server stops after the drain")
        .expect("join")
        .expect("clean stop");
}

#[tokio::test]
async fn drain_is_bounded_by_the_drain_timeout() {
    let (deps, _) = RuntimeDeps::in_memory();
    let app = router(
        "sleepy",
        Function::Http(Arc::new(Sleepy(Duration::from_secs(30)))),
        deps,
    );
    let (url, stop, server) = listen(app, Duration::from_millis(200)).await;
    let client = http_client();
    let _request = tokio::spawn(async move { client.get(url).send().await.map(|r| r.status().as_u16()) });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let stopped = Instant::now();
    stop.send(()).expect("server running");
    tokio::time::timeout(Duration::from_secs(2), server)
        .await
        .expect("stops at the drain deadline")
        .expect("join")
        .expect("clean stop");
    assert!(
        stopped.elapsed() >= Duration::from_millis(190),
        "stopped before the drain window"
    );
}

/// An HTTP client, with the process's TLS provider installed first (see `nba_core::tls`).
fn http_client() -> reqwest::Client {
    nba_core::tls::install_crypto_provider();
    reqwest::Client::new()
}
