//! Players' box scores from the four sources, normalised to one shape and
//! mapped onto the schedule's games; then, per game, the best source that has
//! the game final (NBA.com first: see `BOX_SCORE_SOURCES`).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use nba_cloud::Warehouse;
use nba_schemas::tables::analytics::BOX_SCORE_SOURCES;
use nba_schemas::tables::raw_balldontlie::BdlPlayerBoxscore;
use nba_schemas::tables::raw_espn_br::EspnBoxscore;
use nba_schemas::tables::raw_nba_com::{NbacLiveBoxscore, NbacPlayerBoxscore};
use serde_json::json;

use crate::error::AnalyticsError;
use crate::read::rows_of;
use crate::schedule::DayGames;

/// A box-score source, in preference order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    NbacPlayerBoxscores,
    NbacLiveBoxscore,
    BdlPlayerBoxscores,
    EspnBoxscores,
}

impl Source {
    pub const ALL: [Source; 4] = [
        Source::NbacPlayerBoxscores,
        Source::NbacLiveBoxscore,
        Source::BdlPlayerBoxscores,
        Source::EspnBoxscores,
    ];

    /// The raw table name, which is also the `primary_source` value.
    pub fn as_str(self) -> &'static str {
        BOX_SCORE_SOURCES[self as usize]
    }
}

/// One player's line in one game, whatever the source.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    pub minutes: Option<f64>,
    pub points: Option<i64>,
    pub fgm: Option<i64>,
    pub fga: Option<i64>,
    pub fg3m: Option<i64>,
    pub fg3a: Option<i64>,
    pub ftm: Option<i64>,
    pub fta: Option<i64>,
    pub oreb: Option<i64>,
    pub dreb: Option<i64>,
    pub reb: Option<i64>,
    pub ast: Option<i64>,
    pub stl: Option<i64>,
    pub blk: Option<i64>,
    pub tov: Option<i64>,
    pub pf: Option<i64>,
    pub plus_minus: Option<f64>,
}

impl Stats {
    /// How many of the stat fields the source filled, out of how many.
    pub fn filled(&self) -> (usize, usize) {
        let counts = [
            self.points,
            self.fgm,
            self.fga,
            self.fg3m,
            self.fg3a,
            self.ftm,
            self.fta,
            self.oreb,
            self.dreb,
            self.reb,
            self.ast,
            self.stl,
            self.blk,
            self.tov,
            self.pf,
        ];
        let present = counts.iter().filter(|v| v.is_some()).count()
            + usize::from(self.minutes.is_some())
            + usize::from(self.plus_minus.is_some());
        (present, counts.len() + 2)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct BoxLine {
    pub source: Source,
    /// The schedule's game id.
    pub game_id: String,
    pub player_lookup: String,
    pub player_id: Option<i64>,
    pub player_name: String,
    pub team: String,
    pub opponent: String,
    pub is_home: bool,
    pub stats: Stats,
    /// The source says the player did not play (and maybe why).
    pub explicit_dnp: bool,
    pub dnp_reason: Option<String>,
    /// The source had the game final when it was scraped.
    pub is_final: bool,
}

impl BoxLine {
    /// Listed without minutes: did not play.
    pub fn is_dnp(&self) -> bool {
        self.explicit_dnp || self.stats.minutes.is_none_or(|m| m <= 0.0)
    }
}

/// The stat fields of a raw box-score row: every source names them alike but
/// for points, turnovers and fouls (given), and plus-minus (an expression).
macro_rules! stats_of {
    ($r:ident, points: $pts:ident, tov: $tov:ident, pf: $pf:ident, plus_minus: $pm:expr) => {
        Stats {
            minutes: $r.minutes,
            points: $r.$pts,
            fgm: $r.fgm,
            fga: $r.fga,
            fg3m: $r.fg3m,
            fg3a: $r.fg3a,
            ftm: $r.ftm,
            fta: $r.fta,
            oreb: $r.oreb,
            dreb: $r.dreb,
            reb: $r.reb,
            ast: $r.ast,
            stl: $r.stl,
            blk: $r.blk,
            tov: $r.$tov,
            pf: $r.$pf,
            plus_minus: $pm,
        }
    };
}

fn nbac(r: NbacPlayerBoxscore) -> BoxLine {
    BoxLine {
        source: Source::NbacPlayerBoxscores,
        is_final: r.win_loss.is_some(),
        stats: stats_of!(r, points: pts, tov: tov, pf: pf, plus_minus: r.plus_minus),
        game_id: r.game_id,
        player_lookup: r.player_lookup,
        player_id: Some(r.player_id),
        player_name: r.player_name,
        team: r.team_tricode,
        opponent: r.opponent_tricode,
        is_home: r.is_home,
        explicit_dnp: false,
        dnp_reason: None,
    }
}

fn live(r: NbacLiveBoxscore) -> BoxLine {
    BoxLine {
        source: Source::NbacLiveBoxscore,
        is_final: r.game_status == 3,
        stats: stats_of!(r, points: pts, tov: tov, pf: pf, plus_minus: r.plus_minus),
        game_id: r.game_id,
        player_lookup: r.player_lookup,
        player_id: Some(r.player_id),
        player_name: r.player_name,
        team: r.team_tricode,
        opponent: r.opponent_tricode,
        is_home: r.is_home,
        explicit_dnp: !r.played,
        dnp_reason: r.dnp_reason.or(r.dnp_description),
    }
}

fn bdl(r: BdlPlayerBoxscore, game_id: String) -> BoxLine {
    BoxLine {
        source: Source::BdlPlayerBoxscores,
        is_final: r.game_status.eq_ignore_ascii_case("final"),
        stats: stats_of!(r, points: points, tov: turnovers, pf: fouls, plus_minus: None),
        game_id,
        player_lookup: r.player_lookup,
        player_id: None,
        player_name: r.player_name,
        team: r.team_tricode,
        opponent: r.opponent_tricode,
        is_home: r.is_home,
        explicit_dnp: false,
        dnp_reason: None,
    }
}

/// ESPN's box score page is only published for games under way or over; it
/// carries no status, so its rows count as final.
fn espn(r: EspnBoxscore, game_id: String, is_home: bool) -> BoxLine {
    BoxLine {
        source: Source::EspnBoxscores,
        is_final: true,
        stats: stats_of!(r, points: points, tov: turnovers, pf: fouls, plus_minus: r.plus_minus.map(|v| v as f64)),
        game_id,
        player_lookup: r.player_lookup,
        player_id: None,
        player_name: r.player_name,
        team: r.team_tricode,
        opponent: r.opponent_tricode,
        is_home,
        explicit_dnp: r.dnp_reason.is_some(),
        dnp_reason: r.dnp_reason,
    }
}

/// Every source's lines of the date's scheduled games (rows of games the
/// schedule does not know are left out: a game id is needed downstream).
pub async fn load(warehouse: &dyn Warehouse, day: &DayGames, date: NaiveDate) -> Result<Vec<BoxLine>, AnalyticsError> {
    let filter = "game_date = CAST(? AS DATE)";
    let p = || vec![json!(date.to_string())];
    let mut lines = Vec::new();
    let nbac_rows: Vec<NbacPlayerBoxscore> = rows_of(warehouse, filter, p()).await?;
    lines.extend(nbac_rows.into_iter().map(nbac));
    let live_rows: Vec<NbacLiveBoxscore> = rows_of(warehouse, filter, p()).await?;
    lines.extend(live_rows.into_iter().map(live));
    lines.retain(|l| day.by_id(&l.game_id).is_some());
    let bdl_rows: Vec<BdlPlayerBoxscore> = rows_of(warehouse, filter, p()).await?;
    for r in bdl_rows {
        if let Some(game) = day.by_code(&r.game_code) {
            let id = game.game_id.clone();
            lines.push(bdl(r, id));
        }
    }
    let espn_rows: Vec<EspnBoxscore> = rows_of(warehouse, filter, p()).await?;
    for r in espn_rows {
        if let Some(game) = day.by_teams(&r.team_tricode, &r.opponent_tricode) {
            let (id, home) = (game.game_id.clone(), game.home == r.team_tricode);
            lines.push(espn(r, id, home));
        }
    }
    Ok(lines)
}

/// The lines chosen for one game.
#[derive(Debug, Clone, PartialEq)]
pub struct GameBox {
    pub game_id: String,
    pub source: Source,
    pub lines: Vec<BoxLine>,
}

/// Per game, the best source whose rows have the game final. When NBA.com's
/// game log (players who appeared only) is chosen, the live box score's
/// did-not-play rows are added for the players it lacks.
pub fn choose(lines: Vec<BoxLine>) -> BTreeMap<String, GameBox> {
    let mut by_game: BTreeMap<String, BTreeMap<Source, Vec<BoxLine>>> = BTreeMap::new();
    for line in lines {
        by_game
            .entry(line.game_id.clone())
            .or_default()
            .entry(line.source)
            .or_default()
            .push(line);
    }
    let mut chosen = BTreeMap::new();
    for (game_id, mut sources) in by_game {
        let best = Source::ALL
            .into_iter()
            .find(|s| sources.get(s).is_some_and(|rows| rows.iter().any(|l| l.is_final)));
        let Some((source, mut lines)) = best.and_then(|s| sources.remove(&s).map(|rows| (s, rows))) else {
            continue;
        };
        if source == Source::NbacPlayerBoxscores
            && let Some(live) = sources.remove(&Source::NbacLiveBoxscore)
        {
            add_live_dnps(&mut lines, live);
        }
        lines.sort_by(|a, b| a.player_lookup.cmp(&b.player_lookup));
        lines.dedup_by(|a, b| a.player_lookup == b.player_lookup);
        chosen.insert(game_id.clone(), GameBox { game_id, source, lines });
    }
    chosen
}

fn add_live_dnps(lines: &mut Vec<BoxLine>, live: Vec<BoxLine>) {
    let present: BTreeSet<String> = lines.iter().map(|l| l.player_lookup.clone()).collect();
    lines.extend(
        live.into_iter()
            .filter(|l| l.is_final && l.explicit_dnp && !present.contains(&l.player_lookup)),
    );
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn line(
        source: Source,
        game: &str,
        player: &str,
        team: &str,
        opp: &str,
        minutes: Option<f64>,
    ) -> BoxLine {
        BoxLine {
            source,
            game_id: game.into(),
            player_lookup: player.into(),
            player_id: None,
            player_name: player.into(),
            team: team.into(),
            opponent: opp.into(),
            is_home: team < opp,
            stats: Stats {
                minutes,
                points: minutes.map(|_| 10),
                ..Default::default()
            },
            explicit_dnp: false,
            dnp_reason: None,
            is_final: true,
        }
    }

    #[test]
    fn the_best_final_source_wins_per_game_and_live_dnps_complete_the_game_log() {
        let mut not_final = line(Source::NbacLiveBoxscore, "0022400002", "c", "BOS", "NYK", Some(20.0));
        not_final.is_final = false;
        let mut dnp = line(Source::NbacLiveBoxscore, "0022400001", "z", "LAL", "GSW", None);
        dnp.explicit_dnp = true;
        dnp.dnp_reason = Some("INACTIVE_INJURY".into());
        let lines = vec![
            line(Source::BdlPlayerBoxscores, "0022400001", "a", "LAL", "GSW", Some(30.0)),
            line(Source::NbacPlayerBoxscores, "0022400001", "a", "LAL", "GSW", Some(31.0)),
            line(Source::NbacLiveBoxscore, "0022400001", "a", "LAL", "GSW", Some(31.0)),
            dnp,
            not_final,
            line(Source::EspnBoxscores, "0022400002", "c", "BOS", "NYK", Some(21.0)),
        ];
        let chosen = choose(lines);
        let g1 = &chosen["0022400001"];
        assert_eq!(g1.source, Source::NbacPlayerBoxscores);
        assert_eq!(g1.lines.len(), 2);
        assert!(g1.lines[1].is_dnp());
        assert_eq!(g1.lines[1].dnp_reason.as_deref(), Some("INACTIVE_INJURY"));
        // The live box score was not final for game 2: ESPN's lines are used.
        assert_eq!(chosen["0022400002"].source, Source::EspnBoxscores);
        assert_eq!(Source::BdlPlayerBoxscores.as_str(), "bdl_player_boxscores");
    }

    #[test]
    fn completeness_counts_filled_fields() {
        let s = Stats {
            minutes: Some(30.0),
            points: Some(10),
            ..Default::default()
        };
        assert_eq!(s.filled(), (2, 17));
    }
}
