//! `player_shot_zone_analysis`: where a player scores from, over his last 10 and 20
//! played games.
//!
//! Paint and mid-range need shot locations (play-by-play). The platform's box
//! scores only split threes, twos and free throws, so that is what is recorded,
//! with `zone_source` = `box_score_fallback` and quality 60 (100 with play-by-play);
//! paint and mid-range stay null rather than being invented from the two-point total.

use chrono::{DateTime, NaiveDate, Utc};
use nba_schemas::tables::analytics::PlayerGameSummary;
use nba_schemas::tables::precompute::PlayerShotZoneAnalysis;

use crate::history::{PlayerHistory, Slot};
use crate::stats::{largest_zone, r4o, ratio};

/// Quality of zone numbers from play-by-play shot locations.
pub const PLAY_BY_PLAY_QUALITY: i64 = 100;
/// Quality of the box-score three / two / free-throw split.
pub const BOX_SCORE_FALLBACK_QUALITY: i64 = 60;
pub const BOX_SCORE_FALLBACK: &str = "box_score_fallback";

/// Shooting totals over a window of games (made / attempted per kind of shot).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Shooting {
    pub games: i64,
    pub fgm: i64,
    pub fga: i64,
    pub fg3m: i64,
    pub fg3a: i64,
    pub ftm: i64,
    pub fta: i64,
}

/// Shares of points and accuracies by box-score zone.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ZoneSplit {
    pub two_share: Option<f64>,
    pub three_share: Option<f64>,
    pub free_throw_share: Option<f64>,
    pub two_pct: Option<f64>,
    pub three_pct: Option<f64>,
    pub free_throw_pct: Option<f64>,
    pub three_attempt_rate: Option<f64>,
}

impl Shooting {
    /// Adds one game; a game missing any shooting stat is left out whole.
    pub fn add(
        &mut self,
        fgm: Option<i64>,
        fga: Option<i64>,
        fg3m: Option<i64>,
        fg3a: Option<i64>,
        ftm: Option<i64>,
        fta: Option<i64>,
    ) {
        let (Some(fgm), Some(fga), Some(fg3m), Some(fg3a), Some(ftm), Some(fta)) = (fgm, fga, fg3m, fg3a, ftm, fta)
        else {
            return;
        };
        self.games += 1;
        self.fgm += fgm;
        self.fga += fga;
        self.fg3m += fg3m;
        self.fg3a += fg3a;
        self.ftm += ftm;
        self.fta += fta;
    }

    pub fn of_games(games: &[&PlayerGameSummary]) -> Shooting {
        let mut s = Shooting::default();
        for g in games {
            s.add(g.fgm, g.fga, g.fg3m, g.fg3a, g.ftm, g.fta);
        }
        s
    }

    /// Points by zone: 2·(FGM − 3PM), 3·3PM, FTM; shares of their sum, accuracies
    /// of attempts. `None` where the denominator is zero.
    pub fn split(&self) -> ZoneSplit {
        let two_pts = 2.0 * (self.fgm - self.fg3m) as f64;
        let three_pts = 3.0 * self.fg3m as f64;
        let ft_pts = self.ftm as f64;
        let total = two_pts + three_pts + ft_pts;
        ZoneSplit {
            two_share: ratio(two_pts, total),
            three_share: ratio(three_pts, total),
            free_throw_share: ratio(ft_pts, total),
            two_pct: ratio((self.fgm - self.fg3m) as f64, (self.fga - self.fg3a) as f64),
            three_pct: ratio(self.fg3m as f64, self.fg3a as f64),
            free_throw_pct: ratio(self.ftm as f64, self.fta as f64),
            three_attempt_rate: ratio(self.fg3a as f64, self.fga as f64),
        }
    }
}

/// The zone with the largest share; ties go to the first of two, three, free throw.
pub fn primary_zone(split: &ZoneSplit) -> Option<&'static str> {
    largest_zone(split.two_share, split.three_share, split.free_throw_share)
}

/// The zone row of one slot, from box scores.
pub fn player_shot_zones(
    date: NaiveDate,
    slot: &Slot,
    history: &PlayerHistory<'_>,
    processed_at: DateTime<Utc>,
) -> PlayerShotZoneAnalysis {
    let s10 = Shooting::of_games(&history.last(10));
    let s20 = Shooting::of_games(&history.last(20));
    let (z10, z20) = (s10.split(), s20.split());
    PlayerShotZoneAnalysis {
        game_date: date,
        player_lookup: slot.player_lookup.clone(),
        team_tricode: slot.team.clone(),
        season: slot.season.clone(),
        games_last_10: s10.games,
        games_last_20: s20.games,
        paint_share_last_10: None,
        mid_range_share_last_10: None,
        two_share_last_10: r4o(z10.two_share),
        three_share_last_10: r4o(z10.three_share),
        free_throw_share_last_10: r4o(z10.free_throw_share),
        paint_pct_last_10: None,
        mid_range_pct_last_10: None,
        two_pct_last_10: r4o(z10.two_pct),
        three_pct_last_10: r4o(z10.three_pct),
        free_throw_pct_last_10: r4o(z10.free_throw_pct),
        three_attempt_rate_last_10: r4o(z10.three_attempt_rate),
        paint_share_last_20: None,
        mid_range_share_last_20: None,
        two_share_last_20: r4o(z20.two_share),
        three_share_last_20: r4o(z20.three_share),
        free_throw_share_last_20: r4o(z20.free_throw_share),
        paint_pct_last_20: None,
        mid_range_pct_last_20: None,
        two_pct_last_20: r4o(z20.two_pct),
        three_pct_last_20: r4o(z20.three_pct),
        free_throw_pct_last_20: r4o(z20.free_throw_pct),
        three_attempt_rate_last_20: r4o(z20.three_attempt_rate),
        primary_scoring_zone: primary_zone(&z10).map(str::to_string),
        zone_source: BOX_SCORE_FALLBACK.into(),
        data_quality: BOX_SCORE_FALLBACK_QUALITY,
        data_hash: String::new(),
        processed_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_by_hand() {
        // 10 FGM of 20 FGA, 2 of 6 threes, 4 of 5 free throws:
        // twos 8/14 → 16 pts, threes 6 pts, FT 4 pts: total 26.
        let s = Shooting {
            games: 1,
            fgm: 10,
            fga: 20,
            fg3m: 2,
            fg3a: 6,
            ftm: 4,
            fta: 5,
        };
        let z = s.split();
        assert_eq!(z.two_share, Some(16.0 / 26.0));
        assert_eq!(z.three_share, Some(6.0 / 26.0));
        assert_eq!(z.free_throw_share, Some(4.0 / 26.0));
        assert_eq!(z.two_pct, Some(8.0 / 14.0));
        assert_eq!(z.three_pct, Some(2.0 / 6.0));
        assert_eq!(z.free_throw_pct, Some(0.8));
        assert_eq!(z.three_attempt_rate, Some(0.3));
        assert_eq!(primary_zone(&z), Some("two"));
    }

    #[test]
    fn no_attempts_means_no_numbers() {
        let z = Shooting::default().split();
        assert_eq!(z, ZoneSplit::default());
        assert_eq!(primary_zone(&z), None);
    }

    #[test]
    fn a_game_missing_a_stat_is_left_out() {
        let mut s = Shooting::default();
        s.add(Some(5), Some(10), None, Some(3), Some(1), Some(2));
        assert_eq!(s, Shooting::default());
    }

    #[test]
    fn the_fallback_never_fills_paint_or_mid_range() {
        let d = NaiveDate::from_ymd_opt(2025, 1, 20).unwrap();
        let games = vec![crate::testing::game("a", d - chrono::Duration::days(2), 20, 30.0)];
        let h = crate::history::player_histories(&games);
        let z = player_shot_zones(d, &crate::testing::slot("a"), &h["a"], Utc::now());
        assert_eq!(z.zone_source, "box_score_fallback");
        assert_eq!(z.data_quality, 60);
        assert_eq!((z.paint_share_last_10, z.mid_range_share_last_10), (None, None));
        assert_eq!((z.paint_pct_last_20, z.mid_range_pct_last_20), (None, None));
        assert!(z.three_share_last_10.is_some());
        assert_eq!(z.games_last_10, 1);
    }
}
