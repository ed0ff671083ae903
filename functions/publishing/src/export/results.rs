//! Building `results/{date}.json` (pure): grading's rows of one date, summarised.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use nba_schemas::Table;
use nba_schemas::tables::analytics::PlayerGameSummary;
use nba_schemas::tables::grading::{PredictionAccuracy, SystemDailyPerformance};

use crate::documents::{API_VERSION, GradeOutcome, GradedPick, Recommendation, ResultsDoc, SystemResults};
use crate::error::PublishError;
use crate::export::tally::{round, summarise};

pub fn results_doc(
    date: NaiveDate,
    accuracy: &[PredictionAccuracy],
    performance: &[SystemDailyPerformance],
    summaries: &[PlayerGameSummary],
    now: DateTime<Utc>,
) -> Result<ResultsDoc, PublishError> {
    let names: BTreeMap<&str, &str> = summaries
        .iter()
        .map(|s| (s.player_lookup.as_str(), s.player_name.as_str()))
        .collect();
    let mut picks = accuracy
        .iter()
        .map(|a| graded_pick(a, names.get(a.player_lookup.as_str()).copied()))
        .collect::<Result<Vec<_>, _>>()?;
    // Actionable picks first, then by player and system (stable, readable).
    picks.sort_by(|a, b| {
        (!a.is_actionable, &a.player_lookup, &a.system_id).cmp(&(!b.is_actionable, &b.player_lookup, &b.system_id))
    });
    let per_system = performance
        .iter()
        .map(|r| SystemResults {
            system_id: r.system_id.clone(),
            summary: summarise(std::iter::once(r)),
        })
        .collect();
    Ok(ResultsDoc {
        api_version: API_VERSION.into(),
        game_date: date,
        generated_at: now,
        summary: summarise(performance),
        per_system,
        picks,
    })
}

fn graded_pick(a: &PredictionAccuracy, name: Option<&str>) -> Result<GradedPick, PublishError> {
    let table = PredictionAccuracy::SCHEMA.qualified_name();
    Ok(GradedPick {
        game_id: a.game_id.clone(),
        player_lookup: a.player_lookup.clone(),
        // A graded prediction always has a summary row (grading joins on it); the
        // lookup stands in only if that row was since replaced without the player.
        player_name: name.unwrap_or(&a.player_lookup).to_string(),
        system_id: a.system_id.clone(),
        recommendation: Recommendation::parse(&a.recommendation)
            .ok_or_else(|| PublishError::bad_row(&table, format!("unknown recommendation {}", a.recommendation)))?,
        predicted_points: round(a.predicted_points, 2),
        line: a.line,
        actual_points: a.actual_points,
        absolute_error: a.absolute_error.map(|e| round(e, 2)),
        outcome: GradeOutcome::parse(&a.outcome)
            .ok_or_else(|| PublishError::bad_row(&table, format!("unknown outcome {}", a.outcome)))?,
        is_actionable: a.is_actionable,
    })
}
