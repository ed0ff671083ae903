//! Reads from the warehouse: tonight's context, feature vectors, history, recent
//! per-system performance and fallback lines. Read-only SQL with positional `?`.
//!
//! A table that does not exist yet reads as empty: the grading table, for one, only
//! appears once grading has run, and a fallback source may never have been loaded.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use nba_cloud::Warehouse;
use nba_schemas::Table;
use nba_schemas::tables::analytics::{PlayerGameSummary, UpcomingPlayerGameContext};
use nba_schemas::tables::predictions::MlFeatureStore;
use nba_schemas::tables::raw_odds::BettingprosPlayerProp;
use nba_systems::ensemble::MARKET_LINE_ID;
use nba_systems::{PastGame, RecentPerformance};
use serde_json::{Value, json};

use crate::error::PredictionError;
use crate::messages::PlayerInputs;

/// Graded days that make a system's recent performance.
pub const PERFORMANCE_WINDOW_DAYS: i64 = 14;
pub use nba_schemas::tables::raw_odds::{POINTS_MARKET, PREFERRED_BOOKMAKERS};
/// BettingPros' consensus "book": a blend, so its line is `estimated` (ranked last).
pub const CONSENSUS_BOOK: &str = "bettingpros_consensus";

/// Runs a query; a missing table reads as no rows.
pub async fn query_or_empty(
    warehouse: &dyn Warehouse,
    sql: &str,
    params: Vec<Value>,
) -> Result<Vec<nba_schemas::Row>, PredictionError> {
    match warehouse.query(sql, params).await {
        Ok(rows) => Ok(rows),
        // Only a missing table: a missing column means the table changed shape, which is an error.
        Err(e) if e.is_missing_table() => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

/// Typed rows of `SELECT *` queries.
pub async fn typed<T: Table>(
    warehouse: &dyn Warehouse,
    sql: &str,
    params: Vec<Value>,
) -> Result<Vec<T>, PredictionError> {
    query_or_empty(warehouse, sql, params)
        .await?
        .into_iter()
        .map(|row| T::from_row(row).map_err(|e| PredictionError::corrupt(T::SCHEMA.qualified_name(), e)))
        .collect()
}

pub async fn context(
    warehouse: &dyn Warehouse,
    date: NaiveDate,
) -> Result<Vec<UpcomingPlayerGameContext>, PredictionError> {
    let sql = "SELECT * FROM nba_analytics.upcoming_player_game_context WHERE game_date = CAST(? AS DATE) \
               ORDER BY player_lookup";
    typed(warehouse, sql, vec![json!(date.to_string())]).await
}

/// The date's feature vectors by player.
pub async fn feature_rows(
    warehouse: &dyn Warehouse,
    date: NaiveDate,
) -> Result<BTreeMap<String, MlFeatureStore>, PredictionError> {
    let sql = "SELECT * FROM nba_predictions.ml_feature_store WHERE game_date = CAST(? AS DATE)";
    let rows: Vec<MlFeatureStore> = typed(warehouse, sql, vec![json!(date.to_string())]).await?;
    Ok(rows.into_iter().map(|r| (r.player_lookup.clone(), r)).collect())
}

pub async fn feature_row(
    warehouse: &dyn Warehouse,
    date: NaiveDate,
    player: &str,
) -> Result<Option<MlFeatureStore>, PredictionError> {
    let sql = "SELECT * FROM nba_predictions.ml_feature_store WHERE game_date = CAST(? AS DATE) AND player_lookup = ?";
    let rows: Vec<MlFeatureStore> = typed(warehouse, sql, vec![json!(date.to_string()), json!(player)]).await?;
    Ok(rows.into_iter().next())
}

/// A player's [`PlayerInputs`] from his feature vector, history and the recent record.
pub fn player_inputs(
    features: &MlFeatureStore,
    history: Vec<PastGame>,
    recent_performance: BTreeMap<String, RecentPerformance>,
) -> PlayerInputs {
    PlayerInputs {
        feature_set_version: features.feature_set_version.clone(),
        feature_quality: features.quality_score,
        features: feature_values(features),
        defaulted: defaulted(features),
        history,
        recent_performance,
    }
}

/// `{name: value}` of a stored vector (`{name: {value, quality, source}}`).
pub fn feature_values(row: &MlFeatureStore) -> BTreeMap<String, f64> {
    let Some(map) = row.features.as_object() else {
        return BTreeMap::new();
    };
    map.iter()
        .filter_map(|(name, f)| {
            let v = f.get("value").and_then(Value::as_f64).or_else(|| f.as_f64())?;
            Some((name.clone(), v))
        })
        .collect()
}

/// Names of the features that took their default.
pub fn defaulted(row: &MlFeatureStore) -> Vec<String> {
    row.defaulted_features
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// The player's games strictly before `before`, oldest first.
pub async fn history(
    warehouse: &dyn Warehouse,
    player: &str,
    before: NaiveDate,
) -> Result<Vec<PastGame>, PredictionError> {
    let sql = format!(
        "SELECT {HISTORY_COLUMNS} FROM {} WHERE player_lookup = ? AND game_date < CAST(? AS DATE) ORDER BY game_date",
        PlayerGameSummary::SCHEMA.qualified_name()
    );
    let rows = query_or_empty(warehouse, &sql, vec![json!(player), json!(before.to_string())]).await?;
    Ok(past_games(rows)?.remove(player).unwrap_or_default())
}

/// [`history`] of every player in `date`'s upcoming context, in one query (the
/// coordinator's, for the whole slate), by player.
pub async fn slate_histories(
    warehouse: &dyn Warehouse,
    date: NaiveDate,
) -> Result<BTreeMap<String, Vec<PastGame>>, PredictionError> {
    let sql = format!(
        "SELECT {HISTORY_COLUMNS} FROM {} WHERE game_date < CAST(? AS DATE) AND player_lookup IN \
         (SELECT player_lookup FROM {} WHERE game_date = CAST(? AS DATE)) ORDER BY player_lookup, game_date",
        PlayerGameSummary::SCHEMA.qualified_name(),
        UpcomingPlayerGameContext::SCHEMA.qualified_name()
    );
    let d = json!(date.to_string());
    past_games(query_or_empty(warehouse, &sql, vec![d.clone(), d]).await?)
}

/// The `player_game_summary` columns a [`PastGame`] is made of.
const HISTORY_COLUMNS: &str =
    "player_lookup, game_date, opponent_tricode, is_home, minutes, is_dnp, points, points_line";

/// One row of [`HISTORY_COLUMNS`].
#[derive(serde::Deserialize)]
struct HistoryRow {
    player_lookup: String,
    game_date: NaiveDate,
    opponent_tricode: String,
    is_home: bool,
    minutes: Option<f64>,
    is_dnp: bool,
    points: Option<i64>,
    points_line: Option<f64>,
}

/// Rows of [`HISTORY_COLUMNS`], ordered by player then date, as each player's past games.
fn past_games(rows: Vec<nba_schemas::Row>) -> Result<BTreeMap<String, Vec<PastGame>>, PredictionError> {
    let mut by_player: BTreeMap<String, Vec<PastGame>> = BTreeMap::new();
    for row in rows {
        let r: HistoryRow = serde_json::from_value(Value::Object(row))
            .map_err(|e| PredictionError::corrupt(PlayerGameSummary::SCHEMA.qualified_name(), e))?;
        let games = by_player.entry(r.player_lookup).or_default();
        let days_rest = games.last().map(|p: &PastGame| (r.game_date - p.game_date).num_days());
        games.push(PastGame {
            game_date: r.game_date,
            opponent_tricode: r.opponent_tricode,
            is_home: r.is_home,
            minutes: if r.is_dnp { None } else { r.minutes },
            points: r.points,
            days_rest,
            points_line: r.points_line,
        });
    }
    Ok(by_player)
}

/// Per system: MAE over the graded days of the window before `before`, weighted by
/// the graded count. Empty when grading has not run (no table); any other failure is
/// an error (the request is redelivered): staging rows are written once, so an
/// ensemble must not be staged silently without its weights.
pub async fn recent_performance(
    warehouse: &dyn Warehouse,
    before: NaiveDate,
) -> Result<BTreeMap<String, RecentPerformance>, PredictionError> {
    let from = before - TimeDelta::days(PERFORMANCE_WINDOW_DAYS);
    // Each system's graded record, and the line's as a forecast over the same window (one row
    // per graded player-game with a line), which the performance ensemble weighs like a member.
    // One query: this runs for every prediction request.
    let sql = format!(
        "SELECT system_id, sum(mae * graded) / sum(graded) AS mae, sum(graded) AS predictions \
         FROM nba_predictions.system_daily_performance \
         WHERE game_date < CAST(? AS DATE) AND game_date >= CAST(? AS DATE) AND mae IS NOT NULL AND graded > 0 \
         GROUP BY system_id \
         UNION ALL \
         SELECT '{MARKET_LINE_ID}' AS system_id, avg(abs(actual_points - line)) AS mae, count(*) AS predictions \
         FROM (SELECT DISTINCT game_date, player_lookup, line, actual_points \
               FROM nba_predictions.prediction_accuracy \
               WHERE game_date < CAST(? AS DATE) AND game_date >= CAST(? AS DATE) \
               AND line IS NOT NULL AND actual_points IS NOT NULL AND NOT is_void) \
         HAVING count(*) > 0"
    );
    let window = [json!(before.to_string()), json!(from.to_string())];
    let rows = query_or_empty(warehouse, &sql, [window.clone(), window].concat()).await?;
    rows.into_iter()
        .map(|r| {
            let number = |name: &str| {
                r.get(name).and_then(Value::as_f64).ok_or_else(|| {
                    PredictionError::corrupt("recent performance", format!("{name} is not a number: {r:?}"))
                })
            };
            let id = r
                .get("system_id")
                .and_then(Value::as_str)
                .ok_or_else(|| PredictionError::corrupt("recent performance", format!("no system_id: {r:?}")))?;
            let (mae, predictions) = (number("mae")?, number("predictions")? as u64);
            Ok((id.to_string(), RecentPerformance { mae, predictions }))
        })
        .collect()
}

/// A line from the fallback source (BettingPros props).
#[derive(Debug, Clone, PartialEq)]
pub struct FallbackLine {
    pub line: f64,
    pub bookmaker: String,
    pub snapshot_at: DateTime<Utc>,
}

/// Per player: the preferred book's main points line at its latest snapshot before `cutoff`.
pub async fn fallback_lines(
    warehouse: &dyn Warehouse,
    date: NaiveDate,
    cutoff: DateTime<Utc>,
) -> Result<BTreeMap<String, FallbackLine>, PredictionError> {
    let sql = "SELECT * FROM nba_raw.bettingpros_player_props WHERE game_date = CAST(? AS DATE) AND market = ?";
    let props: Vec<BettingprosPlayerProp> =
        typed(warehouse, sql, vec![json!(date.to_string()), json!(POINTS_MARKET)]).await?;
    let mut by_player: BTreeMap<String, Vec<BettingprosPlayerProp>> = BTreeMap::new();
    for p in props
        .into_iter()
        .filter(|p| p.snapshot_at <= cutoff && p.side == "Over")
    {
        by_player.entry(p.player_lookup.clone()).or_default().push(p);
    }
    Ok(by_player
        .into_iter()
        .filter_map(|(player, quotes)| best_line(&quotes).map(|l| (player, l)))
        .collect())
}

/// The preferred book's latest snapshot, its first listing priced nearest −110.
fn best_line(quotes: &[BettingprosPlayerProp]) -> Option<FallbackLine> {
    let best_book = quotes
        .iter()
        .map(|q| q.bookmaker.as_str())
        .min_by_key(|b| book_rank(b))?;
    let of_book: Vec<&BettingprosPlayerProp> = quotes.iter().filter(|q| q.bookmaker == best_book).collect();
    let latest = of_book.iter().map(|q| q.snapshot_at).max()?;
    let main = of_book.iter().filter(|q| q.snapshot_at == latest).min_by(|a, b| {
        let key = |q: &BettingprosPlayerProp| (q.listing, q.price.map_or(f64::MAX, |p| (p + 110.0).abs()));
        key(a).partial_cmp(&key(b)).unwrap_or(std::cmp::Ordering::Equal)
    })?;
    Some(FallbackLine {
        line: main.line,
        bookmaker: main.bookmaker.clone(),
        snapshot_at: main.snapshot_at,
    })
}

/// Rank of a bookmaker for the fallback (lower is preferred; consensus last).
fn book_rank(book: &str) -> (usize, String) {
    let rank = if book == CONSENSUS_BOOK {
        usize::MAX
    } else {
        nba_schemas::tables::raw_odds::bookmaker_preference(book)
    };
    (rank, book.to_string())
}
