//! `nba_raw`: NBA.com (stats.nba.com and cdn.nba.com) raw tables.
//!
//! NBA.com is the authority on game ids (`00` + type + season + sequence), team
//! ids and person ids, so these tables key on them directly. Several feeds of
//! the same fact (scoreboard V2/V3/today's, box score V2/V3) land in one table
//! with a `source_feed` column saying which one wrote the current row.
//!
//! Statistics are nullable on purpose: a player who did not play has no
//! minutes or points, which is not the same as zero.

use chrono::{DateTime, NaiveDate, Utc};

use super::raw::{NBA_GAME_ID, SEASON_TYPES, TRICODE};
use super::reference::{PLAYER_LOOKUP, SEASON};
use crate::Check;

/// NBA.com ids (person, team) are positive.
const ID: Check = Check::Range { min: 1.0, max: 1.0e12 };
/// A team's points in one game.
const TEAM_POINTS: Check = Check::Range { min: 0.0, max: 250.0 };
/// A player's minutes in one game (48 in regulation, 5 per overtime).
const PLAYER_MINUTES: Check = Check::Range { min: 0.0, max: 70.0 };
/// A team's minutes in one game: 5 × 48 = 240 in regulation, +25 per overtime.
const TEAM_MINUTES: Check = Check::Range { min: 0.0, max: 400.0 };
/// A player's counting stat in one game (points, rebounds, attempts…).
const PLAYER_COUNT: Check = Check::Range { min: 0.0, max: 100.0 };
/// A team's counting stat in one game.
const TEAM_COUNT: Check = Check::Range { min: 0.0, max: 250.0 };
/// A player's personal fouls (six disqualify; a little headroom for scorer corrections).
const PERSONAL_FOULS: Check = Check::Range { min: 0.0, max: 10.0 };
/// Shooting percentages arrive as fractions (0.5 = 50 %).
const FRACTION: Check = Check::Range { min: 0.0, max: 1.0 };
/// Point differential while on the floor / final margin.
const PLUS_MINUS: Check = Check::Range {
    min: -100.0,
    max: 100.0,
};
/// NBA.com's game status code: 1 scheduled, 2 live, 3 final.
const GAME_STATUS: Check = Check::Range { min: 1.0, max: 3.0 };
/// A period number (1-4, overtimes from 5).
const PERIOD: Check = Check::Range { min: 1.0, max: 20.0 };
/// NBA.com's `YYYYMMDD/AWAYHOME` game code.
const NBA_GAME_CODE: Check = Check::Pattern(r"^\d{8}/[A-Z]{6}$");

/// Feeds writing `nbac_scoreboard`.
pub const SCOREBOARD_FEEDS: &[&str] = &["scoreboardv2", "scoreboardv3", "todaysScoreboard"];
/// Feeds writing `nbac_team_boxscore` (`leaguegamelog`: the team game log, PlayerOrTeam=T).
pub const TEAM_BOXSCORE_FEEDS: &[&str] = &["boxscoretraditionalv2", "boxscoretraditionalv3", "leaguegamelog"];
/// Feeds writing `nbac_play_by_play`. Their event numbers are not comparable,
/// so the feed is part of the key.
pub const PLAY_BY_PLAY_FEEDS: &[&str] = &["playbyplayv2", "playbyplayv3", "cdn_playbyplay"];
/// Normalised event kinds over the three play-by-play vocabularies
/// (V2 `EVENTMSGTYPE` codes, V3 `"Made Shot"`, cdn `"2pt"`).
pub const PLAY_BY_PLAY_KINDS: &[&str] = &[
    "field_goal",
    "free_throw",
    "rebound",
    "turnover",
    "steal",
    "block",
    "foul",
    "violation",
    "substitution",
    "timeout",
    "jump_ball",
    "ejection",
    "period",
    "game",
    "instant_replay",
    "other",
];

table! {
    /// One row per game of a day's scoreboard (stats.nba.com `scoreboardv2`,
    /// `scoreboardv3`, cdn.nba.com `todaysScoreboard_00`); merged on game_id
    /// because status and scores change during the day.
    pub struct NbacScoreboard in Raw."nbac_scoreboard" {
        partition_by: Some("game_date"),
        cluster_by: ["game_id", "home_team_tricode", "away_team_tricode"],
        keys: ["game_id"],
        strategy: MergeOnKeys,
        require_partition_filter: false,
    }
    columns {
        game_id: String => [NBA_GAME_ID],
        /// ET calendar date of the game.
        game_date: NaiveDate,
        /// Season label, e.g. 2024-25 (from the game id).
        season: String => [SEASON],
        season_type: String => [Check::OneOf(SEASON_TYPES)],
        /// NBA.com's `YYYYMMDD/AWAYHOME`.
        game_code: Option<String> => [NBA_GAME_CODE],
        /// 1 scheduled, 2 live, 3 final.
        game_status: i64 => [GAME_STATUS],
        game_status_text: String,
        /// Current or last period; null before tip-off.
        period: Option<i64> => [PERIOD],
        /// Clock of a live game as sent.
        game_clock: Option<String>,
        /// Scheduled tip-off (not in scoreboardv2).
        tip_time_utc: Option<DateTime<Utc>>,
        home_team_id: i64 => [ID],
        home_team_tricode: String => [TRICODE],
        away_team_id: i64 => [ID],
        away_team_tricode: String => [TRICODE],
        /// Null before tip-off (the V3 feeds send 0 then).
        home_score: Option<i64> => [TEAM_POINTS],
        away_score: Option<i64> => [TEAM_POINTS],
        /// Record after the game, when the feed gives it.
        home_wins: Option<i64> => [Check::Range { min: 0.0, max: 82.0 }],
        home_losses: Option<i64> => [Check::Range { min: 0.0, max: 82.0 }],
        away_wins: Option<i64> => [Check::Range { min: 0.0, max: 82.0 }],
        away_losses: Option<i64> => [Check::Range { min: 0.0, max: 82.0 }],
        /// Which feed wrote the row.
        source_feed: String => [Check::OneOf(SCOREBOARD_FEEDS)],
        source_file: String,
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

table! {
    /// One row per (game, player) of the league game log (`leaguegamelog`,
    /// PlayerOrTeam=P): the players who appeared, with their traditional box
    /// score. Merged on (game_id, player_id): stat corrections overwrite.
    pub struct NbacPlayerBoxscore in Raw."nbac_player_boxscores" {
        partition_by: Some("game_date"),
        cluster_by: ["game_id", "player_lookup", "team_tricode"],
        keys: ["game_id", "player_id"],
        strategy: MergeOnKeys,
        require_partition_filter: false,
    }
    columns {
        game_id: String => [NBA_GAME_ID],
        /// ET calendar date of the game.
        game_date: NaiveDate,
        season: String => [SEASON],
        season_type: String => [Check::OneOf(SEASON_TYPES)],
        /// NBA.com person id.
        player_id: i64 => [ID],
        /// The name as NBA.com prints it.
        player_name: String => [Check::NonEmpty],
        /// Canonical lookup (resolved by the loader).
        player_lookup: String => [PLAYER_LOOKUP],
        team_id: i64 => [ID],
        team_tricode: String => [TRICODE],
        opponent_tricode: String => [TRICODE],
        is_home: bool,
        /// W or L; null while the game is not final.
        win_loss: Option<String> => [Check::OneOf(&["W", "L"])],
        /// Decimal minutes.
        minutes: Option<f64> => [PLAYER_MINUTES],
        fgm: Option<i64> => [PLAYER_COUNT],
        fga: Option<i64> => [PLAYER_COUNT],
        fg_pct: Option<f64> => [FRACTION],
        fg3m: Option<i64> => [PLAYER_COUNT],
        fg3a: Option<i64> => [PLAYER_COUNT],
        fg3_pct: Option<f64> => [FRACTION],
        ftm: Option<i64> => [PLAYER_COUNT],
        fta: Option<i64> => [PLAYER_COUNT],
        ft_pct: Option<f64> => [FRACTION],
        oreb: Option<i64> => [PLAYER_COUNT],
        dreb: Option<i64> => [PLAYER_COUNT],
        reb: Option<i64> => [PLAYER_COUNT],
        ast: Option<i64> => [PLAYER_COUNT],
        stl: Option<i64> => [PLAYER_COUNT],
        blk: Option<i64> => [PLAYER_COUNT],
        tov: Option<i64> => [PLAYER_COUNT],
        /// Personal fouls.
        pf: Option<i64> => [PERSONAL_FOULS],
        pts: Option<i64> => [PLAYER_COUNT],
        plus_minus: Option<f64> => [PLUS_MINUS],
        /// NBA.com's fantasy points.
        fantasy_pts: Option<f64>,
        source_file: String,
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

table! {
    /// One row per (game, team) of a traditional box score (`boxscoretraditionalv2`,
    /// `boxscoretraditionalv3`): the team totals. Merged on (game_id, team_id).
    pub struct NbacTeamBoxscore in Raw."nbac_team_boxscore" {
        partition_by: Some("game_date"),
        cluster_by: ["game_id", "team_tricode"],
        keys: ["game_id", "team_id"],
        strategy: MergeOnKeys,
        require_partition_filter: false,
    }
    columns {
        game_id: String => [NBA_GAME_ID],
        /// ET calendar date of the game (the scrape's date folder).
        game_date: NaiveDate,
        season: String => [SEASON],
        season_type: String => [Check::OneOf(SEASON_TYPES)],
        team_id: i64 => [ID],
        team_tricode: String => [TRICODE],
        team_city: Option<String>,
        team_name: Option<String>,
        opponent_team_id: Option<i64> => [ID],
        opponent_tricode: Option<String> => [TRICODE],
        /// Null when the feed does not say (V2).
        is_home: Option<bool>,
        /// Team minutes (240 in regulation).
        minutes: Option<f64> => [TEAM_MINUTES],
        fgm: Option<i64> => [TEAM_COUNT],
        fga: Option<i64> => [TEAM_COUNT],
        fg_pct: Option<f64> => [FRACTION],
        fg3m: Option<i64> => [TEAM_COUNT],
        fg3a: Option<i64> => [TEAM_COUNT],
        fg3_pct: Option<f64> => [FRACTION],
        ftm: Option<i64> => [TEAM_COUNT],
        fta: Option<i64> => [TEAM_COUNT],
        ft_pct: Option<f64> => [FRACTION],
        oreb: Option<i64> => [TEAM_COUNT],
        dreb: Option<i64> => [TEAM_COUNT],
        reb: Option<i64> => [TEAM_COUNT],
        ast: Option<i64> => [TEAM_COUNT],
        stl: Option<i64> => [TEAM_COUNT],
        blk: Option<i64> => [TEAM_COUNT],
        tov: Option<i64> => [TEAM_COUNT],
        pf: Option<i64> => [TEAM_COUNT],
        pts: Option<i64> => [TEAM_POINTS],
        /// Final margin.
        plus_minus: Option<f64> => [PLUS_MINUS],
        source_feed: String => [Check::OneOf(TEAM_BOXSCORE_FEEDS)],
        source_file: String,
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

table! {
    /// One row per play-by-play event of a game (stats.nba.com `playbyplayv2`,
    /// `playbyplayv3`, cdn.nba.com live `playbyplay`), merged on
    /// (game_id, source_feed, event_number). Large: queries must filter on game_date.
    pub struct NbacPlayByPlay in Raw."nbac_play_by_play" {
        partition_by: Some("game_date"),
        cluster_by: ["game_id", "player1_id"],
        keys: ["game_id", "source_feed", "event_number"],
        strategy: MergeOnKeys,
        require_partition_filter: true,
    }
    columns {
        game_id: String => [NBA_GAME_ID],
        /// ET calendar date of the game (the scrape's date folder).
        game_date: NaiveDate,
        season: String => [SEASON],
        source_feed: String => [Check::OneOf(PLAY_BY_PLAY_FEEDS)],
        /// The feed's unique event id: `EVENTNUM` (V2), `actionId` (V3, whose
        /// `actionNumber` repeats for a steal or block and its turnover or shot),
        /// `actionNumber` (cdn).
        event_number: i64 => [Check::Range { min: 0.0, max: 1.0e9 }],
        /// `actionNumber` (V3, cdn).
        action_number: Option<i64>,
        /// cdn sort key that respects corrections.
        order_number: Option<i64>,
        period: i64 => [PERIOD],
        /// REGULAR or OVERTIME (cdn).
        period_type: Option<String>,
        /// Game clock as sent (`11:47`, `PT11M47.00S`).
        clock: String,
        clock_seconds_remaining: Option<f64> => [Check::Range { min: 0.0, max: 720.0 }],
        /// Wall-clock instant of the event (cdn `timeActual`).
        event_time_utc: Option<DateTime<Utc>>,
        /// Normalised kind across feeds.
        event_kind: String => [Check::OneOf(PLAY_BY_PLAY_KINDS)],
        /// The feed's own type (`made_shot`, `Made Shot`, `2pt`…).
        action_type: String,
        sub_type: Option<String>,
        descriptor: Option<String>,
        description: Option<String>,
        team_id: Option<i64> => [ID],
        team_tricode: Option<String> => [TRICODE],
        /// The player the event is about (shooter, rebounder, fouler…).
        player1_id: Option<i64> => [ID],
        /// As printed: a full name (V2) or a family name (V3, cdn).
        player1_name: Option<String>,
        /// The second player involved (assister, fouled player, jump-ball opponent),
        /// when the feed names one.
        player2_id: Option<i64> => [ID],
        player2_name: Option<String>,
        player3_id: Option<i64> => [ID],
        player3_name: Option<String>,
        /// Field-goal attempts only (not free throws).
        is_field_goal: bool,
        /// Made or missed, on field goals and free throws.
        shot_made: Option<bool>,
        /// 2 or 3 on field goals.
        shot_value: Option<i64> => [Check::Range { min: 2.0, max: 3.0 }],
        /// Feet.
        shot_distance: Option<f64> => [Check::Range { min: 0.0, max: 100.0 }],
        /// Shot zone (cdn, from about 2021).
        shot_area: Option<String>,
        x_legacy: Option<i64>,
        y_legacy: Option<i64>,
        /// Score after the event; null when the feed does not restate it.
        score_home: Option<i64> => [TEAM_POINTS],
        score_away: Option<i64> => [TEAM_POINTS],
        source_file: String,
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

table! {
    /// The league's player list (`playerindex`) per season: one row per
    /// (season, player, team) the first time it is seen, never updated, so a
    /// trade adds a row and the history of rosters stays.
    pub struct NbacPlayerList in Raw."nbac_player_list" {
        partition_by: None,
        cluster_by: ["season", "player_lookup", "team_tricode"],
        keys: ["season", "player_id", "team_id"],
        strategy: InsertNewOnly,
        require_partition_filter: false,
    }
    columns {
        season: String => [SEASON],
        player_id: i64 => [ID],
        /// First and last name as NBA.com prints them.
        player_name: String => [Check::NonEmpty],
        player_lookup: String => [PLAYER_LOOKUP],
        first_name: Option<String>,
        last_name: String => [Check::NonEmpty],
        player_slug: Option<String>,
        /// Null for a free agent.
        team_id: Option<i64> => [ID],
        team_tricode: Option<String> => [TRICODE],
        team_city: Option<String>,
        team_name: Option<String>,
        jersey_number: Option<String>,
        position: Option<String>,
        /// Feet-inches, e.g. 6-9.
        height: Option<String>,
        weight_lb: Option<i64> => [Check::Range { min: 100.0, max: 400.0 }],
        college: Option<String>,
        country: Option<String>,
        draft_year: Option<i64> => [Check::Range { min: 1946.0, max: 2100.0 }],
        draft_round: Option<i64> => [Check::Range { min: 1.0, max: 10.0 }],
        draft_number: Option<i64> => [Check::Range { min: 1.0, max: 300.0 }],
        /// On a roster now (`ROSTER_STATUS` = 1).
        is_active: bool,
        from_year: Option<i64> => [Check::Range { min: 1946.0, max: 2100.0 }],
        to_year: Option<i64> => [Check::Range { min: 1946.0, max: 2100.0 }],
        /// Date folder of the list the row was first seen in.
        list_date: NaiveDate,
        source_file: String,
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

table! {
    /// One row per (game, rostered player) of cdn.nba.com's live box score,
    /// merged on (game_id, player_id) as the game goes on. Players who did not
    /// play keep a row with `played = false`, the reason, and null statistics.
    pub struct NbacLiveBoxscore in Raw."nbac_live_boxscore" {
        partition_by: Some("game_date"),
        cluster_by: ["game_id", "player_lookup", "team_tricode"],
        keys: ["game_id", "player_id"],
        strategy: MergeOnKeys,
        require_partition_filter: false,
    }
    columns {
        game_id: String => [NBA_GAME_ID],
        /// ET calendar date of the game (from its tip-off instant).
        game_date: NaiveDate,
        season: String => [SEASON],
        season_type: String => [Check::OneOf(SEASON_TYPES)],
        /// 1 scheduled, 2 live, 3 final, at the time of the snapshot.
        game_status: i64 => [GAME_STATUS],
        period: Option<i64> => [Check::Range { min: 0.0, max: 20.0 }],
        team_id: i64 => [ID],
        team_tricode: String => [TRICODE],
        opponent_tricode: String => [TRICODE],
        is_home: bool,
        player_id: i64 => [ID],
        player_name: String => [Check::NonEmpty],
        player_lookup: String => [PLAYER_LOOKUP],
        jersey_num: Option<String>,
        position: Option<String>,
        starter: bool,
        /// False for a DNP (did not play, inactive, suspended).
        played: bool,
        on_court: Option<bool>,
        /// ACTIVE or INACTIVE.
        roster_status: Option<String> => [Check::OneOf(&["ACTIVE", "INACTIVE"])],
        /// E.g. INACTIVE_INJURY, DND_LEAGUE_SUSPENSION.
        dnp_reason: Option<String>,
        /// E.g. `Left Ankle; Sprain`.
        dnp_description: Option<String>,
        /// Decimal minutes; null when the player did not play.
        minutes: Option<f64> => [PLAYER_MINUTES],
        fgm: Option<i64> => [PLAYER_COUNT],
        fga: Option<i64> => [PLAYER_COUNT],
        fg_pct: Option<f64> => [FRACTION],
        fg3m: Option<i64> => [PLAYER_COUNT],
        fg3a: Option<i64> => [PLAYER_COUNT],
        fg3_pct: Option<f64> => [FRACTION],
        ftm: Option<i64> => [PLAYER_COUNT],
        fta: Option<i64> => [PLAYER_COUNT],
        ft_pct: Option<f64> => [FRACTION],
        oreb: Option<i64> => [PLAYER_COUNT],
        dreb: Option<i64> => [PLAYER_COUNT],
        reb: Option<i64> => [PLAYER_COUNT],
        ast: Option<i64> => [PLAYER_COUNT],
        stl: Option<i64> => [PLAYER_COUNT],
        blk: Option<i64> => [PLAYER_COUNT],
        tov: Option<i64> => [PLAYER_COUNT],
        pf: Option<i64> => [PERSONAL_FOULS],
        pts: Option<i64> => [PLAYER_COUNT],
        plus_minus: Option<f64> => [PLUS_MINUS],
        source_file: String,
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

pub const TABLES: &[&crate::TableSchema] = &[
    <NbacScoreboard as crate::Table>::SCHEMA,
    <NbacPlayerBoxscore as crate::Table>::SCHEMA,
    <NbacTeamBoxscore as crate::Table>::SCHEMA,
    <NbacPlayByPlay as crate::Table>::SCHEMA,
    <NbacPlayerList as crate::Table>::SCHEMA,
    <NbacLiveBoxscore as crate::Table>::SCHEMA,
];
