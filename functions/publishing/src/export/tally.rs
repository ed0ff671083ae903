//! Adding up grading's per-system daily rows: counts add, rates are recomputed from
//! the counts, and errors are weighted by the predictions each row graded (an
//! average of daily averages would let a 3-player day weigh as much as a 300-player one).

use nba_schemas::tables::grading::SystemDailyPerformance;

use crate::documents::ResultsSummary;

pub fn summarise<'a>(rows: impl IntoIterator<Item = &'a SystemDailyPerformance>) -> ResultsSummary {
    let mut s = ResultsSummary::default();
    let (mut abs_sum, mut signed_sum, mut error_weight) = (0.0, 0.0, 0i64);
    for r in rows {
        s.predictions += r.predictions;
        s.graded += r.graded;
        s.actionable += r.actionable;
        s.wins += r.wins;
        s.losses += r.losses;
        s.pushes += r.pushes;
        s.voids += r.voids;
        if let (Some(mae), Some(bias)) = (r.mae, r.bias) {
            abs_sum += mae * r.graded as f64;
            signed_sum += bias * r.graded as f64;
            error_weight += r.graded;
        }
    }
    let decided = s.wins + s.losses;
    s.win_rate = (decided > 0).then(|| round(s.wins as f64 / decided as f64, 4));
    s.mae = (error_weight > 0).then(|| round(abs_sum / error_weight as f64, 3));
    s.bias = (error_weight > 0).then(|| round(signed_sum / error_weight as f64, 3));
    s
}

/// Rounds for publication (the documents are read by people; the warehouse keeps full precision).
pub fn round(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

#[cfg(test)]
pub(crate) mod tests {
    use chrono::{NaiveDate, Utc};

    use super::*;

    pub fn perf(date: &str, system: &str, graded: i64, wins: i64, losses: i64, mae: f64) -> SystemDailyPerformance {
        SystemDailyPerformance {
            game_date: date.parse::<NaiveDate>().unwrap(),
            system_id: system.into(),
            predictions: graded,
            graded,
            actionable: wins + losses,
            wins,
            losses,
            pushes: 0,
            voids: 0,
            mae: Some(mae),
            bias: Some(-mae / 2.0),
            hit_rate: None,
            within_3_rate: None,
            within_5_rate: None,
            data_hash: String::new(),
            processed_at: Utc::now(),
        }
    }

    #[test]
    fn errors_are_weighted_by_graded_predictions_and_rates_come_from_counts() {
        let rows = [
            perf("2025-01-09", "a", 300, 6, 4, 5.0),
            perf("2025-01-10", "a", 100, 1, 3, 1.0),
        ];
        let s = summarise(&rows);
        assert_eq!((s.graded, s.wins, s.losses, s.actionable), (400, 7, 7, 14));
        assert_eq!(s.win_rate, Some(0.5));
        // (300·5 + 100·1) / 400 = 4.0, not the mean of daily means (3.0).
        assert_eq!(s.mae, Some(4.0));
        assert_eq!(s.bias, Some(-2.0));
    }

    #[test]
    fn nothing_decided_has_no_rate() {
        let s = summarise(&[perf("2025-01-10", "a", 10, 0, 0, 4.0)]);
        assert_eq!(s.win_rate, None);
        assert_eq!(summarise(&[]).mae, None);
    }
}
