//! The games of a date, from `nba_raw.nbac_schedule`: the authority on game ids,
//! tips and who is home. Other sources' games are mapped onto these.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use nba_cloud::Warehouse;
use nba_schemas::tables::raw::NbacSchedule;
use serde_json::json;

use crate::error::AnalyticsError;
use crate::read::rows_of;

/// One scheduled game.
#[derive(Debug, Clone, PartialEq)]
pub struct Game {
    pub game_id: String,
    pub game_date: NaiveDate,
    /// `YYYYMMDD_AWAY_HOME`.
    pub game_code: String,
    pub season: String,
    pub tip: Option<DateTime<Utc>>,
    pub home: String,
    pub away: String,
    pub postponed: bool,
}

impl Game {
    /// The other team of the game, when `team` plays in it.
    pub fn opponent_of(&self, team: &str) -> Option<&str> {
        if team == self.home {
            Some(&self.away)
        } else if team == self.away {
            Some(&self.home)
        } else {
            None
        }
    }

    pub fn has_teams(&self, a: &str, b: &str) -> bool {
        (self.home == a && self.away == b) || (self.home == b && self.away == a)
    }

    /// Nothing after this instant may inform a pre-game view of the game: the
    /// tip, or (tip still TBD) noon ET of the game date, before any regular tip.
    pub fn pre_game_cutoff(&self) -> DateTime<Utc> {
        self.tip
            .unwrap_or_else(|| nba_core::time::et_midnight_utc(self.game_date) + Duration::hours(12))
    }
}

impl From<NbacSchedule> for Game {
    fn from(s: NbacSchedule) -> Self {
        Game {
            postponed: s.postponed_status.as_deref() == Some("Y"),
            game_id: s.game_id,
            game_date: s.game_date,
            game_code: s.game_code,
            season: s.season,
            tip: s.tip_time_utc,
            home: s.home_team_tricode,
            away: s.away_team_tricode,
        }
    }
}

/// The games of one date.
#[derive(Debug, Clone, Default)]
pub struct DayGames {
    pub date: Option<NaiveDate>,
    pub games: Vec<Game>,
}

impl DayGames {
    pub fn new(date: NaiveDate, mut games: Vec<Game>) -> Self {
        games.sort_by(|a, b| a.game_id.cmp(&b.game_id));
        DayGames {
            date: Some(date),
            games,
        }
    }

    /// Games expected to be played (postponed ones excluded).
    pub fn playable(&self) -> impl Iterator<Item = &Game> {
        self.games.iter().filter(|g| !g.postponed)
    }

    pub fn by_id(&self, game_id: &str) -> Option<&Game> {
        self.games.iter().find(|g| g.game_id == game_id)
    }

    pub fn by_code(&self, game_code: &str) -> Option<&Game> {
        self.games.iter().find(|g| g.game_code == game_code)
    }

    pub fn by_teams(&self, a: &str, b: &str) -> Option<&Game> {
        self.games.iter().find(|g| g.has_teams(a, b))
    }

    /// The game `team` plays on this date.
    pub fn of_team(&self, team: &str) -> Option<&Game> {
        self.playable().find(|g| g.opponent_of(team).is_some())
    }

    /// The season label of the date's games.
    pub fn season(&self) -> Option<&str> {
        self.games.first().map(|g| g.season.as_str())
    }
}

/// The schedule of `date`.
pub async fn load(warehouse: &dyn Warehouse, date: NaiveDate) -> Result<DayGames, AnalyticsError> {
    let rows: Vec<NbacSchedule> =
        rows_of(warehouse, "game_date = CAST(? AS DATE)", vec![json!(date.to_string())]).await?;
    Ok(DayGames::new(date, rows.into_iter().map(Game::from).collect()))
}
