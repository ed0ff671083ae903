//! BigQuery table definitions generated from the schema registry.
//!
//! `nba schemas --write terraform/schemas` renders one JSON file per table
//! (`<dataset>/<table>.json`), which Terraform reads with `jsondecode(file(…))`.
//! The test `bigquery_files_are_current` fails when a file is stale.

use serde_json::{Value, json};

use crate::{ColumnType, TableSchema};

/// The BigQuery type of a column type (table files here, the GCP adapter's tables and loads).
pub fn column_type(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::String => "STRING",
        ColumnType::Int64 => "INT64",
        ColumnType::Float64 => "FLOAT64",
        ColumnType::Bool => "BOOL",
        ColumnType::Date => "DATE",
        ColumnType::Timestamp => "TIMESTAMP",
        ColumnType::Json => "JSON",
    }
}

/// The BigQuery JSON schema (the `schema` argument of `google_bigquery_table`).
pub fn schema_fields(schema: &TableSchema) -> Value {
    Value::Array(
        schema
            .columns
            .iter()
            .map(|c| {
                json!({
                    "name": c.name,
                    "type": column_type(c.ty),
                    "mode": if c.nullable { "NULLABLE" } else { "REQUIRED" },
                    "description": c.description.trim(),
                })
            })
            .collect(),
    )
}

/// Everything Terraform needs to create the table.
pub fn table_definition(schema: &TableSchema) -> Value {
    json!({
        "dataset": schema.dataset.id(),
        "table": schema.name,
        "description": schema.description.trim(),
        "time_partitioning_field": schema.partition_by,
        "require_partition_filter": schema.require_partition_filter,
        "clustering": schema.cluster_by,
        "schema": schema_fields(schema),
    })
}

/// `(relative path, file content)` for every table in the registry.
pub fn render_all() -> Vec<(String, String)> {
    crate::registry()
        .into_iter()
        .map(|schema| {
            let path = format!("{}/{}.json", schema.dataset.id(), schema.name);
            let mut text = serde_json::to_string_pretty(&table_definition(schema)).expect("json renders");
            text.push('\n');
            (path, text)
        })
        .collect()
}

/// Writes every table file under `dir`; returns the paths written.
pub fn write_all(dir: &std::path::Path) -> std::io::Result<Vec<String>> {
    let mut written = Vec::new();
    for (path, content) in render_all() {
        let target = dir.join(&path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&target, content)?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_columns_are_required_in_bigquery() {
        let def = table_definition(<crate::tables::raw::NbacSchedule as crate::Table>::SCHEMA);
        let fields = def["schema"].as_array().unwrap();
        let game_id = fields.iter().find(|f| f["name"] == "game_id").unwrap();
        assert_eq!(game_id["mode"], "REQUIRED");
        let score = fields.iter().find(|f| f["name"] == "home_score").unwrap();
        assert_eq!(score["mode"], "NULLABLE");
        assert_eq!(def["time_partitioning_field"], "game_date");
    }

    /// The files under terraform/schemas are generated: fail when they drift.
    #[test]
    fn bigquery_files_are_current() {
        let dir = nba_core::package_dir!().join("../../terraform/schemas");
        let mut stale = Vec::new();
        for (path, content) in render_all() {
            match std::fs::read_to_string(dir.join(&path)) {
                Ok(existing) if existing == content => {}
                _ => stale.push(path),
            }
        }
        assert!(
            stale.is_empty(),
            "stale BigQuery schema files {stale:?}: run `make schemas` (nba schemas --write terraform/schemas)"
        );
    }

    #[test]
    fn table_names_are_unique() {
        let mut names: Vec<String> = crate::registry().iter().map(|s| s.qualified_name()).collect();
        let before = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), before);
    }
}
