//! Loading parsed rows: registry first, then names resolved in one query, then
//! validated writes per table, processor rejections kept, and one completion
//! message per table written.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use nba_cloud::OutgoingMessage;
use nba_cloud::writer::{WriteContext, WriteReport, reject_rows, write_json_rows};
use nba_core::Topic;
use nba_core::messages::{RawComplete, attributes};
use nba_identity::{FileContext, NameUse, Resolution, Resolver};
use nba_runtime::{FunctionError, Invocation, Outcome, RunStatus};
use nba_schemas::{Row, TableSchema, Violation};
use serde_json::Value;

use crate::event::StorageObject;
use crate::function::RawProcessorFunction;
use crate::processor::{Parsed, RawProcessor, same_table};

/// Column holding a source's player name as printed.
pub const PLAYER_NAME: &str = "player_name";
/// Column holding the normalised lookup, replaced by the canonical one here.
pub const PLAYER_LOOKUP: &str = "player_lookup";

/// What loading one table did.
#[derive(Debug)]
struct TableLoad {
    table: &'static TableSchema,
    report: WriteReport,
    processor_rejected: u64,
}

/// Loads what `objects` parsed to (one object, or a date's batch) and publishes.
pub async fn load(
    f: &RawProcessorFunction,
    inv: &Invocation,
    processor: &dyn RawProcessor,
    mut parsed: Parsed,
    objects: &[StorageObject],
) -> Result<Outcome, FunctionError> {
    let transient = |what: &str, e: &dyn std::fmt::Display| FunctionError::Transient(format!("{what}: {e}"));
    let files: Vec<String> = objects.iter().map(StorageObject::uri).collect();
    let ctx = WriteContext {
        source_file: Some(files.join(",")),
        correlation_id: Some(inv.correlation_id.to_string()),
        execution_id: Some(inv.execution_id.to_string()),
    };
    let game_date = objects.first().and_then(StorageObject::game_date);
    let warehouse = f.clients.warehouse.as_ref();
    let resolver = Resolver::new(warehouse);
    f.identity_ready
        .get_or_try_init(|| resolver.prepare())
        .await
        .map_err(|e| transient("preparing the reference tables", &e))?;
    if !parsed.players.is_empty() {
        resolver
            .register(&parsed.players, processor.source_name(), &ctx)
            .await
            .map_err(|e| transient("registering players", &e))?;
    }
    let names = player_names(&parsed);
    let resolution = if names.is_empty() {
        Resolution::default()
    } else {
        resolver
            .resolve(&names)
            .await
            .map_err(|e| transient("resolving player names", &e))?
    };
    apply_resolution(&mut parsed, &resolution);
    // Evidence per raw file (not per batch: how a date's files were batched must
    // not change what is recorded).
    for (file, names) in unresolved_by_file(&parsed, &resolution, &files) {
        let fc = FileContext {
            source: processor.source_name(),
            source_file: &file,
            game_date,
            write: &ctx,
        };
        resolver
            .record_unresolved(&names, &fc)
            .await
            .map_err(|e| transient("recording unresolved names", &e))?;
    }

    let rows_read = parsed.rows_read();
    let mut loads = write_tables(f, &parsed, &ctx).await?;
    for (table, rejected) in group_rejections(std::mem::take(&mut parsed.rejected)) {
        let n = reject_rows(warehouse, table, rejected, &ctx)
            .await
            .map_err(|e| transient("keeping rejected rows", &e))?;
        match loads.iter_mut().find(|l| same_table(l.table, table)) {
            Some(load) => load.processor_rejected += n,
            None => loads.push(TableLoad {
                table,
                report: WriteReport::default(),
                processor_rejected: n,
            }),
        }
    }

    let written: u64 = loads.iter().map(|l| l.report.stats.written()).sum();
    let unchanged: u64 = loads.iter().map(|l| l.report.stats.unchanged).sum();
    let rejected: u64 = loads
        .iter()
        .map(|l| l.report.rows_rejected() + l.processor_rejected)
        .sum();
    let status = match (rows_read, rejected) {
        (0, _) => RunStatus::NoData,
        (_, 0) => RunStatus::Success,
        (n, r) if r == n => RunStatus::Failed,
        _ => RunStatus::Partial,
    };
    if status != RunStatus::Failed {
        for load in &loads {
            publish_complete(f, inv, processor, load, game_date, &files).await?;
        }
    }
    Ok(Outcome {
        status,
        rows_read,
        rows_written: written,
        rows_unchanged: unchanged,
        rows_rejected: rejected,
        inputs: objects
            .iter()
            .map(|o| format!("{}#{}", o.uri(), o.generation))
            .collect(),
        message: message(&loads, &resolution, &parsed).or_else(|| {
            // A rejection the writer reported without a sample (e.g. rows already kept from an
            // earlier delivery): still say how many and where they are.
            (rejected > 0).then(|| format!("{rejected} of {rows_read} row(s) rejected (kept in nba_raw.rejected_rows)"))
        }),
        game_date,
    })
}

async fn write_tables(
    f: &RawProcessorFunction,
    parsed: &Parsed,
    ctx: &WriteContext,
) -> Result<Vec<TableLoad>, FunctionError> {
    let mut loads = Vec::new();
    for t in &parsed.tables {
        let report = write_json_rows(f.clients.warehouse.as_ref(), t.table, t.rows.clone(), ctx)
            .await
            .map_err(|e| FunctionError::Transient(format!("writing {}: {e}", t.table.qualified_name())))?;
        loads.push(TableLoad {
            table: t.table,
            report,
            processor_rejected: 0,
        });
    }
    Ok(loads)
}

/// Distinct (name, rows) across every table with a player name and lookup.
fn player_names(parsed: &Parsed) -> Vec<NameUse> {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for t in &parsed.tables {
        if t.table.column(PLAYER_NAME).is_none() || t.table.column(PLAYER_LOOKUP).is_none() {
            continue;
        }
        for row in &t.rows {
            if let Some(name) = row.get(PLAYER_NAME).and_then(Value::as_str) {
                *counts.entry(name).or_default() += 1;
            }
        }
    }
    counts.into_iter().map(|(name, n)| NameUse::new(name, n)).collect()
}

/// The unresolved names of each raw file (by the rows' `source_file`), with their row counts.
fn unresolved_by_file(parsed: &Parsed, resolution: &Resolution, files: &[String]) -> BTreeMap<String, Vec<NameUse>> {
    if resolution.unresolved.is_empty() {
        return BTreeMap::new();
    }
    let unresolved: BTreeMap<&str, &NameUse> = resolution.unresolved.iter().map(|n| (n.lookup.as_str(), n)).collect();
    let mut by_file: BTreeMap<String, BTreeMap<&str, NameUse>> = BTreeMap::new();
    for t in &parsed.tables {
        for row in &t.rows {
            let Some(lookup) = row.get(PLAYER_LOOKUP).and_then(Value::as_str) else {
                continue;
            };
            let Some(name) = unresolved.get(lookup) else {
                continue;
            };
            let file = row
                .get("source_file")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| files.join(","));
            by_file
                .entry(file)
                .or_default()
                .entry(name.lookup.as_str())
                .and_modify(|n| n.rows += 1)
                .or_insert_with(|| NameUse {
                    rows: 1,
                    ..(*name).clone()
                });
        }
    }
    by_file
        .into_iter()
        .map(|(file, names)| (file, names.into_values().collect()))
        .collect()
}

/// Rewrites each row's lookup to the canonical one where resolved.
fn apply_resolution(parsed: &mut Parsed, resolution: &Resolution) {
    if resolution.canonical.is_empty() {
        return;
    }
    for t in &mut parsed.tables {
        if t.table.column(PLAYER_LOOKUP).is_none() {
            continue;
        }
        for row in &mut t.rows {
            let Some(Value::String(lookup)) = row.get(PLAYER_LOOKUP) else {
                continue;
            };
            let canonical = resolution.lookup_for(lookup);
            if canonical != lookup {
                let canonical = canonical.to_string();
                row.insert(PLAYER_LOOKUP.into(), Value::String(canonical));
            }
        }
    }
}

type Rejected = Vec<(Row, Violation)>;

fn group_rejections(rejections: Vec<crate::processor::Rejection>) -> Vec<(&'static TableSchema, Rejected)> {
    let mut groups: Vec<(&'static TableSchema, Rejected)> = Vec::new();
    for r in rejections {
        let violation = Violation {
            table: r.table.qualified_name(),
            column: r.column.clone(),
            value: r
                .row
                .get(&r.column)
                .map(Value::to_string)
                .unwrap_or_else(|| "null".into()),
            reason: r.reason,
        };
        match groups.iter_mut().find(|(t, _)| same_table(t, r.table)) {
            Some((_, rows)) => rows.push((r.row, violation)),
            None => groups.push((r.table, vec![(r.row, violation)])),
        }
    }
    groups
}

fn message(loads: &[TableLoad], resolution: &Resolution, parsed: &Parsed) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(v) = loads.iter().find_map(|l| l.report.rejected.first()) {
        parts.push(format!("first rejection: {v}"));
    }
    if let Some(r) = parsed.rejected.first() {
        parts.push(format!("first processor rejection: {}: {}", r.column, r.reason));
    }
    if let Some(first) = parsed.skipped.first() {
        parts.push(format!("skipped {}: {first}", parsed.skipped.len()));
    }
    if !resolution.unresolved.is_empty() {
        let names: Vec<&str> = resolution
            .unresolved
            .iter()
            .take(5)
            .map(|n| n.raw_name.as_str())
            .collect();
        parts.push(format!(
            "{} unresolved player name(s), e.g. {}",
            resolution.unresolved.len(),
            names.join(", ")
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

async fn publish_complete(
    f: &RawProcessorFunction,
    inv: &Invocation,
    processor: &dyn RawProcessor,
    load: &TableLoad,
    game_date: Option<NaiveDate>,
    files: &[String],
) -> Result<(), FunctionError> {
    let rows = load.report.rows_in + load.processor_rejected;
    if rows == 0 {
        return Ok(());
    }
    let Some(game_date) = game_date else {
        return Err(FunctionError::Internal(format!(
            "{} has no date folder in its key",
            files.join(",")
        )));
    };
    let rejected = load.report.rows_rejected() + load.processor_rejected;
    let status = if rejected == 0 {
        RunStatus::Success
    } else if rejected == rows {
        return Ok(()); // nothing usable for this table: trigger nothing downstream
    } else {
        RunStatus::Partial
    };
    let message = RawComplete {
        processor_name: processor.name().into(),
        phase: 2,
        table: load.table.qualified_name(),
        game_date,
        execution_id: inv.execution_id.to_string(),
        correlation_id: inv.correlation_id.to_string(),
        status: status.as_str().into(),
        rows_written: load.report.stats.written(),
        rows_unchanged: load.report.stats.unchanged,
        rows_rejected: rejected,
        source_file: files.join(","),
    };
    let attrs = attributes::completion(
        inv.correlation_id.as_str(),
        processor.name(),
        status.as_str(),
        game_date,
    );
    f.clients
        .publisher
        .publish(
            &f.names.topic(Topic::Phase2RawComplete),
            OutgoingMessage::json(&message, attrs),
        )
        .await
        .map(|_| ())
        .map_err(|e| FunctionError::Transient(e.to_string()))
}
