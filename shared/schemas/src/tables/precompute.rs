//! `nba_precompute` (phase 4): rolling per-player and per-team caches and the
//! composite factors, computed for a game date from games before it.

pub const TABLES: &[&crate::TableSchema] = &[];
