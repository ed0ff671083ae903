//! `GET /static/json/liveData/boxscore/boxscore_{gameId}.json` mimics cdn.nba.com's live box score
//! (`{"meta", "game": {gameId, gameStatus, period, homeTeam: {…, players: […], statistics}, awayTeam}}`).
//!
//! Players come from the player game logs joined to the schedule on (date, team); the logs cover the
//! players props are offered on, so a team's player points need not add up to its score. Team totals and
//! scores come from the team game logs. Every listed player played (`played: "1"`); `starter`, jersey
//! numbers, positions, attendance, officials and quarter splits are not in the dataset and are omitted
//! (`periods` is empty).
//!
//! Point in time: before the scheduled tip the cdn answers 403 with its S3 `AccessDenied` XML page, as the
//! real one does for a game whose feed does not exist yet; while live (tip to tip + 3 h) the game is
//! `gameStatus: 2` with the players listed and every score and statistic null (the dataset has no in-game
//! timeline); from then on the final numbers. An unknown game id is a 404 JSON error.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::SecondsFormat;
use serde_json::{Map, Value, json};

use crate::AppState;
use crate::clock::Phase;
use crate::dataset::{Game, PlayerLine, Stats};
use crate::respond::{bad_param, error, json_ok, opt_num};

const ACCESS_DENIED: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>\
<Message>Access Denied</Message></Error>";

/// `PT34M12.00S` from decimal minutes.
pub(crate) fn iso_minutes(minutes: f64) -> String {
    let total = (minutes * 60.0 * 100.0).round() as i64;
    let (m, rest) = (total / 6000, total % 6000);
    format!("PT{m:02}M{:02}.{:02}S", rest / 100, rest % 100)
}

/// The camelCase `statistics` object; every value null when `stats` is `None` (not known yet).
fn statistics(stats: Option<&Stats>, with_plus_minus: bool) -> Value {
    let s = stats;
    let n = |f: fn(&Stats) -> u32| s.map_or(Value::Null, |s| json!(f(s)));
    let mut m = Map::new();
    m.insert("assists".into(), n(|s| s.ast));
    m.insert("blocks".into(), n(|s| s.blk));
    m.insert("fieldGoalsAttempted".into(), n(|s| s.fga));
    m.insert("fieldGoalsMade".into(), n(|s| s.fgm));
    m.insert(
        "fieldGoalsPercentage".into(),
        s.map_or(Value::Null, |s| opt_num(s.fg_pct)),
    );
    m.insert("foulsPersonal".into(), n(|s| s.pf));
    m.insert("freeThrowsAttempted".into(), n(|s| s.fta));
    m.insert("freeThrowsMade".into(), n(|s| s.ftm));
    m.insert(
        "freeThrowsPercentage".into(),
        s.map_or(Value::Null, |s| opt_num(s.ft_pct)),
    );
    m.insert(
        "minutes".into(),
        s.map_or(Value::Null, |s| json!(iso_minutes(s.minutes))),
    );
    if with_plus_minus {
        m.insert(
            "plusMinusPoints".into(),
            s.map_or(Value::Null, |s| opt_num(s.plus_minus)),
        );
    }
    m.insert("points".into(), n(|s| s.pts));
    m.insert("reboundsDefensive".into(), n(|s| s.dreb));
    m.insert("reboundsOffensive".into(), n(|s| s.oreb));
    m.insert("reboundsTotal".into(), n(|s| s.reb));
    m.insert("steals".into(), n(|s| s.stl));
    m.insert("threePointersAttempted".into(), n(|s| s.fg3a));
    m.insert("threePointersMade".into(), n(|s| s.fg3m));
    m.insert(
        "threePointersPercentage".into(),
        s.map_or(Value::Null, |s| opt_num(s.fg3_pct)),
    );
    m.insert("turnovers".into(), n(|s| s.tov));
    Value::Object(m)
}

fn player(order: usize, p: &PlayerLine, known: bool) -> Value {
    let (first, family) = p.name.split_once(' ').unwrap_or(("", p.name.as_str()));
    let initial = first
        .chars()
        .next()
        .map(|c| format!("{c}. {family}"))
        .unwrap_or_else(|| family.to_string());
    json!({
        "status": "ACTIVE",
        "order": order + 1,
        "personId": p.player_id,
        "oncourt": "0",
        "played": "1",
        "statistics": statistics(known.then_some(&p.stats), true),
        "name": p.name,
        "nameI": initial,
        "firstName": first,
        "familyName": family,
    })
}

fn team(d: &crate::dataset::Inner, gi: usize, g: &Game, home: bool, phase: Phase) -> Value {
    let t = g.team(home);
    let line = d.teams[gi].get(home).filter(|_| phase == Phase::Final);
    let players: Vec<Value> = d.players[gi]
        .iter()
        .filter(|p| p.is_home == home)
        .enumerate()
        .map(|(i, p)| player(i, p, phase == Phase::Final))
        .collect();
    let opponent = d.teams[gi].get(!home).filter(|_| phase == Phase::Final);
    let mut stats = statistics(line.map(|l| &l.stats), false);
    if let Value::Object(m) = &mut stats {
        m.insert(
            "pointsAgainst".into(),
            opponent.map_or(Value::Null, |o| json!(o.stats.pts)),
        );
    }
    json!({
        "teamId": t.id,
        "teamName": t.name,
        "teamCity": t.city,
        "teamTricode": t.tricode,
        "score": line.map(|l| l.stats.pts),
        "periods": [],
        "players": players,
        "statistics": stats,
    })
}

/// `GET /static/json/liveData/boxscore/boxscore_{gameId}.json`: see the module doc.
pub(crate) async fn boxscore(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(game_id) = file.strip_prefix("boxscore_").and_then(|f| f.strip_suffix(".json")) else {
        return bad_param("gameId", "expected boxscore_{gameId}.json");
    };
    let d = &state.dataset.inner;
    let Some(&gi) = d.game_by_id.get(game_id) else {
        return error(StatusCode::NOT_FOUND, &format!("game {game_id} is not in the dataset"));
    };
    let g = &d.games[gi];
    let now = state.clock.now();
    let phase = Phase::at(g.tip, now);
    if phase == Phase::Scheduled {
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "application/xml")],
            ACCESS_DENIED,
        )
            .into_response();
    }
    let tip = g.tip.to_rfc3339_opts(SecondsFormat::Secs, true);
    let et = g.tip.with_timezone(&chrono_tz::America::New_York).to_rfc3339();
    let (status_text, period, clock) = match phase {
        Phase::Final => ("Final".to_string(), d.teams[gi].periods(), "PT00M00.00S"),
        _ => ("In Progress".to_string(), 1, ""),
    };
    json_ok(json!({
        "meta": {
            "version": 1,
            "code": 200,
            "request": format!("http://nba.cloud/games/{game_id}/boxscore?Format=json"),
            "time": now.to_rfc3339_opts(SecondsFormat::Millis, true),
        },
        "game": {
            "gameId": g.id,
            "gameTimeLocal": et,
            "gameTimeUTC": tip,
            "gameEt": et,
            "gameCode": g.code,
            "gameStatusText": status_text,
            "gameStatus": phase.code(),
            "regulationPeriods": 4,
            "period": period,
            "gameClock": clock,
            "arena": {
                "arenaName": g.arena_name,
                "arenaCity": g.arena_city,
                "arenaState": g.arena_state,
            },
            "officials": [],
            "homeTeam": team(d, gi, g, true, phase),
            "awayTeam": team(d, gi, g, false, phase),
        }
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso_minutes() {
        assert_eq!(super::iso_minutes(34.2), "PT34M12.00S");
        assert_eq!(super::iso_minutes(0.0), "PT00M00.00S");
        assert_eq!(super::iso_minutes(240.0), "PT240M00.00S");
    }
}
