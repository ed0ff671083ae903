//! Building `players/{player_lookup}.json` (pure): for each player of the date's slate,
//! the last games played (points, the line that counted) with every system's
//! prediction and its grade, then tonight's game with its predictions.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use nba_schemas::Table;
use nba_schemas::tables::analytics::{PlayerGameSummary, UpcomingPlayerGameContext};
use nba_schemas::tables::prediction_output::PlayerPropPrediction;

use crate::documents::{API_VERSION, GradeOutcome, PlayerDoc, PlayerGame, PlayerGamePrediction, Recommendation};
use crate::error::PublishError;
use crate::export::read::{PLAYER_GAMES, PastPrediction};
use crate::export::tally::round;

pub struct PlayersInput<'a> {
    pub date: NaiveDate,
    /// Tonight's context of the slate (names, teams, tonight's opponent).
    pub context: &'a [UpcomingPlayerGameContext],
    /// The slate's recent games (at most [`PLAYER_GAMES`] per player).
    pub games: &'a [PlayerGameSummary],
    /// The slate's recent active predictions, tonight's included.
    pub predictions: &'a [PastPrediction],
    pub now: DateTime<Utc>,
}

/// One document per player with a prediction on the date, by player lookup.
pub fn player_docs(input: &PlayersInput<'_>) -> Result<Vec<PlayerDoc>, PublishError> {
    let mut predictions: BTreeMap<(&str, NaiveDate), Vec<&PastPrediction>> = BTreeMap::new();
    for p in input.predictions {
        predictions
            .entry((p.player_lookup.as_str(), p.game_date))
            .or_default()
            .push(p);
    }
    let mut games: BTreeMap<&str, Vec<&PlayerGameSummary>> = BTreeMap::new();
    for g in input.games {
        games.entry(g.player_lookup.as_str()).or_default().push(g);
    }
    let context: BTreeMap<&str, &UpcomingPlayerGameContext> =
        input.context.iter().map(|c| (c.player_lookup.as_str(), c)).collect();
    let slate: Vec<&str> = {
        let mut s: Vec<&str> = predictions
            .keys()
            .filter(|(_, d)| *d == input.date)
            .map(|(p, _)| *p)
            .collect();
        s.dedup();
        s
    };
    let mut docs = Vec::with_capacity(slate.len());
    for player in slate {
        let ctx = context
            .get(player)
            .copied()
            .ok_or_else(|| crate::export::no_context(player, input.date))?;
        let played = games.get(player).map(Vec::as_slice).unwrap_or_default();
        docs.push(player_doc(input, ctx, played, &predictions)?);
    }
    Ok(docs)
}

fn player_doc(
    input: &PlayersInput<'_>,
    ctx: &UpcomingPlayerGameContext,
    played: &[&PlayerGameSummary],
    predictions: &BTreeMap<(&str, NaiveDate), Vec<&PastPrediction>>,
) -> Result<PlayerDoc, PublishError> {
    let player = ctx.player_lookup.as_str();
    let of = |date: NaiveDate| -> Result<Vec<PlayerGamePrediction>, PublishError> {
        predictions
            .get(&(player, date))
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|p| game_prediction(p))
            .collect()
    };
    let mut out: Vec<PlayerGame> = Vec::new();
    for g in played {
        out.push(PlayerGame {
            game_date: g.game_date,
            game_id: g.game_id.clone(),
            opponent: g.opponent_tricode.clone(),
            is_home: g.is_home,
            minutes: g.minutes.map(|m| round(m, 1)),
            points: g.points,
            line: g.points_line,
            is_dnp: g.is_dnp,
            predictions: of(g.game_date)?,
        });
    }
    // Tonight's game, not played yet (once its box score is in, it is one of `played`).
    if !out.iter().any(|g| g.game_date == input.date) {
        out.push(PlayerGame {
            game_date: input.date,
            game_id: ctx.game_id.clone(),
            opponent: ctx.opponent_tricode.clone(),
            is_home: ctx.is_home,
            minutes: None,
            points: None,
            line: ctx.current_line,
            is_dnp: false,
            predictions: of(input.date)?,
        });
    }
    out.sort_by_key(|g| g.game_date);
    let keep = out.len().saturating_sub(PLAYER_GAMES);
    out.drain(..keep);
    Ok(PlayerDoc {
        api_version: API_VERSION.into(),
        player_lookup: ctx.player_lookup.clone(),
        player_name: ctx.player_name.clone(),
        team: ctx.team_tricode.clone(),
        generated_at: input.now,
        as_of: input.date,
        games: out,
    })
}

fn game_prediction(p: &PastPrediction) -> Result<PlayerGamePrediction, PublishError> {
    let table = PlayerPropPrediction::SCHEMA.qualified_name();
    let outcome = match &p.outcome {
        None => None,
        Some(o) => {
            Some(GradeOutcome::parse(o).ok_or_else(|| PublishError::bad_row(&table, format!("unknown outcome {o}")))?)
        }
    };
    Ok(PlayerGamePrediction {
        system_id: p.system_id.clone(),
        predicted_points: round(p.predicted_points, 2),
        recommendation: Recommendation::parse(&p.recommendation)
            .ok_or_else(|| PublishError::bad_row(&table, format!("unknown recommendation {}", p.recommendation)))?,
        line: p.line,
        outcome,
    })
}
