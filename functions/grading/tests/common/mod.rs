//! Builders of the rows grading and evaluation read: player-game summaries,
//! feature-store vectors, predictions, and a synthetic season.
#![allow(dead_code)]

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use nba_grading::evaluate::dataset::{FeatureRow, GameRow};
use nba_schemas::tables::analytics::PlayerGameSummary;
use nba_schemas::tables::predictions::MlFeatureStore;
use serde_json::json;

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A summary row: `points` None with `dnp` for a DNP.
pub fn summary(date: NaiveDate, player: &str, points: Option<i64>, line: Option<f64>, dnp: bool) -> PlayerGameSummary {
    PlayerGameSummary {
        game_date: date,
        game_id: "0022400501".into(),
        season: "2024-25".into(),
        player_lookup: player.into(),
        player_id: None,
        player_name: player.into(),
        team_tricode: "BOS".into(),
        opponent_tricode: "LAL".into(),
        is_home: true,
        minutes: if dnp { None } else { Some(32.0) },
        points,
        fgm: None,
        fga: None,
        fg3m: None,
        fg3a: None,
        ftm: None,
        fta: None,
        oreb: None,
        dreb: None,
        rebounds: None,
        assists: None,
        steals: None,
        blocks: None,
        turnovers: None,
        personal_fouls: None,
        plus_minus: None,
        usage_rate: None,
        true_shooting_pct: None,
        effective_fg_pct: None,
        points_line: line,
        line_bookmaker: line.map(|_| "draftkings".into()),
        line_snapshot_at: None,
        over_under_result: None,
        is_dnp: dnp,
        dnp_reason: dnp.then(|| "Coach's Decision".into()),
        primary_source: "nbac_player_boxscores".into(),
        source_completeness: 1.0,
        data_hash: String::new(),
        processed_at: Utc::now(),
    }
}

/// A feature-store row from a name → value map (missing contract features take their default).
pub fn feature_store_row(date: NaiveDate, player: &str, values: &BTreeMap<String, f64>) -> MlFeatureStore {
    let contract = nba_features::CONTRACT;
    let names = contract.names();
    let vals: Vec<f64> = contract
        .features
        .iter()
        .map(|f| values.get(f.name).copied().unwrap_or(f.default))
        .collect();
    // A vector with any value is treated as fully computed (the rest at neutral
    // values), so systems' confidence is not discounted for defaulted features.
    let defaulted: Vec<&str> = contract
        .features
        .iter()
        .filter(|f| values.is_empty() || (f.name == "points_line" && !values.contains_key(f.name)))
        .map(|f| f.name)
        .collect();
    let features: serde_json::Map<String, serde_json::Value> = names
        .iter()
        .zip(&vals)
        .map(|(n, v)| {
            (
                n.to_string(),
                json!({"value": v, "quality": 100.0, "source": "computed"}),
            )
        })
        .collect();
    MlFeatureStore {
        game_date: date,
        player_lookup: player.into(),
        player_name: player.into(),
        game_id: Some("0022400501".into()),
        season: "2024-25".into(),
        team_tricode: "BOS".into(),
        opponent_tricode: "LAL".into(),
        feature_set_version: contract.version.into(),
        feature_count: names.len() as i64,
        features: serde_json::Value::Object(features),
        feature_names: json!(names),
        feature_values: json!(vals),
        defaulted_features: json!(defaulted),
        default_feature_count: defaulted.len() as i64,
        is_quality_ready: true,
        quality_score: 90.0,
        has_line: values.get("has_line").copied().unwrap_or(0.0) > 0.5,
        data_hash: String::new(),
        processed_at: Utc::now(),
    }
}

/// Deterministic noise in [-1, 1).
fn noise(seed: u64) -> f64 {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51afd7ed558ccd);
    x ^= x >> 33;
    (x % 20_000) as f64 / 10_000.0 - 1.0
}

/// A synthetic season: `players` players who play every day for `days` days from
/// 2024-11-01, scoring around a talent level; honest point-in-time features (means
/// of earlier games only) and a line near the season average. With `leak`, the
/// feature `points_avg_last_3` holds the points of the day itself.
pub struct Season {
    pub features: Vec<MlFeatureStore>,
    pub games: Vec<PlayerGameSummary>,
}

pub fn season(players: usize, days: i64, leak: bool) -> Season {
    let start = date(2024, 11, 1);
    let mut features = Vec::new();
    let mut games = Vec::new();
    for p in 0..players {
        let player = format!("player{p}");
        let talent = 8.0 + 2.0 * p as f64;
        let mut past: Vec<f64> = Vec::new();
        for d in 0..days {
            let day = start + chrono::Duration::days(d);
            let seed = (p as u64) * 10_000 + d as u64;
            let dnp = noise(seed + 7) > 0.93;
            let points = (talent + 6.0 * noise(seed)).round().max(0.0);
            let mut v = BTreeMap::new();
            if !past.is_empty() {
                let mean = |n: usize| {
                    let tail = &past[past.len().saturating_sub(n)..];
                    tail.iter().sum::<f64>() / tail.len() as f64
                };
                v.insert("points_avg_last_5".to_string(), mean(5));
                v.insert("points_avg_last_10".to_string(), mean(10));
                v.insert("points_avg_season".to_string(), mean(usize::MAX));
                v.insert("points_avg_last_3".to_string(), mean(3));
                v.insert("minutes_avg_last_10".to_string(), 32.0);
                v.insert("fatigue_score".to_string(), 100.0);
                v.insert("opponent_def_rating".to_string(), 112.0);
                if p % 4 != 3 {
                    let line = ((mean(usize::MAX) + 4.0 * noise(seed + 3)) * 2.0).round() / 2.0 + 0.5;
                    v.insert("points_line".to_string(), line.max(0.5));
                    v.insert("has_line".to_string(), 1.0);
                }
            }
            if leak && !dnp {
                v.insert("points_avg_last_3".to_string(), points);
            }
            features.push(feature_store_row(day, &player, &v));
            let line = v.get("points_line").copied();
            games.push(summary(day, &player, (!dnp).then_some(points as i64), line, dnp));
            if !dnp {
                past.push(points);
            }
        }
    }
    Season { features, games }
}

impl Season {
    pub fn dataset(&self) -> nba_grading::evaluate::dataset::Dataset {
        nba_grading::evaluate::dataset::Dataset::from_rows(
            self.features
                .iter()
                .map(nba_grading::evaluate::dataset::feature_row)
                .collect::<Vec<FeatureRow>>(),
            self.games
                .iter()
                .map(nba_grading::evaluate::dataset::game_row)
                .collect::<Vec<GameRow>>(),
        )
    }
}
