//! The one error every decoder returns.

/// A response whose shape is not the one the decoder knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name} {endpoint}: field {field}: {reason}")]
pub struct ShapeError {
    /// Upstream source, e.g. `nba_stats`, `balldontlie`, `odds_api`, `espn`.
    pub source_name: String,
    /// Endpoint, e.g. `scoreboardv2`, `v1/box_scores`.
    pub endpoint: String,
    /// JSON path (or HTML selector) of the missing or malformed field, e.g.
    /// `resultSets[0].headers` or `data[3].player.first_name`.
    pub field: String,
    pub reason: String,
}

impl ShapeError {
    pub fn new(source_name: &str, endpoint: &str, field: impl Into<String>, reason: impl Into<String>) -> Self {
        ShapeError {
            source_name: source_name.into(),
            endpoint: endpoint.into(),
            field: field.into(),
            reason: reason.into(),
        }
    }
}
