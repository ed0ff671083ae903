//! The recommendation rule (DOMAIN "Predictions"), from nba-systems: edge = predicted −
//! line; OVER/UNDER only when |edge| and the confidence pass their floors, else PASS; no
//! line → NO_LINE. Adapted here to the output row's fields.

use nba_systems::Thresholds;

#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    /// OVER, UNDER, PASS or NO_LINE.
    pub recommendation: &'static str,
    pub edge: Option<f64>,
    pub actionable: bool,
    pub not_actionable_reason: Option<String>,
}

pub fn recommend(predicted: f64, confidence: f64, line: Option<f64>) -> Recommendation {
    let r = nba_systems::recommend(predicted, line, confidence, &Thresholds::default());
    Recommendation {
        recommendation: r.kind.as_str(),
        edge: r.edge,
        actionable: r.actionable,
        not_actionable_reason: r.reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direction_follows_the_edge_and_floors_pass() {
        assert_eq!(recommend(25.0, 0.7, Some(20.5)).recommendation, "OVER");
        assert_eq!(recommend(15.0, 0.7, Some(20.5)).recommendation, "UNDER");
        assert_eq!(recommend(21.0, 0.9, Some(20.5)).recommendation, "PASS");
        let low = recommend(30.0, 0.3, Some(20.5));
        assert_eq!(low.recommendation, "PASS");
        assert!(low.not_actionable_reason.unwrap().contains("confidence"));
        let none = recommend(30.0, 0.9, None);
        assert_eq!((none.recommendation, none.edge), ("NO_LINE", None));
    }
}
