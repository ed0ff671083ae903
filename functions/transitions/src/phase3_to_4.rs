//! Phase 3 → 4: analytics are in, compute the features.
//!
//! The mode is read from which processor reported, never from the wall clock (a
//! backfill runs at any hour):
//! - **same-day**: the date's games are ahead; the upcoming-context processors report.
//!   Fires `Phase4Trigger {game_date: D, mode: same_day}`.
//! - **overnight**: the date's games are over; the post-game summaries report. Fires
//!   `Phase4Trigger {game_date: the next date with games after D, mode: overnight}`:
//!   tonight's box scores feed the caches of the next game day.

use chrono::{NaiveDate, TimeDelta};
use nba_cloud::{Warehouse, WarehouseError};
use nba_core::messages::RunMode;
use serde_json::Value;

use crate::rules::{ALL_COMPLETE, Policy, Tier};

/// Post-game processors (overnight mode).
pub const POST_GAME: &[&str] = &[
    "team_offense_game_summary",
    "team_defense_game_summary",
    "player_game_summary",
];
/// Same-day processors.
pub const UPCOMING: &[&str] = &["upcoming_player_game_context", "upcoming_team_game_context"];

/// How long after the first completion the partial tier may fire.
pub const TIMEOUT: TimeDelta = TimeDelta::minutes(30);
/// Least share of the expected processors for the partial tier, in percent.
pub const TIMEOUT_MIN_PERCENT: u32 = 60;
/// How far ahead the next game date is looked for (the All-Star break is a week).
pub const NEXT_GAME_HORIZON_DAYS: i64 = 30;

/// The processor each mode cannot go without.
const SAME_DAY_CRITICAL: &[&str] = &["upcoming_player_game_context"];
const OVERNIGHT_CRITICAL: &[&str] = &["player_game_summary"];

/// Both modes: all complete at once, else after [`TIMEOUT`] the critical processor
/// and [`TIMEOUT_MIN_PERCENT`] of the expected ones.
const fn tiers(critical: &'static [&'static str]) -> [Tier; 2] {
    [
        ALL_COMPLETE,
        Tier {
            name: "timeout_partial",
            after: TIMEOUT,
            min_percent: TIMEOUT_MIN_PERCENT,
            requires: critical,
        },
    ]
}
const SAME_DAY_TIERS: [Tier; 2] = tiers(SAME_DAY_CRITICAL);
const OVERNIGHT_TIERS: [Tier; 2] = tiers(OVERNIGHT_CRITICAL);

pub const SAME_DAY: Policy = Policy {
    expected: UPCOMING,
    critical: SAME_DAY_CRITICAL,
    tiers: &SAME_DAY_TIERS,
};

pub const OVERNIGHT: Policy = Policy {
    expected: POST_GAME,
    critical: OVERNIGHT_CRITICAL,
    tiers: &OVERNIGHT_TIERS,
};

/// The mode a phase-3 processor's completion belongs to; `None` for processors this
/// transition does not wait for.
pub fn mode_of(processor: &str) -> Option<RunMode> {
    if POST_GAME.contains(&processor) {
        Some(RunMode::Overnight)
    } else if UPCOMING.contains(&processor) {
        Some(RunMode::SameDay)
    } else {
        None
    }
}

pub fn policy(mode: RunMode) -> &'static Policy {
    match mode {
        RunMode::SameDay => &SAME_DAY,
        RunMode::Overnight => &OVERNIGHT,
    }
}

/// The game date phase 4 should compute for: D itself same-day; overnight the next date
/// with games after D (D+1 when the schedule has none within the horizon or is absent).
pub async fn target_date(
    warehouse: &dyn Warehouse,
    date: NaiveDate,
    mode: RunMode,
) -> Result<NaiveDate, WarehouseError> {
    match mode {
        RunMode::SameDay => Ok(date),
        RunMode::Overnight => Ok(next_game_date(warehouse, date)
            .await?
            .unwrap_or(date + TimeDelta::days(1))),
    }
}

/// The first scheduled game date after `date`, within the horizon.
pub async fn next_game_date(warehouse: &dyn Warehouse, date: NaiveDate) -> Result<Option<NaiveDate>, WarehouseError> {
    let sql = "SELECT min(game_date) AS next_date FROM nba_raw.nbac_schedule \
               WHERE game_date > CAST(? AS DATE) AND game_date <= CAST(? AS DATE)";
    let params = vec![
        Value::String(date.to_string()),
        Value::String((date + TimeDelta::days(NEXT_GAME_HORIZON_DAYS)).to_string()),
    ];
    let rows = match warehouse.query(sql, params).await {
        Ok(rows) => rows,
        // No schedule loaded at all: the documented fallback, not a reason to retry forever.
        Err(e) if crate::quality::is_missing_table(&e) => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(rows
        .first()
        .and_then(|r| r.get("next_date"))
        .and_then(Value::as_str)
        .and_then(|s| s.get(..10))
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()))
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::rules::{Progress, Verdict};

    fn at(minutes: i64) -> DateTime<Utc> {
        "2025-01-11T04:00:00Z".parse::<DateTime<Utc>>().unwrap() + TimeDelta::minutes(minutes)
    }

    fn progress(done: &[&str]) -> Progress {
        Progress {
            completed: done.iter().map(|s| s.to_string()).collect(),
            first_completed_at: Some(at(0)),
        }
    }

    #[test]
    fn the_mode_comes_from_the_processor() {
        assert_eq!(mode_of("player_game_summary"), Some(RunMode::Overnight));
        assert_eq!(mode_of("team_defense_game_summary"), Some(RunMode::Overnight));
        assert_eq!(mode_of("upcoming_team_game_context"), Some(RunMode::SameDay));
        assert_eq!(mode_of("player_daily_cache"), None);
    }

    #[test]
    fn all_expected_complete_fires_at_once() {
        let v = OVERNIGHT.evaluate(&progress(POST_GAME), at(1));
        assert!(
            matches!(
                v,
                Verdict::Ready {
                    tier: "all_complete",
                    ..
                }
            ),
            "{v:?}"
        );
        let v = SAME_DAY.evaluate(&progress(UPCOMING), at(0));
        assert!(
            matches!(
                v,
                Verdict::Ready {
                    tier: "all_complete",
                    ..
                }
            ),
            "{v:?}"
        );
    }

    #[test]
    fn critical_plus_sixty_percent_fires_after_the_timeout_only() {
        let p = progress(&["player_game_summary", "team_offense_game_summary"]);
        assert!(matches!(OVERNIGHT.evaluate(&p, at(29)), Verdict::Waiting { .. }));
        let v = OVERNIGHT.evaluate(&p, at(30));
        assert!(
            matches!(
                v,
                Verdict::Ready {
                    tier: "timeout_partial",
                    ..
                }
            ),
            "{v:?}"
        );
        assert!(v.reason().contains("2 of 3"), "{v:?}");
    }

    #[test]
    fn a_missing_critical_processor_blocks_after_the_timeout() {
        let p = progress(&["team_offense_game_summary", "team_defense_game_summary"]);
        assert!(matches!(OVERNIGHT.evaluate(&p, at(10)), Verdict::Waiting { .. }));
        let v = OVERNIGHT.evaluate(&p, at(45));
        assert!(
            matches!(&v, Verdict::Blocked { reason } if reason.contains("player_game_summary")),
            "{v:?}"
        );
    }

    #[test]
    fn same_day_needs_both_unless_time_passes_and_the_share_allows() {
        // One of two is 50% < 60%: even after the timeout, the team context is awaited.
        let p = progress(&["upcoming_player_game_context"]);
        let v = SAME_DAY.evaluate(&p, at(90));
        assert!(matches!(v, Verdict::Waiting { .. }), "{v:?}");
        let p = progress(&["upcoming_team_game_context"]);
        assert!(matches!(SAME_DAY.evaluate(&p, at(90)), Verdict::Blocked { .. }));
    }
}
