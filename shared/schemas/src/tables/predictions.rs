//! `nba_predictions`: the ML feature store (phase 4) and, later, predictions.

pub const TABLES: &[&crate::TableSchema] = &[];
