//! `POST /tick {"date": "YYYY-MM-DD", "now": "RFC 3339"?}`: one workflow tick.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::Json;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use nba_cloud::writer::{WriteContext, write_rows};
use nba_cloud::{ObjectStore, Warehouse};
use nba_core::CorrelationId;
use nba_runtime::{FunctionError, HttpFunction, HttpRequest, Invocation, Outcome, RunStatus};
use nba_schemas::tables::orchestration::WorkflowDecision;
use reqwest::Url;
use serde::Deserialize;
use serde_json::{Value, json};

use super::plan::{DayContext, Decision, GameSlot, WorkflowFile, decide};

/// Registered name of the workflow function.
pub const WORKFLOW_FUNCTION: &str = "workflow";

pub struct WorkflowFunction {
    pub workflow: WorkflowFile,
    /// The scraper function (`POST {url}scrape`).
    pub scrapers_url: Url,
    pub http: reqwest::Client,
    pub warehouse: Arc<dyn Warehouse>,
    pub objects: Arc<dyn ObjectStore>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TickRequest {
    date: NaiveDate,
    /// The instant to decide for (default: now). Replays simulate a day with it.
    #[serde(default)]
    now: Option<DateTime<Utc>>,
}

/// What one run of one scraper answered.
#[derive(Debug, Clone, Default)]
struct RunResult {
    status: String,
    gcs_path: Option<String>,
}

impl WorkflowFunction {
    /// The day's games from the loaded schedule (empty until the schedule is loaded).
    async fn day_context(&self, date: NaiveDate) -> Result<DayContext, FunctionError> {
        let sql = "SELECT game_id, tip_time_utc AS tip, home_team_tricode AS home, away_team_tricode AS away \
                   FROM nba_raw.nbac_schedule WHERE game_date = CAST(? AS DATE) ORDER BY tip_time_utc, game_id";
        let rows = self
            .warehouse
            .query(sql, vec![json!(date.to_string())])
            .await
            .map_err(|e| FunctionError::Transient(format!("reading the schedule: {e}")))?;
        // A schedule row that does not read as a game is a bug upstream of here: say so.
        let games = rows
            .into_iter()
            .map(|r| serde_json::from_value::<GameSlot>(Value::Object(r)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| FunctionError::Internal(format!("nba_raw.nbac_schedule row for {date}: {e}")))?;
        let schedule_loaded = !games.is_empty() || {
            let any = self
                .warehouse
                .query("SELECT count(*) AS n FROM nba_raw.nbac_schedule", vec![])
                .await
                .map_err(|e| FunctionError::Transient(format!("reading the schedule: {e}")))?;
            any.first()
                .and_then(|r| r.get("n"))
                .and_then(Value::as_i64)
                .unwrap_or(0)
                > 0
        };
        Ok(DayContext {
            date,
            games,
            schedule_loaded,
        })
    }

    /// Calls the scraper function; 503s (transient) are retried a few times.
    async fn run_scraper(&self, inv: &Invocation, body: Value) -> RunResult {
        let url = match self.scrapers_url.join("scrape") {
            Ok(url) => url,
            Err(e) => return failed(format!("scraper URL: {e}")),
        };
        let mut delay = Duration::from_millis(200);
        for attempt in 1..=4 {
            let sent = self
                .http
                .post(url.clone())
                .header(CorrelationId::HEADER, inv.correlation_id.as_str())
                .json(&body)
                .send()
                .await;
            match sent {
                Ok(r) if r.status().as_u16() == 503 && attempt < 4 => {}
                Ok(r) => {
                    let status = r.status();
                    let answer: Value = r.json().await.unwrap_or(Value::Null);
                    return RunResult {
                        status: answer["status"]
                            .as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| format!("http_{}", status.as_u16())),
                        gcs_path: answer["gcs_path"].as_str().map(str::to_string),
                    };
                }
                Err(e) if attempt < 4 => tracing::warn!(error = %e, "scraper call failed; retrying"),
                Err(e) => return failed(e.to_string()),
            }
            tokio::time::sleep(delay).await;
            delay *= 2;
        }
        failed("the scraper function kept answering 503".into())
    }

    /// The Odds API event ids of `date` listed by a stored `odds_api_events` response.
    async fn events_of(&self, gcs_path: &str, date: NaiveDate) -> Result<Vec<String>, String> {
        let (bucket, name) = gcs_path
            .strip_prefix("gs://")
            .and_then(|p| p.split_once('/'))
            .ok_or_else(|| format!("not a gs:// path: {gcs_path}"))?;
        let body = self.objects.get(bucket, name).await.map_err(|e| e.to_string())?;
        let events = nba_upstream::odds_api::events::decode_events(&body).map_err(|e| e.to_string())?;
        Ok(events
            .into_iter()
            .filter(|e| nba_core::time::et_date(e.commence_time) == date)
            .map(|e| e.id)
            .collect())
    }
}

fn failed(reason: String) -> RunResult {
    tracing::error!(reason = %reason, "scraper run failed");
    RunResult {
        status: "error".into(),
        gcs_path: None,
    }
}

/// The `/scrape` body of a decision.
fn scrape_body(d: &Decision, date: NaiveDate, event_id: Option<&str>) -> Value {
    let mut body = json!({"scraper": d.scraper, "date": date.to_string()});
    if let Some(g) = &d.game_id {
        body["game_id"] = json!(g);
    }
    if let Some(t) = &d.team {
        body["team"] = json!(t);
    }
    if let Some(e) = event_id {
        body["event_id"] = json!(e);
    }
    body
}

#[async_trait]
impl HttpFunction for WorkflowFunction {
    async fn call(&self, inv: &Invocation, req: HttpRequest) -> Result<(Response, Outcome), FunctionError> {
        let tick: TickRequest =
            serde_json::from_slice(&req.body).map_err(|e| FunctionError::BadRequest(format!("request body: {e}")))?;
        let now = tick.now.unwrap_or_else(Utc::now);
        let day = self.day_context(tick.date).await?;
        let decisions = decide(&self.workflow, &day, now);
        let mut rows = Vec::new();
        // Results of this tick by step, for per-event steps (events before props).
        let mut results: Vec<(String, RunResult)> = Vec::new();
        for d in &decisions {
            let row =
                |decision: &str, reason: String, event_id: Option<&str>, r: Option<&RunResult>| WorkflowDecision {
                    game_date: tick.date,
                    tick_at: now,
                    decided_at: Utc::now(),
                    step: d.step.clone(),
                    scraper: d.scraper.clone(),
                    decision: decision.into(),
                    reason,
                    game_id: d.game_id.clone(),
                    event_id: event_id.map(str::to_string),
                    team: d.team.clone(),
                    scraper_status: r.map(|r| r.status.clone()),
                    gcs_path: r.and_then(|r| r.gcs_path.clone()),
                    correlation_id: inv.correlation_id.to_string(),
                    execution_id: inv.execution_id.to_string(),
                };
            if !d.run {
                rows.push(row("skip", d.reason.clone(), None, None));
                continue;
            }
            let Some(source) = &d.for_each_event_from else {
                let result = self.run_scraper(inv, scrape_body(d, tick.date, None)).await;
                rows.push(row("run", d.reason.clone(), None, Some(&result)));
                results.push((d.step.clone(), result));
                continue;
            };
            let listing = results.iter().find(|(step, r)| step == source && r.gcs_path.is_some());
            let events = match listing.and_then(|(_, r)| r.gcs_path.clone()) {
                Some(path) => self.events_of(&path, tick.date).await,
                None => Err(format!("step {source} listed no events this tick")),
            };
            match events {
                Ok(ids) if ids.is_empty() => {
                    rows.push(row("skip", format!("no events of {} listed", tick.date), None, None))
                }
                Ok(ids) => {
                    for id in ids {
                        let result = self.run_scraper(inv, scrape_body(d, tick.date, Some(&id))).await;
                        rows.push(row("run", d.reason.clone(), Some(&id), Some(&result)));
                    }
                }
                Err(why) => rows.push(row("skip", why, None, None)),
            }
        }
        let ctx = WriteContext {
            source_file: None,
            correlation_id: Some(inv.correlation_id.to_string()),
            execution_id: Some(inv.execution_id.to_string()),
        };
        write_rows(self.warehouse.as_ref(), &rows, &ctx)
            .await
            .map_err(|e| FunctionError::Transient(format!("recording workflow decisions: {e}")))?;
        Ok(summarise(tick.date, now, &rows))
    }
}

fn summarise(date: NaiveDate, now: DateTime<Utc>, rows: &[WorkflowDecision]) -> (Response, Outcome) {
    let ran: Vec<&WorkflowDecision> = rows.iter().filter(|r| r.decision == "run").collect();
    let failed = ran
        .iter()
        .filter(|r| !matches!(r.scraper_status.as_deref(), Some("success" | "no_data")))
        .count();
    let status = match (ran.len(), failed) {
        (_, 0) => RunStatus::Success,
        (n, f) if f == n => RunStatus::Failed,
        _ => RunStatus::Partial,
    };
    let mut outcome = Outcome::new(status);
    outcome.game_date = Some(date);
    outcome.rows_read = rows.len() as u64;
    outcome.rows_written = ran.len() as u64;
    outcome.message = Some(format!("{} decisions, {} runs, {failed} failed", rows.len(), ran.len()));
    let body = json!({
        "status": status.as_str(),
        "date": date.to_string(),
        "now": now.to_rfc3339(),
        "runs": ran.len(),
        "failed": failed,
        "decisions": rows.iter().map(|r| json!({
            "step": r.step, "scraper": r.scraper, "decision": r.decision, "reason": r.reason,
            "game_id": r.game_id, "event_id": r.event_id, "team": r.team,
            "scraper_status": r.scraper_status, "gcs_path": r.gcs_path,
        })).collect::<Vec<_>>(),
    });
    (Json(body).into_response(), outcome)
}
