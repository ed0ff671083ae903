//! Building `predictions/{date}.json` and `best-bets/{date}.json` (pure).
//!
//! The coverage gate is applied here, where picks become public: a date without a
//! consolidated batch, or with one below [`EXPORT_COVERAGE_GATE`], lists its games
//! with no players, and its coverage says why. Partial picks are never presented as
//! a complete slate.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use nba_core::messages::{EXPORT_COVERAGE_GATE, batch_completeness};
use nba_schemas::Table;
use nba_schemas::tables::analytics::UpcomingPlayerGameContext;
use nba_schemas::tables::grading::SystemDailyPerformance;
use nba_schemas::tables::prediction_output::{PlayerPropPrediction, PredictionCoverage};
use nba_schemas::tables::raw::NbacSchedule;
use serde_json::Value;

use crate::documents::{
    API_VERSION, BestBet, BestBetsDoc, Coverage, Factor, GamePredictions, PlayerPredictions, PredictionsDoc,
    Publication, Recommendation, SystemPrediction, SystemRecord,
};
use crate::error::PublishError;
use crate::export::tally::round;

/// Factors listed per prediction (the largest by size).
pub const KEY_FACTORS: usize = 5;
/// Graded days before the date that make a system's record in best bets.
pub const RECORD_WINDOW_DAYS: u32 = 14;

/// The publishing decision for a date, from phase 5's coverage row: the batch's
/// completeness ([`batch_completeness`]) against [`EXPORT_COVERAGE_GATE`].
pub fn coverage(date: NaiveDate, row: Option<&PredictionCoverage>) -> (Publication, Coverage) {
    let gate = EXPORT_COVERAGE_GATE;
    let Some(row) = row else {
        let coverage = Coverage {
            share: None,
            gate,
            all_systems_share: None,
            expected_players: None,
            predicted_players: None,
            predicted_all_systems: None,
            batch_id: None,
            reason: format!("no prediction batch has been consolidated for {date} yet"),
        };
        return (Publication::Withheld, coverage);
    };
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    let share = batch_completeness(count(row.predicted_any), count(row.expected));
    let passed = share >= gate;
    let reason = if passed {
        row.reason.clone()
    } else {
        format!(
            "{} of {} players predicted ({:.0}%), below the {:.0}% publishing gate: {}",
            row.predicted_any,
            row.expected,
            share * 100.0,
            gate * 100.0,
            row.reason
        )
    };
    let coverage = Coverage {
        share: Some(round(share, 4)),
        gate,
        all_systems_share: Some(round(row.share, 4)),
        expected_players: Some(row.expected),
        predicted_players: Some(row.predicted_any),
        predicted_all_systems: Some(row.predicted_all_systems),
        batch_id: Some(row.batch_id.clone()),
        reason,
    };
    let publication = if passed {
        Publication::Published
    } else {
        Publication::Withheld
    };
    (publication, coverage)
}

/// Everything a date's predictions document is built from.
pub struct PredictionsInput<'a> {
    pub date: NaiveDate,
    pub publication: Publication,
    pub coverage: Coverage,
    pub schedule: &'a [NbacSchedule],
    pub context: &'a [UpcomingPlayerGameContext],
    /// Active predictions of the date (ignored when withheld).
    pub predictions: &'a [PlayerPropPrediction],
    pub now: DateTime<Utc>,
}

pub fn predictions_doc(input: &PredictionsInput<'_>) -> Result<PredictionsDoc, PublishError> {
    let context: BTreeMap<&str, &UpcomingPlayerGameContext> =
        input.context.iter().map(|c| (c.player_lookup.as_str(), c)).collect();
    let mut games: Vec<GamePredictions> = input.schedule.iter().map(game).collect();
    let mut systems: Vec<String> = Vec::new();
    if input.publication == Publication::Published {
        let mut by_player: BTreeMap<(&str, &str), Vec<&PlayerPropPrediction>> = BTreeMap::new();
        for p in input.predictions {
            by_player
                .entry((p.game_id.as_str(), p.player_lookup.as_str()))
                .or_default()
                .push(p);
        }
        for ((game_id, player), rows) in by_player {
            let ctx = context
                .get(player)
                .copied()
                .ok_or_else(|| crate::export::no_context(player, input.date))?;
            let entry = player_entry(ctx, &rows)?;
            systems.extend(entry.predictions.iter().map(|p| p.system_id.clone()));
            game_slot(&mut games, game_id, ctx).players.push(entry);
        }
    }
    systems.sort_by_key(|s| system_order(s));
    systems.dedup();
    Ok(PredictionsDoc {
        api_version: API_VERSION.into(),
        game_date: input.date,
        generated_at: input.now,
        publication: input.publication,
        coverage: input.coverage.clone(),
        systems,
        games,
    })
}

fn game(s: &NbacSchedule) -> GamePredictions {
    GamePredictions {
        game_id: s.game_id.clone(),
        away_team: s.away_team_tricode.clone(),
        home_team: s.home_team_tricode.clone(),
        tip_time_utc: s.tip_time_utc,
        players: Vec::new(),
    }
}

/// The game a player's predictions go under; a game missing from the schedule is
/// added from the player's context (the schedule is the usual source of matchups).
fn game_slot<'g>(
    games: &'g mut Vec<GamePredictions>,
    game_id: &str,
    ctx: &UpcomingPlayerGameContext,
) -> &'g mut GamePredictions {
    let index = match games.iter().position(|g| g.game_id == game_id) {
        Some(i) => i,
        None => {
            let (away, home) = if ctx.is_home {
                (&ctx.opponent_tricode, &ctx.team_tricode)
            } else {
                (&ctx.team_tricode, &ctx.opponent_tricode)
            };
            games.push(GamePredictions {
                game_id: game_id.to_string(),
                away_team: away.clone(),
                home_team: home.clone(),
                tip_time_utc: ctx.tip_time_utc,
                players: Vec::new(),
            });
            games.len() - 1
        }
    };
    &mut games[index]
}

fn player_entry(
    ctx: &UpcomingPlayerGameContext,
    rows: &[&PlayerPropPrediction],
) -> Result<PlayerPredictions, PublishError> {
    let mut predictions = rows
        .iter()
        .map(|p| system_prediction(p))
        .collect::<Result<Vec<_>, _>>()?;
    predictions.sort_by_key(|p| system_order(&p.system_id));
    Ok(PlayerPredictions {
        player_lookup: ctx.player_lookup.clone(),
        player_name: ctx.player_name.clone(),
        team: ctx.team_tricode.clone(),
        opponent: ctx.opponent_tricode.clone(),
        is_home: ctx.is_home,
        predictions,
    })
}

/// Systems in the standard order (base systems, then ensembles), unknown ones last by name.
fn system_order(id: &str) -> (usize, String) {
    let known = nba_systems::SYSTEM_IDS.iter().position(|s| *s == id);
    (known.unwrap_or(usize::MAX), id.to_string())
}

pub fn system_prediction(p: &PlayerPropPrediction) -> Result<SystemPrediction, PublishError> {
    let table = PlayerPropPrediction::SCHEMA.qualified_name();
    let recommendation = Recommendation::parse(&p.recommendation)
        .ok_or_else(|| PublishError::bad_row(&table, format!("unknown recommendation {}", p.recommendation)))?;
    Ok(SystemPrediction {
        system_id: p.system_id.clone(),
        system_version: p.system_version.clone(),
        predicted_points: round(p.predicted_points, 2),
        confidence: round(p.confidence, 3),
        recommendation,
        actionable: p.actionable,
        not_actionable_reason: p.not_actionable_reason.clone(),
        line: p.line,
        line_source: p.line_source.clone(),
        line_bookmaker: p.line_bookmaker.clone(),
        edge: p.edge.map(|e| round(e, 2)),
        key_factors: key_factors(&p.factors).map_err(|reason| PublishError::bad_row(&table, reason))?,
    })
}

/// `[[name, value], ...]` → the [`KEY_FACTORS`] largest by size.
pub fn key_factors(factors: &Value) -> Result<Vec<Factor>, String> {
    let Value::Array(items) = factors else {
        return Err(format!("factors is not an array: {factors}"));
    };
    let mut out = items
        .iter()
        .map(|item| match item.as_array().map(Vec::as_slice) {
            Some([Value::String(name), value]) => value
                .as_f64()
                .map(|value| Factor {
                    name: name.clone(),
                    value: round(value, 3),
                })
                .ok_or_else(|| format!("factor {name} has no numeric value: {value}")),
            _ => Err(format!("a factor is not [name, value]: {item}")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    out.sort_by(|a, b| b.value.abs().partial_cmp(&a.value.abs()).unwrap_or(Ordering::Equal));
    out.truncate(KEY_FACTORS);
    Ok(out)
}

/// Each system's record over the window before the date.
pub fn records(rows: &[SystemDailyPerformance]) -> BTreeMap<String, SystemRecord> {
    let mut out: BTreeMap<String, SystemRecord> = BTreeMap::new();
    for r in rows {
        let rec = out.entry(r.system_id.clone()).or_default();
        rec.wins += r.wins;
        rec.losses += r.losses;
    }
    for rec in out.values_mut() {
        let decided = rec.wins + rec.losses;
        rec.hit_rate = (decided > 0).then(|| round(rec.wins as f64 / decided as f64, 4));
    }
    out
}

/// Actionable picks of a published predictions document, best first: the larger
/// edge, then the system with the better recent hit rate.
pub fn best_bets_doc(doc: &PredictionsDoc, records: &BTreeMap<String, SystemRecord>) -> BestBetsDoc {
    let mut picks: Vec<BestBet> = Vec::new();
    for g in &doc.games {
        for player in &g.players {
            for p in &player.predictions {
                let (Some(line), Some(edge)) = (p.line, p.edge) else {
                    continue;
                };
                if !p.actionable || !matches!(p.recommendation, Recommendation::Over | Recommendation::Under) {
                    continue;
                }
                picks.push(BestBet {
                    rank: 0,
                    game_id: g.game_id.clone(),
                    player_lookup: player.player_lookup.clone(),
                    player_name: player.player_name.clone(),
                    team: player.team.clone(),
                    opponent: player.opponent.clone(),
                    system_id: p.system_id.clone(),
                    recommendation: p.recommendation,
                    predicted_points: p.predicted_points,
                    line,
                    edge,
                    confidence: p.confidence,
                    system_record: records.get(&p.system_id).cloned().unwrap_or_default(),
                });
            }
        }
    }
    picks.sort_by(|a, b| {
        b.edge
            .abs()
            .partial_cmp(&a.edge.abs())
            .unwrap_or(Ordering::Equal)
            .then_with(|| {
                let rate = |p: &BestBet| p.system_record.hit_rate.unwrap_or(-1.0);
                rate(b).partial_cmp(&rate(a)).unwrap_or(Ordering::Equal)
            })
            .then_with(|| (&a.player_lookup, &a.system_id).cmp(&(&b.player_lookup, &b.system_id)))
    });
    for (i, p) in picks.iter_mut().enumerate() {
        p.rank = i as u32 + 1;
    }
    BestBetsDoc {
        api_version: API_VERSION.into(),
        game_date: doc.game_date,
        generated_at: doc.generated_at,
        publication: doc.publication,
        record_window_days: RECORD_WINDOW_DAYS,
        picks,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn key_factors_are_the_largest_by_size() {
        let f = json!([["a", 0.1], ["b", -3.0], ["c", 2.0], ["d", 0.0], ["e", 1.0], ["f", -0.5]]);
        let names: Vec<String> = key_factors(&f).unwrap().into_iter().map(|f| f.name).collect();
        assert_eq!(names, ["b", "c", "e", "f", "a"]);
        assert!(key_factors(&json!([["a"]])).is_err());
        assert!(key_factors(&json!({"a": 1})).is_err());
    }

    #[test]
    fn below_the_gate_or_without_a_batch_picks_are_withheld() {
        let d: NaiveDate = "2025-01-10".parse().unwrap();
        let (publication, coverage) = super::coverage(d, None);
        assert_eq!(publication, Publication::Withheld);
        assert!(coverage.reason.contains("no prediction batch"), "{}", coverage.reason);
        let row = |predicted: i64| PredictionCoverage {
            game_date: d,
            batch_id: "2025-01-10_same_day_g1".into(),
            expected: 100,
            predicted_any: predicted,
            predicted_all_systems: predicted / 2,
            share: predicted as f64 / 200.0,
            target: 0.9,
            alert: true,
            reason: "similarity short".into(),
            skipped: json!({}),
            per_system: json!({}),
            partial: false,
            data_hash: String::new(),
            processed_at: Utc::now(),
        };
        let (publication, coverage) = super::coverage(d, Some(&row(79)));
        assert_eq!(publication, Publication::Withheld);
        assert!(
            coverage
                .reason
                .starts_with("79 of 100 players predicted (79%), below the 80% publishing gate"),
            "{}",
            coverage.reason
        );
        // Completeness, not the all-systems SLO (40% here), decides.
        let (publication, coverage) = super::coverage(d, Some(&row(80)));
        assert_eq!(publication, Publication::Published);
        assert_eq!((coverage.share, coverage.all_systems_share), (Some(0.8), Some(0.4)));
    }
}
