//! The stored form of a trained model: the trees plus everything needed to refuse to
//! serve it wrongly — which system it is, which feature contract (version and names, in
//! the order the trees index them) it was trained on, and on which window of games.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use nba_features::{CONTRACT, ContractError, FEATURE_SET_VERSION};
use serde::{Deserialize, Serialize};

use super::boosting::{self, GbtModel, GbtParams, TrainError};
use crate::SystemError;

/// Version of the artifact layout itself (not of the model).
pub const ARTIFACT_FORMAT: u32 = 1;

/// The games a model was trained on: game dates `from..=to`, `rows` player-games.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingWindow {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub rows: usize,
}

/// A trained model as stored (serde JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelArtifact {
    pub format: u32,
    /// `gbt_squared` or `gbt_huber`.
    pub system_id: String,
    /// `<system_id>@<training.to>`: the `system_version` of its predictions.
    pub model_version: String,
    /// The contract the model was trained on; checked at load.
    pub feature_set_version: String,
    /// Feature names in the order the trees' feature indices refer to.
    pub feature_names: Vec<String>,
    pub training: TrainingWindow,
    pub params: GbtParams,
    pub model: GbtModel,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ArtifactError {
    #[error("model artifact is not valid JSON: {0}")]
    Json(String),
    #[error("model artifact format {found}; this build reads format {expected}")]
    Format { found: u32, expected: u32 },
    #[error("model {model_version} cannot read the feature store: {source}")]
    Contract {
        model_version: String,
        #[source]
        source: ContractError,
    },
    #[error("model {model_version} is malformed: {reason}")]
    Malformed { model_version: String, reason: String },
    #[error("artifact {model_version} is for system {found}, loaded as {expected}")]
    WrongSystem {
        model_version: String,
        found: String,
        expected: String,
    },
}

/// A feature vector in contract order, from a vector by name (the training side's rows).
pub fn contract_row(features: &BTreeMap<String, f64>) -> Result<Vec<f64>, SystemError> {
    CONTRACT
        .features
        .iter()
        .map(|f| {
            features
                .get(f.name)
                .copied()
                .ok_or_else(|| SystemError::MissingFeature(f.name.into()))
        })
        .collect()
}

/// Trains a model on rows in contract order and wraps it as an artifact of the current contract.
pub fn train_artifact(
    system_id: &str,
    rows: &[(Vec<f64>, f64)],
    params: &GbtParams,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<ModelArtifact, TrainError> {
    if let Some((i, (x, _))) = rows.iter().enumerate().find(|(_, (x, _))| x.len() != CONTRACT.len()) {
        return Err(TrainError::Ragged {
            row: i,
            have: x.len(),
            expected: CONTRACT.len(),
        });
    }
    let model = boosting::train(rows, params)?;
    let window = TrainingWindow {
        from,
        to,
        rows: rows.len(),
    };
    Ok(ModelArtifact::new(system_id, model, *params, window))
}

impl ModelArtifact {
    /// An artifact of a model trained on vectors of the current contract, in contract order.
    pub fn new(system_id: &str, model: GbtModel, params: GbtParams, training: TrainingWindow) -> ModelArtifact {
        ModelArtifact {
            format: ARTIFACT_FORMAT,
            system_id: system_id.into(),
            model_version: format!("{system_id}@{}", training.to),
            feature_set_version: FEATURE_SET_VERSION.into(),
            feature_names: CONTRACT.names().into_iter().map(String::from).collect(),
            training,
            params,
            model,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("an artifact always serialises")
    }

    /// Parses and [validates](Self::validate) an artifact: a model of another feature
    /// contract is an error here, at load, never a wrong prediction later.
    pub fn from_json(json: &str) -> Result<ModelArtifact, ArtifactError> {
        let artifact: ModelArtifact = serde_json::from_str(json).map_err(|e| ArtifactError::Json(e.to_string()))?;
        artifact.validate()?;
        Ok(artifact)
    }

    /// Format, contract (version and names, via `nba_features::check_model_contract`)
    /// and tree shape.
    pub fn validate(&self) -> Result<(), ArtifactError> {
        if self.format != ARTIFACT_FORMAT {
            return Err(ArtifactError::Format {
                found: self.format,
                expected: ARTIFACT_FORMAT,
            });
        }
        let names: Vec<&str> = self.feature_names.iter().map(String::as_str).collect();
        nba_features::check_model_contract(&self.feature_set_version, &names).map_err(|source| {
            ArtifactError::Contract {
                model_version: self.model_version.clone(),
                source,
            }
        })?;
        self.check_shape()
    }

    fn check_shape(&self) -> Result<(), ArtifactError> {
        let malformed = |reason: String| ArtifactError::Malformed {
            model_version: self.model_version.clone(),
            reason,
        };
        if self.model.n_features != self.feature_names.len() {
            return Err(malformed(format!(
                "{} features in the model, {} names",
                self.model.n_features,
                self.feature_names.len()
            )));
        }
        for (i, tree) in self.model.trees.iter().enumerate() {
            if !tree.is_well_formed() {
                return Err(malformed(format!("tree {i} is not a tree")));
            }
            if tree.max_feature().is_some_and(|f| f >= self.feature_names.len()) {
                return Err(malformed(format!("tree {i} uses a feature index past the names")));
            }
        }
        if !self.model.base.is_finite() {
            return Err(malformed("non-finite base".into()));
        }
        Ok(())
    }

    /// The model's input vector, built by feature NAME from a vector by name.
    pub fn vector(&self, features: &BTreeMap<String, f64>) -> Result<Vec<f64>, SystemError> {
        self.feature_names
            .iter()
            .map(|name| {
                features
                    .get(name)
                    .copied()
                    .ok_or_else(|| SystemError::MissingFeature(name.clone()))
            })
            .collect()
    }

    /// Prediction from a vector by name.
    pub fn predict_named(&self, features: &BTreeMap<String, f64>) -> Result<f64, SystemError> {
        Ok(self.model.predict(&self.vector(features)?))
    }

    /// Prediction and the `top` features that moved it most (by |contribution|), by name.
    pub fn explain_named(
        &self,
        features: &BTreeMap<String, f64>,
        top: usize,
    ) -> Result<(f64, Vec<(String, f64)>), SystemError> {
        let (p, contributions) = self.model.predict_with_contributions(&self.vector(features)?);
        let mut named: Vec<(String, f64)> = self.feature_names.iter().cloned().zip(contributions).collect();
        named.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        named.truncate(top);
        Ok((p, named))
    }
}
