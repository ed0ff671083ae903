//! `GET /apis/site/v2/sports/basketball/nba/scoreboard?dates=YYYYMMDD` mimics ESPN's site API scoreboard
//! (`site.api.espn.com`): `{"leagues": [...], "events": [{id, date, name, shortName, season, status,
//! competitions: [{competitors: [{homeAway, team, score, winner}], status}]}]}`. `dates` may be a range
//! `YYYYMMDD-YYYYMMDD`; without it, the clock's ET date.
//!
//! ESPN ids are synthetic and deterministic: event id `4` + the NBA game id's digits (`0022400561` →
//! `422400561`), team id 1–30 (NBA team id − 1610612736). Abbreviations are ESPN's (`GS`, `NY`, `SA`, `NO`,
//! `UTAH`, `WSH`). Quarter line scores are not in the dataset and are omitted.
//!
//! Point in time: `STATUS_SCHEDULED`/`pre` without scores before tip, `STATUS_IN_PROGRESS`/`in` without
//! scores while live (tip to tip + 3 h), `STATUS_FINAL`/`post` with scores and `winner` after.

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};

use crate::AppState;
use crate::clock::{Phase, et_date, et_time_text};
use crate::dataset::{Game, Inner, TeamRef};
use crate::ids;
use crate::respond::{Params, Reject, bad_param, json_ok, parse_date};

/// ESPN's abbreviation of an NBA tricode.
fn espn_abbreviation(tricode: &str) -> &str {
    match tricode {
        "GSW" => "GS",
        "NYK" => "NY",
        "SAS" => "SA",
        "NOP" => "NO",
        "UTA" => "UTAH",
        "WAS" => "WSH",
        other => other,
    }
}

fn espn_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%MZ").to_string()
}

fn competitor(d: &Inner, gi: usize, g: &Game, home: bool, phase: Phase) -> Value {
    let t: &TeamRef = g.team(home);
    let id = ids::team_number(t.id).to_string();
    let mut c = json!({
        "id": id,
        "type": "team",
        "order": if home { 0 } else { 1 },
        "homeAway": if home { "home" } else { "away" },
        "team": {
            "id": id,
            "location": t.city,
            "name": t.name,
            "abbreviation": espn_abbreviation(&t.tricode),
            "displayName": t.full_name(),
            "shortDisplayName": t.name,
            "isActive": true,
        },
    });
    if phase == Phase::Final
        && let Some(l) = d.teams[gi].get(home)
    {
        c["score"] = json!(l.stats.pts.to_string());
        c["winner"] = json!(l.wl.as_deref() == Some("W"));
    }
    c
}

fn status(d: &Inner, gi: usize, g: &Game, phase: Phase) -> Value {
    let (id, name, state, completed, detail, period) = match phase {
        Phase::Scheduled => ("1", "STATUS_SCHEDULED", "pre", false, et_time_text(g.tip), 0),
        Phase::Live => ("2", "STATUS_IN_PROGRESS", "in", false, "In Progress".to_string(), 1),
        Phase::Final => {
            let periods = d.teams[gi].periods();
            let detail = if periods > 4 {
                "Final/OT".to_string()
            } else {
                "Final".to_string()
            };
            ("3", "STATUS_FINAL", "post", true, detail, periods)
        }
    };
    json!({
        "clock": 0.0,
        "displayClock": "0.0",
        "period": period,
        "type": {
            "id": id,
            "name": name,
            "state": state,
            "completed": completed,
            "description": match phase { Phase::Scheduled => "Scheduled", Phase::Live => "In Progress", Phase::Final => "Final" },
            "detail": detail,
            "shortDetail": detail,
        },
    })
}

/// ESPN season type: 1 preseason, 2 regular season, 3 postseason, 5 play-in.
fn season_type(kind: u8) -> i64 {
    match kind {
        1 => 1,
        4 => 3,
        5 => 5,
        _ => 2,
    }
}

fn event(d: &Inner, gi: usize, g: &Game, now: chrono::DateTime<chrono::Utc>) -> Value {
    let phase = Phase::at(g.tip, now);
    let id = ids::espn_event_id(&g.id);
    let st = status(d, gi, g, phase);
    let date = espn_time(g.tip);
    json!({
        "id": id,
        "uid": format!("s:40~l:46~e:{id}"),
        "date": date,
        "name": format!("{} at {}", g.away.full_name(), g.home.full_name()),
        "shortName": format!("{} @ {}", espn_abbreviation(&g.away.tricode), espn_abbreviation(&g.home.tricode)),
        "season": {"year": g.season_start + 1, "type": season_type(g.kind)},
        "competitions": [{
            "id": id,
            "uid": format!("s:40~l:46~e:{id}~c:{id}"),
            "date": date,
            "startDate": date,
            "neutralSite": false,
            "venue": {"fullName": g.arena_name, "address": {"city": g.arena_city, "state": g.arena_state}},
            "competitors": [competitor(d, gi, g, true, phase), competitor(d, gi, g, false, phase)],
            "status": st,
        }],
        "status": st,
    })
}

fn parse_dates(v: &str) -> Result<(NaiveDate, NaiveDate), Reject> {
    let (a, b) = v.split_once('-').unwrap_or((v, v));
    let (a, b) = (parse_date("dates", a)?, parse_date("dates", b)?);
    if b < a || b - a > Duration::days(366) {
        return Err(bad_param(
            "dates",
            "dates range must be YYYYMMDD-YYYYMMDD, in order, at most a year",
        ));
    }
    Ok((a, b))
}

/// `GET /apis/site/v2/sports/basketball/nba/scoreboard`: see the module doc.
pub(crate) async fn scoreboard(State(state): State<AppState>, RawQuery(q): RawQuery) -> Response {
    let p = Params::parse(q.as_deref());
    let now = state.clock.now();
    let (from, to) = match p.get("dates") {
        None => (et_date(now), et_date(now)),
        Some(v) => match parse_dates(v) {
            Ok(r) => r,
            Err(r) => return r.into_response(),
        },
    };
    let d = &state.dataset.inner;
    let events: Vec<Value> = d
        .games_by_date
        .range(from..=to)
        .flat_map(|(_, gs)| gs.iter().map(|&i| event(d, i, &d.games[i], now)))
        .collect();
    json_ok(json!({
        "leagues": [{
            "id": "46",
            "uid": "s:40~l:46",
            "name": "National Basketball Association",
            "abbreviation": "NBA",
            "slug": "nba",
        }],
        "day": {"date": from.to_string()},
        "events": events,
    }))
}
