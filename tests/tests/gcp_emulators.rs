//! The Google adapters against real emulators: the same contract suites the embedded
//! adapters pass, plus what only the cloud adapters promise (gzip on the wire,
//! batching, races on create-if-absent and transactions). Each test starts the
//! emulators it needs on free loopback ports and stops them when it ends; a missing
//! emulator fails the test loudly (see `emulators`).

mod emulators;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use nba_cloud::contract;
use nba_cloud::gcp::{
    Auth, BatchSettings, BigQueryWarehouse, FirestoreStateStore, GcsObjectStore, PubSubPublisher, Rest,
};
use nba_cloud::ports::object_store::PutOptions;
use nba_cloud::ports::state::Created;
use nba_cloud::{ObjectStore as _, OutgoingMessage, Publisher as _, StateStore as _, TxnOutcome};
use serde_json::{Value, json};

const PROJECT: &str = "nba-props-test";

fn rest(url: &str) -> Rest {
    nba_cloud::gcp::install_tls();
    // A hung emulator call fails the test instead of hanging it.
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .expect("client");
    Rest::new(http, url, Auth::Anonymous)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gcs_adapter_passes_the_object_store_contract_on_fake_gcs_server() {
    let gcs = emulators::gcs(None).await;
    let store = GcsObjectStore::new(rest(&gcs.url()));
    store.create_bucket(PROJECT, "contract-bucket").await.expect("bucket");
    let t = Instant::now();
    contract::object_store_contract(&store, "contract-bucket").await;
    eprintln!("object store contract on fake-gcs-server: {:.1?}", t.elapsed());

    // Stored compressed, marked so, served compressed to a client that accepts gzip.
    let body = Bytes::from("{\"player\": \"x\"}\n".repeat(500));
    let opts = PutOptions {
        content_type: "application/json".into(),
        gzip: true,
        ..Default::default()
    };
    let meta = store
        .put("contract-bucket", "raw/big.json", body.clone(), opts)
        .await
        .expect("put");
    assert!(
        meta.size < body.len() as u64 / 5,
        "stored compressed: {} bytes",
        meta.size
    );
    let raw = reqwest::Client::builder()
        .gzip(false)
        .build()
        .expect("client")
        .get(format!(
            "{}/storage/v1/b/contract-bucket/o/raw%2Fbig.json?alt=media",
            gcs.url()
        ))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("download");
    assert_eq!(raw.headers()["content-encoding"], "gzip");
    assert_eq!(raw.bytes().await.expect("bytes").len() as u64, meta.size);
    assert_eq!(store.get("contract-bucket", "raw/big.json").await.expect("get"), body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pubsub_adapter_passes_the_publisher_contract_and_batches() {
    let emulator = emulators::pubsub().await;
    let publisher = PubSubPublisher::new(rest(&emulator.url()), PROJECT, BatchSettings::default());
    publisher.create_topic("contract-topic").await.expect("topic");
    let t = Instant::now();
    contract::publisher_contract(&publisher, "contract-topic", "missing-topic").await;
    eprintln!("publisher contract on the Pub/Sub emulator: {:.1?}", t.elapsed());

    // 60 concurrent publishes: distinct ids, every message once, attributes and large
    // payloads intact (the large one travels gzip-compressed and says so).
    let ps = rest(&emulator.url());
    let sub = format!("/v1/projects/{PROJECT}/subscriptions/batch-check");
    ps.json(reqwest::Method::PUT, &sub, |r| {
        r.json(&json!({"topic": format!("projects/{PROJECT}/topics/contract-topic")}))
    })
    .await
    .expect("pull subscription");
    let publisher = Arc::new(publisher);
    let mut tasks = Vec::new();
    for n in 0..60 {
        let publisher = publisher.clone();
        let data = if n == 0 {
            vec![b'x'; 200_000]
        } else {
            format!("{{\"n\":{n}}}").into_bytes()
        };
        tasks.push(tokio::spawn(async move {
            let attrs = BTreeMap::from([("correlation_id".to_owned(), format!("c-{n}"))]);
            publisher
                .publish(
                    "contract-topic",
                    OutgoingMessage {
                        data,
                        attributes: attrs,
                    },
                )
                .await
        }));
    }
    let mut ids = std::collections::BTreeSet::new();
    for t in tasks {
        ids.insert(t.await.expect("task").expect("publish"));
    }
    assert_eq!(ids.len(), 60, "60 distinct message ids");
    let pulled = pull_all(&ps, &sub, 60).await;
    let correlation: std::collections::BTreeSet<&str> = pulled
        .iter()
        .filter_map(|m| m["attributes"]["correlation_id"].as_str())
        .collect();
    assert_eq!(
        correlation.len(),
        60,
        "every message arrived once, with its correlation id"
    );
    let big = pulled
        .iter()
        .find(|m| m["attributes"]["correlation_id"] == "c-0")
        .expect("big message");
    assert_eq!(big["attributes"]["content_encoding"], "gzip");
}

/// Pulls until `want` messages have come (acking them), or fails after a while.
async fn pull_all(ps: &Rest, sub: &str, want: usize) -> Vec<Value> {
    let mut got = Vec::new();
    let deadline = Instant::now() + std::time::Duration::from_secs(30);
    while got.len() < want && Instant::now() < deadline {
        let answer = ps
            .json(reqwest::Method::POST, &format!("{sub}:pull"), |r| {
                r.json(&json!({"maxMessages": 100}))
            })
            .await
            .expect("pull");
        let received = answer["receivedMessages"].as_array().cloned().unwrap_or_default();
        let acks: Vec<Value> = received.iter().map(|m| m["ackId"].clone()).collect();
        if !acks.is_empty() {
            ps.json(reqwest::Method::POST, &format!("{sub}:acknowledge"), |r| {
                r.json(&json!({"ackIds": acks}))
            })
            .await
            .expect("ack");
        }
        got.extend(received.into_iter().map(|m| m["message"].clone()));
    }
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn firestore_adapter_passes_the_state_contract_and_races_safely() {
    let emulator = emulators::firestore().await;
    let store = FirestoreStateStore::new(rest(&emulator.url()), PROJECT, "(default)");
    let t = Instant::now();
    contract::state_store_contract(&store).await;
    eprintln!("state store contract on the Firestore emulator: {:.1?}", t.elapsed());

    // Eight callers race for one lock: exactly one creates it.
    let store = Arc::new(store);
    let mut tasks = Vec::new();
    for n in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store.create_if_absent("races", "lock", json!(n), None).await
        }));
    }
    let mut created = 0;
    for t in tasks {
        if t.await.expect("task").expect("create_if_absent") == Created::Created {
            created += 1;
        }
    }
    assert_eq!(created, 1, "exactly one racer creates the document");

    // Twenty concurrent read-modify-writes lose no update.
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .transact(
                    "races",
                    "counter",
                    Box::new(|doc| TxnOutcome::Write {
                        data: json!(doc.and_then(|d| d.data.as_i64()).unwrap_or(0) + 1),
                        ttl: None,
                    }),
                )
                .await
        }));
    }
    for t in tasks {
        t.await.expect("task").expect("transact");
    }
    let counter = store.get("races", "counter").await.expect("get").expect("present");
    assert_eq!(counter.data, json!(20));

    // Sub-collections (the prediction batches' players) and nested data round-trip.
    let data = json!({"players": [["a", 1], ["b", 2]], "meta": {"ok": true, "x": 0.5}});
    store
        .set("batches/b1/players", "p1", data.clone(), None)
        .await
        .expect("set");
    let doc = store
        .get("batches/b1/players", "p1")
        .await
        .expect("get")
        .expect("present");
    assert_eq!(doc.data, data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bigquery_adapter_passes_the_warehouse_contract_on_bqemulator() {
    let emulator = emulators::bigquery(PROJECT).await;
    let warehouse = BigQueryWarehouse::new(rest(&emulator.url()), PROJECT);
    let t = Instant::now();
    contract::warehouse_contract(&warehouse).await;
    eprintln!("warehouse contract on bqemulator: {:.1?}", t.elapsed());

    // As deployed: datasets `dev_nba_…`. The contract's writes go to the prefixed dataset
    // and its queries name the canonical one (`nba_orchestration.contract_…`, a fresh
    // table name): they find the rows only if the adapter qualifies them for the environment.
    let names = nba_core::Names::new(nba_core::config::Environment::Dev, nba_core::names::Scope::Cloud);
    let deployed = BigQueryWarehouse::new(rest(&emulator.url()), PROJECT).with_names(names);
    contract::warehouse_contract(&deployed).await;
}

/// The vertical slice on the emulators: an upload to fake-gcs-server publishes a GCS
/// notification (JSON_API_V1, `bucketId`/`objectId` attributes) to the Pub/Sub emulator,
/// whose push subscription POSTs it to the raw processor over HTTP; the processor reads
/// the (gzip-stored) object from GCS, claims it in Firestore, loads the rows and
/// publishes `phase2-raw-complete` to the emulator, with the rows in BigQuery (bqemulator).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn gcs_notification_reaches_the_raw_processor_through_pubsub_push() {
    use nba_core::config::{Backend, Config};
    use nba_core::{Bucket, Topic};

    let t = Instant::now();
    let (pubsub, firestore, bigquery) = tokio::join!(
        emulators::pubsub(),
        emulators::firestore(),
        emulators::bigquery(PROJECT)
    );
    let config = Config {
        backend: Backend::Gcp,
        project_id: PROJECT.into(),
        ..Config::default()
    };
    let names = config.names();
    let notifications = "raw-object-notifications";
    let publisher = PubSubPublisher::new(rest(&pubsub.url()), PROJECT, BatchSettings::default());
    for topic in [notifications.to_owned(), names.topic(Topic::Phase2RawComplete)] {
        publisher.create_topic(&topic).await.expect("topic");
    }
    let gcs = emulators::gcs(Some((&pubsub.host, PROJECT, notifications))).await;
    eprintln!("emulators up in {:.1?}", t.elapsed());

    let objects = GcsObjectStore::new(rest(&gcs.url()));
    let bucket = names.bucket(Bucket::Raw);
    objects.create_bucket(PROJECT, &bucket).await.expect("bucket");
    let warehouse = Arc::new(BigQueryWarehouse::new(rest(&bigquery.url()), PROJECT));
    let clients = nba_cloud::Clients {
        objects: Arc::new(objects.clone()),
        publisher: Arc::new(publisher.clone()),
        warehouse: warehouse.clone(),
        state: Arc::new(FirestoreStateStore::new(rest(&firestore.url()), PROJECT, "(default)")),
        // Secret Manager has no emulator, and the raw processor reads no secret or token.
        secrets: Arc::new(nba_cloud::embedded::secrets::StaticSecrets::new()),
        id_tokens: Arc::new(nba_cloud::NoIdTokens),
    };
    let function_url = serve_raw_processor(&clients, &config).await;

    let ps = rest(&pubsub.url());
    let done_sub = format!("/v1/projects/{PROJECT}/subscriptions/phase2-check");
    let done_topic = format!("projects/{PROJECT}/topics/{}", names.topic(Topic::Phase2RawComplete));
    ps.json(reqwest::Method::PUT, &done_sub, |r| {
        r.json(&json!({"topic": done_topic}))
    })
    .await
    .expect("pull subscription");
    publisher
        .create_push_subscription("raw-processor-push", notifications, &function_url)
        .await
        .expect("push subscription");

    let name = "nba-com/schedule/2025-01-10/20250110_120000.json";
    let opts = PutOptions {
        content_type: "application/json".into(),
        metadata: BTreeMap::from([("correlation_id".to_owned(), "emulator-slice".to_owned())]),
        gzip: true,
        ..Default::default()
    };
    let t = Instant::now();
    objects.put(&bucket, name, schedule_body(), opts).await.expect("upload");

    let done = pull_all(&ps, &done_sub, 1).await;
    eprintln!("upload → phase2 completion through the emulators: {:.1?}", t.elapsed());
    assert_eq!(done.len(), 1, "one phase-2 completion for one object");
    assert_eq!(done[0]["attributes"]["correlation_id"], "emulator-slice");
    let rows = nba_cloud::Warehouse::query(
        warehouse.as_ref(),
        "SELECT game_id, home_team_tricode FROM nba_raw.nbac_schedule WHERE game_date = ? ORDER BY game_id",
        vec![json!("2025-01-10")],
    )
    .await
    .expect("query");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0]["home_team_tricode"], "DAL");
    let claims = nba_cloud::StateStore::list(clients.state.as_ref(), &names.collection(nba_raw::claim::COLLECTION))
        .await
        .expect("claims");
    assert_eq!(
        claims.len(),
        1,
        "the object generation is claimed in Firestore: {claims:?}"
    );
}

/// A two-game schedule in the CDN's `scheduleLeagueV2` shape.
fn schedule_body() -> Bytes {
    let game = |id: &str, home: (i64, &str), away: (i64, &str)| {
        json!({"gameId": id, "gameStatus": 3, "gameStatusText": "Final", "gameDateEst": "2025-01-10T00:00:00Z",
               "gameDateTimeUTC": "2025-01-11T01:30:00Z",
               "homeTeam": {"teamId": home.0, "teamTricode": home.1, "score": 100},
               "awayTeam": {"teamId": away.0, "teamTricode": away.1, "score": 99}})
    };
    let body = json!({"leagueSchedule": {"seasonYear": "2024-25", "gameDates": [{"games": [
        game("0022400561", (1610612742, "DAL"), (1610612747, "LAL")),
        game("0022400562", (1610612738, "BOS"), (1610612752, "NYK")),
    ]}]}});
    Bytes::from(body.to_string())
}

/// Serves the raw processor through the runtime's HTTP router; returns its URL.
async fn serve_raw_processor(clients: &nba_cloud::Clients, config: &nba_core::config::Config) -> String {
    let (name, function) = nba_raw::functions(clients, config)
        .into_iter()
        .next()
        .expect("raw processor");
    let (deps, _sink) = nba_runtime::RuntimeDeps::in_memory();
    let router = nba_runtime::router(name, function, deps);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/", listener.local_addr().expect("addr"));
    tokio::spawn(nba_runtime::serve_on(listener, router, std::future::pending()));
    url
}
