//! Views over D's point-in-time inputs: a player's past games, a team's form,
//! and the slot (the player's upcoming game) every table is computed for.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use nba_schemas::tables::analytics::{
    PlayerGameSummary, TeamDefenseGameSummary, TeamOffenseGameSummary, UpcomingPlayerGameContext,
    UpcomingTeamGameContext,
};

use crate::inputs::Inputs;
use crate::stats::mean;

/// Rolling window of team form (pace, offensive rating).
pub const TEAM_FORM_GAMES: usize = 10;

/// Whether a row is a game the player actually played (DNP rows and empty box scores are not).
pub fn played(g: &PlayerGameSummary) -> bool {
    !g.is_dnp && g.minutes.is_some_and(|m| m > 0.0) && g.points.is_some()
}

/// A player's rows of the season before D, newest first.
#[derive(Debug, Clone, Default)]
pub struct PlayerHistory<'a> {
    pub listed: Vec<&'a PlayerGameSummary>,
}

impl<'a> PlayerHistory<'a> {
    /// Played games, newest first.
    pub fn played(&self) -> impl Iterator<Item = &'a PlayerGameSummary> + '_ {
        self.listed.iter().copied().filter(|g| played(g))
    }

    /// The last `n` played games, newest first.
    pub fn last(&self, n: usize) -> Vec<&'a PlayerGameSummary> {
        self.played().take(n).collect()
    }

    /// Points of the last `n` played games, newest first.
    pub fn points(&self, n: usize) -> Vec<f64> {
        self.last(n).iter().filter_map(|g| g.points).map(|p| p as f64).collect()
    }

    pub fn minutes(&self, n: usize) -> Vec<f64> {
        self.last(n).iter().filter_map(|g| g.minutes).collect()
    }

    /// Played games in the `days` days before D (game_date ≥ D − days).
    pub fn within_days(&self, date: NaiveDate, days: i64) -> Vec<&'a PlayerGameSummary> {
        let from = date - chrono::Duration::days(days);
        self.played().filter(|g| g.game_date >= from).collect()
    }

    pub fn last_game_date(&self) -> Option<NaiveDate> {
        self.played().next().map(|g| g.game_date)
    }
}

/// Every player's history, by player_lookup.
pub fn player_histories(games: &[PlayerGameSummary]) -> BTreeMap<&str, PlayerHistory<'_>> {
    let mut by: BTreeMap<&str, PlayerHistory<'_>> = BTreeMap::new();
    for g in games.iter().rev() {
        by.entry(g.player_lookup.as_str()).or_default().listed.push(g);
    }
    by
}

/// A team's games of the season before D, newest first.
#[derive(Debug, Clone, Default)]
pub struct TeamHistory<'a> {
    pub offense: Vec<&'a TeamOffenseGameSummary>,
    pub defense: Vec<&'a TeamDefenseGameSummary>,
}

impl TeamHistory<'_> {
    pub fn pace_last(&self, n: usize) -> Option<f64> {
        let v: Vec<f64> = self.offense.iter().take(n).map(|g| g.pace).collect();
        mean(&v)
    }

    pub fn off_rating_last(&self, n: usize) -> Option<f64> {
        let v: Vec<f64> = self.offense.iter().take(n).map(|g| g.offensive_rating).collect();
        mean(&v)
    }

    /// Wins / decided games this season before D.
    pub fn win_pct(&self) -> Option<f64> {
        let decided: Vec<bool> = self.offense.iter().filter_map(|g| g.win).collect();
        let wins = decided.iter().filter(|w| **w).count() as f64;
        crate::stats::ratio(wins, decided.len() as f64)
    }
}

/// Every team's history, by tricode.
pub fn team_histories<'a>(inputs: &'a Inputs) -> BTreeMap<&'a str, TeamHistory<'a>> {
    let mut by: BTreeMap<&str, TeamHistory<'_>> = BTreeMap::new();
    for g in inputs.team_offense.iter().rev() {
        by.entry(g.team_tricode.as_str()).or_default().offense.push(g);
    }
    for g in inputs.team_defense.iter().rev() {
        by.entry(g.team_tricode.as_str()).or_default().defense.push(g);
    }
    by
}

/// League pace: the mean of every team's pace over its last [`TEAM_FORM_GAMES`] games,
/// the same window the team and opponent paces use.
pub fn league_pace(teams: &BTreeMap<&str, TeamHistory<'_>>) -> Option<f64> {
    let paces: Vec<f64> = teams.values().filter_map(|t| t.pace_last(TEAM_FORM_GAMES)).collect();
    mean(&paces)
}

/// Where a slot's game context came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContextSource {
    /// Phase 3's upcoming_player_game_context for D.
    Upcoming,
    /// Derived from the player's past games (D had no upcoming context).
    History,
}

impl ContextSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ContextSource::Upcoming => "upcoming_context",
            ContextSource::History => "history",
        }
    }
}

/// A player's upcoming game on D: what every table is computed for.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    pub player_lookup: String,
    pub player_name: String,
    pub game_id: Option<String>,
    pub season: String,
    pub team: String,
    pub opponent: String,
    pub is_home: bool,
    pub days_rest: Option<i64>,
    pub is_back_to_back: bool,
    pub games_last_7_days: i64,
    pub minutes_last_7_days: f64,
    pub current_line: Option<f64>,
    pub opening_line: Option<f64>,
    pub line_movement: Option<f64>,
    pub spread: Option<f64>,
    pub game_total: Option<f64>,
    pub teammates_out: Option<i64>,
    pub source: ContextSource,
}

impl Slot {
    pub fn from_context(c: &UpcomingPlayerGameContext) -> Slot {
        let movement = c.line_movement.or(match (c.current_line, c.opening_line) {
            (Some(cur), Some(open)) => Some(cur - open),
            _ => None,
        });
        Slot {
            player_lookup: c.player_lookup.clone(),
            player_name: c.player_name.clone(),
            game_id: Some(c.game_id.clone()),
            season: c.season.clone(),
            team: c.team_tricode.clone(),
            opponent: c.opponent_tricode.clone(),
            is_home: c.is_home,
            days_rest: c.days_rest,
            is_back_to_back: c.is_back_to_back,
            games_last_7_days: c.games_last_7_days,
            minutes_last_7_days: c.minutes_last_7_days,
            current_line: c.current_line,
            opening_line: c.opening_line,
            line_movement: movement,
            spread: c.spread,
            game_total: c.game_total,
            teammates_out: c.teammates_out,
            source: ContextSource::Upcoming,
        }
    }
}

/// The slots of D: phase 3's upcoming context, or — when it is empty — the players
/// whose latest game this season was for a team scheduled on D (rest and workload
/// from their past games; no lines, which only phase 3 knows point in time).
pub fn slots(inputs: &Inputs, players: &BTreeMap<&str, PlayerHistory<'_>>) -> Vec<Slot> {
    if !inputs.players.is_empty() {
        return inputs.players.iter().map(Slot::from_context).collect();
    }
    let mut out = Vec::new();
    for (lookup, history) in players {
        let Some(latest) = history.listed.first() else {
            continue;
        };
        let game = inputs
            .schedule
            .iter()
            .find(|g| g.home == latest.team_tricode || g.away == latest.team_tricode);
        let Some(game) = game else {
            continue;
        };
        let is_home = game.home == latest.team_tricode;
        let days_rest = history.last_game_date().map(|d| (inputs.game_date - d).num_days());
        let last7 = history.within_days(inputs.game_date, 7);
        out.push(Slot {
            player_lookup: (*lookup).to_string(),
            player_name: latest.player_name.clone(),
            game_id: Some(game.game_id.clone()),
            season: game.season.clone(),
            team: latest.team_tricode.clone(),
            opponent: if is_home { game.away.clone() } else { game.home.clone() },
            is_home,
            days_rest,
            is_back_to_back: days_rest == Some(1),
            games_last_7_days: last7.len() as i64,
            minutes_last_7_days: last7.iter().filter_map(|g| g.minutes).sum(),
            current_line: None,
            opening_line: None,
            line_movement: None,
            spread: None,
            game_total: None,
            teammates_out: None,
            source: ContextSource::History,
        });
    }
    out
}

/// D's team context by tricode.
pub fn team_contexts(inputs: &Inputs) -> BTreeMap<&str, &UpcomingTeamGameContext> {
    inputs.teams.iter().map(|t| (t.team_tricode.as_str(), t)).collect()
}
