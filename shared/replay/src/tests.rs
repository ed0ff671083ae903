//! End-to-end tests: every rendered response decodes with the `nba-upstream` decoder a scraper uses, and
//! carries the numbers of the CSVs; the clock hides what was not known yet; a second season works.

use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, Utc};
use nba_upstream::balldontlie::{games::decode_games, stats::decode_stats};
use nba_upstream::espn::scoreboard::decode_scoreboard;
use nba_upstream::nba_cdn::decode_boxscore;
use nba_upstream::nba_stats::{
    GameStatus, decode_league_game_log_players, decode_league_game_log_teams, decode_scoreboard_v2,
};
use nba_upstream::odds_api::{events::decode_events, player_props::decode_event_player_props, quota};
use serde_json::Value;

use super::*;

fn bundled_dir() -> PathBuf {
    nba_core::package_dir!().join("../../data/season-2024-25")
}

/// The bundled season, loaded once for every test.
fn bundled() -> Dataset {
    static DS: OnceLock<Dataset> = OnceLock::new();
    DS.get_or_init(|| Dataset::open(&bundled_dir()).unwrap()).clone()
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

async fn serve_with(dataset: Dataset, clock: Clock) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router_with_clock(dataset, clock);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// The bundled season with the clock long after the season: everything final.
async fn serve_final() -> String {
    serve_with(bundled(), Clock::frozen(t("2026-01-01T00:00:00Z"))).await
}

async fn get(url: &str) -> (u16, Vec<u8>) {
    let r = http_get(url).await.unwrap();
    let status = r.status().as_u16();
    (status, r.bytes().await.unwrap().to_vec())
}

async fn get_json(url: &str) -> Value {
    let (status, body) = get(url).await;
    assert_eq!(status, 200, "{url}: {}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

fn read_plain(path: &Path) -> Vec<u8> {
    let candidates = [path.to_path_buf(), PathBuf::from(format!("{}.gz", path.display()))];
    let p = candidates.iter().find(|p| p.is_file()).unwrap();
    let raw = std::fs::read(p).unwrap();
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..]).read_to_end(&mut out).unwrap();
        out
    } else {
        raw
    }
}

/// A CSV as maps of header → value (test-side reader, independent of the loader).
fn csv_rows(path: &Path) -> Vec<HashMap<String, String>> {
    let bytes = read_plain(path);
    let mut r = csv::Reader::from_reader(&bytes[..]);
    let headers: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records()
        .map(|rec| {
            headers
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(str::to_string))
                .collect()
        })
        .collect()
}

fn player_csv() -> &'static Vec<HashMap<String, String>> {
    static ROWS: OnceLock<Vec<HashMap<String, String>>> = OnceLock::new();
    ROWS.get_or_init(|| csv_rows(&bundled_dir().join("player_game_logs.csv")))
}

fn team_csv() -> &'static Vec<HashMap<String, String>> {
    static ROWS: OnceLock<Vec<HashMap<String, String>>> = OnceLock::new();
    ROWS.get_or_init(|| csv_rows(&bundled_dir().join("team_game_logs.csv")))
}

/// Game ids the schedule lists on an ET date (test-side reading of the schedule JSON, once).
fn schedule_games_on(date: &str) -> BTreeSet<String> {
    static BY_DATE: OnceLock<HashMap<String, BTreeSet<String>>> = OnceLock::new();
    let by_date = BY_DATE.get_or_init(|| {
        let body: Value =
            serde_json::from_slice(&read_plain(&bundled_dir().join("scheduleleaguev2int_2024-25.json"))).unwrap();
        let mut by_date: HashMap<String, BTreeSet<String>> = HashMap::new();
        for g in body["leagueSchedule"]["gameDates"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|d| d["games"].as_array().unwrap())
        {
            let date = g["gameDateEst"].as_str().unwrap()[..10].to_string();
            by_date
                .entry(date)
                .or_default()
                .insert(g["gameId"].as_str().unwrap().to_string());
        }
        by_date
    });
    by_date.get(date).cloned().unwrap_or_default()
}

const DATES: [&str; 2] = ["2024-11-15", "2025-01-10"];

#[tokio::test]
async fn serves_the_recorded_schedule_by_season() {
    let base = serve_final().await;
    let body = get_json(&format!("{base}/stats/scheduleleaguev2int?LeagueID=00&Season=2024-25")).await;
    let games = nba_upstream::nba_stats::decode_schedule_league_v2_int(&body).unwrap();
    assert!(games.len() > 1230, "{}", games.len());
}

#[tokio::test]
async fn unknown_endpoints_bad_params_and_dates_outside_the_season() {
    let base = serve_final().await;
    let (s, _) = get(&format!("{base}/stats/scheduleleaguev2int?LeagueID=00&Season=1990-91")).await;
    assert_eq!(s, 404);
    let (s, body) = get(&format!("{base}/stats/nothing")).await;
    assert_eq!(s, 404);
    assert!(serde_json::from_slice::<Value>(&body).unwrap()["error"].is_string());
    for (url, param) in [
        ("/stats/scoreboardV2?LeagueID=00", "GameDate"),
        ("/stats/scoreboardV2?GameDate=2024-13-45&LeagueID=00", "GameDate"),
        ("/stats/leaguegamelog?LeagueID=00&Season=2024-25", "PlayerOrTeam"),
        ("/stats/leaguegamelog?LeagueID=00&Season=24&PlayerOrTeam=P", "Season"),
        ("/v1/games?dates[]=yesterday", "dates[]"),
        ("/v1/stats?per_page=0", "per_page"),
        ("/apis/site/v2/sports/basketball/nba/scoreboard?dates=2024111", "dates"),
    ] {
        let (s, body) = get(&format!("{base}{url}")).await;
        assert_eq!(s, 400, "{url}");
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["param"], param, "{url}: {v}");
    }
    // Outside the season: valid, empty answers that decode.
    let sb = get_json(&format!(
        "{base}/stats/scoreboardV2?GameDate=1999-07-04&LeagueID=00&DayOffset=0"
    ))
    .await;
    assert!(decode_scoreboard_v2(&sb).unwrap().games.is_empty());
    let log = get_json(&format!(
        "{base}/stats/leaguegamelog?PlayerOrTeam=P&DateFrom=07/04/1999&DateTo=07/04/1999&Season=1998-99&SeasonType=Regular+Season&LeagueID=00"
    ))
    .await;
    assert!(decode_league_game_log_players(&log).unwrap().is_empty());
    let (_, body) = get(&format!("{base}/v1/games?dates[]=1999-07-04")).await;
    assert!(decode_games(&body).unwrap().data.is_empty());
    let (_, body) = get(&format!(
        "{base}/apis/site/v2/sports/basketball/nba/scoreboard?dates=19990704"
    ))
    .await;
    assert!(decode_scoreboard(&body).unwrap().is_empty());
}

#[tokio::test]
async fn scoreboard_matches_schedule_and_team_logs() {
    let base = serve_final().await;
    for date in DATES {
        let body = get_json(&format!(
            "{base}/stats/scoreboardV2?GameDate={date}&LeagueID=00&DayOffset=0"
        ))
        .await;
        let sb = decode_scoreboard_v2(&body).unwrap();
        let ids: BTreeSet<String> = sb.games.iter().map(|g| g.game_id.clone()).collect();
        assert_eq!(ids, schedule_games_on(date), "{date}");
        for g in &sb.games {
            assert_eq!(g.status, GameStatus::Final);
            let home = g.home_team_abbreviation.as_deref().unwrap();
            let row = team_csv()
                .iter()
                .find(|r| r["GAME_ID"] == g.game_id && r["TEAM_ABBREVIATION"] == home)
                .unwrap();
            assert_eq!(g.home_pts, Some(row["PTS"].parse().unwrap()), "{}", g.game_id);
        }
    }
}

#[tokio::test]
async fn league_game_log_matches_the_csvs() {
    let base = serve_final().await;
    for date in DATES {
        let mdy = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .unwrap()
            .format("%m/%d/%Y");
        let q = format!("DateFrom={mdy}&DateTo={mdy}&Season=2024-25&SeasonType=Regular+Season&LeagueID=00");
        let players =
            decode_league_game_log_players(&get_json(&format!("{base}/stats/leaguegamelog?PlayerOrTeam=P&{q}")).await)
                .unwrap();
        let csv: Vec<_> = player_csv().iter().filter(|r| r["date"] == date).collect();
        assert_eq!(players.len(), csv.len(), "{date}");
        for r in &csv {
            let p = players
                .iter()
                .find(|p| p.player_id.to_string() == r["player_id"])
                .unwrap();
            assert_eq!(p.player_name, r["player"]);
            assert_eq!(p.stats.pts, Some(r["pts"].parse().unwrap()), "{}", r["player"]);
            assert_eq!(p.stats.reb, Some(r["reb"].parse().unwrap()));
            assert_eq!(p.matchup, r["matchup"]);
            assert!(schedule_games_on(date).contains(&p.game_id));
        }
        let teams =
            decode_league_game_log_teams(&get_json(&format!("{base}/stats/leaguegamelog?PlayerOrTeam=T&{q}")).await)
                .unwrap();
        let csv_teams: Vec<_> = team_csv()
            .iter()
            .filter(|r| r["GAME_DATE"] == date && r["GAME_ID"].starts_with("002"))
            .collect();
        assert_eq!(teams.len(), csv_teams.len(), "{date}");
        for r in csv_teams {
            let t = teams
                .iter()
                .find(|t| t.game_id == r["GAME_ID"] && t.team_abbreviation == r["TEAM_ABBREVIATION"])
                .unwrap();
            assert_eq!(t.stats.pts, Some(r["PTS"].parse().unwrap()));
        }
    }
}

#[tokio::test]
async fn cdn_boxscore_carries_the_player_logs() {
    let base = serve_final().await;
    for date in DATES {
        let csv: Vec<_> = player_csv().iter().filter(|r| r["date"] == date).collect();
        let mut seen = 0;
        for id in schedule_games_on(date) {
            let (s, body) = get(&format!("{base}/static/json/liveData/boxscore/boxscore_{id}.json")).await;
            assert_eq!(s, 200);
            let b = decode_boxscore(&serde_json::from_slice(&body).unwrap()).unwrap();
            assert_eq!((b.game_id.as_str(), b.status), (id.as_str(), GameStatus::Final));
            for p in &b.players {
                let r = csv.iter().find(|r| r["player_id"] == p.person_id.to_string()).unwrap();
                assert_eq!(p.name, r["player"]);
                assert_eq!(p.stats.pts, Some(r["pts"].parse().unwrap()));
                assert_eq!(p.stats.minutes, Some(r["minutes"].parse().unwrap()));
                assert!(p.played);
                seen += 1;
            }
            for team in &b.teams {
                let r = team_csv()
                    .iter()
                    .find(|r| r["GAME_ID"] == id && r["TEAM_ABBREVIATION"] == team.team_tricode)
                    .unwrap();
                assert_eq!(team.score, Some(r["PTS"].parse().unwrap()));
            }
        }
        assert_eq!(seen, csv.len(), "every player of {date} is in a box score");
    }
    let (s, _) = get(&format!(
        "{base}/static/json/liveData/boxscore/boxscore_0029999999.json"
    ))
    .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn balldontlie_games_and_paginated_stats() {
    let base = serve_final().await;
    for date in DATES {
        let (_, body) = get(&format!("{base}/v1/games?dates[]={date}")).await;
        let games = decode_games(&body).unwrap();
        assert_eq!(games.data.len(), schedule_games_on(date).len());
        assert!(
            games
                .data
                .iter()
                .all(|g| g.status == "Final" && g.home_team_score.is_some())
        );
        // Walk every page of /v1/stats, 10 at a time.
        let mut all = Vec::new();
        let mut cursor: Option<i64> = None;
        loop {
            let mut url = format!("{base}/v1/stats?dates[]={date}&per_page=10");
            if let Some(c) = cursor {
                url.push_str(&format!("&cursor={c}"));
            }
            let (_, body) = get(&url).await;
            let page = decode_stats(&body).unwrap();
            assert!(page.data.len() <= 10);
            assert_eq!(page.meta.per_page, Some(10));
            all.extend(page.data.clone());
            match page.next_cursor() {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        let csv: Vec<_> = player_csv().iter().filter(|r| r["date"] == date).collect();
        assert_eq!(all.len(), csv.len());
        let ids: BTreeSet<i64> = all.iter().map(|s| s.id).collect();
        assert_eq!(ids.len(), all.len(), "stat ids are unique");
        for r in csv {
            let s = all.iter().find(|s| s.player.id.to_string() == r["player_id"]).unwrap();
            assert_eq!(s.stats.pts, Some(r["pts"].parse().unwrap()));
            assert!(games.data.iter().any(|g| g.id == s.game.id));
        }
    }
}

#[tokio::test]
async fn espn_scoreboard_matches_the_team_logs() {
    let base = serve_final().await;
    for date in DATES {
        let (_, body) = get(&format!(
            "{base}/apis/site/v2/sports/basketball/nba/scoreboard?dates={}",
            date.replace('-', "")
        ))
        .await;
        let games = decode_scoreboard(&body).unwrap();
        assert_eq!(games.len(), schedule_games_on(date).len());
        for g in &games {
            assert!(g.completed && g.state == "post");
            let home = g.home.nba_tricode.as_deref().unwrap();
            let row = team_csv()
                .iter()
                .find(|r| r["GAME_DATE"] == date && r["TEAM_ABBREVIATION"] == home)
                .unwrap();
            assert_eq!(g.home.score, Some(row["PTS"].parse().unwrap()));
        }
    }
}

/// Per event: distinct prop rows in the latest props file that has it, and its bookmakers (lowercased).
fn csv_prop_lines(event_id: &str) -> (usize, BTreeSet<String>) {
    type Index = HashMap<String, (usize, BTreeSet<String>)>;
    static INDEX: OnceLock<Index> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let dir = bundled_dir().join("props");
        let mut files: Vec<(chrono::NaiveDate, PathBuf)> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| {
                let p = e.unwrap().path();
                let stem = p.file_name()?.to_str()?.split('.').next()?.to_string();
                let plain = PathBuf::from(p.to_string_lossy().trim_end_matches(".gz"));
                Some((chrono::NaiveDate::parse_from_str(&stem, "%m_%d_%Y").ok()?, plain))
            })
            .collect();
        files.sort();
        let mut index = Index::new();
        for (_, f) in files {
            let mut here: HashMap<String, (BTreeSet<String>, BTreeSet<String>)> = HashMap::new();
            for r in csv_rows(&f) {
                let e = here.entry(r["game_id"].clone()).or_default();
                e.0.insert(format!(
                    "{}|{}|{}|{}|{}",
                    r["player"], r["market"], r["bookmaker"], r["side"], r["line"]
                ));
                e.1.insert(r["bookmaker"].to_lowercase());
            }
            for (id, (rows, books)) in here {
                index.insert(id, (rows.len(), books));
            }
        }
        index
    });
    index.get(event_id).cloned().unwrap_or_default()
}

#[tokio::test]
async fn odds_api_events_and_player_props_before_tip() {
    // 10:00 ET on 2024-11-15: that day's lines are up, no game has started.
    let clock = Clock::frozen(t("2024-11-15T15:00:00Z"));
    let base = serve_with(bundled(), clock.clone()).await;
    let r = http_get(format!("{base}/v4/sports/basketball_nba/events?apiKey=k"))
        .await
        .unwrap();
    let q = quota::decode_quota_headers(
        r.headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap().to_string())),
    )
    .unwrap();
    assert_eq!(q.requests_last, Some(0));
    let events = decode_events(&r.bytes().await.unwrap()).unwrap();
    let today: Vec<_> = events
        .iter()
        .filter(|e| crate::clock::et_date(e.commence_time).to_string() == "2024-11-15")
        .collect();
    assert_eq!(today.len(), schedule_games_on("2024-11-15").len());
    assert!(
        events
            .iter()
            .all(|e| e.home_tricode.is_some() && e.away_tricode.is_some())
    );
    let mut with_lines = 0;
    for e in &today {
        let (expected, books) = csv_prop_lines(&e.id);
        let url = format!(
            "{base}/v4/sports/basketball_nba/events/{}/odds?apiKey=k&markets=player_points,player_rebounds,player_assists&regions=us",
            e.id
        );
        let r = http_get(&url).await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.headers().contains_key("x-requests-remaining"));
        let body = r.bytes().await.unwrap();
        let v: Value = serde_json::from_slice(&body).unwrap();
        let outcomes: Vec<&Value> = v["bookmakers"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|b| b["markets"].as_array().unwrap())
            .flat_map(|m| m["outcomes"].as_array().unwrap())
            .collect();
        assert_eq!(outcomes.len(), expected, "{}", e.id);
        assert!(
            outcomes
                .iter()
                .all(|o| o.get("price").is_none() && o["point"].is_number())
        );
        let keys: BTreeSet<String> = v["bookmakers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["key"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(keys, books);
        if expected > 0 {
            with_lines += 1;
        }
        // The props decoder accepts the response; the placeholder price stays unknown.
        let decoded = decode_event_player_props(&body).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(decoded.lines.len(), expected);
        assert!(decoded.lines.iter().all(|l| l.price.is_none()));
    }
    assert!(with_lines >= 5, "{with_lines}");
    let (_, books) = csv_prop_lines(&today[0].id);
    assert!(books.contains("prizepicks") || books.contains("underdog"));
    let all_books: BTreeSet<String> = today.iter().flat_map(|e| csv_prop_lines(&e.id).1).collect();
    assert!(
        all_books.contains("prizepicks") && all_books.contains("underdog"),
        "{all_books:?}"
    );

    // Filtering by bookmaker and market.
    let e = today.iter().find(|e| csv_prop_lines(&e.id).0 > 0).unwrap();
    let v = get_json(&format!(
        "{base}/v4/sports/basketball_nba/events/{}/odds?apiKey=k&markets=player_points&bookmakers=underdog",
        e.id
    ))
    .await;
    for b in v["bookmakers"].as_array().unwrap() {
        assert_eq!(b["key"], "underdog");
        assert!(
            b["markets"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["key"] == "player_points")
        );
    }

    // After tip: no current lines.
    clock.set(t("2024-11-16T05:00:00Z"));
    for e in &today {
        let v = get_json(&format!(
            "{base}/v4/sports/basketball_nba/events/{}/odds?apiKey=k&markets=player_points&regions=us",
            e.id
        ))
        .await;
        assert_eq!(v["bookmakers"].as_array().unwrap().len(), 0, "{}", e.id);
    }
}

#[tokio::test]
async fn odds_api_requires_an_api_key() {
    let base = serve_final().await;
    for url in [
        "/v4/sports/basketball_nba/events",
        "/v4/sports/basketball_nba/events/abc/odds?markets=player_points&regions=us",
    ] {
        let (s, body) = get(&format!("{base}{url}")).await;
        assert_eq!(s, 401);
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["error_code"], "MISSING_KEY");
    }
    let (s, _) = get(&format!(
        "{base}/v4/sports/basketball_nba/events/nope/odds?apiKey=k&regions=us"
    ))
    .await;
    assert_eq!(s, 404);
    let (s, body) = get(&format!("{base}/v4/sports/basketball_nba/events/nope/odds?apiKey=k")).await;
    assert_eq!(
        (s, serde_json::from_slice::<Value>(&body).unwrap()["param"].clone()),
        (400, "regions".into())
    );
}

#[tokio::test]
async fn the_clock_hides_what_was_not_known_yet() {
    let clock = Clock::frozen(t("2024-11-15T15:00:00Z"));
    let base = serve_with(bundled(), clock.clone()).await;
    let date = "2024-11-15";
    let game = schedule_games_on(date).into_iter().next().unwrap();
    let boxscore = format!("{base}/static/json/liveData/boxscore/boxscore_{game}.json");
    let (s, body) = get(&boxscore).await;
    assert_eq!(s, 403, "no box score before tip");
    assert!(String::from_utf8_lossy(&body).contains("AccessDenied"));
    let sb = decode_scoreboard_v2(
        &get_json(&format!(
            "{base}/stats/scoreboardV2?GameDate={date}&LeagueID=00&DayOffset=0"
        ))
        .await,
    )
    .unwrap();
    assert!(!sb.games.is_empty());
    assert!(
        sb.games
            .iter()
            .all(|g| g.status == GameStatus::Scheduled && g.home_pts.is_none())
    );
    assert!(sb.games[0].status_text.ends_with("ET"), "{}", sb.games[0].status_text);
    let log_url = format!(
        "{base}/stats/leaguegamelog?PlayerOrTeam=P&DateFrom=11/15/2024&DateTo=11/15/2024&Season=2024-25&SeasonType=Regular+Season&LeagueID=00"
    );
    assert!(
        decode_league_game_log_players(&get_json(&log_url).await)
            .unwrap()
            .is_empty()
    );
    let (_, body) = get(&format!("{base}/v1/stats?dates[]={date}")).await;
    assert!(decode_stats(&body).unwrap().data.is_empty());
    let (_, body) = get(&format!("{base}/v1/games?dates[]={date}")).await;
    assert!(
        decode_games(&body)
            .unwrap()
            .data
            .iter()
            .all(|g| g.home_team_score.is_none())
    );
    let (_, body) = get(&format!(
        "{base}/apis/site/v2/sports/basketball/nba/scoreboard?dates=20241115"
    ))
    .await;
    assert!(
        decode_scoreboard(&body)
            .unwrap()
            .iter()
            .all(|g| g.state == "pre" && g.home.score.is_none())
    );
    // The day before is final by then.
    let sb = decode_scoreboard_v2(
        &get_json(&format!(
            "{base}/stats/scoreboardV2?GameDate=2024-11-14&LeagueID=00&DayOffset=0"
        ))
        .await,
    )
    .unwrap();
    assert!(
        sb.games
            .iter()
            .all(|g| g.status == GameStatus::Final && g.home_pts.is_some())
    );

    // Moving the clock over HTTP: live, then final.
    nba_core::tls::install_crypto_provider();
    let client = reqwest::Client::new();
    let tip = bundled().inner.games[bundled().inner.game_by_id[&game]].tip;
    let put = |now: DateTime<Utc>| {
        client
            .put(format!("{base}/__replay/clock"))
            .json(&serde_json::json!({"now": now.to_rfc3339()}))
            .send()
    };
    assert_eq!(put(tip + chrono::Duration::minutes(30)).await.unwrap().status(), 200);
    let b = decode_boxscore(&get_json(&boxscore).await).unwrap();
    assert_eq!(b.status, GameStatus::InProgress);
    assert!(b.players.iter().all(|p| p.stats.pts.is_none()) && b.teams[0].score.is_none());
    put(tip + chrono::Duration::hours(3)).await.unwrap();
    let b = decode_boxscore(&get_json(&boxscore).await).unwrap();
    assert_eq!(b.status, GameStatus::Final);
    assert!(b.teams[0].score.is_some());
    let v = get_json(&format!("{base}/__replay/clock")).await;
    assert_eq!(t(v["now"].as_str().unwrap()), tip + chrono::Duration::hours(3));
    assert_eq!(v["mode"], "frozen");
    let r = client
        .put(format!("{base}/__replay/clock"))
        .json(&serde_json::json!({"now": "yesterday"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn responses_are_gzipped_when_accepted() {
    let base = serve_final().await;
    nba_core::tls::install_crypto_provider();
    let client = reqwest::Client::builder().gzip(false).build().unwrap();
    let r = client
        .get(format!(
            "{base}/stats/scoreboardV2?GameDate=2024-11-15&LeagueID=00&DayOffset=0"
        ))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let gz = r.bytes().await.unwrap();
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut plain).unwrap();
    decode_scoreboard_v2(&serde_json::from_slice(&plain).unwrap()).unwrap();
}

// --- a second, synthetic season: nothing is tied to 2024-25 -----------------------------------------------

fn write_gz(path: &Path, bytes: &[u8]) {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    std::fs::write(path, enc.finish().unwrap()).unwrap();
}

fn synthetic_season(dir: &Path) {
    let team = |id: i64, city: &str, name: &str, code: &str| serde_json::json!({"teamId": id, "teamName": name, "teamCity": city, "teamTricode": code, "wins": 0, "losses": 0, "score": 0});
    let schedule = serde_json::json!({
        "meta": {"version": 1},
        "leagueSchedule": {"seasonYear": "2030-31", "leagueId": "00", "gameDates": [{
            "gameDate": "11/01/2030 00:00:00",
            "games": [
                {"gameId": "0023000001", "gameCode": "20301101/BOSNYK", "gameStatus": 1, "gameSequence": 1,
                 "gameDateEst": "2030-11-01T00:00:00Z", "gameDateTimeUTC": "2030-11-01T23:30:00Z",
                 "arenaName": "Madison Square Garden",
                 "homeTeam": team(1610612752, "New York", "Knicks", "NYK"),
                 "awayTeam": team(1610612738, "Boston", "Celtics", "BOS")},
                {"gameId": "0023000002", "gameCode": "20301101/LALLAC", "gameStatus": 1, "gameSequence": 2,
                 "gameDateEst": "2030-11-01T00:00:00Z", "gameDateTimeUTC": "2030-11-02T02:30:00Z",
                 "arenaName": "Intuit Dome",
                 "homeTeam": team(1610612746, "LA", "Clippers", "LAC"),
                 "awayTeam": team(1610612747, "Los Angeles", "Lakers", "LAL")}
            ]}]}
    });
    write_gz(
        &dir.join("scheduleleaguev2int_2030-31.json.gz"),
        schedule.to_string().as_bytes(),
    );
    let head = "player,player_id,date,matchup,result,minutes,fgm,fga,fg_pct,threes_made,threes_attempted,three_pct,ftm,fta,ft_pct,oreb,dreb,reb,ast,stl,blk,tov,pf,pts,plus_minus,opponent,home_away";
    let players = format!(
        "{head}\n\
         Test Guard,9000001,2030-11-01,NYK vs. BOS,W,36.0,10,20,0.5,3,8,0.375,4,5,0.8,1,4,5,7,1,0,2,3,27,9,BOS,HOME\n\
         Other Wing,9000002,2030-11-01,BOS @ NYK,L,30.0,6,14,0.429,2,6,0.333,0,0,0.0,0,3,3,2,0,1,1,2,14,-9,NYK,AWAY\n\
         \"Smith, Jr.\",9000003,2030-11-01,LAC vs. LAL,L,33.0,8,15,0.533,1,3,0.333,2,2,1.0,2,6,8,1,0,0,3,4,19,-4,LAL,HOME\n"
    );
    std::fs::write(dir.join("player_game_logs.csv"), players).unwrap();
    let teams = "SEASON_ID,TEAM_ID,TEAM_ABBREVIATION,TEAM_NAME,GAME_ID,GAME_DATE,MATCHUP,WL,MIN,PTS,FGM,FGA,FG_PCT,FG3M,FG3A,FG3_PCT,FTM,FTA,FT_PCT,OREB,DREB,REB,AST,STL,BLK,TOV,PF,PLUS_MINUS,SEASON\n\
        22030,1610612752,NYK,New York Knicks,0023000001,2030-11-01,NYK vs. BOS,W,240,110,40,85,0.471,12,30,0.4,18,22,0.818,10,35,45,25,8,5,12,18,9.0,2030-31\n\
        22030,1610612738,BOS,Boston Celtics,0023000001,2030-11-01,BOS @ NYK,L,240,101,38,90,0.422,14,40,0.35,11,15,0.733,9,30,39,22,6,3,14,20,-9.0,2030-31\n\
        22030,1610612746,LAC,LA Clippers,23000002,2030-11-01,LAC vs. LAL,L,265,118,44,95,0.463,10,33,0.303,20,25,0.8,11,33,44,21,7,4,13,22,-4.0,2030-31\n\
        22030,1610612747,LAL,Los Angeles Lakers,0023000002,2030-11-01,LAL @ LAC,W,265,122,45,92,0.489,12,35,0.343,20,24,0.833,8,36,44,27,9,6,11,21,4.0,2030-31\n";
    write_gz(&dir.join("team_game_logs.csv.gz"), teams.as_bytes());
    std::fs::create_dir(dir.join("props")).unwrap();
    // Columns in another order, read by header name.
    let props = "market,bookmaker,player,side,line,price,home_team,away_team,game_id,commence_time\n\
        player_points,PrizePicks,Test Guard,Over,24.5,-137,New York Knicks,Boston Celtics,aaaabbbbccccddddeeeeffff00001111,2030-11-01T23:40:00Z\n\
        player_points,PrizePicks,Test Guard,Under,24.5,-137,New York Knicks,Boston Celtics,aaaabbbbccccddddeeeeffff00001111,2030-11-01T23:40:00Z\n\
        player_points,Underdog,Test Guard,Over,25.0,-137,New York Knicks,Boston Celtics,aaaabbbbccccddddeeeeffff00001111,2030-11-01T23:40:00Z\n\
        player_points,Underdog,Smith Jr.,Over,18.5,-137,Los Angeles Clippers,Los Angeles Lakers,99998888777766665555444433332222,2030-11-02T02:40:00Z\n";
    std::fs::write(dir.join("props").join("11_01_2030.csv"), props).unwrap();
}

#[tokio::test]
async fn a_second_season_in_the_same_layout_works() {
    let tmp = tempfile::tempdir().unwrap();
    synthetic_season(tmp.path());
    let ds = Dataset::open(tmp.path()).unwrap();
    assert_eq!(ds.schedule_seasons(), vec!["2030-31".to_string()]);
    assert_eq!(ds.report().player_rows_unjoined + ds.report().team_rows_unjoined, 0);
    assert_eq!(ds.report().events_unmapped, 0, "{:?}", ds.report());
    let clock = Clock::frozen(t("2030-11-01T16:00:00Z"));
    let base = serve_with(ds, clock.clone()).await;

    let body = get_json(&format!("{base}/stats/scheduleleaguev2int?LeagueID=00&Season=2030-31")).await;
    assert_eq!(body["leagueSchedule"]["seasonYear"], "2030-31");

    // Before tip: lines, no scores.
    let r = http_get(format!("{base}/v4/sports/basketball_nba/events?apiKey=k"))
        .await
        .unwrap();
    let events = decode_events(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(events.len(), 2);
    let nyk = events
        .iter()
        .find(|e| e.home_tricode.as_deref() == Some("NYK"))
        .unwrap();
    assert_eq!(nyk.id, "aaaabbbbccccddddeeeeffff00001111");
    let v = get_json(&format!(
        "{base}/v4/sports/basketball_nba/events/{}/odds?apiKey=k&markets=player_points&regions=us",
        nyk.id
    ))
    .await;
    let keys: Vec<&str> = v["bookmakers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, vec!["prizepicks", "underdog"]);
    assert_eq!(v["bookmakers"][0]["markets"][0]["outcomes"][0]["point"], 24.5);
    assert_eq!(
        v["bookmakers"][0]["markets"][0]["outcomes"][0]["description"],
        "Test Guard"
    );
    let sb = decode_scoreboard_v2(
        &get_json(&format!(
            "{base}/stats/scoreboardV2?GameDate=2030-11-01&LeagueID=00&DayOffset=0"
        ))
        .await,
    )
    .unwrap();
    assert_eq!(sb.games.len(), 2);
    assert!(
        sb.games
            .iter()
            .all(|g| g.status == GameStatus::Scheduled && g.season.as_deref() == Some("2030"))
    );

    // After the games.
    clock.set(t("2030-11-02T12:00:00Z"));
    let sb = decode_scoreboard_v2(
        &get_json(&format!(
            "{base}/stats/scoreboardV2?GameDate=11/01/2030&LeagueID=00&DayOffset=0"
        ))
        .await,
    )
    .unwrap();
    let lac = sb.games.iter().find(|g| g.game_id == "0023000002").unwrap();
    assert_eq!(
        (lac.home_pts, lac.away_pts, lac.live_period),
        (Some(118), Some(122), Some(5))
    );
    let log = decode_league_game_log_players(
        &get_json(&format!(
            "{base}/stats/leaguegamelog?PlayerOrTeam=P&DateFrom=11/01/2030&DateTo=11/01/2030&Season=2030-31&SeasonType=Regular+Season&LeagueID=00"
        ))
        .await,
    )
    .unwrap();
    assert_eq!(log.len(), 3);
    let smith = log.iter().find(|p| p.player_name == "Smith, Jr.").unwrap();
    assert_eq!(
        (smith.stats.pts, smith.game_id.as_str(), smith.team_id),
        (Some(19), "0023000002", 1610612746)
    );
    assert_eq!(smith.season_id.as_deref(), Some("22030"));
    let b = decode_boxscore(
        &get_json(&format!(
            "{base}/static/json/liveData/boxscore/boxscore_0023000001.json"
        ))
        .await,
    )
    .unwrap();
    assert_eq!((b.teams[0].score, b.teams[1].score), (Some(110), Some(101)));
    assert_eq!(
        b.players.iter().find(|p| p.person_id == 9000001).unwrap().stats.pts,
        Some(27)
    );
    let (_, body) = get(&format!("{base}/v1/stats?dates[]=2030-11-01")).await;
    assert_eq!(decode_stats(&body).unwrap().data.len(), 3);
    let (_, body) = get(&format!(
        "{base}/apis/site/v2/sports/basketball/nba/scoreboard?dates=20301101"
    ))
    .await;
    let espn = decode_scoreboard(&body).unwrap();
    assert_eq!(espn.len(), 2);
    assert!(espn.iter().all(|g| g.completed));
    let v = get_json(&format!(
        "{base}/v4/sports/basketball_nba/events/{}/odds?apiKey=k&markets=player_points&regions=us",
        nyk.id
    ))
    .await;
    assert!(v["bookmakers"].as_array().unwrap().is_empty(), "no lines after tip");
    // Other seasons are empty, not errors.
    let log = get_json(&format!(
        "{base}/stats/leaguegamelog?PlayerOrTeam=T&Season=2024-25&SeasonType=Regular+Season&LeagueID=00"
    ))
    .await;
    assert!(decode_league_game_log_teams(&log).unwrap().is_empty());
}

#[test]
fn load_errors_name_the_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    synthetic_season(tmp.path());
    let path = tmp.path().join("player_game_logs.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen(",27,9,", ",lots,9,", 1)).unwrap();
    let e = Dataset::open(tmp.path()).unwrap_err().to_string();
    assert!(e.contains("player_game_logs.csv:2:") && e.contains("pts"), "{e}");
    std::fs::remove_file(&path).unwrap();
    let e = Dataset::open(tmp.path()).unwrap_err().to_string();
    assert!(e.contains("player_game_logs.csv"), "{e}");
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(
        Dataset::open(empty.path()),
        Err(DatasetError::NoSchedule { .. })
    ));
}

#[tokio::test]
async fn the_date_header_reads_the_simulated_clock() {
    let base = serve_with(bundled(), Clock::frozen(t("2025-01-10T23:05:09Z"))).await;
    let response = http_get(format!("{base}/__replay/clock")).await.unwrap();
    let date = response.headers()["date"].to_str().unwrap().to_string();
    assert_eq!(date, "Fri, 10 Jan 2025 23:05:09 GMT");
}

#[tokio::test]
async fn player_index_lists_the_season_point_in_time() {
    use nba_upstream::nba_stats::{decode_player_index, parse_body};
    // Before opening night nobody has played: everyone is on his first game's team.
    let base = serve_with(bundled(), Clock::frozen(t("2024-10-22T13:00:00Z"))).await;
    let (status, body) = get(&format!("{base}/stats/playerindex?LeagueID=00&Season=2024-25")).await;
    assert_eq!(status, 200);
    let players = decode_player_index(&parse_body("playerindex", &body).unwrap()).unwrap();
    let ids: BTreeSet<String> = player_csv().iter().map(|r| r["player_id"].clone()).collect();
    assert_eq!(players.len(), ids.len());
    let jokic = players.iter().find(|p| p.person_id == 203999).unwrap();
    assert_eq!(
        (
            jokic.first_name.as_str(),
            jokic.last_name.as_str(),
            jokic.team_abbreviation.as_deref()
        ),
        ("Nikola", "Jokic", Some("DEN"))
    );
    let (status, _) = get(&format!("{base}/stats/playerindex?LeagueID=00&Season=1999")).await;
    assert_eq!(status, 400);
}

#[test]
fn opening_night_of_the_season_a_date_falls_in() {
    let d = bundled();
    assert_eq!(
        d.opening_night(t("2025-01-10T12:00:00Z").date_naive()),
        NaiveDate::from_ymd_opt(2024, 10, 22)
    );
    // Before any regular-season game: none.
    assert_eq!(d.opening_night(NaiveDate::from_ymd_opt(2024, 9, 1).unwrap()), None);
}

/// `reqwest::get`, with the process's TLS provider installed first (see `nba_core::tls`).
async fn http_get<U: reqwest::IntoUrl>(url: U) -> reqwest::Result<reqwest::Response> {
    nba_core::tls::install_crypto_provider();
    reqwest::get(url).await
}
