//! The recommendation rule: a prediction and a line become OVER, UNDER, PASS or NO_LINE.
//!
//! `edge = predicted − line` (rounded to 0.01, and the decision is taken on the rounded
//! value that is recorded). OVER when `edge ≥ min_edge`, UNDER when `edge ≤ −min_edge`,
//! and only when `confidence ≥ min_confidence`; everything else is PASS with the reason
//! recorded; no line is NO_LINE. So the direction always agrees with the sign of the
//! edge, and a pick is never made on a small edge or an unsure prediction.

use serde::{Deserialize, Serialize};

use crate::confidence::round2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RecommendationKind {
    Over,
    Under,
    Pass,
    NoLine,
}

impl RecommendationKind {
    /// The kind of a stored `OVER`, `UNDER`, `PASS` or `NO_LINE`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "OVER" => Some(RecommendationKind::Over),
            "UNDER" => Some(RecommendationKind::Under),
            "PASS" => Some(RecommendationKind::Pass),
            "NO_LINE" => Some(RecommendationKind::NoLine),
            _ => None,
        }
    }

    /// `OVER`, `UNDER`, `PASS`, `NO_LINE` (as stored).
    pub const fn as_str(self) -> &'static str {
        match self {
            RecommendationKind::Over => "OVER",
            RecommendationKind::Under => "UNDER",
            RecommendationKind::Pass => "PASS",
            RecommendationKind::NoLine => "NO_LINE",
        }
    }
}

/// When a prediction is worth a pick.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Points of |edge| needed (default 2.5: inside it the −110 vig eats the edge).
    pub min_edge: f64,
    /// Confidence needed (default 0.55).
    pub min_confidence: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            min_edge: 2.5,
            min_confidence: 0.55,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    pub kind: RecommendationKind,
    /// `predicted − line`; `None` without a line.
    pub edge: Option<f64>,
    /// OVER or UNDER.
    pub actionable: bool,
    /// Why it is not actionable (`None` for OVER / UNDER).
    pub reason: Option<String>,
}

fn not_actionable(kind: RecommendationKind, edge: Option<f64>, reason: String) -> Recommendation {
    Recommendation {
        kind,
        edge,
        actionable: false,
        reason: Some(reason),
    }
}

/// The recommendation for a prediction against a line.
pub fn recommend(predicted: f64, line: Option<f64>, confidence: f64, t: &Thresholds) -> Recommendation {
    let Some(line) = line else {
        return not_actionable(RecommendationKind::NoLine, None, "no line".into());
    };
    if !predicted.is_finite() || !line.is_finite() || !confidence.is_finite() {
        return not_actionable(
            RecommendationKind::Pass,
            None,
            format!("not a number: predicted {predicted}, line {line}, confidence {confidence}"),
        );
    }
    let edge = round2(predicted - line);
    let mut reasons = Vec::new();
    if edge == 0.0 {
        reasons.push("no edge".to_string());
    } else if edge.abs() < t.min_edge {
        reasons.push(format!("edge {:.1} below {}", edge.abs(), t.min_edge));
    }
    if confidence < t.min_confidence {
        reasons.push(format!("confidence {confidence:.2} below {}", t.min_confidence));
    }
    if !reasons.is_empty() {
        return not_actionable(RecommendationKind::Pass, Some(edge), reasons.join("; "));
    }
    let kind = if edge > 0.0 {
        RecommendationKind::Over
    } else {
        RecommendationKind::Under
    };
    Recommendation {
        kind,
        edge: Some(edge),
        actionable: true,
        reason: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rec(predicted: f64, line: Option<f64>, confidence: f64) -> Recommendation {
        recommend(predicted, line, confidence, &Thresholds::default())
    }

    #[test]
    fn by_hand() {
        let over = rec(27.0, Some(24.5), 0.7);
        assert_eq!(over.kind, RecommendationKind::Over);
        assert_eq!((over.edge, over.actionable, over.reason), (Some(2.5), true, None));

        let under = rec(20.0, Some(24.5), 0.6);
        assert_eq!((under.kind, under.edge), (RecommendationKind::Under, Some(-4.5)));

        let small = rec(25.7, Some(24.5), 0.9);
        assert_eq!(small.kind, RecommendationKind::Pass);
        assert_eq!(small.reason.as_deref(), Some("edge 1.2 below 2.5"));

        let unsure = rec(30.0, Some(24.5), 0.41);
        assert_eq!(unsure.reason.as_deref(), Some("confidence 0.41 below 0.55"));
        assert!(!unsure.actionable);

        let both = rec(25.7, Some(24.5), 0.41);
        assert_eq!(
            both.reason.as_deref(),
            Some("edge 1.2 below 2.5; confidence 0.41 below 0.55")
        );

        let none = rec(30.0, None, 0.9);
        assert_eq!(
            (none.kind, none.edge, none.actionable),
            (RecommendationKind::NoLine, None, false)
        );

        let nan = rec(f64::NAN, Some(20.0), 0.9);
        assert_eq!(nan.kind, RecommendationKind::Pass);
        assert_eq!(rec(20.0, Some(20.0), 0.9).reason.as_deref(), Some("no edge"));
    }

    #[test]
    fn kinds_serialise_as_stored() {
        assert_eq!(
            serde_json::to_string(&RecommendationKind::NoLine).unwrap(),
            "\"NO_LINE\""
        );
        assert_eq!(serde_json::to_string(&RecommendationKind::Over).unwrap(), "\"OVER\"");
        assert_eq!(RecommendationKind::Under.as_str(), "UNDER");
        for k in [
            RecommendationKind::Over,
            RecommendationKind::Under,
            RecommendationKind::Pass,
            RecommendationKind::NoLine,
        ] {
            assert_eq!(RecommendationKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(RecommendationKind::parse("over"), None);
    }

    proptest! {
        #[test]
        fn direction_agrees_with_the_edge_and_small_or_unsure_passes(
            predicted in 0.0f64..60.0,
            line in 0.5f64..50.0,
            confidence in 0.0f64..1.0,
            min_edge in 0.0f64..6.0,
            min_confidence in 0.0f64..1.0,
        ) {
            let t = Thresholds { min_edge, min_confidence };
            let r = recommend(predicted, Some(line), confidence, &t);
            let edge = r.edge.unwrap();
            prop_assert!((edge - (predicted - line)).abs() <= 0.005 + 1e-9);
            match r.kind {
                RecommendationKind::Over => prop_assert!(edge > 0.0),
                RecommendationKind::Under => prop_assert!(edge < 0.0),
                RecommendationKind::Pass => prop_assert!(r.reason.is_some()),
                RecommendationKind::NoLine => prop_assert!(false, "a line was given"),
            }
            if edge.abs() < min_edge || confidence < min_confidence || edge == 0.0 {
                prop_assert_eq!(r.kind, RecommendationKind::Pass);
                prop_assert!(!r.actionable);
            } else {
                prop_assert!(r.actionable);
                prop_assert!(r.reason.is_none());
            }
            prop_assert_eq!(r.actionable, matches!(r.kind, RecommendationKind::Over | RecommendationKind::Under));
        }
    }
}
