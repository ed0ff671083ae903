//! Google functions-framework conformance, run against the real `functions-conformance`
//! binary the way the official client runs it: the binary is started in a scratch working
//! directory with `FUNCTION_TARGET`/`PORT`, each input is sent over HTTP (CloudEvents in
//! binary mode, as the CloudEvents Go SDK sends them, and in structured mode; legacy events as
//! plain `application/json`), and `function_output.json` is compared as JSON with the
//! expected output. The data is a copy of the suite's files (`tests/conformance/`).

use std::net::TcpListener as StdListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

const EVENTS: &[&str] = &["legacy_pubsub", "pubsub_binary", "pubsub_text", "storage"];

fn data_dir() -> PathBuf {
    nba_core::package_dir!().join("tests/conformance")
}

fn read_json(name: &str) -> Value {
    let path = data_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// `{event}-{kind}-output-converted.json` when it exists, else `{event}-{kind}-output.json`.
fn expected(event: &str, kind: &str, converted: bool) -> Value {
    let conv = format!("{event}-{kind}-output-converted.json");
    if converted && data_dir().join(&conv).exists() {
        read_json(&conv)
    } else {
        read_json(&format!("{event}-{kind}-output.json"))
    }
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// The conformance binary serving one target.
struct Server {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Server {
    async fn start(target: &str) -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_functions-conformance"))
            .current_dir(dir.path())
            .env("FUNCTION_TARGET", target)
            .env("PORT", port.to_string())
            .env("HOST", "127.0.0.1")
            .env("NBA_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn functions-conformance");
        let server = Server { child, port, dir };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("functions-conformance did not listen on {} within 10 s", self.port);
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    fn output_path(&self) -> PathBuf {
        self.dir.path().join("function_output.json")
    }

    fn clear_output(&self) {
        let _ = std::fs::remove_file(self.output_path());
    }

    fn output(&self) -> Value {
        let text = std::fs::read_to_string(self.output_path()).expect("function_output.json written");
        serde_json::from_str(&text).expect("function_output.json is JSON")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A CloudEvent JSON document sent in binary content mode (`ce-*` headers, data as body).
fn http_builder() -> reqwest::ClientBuilder {
    nba_core::tls::install_crypto_provider();
    reqwest::Client::builder()
}

fn http_client() -> reqwest::Client {
    http_builder().build().expect("an HTTP client")
}

fn binary_request(client: &reqwest::Client, url: &str, event: &Value) -> reqwest::RequestBuilder {
    let mut req = client.post(url);
    let obj = event.as_object().expect("event object");
    for (name, value) in obj {
        match name.as_str() {
            "data" => {}
            "datacontenttype" => req = req.header("content-type", value.as_str().expect("string")),
            _ => req = req.header(format!("ce-{name}"), value.as_str().expect("string attribute")),
        }
    }
    let body = obj.get("data").map(Value::to_string).unwrap_or_default();
    req.body(body)
}

fn structured_request(client: &reqwest::Client, url: &str, event: &Value) -> reqwest::RequestBuilder {
    client
        .post(url)
        .header("content-type", "application/cloudevents+json")
        .body(event.to_string())
}

fn legacy_request(client: &reqwest::Client, url: &str, event: &Value) -> reqwest::RequestBuilder {
    client
        .post(url)
        .header("content-type", "application/json")
        .body(event.to_string())
}

async fn send_and_read(server: &Server, req: reqwest::RequestBuilder, what: &str) -> Value {
    server.clear_output();
    let resp = req.send().await.unwrap_or_else(|e| panic!("{what}: {e}"));
    let status = resp.status();
    let body = resp.text().await.unwrap_or_default();
    assert_eq!(status, 200, "{what}: answered {status}: {body}");
    server.output()
}

#[tokio::test]
async fn cloudevent_function_conforms() {
    let server = Server::start("conformance_cloudevent").await;
    let client = http_client();
    for event in EVENTS {
        let input = read_json(&format!("{event}-cloudevent-input.json"));
        let want = expected(event, "cloudevent", false);
        let got = send_and_read(&server, binary_request(&client, &server.url(), &input), event).await;
        assert_eq!(got, want, "{event}: binary-mode CloudEvent");
        let got = send_and_read(&server, structured_request(&client, &server.url(), &input), event).await;
        assert_eq!(got, want, "{event}: structured-mode CloudEvent");

        let legacy = read_json(&format!("{event}-legacy-input.json"));
        let want = expected(event, "cloudevent", true);
        let got = send_and_read(&server, legacy_request(&client, &server.url(), &legacy), event).await;
        assert_eq!(got, want, "{event}: legacy event converted to a CloudEvent");
    }
}

#[tokio::test]
async fn event_function_conforms() {
    let server = Server::start("conformance_event").await;
    let client = http_client();
    for event in EVENTS {
        let legacy = read_json(&format!("{event}-legacy-input.json"));
        let want = expected(event, "legacy", false);
        let got = send_and_read(&server, legacy_request(&client, &server.url(), &legacy), event).await;
        assert_eq!(got, want, "{event}: legacy event");

        let input = read_json(&format!("{event}-cloudevent-input.json"));
        let want = expected(event, "legacy", true);
        let got = send_and_read(&server, binary_request(&client, &server.url(), &input), event).await;
        assert_eq!(got, want, "{event}: binary-mode CloudEvent converted to a legacy event");
        let got = send_and_read(&server, structured_request(&client, &server.url(), &input), event).await;
        assert_eq!(
            got, want,
            "{event}: structured-mode CloudEvent converted to a legacy event"
        );
    }
}

#[tokio::test]
async fn http_function_receives_the_body_on_any_path() {
    let server = Server::start("conformance_http").await;
    let client = http_client();
    server.clear_output();
    let resp = client
        .post(format!("{}some/path?x=1", server.url()))
        .body("PASS")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("content-security-policy", "default-src 'none'"),
    ] {
        assert_eq!(
            resp.headers().get(name).and_then(|v| v.to_str().ok()),
            Some(value),
            "{name}"
        );
    }
    let written = std::fs::read_to_string(server.output_path()).expect("output");
    assert_eq!(written, "PASS");
}

#[tokio::test]
async fn pubsub_push_envelope_becomes_a_message_published_cloudevent() {
    let server = Server::start("conformance_cloudevent").await;
    let client = http_client();
    let envelope = json!({
        "message": {
            "attributes": {"correlation_id": "c-123"},
            "data": "eyJnYW1lX2RhdGUiOiIyMDI1LTAxLTEwIn0=",
            "messageId": "9001", "message_id": "9001",
            "publishTime": "2025-01-10T12:00:00.123Z", "publish_time": "2025-01-10T12:00:00.123Z"
        },
        "subscription": "projects/nba-props/subscriptions/phase2-push",
        "deliveryAttempt": 2
    });
    let got = send_and_read(
        &server,
        legacy_request(
            &client,
            &format!("{}projects/nba-props/topics/nba-phase1-scrapers-complete", server.url()),
            &envelope,
        ),
        "push",
    )
    .await;
    assert_eq!(
        got,
        json!({
            "specversion": "1.0",
            "type": "google.cloud.pubsub.topic.v1.messagePublished",
            "source": "//pubsub.googleapis.com/projects/nba-props/topics/nba-phase1-scrapers-complete",
            "id": "9001",
            "time": "2025-01-10T12:00:00.123Z",
            "datacontenttype": "application/json",
            "data": {"message": envelope["message"]}
        })
    );
}

#[tokio::test]
async fn gcs_notification_via_push_becomes_a_storage_finalized_cloudevent() {
    let server = Server::start("conformance_cloudevent").await;
    let client = http_client();
    let object = read_json("storage-cloudevent-input.json")["data"].clone();
    let envelope = json!({
        "message": {
            "attributes": {
                "bucketId": "some-bucket", "objectId": "folder/Test.cs", "eventType": "OBJECT_FINALIZE",
                "payloadFormat": "JSON_API_V1", "eventTime": "2020-09-29T11:32:00.123Z",
                "notificationConfig": "projects/_/buckets/some-bucket/notificationConfigs/1",
                "objectGeneration": "1587627537231057"
            },
            "data": base64::engine::general_purpose::STANDARD.encode(object.to_string()),
            "messageId": "aaaaaa-1111-bbbb-2222-cccccccccccc",
            "publishTime": "2020-09-29T11:32:01Z"
        },
        "subscription": "projects/sample-project/subscriptions/gcs-push"
    });
    let got = send_and_read(&server, legacy_request(&client, &server.url(), &envelope), "gcs push").await;
    // Exactly what Eventarc delivers for the same finalize (the conformance storage event).
    assert_eq!(got, read_json("storage-cloudevent-output.json"));
}

#[tokio::test]
async fn undecodable_event_is_answered_400() {
    let server = Server::start("conformance_cloudevent").await;
    let resp = http_client()
        .post(server.url())
        .header("content-type", "application/json")
        .body("{\"neither\": \"push nor legacy\"}")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error_class"], "undecodable");
}

#[tokio::test]
async fn unknown_target_fails_listing_known_functions() {
    let out = Command::new(env!("CARGO_BIN_EXE_functions-conformance"))
        .env("FUNCTION_TARGET", "nope")
        .env("PORT", free_port().to_string())
        .env("NBA_LOG", "off")
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nope") && stderr.contains("conformance_cloudevent"),
        "{stderr}"
    );
}

#[tokio::test]
async fn sigterm_drains_an_in_flight_request_then_exits_zero() {
    let mut server = Server::start("conformance_sleep").await;
    let url = server.url();
    let request = tokio::spawn(async move { http_client().get(url).send().await.map(|r| r.status()) });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let signalled = Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let answer = request.await.expect("join").expect("in-flight request completes");
    assert_eq!(answer, 200);
    let exit = loop {
        if let Some(exit) = server.child.try_wait().expect("try_wait") {
            break exit;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(10),
            "process did not exit within the drain window"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(exit.success(), "exit status {exit}");
    assert!(
        signalled.elapsed() < Duration::from_secs(3),
        "exited {:?} after SIGTERM",
        signalled.elapsed()
    );
}

/// Parallelism, not speed: 300 one-second requests served one after another would take 300 s.
/// (The conformance suite's tighter "1,000 in under 2× one request" runs in release, in
/// `examples/bench_runtime.rs`; a debug client sharing 2 cores with other tests is slower.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sleeping_requests_run_in_parallel() {
    nba_runtime::server::raise_open_file_limit();
    let server = Server::start("conformance_sleep").await;
    let client = http_builder().pool_max_idle_per_host(1000).build().expect("client");
    let started = Instant::now();
    let requests = (0..300).map(|_| {
        let client = client.clone();
        let url = server.url();
        async move { client.get(url).send().await.map(|r| r.status().as_u16()) }
    });
    let results = futures::future::join_all(requests).await;
    let elapsed = started.elapsed();
    assert!(results.iter().all(|r| matches!(r, Ok(200))), "some requests failed");
    assert!(
        elapsed < Duration::from_secs(2),
        "500 concurrent 1-s requests took {elapsed:?}"
    );
}
