//! The conformance functions of Google's functions-framework-conformance suite, served by
//! this runtime: each writes what it received to `function_output.json` in the working
//! directory, where the conformance client reads it.
//!
//! `FUNCTION_TARGET` ∈ {`conformance_http`, `conformance_cloudevent`, `conformance_event`,
//! `conformance_sleep`}; `PORT` as usual.

use std::time::Duration;

use async_trait::async_trait;
use axum::response::{IntoResponse, Response};
use nba_runtime::cloudevents::Event;
use nba_runtime::{
    CloudEventFunction, FunctionError, FunctionRegistry, HttpFunction, HttpRequest, Invocation, LegacyEventFunction,
    Outcome, RuntimeDeps, ServeOptions, event_to_json,
};
use serde_json::Value;

const OUTPUT: &str = "function_output.json";

async fn write_output(bytes: &[u8]) -> Result<(), FunctionError> {
    tokio::fs::write(OUTPUT, bytes)
        .await
        .map_err(|e| FunctionError::Internal(format!("writing {OUTPUT}: {e}")))
}

/// Writes the request body as received.
struct EchoHttp;

#[async_trait]
impl HttpFunction for EchoHttp {
    async fn call(&self, _inv: &Invocation, req: HttpRequest) -> Result<(Response, Outcome), FunctionError> {
        write_output(&req.body).await?;
        Ok((axum::http::StatusCode::OK.into_response(), Outcome::success()))
    }
}

/// Writes the CloudEvent in the CloudEvents JSON format.
struct EchoCloudEvent;

#[async_trait]
impl CloudEventFunction for EchoCloudEvent {
    async fn call(&self, _inv: &Invocation, event: Event) -> Result<Outcome, FunctionError> {
        let json = serde_json::to_vec(&event_to_json(&event)).map_err(|e| FunctionError::Internal(e.to_string()))?;
        write_output(&json).await?;
        Ok(Outcome::success())
    }
}

/// Writes `{"data": …, "context": …}`.
struct EchoEvent;

#[async_trait]
impl LegacyEventFunction for EchoEvent {
    async fn call(&self, _inv: &Invocation, data: Value, context: Value) -> Result<Outcome, FunctionError> {
        let json = serde_json::to_vec(&serde_json::json!({"data": data, "context": context}))
            .map_err(|e| FunctionError::Internal(e.to_string()))?;
        write_output(&json).await?;
        Ok(Outcome::success())
    }
}

/// Sleeps one second, then answers 200 (the concurrency benchmark).
struct Sleep;

#[async_trait]
impl HttpFunction for Sleep {
    async fn call(&self, _inv: &Invocation, _req: HttpRequest) -> Result<(Response, Outcome), FunctionError> {
        tokio::time::sleep(Duration::from_secs(1)).await;
        Ok((axum::http::StatusCode::OK.into_response(), Outcome::success()))
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut registry = FunctionRegistry::new();
    registry
        .register_http("conformance_http", EchoHttp)
        .register_cloudevent("conformance_cloudevent", EchoCloudEvent)
        .register_event("conformance_event", EchoEvent)
        .register_http("conformance_sleep", Sleep);
    let (deps, _rows) = RuntimeDeps::in_memory();
    nba_runtime::serve(registry, ServeOptions::from_env(deps)?).await
}
