//! DuckDB DDL derived from a table declaration. Pure functions of
//! [`TableSchema`] (no connection), so the schemas crate can re-home them and
//! tests can compare text.
//!
//! DuckDB has no `PARTITION BY` or clustering in `CREATE TABLE`; partition
//! filters are enforced by the warehouse adapter instead. Timestamps are
//! `TIMESTAMP` holding UTC wall time (naive), as BigQuery's are UTC.

use nba_schemas::{Column, ColumnType, TableSchema};

/// DuckDB type of a column type.
pub fn duckdb_type(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::String => "VARCHAR",
        ColumnType::Int64 => "BIGINT",
        ColumnType::Float64 => "DOUBLE",
        ColumnType::Bool => "BOOLEAN",
        ColumnType::Date => "DATE",
        ColumnType::Timestamp => "TIMESTAMP",
        ColumnType::Json => "JSON",
    }
}

/// A double-quoted identifier.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `"dataset"."table"`.
pub fn qualified_table(schema: &TableSchema) -> String {
    format!("{}.{}", quote_ident(schema.dataset.id()), quote_ident(schema.name))
}

/// `CREATE SCHEMA IF NOT EXISTS` for the table's dataset.
pub fn create_schema_sql(schema: &TableSchema) -> String {
    format!("CREATE SCHEMA IF NOT EXISTS {}", quote_ident(schema.dataset.id()))
}

fn column_def(column: &Column, with_constraints: bool) -> String {
    let not_null = if with_constraints && !column.nullable {
        " NOT NULL"
    } else {
        ""
    };
    format!("{} {}{not_null}", quote_ident(column.name), duckdb_type(column.ty))
}

/// `CREATE TABLE IF NOT EXISTS` with every column, in declaration order.
pub fn create_table_sql(schema: &TableSchema) -> String {
    let columns: Vec<String> = schema
        .columns
        .iter()
        .map(|c| format!("    {}", column_def(c, true)))
        .collect();
    format!(
        "CREATE TABLE IF NOT EXISTS {} (\n{}\n)",
        qualified_table(schema),
        columns.join(",\n")
    )
}

/// Both statements `ensure_table` runs, in order.
pub fn ensure_table_sql(schema: &TableSchema) -> Vec<String> {
    vec![create_schema_sql(schema), create_table_sql(schema)]
}

/// `ALTER TABLE … ADD COLUMN` for a column added to the declaration after the
/// table was created (always nullable: existing rows have no value).
pub fn add_column_sql(schema: &TableSchema, column: &Column) -> String {
    format!(
        "ALTER TABLE {} ADD COLUMN {}",
        qualified_table(schema),
        column_def(column, false)
    )
}

/// A temporary staging table with the declared columns (no constraints) and a
/// trailing `__seq` column recording batch order, for set-wise writes.
pub fn staging_table_sql(schema: &TableSchema, staging: &str) -> String {
    let mut columns: Vec<String> = schema.columns.iter().map(|c| column_def(c, false)).collect();
    columns.push("\"__seq\" BIGINT".to_owned());
    format!(
        "CREATE OR REPLACE TEMP TABLE {} ({})",
        quote_ident(staging),
        columns.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use nba_schemas::Table;
    use nba_schemas::tables::orchestration::QuarantinedInput;
    use nba_schemas::tables::raw::NbacSchedule;

    #[test]
    fn create_table_maps_types_and_nullability() {
        let sql = create_table_sql(NbacSchedule::SCHEMA);
        assert!(sql.starts_with("CREATE TABLE IF NOT EXISTS \"nba_raw\".\"nbac_schedule\" (\n"));
        assert!(sql.contains("\"game_id\" VARCHAR NOT NULL,"));
        assert!(sql.contains("\"game_date\" DATE NOT NULL,"));
        assert!(sql.contains("\"tip_time_utc\" TIMESTAMP,"));
        assert!(sql.contains("\"home_score\" BIGINT,"));
        assert!(sql.contains("\"is_neutral\" BOOLEAN NOT NULL,"));
        assert_eq!(
            create_schema_sql(QuarantinedInput::SCHEMA),
            "CREATE SCHEMA IF NOT EXISTS \"nba_orchestration\""
        );
    }

    #[test]
    fn every_declared_table_has_ddl() {
        for schema in nba_schemas::registry() {
            let sql = create_table_sql(schema);
            assert_eq!(sql.matches('\n').count(), schema.columns.len() + 1, "{sql}");
        }
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }
}
