//! The embedded warehouse: DuckDB in one file (`<root>/warehouse.duckdb`) or
//! in memory, in BigQuery's role.
//!
//! Writes are set-wise: rows are converted and type-checked against the
//! declaration first, loaded into a temporary staging table with DuckDB's
//! Appender (fast: tens of thousands of rows in milliseconds), then applied to
//! the table with a few SQL statements inside one transaction. A failed write
//! changes nothing.
//!
//! DuckDB allows one writing process per file. Within the process, writes (and
//! table creation) run on one connection behind a mutex, one transaction at a
//! time, so they never conflict with each other; reads run on a small pool of
//! further connections to the same database, concurrently with each other and
//! with a write (DuckDB's MVCC: a read sees every write committed before it
//! started, never a write in progress). Every statement runs on the blocking
//! pool, never on the async executor. Tables are created on first use.
//!
//! Small appends and insert-new writes (an execution-log row, a transition decision, a
//! prediction worker's rows for one player: most writes of a day) are group-committed:
//! they queue, and whichever of them gets the write connection first applies every one
//! queued in one transaction, so a burst of them pays one commit (one WAL sync) instead of
//! one each. Each caller still gets its own result: when the group fails, it is rolled
//! back and every write in it is applied again on its own.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, Utc};
use duckdb::types::{TimeUnit, Value as DValue};
use duckdb::{AccessMode, Config, Connection, params_from_iter};
use nba_schemas::{Column, ColumnType, DATA_HASH, Row, TableSchema};
use serde_json::{Map, Number, Value};
use tokio::sync::Semaphore;

use super::duckdb_ddl::{
    add_column_sql, duckdb_type, ensure_table_sql, qualified_table, quote_ident, staging_table_sql,
};
use crate::{PartitionRange, Warehouse, WarehouseError, WriteStats};

const STAGING: &str = "__nba_staging";
const BATCH: &str = "__nba_batch";

/// Reads that may run at once. A prediction batch sends ~100 requests at the same
/// time, each reading; on 2 cores more concurrent queries only add memory and context
/// switches, while a few hide each other's latency (and a write's).
const READERS: usize = 4;

/// DuckDB-backed [`Warehouse`]. Cheap to clone (clones share the connections).
#[derive(Clone)]
pub struct DuckDbWarehouse {
    /// Writes and DDL: one at a time (see the module comment).
    conn: Arc<Mutex<Connection>>,
    readers: Arc<Readers>,
    /// Tables already ensured by this handle, so writes can create on first use cheaply.
    ensured: Arc<Mutex<HashSet<String>>>,
    /// Small writes waiting to be group-committed (see the module comment).
    queued: Arc<Mutex<Vec<QueuedWrite>>>,
    read_only: bool,
}

/// A small write waiting for the write connection, and where its result goes.
struct QueuedWrite {
    schema: &'static TableSchema,
    values: Vec<Vec<DValue>>,
    op: WriteOp,
    done: tokio::sync::oneshot::Sender<Result<WriteStats, WarehouseError>>,
}

/// Writes applied in one group at most: bounds a transaction's size and the time one
/// caller spends applying others' writes.
const GROUP_MAX: usize = 256;

/// The read connections: idle ones are kept for reuse, new ones are cloned from `seed`
/// (a connection used for nothing else, so cloning never waits for a statement).
struct Readers {
    seed: Mutex<Connection>,
    idle: Mutex<Vec<Connection>>,
    permits: Semaphore,
}

impl Readers {
    fn new(seed: Connection) -> Self {
        Readers {
            seed: Mutex::new(seed),
            idle: Mutex::new(Vec::new()),
            permits: Semaphore::new(READERS),
        }
    }

    /// An idle connection, or a new one to the same database.
    fn take(&self) -> Result<Connection, WarehouseError> {
        if let Some(conn) = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop() {
            return Ok(conn);
        }
        self.seed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .try_clone()
            .map_err(query_err)
    }

    fn give_back(&self, conn: Connection) {
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).push(conn);
    }
}

impl std::fmt::Debug for DuckDbWarehouse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DuckDbWarehouse")
            .field("read_only", &self.read_only)
            .finish_non_exhaustive()
    }
}

fn open_err(e: impl std::fmt::Display) -> WarehouseError {
    let reason = e.to_string();
    // Another process holding the file's lock is transient from the caller's point of view.
    if reason.contains("lock") {
        WarehouseError::Busy(reason)
    } else {
        WarehouseError::Query { reason }
    }
}

impl DuckDbWarehouse {
    /// Opens (creating) a warehouse file for reading and writing.
    pub fn open(path: &Path) -> Result<Self, WarehouseError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(open_err)?;
        }
        Self::from_conn(Connection::open(path).map_err(open_err)?, false)
    }

    /// A throwaway in-memory warehouse (tests, dry runs).
    pub fn open_in_memory() -> Result<Self, WarehouseError> {
        Self::from_conn(Connection::open_in_memory().map_err(open_err)?, false)
    }

    /// Opens an existing file read-only, for a CLI that queries while nothing
    /// else writes (DuckDB refuses while another process has it open for writing).
    /// Writes and `ensure_table` then fail.
    pub fn open_read_only(path: &Path) -> Result<Self, WarehouseError> {
        let config = Config::default().access_mode(AccessMode::ReadOnly).map_err(open_err)?;
        Self::from_conn(Connection::open_with_flags(path, config).map_err(open_err)?, true)
    }

    fn from_conn(conn: Connection, read_only: bool) -> Result<Self, WarehouseError> {
        let seed = conn.try_clone().map_err(open_err)?;
        Ok(DuckDbWarehouse {
            conn: Arc::new(Mutex::new(conn)),
            readers: Arc::new(Readers::new(seed)),
            ensured: Arc::new(Mutex::new(HashSet::new())),
            queued: Arc::new(Mutex::new(Vec::new())),
            read_only,
        })
    }

    /// Runs `f` with the write connection on the blocking pool. `what` names the operation in
    /// the debug log (`NBA_LOG=info,nba_cloud::embedded::warehouse=debug`), with the time spent
    /// waiting for the connection and the time spent using it: the write connection is shared by
    /// every function of the process, so the wait is where contention shows.
    async fn run<T, F>(&self, what: impl Into<String>, f: F) -> Result<T, WarehouseError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &Mutex<HashSet<String>>) -> Result<T, WarehouseError> + Send + 'static,
    {
        let conn = self.conn.clone();
        let ensured = self.ensured.clone();
        let what = what.into();
        tokio::task::spawn_blocking(move || {
            let asked = std::time::Instant::now();
            let conn = conn.lock().unwrap_or_else(|p| p.into_inner());
            let got = std::time::Instant::now();
            let result = f(&conn, &ensured);
            tracing::debug!(
                op = %what,
                wait_us = (got - asked).as_micros() as u64,
                run_us = got.elapsed().as_micros() as u64,
                "warehouse operation"
            );
            result
        })
        .await
        .map_err(|e| WarehouseError::Query {
            reason: format!("warehouse task failed: {e}"),
        })?
    }

    /// Runs the read `f` on a read connection (see [`Readers`]), logged as [`Self::run`] logs.
    async fn read<T, F>(&self, what: impl Into<String>, f: F) -> Result<T, WarehouseError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, WarehouseError> + Send + 'static,
    {
        let what = what.into();
        let asked = std::time::Instant::now();
        // The semaphore lives as long as `self`: it is never closed.
        let _permit = self.readers.permits.acquire().await.map_err(query_err)?;
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            let conn = readers.take()?;
            let got = std::time::Instant::now();
            let result = f(&conn);
            tracing::debug!(
                op = %what,
                wait_us = (got - asked).as_micros() as u64,
                run_us = got.elapsed().as_micros() as u64,
                "warehouse operation"
            );
            readers.give_back(conn);
            result
        })
        .await
        .map_err(|e| WarehouseError::Query {
            reason: format!("warehouse task failed: {e}"),
        })?
    }

    /// Creates `schema`'s table unless this handle already did (on the write connection).
    async fn ensure_once(&self, schema: &'static TableSchema) -> Result<(), WarehouseError> {
        let key = schema.qualified_name();
        if self.ensured.lock().unwrap_or_else(|p| p.into_inner()).contains(&key) {
            return Ok(());
        }
        self.run(format!("ensure {key}"), move |conn, ensured| {
            ensure(conn, ensured, schema)
        })
        .await
    }

    async fn write(
        &self,
        schema: &'static TableSchema,
        rows: Vec<Row>,
        op: WriteOp,
    ) -> Result<WriteStats, WarehouseError> {
        if self.read_only {
            return Err(write_err(schema, "warehouse opened read-only"));
        }
        let what = format!("write {op:?} {} ({} rows)", schema.qualified_name(), rows.len());
        if rows.len() <= FEW_ROWS && matches!(op, WriteOp::Append | WriteOp::InsertNew) {
            return self.write_grouped(what, schema, rows, op).await;
        }
        self.run(what, move |conn, ensured| {
            // Convert first (on the blocking pool: it is CPU work): a bad row fails the whole write.
            let values = convert(schema, rows)?;
            ensure(conn, ensured, schema)?;
            // One transaction for the whole write, scratch tables included: one commit (one WAL
            // sync) per write instead of one per statement, which dominated small writes
            // (a one-row execution-log append: 21 ms → see `small_write_costs`).
            in_transaction(conn, || {
                let stats = apply(conn, schema, &values, op)?;
                // Staging tables are connection-local scratch: dropped before the commit.
                conn.execute_batch(&format!(
                    "DROP TABLE IF EXISTS temp.{}; DROP TABLE IF EXISTS temp.{}",
                    quote_ident(STAGING),
                    quote_ident(BATCH)
                ))
                .map_err(|e| e.to_string())?;
                Ok(stats)
            })
            .map_err(|e| write_err(schema, e))
        })
        .await
    }

    /// Queues a small write and makes sure someone applies the queue: this caller, or one
    /// that got the connection before it and took this write along.
    async fn write_grouped(
        &self,
        what: String,
        schema: &'static TableSchema,
        rows: Vec<Row>,
        op: WriteOp,
    ) -> Result<WriteStats, WarehouseError> {
        let values = convert(schema, rows)?;
        let (done, result) = tokio::sync::oneshot::channel();
        self.queued.lock().unwrap_or_else(|p| p.into_inner()).push(QueuedWrite {
            schema,
            values,
            op,
            done,
        });
        // One group per turn at the connection, then the connection is let go: writes queued
        // meanwhile have their own drains waiting for it, and a big write waiting among them
        // must not starve behind an endless run of groups. The drain is not awaited: once
        // another caller's group has applied this write, its answer is here, and waiting for
        // a turn at the connection besides would only add a queue's wait to every write.
        let warehouse = self.clone();
        tokio::spawn(async move {
            let queued = warehouse.queued.clone();
            warehouse
                .run(what, move |conn, ensured| {
                    let group: Vec<QueuedWrite> = {
                        let mut q = queued.lock().unwrap_or_else(|p| p.into_inner());
                        let n = q.len().min(GROUP_MAX);
                        q.drain(..n).collect()
                    };
                    apply_group(conn, ensured, group);
                    Ok(())
                })
                .await
        });
        // A drain that panicked dropped the writes it held unanswered: that is this error.
        result.await.map_err(|_| WarehouseError::Query {
            reason: format!("{}: the grouped write was dropped unapplied", schema.qualified_name()),
        })?
    }
}

/// A write's rows as typed values: a bad row fails the whole write.
fn convert(schema: &TableSchema, rows: Vec<Row>) -> Result<Vec<Vec<DValue>>, WarehouseError> {
    let mut hint = Vec::new();
    rows.into_iter().map(|r| row_values(schema, r, &mut hint)).collect()
}

/// Applies a group of small writes in one transaction and answers each. A failed group is
/// rolled back and its writes applied one by one, so one bad write fails only its caller.
fn apply_group(conn: &Connection, ensured: &Mutex<HashSet<String>>, group: Vec<QueuedWrite>) {
    if group.is_empty() {
        return;
    }
    // Tables are created outside the transaction: a rollback must not undo a creation that
    // `ensured` remembers.
    let mut ready = Vec::with_capacity(group.len());
    for w in group {
        match ensure(conn, ensured, w.schema) {
            Ok(()) => ready.push(w),
            Err(e) => {
                let _ = w.done.send(Err(e));
            }
        }
    }
    if ready.len() > 1 {
        let together = in_transaction(conn, || {
            ready
                .iter()
                .map(|w| apply_few(conn, w.schema, &w.values, w.op))
                .collect::<Result<Vec<_>, _>>()
        });
        if let Ok(stats) = together {
            for (w, s) in ready.into_iter().zip(stats) {
                let _ = w.done.send(Ok(s));
            }
            return;
        }
        // The group was rolled back: each write on its own, so only a bad one fails.
    }
    for w in ready {
        let alone = in_transaction(conn, || apply_few(conn, w.schema, &w.values, w.op));
        let _ = w.done.send(alone.map_err(|e| write_err(w.schema, e)));
    }
}

/// Runs `body` in one transaction: committed when it succeeds, rolled back when it (or the
/// commit) fails. A failed rollback (no transaction left) changes nothing for the caller.
fn in_transaction<T>(conn: &Connection, body: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    conn.execute_batch("BEGIN TRANSACTION").map_err(|e| e.to_string())?;
    let result = body().and_then(|out| conn.execute_batch("COMMIT").map(|()| out).map_err(|e| e.to_string()));
    if result.is_err() {
        // Also drops scratch tables created in the transaction.
        let _ = conn.execute_batch("ROLLBACK");
    }
    result
}

#[derive(Debug, Clone, Copy)]
enum WriteOp {
    Append,
    Merge,
    InsertNew,
    ReplacePartition(NaiveDate),
}

fn write_err(schema: &TableSchema, reason: impl std::fmt::Display) -> WarehouseError {
    WarehouseError::Write {
        table: schema.qualified_name(),
        reason: reason.to_string(),
    }
}

fn query_err(e: impl std::fmt::Display) -> WarehouseError {
    WarehouseError::Query { reason: e.to_string() }
}

/// Creates the dataset and table if missing, and adds declared columns the
/// table lacks (a declaration may grow a nullable column).
fn ensure(conn: &Connection, ensured: &Mutex<HashSet<String>>, schema: &TableSchema) -> Result<(), WarehouseError> {
    let key = schema.qualified_name();
    if ensured.lock().unwrap_or_else(|p| p.into_inner()).contains(&key) {
        return Ok(());
    }
    for sql in ensure_table_sql(schema) {
        conn.execute_batch(&sql).map_err(|e| write_err(schema, e))?;
    }
    let mut stmt = conn
        .prepare("SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?")
        .map_err(|e| write_err(schema, e))?;
    let existing: HashSet<String> = stmt
        .query_map([schema.dataset.id(), schema.name], |r| r.get::<_, String>(0))
        .and_then(|rows| rows.collect())
        .map_err(|e| write_err(schema, e))?;
    for column in schema.columns.iter().filter(|c| !existing.contains(c.name)) {
        conn.execute_batch(&add_column_sql(schema, column))
            .map_err(|e| write_err(schema, e))?;
    }
    ensured.lock().unwrap_or_else(|p| p.into_inner()).insert(key);
    Ok(())
}

fn column_list(schema: &TableSchema, alias: Option<&str>) -> String {
    let prefix = alias.map(|a| format!("{a}.")).unwrap_or_default();
    schema
        .columns
        .iter()
        .map(|c| format!("{prefix}{}", quote_ident(c.name)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn keys_match(schema: &TableSchema) -> String {
    schema
        .keys
        .iter()
        .map(|k| format!("t.{0} IS NOT DISTINCT FROM s.{0}", quote_ident(k)))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// Loads converted rows into the staging table (with their batch position).
fn stage(conn: &Connection, schema: &TableSchema, rows: &[Vec<DValue>]) -> duckdb::Result<()> {
    conn.execute_batch(&staging_table_sql(schema, STAGING))?;
    let mut appender = conn.appender_to_catalog_and_db(STAGING, "temp", "main")?;
    for (seq, row) in rows.iter().enumerate() {
        let seq = DValue::BigInt(i64::try_from(seq).unwrap_or(i64::MAX));
        let mut params: Vec<&dyn duckdb::ToSql> = Vec::with_capacity(row.len() + 1);
        params.extend(row.iter().map(|v| v as &dyn duckdb::ToSql));
        params.push(&seq);
        appender.append_row(params.as_slice())?;
    }
    appender.flush()
}

/// Keeps one staged row per key: the last (`last_wins`) or the first.
fn dedup_batch(conn: &Connection, schema: &TableSchema, last_wins: bool) -> duckdb::Result<()> {
    let keys = schema
        .keys
        .iter()
        .map(|k| quote_ident(k))
        .collect::<Vec<_>>()
        .join(", ");
    let order = if last_wins { "DESC" } else { "ASC" };
    conn.execute_batch(&format!(
        "CREATE OR REPLACE TEMP TABLE {batch} AS SELECT * EXCLUDE (\"__seq\") FROM temp.{staging} \
         QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY \"__seq\" {order}) = 1",
        batch = quote_ident(BATCH),
        staging = quote_ident(STAGING),
    ))
}

/// One step of a write, as a closure so that `?` applies to DuckDB's errors. It runs inside
/// the write's transaction (see [`DuckDbWarehouse::write`]): DuckDB has no nested ones.
fn step<T>(f: impl FnOnce() -> duckdb::Result<T>) -> duckdb::Result<T> {
    f()
}

fn count(conn: &Connection, sql: &str) -> duckdb::Result<u64> {
    conn.query_row(sql, [], |r| r.get::<_, i64>(0))
        .map(|n| u64::try_from(n).unwrap_or(0))
}

fn apply(conn: &Connection, schema: &TableSchema, rows: &[Vec<DValue>], op: WriteOp) -> Result<WriteStats, String> {
    if rows.is_empty() && !matches!(op, WriteOp::ReplacePartition(_)) {
        return Ok(WriteStats::default());
    }
    if matches!(op, WriteOp::Merge | WriteOp::InsertNew) && schema.keys.is_empty() {
        return Err("this write needs the table's keys, and it declares none".into());
    }
    stage(conn, schema, rows).map_err(|e| e.to_string())?;
    let table = qualified_table(schema);
    let cols = column_list(schema, None);
    let s_cols = column_list(schema, Some("s"));
    let batch = format!("temp.{}", quote_ident(BATCH));
    let staging = format!("temp.{}", quote_ident(STAGING));
    let result = match op {
        WriteOp::Append => step(|| {
            let n = conn.execute(
                &format!("INSERT INTO {table} ({cols}) SELECT {cols} FROM {staging}"),
                [],
            )?;
            Ok(WriteStats {
                inserted: n as u64,
                ..Default::default()
            })
        }),
        WriteOp::InsertNew => {
            dedup_batch(conn, schema, false).map_err(|e| e.to_string())?;
            step(|| {
                let inserted = conn.execute(
                    &format!(
                        "INSERT INTO {table} ({cols}) SELECT {s_cols} FROM {batch} s \
                         WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {})",
                        keys_match(schema)
                    ),
                    [],
                )? as u64;
                Ok(WriteStats {
                    inserted,
                    unchanged: rows.len() as u64 - inserted,
                    ..Default::default()
                })
            })
        }
        WriteOp::Merge => {
            dedup_batch(conn, schema, true).map_err(|e| e.to_string())?;
            let distinct = count(conn, &format!("SELECT count(*) FROM {batch}")).map_err(|e| e.to_string())?;
            let non_keys: Vec<&Column> = schema
                .columns
                .iter()
                .filter(|c| !schema.keys.contains(&c.name))
                .collect();
            let changed = if schema.has_data_hash() {
                format!(" AND t.{0} IS DISTINCT FROM s.{0}", quote_ident(DATA_HASH))
            } else {
                String::new()
            };
            step(|| {
                let updated = if non_keys.is_empty() {
                    0
                } else {
                    let set = non_keys
                        .iter()
                        .map(|c| format!("{0} = s.{0}", quote_ident(c.name)))
                        .collect::<Vec<_>>();
                    conn.execute(
                        &format!(
                            "UPDATE {table} AS t SET {} FROM {batch} AS s WHERE {}{changed}",
                            set.join(", "),
                            keys_match(schema)
                        ),
                        [],
                    )? as u64
                };
                let inserted = conn.execute(
                    &format!(
                        "INSERT INTO {table} ({cols}) SELECT {s_cols} FROM {batch} s \
                         WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {})",
                        keys_match(schema)
                    ),
                    [],
                )? as u64;
                Ok(WriteStats {
                    inserted,
                    updated,
                    unchanged: distinct.saturating_sub(inserted + updated),
                    deleted: 0,
                })
            })
        }
        WriteOp::ReplacePartition(date) => {
            let Some(part) = schema.partition_by else {
                return Err("replace_partition on a table without partition_by".into());
            };
            let part = quote_ident(part);
            let day = DValue::Date32(days_since_epoch(date));
            let outside = conn
                .query_row(
                    &format!("SELECT count(*) FROM {staging} WHERE {part} IS DISTINCT FROM ?"),
                    [&day],
                    |r| r.get::<_, i64>(0),
                )
                .map_err(|e| e.to_string())?;
            if outside > 0 {
                return Err(format!("{outside} row(s) fall outside partition {date}"));
            }
            step(|| {
                let deleted = conn.execute(&format!("DELETE FROM {table} WHERE {part} = ?"), [&day])? as u64;
                let inserted = conn.execute(
                    &format!("INSERT INTO {table} ({cols}) SELECT {cols} FROM {staging}"),
                    [],
                )? as u64;
                Ok(WriteStats {
                    inserted,
                    deleted,
                    ..Default::default()
                })
            })
        }
    };
    result.map_err(|e| e.to_string())
}

/// Rows up to this many are appended or inserted-if-new with plain statements (see [`apply_few`]).
const FEW_ROWS: usize = 64;

/// A few rows appended, or inserted unless their key exists, in one statement with the rows
/// as parameters: no staging table. Most writes of a day are a row or a few (an execution-log
/// row, a transition decision, a worker's rows for one player), and the staging path's
/// scratch-table statements cost several times the insert itself. Same results as [`apply`]:
/// within the batch the first row of a key wins.
fn apply_few(conn: &Connection, schema: &TableSchema, rows: &[Vec<DValue>], op: WriteOp) -> Result<WriteStats, String> {
    if rows.is_empty() {
        return Ok(WriteStats::default());
    }
    let table = qualified_table(schema);
    let cols = column_list(schema, None);
    let key_at: Vec<usize> = match op {
        WriteOp::InsertNew if schema.keys.is_empty() => {
            return Err("this write needs the table's keys, and it declares none".into());
        }
        WriteOp::InsertNew => schema
            .keys
            .iter()
            .map(|k| {
                schema
                    .columns
                    .iter()
                    .position(|c| c.name == *k)
                    .ok_or_else(|| format!("key {k} is not a declared column"))
            })
            .collect::<Result<_, _>>()?,
        _ => Vec::new(),
    };
    // Insert-new: the first row of each key in the batch (DuckDB values compare as the
    // staging path's `PARTITION BY` groups them, NULL with NULL).
    let mut firsts: Vec<&Vec<DValue>> = Vec::with_capacity(rows.len());
    for row in rows {
        let duplicate = !key_at.is_empty() && firsts.iter().any(|f| key_at.iter().all(|&i| f[i] == row[i]));
        if !duplicate {
            firsts.push(row);
        }
    }
    // Typed placeholders: a VALUES list outside `INSERT … VALUES` has no column to take its
    // types from.
    let tuple = format!(
        "({})",
        schema
            .columns
            .iter()
            .map(|c| format!("CAST(? AS {})", duckdb_type(c.ty)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let values = vec![tuple.as_str(); firsts.len()].join(", ");
    let sql = if key_at.is_empty() {
        format!("INSERT INTO {table} ({cols}) VALUES {values}")
    } else {
        format!(
            "INSERT INTO {table} ({cols}) SELECT * FROM (VALUES {values}) AS s ({cols}) \
             WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {})",
            keys_match(schema)
        )
    };
    let inserted = conn
        .execute(&sql, params_from_iter(firsts.iter().flat_map(|r| r.iter())))
        .map_err(|e| e.to_string())? as u64;
    Ok(WriteStats {
        inserted,
        unchanged: rows.len() as u64 - inserted,
        ..Default::default()
    })
}

fn days_since_epoch(date: NaiveDate) -> i32 {
    i32::try_from((date - NaiveDate::default()).num_days()).unwrap_or(i32::MAX)
}

/// A row as DuckDB values in declaration order, type-checked against the schema.
///
/// Takes the row by value so strings move into DuckDB values without copies.
/// Rows of one batch almost always list their fields in the same order, so
/// `hint` remembers which column the n-th field matched last time: one string
/// comparison per field instead of a search (this loop runs per value of
/// batches of tens of thousands of rows).
fn row_values(schema: &TableSchema, row: Row, hint: &mut Vec<usize>) -> Result<Vec<DValue>, WarehouseError> {
    let columns = schema.columns;
    let mut slots: Vec<Option<Value>> = std::iter::repeat_with(|| None).take(columns.len()).collect();
    for (pos, (name, value)) in row.into_iter().enumerate() {
        let index = match hint.get(pos) {
            Some(&i) if columns[i].name == name => i,
            _ => {
                let Some(i) = columns.iter().position(|c| c.name == name) else {
                    // BigQuery refuses unknown fields too.
                    return Err(write_err(schema, format!("row has undeclared column {name:?}")));
                };
                match hint.get_mut(pos) {
                    Some(h) => *h = i,
                    None => hint.push(i),
                }
                i
            }
        };
        slots[index] = Some(value);
    }
    columns
        .iter()
        .zip(slots)
        .map(|(c, v)| json_to_duck(c, v).map_err(|e| write_err(schema, format!("column {}: {e}", c.name))))
        .collect()
}

fn json_to_duck(column: &Column, value: Option<Value>) -> Result<DValue, String> {
    let value = match value {
        None | Some(Value::Null) if column.nullable => return Ok(DValue::Null),
        None | Some(Value::Null) => return Err("null in a non-nullable column".into()),
        Some(Value::String(s)) if column.ty == ColumnType::String => return Ok(DValue::Text(s)),
        Some(v) => v,
    };
    let wrong = || format!("expected {:?}, got {value}", column.ty);
    Ok(match column.ty {
        ColumnType::String => return Err(wrong()),
        ColumnType::Int64 => DValue::BigInt(value.as_i64().ok_or_else(wrong)?),
        ColumnType::Float64 => DValue::Double(value.as_f64().ok_or_else(wrong)?),
        ColumnType::Bool => DValue::Boolean(value.as_bool().ok_or_else(wrong)?),
        ColumnType::Date => {
            let text = value.as_str().ok_or_else(wrong)?;
            let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|e| format!("{text:?}: {e}"))?;
            DValue::Date32(days_since_epoch(date))
        }
        ColumnType::Timestamp => {
            let text = value.as_str().ok_or_else(wrong)?;
            DValue::Timestamp(TimeUnit::Microsecond, parse_timestamp(text)?.timestamp_micros())
        }
        ColumnType::Json => DValue::Text(value.to_string()),
    })
}

/// RFC 3339 (any offset, converted to UTC), or a naive `YYYY-MM-DD[T ]HH:MM:SS[.f]` taken as UTC.
fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .map(|t| t.and_utc())
        .ok_or_else(|| format!("{text:?} is not an RFC 3339 timestamp"))
}

fn param_to_duck(value: Value) -> DValue {
    match value {
        Value::Null => DValue::Null,
        Value::Bool(b) => DValue::Boolean(b),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => DValue::BigInt(i),
            (None, Some(u)) => DValue::UBigInt(u),
            _ => DValue::Double(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => DValue::Text(s),
        other => DValue::Text(other.to_string()),
    }
}

fn float(f: f64) -> Value {
    Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null)
}

/// A DuckDB value as warehouse JSON: dates `YYYY-MM-DD`, timestamps RFC 3339 `…Z`,
/// JSON columns parsed back.
fn duck_to_json(value: DValue, is_json: bool) -> Value {
    match value {
        DValue::Null => Value::Null,
        DValue::Boolean(b) => Value::Bool(b),
        DValue::TinyInt(i) => i.into(),
        DValue::SmallInt(i) => i.into(),
        DValue::Int(i) => i.into(),
        DValue::BigInt(i) => i.into(),
        DValue::UTinyInt(i) => i.into(),
        DValue::USmallInt(i) => i.into(),
        DValue::UInt(i) => i.into(),
        DValue::UBigInt(i) => i.into(),
        DValue::HugeInt(i) => i64::try_from(i)
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(i.to_string())),
        DValue::UHugeInt(i) => u64::try_from(i)
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(i.to_string())),
        DValue::Float(f) => float(f64::from(f)),
        DValue::Double(f) => float(f),
        DValue::Decimal(d) => d
            .to_string()
            .parse::<f64>()
            .map(float)
            .unwrap_or_else(|_| Value::String(d.to_string())),
        DValue::Timestamp(unit, v) => DateTime::from_timestamp_micros(unit.to_micros(v))
            .map(|t| Value::String(t.to_rfc3339_opts(SecondsFormat::AutoSi, true)))
            .unwrap_or(Value::Null),
        DValue::Date32(days) => NaiveDate::default()
            .checked_add_signed(chrono::Duration::days(i64::from(days)))
            .map(|d| Value::String(d.format("%Y-%m-%d").to_string()))
            .unwrap_or(Value::Null),
        DValue::Time64(unit, v) => {
            let micros = unit.to_micros(v);
            let secs = u32::try_from(micros.div_euclid(1_000_000)).unwrap_or(0);
            let nanos = u32::try_from(micros.rem_euclid(1_000_000) * 1000).unwrap_or(0);
            NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos)
                .map(|t| Value::String(t.format("%H:%M:%S%.f").to_string()))
                .unwrap_or(Value::Null)
        }
        DValue::Interval { months, days, nanos } => serde_json::json!({"months": months, "days": days, "nanos": nanos}),
        DValue::Text(s) if is_json => serde_json::from_str(&s).unwrap_or(Value::String(s)),
        DValue::Text(s) | DValue::Enum(s) => Value::String(s),
        DValue::Blob(b) | DValue::Geometry(b) => Value::String(BASE64.encode(b)),
        DValue::List(items) | DValue::Array(items) => {
            Value::Array(items.into_iter().map(|v| duck_to_json(v, false)).collect())
        }
        DValue::Struct(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), duck_to_json(v.clone(), false)))
                .collect(),
        ),
        DValue::Map(entries) => Value::Array(
            entries
                .iter()
                .map(|(k, v)| Value::Array(vec![duck_to_json(k.clone(), false), duck_to_json(v.clone(), false)]))
                .collect(),
        ),
        DValue::Union(inner) => duck_to_json(*inner, is_json),
        other => Value::String(format!("{other:?}")),
    }
}

/// Runs a statement and returns its rows as JSON maps. `json_columns` names
/// columns to parse as JSON in addition to those DuckDB reports as `JSON`.
fn select_rows(
    conn: &Connection,
    sql: &str,
    params: Vec<DValue>,
    json_columns: &HashSet<&str>,
) -> duckdb::Result<Vec<Row>> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query(params_from_iter(params))?;
    let (names, is_json): (Vec<String>, Vec<bool>) = match rows.as_ref() {
        Some(stmt) => {
            let names = stmt.column_names();
            let is_json = (0..names.len())
                .map(|i| {
                    json_columns.contains(names[i].as_str())
                        || stmt
                            .column_logical_type(i)
                            .get_alias()
                            .is_some_and(|a| a.eq_ignore_ascii_case("json"))
                })
                .collect();
            (names, is_json)
        }
        None => (Vec::new(), Vec::new()),
    };
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let mut map = Map::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            map.insert(name.clone(), duck_to_json(row.get::<_, DValue>(i)?, is_json[i]));
        }
        out.push(map);
    }
    Ok(out)
}

/// Statement kinds a read-only query may start with.
const READ_ONLY_STARTS: &[&str] = &[
    "SELECT",
    "WITH",
    "DESCRIBE",
    "SHOW",
    "EXPLAIN",
    "FROM",
    "VALUES",
    "SUMMARIZE",
];
/// Words that never appear in a read-only statement (outside strings and quoted names).
const WRITE_WORDS: &[&str] = &[
    "INSERT",
    "UPDATE",
    "DELETE",
    "MERGE",
    "CREATE",
    "DROP",
    "ALTER",
    "COPY",
    "ATTACH",
    "DETACH",
    "INSTALL",
    "LOAD",
    "PRAGMA",
    "SET",
    "RESET",
    "CALL",
    "CHECKPOINT",
    "EXPORT",
    "IMPORT",
    "VACUUM",
    "TRUNCATE",
    "ANALYZE",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "GRANT",
    "USE",
];

/// Splits SQL into upper-cased bare words and `;`, skipping string literals,
/// quoted identifiers and comments (so `'a;b'` or `"drop"` are harmless).
fn sql_tokens(sql: &str) -> Result<Vec<String>, String> {
    let chars: Vec<char> = sql.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' | '"' => {
                // Doubled quote escapes itself.
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("unterminated quote".into()),
                        Some(&q) if q == c && chars.get(i + 1) == Some(&c) => i += 2,
                        Some(&q) if q == c => break,
                        Some(_) => i += 1,
                    }
                }
                tokens.push(if c == '\'' {
                    "'literal'".into()
                } else {
                    "\"ident\"".into()
                });
                i += 1;
            }
            '-' if chars.get(i + 1) == Some(&'-') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    i += 1;
                }
                i += 2;
            }
            ';' => {
                tokens.push(";".into());
                i += 1;
            }
            c if c.is_alphanumeric() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                tokens.push(chars[start..i].iter().collect::<String>().to_uppercase());
            }
            _ => i += 1,
        }
    }
    Ok(tokens)
}

/// Refuses anything but one read-only statement.
pub fn check_read_only(sql: &str) -> Result<(), WarehouseError> {
    let refuse = |why: &str| Err(WarehouseError::NotReadOnly(why.to_owned()));
    let mut tokens = sql_tokens(sql).map_err(WarehouseError::NotReadOnly)?;
    while tokens.last().is_some_and(|t| t == ";") {
        tokens.pop();
    }
    if tokens.iter().any(|t| t == ";") {
        return refuse("multiple statements");
    }
    let Some(first) = tokens.first() else {
        return refuse("empty statement");
    };
    if !READ_ONLY_STARTS.contains(&first.as_str()) {
        return refuse(&format!("{first} statements"));
    }
    if let Some(word) = tokens.iter().find(|t| WRITE_WORDS.contains(&t.as_str())) {
        return refuse(&format!("{word} in a query"));
    }
    Ok(())
}

#[async_trait]
impl Warehouse for DuckDbWarehouse {
    async fn ensure_table(&self, schema: &'static TableSchema) -> Result<(), WarehouseError> {
        if self.read_only {
            return Err(write_err(schema, "warehouse opened read-only"));
        }
        self.ensure_once(schema).await
    }

    async fn append(&self, schema: &'static TableSchema, rows: Vec<Row>) -> Result<WriteStats, WarehouseError> {
        self.write(schema, rows, WriteOp::Append).await
    }

    async fn merge(&self, schema: &'static TableSchema, rows: Vec<Row>) -> Result<WriteStats, WarehouseError> {
        self.write(schema, rows, WriteOp::Merge).await
    }

    async fn insert_new(&self, schema: &'static TableSchema, rows: Vec<Row>) -> Result<WriteStats, WarehouseError> {
        self.write(schema, rows, WriteOp::InsertNew).await
    }

    async fn replace_partition(
        &self,
        schema: &'static TableSchema,
        partition: NaiveDate,
        rows: Vec<Row>,
    ) -> Result<WriteStats, WarehouseError> {
        self.write(schema, rows, WriteOp::ReplacePartition(partition)).await
    }

    /// Rows in declaration order of columns, ordered by the table's keys. A
    /// range on a table without `partition_by` filters nothing.
    async fn scan(
        &self,
        schema: &'static TableSchema,
        range: Option<PartitionRange>,
    ) -> Result<Vec<Row>, WarehouseError> {
        if range.is_none() && schema.require_partition_filter {
            return Err(WarehouseError::PartitionFilterRequired {
                table: schema.qualified_name(),
            });
        }
        if !self.read_only {
            self.ensure_once(schema).await?;
        }
        self.read(format!("scan {}", schema.qualified_name()), move |conn| {
            let mut sql = format!("SELECT {} FROM {}", column_list(schema, None), qualified_table(schema));
            let mut params = Vec::new();
            if let (Some(range), Some(part)) = (range, schema.partition_by) {
                sql.push_str(&format!(" WHERE {} BETWEEN ? AND ?", quote_ident(part)));
                params.push(DValue::Date32(days_since_epoch(range.from)));
                params.push(DValue::Date32(days_since_epoch(range.to)));
            }
            if !schema.keys.is_empty() {
                let keys = schema.keys.iter().map(|k| quote_ident(k)).collect::<Vec<_>>();
                sql.push_str(&format!(" ORDER BY {}", keys.join(", ")));
            }
            let json_columns: HashSet<&str> = schema
                .columns
                .iter()
                .filter(|c| c.ty == ColumnType::Json)
                .map(|c| c.name)
                .collect();
            select_rows(conn, &sql, params, &json_columns).map_err(query_err)
        })
        .await
    }

    async fn query(&self, sql: &str, params: Vec<Value>) -> Result<Vec<Row>, WarehouseError> {
        check_read_only(sql)?;
        let sql = sql.to_owned();
        let params: Vec<DValue> = params.into_iter().map(param_to_duck).collect();
        let what = format!("query {}", sql.split_whitespace().collect::<Vec<_>>().join(" "));
        self.read(what, move |conn| {
            select_rows(conn, &sql, params, &HashSet::new()).map_err(query_err)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nba_schemas::Table;
    use nba_schemas::tables::orchestration::{ProcessorExecutionLog, QuarantinedInput};
    use nba_schemas::tables::raw::NbacSchedule;
    use serde_json::json;

    pub(super) fn game(i: usize, status: i64) -> Row {
        let row = json!({
            "game_id": format!("00224{i:05}"),
            "game_date": "2025-01-15",
            "game_code": "20250115_LAL_BOS",
            "season": "2024-25",
            "season_type": "Regular Season",
            "game_status": status,
            "game_status_text": "Final",
            "tip_time_utc": "2025-01-16T00:30:00Z",
            "home_team_id": 1610612738_i64,
            "home_team_tricode": "BOS",
            "away_team_id": 1610612747_i64,
            "away_team_tricode": "LAL",
            "home_score": 110,
            "away_score": null,
            "arena_name": "TD Garden",
            "arena_city": null,
            "is_neutral": false,
            "postponed_status": null,
            "game_label": null,
            "game_sub_label": null,
            "source_file": "gs://raw/x.json",
            "data_hash": format!("h{status}"),
            "processed_at": "2025-01-16T03:00:00.123456Z",
        });
        row.as_object().unwrap().clone()
    }

    #[tokio::test]
    async fn merge_is_idempotent_and_detects_changes() {
        let wh = DuckDbWarehouse::open_in_memory().unwrap();
        let schema = NbacSchedule::SCHEMA;
        let rows: Vec<Row> = (0..10).map(|i| game(i, 1)).collect();
        let first = wh.merge(schema, rows.clone()).await.unwrap();
        assert_eq!(
            first,
            WriteStats {
                inserted: 10,
                ..Default::default()
            }
        );
        let again = wh.merge(schema, rows).await.unwrap();
        assert_eq!(
            again,
            WriteStats {
                unchanged: 10,
                ..Default::default()
            }
        );
        // Two changed, one new, and a duplicate key in the batch where the last wins.
        let batch = vec![game(0, 2), game(1, 2), game(10, 1), game(3, 2), game(3, 1)];
        let stats = wh.merge(schema, batch).await.unwrap();
        assert_eq!(
            stats,
            WriteStats {
                inserted: 1,
                updated: 2,
                unchanged: 1,
                deleted: 0
            }
        );
        let all = wh.scan(schema, None).await.unwrap();
        assert_eq!(all.len(), 11);
        assert_eq!(all[0]["game_status"], json!(2));
        assert_eq!(all[3]["game_status"], json!(1));
        // Values come back as they went in.
        assert_eq!(all[5], game(5, 1));
    }

    /// A bulk merge is set-wise: 30k new rows insert, the same 30k again are all unchanged.
    /// (Speed is not asserted in tests: timings belong in `make bench`.)
    #[tokio::test]
    async fn a_bulk_merge_inserts_then_recognises_every_row() {
        let wh = DuckDbWarehouse::open_in_memory().unwrap();
        let rows: Vec<Row> = (0..30_000).map(|i| game(i, 1)).collect();
        let stats = wh.merge(NbacSchedule::SCHEMA, rows.clone()).await.unwrap();
        assert_eq!(stats.inserted, 30_000);
        let stats = wh.merge(NbacSchedule::SCHEMA, rows).await.unwrap();
        assert_eq!((stats.unchanged, stats.inserted, stats.updated), (30_000, 0, 0));
    }

    pub(super) fn log_row(id: &str, day: &str) -> Row {
        json!({
            "execution_id": id, "function_name": "f", "trigger_event_id": "e", "trigger_type": "http",
            "event_type": null, "correlation_id": "c", "inputs": {"paths": ["a", "b"], "n": 1},
            "status": "success", "rows_read": 1, "rows_written": 1, "rows_unchanged": 0, "rows_rejected": 0,
            "game_date": null, "run_date": day, "started_at": "2025-01-01T10:00:00Z", "duration_ms": 5,
            "delivery_attempt": 1, "error_class": null, "error_message": null, "message": null,
        })
        .as_object()
        .unwrap()
        .clone()
    }

    #[tokio::test]
    async fn append_replace_partition_and_scan_ranges() {
        let wh = DuckDbWarehouse::open_in_memory().unwrap();
        let s = ProcessorExecutionLog::SCHEMA;
        let stats = wh
            .append(s, vec![log_row("a", "2025-01-01"), log_row("b", "2025-01-02")])
            .await
            .unwrap();
        assert_eq!(stats.inserted, 2);
        let day = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let rows = wh.scan(s, Some(PartitionRange::day(day))).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["inputs"], json!({"paths": ["a", "b"], "n": 1}));
        assert_eq!(rows[0]["started_at"], json!("2025-01-01T10:00:00Z"));
        assert_eq!(rows[0]["run_date"], json!("2025-01-01"));
        let stats = wh
            .replace_partition(s, day, vec![log_row("c", "2025-01-01"), log_row("d", "2025-01-01")])
            .await;
        assert_eq!(
            stats.unwrap(),
            WriteStats {
                inserted: 2,
                deleted: 1,
                ..Default::default()
            }
        );
        let err = wh
            .replace_partition(s, day, vec![log_row("e", "2025-01-05")])
            .await
            .unwrap_err();
        assert!(matches!(err, WarehouseError::Write { .. }), "{err}");
        let ids: Vec<_> = wh
            .scan(s, None)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r["execution_id"].clone())
            .collect();
        assert_eq!(ids, [json!("b"), json!("c"), json!("d")]);
    }

    #[tokio::test]
    async fn insert_new_keeps_existing_rows() {
        let wh = DuckDbWarehouse::open_in_memory().unwrap();
        let s = QuarantinedInput::SCHEMA;
        let row = |reason: &str, f: &str| {
            json!({"quarantined_at": "2025-01-01T00:00:00Z", "function_name": f, "source_name": "s",
                   "original_uri": "gs://b/o#1", "quarantine_uri": "gs://b/quarantine/o", "field": "$.x",
                   "reason": reason, "correlation_id": "c", "execution_id": "e"})
            .as_object()
            .unwrap()
            .clone()
        };
        let st = wh
            .insert_new(s, vec![row("bad", "f1"), row("bad", "f2"), row("worse", "f1")])
            .await
            .unwrap();
        assert_eq!(
            st,
            WriteStats {
                inserted: 2,
                unchanged: 1,
                ..Default::default()
            }
        );
        let st = wh.insert_new(s, vec![row("bad", "f3")]).await.unwrap();
        assert_eq!(
            st,
            WriteStats {
                unchanged: 1,
                ..Default::default()
            }
        );
        let rows = wh.query(
            "SELECT function_name FROM nba_orchestration.quarantined_inputs ORDER BY reason",
            vec![],
        );
        let rows = rows.await.unwrap();
        assert_eq!(rows[0]["function_name"], json!("f1"));
    }

    /// Small writes queued while the connection is busy go in as one group, each caller
    /// with its own result; a write that fails in the group fails only its caller (the
    /// group is rolled back and its writes applied one by one).
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn grouped_small_writes_answer_each_caller_and_a_bad_one_fails_alone() {
        let wh = DuckDbWarehouse::open_in_memory().unwrap();
        // A table whose stored `reason` column is an integer: a text reason fails on insert,
        // past the row checks (which know the declared type only).
        wh.conn
            .lock()
            .unwrap()
            .execute_batch(
                "CREATE SCHEMA nba_orchestration; CREATE TABLE nba_orchestration.quarantined_inputs (reason INTEGER)",
            )
            .unwrap();
        wh.ensure_table(ProcessorExecutionLog::SCHEMA).await.unwrap();
        let bad = json!({"quarantined_at": "2025-01-01T00:00:00Z", "function_name": "f", "source_name": "s",
                         "original_uri": "gs://b/o#1", "quarantine_uri": "gs://b/quarantine/o", "field": "$.x",
                         "reason": "not a number", "correlation_id": "c", "execution_id": "e"})
        .as_object()
        .unwrap()
        .clone();
        // Hold the write connection so every write below queues, then let them all go.
        let busy = wh.conn.clone();
        let held = std::thread::spawn(move || {
            let _guard = busy.lock().unwrap();
            std::thread::sleep(std::time::Duration::from_millis(300));
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let mut writes = Vec::new();
        for i in 0..20 {
            let wh = wh.clone();
            writes.push(tokio::spawn(async move {
                // Each execution id twice: the second is recognised within the group.
                let rows = vec![
                    tests::log_row(&format!("e{i}"), "2025-01-10"),
                    tests::log_row(&format!("e{i}"), "2025-01-10"),
                ];
                wh.insert_new(ProcessorExecutionLog::SCHEMA, rows).await
            }));
        }
        let failing = {
            let wh = wh.clone();
            tokio::spawn(async move { wh.append(QuarantinedInput::SCHEMA, vec![bad]).await })
        };
        let again = {
            let wh = wh.clone();
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                wh.insert_new(ProcessorExecutionLog::SCHEMA, vec![tests::log_row("e0", "2025-01-10")])
                    .await
            })
        };
        held.join().unwrap();
        for w in writes {
            let stats = w.await.unwrap().unwrap();
            assert_eq!((stats.inserted, stats.unchanged), (1, 1));
        }
        assert_eq!(again.await.unwrap().unwrap().unchanged, 1);
        let err = failing.await.unwrap().unwrap_err();
        assert!(err.to_string().contains("quarantined_inputs"), "{err}");
        let n = wh
            .query(
                "SELECT count(*) AS n FROM nba_orchestration.processor_execution_log",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(n[0]["n"], json!(20));
    }

    #[tokio::test]
    async fn bad_rows_fail_the_whole_write() {
        let wh = DuckDbWarehouse::open_in_memory().unwrap();
        let mut bad = game(1, 1);
        bad.insert("game_date".into(), json!("15/01/2025"));
        let err = wh.merge(NbacSchedule::SCHEMA, vec![game(0, 1), bad]).await.unwrap_err();
        assert!(err.to_string().contains("game_date"), "{err}");
        let mut extra = game(2, 1);
        extra.insert("nope".into(), json!(1));
        assert!(wh.merge(NbacSchedule::SCHEMA, vec![extra]).await.is_err());
        let mut missing = game(3, 1);
        missing.remove("game_id");
        assert!(wh.merge(NbacSchedule::SCHEMA, vec![missing]).await.is_err());
        assert!(wh.scan(NbacSchedule::SCHEMA, None).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn query_is_read_only_and_typed() {
        let wh = DuckDbWarehouse::open_in_memory().unwrap();
        wh.merge(NbacSchedule::SCHEMA, vec![game(1, 3)]).await.unwrap();
        let rows = wh
            .query(
                "SELECT game_id, game_date, tip_time_utc, home_score, home_score / 4 AS q, is_neutral, \
                 count(*) OVER () AS n FROM nba_raw.nbac_schedule WHERE game_date = ? AND game_status = ?",
                vec![json!("2025-01-15"), json!(3)],
            )
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(r["game_date"], json!("2025-01-15"));
        assert_eq!(r["tip_time_utc"], json!("2025-01-16T00:30:00Z"));
        assert_eq!(r["home_score"], json!(110));
        assert_eq!(r["q"], json!(27.5));
        assert_eq!(r["n"], json!(1));
        assert_eq!(r["is_neutral"], json!(false));
        let j = wh.query("SELECT '{\"a\":[1]}'::JSON AS j", vec![]).await.unwrap();
        assert_eq!(j[0]["j"], json!({"a": [1]}));
        for sql in [
            "INSERT INTO nba_raw.nbac_schedule SELECT * FROM nba_raw.nbac_schedule",
            "SELECT 1; DROP TABLE nba_raw.nbac_schedule",
            "WITH x AS (SELECT 1) DELETE FROM nba_raw.nbac_schedule",
            "PRAGMA version",
            "-- hi\nDROP TABLE nba_raw.nbac_schedule",
            "EXPLAIN ANALYZE DELETE FROM nba_raw.nbac_schedule",
            "",
        ] {
            let err = wh.query(sql, vec![]).await.unwrap_err();
            assert!(matches!(err, WarehouseError::NotReadOnly(_)), "{sql}: {err}");
        }
        // Semicolons and keywords inside strings or after the statement are fine.
        let ok = wh.query("SELECT 'a;drop' AS \"delete\";  ", vec![]).await.unwrap();
        assert_eq!(ok[0]["delete"], json!("a;drop"));
        assert_eq!(wh.scan(NbacSchedule::SCHEMA, None).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn file_warehouse_reopens_read_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("warehouse.duckdb");
        {
            let wh = DuckDbWarehouse::open(&path).unwrap();
            wh.merge(NbacSchedule::SCHEMA, vec![game(1, 1)]).await.unwrap();
        }
        let ro = DuckDbWarehouse::open_read_only(&path).unwrap();
        let n = ro
            .query("SELECT count(*) AS n FROM nba_raw.nbac_schedule", vec![])
            .await
            .unwrap();
        assert_eq!(n[0]["n"], json!(1));
        assert!(ro.merge(NbacSchedule::SCHEMA, vec![game(2, 1)]).await.is_err());
    }

    #[test]
    fn read_only_check() {
        assert!(check_read_only("select 1").is_ok());
        assert!(check_read_only("  /* c */ WITH a AS (SELECT 1) SELECT * FROM a;").is_ok());
        assert!(check_read_only("DESCRIBE nba_raw.nbac_schedule").is_ok());
        assert!(check_read_only("SELECT 1;;SELECT 2").is_err());
        assert!(check_read_only("COPY t TO 'x'").is_err());
        assert!(check_read_only("SELECT 'unterminated").is_err());
    }
}

/// Cost of the small writes functions make all day (one execution-log row, one merge of a
/// few rows) and of a small query: `cargo test -p nba-cloud --release small_write_costs --
/// --ignored --nocapture`.
#[cfg(test)]
mod write_costs {
    use std::future::Future;
    use std::time::Instant;

    use super::*;
    use nba_schemas::Table;
    use nba_schemas::tables::orchestration::ProcessorExecutionLog;
    use nba_schemas::tables::raw::NbacSchedule;

    const RUNS: usize = 200;

    /// Mean milliseconds of `op(i)` over [`RUNS`] runs.
    async fn mean_ms<F: Future<Output = ()>>(mut op: impl FnMut(usize) -> F) -> f64 {
        let t = Instant::now();
        for i in 0..RUNS {
            op(i).await;
        }
        t.elapsed().as_secs_f64() * 1000.0 / RUNS as f64
    }

    #[tokio::test]
    #[ignore = "a measurement, not a check"]
    async fn small_write_costs() {
        let dir = tempfile::tempdir().unwrap();
        let wh = DuckDbWarehouse::open(&dir.path().join("w.duckdb")).unwrap();
        let append = mean_ms(|i| {
            let row = tests::log_row(&format!("e{i}"), "2025-01-10");
            let wh = &wh;
            async move {
                wh.append(ProcessorExecutionLog::SCHEMA, vec![row]).await.unwrap();
            }
        })
        .await;
        let merge = mean_ms(|i| {
            let wh = &wh;
            async move {
                wh.merge(NbacSchedule::SCHEMA, vec![tests::game(i, 3)]).await.unwrap();
            }
        })
        .await;
        let query = mean_ms(|_| {
            let wh = &wh;
            async move {
                let day = vec![serde_json::json!("2025-01-15")];
                wh.query("SELECT * FROM nba_raw.nbac_schedule WHERE game_date = ?", day)
                    .await
                    .unwrap();
            }
        })
        .await;
        println!("append 1 row: {append:.2} ms; merge 1 row: {merge:.2} ms; query ({RUNS} rows): {query:.2} ms");
    }
}
