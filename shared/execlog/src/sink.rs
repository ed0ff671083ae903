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

/// Appends rows to `nba_orchestration.processor_execution_log`, with group commit.
///
/// Every invocation of every function writes a row, and a one-row append costs a whole write
/// (staging, insert, commit): it was a third of the warehouse's time in a replay. Rows that
/// arrive while a write is in flight are written together by the next one, each caller still
/// waiting for (and told the outcome of) the write that holds its row: nothing is acknowledged
/// before it is stored.
pub struct WarehouseSink {
    warehouse: Arc<dyn Warehouse>,
    /// Rows not yet taken by a writer, with where to send their outcome.
    pending: Mutex<Vec<Waiting>>,
    /// Held by the one caller writing a group.
    writer: tokio::sync::Mutex<()>,
}

type Waiting = (nba_schemas::Row, tokio::sync::oneshot::Sender<Result<(), String>>);

impl WarehouseSink {
    pub async fn new(warehouse: Arc<dyn Warehouse>) -> Result<Self, LogSinkError> {
        warehouse
            .ensure_table(ExecutionLogRow::SCHEMA)
            .await
            .map_err(|e| LogSinkError(e.to_string()))?;
        Ok(WarehouseSink {
            warehouse,
            pending: Mutex::new(Vec::new()),
            writer: tokio::sync::Mutex::new(()),
        })
    }

    /// Writes every pending row in one append and tells each waiter the outcome.
    async fn write_pending(&self) {
        let group: Vec<Waiting> = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|p| p.into_inner()));
        if group.is_empty() {
            return;
        }
        let (rows, waiters): (Vec<_>, Vec<_>) = group.into_iter().unzip();
        let outcome = self
            .warehouse
            .append(ExecutionLogRow::SCHEMA, rows)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string());
        for waiter in waiters {
            // A waiter that went away (its caller was cancelled) needs no answer.
            let _ = waiter.send(outcome.clone());
        }
    }
}

#[async_trait]
impl ExecutionLogSink for WarehouseSink {
    async fn record(&self, row: ExecutionLogRow) -> Result<(), LogSinkError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((row.to_row(), tx));
        {
            // Whoever holds the writer drains everything pending, so once we hold it our row
            // is either written (by an earlier holder, who answered before letting go) or
            // still pending and written now.
            let _writer = self.writer.lock().await;
            self.write_pending().await;
        }
        match rx.await {
            Ok(outcome) => outcome.map_err(LogSinkError),
            Err(_) => Err(LogSinkError("the group write holding this row was abandoned".into())),
        }
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use nba_cloud::embedded::DuckDbWarehouse;
    use nba_cloud::{PartitionRange, WarehouseError, WriteStats};
    use nba_schemas::{Row, TableSchema};

    use super::*;

    /// The embedded warehouse, counting appends (and failing them on demand).
    struct Counting {
        inner: DuckDbWarehouse,
        appends: AtomicUsize,
        fail: bool,
    }

    #[async_trait]
    impl Warehouse for Counting {
        async fn ensure_table(&self, s: &'static TableSchema) -> Result<(), WarehouseError> {
            self.inner.ensure_table(s).await
        }
        async fn append(&self, s: &'static TableSchema, rows: Vec<Row>) -> Result<WriteStats, WarehouseError> {
            self.appends.fetch_add(1, Ordering::SeqCst);
            if self.fail {
                return Err(WarehouseError::Busy("injected".into()));
            }
            self.inner.append(s, rows).await
        }
        async fn merge(&self, s: &'static TableSchema, rows: Vec<Row>) -> Result<WriteStats, WarehouseError> {
            self.inner.merge(s, rows).await
        }
        async fn insert_new(&self, s: &'static TableSchema, rows: Vec<Row>) -> Result<WriteStats, WarehouseError> {
            self.inner.insert_new(s, rows).await
        }
        async fn replace_partition(
            &self,
            s: &'static TableSchema,
            d: chrono::NaiveDate,
            rows: Vec<Row>,
        ) -> Result<WriteStats, WarehouseError> {
            self.inner.replace_partition(s, d, rows).await
        }
        async fn scan(&self, s: &'static TableSchema, r: Option<PartitionRange>) -> Result<Vec<Row>, WarehouseError> {
            self.inner.scan(s, r).await
        }
        async fn query(&self, sql: &str, params: Vec<serde_json::Value>) -> Result<Vec<Row>, WarehouseError> {
            self.inner.query(sql, params).await
        }
    }

    fn row(i: usize) -> ExecutionLogRow {
        let mut r = ExecutionLogRow::from_row(
            serde_json::json!({
                "execution_id": format!("e{i}"), "function_name": "f", "trigger_event_id": "t",
                "trigger_type": "http", "event_type": null, "correlation_id": "c", "inputs": {},
                "status": "success", "rows_read": 0, "rows_written": 0, "rows_unchanged": 0,
                "rows_rejected": 0, "game_date": null, "run_date": "2025-01-10",
                "started_at": "2025-01-10T10:00:00Z", "duration_ms": 1, "delivery_attempt": 1,
                "error_class": null, "error_message": null, "message": null,
            })
            .as_object()
            .unwrap()
            .clone(),
        )
        .unwrap();
        r.execution_id = format!("e{i}");
        r
    }

    fn counting(fail: bool) -> Arc<Counting> {
        Arc::new(Counting {
            inner: DuckDbWarehouse::open_in_memory().unwrap(),
            appends: AtomicUsize::new(0),
            fail,
        })
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_rows_are_each_stored_once_in_fewer_writes() {
        let warehouse = counting(false);
        let sink = Arc::new(WarehouseSink::new(warehouse.clone()).await.unwrap());
        let calls: Vec<_> = (0..200)
            .map(|i| {
                let sink = sink.clone();
                tokio::spawn(async move { sink.record(row(i)).await })
            })
            .collect();
        for call in calls {
            call.await.unwrap().unwrap();
        }
        let stored = warehouse
            .query(
                "SELECT count(*) AS n, count(DISTINCT execution_id) AS d FROM nba_orchestration.processor_execution_log",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            (stored[0]["n"].as_u64(), stored[0]["d"].as_u64()),
            (Some(200), Some(200))
        );
        let appends = warehouse.appends.load(Ordering::SeqCst);
        assert!(appends < 200, "{appends} appends for 200 concurrent rows: no grouping");
    }

    #[tokio::test]
    async fn a_failed_group_write_fails_every_caller_in_it() {
        let sink = WarehouseSink::new(counting(true)).await.unwrap();
        let err = sink.record(row(1)).await.unwrap_err();
        assert!(err.to_string().contains("injected"), "{err}");
    }
}
