//! The message on `nba-grading-trigger`: grade one game date.
//!
//! Published in the morning once the previous day's box scores are final (or by
//! hand to re-grade a day). Grading is idempotent, so a redelivery or a second
//! trigger for the same date writes nothing.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradingTrigger {
    /// ET calendar date of the games to grade.
    pub game_date: NaiveDate,
    /// The chain id, carried into the execution log and rejected-rows trail.
    pub correlation_id: String,
}
