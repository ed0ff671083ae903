//! Small helpers shared by the processors.

use nba_schemas::{Row, Table};

/// Typed table rows in warehouse form.
pub fn to_rows<T: Table>(items: impl IntoIterator<Item = T>) -> Vec<Row> {
    items.into_iter().map(|t| t.to_row()).collect()
}

/// The normalised lookup of a source's player name. The function later replaces
/// it with the canonical lookup (alias → registry) in one batched query per object.
pub fn lookup(name: &str) -> String {
    nba_identity::player_lookup(name)
}
