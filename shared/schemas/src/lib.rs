//! The schema registry: every table is declared once, with the [`table!`] macro,
//! as a Rust row type plus its [`TableSchema`]. From that one declaration derive:
//!
//! * the embedded warehouse DDL (in the warehouse adapter, from [`TableSchema`]),
//! * the BigQuery JSON schema files under `terraform/` ([`bigquery`]),
//! * row validation applied before every write ([`validate`]).

// Lets the `table!` macro name this crate the same way inside and outside it.
extern crate self as nba_schemas;

pub mod bigquery;
pub mod model;
#[macro_use]
pub mod table_macro;
pub mod tables;
pub mod validate;

/// Paths the [`table!`] macro needs in the crates that use it.
pub mod reexport {
    pub use nba_core::Dataset;
    pub use serde;
}

pub use model::{Check, Column, ColumnType, DATA_HASH, Row, Table, TableSchema, WriteStrategy};
pub use tables::registry;
pub use validate::{Violation, validate_row};
