//! The coverage SLO: per day, the share of the batch's players with a prediction from
//! every enabled system. Below the target the row is an alert, with the reason (which
//! systems fell short, how many players are missing) — a thin day is reported, not hidden.
//!
//! `expected` is the batch's requested players (minutes floor and quality gate passed);
//! players not requested are counted in `skipped` by reason, next to it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use nba_schemas::tables::prediction_output::{PlayerPropPrediction, PredictionCoverage};
use serde_json::json;

use crate::batch::Batch;

/// Players predicted per system, and the players every enabled system predicted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    pub per_system: BTreeMap<String, u64>,
    pub predicted_any: u64,
    pub predicted_all: u64,
}

pub fn count(enabled: &[String], predictions: &[PlayerPropPrediction]) -> Counts {
    let mut by_player: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for p in predictions.iter().filter(|p| p.is_active) {
        by_player
            .entry(p.player_lookup.as_str())
            .or_default()
            .insert(p.system_id.as_str());
    }
    let mut per_system: BTreeMap<String, u64> = enabled.iter().map(|s| (s.clone(), 0)).collect();
    for systems in by_player.values() {
        for s in systems {
            *per_system.entry(s.to_string()).or_default() += 1;
        }
    }
    let predicted_all = by_player
        .values()
        .filter(|systems| enabled.iter().all(|e| systems.contains(e.as_str())))
        .count() as u64;
    Counts {
        per_system,
        predicted_any: by_player.len() as u64,
        predicted_all,
    }
}

/// The day's coverage row.
pub fn row(
    batch: &Batch,
    enabled: &[String],
    counts: &Counts,
    target: f64,
    partial: bool,
    now: DateTime<Utc>,
) -> PredictionCoverage {
    let expected = batch.expected;
    let skipped: u64 = batch.skipped.values().sum();
    let share = match expected {
        0 if skipped == 0 => 1.0,
        0 => 0.0,
        n => counts.predicted_all as f64 / n as f64,
    };
    let alert = share < target;
    PredictionCoverage {
        game_date: batch.game_date,
        batch_id: batch.batch_id(),
        expected: expected as i64,
        predicted_any: counts.predicted_any as i64,
        predicted_all_systems: counts.predicted_all as i64,
        share,
        target,
        alert,
        reason: reason(batch, enabled, counts, share, target, partial),
        skipped: json!(batch.skipped),
        per_system: json!(counts.per_system),
        partial,
        data_hash: String::new(),
        processed_at: now,
    }
}

fn reason(batch: &Batch, enabled: &[String], counts: &Counts, share: f64, target: f64, partial: bool) -> String {
    let skipped: u64 = batch.skipped.values().sum();
    if batch.expected == 0 {
        return match skipped {
            0 => "no players tonight".into(),
            n => format!("no player passed the gates ({n} skipped)"),
        };
    }
    let mut parts = vec![format!(
        "{} of {} players predicted by all {} systems ({:.0}%, target {:.0}%)",
        counts.predicted_all,
        batch.expected,
        enabled.len(),
        share * 100.0,
        target * 100.0
    )];
    let short: Vec<String> = counts
        .per_system
        .iter()
        .filter(|(_, n)| **n < batch.expected)
        .map(|(s, n)| format!("{s} {n}/{}", batch.expected))
        .collect();
    if !short.is_empty() {
        parts.push(format!("short: {}", short.join(", ")));
    }
    if partial {
        parts.push(format!(
            "partial batch: {} of {} players done",
            batch.done(),
            batch.expected
        ));
    }
    if skipped > 0 {
        parts.push(format!("{skipped} not requested"));
    }
    parts.join("; ")
}
