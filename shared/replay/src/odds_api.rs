//! The Odds API v4 (`api.the-odds-api.com`), rendered from the props files and the schedule:
//!
//! * `GET /v4/sports/basketball_nba/events?apiKey=…[&commenceTimeFrom=&commenceTimeTo=]` mimics the events
//!   list: a JSON array of `{id, sport_key, sport_title, commence_time, home_team, away_team}`. By default
//!   the events not yet over at the clock's now (commence time after now − 3 h) up to the end of the next ET
//!   day; `commenceTimeFrom`/`commenceTimeTo` (RFC 3339) override the window. Games with recorded props use
//!   the recorded event id, team names and commence time; other scheduled games get a deterministic
//!   synthetic 32-hex id and the schedule's tip.
//! * `GET /v4/sports/basketball_nba/events/{eventId}/odds?apiKey=…&markets=player_points&regions=us
//!   [&bookmakers=prizepicks,underdog]` mimics the event-odds endpoint: the event with `bookmakers[]` →
//!   `markets[]` → `outcomes[]` (`name` Over/Under, `description` the player, `point` the line). The props
//!   files' bookmakers appear with keys `prizepicks` and `underdog` (title as recorded), in the `us_dfs`
//!   region (`regions=us` is accepted too, since that is what scrapers ask for).
//!
//! **Prices are omitted.** The recorded `price` is a constant placeholder, so outcomes carry no `price`
//! member rather than a made-up number; a consumer must treat the price as unknown. (The current
//! `nba-upstream` player-props decoder requires `price` and therefore rejects these answers until it
//! accepts a missing price.)
//!
//! Point in time: lines are current only before the game: from 00:00 ET of the game's date until the
//! earlier of the schedule's tip and the recorded commence time; outside that window the event is served
//! with `"bookmakers": []`. Exact duplicate rows are served once; an event recorded in several daily files
//! serves the latest file's rows (see [`crate::dataset`]).
//!
//! Every answer carries `x-requests-remaining`, `x-requests-used` and `x-requests-last` (a 20,000-credit
//! quota; events cost 0, event odds cost markets × regions, as upstream). A missing `apiKey` is a 401 with
//! the upstream's error object; bad parameters are 400 with an `INVALID_*`/`MISSING_*` error object naming the parameter (`param`); an unknown
//! event is a 404 `EVENT_NOT_FOUND`.

use std::sync::atomic::Ordering;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::AppState;
use crate::clock::{FINAL_AFTER, et_date};
use crate::dataset::Inner;
use crate::respond::{Params, Reject};

/// Credits of the simulated monthly quota.
pub const QUOTA: u64 = 20_000;
const SPORT: &str = "basketball_nba";

fn odds_error<R: From<Response>>(status: StatusCode, code: &str, message: &str, param: Option<&str>) -> R {
    let mut body = json!({
        "message": message,
        "error_code": code,
        "details_url": format!("https://the-odds-api.com/liveapi/guides/v4/api-error-codes.html#{}", code.to_lowercase()),
    });
    if let Some(p) = param {
        body["param"] = json!(p);
    }
    (status, axum::Json(body)).into_response().into()
}

fn with_quota(state: &AppState, cost: u64, mut response: Response) -> Response {
    let used = state.odds_used.fetch_add(cost, Ordering::Relaxed) + cost;
    let h = response.headers_mut();
    for (name, value) in [
        ("x-requests-remaining", QUOTA.saturating_sub(used)),
        ("x-requests-used", used),
        ("x-requests-last", cost),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
            h.insert(HeaderName::from_static(name), v);
        }
    }
    response
}

/// Checks the sport and the API key; the error response otherwise.
fn admit(sport: &str, p: &Params) -> Result<(), Reject> {
    if p.get("apiKey").is_none() {
        return Err(odds_error(
            StatusCode::UNAUTHORIZED,
            "MISSING_KEY",
            "API key is missing. Specify an API key in the apiKey query parameter.",
            Some("apiKey"),
        ));
    }
    if sport != SPORT {
        return Err(odds_error(
            StatusCode::NOT_FOUND,
            "UNKNOWN_SPORT",
            &format!("Unknown sport {sport:?}: the replay serves {SPORT} only"),
            Some("sport"),
        ));
    }
    Ok(())
}

/// One event as listed.
struct Listed {
    id: String,
    commence: DateTime<Utc>,
    home: String,
    away: String,
}

/// The Odds API's name for a team: the NBA.com full name, with `LA` spelled `Los Angeles`.
fn odds_name(city: &str, name: &str) -> String {
    let city = if city == "LA" { "Los Angeles" } else { city };
    format!("{city} {name}")
}

fn listed(d: &Inner, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Listed> {
    let mut out = Vec::new();
    let (first, last) = (et_date(from) - Duration::days(1), et_date(to) + Duration::days(1));
    for (gi, g) in d
        .games_by_date
        .range(first..=last)
        .flat_map(|(_, gs)| gs.iter().map(|&i| (i, &d.games[i])))
    {
        match d.event_of_game.get(&gi) {
            Some(&e) => {
                let e = &d.events[e];
                out.push(Listed {
                    id: e.id.clone(),
                    commence: e.commence,
                    home: e.home_team.clone(),
                    away: e.away_team.clone(),
                });
            }
            None => out.push(Listed {
                id: d.event_id_of(gi),
                commence: g.tip,
                home: odds_name(&g.home.city, &g.home.name),
                away: odds_name(&g.away.city, &g.away.name),
            }),
        }
    }
    // Recorded events that match no scheduled game are still events.
    out.extend(
        d.events
            .iter()
            .filter(|e| e.game.is_none() && e.date >= first && e.date <= last)
            .map(|e| Listed {
                id: e.id.clone(),
                commence: e.commence,
                home: e.home_team.clone(),
                away: e.away_team.clone(),
            }),
    );
    out.retain(|l| l.commence >= from && l.commence <= to);
    out.sort_by(|a, b| (a.commence, &a.id).cmp(&(b.commence, &b.id)));
    out
}

fn event_json(id: &str, commence: DateTime<Utc>, home: &str, away: &str) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("id".into(), json!(id));
    m.insert("sport_key".into(), json!(SPORT));
    m.insert("sport_title".into(), json!("NBA"));
    m.insert(
        "commence_time".into(),
        json!(commence.to_rfc3339_opts(SecondsFormat::Secs, true)),
    );
    m.insert("home_team".into(), json!(home));
    m.insert("away_team".into(), json!(away));
    m
}

fn time_param(p: &Params, name: &str) -> Result<Option<DateTime<Utc>>, Reject> {
    match p.get(name) {
        None => Ok(None),
        Some(v) => DateTime::parse_from_rfc3339(v)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| {
                odds_error(
                    StatusCode::BAD_REQUEST,
                    &format!("INVALID_{}", name.to_uppercase()),
                    &format!("Invalid {name}: expected ISO 8601, e.g. 2024-11-15T00:00:00Z"),
                    Some(name),
                )
            }),
    }
}

/// `GET /v4/sports/{sport}/events`: see the module doc.
pub(crate) async fn events(
    State(state): State<AppState>,
    Path(sport): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let p = Params::parse(q.as_deref());
    if let Err(r) = admit(&sport, &p) {
        return r.into_response();
    }
    let now = state.clock.now();
    let (from, to) = match (time_param(&p, "commenceTimeFrom"), time_param(&p, "commenceTimeTo")) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(r), _) | (_, Err(r)) => return r.into_response(),
    };
    let from = from.unwrap_or(now - FINAL_AFTER);
    let to = to.unwrap_or_else(|| {
        let day_after = et_date(now) + Duration::days(2);
        day_after
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(chrono_tz::America::New_York).earliest())
            .map_or(now + Duration::days(2), |t| t.with_timezone(&Utc))
    });
    let d = &state.dataset.inner;
    let body: Vec<Value> = listed(d, from, to)
        .iter()
        .map(|l| Value::Object(event_json(&l.id, l.commence, &l.home, &l.away)))
        .collect();
    with_quota(&state, 0, crate::respond::json_ok(Value::Array(body)))
}

/// A bookmaker's markets: key → outcomes, in recorded order.
type Markets = Vec<(String, Vec<Value>)>;

/// The key and title of a recorded bookmaker name (`PrizePicks` → `prizepicks`).
fn bookmaker_key(title: &str) -> String {
    title
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// `GET /v4/sports/{sport}/events/{eventId}/odds`: see the module doc.
pub(crate) async fn event_odds(
    State(state): State<AppState>,
    Path((sport, event_id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Response {
    let p = Params::parse(q.as_deref());
    if let Err(r) = admit(&sport, &p) {
        return r.into_response();
    }
    let markets: Vec<&str> = {
        let m = p.all(&["markets"]);
        if m.is_empty() { vec!["h2h"] } else { m }
    };
    let regions = p.all(&["regions"]);
    let books = p.all(&["bookmakers"]);
    if regions.is_empty() && books.is_empty() {
        return odds_error(
            StatusCode::BAD_REQUEST,
            "MISSING_REGION",
            "Missing regions: specify regions or bookmakers",
            Some("regions"),
        );
    }
    if let Some(bad) = regions
        .iter()
        .find(|r| !["us", "us2", "us_dfs", "us_ex", "uk", "eu", "au"].contains(r))
    {
        return odds_error(
            StatusCode::BAD_REQUEST,
            "INVALID_REGION",
            &format!("Invalid region {bad:?}"),
            Some("regions"),
        );
    }
    let d = &state.dataset.inner;
    let now = state.clock.now();
    let (event, game) = match d.event_by_id.get(&event_id) {
        Some(&e) => (Some(&d.events[e]), d.events[e].game),
        None => match d.game_by_synthetic_event.get(&event_id) {
            Some(&g) => (None, Some(g)),
            None => {
                return odds_error(
                    StatusCode::NOT_FOUND,
                    "EVENT_NOT_FOUND",
                    &format!("Event not found: {event_id}"),
                    Some("eventId"),
                );
            }
        },
    };
    let mut body = match (event, game) {
        (Some(e), _) => event_json(&e.id, e.commence, &e.home_team, &e.away_team),
        (None, Some(gi)) => {
            let g = &d.games[gi];
            event_json(
                &event_id,
                g.tip,
                &odds_name(&g.home.city, &g.home.name),
                &odds_name(&g.away.city, &g.away.name),
            )
        }
        (None, None) => serde_json::Map::new(),
    };
    let mut bookmakers: Vec<Value> = Vec::new();
    if let Some(e) = event {
        let tip = game.map_or(e.commence, |g| d.games[g].tip.min(e.commence));
        let opens = e
            .date
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(chrono_tz::America::New_York).earliest())
            .map_or(tip - Duration::hours(24), |t| t.with_timezone(&Utc));
        if now >= opens && now < tip {
            let update = json!(now.to_rfc3339_opts(SecondsFormat::Secs, true));
            // bookmaker title → market → outcomes, in recorded order.
            let mut by_book: Vec<(String, Markets)> = Vec::new();
            for l in &e.lines {
                let key = bookmaker_key(&l.bookmaker);
                if !markets.contains(&l.market.as_str()) || !(books.is_empty() || books.contains(&key.as_str())) {
                    continue;
                }
                let bi = match by_book.iter().position(|(b, _)| *b == l.bookmaker) {
                    Some(i) => i,
                    None => {
                        by_book.push((l.bookmaker.clone(), Vec::new()));
                        by_book.len() - 1
                    }
                };
                let ms = &mut by_book[bi].1;
                let mi = match ms.iter().position(|(m, _)| *m == l.market) {
                    Some(i) => i,
                    None => {
                        ms.push((l.market.clone(), Vec::new()));
                        ms.len() - 1
                    }
                };
                ms[mi]
                    .1
                    .push(json!({"name": l.side, "description": l.player, "point": l.line}));
            }
            bookmakers = by_book
                .into_iter()
                .map(|(title, ms)| {
                    json!({
                        "key": bookmaker_key(&title),
                        "title": title,
                        "last_update": update,
                        "markets": ms.into_iter().map(|(m, outcomes)| json!({
                            "key": m,
                            "last_update": update,
                            "outcomes": outcomes,
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
        }
    }
    body.insert("bookmakers".into(), Value::Array(bookmakers));
    let cost = (markets.len() * regions.len().max(1)) as u64;
    with_quota(&state, cost, crate::respond::json_ok(Value::Object(body)))
}
