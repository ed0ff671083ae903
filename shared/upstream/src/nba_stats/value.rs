//! Conversions of single JSON values into typed Rust values, shared by the tabular and nested decoders.
//!
//! Each converter maps JSON `null` to `Ok(None)` and returns `Err(reason)` for a value of the wrong kind;
//! the caller turns the reason into a [`ShapeError`](crate::ShapeError) naming the field. They are tolerant
//! of the spellings NBA.com actually uses for the same quantity across endpoints and seasons: integers sent
//! as `16.0` or `"16"`, flags sent as `"1"`/`1`/`true`, empty strings for "no value".

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

/// A short description of a value for error messages (kind and a truncated rendering).
pub fn describe(v: &Value) -> String {
    let kind = match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let mut shown = v.to_string();
    if shown.len() > 60 {
        let mut cut = 60;
        while !shown.is_char_boundary(cut) {
            cut -= 1;
        }
        shown.truncate(cut);
        shown.push('…');
    }
    format!("{kind} {shown}")
}

/// An integer: a JSON integer, a float with no fractional part (`16.0`), or a numeric string (`"16"`).
/// `null` and `""` are `None`.
pub fn int(v: &Value) -> Result<Option<i64>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(Some(i))
            } else {
                match n.as_f64() {
                    Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
                    _ => Err(format!("expected an integer, got {}", describe(v))),
                }
            }
        }
        Value::String(s) => {
            let t = s.trim();
            if t.is_empty() {
                return Ok(None);
            }
            if let Ok(i) = t.parse::<i64>() {
                return Ok(Some(i));
            }
            match t.parse::<f64>() {
                Ok(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
                _ => Err(format!("expected an integer, got {}", describe(v))),
            }
        }
        _ => Err(format!("expected an integer, got {}", describe(v))),
    }
}

/// A non-negative count that fits in `u32` (points, rebounds, made shots…), with [`int`]'s tolerance.
pub fn count(v: &Value) -> Result<Option<u32>, String> {
    match int(v)? {
        None => Ok(None),
        Some(i) => u32::try_from(i)
            .map(Some)
            .map_err(|_| format!("expected a non-negative count, got {i}")),
    }
}

/// A finite number: a JSON number or a numeric string. `null` and `""` are `None`.
pub fn float(v: &Value) -> Result<Option<f64>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_f64()
            .map(Some)
            .ok_or_else(|| format!("expected a number, got {}", describe(v))),
        Value::String(s) => {
            let t = s.trim();
            if t.is_empty() {
                return Ok(None);
            }
            match t.parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(Some(f)),
                _ => Err(format!("expected a number, got {}", describe(v))),
            }
        }
        _ => Err(format!("expected a number, got {}", describe(v))),
    }
}

/// A string kept verbatim (numbers are rendered, since NBA.com sends e.g. jersey numbers either way).
/// Only `null` is `None`; use [`trimmed`] when blank means "no value".
pub fn text(v: &Value) -> Result<Option<String>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        Value::Number(n) => Ok(Some(n.to_string())),
        _ => Err(format!("expected a string, got {}", describe(v))),
    }
}

/// A string with surrounding blanks removed; `null`, `""` and all-blank strings (stats.nba.com pads
/// some columns, e.g. `LIVE_PC_TIME` = `"     "`) are `None`.
pub fn trimmed(v: &Value) -> Result<Option<String>, String> {
    Ok(text(v)?.and_then(|s| {
        let t = s.trim();
        if t.is_empty() { None } else { Some(t.to_string()) }
    }))
}

/// A flag: JSON booleans, `0`/`1`, and the strings `"0"`, `"1"`, `"true"`, `"false"`. `null`/`""` → `None`.
pub fn flag(v: &Value) -> Result<Option<bool>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        Value::Number(_) => match int(v)? {
            Some(0) => Ok(Some(false)),
            Some(1) => Ok(Some(true)),
            _ => Err(format!("expected a flag (0/1), got {}", describe(v))),
        },
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "0" | "false" | "n" => Ok(Some(false)),
            "1" | "true" | "y" => Ok(Some(true)),
            _ => Err(format!("expected a flag (0/1), got {}", describe(v))),
        },
        _ => Err(format!("expected a flag (0/1), got {}", describe(v))),
    }
}

/// Decimal minutes from any NBA.com minutes spelling; see [`crate::nba_stats::minutes`].
pub fn minutes(v: &Value) -> Result<Option<f64>, String> {
    super::minutes::minutes_from_value(v).map_err(|e| e.to_string())
}

/// A calendar date from the spellings NBA.com uses: `2025-01-15`, `2025-01-15T00:00:00[Z]`,
/// `10/02/2025 00:00:00`, `Feb 20, 2026`, `APR 14, 2024`, `WEDNESDAY, JANUARY 26, 2022`.
/// `null`/`""` → `None`.
pub fn date(v: &Value) -> Result<Option<NaiveDate>, String> {
    let Some(s) = trimmed(v)? else { return Ok(None) };
    parse_date(&s)
        .map(Some)
        .ok_or_else(|| format!("expected a date, got {}", describe(v)))
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    let head: String = s.chars().take(10).collect();
    if let Ok(d) = NaiveDate::parse_from_str(&head, "%Y-%m-%d") {
        return Some(d);
    }
    if let Ok(d) = NaiveDate::parse_from_str(&head, "%m/%d/%Y") {
        return Some(d);
    }
    for fmt in ["%b %d, %Y", "%B %d, %Y", "%A, %B %d, %Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, fmt) {
            return Some(d);
        }
    }
    None
}

/// An instant in UTC from an RFC 3339 string (`2025-11-06T00:00:00Z`). `null`/`""` → `None`.
pub fn utc(v: &Value) -> Result<Option<DateTime<Utc>>, String> {
    let Some(s) = trimmed(v)? else { return Ok(None) };
    DateTime::parse_from_rfc3339(&s)
        .map(|d| Some(d.with_timezone(&Utc)))
        .map_err(|e| format!("expected an RFC 3339 timestamp, got {}: {e}", describe(v)))
}

/// An id where `0` (and `null`/`""`) means "none": NBA.com fills unused person and team ids with 0.
pub fn id(v: &Value) -> Result<Option<i64>, String> {
    Ok(int(v)?.filter(|i| *i != 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integers_accept_the_spellings_nba_com_uses() {
        assert_eq!(int(&json!(16)), Ok(Some(16)));
        assert_eq!(int(&json!(16.0)), Ok(Some(16)));
        assert_eq!(int(&json!(-6.0)), Ok(Some(-6)));
        assert_eq!(int(&json!(" 16 ")), Ok(Some(16)));
        assert_eq!(int(&json!("")), Ok(None));
        assert_eq!(int(&json!(null)), Ok(None));
        assert!(int(&json!(16.5)).is_err());
        assert!(int(&json!("abc")).is_err());
        assert!(int(&json!([1])).is_err());
        assert!(count(&json!(-1)).is_err());
    }

    #[test]
    fn flags_and_dates() {
        assert_eq!(flag(&json!("1")), Ok(Some(true)));
        assert_eq!(flag(&json!(0)), Ok(Some(false)));
        assert!(flag(&json!(2)).is_err());
        let d = NaiveDate::from_ymd_opt(2025, 1, 15);
        assert_eq!(date(&json!("2025-01-15T00:00:00")), Ok(d));
        assert_eq!(date(&json!("01/15/2025 00:00:00")), Ok(d));
        assert_eq!(date(&json!("Jan 15, 2025")), Ok(d));
        assert_eq!(date(&json!("JAN 15, 2025")), Ok(d));
        assert_eq!(date(&json!("WEDNESDAY, JANUARY 15, 2025")), Ok(d));
        assert!(date(&json!("yesterday")).is_err());
        assert_eq!(trimmed(&json!("     ")), Ok(None));
        assert_eq!(id(&json!(0)), Ok(None));
    }
}
