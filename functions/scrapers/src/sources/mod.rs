//! Scrapers, one module per upstream source.
pub mod nba_stats;
