//! What the walk-forward harness reads, and the point-in-time views it hands out.
//!
//! The whole range is loaded once (feature vectors and player-game summaries up to
//! the last evaluated date), then every question is asked *as of* a date through
//! [`InputProvider`]: the feature rows to predict on D, the player's games before
//! D, the training examples before D, and D's actual games (for grading only).
//! The harness never touches the loaded rows directly, so the one place that
//! decides what "before D" means is here, and the leak guards check its answers.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use nba_cloud::{PartitionRange, Warehouse};
use nba_schemas::Table;
use nba_schemas::tables::analytics::PlayerGameSummary;
use nba_schemas::tables::predictions::MlFeatureStore;
use nba_systems::PastGame;
use serde_json::Value;

use crate::grade::Actual;

/// One feature-store vector, by name.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureRow {
    pub game_date: NaiveDate,
    pub player_lookup: String,
    pub game_id: Option<String>,
    pub team_tricode: String,
    pub opponent_tricode: String,
    pub feature_set_version: String,
    pub features: BTreeMap<String, f64>,
    pub defaulted: Vec<String>,
    pub is_quality_ready: bool,
}

impl FeatureRow {
    /// The line known before the game: the vector's `points_line` when `has_line` says
    /// there was one (a defaulted 0.0 is not a line).
    pub fn line(&self) -> Option<f64> {
        let has = self.features.get("has_line").copied().unwrap_or(0.0) >= 0.5;
        self.features
            .get("points_line")
            .copied()
            .filter(|l| has && *l > 0.0 && !self.defaulted.iter().any(|d| d == "points_line"))
    }

    pub fn is_home(&self) -> bool {
        self.features.get("home_away").copied().unwrap_or(0.0) >= 0.5
    }
}

/// One player-game from `player_game_summary`.
#[derive(Debug, Clone, PartialEq)]
pub struct GameRow {
    pub game_date: NaiveDate,
    pub game_id: String,
    pub season: String,
    pub player_lookup: String,
    pub opponent_tricode: String,
    pub is_home: bool,
    pub minutes: Option<f64>,
    pub points: Option<i64>,
    pub is_dnp: bool,
    pub dnp_reason: Option<String>,
    pub points_line: Option<f64>,
}

impl GameRow {
    pub fn actual(&self) -> Actual {
        Actual {
            points: self.points,
            minutes: self.minutes,
            is_dnp: self.is_dnp,
            dnp_reason: self.dnp_reason.clone(),
        }
    }

    /// Points of a played game (not DNP, minutes > 0).
    pub fn played_points(&self) -> Option<f64> {
        match (self.is_dnp, self.minutes, self.points) {
            (false, Some(m), Some(p)) if m > 0.0 => Some(p as f64),
            _ => None,
        }
    }
}

/// A training example: a feature vector of a past date joined to the points scored that day.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingRow {
    pub game_date: NaiveDate,
    pub player_lookup: String,
    pub features: BTreeMap<String, f64>,
    /// The line known before that game ([`FeatureRow::line`] of the same vector): the
    /// market-aware model's input, never a line seen after the game.
    pub line: Option<f64>,
    pub actual_points: f64,
}

impl TrainingRow {
    /// The row as the tree systems' trainer takes it.
    pub fn example(&self) -> nba_systems::TrainingExample {
        nba_systems::TrainingExample {
            game_date: self.game_date,
            features: self.features.clone(),
            line: self.line,
            points: self.actual_points,
        }
    }
}

/// The point-in-time questions the harness asks. The honest implementation is
/// [`Dataset`]; tests substitute leaky ones to prove the guards catch them.
pub trait InputProvider: Send + Sync {
    /// Dates in `[from, to]` that have feature vectors, ascending.
    fn dates(&self, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate>;
    /// The vectors to predict on `date`.
    fn features_on(&self, date: NaiveDate) -> Vec<FeatureRow>;
    /// The player's games strictly before `date`, oldest first.
    fn history_before(&self, player: &str, date: NaiveDate) -> Vec<PastGame>;
    /// Training examples strictly before `date` (played games only).
    fn training_before(&self, date: NaiveDate) -> Vec<TrainingRow>;
    /// What the player did on `date` (grading only: never shown to a system).
    fn actual(&self, player: &str, date: NaiveDate) -> Option<GameRow>;
}

/// The loaded range: every feature vector and player-game up to the last date.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// By (date, player). Duplicates found while loading are kept in `duplicates`.
    features: BTreeMap<(NaiveDate, String), FeatureRow>,
    games: BTreeMap<(NaiveDate, String), GameRow>,
    /// Per player, dates of their games (ascending), for history look-ups.
    by_player: BTreeMap<String, Vec<NaiveDate>>,
    /// (table, date, player) seen more than once.
    pub duplicates: Vec<(String, NaiveDate, String)>,
}

/// The earliest date loaded: before any NBA season the warehouse can hold.
fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid date")
}

impl Dataset {
    /// Reads feature vectors and summaries with `game_date <= to`.
    pub async fn load(warehouse: &dyn Warehouse, to: NaiveDate) -> anyhow::Result<Dataset> {
        let range = Some(PartitionRange { from: epoch(), to });
        for schema in [MlFeatureStore::SCHEMA, PlayerGameSummary::SCHEMA] {
            warehouse.ensure_table(schema).await?;
        }
        let features = warehouse
            .scan(MlFeatureStore::SCHEMA, range)
            .await?
            .into_iter()
            .map(MlFeatureStore::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let games = warehouse
            .scan(PlayerGameSummary::SCHEMA, range)
            .await?
            .into_iter()
            .map(PlayerGameSummary::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Dataset::from_rows(
            features.iter().map(feature_row).collect(),
            games.iter().map(game_row).collect(),
        ))
    }

    pub fn from_rows(features: Vec<FeatureRow>, games: Vec<GameRow>) -> Dataset {
        let mut data = Dataset::default();
        for f in features {
            let key = (f.game_date, f.player_lookup.clone());
            if data.features.insert(key.clone(), f).is_some() {
                data.duplicates.push(("ml_feature_store".into(), key.0, key.1));
            }
        }
        for g in games {
            let key = (g.game_date, g.player_lookup.clone());
            if data.games.insert(key.clone(), g).is_some() {
                data.duplicates.push(("player_game_summary".into(), key.0, key.1));
            } else {
                data.by_player.entry(key.1).or_default().push(key.0);
            }
        }
        for dates in data.by_player.values_mut() {
            dates.sort();
        }
        data
    }

    pub fn feature_rows(&self) -> usize {
        self.features.len()
    }

    pub fn game_rows(&self) -> usize {
        self.games.len()
    }
}

impl InputProvider for Dataset {
    fn dates(&self, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
        let mut dates: Vec<NaiveDate> = self
            .features
            .keys()
            .map(|(d, _)| *d)
            .filter(|d| *d >= from && *d <= to)
            .collect();
        dates.dedup();
        dates
    }

    fn features_on(&self, date: NaiveDate) -> Vec<FeatureRow> {
        self.features
            .range((date, String::new())..)
            .take_while(|((d, _), _)| *d == date)
            .map(|(_, f)| f.clone())
            .collect()
    }

    fn history_before(&self, player: &str, date: NaiveDate) -> Vec<PastGame> {
        let Some(dates) = self.by_player.get(player) else {
            return Vec::new();
        };
        let mut previous: Option<NaiveDate> = None;
        let mut out = Vec::new();
        for d in dates.iter().take_while(|d| **d < date) {
            let g = &self.games[&(*d, player.to_string())];
            out.push(PastGame {
                game_date: g.game_date,
                opponent_tricode: g.opponent_tricode.clone(),
                is_home: g.is_home,
                minutes: g.minutes.filter(|_| !g.is_dnp),
                points: g.points.filter(|_| !g.is_dnp),
                days_rest: previous.map(|p| (g.game_date - p).num_days()),
                points_line: g.points_line,
            });
            previous = Some(g.game_date);
        }
        out
    }

    fn training_before(&self, date: NaiveDate) -> Vec<TrainingRow> {
        self.features
            .range(..(date, String::new()))
            .filter_map(|((d, player), f)| {
                let points = self.games.get(&(*d, player.clone()))?.played_points()?;
                Some(TrainingRow {
                    game_date: *d,
                    player_lookup: player.clone(),
                    features: f.features.clone(),
                    line: f.line(),
                    actual_points: points,
                })
            })
            .collect()
    }

    fn actual(&self, player: &str, date: NaiveDate) -> Option<GameRow> {
        self.games.get(&(date, player.to_string())).cloned()
    }
}

/// A stored vector by name: names and values are parallel arrays in contract order.
pub fn feature_row(row: &MlFeatureStore) -> FeatureRow {
    let names = strings(&row.feature_names);
    let values: Vec<f64> = row
        .feature_values
        .as_array()
        .map(|a| a.iter().map(|v| v.as_f64().unwrap_or(f64::NAN)).collect())
        .unwrap_or_default();
    FeatureRow {
        game_date: row.game_date,
        player_lookup: row.player_lookup.clone(),
        game_id: row.game_id.clone(),
        team_tricode: row.team_tricode.clone(),
        opponent_tricode: row.opponent_tricode.clone(),
        feature_set_version: row.feature_set_version.clone(),
        features: names.into_iter().zip(values).collect(),
        defaulted: strings(&row.defaulted_features),
        is_quality_ready: row.is_quality_ready,
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

pub fn game_row(row: &PlayerGameSummary) -> GameRow {
    GameRow {
        game_date: row.game_date,
        game_id: row.game_id.clone(),
        season: row.season.clone(),
        player_lookup: row.player_lookup.clone(),
        opponent_tricode: row.opponent_tricode.clone(),
        is_home: row.is_home,
        minutes: row.minutes,
        points: row.points,
        is_dnp: row.is_dnp,
        dnp_reason: row.dnp_reason.clone(),
        points_line: row.points_line,
    }
}
