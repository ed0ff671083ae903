//! Why an evaluation could not finish, and what the runtime answers for it.

use nba_cloud::{PubSubError, WarehouseError};
use nba_runtime::FunctionError;

use crate::tracking::TrackingError;

#[derive(Debug, thiserror::Error)]
pub enum TransitionError {
    #[error("state store: {0}")]
    Tracking(#[from] TrackingError),
    #[error("warehouse: {0}")]
    Warehouse(#[from] WarehouseError),
    #[error("publishing the trigger: {0}")]
    Publish(#[from] PubSubError),
}

impl From<TransitionError> for FunctionError {
    /// Store, warehouse and publish trouble are retried (503, redelivered); an
    /// unreadable tracking document is a bug (500, also retried, and loud).
    fn from(e: TransitionError) -> Self {
        match e {
            TransitionError::Tracking(TrackingError::Corrupt { .. }) => FunctionError::Internal(e.to_string()),
            other => FunctionError::Transient(other.to_string()),
        }
    }
}
