//! `nba trace --date D`: a day's chain, from the first workflow tick to the published JSON.
//!
//! Every run carries the correlation id born at the day's first workflow tick (see
//! `nba_runtime::context`). The trace reads the execution log for that id and lists its
//! links in the order they first ran, with run counts, durations and rows. Two things
//! are a broken chain, and are reported:
//! * a required link with no run under the day's id ([`REQUIRED`]): that phase never ran,
//!   or ran under another id;
//! * a run about the day under an id that no workflow tick started (an *orphan*): some
//!   function minted a fresh id instead of carrying the one it was given.
//!
//! Runs about the day under an earlier day's chain are fine and listed as such: the
//! overnight caches for D are built when D−1's box scores land, in D−1's chain.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use nba_cloud::Warehouse;
use nba_execlog::ExecutionLogRow;
use nba_schemas::Table;
use serde_json::Value;

/// The functions a published day's chain must pass through, in pipeline order.
pub const REQUIRED: &[&str] = &[
    "workflow",
    "scrapers",
    "raw_processor",
    "analytics",
    "transitions",
    "precompute",
    "prediction_coordinator",
    "prediction_worker",
    "prediction_consolidator",
    nba_publishing::EXPORT_FUNCTION,
];

/// The function that starts a chain.
const ROOT: &str = "workflow";

/// One function's runs in the chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub function: String,
    pub runs: i64,
    pub failed: i64,
    pub first_started: String,
    pub total_ms: i64,
    pub max_ms: i64,
    pub rows_read: i64,
    pub rows_written: i64,
}

/// Another correlation id that ran about the day.
#[derive(Debug, Clone, PartialEq)]
pub struct OtherChain {
    pub correlation_id: String,
    /// True when a workflow tick started it (an earlier day's chain).
    pub rooted: bool,
    /// Functions it ran about the day, with run counts.
    pub functions: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    pub date: NaiveDate,
    /// The day's chain: the id of its first workflow tick (none when nothing ran).
    pub correlation_id: Option<String>,
    pub links: Vec<Link>,
    /// Required links with no run in the chain.
    pub missing: Vec<String>,
    pub others: Vec<OtherChain>,
}

impl Trace {
    /// Orphan chains: runs about the day under an id no workflow tick started.
    pub fn orphans(&self) -> impl Iterator<Item = &OtherChain> {
        self.others.iter().filter(|o| !o.rooted)
    }

    /// True when every required link ran in the chain and nothing ran orphaned.
    pub fn is_complete(&self) -> bool {
        self.correlation_id.is_some() && self.missing.is_empty() && self.orphans().next().is_none()
    }
}

fn int(row: &nba_schemas::Row, name: &str) -> anyhow::Result<i64> {
    row.get(name)
        .and_then(Value::as_i64)
        .ok_or_else(|| anyhow::anyhow!("execution log: {name} is not an integer in {row:?}"))
}

fn text(row: &nba_schemas::Row, name: &str) -> anyhow::Result<String> {
    row.get(name)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("execution log: {name} is not a string in {row:?}"))
}

/// The id of the day's first workflow tick.
async fn chain_of(warehouse: &dyn Warehouse, log: &str, date: &Value) -> anyhow::Result<Option<String>> {
    let sql = format!(
        "SELECT correlation_id FROM {log} WHERE function_name = '{ROOT}' AND game_date = CAST(? AS DATE) \
         ORDER BY started_at LIMIT 1"
    );
    // No execution log yet: nothing has run in this environment.
    let rows = crate::status::or_none_yet(warehouse.query(&sql, vec![date.clone()]).await)?;
    rows.first().map(|r| text(r, "correlation_id")).transpose()
}

async fn links(warehouse: &dyn Warehouse, log: &str, chain: &str) -> anyhow::Result<Vec<Link>> {
    let sql = format!(
        "SELECT function_name, count(*) AS runs, count(*) FILTER (WHERE status = 'failed') AS failed, \
         strftime(min(started_at), '%H:%M:%S') AS first_started, CAST(sum(duration_ms) AS BIGINT) AS total_ms, \
         max(duration_ms) AS max_ms, CAST(sum(rows_read) AS BIGINT) AS rows_read, \
         CAST(sum(rows_written) AS BIGINT) AS rows_written \
         FROM {log} WHERE correlation_id = ? GROUP BY function_name ORDER BY min(started_at)"
    );
    let rows = warehouse.query(&sql, vec![Value::String(chain.into())]).await?;
    rows.iter()
        .map(|r| {
            Ok(Link {
                function: text(r, "function_name")?,
                runs: int(r, "runs")?,
                failed: int(r, "failed")?,
                first_started: text(r, "first_started")?,
                total_ms: int(r, "total_ms")?,
                max_ms: int(r, "max_ms")?,
                rows_read: int(r, "rows_read")?,
                rows_written: int(r, "rows_written")?,
            })
        })
        .collect()
}

/// Other ids that ran about the day, and whether a workflow tick started each.
async fn others(warehouse: &dyn Warehouse, log: &str, date: &Value, chain: &str) -> anyhow::Result<Vec<OtherChain>> {
    let sql = format!(
        "WITH about AS (SELECT correlation_id, function_name FROM {log} \
           WHERE game_date = CAST(? AS DATE) AND correlation_id <> ?), \
         roots AS (SELECT DISTINCT correlation_id FROM {log} WHERE function_name = '{ROOT}' \
           AND correlation_id IN (SELECT correlation_id FROM about)) \
         SELECT a.correlation_id, a.function_name, count(*) AS runs, \
           bool_or(r.correlation_id IS NOT NULL) AS rooted \
         FROM about a LEFT JOIN roots r USING (correlation_id) GROUP BY ALL ORDER BY 1, 2"
    );
    let rows = warehouse
        .query(&sql, vec![date.clone(), Value::String(chain.into())])
        .await?;
    let mut by_id: BTreeMap<String, OtherChain> = BTreeMap::new();
    for r in &rows {
        let id = text(r, "correlation_id")?;
        let rooted = r
            .get("rooted")
            .and_then(Value::as_bool)
            .ok_or_else(|| anyhow::anyhow!("execution log: rooted is not a boolean in {r:?}"))?;
        let other = by_id.entry(id.clone()).or_insert_with(|| OtherChain {
            correlation_id: id,
            rooted,
            functions: BTreeMap::new(),
        });
        other.functions.insert(text(r, "function_name")?, int(r, "runs")?);
    }
    Ok(by_id.into_values().collect())
}

/// The trace of `date` from the execution log.
pub async fn trace(warehouse: &dyn Warehouse, date: NaiveDate) -> anyhow::Result<Trace> {
    let log = ExecutionLogRow::SCHEMA.qualified_name();
    let d = Value::String(date.to_string());
    let Some(chain) = chain_of(warehouse, &log, &d).await? else {
        return Ok(Trace {
            date,
            correlation_id: None,
            links: Vec::new(),
            missing: REQUIRED.iter().map(|f| f.to_string()).collect(),
            others: Vec::new(),
        });
    };
    let links = links(warehouse, &log, &chain).await?;
    let missing = REQUIRED
        .iter()
        .filter(|f| !links.iter().any(|l| l.function == **f))
        .map(|f| f.to_string())
        .collect();
    let others = others(warehouse, &log, &d, &chain).await?;
    Ok(Trace {
        date,
        correlation_id: Some(chain),
        links,
        missing,
        others,
    })
}

/// The trace as text: the chain's links, then what is broken or comes from other chains.
pub fn render(t: &Trace) -> String {
    let Some(chain) = &t.correlation_id else {
        return format!("no workflow tick recorded for {}: nothing to trace\n", t.date);
    };
    let mut out = format!("chain {chain} for {}\n", t.date);
    out.push_str(&format!(
        "{:<26} {:>9} {:>6} {:>6} {:>10} {:>9} {:>10} {:>10}\n",
        "function", "first run", "runs", "failed", "total ms", "max ms", "rows in", "rows out"
    ));
    for l in &t.links {
        out.push_str(&format!(
            "{:<26} {:>9} {:>6} {:>6} {:>10} {:>9} {:>10} {:>10}\n",
            l.function, l.first_started, l.runs, l.failed, l.total_ms, l.max_ms, l.rows_read, l.rows_written
        ));
    }
    if !t.missing.is_empty() {
        out.push_str(&format!(
            "MISSING links (no run in this chain): {}\n",
            t.missing.join(", ")
        ));
    }
    for o in &t.others {
        let functions: Vec<String> = o.functions.iter().map(|(f, n)| format!("{f}×{n}")).collect();
        let kind = if o.rooted {
            "from an earlier day's chain"
        } else {
            "ORPHAN (no workflow tick started it)"
        };
        out.push_str(&format!("{kind}: {} ran {}\n", o.correlation_id, functions.join(", ")));
    }
    out.push_str(if t.is_complete() {
        "chain complete\n"
    } else {
        "chain BROKEN\n"
    });
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use chrono::{DateTime, Utc};
    use nba_cloud::embedded::DuckDbWarehouse;
    use serde_json::json;

    use super::*;

    /// An execution-log row of a successful run.
    pub(crate) fn run(function: &str, chain: &str, date: NaiveDate, at: &str) -> ExecutionLogRow {
        let started_at: DateTime<Utc> = at.parse().unwrap();
        ExecutionLogRow {
            execution_id: format!("{function}-{chain}-{at}"),
            function_name: function.into(),
            trigger_event_id: "m".into(),
            trigger_type: "cloudevent".into(),
            event_type: None,
            correlation_id: chain.into(),
            inputs: json!([]),
            status: "success".into(),
            rows_read: 1,
            rows_written: 2,
            rows_unchanged: 0,
            rows_rejected: 0,
            game_date: Some(date),
            run_date: date,
            started_at,
            duration_ms: 10,
            delivery_attempt: None,
            error_class: None,
            error_message: None,
            message: None,
        }
    }

    #[tokio::test]
    async fn a_full_chain_is_complete_and_an_orphan_or_a_gap_breaks_it() {
        let wh = DuckDbWarehouse::open_in_memory().unwrap();
        let day = NaiveDate::from_ymd_opt(2025, 1, 10).unwrap();
        let before = day.pred_opt().unwrap();
        assert_eq!(
            trace(&wh, day).await.unwrap_or_else(|e| panic!("{e}")).correlation_id,
            None
        );
        let mut rows: Vec<ExecutionLogRow> = REQUIRED
            .iter()
            .enumerate()
            .map(|(i, f)| run(f, "today", day, &format!("2025-01-10T15:{i:02}:00Z")))
            .collect();
        // Yesterday's chain built today's caches overnight: fine.
        rows.push(run("workflow", "yesterday", before, "2025-01-10T04:00:00Z"));
        rows.push(run("precompute", "yesterday", day, "2025-01-10T05:00:00Z"));
        nba_cloud::writer::write_rows(&wh, &rows, &Default::default())
            .await
            .unwrap();
        let t = trace(&wh, day).await.unwrap();
        assert_eq!(t.correlation_id.as_deref(), Some("today"));
        assert_eq!(
            t.links.iter().map(|l| l.function.as_str()).collect::<Vec<_>>(),
            REQUIRED
        );
        assert_eq!((t.links[0].runs, t.links[0].rows_written), (1, 2));
        assert!(t.is_complete(), "{}", render(&t));
        assert!(t.others[0].rooted);

        // A coordinator that minted its own id: an orphan, and its link is missing.
        let mut orphan = run("prediction_coordinator", "fresh", day, "2025-01-10T16:00:00Z");
        orphan.execution_id = "orphan".into();
        nba_cloud::writer::write_rows(&wh, &[orphan], &Default::default())
            .await
            .unwrap();
        let broken = trace(&wh, day).await.unwrap();
        assert!(!broken.is_complete());
        let text = render(&broken);
        assert!(
            text.contains("ORPHAN") && text.contains("fresh") && text.ends_with("chain BROKEN\n"),
            "{text}"
        );
    }
}
