//! `similarity`: what the player scored in past games that looked like this one.
//!
//! Each played game before the date gets a similarity in 0–1 to tonight:
//!
//! `0.25·[same opponent] + 0.25·rest + 0.20·[same venue] + 0.30·form`
//!
//! * opponent: identity — past games carry no opponent rating, and the same opponent is
//!   the sharpest "tier" there is (scheme, matchups);
//! * rest: buckets back-to-back (≤ 1 day) / normal (2) / rested (3+ or season opener);
//!   same bucket 1, adjacent 0.5, else 0;
//! * form: the player's mean points over his five played games before that game
//!   against the same mean before tonight: `exp(−|Δ| / 4)`; 0 when there were none.
//!
//! Games with similarity ≥ 0.5 are similar; the prediction is the similarity-weighted
//! mean points of the 15 most similar. When fewer than 5 clear that bar (a player on a
//! back-to-back away from home whose form just moved), the 5 nearest games are used
//! instead — still weighted by similarity, flagged as `relaxed_neighbours` and with
//! confidence scaled down by how similar they are. A player with fewer than 5 played
//! games, or whose nearest games share nothing with tonight (similarity 0), is
//! [`SystemError::NotEnoughHistory`]: a mean of two games is not a prediction.

use crate::confidence::{self, mean, round2, round3};
use crate::{PastGame, PredictionInput, PredictionSystem, SystemError, SystemPrediction};

pub const SYSTEM_ID: &str = "similarity";
pub const VERSION: &str = "sim-2";

pub const WEIGHT_OPPONENT: f64 = 0.25;
pub const WEIGHT_REST: f64 = 0.25;
pub const WEIGHT_VENUE: f64 = 0.20;
pub const WEIGHT_FORM: f64 = 0.30;
/// Points of form difference at which the form similarity falls to 1/e.
pub const FORM_SCALE: f64 = 4.0;
/// Games the form is measured over.
pub const FORM_GAMES: usize = 5;
pub const MIN_SIMILARITY: f64 = 0.5;
pub const MIN_SIMILAR_GAMES: usize = 5;
pub const TOP_K: usize = 15;
pub const CONFIDENCE_CEILING: f64 = 0.75;

#[derive(Debug, Clone, Copy, Default)]
pub struct Similarity;

/// 0 back-to-back, 1 normal, 2 rested.
fn rest_bucket(days_rest: Option<i64>) -> i64 {
    match days_rest {
        Some(d) if d <= 1 => 0,
        Some(2) => 1,
        _ => 2,
    }
}

fn rest_similarity(a: Option<i64>, b: Option<i64>) -> f64 {
    match (rest_bucket(a) - rest_bucket(b)).abs() {
        0 => 1.0,
        1 => 0.5,
        _ => 0.0,
    }
}

/// Tonight's context, against which past games are compared.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    pub opponent: String,
    pub is_home: bool,
    pub days_rest: Option<i64>,
    pub form: Option<f64>,
}

/// The form before position `i` of `points`: mean of up to [`FORM_GAMES`] before it.
fn form_before(points: &[f64], i: usize) -> Option<f64> {
    mean(&points[i.saturating_sub(FORM_GAMES)..i])
}

/// Tonight's context: days of rest from the feature when computed, else from the
/// last game before the date.
pub fn context(input: &PredictionInput, played: &[&PastGame], points: &[f64]) -> Context {
    let days_rest = input
        .computed_feature("days_rest")
        .map(|d| d.round() as i64)
        .or_else(|| {
            input
                .history_before()
                .last()
                .map(|g| (input.game_date - g.game_date).num_days())
        });
    Context {
        opponent: input.opponent_tricode.clone(),
        is_home: input.is_home,
        days_rest,
        form: form_before(points, played.len()),
    }
}

/// Similarity of one past game (with its form before it) to tonight.
pub fn similarity(ctx: &Context, game: &PastGame, form: Option<f64>) -> f64 {
    let opponent = f64::from(u8::from(game.opponent_tricode == ctx.opponent));
    let venue = f64::from(u8::from(game.is_home == ctx.is_home));
    let form = match (form, ctx.form) {
        (Some(a), Some(b)) => (-(a - b).abs() / FORM_SCALE).exp(),
        _ => 0.0,
    };
    WEIGHT_OPPONENT * opponent
        + WEIGHT_REST * rest_similarity(game.days_rest, ctx.days_rest)
        + WEIGHT_VENUE * venue
        + WEIGHT_FORM * form
}

/// One past game as the prediction sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbour {
    pub similarity: f64,
    pub points: f64,
    pub same_opponent: bool,
}

/// The games a prediction is made from, and whether the bar had to be lowered to find them.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbours {
    pub games: Vec<Neighbour>,
    /// True when fewer than [`MIN_SIMILAR_GAMES`] cleared [`MIN_SIMILARITY`] and the
    /// nearest games were taken instead.
    pub relaxed: bool,
}

/// Every played game before the date, most similar first; among equals the most
/// recent first.
fn ranked_games(input: &PredictionInput) -> Vec<Neighbour> {
    let played = input.played_before();
    let points: Vec<f64> = played.iter().filter_map(|g| g.played_points()).collect();
    let ctx = context(input, &played, &points);
    let mut ranked: Vec<Neighbour> = played
        .iter()
        .enumerate()
        .map(|(i, g)| Neighbour {
            similarity: similarity(&ctx, g, form_before(&points, i)),
            points: points[i],
            same_opponent: g.opponent_tricode == ctx.opponent,
        })
        .collect();
    // Stable sort on the reversed (newest-first) order keeps the most recent first among equals.
    ranked.reverse();
    ranked.sort_by(|a, b| b.similarity.total_cmp(&a.similarity));
    ranked
}

/// The games to predict from: up to [`TOP_K`] with similarity ≥ [`MIN_SIMILARITY`];
/// when fewer than [`MIN_SIMILAR_GAMES`] qualify, the [`MIN_SIMILAR_GAMES`] nearest
/// games with any similarity at all.
pub fn neighbours(input: &PredictionInput) -> Neighbours {
    let ranked = ranked_games(input);
    let similar = ranked.iter().take_while(|n| n.similarity >= MIN_SIMILARITY).take(TOP_K);
    let games: Vec<Neighbour> = similar.copied().collect();
    if games.len() >= MIN_SIMILAR_GAMES {
        return Neighbours { games, relaxed: false };
    }
    let nearest = ranked.iter().take_while(|n| n.similarity > 0.0).take(MIN_SIMILAR_GAMES);
    Neighbours {
        games: nearest.copied().collect(),
        relaxed: true,
    }
}

impl PredictionSystem for Similarity {
    fn system_id(&self) -> &'static str {
        SYSTEM_ID
    }

    fn version(&self) -> String {
        VERSION.into()
    }

    fn predict(&self, input: &PredictionInput) -> Result<SystemPrediction, SystemError> {
        let Neighbours { games, relaxed } = neighbours(input);
        if games.len() < MIN_SIMILAR_GAMES {
            return Err(SystemError::NotEnoughHistory {
                needed: MIN_SIMILAR_GAMES,
                have: games.len(),
            });
        }
        let weight: f64 = games.iter().map(|n| n.similarity).sum();
        let predicted = games.iter().map(|n| n.similarity * n.points).sum::<f64>() / weight;
        let n = games.len();
        let mean_similarity = weight / n as f64;
        // Fewer matches, or matches that needed a lowered bar, deserve less trust.
        let matches = 0.6 + 0.4 * (n as f64 / TOP_K as f64);
        let closeness = if relaxed { mean_similarity / MIN_SIMILARITY } else { 1.0 };
        Ok(SystemPrediction {
            system_id: SYSTEM_ID.into(),
            system_version: VERSION.into(),
            predicted_points: round2(predicted),
            confidence: round3(confidence::heuristic(input, CONFIDENCE_CEILING) * matches * closeness.min(1.0)),
            factors: vec![
                ("similar_games".into(), n as f64),
                ("mean_similarity".into(), round3(mean_similarity)),
                (
                    "same_opponent_games".into(),
                    games.iter().filter(|g| g.same_opponent).count() as f64,
                ),
                ("relaxed_neighbours".into(), f64::from(u8::from(relaxed))),
            ],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{game, input};

    #[test]
    fn similarity_by_hand() {
        let ctx = Context {
            opponent: "BOS".into(),
            is_home: true,
            days_rest: Some(2),
            form: Some(20.0),
        };
        let same = game(4, "BOS", true, 25, Some(2));
        assert!((similarity(&ctx, &same, Some(20.0)) - 1.0).abs() < 1e-12);
        // Other opponent, away, rested (adjacent bucket), form 4 off: 0.125 + 0.3/e.
        let other = game(4, "NYK", false, 25, Some(3));
        let s = similarity(&ctx, &other, Some(24.0));
        assert!((s - (0.125 + 0.3 * (-1.0f64).exp())).abs() < 1e-12);
        assert_eq!(rest_bucket(None), 2);
        assert_eq!(rest_similarity(Some(1), Some(4)), 0.0);
    }

    /// 10 games: 5 at home on normal rest vs BOS (30 pts), 5 away back-to-back vs NYK (10 pts).
    fn split_history() -> PredictionInput {
        let mut i = input(&[], 0);
        for k in 0..10u64 {
            let home = k % 2 == 0;
            let g = if home {
                game(40 - 3 * k, "BOS", true, 30, Some(2))
            } else {
                game(40 - 3 * k, "NYK", false, 10, Some(1))
            };
            i.history.push(g);
        }
        i
    }

    #[test]
    fn weights_the_similar_games() {
        let i = split_history(); // tonight: home vs BOS, rest 3 days (last game 40 − 27 = 13 days ago)
        let p = Similarity.predict(&i).unwrap();
        // The BOS home games dominate; NYK away back-to-backs are not similar enough.
        assert!(p.predicted_points > 25.0, "{p:?}");
        assert_eq!(p.factors[0], ("similar_games".into(), 5.0));
        assert_eq!(p.factors[2], ("same_opponent_games".into(), 5.0));
        assert!(p.confidence > 0.0 && p.confidence <= 1.0);
    }

    #[test]
    fn fewer_than_five_similar_games_falls_back_to_the_nearest_five() {
        let mut i = split_history();
        i.history.truncate(7); // 4 BOS home games clear the bar, 3 NYK away back-to-backs do not
        let p = Similarity.predict(&i).unwrap();
        assert_eq!(p.factors[0], ("similar_games".into(), 5.0));
        assert_eq!(p.factors[3], ("relaxed_neighbours".into(), 1.0));
        // Four 30-point games and the nearest 10-point game, weighted: between the two, near 30.
        assert!(p.predicted_points > 20.0 && p.predicted_points < 30.0, "{p:?}");
        let strict = Similarity.predict(&split_history()).unwrap();
        assert_eq!(strict.factors[3], ("relaxed_neighbours".into(), 0.0));
        assert!(p.confidence < strict.confidence, "{p:?} vs {strict:?}");
    }

    #[test]
    fn fewer_than_five_played_games_is_not_enough_history() {
        let mut i = split_history();
        i.history.truncate(4);
        assert_eq!(
            Similarity.predict(&i).unwrap_err(),
            SystemError::NotEnoughHistory { needed: 5, have: 4 }
        );
        let few = input(&[], 3);
        assert!(matches!(
            Similarity.predict(&few),
            Err(SystemError::NotEnoughHistory { needed: 5, .. })
        ));
    }

    #[test]
    fn history_on_or_after_the_date_is_ignored() {
        let mut i = split_history();
        let before = Similarity.predict(&i).unwrap();
        for (days_after, pts) in [(0, 60), (1, 55), (3, 0)] {
            let mut g = game(0, "BOS", true, pts, Some(2));
            g.game_date = i.game_date + chrono::Days::new(days_after);
            i.history.push(g);
        }
        assert_eq!(Similarity.predict(&i).unwrap(), before);
    }
}
