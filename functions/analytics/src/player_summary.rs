//! `player_game_summary`: one row per player per game (a DNP row for a player
//! listed who did not play), with shooting efficiency, usage against the team
//! totals, and the points line that counted with its result.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use nba_schemas::tables::analytics::PlayerGameSummary;
use nba_schemas::tables::raw_odds::OddsApiPlayerProp;

use crate::box_score::{BoxLine, GameBox};
use crate::formulas;
use crate::lines::{ChosenLine, PropsByPlayerGame, choose_line};
use crate::schedule::{DayGames, Game};
use crate::team_summary::GameTotals;

/// Reason recorded for a DNP whose source gave none.
pub const DNP_NO_MINUTES: &str = "no minutes recorded";

/// The line that counted for a player in a game: the latest before tip.
pub fn line_for(props: &PropsByPlayerGame, game: &Game, player: &str) -> Option<ChosenLine> {
    let key = (
        player.to_string(),
        (game.game_date, game.home.clone(), game.away.clone()),
    );
    let quotes: Vec<&OddsApiPlayerProp> = props.get(&key)?.iter().collect();
    let cutoff = game
        .tip
        .or_else(|| quotes.iter().map(|q| q.commence_time).min())
        .unwrap_or_else(|| game.pre_game_cutoff());
    choose_line(&quotes, cutoff)
}

/// Every chosen line of the date as a summary row.
pub fn rows(
    day: &DayGames,
    chosen: &BTreeMap<String, GameBox>,
    totals: &[GameTotals],
    props: &PropsByPlayerGame,
    processed_at: DateTime<Utc>,
) -> Vec<PlayerGameSummary> {
    let mut out = Vec::new();
    for gb in chosen.values() {
        let Some(game) = day.by_id(&gb.game_id) else { continue };
        let game_totals = totals.iter().find(|t| t.game.game_id == gb.game_id);
        for line in &gb.lines {
            let chosen_line = line_for(props, game, &line.player_lookup);
            out.push(row(game, line, game_totals, chosen_line, gb, processed_at));
        }
    }
    out
}

fn row(
    game: &Game,
    l: &BoxLine,
    totals: Option<&GameTotals>,
    line: Option<ChosenLine>,
    gb: &GameBox,
    processed_at: DateTime<Utc>,
) -> PlayerGameSummary {
    let s = &l.stats;
    let dnp = l.is_dnp();
    let usage = match (totals.and_then(|t| t.of_team(&l.team)), s.minutes, s.fga, s.fta, s.tov) {
        (Some(team), Some(min), Some(fga), Some(fta), Some(tov)) if !dnp => {
            formulas::usage_rate(formulas::plays_used(fga, fta, tov), min, team.plays(), team.minutes)
        }
        _ => None,
    };
    let result = match (&line, s.points) {
        (Some(line), Some(points)) if !dnp => Some(formulas::over_under(points, line.line).as_str().to_string()),
        _ => None,
    };
    let (present, total) = s.filled();
    PlayerGameSummary {
        game_date: game.game_date,
        game_id: game.game_id.clone(),
        season: game.season.clone(),
        player_lookup: l.player_lookup.clone(),
        player_id: l.player_id,
        player_name: l.player_name.clone(),
        team_tricode: l.team.clone(),
        opponent_tricode: l.opponent.clone(),
        is_home: l.is_home,
        minutes: s.minutes,
        points: s.points,
        fgm: s.fgm,
        fga: s.fga,
        fg3m: s.fg3m,
        fg3a: s.fg3a,
        ftm: s.ftm,
        fta: s.fta,
        oreb: s.oreb,
        dreb: s.dreb,
        rebounds: s.reb.or_else(|| Some(s.oreb? + s.dreb?)),
        assists: s.ast,
        steals: s.stl,
        blocks: s.blk,
        turnovers: s.tov,
        personal_fouls: s.pf,
        plus_minus: s.plus_minus,
        usage_rate: usage,
        true_shooting_pct: shooting(dnp, || formulas::true_shooting(s.points?, s.fga?, s.fta?)),
        effective_fg_pct: shooting(dnp, || formulas::effective_fg(s.fgm?, s.fg3m?, s.fga?)),
        points_line: line.as_ref().map(|c| c.line),
        line_bookmaker: line.as_ref().map(|c| c.bookmaker.clone()),
        line_snapshot_at: line.as_ref().map(|c| c.snapshot_at),
        over_under_result: result,
        is_dnp: dnp,
        dnp_reason: dnp.then(|| l.dnp_reason.clone().unwrap_or_else(|| DNP_NO_MINUTES.into())),
        primary_source: gb.source.as_str().to_string(),
        // A DNP row has no statistics to miss.
        source_completeness: if dnp {
            1.0
        } else {
            formulas::completeness(present, total)
        },
        data_hash: String::new(),
        processed_at,
    }
}

fn shooting(dnp: bool, f: impl FnOnce() -> Option<f64>) -> Option<f64> {
    if dnp { None } else { f() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::box_score::tests::line;
    use crate::box_score::{Source, Stats};
    use crate::lines::tests::prop;
    use crate::team_summary::game_totals;

    fn game() -> Game {
        Game {
            game_id: "0022400001".into(),
            game_date: chrono::NaiveDate::from_ymd_opt(2025, 1, 10).unwrap(),
            game_code: "20250110_LAL_BOS".into(),
            season: "2024-25".into(),
            tip: Some("2025-01-11T00:30:00Z".parse().unwrap()),
            home: "BOS".into(),
            away: "LAL".into(),
            postponed: false,
        }
    }

    fn stats(minutes: f64, pts: i64, fgm: i64, fga: i64, fg3m: i64, fta: i64, tov: i64) -> Stats {
        Stats {
            minutes: Some(minutes),
            points: Some(pts),
            fgm: Some(fgm),
            fga: Some(fga),
            fg3m: Some(fg3m),
            fg3a: Some(fg3m),
            ftm: Some(fta),
            fta: Some(fta),
            oreb: Some(1),
            dreb: Some(4),
            tov: Some(tov),
            ..Default::default()
        }
    }

    #[test]
    fn rows_carry_usage_efficiency_and_the_line_result() {
        let g = game();
        let day = DayGames::new(g.game_date, vec![g.clone()]);
        let mut ab = line(Source::NbacPlayerBoxscores, &g.game_id, "ab", "BOS", "LAL", None);
        ab.stats = stats(36.0, 25, 9, 20, 3, 4, 3);
        let mut mate = line(Source::NbacPlayerBoxscores, &g.game_id, "cd", "BOS", "LAL", None);
        mate.stats = stats(204.0, 80, 30, 70, 5, 16, 9);
        let mut opp = line(Source::NbacPlayerBoxscores, &g.game_id, "ef", "LAL", "BOS", None);
        opp.stats = stats(240.0, 100, 40, 88, 6, 20, 12);
        let mut dnp = line(Source::NbacLiveBoxscore, &g.game_id, "gh", "BOS", "LAL", None);
        dnp.explicit_dnp = true;
        let chosen = crate::box_score::choose(vec![ab, mate, opp, dnp.clone()]);
        let totals = game_totals(&day, &chosen, &[]);
        let mut props = PropsByPlayerGame::new();
        let key = |p: &str| (p.to_string(), (g.game_date, "BOS".to_string(), "LAL".to_string()));
        props.insert(
            key("ab"),
            vec![prop("draftkings", "2025-01-10T22:00:00Z", "Over", 24.5)],
        );
        props.insert(
            key("cd"),
            vec![prop("draftkings", "2025-01-10T22:00:00Z", "Over", 80.0)],
        );
        props.insert(
            key("gh"),
            vec![prop("draftkings", "2025-01-10T22:00:00Z", "Over", 10.5)],
        );
        let rows = rows(&day, &chosen, &totals, &props, Utc::now());
        // NBA.com's game log was chosen; the DNP row comes from the live box score.
        assert_eq!(rows.len(), 4);
        let ab = rows.iter().find(|r| r.player_lookup == "ab").unwrap();
        // Team plays: (20 + 1.76 + 3) + (70 + 7.04 + 9) = 110.8; 240 minutes.
        let expected = 100.0 * 24.76 * 48.0 / (36.0 * 110.8);
        assert!((ab.usage_rate.unwrap() - expected).abs() < 1e-9);
        assert!((ab.true_shooting_pct.unwrap() - 25.0 / (2.0 * 21.76)).abs() < 1e-9);
        assert!((ab.effective_fg_pct.unwrap() - 10.5 / 20.0).abs() < 1e-9);
        assert_eq!(ab.over_under_result.as_deref(), Some("OVER"));
        assert_eq!(ab.rebounds, Some(5));
        let cd = rows.iter().find(|r| r.player_lookup == "cd").unwrap();
        assert_eq!(cd.over_under_result.as_deref(), Some("PUSH"));
        let gh = rows.iter().find(|r| r.player_lookup == "gh").unwrap();
        assert!(gh.is_dnp);
        assert_eq!(gh.points_line, Some(10.5));
        assert_eq!(gh.over_under_result, None);
        assert_eq!(gh.dnp_reason.as_deref(), Some(DNP_NO_MINUTES));
        assert_eq!(gh.primary_source, "nbac_player_boxscores");
        let ef = rows.iter().find(|r| r.player_lookup == "ef").unwrap();
        assert_eq!(ef.points_line, None);
        assert_eq!(ef.over_under_result, None);
    }

    #[test]
    fn usage_is_measured_against_the_team_box_score_when_there_is_one() {
        use crate::team_summary::tests::team_row;
        let g = game();
        let day = DayGames::new(g.game_date, vec![g.clone()]);
        // The source lists one BOS player only; the team box score has the whole team.
        let mut ab = line(Source::NbacPlayerBoxscores, &g.game_id, "ab", "BOS", "LAL", None);
        ab.stats = stats(36.0, 25, 9, 20, 3, 4, 3);
        let mut opp = line(Source::NbacPlayerBoxscores, &g.game_id, "ef", "LAL", "BOS", None);
        opp.stats = stats(240.0, 100, 40, 88, 6, 20, 12);
        let chosen = crate::box_score::choose(vec![ab, opp]);
        let team_rows = [
            team_row(&g.game_id, "BOS", "LAL", Some(240.0), [90, 25, 10, 14, 112]),
            team_row(&g.game_id, "LAL", "BOS", Some(240.0), [88, 20, 9, 12, 100]),
        ];
        let totals = game_totals(&day, &chosen, &team_rows);
        let rows = rows(&day, &chosen, &totals, &PropsByPlayerGame::new(), Utc::now());
        let ab = rows.iter().find(|r| r.player_lookup == "ab").unwrap();
        // Team plays 90 + 11 + 14 = 115 (not the lone player's 24.76); 240 minutes.
        let expected = 100.0 * 24.76 * 48.0 / (36.0 * 115.0);
        assert!((ab.usage_rate.unwrap() - expected).abs() < 1e-9);
        // The player row still names the player source it came from.
        assert_eq!(ab.primary_source, "nbac_player_boxscores");
    }
}
