//! Betting lines: which points line counted, the opening line, and game lines.
//!
//! One bookmaker is followed per player-game — the most preferred one that
//! quoted him before the cutoff — so that opening, current and movement
//! describe one book's line, not a jump between books.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use nba_cloud::Warehouse;
use nba_schemas::tables::raw_odds::{OddsApiGameLine, OddsApiPlayerProp};
use serde_json::json;

use crate::error::AnalyticsError;
use crate::read::rows_of;

pub use nba_schemas::tables::raw_odds::{POINTS_MARKET, PREFERRED_BOOKMAKERS};
/// The usual price of a main line: among several lines a book lists at once,
/// the one priced nearest this is its main line.
const MAIN_LINE_PRICE: f64 = -110.0;

/// Rank of a bookmaker (lower is preferred; unlisted books alphabetically after).
pub fn bookmaker_rank(book: &str) -> (usize, String) {
    (
        nba_schemas::tables::raw_odds::bookmaker_preference(book),
        book.to_string(),
    )
}

/// Identifies a game across odds sources: (game_date, home, away).
pub type GameKey = (NaiveDate, String, String);

/// A line as chosen for one player-game.
#[derive(Debug, Clone, PartialEq)]
pub struct ChosenLine {
    pub line: f64,
    pub bookmaker: String,
    pub snapshot_at: DateTime<Utc>,
    pub opening_line: f64,
    /// Distinct snapshots of this book's line before the cutoff.
    pub snapshots: i64,
}

impl ChosenLine {
    pub fn movement(&self) -> f64 {
        self.line - self.opening_line
    }
}

/// The main line of one book's quotes at one snapshot: the Over side, first
/// listing, priced nearest −110, then the lowest line.
fn main_line(quotes: &[&OddsApiPlayerProp]) -> Option<f64> {
    quotes
        .iter()
        .min_by(|a, b| {
            let key = |q: &OddsApiPlayerProp| {
                (
                    q.side != "Over",
                    q.listing,
                    q.price.map_or(f64::MAX, |p| (p - MAIN_LINE_PRICE).abs()),
                    q.line,
                )
            };
            key(a).partial_cmp(&key(b)).unwrap_or(std::cmp::Ordering::Equal)
        })
        .map(|q| q.line)
}

/// The line that counted before `cutoff` (latest snapshot strictly before it,
/// of the most preferred book), with that book's opening line.
pub fn choose_line(quotes: &[&OddsApiPlayerProp], cutoff: DateTime<Utc>) -> Option<ChosenLine> {
    let before: Vec<&OddsApiPlayerProp> = quotes.iter().copied().filter(|q| q.snapshot_at < cutoff).collect();
    let book = before.iter().map(|q| bookmaker_rank(&q.bookmaker)).min()?.1;
    let mut snapshots: BTreeMap<DateTime<Utc>, Vec<&OddsApiPlayerProp>> = BTreeMap::new();
    for q in before.into_iter().filter(|q| q.bookmaker == book) {
        snapshots.entry(q.snapshot_at).or_default().push(q);
    }
    let (_, first) = snapshots.first_key_value()?;
    let (last_at, last) = snapshots.last_key_value()?;
    Some(ChosenLine {
        line: main_line(last)?,
        opening_line: main_line(first)?,
        bookmaker: book,
        snapshot_at: *last_at,
        snapshots: snapshots.len() as i64,
    })
}

/// A date's points quotes grouped by (player, game).
pub type PropsByPlayerGame = BTreeMap<(String, GameKey), Vec<OddsApiPlayerProp>>;

/// The date's points props (every snapshot), grouped by player and game.
pub async fn load_points_props(
    warehouse: &dyn Warehouse,
    date: NaiveDate,
) -> Result<PropsByPlayerGame, AnalyticsError> {
    let rows: Vec<OddsApiPlayerProp> = rows_of(
        warehouse,
        "game_date = CAST(? AS DATE) AND market = ?",
        vec![json!(date.to_string()), json!(POINTS_MARKET)],
    )
    .await?;
    let mut grouped = PropsByPlayerGame::new();
    for r in rows {
        let key = (
            r.player_lookup.clone(),
            (r.game_date, r.home_team_tricode.clone(), r.away_team_tricode.clone()),
        );
        grouped.entry(key).or_default().push(r);
    }
    Ok(grouped)
}

/// A team's spread and the game total before a cutoff.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GameOdds {
    pub spread: Option<f64>,
    pub total: Option<f64>,
    pub snapshot_at: Option<DateTime<Utc>>,
}

/// The date's game lines (every snapshot).
pub async fn load_game_lines(
    warehouse: &dyn Warehouse,
    date: NaiveDate,
) -> Result<Vec<OddsApiGameLine>, AnalyticsError> {
    rows_of(
        warehouse,
        "game_date = CAST(? AS DATE) AND market IN ('spreads', 'totals')",
        vec![json!(date.to_string())],
    )
    .await
}

/// `team`'s spread and the total of its game (home/away), each from the latest
/// snapshot before `cutoff` of the most preferred book quoting it.
pub fn game_odds(lines: &[OddsApiGameLine], home: &str, away: &str, team: &str, cutoff: DateTime<Utc>) -> GameOdds {
    let of_game: Vec<&OddsApiGameLine> = lines
        .iter()
        .filter(|l| l.home_team_tricode == home && l.away_team_tricode == away && l.snapshot_at < cutoff)
        .collect();
    let spread = latest_preferred(
        of_game
            .iter()
            .copied()
            .filter(|l| l.market == "spreads" && l.outcome_tricode.as_deref() == Some(team) && l.spread.is_some()),
    );
    let total = latest_preferred(
        of_game
            .iter()
            .copied()
            .filter(|l| l.market == "totals" && l.outcome == "Over" && l.total.is_some()),
    );
    GameOdds {
        spread: spread.and_then(|l| l.spread),
        total: total.and_then(|l| l.total),
        snapshot_at: [spread, total].into_iter().flatten().map(|l| l.snapshot_at).max(),
    }
}

/// The preferred book's latest quote.
fn latest_preferred<'a>(quotes: impl Iterator<Item = &'a OddsApiGameLine>) -> Option<&'a OddsApiGameLine> {
    let quotes: Vec<_> = quotes.collect();
    let book = quotes.iter().map(|q| bookmaker_rank(&q.bookmaker)).min()?.1;
    quotes
        .into_iter()
        .filter(|q| q.bookmaker == book)
        .max_by_key(|q| q.snapshot_at)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn prop(book: &str, at: &str, side: &str, line: f64) -> OddsApiPlayerProp {
        OddsApiPlayerProp {
            game_date: NaiveDate::from_ymd_opt(2025, 1, 10).unwrap(),
            snapshot_at: at.parse().unwrap(),
            event_id: "0123456789abcdef0123456789abcdef".into(),
            commence_time: "2025-01-11T00:30:00Z".parse().unwrap(),
            home_team_tricode: "BOS".into(),
            away_team_tricode: "LAL".into(),
            game_code: "20250110_LAL_BOS".into(),
            bookmaker: book.into(),
            bookmaker_title: None,
            market: POINTS_MARKET.into(),
            player_name: "A B".into(),
            player_lookup: "ab".into(),
            side: side.into(),
            line,
            listing: 0,
            price: Some(-110.0),
            last_update: None,
            source_file: "gs://x".into(),
            data_hash: String::new(),
            processed_at: "2025-01-10T12:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn the_preferred_books_latest_line_before_the_cutoff_counts() {
        let quotes = [
            prop("fanduel", "2025-01-10T14:00:00Z", "Over", 24.5),
            prop("underdog", "2025-01-10T23:00:00Z", "Over", 26.5),
            prop("fanduel", "2025-01-10T20:00:00Z", "Over", 25.5),
            prop("fanduel", "2025-01-10T20:00:00Z", "Under", 25.5),
            // After tip: never the line that counted.
            prop("fanduel", "2025-01-11T01:00:00Z", "Over", 30.5),
            prop("draftkings", "2025-01-11T01:00:00Z", "Over", 30.5),
        ];
        let refs: Vec<_> = quotes.iter().collect();
        let tip = "2025-01-11T00:30:00Z".parse().unwrap();
        let chosen = choose_line(&refs, tip).unwrap();
        assert_eq!(chosen.bookmaker, "fanduel");
        assert_eq!(chosen.line, 25.5);
        assert_eq!(chosen.opening_line, 24.5);
        assert_eq!(chosen.movement(), 1.0);
        assert_eq!(chosen.snapshots, 2);
        assert_eq!(
            chosen.snapshot_at,
            "2025-01-10T20:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        // Nothing before the cutoff: no line.
        assert_eq!(choose_line(&refs, "2025-01-10T13:00:00Z".parse().unwrap()), None);
    }

    #[test]
    fn the_main_line_is_the_one_priced_nearest_minus_110() {
        let mut alt = prop("draftkings", "2025-01-10T14:00:00Z", "Over", 19.5);
        alt.price = Some(-300.0);
        alt.listing = 0;
        let main = prop("draftkings", "2025-01-10T14:00:00Z", "Over", 24.5);
        let refs = vec![&alt, &main];
        assert_eq!(main_line(&refs), Some(24.5));
        assert!(bookmaker_rank("draftkings") < bookmaker_rank("fanduel"));
        assert!(bookmaker_rank("underdog") < bookmaker_rank("zzbook"));
    }
}
