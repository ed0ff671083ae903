//! `POST /tick {"date": "YYYY-MM-DD", "now": "RFC 3339"?}`: one workflow tick.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::Json;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use nba_cloud::writer::{WriteContext, write_rows};
use nba_cloud::{IdTokenSource, ObjectStore, Warehouse};
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
    /// Cloud Run admits a call to the private scraper service only with an ID token
    /// whose audience is its URL; locally there is none to send.
    pub id_tokens: Arc<dyn IdTokenSource>,
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
        let audience = self.scrapers_url.as_str().trim_end_matches('/');
        let mut delay = Duration::from_millis(200);
        for attempt in 1..=4 {
            // Asked per attempt: the source caches, and a retry must not reuse an expired token.
            let token = match self.id_tokens.id_token(audience).await {
                Ok(token) => token,
                Err(e) => return failed(e.to_string()),
            };
            let mut request = self
                .http
                .post(url.clone())
                .header(CorrelationId::HEADER, inv.correlation_id.as_str())
                .json(&body);
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let sent = request.send().await;
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;
    use nba_cloud::embedded::{LocalCloud, LocalCloudOptions};
    use nba_cloud::{IdTokenError, NoIdTokens};
    use std::sync::Mutex;

    /// Mints a fixed token, or refuses.
    struct FixedTokens(Result<String, String>);

    #[async_trait]
    impl IdTokenSource for FixedTokens {
        async fn id_token(&self, audience: &str) -> Result<Option<String>, IdTokenError> {
            self.0.clone().map(Some).map_err(|reason| IdTokenError {
                audience: audience.into(),
                reason,
            })
        }
    }

    /// A scraper service that records each call's `Authorization` header.
    async fn recording_scrapers() -> (Url, Arc<Mutex<Vec<Option<String>>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        let app = axum::Router::new().route(
            "/scrape",
            axum::routing::post(move |headers: HeaderMap| {
                let auth = headers.get("authorization").map(|v| v.to_str().unwrap().to_owned());
                record.lock().unwrap().push(auth);
                async { Json(json!({"status": "success", "gcs_path": "gs://raw/x.json"})) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (url, seen)
    }

    fn workflow(dir: &std::path::Path, scrapers_url: Url, id_tokens: Arc<dyn IdTokenSource>) -> WorkflowFunction {
        let clients = LocalCloud::open(dir, LocalCloudOptions::default())
            .unwrap()
            .into_clients();
        let registry = crate::scraper::ScraperRegistry::standard();
        WorkflowFunction {
            workflow: WorkflowFile::parse(WorkflowFile::REPLAY, &registry.names()).unwrap(),
            scrapers_url,
            http: reqwest::Client::new(),
            id_tokens,
            warehouse: clients.warehouse,
            objects: clients.objects,
        }
    }

    #[tokio::test]
    async fn calls_to_the_scraper_service_carry_the_id_token_when_there_is_one() {
        let dir = tempfile::tempdir().unwrap();
        let (url, seen) = recording_scrapers().await;
        let inv = Invocation::new(WORKFLOW_FUNCTION);
        let body = json!({"scraper": "nbac_schedule", "date": "2025-01-10"});

        let cloud = workflow(dir.path(), url.clone(), Arc::new(FixedTokens(Ok("eyJ.tok.sig".into()))));
        assert_eq!(cloud.run_scraper(&inv, body.clone()).await.status, "success");
        let local = workflow(dir.path(), url, Arc::new(NoIdTokens));
        assert_eq!(local.run_scraper(&inv, body).await.status, "success");

        assert_eq!(*seen.lock().unwrap(), vec![Some("Bearer eyJ.tok.sig".to_owned()), None]);
    }

    #[tokio::test]
    async fn no_token_means_no_call_and_a_failed_run() {
        let dir = tempfile::tempdir().unwrap();
        let (url, seen) = recording_scrapers().await;
        let f = workflow(dir.path(), url, Arc::new(FixedTokens(Err("no service account".into()))));
        let run = f
            .run_scraper(&Invocation::new(WORKFLOW_FUNCTION), json!({"scraper": "nbac_schedule"}))
            .await;
        assert_eq!(run.status, "error");
        assert!(
            seen.lock().unwrap().is_empty(),
            "an unauthenticated call would only be refused"
        );
    }
}
