//! `nba_raw`: Odds API and BettingPros raw tables (props and lines: snapshots).
//!
//! Props and lines are point-in-time snapshots: every scrape appends its rows
//! stamped with `snapshot_at`, history is kept (the first snapshot is the
//! opening line, the latest before tip is the line that counts). The write is
//! `InsertNewOnly` on a key that includes `snapshot_at`, so a reprocessed
//! identical object writes nothing.

use chrono::{DateTime, NaiveDate, Utc};

use crate::Check;
use crate::tables::raw::TRICODE;

/// The Odds API event ids: 32 lowercase hex chars.
pub const ODDS_EVENT_ID: Check = Check::Pattern(r"^[0-9a-f]{32}$");
/// Readable game id `YYYYMMDD_AWAY_HOME` (ET date, NBA tricodes).
pub const GAME_CODE: Check = Check::Pattern(r"^\d{8}_[A-Z]{3}_[A-Z]{3}$");
/// The player markets the pipeline loads (Over/Under lines).
pub const PROP_MARKETS: &[&str] = &["player_points", "player_rebounds", "player_assists"];
/// The market of points lines.
pub const POINTS_MARKET: &str = "player_points";

/// Bookmakers whose lines are preferred, best first (sharp, liquid books first; pick'em
/// apps last). Phase 3 picks the line that counted with it, phase 5 its fallback line.
pub const PREFERRED_BOOKMAKERS: &[&str] = &[
    "draftkings",
    "fanduel",
    "betmgm",
    "williamhill_us",
    "espnbet",
    "fanatics",
    "betrivers",
    "bovada",
    "betonlineag",
    "prizepicks",
    "underdog",
];

/// Position of `book` in [`PREFERRED_BOOKMAKERS`]; any other book ranks after them.
pub fn bookmaker_preference(book: &str) -> usize {
    PREFERRED_BOOKMAKERS
        .iter()
        .position(|b| *b == book)
        .unwrap_or(PREFERRED_BOOKMAKERS.len())
}
/// Game-line markets: moneyline, point spread, game total.
pub const GAME_MARKETS: &[&str] = &["h2h", "spreads", "totals"];
pub const SIDES: &[&str] = &["Over", "Under"];
/// A player line in its unit (points, rebounds, assists). 0 is never a line.
pub const PROP_LINE: Check = Check::Range { min: 0.5, max: 80.0 };
/// American odds. |price| < 100 is not American at all; the processors refuse
/// those themselves (a range cannot express the gap around zero).
pub const AMERICAN_PRICE: Check = Check::Range {
    min: -20000.0,
    max: 20000.0,
};
/// Repeat number of a listing within one snapshot (see the props tables).
pub const LISTING: Check = Check::Range { min: 0.0, max: 100.0 };
/// Point spread for one team, in points.
pub const SPREAD: Check = Check::Range { min: -40.0, max: 40.0 };
/// Game total points.
pub const GAME_TOTAL: Check = Check::Range { min: 150.0, max: 300.0 };

/// Bookmaker keys The Odds API uses for US books (regions us, us2, us_dfs,
/// us_ex), as recorded in the fixtures and served by the replay. A key not in
/// this list is a rejected row (a new book is a deliberate addition here).
pub const ODDS_API_BOOKMAKERS: &[&str] = &[
    "draftkings",
    "fanduel",
    "betmgm",
    "williamhill_us",
    "espnbet",
    "fanatics",
    "betrivers",
    "unibet_us",
    "pointsbetus",
    "bovada",
    "mybookieag",
    "betonlineag",
    "lowvig",
    "betus",
    "ballybet",
    "hardrockbet",
    "betparx",
    "fliff",
    "windcreek",
    "superbook",
    "wynnbet",
    "barstool",
    "twinspires",
    "prizepicks",
    "underdog",
    "pick6",
    "betopenly",
    "novig",
    "prophetx",
];

/// BettingPros books, as pipeline keys (Odds API spelling where the book is
/// the same, so the two sources can be compared book by book).
pub const BETTINGPROS_BOOKMAKERS: &[&str] = &[
    "bettingpros_consensus",
    "fanduel",
    "draftkings",
    "williamhill_us",
    "betrivers",
    "betmgm",
    "bet365",
    "espnbet",
];

table! {
    /// One row per Odds API event (live and historical event lists), merged on
    /// the event id; maps event ids to NBA games on (game_date, home, away).
    pub struct OddsApiEvent in Raw."odds_api_events" {
        partition_by: Some("game_date"),
        cluster_by: ["event_id", "home_team_tricode", "away_team_tricode"],
        keys: ["event_id"],
        strategy: MergeOnKeys,
        require_partition_filter: false,
    }
    columns {
        /// Odds API event id (32 hex chars).
        event_id: String => [ODDS_EVENT_ID],
        /// ET calendar date of the tip (a 22:30 ET tip is 02:30 UTC the next day).
        game_date: NaiveDate,
        /// Scheduled tip, UTC.
        commence_time: DateTime<Utc>,
        sport_key: String => [Check::NonEmpty],
        /// Full names as sent, e.g. "Los Angeles Clippers".
        home_team: String => [Check::NonEmpty],
        away_team: String => [Check::NonEmpty],
        /// NBA tricodes; an unknown team leaves the name here and is rejected.
        home_team_tricode: String => [TRICODE],
        away_team_tricode: String => [TRICODE],
        /// YYYYMMDD_AWAY_HOME, the join key to NBA games.
        game_code: String => [GAME_CODE],
        source_file: String,
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

table! {
    /// Odds API player prop lines, one row per (snapshot, event, bookmaker,
    /// market, player, side, line, listing): alternate ladders keep every rung.
    pub struct OddsApiPlayerProp in Raw."odds_api_player_props" {
        partition_by: Some("game_date"),
        cluster_by: ["player_lookup", "market", "bookmaker"],
        keys: ["event_id", "bookmaker", "market", "player_lookup", "side", "line", "listing", "snapshot_at"],
        strategy: InsertNewOnly,
        require_partition_filter: true,
    }
    columns {
        /// ET date of the game (from commence_time).
        game_date: NaiveDate,
        /// When the lines were as listed: the scrape time (live) or the historical snapshot's timestamp.
        snapshot_at: DateTime<Utc>,
        event_id: String => [ODDS_EVENT_ID],
        commence_time: DateTime<Utc>,
        home_team_tricode: String => [TRICODE],
        away_team_tricode: String => [TRICODE],
        game_code: String => [GAME_CODE],
        /// Odds API bookmaker key, e.g. draftkings, prizepicks.
        bookmaker: String => [Check::OneOf(ODDS_API_BOOKMAKERS)],
        bookmaker_title: Option<String>,
        market: String => [Check::OneOf(PROP_MARKETS)],
        /// Player name as the bookmaker printed it.
        player_name: String => [Check::NonEmpty],
        /// Canonical player lookup (resolved at load).
        player_lookup: String => [Check::NonEmpty],
        side: String => [Check::OneOf(SIDES)],
        /// The line; a prop without one is rejected ("no line"), never 0.
        line: f64 => [PROP_LINE],
        /// 0 for the first listing of this player/side/line at this book in the
        /// snapshot; a book that lists it again (Caesars does, at another price)
        /// gets 1, 2, ... so no listing collapses into another.
        listing: i64 => [LISTING],
        /// American odds; null when the book has no price (pick'em books).
        price: Option<f64> => [AMERICAN_PRICE],
        /// When the book last changed this market.
        last_update: Option<DateTime<Utc>>,
        source_file: String,
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

table! {
    /// Odds API game lines (moneyline, spread, total) snapshots, one row per
    /// (snapshot, event, bookmaker, market, outcome).
    pub struct OddsApiGameLine in Raw."odds_api_game_lines" {
        partition_by: Some("game_date"),
        cluster_by: ["event_id", "market", "bookmaker"],
        keys: ["event_id", "bookmaker", "market", "outcome", "snapshot_at"],
        strategy: InsertNewOnly,
        require_partition_filter: true,
    }
    columns {
        game_date: NaiveDate,
        snapshot_at: DateTime<Utc>,
        event_id: String => [ODDS_EVENT_ID],
        commence_time: DateTime<Utc>,
        home_team_tricode: String => [TRICODE],
        away_team_tricode: String => [TRICODE],
        game_code: String => [GAME_CODE],
        bookmaker: String => [Check::OneOf(ODDS_API_BOOKMAKERS)],
        bookmaker_title: Option<String>,
        market: String => [Check::OneOf(GAME_MARKETS)],
        /// Team full name (h2h, spreads) or Over/Under (totals).
        outcome: String => [Check::NonEmpty],
        /// NBA tricode of the outcome's team (h2h, spreads).
        outcome_tricode: Option<String> => [TRICODE],
        /// Spread for the outcome's team (-6.5 = favourite); spreads only.
        spread: Option<f64> => [SPREAD],
        /// Game total points; totals only.
        total: Option<f64> => [GAME_TOTAL],
        /// American odds (decimal answers are converted).
        price: f64 => [AMERICAN_PRICE],
        last_update: Option<DateTime<Utc>>,
        source_file: String,
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

table! {
    /// BettingPros events of a day, merged on the BettingPros event id; maps
    /// the ids its offers carry to NBA games.
    pub struct BettingprosEvent in Raw."bettingpros_events" {
        partition_by: Some("game_date"),
        cluster_by: ["event_id"],
        keys: ["event_id"],
        strategy: MergeOnKeys,
        require_partition_filter: false,
    }
    columns {
        event_id: i64,
        /// ET date of the scheduled tip.
        game_date: NaiveDate,
        /// Scheduled tip, UTC (the feed's naive time read as US Eastern).
        scheduled_at: DateTime<Utc>,
        /// Team codes as sent (BettingPros spelling, e.g. GS, PHO).
        home_team_code: String,
        away_team_code: String,
        home_team_tricode: String => [TRICODE],
        away_team_tricode: String => [TRICODE],
        game_code: String => [GAME_CODE],
        /// scheduled, postponed, final, ... as sent.
        status: Option<String>,
        source_file: String,
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

table! {
    /// BettingPros player prop lines (SYNTHETIC fixtures only so far), one row
    /// per (snapshot, event, book, market, player, side, line, listing).
    pub struct BettingprosPlayerProp in Raw."bettingpros_player_props" {
        partition_by: Some("game_date"),
        cluster_by: ["player_lookup", "market", "bookmaker"],
        keys: ["event_id", "bookmaker", "market", "player_lookup", "side", "line", "listing", "snapshot_at"],
        strategy: InsertNewOnly,
        require_partition_filter: true,
    }
    columns {
        /// ET date the offers were asked for (the key's date folder).
        game_date: NaiveDate,
        /// Scrape time of the object.
        snapshot_at: DateTime<Utc>,
        /// BettingPros event id (see bettingpros_events).
        event_id: i64,
        offer_id: Option<String>,
        market_id: i64,
        market: String => [Check::OneOf(PROP_MARKETS)],
        player_name: String => [Check::NonEmpty],
        player_lookup: String => [Check::NonEmpty],
        /// BettingPros participant id.
        player_id: Option<String>,
        /// Player's team as sent, and its NBA tricode when known.
        player_team: Option<String>,
        player_team_tricode: Option<String> => [TRICODE],
        side: String => [Check::OneOf(SIDES)],
        /// BettingPros book id (0 = consensus).
        book_id: i64,
        /// Pipeline bookmaker key of the book id (Odds API spelling).
        bookmaker: String => [Check::OneOf(BETTINGPROS_BOOKMAKERS)],
        line: f64 => [PROP_LINE],
        /// 0 for the first listing of this player/side/line at this book; repeats get 1, 2, ...
        listing: i64 => [LISTING],
        price: Option<f64> => [AMERICAN_PRICE],
        /// Whether the book currently offers the line.
        active: Option<bool>,
        /// The book's last change, UTC (sent as naive US Eastern).
        book_updated_at: Option<DateTime<Utc>>,
        opening_line: Option<f64>,
        source_file: String,
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

pub const TABLES: &[&crate::TableSchema] = &[
    <OddsApiEvent as crate::Table>::SCHEMA,
    <OddsApiPlayerProp as crate::Table>::SCHEMA,
    <OddsApiGameLine as crate::Table>::SCHEMA,
    <BettingprosEvent as crate::Table>::SCHEMA,
    <BettingprosPlayerProp as crate::Table>::SCHEMA,
];
