//! Gradient-boosted regression trees, in pure Rust: histogram-binned exact-threshold
//! splits ([`tree`]), Friedman boosting with squared, Huber or absolute loss
//! ([`boosting`]), the stored model with its feature contract ([`artifact`]) and the
//! two systems serving it ([`system`]).
//!
//! Written here rather than taken from a crate: ~400 lines, no native build, the
//! artifact format is ours, and predicting by feature name is built in.

pub mod artifact;
pub mod boosting;
pub mod system;
pub mod tree;

pub use artifact::{ARTIFACT_FORMAT, ArtifactError, ModelArtifact, TrainingWindow, contract_row, train_artifact};
pub use boosting::{GbtModel, GbtParams, Loss, TrainError, train};
pub use system::{GBT_HUBER_ID, GBT_SQUARED_ID, GbtSystem};

#[cfg(test)]
mod tests;
