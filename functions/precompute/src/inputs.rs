//! Everything phase 4 reads for a game date D, read in one place so that the
//! point-in-time rule is structural: past games are read only with
//! `game_date < D`, and only D's upcoming context is read for D itself. Nothing
//! downstream of [`Inputs`] touches the warehouse, so a backfill (a warehouse
//! holding later dates too) computes exactly what a live run computed.

use chrono::NaiveDate;
use nba_cloud::{Warehouse, WarehouseError};
use nba_schemas::tables::analytics::{
    PlayerGameSummary, TeamDefenseGameSummary, TeamOffenseGameSummary, UpcomingPlayerGameContext,
    UpcomingTeamGameContext,
};
use nba_schemas::tables::raw::NbacSchedule;
use nba_schemas::{Row, Table, TableSchema};
use serde_json::{Value, json};

/// Why the inputs of a date could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("reading {table}: {source}")]
    Warehouse {
        table: String,
        #[source]
        source: WarehouseError,
    },
    #[error("{table} row does not read as its declared type: {reason}")]
    BadRow { table: String, reason: String },
}

/// A game of D from the schedule (used only when phase 3 gave no upcoming context).
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledGame {
    pub game_id: String,
    pub season: String,
    pub home: String,
    pub away: String,
}

/// The inputs of game date D.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub game_date: NaiveDate,
    /// The season of D (from its context or schedule); `None` when D has no games.
    pub season: Option<String>,
    /// D's upcoming player context, by player_lookup.
    pub players: Vec<UpcomingPlayerGameContext>,
    /// D's upcoming team context, by team.
    pub teams: Vec<UpcomingTeamGameContext>,
    /// D's scheduled games, read only when `players` is empty.
    pub schedule: Vec<ScheduledGame>,
    /// Player games of the season before D, oldest first.
    pub player_games: Vec<PlayerGameSummary>,
    /// Team games of the season before D, oldest first.
    pub team_offense: Vec<TeamOffenseGameSummary>,
    pub team_defense: Vec<TeamDefenseGameSummary>,
}

impl Inputs {
    /// Reads D's inputs. Every history query carries `game_date < D`.
    pub async fn load(warehouse: &dyn Warehouse, date: NaiveDate) -> Result<Inputs, LoadError> {
        for schema in [
            PlayerGameSummary::SCHEMA,
            TeamOffenseGameSummary::SCHEMA,
            TeamDefenseGameSummary::SCHEMA,
            UpcomingPlayerGameContext::SCHEMA,
            UpcomingTeamGameContext::SCHEMA,
        ] {
            // Phase 3 may not have written a table yet on a fresh environment: an
            // absent table reads as empty rather than as an error.
            warehouse.ensure_table(schema).await.map_err(|e| wh_err(schema, e))?;
        }
        let mut players: Vec<UpcomingPlayerGameContext> = on_date(warehouse, date).await?;
        players.sort_by(|a, b| a.player_lookup.cmp(&b.player_lookup));
        let mut teams: Vec<UpcomingTeamGameContext> = on_date(warehouse, date).await?;
        teams.sort_by(|a, b| a.team_tricode.cmp(&b.team_tricode));
        let schedule = if players.is_empty() {
            scheduled_games(warehouse, date).await?
        } else {
            Vec::new()
        };
        let season = players
            .first()
            .map(|p| p.season.clone())
            .or_else(|| teams.first().map(|t| t.season.clone()))
            .or_else(|| schedule.first().map(|g| g.season.clone()));
        let mut inputs = Inputs {
            game_date: date,
            season: season.clone(),
            players,
            teams,
            schedule,
            ..Inputs::default()
        };
        if let Some(season) = season {
            inputs.player_games = before(warehouse, date, &season).await?;
            inputs
                .player_games
                .sort_by(|a, b| (a.game_date, &a.player_lookup).cmp(&(b.game_date, &b.player_lookup)));
            inputs.team_offense = before(warehouse, date, &season).await?;
            inputs
                .team_offense
                .sort_by(|a, b| (a.game_date, &a.team_tricode).cmp(&(b.game_date, &b.team_tricode)));
            inputs.team_defense = before(warehouse, date, &season).await?;
            inputs
                .team_defense
                .sort_by(|a, b| (a.game_date, &a.team_tricode).cmp(&(b.game_date, &b.team_tricode)));
        }
        Ok(inputs)
    }
}

fn wh_err(schema: &TableSchema, source: WarehouseError) -> LoadError {
    LoadError::Warehouse {
        table: schema.qualified_name(),
        source,
    }
}

fn typed<T: Table>(rows: Vec<Row>) -> Result<Vec<T>, LoadError> {
    rows.into_iter()
        .map(|r| {
            T::from_row(r).map_err(|e| LoadError::BadRow {
                table: T::SCHEMA.qualified_name(),
                reason: e.to_string(),
            })
        })
        .collect()
}

/// D's own rows of an upcoming-context table.
async fn on_date<T: Table>(warehouse: &dyn Warehouse, date: NaiveDate) -> Result<Vec<T>, LoadError> {
    let sql = format!(
        "SELECT * FROM {} WHERE game_date = CAST(? AS DATE)",
        T::SCHEMA.qualified_name()
    );
    let rows = warehouse
        .query(&sql, vec![json!(date.to_string())])
        .await
        .map_err(|e| wh_err(T::SCHEMA, e))?;
    typed(rows)
}

/// A history table's rows of `season` strictly before D: the only way history is read.
async fn before<T: Table>(warehouse: &dyn Warehouse, date: NaiveDate, season: &str) -> Result<Vec<T>, LoadError> {
    let sql = format!(
        "SELECT * FROM {} WHERE season = ? AND game_date < CAST(? AS DATE)",
        T::SCHEMA.qualified_name()
    );
    let rows = warehouse
        .query(&sql, vec![json!(season), json!(date.to_string())])
        .await
        .map_err(|e| wh_err(T::SCHEMA, e))?;
    typed(rows)
}

/// D's games from the schedule (who plays whom is known in advance; scores are not read).
async fn scheduled_games(warehouse: &dyn Warehouse, date: NaiveDate) -> Result<Vec<ScheduledGame>, LoadError> {
    let schema = NbacSchedule::SCHEMA;
    warehouse.ensure_table(schema).await.map_err(|e| wh_err(schema, e))?;
    let sql = format!(
        "SELECT game_id, season, home_team_tricode AS home, away_team_tricode AS away FROM {} \
         WHERE game_date = CAST(? AS DATE) ORDER BY game_id",
        schema.qualified_name()
    );
    let rows = warehouse
        .query(&sql, vec![json!(date.to_string())])
        .await
        .map_err(|e| wh_err(schema, e))?;
    let text = |r: &Row, k: &str| r.get(k).and_then(Value::as_str).map(str::to_string);
    Ok(rows
        .iter()
        .filter_map(|r| {
            Some(ScheduledGame {
                game_id: text(r, "game_id")?,
                season: text(r, "season")?,
                home: text(r, "home")?,
                away: text(r, "away")?,
            })
        })
        .collect())
}
