//! The transitions function on the embedded cloud: redeliveries, timeouts on ticks, the
//! quality gate, and exactly one trigger under concurrent completions.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};

use async_trait::async_trait;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use nba_cloud::embedded::{LocalCloud, LocalCloudOptions};
use nba_cloud::{Clients, OutgoingMessage, PubSubError, Publisher, Warehouse};
use nba_core::messages::{Phase4Trigger, Phase5Trigger, PhaseComplete, RunMode};
use nba_core::{Config, Dataset, Topic};
use nba_runtime::{CloudEventFunction, FunctionError, Invocation, RunStatus};
use nba_schemas::{Column, ColumnType, TableSchema, WriteStrategy};
use nba_transitions::tracking::{self, TrackingKey, Transition};
use nba_transitions::{DecisionKind, TRANSITIONS_FUNCTION, TransitionTick, TransitionsFunction};
use serde_json::{Value, json};

const POST_GAME: [&str; 3] = [
    "team_offense_game_summary",
    "team_defense_game_summary",
    "player_game_summary",
];
const PHASE4: [&str; 5] = [
    "player_daily_cache",
    "player_shot_zone_analysis",
    "team_defense_zone_analysis",
    "player_composite_factors",
    "ml_feature_store",
];

struct Env {
    _dir: tempfile::TempDir,
    cloud: LocalCloud,
    clients: Clients,
    /// The function's clock, in seconds since the epoch.
    now: Arc<AtomicI64>,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let opts = LocalCloudOptions {
            in_memory_warehouse: true,
            ..Default::default()
        };
        let cloud = LocalCloud::open(dir.path(), opts).unwrap();
        let clients = cloud.clients();
        let now = Arc::new(AtomicI64::new(t0().timestamp()));
        Env {
            _dir: dir,
            cloud,
            clients,
            now,
        }
    }

    fn function(&self) -> TransitionsFunction {
        self.function_with(self.clients.clone())
    }

    fn function_with(&self, clients: Clients) -> TransitionsFunction {
        let now = self.now.clone();
        let clock = Arc::new(move || DateTime::from_timestamp(now.load(Ordering::SeqCst), 0).unwrap());
        TransitionsFunction::with_clock(clients, Config::default().names(), clock)
    }

    fn set_now(&self, t: DateTime<Utc>) {
        self.now.store(t.timestamp(), Ordering::SeqCst);
    }

    fn journal<T: serde::de::DeserializeOwned>(&self, topic: Topic) -> Vec<(BTreeMap<String, String>, T)> {
        self.cloud
            .pubsub()
            .journal(topic.id())
            .unwrap()
            .into_iter()
            .map(|e| (e.attributes, serde_json::from_value(e.json.unwrap()).unwrap()))
            .collect()
    }

    fn phase4_triggers(&self) -> Vec<Phase4Trigger> {
        self.journal(Topic::Phase4Trigger).into_iter().map(|(_, t)| t).collect()
    }

    fn phase5_triggers(&self) -> Vec<Phase5Trigger> {
        self.journal(Topic::Phase5Trigger).into_iter().map(|(_, t)| t).collect()
    }

    /// (decision, count) of a date's decision rows.
    async fn decisions(&self, date: NaiveDate) -> BTreeMap<String, i64> {
        let sql = "SELECT decision, count(*) AS n FROM nba_orchestration.phase_transition_decisions \
                   WHERE game_date = CAST(? AS DATE) GROUP BY decision";
        let rows = match self.clients.warehouse.query(sql, vec![json!(date.to_string())]).await {
            Ok(rows) => rows,
            Err(e) if e.to_string().contains("does not exist") => return BTreeMap::new(),
            Err(e) => panic!("{e}"),
        };
        rows.into_iter()
            .map(|r| (r["decision"].as_str().unwrap().to_string(), r["n"].as_i64().unwrap()))
            .collect()
    }
}

impl Env {
    async fn decision_reasons(&self, date: NaiveDate) -> Vec<String> {
        let sql = "SELECT transition || ' ' || mode || ' ' || decision || ': ' || reason AS r \
                   FROM nba_orchestration.phase_transition_decisions WHERE game_date = CAST(? AS DATE) ORDER BY decided_at";
        let rows = self
            .clients
            .warehouse
            .query(sql, vec![json!(date.to_string())])
            .await
            .unwrap();
        rows.into_iter().map(|r| r["r"].as_str().unwrap().to_string()).collect()
    }

    async fn distinct_triggers(&self, date: NaiveDate) -> i64 {
        let sql = "SELECT count(DISTINCT trigger_id) AS n FROM nba_orchestration.phase_transition_decisions \
                   WHERE game_date = CAST(? AS DATE)";
        let rows = self
            .clients
            .warehouse
            .query(sql, vec![json!(date.to_string())])
            .await
            .unwrap();
        rows[0]["n"].as_i64().unwrap()
    }
}

fn t0() -> DateTime<Utc> {
    "2025-01-11T05:00:00Z".parse().unwrap()
}

fn date(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, d).unwrap()
}

fn pubsub_event(topic: Topic, message_id: &str, body: &impl serde::Serialize, attrs: Value) -> cloudevents::Event {
    let attrs = serde_json::from_value(attrs).expect("string attributes");
    nba_runtime::events::pubsub_event(topic.id(), message_id, body, &attrs)
}

fn completion(phase: u8, processor: &str, game_date: NaiveDate, message_id: &str) -> cloudevents::Event {
    completion_writing(phase, processor, game_date, message_id, 10)
}

/// A completion whose run wrote `rows_written` rows (0: a rerun that changed nothing).
fn completion_writing(
    phase: u8,
    processor: &str,
    game_date: NaiveDate,
    message_id: &str,
    rows_written: u64,
) -> cloudevents::Event {
    let body = PhaseComplete {
        processor_name: processor.into(),
        phase,
        table: format!("nba_analytics.{processor}"),
        game_date,
        execution_id: format!("exec-{message_id}"),
        correlation_id: format!("corr-{game_date}"),
        status: "success".into(),
        rows_written,
        rows_unchanged: 0,
    };
    let topic = match phase {
        3 => Topic::Phase3AnalyticsComplete,
        _ => Topic::Phase4PrecomputeComplete,
    };
    pubsub_event(topic, message_id, &body, json!({"correlation_id": body.correlation_id}))
}

fn inv() -> Invocation {
    Invocation::new(TRANSITIONS_FUNCTION)
}

/// Schedule rows: one game on each date.
async fn seed_schedule(warehouse: &dyn Warehouse, dates: &[NaiveDate]) {
    let schema = <nba_schemas::tables::raw::NbacSchedule as nba_schemas::Table>::SCHEMA;
    warehouse.ensure_table(schema).await.unwrap();
    let rows = dates
        .iter()
        .enumerate()
        .map(|(i, d)| {
            json!({
                "game_id": format!("00224{i:05}"), "game_date": d.to_string(),
                "game_code": format!("{}_LAL_BOS", d.format("%Y%m%d")), "season": "2024-25",
                "season_type": "Regular Season", "game_status": 1, "game_status_text": "7:30 pm ET",
                "tip_time_utc": format!("{d}T23:30:00Z"), "home_team_id": 1610612738_i64,
                "home_team_tricode": "BOS", "away_team_id": 1610612747_i64, "away_team_tricode": "LAL",
                "home_score": null, "away_score": null, "arena_name": "TD Garden", "arena_city": null,
                "is_neutral": false, "postponed_status": null, "game_label": null, "game_sub_label": null,
                "source_file": "gs://raw/x.json", "data_hash": format!("h{i}"),
                "processed_at": "2025-01-10T03:00:00Z",
            })
            .as_object()
            .unwrap()
            .clone()
        })
        .collect();
    warehouse.merge(schema, rows).await.unwrap();
}

const fn column(name: &'static str, ty: ColumnType) -> Column {
    Column {
        name,
        ty,
        nullable: false,
        description: "",
        checks: &[],
    }
}

/// Just the columns the quality gate reads (the real declarations belong to phases 3 and 4).
static PLAYERS: TableSchema = TableSchema {
    dataset: Dataset::Analytics,
    name: "upcoming_player_game_context",
    description: "",
    columns: &[
        column("game_date", ColumnType::Date),
        column("player_lookup", ColumnType::String),
        Column {
            nullable: true,
            ..column("current_line", ColumnType::Float64)
        },
    ],
    partition_by: Some("game_date"),
    cluster_by: &[],
    keys: &["game_date", "player_lookup"],
    strategy: WriteStrategy::MergeOnKeys,
    require_partition_filter: false,
};
static FEATURES: TableSchema = TableSchema {
    dataset: Dataset::Predictions,
    name: "ml_feature_store",
    description: "",
    columns: &[
        column("game_date", ColumnType::Date),
        column("player_lookup", ColumnType::String),
        column("is_quality_ready", ColumnType::Bool),
    ],
    partition_by: Some("game_date"),
    cluster_by: &[],
    keys: &["game_date", "player_lookup"],
    strategy: WriteStrategy::MergeOnKeys,
    require_partition_filter: false,
};

/// `players` players in the date's context, the first `lined` of them with a points line.
async fn seed_context(warehouse: &dyn Warehouse, d: NaiveDate, players: usize, lined: usize) {
    warehouse.ensure_table(&PLAYERS).await.unwrap();
    let people = (0..players)
        .map(|i| {
            let line = (i < lined).then_some(18.5);
            let v = json!({"game_date": d.to_string(), "player_lookup": format!("player{i}"), "current_line": line});
            v.as_object().unwrap().clone()
        })
        .collect();
    warehouse.merge(&PLAYERS, people).await.unwrap();
}

/// `players` players on the date (all with lines), the first `ready` of them quality-ready.
async fn seed_features(warehouse: &dyn Warehouse, d: NaiveDate, players: usize, ready: usize) {
    seed_context(warehouse, d, players, players).await;
    warehouse.ensure_table(&FEATURES).await.unwrap();
    let row = |v: Value| v.as_object().unwrap().clone();
    let features = (0..players)
        .map(|i| {
            row(json!({"game_date": d.to_string(), "player_lookup": format!("player{i}"), "is_quality_ready": i < ready}))
        })
        .collect();
    warehouse.merge(&FEATURES, features).await.unwrap();
}

#[tokio::test]
async fn a_redelivered_completion_changes_nothing() {
    let env = Env::new();
    let f = env.function();
    let d = date(10);
    let first = f
        .call(&inv(), completion(3, "player_game_summary", d, "m1"))
        .await
        .unwrap();
    assert_eq!(first.status, RunStatus::Success);
    assert_eq!(first.rows_written, 1);
    let key = TrackingKey {
        transition: Transition::Phase3To4,
        game_date: d,
        mode: RunMode::Overnight,
    };
    let collection = Config::default().names().collection(tracking::COLLECTION);
    let before = env
        .clients
        .state
        .get(&collection, &key.document_id())
        .await
        .unwrap()
        .unwrap();

    env.set_now(t0() + TimeDelta::minutes(1));
    let again = f
        .call(&inv(), completion(3, "player_game_summary", d, "m1"))
        .await
        .unwrap();
    assert!(again.message.unwrap().starts_with("redelivered message"));
    assert_eq!(again.rows_written, 0, "no second decision row");
    let after = env
        .clients
        .state
        .get(&collection, &key.document_id())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(before, after, "the tracking document is untouched");
    assert_eq!(env.decisions(d).await, BTreeMap::from([("waiting".to_string(), 1)]));
    let record = &after.data["processors"]["player_game_summary"];
    assert_eq!(record["deliveries"], 1);
}

#[tokio::test]
async fn unknown_processors_and_other_events_are_skipped() {
    let env = Env::new();
    let f = env.function();
    let out = f
        .call(&inv(), completion(3, "some_new_summary", date(10), "m1"))
        .await
        .unwrap();
    assert_eq!(out.status, RunStatus::Skipped);
    // A phase-4 processor name on phase 3 is not awaited there either.
    let out = f
        .call(&inv(), completion(3, "ml_feature_store", date(10), "m2"))
        .await
        .unwrap();
    assert_eq!(out.status, RunStatus::Skipped);
    let bad = pubsub_event(Topic::Phase3AnalyticsComplete, "m3", &json!({"hello": 1}), json!({}));
    assert!(matches!(f.call(&inv(), bad).await, Err(FunctionError::BadRequest(_))));
}

/// 20 concurrent deliveries (every processor of the transition, reruns and
/// redeliveries among them) on one instance: exactly one trigger per date.
async fn deliver_concurrently(f: &Arc<TransitionsFunction>, events: Vec<cloudevents::Event>) {
    let handles: Vec<_> = events
        .into_iter()
        .map(|event| {
            let f = f.clone();
            tokio::spawn(async move { f.call(&inv(), event).await })
        })
        .collect();
    for result in futures::future::join_all(handles).await {
        let outcome = result.unwrap().unwrap();
        assert_eq!(outcome.status, RunStatus::Success, "{outcome:?}");
    }
}

/// Twenty completions of `processors`, every fourth a redelivery. Their runs changed nothing
/// (a run that wrote rows after the trigger fires an overnight phase 4 again: tested apart).
fn twenty(phase: u8, processors: &[&str], d: NaiveDate) -> Vec<cloudevents::Event> {
    (0..20)
        .map(|i| {
            // Every fourth delivery repeats the previous message (a redelivery).
            let id = if i % 4 == 3 { i - 1 } else { i };
            let processor = processors[id % processors.len()];
            completion_writing(phase, processor, d, &format!("{d}-p{phase}-{id}"), 0)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn phase3_to_4_fires_exactly_once_under_twenty_concurrent_completions() {
    let env = Env::new();
    // Games on the 10th, 12th, 13th, 16th: overnight after the 10th is for the 12th.
    seed_schedule(
        env.clients.warehouse.as_ref(),
        &[date(10), date(12), date(13), date(16)],
    )
    .await;
    let f = Arc::new(env.function());
    let dates = [date(10), date(12), date(13)];
    for d in dates {
        deliver_concurrently(&f, twenty(3, &POST_GAME, d)).await;
    }
    let triggers = env.phase4_triggers();
    assert_eq!(triggers.len(), dates.len(), "{triggers:?}");
    for (d, next) in [(date(10), date(12)), (date(12), date(13)), (date(13), date(16))] {
        let fired: Vec<_> = triggers
            .iter()
            .filter(|t| t.correlation_id == format!("corr-{d}"))
            .collect();
        assert_eq!(fired.len(), 1, "{d}: {triggers:?}");
        assert_eq!(fired[0].game_date, next);
        assert_eq!(fired[0].mode, RunMode::Overnight);
        assert_eq!(fired[0].completed.len(), 3);
        let decisions = env.decisions(d).await;
        assert_eq!(decisions.get("triggered"), Some(&1), "{d}: {decisions:?}");
        // Rows for the 15 distinct messages; a redelivery adds one only if it decided otherwise.
        assert_eq!(env.distinct_triggers(d).await, 15, "{d}");
        assert!(decisions.values().sum::<i64>() < 20, "{d}: {decisions:?}");
    }
    // The same-day run of the 13th is its own transition: both of its processors fire it once.
    let same_day = ["upcoming_player_game_context", "upcoming_team_game_context"];
    seed_context(env.clients.warehouse.as_ref(), date(13), 10, 10).await;
    deliver_concurrently(&f, twenty(3, &same_day, date(13))).await;
    let same: Vec<_> = env
        .phase4_triggers()
        .into_iter()
        .filter(|t| t.mode == RunMode::SameDay)
        .collect();
    assert_eq!(same.len(), 1);
    assert_eq!(same[0].game_date, date(13));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn phase4_to_5_fires_exactly_once_under_twenty_concurrent_completions() {
    let env = Env::new();
    let f = Arc::new(env.function());
    let dates = [date(10), date(11), date(12)];
    for d in dates {
        seed_features(env.clients.warehouse.as_ref(), d, 10, 9).await;
        deliver_concurrently(&f, twenty(4, &PHASE4, d)).await;
    }
    let triggers = env.phase5_triggers();
    assert_eq!(triggers.len(), dates.len(), "{triggers:?}");
    for d in dates {
        let fired: Vec<_> = triggers.iter().filter(|t| t.game_date == d).collect();
        assert_eq!(fired.len(), 1, "{d}");
        assert!((fired[0].quality_ready_share - 0.9).abs() < 1e-9);
        assert_eq!(env.decisions(d).await.get("triggered"), Some(&1));
    }
    for (_, message) in env.journal::<Value>(Topic::Phase5Trigger) {
        assert_eq!(contract_errors(&message), Vec::<String>::new());
    }
    let (attrs, _) = &env.journal::<Phase5Trigger>(Topic::Phase5Trigger)[0];
    assert_eq!(attrs["run_mode"], "same_day");
    assert_eq!(attrs["correlation_id"], "corr-2025-01-10");
}

#[tokio::test]
async fn the_timeout_tier_fires_on_a_tick_and_only_once() {
    let env = Env::new();
    let f = env.function();
    let d = date(10);
    f.call(&inv(), completion(3, "player_game_summary", d, "a"))
        .await
        .unwrap();
    f.call(&inv(), completion(3, "team_offense_game_summary", d, "b"))
        .await
        .unwrap();
    assert!(env.phase4_triggers().is_empty());

    let early = f.evaluate(d, t0() + TimeDelta::minutes(10)).await.unwrap();
    assert_eq!(early.len(), 1);
    assert_eq!(early[0].kind, DecisionKind::Waiting);
    assert_eq!(early[0].missing, ["team_defense_game_summary"]);

    // The tick as a Pub/Sub message (any subscription of the function takes it).
    let tick = TransitionTick {
        game_date: d,
        now: t0() + TimeDelta::minutes(31),
    };
    let out = f
        .call(
            &inv(),
            pubsub_event(Topic::Phase3AnalyticsComplete, "tick-1", &tick, json!({})),
        )
        .await
        .unwrap();
    assert!(out.message.as_deref().unwrap().contains("triggered"), "{out:?}");
    let triggers = env.phase4_triggers();
    assert_eq!(triggers.len(), 1);
    assert!(triggers[0].reason.starts_with("timeout_partial"), "{triggers:?}");
    // No schedule loaded: the next game date falls back to D+1.
    assert_eq!(triggers[0].game_date, date(11));

    let later = f.evaluate(d, t0() + TimeDelta::minutes(40)).await.unwrap();
    assert_eq!(later[0].kind, DecisionKind::AlreadyTriggered);
    // The late processor's run changed nothing: no second trigger.
    f.call(&inv(), completion_writing(3, "team_defense_game_summary", d, "c", 0))
        .await
        .unwrap();
    assert_eq!(env.phase4_triggers().len(), 1);
    let decisions = env.decisions(d).await;
    assert_eq!(decisions.get("triggered"), Some(&1), "{decisions:?}");
    assert_eq!(decisions.get("already_triggered"), Some(&2), "{decisions:?}");
    // The same tick again writes no second row.
    f.evaluate(d, t0() + TimeDelta::minutes(40)).await.unwrap();
    assert_eq!(env.decisions(d).await, decisions);
}

/// Regression (found by `nba chaos`): a night's summaries are rewritten as better sources
/// land, and a rewrite that lands after the overnight trigger left the next day's caches
/// computed from the version it replaced. A completion that wrote rows after the trigger
/// fires phase 4 again, once per change (a redelivery of it changes nothing); a run that
/// wrote nothing does not; the same-day run does not re-fire.
#[tokio::test]
async fn a_rewrite_after_the_overnight_trigger_fires_phase4_again() {
    let env = Env::new();
    seed_schedule(env.clients.warehouse.as_ref(), &[date(10), date(12)]).await;
    let f = env.function();
    let d = date(10);
    for (i, p) in POST_GAME.iter().enumerate() {
        f.call(&inv(), completion(3, p, d, &format!("first-{i}")))
            .await
            .unwrap();
    }
    assert_eq!(env.phase4_triggers().len(), 1);

    let unchanged = completion_writing(3, "team_defense_game_summary", d, "rerun", 0);
    f.call(&inv(), unchanged).await.unwrap();
    assert_eq!(
        env.phase4_triggers().len(),
        1,
        "a run that wrote nothing re-fires nothing"
    );

    let rewrite = completion_writing(3, "team_defense_game_summary", d, "rewrite", 20);
    f.call(&inv(), rewrite.clone()).await.unwrap();
    f.call(&inv(), rewrite).await.unwrap();
    let triggers = env.phase4_triggers();
    assert_eq!(triggers.len(), 2, "{triggers:?}");
    assert_eq!(triggers[1].game_date, date(12));
    assert_eq!(triggers[1].mode, RunMode::Overnight);
    assert!(
        triggers[1]
            .reason
            .contains("inputs changed after the trigger: team_defense_game_summary wrote 20 row(s)"),
        "{triggers:?}"
    );
    let key = TrackingKey {
        transition: Transition::Phase3To4,
        game_date: d,
        mode: RunMode::Overnight,
    };
    let state = env.clients.state.as_ref();
    let collection = Config::default().names().collection(tracking::COLLECTION);
    let doc = tracking::load(state, &collection, &key).await.unwrap().unwrap();
    assert_eq!(doc.refires, 1);
    assert!(doc.changed_after_trigger.is_none());

    // Same day: a context rewrite after tonight's trigger fires nothing more.
    seed_context(env.clients.warehouse.as_ref(), date(12), 10, 10).await;
    for (i, p) in ["upcoming_player_game_context", "upcoming_team_game_context"]
        .iter()
        .enumerate()
    {
        f.call(&inv(), completion(3, p, date(12), &format!("ctx-{i}")))
            .await
            .unwrap();
    }
    let same_day = |env: &Env| {
        env.phase4_triggers()
            .into_iter()
            .filter(|t| t.mode == RunMode::SameDay)
            .count()
    };
    assert_eq!(same_day(&env), 1);
    f.call(
        &inv(),
        completion_writing(3, "upcoming_player_game_context", date(12), "ctx-late", 30),
    )
    .await
    .unwrap();
    assert_eq!(same_day(&env), 1);
}

/// Many rewrites at once after the trigger: every change is fired (none is left pending),
/// and every re-fire claimed is published.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_rewrites_after_the_trigger_leaves_no_change_unfired() {
    let env = Env::new();
    seed_schedule(env.clients.warehouse.as_ref(), &[date(10), date(12)]).await;
    let f = Arc::new(env.function());
    let d = date(10);
    for (i, p) in POST_GAME.iter().enumerate() {
        f.call(&inv(), completion(3, p, d, &format!("first-{i}")))
            .await
            .unwrap();
    }
    let burst: Vec<_> = (0..20)
        .map(|i| completion_writing(3, POST_GAME[i % 3], d, &format!("burst-{i}"), 5))
        .collect();
    deliver_concurrently(&f, burst).await;
    let key = TrackingKey {
        transition: Transition::Phase3To4,
        game_date: d,
        mode: RunMode::Overnight,
    };
    let collection = Config::default().names().collection(tracking::COLLECTION);
    let doc = tracking::load(env.clients.state.as_ref(), &collection, &key)
        .await
        .unwrap()
        .unwrap();
    assert!(doc.changed_after_trigger.is_none(), "{doc:?}");
    assert!(doc.triggered.as_ref().is_some_and(|t| t.published), "{doc:?}");
    let triggers = env.phase4_triggers();
    assert_eq!(triggers.len() as u32, 1 + doc.refires, "{triggers:?}");
    assert!(doc.refires >= 1 && doc.refires <= 20, "{doc:?}");
}

#[tokio::test]
async fn the_quality_gate_blocks_until_enough_players_are_ready() {
    let env = Env::new();
    let f = env.function();
    let d = date(10);
    for (i, p) in PHASE4.iter().enumerate() {
        f.call(&inv(), completion(4, p, d, &format!("q{i}"))).await.unwrap();
    }
    let blocked = f.evaluate(d, t0()).await.unwrap();
    assert_eq!(blocked[0].kind, DecisionKind::Blocked);
    assert!(blocked[0].reason.contains("does not exist"), "{blocked:?}");

    seed_features(env.clients.warehouse.as_ref(), d, 10, 7).await;
    let low = f.evaluate(d, t0() + TimeDelta::minutes(5)).await.unwrap();
    assert_eq!(low[0].kind, DecisionKind::Blocked);
    assert!(low[0].reason.contains("7 of 10"), "{low:?}");
    assert_eq!(low[0].quality_ready_share, Some(0.7));
    assert!(env.phase5_triggers().is_empty());

    seed_features(env.clients.warehouse.as_ref(), d, 10, 8).await;
    let ok = f.evaluate(d, t0() + TimeDelta::minutes(10)).await.unwrap();
    assert_eq!(ok[0].kind, DecisionKind::Triggered, "{ok:?}");
    let triggers = env.phase5_triggers();
    assert_eq!(triggers.len(), 1);
    assert_eq!(triggers[0].completed.len(), 5);
    assert!((triggers[0].quality_ready_share - 0.8).abs() < 1e-9);
}

#[tokio::test]
async fn overnight_phase4_runs_are_tracked_apart_by_the_run_mode_attribute() {
    let env = Env::new();
    let f = env.function();
    let d = date(12);
    seed_features(env.clients.warehouse.as_ref(), d, 4, 4).await;
    let body = |p: &str| PhaseComplete {
        processor_name: p.into(),
        phase: 4,
        table: format!("nba_precompute.{p}"),
        game_date: d,
        execution_id: "e".into(),
        correlation_id: "c".into(),
        status: "success".into(),
        rows_written: 1,
        rows_unchanged: 0,
    };
    for (i, p) in PHASE4.iter().enumerate() {
        let event = pubsub_event(
            Topic::Phase4PrecomputeComplete,
            &format!("o{i}"),
            &body(p),
            json!({"run_mode": "overnight"}),
        );
        f.call(&inv(), event).await.unwrap();
    }
    // The last same-day one alone does not fire the same-day run.
    f.call(&inv(), completion(4, "ml_feature_store", d, "s1"))
        .await
        .unwrap();
    let journal = env.journal::<Phase5Trigger>(Topic::Phase5Trigger);
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].0["run_mode"], "overnight");
}

/// Fails its first `fail` publishes, then publishes through.
struct FlakyPublisher {
    inner: Arc<dyn Publisher>,
    fail: AtomicUsize,
}

#[async_trait]
impl Publisher for FlakyPublisher {
    async fn publish(&self, topic: &str, message: OutgoingMessage) -> Result<String, PubSubError> {
        if self.fail.load(Ordering::SeqCst) > 0 {
            self.fail.fetch_sub(1, Ordering::SeqCst);
            return Err(PubSubError::Publish {
                topic: topic.into(),
                reason: "unavailable".into(),
            });
        }
        self.inner.publish(topic, message).await
    }
}

#[tokio::test]
async fn a_failed_publish_gives_the_claim_back_and_the_redelivery_fires() {
    let env = Env::new();
    let mut clients = env.clients.clone();
    clients.publisher = Arc::new(FlakyPublisher {
        inner: env.clients.publisher.clone(),
        fail: AtomicUsize::new(1),
    });
    let f = env.function_with(clients);
    let d = date(10);
    let upcoming = ["upcoming_player_game_context", "upcoming_team_game_context"];
    seed_context(env.clients.warehouse.as_ref(), d, 10, 10).await;
    f.call(&inv(), completion(3, upcoming[0], d, "u1")).await.unwrap();
    let err = f.call(&inv(), completion(3, upcoming[1], d, "u2")).await.unwrap_err();
    assert!(matches!(err, FunctionError::Transient(_)), "{err:?}");
    assert!(env.phase4_triggers().is_empty());
    assert!(!env.decisions(d).await.contains_key("triggered"));
    // Pub/Sub redelivers the same message: recorded already, but the evaluation fires.
    let out = f.call(&inv(), completion(3, upcoming[1], d, "u2")).await.unwrap();
    assert!(out.message.unwrap().contains("triggered"));
    let triggers = env.phase4_triggers();
    assert_eq!(triggers.len(), 1);
    assert_eq!((triggers[0].game_date, triggers[0].mode), (d, RunMode::SameDay));
}

/// Violations of `events/messages/nba-phase5-trigger.schema.json`.
fn contract_errors(message: &Value) -> Vec<String> {
    let events = nba_core::package_dir!().join("../../events/messages");
    let read =
        |name: &str| -> Value { serde_json::from_str(&std::fs::read_to_string(events.join(name)).unwrap()).unwrap() };
    let validator = jsonschema::validator_for(&read("nba-phase5-trigger.schema.json")).unwrap();
    validator
        .iter_errors(message)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn the_phase5_trigger_sample_meets_its_contract() {
    let events = nba_core::package_dir!().join("../../events/messages");
    let sample = std::fs::read_to_string(events.join("nba-phase5-trigger.sample.json")).unwrap();
    let sample: Value = serde_json::from_str(&sample).unwrap();
    assert_eq!(contract_errors(&sample), Vec::<String>::new());
    // And the sample is what the type serialises.
    let typed: Phase5Trigger = serde_json::from_value(sample.clone()).unwrap();
    assert_eq!(serde_json::to_value(typed).unwrap(), sample);
}

#[tokio::test]
async fn a_claim_whose_holder_died_before_publishing_is_taken_over() {
    let env = Env::new();
    let f = env.function();
    let d = date(10);
    seed_context(env.clients.warehouse.as_ref(), d, 10, 10).await;
    f.call(&inv(), completion(3, "upcoming_player_game_context", d, "u1"))
        .await
        .unwrap();
    f.call(&inv(), completion(3, "upcoming_team_game_context", d, "u2"))
        .await
        .unwrap();
    assert_eq!(env.phase4_triggers().len(), 1);
    let key = TrackingKey {
        transition: Transition::Phase3To4,
        game_date: d,
        mode: RunMode::SameDay,
    };
    let collection = Config::default().names().collection(tracking::COLLECTION);
    let state = env.clients.state.as_ref();
    let mut doc = state.get(&collection, &key.document_id()).await.unwrap().unwrap().data;
    // A holder that claimed a minute ago and has not published yet is still at work.
    doc["triggered"]["published"] = json!(false);
    doc["triggered"]["execution_id"] = json!("dead");
    doc["triggered"]["claimed_at"] = json!((Utc::now() - TimeDelta::minutes(1)).to_rfc3339());
    state
        .set(&collection, &key.document_id(), doc.clone(), None)
        .await
        .unwrap();
    let busy = f.evaluate(d, t0() + TimeDelta::minutes(1)).await.unwrap();
    assert_eq!(busy[0].kind, DecisionKind::AlreadyTriggered);
    assert_eq!(env.phase4_triggers().len(), 1);
    // One that claimed ten minutes ago died: the next evaluation fires in its place.
    doc["triggered"]["claimed_at"] = json!((Utc::now() - TimeDelta::minutes(10)).to_rfc3339());
    state.set(&collection, &key.document_id(), doc, None).await.unwrap();
    let taken = f.evaluate(d, t0() + TimeDelta::minutes(2)).await.unwrap();
    assert_eq!(taken[0].kind, DecisionKind::Triggered, "{taken:?}");
    assert_eq!(env.phase4_triggers().len(), 2);
    let after = f.evaluate(d, t0() + TimeDelta::minutes(3)).await.unwrap();
    assert_eq!(after[0].kind, DecisionKind::AlreadyTriggered);
}

#[tokio::test]
async fn same_day_features_wait_for_tonights_lines() {
    let env = Env::new();
    let f = env.function();
    let d = date(10);
    // Morning: both contexts are in, the props are not.
    context_completions(
        &env,
        &f,
        d,
        0,
        &[
            ("upcoming_player_game_context", "m1"),
            ("upcoming_team_game_context", "m2"),
        ],
    )
    .await;
    assert!(env.phase4_triggers().is_empty());
    // One line in ten is not tonight's lines yet (20% are needed).
    context_completions(&env, &f, d, 1, &[("upcoming_player_game_context", "m3")]).await;
    assert!(env.phase4_triggers().is_empty());
    // Afternoon: the props came, the context was recomputed with them: fire, once (m4 redelivered).
    let afternoon = [
        ("upcoming_player_game_context", "m4"),
        ("upcoming_player_game_context", "m4"),
    ];
    context_completions(&env, &f, d, 6, &afternoon).await;
    let triggers = env.phase4_triggers();
    assert_eq!(triggers.len(), 1, "{triggers:?}");
    assert_eq!((triggers[0].game_date, triggers[0].mode), (d, RunMode::SameDay));
}

/// Regression (found by `nba chaos`): the features were built as soon as one props batch had
/// brought 20% of the lines, so what phase 4 computed depended on which batches had landed.
/// Now every event listed for the date must have its props loaded, and in the context.
#[tokio::test]
async fn the_lines_are_in_only_when_every_listed_event_has_its_props() {
    use nba_schemas::Table;
    use nba_schemas::tables::raw_odds::{OddsApiEvent, OddsApiPlayerProp};
    let env = Env::new();
    let warehouse = env.clients.warehouse.as_ref();
    let d = date(10);
    seed_context(warehouse, d, 10, 6).await;
    let row = |v: Value| v.as_object().unwrap().clone();
    warehouse.ensure_table(OddsApiEvent::SCHEMA).await.unwrap();
    warehouse.ensure_table(OddsApiPlayerProp::SCHEMA).await.unwrap();
    let events = ["e1", "e2"]
        .iter()
        .map(|id| {
            row(json!({
                "event_id": id, "game_date": d.to_string(), "commence_time": "2024-11-11T00:00:00Z",
                "sport_key": "basketball_nba", "home_team": "Boston Celtics", "away_team": "New York Knicks",
                "home_team_tricode": "BOS", "away_team_tricode": "NYK", "game_code": "20241110_NYK_BOS",
                "source_file": "gs://b/events.json", "data_hash": "h", "processed_at": "2024-11-10T20:00:00Z",
            }))
        })
        .collect();
    warehouse.merge(OddsApiEvent::SCHEMA, events).await.unwrap();
    let prop = |event: &str, player: &str| {
        row(json!({
            "event_id": event, "game_date": d.to_string(), "market": "player_points",
            "player_lookup": player, "player_name": player, "bookmaker": "draftkings",
            "bookmaker_title": "DraftKings", "side": "Over", "line": 18.5, "listing": 0, "price": -110,
            "snapshot_at": "2024-11-10T20:00:00Z", "commence_time": "2024-11-11T00:00:00Z",
            "home_team_tricode": "BOS", "away_team_tricode": "NYK", "game_code": "20241110_NYK_BOS",
            "last_update": "2024-11-10T19:00:00Z", "source_file": "gs://b/props.json", "data_hash": "h",
            "processed_at": "2024-11-10T20:00:00Z",
        }))
    };
    // The first event's props are in (60% of the players lined): not yet.
    warehouse
        .merge(OddsApiPlayerProp::SCHEMA, vec![prop("e1", "player0")])
        .await
        .unwrap();
    assert!(!nba_transitions::phase3_to_4::lines_are_in(warehouse, d).await.unwrap());
    // The second event's props are in, but its player's line is not in the context yet.
    warehouse
        .merge(OddsApiPlayerProp::SCHEMA, vec![prop("e2", "player9")])
        .await
        .unwrap();
    assert!(!nba_transitions::phase3_to_4::lines_are_in(warehouse, d).await.unwrap());
    // The context recomputed with it: now.
    seed_context(warehouse, d, 10, 10).await;
    assert!(nba_transitions::phase3_to_4::lines_are_in(warehouse, d).await.unwrap());
}

#[tokio::test]
async fn a_day_whose_lines_never_come_fires_when_the_wait_runs_out() {
    let env = Env::new();
    let f = env.function();
    let d = date(10);
    context_completions(
        &env,
        &f,
        d,
        0,
        &[
            ("upcoming_player_game_context", "m1"),
            ("upcoming_team_game_context", "m2"),
        ],
    )
    .await;
    let waiting = f.evaluate(d, t0() + TimeDelta::hours(7)).await.unwrap();
    assert_eq!(waiting[0].kind, DecisionKind::Waiting);
    assert_eq!(waiting[0].missing, ["player_prop_lines"]);
    assert!(env.phase4_triggers().is_empty());
    let fired = f.evaluate(d, t0() + TimeDelta::hours(8)).await.unwrap();
    assert_eq!(fired[0].kind, DecisionKind::Triggered, "{fired:?}");
    assert!(fired[0].reason.contains("without_lines"), "{fired:?}");
    assert_eq!(env.phase4_triggers().len(), 1);
}

/// The date's context with `lined` of 10 players holding a line, then these (processor,
/// message id) completions delivered in order.
async fn context_completions(
    env: &Env,
    f: &TransitionsFunction,
    d: NaiveDate,
    lined: usize,
    deliveries: &[(&str, &str)],
) {
    seed_context(env.clients.warehouse.as_ref(), d, 10, lined).await;
    for (processor, message_id) in deliveries {
        f.call(&inv(), completion(3, processor, d, message_id)).await.unwrap();
    }
}

/// Regression (found by `nba chaos`): the overnight predictions of a date, held back by the
/// quality gate until the lines' deadline, fired in the same instant as the same-day run's
/// and the two batches raced, the later consolidation winning by timing. Once the date's
/// same-day phase 3 → 4 has fired, the overnight phase 4 → 5 is superseded and never fires.
#[tokio::test]
async fn overnight_predictions_never_fire_once_the_same_day_run_has_started() {
    let env = Env::new();
    let f = env.function();
    let d = date(12);
    seed_context(env.clients.warehouse.as_ref(), d, 10, 10).await;
    for (i, p) in ["upcoming_player_game_context", "upcoming_team_game_context"]
        .iter()
        .enumerate()
    {
        f.call(&inv(), completion(3, p, d, &format!("ctx-{i}"))).await.unwrap();
    }
    assert_eq!(env.phase4_triggers().len(), 1, "the same-day run started");
    seed_features(env.clients.warehouse.as_ref(), d, 10, 10).await;
    for (i, p) in PHASE4.iter().enumerate() {
        let mut event = completion(4, p, d, &format!("o{i}"));
        let attrs = json!({"run_mode": "overnight", "correlation_id": format!("corr-{d}")});
        let body: PhaseComplete = nba_runtime::events::pubsub_payload(&event).unwrap().payload;
        event = pubsub_event(Topic::Phase4PrecomputeComplete, &format!("o{i}"), &body, attrs);
        f.call(&inv(), event).await.unwrap();
    }
    assert!(env.phase5_triggers().is_empty(), "{:?}", env.phase5_triggers());
    let decisions = env.decisions(d).await;
    assert!(decisions.get("blocked").is_some_and(|n| *n >= 1), "{decisions:?}");
    // The same-day phase 4 → 5 still fires.
    for (i, p) in PHASE4.iter().enumerate() {
        f.call(&inv(), completion(4, p, d, &format!("s{i}"))).await.unwrap();
    }
    let journal = env.journal::<Phase5Trigger>(Topic::Phase5Trigger);
    assert_eq!(journal.len(), 1, "{:?}", env.decision_reasons(d).await);
    assert_eq!(journal[0].0["run_mode"], "same_day");
}
