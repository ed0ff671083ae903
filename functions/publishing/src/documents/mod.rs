//! The published documents, one type per document. The JSON Schemas under
//! `events/api/` and the OpenAPI components are derived from these types
//! ([`crate::schemas`]), and tests validate every produced document against them.
//!
//! Every document carries `api_version` and `generated_at`; `generated_at` is left
//! out of the content hash that decides whether a re-export rewrites the object.

pub mod common;
pub mod player;
pub mod predictions;
pub mod results;
pub mod status;
pub mod systems;

pub use common::{Coverage, Factor, GradeOutcome, Publication, Recommendation};
pub use player::{PlayerDoc, PlayerGame, PlayerGamePrediction};
pub use predictions::{
    BestBet, BestBetsDoc, GamePredictions, PlayerPredictions, PredictionsDoc, SystemPrediction, SystemRecord,
};
pub use results::{GradedPick, ResultsDoc, ResultsSummary, SystemResults};
pub use status::{Alert, AlertSeverity, ExecutionEntry, FunctionRuns, Health, PhaseState, PhaseStatus, StatusDoc};
pub use systems::{DailyPoint, SystemPerformance, SystemsPerformanceDoc, WindowPerformance};

/// The version segment of every published path and of `api_version`.
pub const API_VERSION: &str = "v1";
