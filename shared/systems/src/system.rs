//! What a prediction system is: a pure function from what is known before a game
//! to a points prediction with a confidence and the factors that moved it.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One of the player's past games (from `nba_analytics.player_game_summary`),
/// always strictly before the predicted game's date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PastGame {
    pub game_date: NaiveDate,
    pub opponent_tricode: String,
    pub is_home: bool,
    /// None for a DNP.
    pub minutes: Option<f64>,
    pub points: Option<i64>,
    /// Days since the previous game (None for the first).
    pub days_rest: Option<i64>,
    /// The points line of that game, when one existed.
    pub points_line: Option<f64>,
}

/// Everything a system may look at for one player and game.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictionInput {
    pub game_date: NaiveDate,
    pub game_id: String,
    pub player_lookup: String,
    pub team_tricode: String,
    pub opponent_tricode: String,
    pub is_home: bool,
    /// Feature set version of `features` (checked against a model's contract).
    pub feature_set_version: String,
    /// The feature vector by name (`nba_features::FEATURES` names).
    pub features: BTreeMap<String, f64>,
    /// Names of features that were defaulted (not computed).
    pub defaulted: Vec<String>,
    /// The player's games before `game_date`, oldest first.
    pub history: Vec<PastGame>,
    /// The line the recommendation is made against, if any.
    pub line: Option<f64>,
    /// Recent graded performance per system id (for the performance-weighted
    /// ensemble): mean absolute error over a trailing window of graded days
    /// strictly before `game_date`, and how many predictions it covers.
    pub recent_performance: BTreeMap<String, RecentPerformance>,
}

impl PredictionInput {
    /// A feature by name; `None` when the vector does not hold it.
    pub fn feature(&self, name: &str) -> Option<f64> {
        self.features.get(name).copied()
    }

    /// Whether the feature store had to default this feature (it was not computed).
    pub fn is_defaulted(&self, name: &str) -> bool {
        self.defaulted.iter().any(|d| d == name)
    }

    /// A feature that was actually computed: `None` when it is absent or defaulted.
    pub fn computed_feature(&self, name: &str) -> Option<f64> {
        self.feature(name).filter(|v| v.is_finite() && !self.is_defaulted(name))
    }

    /// The history strictly before `game_date`, oldest first. Systems read history only
    /// through this (or [`Self::played_before`]): the filter is repeated here, defensively,
    /// so a caller handing over too much history cannot leak the outcome into a prediction.
    pub fn history_before(&self) -> impl Iterator<Item = &PastGame> + '_ {
        self.history.iter().filter(move |g| g.game_date < self.game_date)
    }

    /// Played games (minutes > 0 and points known) strictly before `game_date`, oldest first.
    pub fn played_before(&self) -> Vec<&PastGame> {
        self.history_before().filter(|g| g.played_points().is_some()).collect()
    }
}

impl PastGame {
    /// Points of a played game; `None` for a DNP or an unknown score.
    pub fn played_points(&self) -> Option<f64> {
        match (self.minutes, self.points) {
            (Some(m), Some(p)) if m > 0.0 => Some(p as f64),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RecentPerformance {
    pub mae: f64,
    pub predictions: u64,
}

/// The most points any system predicts (predictions are clamped to `0..=MAX_POINTS`).
pub const MAX_POINTS: f64 = 60.0;

/// A system's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemPrediction {
    pub system_id: String,
    pub system_version: String,
    pub predicted_points: f64,
    /// 0–1.
    pub confidence: f64,
    /// What moved the prediction, e.g. ("fatigue", -0.8), for explanations.
    pub factors: Vec<(String, f64)>,
}

impl SystemPrediction {
    /// The answer of a heuristic system: `points` clamped to `0..=MAX_POINTS` and
    /// rounded to 0.01, confidence from [`crate::confidence::heuristic`] under `ceiling`.
    pub(crate) fn heuristic(
        system_id: &str,
        version: &str,
        points: f64,
        input: &PredictionInput,
        ceiling: f64,
        factors: Vec<(String, f64)>,
    ) -> Self {
        SystemPrediction {
            system_id: system_id.into(),
            system_version: version.into(),
            predicted_points: crate::confidence::round2(points.clamp(0.0, MAX_POINTS)),
            confidence: crate::confidence::heuristic(input, ceiling),
            factors,
        }
    }

    /// The value of the factor `name`, if the prediction reports it.
    pub fn factor(&self, name: &str) -> Option<f64> {
        self.factors.iter().find(|(k, _)| k == name).map(|(_, v)| *v)
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SystemError {
    #[error("not enough history: needs {needed} games, has {have}")]
    NotEnoughHistory { needed: usize, have: usize },
    #[error("feature {0} is missing from the vector")]
    MissingFeature(String),
    #[error("model: {0}")]
    Model(String),
}

/// A prediction system. Systems are pure (no I/O): the worker gathers the input.
pub trait PredictionSystem: Send + Sync {
    /// Stable id, e.g. `moving_average`.
    fn system_id(&self) -> &'static str;
    /// Version of the logic or the model artifact, e.g. `ma-1` or `gbt-sq-2025-01-09`.
    fn version(&self) -> String;
    fn predict(&self, input: &PredictionInput) -> Result<SystemPrediction, SystemError>;
}

/// A system that combines other systems' predictions for the same input.
pub trait EnsembleSystem: Send + Sync {
    fn system_id(&self) -> &'static str;
    fn version(&self) -> String;
    fn combine(&self, input: &PredictionInput, members: &[SystemPrediction]) -> Result<SystemPrediction, SystemError>;
}
