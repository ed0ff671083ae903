//! stats.nba.com tabular endpoints, rendered from the dataset:
//!
//! * `GET /stats/scoreboardV2?GameDate=YYYY-MM-DD&LeagueID=00&DayOffset=0` mimics
//!   `stats.nba.com/stats/scoreboardv2`: `GameHeader` (one row per game of the ET date, from the schedule)
//!   and `LineScore` (one row per team, visitor first, totals from the team game logs), plus `TeamLeaders`
//!   (from the player logs) and the other tables of the real answer with their headers and no rows.
//!   Quarter and overtime splits are not in the dataset: `PTS_QTR*`/`PTS_OT*` are null for periods played
//!   (0 for overtimes not played); `LIVE_PERIOD` is derived from the team minutes (240 + 25 per overtime).
//! * `GET /stats/leaguegamelog?PlayerOrTeam=P|T&Season=YYYY-YY&SeasonType=Regular+Season&DateFrom=&DateTo=`
//!   mimics `stats.nba.com/stats/leaguegamelog`: one `LeagueGameLog` table with the real header names;
//!   players from `player_game_logs` (team id and game id joined from the schedule), teams from
//!   `team_game_logs`. Rows are sorted by date, newest first (`Direction=ASC` reverses).
//!
//! Point in time: a game is listed by the scoreboard with its phase at the clock's now; scores, line-score
//! totals, leaders and game-log rows appear only once the game is final.

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};

use crate::AppState;
use crate::clock::{Phase, et_time_text};
use crate::dataset::{Game, Inner, PlayerLine, Stats, TeamLine};
use crate::respond::{Params, Reject, bad_param, json_ok, num, opt_num, parse_date};

const GAME_HEADER: &[&str] = &[
    "GAME_DATE_EST",
    "GAME_SEQUENCE",
    "GAME_ID",
    "GAME_STATUS_ID",
    "GAME_STATUS_TEXT",
    "GAMECODE",
    "HOME_TEAM_ID",
    "VISITOR_TEAM_ID",
    "SEASON",
    "LIVE_PERIOD",
    "LIVE_PC_TIME",
    "NATL_TV_BROADCASTER_ABBREVIATION",
    "HOME_TV_BROADCASTER_ABBREVIATION",
    "AWAY_TV_BROADCASTER_ABBREVIATION",
    "LIVE_PERIOD_TIME_BCAST",
    "ARENA_NAME",
    "WH_STATUS",
    "WNBA_COMMISSIONER_FLAG",
];

const LINE_SCORE: &[&str] = &[
    "GAME_DATE_EST",
    "GAME_SEQUENCE",
    "GAME_ID",
    "TEAM_ID",
    "TEAM_ABBREVIATION",
    "TEAM_CITY_NAME",
    "TEAM_NAME",
    "TEAM_WINS_LOSSES",
    "PTS_QTR1",
    "PTS_QTR2",
    "PTS_QTR3",
    "PTS_QTR4",
    "PTS_OT1",
    "PTS_OT2",
    "PTS_OT3",
    "PTS_OT4",
    "PTS_OT5",
    "PTS_OT6",
    "PTS_OT7",
    "PTS_OT8",
    "PTS_OT9",
    "PTS_OT10",
    "PTS",
    "FG_PCT",
    "FT_PCT",
    "FG3_PCT",
    "AST",
    "REB",
    "TOV",
];

const TEAM_LEADERS: &[&str] = &[
    "GAME_ID",
    "TEAM_ID",
    "TEAM_CITY",
    "TEAM_NICKNAME",
    "TEAM_ABBREVIATION",
    "PTS_PLAYER_ID",
    "PTS_PLAYER_NAME",
    "PTS",
    "REB_PLAYER_ID",
    "REB_PLAYER_NAME",
    "REB",
    "AST_PLAYER_ID",
    "AST_PLAYER_NAME",
    "AST",
];

/// Tables of the real answer the dataset cannot fill: headers only.
const EMPTY_TABLES: &[(&str, &[&str])] = &[
    (
        "SeriesStandings",
        &[
            "GAME_ID",
            "HOME_TEAM_ID",
            "VISITOR_TEAM_ID",
            "GAME_DATE_EST",
            "HOME_TEAM_WINS",
            "HOME_TEAM_LOSSES",
            "SERIES_LEADER",
        ],
    ),
    (
        "LastMeeting",
        &[
            "GAME_ID",
            "LAST_GAME_ID",
            "LAST_GAME_DATE_EST",
            "LAST_GAME_HOME_TEAM_ID",
            "LAST_GAME_HOME_TEAM_CITY",
            "LAST_GAME_HOME_TEAM_NAME",
            "LAST_GAME_HOME_TEAM_ABBREVIATION",
            "LAST_GAME_HOME_TEAM_POINTS",
            "LAST_GAME_VISITOR_TEAM_ID",
            "LAST_GAME_VISITOR_TEAM_CITY",
            "LAST_GAME_VISITOR_TEAM_NAME",
            "LAST_GAME_VISITOR_TEAM_CITY1",
            "LAST_GAME_VISITOR_TEAM_POINTS",
        ],
    ),
    ("EastConfStandingsByDay", STANDINGS),
    ("WestConfStandingsByDay", STANDINGS),
];

const STANDINGS: &[&str] = &[
    "TEAM_ID",
    "LEAGUE_ID",
    "SEASON_ID",
    "STANDINGSDATE",
    "CONFERENCE",
    "TEAM",
    "G",
    "W",
    "L",
    "W_PCT",
    "HOME_RECORD",
    "ROAD_RECORD",
];

const PLAYER_LOG: &[&str] = &[
    "SEASON_ID",
    "PLAYER_ID",
    "PLAYER_NAME",
    "TEAM_ID",
    "TEAM_ABBREVIATION",
    "TEAM_NAME",
    "GAME_ID",
    "GAME_DATE",
    "MATCHUP",
    "WL",
    "MIN",
    "FGM",
    "FGA",
    "FG_PCT",
    "FG3M",
    "FG3A",
    "FG3_PCT",
    "FTM",
    "FTA",
    "FT_PCT",
    "OREB",
    "DREB",
    "REB",
    "AST",
    "STL",
    "BLK",
    "TOV",
    "PF",
    "PTS",
    "PLUS_MINUS",
    "FANTASY_PTS",
    "VIDEO_AVAILABLE",
];

const TEAM_LOG: &[&str] = &[
    "SEASON_ID",
    "TEAM_ID",
    "TEAM_ABBREVIATION",
    "TEAM_NAME",
    "GAME_ID",
    "GAME_DATE",
    "MATCHUP",
    "WL",
    "MIN",
    "FGM",
    "FGA",
    "FG_PCT",
    "FG3M",
    "FG3A",
    "FG3_PCT",
    "FTM",
    "FTA",
    "FT_PCT",
    "OREB",
    "DREB",
    "REB",
    "AST",
    "STL",
    "BLK",
    "TOV",
    "PF",
    "PTS",
    "PLUS_MINUS",
    "VIDEO_AVAILABLE",
];

const SEASON_TYPES: &[&str] = &["Regular Season", "Pre Season", "Playoffs", "All Star", "PlayIn", "IST"];

fn table(name: &str, headers: &[&str], rows: Vec<Value>) -> Value {
    json!({"name": name, "headers": headers, "rowSet": rows})
}

fn check_league(p: &Params) -> Result<(), Reject> {
    match p.get("LeagueID") {
        Some("00") => Ok(()),
        Some(other) => Err(bad_param(
            "LeagueID",
            &format!("LeagueID {other:?}: only 00 (NBA) is served"),
        )),
        None => Err(bad_param("LeagueID", "the LeagueID parameter is required")),
    }
}

/// Wins-losses text of a team around a game: after it once final, before it otherwise.
fn record(line: Option<&TeamLine>, phase: Phase) -> Value {
    let Some(l) = line else { return Value::Null };
    let (mut w, mut lo) = l.record_after;
    if phase != Phase::Final {
        match l.wl.as_deref() {
            Some("W") => w = w.saturating_sub(1),
            Some("L") => lo = lo.saturating_sub(1),
            _ => {}
        }
    }
    json!(format!("{w}-{lo}"))
}

/// `GET /stats/scoreboardV2`: see the module doc.
pub(crate) async fn scoreboard_v2(State(state): State<AppState>, RawQuery(q): RawQuery) -> Response {
    let p = Params::parse(q.as_deref());
    if let Err(r) = check_league(&p) {
        return r.into_response();
    }
    let date = match p.require("GameDate").and_then(|d| parse_date("GameDate", d)) {
        Ok(d) => d,
        Err(r) => return r.into_response(),
    };
    let offset: i64 = match p.get("DayOffset").map(str::parse::<i64>) {
        None => 0,
        Some(Ok(o)) if o.abs() <= 366 => o,
        Some(_) => return bad_param("DayOffset", "DayOffset must be an integer (days)"),
    };
    let date = date + Duration::days(offset);
    let now = state.clock.now();
    let d = &state.dataset.inner;
    let (mut headers, mut lines, mut leaders, mut available) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (gi, g) in d.games_on(date) {
        let phase = Phase::at(g.tip, now);
        let teams = &d.teams[gi];
        let date_est = format!("{}T00:00:00", g.date);
        let (status_text, period) = match phase {
            Phase::Scheduled => (et_time_text(g.tip), json!(0)),
            Phase::Live => ("In Progress".to_string(), Value::Null),
            Phase::Final => ("Final".to_string(), json!(teams.periods())),
        };
        headers.push(json!([
            date_est,
            g.sequence,
            g.id,
            phase.code(),
            status_text,
            g.code,
            g.home.id,
            g.away.id,
            g.season_start.to_string(),
            period,
            "     ",
            g.natl_tv,
            g.home_tv,
            g.away_tv,
            "",
            g.arena_name,
            1,
            0
        ]));
        available.push(json!([g.id, i64::from(phase == Phase::Final)]));
        for home in [false, true] {
            let t = g.team(home);
            let line = teams.get(home);
            let known = line.filter(|_| phase == Phase::Final);
            let overtimes = teams.periods() - 4;
            let mut row = vec![
                json!(date_est),
                json!(g.sequence),
                json!(g.id),
                json!(t.id),
                json!(t.tricode),
                json!(t.city),
                json!(t.name),
                record(line, phase),
            ];
            row.extend((0..4).map(|_| Value::Null));
            row.extend((1..=10).map(|ot| match known {
                Some(_) if ot > overtimes => json!(0),
                _ => Value::Null,
            }));
            match known {
                Some(l) => row.extend([
                    json!(l.stats.pts),
                    opt_num(l.stats.fg_pct),
                    opt_num(l.stats.ft_pct),
                    opt_num(l.stats.fg3_pct),
                    json!(l.stats.ast),
                    json!(l.stats.reb),
                    json!(l.stats.tov),
                ]),
                None => row.extend((0..7).map(|_| Value::Null)),
            }
            lines.push(Value::Array(row));
            if phase == Phase::Final {
                leaders.extend(team_leaders(g, home, &d.players[gi]));
            }
        }
    }
    let mut sets = vec![
        table("GameHeader", GAME_HEADER, headers),
        table("LineScore", LINE_SCORE, lines),
    ];
    sets.extend(EMPTY_TABLES.iter().map(|(n, h)| table(n, h, Vec::new())));
    sets.push(table("Available", &["GAME_ID", "PT_AVAILABLE"], available));
    sets.push(table("TeamLeaders", TEAM_LEADERS, leaders));
    sets.push(table("TicketLinks", &["GAME_ID", "LEAG_TIX"], Vec::new()));
    json_ok(json!({
        "resource": "scoreboardV2",
        "parameters": {"GameDate": date.to_string(), "LeagueID": "00", "DayOffset": offset.to_string()},
        "resultSets": sets,
    }))
}

fn team_leaders(g: &Game, home: bool, players: &[PlayerLine]) -> Option<Value> {
    let mine: Vec<&PlayerLine> = players.iter().filter(|p| p.is_home == home).collect();
    let best = |f: fn(&Stats) -> u32| mine.iter().copied().max_by_key(|p| f(&p.stats));
    let (pts, reb, ast) = (best(|s| s.pts)?, best(|s| s.reb)?, best(|s| s.ast)?);
    let t = g.team(home);
    Some(json!([
        g.id,
        t.id,
        t.city,
        t.name,
        t.tricode,
        pts.player_id,
        pts.name,
        pts.stats.pts,
        reb.player_id,
        reb.name,
        reb.stats.reb,
        ast.player_id,
        ast.name,
        ast.stats.ast
    ]))
}

/// `MIN, FGM, …, PF, PTS, PLUS_MINUS` in leaguegamelog order.
fn stat_values(s: &Stats) -> Vec<Value> {
    vec![
        num(s.minutes),
        json!(s.fgm),
        json!(s.fga),
        opt_num(s.fg_pct),
        json!(s.fg3m),
        json!(s.fg3a),
        opt_num(s.fg3_pct),
        json!(s.ftm),
        json!(s.fta),
        opt_num(s.ft_pct),
        json!(s.oreb),
        json!(s.dreb),
        json!(s.reb),
        json!(s.ast),
        json!(s.stl),
        json!(s.blk),
        json!(s.tov),
        json!(s.pf),
        json!(s.pts),
        opt_num(s.plus_minus),
    ]
}

/// NBA fantasy points: PTS + 1.2 REB + 1.5 AST + 3 STL + 3 BLK − TOV.
fn fantasy(s: &Stats) -> Value {
    let f = f64::from(s.pts)
        + 1.2 * f64::from(s.reb)
        + 1.5 * f64::from(s.ast)
        + 3.0 * f64::from(s.stl)
        + 3.0 * f64::from(s.blk)
        - f64::from(s.tov);
    num((f * 10.0).round() / 10.0)
}

fn player_row(g: &Game, p: &PlayerLine) -> Value {
    let t = g.team(p.is_home);
    let mut row = vec![
        json!(g.season_id()),
        json!(p.player_id),
        json!(p.name),
        json!(t.id),
        json!(t.tricode),
        json!(t.full_name()),
        json!(g.id),
        json!(g.date.to_string()),
        json!(p.matchup),
        json!(p.wl),
    ];
    row.extend(stat_values(&p.stats));
    row.push(fantasy(&p.stats));
    row.push(json!(1));
    Value::Array(row)
}

fn team_row(g: &Game, home: bool, l: &TeamLine) -> Value {
    let t = g.team(home);
    let mut row = vec![
        json!(g.season_id()),
        json!(t.id),
        json!(t.tricode),
        json!(t.full_name()),
        json!(g.id),
        json!(g.date.to_string()),
        json!(l.matchup),
        json!(l.wl),
    ];
    row.extend(stat_values(&l.stats));
    row.push(json!(1));
    Value::Array(row)
}

fn valid_season(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7 && b[4] == b'-' && s[..4].parse::<u32>().is_ok() && s[5..].parse::<u32>().is_ok()
}

/// The games of `season`/`season_type` between two dates (inclusive), final at `now`, newest first.
fn final_games<'a>(
    d: &'a Inner,
    season: &'a str,
    season_type: &'a str,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<(usize, &'a Game)> {
    let from = from.unwrap_or(NaiveDate::MIN);
    let to = to.unwrap_or(NaiveDate::MAX);
    if from > to {
        return Vec::new();
    }
    let mut out: Vec<(usize, &Game)> = d
        .games_by_date
        .range(from..=to)
        .flat_map(|(_, gs)| gs.iter().map(|&i| (i, &d.games[i])))
        .filter(|(_, g)| g.season == season && g.season_type() == season_type)
        .filter(|(_, g)| Phase::at(g.tip, now) == Phase::Final)
        .collect();
    out.reverse();
    out
}

/// `GET /stats/leaguegamelog`: see the module doc.
pub(crate) async fn league_game_log(State(state): State<AppState>, RawQuery(q): RawQuery) -> Response {
    let p = Params::parse(q.as_deref());
    if let Err(r) = check_league(&p) {
        return r.into_response();
    }
    let season = match p.require("Season") {
        Ok(s) if valid_season(s) => s,
        Ok(s) => return bad_param("Season", &format!("Season {s:?} is not YYYY-YY")),
        Err(r) => return r.into_response(),
    };
    let season_type = p.get("SeasonType").unwrap_or("Regular Season");
    let Some(season_type) = SEASON_TYPES.iter().find(|t| t.eq_ignore_ascii_case(season_type)) else {
        return bad_param(
            "SeasonType",
            &format!(
                "SeasonType {season_type:?}: expected one of {}",
                SEASON_TYPES.join(", ")
            ),
        );
    };
    let players = match p.require("PlayerOrTeam") {
        Ok("P") | Ok("p") => true,
        Ok("T") | Ok("t") => false,
        Ok(other) => return bad_param("PlayerOrTeam", &format!("PlayerOrTeam {other:?}: expected P or T")),
        Err(r) => return r.into_response(),
    };
    let mut range = [None, None];
    for (i, name) in ["DateFrom", "DateTo"].into_iter().enumerate() {
        if let Some(v) = p.get(name) {
            match parse_date(name, v) {
                Ok(d) => range[i] = Some(d),
                Err(r) => return r.into_response(),
            }
        }
    }
    let ascending = match p.get("Direction") {
        None => false,
        Some(d) if d.eq_ignore_ascii_case("DESC") => false,
        Some(d) if d.eq_ignore_ascii_case("ASC") => true,
        Some(_) => return bad_param("Direction", "Direction must be ASC or DESC"),
    };
    let d = &state.dataset.inner;
    let mut games = final_games(d, season, season_type, range[0], range[1], state.clock.now());
    if ascending {
        games.reverse();
    }
    let mut rows = Vec::new();
    for (gi, g) in games {
        if players {
            rows.extend(d.players[gi].iter().map(|pl| player_row(g, pl)));
        } else {
            for home in [false, true] {
                if let Some(l) = d.teams[gi].get(home) {
                    rows.push(team_row(g, home, l));
                }
            }
        }
    }
    let fmt = |d: Option<NaiveDate>| d.map_or(Value::Null, |d| json!(d.format("%m/%d/%Y").to_string()));
    json_ok(json!({
        "resource": "leaguegamelog",
        "parameters": {
            "LeagueID": "00",
            "Season": season,
            "SeasonType": season_type,
            "PlayerOrTeam": if players { "P" } else { "T" },
            "Counter": p.get("Counter").and_then(|c| c.parse::<i64>().ok()).unwrap_or(1000),
            "Sorter": p.get("Sorter").unwrap_or("DATE"),
            "Direction": if ascending { "ASC" } else { "DESC" },
            "DateFrom": fmt(range[0]),
            "DateTo": fmt(range[1]),
        },
        "resultSets": [table("LeagueGameLog", if players { PLAYER_LOG } else { TEAM_LOG }, rows)],
    }))
}

const PLAYER_INDEX: &[&str] = &[
    "PERSON_ID",
    "PLAYER_LAST_NAME",
    "PLAYER_FIRST_NAME",
    "TEAM_ID",
    "TEAM_CITY",
    "TEAM_NAME",
    "TEAM_ABBREVIATION",
    "ROSTER_STATUS",
    "FROM_YEAR",
    "TO_YEAR",
];

/// `GET /stats/playerindex?LeagueID=00&Season=`: every player of the season the dataset
/// holds a game line for, on the team of his latest game before the simulated today (the
/// team of his first game when he has not played yet). The recording has no roster
/// transactions, so this is the closest point-in-time roster it can tell.
pub(crate) async fn player_index(State(state): State<AppState>, RawQuery(q): RawQuery) -> Response {
    let p = Params::parse(q.as_deref());
    if let Err(r) = check_league(&p) {
        return r.into_response();
    }
    let season = match p.require("Season") {
        Ok(s) if valid_season(s) => s,
        Ok(s) => return bad_param("Season", &format!("Season {s:?} is not YYYY-YY")),
        Err(r) => return r.into_response(),
    };
    let d = &state.dataset.inner;
    let today = crate::clock::et_date(state.clock.now());
    // player id → (name, team of the latest game before today, or of the first game).
    let mut players: std::collections::BTreeMap<i64, (&str, &crate::dataset::TeamRef)> = Default::default();
    for (date, games) in &d.games_by_date {
        for &gi in games {
            let g = &d.games[gi];
            if g.season != season {
                continue;
            }
            let before_today = *date < today;
            for line in &d.players[gi] {
                let team = g.team(line.is_home);
                players
                    .entry(line.player_id)
                    .and_modify(|e| {
                        if before_today {
                            *e = (&line.name, team);
                        }
                    })
                    .or_insert((&line.name, team));
            }
        }
    }
    let start: i32 = season[..4].parse().expect("a valid season starts with its year");
    let rows: Vec<Value> = players
        .iter()
        .map(|(id, (name, team))| {
            let (first, last) = name.split_once(' ').unwrap_or(("", name));
            json!([
                id,
                last,
                first,
                team.id,
                team.city,
                team.name,
                team.tricode,
                1,
                start.to_string(),
                (start + 1).to_string()
            ])
        })
        .collect();
    json_ok(json!({
        "resource": "playerindex",
        "parameters": {"LeagueID": "00", "Season": season, "Historical": 0},
        "resultSets": [table("PlayerIndex", PLAYER_INDEX, rows)],
    }))
}
