//! The point-in-time property: the features of game date D computed on a warehouse
//! holding the whole season ("backfill": every later game, every later context)
//! equal those computed on a warehouse holding only games before D plus D's
//! upcoming context ("live"). Rows are compared whole, `processed_at` fixed.

mod common;

use chrono::{Duration, NaiveDate};
use common::*;
use nba_cloud::Warehouse;
use nba_cloud::embedded::DuckDbWarehouse;
use nba_cloud::writer::{WriteContext, write_rows};
use nba_precompute::{Inputs, compute};
use nba_schemas::tables::analytics::{
    PlayerGameSummary, TeamDefenseGameSummary, TeamOffenseGameSummary, UpcomingPlayerGameContext,
    UpcomingTeamGameContext,
};
use proptest::prelude::*;

/// A small deterministic generator (xorshift64*): proptest draws the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }
    fn chance(&mut self, one_in: u64) -> bool {
        self.next().is_multiple_of(one_in)
    }
}

/// One season: every table's rows for every date.
#[derive(Default)]
struct Season {
    dates: Vec<NaiveDate>,
    players: Vec<PlayerGameSummary>,
    offense: Vec<TeamOffenseGameSummary>,
    defense: Vec<TeamDefenseGameSummary>,
    player_contexts: Vec<UpcomingPlayerGameContext>,
    team_contexts: Vec<UpcomingTeamGameContext>,
}

fn season(seed: u64, n_dates: usize) -> Season {
    let mut rng = Rng(seed | 1);
    let mut s = Season::default();
    let mut day = date(2024, 11, 1);
    for _ in 0..n_dates {
        day += Duration::days(rng.range(1, 3));
        s.dates.push(day);
        let pairs = if rng.chance(2) {
            [("AAA", "BBB"), ("CCC", "DDD")]
        } else {
            [("AAA", "CCC"), ("BBB", "DDD")]
        };
        let mut played_any = false;
        for (i, (home, away)) in pairs.into_iter().enumerate() {
            // A pairing rests one day in five, but every date has at least one game.
            let last_chance = i == 1 && !played_any;
            if rng.chance(5) && !last_chance {
                continue;
            }
            played_any = true;
            for (team, opp) in [(home, away), (away, home)] {
                game_rows(&mut rng, &mut s, day, team, opp);
            }
        }
    }
    s
}

/// A team's game on `day`: its two players' rows, its team rows, and the
/// upcoming contexts of that date (as phase 3 would have written them that morning).
fn game_rows(rng: &mut Rng, s: &mut Season, day: NaiveDate, team: &str, opp: &str) {
    for n in 1..=2 {
        let lookup = format!("{}{n}", team.to_lowercase());
        let mut g = if rng.chance(8) {
            dnp(&lookup, team, opp, day)
        } else {
            player_game(&lookup, team, opp, day, rng.range(0, 45), rng.range(1, 44) as f64)
        };
        if !g.is_dnp {
            g.usage_rate = Some(rng.range(5, 40) as f64);
            let fg3a = rng.range(0, 12);
            let fg3m = rng.range(0, fg3a);
            g.fg3a = Some(fg3a);
            g.fg3m = Some(fg3m);
            let fga = fg3a + rng.range(0, 15);
            g.fga = Some(fga);
            g.fgm = Some(fg3m + rng.range(0, fga - fg3a));
            let fta = rng.range(0, 12);
            g.fta = Some(fta);
            g.ftm = Some(rng.range(0, fta));
        }
        s.players.push(g);
        let rest = rng.range(0, 4);
        s.player_contexts.push(player_context(
            day,
            PlayerContext {
                lookup: &lookup,
                team,
                opponent: opp,
                days_rest: (rest > 0).then_some(rest),
                games_last_7: rng.range(0, 5),
                minutes_last_7: rng.range(0, 200) as f64,
                line: rng
                    .chance(2)
                    .then(|| (rng.range(5, 35) as f64 + 0.5, rng.range(5, 35) as f64 + 0.5)),
            },
        ));
    }
    let fga = rng.range(75, 100);
    let fg3a = rng.range(20, 45);
    let opp_shooting = (
        rng.range(30, 45),
        fga,
        rng.range(5, 18),
        fg3a,
        rng.range(5, 25),
        rng.range(25, 30),
    );
    let (o, d) = team_game(
        team,
        opp,
        day,
        rng.range(85, 140),
        rng.range(85, 140),
        rng.range(88, 108) as f64,
        opp_shooting,
    );
    s.offense.push(o);
    s.defense.push(d);
    let rest = rng.range(0, 3);
    s.team_contexts.push(team_context(
        day,
        team,
        opp,
        (rest > 0).then_some(rest),
        rng.range(0, 10),
        rng.range(0, 10),
    ));
}

async fn load(
    wh: &DuckDbWarehouse,
    s: &Season,
    keep_past: impl Fn(NaiveDate) -> bool,
    keep_context: impl Fn(NaiveDate) -> bool,
) {
    let ctx = WriteContext::default();
    let players: Vec<_> = s.players.iter().filter(|r| keep_past(r.game_date)).cloned().collect();
    let offense: Vec<_> = s.offense.iter().filter(|r| keep_past(r.game_date)).cloned().collect();
    let defense: Vec<_> = s.defense.iter().filter(|r| keep_past(r.game_date)).cloned().collect();
    let pc: Vec<_> = s
        .player_contexts
        .iter()
        .filter(|r| keep_context(r.game_date))
        .cloned()
        .collect();
    let tc: Vec<_> = s
        .team_contexts
        .iter()
        .filter(|r| keep_context(r.game_date))
        .cloned()
        .collect();
    let wh: &dyn Warehouse = wh;
    for report in [
        write_rows(wh, &players, &ctx).await.unwrap(),
        write_rows(wh, &offense, &ctx).await.unwrap(),
        write_rows(wh, &defense, &ctx).await.unwrap(),
        write_rows(wh, &pc, &ctx).await.unwrap(),
        write_rows(wh, &tc, &ctx).await.unwrap(),
    ] {
        assert!(
            report.rejected.is_empty(),
            "seed rows must be valid: {:?}",
            report.rejected
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn backfill_and_live_compute_identical_rows(seed in any::<u64>(), n_dates in 3usize..12, pick in any::<prop::sample::Index>()) {
        let s = season(seed, n_dates);
        let d = s.dates[pick.index(s.dates.len())];
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (backfill, live) = rt.block_on(async {
            let backfill = DuckDbWarehouse::open_in_memory().unwrap();
            load(&backfill, &s, |_| true, |_| true).await;
            let live = DuckDbWarehouse::open_in_memory().unwrap();
            load(&live, &s, |g| g < d, |g| g == d).await;
            let b = Inputs::load(&backfill, d).await.unwrap();
            let l = Inputs::load(&live, d).await.unwrap();
            (compute(&b, at()), compute(&l, at()))
        });
        prop_assert!(!live.ml_feature_store.is_empty(), "D has games, so it has players");
        prop_assert_eq!(&backfill.player_daily_cache, &live.player_daily_cache);
        prop_assert_eq!(&backfill.player_shot_zone_analysis, &live.player_shot_zone_analysis);
        prop_assert_eq!(&backfill.team_defense_zone_analysis, &live.team_defense_zone_analysis);
        prop_assert_eq!(&backfill.player_composite_factors, &live.player_composite_factors);
        prop_assert_eq!(&backfill.ml_feature_store, &live.ml_feature_store);
    }
}

/// The property has teeth: reading D's own games (a leak) changes the numbers.
#[tokio::test]
async fn a_leak_of_the_game_itself_would_be_seen() {
    let s = season(7, 8);
    let d = *s.dates.last().unwrap();
    let wh = DuckDbWarehouse::open_in_memory().unwrap();
    load(&wh, &s, |_| true, |_| true).await;
    let honest = Inputs::load(&wh, d).await.unwrap();
    let mut leaky = honest.clone();
    leaky
        .player_games
        .extend(s.players.iter().filter(|g| g.game_date == d).cloned());
    assert_ne!(
        compute(&honest, at()).player_daily_cache,
        compute(&leaky, at()).player_daily_cache
    );
}
