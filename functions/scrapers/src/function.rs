//! The scraper HTTP function: `POST /scrape {"scraper": NAME, …options}`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use axum::Json;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
use http::StatusCode;
use nba_cloud::ObjectStore;
use nba_cloud::Publisher;
use nba_cloud::ports::object_store::PutOptions;
use nba_core::messages::ScraperComplete;
use nba_core::{Bucket, CorrelationId, Names};
use nba_runtime::{FunctionError, HttpFunction, HttpRequest, Invocation, Outcome, RunStatus};
use serde_json::{Value, json};

use crate::http_client::{Fetcher, Upstreams, redact};
use crate::message::publish_complete;
use crate::options::{ScrapeRequest, resolve_date, season_of, validate_season};
use crate::scraper::{ScrapeContext, Scraper, ScraperRegistry, ShapeError};

/// Registered name of the scraper function.
pub const SCRAPE_FUNCTION: &str = "scrapers";

/// Prefix under which bodies of failed runs are kept for diagnosis (never processed).
pub const DIAGNOSTICS_PREFIX: &str = "quarantine/scrapers";

pub struct ScrapeFunction {
    pub registry: ScraperRegistry,
    pub fetcher: Fetcher,
    pub upstreams: Upstreams,
    pub objects: Arc<dyn ObjectStore>,
    pub publisher: Arc<dyn Publisher>,
    pub names: Names,
    /// ET "today" for `TODAY`/`YESTERDAY` (injectable so replays can simulate a day).
    pub today: fn() -> NaiveDate,
}

/// How a run ended, for its completion message.
struct RunResult {
    status: RunStatus,
    count: u64,
    gcs_path: Option<String>,
}

impl RunResult {
    fn empty(status: RunStatus) -> Self {
        RunResult {
            status,
            count: 0,
            gcs_path: None,
        }
    }
}

/// The function's answer body.
fn answer(status: &str, scraper: &str, inv: &Invocation, gcs_path: Option<&str>, count: u64) -> Value {
    json!({
        "status": status,
        "scraper": scraper,
        "run_id": inv.execution_id.as_str(),
        "correlation_id": inv.correlation_id.as_str(),
        "gcs_path": gcs_path,
        "record_count": count,
    })
}

impl ScrapeFunction {
    fn parse_request(&self, req: &HttpRequest) -> Result<(Arc<dyn Scraper>, ScrapeContext), FunctionError> {
        if req.method != http::Method::POST {
            return Err(FunctionError::BadRequest("use POST /scrape with a JSON body".into()));
        }
        let body: ScrapeRequest =
            serde_json::from_slice(&req.body).map_err(|e| FunctionError::BadRequest(format!("request body: {e}")))?;
        let scraper = self.registry.get(&body.scraper).ok_or_else(|| {
            FunctionError::BadRequest(format!(
                "unknown scraper {:?}; known: {}",
                body.scraper,
                self.registry.names().join(", ")
            ))
        })?;
        let date =
            resolve_date(body.date.as_deref(), (self.today)()).map_err(|e| FunctionError::BadRequest(e.to_string()))?;
        let season = match body.season {
            Some(s) => validate_season(&s).map_err(|e| FunctionError::BadRequest(e.to_string()))?,
            None => season_of(date),
        };
        Ok((scraper, ScrapeContext { date, season }))
    }

    async fn keep_for_diagnosis(&self, scraper: &dyn Scraper, ctx: &ScrapeContext, body: Bytes) -> Option<String> {
        let key = format!("{DIAGNOSTICS_PREFIX}/{}", scraper.object_key(ctx, Utc::now()));
        let bucket = self.names.bucket(Bucket::Raw);
        let opts = PutOptions {
            content_type: "application/octet-stream".into(),
            ..Default::default()
        };
        match self.objects.put(&bucket, &key, body, opts).await {
            Ok(_) => Some(format!("gs://{bucket}/{key}")),
            Err(e) => {
                tracing::error!(error = %e, "could not keep the failed response for diagnosis");
                None
            }
        }
    }

    async fn complete(
        &self,
        inv: &Invocation,
        scraper: &dyn Scraper,
        ctx: &ScrapeContext,
        run: RunResult,
        started: Instant,
    ) -> Result<(), FunctionError> {
        let RunResult {
            status,
            count,
            gcs_path,
        } = run;
        let message = ScraperComplete {
            processor_name: scraper.name().into(),
            phase: 1,
            execution_id: inv.execution_id.to_string(),
            correlation_id: inv.correlation_id.to_string(),
            game_date: ctx.date,
            status: status.as_str().into(),
            record_count: count,
            gcs_path,
            duration_seconds: started.elapsed().as_secs_f64(),
        };
        publish_complete(self.publisher.as_ref(), &self.names, &message)
            .await
            .map(|_| ())
            .map_err(|e| FunctionError::Transient(e.to_string()))
    }

    async fn shape_failure(
        &self,
        inv: &Invocation,
        scraper: &dyn Scraper,
        ctx: &ScrapeContext,
        body: Bytes,
        error: ShapeError,
        started: Instant,
    ) -> Result<(Response, Outcome), FunctionError> {
        let kept = self.keep_for_diagnosis(scraper, ctx, body).await;
        self.complete(inv, scraper, ctx, RunResult::empty(RunStatus::Failed), started)
            .await?;
        let mut outcome = Outcome::new(RunStatus::Failed);
        outcome.game_date = Some(ctx.date);
        outcome.message = Some(format!(
            "unknown response shape: {error}; body kept at {}",
            kept.as_deref().unwrap_or("(could not be kept)")
        ));
        let mut body = answer("failed", scraper.name(), inv, None, 0);
        body["error"] = json!(error.to_string());
        body["kept_body"] = json!(kept);
        Ok(((StatusCode::BAD_GATEWAY, Json(body)).into_response(), outcome))
    }
}

#[async_trait]
impl HttpFunction for ScrapeFunction {
    async fn call(&self, inv: &Invocation, req: HttpRequest) -> Result<(Response, Outcome), FunctionError> {
        let started = Instant::now();
        let (scraper, ctx) = self.parse_request(&req)?;
        let url = scraper
            .url(&ctx, &self.upstreams)
            .map_err(|e| FunctionError::Internal(format!("building the {} URL: {e}", scraper.name())))?;
        let shown_url = redact(&url);
        let body = self.fetcher.get(scraper.source(), &url).await.map_err(|e| {
            if e.is_transient() {
                FunctionError::Transient(e.to_string())
            } else {
                FunctionError::Internal(e.to_string())
            }
        })?;
        let decoded: Value = match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => {
                let error = ShapeError {
                    endpoint: shown_url.clone(),
                    field: "$".into(),
                    reason: format!("body is not JSON: {e}"),
                };
                return self
                    .shape_failure(inv, scraper.as_ref(), &ctx, body, error, started)
                    .await;
            }
        };
        let count = match scraper.check_shape(&decoded) {
            Ok(n) => n,
            Err(error) => {
                return self
                    .shape_failure(inv, scraper.as_ref(), &ctx, body, error, started)
                    .await;
            }
        };
        let mut outcome = Outcome::new(RunStatus::Success).with_input(shown_url);
        outcome.game_date = Some(ctx.date);
        if count == 0 {
            // A valid but empty answer: nothing to store, nothing downstream to trigger.
            self.complete(
                inv,
                scraper.as_ref(),
                &ctx,
                RunResult::empty(RunStatus::NoData),
                started,
            )
            .await?;
            outcome.status = RunStatus::NoData;
            let body = answer("no_data", scraper.name(), inv, None, 0);
            return Ok((Json(body).into_response(), outcome));
        }
        let gcs_path = self.store(inv, scraper.as_ref(), &ctx, body).await?;
        let run = RunResult {
            status: RunStatus::Success,
            count,
            gcs_path: Some(gcs_path.clone()),
        };
        self.complete(inv, scraper.as_ref(), &ctx, run, started).await?;
        outcome.rows_written = count;
        let body = answer("success", scraper.name(), inv, Some(&gcs_path), count);
        Ok((Json(body).into_response(), outcome))
    }
}

impl ScrapeFunction {
    async fn store(
        &self,
        inv: &Invocation,
        scraper: &dyn Scraper,
        ctx: &ScrapeContext,
        body: Bytes,
    ) -> Result<String, FunctionError> {
        let scraped_at: DateTime<Utc> = Utc::now();
        let key = scraper.object_key(ctx, scraped_at);
        let bucket = self.names.bucket(Bucket::Raw);
        let metadata = BTreeMap::from([
            (CorrelationId::ATTRIBUTE.to_string(), inv.correlation_id.to_string()),
            ("scraper".to_string(), scraper.name().to_string()),
            ("execution_id".to_string(), inv.execution_id.to_string()),
            ("game_date".to_string(), ctx.date.to_string()),
        ]);
        let opts = PutOptions {
            content_type: "application/json".into(),
            metadata,
            create_only: false,
        };
        self.objects
            .put(&bucket, &key, body, opts)
            .await
            .map_err(|e| FunctionError::Transient(format!("writing gs://{bucket}/{key}: {e}")))?;
        Ok(format!("gs://{bucket}/{key}"))
    }
}
