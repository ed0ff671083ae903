//! Row validation, derived from the column declarations and applied before
//! every write. A violation names the table, the column, the value and why.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use regex::Regex;
use serde_json::Value;

use crate::{Check, Column, ColumnType, Row, TableSchema};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{table}.{column} = {value}: {reason}")]
pub struct Violation {
    pub table: String,
    pub column: String,
    /// The offending value as JSON text (`null` when missing).
    pub value: String,
    pub reason: String,
}

/// Checks one row against its table: required columns, types, ranges, enums,
/// patterns, and no unknown columns. Returns every violation, not just the first.
pub fn validate_row(schema: &TableSchema, row: &Row) -> Result<(), Vec<Violation>> {
    let mut violations = Vec::new();
    let violation = |column: &str, value: &Value, reason: String| Violation {
        table: schema.qualified_name(),
        column: column.to_string(),
        value: truncate(&value.to_string()),
        reason,
    };
    for column in schema.columns {
        let value = row.get(column.name).unwrap_or(&Value::Null);
        if let Err(reason) = check_column(column, value) {
            violations.push(violation(column.name, value, reason));
        }
    }
    for (name, value) in row {
        if schema.column(name).is_none() {
            violations.push(violation(name, value, "unknown column".into()));
        }
    }
    if violations.is_empty() { Ok(()) } else { Err(violations) }
}

fn check_column(column: &Column, value: &Value) -> Result<(), String> {
    if value.is_null() {
        return if column.nullable || column.ty == ColumnType::Json {
            Ok(())
        } else {
            Err("required value is missing".into())
        };
    }
    check_type(column.ty, value)?;
    for check in column.checks {
        check_value(check, value)?;
    }
    Ok(())
}

fn check_type(ty: ColumnType, value: &Value) -> Result<(), String> {
    let ok = match ty {
        ColumnType::String => value.is_string(),
        ColumnType::Int64 => value.is_i64() || value.is_u64() && value.as_u64().is_some_and(|v| v <= i64::MAX as u64),
        ColumnType::Float64 => value.as_f64().is_some_and(f64::is_finite),
        ColumnType::Bool => value.is_boolean(),
        ColumnType::Date => value
            .as_str()
            .is_some_and(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()),
        ColumnType::Timestamp => value
            .as_str()
            .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok()),
        ColumnType::Json => true,
    };
    if ok { Ok(()) } else { Err(format!("expected {ty:?}")) }
}

fn check_value(check: &Check, value: &Value) -> Result<(), String> {
    match *check {
        Check::Range { min, max } => match value.as_f64() {
            Some(v) if v >= min && v <= max => Ok(()),
            Some(_) => Err(format!("out of range [{min}, {max}]")),
            None => Err("range check on a non-number".into()),
        },
        Check::OneOf(allowed) => match value.as_str() {
            Some(s) if allowed.contains(&s) => Ok(()),
            _ => Err(format!("not one of {allowed:?}")),
        },
        Check::Pattern(pattern) => match value.as_str() {
            Some(s) if regex_for(pattern).is_match(s) => Ok(()),
            _ => Err(format!("does not match {pattern}")),
        },
        Check::NonEmpty => match value.as_str() {
            Some(s) if !s.trim().is_empty() => Ok(()),
            _ => Err("must not be empty".into()),
        },
    }
}

/// Compiled patterns, cached: validation runs on every row of every write.
fn regex_for(pattern: &'static str) -> Regex {
    static CACHE: OnceLock<Mutex<HashMap<&'static str, Regex>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().expect("regex cache");
    cache
        .entry(pattern)
        .or_insert_with(|| Regex::new(pattern).unwrap_or_else(|e| panic!("invalid column pattern {pattern}: {e}")))
        .clone()
}

fn truncate(s: &str) -> String {
    const MAX: usize = 200;
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut cut = MAX;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &s[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Table;
    use crate::tables::raw::NbacSchedule;
    use serde_json::json;

    fn schedule_row() -> Row {
        json!({
            "game_id": "0022400561", "game_date": "2025-01-10", "game_code": "20250110_LAL_DAL",
            "season": "2024-25", "season_type": "Regular Season", "game_status": 3,
            "game_status_text": "Final", "tip_time_utc": "2025-01-11T01:30:00Z",
            "home_team_id": 1610612742, "home_team_tricode": "DAL", "away_team_id": 1610612747,
            "away_team_tricode": "LAL", "home_score": 100, "away_score": 99, "arena_name": null,
            "arena_city": null, "is_neutral": false, "postponed_status": "N", "game_label": null,
            "game_sub_label": null, "source_file": "x", "data_hash": "h", "processed_at": "2025-01-11T00:00:00Z"
        })
        .as_object()
        .unwrap()
        .clone()
    }

    #[test]
    fn a_valid_row_passes() {
        validate_row(NbacSchedule::SCHEMA, &schedule_row()).unwrap();
    }

    #[test]
    fn violations_name_table_column_value_and_reason() {
        let mut row = schedule_row();
        row.insert("game_id".into(), json!("12345"));
        row.insert("home_score".into(), json!(-4));
        row.remove("game_date");
        row.insert("bogus".into(), json!(1));
        let errs = validate_row(NbacSchedule::SCHEMA, &row).unwrap_err();
        let cols: Vec<_> = errs.iter().map(|v| v.column.as_str()).collect();
        assert_eq!(cols, ["game_id", "game_date", "home_score", "bogus"]);
        assert_eq!(errs[0].table, "nba_raw.nbac_schedule");
        assert_eq!(errs[0].value, "\"12345\"");
        assert!(errs[2].reason.contains("out of range"));
        assert!(errs[1].reason.contains("required"));
    }

    #[test]
    fn types_are_checked() {
        let mut row = schedule_row();
        row.insert("game_status".into(), json!("3"));
        row.insert("tip_time_utc".into(), json!("yesterday"));
        let errs = validate_row(NbacSchedule::SCHEMA, &row).unwrap_err();
        assert_eq!(errs.len(), 2, "{errs:?}");
    }
}
