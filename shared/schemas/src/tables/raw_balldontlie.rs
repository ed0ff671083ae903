//! `nba_raw`: balldontlie raw tables (`api.balldontlie.io/v1`, the fallback
//! source of games, box scores, injuries and the active player list).
//!
//! balldontlie ids (games, players, teams) are its own, not NBA.com's; games
//! are matched to other sources through `game_code` (`YYYYMMDD_AWAY_HOME`,
//! NBA tricodes) and players through `player_lookup`.

use chrono::{DateTime, NaiveDate, Utc};

use super::raw::TRICODE;
use super::reference::PLAYER_LOOKUP;
use crate::Check;

/// A positive source id.
const ID: Check = Check::Range { min: 1.0, max: 1.0e12 };
/// Readable game id `YYYYMMDD_AWAY_HOME` (NBA tricodes).
pub const GAME_CODE: Check = Check::Pattern(r"^\d{8}_[A-Z]{3}_[A-Z]{3}$");
/// A team's points in a game.
pub const TEAM_SCORE: Check = Check::Range { min: 0.0, max: 250.0 };
/// Minutes of one player in one game (regulation is 48; overtimes add 5 each).
pub const MINUTES: Check = Check::Range { min: 0.0, max: 70.0 };
/// A player's counting stat in one game (points, rebounds, attempts, ...).
pub const COUNT: Check = Check::Range { min: 0.0, max: 100.0 };
/// A shooting percentage as a fraction.
pub const FRACTION: Check = Check::Range { min: 0.0, max: 1.0 };
/// Injury statuses balldontlie (after ESPN's injury feed) is known to send.
/// A new one is rejected with its value so the list is extended on purpose.
pub const BDL_INJURY_STATUSES: &[&str] = &[
    "Out",
    "Day-To-Day",
    "Questionable",
    "Doubtful",
    "Probable",
    "Out For Season",
    "Suspension",
];

table! {
    /// One row per balldontlie game (`/v1/games`), merged on the game id because
    /// status and scores change through the day.
    pub struct BdlGame in Raw."bdl_games" {
        partition_by: Some("game_date"),
        cluster_by: ["game_code", "home_team_tricode", "away_team_tricode"],
        keys: ["bdl_game_id"],
        strategy: MergeOnKeys,
        require_partition_filter: false,
    }
    columns {
        /// balldontlie game id (not the NBA game id).
        bdl_game_id: i64 => [ID],
        /// ET calendar date of the game (balldontlie's `date`).
        game_date: NaiveDate,
        /// YYYYMMDD_AWAY_HOME, the cross-source game key.
        game_code: String => [GAME_CODE],
        /// Season start year (2024 = 2024-25).
        season: i64 => [Check::Range { min: 1946.0, max: 2100.0 }],
        postseason: bool,
        /// `Final`, a period (`2nd Qtr`), `In Progress`, or the scheduled tip as text.
        status: String => [Check::NonEmpty],
        /// Current or last period; null while not started.
        period: Option<i64> => [Check::Range { min: 0.0, max: 20.0 }],
        /// Game clock text as sent (`Final`, `5:12`).
        time: Option<String>,
        /// Scheduled tip-off, UTC.
        tip_time_utc: Option<DateTime<Utc>>,
        home_bdl_team_id: i64 => [ID],
        home_team_tricode: String => [TRICODE],
        away_bdl_team_id: i64 => [ID],
        away_team_tricode: String => [TRICODE],
        /// Null before tip-off (balldontlie sends 0 then).
        home_score: Option<i64> => [TEAM_SCORE],
        away_score: Option<i64> => [TEAM_SCORE],
        source_file: String,
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

table! {
    /// One row per (game, player) from `/v1/stats` and `/v1/box_scores`, merged
    /// on `game_code` + player: both endpoints describe the same line, and
    /// `/v1/box_scores` does not always send a game id. Stats the source left
    /// null stay null; a did-not-play line keeps what the source said.
    pub struct BdlPlayerBoxscore in Raw."bdl_player_boxscores" {
        partition_by: Some("game_date"),
        cluster_by: ["player_lookup", "team_tricode", "game_code"],
        keys: ["game_code", "bdl_player_id"],
        strategy: MergeOnKeys,
        require_partition_filter: false,
    }
    columns {
        game_code: String => [GAME_CODE],
        game_date: NaiveDate,
        season: i64 => [Check::Range { min: 1946.0, max: 2100.0 }],
        postseason: bool,
        /// The game's status when scraped (`Final`, ...).
        game_status: String => [Check::NonEmpty],
        team_tricode: String => [TRICODE],
        opponent_tricode: String => [TRICODE],
        is_home: bool,
        bdl_player_id: i64 => [ID],
        /// The name as balldontlie prints it (first + last).
        player_name: String => [Check::NonEmpty],
        /// Normalised, then canonical lookup (set by the loader).
        player_lookup: String => [PLAYER_LOOKUP],
        position: Option<String>,
        jersey_number: Option<String>,
        /// Minutes played as a decimal (34:12 → 34.2); null when not recorded.
        minutes: Option<f64> => [MINUTES],
        points: Option<i64> => [COUNT],
        fgm: Option<i64> => [COUNT],
        fga: Option<i64> => [COUNT],
        fg_pct: Option<f64> => [FRACTION],
        fg3m: Option<i64> => [COUNT],
        fg3a: Option<i64> => [COUNT],
        fg3_pct: Option<f64> => [FRACTION],
        ftm: Option<i64> => [COUNT],
        fta: Option<i64> => [COUNT],
        ft_pct: Option<f64> => [FRACTION],
        oreb: Option<i64> => [COUNT],
        dreb: Option<i64> => [COUNT],
        reb: Option<i64> => [COUNT],
        ast: Option<i64> => [COUNT],
        stl: Option<i64> => [COUNT],
        blk: Option<i64> => [COUNT],
        turnovers: Option<i64> => [COUNT],
        fouls: Option<i64> => [COUNT],
        source_file: String,
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

table! {
    /// The injury list as balldontlie showed it at each scrape (`/v1/player_injuries`):
    /// history is the point, so every snapshot is kept; a reprocessed object
    /// inserts nothing new (keys include `snapshot_at`).
    pub struct BdlInjury in Raw."bdl_injuries" {
        partition_by: Some("snapshot_date"),
        cluster_by: ["player_lookup", "status"],
        keys: ["snapshot_at", "bdl_player_id"],
        strategy: InsertNewOnly,
        require_partition_filter: false,
    }
    columns {
        /// When the list was scraped (the raw key's time).
        snapshot_at: DateTime<Utc>,
        /// ET date of `snapshot_at`.
        snapshot_date: NaiveDate,
        bdl_player_id: i64 => [ID],
        player_name: String => [Check::NonEmpty],
        player_lookup: String => [PLAYER_LOOKUP],
        /// balldontlie team id of the player (the endpoint sends no team code;
        /// join `bdl_active_players` for the tricode).
        bdl_team_id: Option<i64> => [ID],
        /// Tricode, only when the answer nests the team.
        team_tricode: Option<String> => [TRICODE],
        status: String => [Check::OneOf(BDL_INJURY_STATUSES)],
        /// Expected return as sent (`Feb 1`: no year).
        return_date_text: Option<String>,
        /// `return_date_text` placed in the year that puts it nearest after the snapshot.
        expected_return_date: Option<NaiveDate>,
        description: Option<String>,
        source_file: String,
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

table! {
    /// Players on a current roster (`/v1/players/active`): a reference list of
    /// (player, team) facts, each kept once with the date it was first seen.
    pub struct BdlActivePlayer in Raw."bdl_active_players" {
        partition_by: None,
        cluster_by: ["player_lookup", "team_tricode"],
        keys: ["bdl_player_id", "team_tricode"],
        strategy: InsertNewOnly,
        require_partition_filter: false,
    }
    columns {
        bdl_player_id: i64 => [ID],
        player_name: String => [Check::NonEmpty],
        player_lookup: String => [PLAYER_LOOKUP],
        first_name: String,
        last_name: String => [Check::NonEmpty],
        bdl_team_id: i64 => [ID],
        team_tricode: String => [TRICODE],
        position: Option<String>,
        jersey_number: Option<String>,
        height_in: Option<i64> => [Check::Range { min: 60.0, max: 96.0 }],
        weight_lb: Option<i64> => [Check::Range { min: 120.0, max: 400.0 }],
        college: Option<String>,
        country: Option<String>,
        draft_year: Option<i64> => [Check::Range { min: 1946.0, max: 2100.0 }],
        draft_round: Option<i64> => [Check::Range { min: 1.0, max: 10.0 }],
        draft_number: Option<i64> => [Check::Range { min: 1.0, max: 300.0 }],
        /// ET date of the first scrape listing this player on this team.
        first_seen_date: NaiveDate,
        source_file: String,
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

pub const TABLES: &[&crate::TableSchema] = &[
    <BdlGame as crate::Table>::SCHEMA,
    <BdlPlayerBoxscore as crate::Table>::SCHEMA,
    <BdlInjury as crate::Table>::SCHEMA,
    <BdlActivePlayer as crate::Table>::SCHEMA,
];
