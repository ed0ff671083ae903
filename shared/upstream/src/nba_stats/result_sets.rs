//! The generic decoder of stats.nba.com's tabular format.
//!
//! Tabular endpoints answer `{"resource": …, "parameters": …, "resultSets": [{"name", "headers",
//! "rowSet"}]}`; a few answer a single `"resultSet": {…}` instead (or `resultSets` as one object). Each
//! table is a list of header names and rows of positional values. stats.nba.com reorders and adds columns
//! between seasons and endpoints, so columns are only ever located **by header name** (exact, then ASCII
//! case-insensitively, since e.g. `playergamelog` spells `Player_ID`/`Game_ID`), extra columns are ignored,
//! and a missing header is an error naming the result set and the header — even when the table has no
//! rows, because the header check runs before any row is read.

use serde::Serialize;
use serde_json::{Map, Value};

use super::SOURCE;
use super::nested::{Conv, Ctx};
use super::value::describe;
use crate::ShapeError;

/// All tables of one response, in upstream order.
#[derive(Debug, Clone)]
pub struct ResultSets {
    ctx: Ctx,
    /// The tables, in upstream order.
    pub sets: Vec<ResultSet>,
}

/// One table: a name, header names and rows of values (each row as long as `headers`).
#[derive(Debug, Clone, Serialize)]
pub struct ResultSet {
    #[serde(skip)]
    ctx: Ctx,
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

/// A located column: its header name and its position in this response.
#[derive(Debug, Clone)]
pub struct Col {
    set: String,
    pub name: String,
    pub index: usize,
}

/// One row of a [`ResultSet`], readable by [`Col`] or by header name.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    set: &'a ResultSet,
    /// Position of the row in `rowSet`.
    pub index: usize,
    values: &'a [Value],
}

/// Decodes the `resultSets` (or `resultSet`) of a stats.nba.com tabular response.
///
/// Fails on anything that is not a JSON object with tables, on a table without a `headers` array of
/// strings (multi-level header tables of the dashboard endpoints are not supported) and on a row whose
/// length differs from the header count (its values could not be attributed to columns safely).
/// An error response (`{"Message": "…"}`) fails with that message in the reason.
pub fn decode_result_sets(body: &Value, endpoint: &'static str) -> Result<ResultSets, ShapeError> {
    let ctx = Ctx::new(SOURCE, endpoint);
    let root = ctx.root(body)?;
    let (key, raw) = match (root.raw("resultSets"), root.raw("resultSet")) {
        (Some(v), _) if !v.is_null() => ("resultSets", v),
        (_, Some(v)) if !v.is_null() => ("resultSet", v),
        _ => {
            let mut reason = "missing (neither resultSets nor resultSet)".to_string();
            if let Some(msg) = root.raw("Message").or_else(|| root.raw("message")) {
                reason.push_str(&format!("; upstream message: {}", describe(msg)));
            }
            return Err(ctx.err("resultSets", reason));
        }
    };
    let tables: Vec<(String, &Map<String, Value>)> = match raw {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::Object(m) => Ok((format!("{key}[{i}]"), m)),
                other => Err(ctx.err(
                    format!("{key}[{i}]"),
                    format!("expected an object, got {}", describe(other)),
                )),
            })
            .collect::<Result<_, _>>()?,
        Value::Object(m) => vec![(key.to_string(), m)],
        other => return Err(ctx.err(key, format!("expected an array or object, got {}", describe(other)))),
    };
    let sets = tables
        .into_iter()
        .map(|(path, table)| decode_table(ctx, &path, table))
        .collect::<Result<_, _>>()?;
    Ok(ResultSets { ctx, sets })
}

fn decode_table(ctx: Ctx, path: &str, table: &Map<String, Value>) -> Result<ResultSet, ShapeError> {
    let name = match table.get("name") {
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => String::new(),
        Some(other) => {
            return Err(ctx.err(
                format!("{path}.name"),
                format!("expected a string, got {}", describe(other)),
            ));
        }
    };
    // Errors below name the table by its name when it has one: `resultSets[GameHeader].rowSet[3]`.
    let label = if name.is_empty() {
        path.to_string()
    } else {
        format!("resultSets[{name}]")
    };
    let headers = match table.get("headers") {
        Some(Value::Array(hs)) => hs
            .iter()
            .enumerate()
            .map(|(i, h)| match h {
                Value::String(s) => Ok(s.clone()),
                other => Err(ctx.err(
                    format!("{label}.headers[{i}]"),
                    format!(
                        "expected a header name, got {} (multi-level headers are not supported)",
                        describe(other)
                    ),
                )),
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(other) => {
            return Err(ctx.err(
                format!("{label}.headers"),
                format!("expected an array, got {}", describe(other)),
            ));
        }
        None => return Err(ctx.err(format!("{label}.headers"), "missing")),
    };
    let rows = match table.get("rowSet") {
        Some(Value::Array(rows)) => rows
            .iter()
            .enumerate()
            .map(|(i, r)| match r {
                Value::Array(vals) if vals.len() == headers.len() => Ok(vals.clone()),
                Value::Array(vals) => Err(ctx.err(
                    format!("{label}.rowSet[{i}]"),
                    format!("row has {} values for {} headers", vals.len(), headers.len()),
                )),
                other => Err(ctx.err(
                    format!("{label}.rowSet[{i}]"),
                    format!("expected an array, got {}", describe(other)),
                )),
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(other) => {
            return Err(ctx.err(
                format!("{label}.rowSet"),
                format!("expected an array, got {}", describe(other)),
            ));
        }
        None => return Err(ctx.err(format!("{label}.rowSet"), "missing")),
    };
    Ok(ResultSet {
        ctx,
        name,
        headers,
        rows,
    })
}

impl ResultSets {
    /// The first table called `name`, or an error naming it and the tables that are present.
    pub fn get(&self, name: &str) -> Result<&ResultSet, ShapeError> {
        self.find(name).ok_or_else(|| {
            let present: Vec<&str> = self.sets.iter().map(|s| s.name.as_str()).collect();
            self.ctx.err(
                format!("resultSets[{name}]"),
                format!("result set missing; present: {}", present.join(", ")),
            )
        })
    }

    /// The first table called `name`, if any.
    pub fn find(&self, name: &str) -> Option<&ResultSet> {
        self.sets.iter().find(|s| s.name == name)
    }

    /// The only table, for endpoints with one (`leaguegamelog`, `playerindex`): found by `name` when
    /// a table of that name exists, else the single table if there is exactly one.
    pub fn get_or_only(&self, name: &str) -> Result<&ResultSet, ShapeError> {
        match (self.find(name), self.sets.as_slice()) {
            (Some(s), _) => Ok(s),
            (None, [only]) => Ok(only),
            _ => self.get(name),
        }
    }
}

impl ResultSet {
    fn label(&self) -> String {
        format!("resultSets[{}]", self.name)
    }

    /// Locates a required column by header name.
    pub fn col(&self, header: &str) -> Result<Col, ShapeError> {
        self.opt_col(header).ok_or_else(|| {
            self.ctx.err(
                format!("{}.{header}", self.label()),
                format!("header missing; headers: {}", self.headers.join(", ")),
            )
        })
    }

    /// Locates a required column known under several names (e.g. `TOV` in game logs, `TO` in box
    /// scores); the error names the first.
    pub fn col_any(&self, headers: &[&str]) -> Result<Col, ShapeError> {
        headers
            .iter()
            .find_map(|h| self.opt_col(h))
            .map_or_else(|| self.col(headers.first().copied().unwrap_or("")), Ok)
    }

    /// Locates a column that not every version of the endpoint has.
    pub fn opt_col(&self, header: &str) -> Option<Col> {
        let index = self
            .headers
            .iter()
            .position(|h| h == header)
            .or_else(|| self.headers.iter().position(|h| h.eq_ignore_ascii_case(header)))?;
        Some(Col {
            set: self.name.clone(),
            name: header.to_string(),
            index,
        })
    }

    /// The rows, in upstream order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = Row<'_>> {
        self.rows.iter().enumerate().map(move |(index, values)| Row {
            set: self,
            index,
            values,
        })
    }

    /// The rows as objects keyed by header name (for ad hoc use and debugging).
    pub fn to_maps(&self) -> Vec<Map<String, Value>> {
        self.rows
            .iter()
            .map(|r| self.headers.iter().cloned().zip(r.iter().cloned()).collect())
            .collect()
    }
}

impl<'a> Row<'a> {
    fn field(&self, col: &Col) -> String {
        format!("resultSets[{}].rowSet[{}].{}", col.set, self.index, col.name)
    }

    /// The raw value in a located column.
    pub fn value(&self, col: &Col) -> &'a Value {
        // Every row was checked to have one value per header, and `col` was located in the same set.
        self.values.get(col.index).unwrap_or(&Value::Null)
    }

    /// The raw value under a header name (exact, then case-insensitive), `None` when there is no such
    /// column.
    pub fn by_name(&self, header: &str) -> Option<&'a Value> {
        self.set.opt_col(header).map(|c| self.value(&c))
    }

    /// A required, non-null value.
    pub fn req<T>(&self, col: &Col, conv: Conv<T>) -> Result<T, ShapeError> {
        self.get(col, conv)?
            .ok_or_else(|| self.set.ctx.err(self.field(col), "null or empty"))
    }

    /// A value that may be null.
    pub fn get<T>(&self, col: &Col, conv: Conv<T>) -> Result<Option<T>, ShapeError> {
        conv(self.value(col)).map_err(|reason| self.set.ctx.err(self.field(col), reason))
    }

    /// A value from a column that may not exist.
    pub fn opt<T>(&self, col: Option<&Col>, conv: Conv<T>) -> Result<Option<T>, ShapeError> {
        match col {
            Some(c) => self.get(c, conv),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nba_stats::value::{count, int, text};
    use serde_json::json;

    fn body() -> Value {
        json!({"resource": "x", "resultSets": [
            {"name": "A", "headers": ["ID", "NAME", "PTS"], "rowSet": [[1, "x", 10], [2, "y", null]]},
            {"name": "Empty", "headers": ["ID"], "rowSet": []}
        ]})
    }

    #[test]
    fn rows_are_addressed_by_header_name() {
        let sets = decode_result_sets(&body(), "test").unwrap();
        let a = sets.get("A").unwrap();
        let pts = a.col("PTS").unwrap();
        let got: Vec<Option<u32>> = a.rows().map(|r| r.get(&pts, count).unwrap()).collect();
        assert_eq!(got, vec![Some(10), None]);
        assert_eq!(a.rows().next().unwrap().by_name("name"), Some(&json!("x")));
        assert_eq!(a.to_maps()[1]["NAME"], json!("y"));
        assert!(sets.get("Empty").unwrap().rows().next().is_none());
    }

    #[test]
    fn reordered_and_extra_columns_do_not_matter() {
        let reordered = json!({"resultSets": [{"name": "A", "headers": ["EXTRA", "PTS", "ID"],
            "rowSet": [["?", 10, 1]]}]});
        let sets = decode_result_sets(&reordered, "test").unwrap();
        let a = sets.get("A").unwrap();
        let (id, pts) = (a.col("ID").unwrap(), a.col("PTS").unwrap());
        let row = a.rows().next().unwrap();
        assert_eq!(row.req(&id, int).unwrap(), 1);
        assert_eq!(row.req(&pts, int).unwrap(), 10);
    }

    #[test]
    fn errors_name_the_set_and_the_header() {
        let sets = decode_result_sets(&body(), "test").unwrap();
        let e = sets.get("Empty").unwrap().col("GAME_ID").unwrap_err();
        assert_eq!(e.source_name, "nba_stats");
        assert_eq!(e.endpoint, "test");
        assert_eq!(e.field, "resultSets[Empty].GAME_ID");
        let e = sets.get("Nope").unwrap_err();
        assert_eq!(e.field, "resultSets[Nope]");
        assert!(e.reason.contains("A, Empty"), "{}", e.reason);
        let a = sets.get("A").unwrap();
        let pts = a.col("PTS").unwrap();
        let e = a.rows().nth(1).unwrap().req(&pts, int).unwrap_err();
        assert_eq!(e.field, "resultSets[A].rowSet[1].PTS");
        let name = a.col("NAME").unwrap();
        let e = a.rows().next().unwrap().req(&name, int).unwrap_err();
        assert!(e.reason.contains("integer"), "{}", e.reason);
        assert_eq!(a.rows().next().unwrap().req(&name, text).unwrap(), "x");
    }

    #[test]
    fn singular_result_set_and_bad_shapes() {
        let single = json!({"resultSet": {"name": "A", "headers": ["ID"], "rowSet": [[1]]}});
        assert_eq!(
            decode_result_sets(&single, "t")
                .unwrap()
                .get_or_only("whatever")
                .unwrap()
                .rows
                .len(),
            1
        );
        let e = decode_result_sets(&json!({}), "t").unwrap_err();
        assert_eq!(e.field, "resultSets");
        let e = decode_result_sets(&json!({"Message": "An error has occurred."}), "t").unwrap_err();
        assert!(e.reason.contains("An error has occurred."), "{}", e.reason);
        let e = decode_result_sets(&json!("<html>blocked</html>"), "t").unwrap_err();
        assert_eq!(e.field, "$");
        let short = json!({"resultSets": [{"name": "A", "headers": ["ID", "X"], "rowSet": [[1]]}]});
        assert_eq!(
            decode_result_sets(&short, "t").unwrap_err().field,
            "resultSets[A].rowSet[0]"
        );
        let no_headers = json!({"resultSets": [{"name": "A", "rowSet": []}]});
        assert_eq!(
            decode_result_sets(&no_headers, "t").unwrap_err().field,
            "resultSets[A].headers"
        );
    }
}
