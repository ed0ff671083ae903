//! Why grading could not finish, and how the runtime should answer it.

use nba_cloud::{PubSubError, WarehouseError};
use nba_runtime::FunctionError;

#[derive(Debug, thiserror::Error)]
pub enum GradingError {
    #[error("reading {what}: {source}")]
    Read { what: String, source: WarehouseError },
    /// A stored row that does not read as expected: a bug upstream of here.
    #[error("a row of {table} does not read: {reason}")]
    BadRow { table: String, reason: String },
    #[error("writing {table}: {source}")]
    Write { table: String, source: WarehouseError },
    #[error("publishing to {topic}: {source}")]
    Publish { topic: String, source: PubSubError },
}

impl GradingError {
    pub fn read(what: impl Into<String>) -> impl FnOnce(WarehouseError) -> GradingError {
        let what = what.into();
        move |source| GradingError::Read { what, source }
    }
}

impl From<GradingError> for FunctionError {
    fn from(e: GradingError) -> Self {
        let text = e.to_string();
        match &e {
            GradingError::Read { source, .. } | GradingError::Write { source, .. } if !source.is_permanent() => {
                FunctionError::Transient(text)
            }
            GradingError::Publish { .. } => FunctionError::Transient(text),
            _ => FunctionError::Internal(text),
        }
    }
}
