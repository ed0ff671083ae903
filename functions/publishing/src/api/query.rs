//! `GET /v1/predictions?date=&player=&system=`: a date's active predictions from the
//! warehouse, filtered. The coverage gate applies here as in the published documents:
//! below it the answer is `withheld` with the reason, and no rows.

use std::collections::HashMap;

use chrono::NaiveDate;
use nba_cloud::Warehouse;
use nba_schemas::Table;
use nba_schemas::tables::prediction_output::PlayerPropPrediction;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::api::respond::ApiError;
use crate::documents::{API_VERSION, Coverage, Publication, SystemPrediction};
use crate::error::PublishError;
use crate::export::{predictions, read};
use crate::paths::{is_player_lookup, parse_date};

/// The query's parameters, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub date: NaiveDate,
    pub player: Option<String>,
    pub system: Option<String>,
}

impl Filter {
    /// Validates raw query parameters: every problem is a 400 naming the parameter.
    pub fn parse(params: &HashMap<String, String>) -> Result<Filter, ApiError> {
        if let Some(unknown) = params
            .keys()
            .find(|k| !["date", "player", "system"].contains(&k.as_str()))
        {
            return Err(ApiError::BadRequest(format!(
                "unknown parameter {unknown:?}: expected date, player, system"
            )));
        }
        let date = params
            .get("date")
            .ok_or_else(|| ApiError::BadRequest("missing parameter date (YYYY-MM-DD)".into()))?;
        let date =
            parse_date(date).map_err(|_| ApiError::BadRequest(format!("bad date {date:?}: expected YYYY-MM-DD")))?;
        let player = match params.get("player") {
            Some(p) if is_player_lookup(p) => Some(p.clone()),
            Some(p) => {
                return Err(ApiError::BadRequest(format!(
                    "bad player {p:?}: a player_lookup is [a-z0-9]+ (e.g. lebronjames)"
                )));
            }
            None => None,
        };
        let system = match params.get("system") {
            Some(s) if nba_systems::SYSTEM_IDS.contains(&s.as_str()) => Some(s.clone()),
            Some(s) => {
                return Err(ApiError::BadRequest(format!(
                    "unknown system {s:?}: one of {}",
                    nba_systems::SYSTEM_IDS.join(", ")
                )));
            }
            None => None,
        };
        Ok(Filter { date, player, system })
    }
}

/// The answer of a filtered query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PredictionsQueryResponse {
    pub api_version: String,
    pub game_date: NaiveDate,
    pub player: Option<String>,
    pub system: Option<String>,
    pub publication: Publication,
    pub coverage: Coverage,
    pub count: usize,
    pub predictions: Vec<QueryRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct QueryRow {
    pub game_id: String,
    pub player_lookup: String,
    /// From the player's upcoming-game context, when there is one.
    pub player_name: Option<String>,
    pub team: Option<String>,
    pub opponent: Option<String>,
    #[serde(flatten)]
    pub prediction: SystemPrediction,
}

/// Runs the filtered query.
pub async fn run(w: &dyn Warehouse, filter: &Filter) -> Result<PredictionsQueryResponse, PublishError> {
    let row = read::coverage(w, filter.date).await?;
    let (publication, coverage) = predictions::coverage(filter.date, row.as_ref());
    let rows = match publication {
        Publication::Published => select(w, filter).await?,
        Publication::Withheld => Vec::new(),
    };
    Ok(PredictionsQueryResponse {
        api_version: API_VERSION.into(),
        game_date: filter.date,
        player: filter.player.clone(),
        system: filter.system.clone(),
        publication,
        coverage,
        count: rows.len(),
        predictions: rows,
    })
}

async fn select(w: &dyn Warehouse, filter: &Filter) -> Result<Vec<QueryRow>, PublishError> {
    let mut sql = String::from(
        "SELECT p.*, c.player_name AS ctx_player_name, c.team_tricode AS ctx_team, c.opponent_tricode AS ctx_opponent \
         FROM nba_predictions.player_prop_predictions p \
         LEFT JOIN nba_analytics.upcoming_player_game_context c \
           ON c.game_date = p.game_date AND c.player_lookup = p.player_lookup \
         WHERE p.game_date = CAST(? AS DATE) AND p.is_active",
    );
    let mut params = vec![json!(filter.date.to_string())];
    if let Some(player) = &filter.player {
        sql.push_str(" AND p.player_lookup = ?");
        params.push(json!(player));
    }
    if let Some(system) = &filter.system {
        sql.push_str(" AND p.system_id = ?");
        params.push(json!(system));
    }
    sql.push_str(" ORDER BY p.game_id, p.player_lookup, p.system_id");
    let table = PlayerPropPrediction::SCHEMA.qualified_name();
    let rows = w.query(&sql, params).await.map_err(PublishError::read(table.clone()))?;
    rows.into_iter()
        .map(|mut row| {
            let mut take = |c: &str| match row.remove(c) {
                Some(Value::String(s)) => Some(s),
                _ => None,
            };
            let (player_name, team, opponent) = (take("ctx_player_name"), take("ctx_team"), take("ctx_opponent"));
            let p = PlayerPropPrediction::from_row(row).map_err(|e| PublishError::bad_row(&table, e.to_string()))?;
            Ok(QueryRow {
                game_id: p.game_id.clone(),
                player_lookup: p.player_lookup.clone(),
                player_name,
                team,
                opponent,
                prediction: predictions::system_prediction(&p)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn message(e: ApiError) -> String {
        match e {
            ApiError::BadRequest(m) => m,
            other => panic!("not a 400: {other:?}"),
        }
    }

    #[test]
    fn every_parameter_is_validated_with_a_clear_message() {
        let ok = Filter::parse(&params(&[
            ("date", "2025-01-10"),
            ("system", "moving_average"),
            ("player", "lebronjames"),
        ]));
        assert_eq!(ok.unwrap().system.as_deref(), Some("moving_average"));
        let bad = |p: &[(&str, &str)]| message(Filter::parse(&params(p)).unwrap_err());
        assert!(bad(&[]).contains("missing parameter date"));
        assert!(bad(&[("date", "2025-02-30")]).contains("bad date \"2025-02-30\""));
        assert!(bad(&[("date", "10/01/2025")]).contains("bad date"));
        assert!(
            bad(&[("date", "2025-01-10"), ("system", "magic")])
                .contains("unknown system \"magic\": one of moving_average")
        );
        assert!(bad(&[("date", "2025-01-10"), ("player", "LeBron James")]).contains("bad player"));
        assert!(bad(&[("date", "2025-01-10"), ("sort", "edge")]).contains("unknown parameter \"sort\""));
    }
}
