//! Prints warehouse rows as an aligned text table.

use nba_schemas::Row;
use serde_json::Value;

/// Renders rows (all with the same columns, in `columns` order) as a text table.
pub fn render(columns: &[String], rows: &[Row]) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|c| cell(row.get(c).unwrap_or(&Value::Null)))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            cells
                .iter()
                .map(|r| r[i].chars().count())
                .chain([c.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |values: Vec<&str>| -> String {
        values
            .iter()
            .zip(&widths)
            .map(|(v, w)| format!("{v:<w$}", w = *w))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = String::new();
    out.push_str(&line(columns.iter().map(String::as_str).collect()));
    out.push('\n');
    out.push_str(&line(
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect(),
    ));
    out.push('\n');
    for row in &cells {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
        out.push('\n');
    }
    out.push_str(&format!(
        "({} row{})\n",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    ));
    out
}

fn cell(value: &Value) -> String {
    match value {
        Value::Null => "NULL".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Column order of a result: the first row's keys (rows come back with the query's column order).
pub fn columns_of(rows: &[Row]) -> Vec<String> {
    rows.first().map(|r| r.keys().cloned().collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn aligns_columns_and_counts_rows() {
        let rows: Vec<Row> = vec![
            json!({"a": "x", "b": 10}).as_object().unwrap().clone(),
            json!({"a": "longer", "b": null}).as_object().unwrap().clone(),
        ];
        let text = render(&["a".into(), "b".into()], &rows);
        assert_eq!(text, "a       b\n------  ----\nx       10\nlonger  NULL\n(2 rows)\n");
    }
}
