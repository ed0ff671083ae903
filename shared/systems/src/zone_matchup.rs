//! `zone_matchup`: the season average, moved by how weak the opponent is where the
//! player scores.
//!
//! `predicted = season + Σ_zone season × share_zone × weakness_zone × 0.5`, clamped 0–60.
//!
//! * Shares are of the player's points over his last ten games: `pct_three`,
//!   `pct_free_throw`, and two-pointers as the rest. Where play-by-play gave
//!   `pct_paint` and `pct_mid_range` (both computed, not defaulted), two-pointers
//!   split into those two zones (both with the two-point weakness).
//! * Weakness is the relative extra scoring the opponent allows. Feature set v1 carries
//!   one zone-specific signal, `shot_zone_mismatch_score` = share × (allowed − league
//!   accuracy) × 100 in the player's primary zone (the largest share of two, three,
//!   free throw; ties to the first, as phase 4 picks it). From it the primary zone's
//!   weakness is `(score / (100 × share)) / league accuracy` (league accuracies below).
//!   Every other zone — and the primary one when the score was defaulted — gets the
//!   general weakness `(opponent_def_rating − 112) / 112`.
//! * The 0.5 shrink: allowed accuracy over 15 games is mostly noise; halve it.

use crate::confidence::{played_points, round2};
use crate::{PredictionInput, PredictionSystem, SystemError, SystemPrediction};

pub const SYSTEM_ID: &str = "zone_matchup";
pub const VERSION: &str = "zm-1";

/// League defensive rating the general weakness is relative to (the contract's neutral default).
pub const LEAGUE_DEF_RATING: f64 = 112.0;
/// Typical league accuracies: two-point FG %, three-point FG %, free throw %.
pub const LEAGUE_TWO_PCT: f64 = 0.53;
pub const LEAGUE_THREE_PCT: f64 = 0.36;
pub const LEAGUE_FREE_THROW_PCT: f64 = 0.78;
pub const SHRINK: f64 = 0.5;
pub use crate::system::MAX_POINTS;
/// A one-signal system: trusted less than the blend of averages.
pub const CONFIDENCE_CEILING: f64 = 0.7;

#[derive(Debug, Clone, Copy, Default)]
pub struct ZoneMatchup;

/// One zone's share of the player's points and the opponent's weakness there.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneTerm {
    pub zone: &'static str,
    pub share: f64,
    pub weakness: f64,
}

/// Share of a feature, defaulted values included (they are neutral league shares).
fn share(input: &PredictionInput, name: &str) -> f64 {
    input
        .feature(name)
        .or_else(|| nba_features::CONTRACT.spec(name).map(|s| s.default))
        .unwrap_or(0.0)
        .clamp(0.0, 1.0)
}

/// The primary zone among two, three, free throw, as phase 4 picks it.
fn primary_zone(two: f64, three: f64, ft: f64) -> &'static str {
    let mut best = ("two", two);
    for (z, s) in [("three", three), ("free_throw", ft)] {
        if s > best.1 {
            best = (z, s);
        }
    }
    best.0
}

fn league_pct(zone: &str) -> f64 {
    match zone {
        "three" => LEAGUE_THREE_PCT,
        "free_throw" => LEAGUE_FREE_THROW_PCT,
        _ => LEAGUE_TWO_PCT,
    }
}

/// The per-zone terms of an input.
pub fn zone_terms(input: &PredictionInput) -> Vec<ZoneTerm> {
    let three = share(input, "pct_three");
    let ft = share(input, "pct_free_throw");
    let two = (1.0 - three - ft).max(0.0);
    let general = input
        .feature("opponent_def_rating")
        .map_or(0.0, |r| (r - LEAGUE_DEF_RATING) / LEAGUE_DEF_RATING);
    let primary = primary_zone(two, three, ft);
    let weakness = |zone: &str, share: f64| match input.computed_feature("shot_zone_mismatch_score") {
        Some(score) if zone == primary && share > 0.0 => score / (100.0 * share) / league_pct(zone),
        _ => general,
    };
    let mut terms = Vec::new();
    match (
        input.computed_feature("pct_paint"),
        input.computed_feature("pct_mid_range"),
    ) {
        (Some(paint), Some(mid)) => {
            // Two-point accuracy allowed is all v1 knows: both zones share it.
            let w = weakness("two", two);
            terms.push(ZoneTerm {
                zone: "paint",
                share: paint,
                weakness: w,
            });
            terms.push(ZoneTerm {
                zone: "mid_range",
                share: mid,
                weakness: w,
            });
        }
        _ => terms.push(ZoneTerm {
            zone: "two",
            share: two,
            weakness: weakness("two", two),
        }),
    }
    terms.push(ZoneTerm {
        zone: "three",
        share: three,
        weakness: weakness("three", three),
    });
    terms.push(ZoneTerm {
        zone: "free_throw",
        share: ft,
        weakness: weakness("free_throw", ft),
    });
    terms
}

impl PredictionSystem for ZoneMatchup {
    fn system_id(&self) -> &'static str {
        SYSTEM_ID
    }

    fn version(&self) -> String {
        VERSION.into()
    }

    fn predict(&self, input: &PredictionInput) -> Result<SystemPrediction, SystemError> {
        let points = played_points(input);
        let season = crate::moving_average::average(input, "points_avg_season", &points, None)?;
        let mut factors = vec![("season_avg".to_string(), round2(season))];
        let mut total = season;
        for t in zone_terms(input) {
            let term = season * t.share * t.weakness * SHRINK;
            total += term;
            factors.push((format!("zone_{}", t.zone), round2(term)));
        }
        Ok(SystemPrediction::heuristic(
            SYSTEM_ID,
            VERSION,
            total,
            input,
            CONFIDENCE_CEILING,
            factors,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::input;

    fn term(p: &SystemPrediction, name: &str) -> f64 {
        p.factor(name).unwrap()
    }

    #[test]
    fn by_hand_with_a_primary_zone_mismatch() {
        // Shares: three 0.5, ft 0.2, two 0.3 → primary three. Mismatch 2 → Δacc 0.04,
        // weakness 0.04 / 0.36; general (117.6 − 112) / 112 = 0.05.
        let i = input(
            &[
                ("points_avg_season", 20.0),
                ("pct_three", 0.5),
                ("pct_free_throw", 0.2),
                ("opponent_def_rating", 117.6),
                ("shot_zone_mismatch_score", 2.0),
            ],
            12,
        );
        let p = ZoneMatchup.predict(&i).unwrap();
        let three = 20.0 * 0.5 * (0.04 / 0.36) * 0.5;
        let two = 20.0 * 0.3 * 0.05 * 0.5;
        let ft = 20.0 * 0.2 * 0.05 * 0.5;
        assert_eq!(term(&p, "zone_three"), round2(three));
        assert_eq!(term(&p, "zone_two"), round2(two));
        assert_eq!(term(&p, "zone_free_throw"), round2(ft));
        assert_eq!(p.predicted_points, round2(20.0 + three + two + ft));
        assert_eq!(p.system_version, "zm-1");
    }

    #[test]
    fn a_defaulted_mismatch_uses_the_general_weakness_everywhere() {
        let mut i = input(
            &[
                ("points_avg_season", 20.0),
                ("pct_three", 0.5),
                ("pct_free_throw", 0.2),
                ("opponent_def_rating", 106.4),
                ("shot_zone_mismatch_score", 0.0),
            ],
            12,
        );
        i.defaulted = vec!["shot_zone_mismatch_score".into()];
        // Every zone: −0.05; Σ shares = 1 → 20 × −0.05 × 0.5 = −0.5.
        assert_eq!(ZoneMatchup.predict(&i).unwrap().predicted_points, 19.5);
    }

    #[test]
    fn a_neutral_opponent_leaves_the_season_average() {
        let i = input(&[("points_avg_season", 18.0), ("opponent_def_rating", 112.0)], 12);
        let p = ZoneMatchup.predict(&i).unwrap();
        assert_eq!(p.predicted_points, 18.0);
    }

    #[test]
    fn play_by_play_zones_split_two_pointers() {
        let i = input(
            &[
                ("points_avg_season", 20.0),
                ("pct_three", 0.5),
                ("pct_free_throw", 0.2),
                ("pct_paint", 0.2),
                ("pct_mid_range", 0.1),
                ("opponent_def_rating", 112.0),
            ],
            12,
        );
        let zones: Vec<&str> = zone_terms(&i).iter().map(|t| t.zone).collect();
        assert_eq!(zones, ["paint", "mid_range", "three", "free_throw"]);
    }
}
