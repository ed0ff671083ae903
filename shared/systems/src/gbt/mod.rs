//! Gradient-boosted regression trees, in pure Rust: histogram-binned exact-threshold
//! splits ([`tree`]), Friedman boosting with squared, Huber or absolute loss
//! ([`boosting`]), the market-aware form that starts from the line ([`market`]), the
//! stored model with its feature contract ([`artifact`]) and the two systems serving it
//! ([`system`]).
//!
//! Written here rather than taken from a crate: ~400 lines, no native build, the
//! artifact format is ours, and predicting by feature name is built in.

pub mod artifact;
pub mod boosting;
pub mod market;
pub mod system;
pub mod tree;

pub use artifact::{
    ARTIFACT_FORMAT, ArtifactError, ModelArtifact, TrainingExample, TrainingWindow, contract_row, market_vector,
    train_artifact, train_examples,
};
pub use boosting::{GbtModel, GbtParams, Loss, TrainError, train, train_from_offsets};
pub use market::{MarketModel, MarketRow, MarketValidation, train_market};
pub use system::{GBT_HUBER_ID, GBT_SQUARED_ID, GbtSystem, MARKET_AWARE, is_market_aware};

#[cfg(test)]
mod market_tests;
#[cfg(test)]
mod tests;
