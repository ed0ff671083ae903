//! Why a phase-5 step could not finish, and what the runtime answers for it.

use nba_cloud::{PubSubError, StateError, WarehouseError};
use nba_runtime::FunctionError;

#[derive(Debug, thiserror::Error)]
pub enum PredictionError {
    #[error("state store: {0}")]
    State(#[from] StateError),
    #[error("warehouse: {0}")]
    Warehouse(#[from] WarehouseError),
    #[error("publishing: {0}")]
    Publish(#[from] PubSubError),
    /// Trained models could not be listed or loaded (a bad artifact is loud, not skipped).
    #[error("{0}")]
    Models(#[from] crate::models::ModelStoreError),
    /// A stored document or row that does not have the shape we wrote: a bug, loud.
    #[error("corrupt {what}: {reason}")]
    Corrupt { what: String, reason: String },
}

impl PredictionError {
    pub fn corrupt(what: impl Into<String>, reason: impl ToString) -> Self {
        PredictionError::Corrupt {
            what: what.into(),
            reason: reason.to_string(),
        }
    }
}

impl From<PredictionError> for FunctionError {
    /// Store, warehouse and publish trouble are retried (503, redelivered); a corrupt
    /// document is a bug (500, also retried, and loud).
    fn from(e: PredictionError) -> Self {
        match e {
            PredictionError::Corrupt { .. } => FunctionError::Internal(e.to_string()),
            // An artifact that fails its contract is a deployment error: loud, never skipped.
            PredictionError::Models(crate::models::ModelStoreError::Artifact { .. }) => {
                FunctionError::Internal(e.to_string())
            }
            other => FunctionError::Transient(other.to_string()),
        }
    }
}
