//! Per-system tallies of graded predictions: the daily performance rows, and the
//! evaluation report's per-system numbers, from the same accumulator.

use chrono::{NaiveDate, Utc};
use nba_schemas::tables::grading::SystemDailyPerformance;
use serde::{Deserialize, Serialize};

use crate::grade::{Grade, Outcome, round3};

/// Counts and sums over a set of graded predictions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    pub predictions: u64,
    pub graded: u64,
    pub actionable: u64,
    pub wins: u64,
    pub losses: u64,
    pub pushes: u64,
    pub voids: u64,
    pub abs_error_sum: f64,
    pub signed_error_sum: f64,
    pub within_3: u64,
    pub within_5: u64,
}

impl Tally {
    pub fn add(&mut self, grade: &Grade) {
        self.predictions += 1;
        match grade.outcome {
            Outcome::Void => {
                self.voids += 1;
                return;
            }
            Outcome::Win => self.wins += 1,
            Outcome::Loss => self.losses += 1,
            Outcome::Push => self.pushes += 1,
            Outcome::NotActionable => {}
        }
        if grade.is_actionable {
            self.actionable += 1;
        }
        if let (Some(abs), Some(signed)) = (grade.absolute_error, grade.signed_error) {
            self.graded += 1;
            self.abs_error_sum += abs;
            self.signed_error_sum += signed;
            self.within_3 += u64::from(grade.within_3 == Some(true));
            self.within_5 += u64::from(grade.within_5 == Some(true));
        }
    }

    pub fn merge(&mut self, other: &Tally) {
        self.predictions += other.predictions;
        self.graded += other.graded;
        self.actionable += other.actionable;
        self.wins += other.wins;
        self.losses += other.losses;
        self.pushes += other.pushes;
        self.voids += other.voids;
        self.abs_error_sum += other.abs_error_sum;
        self.signed_error_sum += other.signed_error_sum;
        self.within_3 += other.within_3;
        self.within_5 += other.within_5;
    }

    fn per_graded(&self, x: f64) -> Option<f64> {
        (self.graded > 0).then(|| round3(x / self.graded as f64))
    }

    pub fn mae(&self) -> Option<f64> {
        self.per_graded(self.abs_error_sum)
    }

    /// Mean of predicted − actual: positive means the system over-predicts.
    pub fn bias(&self) -> Option<f64> {
        self.per_graded(self.signed_error_sum)
    }

    /// wins / (wins + losses): pushes, PASS, NO_LINE and voids never count.
    pub fn hit_rate(&self) -> Option<f64> {
        let decided = self.wins + self.losses;
        (decided > 0).then(|| round3(self.wins as f64 / decided as f64))
    }

    pub fn within_3_rate(&self) -> Option<f64> {
        self.per_graded(self.within_3 as f64)
    }

    pub fn within_5_rate(&self) -> Option<f64> {
        self.per_graded(self.within_5 as f64)
    }

    /// The `system_daily_performance` row of this tally.
    pub fn daily_row(&self, game_date: NaiveDate, system_id: &str) -> SystemDailyPerformance {
        SystemDailyPerformance {
            game_date,
            system_id: system_id.to_string(),
            predictions: self.predictions as i64,
            graded: self.graded as i64,
            actionable: self.actionable as i64,
            wins: self.wins as i64,
            losses: self.losses as i64,
            pushes: self.pushes as i64,
            voids: self.voids as i64,
            mae: self.mae(),
            bias: self.bias(),
            hit_rate: self.hit_rate(),
            within_3_rate: self.within_3_rate(),
            within_5_rate: self.within_5_rate(),
            data_hash: String::new(),
            processed_at: Utc::now(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::{Actual, Recommendation, grade, played};

    #[test]
    fn hit_rate_counts_only_won_and_lost_picks() {
        let mut t = Tally::default();
        t.add(&grade(25.0, Recommendation::Over, Some(20.5), &played(25))); // win, err 0
        t.add(&grade(25.0, Recommendation::Over, Some(20.5), &played(15))); // loss, err 10
        t.add(&grade(25.0, Recommendation::Over, Some(20.0), &played(20))); // push, err 5
        t.add(&grade(21.0, Recommendation::Pass, Some(20.5), &played(23))); // pass, err 2
        t.add(&grade(21.0, Recommendation::NoLine, None, &played(22))); // no line, err 1
        let dnp = Actual {
            points: None,
            minutes: None,
            is_dnp: true,
            dnp_reason: None,
        };
        t.add(&grade(21.0, Recommendation::Over, Some(20.5), &dnp)); // void
        assert_eq!((t.predictions, t.graded, t.actionable), (6, 5, 3));
        assert_eq!((t.wins, t.losses, t.pushes, t.voids), (1, 1, 1, 1));
        assert_eq!(t.hit_rate(), Some(0.5));
        assert_eq!(t.mae(), Some(3.6));
        assert_eq!(t.bias(), Some(2.4)); // (0 + 10 + 5 - 2 - 1) / 5
        assert_eq!(t.within_3_rate(), Some(0.6));
        let row = t.daily_row(NaiveDate::from_ymd_opt(2025, 1, 10).unwrap(), "moving_average");
        assert_eq!(row.voids, 1);
        assert_eq!(row.hit_rate, Some(0.5));
    }

    #[test]
    fn an_empty_tally_has_no_rates() {
        let t = Tally::default();
        assert_eq!((t.mae(), t.bias(), t.hit_rate()), (None, None, None));
    }
}
