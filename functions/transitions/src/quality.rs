//! The feature-quality gate before phase 5: enough of the date's players must have a
//! quality-ready feature vector, or the predictions would be made from defaults.
//!
//! Players are the rows of `nba_analytics.upcoming_player_game_context` for the date;
//! ready ones are those with an `is_quality_ready = true` row in
//! `nba_predictions.ml_feature_store` for the date. A missing or empty table fails the
//! gate with that reason (it is a state of the data, not a transient fault).

use chrono::NaiveDate;
use nba_cloud::{Warehouse, WarehouseError};
use serde_json::Value;

/// Least share of the date's players with a quality-ready feature vector, in percent.
pub const MIN_READY_PERCENT: u32 = 80;

pub const PLAYERS_TABLE: &str = "nba_analytics.upcoming_player_game_context";
pub const FEATURE_STORE_TABLE: &str = "nba_predictions.ml_feature_store";

/// The gate's answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Gate {
    Pass { share: f64, players: u64, ready: u64 },
    Fail { share: Option<f64>, reason: String },
}

impl Gate {
    pub fn share(&self) -> Option<f64> {
        match self {
            Gate::Pass { share, .. } => Some(*share),
            Gate::Fail { share, .. } => *share,
        }
    }
}

/// The rule, given the counts.
pub fn judge(players: u64, ready: u64) -> Gate {
    if players == 0 {
        return Gate::Fail {
            share: None,
            reason: format!("no players in {PLAYERS_TABLE} for the date"),
        };
    }
    let share = ready as f64 / players as f64;
    if ready * 100 >= players * u64::from(MIN_READY_PERCENT) {
        Gate::Pass { share, players, ready }
    } else {
        Gate::Fail {
            share: Some(share),
            reason: format!(
                "quality gate: {ready} of {players} players quality-ready ({:.0}% < {MIN_READY_PERCENT}%)",
                share * 100.0
            ),
        }
    }
}

/// Measures the date and judges it. Errors are only the transient ones.
pub async fn check(warehouse: &dyn Warehouse, date: NaiveDate) -> Result<Gate, WarehouseError> {
    let d = || Value::String(date.to_string());
    let players_sql =
        format!("SELECT count(DISTINCT player_lookup) AS n FROM {PLAYERS_TABLE} WHERE game_date = CAST(? AS DATE)");
    let players = match count(warehouse, &players_sql, vec![d()]).await {
        Ok(n) => n,
        Err(e) if is_missing_table(&e) => return Ok(missing(PLAYERS_TABLE)),
        Err(e) => return Err(e),
    };
    if players == 0 {
        return Ok(judge(0, 0));
    }
    let ready_sql = format!(
        "SELECT count(DISTINCT f.player_lookup) AS n FROM {FEATURE_STORE_TABLE} f \
         WHERE f.game_date = CAST(? AS DATE) AND f.is_quality_ready \
         AND f.player_lookup IN (SELECT player_lookup FROM {PLAYERS_TABLE} WHERE game_date = CAST(? AS DATE))"
    );
    let ready = match count(warehouse, &ready_sql, vec![d(), d()]).await {
        Ok(n) => n,
        Err(e) if is_missing_table(&e) => return Ok(missing(FEATURE_STORE_TABLE)),
        Err(e) => return Err(e),
    };
    Ok(judge(players, ready))
}

fn missing(table: &str) -> Gate {
    Gate::Fail {
        share: None,
        reason: format!("quality gate: table {table} does not exist"),
    }
}

/// The `n` of a one-row `SELECT count(…) AS n` query (see [`counts`]).
pub(crate) async fn count(warehouse: &dyn Warehouse, sql: &str, params: Vec<Value>) -> Result<u64, WarehouseError> {
    Ok(counts(warehouse, sql, params, &["n"]).await?[0])
}

/// The named integer columns of a one-row count query. A missing one is an error, not 0: a
/// zero would pass or fail a gate for a reason that is not in the data.
pub(crate) async fn counts(
    warehouse: &dyn Warehouse,
    sql: &str,
    params: Vec<Value>,
    columns: &[&str],
) -> Result<Vec<u64>, WarehouseError> {
    let rows = warehouse.query(sql, params).await?;
    columns
        .iter()
        .map(|name| {
            rows.first()
                .and_then(|r| r.get(*name))
                .and_then(Value::as_u64)
                .ok_or_else(|| WarehouseError::Query {
                    reason: format!("count query returned no integer column {name}: {sql}"),
                })
        })
        .collect()
}

/// Whether a query failed because a table, its dataset or a column is absent (see
/// [`WarehouseError::is_missing_table`]). Retrying cannot fix these; waiting for the
/// producer can.
pub fn is_missing_table(e: &WarehouseError) -> bool {
    e.is_missing_table() || e.is_missing_column()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eighty_percent_passes_and_less_fails_with_the_numbers() {
        assert!(matches!(judge(100, 80), Gate::Pass { ready: 80, .. }));
        match judge(100, 79) {
            Gate::Fail { share, reason } => {
                assert_eq!(share, Some(0.79));
                assert!(reason.contains("79 of 100"), "{reason}");
            }
            pass => panic!("{pass:?}"),
        }
    }

    #[test]
    fn no_players_fails() {
        assert!(matches!(judge(0, 0), Gate::Fail { share: None, .. }));
    }

    #[test]
    fn missing_tables_are_recognised() {
        let duck = WarehouseError::Query {
            reason: "Catalog Error: Table with name ml_feature_store does not exist!".into(),
        };
        assert!(is_missing_table(&duck));
        assert!(!is_missing_table(&WarehouseError::Busy("locked".into())));
    }
}
