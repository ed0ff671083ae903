//! Where execution-log rows go.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use nba_cloud::Warehouse;
use nba_schemas::Table;

use crate::ExecutionLogRow;

#[derive(Debug, thiserror::Error)]
#[error("execution log write failed: {0}")]
pub struct LogSinkError(pub String);

#[async_trait]
pub trait ExecutionLogSink: Send + Sync {
    async fn record(&self, row: ExecutionLogRow) -> Result<(), LogSinkError>;
}

/// Appends rows to `nba_orchestration.processor_execution_log`.
pub struct WarehouseSink {
    warehouse: Arc<dyn Warehouse>,
}

impl WarehouseSink {
    pub async fn new(warehouse: Arc<dyn Warehouse>) -> Result<Self, LogSinkError> {
        warehouse
            .ensure_table(ExecutionLogRow::SCHEMA)
            .await
            .map_err(|e| LogSinkError(e.to_string()))?;
        Ok(WarehouseSink { warehouse })
    }
}

#[async_trait]
impl ExecutionLogSink for WarehouseSink {
    async fn record(&self, row: ExecutionLogRow) -> Result<(), LogSinkError> {
        self.warehouse
            .append(ExecutionLogRow::SCHEMA, vec![row.to_row()])
            .await
            .map(|_| ())
            .map_err(|e| LogSinkError(e.to_string()))
    }
}

/// Keeps rows in memory (tests, and binaries run without a warehouse).
#[derive(Default, Clone)]
pub struct MemorySink {
    rows: Arc<Mutex<Vec<ExecutionLogRow>>>,
}

impl MemorySink {
    pub fn rows(&self) -> Vec<ExecutionLogRow> {
        self.rows.lock().expect("sink mutex").clone()
    }
}

#[async_trait]
impl ExecutionLogSink for MemorySink {
    async fn record(&self, row: ExecutionLogRow) -> Result<(), LogSinkError> {
        self.rows.lock().expect("sink mutex").push(row);
        Ok(())
    }
}
