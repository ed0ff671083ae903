//! What a function is: a name, a signature type, and a handler that returns a
//! typed outcome. The runtime turns outcomes and errors into HTTP answers with
//! Pub/Sub push semantics and writes the execution-log row.

use std::sync::Arc;

use async_trait::async_trait;
use axum::body::Bytes;
use axum::response::Response;
use cloudevents::Event;
use nba_core::{CorrelationId, ExecutionId};
use nba_execlog::RunStatus;

/// Context of one invocation, built by the runtime before the handler runs.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The registered function name (`FUNCTION_TARGET`).
    pub function: String,
    pub execution_id: ExecutionId,
    /// CloudEvent id / Pub/Sub message id / HTTP request id.
    pub trigger_event_id: String,
    pub correlation_id: CorrelationId,
    /// Cloud Trace id (`projects/…/traces/…` is formed at log time), if the caller sent one.
    pub trace_id: Option<String>,
    /// How many times this event was delivered before (from the push envelope when known).
    pub delivery_attempt: Option<u32>,
    /// The Pub/Sub subscription that delivered the event, when known (push envelope or a
    /// `messagePublished` CloudEvent). Kept here rather than in the event's data so the
    /// normalised CloudEvent matches Google's conformance output, which has no `subscription`.
    pub subscription: Option<String>,
}

impl Invocation {
    /// A fresh invocation context (new execution and correlation ids); for tests and for
    /// callers that invoke a handler directly, outside the runtime.
    pub fn new(function: impl Into<String>) -> Self {
        let execution_id = ExecutionId::new();
        Invocation {
            function: function.into(),
            trigger_event_id: execution_id.to_string(),
            execution_id,
            correlation_id: CorrelationId::new(),
            trace_id: None,
            delivery_attempt: None,
            subscription: None,
        }
    }
}

/// What a handler reports on success. Becomes the execution-log row.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: RunStatus,
    pub rows_read: u64,
    pub rows_written: u64,
    pub rows_unchanged: u64,
    pub rows_rejected: u64,
    /// What the run read (object paths, dates…), for the log.
    pub inputs: Vec<String>,
    /// Short human note (e.g. why `skipped`).
    pub message: Option<String>,
    /// The game date the run was about, when it has one (ET calendar date).
    pub game_date: Option<chrono::NaiveDate>,
}

impl Outcome {
    pub fn new(status: RunStatus) -> Self {
        Outcome {
            status,
            rows_read: 0,
            rows_written: 0,
            rows_unchanged: 0,
            rows_rejected: 0,
            inputs: Vec::new(),
            message: None,
            game_date: None,
        }
    }

    pub fn success() -> Self {
        Self::new(RunStatus::Success)
    }

    pub fn skipped(why: impl Into<String>) -> Self {
        Outcome {
            message: Some(why.into()),
            ..Self::new(RunStatus::Skipped)
        }
    }

    pub fn with_input(mut self, input: impl Into<String>) -> Self {
        self.inputs.push(input.into());
        self
    }
}

/// Why a handler did not succeed. The class decides the HTTP answer:
#[derive(Debug, thiserror::Error)]
pub enum FunctionError {
    /// Retry may help (timeout, upstream 5xx, lock held, store busy):
    /// answered 503 so Pub/Sub redelivers.
    #[error("transient: {0}")]
    Transient(String),
    /// The input can never succeed. The handler has kept it (quarantined);
    /// logged as failed and acked so it is not redelivered forever.
    #[error("bad input from {source_name} in {file}, field {field}: {reason}")]
    BadInput {
        source_name: String,
        file: String,
        field: String,
        reason: String,
    },
    /// The request itself is malformed (HTTP functions): answered 400.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A bug or an unexpected state: answered 500 (and so retried), logged as failed.
    #[error("internal: {0}")]
    Internal(String),
}

impl FunctionError {
    /// Stable class name stored in the execution log.
    pub fn class(&self) -> &'static str {
        match self {
            FunctionError::Transient(_) => "transient",
            FunctionError::BadInput { .. } => "bad_input",
            FunctionError::BadRequest(_) => "bad_request",
            FunctionError::Internal(_) => "internal",
        }
    }
}

/// A function reacting to CloudEvents (GCS finalize, Pub/Sub push, Eventarc).
#[async_trait]
pub trait CloudEventFunction: Send + Sync + 'static {
    async fn call(&self, inv: &Invocation, event: Event) -> Result<Outcome, FunctionError>;
}

/// A legacy background-event function: receives `(data, context)`.
#[async_trait]
pub trait LegacyEventFunction: Send + Sync + 'static {
    async fn call(
        &self,
        inv: &Invocation,
        data: serde_json::Value,
        context: serde_json::Value,
    ) -> Result<Outcome, FunctionError>;
}

/// An HTTP request as a function sees it.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: http::Method,
    pub uri: http::Uri,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

/// A plain HTTP function: returns the response and the outcome to log.
#[async_trait]
pub trait HttpFunction: Send + Sync + 'static {
    async fn call(&self, inv: &Invocation, req: HttpRequest) -> Result<(Response, Outcome), FunctionError>;
}

/// A registered function, by signature type.
#[derive(Clone)]
pub enum Function {
    Http(Arc<dyn HttpFunction>),
    CloudEvent(Arc<dyn CloudEventFunction>),
    Event(Arc<dyn LegacyEventFunction>),
}

impl Function {
    /// The signature type name as Google's frameworks spell it.
    pub fn signature_type(&self) -> &'static str {
        match self {
            Function::Http(_) => "http",
            Function::CloudEvent(_) => "cloudevent",
            Function::Event(_) => "event",
        }
    }
}
