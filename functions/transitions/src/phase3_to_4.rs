//! Phase 3 → 4: analytics are in, compute the features.
//!
//! The mode is read from which processor reported, never from the wall clock (a
//! backfill runs at any hour):
//! - **same-day**: the date's games are ahead; the upcoming-context processors report.
//!   Fires `Phase4Trigger {game_date: D, mode: same_day}` once tonight's lines are in the
//!   context too ([`LINES`]): features built before the props are scraped carry no line, and
//!   neither would tonight's predictions. Without lines it fires after [`LINES_WAIT`].
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
/// The same-day processor phase 4 cannot go without, and whose completions bring the lines.
pub const PLAYER_CONTEXT: &str = "upcoming_player_game_context";
/// Same-day processors.
pub const UPCOMING: &[&str] = &[PLAYER_CONTEXT, "upcoming_team_game_context"];
/// Not a processor: the fact that the player context carries tonight's points lines, recorded
/// by the transition itself when an `upcoming_player_game_context` completion shows them.
pub const LINES: &str = "player_prop_lines";
/// Least share of the date's context players with a line for [`LINES`] to count as in.
pub const LINES_MIN_PERCENT: u64 = 20;
/// How long after the first same-day completion the features are built without lines
/// (a day whose props never come still gets its predictions, PASS/NO_LINE).
pub const LINES_WAIT: TimeDelta = TimeDelta::hours(8);
const SAME_DAY_EXPECTED: &[&str] = &[PLAYER_CONTEXT, "upcoming_team_game_context", LINES];

/// How long after the first completion the partial tier may fire.
pub const TIMEOUT: TimeDelta = TimeDelta::minutes(30);
/// Least share of the expected processors for the partial tier, in percent.
pub const TIMEOUT_MIN_PERCENT: u32 = 60;
/// How far ahead the next game date is looked for (the All-Star break is a week).
pub const NEXT_GAME_HORIZON_DAYS: i64 = 30;

/// The processor each mode cannot go without.
const SAME_DAY_CRITICAL: &[&str] = &[PLAYER_CONTEXT];
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
/// Same day: all three at once; the team context may be missed after [`TIMEOUT`] when the
/// player context has its lines; the lines may be missed after [`LINES_WAIT`].
const SAME_DAY_TIERS: [Tier; 3] = [
    ALL_COMPLETE,
    Tier {
        name: "timeout_partial",
        after: TIMEOUT,
        min_percent: TIMEOUT_MIN_PERCENT,
        requires: &[PLAYER_CONTEXT, LINES],
    },
    Tier {
        name: "without_lines",
        after: LINES_WAIT,
        min_percent: 0,
        requires: SAME_DAY_CRITICAL,
    },
];
const OVERNIGHT_TIERS: [Tier; 2] = tiers(OVERNIGHT_CRITICAL);

pub const SAME_DAY: Policy = Policy {
    expected: SAME_DAY_EXPECTED,
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

/// Whether the date's player context carries lines for at least [`LINES_MIN_PERCENT`]% of
/// its players, and the lines are all in: every event listed for the date has its props
/// loaded, and every player with a points line among them has it in the context. Without
/// the second half the features were built from whichever props batch happened to land
/// first (a day's props arrive as one object per event), so what phase 4 computed depended
/// on delivery timing (found by `nba chaos`: a redelivered run had more lines than a clean
/// one). A day with an event without props, or a prop player the context lacks, waits for
/// the lines' deadline ([`LINES_WAIT`]). A missing table is "not yet", not a fault.
pub async fn lines_are_in(warehouse: &dyn Warehouse, date: NaiveDate) -> Result<bool, WarehouseError> {
    let sql = format!(
        "SELECT count(*) FILTER (WHERE current_line IS NOT NULL) AS lined, count(*) AS n \
         FROM {} WHERE game_date = CAST(? AS DATE)",
        crate::quality::PLAYERS_TABLE
    );
    let params = vec![Value::String(date.to_string())];
    let share = match crate::quality::counts(warehouse, &sql, params, &["lined", "n"]).await {
        Ok(c) => c[1] > 0 && c[0] * 100 >= c[1] * LINES_MIN_PERCENT,
        Err(e) if crate::quality::is_missing_table(&e) => false,
        Err(e) => return Err(e),
    };
    if !share {
        return Ok(false);
    }
    let sql = format!(
        "SELECT \
           (SELECT count(*) FROM nba_raw.odds_api_events e \
             WHERE e.game_date = CAST(? AS DATE) AND NOT EXISTS ( \
               SELECT 1 FROM nba_raw.odds_api_player_props p \
                WHERE p.game_date = CAST(? AS DATE) AND p.event_id = e.event_id)) AS unloaded_events, \
           (SELECT count(DISTINCT p.player_lookup) FROM nba_raw.odds_api_player_props p \
             WHERE p.game_date = CAST(? AS DATE) AND p.market = 'player_points' AND NOT EXISTS ( \
               SELECT 1 FROM {} c WHERE c.game_date = p.game_date \
                  AND c.player_lookup = p.player_lookup AND c.current_line IS NOT NULL)) AS unlined_players",
        crate::quality::PLAYERS_TABLE
    );
    let params = vec![Value::String(date.to_string()); 3];
    match crate::quality::counts(warehouse, &sql, params, &["unloaded_events", "unlined_players"]).await {
        Ok(c) => Ok(c[0] == 0 && c[1] == 0),
        // No odds table at all: no event was ever listed, so none is waited for.
        Err(e) if crate::quality::is_missing_table(&e) => Ok(true),
        Err(e) => Err(e),
    }
}

/// Scheduled games of `date`, and how many of them every post-game summary holds. Overnight,
/// the summaries report once per box score, so "every processor has reported" came after
/// the first game's box score (found by `nba chaos`: a run whose other games landed a moment
/// later built the next day's caches without them). A missing table counts as no game.
pub async fn games_summarised(warehouse: &dyn Warehouse, date: NaiveDate) -> Result<(u64, u64), WarehouseError> {
    let summarised = POST_GAME
        .iter()
        .map(|t| format!("(SELECT count(DISTINCT game_id) FROM nba_analytics.{t} WHERE game_date = CAST(? AS DATE))"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT (SELECT count(DISTINCT game_id) FROM nba_raw.nbac_schedule WHERE game_date = CAST(? AS DATE)) AS scheduled, \
                least({summarised}) AS summarised"
    );
    let params = vec![Value::String(date.to_string()); 1 + POST_GAME.len()];
    match crate::quality::counts(warehouse, &sql, params, &["scheduled", "summarised"]).await {
        Ok(c) => Ok((c[0], c[1])),
        Err(e) if crate::quality::is_missing_table(&e) => Ok((0, 0)),
        Err(e) => Err(e),
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
        let v = SAME_DAY.evaluate(&progress(SAME_DAY_EXPECTED), at(0));
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
    fn same_day_waits_for_the_lines() {
        // Both contexts without lines: waiting, until the lines' wait runs out.
        let p = progress(UPCOMING);
        assert!(matches!(SAME_DAY.evaluate(&p, at(0)), Verdict::Waiting { .. }));
        assert!(matches!(SAME_DAY.evaluate(&p, at(60 * 7)), Verdict::Waiting { .. }));
        let v = SAME_DAY.evaluate(&p, at(60 * 8));
        assert!(
            matches!(
                v,
                Verdict::Ready {
                    tier: "without_lines",
                    ..
                }
            ),
            "{v:?}"
        );
        // With the lines: at once.
        let p = progress(&["upcoming_player_game_context", "upcoming_team_game_context", LINES]);
        assert!(matches!(
            SAME_DAY.evaluate(&p, at(0)),
            Verdict::Ready {
                tier: "all_complete",
                ..
            }
        ));
    }

    #[test]
    fn same_day_may_miss_the_team_context_after_the_timeout_but_never_the_player_context() {
        let p = progress(&["upcoming_player_game_context", LINES]);
        assert!(matches!(SAME_DAY.evaluate(&p, at(10)), Verdict::Waiting { .. }));
        let v = SAME_DAY.evaluate(&p, at(30));
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
        let p = progress(&["upcoming_team_game_context"]);
        assert!(matches!(SAME_DAY.evaluate(&p, at(60 * 9)), Verdict::Blocked { .. }));
    }
}
