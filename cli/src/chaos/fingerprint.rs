//! Table fingerprints: does every table hold the same rows as after a clean run?
//!
//! Per table, every row is rendered canonically (columns sorted by name, the volatile
//! ones left out), the rendered rows are sorted, and the table's content hash is the
//! SHA-256 over them. Two runs agree on a table when the hashes match; when they do not,
//! the rows only one side has are shown (a few, by their keys).

use std::collections::{BTreeMap, BTreeSet};

use nba_cloud::Warehouse;
use nba_schemas::TableSchema;
use serde::Serialize;
use serde_json::Value;
use sha2::Digest;

/// Columns that legitimately differ between two runs of the same days, and why. They are
/// left out of every table's rows; nothing else is.
pub const VOLATILE_COLUMNS: &[(&str, &str)] = &[
    ("processed_at", "wall-clock instant the row was written"),
    ("created_at", "wall-clock instant the row was first written"),
    ("updated_at", "wall-clock instant of the last write"),
    ("decided_at", "wall-clock instant of a decision"),
    ("seen_at", "wall-clock instant a value was first seen"),
    ("scheduled_at", "wall-clock instant a job was scheduled"),
    ("started_at", "wall-clock instant a run started"),
    ("correlation_id", "random id of a day's chain (a new one per run)"),
    ("execution_id", "random id of one function run"),
    ("message_id", "Pub/Sub message id (random per publish)"),
    (
        "trigger_id",
        "id of the message that triggered a run (random per publish)",
    ),
    (
        "trigger_event_id",
        "id of the event that triggered a run (random per publish)",
    ),
    (
        "batch_id",
        "prediction batch id: the day, the mode and the batch's opening instant",
    ),
    (
        "data_hash",
        "digest of the row, wall-clock columns (a prediction's created_at) included; the columns it covers are compared one by one",
    ),
    ("duration_ms", "how long a run took"),
    (
        "delivery_attempt",
        "which delivery of a message ran (redeliveries are the drill)",
    ),
];

/// Tables left out whole, and why: they record runs, not data, so a run with redeliveries
/// and retries has more (or other) rows there by design.
pub const VOLATILE_TABLES: &[(&str, &str)] = &[
    (
        "nba_orchestration.processor_execution_log",
        "one row per function run: the drill adds runs",
    ),
    (
        "nba_orchestration.workflow_decisions",
        "one row per workflow decision, with its tick's run ids",
    ),
    (
        "nba_orchestration.phase_transition_decisions",
        "one row per transition evaluation: redeliveries evaluate again",
    ),
    (
        "nba_orchestration.quarantined_inputs",
        "bad input kept by the drill (the report checks it on its own)",
    ),
    (
        "nba_raw.rejected_rows",
        "rows refused with a reason (the report checks them on its own)",
    ),
];

/// A table's content hash and row count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct TableFingerprint {
    pub table: String,
    pub rows: usize,
    pub sha256: String,
}

/// A table that differs: counts, a few rows each side has alone, and for rows both sides
/// have under the same key, the columns whose values differ.
#[derive(Debug, Clone, Serialize)]
pub struct TableDiff {
    pub table: String,
    pub clean_rows: usize,
    pub chaos_rows: usize,
    pub only_in_clean: Vec<String>,
    pub only_in_chaos: Vec<String>,
    /// A few rows present on both sides under the same key with other values:
    /// `key: column clean → chaos; …`. A long row is cut when shown, so without this the
    /// column that differs may not be visible at all.
    pub changed: Vec<String>,
}

/// Rows shown per side of a differing table.
const SAMPLES: usize = 3;

/// Whether `table` (`dataset.name`) is compared.
pub fn compared(schema: &TableSchema) -> bool {
    let name = schema.qualified_name();
    !VOLATILE_TABLES.iter().any(|(t, _)| *t == name)
}

/// One row without its volatile columns, columns sorted by name, as one line of JSON.
pub fn canonical_row(row: &serde_json::Map<String, Value>) -> String {
    let kept: BTreeMap<&str, &Value> = row
        .iter()
        .filter(|(k, _)| !VOLATILE_COLUMNS.iter().any(|(c, _)| c == k))
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    serde_json::to_string(&kept).unwrap_or_default()
}

/// The table's rows, canonical and sorted.
pub async fn canonical_rows(warehouse: &dyn Warehouse, schema: &TableSchema) -> anyhow::Result<Vec<String>> {
    let sql = format!("SELECT * FROM {}", schema.qualified_name());
    let rows = warehouse.query(&sql, Vec::new()).await?;
    let mut lines: Vec<String> = rows.iter().map(canonical_row).collect();
    lines.sort();
    Ok(lines)
}

pub fn fingerprint_of(table: &str, lines: &[String]) -> TableFingerprint {
    let mut hash = sha2::Sha256::new();
    for line in lines {
        hash.update(line.as_bytes());
        hash.update(b"\n");
    }
    TableFingerprint {
        table: table.to_string(),
        rows: lines.len(),
        sha256: hex::encode(hash.finalize()),
    }
}

/// The differences between two sorted sets of canonical rows (`None`: identical).
/// `keys` are the table's natural key columns, used to pair a changed row with its
/// counterpart and name the columns that differ.
pub fn diff(table: &str, keys: &[&str], clean: &[String], chaos: &[String]) -> Option<TableDiff> {
    if clean == chaos {
        return None;
    }
    let (a, b) = (count(clean), count(chaos));
    let rows: BTreeSet<&str> = a.keys().chain(b.keys()).copied().collect();
    let (mut only_clean, mut only_chaos) = (Vec::new(), Vec::new());
    for r in rows {
        let n = a.get(r).copied().unwrap_or(0) - b.get(r).copied().unwrap_or(0);
        if n > 0 {
            only_clean.push(r);
        } else if n < 0 {
            only_chaos.push(r);
        }
    }
    let changed = changed_columns(keys, &only_clean, &only_chaos);
    let sample = |rows: &[&str]| rows.iter().take(SAMPLES).map(|r| shorten(r)).collect();
    Some(TableDiff {
        table: table.to_string(),
        clean_rows: clean.len(),
        chaos_rows: chaos.len(),
        only_in_clean: sample(&only_clean),
        only_in_chaos: sample(&only_chaos),
        changed,
    })
}

/// For rows on both sides with the same key values, the columns that differ (a few rows).
fn changed_columns(keys: &[&str], only_clean: &[&str], only_chaos: &[&str]) -> Vec<String> {
    if keys.is_empty() {
        return Vec::new();
    }
    // Canonical rows are JSON objects written by `canonical_row`; one that does not read
    // back is left unpaired (it is still listed among the rows one side has alone).
    let parse = |r: &&str| serde_json::from_str::<BTreeMap<String, Value>>(r).ok();
    let key_of = |row: &BTreeMap<String, Value>| -> String {
        keys.iter()
            .map(|k| format!("{k}={}", row.get(*k).unwrap_or(&Value::Null)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let chaos_by_key: BTreeMap<String, BTreeMap<String, Value>> = only_chaos
        .iter()
        .filter_map(parse)
        .map(|row| (key_of(&row), row))
        .collect();
    let mut out = Vec::new();
    for clean_row in only_clean.iter().filter_map(parse) {
        let key = key_of(&clean_row);
        let Some(chaos_row) = chaos_by_key.get(&key) else {
            continue;
        };
        let columns: BTreeSet<&String> = clean_row.keys().chain(chaos_row.keys()).collect();
        let differing: Vec<String> = columns
            .into_iter()
            .filter(|c| clean_row.get(*c) != chaos_row.get(*c))
            .map(|c| {
                let show = |v: Option<&Value>| v.map(|v| v.to_string()).unwrap_or_else(|| "absent".into());
                format!("{c} {} → {}", show(clean_row.get(c)), show(chaos_row.get(c)))
            })
            .collect();
        out.push(shorten(&format!("{key}: {}", differing.join("; "))));
        if out.len() == SAMPLES {
            break;
        }
    }
    out
}

/// How many times each row occurs.
fn count(lines: &[String]) -> BTreeMap<&str, i64> {
    let mut m: BTreeMap<&str, i64> = BTreeMap::new();
    for l in lines {
        *m.entry(l.as_str()).or_default() += 1;
    }
    m
}

fn shorten(line: &str) -> String {
    const MAX: usize = 240;
    match line.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_string(),
    }
}

/// Every compared table's canonical rows, by table name.
pub async fn all_rows(warehouse: &dyn Warehouse) -> anyhow::Result<BTreeMap<String, Vec<String>>> {
    let mut tables = BTreeMap::new();
    for schema in nba_schemas::registry().into_iter().filter(|s| compared(s)) {
        tables.insert(schema.qualified_name(), canonical_rows(warehouse, schema).await?);
    }
    Ok(tables)
}

/// Every table's fingerprint.
pub fn fingerprints(tables: &BTreeMap<String, Vec<String>>) -> Vec<TableFingerprint> {
    tables.iter().map(|(t, rows)| fingerprint_of(t, rows)).collect()
}

/// The tables that differ between the clean rows and the chaos rows.
pub fn compare(clean: &BTreeMap<String, Vec<String>>, chaos: &BTreeMap<String, Vec<String>>) -> Vec<TableDiff> {
    let empty = Vec::new();
    let tables: BTreeSet<&String> = clean.keys().chain(chaos.keys()).collect();
    tables
        .into_iter()
        .filter_map(|t| {
            let keys = nba_schemas::registry()
                .into_iter()
                .find(|s| s.qualified_name() == *t)
                .map(|s| s.keys)
                .unwrap_or_default();
            diff(t, keys, clean.get(t).unwrap_or(&empty), chaos.get(t).unwrap_or(&empty))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(v: Value) -> serde_json::Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn volatile_columns_and_column_order_do_not_count() {
        let a = row(json!({"game_id": "1", "points": 30, "processed_at": "2026-01-01T00:00:00Z"}));
        let b = row(json!({"processed_at": "2026-02-02T00:00:00Z", "points": 30, "game_id": "1"}));
        assert_eq!(canonical_row(&a), canonical_row(&b));
    }

    #[test]
    fn a_changed_row_is_found_and_shown() {
        let clean = vec![
            canonical_row(&row(json!({"game_id": "1", "points": 30}))),
            canonical_row(&row(json!({"game_id": "2", "points": 12}))),
        ];
        let mut chaos = clean.clone();
        chaos[1] = canonical_row(&row(json!({"game_id": "2", "points": 13})));
        chaos.sort();
        assert_ne!(fingerprint_of("t", &clean).sha256, fingerprint_of("t", &chaos).sha256);
        let d = diff("t", &["game_id"], &clean, &chaos).expect("a changed row is a difference");
        assert_eq!(d.only_in_clean, vec![r#"{"game_id":"2","points":12}"#]);
        assert_eq!(d.only_in_chaos, vec![r#"{"game_id":"2","points":13}"#]);
        assert_eq!(d.changed, vec![r#"game_id="2": points 12 → 13"#]);
        assert!(diff("t", &["game_id"], &clean, &clean).is_none());
    }

    #[test]
    fn a_duplicated_row_is_a_difference() {
        let clean = vec![canonical_row(&row(json!({"game_id": "1"})))];
        let chaos = vec![clean[0].clone(), clean[0].clone()];
        let d = diff("t", &["game_id"], &clean, &chaos).expect("a duplicate is a difference");
        assert_eq!(d.only_in_chaos.len(), 1);
        assert!(d.changed.is_empty(), "a duplicate changes no column");
    }
}
