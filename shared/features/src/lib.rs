//! The ML feature contract: which features a feature vector holds, in which order,
//! under which version, which of them are critical, and what a missing one defaults to.
//!
//! It lives in one place so the writer (phase 4, `ml_feature_store`) and the readers
//! (phase 5 models) cannot drift apart: a model trained on another feature set fails
//! loudly at load ([`check_model_contract`]) instead of predicting from shifted columns.
//! Models pick features by name ([`FeatureContract::index_of`]), never by position alone.
//!
//! Changing a name, the order, a default or a critical flag changes what a vector means:
//! bump [`FEATURE_SET_VERSION`].

use serde::{Deserialize, Serialize};

/// Version of [`FEATURES`]. Stored on every feature-store row and checked against
/// the version a model was trained on.
pub const FEATURE_SET_VERSION: &str = "v1";

/// One feature of the contract.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeatureSpec {
    pub name: &'static str,
    /// A vector whose critical feature had to be defaulted is not quality-ready:
    /// predictions must not trust it.
    pub critical: bool,
    /// The value stored when the feature cannot be computed (flagged with source `default`).
    pub default: f64,
    /// What the value is, in a line.
    pub description: &'static str,
}

const fn spec(name: &'static str, critical: bool, default: f64, description: &'static str) -> FeatureSpec {
    FeatureSpec {
        name,
        critical,
        default,
        description,
    }
}

/// The features of [`FEATURE_SET_VERSION`], in vector order.
///
/// Defaults are neutral values (no adjustment, a bench player's scoring) so a
/// defaulted vector does not push a model anywhere extreme; it is flagged anyway.
pub const FEATURES: &[FeatureSpec] = &[
    spec(
        "points_avg_last_5",
        true,
        10.0,
        "mean points, last 5 played games this season",
    ),
    spec(
        "points_avg_last_10",
        true,
        10.0,
        "mean points, last 10 played games this season",
    ),
    spec("points_avg_season", true, 10.0, "mean points, played games this season"),
    spec(
        "points_std_last_10",
        false,
        5.0,
        "sample std of points, last 10 played games",
    ),
    spec(
        "games_in_last_7_days",
        false,
        2.0,
        "games played in the 7 days before the game date",
    ),
    spec(
        "fatigue_score",
        true,
        100.0,
        "0-100, 100 = fresh (player_composite_factors)",
    ),
    spec(
        "shot_zone_mismatch_score",
        false,
        0.0,
        "primary-zone share x opponent allowed accuracy vs league, pct points",
    ),
    spec(
        "pace_score",
        false,
        0.0,
        "clamp((expected game pace - league pace) / 2, +-3)",
    ),
    spec(
        "usage_spike_score",
        false,
        0.0,
        "projected minus recent usage, boosted by teammates out, +-3",
    ),
    spec(
        "rest_advantage",
        false,
        0.0,
        "team days rest minus opponent days rest, clamped +-3",
    ),
    spec(
        "recent_trend",
        false,
        0.0,
        "mean points last 5 minus mean of the 5 games before them",
    ),
    spec(
        "minutes_change",
        false,
        0.0,
        "mean minutes last 5 minus mean minutes last 10",
    ),
    spec(
        "opponent_def_rating",
        true,
        112.0,
        "opponent points allowed per 100 possessions, last 15 games",
    ),
    spec("opponent_pace", false, 100.0, "opponent pace, last 10 games"),
    spec("home_away", false, 0.0, "1 at home, 0 away"),
    spec("back_to_back", false, 0.0, "1 when the player played the day before"),
    spec(
        "pct_paint",
        false,
        0.40,
        "share of points from the paint (play-by-play only)",
    ),
    spec(
        "pct_mid_range",
        false,
        0.12,
        "share of points from mid-range (play-by-play only)",
    ),
    spec("pct_three", false, 0.33, "share of points from threes, last 10 games"),
    spec(
        "pct_free_throw",
        false,
        0.15,
        "share of points from free throws, last 10 games",
    ),
    spec("team_pace", false, 100.0, "own team pace, last 10 games"),
    spec(
        "team_off_rating",
        false,
        112.0,
        "own team points per 100 possessions, last 10 games",
    ),
    spec(
        "team_win_pct",
        false,
        0.5,
        "own team wins / games this season before the date",
    ),
    spec(
        "points_line",
        false,
        0.0,
        "current points line (latest before tip); see has_line",
    ),
    spec("opening_line", false, 0.0, "first points line seen"),
    spec("line_movement", false, 0.0, "current line minus opening line"),
    spec("has_line", false, 0.0, "1 when a points line exists for the game"),
    spec(
        "avg_points_vs_opponent",
        false,
        10.0,
        "mean points against this opponent this season",
    ),
    spec(
        "games_vs_opponent",
        false,
        0.0,
        "played games against this opponent this season",
    ),
    spec("minutes_avg_last_10", true, 20.0, "mean minutes, last 10 played games"),
    spec(
        "points_per_minute_last_10",
        false,
        0.4,
        "points / minutes over the last 10 played games",
    ),
    spec(
        "dnp_rate",
        false,
        0.0,
        "share of DNP rows among the last 10 listed games",
    ),
    spec(
        "points_slope_last_10",
        false,
        0.0,
        "least-squares slope of points per game, last 10 played",
    ),
    spec(
        "season_z_score",
        false,
        0.0,
        "(mean points last 5 - season mean) / season std",
    ),
    spec("days_rest", false, 2.0, "days since the player's previous game"),
    spec("points_avg_last_3", false, 10.0, "mean points, last 3 played games"),
    spec("spread", false, 0.0, "own team's spread (negative = favoured)"),
    spec("implied_team_total", false, 112.0, "(game total - spread) / 2"),
];

/// The contract as a value: a version and its ordered features.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeatureContract {
    pub version: &'static str,
    pub features: &'static [FeatureSpec],
}

/// The current contract.
pub const CONTRACT: FeatureContract = FeatureContract {
    version: FEATURE_SET_VERSION,
    features: FEATURES,
};

impl FeatureContract {
    pub fn len(&self) -> usize {
        self.features.len()
    }

    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// Feature names in vector order.
    pub fn names(&self) -> Vec<&'static str> {
        self.features.iter().map(|f| f.name).collect()
    }

    /// Position of a feature in the vector.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.features.iter().position(|f| f.name == name)
    }

    pub fn spec(&self, name: &str) -> Option<&'static FeatureSpec> {
        self.features.iter().find(|f| f.name == name)
    }

    /// Checks that a model trained on `model_version` with `model_feature_names` can read
    /// vectors of this contract: same version, and every name it uses exists (once).
    pub fn check_model(&self, model_version: &str, model_feature_names: &[&str]) -> Result<(), ContractError> {
        if model_version != self.version {
            return Err(ContractError::VersionMismatch {
                model: model_version.to_string(),
                store: self.version.to_string(),
            });
        }
        let mut seen = std::collections::BTreeSet::new();
        for name in model_feature_names {
            if self.index_of(name).is_none() {
                return Err(ContractError::MissingFeature {
                    name: (*name).to_string(),
                    version: self.version.to_string(),
                });
            }
            if !seen.insert(*name) {
                return Err(ContractError::DuplicateFeature {
                    name: (*name).to_string(),
                });
            }
        }
        Ok(())
    }
}

/// Why a model cannot read the stored feature vectors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContractError {
    #[error("feature set version mismatch: the model expects {model}, the feature store holds {store}")]
    VersionMismatch { model: String, store: String },
    #[error("the model uses feature {name:?}, which feature set {version} does not define")]
    MissingFeature { name: String, version: String },
    #[error("the model lists feature {name:?} more than once")]
    DuplicateFeature { name: String },
}

/// [`FeatureContract::check_model`] against the current [`CONTRACT`]: call it when a
/// model is loaded, and refuse to serve on error.
pub fn check_model_contract(model_version: &str, model_feature_names: &[&str]) -> Result<(), ContractError> {
    CONTRACT.check_model(model_version, model_feature_names)
}

/// Where a feature value came from; its quality is the source's weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeatureSource {
    /// A phase-4 precompute table (caches, zones, composite factors).
    Precompute,
    /// Read straight from a phase-3 analytics table (upcoming game context).
    Analytics,
    /// Derived in the feature store from point-in-time history.
    Computed,
    /// A sportsbook line.
    Line,
    /// Not computable: the contract default.
    Default,
}

impl FeatureSource {
    /// Quality weight of the source (DOMAIN: precompute 100, analytics 87, computed 100, line 100, default 40).
    pub const fn quality(self) -> f64 {
        match self {
            FeatureSource::Precompute => 100.0,
            FeatureSource::Analytics => 87.0,
            FeatureSource::Computed => 100.0,
            FeatureSource::Line => 100.0,
            FeatureSource::Default => 40.0,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            FeatureSource::Precompute => "precompute",
            FeatureSource::Analytics => "analytics",
            FeatureSource::Computed => "computed",
            FeatureSource::Line => "line",
            FeatureSource::Default => "default",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The v1 names in order. Editing this list means a new FEATURE_SET_VERSION.
    const V1_NAMES: &[&str] = &[
        "points_avg_last_5",
        "points_avg_last_10",
        "points_avg_season",
        "points_std_last_10",
        "games_in_last_7_days",
        "fatigue_score",
        "shot_zone_mismatch_score",
        "pace_score",
        "usage_spike_score",
        "rest_advantage",
        "recent_trend",
        "minutes_change",
        "opponent_def_rating",
        "opponent_pace",
        "home_away",
        "back_to_back",
        "pct_paint",
        "pct_mid_range",
        "pct_three",
        "pct_free_throw",
        "team_pace",
        "team_off_rating",
        "team_win_pct",
        "points_line",
        "opening_line",
        "line_movement",
        "has_line",
        "avg_points_vs_opponent",
        "games_vs_opponent",
        "minutes_avg_last_10",
        "points_per_minute_last_10",
        "dnp_rate",
        "points_slope_last_10",
        "season_z_score",
        "days_rest",
        "points_avg_last_3",
        "spread",
        "implied_team_total",
    ];

    #[test]
    fn v1_names_and_order_are_stable() {
        assert_eq!(FEATURE_SET_VERSION, "v1");
        assert_eq!(CONTRACT.names(), V1_NAMES);
        assert_eq!(CONTRACT.len(), 38);
    }

    #[test]
    fn names_are_unique_snake_case() {
        let mut seen = std::collections::BTreeSet::new();
        for f in FEATURES {
            assert!(seen.insert(f.name), "duplicate {}", f.name);
            assert!(
                f.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            );
            assert!(f.default.is_finite());
        }
    }

    #[test]
    fn critical_features_are_the_scoring_core() {
        let critical: Vec<&str> = FEATURES.iter().filter(|f| f.critical).map(|f| f.name).collect();
        assert_eq!(
            critical,
            [
                "points_avg_last_5",
                "points_avg_last_10",
                "points_avg_season",
                "fatigue_score",
                "opponent_def_rating",
                "minutes_avg_last_10"
            ]
        );
        // Zone shares that need play-by-play can never be critical: nobody would be ready without it.
        assert!(!CONTRACT.spec("pct_paint").unwrap().critical);
        assert!(!CONTRACT.spec("pct_mid_range").unwrap().critical);
    }

    #[test]
    fn a_model_of_the_same_version_reading_known_names_passes_in_any_order() {
        assert_eq!(
            check_model_contract("v1", &["points_line", "points_avg_last_5"]),
            Ok(())
        );
        assert_eq!(check_model_contract("v1", V1_NAMES), Ok(()));
        assert_eq!(CONTRACT.index_of("points_avg_last_10"), Some(1));
    }

    #[test]
    fn a_version_mismatch_is_an_error_naming_both_versions() {
        let err = check_model_contract("v37", &["points_avg_last_5"]).unwrap_err();
        assert_eq!(
            err,
            ContractError::VersionMismatch {
                model: "v37".into(),
                store: "v1".into()
            }
        );
        let text = err.to_string();
        assert!(text.contains("v37") && text.contains("v1"), "{text}");
    }

    #[test]
    fn a_missing_name_is_an_error_naming_it() {
        let err = check_model_contract("v1", &["points_avg_last_5", "vegas_magic"]).unwrap_err();
        assert!(matches!(&err, ContractError::MissingFeature { name, .. } if name == "vegas_magic"));
        assert!(err.to_string().contains("vegas_magic"));
    }

    #[test]
    fn a_duplicated_name_is_an_error() {
        let err = check_model_contract("v1", &["spread", "spread"]).unwrap_err();
        assert_eq!(err, ContractError::DuplicateFeature { name: "spread".into() });
    }

    #[test]
    fn source_qualities_follow_the_domain_weights() {
        assert_eq!(FeatureSource::Precompute.quality(), 100.0);
        assert_eq!(FeatureSource::Analytics.quality(), 87.0);
        assert_eq!(FeatureSource::Computed.quality(), 100.0);
        assert_eq!(FeatureSource::Line.quality(), 100.0);
        assert_eq!(FeatureSource::Default.quality(), 40.0);
    }
}
