//! The prediction systems behind one trait ([`PredictionSystem`], and
//! [`EnsembleSystem`] for the ones that combine others), and the recommendation
//! rule that turns a prediction and a line into OVER / UNDER / PASS / NO_LINE.

pub mod system;

pub use system::{
    EnsembleSystem, PastGame, PredictionInput, PredictionSystem, RecentPerformance, SystemError, SystemPrediction,
};
