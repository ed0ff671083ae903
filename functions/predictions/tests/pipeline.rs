//! Phase 5 on the embedded cloud: 24 of tonight's players (20 quality-ready, 4 skipped
//! for a reason), the coordinator, concurrent workers, exactly-once consolidation,
//! failing systems, a consolidator killed mid-way, forced re-runs, the stall check,
//! coverage and the message contracts.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use cloudevents::{EventBuilder, EventBuilderV10};
use nba_cloud::Clients;
use nba_cloud::embedded::pubsub::JournalEntry;
use nba_cloud::embedded::{LocalCloud, LocalCloudOptions};
use nba_cloud::writer::{WriteContext, write_rows};
use nba_core::messages::{Phase5Trigger, RunMode};
use nba_core::{Config, Topic};
use nba_predictions::batch::{Batch, BatchStatus};
use nba_predictions::consolidate::{self, Consolidation};
use nba_predictions::coordinator::{self, StartRequest};
use nba_predictions::messages::{PredictionReady, PredictionRequest, PredictionsComplete, StallTick};
use nba_predictions::read;
use nba_predictions::{ConsolidatorFunction, CoordinatorFunction, Pipeline, Settings, Systems, WorkerFunction};
use nba_runtime::{CloudEventFunction, FunctionError, HttpFunction, HttpRequest, Invocation, Outcome, RunStatus};
use nba_schemas::tables::analytics::{PlayerGameSummary, UpcomingPlayerGameContext};
use nba_schemas::tables::predictions::MlFeatureStore;
use nba_systems::{EnsembleSystem, PredictionInput, PredictionSystem, SystemError, SystemPrediction};
use serde_json::{Value, json};

const READY: usize = 20;

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 10).unwrap()
}

fn player(i: usize) -> String {
    format!("player{i:02}")
}

// ---------------------------------------------------------------- test systems

/// 0.6·L5 + 0.4·L10 from the vector.
struct Average;

impl PredictionSystem for Average {
    fn system_id(&self) -> &'static str {
        "test_average"
    }
    fn version(&self) -> String {
        "avg-1".into()
    }
    fn predict(&self, input: &PredictionInput) -> Result<SystemPrediction, SystemError> {
        let l5 = input
            .feature("points_avg_last_5")
            .ok_or_else(|| SystemError::MissingFeature("points_avg_last_5".into()))?;
        let l10 = input.feature("points_avg_last_10").unwrap_or(l5);
        Ok(SystemPrediction {
            system_id: self.system_id().into(),
            system_version: self.version(),
            predicted_points: 0.6 * l5 + 0.4 * l10,
            confidence: 0.7,
            factors: vec![("l5".into(), l5)],
        })
    }
}

/// The mean of the player's history.
struct History;

impl PredictionSystem for History {
    fn system_id(&self) -> &'static str {
        "test_history"
    }
    fn version(&self) -> String {
        "hist-1".into()
    }
    fn predict(&self, input: &PredictionInput) -> Result<SystemPrediction, SystemError> {
        let played: Vec<f64> = input
            .history
            .iter()
            .filter_map(|g| g.points.map(|p| p as f64))
            .collect();
        if played.len() < 3 {
            return Err(SystemError::NotEnoughHistory {
                needed: 3,
                have: played.len(),
            });
        }
        Ok(SystemPrediction {
            system_id: self.system_id().into(),
            system_version: self.version(),
            predicted_points: played.iter().sum::<f64>() / played.len() as f64,
            confidence: 0.6,
            factors: vec![],
        })
    }
}

/// Fails for the players it is told to: errors for even ones, panics for odd ones.
struct Broken {
    fails: BTreeSet<String>,
}

impl PredictionSystem for Broken {
    fn system_id(&self) -> &'static str {
        "test_broken"
    }
    fn version(&self) -> String {
        "broken-1".into()
    }
    fn predict(&self, input: &PredictionInput) -> Result<SystemPrediction, SystemError> {
        if self.fails.contains(&input.player_lookup) {
            let n: usize = input.player_lookup[6..].parse().unwrap();
            if n.is_multiple_of(2) {
                return Err(SystemError::Model("weights file unreadable".into()));
            }
            panic!("index out of bounds in the test system");
        }
        Average.predict(input).map(|p| SystemPrediction {
            system_id: self.system_id().into(),
            ..p
        })
    }
}

/// Declines players 0–4 (too little history for it), like `similarity` does.
struct Picky;

impl PredictionSystem for Picky {
    fn system_id(&self) -> &'static str {
        "test_picky"
    }
    fn version(&self) -> String {
        "picky-1".into()
    }
    fn predict(&self, input: &PredictionInput) -> Result<SystemPrediction, SystemError> {
        let n: usize = input.player_lookup[6..].parse().unwrap();
        if n < 5 {
            return Err(SystemError::NotEnoughHistory { needed: 5, have: n });
        }
        Average.predict(input).map(|p| SystemPrediction {
            system_id: self.system_id().into(),
            ..p
        })
    }
}

struct Mean;

impl EnsembleSystem for Mean {
    fn system_id(&self) -> &'static str {
        "test_ensemble"
    }
    fn version(&self) -> String {
        "ens-1".into()
    }
    fn combine(&self, _input: &PredictionInput, members: &[SystemPrediction]) -> Result<SystemPrediction, SystemError> {
        let n = members.len() as f64;
        Ok(SystemPrediction {
            system_id: self.system_id().into(),
            system_version: self.version(),
            predicted_points: members.iter().map(|m| m.predicted_points).sum::<f64>() / n,
            confidence: members.iter().map(|m| m.confidence).sum::<f64>() / n,
            factors: vec![("members".into(), n)],
        })
    }
}

fn healthy() -> Systems {
    Systems {
        members: vec![Box::new(Average), Box::new(History)],
        ensembles: vec![Box::new(Mean)],
    }
}

// ---------------------------------------------------------------- environment

struct Env {
    _dir: tempfile::TempDir,
    cloud: LocalCloud,
    clients: Clients,
    pipeline: Arc<Pipeline>,
}

impl Env {
    async fn new(systems: Systems) -> Env {
        Self::with_settings(systems, Settings::default()).await
    }

    async fn with_settings(systems: Systems, settings: Settings) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let opts = LocalCloudOptions {
            in_memory_warehouse: true,
            ..Default::default()
        };
        let cloud = LocalCloud::open(dir.path(), opts).unwrap();
        let clients = cloud.clients();
        let pipeline = Arc::new(Pipeline::new(
            clients.clone(),
            Config::default().names(),
            systems,
            settings,
        ));
        let env = Env {
            _dir: dir,
            cloud,
            clients,
            pipeline,
        };
        env.seed().await;
        env
    }

    /// 24 players: 0..20 ready (odd ones without a line), 20 not quality-ready, 21 no
    /// vector, 22 below the minutes floor, 23 no minutes at all.
    async fn seed(&self) {
        let mut context = Vec::new();
        let mut features = Vec::new();
        let mut history = Vec::new();
        for i in 0..READY + 4 {
            let c = context_row(i, (i % 2 == 0).then_some(15.5 + i as f64));
            if i != 21 {
                let minutes = match i {
                    22 => 6.0,
                    23 => 0.0,
                    _ => 30.0,
                };
                features.push(feature_row(i, i != 20, minutes, i == 23));
            }
            history.extend(history_rows(i));
            context.push(c);
        }
        let warehouse = self.clients.warehouse.as_ref();
        let ctx = WriteContext::default();
        assert!(write_rows(warehouse, &context, &ctx).await.unwrap().rejected.is_empty());
        assert!(
            write_rows(warehouse, &features, &ctx)
                .await
                .unwrap()
                .rejected
                .is_empty()
        );
        assert!(write_rows(warehouse, &history, &ctx).await.unwrap().rejected.is_empty());
        for schema in nba_schemas::tables::prediction_output::TABLES {
            warehouse.ensure_table(schema).await.unwrap();
        }
    }

    async fn set_line(&self, i: usize, line: f64) {
        let row = context_row(i, Some(line));
        write_rows(self.clients.warehouse.as_ref(), &[row], &WriteContext::default())
            .await
            .unwrap();
    }

    fn coordinator(&self) -> CoordinatorFunction {
        CoordinatorFunction(self.pipeline.clone())
    }

    fn worker(&self) -> WorkerFunction {
        WorkerFunction(self.pipeline.clone())
    }

    fn consolidator(&self) -> ConsolidatorFunction {
        ConsolidatorFunction(self.pipeline.clone())
    }

    fn journal(&self, topic: Topic) -> Vec<JournalEntry> {
        self.cloud.pubsub().journal(topic.id()).unwrap_or_default()
    }

    fn messages<T: serde::de::DeserializeOwned>(&self, topic: Topic) -> Vec<T> {
        self.journal(topic)
            .into_iter()
            .map(|e| serde_json::from_value(e.json.unwrap()).unwrap())
            .collect()
    }

    async fn start(&self, force: bool) -> coordinator::StartReport {
        let req = StartRequest {
            game_date: date(),
            mode: RunMode::SameDay,
            correlation_id: Some("corr-test".into()),
            force,
        };
        coordinator::start(&self.pipeline, &req).await.unwrap()
    }

    /// Delivers every journaled request (of a generation) to the worker, concurrently.
    async fn run_workers(&self, generation: u32) -> Vec<Result<Outcome, FunctionError>> {
        let worker = Arc::new(self.worker());
        let events: Vec<_> = self
            .journal(Topic::PredictionRequest)
            .into_iter()
            .filter(|e| e.json.as_ref().unwrap()["generation"] == json!(generation))
            .map(|e| event_of(Topic::PredictionRequest, &e))
            .collect();
        let tasks = events.into_iter().map(|event| {
            let worker = worker.clone();
            tokio::spawn(async move { worker.call(&inv(), event).await })
        });
        futures::future::join_all(tasks)
            .await
            .into_iter()
            .map(|r| r.unwrap())
            .collect()
    }

    /// Runs the workers while a lock held by no live consolidator keeps the last worker
    /// from consolidating, then releases it: the batch is done and not consolidated.
    async fn run_workers_without_consolidating(&self, batch_id: &str) {
        let (state, locks) = (self.clients.state.as_ref(), &self.pipeline.locks);
        let hour = Duration::from_secs(3600);
        let held = nba_predictions::lock::acquire(state, locks, batch_id, "blocker", hour).await;
        assert_eq!(held.unwrap(), nba_predictions::lock::Lock::Acquired);
        self.run_workers(1).await;
        nba_predictions::lock::release(state, locks, batch_id, "blocker")
            .await
            .unwrap();
        assert!(self.batch().await.all_done());
    }

    async fn batch(&self) -> Batch {
        let key = Batch::key_of(date(), RunMode::SameDay);
        self.pipeline
            .store
            .load(self.clients.state.as_ref(), &key)
            .await
            .unwrap()
            .unwrap()
    }

    async fn query(&self, sql: &str) -> Vec<serde_json::Map<String, Value>> {
        self.clients.warehouse.query(sql, vec![]).await.unwrap()
    }

    async fn count(&self, sql: &str) -> i64 {
        self.query(sql).await[0]["n"].as_i64().unwrap()
    }

    /// (game_id, player, system) with more than one active row.
    async fn duplicate_actives(&self) -> i64 {
        self.count(
            "SELECT count(*) AS n FROM (SELECT game_id, player_lookup, system_id FROM \
             nba_predictions.player_prop_predictions WHERE is_active GROUP BY ALL HAVING count(*) > 1)",
        )
        .await
    }
}

fn inv() -> Invocation {
    Invocation::new("test")
}

fn event_of(topic: Topic, e: &JournalEntry) -> cloudevents::Event {
    EventBuilderV10::new()
        .id(e.message_id.clone())
        .source(format!("//pubsub.googleapis.com/projects/local/topics/{}", topic.id()))
        .ty("google.cloud.pubsub.topic.v1.messagePublished")
        .data(
            "application/json",
            json!({"message": {"data": e.data, "messageId": e.message_id, "attributes": e.attributes}, "subscription": "s"}),
        )
        .build()
        .unwrap()
}

fn pubsub_event(topic: Topic, message_id: &str, body: &impl serde::Serialize) -> cloudevents::Event {
    let attrs = BTreeMap::from([("correlation_id".to_string(), "corr-test".to_string())]);
    nba_runtime::events::pubsub_event(topic.id(), message_id, body, &attrs)
}

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn team(i: usize) -> (&'static str, &'static str, bool) {
    match i % 2 {
        0 => ("BOS", "LAL", true),
        _ => ("LAL", "BOS", false),
    }
}

fn context_row(i: usize, line: Option<f64>) -> UpcomingPlayerGameContext {
    let (team, opp, is_home) = team(i);
    let games = if i == 23 { 0 } else { 6 };
    UpcomingPlayerGameContext {
        game_date: date(),
        game_id: "0022400561".into(),
        season: "2024-25".into(),
        player_lookup: player(i),
        player_id: Some(i as i64),
        player_name: format!("Player {i}"),
        team_tricode: team.into(),
        opponent_tricode: opp.into(),
        is_home,
        tip_time_utc: Some(t("2025-01-11T00:30:00Z")),
        days_rest: Some(2),
        is_back_to_back: false,
        games_last_7_days: 3,
        games_last_14_days: games,
        minutes_last_7_days: 90.0,
        minutes_last_14_days: if i == 22 { 30.0 } else { games as f64 * 30.0 },
        current_line: line,
        opening_line: line,
        line_movement: line.map(|_| 0.0),
        line_bookmaker: line.map(|_| "draftkings".into()),
        line_snapshot_at: line.map(|_| t("2025-01-10T20:00:00Z")),
        line_snapshots: i64::from(line.is_some()),
        spread: None,
        game_total: None,
        teammates_out: None,
        injury_status: None,
        context_as_of: t("2025-01-10T20:00:00Z"),
        data_hash: String::new(),
        processed_at: Utc::now(),
    }
}

fn feature_row(i: usize, ready: bool, minutes: f64, minutes_defaulted: bool) -> MlFeatureStore {
    let (team, opp, _) = team(i);
    let pts = 10.0 + i as f64;
    let f = |v: f64, source: &str| json!({"value": v, "quality": 100.0, "source": source});
    let features = json!({
        "points_avg_last_5": f(pts + 1.0, "precompute"),
        "points_avg_last_10": f(pts, "precompute"),
        "points_avg_season": f(pts - 1.0, "precompute"),
        "minutes_avg_last_10": f(minutes, if minutes_defaulted { "default" } else { "precompute" }),
    });
    let mut defaulted: Vec<&str> = Vec::new();
    if !ready {
        defaulted.push("points_avg_last_5");
    }
    if minutes_defaulted {
        defaulted.push("minutes_avg_last_10");
    }
    MlFeatureStore {
        game_date: date(),
        player_lookup: player(i),
        player_name: format!("Player {i}"),
        game_id: Some("0022400561".into()),
        season: "2024-25".into(),
        team_tricode: team.into(),
        opponent_tricode: opp.into(),
        feature_set_version: "v1".into(),
        feature_count: 4,
        features,
        feature_names: json!([
            "points_avg_last_5",
            "points_avg_last_10",
            "points_avg_season",
            "minutes_avg_last_10"
        ]),
        feature_values: json!([pts + 1.0, pts, pts - 1.0, minutes]),
        defaulted_features: json!(defaulted),
        default_feature_count: defaulted.len() as i64,
        is_quality_ready: ready,
        quality_score: if ready { 100.0 } else { 85.0 },
        has_line: i.is_multiple_of(2),
        data_hash: String::new(),
        processed_at: Utc::now(),
    }
}

/// Five past games (and one on the predicted date, which must never be read).
fn history_rows(i: usize) -> Vec<PlayerGameSummary> {
    let (team, opp, is_home) = team(i);
    (0..6)
        .map(|k| {
            let d = date() - TimeDelta::days(10 - 2 * k as i64);
            PlayerGameSummary {
                game_date: d,
                game_id: format!("00224005{k:02}"),
                season: "2024-25".into(),
                player_lookup: player(i),
                player_id: Some(i as i64),
                player_name: format!("Player {i}"),
                team_tricode: team.into(),
                opponent_tricode: opp.into(),
                is_home,
                minutes: Some(30.0),
                // The game on the date scores 99: a leak would show.
                points: Some(if d == date() { 99 } else { 10 + i as i64 }),
                fgm: None,
                fga: None,
                fg3m: None,
                fg3a: None,
                ftm: None,
                fta: None,
                oreb: None,
                dreb: None,
                rebounds: None,
                assists: None,
                steals: None,
                blocks: None,
                turnovers: None,
                personal_fouls: None,
                plus_minus: None,
                usage_rate: None,
                true_shooting_pct: None,
                effective_fg_pct: None,
                points_line: None,
                line_bookmaker: None,
                line_snapshot_at: None,
                over_under_result: None,
                is_dnp: false,
                dnp_reason: None,
                primary_source: "nbac_player_boxscores".into(),
                source_completeness: 1.0,
                data_hash: String::new(),
                processed_at: Utc::now(),
            }
        })
        .collect()
}

/// Violations of `events/messages/{name}.schema.json`.
fn contract_errors(name: &str, message: &Value) -> Vec<String> {
    let events = nba_core::package_dir!().join("../../events/messages");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(events.join(format!("{name}.schema.json"))).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    validator
        .iter_errors(message)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn assert_contract(name: &str, entries: &[JournalEntry]) {
    assert!(!entries.is_empty(), "no {name} message");
    for e in entries {
        let errors = contract_errors(name, e.json.as_ref().unwrap());
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
}

// ---------------------------------------------------------------- tests

#[tokio::test]
async fn start_requests_ready_players_and_records_the_rest_as_skipped() {
    let env = Env::new(healthy()).await;
    let report = env.start(false).await;
    assert_eq!(report.opened, "new");
    assert_eq!((report.expected, report.published), (READY as u64, READY as u64));
    assert_eq!(
        report.skipped,
        BTreeMap::from([
            ("below_minutes_floor".to_string(), 1),
            ("no_feature_vector".to_string(), 1),
            ("no_minutes_history".to_string(), 1),
            ("not_quality_ready".to_string(), 1),
        ])
    );
    let requests: Vec<PredictionRequest> = env.messages(Topic::PredictionRequest);
    assert_eq!(requests.len(), READY);
    let with_line = requests.iter().filter(|r| r.line.is_some()).count();
    assert_eq!(with_line, READY / 2);
    assert!(
        requests
            .iter()
            .all(|r| (r.line.is_some()) == (r.line_source.as_str() == "actual"))
    );
    assert!(requests.iter().all(|r| r.batch_id == "2025-01-10_same_day_g1"));
    // The skips are recorded per player, with the reason.
    let state = env.clients.state.as_ref();
    let skipped = env
        .pipeline
        .store
        .player(state, &report.batch_id, "player20")
        .await
        .unwrap()
        .unwrap();
    assert!(
        skipped.reason.unwrap().starts_with("not_quality_ready"),
        "defaulted points_avg_last_5"
    );
    // A second start without force reports the batch and publishes nothing.
    let again = env.start(false).await;
    assert_eq!((again.opened.as_str(), again.published), ("existing", 0));
    assert_eq!(env.journal(Topic::PredictionRequest).len(), READY);
    assert_contract("nba-prediction-request", &env.journal(Topic::PredictionRequest));
}

/// The inputs the coordinator reads for the whole slate and embeds in each request are
/// exactly what the worker reads for one player when a request comes without them.
#[tokio::test]
async fn embedded_inputs_equal_what_the_worker_would_read() {
    let env = Env::new(healthy()).await;
    env.start(false).await;
    let requests: Vec<PredictionRequest> = env.messages(Topic::PredictionRequest);
    assert_eq!(requests.len(), READY);
    let warehouse = env.clients.warehouse.as_ref();
    for r in &requests {
        let embedded = r.inputs.clone().expect("a small request carries its inputs");
        let features = read::feature_row(warehouse, r.game_date, &r.player_lookup)
            .await
            .unwrap()
            .unwrap();
        let history = read::history(warehouse, &r.player_lookup, r.game_date).await.unwrap();
        assert!(!history.is_empty(), "{}", r.player_lookup);
        let recent = read::recent_performance(warehouse, r.game_date).await.unwrap();
        assert_eq!(
            embedded,
            read::player_inputs(&features, history, recent),
            "{}",
            r.player_lookup
        );
    }
    // A batch whose requests come without them (an older coordinator, or too large) is
    // predicted the same: the worker reads them.
    env.run_workers(1).await;
    let bare = Env::new(healthy()).await;
    bare.start(false).await;
    let worker = bare.worker();
    for (i, r) in bare
        .messages::<PredictionRequest>(Topic::PredictionRequest)
        .into_iter()
        .enumerate()
    {
        let without = PredictionRequest { inputs: None, ..r };
        let event = pubsub_event(Topic::PredictionRequest, &format!("bare-{i}"), &without);
        let outcome = worker.call(&inv(), event).await.unwrap();
        assert_eq!(outcome.status, RunStatus::Success, "{outcome:?}");
    }
    let predictions = |env: &Env| {
        let warehouse = env.clients.warehouse.clone();
        async move {
            let sql = "SELECT player_lookup, system_id, predicted_points, recommendation, confidence, line \
                       FROM nba_predictions.player_prop_predictions ORDER BY player_lookup, system_id";
            warehouse.query(sql, vec![]).await.unwrap()
        }
    };
    let (embedded, read_by_worker) = (predictions(&env).await, predictions(&bare).await);
    assert!(embedded.len() >= READY * 2, "{} predictions", embedded.len());
    assert_eq!(embedded, read_by_worker);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_workers_complete_the_batch_and_consolidate_exactly_once() {
    let env = Env::new(healthy()).await;
    env.start(false).await;
    let outcomes = env.run_workers(1).await;
    assert!(
        outcomes
            .iter()
            .all(|o| o.as_ref().unwrap().status == RunStatus::Success),
        "{outcomes:?}"
    );
    let complete: Vec<PredictionsComplete> = env.messages(Topic::Phase5PredictionsComplete);
    assert_eq!(complete.len(), 1, "one consolidation for 20 racing completions");
    let c = &complete[0];
    assert_eq!(
        (c.status.as_str(), c.players_expected, c.players_predicted),
        ("complete", 20, 20)
    );
    assert_eq!(c.per_system["test_average"], 20);
    assert!(!c.coverage_alert);
    let batch = env.batch().await;
    assert_eq!(
        (batch.status, batch.completed, batch.failed),
        (BatchStatus::Complete, 20, 0)
    );
    assert!(batch.consolidation.unwrap().published);
    // Three systems × 20 players, one active row each, staging cleared.
    let n = env
        .count("SELECT count(*) AS n FROM nba_predictions.player_prop_predictions WHERE is_active")
        .await;
    assert_eq!(n, 60);
    assert_eq!(env.duplicate_actives().await, 0);
    assert_eq!(
        env.count("SELECT count(*) AS n FROM nba_predictions.prediction_staging")
            .await,
        0
    );
    // History stops before the date: the 99-point game on the date is not in the mean.
    let hist = env
        .query("SELECT predicted_points FROM nba_predictions.player_prop_predictions WHERE system_id = 'test_history' AND player_lookup = 'player03'")
        .await;
    assert_eq!(hist[0]["predicted_points"].as_f64().unwrap(), 13.0);
    // No line → NO_LINE; a line → a recommendation agreeing with the edge.
    let recs = env
        .query("SELECT recommendation, edge, line_source FROM nba_predictions.player_prop_predictions")
        .await;
    for r in recs {
        match r["recommendation"].as_str().unwrap() {
            "NO_LINE" => assert_eq!(r["line_source"], json!("none")),
            "OVER" => assert!(r["edge"].as_f64().unwrap() > 0.0),
            "UNDER" => assert!(r["edge"].as_f64().unwrap() < 0.0),
            _ => {}
        }
    }
    let cov = env.query("SELECT * FROM nba_predictions.prediction_coverage").await;
    assert_eq!(cov.len(), 1);
    assert_eq!(
        (cov[0]["share"].as_f64(), cov[0]["alert"].as_bool()),
        (Some(1.0), Some(false))
    );
    assert_contract("nba-prediction-ready", &env.journal(Topic::PredictionReady));
    assert_contract(
        "nba-phase5-predictions-complete",
        &env.journal(Topic::Phase5PredictionsComplete),
    );
    // Full coverage clears the publishing gate: phase 6 is asked to export, once.
    let exports: Vec<nba_core::messages::ExportTrigger> = env.messages(Topic::Phase6ExportTrigger);
    assert_eq!(exports.len(), 1, "{exports:?}");
    assert_eq!(exports[0].reason, nba_core::messages::ExportReason::PredictionsComplete);
    assert_contract("nba-phase6-export-trigger", &env.journal(Topic::Phase6ExportTrigger));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_duplicate_request_changes_nothing() {
    let env = Env::new(healthy()).await;
    env.start(false).await;
    let first = env.journal(Topic::PredictionRequest)[0].clone();
    let worker = env.worker();
    // The same message twice at once, and the same body under another message id.
    let (inv_a, inv_b) = (inv(), inv());
    let a = worker.call(&inv_a, event_of(Topic::PredictionRequest, &first));
    let b = worker.call(&inv_b, event_of(Topic::PredictionRequest, &first));
    let (a, b) = tokio::join!(a, b);
    a.unwrap();
    b.unwrap();
    let staged = "SELECT count(*) AS n FROM nba_predictions.prediction_staging";
    assert_eq!(env.count(staged).await, 3);
    let mut copy = first.clone();
    copy.message_id = "another-id".into();
    let dup = worker
        .call(&inv(), event_of(Topic::PredictionRequest, &copy))
        .await
        .unwrap();
    assert_eq!(dup.status, RunStatus::Skipped);
    assert!(dup.message.unwrap().contains("already done"));
    assert_eq!(env.count(staged).await, 3);
    assert_eq!(env.batch().await.completed, 1);
    // After the batch: every request again changes nothing either.
    env.run_workers(1).await;
    let rows = "SELECT count(*) AS n FROM nba_predictions.player_prop_predictions";
    assert_eq!(env.count(rows).await, 60);
    let again = env.run_workers(1).await;
    assert!(again.iter().all(|o| o.as_ref().unwrap().status == RunStatus::Skipped));
    assert_eq!(env.count(rows).await, 60);
    assert_eq!(env.journal(Topic::Phase5PredictionsComplete).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failing_system_does_not_stop_the_others_and_coverage_alerts() {
    let fails: BTreeSet<String> = (0..12).map(player).collect();
    let systems = Systems {
        members: vec![Box::new(Average), Box::new(Broken { fails }), Box::new(History)],
        ensembles: vec![Box::new(Mean)],
    };
    // A threshold the test cannot reach: here every call must go through (the breaker
    // opening is covered by the unit tests).
    let settings = Settings {
        breaker: nba_predictions::breaker::BreakerConfig {
            failure_threshold: 1000,
            cooldown: Duration::from_secs(60),
        },
        ..Settings::default()
    };
    let env = Env::with_settings(systems, settings).await;
    env.start(false).await;
    let outcomes = env.run_workers(1).await;
    let partial = outcomes
        .iter()
        .filter(|o| o.as_ref().unwrap().status == RunStatus::Partial)
        .count();
    assert_eq!(
        partial, 12,
        "players with a failed system are partial runs, not failures"
    );
    let per_system = "SELECT system_id, count(*) AS n FROM nba_predictions.player_prop_predictions GROUP BY 1";
    let counts: BTreeMap<String, i64> = env
        .query(per_system)
        .await
        .into_iter()
        .map(|r| (r["system_id"].as_str().unwrap().to_string(), r["n"].as_i64().unwrap()))
        .collect();
    assert_eq!((counts["test_average"], counts["test_broken"]), (20, 8));
    // The failures are reported per system in the ready messages (errors and panics).
    let ready: Vec<PredictionReady> = env.messages(Topic::PredictionReady);
    let failures: Vec<_> = ready.iter().flat_map(|r| r.systems_failed.iter()).collect();
    assert!(failures.iter().all(|f| f.system_id == "test_broken"));
    assert!(failures.iter().any(|f| f.error.contains("panicked")));
    assert!(failures.iter().any(|f| f.error.contains("weights file")));
    let cov = env.query("SELECT * FROM nba_predictions.prediction_coverage").await;
    assert_eq!(cov[0]["predicted_all_systems"].as_i64(), Some(8));
    assert_eq!(cov[0]["alert"].as_bool(), Some(true));
    assert!(
        cov[0]["reason"].as_str().unwrap().contains("test_broken 8/20"),
        "{:?}",
        cov[0]["reason"]
    );
    let complete: Vec<PredictionsComplete> = env.messages(Topic::Phase5PredictionsComplete);
    assert!(complete[0].coverage_alert);
    // The publishing gate counts players predicted by any system (20 of 20 here), not the
    // all-systems SLO (8 of 20): the day is exported, the SLO alert travels with it.
    assert_eq!(
        env.journal(Topic::Phase6ExportTrigger).len(),
        1,
        "every player has a prediction: the batch clears the publishing gate"
    );
    assert_contract("nba-prediction-ready", &env.journal(Topic::PredictionReady));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_consolidator_is_taken_over_after_its_ttl_without_duplicates() {
    // Ready messages wait 300 ms for a held lock, then ask for a redelivery.
    let settings = Settings {
        held_wait: Duration::from_millis(300),
        ..Settings::default()
    };
    let env = Env::with_settings(healthy(), settings).await;
    let report = env.start(false).await;
    env.run_workers_without_consolidating(&report.batch_id).await;
    assert!(env.journal(Topic::Phase5PredictionsComplete).is_empty());
    // A consolidator that took the lock (short TTL) and will never finish.
    let ttl = Duration::from_secs(3);
    let state = env.clients.state.as_ref();
    let lock = nba_predictions::lock::acquire(state, &env.pipeline.locks, &report.batch_id, "dead-consolidator", ttl)
        .await
        .unwrap();
    let acquired_at = tokio::time::Instant::now();
    assert_eq!(lock, nba_predictions::lock::Lock::Acquired);
    // While its lock lives, a ready message is answered "retry later".
    let ready = env.journal(Topic::PredictionReady)[0].clone();
    let held = env
        .consolidator()
        .call(&inv(), event_of(Topic::PredictionReady, &ready))
        .await;
    assert!(matches!(held, Err(FunctionError::Transient(_))), "{held:?}");
    // It got as far as writing the predictions and the coverage, then died.
    let batch = env.batch().await;
    consolidate::write_outputs(&env.pipeline, &batch, false, Utc::now())
        .await
        .unwrap();
    tokio::time::sleep_until(acquired_at + ttl + Duration::from_millis(200)).await;
    let took_over = env
        .consolidator()
        .call(&inv(), event_of(Topic::PredictionReady, &ready))
        .await
        .unwrap();
    assert_eq!(took_over.status, RunStatus::Success, "{took_over:?}");
    assert_eq!(env.journal(Topic::Phase5PredictionsComplete).len(), 1);
    assert_eq!(env.duplicate_actives().await, 0);
    let n = env
        .count("SELECT count(*) AS n FROM nba_predictions.player_prop_predictions")
        .await;
    assert_eq!(n, 60);
    // Later ready messages find it done.
    let later = env
        .consolidator()
        .call(&inv(), event_of(Topic::PredictionReady, &ready))
        .await
        .unwrap();
    assert_eq!(later.status, RunStatus::Skipped);
}

/// Regression (found by `nba chaos`): a ready message answered 503 at once while a dead
/// consolidator's lock lived, and behind two killed holders in a row it ran out of
/// redeliveries (dead-lettered). It now waits in the request for the lease to run out and
/// takes over.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_ready_message_waits_out_a_dead_consolidators_lease_and_takes_over() {
    let env = Env::new(healthy()).await;
    let report = env.start(false).await;
    env.run_workers_without_consolidating(&report.batch_id).await;
    let ttl = Duration::from_secs(1);
    let state = env.clients.state.as_ref();
    let lock = nba_predictions::lock::acquire(state, &env.pipeline.locks, &report.batch_id, "dead-consolidator", ttl)
        .await
        .unwrap();
    assert_eq!(lock, nba_predictions::lock::Lock::Acquired);
    let started = tokio::time::Instant::now();
    let ready = env.journal(Topic::PredictionReady)[0].clone();
    let out = env
        .consolidator()
        .call(&inv(), event_of(Topic::PredictionReady, &ready))
        .await
        .unwrap();
    assert_eq!(out.status, RunStatus::Success, "{out:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "it waited out the lease"
    );
    assert_eq!(env.journal(Topic::Phase5PredictionsComplete).len(), 1);
    assert_eq!(env.duplicate_actives().await, 0);
}

/// A consolidation aborted at arbitrary points (the task dropped at whichever await it
/// was in, as a killed instance would stop) is finished by the next attempt once the
/// lock's TTL has passed: the same rows, no duplicates, the completion published.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_consolidation_aborted_anywhere_is_finished_by_the_next_attempt() {
    let settings = Settings {
        lock_ttl: Duration::from_millis(600),
        ..Settings::default()
    };
    for abort_after_ms in [0u64, 5, 25, 100, 300] {
        let env = Env::with_settings(healthy(), settings.clone()).await;
        let report = env.start(false).await;
        env.run_workers_without_consolidating(&report.batch_id).await;
        let key = env.batch().await.key();
        let pipeline = env.pipeline.clone();
        let victim = tokio::spawn(async move { consolidate::run(&pipeline, &key, "victim", false).await });
        tokio::time::sleep(Duration::from_millis(abort_after_ms)).await;
        victim.abort();
        let finished_by_victim = matches!(victim.await, Ok(Ok(Consolidation::Done(_))));
        tokio::time::sleep(settings.lock_ttl + Duration::from_millis(100)).await;
        let ready = env.journal(Topic::PredictionReady)[0].clone();
        let next = env
            .consolidator()
            .call(&inv(), event_of(Topic::PredictionReady, &ready))
            .await
            .unwrap_or_else(|e| panic!("abort after {abort_after_ms} ms: {e:?}"));
        let what = format!("abort after {abort_after_ms} ms (victim finished: {finished_by_victim}): {next:?}");
        assert!(matches!(next.status, RunStatus::Success | RunStatus::Skipped), "{what}");
        assert!(!env.journal(Topic::Phase5PredictionsComplete).is_empty(), "{what}");
        assert!(env.batch().await.consolidation.is_some_and(|r| r.published), "{what}");
        assert_eq!(env.duplicate_actives().await, 0, "{what}");
        let active = "SELECT count(*) AS n FROM nba_predictions.player_prop_predictions WHERE is_active";
        assert_eq!(env.count(active).await, 60, "{what}");
        let staged = "SELECT count(*) AS n FROM nba_predictions.prediction_staging";
        assert_eq!(env.count(staged).await, 0, "{what}");
    }
}

/// Regression (found by `make bench`'s replay): a batch recorded but not yet published was
/// re-published by every ready message that came meanwhile, without the lock its owner
/// holds while it publishes — each re-publication re-exported the day. Only a holder of the
/// lock publishes again: while the owner holds it the others are told it is held, and once
/// it is gone (the owner died) the next attempt publishes, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_recorded_batch_is_republished_only_under_its_lock() {
    let env = Env::new(healthy()).await;
    let report = env.start(false).await;
    env.run_workers_without_consolidating(&report.batch_id).await;
    let batch = env.batch().await;
    let key = batch.key();
    let p = env.pipeline.clone();
    let state = p.clients.state.as_ref();
    let ttl = Duration::from_secs(60);
    let lock_id = batch.batch_id();
    assert_eq!(
        nba_cloud::lock::acquire(state, &p.locks, &lock_id, "owner", ttl)
            .await
            .unwrap(),
        nba_cloud::lock::Lock::Acquired
    );
    // The owner recorded its consolidation (step 4) and is still clearing staging.
    let (message, _) = consolidate::write_outputs(&p, &batch, false, Utc::now()).await.unwrap();
    let generation = batch.generation;
    p.store
        .update(state, &key, move |b| {
            b.status = BatchStatus::Complete;
            b.consolidation = Some(nba_predictions::batch::ConsolidationRecord {
                owner: "owner".into(),
                message: message.clone(),
                published: false,
            });
            b.generation == generation
        })
        .await
        .unwrap();
    for i in 0..5 {
        let seen = consolidate::run(&p, &key, &format!("ready-{i}"), false).await.unwrap();
        assert_eq!(seen, Consolidation::Held { owner: "owner".into() });
    }
    assert!(
        env.journal(Topic::Phase5PredictionsComplete).is_empty(),
        "published behind the owner's back"
    );
    // The owner died: its lock is gone; the next attempt publishes, and only it.
    nba_cloud::lock::release(state, &p.locks, &lock_id, "owner")
        .await
        .unwrap();
    let next = consolidate::run(&p, &key, "next", false).await.unwrap();
    assert_eq!(next, Consolidation::AlreadyDone { republished: true });
    let after = consolidate::run(&p, &key, "after", false).await.unwrap();
    assert_eq!(after, Consolidation::AlreadyDone { republished: false });
    assert_eq!(env.journal(Topic::Phase5PredictionsComplete).len(), 1);
    assert!(env.batch().await.consolidation.is_some_and(|r| r.published));
}

/// Coverage counts the systems the batch opened with (the coordinator's, with the day's
/// models loaded), not whatever set the consolidating instance happens to hold.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn coverage_counts_the_systems_the_batch_opened_with() {
    let env = Env::new(healthy()).await;
    let report = env.start(false).await;
    env.run_workers_without_consolidating(&report.batch_id).await;
    let key = env.batch().await.key();
    let state = env.clients.state.as_ref();
    let updated = env
        .pipeline
        .store
        .update(state, &key, |b| {
            b.systems.push("gbt_only_in_the_workers".into());
            true
        })
        .await
        .unwrap();
    assert_eq!(updated.unwrap().systems.len(), 4);
    let done = consolidate::run(&env.pipeline, &key, "c", false).await.unwrap();
    assert!(matches!(done, Consolidation::Done(_)), "{done:?}");
    let row = &env
        .query("SELECT predicted_all_systems, alert, reason FROM nba_predictions.prediction_coverage")
        .await[0];
    assert_eq!(row["predicted_all_systems"], json!(0), "{row:?}");
    assert_eq!(row["alert"], json!(true));
    let reason = row["reason"].as_str().unwrap();
    assert!(
        reason.contains("all 4 systems") && reason.contains("gbt_only_in_the_workers 0/20"),
        "{reason}"
    );
}

/// A system declining a player (not enough history) is the system working as designed:
/// the worker's run is a success that names the decline, not a partial failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_declining_system_is_a_success_that_says_so() {
    let systems = Systems {
        members: vec![Box::new(Average), Box::new(Picky)],
        ensembles: vec![],
    };
    let env = Env::new(systems).await;
    env.start(false).await;
    let outcomes: Vec<Outcome> = env.run_workers(1).await.into_iter().map(Result::unwrap).collect();
    assert!(outcomes.iter().all(|o| o.status == RunStatus::Success), "{outcomes:?}");
    let declined: Vec<&String> = outcomes
        .iter()
        .filter_map(|o| o.message.as_ref())
        .filter(|m| m.contains("declined [\"test_picky (not enough history"))
        .collect();
    assert_eq!(declined.len(), 5, "{outcomes:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn force_reopens_a_finished_batch_and_a_new_line_supersedes_the_old_row() {
    let env = Env::new(healthy()).await;
    env.start(false).await;
    env.run_workers(1).await;
    env.set_line(0, 30.5).await;
    let report = env.start(true).await;
    assert_eq!((report.opened.as_str(), report.generation), ("reopened", 2));
    assert_eq!(report.batch_id, "2025-01-10_same_day_g2");
    // A stale request of generation 1 is ignored.
    let old = env.journal(Topic::PredictionRequest)[0].clone();
    let mut stale = old.clone();
    stale.message_id = "stale".into();
    let out = env
        .worker()
        .call(&inv(), event_of(Topic::PredictionRequest, &stale))
        .await
        .unwrap();
    assert!(out.message.unwrap().contains("stale"));
    env.run_workers(2).await;
    assert_eq!(env.journal(Topic::Phase5PredictionsComplete).len(), 2);
    assert_eq!(env.duplicate_actives().await, 0);
    let rows = env
        .query(
            "SELECT line, is_active FROM nba_predictions.player_prop_predictions \
             WHERE player_lookup = 'player00' AND system_id = 'test_average' ORDER BY line",
        )
        .await;
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0]["line"].as_f64(), rows[0]["is_active"].as_bool()),
        (Some(15.5), Some(false))
    );
    assert_eq!(
        (rows[1]["line"].as_f64(), rows[1]["is_active"].as_bool()),
        (Some(30.5), Some(true))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_stall_check_consolidates_a_mostly_done_batch_as_partial() {
    let env = Env::new(healthy()).await;
    env.start(false).await;
    let requests = env.journal(Topic::PredictionRequest);
    for e in &requests[..17] {
        env.worker()
            .call(&inv(), event_of(Topic::PredictionRequest, e))
            .await
            .unwrap();
    }
    let started = env.batch().await.started_at;
    let early = consolidate::evaluate_stalled(&env.pipeline, started + TimeDelta::minutes(5))
        .await
        .unwrap();
    assert!(early.is_empty());
    // Through the consolidator's tick message.
    let tick = StallTick {
        now: started + TimeDelta::minutes(25),
    };
    let out = env
        .consolidator()
        .call(&inv(), pubsub_event(Topic::PredictionReady, "tick-1", &tick))
        .await
        .unwrap();
    assert!(out.message.unwrap().contains("partial"));
    let complete: Vec<PredictionsComplete> = env.messages(Topic::Phase5PredictionsComplete);
    assert_eq!(complete.len(), 1);
    assert_eq!(
        (complete[0].status.as_str(), complete[0].players_missing),
        ("partial", 3)
    );
    assert_eq!(env.batch().await.status, BatchStatus::Partial);
    // A late worker finds the batch consolidated.
    let late = env
        .worker()
        .call(&inv(), event_of(Topic::PredictionRequest, &requests[19]))
        .await
        .unwrap();
    assert_eq!(late.status, RunStatus::Skipped);
    let again = consolidate::evaluate_stalled(&env.pipeline, started + TimeDelta::minutes(60))
        .await
        .unwrap();
    assert!(again.is_empty());
    assert_eq!(env.journal(Topic::Phase5PredictionsComplete).len(), 1);
}

#[tokio::test]
async fn the_coordinator_accepts_post_start_and_the_phase5_trigger_push() {
    let env = Env::new(healthy()).await;
    let trigger = Phase5Trigger {
        game_date: date(),
        correlation_id: "corr-push".into(),
        reason: "all_complete".into(),
        completed: vec!["ml_feature_store".into()],
        quality_ready_share: 0.9,
    };
    let data = base64::engine::general_purpose::STANDARD.encode(serde_json::to_vec(&trigger).unwrap());
    let envelope = json!({
        "message": {"data": data, "messageId": "m-1", "attributes": {"correlation_id": "corr-push"}},
        "subscription": "projects/local/subscriptions/predictions-trigger",
    });
    let push = http_request("/", &envelope);
    let (response, outcome) = HttpFunction::call(&env.coordinator(), &inv(), push).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Success);
    let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    let report: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(report["published"], json!(READY));
    assert_eq!(env.batch().await.correlation_id, "corr-push");
    // The manual entry reports the same batch.
    let start = http_request("/start", &json!({"game_date": "2025-01-10", "mode": "same_day"}));
    let (_, outcome) = HttpFunction::call(&env.coordinator(), &inv(), start).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Skipped);
    assert!(outcome.message.unwrap().contains("use force"));
    let bad = http_request("/start", &json!({"date": "x"}));
    assert!(matches!(
        HttpFunction::call(&env.coordinator(), &inv(), bad).await,
        Err(FunctionError::BadRequest(_))
    ));
}

fn http_request(path: &str, body: &Value) -> HttpRequest {
    let mut headers = http::HeaderMap::new();
    headers.insert(http::header::CONTENT_TYPE, "application/json".parse().unwrap());
    HttpRequest {
        method: http::Method::POST,
        uri: path.parse().unwrap(),
        headers,
        body: serde_json::to_vec(body).unwrap().into(),
    }
}

#[test]
fn the_samples_meet_their_contracts_and_types() {
    let events = nba_core::package_dir!().join("../../events/messages");
    let sample = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(events.join(format!("{name}.sample.json"))).unwrap()).unwrap()
    };
    for name in [
        "nba-prediction-request",
        "nba-prediction-ready",
        "nba-phase5-predictions-complete",
    ] {
        assert_eq!(contract_errors(name, &sample(name)), Vec::<String>::new(), "{name}");
    }
    let req: PredictionRequest = serde_json::from_value(sample("nba-prediction-request")).unwrap();
    assert_eq!(serde_json::to_value(req).unwrap(), sample("nba-prediction-request"));
    let ready: PredictionReady = serde_json::from_value(sample("nba-prediction-ready")).unwrap();
    assert_eq!(serde_json::to_value(ready).unwrap(), sample("nba-prediction-ready"));
    let done: PredictionsComplete = serde_json::from_value(sample("nba-phase5-predictions-complete")).unwrap();
    assert_eq!(
        serde_json::to_value(done).unwrap(),
        sample("nba-phase5-predictions-complete")
    );
}

#[tokio::test]
async fn an_empty_day_is_consolidated_at_once_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let opts = LocalCloudOptions {
        in_memory_warehouse: true,
        ..Default::default()
    };
    let cloud = LocalCloud::open(dir.path(), opts).unwrap();
    let pipeline = Pipeline::new(
        cloud.clients(),
        Config::default().names(),
        healthy(),
        Settings::default(),
    );
    let req = StartRequest {
        game_date: date(),
        mode: RunMode::SameDay,
        correlation_id: None,
        force: false,
    };
    let report = coordinator::start(&pipeline, &req).await.unwrap();
    assert_eq!((report.expected, report.status.as_str()), (0, "complete"));
    let complete = cloud.pubsub().journal(Topic::Phase5PredictionsComplete.id()).unwrap();
    assert_eq!(complete.len(), 1);
    let again = consolidate::run(&pipeline, &Batch::key_of(date(), RunMode::SameDay), "x", false)
        .await
        .unwrap();
    assert_eq!(again, Consolidation::AlreadyDone { republished: false });
}
