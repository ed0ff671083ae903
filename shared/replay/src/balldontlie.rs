//! balldontlie (`api.balldontlie.io/v1`), rendered from the dataset:
//!
//! * `GET /v1/games?dates[]=YYYY-MM-DD&seasons[]=&team_ids[]=&per_page=&cursor=` mimics `/v1/games`;
//! * `GET /v1/stats?dates[]=&game_ids[]=&player_ids[]=&seasons[]=&per_page=&cursor=` mimics `/v1/stats`.
//!
//! Both answer `{"data": [...], "meta": {"next_cursor", "per_page"}}`: items sorted by id, `cursor` = the
//! last id already seen, `per_page` 25 by default and at most 100; `next_cursor` is absent on the last page.
//!
//! Ids are synthetic and deterministic (the dataset has no balldontlie ids): a game's id is its NBA game
//! id's digits (`0022400561` → 22400561), a player's is the NBA person id, a team's is 1–30 (NBA team id −
//! 1610612736), a stat row's is game × 10^10 + person id. Player heights, weights, colleges and draft data
//! are not in the dataset and are null.
//!
//! Point in time: games are listed with their status at the clock's now (`status` = the tip time before
//! tip, `In Progress` while live, `Final` after; scores null until final); stat rows exist only for final
//! games.

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, SecondsFormat};
use serde_json::{Value, json};

use crate::AppState;
use crate::clock::Phase;
use crate::dataset::{Game, Inner, PlayerLine, TeamRef};
use crate::ids;
use crate::respond::{Params, Reject, bad_param, json_ok, opt_num, parse_date};

/// Conference and division of the 30 franchises, by NBA tricode.
const DIVISIONS: &[(&str, &str, &str)] = &[
    ("ATL", "East", "Southeast"),
    ("BOS", "East", "Atlantic"),
    ("BKN", "East", "Atlantic"),
    ("CHA", "East", "Southeast"),
    ("CHI", "East", "Central"),
    ("CLE", "East", "Central"),
    ("DAL", "West", "Southwest"),
    ("DEN", "West", "Northwest"),
    ("DET", "East", "Central"),
    ("GSW", "West", "Pacific"),
    ("HOU", "West", "Southwest"),
    ("IND", "East", "Central"),
    ("LAC", "West", "Pacific"),
    ("LAL", "West", "Pacific"),
    ("MEM", "West", "Southwest"),
    ("MIA", "East", "Southeast"),
    ("MIL", "East", "Central"),
    ("MIN", "West", "Northwest"),
    ("NOP", "West", "Southwest"),
    ("NYK", "East", "Atlantic"),
    ("OKC", "West", "Northwest"),
    ("ORL", "East", "Southeast"),
    ("PHI", "East", "Atlantic"),
    ("PHX", "West", "Pacific"),
    ("POR", "West", "Northwest"),
    ("SAC", "West", "Pacific"),
    ("SAS", "West", "Southwest"),
    ("TOR", "East", "Atlantic"),
    ("UTA", "West", "Northwest"),
    ("WAS", "East", "Southeast"),
];

fn team(t: &TeamRef) -> Value {
    let (conference, division) = DIVISIONS
        .iter()
        .find(|(code, _, _)| *code == t.tricode)
        .map_or(("", ""), |(_, c, d)| (*c, *d));
    json!({
        "id": ids::team_number(t.id),
        "conference": conference,
        "division": division,
        "city": t.city,
        "name": t.name,
        "full_name": t.full_name(),
        "abbreviation": t.tricode,
    })
}

/// The fields every game object carries, at the clock's now.
fn game_fields(d: &Inner, gi: usize, g: &Game, now: chrono::DateTime<chrono::Utc>) -> serde_json::Map<String, Value> {
    let phase = Phase::at(g.tip, now);
    let tip = g.tip.to_rfc3339_opts(SecondsFormat::Millis, true);
    let teams = &d.teams[gi];
    let score = |home: bool| -> Value {
        match (phase, teams.get(home)) {
            (Phase::Final, Some(l)) => json!(l.stats.pts),
            _ => Value::Null,
        }
    };
    let (status, period, time) = match phase {
        Phase::Scheduled => (json!(tip), json!(0), Value::Null),
        Phase::Live => (json!("In Progress"), Value::Null, Value::Null),
        Phase::Final => (json!("Final"), json!(teams.periods()), json!("Final")),
    };
    let mut m = serde_json::Map::new();
    m.insert("id".into(), json!(ids::game_number(&g.id)));
    m.insert("date".into(), json!(g.date.to_string()));
    m.insert("season".into(), json!(g.season_start));
    m.insert("status".into(), status);
    m.insert("period".into(), period);
    m.insert("time".into(), time);
    m.insert("postseason".into(), json!(matches!(g.kind, 4 | 5)));
    m.insert("home_team_score".into(), score(true));
    m.insert("visitor_team_score".into(), score(false));
    m.insert("datetime".into(), json!(tip));
    m
}

struct Page {
    per_page: usize,
    cursor: Option<i64>,
}

fn page_params(p: &Params) -> Result<Page, Reject> {
    let per_page = match p.get("per_page") {
        None => 25,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n >= 1 => n.min(100),
            _ => {
                return Err(bad_param(
                    "per_page",
                    "per_page must be a positive integer (at most 100)",
                ));
            }
        },
    };
    let cursor = match p.get("cursor") {
        None => None,
        Some(v) => match v.parse::<i64>() {
            Ok(c) => Some(c),
            Err(_) => {
                return Err(bad_param(
                    "cursor",
                    "cursor must be an integer (a previous meta.next_cursor)",
                ));
            }
        },
    };
    Ok(Page { per_page, cursor })
}

/// One page of `(id, item)` pairs sorted by id.
fn paginate(mut items: Vec<(i64, Value)>, page: &Page) -> Value {
    items.sort_by_key(|(id, _)| *id);
    let start = page.cursor.map_or(0, |c| items.partition_point(|(id, _)| *id <= c));
    let rest = &items[start.min(items.len())..];
    let shown = &rest[..page.per_page.min(rest.len())];
    let mut meta = serde_json::Map::new();
    if rest.len() > shown.len()
        && let Some((last, _)) = shown.last()
    {
        meta.insert("next_cursor".into(), json!(last));
    }
    meta.insert("per_page".into(), json!(page.per_page));
    json!({
        "data": shown.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>(),
        "meta": meta,
    })
}

fn dates(p: &Params) -> Result<Vec<NaiveDate>, Reject> {
    p.all(&["dates[]", "dates"])
        .into_iter()
        .map(|d| parse_date("dates[]", d))
        .collect()
}

fn ints(p: &Params, name: &str) -> Result<Vec<i64>, Reject> {
    p.all(&[&format!("{name}[]"), name])
        .into_iter()
        .map(|v| {
            v.parse::<i64>()
                .map_err(|_| bad_param(&format!("{name}[]"), &format!("{name}[] {v:?} is not an integer")))
        })
        .collect()
}

/// Games matching the date and season filters (all games when neither is given).
fn select_games<'a>(d: &'a Inner, dates: &[NaiveDate], seasons: &[i64]) -> Vec<(usize, &'a Game)> {
    let by_season = |g: &Game| seasons.is_empty() || seasons.contains(&i64::from(g.season_start));
    if dates.is_empty() {
        return d.games.iter().enumerate().filter(|(_, g)| by_season(g)).collect();
    }
    let mut days = dates.to_vec();
    days.sort();
    days.dedup();
    days.into_iter()
        .flat_map(|day| d.games_on(day))
        .filter(|(_, g)| by_season(g))
        .collect()
}

/// `GET /v1/games`: see the module doc.
pub(crate) async fn games(State(state): State<AppState>, RawQuery(q): RawQuery) -> Response {
    let p = Params::parse(q.as_deref());
    let (page, dates, seasons, team_ids) = match (page_params(&p), dates(&p), ints(&p, "seasons"), ints(&p, "team_ids"))
    {
        (Ok(a), Ok(b), Ok(c), Ok(e)) => (a, b, c, e),
        (Err(r), ..) | (_, Err(r), ..) | (_, _, Err(r), _) | (.., Err(r)) => return r.into_response(),
    };
    let d = &state.dataset.inner;
    let now = state.clock.now();
    let items = select_games(d, &dates, &seasons)
        .into_iter()
        .filter(|(_, g)| {
            team_ids.is_empty()
                || team_ids.contains(&ids::team_number(g.home.id))
                || team_ids.contains(&ids::team_number(g.away.id))
        })
        .map(|(gi, g)| {
            let mut m = game_fields(d, gi, g, now);
            m.insert("home_team".into(), team(&g.home));
            m.insert("visitor_team".into(), team(&g.away));
            (ids::game_number(&g.id), Value::Object(m))
        })
        .collect();
    json_ok(paginate(items, &page))
}

fn stat_row(d: &Inner, gi: usize, g: &Game, p: &PlayerLine, now: chrono::DateTime<chrono::Utc>) -> Value {
    let t = g.team(p.is_home);
    let (first, last) = p.name.split_once(' ').unwrap_or(("", p.name.as_str()));
    let mut game = game_fields(d, gi, g, now);
    game.insert("home_team_id".into(), json!(ids::team_number(g.home.id)));
    game.insert("visitor_team_id".into(), json!(ids::team_number(g.away.id)));
    let s = &p.stats;
    json!({
        "id": ids::stat_id(&g.id, p.player_id),
        "min": format!("{}", s.minutes.round() as i64),
        "fgm": s.fgm,
        "fga": s.fga,
        "fg_pct": opt_num(s.fg_pct),
        "fg3m": s.fg3m,
        "fg3a": s.fg3a,
        "fg3_pct": opt_num(s.fg3_pct),
        "ftm": s.ftm,
        "fta": s.fta,
        "ft_pct": opt_num(s.ft_pct),
        "oreb": s.oreb,
        "dreb": s.dreb,
        "reb": s.reb,
        "ast": s.ast,
        "stl": s.stl,
        "blk": s.blk,
        "turnover": s.tov,
        "pf": s.pf,
        "pts": s.pts,
        "player": {
            "id": p.player_id,
            "first_name": first,
            "last_name": last,
            "position": "",
            "height": null,
            "weight": null,
            "jersey_number": null,
            "college": null,
            "country": null,
            "draft_year": null,
            "draft_round": null,
            "draft_number": null,
            "team_id": ids::team_number(t.id),
        },
        "team": team(t),
        "game": game,
    })
}

/// `GET /v1/stats`: see the module doc.
pub(crate) async fn stats(State(state): State<AppState>, RawQuery(q): RawQuery) -> Response {
    let p = Params::parse(q.as_deref());
    let (page, dates, seasons, game_ids, player_ids) = match (
        page_params(&p),
        dates(&p),
        ints(&p, "seasons"),
        ints(&p, "game_ids"),
        ints(&p, "player_ids"),
    ) {
        (Ok(a), Ok(b), Ok(c), Ok(e), Ok(f)) => (a, b, c, e, f),
        (Err(r), ..) | (_, Err(r), ..) | (_, _, Err(r), ..) | (_, _, _, Err(r), _) | (.., Err(r)) => {
            return r.into_response();
        }
    };
    let d = &state.dataset.inner;
    let now = state.clock.now();
    let mut items = Vec::new();
    for (gi, g) in select_games(d, &dates, &seasons) {
        if Phase::at(g.tip, now) != Phase::Final {
            continue;
        }
        if !game_ids.is_empty() && !game_ids.contains(&ids::game_number(&g.id)) {
            continue;
        }
        for pl in &d.players[gi] {
            if player_ids.is_empty() || player_ids.contains(&pl.player_id) {
                items.push((ids::stat_id(&g.id, pl.player_id), stat_row(d, gi, g, pl, now)));
            }
        }
    }
    json_ok(paginate(items, &page))
}
