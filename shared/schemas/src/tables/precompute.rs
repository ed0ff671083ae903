//! `nba_precompute` (phase 4): rolling per-player and per-team caches and the
//! composite factors, computed for a game date from games before it.
//!
//! Every row for game date D is computed only from games with `game_date < D`
//! (and D's upcoming context): a backfill and a live run of D write the same rows.
//! Rolling windows count played games of the same season. All tables are merged on
//! (game_date, player or team) with a `data_hash`, so an identical recompute writes nothing.

use chrono::{DateTime, NaiveDate, Utc};

use crate::Check;
use crate::tables::raw::TRICODE;
use crate::tables::reference::{PLAYER_LOOKUP, SEASON};

const FRACTION: Check = Check::Range { min: 0.0, max: 1.0 };
const POINTS: Check = Check::Range { min: 0.0, max: 100.0 };
const MINUTES: Check = Check::Range { min: 0.0, max: 70.0 };
const RATING: Check = Check::Range { min: 0.0, max: 300.0 };
const PACE: Check = Check::Range { min: 50.0, max: 150.0 };
const QUALITY: Check = Check::Range { min: 0.0, max: 100.0 };

/// Where zone numbers come from: play-by-play shot locations, or box-score
/// three / two / free-throw splits when no play-by-play exists.
pub const ZONE_SOURCES: &[&str] = &["play_by_play", "box_score_fallback"];
/// Scoring zones a primary zone may name. `two` is used when only box scores
/// exist (paint and mid-range are not separable there).
pub const ZONES: &[&str] = &["paint", "mid_range", "two", "three", "free_throw"];

table! {
    /// A player's rolling scoring, minutes and workload before a game date.
    pub struct PlayerDailyCache in Precompute."player_daily_cache" {
        partition_by: Some("game_date"),
        cluster_by: ["player_lookup", "team_tricode"],
        keys: ["game_date", "player_lookup"],
        strategy: MergeOnKeys,
        require_partition_filter: false,
    }
    columns {
        game_date: NaiveDate,
        player_lookup: String => [PLAYER_LOOKUP],
        player_name: String,
        team_tricode: String => [TRICODE],
        season: String => [SEASON],
        /// Played (non-DNP) games this season before the date.
        games_played_season: i64 => [Check::Range { min: 0.0, max: 100.0 }],
        points_avg_last_3: Option<f64> => [POINTS],
        points_avg_last_5: Option<f64> => [POINTS],
        points_avg_last_10: Option<f64> => [POINTS],
        points_avg_season: Option<f64> => [POINTS],
        /// Sample standard deviation (n − 1) of points over the last 10 played games (≥ 2 games).
        points_std_last_10: Option<f64> => [POINTS],
        /// Sample standard deviation of points over the season (≥ 2 games).
        points_std_season: Option<f64> => [POINTS],
        minutes_avg_last_5: Option<f64> => [MINUTES],
        minutes_avg_last_10: Option<f64> => [MINUTES],
        usage_rate_avg_last_10: Option<f64> => [Check::Range { min: 0.0, max: 100.0 }],
        /// Σ points / Σ minutes over the last 10 played games.
        points_per_minute_last_10: Option<f64> => [Check::Range { min: 0.0, max: 5.0 }],
        /// Least-squares slope of points per game over the last 10 played games (≥ 3 games).
        points_slope_last_10: Option<f64>,
        /// Share of DNP rows among the last 10 listed games.
        dnp_rate_last_10: Option<f64> => [FRACTION],
        /// The player's current team's pace and offensive rating over its last 10 games.
        team_pace_last_10: Option<f64> => [PACE],
        team_off_rating_last_10: Option<f64> => [RATING],
        /// Played games in the 7 / 14 days before the date.
        games_in_last_7_days: i64 => [Check::Range { min: 0.0, max: 7.0 }],
        games_in_last_14_days: i64 => [Check::Range { min: 0.0, max: 14.0 }],
        minutes_in_last_7_days: f64 => [Check::Range { min: 0.0, max: 400.0 }],
        last_game_date: Option<NaiveDate>,
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

table! {
    /// A player's scoring by zone over the last 10 and 20 played games. Shares are
    /// shares of points; accuracies are makes / attempts. Without play-by-play
    /// (`zone_source` = box_score_fallback) paint and mid-range are null, never guessed.
    pub struct PlayerShotZoneAnalysis in Precompute."player_shot_zone_analysis" {
        partition_by: Some("game_date"),
        cluster_by: ["player_lookup"],
        keys: ["game_date", "player_lookup"],
        strategy: MergeOnKeys,
        require_partition_filter: false,
    }
    columns {
        game_date: NaiveDate,
        player_lookup: String => [PLAYER_LOOKUP],
        team_tricode: String => [TRICODE],
        season: String => [SEASON],
        games_last_10: i64 => [Check::Range { min: 0.0, max: 10.0 }],
        games_last_20: i64 => [Check::Range { min: 0.0, max: 20.0 }],
        paint_share_last_10: Option<f64> => [FRACTION],
        mid_range_share_last_10: Option<f64> => [FRACTION],
        two_share_last_10: Option<f64> => [FRACTION],
        three_share_last_10: Option<f64> => [FRACTION],
        free_throw_share_last_10: Option<f64> => [FRACTION],
        paint_pct_last_10: Option<f64> => [FRACTION],
        mid_range_pct_last_10: Option<f64> => [FRACTION],
        two_pct_last_10: Option<f64> => [FRACTION],
        three_pct_last_10: Option<f64> => [FRACTION],
        free_throw_pct_last_10: Option<f64> => [FRACTION],
        /// 3PA / FGA.
        three_attempt_rate_last_10: Option<f64> => [FRACTION],
        paint_share_last_20: Option<f64> => [FRACTION],
        mid_range_share_last_20: Option<f64> => [FRACTION],
        two_share_last_20: Option<f64> => [FRACTION],
        three_share_last_20: Option<f64> => [FRACTION],
        free_throw_share_last_20: Option<f64> => [FRACTION],
        paint_pct_last_20: Option<f64> => [FRACTION],
        mid_range_pct_last_20: Option<f64> => [FRACTION],
        two_pct_last_20: Option<f64> => [FRACTION],
        three_pct_last_20: Option<f64> => [FRACTION],
        free_throw_pct_last_20: Option<f64> => [FRACTION],
        three_attempt_rate_last_20: Option<f64> => [FRACTION],
        /// The zone with the largest share of points over the last 10 (among known zones).
        primary_scoring_zone: Option<String> => [Check::OneOf(ZONES)],
        zone_source: String => [Check::OneOf(ZONE_SOURCES)],
        /// 100 from play-by-play, 60 from the box-score fallback.
        data_quality: i64 => [QUALITY],
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

table! {
    /// What opponents shot against a team over its last 15 games, against the
    /// league over every team's last 15 games.
    pub struct TeamDefenseZoneAnalysis in Precompute."team_defense_zone_analysis" {
        partition_by: Some("game_date"),
        cluster_by: ["team_tricode"],
        keys: ["game_date", "team_tricode"],
        strategy: MergeOnKeys,
        require_partition_filter: false,
    }
    columns {
        game_date: NaiveDate,
        team_tricode: String => [TRICODE],
        season: String => [SEASON],
        games_in_window: i64 => [Check::Range { min: 0.0, max: 15.0 }],
        points_allowed_avg: Option<f64> => [Check::Range { min: 0.0, max: 250.0 }],
        defensive_rating: Option<f64> => [RATING],
        pace: Option<f64> => [PACE],
        /// Shares of points allowed by zone.
        opp_paint_share: Option<f64> => [FRACTION],
        opp_mid_range_share: Option<f64> => [FRACTION],
        opp_two_share: Option<f64> => [FRACTION],
        opp_three_share: Option<f64> => [FRACTION],
        opp_free_throw_share: Option<f64> => [FRACTION],
        /// Accuracy allowed by zone.
        opp_paint_pct: Option<f64> => [FRACTION],
        opp_mid_range_pct: Option<f64> => [FRACTION],
        opp_two_pct: Option<f64> => [FRACTION],
        opp_three_pct: Option<f64> => [FRACTION],
        opp_free_throw_pct: Option<f64> => [FRACTION],
        league_two_pct: Option<f64> => [FRACTION],
        league_three_pct: Option<f64> => [FRACTION],
        league_free_throw_pct: Option<f64> => [FRACTION],
        league_defensive_rating: Option<f64> => [RATING],
        league_pace: Option<f64> => [PACE],
        /// Allowed minus league accuracy (positive = the defence is weaker there).
        two_pct_vs_league: Option<f64>,
        three_pct_vs_league: Option<f64>,
        free_throw_pct_vs_league: Option<f64>,
        /// The zone where the allowed accuracy exceeds the league's most.
        weakest_zone: Option<String> => [Check::OneOf(ZONES)],
        zone_source: String => [Check::OneOf(ZONE_SOURCES)],
        data_quality: i64 => [QUALITY],
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

table! {
    /// Adjustment factors for a player's upcoming game (formulas in `nba-precompute`'s `composite`).
    pub struct PlayerCompositeFactors in Precompute."player_composite_factors" {
        partition_by: Some("game_date"),
        cluster_by: ["player_lookup"],
        keys: ["game_date", "player_lookup"],
        strategy: MergeOnKeys,
        require_partition_filter: false,
    }
    columns {
        game_date: NaiveDate,
        player_lookup: String => [PLAYER_LOOKUP],
        team_tricode: String => [TRICODE],
        opponent_tricode: String => [TRICODE],
        /// 0–100, 100 = fresh.
        fatigue_score: f64 => [QUALITY],
        days_rest: Option<i64>,
        is_back_to_back: bool,
        games_last_7_days: i64,
        minutes_last_7_days: f64,
        /// Primary-zone share × (opponent allowed accuracy − league) in percentage points, ±10.
        shot_zone_mismatch_score: Option<f64> => [Check::Range { min: -10.0, max: 10.0 }],
        mismatch_zone: Option<String> => [Check::OneOf(ZONES)],
        /// clamp((expected game pace − league pace) / 2, ±3).
        pace_score: Option<f64> => [Check::Range { min: -3.0, max: 3.0 }],
        expected_game_pace: Option<f64> => [PACE],
        league_pace: Option<f64> => [PACE],
        /// (projected − recent usage) · 0.3, boosted by teammates out, ±3.
        usage_spike_score: Option<f64> => [Check::Range { min: -3.0, max: 3.0 }],
        projected_usage_rate: Option<f64>,
        recent_usage_rate: Option<f64>,
        teammates_out: Option<i64>,
        /// `upcoming_context` (phase 3) or `history` (derived from past games when D has no context).
        context_source: String => [Check::OneOf(&["upcoming_context", "history"])],
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

pub const TABLES: &[&crate::TableSchema] = &[
    <PlayerDailyCache as crate::Table>::SCHEMA,
    <PlayerShotZoneAnalysis as crate::Table>::SCHEMA,
    <TeamDefenseZoneAnalysis as crate::Table>::SCHEMA,
    <PlayerCompositeFactors as crate::Table>::SCHEMA,
];
