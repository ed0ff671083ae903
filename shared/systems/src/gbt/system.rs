//! `gbt_squared` and `gbt_huber`: a loaded [`ModelArtifact`] behind [`PredictionSystem`].
//!
//! The two differ by loss and by feature contract: `gbt_squared` predicts points from the
//! feature vector alone; `gbt_huber` is market-aware ([`MARKET_AWARE`]): for a player with a
//! line it predicts the median of the points given the line and the vector
//! ([`super::market`]), and for a player without one it falls back to its plain trees
//! (the same Huber model on the vector as before), so every player still gets a prediction.

use std::sync::Arc;

use super::artifact::{ArtifactError, ModelArtifact};
use crate::confidence::{self, round2, round3};
use crate::{PredictionInput, PredictionSystem, SystemError, SystemPrediction};

pub const GBT_SQUARED_ID: &str = "gbt_squared";
pub const GBT_HUBER_ID: &str = "gbt_huber";
/// The tree systems trained with a market part (see the module doc).
pub const MARKET_AWARE: [&str; 1] = [GBT_HUBER_ID];

/// Whether `system_id` is trained with a market part.
pub fn is_market_aware(system_id: &str) -> bool {
    MARKET_AWARE.contains(&system_id)
}
pub use crate::system::MAX_POINTS;
/// Learned on every feature: the most trusted single system, still discounted by the heuristic.
pub const CONFIDENCE_CEILING: f64 = 0.85;
/// How many feature contributions a prediction reports as factors.
pub const TOP_FACTORS: usize = 3;

/// A gradient-boosted model system; without an artifact every prediction is a loud
/// [`SystemError::Model`] (the worker's circuit breaker records it), never a guess.
/// Cloning shares the artifact.
#[derive(Debug, Clone)]
pub struct GbtSystem {
    id: &'static str,
    artifact: Option<Arc<ModelArtifact>>,
}

impl GbtSystem {
    /// Serves `artifact` as system `id`: it must validate and be an artifact of `id`.
    pub fn new(id: &'static str, artifact: ModelArtifact) -> Result<GbtSystem, ArtifactError> {
        artifact.validate()?;
        if artifact.system_id != id {
            return Err(ArtifactError::WrongSystem {
                model_version: artifact.model_version,
                found: artifact.system_id,
                expected: id.into(),
            });
        }
        Ok(GbtSystem {
            id,
            artifact: Some(Arc::new(artifact)),
        })
    }

    /// The system with no model loaded.
    pub fn unloaded(id: &'static str) -> GbtSystem {
        GbtSystem { id, artifact: None }
    }

    pub fn artifact(&self) -> Option<&ModelArtifact> {
        self.artifact.as_deref()
    }
}

impl PredictionSystem for GbtSystem {
    fn system_id(&self) -> &'static str {
        self.id
    }

    fn version(&self) -> String {
        self.artifact
            .as_ref()
            .map_or_else(|| format!("{}@unloaded", self.id), |a| a.model_version.clone())
    }

    fn predict(&self, input: &PredictionInput) -> Result<SystemPrediction, SystemError> {
        let a = self
            .artifact
            .as_ref()
            .ok_or_else(|| SystemError::Model(format!("no {} artifact loaded", self.id)))?;
        if input.feature_set_version != a.feature_set_version {
            return Err(SystemError::Model(format!(
                "the input's feature set is {}, model {} was trained on {}",
                input.feature_set_version, a.model_version, a.feature_set_version
            )));
        }
        let line = input.line.filter(|l| l.is_finite() && *l > 0.0);
        let (p, mut factors, top) =
            match line.and_then(|l| Some((l, a.explain_market(&input.features, l, TOP_FACTORS)?))) {
                Some((l, market)) => {
                    let (p, top) = market?;
                    let offset = a.market.as_ref().map_or(0.0, |m| m.offset(l));
                    (
                        p,
                        vec![
                            ("line".to_string(), round2(l)),
                            ("line_offset".to_string(), round2(offset)),
                        ],
                        top,
                    )
                }
                None => {
                    let (p, top) = a.explain_named(&input.features, TOP_FACTORS)?;
                    (p, vec![("model".to_string(), round2(a.model.base))], top)
                }
            };
        factors.extend(top.into_iter().map(|(k, v)| (k, round2(v))));
        Ok(SystemPrediction {
            system_id: self.id.into(),
            system_version: a.model_version.clone(),
            predicted_points: round2(p.clamp(0.0, MAX_POINTS)),
            confidence: round3(confidence::heuristic(input, CONFIDENCE_CEILING)),
            factors,
        })
    }
}
