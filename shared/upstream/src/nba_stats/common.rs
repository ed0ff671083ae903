//! Record types shared by several NBA.com endpoints.

use serde::{Deserialize, Serialize};

use super::nested::Obj;
use super::result_sets::{Col, ResultSet, Row};
use super::value::{count, date, float, int, minutes, trimmed};
use crate::ShapeError;

/// Status of a game, from NBA.com's numeric code (`GAME_STATUS_ID`, `gameStatus`): 1, 2, 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GameStatus {
    /// 1: not started (also postponed games, whose status text says so).
    Scheduled,
    /// 2: live.
    InProgress,
    /// 3: final.
    Final,
}

impl GameStatus {
    /// The status for NBA.com's code; other codes are unknown (the caller fails loudly on them).
    pub fn from_code(code: i64) -> Option<GameStatus> {
        match code {
            1 => Some(GameStatus::Scheduled),
            2 => Some(GameStatus::InProgress),
            3 => Some(GameStatus::Final),
            _ => None,
        }
    }
}

/// Converter for a status code (see [`super::value`]).
pub(crate) fn status(v: &serde_json::Value) -> Result<Option<GameStatus>, String> {
    match int(v)? {
        None => Ok(None),
        Some(code) => GameStatus::from_code(code)
            .map(Some)
            .ok_or_else(|| format!("unknown game status code {code} (known: 1 scheduled, 2 live, 3 final)")),
    }
}

/// Traditional box-score statistics of a player or a team in one game.
///
/// Every field is optional because NBA.com nulls them out for players who did not play (V2 box
/// scores), for games not yet played, and for statistics not kept in early seasons (3-pointers before
/// 1979-80, offensive rebounds, steals, blocks and turnovers before the mid-1970s). The columns themselves
/// are required: a missing `PTS` header is a shape error, a null `PTS` value is not.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BoxStats {
    /// Minutes played, decimal (34:12 → 34.2). `None` when not reported (did not play).
    pub minutes: Option<f64>,
    pub fgm: Option<u32>,
    pub fga: Option<u32>,
    /// Field-goal percentage as a fraction (0.5 = 50 %), as sent by NBA.com.
    pub fg_pct: Option<f64>,
    pub fg3m: Option<u32>,
    pub fg3a: Option<u32>,
    pub fg3_pct: Option<f64>,
    pub ftm: Option<u32>,
    pub fta: Option<u32>,
    pub ft_pct: Option<f64>,
    pub oreb: Option<u32>,
    pub dreb: Option<u32>,
    pub reb: Option<u32>,
    pub ast: Option<u32>,
    pub stl: Option<u32>,
    pub blk: Option<u32>,
    pub tov: Option<u32>,
    /// Personal fouls.
    pub pf: Option<u32>,
    pub pts: Option<u32>,
    /// Point differential while on the floor (a team's is its final margin).
    pub plus_minus: Option<f64>,
}

/// The box-score columns of a tabular result set, located once by header name.
pub(crate) struct BoxStatsCols {
    min: Col,
    fgm: Col,
    fga: Col,
    fg_pct: Col,
    fg3m: Col,
    fg3a: Col,
    fg3_pct: Col,
    ftm: Col,
    fta: Col,
    ft_pct: Col,
    oreb: Col,
    dreb: Col,
    reb: Col,
    ast: Col,
    stl: Col,
    blk: Col,
    tov: Col,
    pf: Col,
    pts: Col,
    plus_minus: Option<Col>,
}

impl BoxStatsCols {
    /// Locates the columns; `PLUS_MINUS` is required only when `plus_minus_required`.
    pub(crate) fn locate(rs: &ResultSet, plus_minus_required: bool) -> Result<Self, ShapeError> {
        Ok(BoxStatsCols {
            min: rs.col("MIN")?,
            fgm: rs.col("FGM")?,
            fga: rs.col("FGA")?,
            fg_pct: rs.col("FG_PCT")?,
            fg3m: rs.col("FG3M")?,
            fg3a: rs.col("FG3A")?,
            fg3_pct: rs.col("FG3_PCT")?,
            ftm: rs.col("FTM")?,
            fta: rs.col("FTA")?,
            ft_pct: rs.col("FT_PCT")?,
            oreb: rs.col("OREB")?,
            dreb: rs.col("DREB")?,
            reb: rs.col("REB")?,
            ast: rs.col("AST")?,
            stl: rs.col("STL")?,
            blk: rs.col("BLK")?,
            tov: rs.col_any(&["TOV", "TO"])?,
            pf: rs.col("PF")?,
            pts: rs.col("PTS")?,
            plus_minus: if plus_minus_required {
                Some(rs.col("PLUS_MINUS")?)
            } else {
                rs.opt_col("PLUS_MINUS")
            },
        })
    }

    pub(crate) fn read(&self, row: &Row<'_>) -> Result<BoxStats, ShapeError> {
        Ok(BoxStats {
            minutes: row.get(&self.min, minutes)?,
            fgm: row.get(&self.fgm, count)?,
            fga: row.get(&self.fga, count)?,
            fg_pct: row.get(&self.fg_pct, float)?,
            fg3m: row.get(&self.fg3m, count)?,
            fg3a: row.get(&self.fg3a, count)?,
            fg3_pct: row.get(&self.fg3_pct, float)?,
            ftm: row.get(&self.ftm, count)?,
            fta: row.get(&self.fta, count)?,
            ft_pct: row.get(&self.ft_pct, float)?,
            oreb: row.get(&self.oreb, count)?,
            dreb: row.get(&self.dreb, count)?,
            reb: row.get(&self.reb, count)?,
            ast: row.get(&self.ast, count)?,
            stl: row.get(&self.stl, count)?,
            blk: row.get(&self.blk, count)?,
            tov: row.get(&self.tov, count)?,
            pf: row.get(&self.pf, count)?,
            pts: row.get(&self.pts, count)?,
            plus_minus: row.opt(self.plus_minus.as_ref(), float)?,
        })
    }
}

/// Box-score statistics from a camelCase `statistics` object (stats.nba.com V3 and cdn.nba.com live box
/// scores share these names). The keys are required (null values allowed); `plusMinusPoints` is optional
/// because team and starters/bench totals do not carry it.
pub(crate) fn box_stats_camel(s: &Obj<'_>) -> Result<BoxStats, ShapeError> {
    Ok(BoxStats {
        minutes: s.nullable("minutes", minutes)?,
        fgm: s.nullable("fieldGoalsMade", count)?,
        fga: s.nullable("fieldGoalsAttempted", count)?,
        fg_pct: s.opt("fieldGoalsPercentage", float)?,
        fg3m: s.nullable("threePointersMade", count)?,
        fg3a: s.nullable("threePointersAttempted", count)?,
        fg3_pct: s.opt("threePointersPercentage", float)?,
        ftm: s.nullable("freeThrowsMade", count)?,
        fta: s.nullable("freeThrowsAttempted", count)?,
        ft_pct: s.opt("freeThrowsPercentage", float)?,
        oreb: s.nullable("reboundsOffensive", count)?,
        dreb: s.nullable("reboundsDefensive", count)?,
        reb: s.nullable("reboundsTotal", count)?,
        ast: s.nullable("assists", count)?,
        stl: s.nullable("steals", count)?,
        blk: s.nullable("blocks", count)?,
        tov: s.nullable("turnovers", count)?,
        pf: s.nullable("foulsPersonal", count)?,
        pts: s.nullable("points", count)?,
        plus_minus: s.opt("plusMinusPoints", float)?,
    })
}

/// One team's line score in one game (`LineScore` of `scoreboardv2` and `boxscoresummaryv2`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamLineScore {
    pub game_id: String,
    /// ET calendar date of the game.
    pub game_date: Option<chrono::NaiveDate>,
    pub team_id: i64,
    pub team_abbreviation: String,
    pub team_city: Option<String>,
    /// Nickname (`TEAM_NAME` in scoreboardv2, `TEAM_NICKNAME` in boxscoresummaryv2).
    pub team_name: Option<String>,
    /// Record after the game, e.g. `"27-15"`.
    pub team_wins_losses: Option<String>,
    /// Points by quarter, Q1..Q4 (null before the quarter is played).
    pub pts_quarters: Vec<Option<u32>>,
    /// Points by overtime period as NBA.com lists them (`PTS_OT1..PTS_OT10`, 0 for periods not played).
    pub pts_overtimes: Vec<Option<u32>>,
    /// Final (or current) points; null before tip-off.
    pub pts: Option<u32>,
}

pub(crate) fn decode_line_scores(rs: &ResultSet) -> Result<Vec<TeamLineScore>, ShapeError> {
    let game_id = rs.col("GAME_ID")?;
    let game_date = rs.opt_col("GAME_DATE_EST");
    let team_id = rs.col("TEAM_ID")?;
    let abbr = rs.col("TEAM_ABBREVIATION")?;
    let city = rs.opt_col("TEAM_CITY_NAME");
    let name = rs.opt_col("TEAM_NAME").or_else(|| rs.opt_col("TEAM_NICKNAME"));
    let record = rs.opt_col("TEAM_WINS_LOSSES");
    let quarters = (1..=4)
        .map(|q| rs.col(&format!("PTS_QTR{q}")))
        .collect::<Result<Vec<_>, _>>()?;
    let overtimes: Vec<Col> = (1..=10).filter_map(|o| rs.opt_col(&format!("PTS_OT{o}"))).collect();
    let pts = rs.col("PTS")?;
    rs.rows()
        .map(|row| {
            Ok(TeamLineScore {
                game_id: row.req(&game_id, trimmed)?,
                game_date: row.opt(game_date.as_ref(), date)?,
                team_id: row.req(&team_id, int)?,
                team_abbreviation: row.req(&abbr, trimmed)?,
                team_city: row.opt(city.as_ref(), trimmed)?,
                team_name: row.opt(name.as_ref(), trimmed)?,
                team_wins_losses: row.opt(record.as_ref(), trimmed)?,
                pts_quarters: quarters.iter().map(|c| row.get(c, count)).collect::<Result<_, _>>()?,
                pts_overtimes: overtimes.iter().map(|c| row.get(c, count)).collect::<Result<_, _>>()?,
                pts: row.get(&pts, count)?,
            })
        })
        .collect()
}
