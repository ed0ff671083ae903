//! The prediction systems behind one trait ([`PredictionSystem`], and
//! [`EnsembleSystem`] for the ones that combine others), and the recommendation
//! rule that turns a prediction and a line into OVER / UNDER / PASS / NO_LINE.
//!
//! Every system is pure (no I/O) and versioned; its `system_id` is stable
//! (see [`registry::SYSTEM_IDS`]).

pub mod confidence;
pub mod ensemble;
pub mod gbt;
pub mod moving_average;
pub mod recommend;
pub mod registry;
pub mod similarity;
pub mod system;
pub mod zone_matchup;

#[cfg(test)]
mod testing;

#[cfg(test)]
mod no_leak;

pub use ensemble::{ConfidenceWeighted, PerformanceWeighted};
pub use gbt::{
    GbtParams, GbtSystem, Loss, ModelArtifact, TrainingExample, TrainingWindow, train, train_artifact, train_examples,
};
pub use moving_average::MovingAverage;
pub use recommend::{Recommendation, RecommendationKind, Thresholds, recommend};
pub use registry::{Models, SYSTEM_IDS, standard_systems};
pub use similarity::Similarity;
pub use system::{
    EnsembleSystem, PastGame, PredictionInput, PredictionSystem, RecentPerformance, SystemError, SystemPrediction,
};
pub use zone_matchup::ZoneMatchup;
