//! The grading rules, pure: one prediction and the player's actual game in, one
//! graded row out. Everything the accuracy table and every evaluation report
//! says comes through [`grade`], so the live grader and the walk-forward harness
//! cannot disagree about what a win is.

use serde::{Deserialize, Serialize};

/// The recommendation of a prediction row: the platform's own kind (OVER, UNDER,
/// PASS, NO_LINE), so what grading parses is what `nba_systems::recommend` produced.
pub use nba_systems::RecommendationKind as Recommendation;

/// What a graded prediction came to (`GRADE_OUTCOMES` in the schema).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    Win,
    Loss,
    Push,
    Void,
    NotActionable,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Win => "WIN",
            Outcome::Loss => "LOSS",
            Outcome::Push => "PUSH",
            Outcome::Void => "VOID",
            Outcome::NotActionable => "NOT_ACTIONABLE",
        }
    }
}

/// What the player did in the game (from `player_game_summary`).
#[derive(Debug, Clone, PartialEq)]
pub struct Actual {
    /// None when the summary has no points (treated as a DNP: nothing to grade against).
    pub points: Option<i64>,
    pub minutes: Option<f64>,
    pub is_dnp: bool,
    pub dnp_reason: Option<String>,
}

/// The result of grading one prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct Grade {
    pub actual_points: Option<i64>,
    pub absolute_error: Option<f64>,
    /// predicted − actual: positive means the system over-predicted.
    pub signed_error: Option<f64>,
    pub within_3: Option<bool>,
    pub within_5: Option<bool>,
    pub is_actionable: bool,
    pub prediction_correct: Option<bool>,
    pub outcome: Outcome,
    pub void_reason: Option<String>,
}

impl Grade {
    pub fn is_void(&self) -> bool {
        self.outcome == Outcome::Void
    }
}

/// Grades `predicted` (with its recommendation and line) against `actual`.
///
/// * A DNP (or a summary without points) voids the prediction: no error, no result.
///   It is still reported (as a void), never silently dropped.
/// * Errors are computed for every non-void prediction, PASS and NO_LINE included:
///   the MAE of a system is about all its predictions, not only its picks.
/// * `prediction_correct` is `(actual > line) == (recommendation == OVER)` for an
///   OVER/UNDER pick with a line, and null for PASS, NO_LINE, a missing line and
///   a push (actual == line), so none of those can move a hit rate.
pub fn grade(predicted: f64, recommendation: Recommendation, line: Option<f64>, actual: &Actual) -> Grade {
    let points = match actual.points {
        Some(p) if !actual.is_dnp => p,
        _ => {
            return Grade {
                actual_points: actual.points.filter(|_| !actual.is_dnp),
                absolute_error: None,
                signed_error: None,
                within_3: None,
                within_5: None,
                is_actionable: false,
                prediction_correct: None,
                outcome: Outcome::Void,
                void_reason: Some(actual.dnp_reason.clone().unwrap_or_else(|| "dnp".to_string())),
            };
        }
    };
    let actual_f = points as f64;
    let signed = round3(predicted - actual_f);
    let absolute = signed.abs();
    let pick = matches!(recommendation, Recommendation::Over | Recommendation::Under);
    let (is_actionable, prediction_correct, outcome) = match (pick, line) {
        (true, Some(line)) if actual_f == line => (true, None, Outcome::Push),
        (true, Some(line)) => {
            let correct = (actual_f > line) == (recommendation == Recommendation::Over);
            (true, Some(correct), if correct { Outcome::Win } else { Outcome::Loss })
        }
        _ => (false, None, Outcome::NotActionable),
    };
    Grade {
        actual_points: Some(points),
        absolute_error: Some(absolute),
        signed_error: Some(signed),
        within_3: Some(absolute <= 3.0),
        within_5: Some(absolute <= 5.0),
        is_actionable,
        prediction_correct,
        outcome,
        void_reason: None,
    }
}

/// Rounds to 3 decimals so the stored error (and its hash) does not depend on
/// floating-point noise in the prediction.
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// A played game of `points` in 30 minutes (for the tests of this crate).
#[cfg(test)]
pub(crate) fn played(points: i64) -> Actual {
    Actual {
        points: Some(points),
        minutes: Some(30.0),
        is_dnp: false,
        dnp_reason: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_and_under_win_and_lose_by_the_side_of_the_line() {
        let over_win = grade(25.0, Recommendation::Over, Some(22.5), &played(26));
        assert_eq!(over_win.prediction_correct, Some(true));
        assert_eq!(over_win.outcome, Outcome::Win);
        assert!(over_win.is_actionable);
        let over_loss = grade(25.0, Recommendation::Over, Some(22.5), &played(20));
        assert_eq!(over_loss.prediction_correct, Some(false));
        assert_eq!(over_loss.outcome, Outcome::Loss);
        let under_win = grade(18.0, Recommendation::Under, Some(22.5), &played(20));
        assert_eq!(under_win.prediction_correct, Some(true));
        let under_loss = grade(18.0, Recommendation::Under, Some(22.5), &played(23));
        assert_eq!(under_loss.prediction_correct, Some(false));
        assert_eq!(under_loss.outcome, Outcome::Loss);
    }

    #[test]
    fn errors_are_signed_predicted_minus_actual_with_within_thresholds() {
        let g = grade(25.0, Recommendation::Over, Some(22.5), &played(20));
        assert_eq!(g.signed_error, Some(5.0));
        assert_eq!(g.absolute_error, Some(5.0));
        assert_eq!((g.within_3, g.within_5), (Some(false), Some(true)));
        let g = grade(17.5, Recommendation::Pass, Some(18.5), &played(20));
        assert_eq!(g.signed_error, Some(-2.5));
        assert_eq!((g.within_3, g.within_5), (Some(true), Some(true)));
    }

    #[test]
    fn pass_no_line_and_a_missing_line_are_graded_for_error_but_never_correct() {
        for (rec, line) in [
            (Recommendation::Pass, Some(20.5)),
            (Recommendation::NoLine, None),
            (Recommendation::Over, None),
            (Recommendation::Under, None),
        ] {
            let g = grade(24.0, rec, line, &played(30));
            assert_eq!(g.prediction_correct, None, "{rec:?} {line:?}");
            assert_eq!(g.outcome, Outcome::NotActionable);
            assert!(!g.is_actionable);
            assert_eq!(g.absolute_error, Some(6.0));
        }
    }

    #[test]
    fn a_push_is_actionable_but_neither_won_nor_lost() {
        let g = grade(24.0, Recommendation::Over, Some(20.0), &played(20));
        assert_eq!(g.prediction_correct, None);
        assert_eq!(g.outcome, Outcome::Push);
        assert!(g.is_actionable);
        assert_eq!(g.absolute_error, Some(4.0));
    }

    #[test]
    fn a_dnp_voids_the_prediction_with_its_reason() {
        let dnp = Actual {
            points: None,
            minutes: None,
            is_dnp: true,
            dnp_reason: Some("Coach's Decision".into()),
        };
        let g = grade(24.0, Recommendation::Over, Some(20.5), &dnp);
        assert!(g.is_void());
        assert_eq!(g.prediction_correct, None);
        assert_eq!(g.absolute_error, None);
        assert_eq!(g.void_reason.as_deref(), Some("Coach's Decision"));
        assert!(!g.is_actionable);
        // A DNP flag wins over stray points, and a reasonless DNP still says why.
        let odd = Actual {
            points: Some(0),
            minutes: Some(0.0),
            is_dnp: true,
            dnp_reason: None,
        };
        let g = grade(10.0, Recommendation::Under, Some(12.5), &odd);
        assert!(g.is_void());
        assert_eq!(g.void_reason.as_deref(), Some("dnp"));
    }
}
