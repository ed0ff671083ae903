//! Seed rows and trigger events shared by the integration and property tests.
#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, Utc};

use nba_core::messages::{Phase4Trigger, RunMode};
use nba_schemas::tables::analytics::{
    PlayerGameSummary, TeamDefenseGameSummary, TeamOffenseGameSummary, UpcomingPlayerGameContext,
    UpcomingTeamGameContext,
};

pub const SEASON: &str = "2024-25";

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn at() -> DateTime<Utc> {
    nba_precompute::testing::at()
}

/// A game id per date and pairing, valid for the NBA pattern.
pub fn game_id(day: NaiveDate, n: u32) -> String {
    format!("00224{:03}{:02}", day.format("%j"), n)
}

pub fn player_game(
    lookup: &str,
    team: &str,
    opponent: &str,
    day: NaiveDate,
    points: i64,
    minutes: f64,
) -> PlayerGameSummary {
    let mut g = nba_precompute::testing::game(lookup, day, points, minutes);
    g.team_tricode = team.into();
    g.opponent_tricode = opponent.into();
    g.game_id = game_id(day, 1);
    g
}

pub fn dnp(lookup: &str, team: &str, opponent: &str, day: NaiveDate) -> PlayerGameSummary {
    let mut g = player_game(lookup, team, opponent, day, 0, 0.0);
    g.is_dnp = true;
    g.dnp_reason = Some("coach's decision".into());
    g.minutes = None;
    g.points = None;
    g
}

/// A team's offence and defence rows of one game. `pace` sets possessions (48 min).
pub fn team_game(
    team: &str,
    opponent: &str,
    day: NaiveDate,
    points: i64,
    allowed: i64,
    pace: f64,
    opp_shooting: (i64, i64, i64, i64, i64, i64),
) -> (TeamOffenseGameSummary, TeamDefenseGameSummary) {
    let offense = TeamOffenseGameSummary {
        game_date: day,
        game_id: game_id(day, 1),
        season: SEASON.into(),
        team_tricode: team.into(),
        opponent_tricode: opponent.into(),
        is_home: team < opponent,
        minutes: 240.0,
        points,
        fgm: 40,
        fga: 88,
        fg3m: 12,
        fg3a: 35,
        ftm: 18,
        fta: 22,
        oreb: 10,
        dreb: 33,
        assists: 25,
        turnovers: 13,
        possessions: pace,
        pace,
        offensive_rating: 100.0 * points as f64 / pace,
        win: Some(points > allowed),
        primary_source: "nbac_player_boxscores".into(),
        data_hash: String::new(),
        processed_at: at(),
    };
    let (fgm, fga, fg3m, fg3a, ftm, fta) = opp_shooting;
    let defense = TeamDefenseGameSummary {
        game_date: day,
        game_id: game_id(day, 1),
        season: SEASON.into(),
        team_tricode: team.into(),
        opponent_tricode: opponent.into(),
        is_home: team < opponent,
        points_allowed: allowed,
        opp_fgm: fgm,
        opp_fga: fga,
        opp_fg3m: fg3m,
        opp_fg3a: fg3a,
        opp_ftm: ftm,
        opp_fta: fta,
        possessions: pace,
        pace,
        defensive_rating: 100.0 * allowed as f64 / pace,
        primary_source: "nbac_player_boxscores".into(),
        data_hash: String::new(),
        processed_at: at(),
    };
    (offense, defense)
}

pub struct PlayerContext<'a> {
    pub lookup: &'a str,
    pub team: &'a str,
    pub opponent: &'a str,
    pub days_rest: Option<i64>,
    pub games_last_7: i64,
    pub minutes_last_7: f64,
    pub line: Option<(f64, f64)>,
}

pub fn player_context(day: NaiveDate, c: PlayerContext<'_>) -> UpcomingPlayerGameContext {
    UpcomingPlayerGameContext {
        game_date: day,
        game_id: game_id(day, 1),
        season: SEASON.into(),
        player_lookup: c.lookup.into(),
        player_id: None,
        player_name: c.lookup.into(),
        team_tricode: c.team.into(),
        opponent_tricode: c.opponent.into(),
        is_home: c.team < c.opponent,
        tip_time_utc: None,
        days_rest: c.days_rest,
        is_back_to_back: c.days_rest == Some(1),
        games_last_7_days: c.games_last_7,
        games_last_14_days: c.games_last_7,
        minutes_last_7_days: c.minutes_last_7,
        minutes_last_14_days: c.minutes_last_7,
        current_line: c.line.map(|l| l.0),
        opening_line: c.line.map(|l| l.1),
        line_movement: c.line.map(|l| l.0 - l.1),
        line_bookmaker: c.line.map(|_| "draftkings".into()),
        line_snapshot_at: None,
        line_snapshots: i64::from(c.line.is_some()),
        spread: Some(if c.team < c.opponent { -3.0 } else { 3.0 }),
        game_total: Some(220.0),
        teammates_out: Some(0),
        injury_status: None,
        context_as_of: at(),
        data_hash: String::new(),
        processed_at: at(),
    }
}

pub fn team_context(
    day: NaiveDate,
    team: &str,
    opponent: &str,
    days_rest: Option<i64>,
    wins: i64,
    losses: i64,
) -> UpcomingTeamGameContext {
    let spread = if team < opponent { -3.0 } else { 3.0 };
    UpcomingTeamGameContext {
        game_date: day,
        game_id: game_id(day, 1),
        season: SEASON.into(),
        team_tricode: team.into(),
        opponent_tricode: opponent.into(),
        is_home: team < opponent,
        tip_time_utc: None,
        days_rest,
        is_back_to_back: days_rest == Some(1),
        games_last_7_days: 3,
        wins,
        losses,
        spread: Some(spread),
        game_total: Some(220.0),
        implied_team_total: Some((220.0 - spread) / 2.0),
        players_out: Some(0),
        players_with_lines: 1,
        context_as_of: at(),
        data_hash: String::new(),
        processed_at: at(),
    }
}

/// A `nba-phase4-trigger` message as its push subscription delivers it.
pub fn trigger(day: NaiveDate, message_id: &str) -> cloudevents::Event {
    let message = Phase4Trigger {
        game_date: day,
        mode: RunMode::SameDay,
        correlation_id: "corr-1".into(),
        reason: "all 5 expected processors complete".into(),
        completed: vec!["player_game_summary".into()],
    };
    nba_runtime::events::pubsub_event("nba-phase4-trigger", message_id, &message, &Default::default())
}
