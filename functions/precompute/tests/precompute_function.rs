//! The precompute function on the embedded cloud: two teams, 12 game dates, then
//! the trigger for the 13th.

mod common;

use chrono::{Duration, NaiveDate};
use common::*;
use nba_cloud::Clients;
use nba_cloud::embedded::{LocalCloud, LocalCloudOptions};
use nba_cloud::writer::{WriteContext, write_rows};
use nba_core::{Config, Topic};
use nba_precompute::PrecomputeFunction;
use nba_runtime::{CloudEventFunction, Invocation, RunStatus};
use nba_schemas::Table;
use nba_schemas::tables::precompute::{PlayerCompositeFactors, PlayerDailyCache, TeamDefenseZoneAnalysis};
use nba_schemas::tables::predictions::MlFeatureStore;
use serde_json::Value;

fn cloud(dir: &std::path::Path) -> (LocalCloud, Clients) {
    let opts = LocalCloudOptions {
        in_memory_warehouse: true,
        ..Default::default()
    };
    let cloud = LocalCloud::open(dir, opts).unwrap();
    let clients = cloud.clients();
    (cloud, clients)
}

const FIRST: fn() -> NaiveDate = || date(2025, 1, 1);
/// The game date the trigger is for: the day after 12 consecutive game days.
const TARGET: fn() -> NaiveDate = || date(2025, 1, 13);

/// AAA (alice) and BBB (bob) play each other every day Jan 1–12; alice scores
/// 10, 11, …, 21, bob 20 each night in 34 minutes; carl (AAA) sits out the last two.
async fn seed(clients: &Clients) {
    let wh = clients.warehouse.as_ref();
    let ctx = WriteContext::default();
    let mut players = Vec::new();
    let mut offense = Vec::new();
    let mut defense = Vec::new();
    for k in 0..12 {
        let day = FIRST() + Duration::days(k);
        players.push(player_game("alice", "AAA", "BBB", day, 10 + k, 30.0));
        players.push(player_game("bob", "BBB", "AAA", day, 20, 34.0));
        players.push(if k >= 10 {
            dnp("carl", "AAA", "BBB", day)
        } else {
            player_game("carl", "AAA", "BBB", day, 8, 20.0)
        });
        // AAA allows 42/88, 13/35 from three, 20/25 FT; BBB allows 40/90, 10/36, 15/20.
        let (o, d) = team_game("AAA", "BBB", day, 115, 110, 100.0, (42, 88, 13, 35, 20, 25));
        offense.push(o);
        defense.push(d);
        let (o, d) = team_game("BBB", "AAA", day, 110, 115, 96.0, (40, 90, 10, 36, 15, 20));
        offense.push(o);
        defense.push(d);
    }
    // A later, already-played game in the warehouse must not leak into D's numbers.
    players.push(player_game("alice", "AAA", "BBB", TARGET(), 60, 48.0));
    write_rows(wh, &players, &ctx).await.unwrap();
    write_rows(wh, &offense, &ctx).await.unwrap();
    write_rows(wh, &defense, &ctx).await.unwrap();

    let d = TARGET();
    let contexts = vec![
        player_context(
            d,
            PlayerContext {
                lookup: "alice",
                team: "AAA",
                opponent: "BBB",
                days_rest: Some(1),
                games_last_7: 7,
                minutes_last_7: 210.0,
                line: Some((17.5, 16.5)),
            },
        ),
        player_context(
            d,
            PlayerContext {
                lookup: "bob",
                team: "BBB",
                opponent: "AAA",
                days_rest: Some(1),
                games_last_7: 7,
                minutes_last_7: 238.0,
                line: None,
            },
        ),
        // A newcomer with no game this season: every scoring feature is defaulted.
        player_context(
            d,
            PlayerContext {
                lookup: "dave",
                team: "AAA",
                opponent: "BBB",
                days_rest: None,
                games_last_7: 0,
                minutes_last_7: 0.0,
                line: None,
            },
        ),
    ];
    write_rows(wh, &contexts, &ctx).await.unwrap();
    let teams = vec![
        team_context(d, "AAA", "BBB", Some(1), 12, 0),
        team_context(d, "BBB", "AAA", Some(1), 0, 12),
    ];
    write_rows(wh, &teams, &ctx).await.unwrap();
}

async fn rows<T: Table>(clients: &Clients) -> Vec<T> {
    let sql = format!("SELECT * FROM {} ORDER BY 1, 2", T::SCHEMA.qualified_name());
    let rows = clients.warehouse.query(&sql, vec![]).await.unwrap();
    rows.into_iter().map(|r| T::from_row(r).unwrap()).collect()
}

fn feature(row: &MlFeatureStore, name: &str) -> (f64, String) {
    let f = &row.features[name];
    (f["value"].as_f64().unwrap(), f["source"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn a_trigger_computes_every_table_point_in_time_and_a_duplicate_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (cloud, clients) = cloud(dir.path());
    seed(&clients).await;
    let names = Config::default().names();
    let f = PrecomputeFunction::new(clients.clone(), names.clone());
    let inv = Invocation::new("precompute");

    let first = f.call(&inv, trigger(TARGET(), "m1")).await.unwrap();
    assert_eq!(first.status, RunStatus::Success, "{first:?}");
    // 3 players × 4 player tables + 2 teams.
    assert_eq!(first.rows_written, 3 * 4 + 2, "{first:?}");

    let cache: Vec<PlayerDailyCache> = rows(&clients).await;
    let alice = cache.iter().find(|c| c.player_lookup == "alice").unwrap();
    // Last 10 before Jan 13: 12..=21 (the 60 on Jan 13 itself is not before D).
    let hand: f64 = (12..=21).map(|p| p as f64).sum::<f64>() / 10.0;
    assert_eq!(alice.points_avg_last_10, Some(hand));
    assert_eq!(alice.points_avg_last_5, Some(19.0));
    assert_eq!(alice.points_avg_season, Some(15.5));
    assert_eq!(alice.games_in_last_7_days, 7);
    assert_eq!(alice.team_pace_last_10, Some(100.0));
    let carl = cache.iter().find(|c| c.player_lookup == "carl");
    assert!(carl.is_none(), "carl has no upcoming context: no row");

    let composite: Vec<PlayerCompositeFactors> = rows(&clients).await;
    let alice_c = composite.iter().find(|c| c.player_lookup == "alice").unwrap();
    // Back-to-back −15, 7 games in 7 days −10, 210 minutes > 144 −5.
    assert_eq!(alice_c.fatigue_score, 70.0);
    assert!(alice_c.is_back_to_back);
    let dave_c = composite.iter().find(|c| c.player_lookup == "dave").unwrap();
    assert_eq!(dave_c.fatigue_score, 100.0);
    // Expected pace (100 + 96)/2 = 98 vs league mean 98 → 0.
    assert_eq!(alice_c.pace_score, Some(0.0));

    let zones: Vec<TeamDefenseZoneAnalysis> = rows(&clients).await;
    assert_eq!(zones.len(), 2);
    let bbb = zones.iter().find(|z| z.team_tricode == "BBB").unwrap();
    assert_eq!(bbb.games_in_window, 12);
    // 115 allowed per game on 96 possessions: 100 · 1380 / 1152.
    let bbb_rating = (100.0f64 * 115.0 / 96.0 * 10_000.0).round() / 10_000.0;
    assert_eq!(bbb.defensive_rating, Some(bbb_rating));

    let store: Vec<MlFeatureStore> = rows(&clients).await;
    let alice_f = store.iter().find(|r| r.player_lookup == "alice").unwrap();
    assert_eq!(alice_f.feature_set_version, "v1");
    assert_eq!(alice_f.feature_count, nba_features::CONTRACT.len() as i64);
    let feature_names: Vec<&str> = alice_f
        .feature_names
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(feature_names, nba_features::CONTRACT.names());
    let keys: Vec<&String> = alice_f.features.as_object().unwrap().keys().collect();
    assert_eq!(keys, feature_names, "features JSON keeps the contract order");
    assert_eq!(feature(alice_f, "points_avg_last_10"), (hand, "precompute".into()));
    assert_eq!(feature(alice_f, "points_line"), (17.5, "line".into()));
    assert_eq!(feature(alice_f, "line_movement"), (1.0, "line".into()));
    assert_eq!(feature(alice_f, "back_to_back"), (1.0, "analytics".into()));
    assert_eq!(feature(alice_f, "fatigue_score"), (70.0, "precompute".into()));
    assert_eq!(
        feature(alice_f, "opponent_def_rating"),
        (bbb_rating, "precompute".into())
    );
    assert_eq!(feature(alice_f, "team_win_pct"), (1.0, "analytics".into()));
    assert_eq!(feature(alice_f, "games_vs_opponent"), (12.0, "computed".into()));
    assert_eq!(feature(alice_f, "pct_paint"), (0.40, "default".into()));
    // Only paint and mid-range (no play-by-play) are defaulted for alice.
    assert_eq!(alice_f.default_feature_count, 2, "{}", alice_f.defaulted_features);
    assert!(alice_f.is_quality_ready);
    assert!(alice_f.has_line);
    let values = alice_f.feature_values.as_array().unwrap();
    assert_eq!(values[1].as_f64(), Some(hand));

    let bob_f = store.iter().find(|r| r.player_lookup == "bob").unwrap();
    assert!(bob_f.is_quality_ready);
    assert!(!bob_f.has_line);
    assert_eq!(feature(bob_f, "has_line"), (0.0, "computed".into()));
    // paint, mid-range, line, opening line, line movement, and the season z-score
    // (20 every night: no spread to divide by).
    assert_eq!(bob_f.default_feature_count, 6, "{}", bob_f.defaulted_features);

    let dave_f = store.iter().find(|r| r.player_lookup == "dave").unwrap();
    assert!(!dave_f.is_quality_ready, "critical scoring features are defaulted");
    assert_eq!(feature(dave_f, "points_avg_last_10"), (10.0, "default".into()));
    assert!(dave_f.default_feature_count > 10, "{}", dave_f.defaulted_features);
    assert!(dave_f.quality_score < alice_f.quality_score);

    // One completion per table, each valid against its contract.
    let topic = names.topic(Topic::Phase4PrecomputeComplete);
    let journal = cloud.pubsub().journal(&topic).unwrap();
    assert_eq!(journal.len(), 5);
    let schema = contract("messages/nba-phase4-precompute-complete.schema.json");
    let validator = jsonschema::validator_for(&schema).unwrap();
    for entry in &journal {
        let body: Value = serde_json::from_slice(&entry.data_bytes()).unwrap();
        assert!(validator.is_valid(&body), "{body}");
        assert_eq!(entry.attributes["correlation_id"], "corr-1");
        assert_eq!(
            entry.attributes["processor_name"],
            body["processor_name"].as_str().unwrap()
        );
    }
    let processors: Vec<String> = journal.iter().map(|e| e.attributes["processor_name"].clone()).collect();
    assert_eq!(processors, nba_precompute::PROCESSORS);

    // The same trigger again (at-least-once delivery): nothing changes.
    let again = f.call(&inv, trigger(TARGET(), "m1")).await.unwrap();
    assert_eq!(again.status, RunStatus::Success);
    assert_eq!(again.rows_written, 0, "{again:?}");
    assert_eq!(again.rows_unchanged, 3 * 4 + 2);
    assert_eq!(rows::<MlFeatureStore>(&clients).await.len(), 3);
}

#[tokio::test]
async fn a_date_without_upcoming_players_is_no_data_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (cloud, clients) = cloud(dir.path());
    seed(&clients).await;
    let names = Config::default().names();
    let f = PrecomputeFunction::new(clients.clone(), names.clone());
    let out = f
        .call(&Invocation::new("precompute"), trigger(date(2025, 2, 1), "m2"))
        .await
        .unwrap();
    assert_eq!(out.status, RunStatus::NoData);
    assert!(out.message.unwrap().contains("no upcoming players for 2025-02-01"));
    let journal = cloud
        .pubsub()
        .journal(&names.topic(Topic::Phase4PrecomputeComplete))
        .unwrap();
    assert_eq!(journal.len(), 5);
    assert!(journal.iter().all(|e| e.attributes["status"] == "no_data"));
}

#[tokio::test]
async fn a_malformed_trigger_is_a_bad_request_and_other_events_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let (_cloud, clients) = cloud(dir.path());
    let f = PrecomputeFunction::new(clients, Config::default().names());
    let inv = Invocation::new("precompute");
    use cloudevents::{EventBuilder, EventBuilderV10};
    let bad = EventBuilderV10::new()
        .id("x")
        .source("//pubsub")
        .ty("google.cloud.pubsub.topic.v1.messagePublished")
        .data(
            "application/json",
            serde_json::json!({"message": {"data": "e30=", "messageId": "x"}}),
        )
        .build()
        .unwrap();
    assert!(matches!(
        f.call(&inv, bad).await,
        Err(nba_runtime::FunctionError::BadRequest(_))
    ));
    let other = EventBuilderV10::new()
        .id("y")
        .source("//storage")
        .ty("google.cloud.storage.object.v1.finalized")
        .build()
        .unwrap();
    assert_eq!(f.call(&inv, other).await.unwrap().status, RunStatus::Skipped);
}

#[test]
fn the_message_samples_validate_against_their_schemas() {
    for name in ["nba-phase4-trigger", "nba-phase4-precompute-complete"] {
        let schema = contract(&format!("messages/{name}.schema.json"));
        let sample = contract(&format!("messages/{name}.sample.json"));
        let validator = jsonschema::validator_for(&schema).unwrap();
        assert!(validator.is_valid(&sample), "{name}");
    }
    // The trigger body the transitions publish reads as the sample.
    let sample = contract("messages/nba-phase4-trigger.sample.json");
    let _: nba_core::messages::Phase4Trigger = serde_json::from_value(sample).unwrap();
}

fn contract(path: &str) -> Value {
    let p = nba_core::package_dir!().join("../../events").join(path);
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

/// A date's runs are serialised: while another run holds the date's lock, a run waits, and
/// it reads and writes once the lock is free (a run that read older inputs can never write
/// after one that read newer ones). A holder that died frees the date after its lease.
#[tokio::test]
async fn a_run_waits_for_the_dates_other_run_and_takes_over_a_dead_ones_lock() {
    use nba_cloud::lock::{self, Lock};
    use nba_precompute::function::LOCK_COLLECTION;
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let (_cloud, clients) = cloud(dir.path());
    seed(&clients).await;
    let names = Config::default().names();
    let ttl = Duration::from_millis(600);
    let f = PrecomputeFunction::with_lock_ttl(clients.clone(), names.clone(), ttl);
    let state = clients.state.as_ref();
    let locks = names.collection(LOCK_COLLECTION);
    let id = TARGET().to_string();

    // A live run holds the date; it finishes 400 ms later.
    assert_eq!(
        lock::acquire(state, &locks, &id, "other-run", ttl).await.unwrap(),
        Lock::Acquired
    );
    let release = {
        let (state, locks, id) = (clients.state.clone(), locks.clone(), id.clone());
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(400)).await;
            lock::release(state.as_ref(), &locks, &id, "other-run").await.unwrap();
        })
    };
    let started = Instant::now();
    let out = f
        .call(&Invocation::new("precompute"), trigger(TARGET(), "w1"))
        .await
        .unwrap();
    assert_eq!(out.status, RunStatus::Success, "{out:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(350),
        "it waited for the other run"
    );
    release.await.unwrap();
    assert_eq!(
        lock::acquire(state, &locks, &id, "probe", ttl).await.unwrap(),
        Lock::Acquired,
        "the run released the date"
    );
    lock::release(state, &locks, &id, "probe").await.unwrap();

    // A dead run's lock (never renewed, never released) is taken over after its lease.
    assert_eq!(
        lock::acquire(state, &locks, &id, "dead-run", ttl).await.unwrap(),
        Lock::Acquired
    );
    let started = Instant::now();
    let out = f
        .call(&Invocation::new("precompute"), trigger(TARGET(), "w2"))
        .await
        .unwrap();
    assert_eq!(out.status, RunStatus::Success, "{out:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "it waited out the lease"
    );
}
