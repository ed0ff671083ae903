//! Types shared by several documents.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A system's call on a player's points line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Recommendation {
    Over,
    Under,
    Pass,
    NoLine,
}

impl Recommendation {
    /// The warehouse spelling (`OVER`, `UNDER`, `PASS`, `NO_LINE`).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "OVER" => Some(Recommendation::Over),
            "UNDER" => Some(Recommendation::Under),
            "PASS" => Some(Recommendation::Pass),
            "NO_LINE" => Some(Recommendation::NoLine),
            _ => None,
        }
    }
}

/// What a graded prediction came to (grading's `outcome`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GradeOutcome {
    Win,
    Loss,
    Push,
    Void,
    NotActionable,
}

impl GradeOutcome {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "WIN" => Some(GradeOutcome::Win),
            "LOSS" => Some(GradeOutcome::Loss),
            "PUSH" => Some(GradeOutcome::Push),
            "VOID" => Some(GradeOutcome::Void),
            "NOT_ACTIONABLE" => Some(GradeOutcome::NotActionable),
            _ => None,
        }
    }
}

/// Whether a date's picks are presented: only a batch at or above the coverage gate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Publication {
    /// The batch passed the gate: every pick is listed.
    Published,
    /// No batch, or one below the gate: games are listed without picks, and
    /// `coverage.reason` says what is missing.
    Withheld,
}

/// The day's prediction coverage, as phase 5 recorded it, against the publishing gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Coverage {
    /// The batch's completeness: share of expected players with at least one system's
    /// prediction (null: no batch yet). Compared with `gate`.
    pub share: Option<f64>,
    /// The publishing gate (picks are withheld below it).
    pub gate: f64,
    /// Phase 5's coverage SLO: share of expected players predicted by every enabled system.
    pub all_systems_share: Option<f64>,
    pub expected_players: Option<i64>,
    pub predicted_players: Option<i64>,
    pub predicted_all_systems: Option<i64>,
    pub batch_id: Option<String>,
    /// Phase 5's account of the batch, or why there is none.
    pub reason: String,
}

/// One input that moved a prediction, and by how much.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Factor {
    pub name: String,
    pub value: f64,
}
