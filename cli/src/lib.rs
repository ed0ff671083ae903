//! The `nba` command's library: the local platform (embedded cloud + functions
//! + replay upstream) and the day runner, shared with the end-to-end tests.

pub mod backfill;
pub mod bench;
pub mod chaos;
pub mod day;
pub mod platform;
pub mod status;
pub mod table_print;
pub mod trace;
pub mod train;

pub use day::{DayEnd, DayReport, run_day};
pub use platform::{DeliveryPolicy, FunctionHook, LocalPlatform, PlatformOptions};
