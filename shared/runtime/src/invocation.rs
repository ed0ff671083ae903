//! Invocation semantics: how a handler's result becomes an HTTP answer and an
//! execution-log row. Pub/Sub push redelivers on any non-2xx answer and acks on 2xx, so the
//! status code *is* the retry policy:
//!
//! | result | HTTP | row status | error_class | why |
//! |---|---|---|---|---|
//! | `Ok(outcome)` | 200 (`http`: the function's response) | outcome's | – | done |
//! | `Err(Transient)` | 503 | failed | `transient` | retry may help: redeliver |
//! | `Err(Internal)` | 500 | failed | `internal` | a bug; redelivery is the dead-letter path |
//! | `Err(BadInput)` | **200** | failed | `bad_input` | the handler quarantined the input; redelivering can never succeed |
//! | `Err(BadRequest)` | 400 | failed | `bad_request` | the caller's request is malformed |
//! | panic | 500, generic body | failed | `panic` | a bug; details only in the log |
//! | timeout | 504 | failed | `timeout` | the function exceeded its time budget |
//! | undecodable event | 400 | failed | `undecodable` | nothing a function could do with it |
//!
//! Every invocation writes exactly one row. If the sink fails, the answer is 500 whatever
//! the handler did: a success nobody can see would be a silent failure, and 500 makes Pub/Sub
//! redeliver so the row gets another chance.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use axum::Json;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use futures::FutureExt;
use http::StatusCode;
use nba_execlog::{ExecutionLogRow, RunStatus, sanitize_error};
use serde_json::{Value, json};

use crate::deps::RuntimeDeps;
use crate::events::DecodeError;
use crate::function::{FunctionError, Invocation, Outcome};

/// The signature type that served an invocation (`trigger_type` in the log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerType {
    Http,
    CloudEvent,
    Event,
}

impl TriggerType {
    pub fn as_str(self) -> &'static str {
        match self {
            TriggerType::Http => "http",
            TriggerType::CloudEvent => "cloudevent",
            TriggerType::Event => "event",
        }
    }
}

/// Why an invocation did not produce an outcome.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error(transparent)]
    Function(#[from] FunctionError),
    #[error("panic: {0}")]
    Panic(String),
    #[error("function timed out after {0:?}")]
    Timeout(Duration),
    #[error("undecodable event: {0}")]
    Undecodable(#[from] DecodeError),
}

impl Failure {
    /// Stable class stored in `error_class`.
    pub fn class(&self) -> &'static str {
        match self {
            Failure::Function(e) => e.class(),
            Failure::Panic(_) => "panic",
            Failure::Timeout(_) => "timeout",
            Failure::Undecodable(_) => "undecodable",
        }
    }

    /// The HTTP status (see the module table).
    pub fn status(&self) -> StatusCode {
        match self {
            Failure::Function(FunctionError::Transient(_)) => StatusCode::SERVICE_UNAVAILABLE,
            Failure::Function(FunctionError::Internal(_)) | Failure::Panic(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Failure::Function(FunctionError::BadInput { .. }) => StatusCode::OK,
            Failure::Function(FunctionError::BadRequest(_)) | Failure::Undecodable(_) => StatusCode::BAD_REQUEST,
            Failure::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
        }
    }

    /// The JSON body. Server-side failures get generic text: their details (which may name
    /// hosts, paths or panic messages) go only to the log and the execution-log row.
    fn body(&self, execution_id: &str) -> Value {
        let error = match self {
            Failure::Function(FunctionError::Transient(_)) => "temporarily unavailable, retry".to_string(),
            Failure::Function(FunctionError::Internal(_)) | Failure::Panic(_) => "internal error".to_string(),
            Failure::Timeout(_) => "function timed out".to_string(),
            Failure::Function(e @ (FunctionError::BadInput { .. } | FunctionError::BadRequest(_))) => {
                sanitize_error(&e.to_string())
            }
            Failure::Undecodable(e) => sanitize_error(&format!("undecodable event: {e}")),
        };
        json!({"status": "failed", "error": error, "error_class": self.class(), "execution_id": execution_id})
    }
}

/// Facts about the trigger, for the row.
#[derive(Debug, Clone)]
pub struct Trigger {
    pub trigger_type: TriggerType,
    /// CloudEvent type or legacy event type.
    pub event_type: Option<String>,
}

/// One invocation in progress: its context, clock and the dependencies to record it.
pub struct InvocationRun {
    pub invocation: Invocation,
    pub trigger: Trigger,
    started_at: DateTime<Utc>,
    start: Instant,
}

impl InvocationRun {
    /// Starts the clock; `started_at` and `run_date` come from this instant.
    pub fn start(invocation: Invocation, trigger: Trigger) -> Self {
        InvocationRun {
            invocation,
            trigger,
            started_at: Utc::now(),
            start: Instant::now(),
        }
    }

    /// Runs a handler future with the panic guard and the time budget.
    pub async fn execute<T, F>(&self, timeout: Duration, handler: F) -> Result<T, Failure>
    where
        F: Future<Output = Result<T, FunctionError>>,
    {
        let guarded = AssertUnwindSafe(handler).catch_unwind();
        match tokio::time::timeout(timeout, guarded).await {
            Err(_) => Err(Failure::Timeout(timeout)),
            Ok(Err(payload)) => {
                let message = panic_message(payload.as_ref());
                tracing::error!(panic = %message, "function panicked");
                Err(Failure::Panic(message))
            }
            Ok(Ok(result)) => result.map_err(Failure::Function),
        }
    }

    /// The execution-log row of this invocation for `result`.
    pub fn row(&self, result: Result<&Outcome, &Failure>) -> ExecutionLogRow {
        let inv = &self.invocation;
        let duration_ms = i64::try_from(self.start.elapsed().as_millis()).unwrap_or(i64::MAX);
        let to_i64 = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        let (status, outcome) = match result {
            Ok(outcome) => (outcome.status, Some(outcome)),
            Err(_) => (RunStatus::Failed, None),
        };
        let failure = result.err();
        ExecutionLogRow {
            execution_id: inv.execution_id.to_string(),
            function_name: inv.function.clone(),
            trigger_event_id: inv.trigger_event_id.clone(),
            trigger_type: self.trigger.trigger_type.as_str().to_string(),
            event_type: self.trigger.event_type.clone(),
            correlation_id: inv.correlation_id.to_string(),
            inputs: Value::Array(
                outcome
                    .map(|o| o.inputs.iter().cloned().map(Value::String).collect())
                    .unwrap_or_default(),
            ),
            status: status.as_str().to_string(),
            rows_read: outcome.map_or(0, |o| to_i64(o.rows_read)),
            rows_written: outcome.map_or(0, |o| to_i64(o.rows_written)),
            rows_unchanged: outcome.map_or(0, |o| to_i64(o.rows_unchanged)),
            rows_rejected: outcome.map_or(0, |o| to_i64(o.rows_rejected)),
            game_date: outcome.and_then(|o| o.game_date),
            run_date: nba_core::time::et_date(self.started_at),
            started_at: self.started_at,
            duration_ms,
            delivery_attempt: inv.delivery_attempt.map(i64::from),
            error_class: failure.map(|f| f.class().to_string()),
            error_message: failure.map(|f| sanitize_error(&f.to_string())),
            message: outcome.and_then(|o| o.message.clone()),
        }
    }

    /// Records the row and answers. `success` is the response of a successful invocation
    /// (an `http` function's own response); `None` means the standard event acknowledgement.
    pub async fn finish(
        self,
        deps: &RuntimeDeps,
        result: Result<Outcome, Failure>,
        success: Option<Response>,
    ) -> Response {
        let row = self.row(result.as_ref());
        let execution_id = self.invocation.execution_id.to_string();
        match &result {
            Ok(outcome) => tracing::info!(
                status = outcome.status.as_str(),
                duration_ms = row.duration_ms,
                rows_written = outcome.rows_written,
                "invocation finished"
            ),
            Err(failure @ Failure::Function(FunctionError::BadInput { .. })) => tracing::warn!(
                error_class = failure.class(),
                error = %row.error_message.as_deref().unwrap_or_default(),
                "input rejected and acked"
            ),
            Err(failure) => tracing::error!(
                error_class = failure.class(),
                error = %row.error_message.as_deref().unwrap_or_default(),
                duration_ms = row.duration_ms,
                "invocation failed"
            ),
        }
        if let Err(e) = deps.sink.record(row).await {
            tracing::error!(error = %e, "execution log write failed; answering 500");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({"status": "failed", "error": "execution log unavailable", "execution_id": execution_id})),
            )
                .into_response();
        }
        match result {
            Ok(outcome) => success.unwrap_or_else(|| {
                (
                    StatusCode::OK,
                    Json(json!({"status": outcome.status.as_str(), "execution_id": execution_id})),
                )
                    .into_response()
            }),
            Err(failure) => (failure.status(), Json(failure.body(&execution_id))).into_response(),
        }
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_string()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use async_trait::async_trait;
    use http_body_util::BodyExt;
    use nba_execlog::{ExecutionLogSink, LogSinkError};

    use super::*;

    fn run() -> InvocationRun {
        InvocationRun::start(
            Invocation::new("f"),
            Trigger {
                trigger_type: TriggerType::CloudEvent,
                event_type: Some("t".into()),
            },
        )
    }

    async fn body_json(resp: Response) -> Value {
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        serde_json::from_slice(&bytes).expect("json body")
    }

    fn bad_input() -> FunctionError {
        FunctionError::BadInput {
            source_name: "nbac_schedule".into(),
            file: "gs://b/o.json".into(),
            field: "games[0].id".into(),
            reason: "missing".into(),
        }
    }

    #[test]
    fn status_table() {
        let cases = [
            (
                Failure::Function(FunctionError::Transient("x".into())),
                503,
                "transient",
            ),
            (Failure::Function(FunctionError::Internal("x".into())), 500, "internal"),
            (
                Failure::Function(FunctionError::BadRequest("x".into())),
                400,
                "bad_request",
            ),
            (Failure::Function(bad_input()), 200, "bad_input"),
            (Failure::Panic("boom".into()), 500, "panic"),
            (Failure::Timeout(Duration::from_secs(1)), 504, "timeout"),
            (
                Failure::Undecodable(DecodeError::NotJson("x".into())),
                400,
                "undecodable",
            ),
        ];
        for (failure, status, class) in cases {
            assert_eq!(failure.status().as_u16(), status, "{failure}");
            assert_eq!(failure.class(), class);
        }
    }

    #[tokio::test]
    async fn success_writes_one_row_with_outcome_fields() {
        let (deps, sink) = RuntimeDeps::in_memory();
        let r = run();
        let outcome = Outcome {
            rows_written: 7,
            game_date: chrono::NaiveDate::from_ymd_opt(2025, 1, 10),
            ..Outcome::success().with_input("gs://b/o.json")
        };
        let resp = r.finish(&deps, Ok(outcome), None).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(body_json(resp).await["status"], "success");
        let rows = sink.rows();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].rows_written, 7);
        assert_eq!(rows[0].inputs, json!(["gs://b/o.json"]));
        assert_eq!(rows[0].trigger_type, "cloudevent");
        assert_eq!(rows[0].error_class, None);
        assert_eq!(rows[0].run_date, nba_core::time::et_date(rows[0].started_at));
    }

    #[tokio::test]
    async fn bad_input_is_acked_with_a_failed_row() {
        let (deps, sink) = RuntimeDeps::in_memory();
        let resp = run().finish(&deps, Err(Failure::Function(bad_input())), None).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let body = body_json(resp).await;
        assert_eq!(body["status"], "failed");
        assert!(body["error"].as_str().is_some_and(|e| e.contains("games[0].id")));
        let rows = sink.rows();
        assert_eq!(rows[0].status, "failed");
        assert_eq!(rows[0].error_class.as_deref(), Some("bad_input"));
    }

    #[tokio::test]
    async fn panics_are_caught_and_classified() {
        let r = run();
        let result: Result<(), Failure> = r
            .execute(Duration::from_secs(5), async {
                if r.invocation.function == "f" {
                    panic!("secret detail");
                }
                Ok(())
            })
            .await;
        assert!(matches!(result, Err(Failure::Panic(ref m)) if m == "secret detail"));
    }

    #[tokio::test]
    async fn slow_handlers_time_out() {
        let r = run();
        let result = r
            .execute(Duration::from_millis(20), async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                Ok(())
            })
            .await;
        assert!(matches!(result, Err(Failure::Timeout(_))));
    }

    struct FailingSink;

    #[async_trait]
    impl ExecutionLogSink for FailingSink {
        async fn record(&self, _row: ExecutionLogRow) -> Result<(), LogSinkError> {
            Err(LogSinkError("warehouse down".into()))
        }
    }

    #[tokio::test]
    async fn sink_failure_is_never_reported_as_success() {
        let deps = RuntimeDeps::new(Arc::new(FailingSink));
        let resp = run().finish(&deps, Ok(Outcome::success()), None).await;
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body_json(resp).await["error"], "execution log unavailable");
    }
}
