//! The warehouse on BigQuery, over its REST API (`jobs.query`, load jobs, tables).
//!
//! * Writes are batch **load jobs** (newline-delimited JSON) into a short-lived staging
//!   table, then one SQL statement: `MERGE` on the keys (rows whose `data_hash` is
//!   unchanged are counted, not rewritten), `INSERT … WHERE NOT EXISTS`-style merges for
//!   insert-only tables, or one `MERGE … ON FALSE` that swaps a partition atomically. No
//!   streaming inserts.
//! * Every query is parameterised (positional `?`, BigQuery's `POSITIONAL` mode); scans of
//!   partitioned tables always carry the partition filter.
//! * Rate limits (`rateLimitExceeded`) and concurrent-DML serialisation conflicts are
//!   retried a bounded number of times with backoff; other errors surface at once.
//! * Datasets carry the environment prefix (`dev_nba_raw`), as Terraform creates them, so
//!   environments can share a project. The functions' SQL names them canonically
//!   (`nba_raw.t`, the same SQL DuckDB runs); the adapter qualifies them on the way out.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use nba_core::{Dataset, Names};
use nba_schemas::{ColumnType, DATA_HASH, Row, TableSchema};
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value, json};

use super::rest::{Rest, RestError, encode_segment};
use crate::embedded::warehouse::check_read_only;
use crate::{PartitionRange, Warehouse, WarehouseError, WriteStats};

/// Attempts of a statement that meets rate limits or concurrent-update conflicts.
const MAX_ATTEMPTS: u32 = 5;
/// Longest a `jobs.query` call waits server-side before we poll.
const QUERY_WAIT_MS: u64 = 20_000;
/// Polls of a running job before giving up.
const MAX_POLLS: u32 = 120;
/// Order of staged rows, so the last duplicate of a key wins as in the embedded warehouse.
const SEQ: &str = "__nba_seq";
/// Staging tables delete themselves if a write dies before dropping them.
const STAGING_TTL: Duration = Duration::from_secs(3600);

/// [`Warehouse`] on BigQuery.
#[derive(Clone, Debug)]
pub struct BigQueryWarehouse {
    rest: Rest,
    project: String,
    /// Dataset names of the environment.
    names: Names,
    ensured: Arc<Mutex<HashSet<String>>>,
}

/// A finished statement: its rows and how many rows DML touched.
struct Answer {
    rows: Vec<Row>,
    affected: u64,
}

fn query_err(reason: impl std::fmt::Display) -> WarehouseError {
    WarehouseError::Query {
        reason: reason.to_string(),
    }
}

fn write_err(schema: &TableSchema, reason: impl std::fmt::Display) -> WarehouseError {
    WarehouseError::Write {
        table: schema.qualified_name(),
        reason: reason.to_string(),
    }
}

/// Rate limits and concurrent-DML conflicts: worth another try.
fn is_retryable(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    [
        "ratelimitexceeded",
        "exceeded rate limits",
        "could not serialize access",
        "concurrent update",
    ]
    .iter()
    .any(|n| t.contains(n))
}

fn classify(e: RestError) -> WarehouseError {
    let text = e.to_string();
    if is_retryable(&text) || e.is_transient() {
        WarehouseError::Busy(text)
    } else {
        query_err(text)
    }
}

/// Staging keeps JSON and timestamps as text (converted in SQL): loads then never depend
/// on how a loader reads nested JSON or `…Z` timestamps.
fn staging_type(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Json | ColumnType::Timestamp => "STRING",
        other => nba_schemas::bigquery::column_type(other),
    }
}

/// The expression reading staged column `c` of alias `s` as the table's type.
fn from_staging(alias: &str, name: &str, ty: ColumnType) -> String {
    match ty {
        ColumnType::Json => format!("PARSE_JSON({alias}.`{name}`)"),
        ColumnType::Timestamp => format!("TIMESTAMP({alias}.`{name}`)"),
        _ => format!("{alias}.`{name}`"),
    }
}

/// A JSON parameter as a BigQuery query parameter. Strings shaped like dates or RFC 3339
/// timestamps are typed so (BigQuery does not coerce STRING parameters as DuckDB does).
fn parameter(value: &Value) -> Value {
    let (ty, v) = match value {
        Value::Null => ("STRING", Value::Null),
        Value::Bool(b) => ("BOOL", json!(b.to_string())),
        Value::Number(n) if n.is_i64() || n.is_u64() => ("INT64", json!(n.to_string())),
        Value::Number(n) => ("FLOAT64", json!(n.to_string())),
        Value::String(s) if NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() => ("DATE", json!(s)),
        Value::String(s) if DateTime::parse_from_rfc3339(s).is_ok() => ("TIMESTAMP", json!(s)),
        Value::String(s) => ("STRING", json!(s)),
        other => ("JSON", json!(other.to_string())),
    };
    let value = if v.is_null() { json!({}) } else { json!({ "value": v }) };
    json!({ "parameterType": { "type": ty }, "parameterValue": value })
}

/// One cell of a `jobs.query` answer as warehouse JSON (dates `YYYY-MM-DD`, timestamps
/// RFC 3339 `…Z`, JSON parsed).
fn cell(ty: &str, v: &Value) -> Value {
    let Some(text) = v.as_str() else {
        return v.clone();
    };
    match ty {
        "INTEGER" | "INT64" => text.parse::<i64>().map(Value::from).unwrap_or_else(|_| json!(text)),
        "FLOAT" | "FLOAT64" | "NUMERIC" | "BIGNUMERIC" => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| json!(text)),
        "BOOLEAN" | "BOOL" => json!(text.eq_ignore_ascii_case("true")),
        "TIMESTAMP" => timestamp(text).map(Value::String).unwrap_or_else(|| json!(text)),
        "JSON" => serde_json::from_str(text).unwrap_or_else(|_| json!(text)),
        _ => json!(text),
    }
}

/// BigQuery answers timestamps as int64 micros (`useInt64Timestamp`), float seconds or text.
fn timestamp(text: &str) -> Option<String> {
    let at = if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        t.with_timezone(&Utc)
    } else if let Ok(micros) = text.parse::<i64>() {
        DateTime::from_timestamp_micros(micros)?
    } else {
        let secs = text.parse::<f64>().ok()?;
        DateTime::from_timestamp_micros((secs * 1e6).round() as i64)?
    };
    Some(at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// The rows of a `jobs.query` / `getQueryResults` answer.
fn decode_rows(answer: &Value) -> Vec<Row> {
    let fields: Vec<(&str, &str)> = answer
        .pointer("/schema/fields")
        .and_then(Value::as_array)
        .map(|f| {
            f.iter()
                .map(|c| {
                    let name = c.get("name").and_then(Value::as_str).unwrap_or_default();
                    (name, c.get("type").and_then(Value::as_str).unwrap_or("STRING"))
                })
                .collect()
        })
        .unwrap_or_default();
    let rows = answer.get("rows").and_then(Value::as_array);
    rows.into_iter()
        .flatten()
        .map(|r| {
            let cells = r.get("f").and_then(Value::as_array);
            let mut row = Map::new();
            for ((name, ty), c) in fields.iter().zip(cells.into_iter().flatten()) {
                row.insert((*name).to_owned(), cell(ty, c.get("v").unwrap_or(&Value::Null)));
            }
            row
        })
        .collect()
}

fn number(v: Option<&Value>) -> u64 {
    v.and_then(|v| v.as_str().and_then(|s| s.parse().ok()).or_else(|| v.as_u64()))
        .unwrap_or(0)
}

impl BigQueryWarehouse {
    /// Datasets by their canonical names (`nba_raw`): emulators and tests.
    pub fn new(rest: Rest, project: &str) -> Self {
        BigQueryWarehouse {
            rest,
            project: project.to_owned(),
            names: Names::embedded(),
            ensured: Arc::default(),
        }
    }

    /// Datasets as `names` calls them (`dev_nba_raw` in the cloud, as Terraform creates them).
    pub fn with_names(mut self, names: Names) -> Self {
        self.names = names;
        self
    }

    /// The environment's id of a dataset.
    fn dataset(&self, dataset: Dataset) -> String {
        self.names.dataset(dataset)
    }

    /// The quoted reference of a schema's table in this environment.
    fn table_of(&self, schema: &TableSchema) -> String {
        self.table_ref(&self.dataset(schema.dataset), schema.name)
    }

    fn base(&self) -> String {
        format!("/bigquery/v2/projects/{}", encode_segment(&self.project))
    }

    fn table_ref(&self, dataset: &str, table: &str) -> String {
        format!("`{}.{dataset}.{table}`", self.project)
    }

    /// Runs one statement with positional parameters, retrying rate limits and conflicts.
    async fn run(&self, sql: &str, params: &[Value]) -> Result<Answer, WarehouseError> {
        let mut attempt = 1;
        loop {
            match self.run_once(sql, params).await {
                Err(WarehouseError::Busy(reason)) if attempt < MAX_ATTEMPTS => {
                    tracing::debug!(%reason, attempt, "BigQuery busy; retrying");
                    tokio::time::sleep(Duration::from_millis(250 << attempt)).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn run_once(&self, sql: &str, params: &[Value]) -> Result<Answer, WarehouseError> {
        let mut body = json!({
            "query": sql,
            "useLegacySql": false,
            "timeoutMs": QUERY_WAIT_MS,
            "formatOptions": { "useInt64Timestamp": true },
        });
        if !params.is_empty() {
            body["parameterMode"] = json!("POSITIONAL");
            body["queryParameters"] = Value::Array(params.iter().map(parameter).collect());
        }
        let path = format!("{}/queries", self.base());
        let mut answer = self
            .rest
            .json(Method::POST, &path, |r| r.json(&body))
            .await
            .map_err(classify)?;
        answer = self.await_query(answer).await?;
        job_error(&answer)?;
        answer_errors(&answer)?;
        let mut rows = decode_rows(&answer);
        self.more_pages(&answer, &mut rows).await?;
        Ok(Answer {
            rows,
            affected: number(answer.get("numDmlAffectedRows")),
        })
    }

    /// Polls `getQueryResults` until the job completes.
    async fn await_query(&self, mut answer: Value) -> Result<Value, WarehouseError> {
        for _ in 0..MAX_POLLS {
            if answer.get("jobComplete").and_then(Value::as_bool) != Some(false) {
                return Ok(answer);
            }
            let path = self.results_path(&answer, None)?;
            answer = self.rest.json(Method::GET, &path, |r| r).await.map_err(classify)?;
        }
        Err(WarehouseError::Busy("query still running after polling".into()))
    }

    fn results_path(&self, answer: &Value, page: Option<&str>) -> Result<String, WarehouseError> {
        let job = answer
            .pointer("/jobReference/jobId")
            .and_then(Value::as_str)
            .ok_or_else(|| query_err("answer without a job id"))?;
        let mut path = format!(
            "{}/queries/{}?timeoutMs={QUERY_WAIT_MS}&formatOptions.useInt64Timestamp=true",
            self.base(),
            encode_segment(job)
        );
        if let Some(location) = answer.pointer("/jobReference/location").and_then(Value::as_str) {
            path.push_str(&format!("&location={}", encode_segment(location)));
        }
        if let Some(token) = page {
            path.push_str(&format!("&pageToken={}", encode_segment(token)));
        }
        Ok(path)
    }

    async fn more_pages(&self, first: &Value, rows: &mut Vec<Row>) -> Result<(), WarehouseError> {
        let mut token = first.get("pageToken").and_then(Value::as_str).map(str::to_owned);
        while let Some(t) = token {
            let path = self.results_path(first, Some(&t))?;
            let page = self.rest.json(Method::GET, &path, |r| r).await.map_err(classify)?;
            rows.extend(decode_rows(&page));
            token = page.get("pageToken").and_then(Value::as_str).map(str::to_owned);
        }
        Ok(())
    }

    async fn ensure_dataset(&self, dataset: &str) -> Result<(), WarehouseError> {
        let body = json!({ "datasetReference": { "projectId": self.project, "datasetId": dataset } });
        let path = format!("{}/datasets", self.base());
        match self.rest.send(Method::POST, &path, |r| r.json(&body)).await {
            Ok(_) => Ok(()),
            Err(e) if e.is(StatusCode::CONFLICT) => Ok(()),
            Err(e) => Err(classify(e)),
        }
    }

    async fn create_table(&self, dataset: &str, table: Value) -> Result<(), WarehouseError> {
        let path = format!("{}/datasets/{}/tables", self.base(), encode_segment(dataset));
        match self.rest.send(Method::POST, &path, |r| r.json(&table)).await {
            Ok(_) => Ok(()),
            Err(e) if e.is(StatusCode::CONFLICT) => Ok(()),
            Err(e) => Err(classify(e)),
        }
    }

    async fn drop_table(&self, dataset: &str, table: &str) {
        let path = format!(
            "{}/datasets/{}/tables/{}",
            self.base(),
            encode_segment(dataset),
            encode_segment(table)
        );
        if let Err(e) = self.rest.send(Method::DELETE, &path, |r| r).await {
            // It expires on its own (STAGING_TTL).
            tracing::debug!(error = %e, table, "could not drop a staging table");
        }
    }

    /// Loads `rows` into a fresh staging table next to the target; returns its name.
    async fn stage(&self, schema: &TableSchema, rows: &[Row]) -> Result<String, WarehouseError> {
        let dataset = &self.dataset(schema.dataset);
        let staging = format!("__staging_{}_{}", schema.name, uuid::Uuid::new_v4().simple());
        let mut fields: Vec<Value> = schema
            .columns
            .iter()
            .map(|c| json!({"name": c.name, "type": staging_type(c.ty), "mode": "NULLABLE"}))
            .collect();
        fields.push(json!({"name": SEQ, "type": "INT64", "mode": "REQUIRED"}));
        let expires = Utc::now() + chrono::Duration::from_std(STAGING_TTL).unwrap_or_default();
        let table = json!({
            "tableReference": { "projectId": self.project, "datasetId": dataset, "tableId": staging },
            "schema": { "fields": fields },
            "expirationTime": expires.timestamp_millis().to_string(),
        });
        self.create_table(dataset, table).await?;
        let ndjson = staging_rows(schema, rows)?;
        self.load(dataset, &staging, ndjson)
            .await
            .map_err(|e| write_err(schema, e))?;
        Ok(staging)
    }

    /// A load job of newline-delimited JSON into an existing table (append).
    async fn load(&self, dataset: &str, table: &str, ndjson: Vec<u8>) -> Result<(), WarehouseError> {
        let config = json!({ "configuration": { "load": {
            "destinationTable": { "projectId": self.project, "datasetId": dataset, "tableId": table },
            "sourceFormat": "NEWLINE_DELIMITED_JSON",
            "writeDisposition": "WRITE_APPEND",
            "createDisposition": "CREATE_NEVER",
        }}});
        let boundary = format!("nba_load_{}", uuid::Uuid::new_v4().simple());
        let mut body = format!("--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{config}\r\n--{boundary}\r\nContent-Type: application/octet-stream\r\n\r\n").into_bytes();
        body.extend_from_slice(&ndjson);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let body = bytes::Bytes::from(body);
        let mime = format!("multipart/related; boundary={boundary}");
        let path = format!("/upload{}/jobs?uploadType=multipart", self.base());
        let job = self
            .rest
            .json(Method::POST, &path, |r| {
                r.header(reqwest::header::CONTENT_TYPE, &mime).body(body.clone())
            })
            .await
            .map_err(classify)?;
        self.await_job(job).await
    }

    /// Polls a job until it is DONE; its `errorResult` becomes the error.
    async fn await_job(&self, mut job: Value) -> Result<(), WarehouseError> {
        for _ in 0..MAX_POLLS {
            if job.pointer("/status/state").and_then(Value::as_str) == Some("DONE") {
                return job_error(&job);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            let id = job
                .pointer("/jobReference/jobId")
                .and_then(Value::as_str)
                .ok_or_else(|| query_err("job without an id"))?;
            let mut path = format!("{}/jobs/{}", self.base(), encode_segment(id));
            if let Some(location) = job.pointer("/jobReference/location").and_then(Value::as_str) {
                path.push_str(&format!("?location={}", encode_segment(location)));
            }
            job = self.rest.json(Method::GET, &path, |r| r).await.map_err(classify)?;
        }
        Err(WarehouseError::Busy("load job still running after polling".into()))
    }

    /// Stages `rows`, runs `statements` against the staging table, drops it.
    async fn with_staging<T>(
        &self,
        schema: &'static TableSchema,
        rows: &[Row],
        apply: impl AsyncFnOnce(&str) -> Result<T, WarehouseError>,
    ) -> Result<T, WarehouseError> {
        self.ensure_table(schema).await?;
        let staging = self.stage(schema, rows).await?;
        let result = apply(&self.table_ref(&self.dataset(schema.dataset), &staging)).await;
        self.drop_table(&self.dataset(schema.dataset), &staging).await;
        result
    }
}

/// A job's `status.errorResult`, if any, as an error (busy when retryable).
fn job_error(job: &Value) -> Result<(), WarehouseError> {
    let Some(err) = job.pointer("/status/errorResult") else {
        return Ok(());
    };
    let text = err.to_string();
    if is_retryable(&text) {
        Err(WarehouseError::Busy(text))
    } else {
        Err(query_err(text))
    }
}

/// Errors listed in a completed query answer. BigQuery itself fails such a call with an
/// HTTP error; bqemulator answers 200 with `errors`, so both are failures here.
fn answer_errors(answer: &Value) -> Result<(), WarehouseError> {
    match answer.get("errors").and_then(Value::as_array) {
        Some(errors) if !errors.is_empty() => {
            let text: Vec<String> = errors
                .iter()
                .map(|e| {
                    e.get("message")
                        .and_then(Value::as_str)
                        .map_or_else(|| e.to_string(), str::to_owned)
                })
                .collect();
            let text = text.join("; ");
            if is_retryable(&text) || errors.iter().any(|e| is_retryable(&e.to_string())) {
                Err(WarehouseError::Busy(text))
            } else {
                Err(query_err(text))
            }
        }
        _ => Ok(()),
    }
}

/// The staged form of rows: declared columns only, JSON as text, plus the sequence.
fn staging_rows(schema: &TableSchema, rows: &[Row]) -> Result<Vec<u8>, WarehouseError> {
    let mut out = Vec::new();
    for (seq, row) in rows.iter().enumerate() {
        let mut staged = Map::new();
        for c in schema.columns {
            let v = row.get(c.name).cloned().unwrap_or(Value::Null);
            let v = match (c.ty, v) {
                (_, Value::Null) => Value::Null,
                (ColumnType::Json, v) => Value::String(v.to_string()),
                (_, v) => v,
            };
            staged.insert(c.name.to_owned(), v);
        }
        staged.insert(SEQ.to_owned(), json!(seq));
        serde_json::to_writer(&mut out, &staged).map_err(|e| write_err(schema, e))?;
        out.push(b'\n');
    }
    Ok(out)
}

/// The partition bounds of a batch, so statements on partition-filtered tables prune.
fn partition_bounds(schema: &TableSchema, rows: &[Row]) -> Option<(String, String)> {
    let part = schema.partition_by?;
    let days: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.get(part).and_then(Value::as_str))
        .collect();
    Some((days.iter().min()?.to_string(), days.iter().max()?.to_string()))
}

/// `t.k = s.k AND …` (plus the partition window of the batch when the table needs one).
fn join_on(schema: &TableSchema, bounds: &Option<(String, String)>) -> String {
    let mut on: Vec<String> = schema.keys.iter().map(|k| format!("t.`{k}` = s.`{k}`")).collect();
    if let (Some(part), Some((from, to))) = (schema.partition_by, bounds) {
        on.push(format!("t.`{part}` BETWEEN DATE '{from}' AND DATE '{to}'"));
    }
    on.join(" AND ")
}

/// The batch with one row per key: the last (`newest`) or first occurrence.
fn deduped(schema: &TableSchema, staging: &str, newest: bool) -> String {
    let keys: Vec<String> = schema.keys.iter().map(|k| format!("`{k}`")).collect();
    let order = if newest { "DESC" } else { "ASC" };
    format!(
        "(SELECT * FROM {staging} WHERE TRUE QUALIFY ROW_NUMBER() OVER (PARTITION BY {} ORDER BY {SEQ} {order}) = 1)",
        keys.join(", ")
    )
}

fn column_names(schema: &TableSchema) -> String {
    schema
        .columns
        .iter()
        .map(|c| format!("`{}`", c.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes that match rows on the table's keys refuse a table that declares none.
fn require_keys(schema: &TableSchema, write: &str) -> Result<(), WarehouseError> {
    if schema.keys.is_empty() {
        return Err(write_err(
            schema,
            format!("{write} needs the table's keys, and it declares none"),
        ));
    }
    Ok(())
}

fn staged_values(schema: &TableSchema) -> String {
    schema
        .columns
        .iter()
        .map(|c| from_staging("s", c.name, c.ty))
        .collect::<Vec<_>>()
        .join(", ")
}

impl BigQueryWarehouse {
    async fn merge_staged(
        &self,
        schema: &TableSchema,
        staging: &str,
        rows: &[Row],
    ) -> Result<WriteStats, WarehouseError> {
        let target = self.table_of(schema);
        let bounds = partition_bounds(schema, rows);
        let on = join_on(schema, &bounds);
        let batch = deduped(schema, staging, true);
        let changed = if schema.has_data_hash() {
            format!(" AND t.`{DATA_HASH}` IS DISTINCT FROM s.`{DATA_HASH}`")
        } else {
            String::new()
        };
        // Counted before the MERGE (BigQuery's dmlStats is not universal): under concurrent
        // writers of the same keys the split between inserted/updated may be approximate.
        let counts = self
            .run(
                &format!(
                    "SELECT COUNTIF(t.`{k}` IS NULL) AS inserted, \
                     COUNTIF(t.`{k}` IS NOT NULL{changed}) AS updated, COUNT(*) AS total \
                     FROM {batch} s LEFT JOIN {target} t ON {on}",
                    k = schema.keys[0]
                ),
                &[],
            )
            .await?;
        let row = counts.rows.first().cloned().unwrap_or_default();
        let get = |k: &str| row.get(k).and_then(Value::as_u64).unwrap_or(0);
        let updates: Vec<String> = schema
            .columns
            .iter()
            .filter(|c| !schema.keys.contains(&c.name))
            .map(|c| format!("`{}` = {}", c.name, from_staging("s", c.name, c.ty)))
            .collect();
        let when_matched = if updates.is_empty() {
            String::new()
        } else {
            format!("WHEN MATCHED{changed} THEN UPDATE SET {} ", updates.join(", "))
        };
        let sql = format!(
            "MERGE {target} t USING {batch} s ON {on} {when_matched}\
             WHEN NOT MATCHED THEN INSERT ({}) VALUES ({})",
            column_names(schema),
            staged_values(schema)
        );
        self.run(&sql, &[]).await.map_err(|e| retag(schema, e))?;
        let (inserted, updated) = (get("inserted"), get("updated"));
        Ok(WriteStats {
            inserted,
            updated,
            unchanged: get("total").saturating_sub(inserted + updated),
            deleted: 0,
        })
    }

    async fn insert_staged(
        &self,
        schema: &TableSchema,
        staging: &str,
        rows: &[Row],
    ) -> Result<WriteStats, WarehouseError> {
        let target = self.table_of(schema);
        let on = join_on(schema, &partition_bounds(schema, rows));
        let sql = format!(
            "MERGE {target} t USING {} s ON {on} WHEN NOT MATCHED THEN INSERT ({}) VALUES ({})",
            deduped(schema, staging, false),
            column_names(schema),
            staged_values(schema)
        );
        let inserted = self.run(&sql, &[]).await.map_err(|e| retag(schema, e))?.affected;
        Ok(WriteStats {
            inserted,
            unchanged: (rows.len() as u64).saturating_sub(inserted),
            ..Default::default()
        })
    }

    /// Replaces a partition's rows with the staged ones in ONE statement, so a reader
    /// never sees the partition empty or half-written: `MERGE … ON FALSE` matches
    /// nothing, so every target row of the partition is "not matched by source" (deleted)
    /// and every staged row "not matched by target" (inserted), in one atomic job.
    async fn swap_partition(
        &self,
        schema: &TableSchema,
        part: &str,
        partition: NaiveDate,
        staging: &str,
    ) -> Result<WriteStats, WarehouseError> {
        let target = self.table_of(schema);
        let before = self
            .run(
                &format!("SELECT COUNT(*) AS n FROM {target} WHERE `{part}` = ?"),
                &[json!(partition.to_string())],
            )
            .await
            .map_err(|e| retag(schema, e))?;
        let sql = format!(
            "MERGE {target} t USING (SELECT * FROM {staging}) s ON FALSE \
             WHEN NOT MATCHED BY SOURCE AND t.`{part}` = ? THEN DELETE \
             WHEN NOT MATCHED BY TARGET THEN INSERT ({}) VALUES ({})",
            column_names(schema),
            staged_values(schema)
        );
        let affected = self
            .run(&sql, &[json!(partition.to_string())])
            .await
            .map_err(|e| retag(schema, e))?
            .affected;
        // The job counts deleted + inserted rows together; the count before splits them
        // (approximate only if another writer touches the partition in between).
        let deleted = before
            .rows
            .first()
            .and_then(|r| r.get("n"))
            .and_then(Value::as_u64)
            .unwrap_or(0);
        Ok(WriteStats {
            inserted: affected.saturating_sub(deleted),
            deleted,
            ..Default::default()
        })
    }

    async fn append_staged(&self, schema: &TableSchema, staging: &str) -> Result<u64, WarehouseError> {
        let sql = format!(
            "INSERT INTO {} ({}) SELECT {} FROM {staging} s",
            self.table_of(schema),
            column_names(schema),
            staged_values(schema)
        );
        Ok(self.run(&sql, &[]).await.map_err(|e| retag(schema, e))?.affected)
    }
}

/// A failed write statement names its table (busy stays busy: the caller may retry).
fn retag(schema: &TableSchema, e: WarehouseError) -> WarehouseError {
    match e {
        WarehouseError::Query { reason } => write_err(schema, reason),
        other => other,
    }
}

#[async_trait]
impl Warehouse for BigQueryWarehouse {
    async fn ensure_table(&self, schema: &'static TableSchema) -> Result<(), WarehouseError> {
        let name = schema.qualified_name();
        if self.ensured.lock().unwrap_or_else(|p| p.into_inner()).contains(&name) {
            return Ok(());
        }
        let dataset = &self.dataset(schema.dataset);
        self.ensure_dataset(dataset).await?;
        // The same fields as the Terraform table files: one rendering of the registry.
        let mut table = json!({
            "tableReference": { "projectId": self.project, "datasetId": dataset, "tableId": schema.name },
            "description": schema.description,
            "schema": { "fields": nba_schemas::bigquery::schema_fields(schema) },
        });
        if let Some(part) = schema.partition_by {
            table["timePartitioning"] = json!({ "type": "DAY", "field": part });
            table["requirePartitionFilter"] = json!(schema.require_partition_filter);
        }
        if !schema.cluster_by.is_empty() {
            table["clustering"] = json!({ "fields": schema.cluster_by });
        }
        self.create_table(dataset, table).await?;
        self.ensured.lock().unwrap_or_else(|p| p.into_inner()).insert(name);
        Ok(())
    }

    async fn append(&self, schema: &'static TableSchema, rows: Vec<Row>) -> Result<WriteStats, WarehouseError> {
        if rows.is_empty() {
            return Ok(WriteStats::default());
        }
        let inserted = self
            .with_staging(schema, &rows, async |s| self.append_staged(schema, s).await)
            .await?;
        Ok(WriteStats {
            inserted,
            ..Default::default()
        })
    }

    async fn merge(&self, schema: &'static TableSchema, rows: Vec<Row>) -> Result<WriteStats, WarehouseError> {
        if rows.is_empty() {
            return Ok(WriteStats::default());
        }
        require_keys(schema, "a merge")?;
        self.with_staging(schema, &rows, async |s| self.merge_staged(schema, s, &rows).await)
            .await
    }

    async fn insert_new(&self, schema: &'static TableSchema, rows: Vec<Row>) -> Result<WriteStats, WarehouseError> {
        if rows.is_empty() {
            return Ok(WriteStats::default());
        }
        require_keys(schema, "insert_new")?;
        self.with_staging(schema, &rows, async |s| self.insert_staged(schema, s, &rows).await)
            .await
    }

    async fn replace_partition(
        &self,
        schema: &'static TableSchema,
        partition: NaiveDate,
        rows: Vec<Row>,
    ) -> Result<WriteStats, WarehouseError> {
        let part = schema
            .partition_by
            .ok_or_else(|| write_err(schema, "replace_partition on a table without a partition column"))?;
        self.ensure_table(schema).await?;
        if rows.is_empty() {
            // One statement: atomic on its own.
            let target = self.table_of(schema);
            let deleted = self
                .run(
                    &format!("DELETE FROM {target} WHERE `{part}` = ?"),
                    &[json!(partition.to_string())],
                )
                .await
                .map_err(|e| retag(schema, e))?
                .affected;
            return Ok(WriteStats {
                deleted,
                ..Default::default()
            });
        }
        self.with_staging(schema, &rows, async |s| {
            self.swap_partition(schema, part, partition, s).await
        })
        .await
    }

    async fn scan(
        &self,
        schema: &'static TableSchema,
        range: Option<PartitionRange>,
    ) -> Result<Vec<Row>, WarehouseError> {
        if schema.require_partition_filter && range.is_none() {
            return Err(WarehouseError::PartitionFilterRequired {
                table: schema.qualified_name(),
            });
        }
        let mut sql = format!("SELECT {} FROM {}", column_names(schema), self.table_of(schema));
        let mut params = Vec::new();
        if let (Some(range), Some(part)) = (range, schema.partition_by) {
            sql.push_str(&format!(" WHERE `{part}` BETWEEN ? AND ?"));
            params = vec![json!(range.from.to_string()), json!(range.to.to_string())];
        }
        if !schema.keys.is_empty() {
            let keys: Vec<String> = schema.keys.iter().map(|k| format!("`{k}`")).collect();
            sql.push_str(&format!(" ORDER BY {}", keys.join(", ")));
        }
        Ok(self.run(&sql, &params).await?.rows)
    }

    async fn query(&self, sql: &str, params: Vec<Value>) -> Result<Vec<Row>, WarehouseError> {
        check_read_only(sql)?;
        Ok(self.run(&environment_datasets(sql, &self.names), &params).await?.rows)
    }
}

/// The functions' SQL names datasets canonically (`FROM nba_raw.t`), the same SQL that
/// runs on DuckDB; here each canonical dataset qualifier becomes the environment's
/// (`dev_nba_raw.t`). A qualifier is a dataset id followed by `.` that does not continue
/// an identifier (`dev_nba_raw.` stays) and is not inside a string literal.
fn environment_datasets(sql: &str, names: &Names) -> String {
    let renames: Vec<(String, String)> = Dataset::ALL
        .into_iter()
        .map(|d| (format!("{}.", d.id()), format!("{}.", names.dataset(d))))
        .filter(|(canonical, renamed)| canonical != renamed)
        .collect();
    if renames.is_empty() {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut quote: Option<char> = None;
    let mut previous: Option<char> = None;
    let mut i = 0;
    while let Some(c) = sql[i..].chars().next() {
        match quote {
            Some(q) if c == q && previous != Some('\\') => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None => {
                let continues_identifier = previous.is_some_and(|p| p.is_ascii_alphanumeric() || p == '_');
                let hit = renames
                    .iter()
                    .find(|(canonical, _)| sql[i..].starts_with(canonical.as_str()));
                if let (false, Some((canonical, renamed))) = (continues_identifier, hit) {
                    out.push_str(renamed);
                    i += canonical.len();
                    previous = Some('.');
                    continue;
                }
            }
        }
        out.push(c);
        previous = Some(c);
        i += c.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_dataset_qualifiers_become_the_environments() {
        let dev = Names::new(nba_core::config::Environment::Dev, nba_core::names::Scope::Cloud);
        assert_eq!(
            environment_datasets(
                "SELECT a.x FROM nba_raw.t a JOIN `nba_analytics.u` b USING (x) \
                 WHERE 'it''s nba_raw.t' <> \"nba_raw.t\" AND dev_nba_raw.t.y = 1",
                &dev
            ),
            "SELECT a.x FROM dev_nba_raw.t a JOIN `dev_nba_analytics.u` b USING (x) \
             WHERE 'it''s nba_raw.t' <> \"nba_raw.t\" AND dev_nba_raw.t.y = 1",
            "qualifiers renamed; literals and already-prefixed names untouched"
        );
        let canonical = "SELECT * FROM nba_predictions.p";
        assert_eq!(environment_datasets(canonical, &Names::embedded()), canonical);
    }

    #[test]
    fn parameters_are_typed_for_bigquery() {
        assert_eq!(parameter(&json!("2025-01-01"))["parameterType"]["type"], "DATE");
        assert_eq!(
            parameter(&json!("2025-01-01T00:00:00Z"))["parameterType"]["type"],
            "TIMESTAMP"
        );
        assert_eq!(parameter(&json!("LAL"))["parameterType"]["type"], "STRING");
        assert_eq!(parameter(&json!(3))["parameterValue"]["value"], "3");
        assert_eq!(parameter(&json!(1.5))["parameterType"]["type"], "FLOAT64");
        assert_eq!(parameter(&Value::Null)["parameterValue"], json!({}));
    }

    #[test]
    fn cells_decode_to_warehouse_json() {
        assert_eq!(cell("INTEGER", &json!("10")), json!(10));
        assert_eq!(
            cell("TIMESTAMP", &json!("1735787045000000")),
            json!("2025-01-02T03:04:05Z")
        );
        assert_eq!(
            cell("TIMESTAMP", &json!("1.735787045E9")),
            json!("2025-01-02T03:04:05Z")
        );
        assert_eq!(cell("JSON", &json!("{\"k\":[1]}")), json!({"k": [1]}));
        assert_eq!(cell("BOOLEAN", &json!("true")), json!(true));
        assert_eq!(cell("STRING", &Value::Null), Value::Null);
    }

    #[test]
    fn rate_limits_and_conflicts_are_retryable() {
        assert!(is_retryable("Exceeded rate limits: too many table update operations"));
        assert!(is_retryable(
            "Could not serialize access to table p:d.t due to concurrent update"
        ));
        assert!(!is_retryable("Unrecognized name: foo"));
    }
}
