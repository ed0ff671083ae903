//! `ml_feature_store`: the versioned feature vector of each slot, assembled in the
//! order of the contract in `nba-features`. Every value records its source and that
//! source's quality; what cannot be computed takes the contract default (source
//! `default`), and a defaulted critical feature makes the row not quality-ready.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use nba_features::{CONTRACT, FEATURE_SET_VERSION, FeatureSource};
use nba_schemas::tables::analytics::UpcomingTeamGameContext;
use nba_schemas::tables::precompute::{
    PlayerCompositeFactors, PlayerDailyCache, PlayerShotZoneAnalysis, TeamDefenseZoneAnalysis,
};
use nba_schemas::tables::predictions::MlFeatureStore;
use serde_json::{Map, Value, json};

use crate::history::{ContextSource, PlayerHistory, Slot, TEAM_FORM_GAMES, TeamHistory};
use crate::stats::{mean, r4, ratio};

/// One computed feature before defaults: `None` means "not computable".
type Raw = (Option<f64>, FeatureSource);

/// A feature value as stored.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeatureValue {
    pub value: f64,
    pub source: FeatureSource,
}

/// Everything a slot's vector is computed from (all point in time).
pub struct FeatureInputs<'a> {
    pub slot: &'a Slot,
    pub history: &'a PlayerHistory<'a>,
    pub cache: &'a PlayerDailyCache,
    pub zones: &'a PlayerShotZoneAnalysis,
    pub composite: &'a PlayerCompositeFactors,
    pub opponent_defense: Option<&'a TeamDefenseZoneAnalysis>,
    pub team: Option<&'a TeamHistory<'a>>,
    pub opponent: Option<&'a TeamHistory<'a>>,
    pub team_context: Option<&'a UpcomingTeamGameContext>,
    pub opponent_context: Option<&'a UpcomingTeamGameContext>,
}

fn pre(v: Option<f64>) -> Raw {
    (v, FeatureSource::Precompute)
}
fn computed(v: Option<f64>) -> Raw {
    (v, FeatureSource::Computed)
}
fn flag(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// Context values come from phase 3 (analytics) or, without it, from history (computed).
fn context(slot: &Slot, v: Option<f64>) -> Raw {
    match slot.source {
        ContextSource::Upcoming => (v, FeatureSource::Analytics),
        ContextSource::History => (v, FeatureSource::Computed),
    }
}

/// Mean points of the last 5 minus the mean of the 5 before them (needs 6 games).
pub fn recent_trend(points_newest_first: &[f64]) -> Option<f64> {
    if points_newest_first.len() < 6 {
        return None;
    }
    let (recent, before) = points_newest_first.split_at(5);
    Some(mean(recent)? - mean(&before[..before.len().min(5)])?)
}

/// (mean of the last 5 − season mean) / season std; `None` without spread.
pub fn season_z_score(avg_last_5: Option<f64>, season_avg: Option<f64>, season_std: Option<f64>) -> Option<f64> {
    let std = season_std.filter(|s| *s > 0.0)?;
    Some((avg_last_5? - season_avg?) / std)
}

/// Days-rest difference with the opponent, clamped to ±3 (beyond that rest is rest).
pub fn rest_advantage(team_rest: Option<i64>, opponent_rest: Option<i64>) -> Option<f64> {
    Some(((team_rest? - opponent_rest?) as f64).clamp(-3.0, 3.0))
}

/// Mean points and games against `opponent` this season before D.
pub fn versus_opponent(history: &PlayerHistory<'_>, opponent: &str) -> (Option<f64>, usize) {
    let points: Vec<f64> = history
        .played()
        .filter(|g| g.opponent_tricode == opponent)
        .filter_map(|g| g.points)
        .map(|p| p as f64)
        .collect();
    (mean(&points), points.len())
}

/// Every contract feature's raw value, by name.
pub fn raw_features(i: &FeatureInputs<'_>) -> BTreeMap<&'static str, Raw> {
    let (slot, c) = (i.slot, i.cache);
    let (vs_avg, vs_games) = versus_opponent(i.history, &slot.opponent);
    let win_pct = match i.team_context {
        Some(t) if t.wins + t.losses > 0 => (
            ratio(t.wins as f64, (t.wins + t.losses) as f64),
            FeatureSource::Analytics,
        ),
        _ => computed(i.team.and_then(TeamHistory::win_pct)),
    };
    let spread = slot.spread.or(i.team_context.and_then(|t| t.spread));
    let implied = match i.team_context.and_then(|t| t.implied_team_total) {
        Some(v) => (Some(v), FeatureSource::Analytics),
        None => computed(slot.game_total.zip(spread).map(|(total, s)| (total - s) / 2.0)),
    };
    let has_line = slot.current_line.is_some();
    BTreeMap::from([
        ("points_avg_last_5", pre(c.points_avg_last_5)),
        ("points_avg_last_10", pre(c.points_avg_last_10)),
        ("points_avg_season", pre(c.points_avg_season)),
        ("points_std_last_10", pre(c.points_std_last_10)),
        ("games_in_last_7_days", pre(Some(c.games_in_last_7_days as f64))),
        ("fatigue_score", pre(Some(i.composite.fatigue_score))),
        ("shot_zone_mismatch_score", pre(i.composite.shot_zone_mismatch_score)),
        ("pace_score", pre(i.composite.pace_score)),
        ("usage_spike_score", pre(i.composite.usage_spike_score)),
        (
            "rest_advantage",
            (
                rest_advantage(
                    i.team_context.and_then(|t| t.days_rest),
                    i.opponent_context.and_then(|t| t.days_rest),
                ),
                FeatureSource::Analytics,
            ),
        ),
        ("recent_trend", computed(recent_trend(&i.history.points(10)))),
        (
            "minutes_change",
            computed(c.minutes_avg_last_5.zip(c.minutes_avg_last_10).map(|(a, b)| a - b)),
        ),
        (
            "opponent_def_rating",
            pre(i.opponent_defense.and_then(|o| o.defensive_rating)),
        ),
        (
            "opponent_pace",
            pre(i.opponent.and_then(|o| o.pace_last(TEAM_FORM_GAMES))),
        ),
        ("home_away", context(slot, Some(flag(slot.is_home)))),
        ("back_to_back", context(slot, Some(flag(slot.is_back_to_back)))),
        ("pct_paint", pre(i.zones.paint_share_last_10)),
        ("pct_mid_range", pre(i.zones.mid_range_share_last_10)),
        ("pct_three", pre(i.zones.three_share_last_10)),
        ("pct_free_throw", pre(i.zones.free_throw_share_last_10)),
        ("team_pace", pre(c.team_pace_last_10)),
        ("team_off_rating", pre(c.team_off_rating_last_10)),
        ("team_win_pct", win_pct),
        ("points_line", (slot.current_line, FeatureSource::Line)),
        ("opening_line", (slot.opening_line, FeatureSource::Line)),
        ("line_movement", (slot.line_movement, FeatureSource::Line)),
        (
            "has_line",
            (
                Some(flag(has_line)),
                if has_line {
                    FeatureSource::Line
                } else {
                    FeatureSource::Computed
                },
            ),
        ),
        ("avg_points_vs_opponent", computed(vs_avg)),
        ("games_vs_opponent", computed(Some(vs_games as f64))),
        ("minutes_avg_last_10", pre(c.minutes_avg_last_10)),
        ("points_per_minute_last_10", pre(c.points_per_minute_last_10)),
        ("dnp_rate", pre(c.dnp_rate_last_10)),
        ("points_slope_last_10", pre(c.points_slope_last_10)),
        (
            "season_z_score",
            computed(season_z_score(
                c.points_avg_last_5,
                c.points_avg_season,
                c.points_std_season,
            )),
        ),
        ("days_rest", context(slot, slot.days_rest.map(|d| d as f64))),
        ("points_avg_last_3", pre(c.points_avg_last_3)),
        ("spread", (spread, FeatureSource::Analytics)),
        ("implied_team_total", implied),
    ])
}

/// The vector in contract order: raw values where computable, defaults elsewhere.
/// A name the contract has but `raw` lacks is a bug: it panics in tests (see
/// `every_contract_feature_is_computed`) and defaults in production.
pub fn assemble(raw: &BTreeMap<&'static str, Raw>) -> Vec<(&'static nba_features::FeatureSpec, FeatureValue)> {
    CONTRACT
        .features
        .iter()
        .map(|spec| {
            let value = match raw.get(spec.name) {
                Some((Some(v), source)) if v.is_finite() => FeatureValue {
                    value: r4(*v),
                    source: *source,
                },
                _ => FeatureValue {
                    value: spec.default,
                    source: FeatureSource::Default,
                },
            };
            (spec, value)
        })
        .collect()
}

/// The feature-store row of one slot.
pub fn ml_feature_row(date: NaiveDate, i: &FeatureInputs<'_>, processed_at: DateTime<Utc>) -> MlFeatureStore {
    let vector = assemble(&raw_features(i));
    let mut features = Map::new();
    let mut defaulted = Vec::new();
    let mut critical_defaulted = false;
    for (spec, v) in &vector {
        features.insert(
            spec.name.to_string(),
            json!({"value": v.value, "quality": v.source.quality(), "source": v.source.as_str()}),
        );
        if v.source == FeatureSource::Default {
            defaulted.push(spec.name);
            critical_defaulted |= spec.critical;
        }
    }
    let qualities: Vec<f64> = vector.iter().map(|(_, v)| v.source.quality()).collect();
    let slot = i.slot;
    MlFeatureStore {
        game_date: date,
        player_lookup: slot.player_lookup.clone(),
        player_name: slot.player_name.clone(),
        game_id: slot.game_id.clone(),
        season: slot.season.clone(),
        team_tricode: slot.team.clone(),
        opponent_tricode: slot.opponent.clone(),
        feature_set_version: FEATURE_SET_VERSION.into(),
        feature_count: vector.len() as i64,
        features: Value::Object(features),
        feature_names: json!(vector.iter().map(|(s, _)| s.name).collect::<Vec<_>>()),
        feature_values: json!(vector.iter().map(|(_, v)| v.value).collect::<Vec<_>>()),
        default_feature_count: defaulted.len() as i64,
        defaulted_features: json!(defaulted),
        is_quality_ready: !critical_defaulted,
        quality_score: ((mean(&qualities).unwrap_or(0.0)) * 100.0).round() / 100.0,
        has_line: slot.current_line.is_some(),
        data_hash: String::new(),
        processed_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_trend_by_hand() {
        // Last 5: 30, 28, 26, 24, 22 (mean 26); 5 before: 20, 18, 16, 14, 12 (mean 16) → +10.
        let pts = [30.0, 28.0, 26.0, 24.0, 22.0, 20.0, 18.0, 16.0, 14.0, 12.0];
        assert_eq!(recent_trend(&pts), Some(10.0));
        // 6 games: the before-window is the single 6th game.
        assert_eq!(recent_trend(&pts[..6]), Some(6.0));
        assert_eq!(recent_trend(&pts[..5]), None);
    }

    #[test]
    fn z_score_and_rest_advantage_by_hand() {
        assert_eq!(season_z_score(Some(25.0), Some(20.0), Some(2.5)), Some(2.0));
        assert_eq!(season_z_score(Some(25.0), Some(20.0), Some(0.0)), None);
        assert_eq!(rest_advantage(Some(3), Some(1)), Some(2.0));
        assert_eq!(rest_advantage(Some(1), Some(9)), Some(-3.0));
        assert_eq!(rest_advantage(None, Some(1)), None);
    }

    #[test]
    fn defaults_take_the_contract_value_and_source() {
        let mut raw: BTreeMap<&'static str, Raw> = BTreeMap::new();
        raw.insert("points_avg_last_5", (Some(21.123_456), FeatureSource::Precompute));
        raw.insert("pct_paint", (None, FeatureSource::Precompute));
        let v = assemble(&raw);
        assert_eq!(v.len(), CONTRACT.len());
        assert_eq!(
            v[0].1,
            FeatureValue {
                value: 21.1235,
                source: FeatureSource::Precompute
            }
        );
        let paint = v.iter().find(|(s, _)| s.name == "pct_paint").unwrap();
        assert_eq!(
            paint.1,
            FeatureValue {
                value: 0.40,
                source: FeatureSource::Default
            }
        );
    }

    #[test]
    fn every_contract_feature_is_computed() {
        use crate::testing::{at, game, slot};
        let d = NaiveDate::from_ymd_opt(2025, 1, 20).unwrap();
        let games = vec![game("a", d - chrono::Duration::days(2), 20, 30.0)];
        let histories = crate::history::player_histories(&games);
        let (slot, history) = (slot("a"), &histories["a"]);
        let cache = crate::cache::player_daily_cache(d, &slot, history, None, at());
        let zones = crate::shot_zones::player_shot_zones(d, &slot, history, at());
        let composite = crate::composite::player_composite_factors(
            d,
            &crate::composite::CompositeInputs {
                slot: &slot,
                history,
                zones: &zones,
                opponent_defense: None,
                team_pace: None,
                opponent_pace: None,
                league_pace: None,
            },
            at(),
        );
        let inputs = FeatureInputs {
            slot: &slot,
            history,
            cache: &cache,
            zones: &zones,
            composite: &composite,
            opponent_defense: None,
            team: None,
            opponent: None,
            team_context: None,
            opponent_context: None,
        };
        let raw = raw_features(&inputs);
        let mut produced: Vec<&str> = raw.keys().copied().collect();
        let mut contract = CONTRACT.names();
        produced.sort_unstable();
        contract.sort_unstable();
        assert_eq!(
            produced, contract,
            "raw_features must produce exactly the contract's features"
        );
        let row = ml_feature_row(d, &inputs, at());
        assert_eq!(row.feature_count, CONTRACT.len() as i64);
        // No opponent history: the critical opponent rating is defaulted → not ready.
        assert!(!row.is_quality_ready);
        assert!(
            row.defaulted_features
                .as_array()
                .unwrap()
                .contains(&json!("opponent_def_rating"))
        );
        assert_eq!(row.feature_values.as_array().unwrap().len(), CONTRACT.len());
    }
}
