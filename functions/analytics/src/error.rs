//! Why a processor could not finish, and how the runtime should answer it.

use nba_cloud::WarehouseError;
use nba_runtime::FunctionError;

#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    #[error("reading {what}: {source}")]
    Read { what: String, source: WarehouseError },
    /// A stored row that does not read as its declared type: a bug upstream of here.
    #[error("a row of {table} does not read: {reason}")]
    BadRow { table: String, reason: String },
    #[error("writing {table}: {source}")]
    Write { table: String, source: WarehouseError },
    #[error("publishing the completion of {processor}: {reason}")]
    Publish { processor: String, reason: String },
}

impl AnalyticsError {
    pub fn read(what: impl Into<String>) -> impl FnOnce(WarehouseError) -> AnalyticsError {
        let what = what.into();
        move |source| AnalyticsError::Read { what, source }
    }
}

impl From<AnalyticsError> for FunctionError {
    fn from(e: AnalyticsError) -> Self {
        let text = e.to_string();
        match &e {
            AnalyticsError::Read { source, .. } | AnalyticsError::Write { source, .. } if !source.is_permanent() => {
                FunctionError::Transient(text)
            }
            AnalyticsError::Publish { .. } => FunctionError::Transient(text),
            _ => FunctionError::Internal(text),
        }
    }
}
