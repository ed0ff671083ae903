//! Why an export could not finish, and how the runtime should answer it.

use nba_cloud::{ObjectStoreError, WarehouseError};
use nba_runtime::FunctionError;

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("reading {what}: {source}")]
    Read { what: String, source: WarehouseError },
    /// A stored row that does not read as expected: a bug upstream of here.
    #[error("a row of {table} does not read: {reason}")]
    BadRow { table: String, reason: String },
    #[error("object gs://{bucket}/{name}: {source}")]
    Object {
        bucket: String,
        name: String,
        source: ObjectStoreError,
    },
    /// A published document that no longer parses (its pointer cannot be compared).
    #[error("published document gs://{bucket}/{name} does not parse: {reason}")]
    BadDocument {
        bucket: String,
        name: String,
        reason: String,
    },
    #[error("encoding {what}: {source}")]
    Encode { what: String, source: serde_json::Error },
}

impl PublishError {
    pub fn read(what: impl Into<String>) -> impl FnOnce(WarehouseError) -> PublishError {
        let what = what.into();
        move |source| PublishError::Read { what, source }
    }

    pub fn bad_row(table: &str, reason: impl Into<String>) -> PublishError {
        PublishError::BadRow {
            table: table.to_string(),
            reason: reason.into(),
        }
    }
}

/// Whether a retry may succeed: warehouse contention, object-store I/O.
pub fn is_transient(e: &PublishError) -> bool {
    match e {
        PublishError::Read { source, .. } => !source.is_permanent(),
        PublishError::Object { source, .. } => !matches!(source, ObjectStoreError::NotFound { .. }),
        PublishError::BadRow { .. } | PublishError::BadDocument { .. } | PublishError::Encode { .. } => false,
    }
}

impl From<PublishError> for FunctionError {
    fn from(e: PublishError) -> Self {
        if is_transient(&e) {
            FunctionError::Transient(e.to_string())
        } else {
            FunctionError::Internal(e.to_string())
        }
    }
}
