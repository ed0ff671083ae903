//! `nba_predictions` (grading): each graded prediction, and per-system daily performance.

pub const TABLES: &[&crate::TableSchema] = &[];
