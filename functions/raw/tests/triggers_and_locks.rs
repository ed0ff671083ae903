//! The raw-processor function on the embedded cloud: what triggers it, and the
//! batch lock's takeover and release rules.

use std::time::Duration;

use bytes::Bytes;
use chrono::NaiveDate;

use nba_cloud::Clients;
use nba_cloud::embedded::{LocalCloud, LocalCloudOptions};
use nba_cloud::ports::object_store::PutOptions;
use nba_core::{Config, messages::ScraperComplete};
use nba_raw::batch::{self, Lock};
use nba_raw::{ProcessorRegistry, RawProcessorFunction};
use nba_runtime::{CloudEventFunction, Invocation, RunStatus};

fn cloud(dir: &std::path::Path) -> (LocalCloud, Clients) {
    let opts = LocalCloudOptions {
        in_memory_warehouse: true,
        ..Default::default()
    };
    let cloud = LocalCloud::open(dir, opts).unwrap();
    let clients = cloud.clients();
    (cloud, clients)
}

fn function(clients: &Clients) -> RawProcessorFunction {
    RawProcessorFunction::new(
        ProcessorRegistry::standard(),
        clients.clone(),
        Config::default().names(),
        Duration::from_secs(30),
    )
}

fn completion(status: &str, gcs_path: Option<&str>) -> cloudevents::Event {
    let message = ScraperComplete {
        processor_name: "nbac_schedule".into(),
        phase: 1,
        execution_id: "e1".into(),
        correlation_id: "c1".into(),
        game_date: NaiveDate::from_ymd_opt(2025, 1, 10).unwrap(),
        status: status.into(),
        record_count: 1,
        gcs_path: gcs_path.map(str::to_string),
        duration_seconds: 0.1,
    };
    nba_runtime::events::pubsub_event("nba-phase1-scrapers-complete", "m1", &message, &Default::default())
}

#[tokio::test]
async fn failed_scraper_runs_trigger_nothing_and_successful_ones_load_their_object() {
    let dir = tempfile::tempdir().unwrap();
    let (_cloud, clients) = cloud(dir.path());
    let f = function(&clients);
    let inv = Invocation::new("raw_processor");

    let skipped = f.call(&inv, completion("failed", None)).await.unwrap();
    assert_eq!(skipped.status, RunStatus::Skipped);
    assert!(skipped.message.unwrap().contains("nothing to process"));

    // A successful run names its object: the processor loads it as a finalize event would.
    let schedule = nba_upstream::fixtures::bytes("nba-cdn/scheduleLeagueV2_preseason_2025-26.json");
    let key = "nba-com/cdn-schedule/2025-10-02/20251002_100000.json";
    let put = PutOptions {
        content_type: "application/json".into(),
        ..Default::default()
    };
    clients
        .objects
        .put("nba-scraped-data", key, Bytes::from(schedule), put)
        .await
        .unwrap();
    let path = format!("gs://nba-scraped-data/{key}");
    let loaded = f.call(&inv, completion("success", Some(&path))).await.unwrap();
    assert!(loaded.rows_written > 0, "{loaded:?}");
    // The same message again (at-least-once): already processed.
    let again = f.call(&inv, completion("success", Some(&path))).await.unwrap();
    assert_eq!(again.status, RunStatus::Skipped);

    // Success without an object is a bad request, not a silent no-op.
    assert!(f.call(&inv, completion("success", None)).await.is_err());
}

#[tokio::test]
async fn an_expired_batch_lock_is_taken_over_and_only_its_owner_releases_it() {
    let dir = tempfile::tempdir().unwrap();
    let (_cloud, clients) = cloud(dir.path());
    let locks = batch::BatchLocks::new(clients.state.clone(), &Config::default().names());
    let id = "odds_api_player_props_processor:2025-01-10";
    let ttl = Duration::from_millis(300);
    assert_eq!(locks.acquire(id, "a", ttl).await.unwrap(), Lock::Acquired);
    assert_eq!(
        locks.acquire(id, "b", ttl).await.unwrap(),
        Lock::Held { owner: "a".into() }
    );
    // "a" dies without releasing: once the TTL runs out, "b" takes over.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(locks.acquire(id, "b", ttl).await.unwrap(), Lock::Acquired);
    // "a" waking up and releasing must not free b's lock.
    locks.release(id, "a").await.unwrap();
    assert_eq!(
        locks.acquire(id, "c", ttl).await.unwrap(),
        Lock::Held { owner: "b".into() }
    );
    locks.release(id, "b").await.unwrap();
    assert_eq!(locks.acquire(id, "c", ttl).await.unwrap(), Lock::Acquired);
}
