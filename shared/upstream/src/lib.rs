//! Decoders of upstream responses into typed records.
//!
//! Upstreams change formats without notice (V2 tabular → V3 nested, retired
//! endpoints, hosts moving). Every decoder here fails loudly with the source,
//! the endpoint and the missing or malformed field — never an empty result
//! presented as success. A valid but empty answer (a day without games) decodes
//! to an empty list; callers call that `no_data`.
//!
//! Scrapers use the decoders to check a response's shape and count its
//! records; raw processors use them to turn stored responses into rows.

pub mod error;
pub mod fixtures;
pub mod nba_cdn;
pub mod nba_stats;

pub mod balldontlie;
pub mod basketball_reference;
pub mod bettingpros;
pub mod decoders;
pub mod espn;
mod json_walk;
pub mod odds_api;
pub mod teams;

pub use error::ShapeError;
