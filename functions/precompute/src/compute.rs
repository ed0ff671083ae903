//! From D's point-in-time [`Inputs`] to the rows of every phase-4 table, in
//! dependency order: caches and zones, team defence zones, composite factors,
//! then the feature vector. Pure: no warehouse access past this point.

use chrono::{DateTime, Utc};
use nba_schemas::tables::precompute::{
    PlayerCompositeFactors, PlayerDailyCache, PlayerShotZoneAnalysis, TeamDefenseZoneAnalysis,
};
use nba_schemas::tables::predictions::MlFeatureStore;

use crate::composite::{CompositeInputs, player_composite_factors};
use crate::feature_store::{FeatureInputs, ml_feature_row};
use crate::history::{
    PlayerHistory, TEAM_FORM_GAMES, league_pace, player_histories, slots, team_contexts, team_histories,
};
use crate::inputs::Inputs;

/// The rows of D, one vector per table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Computed {
    pub player_daily_cache: Vec<PlayerDailyCache>,
    pub player_shot_zone_analysis: Vec<PlayerShotZoneAnalysis>,
    pub team_defense_zone_analysis: Vec<TeamDefenseZoneAnalysis>,
    pub player_composite_factors: Vec<PlayerCompositeFactors>,
    pub ml_feature_store: Vec<MlFeatureStore>,
}

impl Computed {
    /// No player to compute for.
    pub fn is_empty(&self) -> bool {
        self.player_daily_cache.is_empty()
    }
}

pub fn compute(inputs: &Inputs, processed_at: DateTime<Utc>) -> Computed {
    let date = inputs.game_date;
    let Some(season) = inputs.season.as_deref() else {
        return Computed::default();
    };
    let players = player_histories(&inputs.player_games);
    let teams = team_histories(inputs);
    let contexts = team_contexts(inputs);
    let league = league_pace(&teams);
    let slots = slots(inputs, &players);
    if slots.is_empty() {
        return Computed::default();
    }
    let mut out = Computed {
        team_defense_zone_analysis: crate::team_defense_zones::team_defense_zones(date, season, &teams, processed_at),
        ..Computed::default()
    };
    let empty = PlayerHistory::default();
    for slot in &slots {
        let history = players.get(slot.player_lookup.as_str()).unwrap_or(&empty);
        let team = teams.get(slot.team.as_str());
        let opponent = teams.get(slot.opponent.as_str());
        let opponent_defense = out
            .team_defense_zone_analysis
            .iter()
            .find(|t| t.team_tricode == slot.opponent);
        let cache = crate::cache::player_daily_cache(date, slot, history, team, processed_at);
        let zones = crate::shot_zones::player_shot_zones(date, slot, history, processed_at);
        let composite = player_composite_factors(
            date,
            &CompositeInputs {
                slot,
                history,
                zones: &zones,
                opponent_defense,
                team_pace: team.and_then(|t| t.pace_last(TEAM_FORM_GAMES)),
                opponent_pace: opponent.and_then(|t| t.pace_last(TEAM_FORM_GAMES)),
                league_pace: league,
            },
            processed_at,
        );
        let features = ml_feature_row(
            date,
            &FeatureInputs {
                slot,
                history,
                cache: &cache,
                zones: &zones,
                composite: &composite,
                opponent_defense,
                team,
                opponent,
                team_context: contexts.get(slot.team.as_str()).copied(),
                opponent_context: contexts.get(slot.opponent.as_str()).copied(),
            },
            processed_at,
        );
        out.player_daily_cache.push(cache);
        out.player_shot_zone_analysis.push(zones);
        out.player_composite_factors.push(composite);
        out.ml_feature_store.push(features);
    }
    out
}
