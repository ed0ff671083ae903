//! `nba_raw`: ESPN and Basketball-Reference raw tables (independent second
//! sources of scores, box scores and rosters, for cross-checks and gaps).
//!
//! Team codes are stored as NBA tricodes (ESPN's `GS`/`UTAH`/`WSH` and
//! Basketball-Reference's `BRK`/`CHO`/`PHO` normalised); the source's own code
//! is kept next to them where it differs.

use chrono::{DateTime, NaiveDate, Utc};

use super::raw::TRICODE;
use super::raw_balldontlie::{COUNT, GAME_CODE, MINUTES, TEAM_SCORE};
use super::reference::{PLAYER_LOOKUP, SEASON};
use crate::Check;

/// ESPN ids (events, teams, athletes) are digit strings.
const ESPN_ID: Check = Check::Pattern(r"^[1-9]\d*$");
/// ESPN competition states.
const ESPN_STATES: &[&str] = &["pre", "in", "post"];

table! {
    /// One row per game on ESPN's scoreboard (site API), merged on the ESPN
    /// event id because status and scores change.
    pub struct EspnScoreboard in Raw."espn_scoreboard" {
        partition_by: Some("game_date"),
        cluster_by: ["game_code", "home_team_tricode", "away_team_tricode"],
        keys: ["espn_game_id"],
        strategy: MergeOnKeys,
        require_partition_filter: false,
    }
    columns {
        /// ESPN event id (also the box score page's gameId).
        espn_game_id: String => [ESPN_ID],
        /// ET date of the scheduled tip.
        game_date: NaiveDate,
        /// YYYYMMDD_AWAY_HOME, the cross-source game key.
        game_code: String => [GAME_CODE],
        start_time_utc: DateTime<Utc>,
        /// "Houston Rockets at Philadelphia 76ers".
        name: Option<String>,
        /// ESPN season year (2024 = the 2023-24 season).
        season_year: Option<i64> => [Check::Range { min: 1946.0, max: 2100.0 }],
        /// 1 preseason, 2 regular season, 3 postseason (others exist: play-in, All-Star).
        season_type: Option<i64> => [Check::Range { min: 1.0, max: 9.0 }],
        /// e.g. STATUS_FINAL, STATUS_SCHEDULED, STATUS_POSTPONED.
        status: String => [Check::NonEmpty],
        state: String => [Check::OneOf(ESPN_STATES)],
        completed: bool,
        home_espn_team_id: String => [ESPN_ID],
        /// ESPN's abbreviation as sent (`GS`, `UTAH`, ...).
        home_espn_abbreviation: String,
        home_team_tricode: String => [TRICODE],
        /// Null before tip-off.
        home_score: Option<i64> => [TEAM_SCORE],
        home_winner: Option<bool>,
        away_espn_team_id: String => [ESPN_ID],
        away_espn_abbreviation: String,
        away_team_tricode: String => [TRICODE],
        away_score: Option<i64> => [TEAM_SCORE],
        away_winner: Option<bool>,
        source_file: String,
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

table! {
    /// One row per (game, player) of ESPN's box score page, merged. A player
    /// who did not play keeps ESPN's reason and null stats (not zeros).
    pub struct EspnBoxscore in Raw."espn_boxscores" {
        partition_by: Some("game_date"),
        cluster_by: ["player_lookup", "team_tricode", "espn_game_id"],
        keys: ["espn_game_id", "espn_athlete_id"],
        strategy: MergeOnKeys,
        require_partition_filter: false,
    }
    columns {
        espn_game_id: String => [ESPN_ID],
        /// ET game date (the scrape's date folder).
        game_date: NaiveDate,
        team_tricode: String => [TRICODE],
        /// Team name as the page shows it.
        team_name: String,
        opponent_tricode: String => [TRICODE],
        espn_athlete_id: String => [ESPN_ID],
        /// The name as ESPN prints it.
        player_name: String => [Check::NonEmpty],
        player_lookup: String => [PLAYER_LOOKUP],
        jersey_number: Option<String>,
        starter: bool,
        /// e.g. `DNP-COACH'S DECISION`; null when the player played.
        dnp_reason: Option<String>,
        /// Whole minutes as ESPN shows them.
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
        reb: Option<i64> => [COUNT],
        ast: Option<i64> => [COUNT],
        stl: Option<i64> => [COUNT],
        blk: Option<i64> => [COUNT],
        turnovers: Option<i64> => [COUNT],
        fouls: Option<i64> => [COUNT],
        plus_minus: Option<i64> => [Check::Range { min: -100.0, max: 100.0 }],
        source_file: String,
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

table! {
    /// ESPN team rosters, one snapshot per (team, player, ET date): who was on
    /// which team that day. The first scrape of a day is kept.
    pub struct EspnTeamRoster in Raw."espn_team_rosters" {
        partition_by: Some("snapshot_date"),
        cluster_by: ["team_tricode", "player_lookup"],
        keys: ["snapshot_date", "team_tricode", "espn_athlete_id"],
        strategy: InsertNewOnly,
        require_partition_filter: false,
    }
    columns {
        /// ET date of the scrape (the key's date folder).
        snapshot_date: NaiveDate,
        snapshot_at: DateTime<Utc>,
        espn_team_id: String => [ESPN_ID],
        espn_team_abbreviation: Option<String>,
        team_tricode: String => [TRICODE],
        espn_athlete_id: String => [ESPN_ID],
        player_name: String => [Check::NonEmpty],
        player_lookup: String => [PLAYER_LOOKUP],
        first_name: Option<String>,
        last_name: Option<String>,
        /// Position abbreviation (PG, SF, C, G, F).
        position: Option<String>,
        /// Jersey as text (`0` and `00` differ).
        jersey_number: Option<String>,
        height_in: Option<i64> => [Check::Range { min: 60.0, max: 96.0 }],
        weight_lb: Option<i64> => [Check::Range { min: 120.0, max: 400.0 }],
        source_file: String,
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

table! {
    /// Basketball-Reference team-season rosters: one row per (season, team,
    /// player), kept once (who was on which team in past seasons).
    pub struct BrRoster in Raw."br_rosters" {
        partition_by: None,
        cluster_by: ["season", "team_tricode", "player_lookup"],
        keys: ["season", "team_tricode", "br_player_id"],
        strategy: InsertNewOnly,
        require_partition_filter: false,
    }
    columns {
        /// e.g. 2024-25.
        season: String => [SEASON],
        team_tricode: String => [TRICODE],
        /// Team name as the page title shows it.
        team_name: Option<String>,
        /// Basketball-Reference player id, e.g. `jamesle01`.
        br_player_id: String => [Check::Pattern(r"^[a-z]+\d{2}$")],
        player_name: String => [Check::NonEmpty],
        player_lookup: String => [PLAYER_LOOKUP],
        /// On a two-way contract (marked `(TW)`).
        two_way: bool,
        jersey_number: Option<String>,
        position: Option<String>,
        height_in: Option<i64> => [Check::Range { min: 60.0, max: 96.0 }],
        weight_lb: Option<i64> => [Check::Range { min: 120.0, max: 400.0 }],
        birth_date: Option<NaiveDate>,
        /// NBA seasons before this one (a rookie is 0).
        years_experience: Option<i64> => [Check::Range { min: 0.0, max: 30.0 }],
        college: Option<String>,
        /// ET date of the first scrape listing this row.
        first_seen_date: NaiveDate,
        source_file: String,
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

pub const TABLES: &[&crate::TableSchema] = &[
    <EspnScoreboard as crate::Table>::SCHEMA,
    <EspnBoxscore as crate::Table>::SCHEMA,
    <EspnTeamRoster as crate::Table>::SCHEMA,
    <BrRoster as crate::Table>::SCHEMA,
];
