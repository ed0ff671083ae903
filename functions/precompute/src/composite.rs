//! `player_composite_factors`: the adjustments predictions apply to a baseline.
//! Each factor is a pure function of numbers computed point in time; the choices
//! the DOMAIN notes leave open are fixed (and documented) here.

use chrono::{DateTime, NaiveDate, Utc};
use nba_schemas::tables::precompute::{PlayerCompositeFactors, PlayerShotZoneAnalysis, TeamDefenseZoneAnalysis};

use crate::history::{PlayerHistory, Slot};
use crate::stats::{r4, r4o};

/// Minutes in the last 7 days above which the workload itself costs freshness:
/// four full 36-minute games.
pub const MINUTES_LOAD_THRESHOLD: f64 = 4.0 * 36.0;

/// Fatigue, 0–100 (100 = fresh): start at 100; −15 on a back-to-back; +5 with 3+
/// days of rest (days since the previous game); −10 with 4+ games in the last 7
/// days; −5 when minutes in the last 7 days exceed [`MINUTES_LOAD_THRESHOLD`];
/// clamped to 0–100 (so the rest bonus only offsets penalties).
pub fn fatigue_score(days_rest: Option<i64>, back_to_back: bool, games_last_7: i64, minutes_last_7: f64) -> f64 {
    let mut score = 100.0;
    if back_to_back {
        score -= 15.0;
    }
    if days_rest.is_some_and(|d| d >= 3) {
        score += 5.0;
    }
    if games_last_7 >= 4 {
        score -= 10.0;
    }
    if minutes_last_7 > MINUTES_LOAD_THRESHOLD {
        score -= 5.0;
    }
    f64::clamp(score, 0.0, 100.0)
}

/// Bound of the shot-zone mismatch score, in percentage points.
pub const MISMATCH_BOUND: f64 = 10.0;

/// The opponent's weakness in the player's main zone: the player's share of points
/// from that zone × (accuracy the opponent allows there − league accuracy), in
/// percentage points (×100), clamped to ±10. Positive favours the player: a player
/// scoring half his points from three against a defence allowing 4 points more
/// than the league from three scores +2.
pub fn shot_zone_mismatch(player_zone_share: f64, opponent_allowed_pct: f64, league_pct: f64) -> f64 {
    let raw = player_zone_share * (opponent_allowed_pct - league_pct) * 100.0;
    raw.clamp(-MISMATCH_BOUND, MISMATCH_BOUND)
}

/// Pace: the expected game pace is the mean of both teams' recent paces;
/// score = clamp((expected − league pace) / 2, ±3). Faster games mean more shots.
pub fn pace_score(team_pace: f64, opponent_pace: f64, league_pace: f64) -> f64 {
    let expected = (team_pace + opponent_pace) / 2.0;
    ((expected - league_pace) / 2.0).clamp(-3.0, 3.0)
}

/// Usage spike: (projected − recent usage) × 0.3, where projected usage is the
/// mean of the last 3 games (no upstream publishes a projection) and recent the
/// mean of the last 10. A positive spike is boosted ×1.15 with one teammate out and
/// ×1.30 with two or more (the injury report does not say who is a star: every
/// teammate out counts). Clamped to ±3.
pub fn usage_spike(projected_usage: f64, recent_usage: f64, teammates_out: Option<i64>) -> f64 {
    let mut score = (projected_usage - recent_usage) * 0.3;
    if score > 0.0 {
        score *= match teammates_out.unwrap_or(0) {
            0 => 1.0,
            1 => 1.15,
            _ => 1.30,
        };
    }
    score.clamp(-3.0, 3.0)
}

/// The primary zone's player share and the opponent's allowed / league accuracy there.
fn zone_terms(
    zones: &PlayerShotZoneAnalysis,
    opponent: &TeamDefenseZoneAnalysis,
) -> Option<(&'static str, f64, f64, f64)> {
    let zone = zones.primary_scoring_zone.as_deref()?;
    let (share, opp, league, name) = match zone {
        "two" => (
            zones.two_share_last_10,
            opponent.opp_two_pct,
            opponent.league_two_pct,
            "two",
        ),
        "three" => (
            zones.three_share_last_10,
            opponent.opp_three_pct,
            opponent.league_three_pct,
            "three",
        ),
        "free_throw" => (
            zones.free_throw_share_last_10,
            opponent.opp_free_throw_pct,
            opponent.league_free_throw_pct,
            "free_throw",
        ),
        "paint" => (zones.paint_share_last_10, opponent.opp_paint_pct, None, "paint"),
        "mid_range" => (
            zones.mid_range_share_last_10,
            opponent.opp_mid_range_pct,
            None,
            "mid_range",
        ),
        _ => return None,
    };
    Some((name, share?, opp?, league?))
}

/// What the composite row of one slot is computed from.
pub struct CompositeInputs<'a> {
    pub slot: &'a Slot,
    pub history: &'a PlayerHistory<'a>,
    pub zones: &'a PlayerShotZoneAnalysis,
    pub opponent_defense: Option<&'a TeamDefenseZoneAnalysis>,
    pub team_pace: Option<f64>,
    pub opponent_pace: Option<f64>,
    pub league_pace: Option<f64>,
}

pub fn player_composite_factors(
    date: NaiveDate,
    i: &CompositeInputs<'_>,
    processed_at: DateTime<Utc>,
) -> PlayerCompositeFactors {
    let slot = i.slot;
    let zone = i.opponent_defense.and_then(|opp| zone_terms(i.zones, opp));
    let expected_pace = match (i.team_pace, i.opponent_pace) {
        (Some(t), Some(o)) => Some((t + o) / 2.0),
        _ => None,
    };
    let pace = match (i.team_pace, i.opponent_pace, i.league_pace) {
        (Some(t), Some(o), Some(l)) => Some(pace_score(t, o, l)),
        _ => None,
    };
    let projected = crate::cache::usage_avg(i.history, 3);
    let recent = crate::cache::usage_avg(i.history, 10);
    let spike = match (projected, recent) {
        (Some(p), Some(r)) => Some(usage_spike(p, r, slot.teammates_out)),
        _ => None,
    };
    PlayerCompositeFactors {
        game_date: date,
        player_lookup: slot.player_lookup.clone(),
        team_tricode: slot.team.clone(),
        opponent_tricode: slot.opponent.clone(),
        fatigue_score: r4(fatigue_score(
            slot.days_rest,
            slot.is_back_to_back,
            slot.games_last_7_days,
            slot.minutes_last_7_days,
        )),
        days_rest: slot.days_rest,
        is_back_to_back: slot.is_back_to_back,
        games_last_7_days: slot.games_last_7_days,
        minutes_last_7_days: r4(slot.minutes_last_7_days),
        shot_zone_mismatch_score: zone.map(|(_, s, o, l)| r4(shot_zone_mismatch(s, o, l))),
        mismatch_zone: zone.map(|(z, ..)| z.to_string()),
        pace_score: r4o(pace),
        expected_game_pace: r4o(expected_pace),
        league_pace: r4o(i.league_pace),
        usage_spike_score: r4o(spike),
        projected_usage_rate: r4o(projected),
        recent_usage_rate: r4o(recent),
        teammates_out: slot.teammates_out,
        context_source: slot.source.as_str().into(),
        data_hash: String::new(),
        processed_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fatigue_by_hand() {
        // Fresh: nothing applies.
        assert_eq!(fatigue_score(Some(2), false, 2, 70.0), 100.0);
        // Back-to-back: −15.
        assert_eq!(fatigue_score(Some(1), true, 2, 70.0), 85.0);
        // Back-to-back, 4 games in 7 days, 150 minutes (> 144): −15 −10 −5.
        assert_eq!(fatigue_score(Some(1), true, 4, 150.0), 70.0);
        // Exactly 144 minutes is not over the load threshold.
        assert_eq!(fatigue_score(Some(1), true, 4, 144.0), 75.0);
        // 3+ rest days: +5, but never above 100.
        assert_eq!(fatigue_score(Some(3), false, 0, 0.0), 100.0);
        // +5 offsets a penalty: 4 games in 7 days yet 3 days off (−10 +5).
        assert_eq!(fatigue_score(Some(3), false, 4, 100.0), 95.0);
        // No previous game: no rest bonus.
        assert_eq!(fatigue_score(None, false, 0, 0.0), 100.0);
    }

    #[test]
    fn mismatch_by_hand() {
        // Half his points from three, opponent allows .40 vs league .36 → 0.5 × 4 = +2.
        assert!((shot_zone_mismatch(0.5, 0.40, 0.36) - 2.0).abs() < 1e-9);
        // A tough defence is negative.
        assert!((shot_zone_mismatch(0.6, 0.50, 0.55) - -3.0).abs() < 1e-9);
        // Clamped to ±10.
        assert_eq!(shot_zone_mismatch(1.0, 0.80, 0.50), 10.0);
        assert_eq!(shot_zone_mismatch(1.0, 0.20, 0.50), -10.0);
    }

    #[test]
    fn pace_by_hand() {
        // Expected (104 + 100)/2 = 102, league 99 → 3/2 = 1.5.
        assert_eq!(pace_score(104.0, 100.0, 99.0), 1.5);
        // Slow game: (94 + 96)/2 = 95 vs 100 → −2.5.
        assert_eq!(pace_score(94.0, 96.0, 100.0), -2.5);
        // Clamped at ±3.
        assert_eq!(pace_score(112.0, 110.0, 100.0), 3.0);
        assert_eq!(pace_score(88.0, 90.0, 100.0), -3.0);
    }

    #[test]
    fn usage_spike_by_hand() {
        // 28 vs 24 → 4 × 0.3 = 1.2; one teammate out → 1.38; two → 1.56.
        assert!((usage_spike(28.0, 24.0, None) - 1.2).abs() < 1e-9);
        assert!((usage_spike(28.0, 24.0, Some(1)) - 1.38).abs() < 1e-9);
        assert!((usage_spike(28.0, 24.0, Some(3)) - 1.56).abs() < 1e-9);
        // A drop is not boosted: 20 vs 24 → −1.2 whatever is out.
        assert!((usage_spike(20.0, 24.0, Some(2)) - -1.2).abs() < 1e-9);
        // Clamped.
        assert_eq!(usage_spike(40.0, 20.0, Some(2)), 3.0);
        assert_eq!(usage_spike(10.0, 30.0, None), -3.0);
    }
}
