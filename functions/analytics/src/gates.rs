//! Dependency gates: a day is not computed from inputs that cannot describe it.
//! A refusal is acked with status `no_data` and its reason; the next
//! raw-complete message for the date tries again.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::box_score::GameBox;
use crate::schedule::DayGames;

/// Share of a date's games that must have final box scores before its
/// post-game summaries are computed.
pub const MIN_BOX_SCORE_COVERAGE: f64 = 0.8;

/// Why a date is not computed (yet).
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal(pub String);

/// How much of the date the box scores cover.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    pub covered: usize,
    pub expected: usize,
    /// Game ids with no final box score yet.
    pub missing: Vec<String>,
}

impl Coverage {
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }
}

/// A date needs games at all.
pub fn has_games(date: NaiveDate, day: &DayGames) -> Result<(), Refusal> {
    if day.playable().next().is_none() {
        return Err(Refusal(format!(
            "no games scheduled on {date} (schedule: {} rows)",
            day.games.len()
        )));
    }
    Ok(())
}

/// Post-game summaries need final box scores for ≥ 80 % of the date's games
/// (postponed games are not expected). The schedule's status is not trusted
/// to say which games are over: it is often scraped before they end.
pub fn box_score_coverage(
    date: NaiveDate,
    day: &DayGames,
    chosen: &BTreeMap<String, GameBox>,
) -> Result<Coverage, Refusal> {
    has_games(date, day)?;
    let expected: Vec<&str> = day.playable().map(|g| g.game_id.as_str()).collect();
    let missing: Vec<String> = expected
        .iter()
        .filter(|id| !chosen.contains_key(**id))
        .map(|id| id.to_string())
        .collect();
    let coverage = Coverage {
        covered: expected.len() - missing.len(),
        expected: expected.len(),
        missing,
    };
    let share = coverage.covered as f64 / coverage.expected as f64;
    if share < MIN_BOX_SCORE_COVERAGE {
        return Err(Refusal(format!(
            "box scores cover {} of {} games on {date} ({:.0}% < {:.0}%); missing {}: not computing a partial day, \
             the next raw-complete for {date} retries",
            coverage.covered,
            coverage.expected,
            share * 100.0,
            MIN_BOX_SCORE_COVERAGE * 100.0,
            coverage.missing.join(", ")
        )));
    }
    Ok(coverage)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::box_score::Source;
    use crate::schedule::Game;

    fn day(n: usize) -> DayGames {
        let date = NaiveDate::from_ymd_opt(2025, 1, 10).unwrap();
        let games = (0..n)
            .map(|i| Game {
                game_id: format!("00224{i:05}"),
                game_date: date,
                game_code: format!("20250110_A{i:02}_H{i:02}"),
                season: "2024-25".into(),
                tip: None,
                home: format!("H{i:02}"),
                away: format!("A{i:02}"),
                postponed: false,
            })
            .collect();
        DayGames::new(date, games)
    }

    fn covered(ids: &[usize]) -> BTreeMap<String, GameBox> {
        ids.iter()
            .map(|i| {
                let id = format!("00224{i:05}");
                let game = GameBox {
                    game_id: id.clone(),
                    source: Source::NbacPlayerBoxscores,
                    lines: vec![],
                };
                (id, game)
            })
            .collect()
    }

    #[test]
    fn eighty_percent_is_enough_and_less_is_refused() {
        let date = NaiveDate::from_ymd_opt(2025, 1, 10).unwrap();
        let d = day(5);
        let ok = box_score_coverage(date, &d, &covered(&[0, 1, 2, 3])).unwrap();
        assert_eq!((ok.covered, ok.expected), (4, 5));
        assert_eq!(ok.missing, vec!["0022400004".to_string()]);
        let refused = box_score_coverage(date, &d, &covered(&[0, 1, 2])).unwrap_err();
        assert!(refused.0.contains("3 of 5"), "{refused:?}");
        assert!(
            box_score_coverage(date, &d, &covered(&[0, 1, 2, 3, 4]))
                .unwrap()
                .is_complete()
        );
    }

    #[test]
    fn a_day_without_games_is_refused() {
        let date = NaiveDate::from_ymd_opt(2025, 1, 10).unwrap();
        let mut d = day(1);
        d.games[0].postponed = true;
        assert!(has_games(date, &d).unwrap_err().0.contains("no games"));
        assert!(box_score_coverage(date, &DayGames::default(), &BTreeMap::new()).is_err());
    }
}
