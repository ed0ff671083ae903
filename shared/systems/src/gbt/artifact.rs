//! The stored form of a trained model: the trees plus everything needed to refuse to
//! serve it wrongly — which system it is, which feature contract (version and names, in
//! the order the trees index them) it was trained on, and on which window of games.
//! A market-aware artifact (format 2) also holds the [`MarketModel`] served when the
//! player has a line; its plain trees serve the players without one.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use nba_features::{CONTRACT, ContractError, FEATURE_SET_VERSION};
use serde::{Deserialize, Serialize};

use super::boosting::{self, GbtModel, GbtParams, TrainError};
use super::market::{self, HAS_LINE_FEATURE, LINE_FEATURE, MarketModel, MarketRow};
use crate::SystemError;

/// Version of the artifact layout itself (not of the model). Format 2 added the optional
/// market part: a format-1 reader refuses it rather than silently serving only the plain trees.
pub const ARTIFACT_FORMAT: u32 = 2;
/// Formats this build reads (format 1 is format 2 without a market part).
pub const READABLE_FORMATS: std::ops::RangeInclusive<u32> = 1..=ARTIFACT_FORMAT;
/// Suffix of a market-aware artifact's model version (`gbt_huber+line@2025-01-09`).
pub const MARKET_VERSION_TAG: &str = "+line";

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
    /// The plain trees: points from the feature vector (every player; the market part, when
    /// present, takes over for players with a line).
    pub model: GbtModel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market: Option<MarketModel>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ArtifactError {
    #[error("model artifact is not valid JSON: {0}")]
    Json(String),
    #[error("model artifact format {found}; this build reads formats 1 to {expected}")]
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

/// A prediction and the named contributions that moved it most.
pub type Explained = (f64, Vec<(String, f64)>);

/// One training example of the tree systems: a vector by name, the line known before that
/// game (None without one) and the points scored.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingExample {
    pub game_date: NaiveDate,
    pub features: BTreeMap<String, f64>,
    pub line: Option<f64>,
    pub points: f64,
}

/// The vector the market part reads: the contract vector with the line feature set to the line
/// predicted against (the coordinator's choice, which may come from a fallback book the feature
/// store did not see) and the has-line flag set, as on every row it was trained on.
pub fn market_vector(features: &BTreeMap<String, f64>, line: f64) -> Result<Vec<f64>, SystemError> {
    let mut named = features.clone();
    named.insert(LINE_FEATURE.into(), line);
    named.insert(HAS_LINE_FEATURE.into(), 1.0);
    contract_row(&named)
}

/// Trains an artifact for `system_id` on examples dated strictly before `cutoff`: the plain
/// trees on every example, and with `market_aware` the market part on the examples with a line
/// (see [`market`]). Examples missing a contract feature are left out.
pub fn train_examples(
    system_id: &str,
    examples: &[TrainingExample],
    params: &GbtParams,
    market_aware: bool,
    cutoff: NaiveDate,
) -> Result<ModelArtifact, TrainError> {
    if let Some(e) = examples.iter().find(|e| e.game_date >= cutoff) {
        return Err(TrainError::NotBefore {
            row_date: e.game_date,
            cutoff,
        });
    }
    let rows: Vec<(Vec<f64>, f64)> = examples
        .iter()
        .filter_map(|e| Some((contract_row(&e.features).ok()?, e.points)))
        .collect();
    let from = examples.iter().map(|e| e.game_date).min().ok_or(TrainError::Empty)?;
    let to = examples.iter().map(|e| e.game_date).max().ok_or(TrainError::Empty)?;
    let mut artifact = train_artifact(system_id, &rows, params, from, to)?;
    if market_aware {
        let lined: Vec<MarketRow> = examples
            .iter()
            .filter_map(|e| {
                let line = e.line.filter(|l| l.is_finite() && *l > 0.0)?;
                Some(MarketRow {
                    game_date: e.game_date,
                    x: market_vector(&e.features, line).ok()?,
                    line,
                    points: e.points,
                })
            })
            .collect();
        if !lined.is_empty() {
            artifact.market = Some(market::train_market(&lined, &artifact.feature_names, params, cutoff)?);
            artifact.model_version = format!("{system_id}{MARKET_VERSION_TAG}@{to}");
        }
    }
    Ok(artifact)
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
            market: None,
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
        if !READABLE_FORMATS.contains(&self.format) || (self.format < 2 && self.market.is_some()) {
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
        if let Some(m) = &self.market {
            m.is_well_formed(self.feature_names.len()).map_err(malformed)?;
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

    /// The market part's prediction for a line, and the `top` features that moved its trees
    /// most, by name; None for an artifact without a market part.
    pub fn explain_market(
        &self,
        features: &BTreeMap<String, f64>,
        line: f64,
        top: usize,
    ) -> Option<Result<Explained, SystemError>> {
        let m = self.market.as_ref()?;
        Some(self.vector_with_line(features, line).map(|x| {
            let (p, contributions) = m.predict_with_contributions(&x, line);
            (p, self.top_named(contributions, top))
        }))
    }

    /// [`market_vector`] in this artifact's name order.
    fn vector_with_line(&self, features: &BTreeMap<String, f64>, line: f64) -> Result<Vec<f64>, SystemError> {
        let mut named = features.clone();
        named.insert(LINE_FEATURE.into(), line);
        named.insert(HAS_LINE_FEATURE.into(), 1.0);
        self.vector(&named)
    }

    fn top_named(&self, contributions: Vec<f64>, top: usize) -> Vec<(String, f64)> {
        let mut named: Vec<(String, f64)> = self.feature_names.iter().cloned().zip(contributions).collect();
        named.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        named.retain(|(_, c)| *c != 0.0);
        named.truncate(top);
        named
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
