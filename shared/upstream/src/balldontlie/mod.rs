//! balldontlie (`api.balldontlie.io/v1`): a third-party NBA API used as the
//! fallback source of games, box scores, players, teams and injuries when
//! stats.nba.com is slow or blocking.
//!
//! Every list endpoint answers `{"data": [...], "meta": {"next_cursor": N,
//! "per_page": M}}`; pass `next_cursor` back as `cursor=` until it is absent
//! ([`Page::next_cursor`]). `/v1/teams` and `/v1/box_scores` are not
//! paginated and have no `meta`.
//!
//! Units: minutes become `seconds_played`; heights are inches, weights
//! pounds; percentages are fractions (0–1) as sent. A counting stat that is
//! null upstream stays `None`, never 0.

pub mod box_scores;
pub mod games;
pub mod injuries;
pub mod players;
pub mod stats;
pub mod teams;

use serde::{Deserialize, Serialize};

use crate::ShapeError;
use crate::json_walk::{Ctx, Node};

/// `source_name` of every balldontlie [`ShapeError`].
pub const SOURCE: &str = "balldontlie";

/// A paginated answer's cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// The cursor of the next page; `None` on the last page.
    pub next_cursor: Option<i64>,
    /// Page size the server applied.
    pub per_page: Option<i64>,
}

/// One page of a paginated endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub meta: Meta,
}

impl<T> Page<T> {
    /// The cursor to request next, `None` when this was the last page.
    pub fn next_cursor(&self) -> Option<i64> {
        self.meta.next_cursor
    }
}

/// A team (`/v1/teams`, and nested in games, players and stats).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    /// balldontlie team id (1–30 for current franchises; historical teams above).
    pub id: i64,
    /// Abbreviation as sent; for the 30 current teams this is the NBA tricode.
    pub abbreviation: String,
    pub city: Option<String>,
    pub name: String,
    pub full_name: String,
    /// `East`/`West`; `None` for defunct franchises (sent blank).
    pub conference: Option<String>,
    pub division: Option<String>,
}

/// A player (`/v1/players`, and nested in stats, box scores, injuries).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Player {
    /// balldontlie player id (not the NBA person id).
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub position: Option<String>,
    /// Height in inches (`"6-11"` → 83).
    pub height_in: Option<u32>,
    /// Weight in pounds.
    pub weight_lb: Option<u32>,
    pub jersey_number: Option<String>,
    pub college: Option<String>,
    pub country: Option<String>,
    pub draft_year: Option<i64>,
    pub draft_round: Option<i64>,
    pub draft_number: Option<i64>,
    /// Team id, from `team_id` or the nested `team`.
    pub team_id: Option<i64>,
    /// The nested team, where the endpoint sends one (players, active players).
    pub team: Option<Team>,
}

/// One player's counting stats in one game (box scores and `/v1/stats`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatLine {
    /// Time on court in seconds (`"34:12"` → 2052, `"34"` → 2040); `None`
    /// when `min` is empty or null (did not play / not recorded).
    pub seconds_played: Option<u32>,
    pub fgm: Option<u32>,
    pub fga: Option<u32>,
    /// Fraction 0–1.
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
    pub turnover: Option<u32>,
    pub pf: Option<u32>,
    pub pts: Option<u32>,
}

/// Parses balldontlie's `min` string into seconds: `"34"`, `"34:12"`,
/// `"00"`, `"34.5"`; `""` → `None`. Anything else is an error message.
pub fn parse_minutes(s: &str) -> Result<Option<u32>, String> {
    let s = s.trim();
    if s.is_empty() || s == "-" || s == "--" {
        return Ok(None);
    }
    let bad = || format!("not a minutes value: {s:?}");
    if let Some((m, sec)) = s.split_once(':') {
        let m: u32 = m.trim().parse().map_err(|_| bad())?;
        let sec: u32 = sec.trim().parse().map_err(|_| bad())?;
        if sec >= 60 {
            return Err(bad());
        }
        // Minutes past u32 seconds are no minutes value (and would overflow: found by fuzzing).
        return m
            .checked_mul(60)
            .and_then(|s| s.checked_add(sec))
            .map(Some)
            .ok_or_else(bad);
    }
    if let Ok(m) = s.parse::<u32>() {
        return m.checked_mul(60).map(Some).ok_or_else(bad);
    }
    match s.parse::<f64>() {
        Ok(f) if f.is_finite() && (0.0..=100.0).contains(&f) => Ok(Some((f * 60.0).round() as u32)),
        _ => Err(bad()),
    }
}

/// `data` of a list answer (required; `{}` or an error object fails here).
pub(crate) fn data_items<'a>(root: &Node<'a>) -> Result<Vec<Node<'a>>, ShapeError> {
    root.req_items("data")
}

/// `meta` of a paginated answer (required).
pub(crate) fn decode_meta(root: &Node) -> Result<Meta, ShapeError> {
    let meta = root.get("meta")?;
    Ok(Meta {
        next_cursor: meta.opt_i64("next_cursor")?,
        per_page: meta.opt_i64("per_page")?,
    })
}

/// A decoded page: `data` items through `item`, plus `meta`.
pub(crate) fn decode_page<T>(
    ctx: &Ctx,
    body: &[u8],
    item: impl Fn(&Node) -> Result<T, ShapeError>,
) -> Result<Page<T>, ShapeError> {
    let v = ctx.parse(body)?;
    let root = ctx.root(&v);
    let data = data_items(&root)?.iter().map(item).collect::<Result<Vec<_>, _>>()?;
    let meta = decode_meta(&root)?;
    Ok(Page { data, meta })
}

pub(crate) fn decode_team(n: &Node) -> Result<Team, ShapeError> {
    Ok(Team {
        id: n.req_i64("id")?,
        abbreviation: n.req_str("abbreviation")?.trim().to_string(),
        city: n.opt_string("city")?,
        name: n.req_string("name")?,
        full_name: n.req_string("full_name")?,
        conference: n.opt_string("conference")?,
        division: n.opt_string("division")?,
    })
}

/// A string or number member as text (`"12"` or `12`); blank → `None`.
fn opt_text(n: &Node, key: &str) -> Result<Option<String>, ShapeError> {
    match n.opt(key)? {
        None => Ok(None),
        Some(c) if c.v.is_number() => Ok(Some(c.v.to_string())),
        Some(c) => {
            let s = c.str()?.trim();
            Ok((!s.is_empty()).then(|| s.to_string()))
        }
    }
}

/// `"6-11"` → 83 inches.
fn height_in(n: &Node) -> Result<Option<u32>, ShapeError> {
    let Some(h) = n.opt("height")? else {
        return Ok(None);
    };
    let Some(s) = opt_text(n, "height")? else {
        return Ok(None);
    };
    s.split_once('-')
        .and_then(|(f, i)| {
            let (f, i) = (f.trim().parse::<u32>().ok()?, i.trim().parse::<u32>().ok()?);
            (f <= 8 && i < 12).then_some(f * 12 + i)
        })
        .map(Some)
        .ok_or_else(|| h.err(format!("not a feet-inches height: {s:?}")))
}

fn weight_lb(n: &Node) -> Result<Option<u32>, ShapeError> {
    let Some(w) = n.opt("weight")? else {
        return Ok(None);
    };
    let Some(s) = opt_text(n, "weight")? else {
        return Ok(None);
    };
    s.parse::<u32>()
        .map(Some)
        .map_err(|_| w.err(format!("not a weight in pounds: {s:?}")))
}

pub(crate) fn decode_player(n: &Node) -> Result<Player, ShapeError> {
    let team = n.opt("team")?.map(|t| decode_team(&t)).transpose()?;
    let team_id = match n.opt_i64("team_id")? {
        Some(id) => Some(id),
        None => team.as_ref().map(|t| t.id),
    };
    Ok(Player {
        id: n.req_i64("id")?,
        first_name: n.req_str("first_name")?.trim().to_string(),
        last_name: n.req_str("last_name")?.trim().to_string(),
        position: n.opt_string("position")?,
        height_in: height_in(n)?,
        weight_lb: weight_lb(n)?,
        jersey_number: opt_text(n, "jersey_number")?,
        college: n.opt_string("college")?,
        country: n.opt_string("country")?,
        draft_year: n.opt_i64("draft_year")?,
        draft_round: n.opt_i64("draft_round")?,
        draft_number: n.opt_i64("draft_number")?,
        team_id,
        team,
    })
}

/// An optional non-negative count.
pub(crate) fn opt_count(n: &Node, key: &str) -> Result<Option<u32>, ShapeError> {
    match n.opt(key)? {
        None => Ok(None),
        Some(c) => {
            let i = c.i64()?;
            u32::try_from(i)
                .map(Some)
                .map_err(|_| c.err(format!("expected a count, found {i}")))
        }
    }
}

pub(crate) fn decode_stat_line(n: &Node) -> Result<StatLine, ShapeError> {
    let seconds_played = match n.opt("min")? {
        None => None,
        Some(m) if m.v.is_number() => {
            let f = m.f64()?;
            if !(0.0..=100.0).contains(&f) {
                return Err(m.err(format!("not a minutes value: {f}")));
            }
            Some((f * 60.0).round() as u32)
        }
        Some(m) => parse_minutes(m.str()?).map_err(|r| m.err(r))?,
    };
    // `pts` must exist as a key (null allowed): a renamed points field is a
    // changed shape, not a player without points.
    n.require_key("pts")?;
    Ok(StatLine {
        seconds_played,
        fgm: opt_count(n, "fgm")?,
        fga: opt_count(n, "fga")?,
        fg_pct: n.opt_f64("fg_pct")?,
        fg3m: opt_count(n, "fg3m")?,
        fg3a: opt_count(n, "fg3a")?,
        fg3_pct: n.opt_f64("fg3_pct")?,
        ftm: opt_count(n, "ftm")?,
        fta: opt_count(n, "fta")?,
        ft_pct: n.opt_f64("ft_pct")?,
        oreb: opt_count(n, "oreb")?,
        dreb: opt_count(n, "dreb")?,
        reb: opt_count(n, "reb")?,
        ast: opt_count(n, "ast")?,
        stl: opt_count(n, "stl")?,
        blk: opt_count(n, "blk")?,
        turnover: opt_count(n, "turnover")?,
        pf: opt_count(n, "pf")?,
        pts: opt_count(n, "pts")?,
    })
}

/// Fields every game object carries (games, stats' `game`, box scores).
pub(crate) struct GameFields {
    pub date: chrono::NaiveDate,
    pub season: i64,
    pub status: String,
    pub period: Option<i64>,
    pub time: Option<String>,
    pub postseason: bool,
    pub home_team_score: Option<u32>,
    pub visitor_team_score: Option<u32>,
    pub datetime: Option<chrono::DateTime<chrono::Utc>>,
}

pub(crate) fn decode_game_fields(n: &Node) -> Result<GameFields, ShapeError> {
    Ok(GameFields {
        date: n.get("date")?.date()?,
        season: n.req_i64("season")?,
        status: n.req_string("status")?,
        period: n.opt_i64("period")?,
        time: n.opt_string("time")?,
        postseason: n.opt_bool("postseason")?.unwrap_or(false),
        home_team_score: opt_count(n, "home_team_score")?,
        visitor_team_score: opt_count(n, "visitor_team_score")?,
        datetime: n.opt_datetime("datetime")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_forms() {
        assert_eq!(parse_minutes("34"), Ok(Some(2040)));
        assert_eq!(parse_minutes("34:12"), Ok(Some(2052)));
        assert_eq!(parse_minutes("00"), Ok(Some(0)));
        assert_eq!(parse_minutes("0:00"), Ok(Some(0)));
        assert_eq!(parse_minutes(""), Ok(None));
        assert_eq!(parse_minutes("  "), Ok(None));
        assert_eq!(parse_minutes("34.5"), Ok(Some(2070)));
        assert!(parse_minutes("DNP").is_err());
        assert!(parse_minutes("34:75").is_err());
        assert!(parse_minutes("-3").is_err());
    }

    /// Regression (fuzzing, `upstream_text` crash-d4cade33): minutes whose seconds overflow u32
    /// panicked on the multiplication in debug builds.
    #[test]
    fn minutes_past_u32_seconds_are_errors_not_overflows() {
        for s in ["170777777", "4294967295", "71582789:00", "71582788:59", "71582788:16"] {
            assert!(parse_minutes(s).is_err(), "{s}");
        }
        // The largest that fit still parse.
        assert_eq!(parse_minutes("71582788"), Ok(Some(4_294_967_280)));
        assert_eq!(parse_minutes("71582788:15"), Ok(Some(u32::MAX)));
    }
}
