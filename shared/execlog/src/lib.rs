//! Execution log: `nba_orchestration.processor_execution_log`.
//!
//! The functions runtime writes one row per invocation — success, no data,
//! partial, failed or skipped — so nothing fails silently. Error messages are
//! sanitised (secrets and query strings removed) before they are stored.

mod sanitize;
mod sink;

pub use sanitize::sanitize_error;
pub use sink::{ExecutionLogSink, LogSinkError, MemorySink, WarehouseSink};

use serde::{Deserialize, Serialize};

pub use nba_schemas::tables::orchestration::ProcessorExecutionLog as ExecutionLogRow;

/// Outcome of one invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Success,
    /// Valid input that held nothing to do (an empty day).
    NoData,
    /// Some rows written, some rejected.
    Partial,
    Failed,
    /// Not for this function (unknown prefix, duplicate delivery already done).
    Skipped,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Success => "success",
            RunStatus::NoData => "no_data",
            RunStatus::Partial => "partial",
            RunStatus::Failed => "failed",
            RunStatus::Skipped => "skipped",
        }
    }

    pub const ALL_STR: &'static [&'static str] = &["success", "no_data", "partial", "failed", "skipped"];
}
