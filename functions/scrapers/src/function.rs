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

use crate::http::{BreakerState, FetchError, Fetcher, OddsQuota, Upstreams, redact};
use crate::message::publish_complete;
use crate::options::{ScrapeOptions, ScrapeRequest};
use crate::scraper::{Pagination, ScraperRegistry, ScraperSpec};
use nba_upstream::ShapeError;

/// Registered name of the scraper function.
pub const SCRAPE_FUNCTION: &str = "scrapers";

/// Prefix under which bodies of failed runs are kept for diagnosis (never processed).
pub const DIAGNOSTICS_PREFIX: &str = "quarantine/scrapers";

/// Fetches of one scrape whose body fails its shape check, in all, before the run fails.
pub const SHAPE_ATTEMPTS: u32 = 3;
/// Wait before re-fetching a badly shaped body (times the attempt number).
const SHAPE_RETRY_DELAY: std::time::Duration = std::time::Duration::from_millis(250);

/// Where the body of a badly shaped answer is kept: under [`DIAGNOSTICS_PREFIX`], the
/// re-fetches' bodies suffixed `-{attempt}` before the extension.
fn diagnostics_key(object_key: &str, attempt: u32) -> String {
    let key = match object_key.rsplit_once('.') {
        Some((stem, ext)) if attempt > 1 => format!("{stem}-{attempt}.{ext}"),
        _ => object_key.to_string(),
    };
    format!("{DIAGNOSTICS_PREFIX}/{key}")
}

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
    fn parse_request(&self, req: &HttpRequest) -> Result<(&'static ScraperSpec, ScrapeOptions), FunctionError> {
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
        let opts =
            ScrapeOptions::from_request(&body, (self.today)()).map_err(|e| FunctionError::BadRequest(e.to_string()))?;
        scraper.check_options(&opts).map_err(FunctionError::BadRequest)?;
        Ok((scraper, opts))
    }

    /// Keeps a body that failed its shape check under [`DIAGNOSTICS_PREFIX`], with why in
    /// the object's metadata (source, endpoint, field, reason). `attempt` > 1 names the
    /// re-fetches' bodies apart (they may land in the same second).
    async fn keep_for_diagnosis(
        &self,
        scraper: &ScraperSpec,
        ctx: &ScrapeOptions,
        body: Bytes,
        error: &ShapeError,
        attempt: u32,
    ) -> Option<String> {
        let key = diagnostics_key(&scraper.object_key(ctx, Utc::now()), attempt);
        let bucket = self.names.bucket(Bucket::Raw);
        let metadata = BTreeMap::from([
            ("scraper".to_string(), scraper.name.to_string()),
            ("source".to_string(), error.source_name.clone()),
            ("endpoint".to_string(), error.endpoint.clone()),
            ("field".to_string(), error.field.clone()),
            ("reason".to_string(), error.reason.clone()),
            ("attempt".to_string(), attempt.to_string()),
        ]);
        let opts = PutOptions {
            content_type: "application/octet-stream".into(),
            metadata,
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
        scraper: &ScraperSpec,
        ctx: &ScrapeOptions,
        run: RunResult,
        started: Instant,
    ) -> Result<(), FunctionError> {
        let RunResult {
            status,
            count,
            gcs_path,
        } = run;
        let message = ScraperComplete {
            processor_name: scraper.name.into(),
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
        scraper: &ScraperSpec,
        ctx: &ScrapeOptions,
        bad: BadAnswer,
        started: Instant,
    ) -> Result<(Response, Outcome), FunctionError> {
        let BadAnswer { body, error, attempt } = bad;
        let kept = self.keep_for_diagnosis(scraper, ctx, body, &error, attempt).await;
        self.complete(inv, scraper, ctx, RunResult::empty(RunStatus::Failed), started)
            .await?;
        let mut outcome = Outcome::new(RunStatus::Failed);
        outcome.game_date = Some(ctx.date);
        outcome.message = Some(format!(
            "unknown response shape after {attempt} fetch(es): {error}; body kept at {}",
            kept.as_deref().unwrap_or("(could not be kept)")
        ));
        let mut body = answer("failed", scraper.name, inv, None, 0);
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
        // A body that fails its shape check is kept for diagnosis and fetched again: a cut or
        // garbled answer, or an error page served with 200, is usually the upstream's (or its
        // CDN's) passing trouble, and a scrape that gave up at once would leave the day without
        // that data. A shape that stays wrong (a real schema change) fails after SHAPE_ATTEMPTS.
        let mut kept_bad: Vec<String> = Vec::new();
        let mut attempt = 1;
        let (body, report, count) = loop {
            let (body, error) = match self.fetch(scraper, &ctx).await {
                Ok((body, report)) => match (scraper.check)(&body) {
                    Ok(n) => break (body, report, n),
                    Err(error) => (body, error),
                },
                // HTML where JSON was expected (an error page, a block page), or one page of
                // several that failed its shape check.
                Err(Fetch::BadBody { body, error }) => (body, error),
                Err(Fetch::Failed(e)) => return Err(e),
            };
            if attempt >= SHAPE_ATTEMPTS {
                return self
                    .shape_failure(inv, scraper, &ctx, BadAnswer { body, error, attempt }, started)
                    .await;
            }
            tracing::warn!(scraper = scraper.name, attempt, error = %error, "bad response shape; kept, fetching again");
            if let Some(kept) = self.keep_for_diagnosis(scraper, &ctx, body, &error, attempt).await {
                kept_bad.push(kept);
            }
            tokio::time::sleep(SHAPE_RETRY_DELAY * attempt).await;
            attempt += 1;
        };
        let mut outcome = Outcome::new(RunStatus::Success).with_input(report.url_shown.clone());
        outcome.game_date = Some(ctx.date);
        let mut summary = report.summary(self.fetcher.breaker_state(scraper.source));
        if !kept_bad.is_empty() {
            summary.push_str(&format!(" bad_answers_kept={}", kept_bad.join(",")));
        }
        outcome.message = Some(summary);
        if count == 0 {
            // A valid but empty answer: nothing to store, nothing downstream to trigger.
            self.complete(inv, scraper, &ctx, RunResult::empty(RunStatus::NoData), started)
                .await?;
            outcome.status = RunStatus::NoData;
            let body = answer("no_data", scraper.name, inv, None, 0);
            return Ok((Json(body).into_response(), outcome));
        }
        let scraped_at = report.served_at.unwrap_or_else(Utc::now);
        let gcs_path = self.store(inv, scraper, &ctx, body, scraped_at).await?;
        let run = RunResult {
            status: RunStatus::Success,
            count,
            gcs_path: Some(gcs_path.clone()),
        };
        self.complete(inv, scraper, &ctx, run, started).await?;
        outcome.rows_written = count;
        let body = answer("success", scraper.name, inv, Some(&gcs_path), count);
        Ok((Json(body).into_response(), outcome))
    }
}

/// The last badly shaped answer of a scrape that gave up.
struct BadAnswer {
    body: Bytes,
    error: ShapeError,
    /// Fetches made, this one included.
    attempt: u32,
}

/// Why a fetch did not give a body to check.
enum Fetch {
    /// A body to keep and fetch again: another content type (HTML for JSON), or a page of a
    /// paginated answer that failed the shape check (the page as served, not the merge).
    BadBody {
        body: Bytes,
        error: ShapeError,
    },
    Failed(FunctionError),
}

impl From<FunctionError> for Fetch {
    fn from(e: FunctionError) -> Self {
        Fetch::Failed(e)
    }
}

/// What fetching cost, for the execution log: requests, attempts, the Odds API quota.
#[derive(Debug, Default)]
struct FetchReport {
    url_shown: String,
    requests: u32,
    attempts: u32,
    quota: Option<OddsQuota>,
    /// The upstream's own `Date` for the (first) answer: the snapshot's time.
    served_at: Option<DateTime<Utc>>,
}

impl FetchReport {
    fn summary(&self, breaker: BreakerState) -> String {
        let mut s = format!(
            "requests={} attempts={} breaker={}",
            self.requests,
            self.attempts,
            serde_json::to_string(&breaker).unwrap_or_default()
        );
        if let Some(q) = &self.quota {
            s.push_str(&format!(
                " odds_quota_remaining={} odds_quota_used={}",
                q.remaining.map_or("?".into(), |v| v.to_string()),
                q.used.map_or("?".into(), |v| v.to_string())
            ));
        }
        s
    }
}

/// Most pages a cursor-paginated scrape follows (balldontlie serves 100 per page).
const MAX_PAGES: usize = 50;

impl ScrapeFunction {
    /// Fetches the scraper's response: one request, or every page of a cursor-paginated
    /// endpoint merged into one response.
    async fn fetch(&self, scraper: &ScraperSpec, opts: &ScrapeOptions) -> Result<(Bytes, FetchReport), Fetch> {
        let url = (scraper.url)(opts, &self.upstreams).map_err(|e| {
            Fetch::Failed(FunctionError::Internal(format!(
                "building the {} URL: {e}",
                scraper.name
            )))
        })?;
        let mut report = FetchReport {
            url_shown: redact(&url),
            ..Default::default()
        };
        match scraper.pagination {
            Pagination::None => Ok((self.get(scraper, &url, &mut report).await?, report)),
            Pagination::Cursor => {
                let mut pages: Vec<Value> = Vec::new();
                let mut next = url.clone();
                loop {
                    let body = self.get(scraper, &next, &mut report).await?;
                    // Each page is checked as it comes: what is kept for diagnosis is then the
                    // page the upstream served (a merge would hide which page, and what it was).
                    if let Err(error) = (scraper.check)(&body) {
                        return Err(Fetch::BadBody { body, error });
                    }
                    let page = serde_json::from_slice::<Value>(&body).map_err(|e| Fetch::BadBody {
                        error: ShapeError::new(scraper.source.name(), scraper.name, "$", format!("not JSON: {e}")),
                        body: body.clone(),
                    })?;
                    let cursor = page
                        .pointer("/meta/next_cursor")
                        .filter(|c| !c.is_null())
                        .map(|c| c.to_string());
                    pages.push(page);
                    match cursor {
                        Some(c) if pages.len() < MAX_PAGES => {
                            next = url.clone();
                            next.query_pairs_mut().append_pair("cursor", c.trim_matches('"'));
                        }
                        _ => break,
                    }
                }
                Ok((Bytes::from(merge_pages(pages).to_string()), report))
            }
        }
    }

    async fn get(&self, scraper: &ScraperSpec, url: &reqwest::Url, report: &mut FetchReport) -> Result<Bytes, Fetch> {
        match self.fetcher.fetch(scraper.source, url).await {
            Ok(fetched) => {
                report.requests += 1;
                report.attempts += fetched.attempts;
                if let Some(quota) = fetched.odds_quota() {
                    report.quota = Some(quota);
                }
                if report.served_at.is_none() {
                    report.served_at = fetched.served_at();
                }
                Ok(fetched.body)
            }
            Err(FetchError::UnexpectedContentType {
                url,
                content_type,
                body,
                ..
            }) => Err(Fetch::BadBody {
                body,
                error: ShapeError::new(
                    scraper.source.name(),
                    scraper.name,
                    "$",
                    format!(
                        "{url} answered {content_type} where {} was expected",
                        scraper.content_type()
                    ),
                ),
            }),
            Err(e) => {
                let breaker = self.fetcher.breaker_state(scraper.source);
                let message = format!("{e} (breaker {})", serde_json::to_string(&breaker).unwrap_or_default());
                Err(Fetch::Failed(if e.is_transient() {
                    FunctionError::Transient(message)
                } else {
                    FunctionError::Internal(message)
                }))
            }
        }
    }

    async fn store(
        &self,
        inv: &Invocation,
        scraper: &ScraperSpec,
        ctx: &ScrapeOptions,
        body: Bytes,
        scraped_at: DateTime<Utc>,
    ) -> Result<String, FunctionError> {
        let key = scraper.object_key(ctx, scraped_at);
        let bucket = self.names.bucket(Bucket::Raw);
        let metadata = BTreeMap::from([
            (CorrelationId::ATTRIBUTE.to_string(), inv.correlation_id.to_string()),
            ("scraper".to_string(), scraper.name.to_string()),
            ("execution_id".to_string(), inv.execution_id.to_string()),
            ("game_date".to_string(), ctx.date.to_string()),
        ]);
        let opts = PutOptions {
            content_type: scraper.content_type().into(),
            metadata,
            create_only: false,
            gzip: true,
        };
        self.objects
            .put(&bucket, &key, body, opts)
            .await
            .map_err(|e| FunctionError::Transient(format!("writing gs://{bucket}/{key}: {e}")))?;
        Ok(format!("gs://{bucket}/{key}"))
    }
}

/// One response from cursor pages: the first page with every page's `data`, and
/// `meta.pages` saying how many were merged.
fn merge_pages(mut pages: Vec<Value>) -> Value {
    let count = pages.len();
    let data: Vec<Value> = pages
        .iter_mut()
        .flat_map(|p| match p.get_mut("data").map(Value::take) {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        })
        .collect();
    let mut merged = pages.into_iter().next().unwrap_or_else(|| json!({}));
    merged["data"] = Value::Array(data);
    if let Some(meta) = merged.get_mut("meta").and_then(Value::as_object_mut) {
        meta.insert("next_cursor".into(), Value::Null);
        meta.insert("pages".into(), json!(count));
    }
    merged
}
