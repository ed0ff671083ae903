//! The foundation's vertical slice, end to end through the embedded local cloud
//! over real HTTP: scraper `nbac_schedule` → raw bucket → finalize CloudEvent →
//! raw processor → `nba_raw.nbac_schedule` → `nba-phase2-raw-complete`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use nba_cli::{DeliveryPolicy, FunctionHook, LocalPlatform, PlatformOptions, run_day};
use nba_cloud::embedded::LocalCloud;
use nba_cloud::ports::object_store::PutOptions;
use nba_core::{Bucket, Config, Topic};
use nba_e2e::{FailFirst, bundled_season, schema_errors};
use nba_runtime::Function;
use serde_json::Value;

/// A progress bar that draws nowhere.
fn hidden() -> indicatif::ProgressBar {
    indicatif::ProgressBar::hidden()
}

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 10).unwrap()
}

fn options(dir: &std::path::Path, duplicate_deliveries: bool) -> PlatformOptions {
    let config = Config {
        data_dir: dir.to_path_buf(),
        ..Config::default()
    };
    PlatformOptions {
        config,
        dataset: bundled_season(),
        duplicate_deliveries,
        delivery: DeliveryPolicy {
            min_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_secs(1),
            max_attempts: 5,
            ack_deadline: Duration::from_secs(60),
        },
    }
}

async fn count(platform: &LocalPlatform, sql: &str) -> i64 {
    let rows = platform.clients.warehouse.query(sql, vec![]).await.unwrap();
    rows[0].values().next().unwrap().as_i64().unwrap()
}

async fn schedule_counts(platform: &LocalPlatform) -> (i64, i64) {
    (
        count(platform, "SELECT count(*) FROM nba_raw.nbac_schedule").await,
        count(
            platform,
            "SELECT count(*) FROM nba_raw.nbac_schedule WHERE season_type = 'Regular Season'",
        )
        .await,
    )
}

fn journal(cloud: &LocalCloud, topic: &str) -> Vec<Value> {
    cloud
        .pubsub()
        .journal(topic)
        .unwrap()
        .iter()
        .map(|m| serde_json::from_slice(&m.data_bytes()).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_loads_the_season_schedule_and_reruns_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let platform = LocalPlatform::start(options(dir.path(), false)).await.unwrap();
    let report = run_day(&platform, date(), &hidden()).await.unwrap();
    assert!(report.succeeded(), "{:?}", report.failures());
    let (all, regular) = schedule_counts(&platform).await;
    assert_eq!(regular, 1230, "regular-season games");
    assert!(
        all > 1230,
        "preseason, cup, all-star and playoff games are kept too: {all}"
    );

    // One execution-log row per invocation; the scraper run and the processor run it
    // triggered share one correlation id.
    let functions: Vec<&str> = report.executions.iter().map(|e| e.function_name.as_str()).collect();
    assert_eq!(functions, ["scrapers", "raw_processor"], "{:?}", report.executions);
    assert!(
        report
            .executions
            .iter()
            .all(|e| e.correlation_id == report.correlation_id.as_str())
    );
    let raw = &report.executions[1];
    assert_eq!(
        (raw.status.as_str(), raw.rows_written, raw.rows_rejected),
        ("success", all, 0)
    );

    // Every published message matches its contract.
    let names = platform.names.clone();
    for (topic, schema) in [
        (
            Topic::Phase1ScrapersComplete,
            "messages/nba-phase1-scrapers-complete.schema.json",
        ),
        (Topic::Phase2RawComplete, "messages/nba-phase2-raw-complete.schema.json"),
    ] {
        let messages = journal(&platform.cloud, &names.topic(topic));
        assert_eq!(messages.len(), 1, "{topic}");
        for m in &messages {
            let errors = schema_errors(schema, m);
            assert!(errors.is_empty(), "{topic}: {errors:?}");
            assert_eq!(m["correlation_id"], report.correlation_id.as_str());
        }
    }

    // The finalize events the raw bucket emitted match the storage contract.
    let bucket = names.bucket(Bucket::Raw);
    let finalized = journal(&platform.cloud, &nba_cloud::embedded::LocalEventarc::topic_for(&bucket));
    assert_eq!(finalized.len(), 1);
    let errors = schema_errors("cloudevents/storage-object-finalized.schema.json", &finalized[0]);
    assert!(errors.is_empty(), "{errors:?}");

    // A second run of the same day changes no count; the processor sees unchanged rows.
    let again = run_day(&platform, date(), &hidden()).await.unwrap();
    assert!(again.succeeded(), "{:?}", again.failures());
    assert_eq!(schedule_counts(&platform).await, (all, regular));
    let raw = again
        .executions
        .iter()
        .find(|e| e.function_name == "raw_processor")
        .unwrap();
    assert_eq!((raw.rows_written, raw.rows_unchanged), (0, all));
    platform.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_deliveries_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let platform = LocalPlatform::start(options(dir.path(), true)).await.unwrap();
    let report = run_day(&platform, date(), &hidden()).await.unwrap();
    assert!(report.succeeded(), "{:?}", report.failures());
    let (all, regular) = schedule_counts(&platform).await;
    assert_eq!(regular, 1230);
    // The finalize event arrived twice: one run loaded, the duplicate was recognised.
    let raw: Vec<_> = report
        .executions
        .iter()
        .filter(|e| e.function_name == "raw_processor")
        .collect();
    assert_eq!(raw.len(), 2, "{raw:?}");
    let written: i64 = raw.iter().map(|e| e.rows_written).sum();
    assert_eq!(written, all, "rows written once in total");
    assert!(
        raw.iter().any(|e| e.status == "skipped" || e.rows_unchanged == all),
        "{raw:?}"
    );
    // Downstream saw one completion per processed object.
    let completions = journal(&platform.cloud, &platform.names.topic(Topic::Phase2RawComplete));
    assert_eq!(completions.len(), 1, "{completions:?}");
    platform.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_processor_failing_its_first_two_deliveries_recovers_by_redelivery() {
    let dir = tempfile::tempdir().unwrap();
    let hook: FunctionHook = Arc::new(|name: &str, function: Function| match (name, function) {
        ("raw_processor", Function::CloudEvent(inner)) => Function::CloudEvent(Arc::new(FailFirst::new(inner, 2))),
        (_, other) => other,
    });
    let platform = LocalPlatform::start_with(options(dir.path(), false), Some(hook))
        .await
        .unwrap();
    let report = run_day(&platform, date(), &hidden()).await.unwrap();
    assert!(report.succeeded(), "{:?}", report.failures());
    assert_eq!(schedule_counts(&platform).await.1, 1230);
    let raw: Vec<(&str, Option<&str>)> = report
        .executions
        .iter()
        .filter(|e| e.function_name == "raw_processor")
        .map(|e| (e.status.as_str(), e.error_class.as_deref()))
        .collect();
    assert_eq!(
        raw,
        [
            ("failed", Some("transient")),
            ("failed", Some("transient")),
            ("success", None)
        ]
    );
    assert_eq!(platform.dead_lettered(), 0);
    platform.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_schedule_is_quarantined_and_triggers_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let platform = LocalPlatform::start(options(dir.path(), false)).await.unwrap();
    let bucket = platform.names.bucket(Bucket::Raw);
    let name = "nba-com/schedule/2025-01-10/20250110_120000.json";
    let body = serde_json::json!({"leagueSchedule": {"seasonYear": "2024-25", "gameDates": [
        {"games": [{"gameId": "0022400561", "gameStatus": 3, "gameStatusText": "Final",
                    "gameDateEst": "2025-01-10T00:00:00Z",
                    "homeTeam": {"teamId": 1610612742, "score": 100},
                    "awayTeam": {"teamId": 1610612747, "teamTricode": "LAL", "score": 99}}]}]}});
    let opts = PutOptions {
        content_type: "application/json".into(),
        metadata: BTreeMap::from([("correlation_id".to_string(), "malformed-test".to_string())]),
        create_only: false,
    };
    platform
        .clients
        .objects
        .put(&bucket, name, serde_json::to_vec(&body).unwrap().into(), opts)
        .await
        .unwrap();
    platform.settle().await;

    let log = platform
        .executions(&nba_core::CorrelationId("malformed-test".into()))
        .await
        .unwrap();
    assert_eq!(log.len(), 1, "{log:?}");
    let row = &log[0];
    assert_eq!(
        (row.status.as_str(), row.error_class.as_deref()),
        ("failed", Some("bad_input"))
    );
    let message = row.error_message.as_deref().unwrap();
    assert!(message.contains(name), "names the file: {message}");
    assert!(
        message.contains("leagueSchedule.gameDates[0].games[0].homeTeam.teamTricode"),
        "names the field: {message}"
    );

    // Kept, not lost: a copy under quarantine/ and a row saying why.
    let kept = platform
        .clients
        .objects
        .get(&bucket, &format!("quarantine/{name}"))
        .await
        .unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&kept).unwrap(), body);
    let quarantined = count(&platform, "SELECT count(*) FROM nba_orchestration.quarantined_inputs").await;
    assert_eq!(quarantined, 1);
    // Nothing loaded, nothing downstream, nothing redelivered forever.
    assert_eq!(count(&platform, "SELECT count(*) FROM nba_raw.nbac_schedule").await, 0);
    assert!(journal(&platform.cloud, &platform.names.topic(Topic::Phase2RawComplete)).is_empty());
    assert_eq!(platform.dead_lettered(), 0);
    platform.shutdown().await;
}

#[test]
fn every_contract_sample_validates_against_its_schema() {
    for (schema, sample) in [
        (
            "messages/nba-phase1-scrapers-complete.schema.json",
            "messages/nba-phase1-scrapers-complete.sample.json",
        ),
        (
            "messages/nba-phase2-raw-complete.schema.json",
            "messages/nba-phase2-raw-complete.sample.json",
        ),
        (
            "cloudevents/storage-object-finalized.schema.json",
            "cloudevents/storage-object-finalized.sample.json",
        ),
    ] {
        let errors = schema_errors(schema, &nba_e2e::contract(sample));
        assert!(errors.is_empty(), "{sample}: {errors:?}");
    }
}
