//! The consolidation lock: one document per batch generation (see [`nba_cloud::lock`]).

pub use nba_cloud::lock::{Lock, acquire, release};

pub const LOCKS: &str = "prediction_consolidation_locks";
