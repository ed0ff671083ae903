//! The grading function on the embedded cloud: predictions and summaries in,
//! accuracy rows and per-system daily performance out; re-grading writes nothing.

mod common;

use chrono::{NaiveDate, Utc};

use common::{date, summary};
use nba_cloud::Clients;
use nba_cloud::embedded::{LocalCloud, LocalCloudOptions};
use nba_cloud::writer::{WriteContext, write_rows};
use nba_core::Config;
use nba_grading::{GradingFunction, GradingTrigger};
use nba_runtime::{CloudEventFunction, Invocation, RunStatus};
use nba_schemas::Table;
use nba_schemas::tables::grading::{PredictionAccuracy, SystemDailyPerformance};
use nba_schemas::tables::prediction_output::PlayerPropPrediction;
use serde_json::json;

fn cloud(dir: &std::path::Path) -> (LocalCloud, Clients) {
    let opts = LocalCloudOptions {
        in_memory_warehouse: true,
        ..Default::default()
    };
    let cloud = LocalCloud::open(dir, opts).unwrap();
    let clients = cloud.clients();
    (cloud, clients)
}

fn trigger(game_date: NaiveDate, id: &str) -> cloudevents::Event {
    let message = GradingTrigger {
        game_date,
        correlation_id: "c1".into(),
    };
    published(id, &message)
}

/// A Pub/Sub `messagePublished` CloudEvent on `nba-grading-trigger` carrying `body`.
fn published(id: &str, body: &impl serde::Serialize) -> cloudevents::Event {
    nba_runtime::events::pubsub_event("nba-grading-trigger", id, body, &Default::default())
}

fn prediction(
    d: NaiveDate,
    player: &str,
    system: &str,
    predicted: f64,
    rec: &str,
    line: Option<f64>,
    active: bool,
) -> PlayerPropPrediction {
    let id = format!(
        "0022400501:{player}:{system}:{}",
        line.map_or("none".to_string(), |l| l.to_string())
    );
    PlayerPropPrediction {
        prediction_id: id,
        system_id: system.into(),
        system_version: "v".into(),
        game_date: d,
        game_id: "0022400501".into(),
        player_lookup: player.into(),
        predicted_points: predicted,
        confidence: 0.7,
        recommendation: rec.into(),
        edge: line.map(|l| predicted - l),
        line,
        line_source: if line.is_some() { "actual" } else { "none" }.into(),
        line_bookmaker: None,
        factors: json!([]),
        feature_set_version: "v1".into(),
        feature_quality: Some(90.0),
        actionable: matches!(rec, "OVER" | "UNDER"),
        not_actionable_reason: None,
        batch_id: "b1".into(),
        created_at: Utc::now(),
        is_active: active,
        data_hash: String::new(),
        processed_at: Utc::now(),
    }
}

async fn rows<T: Table>(clients: &Clients) -> Vec<T> {
    clients
        .warehouse
        .scan(T::SCHEMA, None)
        .await
        .unwrap()
        .into_iter()
        .map(|r| T::from_row(r).unwrap())
        .collect()
}

#[tokio::test]
async fn grades_a_day_per_prediction_and_per_system_and_regrading_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (cloud, clients) = cloud(dir.path());
    let d = date(2025, 1, 10);
    let ctx = WriteContext::default();
    let w = clients.warehouse.as_ref();
    let summaries = vec![
        summary(d, "alice", Some(26), Some(22.5), false),
        summary(d, "bob", Some(20), Some(20.0), false),
        summary(d, "carol", None, Some(15.5), true),
        summary(d, "dave", Some(12), None, false),
        summary(d, "erin", Some(18), Some(20.5), false),
        // A different day: must not be joined.
        summary(date(2025, 1, 9), "frank", Some(40), Some(10.5), false),
    ];
    write_rows(w, &summaries, &ctx).await.unwrap();
    let predictions = vec![
        prediction(d, "alice", "moving_average", 25.0, "OVER", Some(22.5), true), // win
        prediction(d, "bob", "moving_average", 24.0, "OVER", Some(20.0), true),   // push
        prediction(d, "carol", "moving_average", 17.0, "UNDER", Some(15.5), true), // void (DNP)
        prediction(d, "dave", "moving_average", 14.0, "NO_LINE", None, true),     // no line
        prediction(d, "erin", "moving_average", 21.0, "PASS", Some(20.5), true),  // pass
        prediction(d, "alice", "zone_matchup", 20.0, "UNDER", Some(22.5), true),  // loss
        prediction(d, "erin", "zone_matchup", 16.0, "UNDER", Some(20.5), true),   // win
        // Superseded (inactive): never graded.
        prediction(d, "alice", "zone_matchup", 30.0, "OVER", Some(21.5), false),
        // No summary row yet: pending.
        prediction(d, "gina", "zone_matchup", 10.0, "UNDER", Some(12.5), true),
    ];
    write_rows(w, &predictions, &ctx).await.unwrap();

    let f = GradingFunction::new(clients.clone(), Config::default().names());
    let inv = Invocation::new("grading");
    let first = f.call(&inv, trigger(d, "m1")).await.unwrap();
    assert_eq!(first.status, RunStatus::Partial, "gina is pending: {first:?}");
    assert_eq!(first.rows_written, 7 + 2, "{first:?}");

    let accuracy = rows::<PredictionAccuracy>(&clients).await;
    assert_eq!(accuracy.len(), 7);
    let by = |player: &str, system: &str| {
        accuracy
            .iter()
            .find(|r| r.player_lookup == player && r.system_id == system)
            .unwrap_or_else(|| panic!("{player} {system}"))
    };
    let win = by("alice", "moving_average");
    assert_eq!((win.prediction_correct, win.outcome.as_str()), (Some(true), "WIN"));
    assert_eq!((win.absolute_error, win.signed_error), (Some(1.0), Some(-1.0)));
    assert_eq!((win.within_3, win.within_5), (Some(true), Some(true)));
    let push = by("bob", "moving_average");
    assert_eq!((push.prediction_correct, push.outcome.as_str()), (None, "PUSH"));
    let void = by("carol", "moving_average");
    assert!(void.is_void);
    assert_eq!(void.void_reason.as_deref(), Some("Coach's Decision"));
    assert_eq!((void.prediction_correct, void.absolute_error), (None, None));
    let no_line = by("dave", "moving_average");
    assert_eq!(
        (no_line.prediction_correct, no_line.outcome.as_str()),
        (None, "NOT_ACTIONABLE")
    );
    assert_eq!(no_line.absolute_error, Some(2.0));
    let pass = by("erin", "moving_average");
    assert_eq!((pass.prediction_correct, pass.is_actionable), (None, false));
    let loss = by("alice", "zone_matchup");
    assert_eq!((loss.prediction_correct, loss.outcome.as_str()), (Some(false), "LOSS"));
    assert_eq!(
        loss.line,
        Some(22.5),
        "the active prediction's line, not the superseded one"
    );
    assert_eq!(by("erin", "zone_matchup").prediction_correct, Some(true));

    let perf = rows::<SystemDailyPerformance>(&clients).await;
    assert_eq!(perf.len(), 2);
    let ma = perf.iter().find(|p| p.system_id == "moving_average").unwrap();
    assert_eq!((ma.predictions, ma.graded, ma.voids), (5, 4, 1));
    assert_eq!((ma.actionable, ma.wins, ma.losses, ma.pushes), (2, 1, 0, 1));
    assert_eq!(ma.hit_rate, Some(1.0));
    // errors: alice -1, bob +4, dave +2, erin +3 → MAE 2.5, bias 2.0
    assert_eq!((ma.mae, ma.bias), (Some(2.5), Some(2.0)));
    let zm = perf.iter().find(|p| p.system_id == "zone_matchup").unwrap();
    assert_eq!((zm.predictions, zm.wins, zm.losses), (2, 1, 1));
    assert_eq!(zm.hit_rate, Some(0.5));

    // Phase 6 is asked to re-export the graded date.
    let exports = cloud.pubsub().journal("nba-phase6-export-trigger").unwrap();
    assert_eq!(exports.len(), 1);
    let export: nba_core::messages::ExportTrigger = serde_json::from_slice(&exports[0].data_bytes()).unwrap();
    assert_eq!(
        (export.game_date, export.reason),
        (d, nba_core::messages::ExportReason::Graded)
    );

    // Re-grading the same day (a redelivery, a second trigger): nothing written.
    let again = f.call(&inv, trigger(d, "m2")).await.unwrap();
    assert_eq!(again.rows_written, 0, "{again:?}");
    assert_eq!(again.rows_unchanged, 9, "{again:?}");
    assert_eq!(rows::<PredictionAccuracy>(&clients).await.len(), 7);

    // A day without predictions is no data, not a failure.
    let empty = f.call(&inv, trigger(date(2025, 1, 11), "m3")).await.unwrap();
    assert_eq!(empty.status, RunStatus::NoData);
}

#[tokio::test]
async fn a_message_that_is_not_a_grading_trigger_is_a_bad_request() {
    let dir = tempfile::tempdir().unwrap();
    let (_cloud, clients) = cloud(dir.path());
    let f = GradingFunction::new(clients, Config::default().names());
    let event = published("x", &json!({"date": "2025-01-10"}));
    assert!(f.call(&Invocation::new("grading"), event).await.is_err());
}

#[test]
fn the_trigger_sample_validates_against_its_schema_and_decodes() {
    let root = nba_core::package_dir!().join("../../events/messages");
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(root.join(name)).unwrap()).unwrap()
    };
    let schema = read("nba-grading-trigger.schema.json");
    let sample = read("nba-grading-trigger.sample.json");
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&sample));
    let decoded: GradingTrigger = serde_json::from_value(sample).unwrap();
    assert_eq!(decoded.game_date, date(2025, 1, 10));
    assert!(!validator.is_valid(&json!({"game_date": "2025-01-10"})));
}
