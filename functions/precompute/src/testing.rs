//! Row builders for tests (unit, integration and property tests): valid rows
//! with plausible values, to be adjusted field by field.

use chrono::{DateTime, NaiveDate, Utc};
use nba_schemas::tables::analytics::{PlayerGameSummary, TeamDefenseGameSummary};

use crate::history::{ContextSource, Slot};

/// A fixed instant for `processed_at` in tests.
pub fn at() -> DateTime<Utc> {
    DateTime::from_timestamp(1_736_000_000, 0).expect("valid instant")
}

/// A played game of `lookup` for team AAA against BBB: `points` in `minutes`,
/// with a shooting line that adds up (threes 2/5, FT 2/2, the rest twos).
pub fn game(lookup: &str, date: NaiveDate, points: i64, minutes: f64) -> PlayerGameSummary {
    let twos = ((points - 8).max(0)) / 2;
    PlayerGameSummary {
        game_date: date,
        game_id: "0022400001".into(),
        season: "2024-25".into(),
        player_lookup: lookup.into(),
        player_id: None,
        player_name: lookup.into(),
        team_tricode: "AAA".into(),
        opponent_tricode: "BBB".into(),
        is_home: true,
        minutes: Some(minutes),
        points: Some(points),
        fgm: Some(twos + 2),
        fga: Some(2 * twos + 7),
        fg3m: Some(2),
        fg3a: Some(5),
        ftm: Some(2),
        fta: Some(2),
        oreb: Some(1),
        dreb: Some(4),
        rebounds: Some(5),
        assists: Some(3),
        steals: Some(1),
        blocks: Some(0),
        turnovers: Some(2),
        personal_fouls: Some(2),
        plus_minus: Some(0.0),
        usage_rate: Some(20.0),
        true_shooting_pct: None,
        effective_fg_pct: None,
        points_line: None,
        line_bookmaker: None,
        line_snapshot_at: None,
        over_under_result: None,
        is_dnp: false,
        dnp_reason: None,
        primary_source: "nbac_player_boxscores".into(),
        source_completeness: 1.0,
        data_hash: String::new(),
        processed_at: at(),
    }
}

/// A defensive game of `team`: opponents' (FGM, FGA, 3PM, 3PA, FTM, FTA), 100 possessions.
pub fn defense(
    team: &str,
    date: NaiveDate,
    (fgm, fga, fg3m, fg3a, ftm, fta): (i64, i64, i64, i64, i64, i64),
) -> TeamDefenseGameSummary {
    TeamDefenseGameSummary {
        game_date: date,
        game_id: "0022400001".into(),
        season: "2024-25".into(),
        team_tricode: team.into(),
        opponent_tricode: "ZZZ".into(),
        is_home: true,
        points_allowed: 2 * (fgm - fg3m) + 3 * fg3m + ftm,
        opp_fgm: fgm,
        opp_fga: fga,
        opp_fg3m: fg3m,
        opp_fg3a: fg3a,
        opp_ftm: ftm,
        opp_fta: fta,
        possessions: 100.0,
        pace: 100.0,
        defensive_rating: (2 * (fgm - fg3m) + 3 * fg3m + ftm) as f64,
        primary_source: "nbac_player_boxscores".into(),
        data_hash: String::new(),
        processed_at: at(),
    }
}

/// A slot of `lookup` (AAA at home against BBB), from an upcoming context.
pub fn slot(lookup: &str) -> Slot {
    Slot {
        player_lookup: lookup.into(),
        player_name: lookup.into(),
        game_id: Some("0022400002".into()),
        season: "2024-25".into(),
        team: "AAA".into(),
        opponent: "BBB".into(),
        is_home: true,
        days_rest: Some(2),
        is_back_to_back: false,
        games_last_7_days: 2,
        minutes_last_7_days: 60.0,
        current_line: None,
        opening_line: None,
        line_movement: None,
        spread: None,
        game_total: None,
        teammates_out: None,
        source: ContextSource::Upcoming,
    }
}
