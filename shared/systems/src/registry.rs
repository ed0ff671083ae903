//! The standard set of systems, in a fixed order, and the models they need.

use crate::ensemble::{ConfidenceWeighted, PerformanceWeighted};
use crate::gbt::{ArtifactError, GBT_HUBER_ID, GBT_SQUARED_ID, GbtSystem, ModelArtifact};
use crate::moving_average::MovingAverage;
use crate::similarity::Similarity;
use crate::zone_matchup::ZoneMatchup;
use crate::{EnsembleSystem, PredictionSystem};

/// Every system id, base systems first then ensembles, in the order
/// [`standard_systems`] returns them.
pub const SYSTEM_IDS: [&str; 7] = [
    crate::moving_average::SYSTEM_ID,
    crate::zone_matchup::SYSTEM_ID,
    crate::similarity::SYSTEM_ID,
    GBT_SQUARED_ID,
    GBT_HUBER_ID,
    crate::ensemble::CONFIDENCE_ID,
    crate::ensemble::PERFORMANCE_ID,
];

/// The trained models the tree systems serve; validated (contract included) on construction.
#[derive(Debug, Clone)]
pub struct Models {
    gbt_squared: GbtSystem,
    gbt_huber: GbtSystem,
}

impl Default for Models {
    fn default() -> Self {
        Models::none()
    }
}

impl Models {
    /// No models: the tree systems answer every request with `SystemError::Model`.
    pub fn none() -> Models {
        Models {
            gbt_squared: GbtSystem::unloaded(GBT_SQUARED_ID),
            gbt_huber: GbtSystem::unloaded(GBT_HUBER_ID),
        }
    }

    /// Both models, each checked against the feature contract and its system id.
    pub fn new(squared: Option<ModelArtifact>, huber: Option<ModelArtifact>) -> Result<Models, ArtifactError> {
        let load = |id, a: Option<ModelArtifact>| a.map_or(Ok(GbtSystem::unloaded(id)), |a| GbtSystem::new(id, a));
        Ok(Models {
            gbt_squared: load(GBT_SQUARED_ID, squared)?,
            gbt_huber: load(GBT_HUBER_ID, huber)?,
        })
    }

    /// [`Models::new`] from artifact JSON texts.
    pub fn from_json(squared: Option<&str>, huber: Option<&str>) -> Result<Models, ArtifactError> {
        let parse = |j: Option<&str>| j.map(ModelArtifact::from_json).transpose();
        Models::new(parse(squared)?, parse(huber)?)
    }

    /// Model versions, `<id>@unloaded` for a missing one.
    pub fn versions(&self) -> [String; 2] {
        [self.gbt_squared.version(), self.gbt_huber.version()]
    }
}

/// The base systems, run on every input.
pub type BaseSystems = Vec<Box<dyn PredictionSystem>>;
/// The ensembles, run on the base systems' predictions.
pub type Ensembles = Vec<Box<dyn EnsembleSystem>>;

/// The base systems and the ensembles, in [`SYSTEM_IDS`] order.
pub fn standard_systems(models: &Models) -> (BaseSystems, Ensembles) {
    let base: BaseSystems = vec![
        Box::new(MovingAverage),
        Box::new(ZoneMatchup),
        Box::new(Similarity),
        Box::new(models.gbt_squared.clone()),
        Box::new(models.gbt_huber.clone()),
    ];
    let ensembles: Ensembles = vec![Box::new(ConfidenceWeighted), Box::new(PerformanceWeighted)];
    (base, ensembles)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{full_features, input};

    #[test]
    fn the_standard_systems_are_in_system_ids_order() {
        let (base, ensembles) = standard_systems(&Models::none());
        let ids: Vec<&str> = base
            .iter()
            .map(|s| s.system_id())
            .chain(ensembles.iter().map(|e| e.system_id()))
            .collect();
        assert_eq!(ids, SYSTEM_IDS);
        let unique: std::collections::BTreeSet<_> = SYSTEM_IDS.iter().collect();
        assert_eq!(unique.len(), 7);
    }

    #[test]
    fn a_day_end_to_end_without_models() {
        // Base systems that can answer do; the unloaded trees fail loudly; ensembles combine the rest.
        let (base, ensembles) = standard_systems(&Models::none());
        let mut i = input(&[], 12);
        i.features = full_features(&[("points_avg_last_5", 24.0), ("points_avg_last_10", 22.0)]);
        let mut ok = Vec::new();
        for s in &base {
            match s.predict(&i) {
                Ok(p) => ok.push(p),
                Err(e) => assert!(
                    s.system_id().starts_with("gbt_") || s.system_id() == "similarity",
                    "{e}"
                ),
            }
        }
        assert!(ok.len() >= 2);
        for e in &ensembles {
            let p = e.combine(&i, &ok).unwrap();
            assert!(p.predicted_points > 0.0 && (0.0..=1.0).contains(&p.confidence));
        }
    }

    #[test]
    fn models_refuse_a_foreign_contract() {
        assert_eq!(
            Models::none().versions(),
            ["gbt_squared@unloaded", "gbt_huber@unloaded"]
        );
        assert!(matches!(
            Models::from_json(Some("{}"), None),
            Err(ArtifactError::Json(_))
        ));
    }
}
