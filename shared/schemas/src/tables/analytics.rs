//! `nba_analytics` (phase 3): per player-game and per team-game summaries of
//! finished games, and the context of upcoming games that predictions start from.
//!
//! Post-game tables are keyed by (game_date, player or team); upcoming-context
//! tables by (game_date, player or team) of the game ahead. Everything is merged on
//! keys, so recomputing a day rewrites it and an identical recompute changes nothing.

use chrono::{DateTime, NaiveDate, Utc};

use crate::Check;
use crate::tables::raw::{NBA_GAME_ID, TRICODE};
use crate::tables::reference::{PLAYER_LOOKUP, SEASON};

/// Where a row's box score came from: the players' sources, best first, then
/// the official team totals ([`TEAM_BOX_SCORE_SOURCE`], team summaries only,
/// preferred there over any sum of player lines).
pub const BOX_SCORE_SOURCES: &[&str] = &[
    "nbac_player_boxscores",
    "nbac_live_boxscore",
    "bdl_player_boxscores",
    "espn_boxscores",
    TEAM_BOX_SCORE_SOURCE,
];
/// `primary_source` of a team summary computed from `nba_raw.nbac_team_boxscore`.
pub const TEAM_BOX_SCORE_SOURCE: &str = "nbac_team_boxscore";
const FRACTION: Check = Check::Range { min: 0.0, max: 1.0 };
const COUNT: Check = Check::Range { min: 0.0, max: 200.0 };
const MINUTES: Check = Check::Range { min: 0.0, max: 70.0 };
const RATING: Check = Check::Range { min: 0.0, max: 300.0 };
const PACE: Check = Check::Range { min: 50.0, max: 150.0 };
const LINE: Check = Check::Range { min: 0.5, max: 80.0 };

table! {
    /// One row per player per game played (or listed and not played: a DNP row).
    pub struct PlayerGameSummary in Analytics."player_game_summary" {
        partition_by: Some("game_date"),
        cluster_by: ["player_lookup", "team_tricode"],
        keys: ["game_date", "player_lookup"],
        strategy: MergeOnKeys,
        require_partition_filter: false,
    }
    columns {
        game_date: NaiveDate,
        game_id: String => [NBA_GAME_ID],
        season: String => [SEASON],
        player_lookup: String => [PLAYER_LOOKUP],
        /// NBA.com person id when the source has it.
        player_id: Option<i64>,
        player_name: String,
        team_tricode: String => [TRICODE],
        opponent_tricode: String => [TRICODE],
        is_home: bool,
        minutes: Option<f64> => [MINUTES],
        points: Option<i64> => [COUNT],
        fgm: Option<i64> => [COUNT],
        fga: Option<i64> => [COUNT],
        fg3m: Option<i64> => [COUNT],
        fg3a: Option<i64> => [COUNT],
        ftm: Option<i64> => [COUNT],
        fta: Option<i64> => [COUNT],
        oreb: Option<i64> => [COUNT],
        dreb: Option<i64> => [COUNT],
        rebounds: Option<i64> => [COUNT],
        assists: Option<i64> => [COUNT],
        steals: Option<i64> => [COUNT],
        blocks: Option<i64> => [COUNT],
        turnovers: Option<i64> => [COUNT],
        personal_fouls: Option<i64> => [COUNT],
        plus_minus: Option<f64>,
        /// 100 · (FGA + 0.44·FTA + TOV) · (team minutes / 5) / (minutes · team (FGA + 0.44·FTA + TOV)).
        /// Not capped at 100: a player with a shot in his only minute legitimately
        /// exceeds it, and a rejected row would lose the whole player-game.
        usage_rate: Option<f64> => [Check::Range { min: 0.0, max: 1000.0 }],
        /// pts / (2 · (FGA + 0.44·FTA)).
        true_shooting_pct: Option<f64> => [Check::Range { min: 0.0, max: 1.5 }],
        /// (FGM + 0.5·3PM) / FGA.
        effective_fg_pct: Option<f64> => [Check::Range { min: 0.0, max: 1.5 }],
        /// The points line that counted (latest snapshot before tip), when one existed.
        points_line: Option<f64> => [LINE],
        line_bookmaker: Option<String>,
        line_snapshot_at: Option<DateTime<Utc>>,
        /// OVER, UNDER or PUSH against `points_line`; null without a line or for a DNP.
        over_under_result: Option<String> => [Check::OneOf(&["OVER", "UNDER", "PUSH"])],
        is_dnp: bool,
        dnp_reason: Option<String>,
        /// The box-score source used (one of BOX_SCORE_SOURCES).
        primary_source: String => [Check::OneOf(BOX_SCORE_SOURCES)],
        /// Share of the stat fields the source filled (1.0 = complete).
        source_completeness: f64 => [FRACTION],
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

table! {
    /// A team's offence in one game, from its players' box scores.
    pub struct TeamOffenseGameSummary in Analytics."team_offense_game_summary" {
        partition_by: Some("game_date"),
        cluster_by: ["team_tricode"],
        keys: ["game_date", "team_tricode"],
        strategy: MergeOnKeys,
        require_partition_filter: false,
    }
    columns {
        game_date: NaiveDate,
        game_id: String => [NBA_GAME_ID],
        season: String => [SEASON],
        team_tricode: String => [TRICODE],
        opponent_tricode: String => [TRICODE],
        is_home: bool,
        /// Team minutes (240 in regulation, +25 per overtime).
        minutes: f64 => [Check::Range { min: 200.0, max: 400.0 }],
        points: i64 => [Check::Range { min: 0.0, max: 250.0 }],
        fgm: i64,
        fga: i64,
        fg3m: i64,
        fg3a: i64,
        ftm: i64,
        fta: i64,
        oreb: i64,
        dreb: i64,
        assists: i64,
        turnovers: i64,
        /// FGA + 0.44·FTA − OREB + TOV.
        possessions: f64 => [Check::Range { min: 40.0, max: 200.0 }],
        /// Possessions per 48 minutes: 48 · possessions / (team minutes / 5).
        pace: f64 => [PACE],
        /// Points per 100 possessions.
        offensive_rating: f64 => [RATING],
        win: Option<bool>,
        /// Box-score source the totals were summed from.
        primary_source: String => [Check::OneOf(BOX_SCORE_SOURCES)],
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

table! {
    /// A team's defence in one game: what its opponent did against it.
    pub struct TeamDefenseGameSummary in Analytics."team_defense_game_summary" {
        partition_by: Some("game_date"),
        cluster_by: ["team_tricode"],
        keys: ["game_date", "team_tricode"],
        strategy: MergeOnKeys,
        require_partition_filter: false,
    }
    columns {
        game_date: NaiveDate,
        game_id: String => [NBA_GAME_ID],
        season: String => [SEASON],
        team_tricode: String => [TRICODE],
        opponent_tricode: String => [TRICODE],
        is_home: bool,
        points_allowed: i64 => [Check::Range { min: 0.0, max: 250.0 }],
        opp_fgm: i64,
        opp_fga: i64,
        opp_fg3m: i64,
        opp_fg3a: i64,
        opp_ftm: i64,
        opp_fta: i64,
        /// Opponent possessions (same formula as offence).
        possessions: f64 => [Check::Range { min: 40.0, max: 200.0 }],
        pace: f64 => [PACE],
        /// Points allowed per 100 opponent possessions.
        defensive_rating: f64 => [RATING],
        primary_source: String => [Check::OneOf(BOX_SCORE_SOURCES)],
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

table! {
    /// The context of a player's upcoming game, as known at `context_as_of`
    /// (never anything from the game itself or later).
    pub struct UpcomingPlayerGameContext in Analytics."upcoming_player_game_context" {
        partition_by: Some("game_date"),
        cluster_by: ["player_lookup", "team_tricode"],
        keys: ["game_date", "player_lookup"],
        strategy: MergeOnKeys,
        require_partition_filter: false,
    }
    columns {
        game_date: NaiveDate,
        game_id: String => [NBA_GAME_ID],
        season: String => [SEASON],
        player_lookup: String => [PLAYER_LOOKUP],
        player_id: Option<i64>,
        player_name: String,
        team_tricode: String => [TRICODE],
        opponent_tricode: String => [TRICODE],
        is_home: bool,
        tip_time_utc: Option<DateTime<Utc>>,
        /// Days since the player's previous game (null before his first).
        days_rest: Option<i64> => [Check::Range { min: 0.0, max: 400.0 }],
        is_back_to_back: bool,
        games_last_7_days: i64 => [Check::Range { min: 0.0, max: 7.0 }],
        games_last_14_days: i64 => [Check::Range { min: 0.0, max: 14.0 }],
        minutes_last_7_days: f64 => [Check::Range { min: 0.0, max: 400.0 }],
        minutes_last_14_days: f64 => [Check::Range { min: 0.0, max: 800.0 }],
        /// Latest points line before tip (preferred bookmaker order), and the first one seen.
        current_line: Option<f64> => [LINE],
        opening_line: Option<f64> => [LINE],
        /// current − opening.
        line_movement: Option<f64>,
        line_bookmaker: Option<String>,
        line_snapshot_at: Option<DateTime<Utc>>,
        /// Snapshots of this player's line seen before tip.
        line_snapshots: i64,
        /// The team's spread and the game total, when game lines exist.
        spread: Option<f64>,
        game_total: Option<f64>,
        /// Teammates reported out (injury report), when one exists.
        teammates_out: Option<i64>,
        /// The player's own latest injury status, when reported.
        injury_status: Option<String>,
        /// The instant the context describes: the latest snapshot it used (line,
        /// game line, injury report; all before tip), else tip − 2 h capped at the
        /// run's now. Deterministic, so an identical recompute is unchanged.
        context_as_of: DateTime<Utc>,
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

table! {
    /// The context of a team's upcoming game.
    pub struct UpcomingTeamGameContext in Analytics."upcoming_team_game_context" {
        partition_by: Some("game_date"),
        cluster_by: ["team_tricode"],
        keys: ["game_date", "team_tricode"],
        strategy: MergeOnKeys,
        require_partition_filter: false,
    }
    columns {
        game_date: NaiveDate,
        game_id: String => [NBA_GAME_ID],
        season: String => [SEASON],
        team_tricode: String => [TRICODE],
        opponent_tricode: String => [TRICODE],
        is_home: bool,
        tip_time_utc: Option<DateTime<Utc>>,
        days_rest: Option<i64> => [Check::Range { min: 0.0, max: 400.0 }],
        is_back_to_back: bool,
        games_last_7_days: i64 => [Check::Range { min: 0.0, max: 7.0 }],
        /// Wins and losses before this game (this season, regular season).
        wins: i64,
        losses: i64,
        spread: Option<f64>,
        game_total: Option<f64>,
        /// (total − spread) / 2 for this team, when both exist.
        implied_team_total: Option<f64>,
        players_out: Option<i64>,
        /// Players of this team with a points line for the game.
        players_with_lines: i64,
        /// As in `upcoming_player_game_context` (the same instant for both teams of a game).
        context_as_of: DateTime<Utc>,
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

pub const TABLES: &[&crate::TableSchema] = &[
    <PlayerGameSummary as crate::Table>::SCHEMA,
    <TeamOffenseGameSummary as crate::Table>::SCHEMA,
    <TeamDefenseGameSummary as crate::Table>::SCHEMA,
    <UpcomingPlayerGameContext as crate::Table>::SCHEMA,
    <UpcomingTeamGameContext as crate::Table>::SCHEMA,
];
