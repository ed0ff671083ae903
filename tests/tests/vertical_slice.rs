//! The foundation's vertical slice, end to end through the embedded local cloud
//! over real HTTP: scraper `nbac_schedule` → raw bucket → finalize CloudEvent →
//! raw processor → `nba_raw.nbac_schedule` → `nba-phase2-raw-complete`, driven by the
//! scraper workflow over a replayed day.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use common::{FailFirst, schema_errors};
use nba_cli::{DayEnd, FunctionHook, LocalPlatform, PlatformOptions, run_day};
use nba_cloud::embedded::LocalCloud;
use nba_cloud::ports::object_store::PutOptions;
use nba_core::{Bucket, Topic};
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
    common::platform_options(dir, duplicate_deliveries)
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

fn schedule_loads(report: &nba_cli::DayReport) -> Vec<&nba_execlog::ExecutionLogRow> {
    report
        .executions
        .iter()
        .filter(|e| e.function_name == "raw_processor" && e.inputs.to_string().contains("nba-com/schedule/"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_runs_the_workflow_loads_the_schedule_and_reruns_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let platform = LocalPlatform::start(options(dir.path(), false)).await.unwrap();
    let report = run_day(&platform, date(), DayEnd::AfterGames, &hidden()).await.unwrap();
    assert!(report.succeeded(), "{:?}", report.failures());
    let (all, regular) = schedule_counts(&platform).await;
    assert_eq!(regular, 1230, "regular-season games");
    assert!(
        all > 1230,
        "preseason, cup, all-star and playoff games are kept too: {all}"
    );

    // The whole day shares one correlation id, born at the first workflow tick: every
    // phase ran in that chain, and nothing about the day ran under an id of its own.
    let trace = nba_cli::trace::trace(platform.clients.warehouse.as_ref(), date())
        .await
        .unwrap();
    let shown = nba_cli::trace::render(&trace);
    assert_eq!(trace.correlation_id.as_deref(), Some(report.correlation_id.as_str()));
    assert_eq!(trace.orphans().count(), 0, "{shown}");
    // A day replayed alone has no history: its feature vectors are not quality-ready, so
    // phase 5 is blocked (and says so); everything else, the export included, is in the chain.
    assert_eq!(
        trace.missing,
        ["prediction_coordinator", "prediction_worker", "prediction_consolidator"],
        "{shown}"
    );
    let blocked = count(
        &platform,
        "SELECT count(*) AS n FROM nba_orchestration.phase_transition_decisions \
         WHERE game_date = DATE '2025-01-10' AND transition = 'phase4_to_phase5' AND decision = 'blocked' \
         AND reason LIKE '%quality-ready%'",
    )
    .await;
    assert!(blocked > 0, "{shown}");
    // Freshness says the same: the day's games are summarised, its predictions never came.
    let fresh = nba_cli::status::freshness(platform.clients.warehouse.as_ref(), date())
        .await
        .unwrap();
    let row = |table: &str| {
        fresh
            .iter()
            .find(|r| r["table"] == table)
            .unwrap_or_else(|| panic!("{table} missing from {fresh:?}"))
            .clone()
    };
    let summaries = row("nba_analytics.player_game_summary");
    assert_eq!(summaries["days_behind"], 0, "{summaries:?}");
    assert!(summaries["rows_on_day"].as_i64().unwrap() > 100, "{summaries:?}");
    let predictions = row("nba_predictions.player_prop_predictions");
    assert!(predictions["latest"].is_null(), "{predictions:?}");
    assert_eq!(predictions["rows_on_day"], 0);
    let ran = |f: &str| report.executions.iter().filter(|e| e.function_name == f).count();
    assert_eq!(
        ran("workflow"),
        3,
        "three ticks: morning, before the first tip, after the games"
    );
    let scraper_runs = ran("scrapers");
    assert!(
        scraper_runs >= 15,
        "schedule, scoreboards, events, props per event, box scores per game, logs: {scraper_runs}"
    );
    let loads = schedule_loads(&report);
    assert_eq!(loads.len(), 1);
    assert_eq!(
        (loads[0].status.as_str(), loads[0].rows_written, loads[0].rows_rejected),
        ("success", all, 0)
    );

    // Every decision is logged, with its reason; events came before props.
    let decisions = platform
        .clients
        .warehouse
        .query(
            "SELECT step, decision, reason, tick_at FROM nba_orchestration.workflow_decisions ORDER BY tick_at, decided_at",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        decisions
            .iter()
            .any(|d| d["decision"] == "skip" && d["reason"].as_str().unwrap().contains("outside"))
    );
    let run_steps: Vec<&str> = decisions
        .iter()
        .filter(|d| d["decision"] == "run")
        .map(|d| d["step"].as_str().unwrap())
        .collect();
    let first = |step: &str| {
        run_steps
            .iter()
            .position(|s| *s == step)
            .unwrap_or_else(|| panic!("{step} ran: {run_steps:?}"))
    };
    assert!(first("odds_events") < first("player_props"));
    assert_eq!(run_steps.len(), scraper_runs, "one scraper run per run decision");

    // One raw object per scraper run, at the documented keys.
    let bucket = platform.names.bucket(Bucket::Raw);
    let objects = platform.clients.objects.list(&bucket, "").await.unwrap();
    assert_eq!(objects.len(), scraper_runs, "{objects:#?}");
    let key = regex_lite(r"^[a-z-]+/[a-z0-9-]+/2025-01-10/([0-9a-f]+/)?\d{8}_\d{6}\.(json|html)$");
    for o in &objects {
        assert!(key(&o.name), "{}", o.name);
    }

    // Every published message and event matches its contract.
    let names = platform.names.clone();
    let phase1 = journal(&platform.cloud, &names.topic(Topic::Phase1ScrapersComplete));
    assert_eq!(phase1.len(), scraper_runs);
    let phase2 = journal(&platform.cloud, &names.topic(Topic::Phase2RawComplete));
    // Every kind scraped today was loaded, and announced per table.
    let tables: std::collections::BTreeSet<&str> = phase2.iter().map(|m| m["table"].as_str().unwrap()).collect();
    let expected = [
        "nba_raw.bdl_games",
        "nba_raw.bdl_player_boxscores",
        "nba_raw.espn_scoreboard",
        "nba_raw.nbac_live_boxscore",
        "nba_raw.nbac_player_boxscores",
        "nba_raw.nbac_player_list",
        "nba_raw.nbac_schedule",
        "nba_raw.nbac_scoreboard",
        "nba_raw.nbac_team_boxscore",
        "nba_raw.odds_api_events",
        "nba_raw.odds_api_player_props",
    ];
    assert_eq!(tables.into_iter().collect::<Vec<_>>(), expected);
    assert_rows_announced_once(&platform, &phase2).await;
    let finalized = journal(&platform.cloud, &nba_cloud::embedded::LocalEventarc::topic_for(&bucket));
    assert_eq!(finalized.len(), scraper_runs);
    let phase3 = journal(&platform.cloud, &names.topic(Topic::Phase3AnalyticsComplete));
    let phase4_triggers = journal(&platform.cloud, &names.topic(Topic::Phase4Trigger));
    let phase4 = journal(&platform.cloud, &names.topic(Topic::Phase4PrecomputeComplete));
    // Phase 3 ran for the day, and each phase-4 run (same-day for tonight, overnight
    // for the next game date) was triggered once; overnight, a summary rewritten after the
    // trigger (a better box score source landing) fires it again, and says so.
    assert!(!phase3.is_empty() && !phase4.is_empty());
    let runs = |date: &str, mode: &str| -> Vec<String> {
        phase4_triggers
            .iter()
            .filter(|t| t["game_date"] == date && t["mode"] == mode)
            .map(|t| t["reason"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(runs("2025-01-10", "same_day").len(), 1, "{phase4_triggers:?}");
    let overnight = runs("2025-01-11", "overnight");
    assert!(!overnight.is_empty(), "{phase4_triggers:?}");
    assert!(
        overnight[1..]
            .iter()
            .all(|r| r.contains("inputs changed after the trigger")),
        "{overnight:?}"
    );
    assert_eq!(
        phase4_triggers.len(),
        1 + overnight.len(),
        "no other phase-4 run: {phase4_triggers:?}"
    );
    for (messages, schema) in [
        (&phase1, "messages/nba-phase1-scrapers-complete.schema.json"),
        (&phase2, "messages/nba-phase2-raw-complete.schema.json"),
        (&phase3, "messages/nba-phase3-analytics-complete.schema.json"),
        (&phase4_triggers, "messages/nba-phase4-trigger.schema.json"),
        (&phase4, "messages/nba-phase4-precompute-complete.schema.json"),
        (&finalized, "cloudevents/storage-object-finalized.schema.json"),
    ] {
        for m in messages.iter() {
            // The phase-3 topic also carries the clock's transition ticks (re-evaluate a date).
            let schema = match m.get("processor_name") {
                None if m.get("now").is_some() => "messages/nba-transition-tick.schema.json",
                _ => schema,
            };
            let errors = schema_errors(schema, m);
            assert!(errors.is_empty(), "{schema}: {errors:?}");
        }
    }
    assert!(
        phase1
            .iter()
            .chain(&phase2)
            .all(|m| m["correlation_id"] == report.correlation_id.as_str())
    );

    // A second run of the same day changes no count; the processor sees unchanged rows.
    let again = run_day(&platform, date(), DayEnd::AfterGames, &hidden()).await.unwrap();
    assert!(again.succeeded(), "{:?}", again.failures());
    assert_eq!(schedule_counts(&platform).await, (all, regular));
    let loads = schedule_loads(&again);
    assert_eq!((loads[0].rows_written, loads[0].rows_unchanged), (0, all));
    platform.shutdown().await;

    // No API key reaches any stored object, message journal, log file or the warehouse.
    assert_eq!(
        files_containing(dir.path(), b"replay-placeholder"),
        Vec::<String>::new()
    );
}

/// Per table, the rows the completion messages say were written add up to the rows the
/// table holds (the warehouse started empty): nothing written or announced twice.
async fn assert_rows_announced_once(platform: &LocalPlatform, completions: &[Value]) {
    let mut announced: BTreeMap<String, i64> = BTreeMap::new();
    for m in completions {
        *announced.entry(m["table"].as_str().unwrap().to_string()).or_default() += m["rows_written"].as_i64().unwrap();
    }
    for (table, written) in announced {
        let held = count(platform, &format!("SELECT count(*) FROM {table}")).await;
        assert_eq!(written, held, "{table}");
    }
}

/// A tiny matcher for the key pattern without a regex dependency in this crate.
fn regex_lite(pattern: &str) -> impl Fn(&str) -> bool {
    let re = regex::Regex::new(pattern).unwrap();
    move |s| re.is_match(s)
}

fn files_containing(dir: &std::path::Path, needle: &[u8]) -> Vec<String> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if std::fs::read(&path).unwrap().windows(needle.len()).any(|w| w == needle) {
                hits.push(path.display().to_string());
            }
        }
    }
    hits
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_deliveries_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let platform = LocalPlatform::start(options(dir.path(), true)).await.unwrap();
    let report = run_day(&platform, date(), DayEnd::AfterGames, &hidden()).await.unwrap();
    assert!(report.succeeded(), "{:?}", report.failures());
    let (all, regular) = schedule_counts(&platform).await;
    assert_eq!(regular, 1230);
    // The schedule's finalize event arrived twice: one run loaded it, the duplicate was recognised.
    let loads = schedule_loads(&report);
    assert_eq!(loads.len(), 2, "{loads:?}");
    let written: i64 = loads.iter().map(|e| e.rows_written).sum();
    assert_eq!(written, all, "rows written once in total");
    assert!(
        loads.iter().any(|e| e.status == "skipped" || e.rows_unchanged == all),
        "{loads:?}"
    );
    // Downstream saw each written row announced once, however often events arrived.
    let completions = journal(&platform.cloud, &platform.names.topic(Topic::Phase2RawComplete));
    assert_rows_announced_once(&platform, &completions).await;
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
    let report = run_day(&platform, date(), DayEnd::AfterGames, &hidden()).await.unwrap();
    assert!(report.succeeded(), "{:?}", report.failures());
    assert_eq!(schedule_counts(&platform).await.1, 1230);
    // The schedule is the first object of the day: its first two deliveries failed.
    let raw: Vec<(&str, Option<&str>)> = report
        .executions
        .iter()
        .filter(|e| e.function_name == "raw_processor")
        .take(3)
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
        ..Default::default()
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
    // Every schema under events/ has a sample next to it, and the sample is valid.
    let mut checked = 0;
    for dir in ["messages", "cloudevents"] {
        let path = common::repo_root().join("events").join(dir);
        for entry in std::fs::read_dir(&path).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            let Some(stem) = name.strip_suffix(".schema.json") else {
                continue;
            };
            let (schema, sample) = (format!("{dir}/{name}"), format!("{dir}/{stem}.sample.json"));
            let errors = schema_errors(&schema, &common::contract(&sample));
            assert!(errors.is_empty(), "{sample}: {errors:?}");
            checked += 1;
        }
    }
    assert!(checked >= 7, "{checked} contracts");
}
