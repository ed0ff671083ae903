//! Input that can never load is kept, not lost: the object is copied under
//! `quarantine/` in its bucket (no processor subscribes there) and a row in
//! `nba_orchestration.quarantined_inputs` says why.

use chrono::Utc;
use nba_cloud::writer::{WriteContext, write_rows};
use nba_cloud::{ObjectStore, Warehouse, WarehouseError};
use nba_schemas::tables::orchestration::QuarantinedInput;

use crate::event::StorageObject;

pub const PREFIX: &str = "quarantine/";

#[derive(Debug)]
pub struct QuarantineRecord<'a> {
    pub function_name: &'a str,
    pub source_name: &'a str,
    pub field: &'a str,
    pub reason: &'a str,
    pub correlation_id: &'a str,
    pub execution_id: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum QuarantineError {
    #[error("copying {uri} to quarantine: {reason}")]
    Copy { uri: String, reason: String },
    #[error("recording the quarantine of {uri}: {source}")]
    Record { uri: String, source: WarehouseError },
}

/// Copies the object under `quarantine/` and records why. Returns the kept copy's URI.
pub async fn quarantine(
    objects: &dyn ObjectStore,
    warehouse: &dyn Warehouse,
    object: &StorageObject,
    record: QuarantineRecord<'_>,
) -> Result<String, QuarantineError> {
    let target = format!("{PREFIX}{}", object.name);
    let original_uri = format!("{}#{}", object.uri(), object.generation);
    objects
        .copy(&object.bucket, &object.name, &target)
        .await
        .map_err(|e| QuarantineError::Copy {
            uri: original_uri.clone(),
            reason: e.to_string(),
        })?;
    let quarantine_uri = format!("gs://{}/{target}", object.bucket);
    let row = QuarantinedInput {
        quarantined_at: Utc::now(),
        function_name: record.function_name.into(),
        source_name: record.source_name.into(),
        original_uri: original_uri.clone(),
        quarantine_uri: quarantine_uri.clone(),
        field: record.field.into(),
        reason: record.reason.into(),
        correlation_id: record.correlation_id.into(),
        execution_id: record.execution_id.into(),
    };
    write_rows(warehouse, &[row], &WriteContext::default())
        .await
        .map_err(|source| QuarantineError::Record {
            uri: original_uri,
            source,
        })?;
    Ok(quarantine_uri)
}
