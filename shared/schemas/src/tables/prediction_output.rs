//! `nba_predictions` (phase 5): staged and consolidated predictions, and the
//! daily prediction-coverage record.

pub const TABLES: &[&crate::TableSchema] = &[];
