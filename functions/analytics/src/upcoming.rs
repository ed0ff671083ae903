//! `upcoming_player_game_context` and `upcoming_team_game_context`: what is
//! known about the games of date D before they start.
//!
//! Point in time: history comes only from summaries of games before D, lines,
//! game lines and injury reports only from snapshots strictly before the
//! cutoff — min(now, tip) — and the player list only from lists dated ≤ D.
//! Nothing from game D itself or later is read, so recomputing D's context
//! after its games changes nothing.
//!
//! `context_as_of` is the latest snapshot the game's context used (lines, game
//! lines, injury report), which is what "now" was for the data; without any,
//! two hours before the tip (capped at the wall clock). Using the wall clock
//! instead would make every recompute a different row.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use nba_cloud::Warehouse;
use nba_schemas::Table;
use nba_schemas::tables::analytics::{
    PlayerGameSummary, TeamOffenseGameSummary, UpcomingPlayerGameContext, UpcomingTeamGameContext,
};
use nba_schemas::tables::raw_balldontlie::BdlInjury;
use nba_schemas::tables::raw_nba_com::NbacPlayerList;
use nba_schemas::tables::raw_odds::{OddsApiGameLine, OddsApiPlayerProp};
use serde_json::json;

use crate::error::AnalyticsError;
use crate::formulas;
use crate::lines::{self, ChosenLine, PropsByPlayerGame, choose_line, game_odds};
use crate::read::{self, rows_of};
use crate::schedule::{DayGames, Game};

/// Injury statuses that mean the player will not play.
pub const OUT_STATUSES: &[&str] = &["Out", "Out For Season", "Suspension"];
/// Injury reports older than this before D are not "the latest report".
const INJURY_LOOKBACK_DAYS: i64 = 7;
/// Fallback `context_as_of` when no snapshot informed a game: this long before tip.
const AS_OF_BEFORE_TIP: Duration = Duration::hours(2);

/// Who a player is and which team he was last seen on.
#[derive(Debug, Clone, PartialEq)]
pub struct PlayerRef {
    pub player_id: Option<i64>,
    pub player_name: String,
    pub team: String,
    /// The date the team was seen (game or list date).
    pub seen: NaiveDate,
}

/// One game a team played before D.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamGame {
    pub date: NaiveDate,
    pub regular_season: bool,
    pub win: Option<bool>,
}

/// Everything upcoming context is computed from (all of it known before D's games).
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub day: DayGames,
    /// Latest summary row per player before D (this season).
    pub latest_game: BTreeMap<String, PlayerRef>,
    /// Latest player-list row per player dated ≤ D (this season).
    pub roster: BTreeMap<String, PlayerRef>,
    /// Games played (not DNP) before D, per player: (date, minutes).
    pub played: BTreeMap<String, Vec<(NaiveDate, f64)>>,
    pub team_games: BTreeMap<String, Vec<TeamGame>>,
    pub props: PropsByPlayerGame,
    pub game_lines: Vec<OddsApiGameLine>,
    pub injuries: Vec<BdlInjury>,
}

/// Reads the inputs of date D's context (snapshots are cut at each game's
/// tip in [`build`], which is where point-in-time is enforced and tested).
pub async fn load(warehouse: &dyn Warehouse, date: NaiveDate, day: DayGames) -> Result<Inputs, AnalyticsError> {
    let season = day.season().unwrap_or_default().to_string();
    let d = json!(date.to_string());
    // The season so far is read on every run of the context (several a day): only the
    // columns it uses, not whole summary rows.
    let summaries = read::query(
        warehouse,
        PlayerGameSummary::SCHEMA.name,
        &format!(
            "SELECT player_lookup, player_id, player_name, team_tricode, game_date, is_dnp, minutes \
             FROM {} WHERE season = ? AND game_date < CAST(? AS DATE)",
            PlayerGameSummary::SCHEMA.qualified_name()
        ),
        vec![json!(season), d.clone()],
    )
    .await?
    .into_iter()
    .map(|row| {
        serde_json::from_value::<SeasonGame>(serde_json::Value::Object(row)).map_err(|e| AnalyticsError::BadRow {
            table: PlayerGameSummary::SCHEMA.qualified_name(),
            reason: e.to_string(),
        })
    })
    .collect::<Result<Vec<_>, _>>()?;
    let list: Vec<NbacPlayerList> = rows_of(
        warehouse,
        "season = ? AND list_date <= CAST(? AS DATE) AND team_tricode IS NOT NULL",
        vec![json!(season), d.clone()],
    )
    .await?;
    let team_rows = read::query(
        warehouse,
        TeamOffenseGameSummary::SCHEMA.name,
        &format!(
            "SELECT team_tricode, game_id, game_date, win FROM {} WHERE season = ? AND game_date < CAST(? AS DATE)",
            TeamOffenseGameSummary::SCHEMA.qualified_name()
        ),
        vec![json!(season), d.clone()],
    )
    .await?;
    let injuries: Vec<BdlInjury> = rows_of(
        warehouse,
        "snapshot_date BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)",
        vec![
            json!((date - Duration::days(INJURY_LOOKBACK_DAYS)).to_string()),
            d.clone(),
        ],
    )
    .await?;
    let mut inputs = Inputs {
        props: lines::load_points_props(warehouse, date).await?,
        game_lines: lines::load_game_lines(warehouse, date).await?,
        injuries,
        ..Default::default()
    };
    inputs.absorb_summaries(summaries);
    inputs.absorb_player_list(list);
    for r in team_rows {
        let (Some(team), Some(game_id), Some(game_date)) = (
            read::text(&r, "team_tricode"),
            read::text(&r, "game_id"),
            read::date(&r, "game_date"),
        ) else {
            continue;
        };
        inputs.team_games.entry(team).or_default().push(TeamGame {
            date: game_date,
            regular_season: game_id.starts_with("002"),
            win: r.get("win").and_then(serde_json::Value::as_bool),
        });
    }
    inputs.day = day;
    Ok(inputs)
}

/// The columns of a `player_game_summary` row the context reads.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct SeasonGame {
    pub player_lookup: String,
    pub player_id: Option<i64>,
    pub player_name: String,
    pub team_tricode: String,
    pub game_date: NaiveDate,
    pub is_dnp: bool,
    pub minutes: Option<f64>,
}

impl Inputs {
    pub fn absorb_summaries(&mut self, rows: Vec<SeasonGame>) {
        for r in rows {
            let newer = self
                .latest_game
                .get(&r.player_lookup)
                .is_none_or(|p| p.seen <= r.game_date);
            if newer {
                let p = PlayerRef {
                    player_id: r.player_id,
                    player_name: r.player_name.clone(),
                    team: r.team_tricode.clone(),
                    seen: r.game_date,
                };
                self.latest_game.insert(r.player_lookup.clone(), p);
            }
            if !r.is_dnp {
                let games = self.played.entry(r.player_lookup).or_default();
                games.push((r.game_date, r.minutes.unwrap_or(0.0)));
            }
        }
    }

    pub fn absorb_player_list(&mut self, rows: Vec<NbacPlayerList>) {
        for r in rows {
            let Some(team) = r.team_tricode else { continue };
            let newer = self.roster.get(&r.player_lookup).is_none_or(|p| p.seen <= r.list_date);
            if newer {
                let p = PlayerRef {
                    player_id: Some(r.player_id),
                    player_name: r.player_name,
                    team,
                    seen: r.list_date,
                };
                self.roster.insert(r.player_lookup, p);
            }
        }
    }

    /// The player's latest team: from his last game, else the player list.
    fn known(&self, player: &str) -> Option<&PlayerRef> {
        self.latest_game.get(player).or_else(|| self.roster.get(player))
    }
}

/// A player whose context is computed, and the game he plays in.
#[derive(Debug, Clone)]
struct Member<'a> {
    player_lookup: String,
    who: PlayerRef,
    game: &'a Game,
}

/// D's players: those whose latest team plays on D, plus players with a points
/// line for a game of D whose team (from any source) is in that game.
fn universe(inputs: &Inputs) -> (Vec<Member<'_>>, usize) {
    let mut members: BTreeMap<String, Member<'_>> = BTreeMap::new();
    let players: BTreeSet<&String> = inputs.latest_game.keys().chain(inputs.roster.keys()).collect();
    for player in players {
        let Some(who) = inputs.known(player) else { continue };
        if let Some(game) = inputs.day.of_team(&who.team) {
            let m = Member {
                player_lookup: player.clone(),
                who: who.clone(),
                game,
            };
            members.insert(player.clone(), m);
        }
    }
    let mut unplaced = BTreeSet::new();
    for (player, (_, home, away)) in inputs.props.keys() {
        if members.contains_key(player) {
            continue;
        }
        let Some(game) = inputs.day.playable().find(|g| &g.home == home && &g.away == away) else {
            continue;
        };
        let team = [inputs.latest_game.get(player), inputs.roster.get(player)]
            .into_iter()
            .flatten()
            .find(|p| game.opponent_of(&p.team).is_some());
        match team {
            Some(who) => {
                let m = Member {
                    player_lookup: player.clone(),
                    who: who.clone(),
                    game,
                };
                members.insert(player.clone(), m);
            }
            None => {
                unplaced.insert(player.clone());
            }
        }
    }
    (members.into_values().collect(), unplaced.len())
}

/// The latest injury report strictly before `cutoff`, when one exists.
fn injury_report(injuries: &[BdlInjury], cutoff: DateTime<Utc>) -> Option<(DateTime<Utc>, Vec<&BdlInjury>)> {
    let at = injuries.iter().map(|i| i.snapshot_at).filter(|t| *t < cutoff).max()?;
    Some((at, injuries.iter().filter(|i| i.snapshot_at == at).collect()))
}

/// Per game: its cutoff, the injury report before it, and the `context_as_of`.
struct GameView<'a> {
    cutoff: DateTime<Utc>,
    report: Option<(DateTime<Utc>, Vec<&'a BdlInjury>)>,
}

impl GameView<'_> {
    /// Players of `team` reported out, and `player`'s own status.
    fn injuries(&self, inputs: &Inputs, team: &str, player: Option<&str>) -> (Option<i64>, Option<String>) {
        let Some((_, report)) = &self.report else {
            return (None, None);
        };
        let team_of = |i: &BdlInjury| {
            i.team_tricode
                .clone()
                .or_else(|| inputs.known(&i.player_lookup).map(|p| p.team.clone()))
        };
        let out = report
            .iter()
            .filter(|i| OUT_STATUSES.contains(&i.status.as_str()))
            .filter(|i| team_of(i).as_deref() == Some(team))
            .filter(|i| Some(i.player_lookup.as_str()) != player)
            .count() as i64;
        let own = player.and_then(|p| report.iter().find(|i| i.player_lookup == p).map(|i| i.status.clone()));
        (Some(out), own)
    }
}

/// The computed rows, and how many players with a line could not be placed on a team.
pub struct Built {
    pub players: Vec<UpcomingPlayerGameContext>,
    pub teams: Vec<UpcomingTeamGameContext>,
    pub unplaced: usize,
}

/// Computes D's context from `inputs`, as of `now` (capped at each tip).
pub fn build(date: NaiveDate, inputs: &Inputs, now: DateTime<Utc>, processed_at: DateTime<Utc>) -> Built {
    let views: BTreeMap<&str, GameView<'_>> = inputs
        .day
        .playable()
        .map(|g| {
            let cutoff = g.pre_game_cutoff().min(now);
            let view = GameView {
                cutoff,
                report: injury_report(&inputs.injuries, cutoff),
            };
            (g.game_id.as_str(), view)
        })
        .collect();
    let (members, unplaced) = universe(inputs);
    let mut players = Vec::new();
    for m in &members {
        let view = &views[m.game.game_id.as_str()];
        let line = player_line(&inputs.props, m, view.cutoff);
        players.push(player_row(date, inputs, m, view, line, processed_at));
    }
    let as_of = as_of_by_game(inputs, &views, &players, now);
    for p in &mut players {
        p.context_as_of = as_of[p.game_id.as_str()];
    }
    let mut teams = Vec::new();
    for g in inputs.day.playable() {
        for team in [&g.home, &g.away] {
            let view = &views[g.game_id.as_str()];
            let mut row = team_row(date, inputs, g, team, view, &players, processed_at);
            row.context_as_of = as_of[g.game_id.as_str()];
            teams.push(row);
        }
    }
    Built {
        players,
        teams,
        unplaced,
    }
}

fn player_line(props: &PropsByPlayerGame, m: &Member<'_>, cutoff: DateTime<Utc>) -> Option<ChosenLine> {
    let key = (
        m.player_lookup.clone(),
        (m.game.game_date, m.game.home.clone(), m.game.away.clone()),
    );
    let quotes: Vec<&OddsApiPlayerProp> = props.get(&key)?.iter().collect();
    choose_line(&quotes, cutoff)
}

/// Latest snapshot used per game (lines, game lines, injury report), else tip − 2 h.
fn as_of_by_game<'a>(
    inputs: &'a Inputs,
    views: &BTreeMap<&'a str, GameView<'_>>,
    players: &[UpcomingPlayerGameContext],
    now: DateTime<Utc>,
) -> BTreeMap<&'a str, DateTime<Utc>> {
    inputs
        .day
        .playable()
        .map(|g| {
            let view = &views[g.game_id.as_str()];
            let lines = players
                .iter()
                .filter(|p| p.game_id == g.game_id)
                .filter_map(|p| p.line_snapshot_at);
            let odds = game_odds(&inputs.game_lines, &g.home, &g.away, &g.home, view.cutoff).snapshot_at;
            let report = view.report.as_ref().map(|(at, _)| *at);
            let used = lines.chain(odds).chain(report).max();
            let fallback = || (g.pre_game_cutoff() - AS_OF_BEFORE_TIP).min(now);
            (g.game_id.as_str(), used.unwrap_or_else(fallback))
        })
        .collect()
}

fn player_row(
    date: NaiveDate,
    inputs: &Inputs,
    m: &Member<'_>,
    view: &GameView<'_>,
    line: Option<ChosenLine>,
    processed_at: DateTime<Utc>,
) -> UpcomingPlayerGameContext {
    let g = m.game;
    let team = m.who.team.clone();
    let played = inputs
        .played
        .get(&m.player_lookup)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let previous = played.iter().map(|(d, _)| *d).filter(|d| *d < date).max();
    let rest = formulas::days_rest(date, previous);
    let (g7, m7) = formulas::window(date, played, 7);
    let (g14, m14) = formulas::window(date, played, 14);
    let odds = game_odds(&inputs.game_lines, &g.home, &g.away, &team, view.cutoff);
    let (teammates_out, injury_status) = view.injuries(inputs, &team, Some(&m.player_lookup));
    UpcomingPlayerGameContext {
        game_date: date,
        game_id: g.game_id.clone(),
        season: g.season.clone(),
        player_lookup: m.player_lookup.clone(),
        player_id: m.who.player_id,
        player_name: m.who.player_name.clone(),
        opponent_tricode: g.opponent_of(&team).unwrap_or_default().to_string(),
        is_home: g.home == team,
        team_tricode: team,
        tip_time_utc: g.tip,
        days_rest: rest,
        is_back_to_back: formulas::is_back_to_back(rest),
        games_last_7_days: g7,
        games_last_14_days: g14,
        minutes_last_7_days: m7,
        minutes_last_14_days: m14,
        current_line: line.as_ref().map(|l| l.line),
        opening_line: line.as_ref().map(|l| l.opening_line),
        line_movement: line.as_ref().map(ChosenLine::movement),
        line_bookmaker: line.as_ref().map(|l| l.bookmaker.clone()),
        line_snapshot_at: line.as_ref().map(|l| l.snapshot_at),
        line_snapshots: line.as_ref().map_or(0, |l| l.snapshots),
        spread: odds.spread,
        game_total: odds.total,
        teammates_out,
        injury_status,
        context_as_of: view.cutoff,
        data_hash: String::new(),
        processed_at,
    }
}

fn team_row(
    date: NaiveDate,
    inputs: &Inputs,
    g: &Game,
    team: &str,
    view: &GameView<'_>,
    players: &[UpcomingPlayerGameContext],
    processed_at: DateTime<Utc>,
) -> UpcomingTeamGameContext {
    let games: Vec<&TeamGame> = inputs
        .team_games
        .get(team)
        .map(|v| v.iter().filter(|t| t.date < date).collect())
        .unwrap_or_default();
    let rest = formulas::days_rest(date, games.iter().map(|t| t.date).max());
    let dated: Vec<(NaiveDate, f64)> = games.iter().map(|t| (t.date, 0.0)).collect();
    let regular = games.iter().filter(|t| t.regular_season);
    let (wins, losses) = regular.fold((0, 0), |(w, l), t| match t.win {
        Some(true) => (w + 1, l),
        Some(false) => (w, l + 1),
        None => (w, l),
    });
    let odds = game_odds(&inputs.game_lines, &g.home, &g.away, team, view.cutoff);
    let with_lines = players
        .iter()
        .filter(|p| p.game_id == g.game_id && p.team_tricode == team && p.current_line.is_some())
        .count() as i64;
    UpcomingTeamGameContext {
        game_date: date,
        game_id: g.game_id.clone(),
        season: g.season.clone(),
        team_tricode: team.to_string(),
        opponent_tricode: g.opponent_of(team).unwrap_or_default().to_string(),
        is_home: g.home == team,
        tip_time_utc: g.tip,
        days_rest: rest,
        is_back_to_back: formulas::is_back_to_back(rest),
        games_last_7_days: formulas::window(date, &dated, 7).0,
        wins,
        losses,
        spread: odds.spread,
        game_total: odds.total,
        implied_team_total: match (odds.total, odds.spread) {
            (Some(total), Some(spread)) => Some(formulas::implied_team_total(total, spread)),
            _ => None,
        },
        players_out: view.injuries(inputs, team, None).0,
        players_with_lines: with_lines,
        context_as_of: view.cutoff,
        data_hash: String::new(),
        processed_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn injury(player: &str, team: Option<&str>, status: &str, at: &str) -> BdlInjury {
        BdlInjury {
            snapshot_at: at.parse().unwrap(),
            snapshot_date: NaiveDate::from_ymd_opt(2025, 1, 11).unwrap(),
            bdl_player_id: 1,
            player_name: player.into(),
            player_lookup: player.into(),
            bdl_team_id: None,
            team_tricode: team.map(str::to_string),
            status: status.into(),
            return_date_text: None,
            expected_return_date: None,
            description: None,
            source_file: "gs://x".into(),
            data_hash: String::new(),
            processed_at: Utc::now(),
        }
    }

    #[test]
    fn the_latest_report_before_the_cutoff_counts_teammates_out() {
        let mut inputs = Inputs::default();
        let seen = NaiveDate::from_ymd_opt(2025, 1, 10).unwrap();
        let known = PlayerRef {
            player_id: None,
            player_name: "c".into(),
            team: "BOS".into(),
            seen,
        };
        inputs.roster.insert("c".into(), known);
        inputs.injuries = vec![
            injury("a", Some("BOS"), "Out", "2025-01-11T15:00:00Z"),
            // Team from the roster when the report gives none.
            injury("c", None, "Out For Season", "2025-01-11T15:00:00Z"),
            injury("b", Some("BOS"), "Questionable", "2025-01-11T15:00:00Z"),
            injury("x", Some("MIA"), "Out", "2025-01-11T15:00:00Z"),
            // An older report and one after the tip are not the latest before it.
            injury("d", Some("BOS"), "Out", "2025-01-10T15:00:00Z"),
            injury("e", Some("BOS"), "Out", "2025-01-12T01:00:00Z"),
        ];
        let cutoff = "2025-01-12T00:30:00Z".parse().unwrap();
        let view = GameView {
            cutoff,
            report: injury_report(&inputs.injuries, cutoff),
        };
        assert_eq!(view.report.as_ref().unwrap().1.len(), 4);
        assert_eq!(
            view.injuries(&inputs, "BOS", Some("b")),
            (Some(2), Some("Questionable".into()))
        );
        assert_eq!(view.injuries(&inputs, "BOS", Some("a")), (Some(1), Some("Out".into())));
        assert_eq!(view.injuries(&inputs, "BOS", None).0, Some(2));
        let none = GameView {
            cutoff,
            report: injury_report(&inputs.injuries, "2025-01-09T00:00:00Z".parse().unwrap()),
        };
        assert_eq!(none.injuries(&inputs, "BOS", Some("b")), (None, None));
    }
}
