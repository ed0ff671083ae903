//! The raw-processor CloudEvent function.
//!
//! Triggers: the raw bucket's object-finalize events, and (equivalently) the
//! scrapers' completion messages, which name the object they wrote. Either way
//! the object is routed by key prefix to its processor and then:
//! - [`Mode::PerObject`]: claimed per object generation (a duplicate delivery is
//!   skipped), parsed, loaded;
//! - [`Mode::BatchByDate`]: every pending object of the date is taken at once under
//!   a per-date lock ([`crate::batch`]).
//!
//! Loading ([`crate::load`]) registers players, resolves names in one query,
//! validates and writes the rows, and publishes `nba-phase2-raw-complete` per table.

use std::io::Read;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudevents::{AttributesReader, Event};
use nba_cloud::Clients;
use nba_core::Names;
use nba_dedup::EventKey;
use nba_runtime::{CloudEventFunction, FunctionError, Invocation, Outcome};
use tokio::sync::OnceCell;

use crate::batch::BatchLocks;
use crate::claim::{Claim, Claims};
use crate::event::{self, EventError, StorageObject, finalized_object};
use crate::processor::{Mode, ParseError, Parsed, ProcessorRegistry, RawObject, RawProcessor};
use crate::quarantine::{self, QuarantineRecord};

/// How long a duplicate delivery waits for a concurrent holder of the same object.
pub(crate) const CLAIM_WAIT: Duration = Duration::from_secs(10);

/// Registered name of the raw-processor function.
pub const RAW_PROCESSOR_FUNCTION: &str = "raw_processor";

pub struct RawProcessorFunction {
    pub processors: ProcessorRegistry,
    pub clients: Clients,
    pub names: Names,
    /// "Processed already?" per object generation.
    pub claims: Claims,
    /// One batch per (processor, date) at a time.
    pub batch_locks: BatchLocks,
    /// How long a processing claim or batch lock lives if its holder dies.
    pub claim_ttl: Duration,
    /// Reference tables created and seed aliases written, once per instance.
    pub(crate) identity_ready: OnceCell<()>,
}

impl RawProcessorFunction {
    pub fn new(processors: ProcessorRegistry, clients: Clients, names: Names, claim_ttl: Duration) -> Self {
        RawProcessorFunction {
            processors,
            claims: Claims::new(clients.state.clone(), &names),
            batch_locks: BatchLocks::new(clients.state.clone(), &names),
            clients,
            names,
            claim_ttl,
            identity_ready: OnceCell::new(),
        }
    }
}

/// What a delivery asks for.
enum Trigger {
    Object(StorageObject),
    Skip(String),
}

#[async_trait]
impl CloudEventFunction for RawProcessorFunction {
    async fn call(&self, inv: &Invocation, event: Event) -> Result<Outcome, FunctionError> {
        let object = match self.trigger(&event).await? {
            Trigger::Object(object) => object,
            Trigger::Skip(why) => return Ok(Outcome::skipped(why)),
        };
        if object.name.starts_with(quarantine::PREFIX) {
            return Ok(Outcome::skipped("quarantined objects are kept, not processed").with_input(object.uri()));
        }
        let Some(processor) = self.processors.route(&object.name) else {
            return Ok(Outcome::skipped(format!("no raw processor for {}", object.name)).with_input(object.uri()));
        };
        match processor.mode() {
            Mode::PerObject => self.per_object(inv, processor.as_ref(), object).await,
            Mode::BatchByDate => crate::batch::run(self, inv, processor.as_ref(), object).await,
        }
    }
}

impl RawProcessorFunction {
    /// The object a finalize event or a scraper-completion message is about.
    async fn trigger(&self, event: &Event) -> Result<Trigger, FunctionError> {
        match finalized_object(event) {
            Ok(object) => return Ok(Trigger::Object(object)),
            Err(EventError::NotFinalize(_)) => {}
            Err(e) => return Err(FunctionError::BadRequest(e.to_string())),
        }
        if event.ty() != event::PUBSUB_PUBLISHED {
            return Ok(Trigger::Skip(format!(
                "event type {} is not for the raw processor",
                event.ty()
            )));
        }
        let message = event::scraper_complete(event).map_err(|e| FunctionError::BadRequest(e.to_string()))?;
        // Failed and no-data scraper runs wrote nothing worth loading: trigger nothing.
        if message.status != "success" {
            return Ok(Trigger::Skip(format!(
                "scraper {} run {} ended {}: nothing to process",
                message.processor_name, message.execution_id, message.status
            )));
        }
        let Some(path) = message.gcs_path.as_deref() else {
            return Err(FunctionError::BadRequest(format!(
                "scraper {} reported success without a gcs_path",
                message.processor_name
            )));
        };
        let (bucket, name) = event::split_gs_uri(path)
            .ok_or_else(|| FunctionError::BadRequest(format!("gcs_path {path:?} is not gs://bucket/name")))?;
        let meta = self
            .clients
            .objects
            .head(bucket, name)
            .await
            .map_err(|e| FunctionError::Transient(format!("looking up {path}: {e}")))?;
        Ok(Trigger::Object(StorageObject::from_meta(&meta)))
    }

    async fn per_object(
        &self,
        inv: &Invocation,
        processor: &dyn RawProcessor,
        object: StorageObject,
    ) -> Result<Outcome, FunctionError> {
        let key = object_key(&object);
        let owner = inv.execution_id.to_string();
        match self
            .claims
            .acquire(&key, &owner, self.claim_ttl)
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
                return match self.claims.wait_done(&key, CLAIM_WAIT).await {
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
        let result = match self.read(processor, &object).await {
            Ok(Ok(parsed)) => crate::load::load(self, inv, processor, parsed, std::slice::from_ref(&object)).await,
            Ok(Err(e)) => Err(self.quarantine(inv, processor, &object, &e).await),
            Err(e) => Err(e),
        };
        match &result {
            Ok(outcome) => self.claims.finish(&key, &owner, outcome.status.as_str()).await,
            Err(FunctionError::BadInput { .. }) => self.claims.finish(&key, &owner, "quarantined").await,
            Err(_) => self.claims.release(&key).await,
        }
        .map_err(|e| FunctionError::Transient(format!("recording the claim of {}: {e}", object.uri())))?;
        result
    }

    /// Fetches and parses one object. The outer error is transient (fetch);
    /// the inner one means the object can never load.
    pub(crate) async fn read(
        &self,
        processor: &dyn RawProcessor,
        object: &StorageObject,
    ) -> Result<Result<Parsed, ParseError>, FunctionError> {
        let uri = object.uri();
        let stored = self
            .clients
            .objects
            .get(&object.bucket, &object.name)
            .await
            .map_err(|e| FunctionError::Transient(format!("reading {uri}: {e}")))?;
        let body = match gunzip(&stored) {
            Ok(body) => body,
            Err(e) => return Ok(Err(e)),
        };
        let raw = RawObject {
            uri: &uri,
            key: &object.name,
            body: &body,
            game_date: object.game_date(),
            scraped_at: self.scraped_at(object).await?,
        };
        Ok(processor.parse(&raw))
    }

    /// The key's timestamp, else the object's creation time. Not knowing when a
    /// snapshot was taken is a transient failure, never "now".
    async fn scraped_at(&self, object: &StorageObject) -> Result<DateTime<Utc>, FunctionError> {
        if let Some(t) = crate::processor::scraped_at_from_key(&object.name) {
            return Ok(t);
        }
        let meta = self
            .clients
            .objects
            .head(&object.bucket, &object.name)
            .await
            .map_err(|e| FunctionError::Transient(format!("reading the metadata of {}: {e}", object.uri())))?;
        Ok(meta.time_created)
    }

    /// Keeps an object that can never load, and says so (acked, never retried forever).
    pub(crate) async fn quarantine(
        &self,
        inv: &Invocation,
        processor: &dyn RawProcessor,
        object: &StorageObject,
        error: &ParseError,
    ) -> FunctionError {
        let record = QuarantineRecord {
            function_name: &inv.function,
            source_name: processor.source_name(),
            field: &error.field,
            reason: &error.reason,
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
                field: error.field.clone(),
                reason: format!("{} (kept at {kept})", error.reason),
            },
            // Could not keep it: do not ack, so the input is retried rather than lost.
            Err(e) => FunctionError::Transient(e.to_string()),
        }
    }
}

/// The dedup key of one object generation.
pub(crate) fn object_key(object: &StorageObject) -> EventKey {
    EventKey::Object {
        bucket: object.bucket.clone(),
        name: object.name.clone(),
        generation: object.generation,
    }
}

/// The body, gunzipped when the bytes are gzip. An object stored with
/// `Content-Encoding: gzip` arrives already inflated (the object store's promise, GCS's
/// transcoding), so the bytes decide, not the object's `contentEncoding`.
fn gunzip(body: &[u8]) -> Result<Vec<u8>, ParseError> {
    let gzip = body.starts_with(&[0x1f, 0x8b]);
    if !gzip {
        return Ok(body.to_vec());
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(body)
        .read_to_end(&mut out)
        .map_err(|e| ParseError::new("$", format!("gzip body does not decode: {e}")))?;
    Ok(out)
}
