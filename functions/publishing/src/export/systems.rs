//! Building `systems/performance.json` (pure): rolling windows over grading's daily rows.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use nba_schemas::tables::grading::SystemDailyPerformance;

use crate::documents::{API_VERSION, DailyPoint, SystemPerformance, SystemsPerformanceDoc, WindowPerformance};
use crate::export::tally::{round, summarise};

/// Days of the daily series (the chart) and of the longest rolling window.
pub const SERIES_DAYS: i64 = 30;

/// The first day of the NBA season `date` belongs to (seasons start in October).
pub fn season_start(date: NaiveDate) -> NaiveDate {
    let year = if date.month() >= 8 {
        date.year()
    } else {
        date.year() - 1
    };
    NaiveDate::from_ymd_opt(year, 10, 1).unwrap_or(date)
}

/// `rows` are the season's daily rows up to and including `as_of`.
pub fn performance_doc(as_of: NaiveDate, rows: &[SystemDailyPerformance], now: DateTime<Utc>) -> SystemsPerformanceDoc {
    let mut by_system: BTreeMap<&str, Vec<&SystemDailyPerformance>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.game_date <= as_of) {
        by_system.entry(r.system_id.as_str()).or_default().push(r);
    }
    let since = |days: i64| as_of - Duration::days(days - 1);
    let systems = by_system
        .into_iter()
        .map(|(system_id, rows)| {
            let window = |name: &str, from: NaiveDate| WindowPerformance {
                window: name.to_string(),
                summary: summarise(rows.iter().copied().filter(|r| r.game_date >= from)),
            };
            let mut daily: Vec<DailyPoint> = rows
                .iter()
                .filter(|r| r.game_date >= since(SERIES_DAYS))
                .map(|r| DailyPoint {
                    game_date: r.game_date,
                    graded: r.graded,
                    mae: r.mae.map(|m| round(m, 3)),
                    hit_rate: r.hit_rate.map(|h| round(h, 4)),
                })
                .collect();
            daily.sort_by_key(|p| p.game_date);
            SystemPerformance {
                system_id: system_id.to_string(),
                windows: vec![
                    window("last_7_days", since(7)),
                    window("last_30_days", since(SERIES_DAYS)),
                    window("season", season_start(as_of)),
                ],
                daily,
            }
        })
        .collect();
    SystemsPerformanceDoc {
        api_version: API_VERSION.into(),
        generated_at: now,
        as_of,
        systems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::tally::tests::perf;

    #[test]
    fn windows_count_only_their_days() {
        let rows = [
            perf("2024-10-25", "a", 10, 1, 0, 6.0),
            perf("2025-01-01", "a", 10, 0, 1, 5.0),
            perf("2025-01-10", "a", 10, 1, 1, 4.0),
        ];
        let doc = performance_doc("2025-01-10".parse().unwrap(), &rows, Utc::now());
        let w: Vec<(String, i64, i64)> = doc.systems[0]
            .windows
            .iter()
            .map(|w| (w.window.clone(), w.summary.wins, w.summary.losses))
            .collect();
        assert_eq!(
            w,
            [
                ("last_7_days".to_string(), 1, 1),
                ("last_30_days".to_string(), 1, 2),
                ("season".to_string(), 2, 2)
            ]
        );
        assert_eq!(doc.systems[0].daily.len(), 2);
        assert_eq!(season_start("2025-01-10".parse().unwrap()).to_string(), "2024-10-01");
    }
}
