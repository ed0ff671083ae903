//! The raw-processor CloudEvent function.

use std::io::Read;
use std::time::Duration;

use async_trait::async_trait;
use chrono::NaiveDate;
use cloudevents::Event;
use nba_cloud::writer::{WriteContext, write_json_rows};
use nba_cloud::{Clients, OutgoingMessage};
use nba_core::messages::{RawComplete, attributes};
use nba_core::{Names, Topic};
use nba_dedup::EventKey;
use nba_runtime::{CloudEventFunction, FunctionError, Invocation, Outcome, RunStatus};
use serde_json::Value;

use crate::claim::{self, Claim};
use crate::event::{StorageObject, finalized_object};
use crate::processor::{ProcessorRegistry, RawProcessor};
use crate::quarantine::{self, QuarantineRecord};

/// How long a duplicate delivery waits for a concurrent holder of the same object.
const CLAIM_WAIT: Duration = Duration::from_secs(10);

/// Registered name of the raw-processor function.
pub const RAW_PROCESSOR_FUNCTION: &str = "raw_processor";

pub struct RawProcessorFunction {
    pub processors: ProcessorRegistry,
    pub clients: Clients,
    pub names: Names,
    /// How long a processing claim lives if its holder dies.
    pub claim_ttl: Duration,
}

#[async_trait]
impl CloudEventFunction for RawProcessorFunction {
    async fn call(&self, inv: &Invocation, event: Event) -> Result<Outcome, FunctionError> {
        let object = match finalized_object(&event) {
            Ok(object) => object,
            Err(crate::event::EventError::NotFinalize(ty)) => {
                return Ok(Outcome::skipped(format!(
                    "event type {ty} is not for the raw processor"
                )));
            }
            Err(e) => return Err(FunctionError::BadRequest(e.to_string())),
        };
        if object.name.starts_with(quarantine::PREFIX) {
            return Ok(Outcome::skipped("quarantined objects are kept, not processed").with_input(object.uri()));
        }
        let Some(processor) = self.processors.route(&object.name) else {
            return Ok(Outcome::skipped(format!("no raw processor for {}", object.name)).with_input(object.uri()));
        };
        let key = EventKey::Object {
            bucket: object.bucket.clone(),
            name: object.name.clone(),
            generation: object.generation,
        };
        let owner = inv.execution_id.to_string();
        match claim::acquire(self.clients.state.as_ref(), &key, &owner, self.claim_ttl)
            .await
            .map_err(|e| FunctionError::Transient(e.to_string()))?
        {
            Claim::Acquired => {}
            Claim::Done(status) => {
                return Ok(Outcome::skipped(format!("already processed ({status})")).with_input(object.uri()));
            }
            Claim::InProgress { owner } => {
                // A concurrent duplicate delivery: wait briefly for the holder rather than
                // churning through redeliveries; if it is still busy, ask for a redelivery.
                return match claim::wait_done(self.clients.state.as_ref(), &key, CLAIM_WAIT).await {
                    Ok(Some(status)) => Ok(
                        Outcome::skipped(format!("processed concurrently by {owner} ({status})"))
                            .with_input(object.uri()),
                    ),
                    Ok(None) => Err(FunctionError::Transient(format!(
                        "{} is being processed by {owner}",
                        object.uri()
                    ))),
                    Err(e) => Err(FunctionError::Transient(e.to_string())),
                };
            }
        }
        let result = self.process(inv, processor.as_ref(), &object).await;
        let state = self.clients.state.as_ref();
        match &result {
            Ok(outcome) => claim::finish(state, &key, &owner, outcome.status.as_str()).await,
            Err(FunctionError::BadInput { .. }) => claim::finish(state, &key, &owner, "quarantined").await,
            Err(_) => claim::release(state, &key).await,
        }
        .map_err(|e| FunctionError::Transient(format!("recording the claim of {}: {e}", object.uri())))?;
        result
    }
}

impl RawProcessorFunction {
    async fn process(
        &self,
        inv: &Invocation,
        processor: &dyn RawProcessor,
        object: &StorageObject,
    ) -> Result<Outcome, FunctionError> {
        let uri = object.uri();
        let body = self
            .clients
            .objects
            .get(&object.bucket, &object.name)
            .await
            .map_err(|e| FunctionError::Transient(e.to_string()))?;
        let parsed = decode(object, &body).and_then(|value| processor.parse(&value, &uri));
        let parsed = match parsed {
            Ok(parsed) => parsed,
            Err(e) => return Err(self.quarantine(inv, processor, object, &e.field, &e.reason).await),
        };
        let rows_read = parsed.rows.len() as u64;
        let ctx = WriteContext {
            source_file: Some(uri.clone()),
            correlation_id: Some(inv.correlation_id.to_string()),
            execution_id: Some(inv.execution_id.to_string()),
        };
        let report = write_json_rows(self.clients.warehouse.as_ref(), processor.table(), parsed.rows, &ctx)
            .await
            .map_err(|e| FunctionError::Transient(format!("writing {}: {e}", processor.table().qualified_name())))?;
        let status = match (rows_read, report.rows_rejected()) {
            (0, _) => RunStatus::NoData,
            (_, 0) => RunStatus::Success,
            (n, r) if r == n => RunStatus::Failed,
            _ => RunStatus::Partial,
        };
        let game_date = game_date_of(object);
        if rows_read > 0 && status != RunStatus::Failed {
            self.publish_complete(inv, processor, object, game_date, status, &report)
                .await?;
        }
        Ok(Outcome {
            status,
            rows_read,
            rows_written: report.stats.written(),
            rows_unchanged: report.stats.unchanged,
            rows_rejected: report.rows_rejected(),
            inputs: vec![format!("{uri}#{}", object.generation)],
            message: report.rejected.first().map(|v| format!("first rejection: {v}")),
            game_date,
        })
    }

    async fn quarantine(
        &self,
        inv: &Invocation,
        processor: &dyn RawProcessor,
        object: &StorageObject,
        field: &str,
        reason: &str,
    ) -> FunctionError {
        let record = QuarantineRecord {
            function_name: &inv.function,
            source_name: processor.source_name(),
            field,
            reason,
            correlation_id: inv.correlation_id.as_str(),
            execution_id: inv.execution_id.as_str(),
        };
        let kept = quarantine::quarantine(
            self.clients.objects.as_ref(),
            self.clients.warehouse.as_ref(),
            object,
            record,
        )
        .await;
        match kept {
            Ok(kept) => FunctionError::BadInput {
                source_name: processor.source_name().into(),
                file: object.uri(),
                field: field.into(),
                reason: format!("{reason} (kept at {kept})"),
            },
            // Could not keep it: do not ack, so the input is retried rather than lost.
            Err(e) => FunctionError::Transient(e.to_string()),
        }
    }

    async fn publish_complete(
        &self,
        inv: &Invocation,
        processor: &dyn RawProcessor,
        object: &StorageObject,
        game_date: Option<NaiveDate>,
        status: RunStatus,
        report: &nba_cloud::writer::WriteReport,
    ) -> Result<(), FunctionError> {
        let Some(game_date) = game_date else {
            return Err(FunctionError::Internal(format!(
                "{} has no date folder in its key",
                object.uri()
            )));
        };
        let message = RawComplete {
            processor_name: processor.name().into(),
            phase: 2,
            table: processor.table().qualified_name(),
            game_date,
            execution_id: inv.execution_id.to_string(),
            correlation_id: inv.correlation_id.to_string(),
            status: status.as_str().into(),
            rows_written: report.stats.written(),
            rows_unchanged: report.stats.unchanged,
            rows_rejected: report.rows_rejected(),
            source_file: object.uri(),
        };
        let attrs = attributes::completion(
            inv.correlation_id.as_str(),
            processor.name(),
            status.as_str(),
            game_date,
        );
        self.clients
            .publisher
            .publish(
                &self.names.topic(Topic::Phase2RawComplete),
                OutgoingMessage::json(&message, attrs),
            )
            .await
            .map(|_| ())
            .map_err(|e| FunctionError::Transient(e.to_string()))
    }
}

/// Decodes an object body to JSON (gzip when the object says so or the bytes are gzip).
fn decode(object: &StorageObject, body: &[u8]) -> Result<Value, crate::processor::ParseError> {
    let gzip = object.content_encoding.as_deref() == Some("gzip") || body.starts_with(&[0x1f, 0x8b]);
    let text = if gzip {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(body)
            .read_to_end(&mut out)
            .map_err(|e| crate::processor::ParseError::new("$", format!("gzip body does not decode: {e}")))?;
        out
    } else {
        body.to_vec()
    };
    serde_json::from_slice(&text).map_err(|e| crate::processor::ParseError::new("$", format!("body is not JSON: {e}")))
}

/// The ET date folder of a raw key `{source}/{kind}/{YYYY-MM-DD}/…`.
fn game_date_of(object: &StorageObject) -> Option<NaiveDate> {
    object
        .name
        .split('/')
        .find_map(|part| NaiveDate::parse_from_str(part, "%Y-%m-%d").ok())
        .or_else(|| object.metadata.get("game_date").and_then(|d| d.parse().ok()))
}
