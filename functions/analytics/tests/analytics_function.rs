//! The analytics function on the embedded cloud: raw rows of two dates in,
//! summaries, gates, idempotency, point-in-time upcoming context and the
//! phase-3 messages out.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use nba_analytics::{AnalyticsFunction, PROCESSORS};
use nba_cloud::Clients;
use nba_cloud::embedded::{LocalCloud, LocalCloudOptions};
use nba_cloud::writer::{WriteContext, write_rows};
use nba_core::messages::{PhaseComplete, RawComplete};
use nba_core::{Config, Topic};
use nba_runtime::{CloudEventFunction, Invocation, Outcome, RunStatus};
use nba_schemas::Table;
use nba_schemas::tables::analytics::{
    PlayerGameSummary, TeamDefenseGameSummary, TeamOffenseGameSummary, UpcomingPlayerGameContext,
    UpcomingTeamGameContext,
};
use nba_schemas::tables::raw::NbacSchedule;
use nba_schemas::tables::raw_nba_com::{NbacPlayerBoxscore, NbacPlayerList, NbacTeamBoxscore};
use nba_schemas::tables::raw_odds::OddsApiPlayerProp;
use serde_json::Value;

const SEASON: &str = "2024-25";
const PLAYERS_PER_TEAM: usize = 5;

fn d1() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 10).unwrap()
}

fn d2() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 11).unwrap()
}

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// (game_id, date, away, home, tip)
type Slot = (&'static str, NaiveDate, &'static str, &'static str, &'static str);

fn slots() -> Vec<Slot> {
    vec![
        ("0022400501", d1(), "LAL", "BOS", "2025-01-11T00:30:00Z"),
        ("0022400502", d1(), "GSW", "NYK", "2025-01-11T00:00:00Z"),
        ("0022400510", d2(), "BOS", "MIA", "2025-01-12T00:30:00Z"),
        ("0022400511", d2(), "NYK", "LAL", "2025-01-12T03:30:00Z"),
    ]
}

fn code(date: NaiveDate, away: &str, home: &str) -> String {
    format!("{}_{away}_{home}", date.format("%Y%m%d"))
}

fn team_id(team: &str) -> i64 {
    1_610_612_700 + team.bytes().map(i64::from).sum::<i64>()
}

fn schedule() -> Vec<NbacSchedule> {
    slots()
        .into_iter()
        .map(|(id, date, away, home, tip)| NbacSchedule {
            game_id: id.into(),
            game_date: date,
            game_code: code(date, away, home),
            season: SEASON.into(),
            season_type: "Regular Season".into(),
            // Scraped in the morning: the schedule still says "scheduled".
            game_status: 1,
            game_status_text: "7:30 pm ET".into(),
            tip_time_utc: Some(t(tip)),
            home_team_id: team_id(home),
            home_team_tricode: home.into(),
            away_team_id: team_id(away),
            away_team_tricode: away.into(),
            home_score: None,
            away_score: None,
            arena_name: None,
            arena_city: None,
            is_neutral: false,
            postponed_status: Some("N".into()),
            game_label: None,
            game_sub_label: None,
            source_file: "gs://nba-scraped-data/nba-com/schedule/x.json".into(),
            data_hash: String::new(),
            processed_at: Utc::now(),
        })
        .collect()
}

fn lookup(team: &str, i: usize) -> String {
    format!("{}{i}", team.to_lowercase())
}

/// Five players per team, 48 minutes each; every player 8/18 FG (2/6 threes),
/// 4/5 FT, 2 OREB, 3 TOV, 22 points, except the home team's first (9/18: 24).
fn box_scores(slot: &Slot) -> Vec<NbacPlayerBoxscore> {
    let (game_id, date, away, home, _) = *slot;
    let mut rows = Vec::new();
    for (team, opp, is_home) in [(home, away, true), (away, home, false)] {
        for i in 0..PLAYERS_PER_TEAM {
            let bonus = i64::from(is_home && i == 0);
            rows.push(NbacPlayerBoxscore {
                game_id: game_id.into(),
                game_date: date,
                season: SEASON.into(),
                season_type: "Regular Season".into(),
                player_id: team_id(team) % 10_000 * 100 + i as i64 + 1,
                player_name: format!("{team} Player {i}"),
                player_lookup: lookup(team, i),
                team_id: team_id(team),
                team_tricode: team.into(),
                opponent_tricode: opp.into(),
                is_home,
                win_loss: Some(if is_home { "W" } else { "L" }.into()),
                minutes: Some(48.0),
                fgm: Some(8 + bonus),
                fga: Some(18),
                fg_pct: None,
                fg3m: Some(2),
                fg3a: Some(6),
                fg3_pct: None,
                ftm: Some(4),
                fta: Some(5),
                ft_pct: None,
                oreb: Some(2),
                dreb: Some(6),
                reb: Some(8),
                ast: Some(5),
                stl: Some(1),
                blk: Some(1),
                tov: Some(3),
                pf: Some(2),
                pts: Some(22 + 2 * bonus),
                plus_minus: Some(0.0),
                fantasy_pts: None,
                source_file: "gs://nba-scraped-data/nba-com/gamelogs/x.json".into(),
                data_hash: String::new(),
                processed_at: Utc::now(),
            });
        }
    }
    rows
}

fn prop(date: NaiveDate, away: &str, home: &str, player: &str, book: &str, at: &str, line: f64) -> OddsApiPlayerProp {
    let tip = slots().into_iter().find(|s| s.1 == date && s.3 == home).unwrap().4;
    OddsApiPlayerProp {
        game_date: date,
        snapshot_at: t(at),
        // 32 hex chars, one event per (date, home team).
        event_id: format!("{:032x}", team_id(home) * 100 + i64::from(date.day())),
        commence_time: t(tip),
        home_team_tricode: home.into(),
        away_team_tricode: away.into(),
        game_code: code(date, away, home),
        bookmaker: book.into(),
        bookmaker_title: None,
        market: "player_points".into(),
        player_name: player.into(),
        player_lookup: player.into(),
        side: "Over".into(),
        line,
        listing: 0,
        price: Some(-110.0),
        last_update: None,
        source_file: "gs://nba-scraped-data/odds-api/player-props/x.json".into(),
        data_hash: String::new(),
        processed_at: Utc::now(),
    }
}

fn props() -> Vec<OddsApiPlayerProp> {
    vec![
        // Day 1, LAL @ BOS (tip 00:30Z on the 11th).
        prop(d1(), "LAL", "BOS", "bos0", "draftkings", "2025-01-10T14:00:00Z", 23.5),
        prop(d1(), "LAL", "BOS", "bos0", "draftkings", "2025-01-10T20:00:00Z", 24.5),
        prop(d1(), "LAL", "BOS", "bos0", "fanduel", "2025-01-10T21:00:00Z", 20.5),
        // After the tip: never the line that counted.
        prop(d1(), "LAL", "BOS", "bos0", "draftkings", "2025-01-11T01:00:00Z", 30.5),
        prop(d1(), "LAL", "BOS", "bos1", "draftkings", "2025-01-10T20:00:00Z", 22.0),
        prop(d1(), "LAL", "BOS", "lal0", "fanduel", "2025-01-10T20:00:00Z", 19.5),
        // Day 2, BOS @ MIA (tip 00:30Z on the 12th).
        prop(d2(), "BOS", "MIA", "bos0", "draftkings", "2025-01-11T15:00:00Z", 25.5),
        prop(d2(), "BOS", "MIA", "bos0", "draftkings", "2025-01-11T22:00:00Z", 26.5),
        prop(d2(), "BOS", "MIA", "bos0", "draftkings", "2025-01-12T01:00:00Z", 40.5),
    ]
}

fn mia_list_row() -> NbacPlayerList {
    NbacPlayerList {
        season: SEASON.into(),
        player_id: 999_001,
        player_name: "Heat Guard".into(),
        player_lookup: "heatguard".into(),
        first_name: Some("Heat".into()),
        last_name: "Guard".into(),
        player_slug: None,
        team_id: Some(team_id("MIA")),
        team_tricode: Some("MIA".into()),
        team_city: None,
        team_name: None,
        jersey_number: None,
        position: None,
        height: None,
        weight_lb: None,
        college: None,
        country: None,
        draft_year: None,
        draft_round: None,
        draft_number: None,
        is_active: true,
        from_year: None,
        to_year: None,
        list_date: d1(),
        source_file: "gs://nba-scraped-data/nba-com/player-list/x.json".into(),
        data_hash: String::new(),
        processed_at: Utc::now(),
    }
}

fn raw_complete(table: &str, date: NaiveDate, id: &str) -> cloudevents::Event {
    let message = RawComplete {
        processor_name: "test_processor".into(),
        phase: 2,
        table: format!("nba_raw.{table}"),
        game_date: date,
        execution_id: "e1".into(),
        correlation_id: "c1".into(),
        status: "success".into(),
        rows_written: 1,
        rows_unchanged: 0,
        rows_rejected: 0,
        source_file: "gs://nba-scraped-data/x.json".into(),
    };
    nba_runtime::events::pubsub_event("nba-phase2-raw-complete", id, &message, &Default::default())
}

fn contract(name: &str) -> Value {
    let path = nba_core::package_dir!().join("../../events/messages").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Violations of `nba-phase3-analytics-complete.schema.json`.
fn contract_errors(body: &Value) -> Vec<String> {
    let schema = contract("nba-phase3-analytics-complete.schema.json");
    let validator = jsonschema::validator_for(&schema).unwrap();
    validator.iter_errors(body).map(|e| e.to_string()).collect()
}

#[test]
fn the_contract_sample_validates() {
    let sample = contract("nba-phase3-analytics-complete.sample.json");
    assert!(contract_errors(&sample).is_empty());
    let _: PhaseComplete = serde_json::from_value(sample).unwrap();
}

struct Harness {
    cloud: LocalCloud,
    clients: Clients,
    f: AnalyticsFunction,
    _dir: tempfile::TempDir,
}

impl Harness {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let opts = LocalCloudOptions {
            in_memory_warehouse: true,
            ..Default::default()
        };
        let cloud = LocalCloud::open(dir.path(), opts).unwrap();
        let clients = cloud.clients();
        let f = AnalyticsFunction::new(clients.clone(), Config::default().names());
        Harness {
            cloud,
            clients,
            f,
            _dir: dir,
        }
    }

    async fn write<T: Table>(&self, rows: &[T]) {
        let report = write_rows(self.clients.warehouse.as_ref(), rows, &WriteContext::default())
            .await
            .unwrap();
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    }

    async fn call(&self, table: &str, date: NaiveDate) -> Outcome {
        let inv = Invocation::new("analytics");
        self.f.call(&inv, raw_complete(table, date, "m1")).await.unwrap()
    }

    async fn all<T: Table>(&self) -> Vec<T> {
        let rows = self.clients.warehouse.scan(T::SCHEMA, None).await.unwrap();
        rows.into_iter().map(|r| T::from_row(r).unwrap()).collect()
    }

    /// Messages on the phase-3 topic, each checked against its JSON contract.
    fn published(&self) -> Vec<PhaseComplete> {
        let topic = Config::default().names().topic(Topic::Phase3AnalyticsComplete);
        let journal = self.cloud.pubsub().journal(&topic).unwrap_or_default();
        journal
            .iter()
            .map(|e| {
                let body: Value = serde_json::from_slice(&e.data_bytes()).unwrap();
                let errors = contract_errors(&body);
                assert!(errors.is_empty(), "{body}: {errors:?}");
                assert_eq!(e.attributes["processor_name"], body["processor_name"].as_str().unwrap());
                serde_json::from_value(body).unwrap()
            })
            .collect()
    }
}

fn slot(game_id: &str) -> Slot {
    slots().into_iter().find(|s| s.0 == game_id).unwrap()
}

#[tokio::test]
async fn post_game_summaries_gate_idempotency_and_messages() {
    let h = Harness::new();
    h.write(&schedule()).await;
    h.write(&props()).await;
    // Only one of day 1's two games has box scores: 50 % < 80 %, refused.
    h.write(&box_scores(&slot("0022400501"))).await;
    let refused = h.call("nbac_player_boxscores", d1()).await;
    assert_eq!(refused.status, RunStatus::NoData, "{refused:?}");
    let why = refused.message.unwrap();
    assert!(why.contains("1 of 2 games") && why.contains("0022400502"), "{why}");
    assert!(h.all::<PlayerGameSummary>().await.is_empty());
    assert!(h.published().is_empty(), "a gate refusal announces nothing");

    // The second game arrives: the day is computed.
    h.write(&box_scores(&slot("0022400502"))).await;
    let done = h.call("nbac_player_boxscores", d1()).await;
    assert_eq!(done.status, RunStatus::Success, "{done:?}");
    let players = h.all::<PlayerGameSummary>().await;
    assert_eq!(players.len(), 4 * PLAYERS_PER_TEAM, "one row per player-game");
    let offense = h.all::<TeamOffenseGameSummary>().await;
    assert_eq!(offense.len(), 4);
    let bos = offense.iter().find(|r| r.team_tricode == "BOS").unwrap();
    // Summed box score: FGA 90, FTA 25, OREB 10, TOV 15 → 106 possessions; 240 min → pace 106.
    assert_eq!(
        (bos.fga, bos.fta, bos.oreb, bos.turnovers, bos.points),
        (90, 25, 10, 15, 112)
    );
    let possessions = 90.0 + 0.44 * 25.0 - 10.0 + 15.0;
    assert!((bos.possessions - possessions).abs() < 1e-9);
    assert!((bos.pace - 48.0 * possessions / (240.0 / 5.0)).abs() < 1e-9);
    assert!((bos.offensive_rating - 100.0 * 112.0 / possessions).abs() < 1e-9);
    assert_eq!(bos.win, Some(true));
    let defense = h.all::<TeamDefenseGameSummary>().await;
    let bos_d = defense.iter().find(|r| r.team_tricode == "BOS").unwrap();
    assert_eq!(bos_d.points_allowed, 110);
    assert!((bos_d.defensive_rating - 100.0 * 110.0 / possessions).abs() < 1e-9);

    // Lines: the latest pre-tip snapshot of the preferred book; OVER/UNDER/PUSH.
    let row = |p: &str| players.iter().find(|r| r.player_lookup == p).unwrap().clone();
    let bos0 = row("bos0");
    assert_eq!(bos0.points, Some(24));
    assert_eq!(bos0.points_line, Some(24.5));
    assert_eq!(bos0.line_bookmaker.as_deref(), Some("draftkings"));
    assert_eq!(bos0.line_snapshot_at, Some(t("2025-01-10T20:00:00Z")));
    assert_eq!(bos0.over_under_result.as_deref(), Some("UNDER"));
    assert_eq!(row("bos1").over_under_result.as_deref(), Some("PUSH"));
    assert_eq!(row("lal0").over_under_result.as_deref(), Some("OVER"));
    assert_eq!(row("nyk0").points_line, None);
    assert_eq!(row("nyk0").over_under_result, None);
    assert_eq!(bos0.primary_source, "nbac_player_boxscores");
    // Usage: 5 equal players sharing 48 minutes each → 20 %.
    assert!((row("lal1").usage_rate.unwrap() - 20.0).abs() < 1e-9);

    let first = h.published();
    let names: Vec<&str> = first.iter().map(|m| m.processor_name.as_str()).collect();
    assert_eq!(names, PROCESSORS[..3].to_vec(), "team offence before player summary");
    assert!(
        first
            .iter()
            .all(|m| m.phase == 3 && m.game_date == d1() && m.status == "success")
    );

    // The same message again: everything recomputes to unchanged.
    let again = h.call("nbac_player_boxscores", d1()).await;
    assert_eq!(again.rows_written, 0, "{again:?}");
    assert_eq!(again.rows_unchanged, (4 * PLAYERS_PER_TEAM + 8) as u64);
    let republished = h.published();
    assert_eq!(republished.len(), 6);
    assert!(republished[3..].iter().all(|m| m.rows_written == 0));

    // A table phase 3 does not read: skipped.
    let skipped = h.call("nbac_play_by_play", d1()).await;
    assert_eq!(skipped.status, RunStatus::Skipped);
}

/// The official team line of `team` (`[fga, fta, oreb, tov, pts]`, team minutes),
/// as the team game log writes it.
fn team_box(slot: &Slot, team: &str, minutes: f64, counts: [i64; 5]) -> NbacTeamBoxscore {
    let (game_id, date, away, home, _) = *slot;
    let [fga, fta, oreb, tov, pts] = counts;
    let opp = if team == home { away } else { home };
    NbacTeamBoxscore {
        game_id: game_id.into(),
        game_date: date,
        season: SEASON.into(),
        season_type: "Regular Season".into(),
        team_id: team_id(team),
        team_tricode: team.into(),
        team_city: None,
        team_name: None,
        opponent_team_id: Some(team_id(opp)),
        opponent_tricode: Some(opp.into()),
        is_home: Some(team == home),
        minutes: Some(minutes),
        fgm: Some(fga / 2),
        fga: Some(fga),
        fg_pct: None,
        fg3m: Some(11),
        fg3a: Some(33),
        fg3_pct: None,
        ftm: Some(fta - 4),
        fta: Some(fta),
        ft_pct: None,
        oreb: Some(oreb),
        dreb: Some(34),
        reb: Some(oreb + 34),
        ast: Some(26),
        stl: Some(8),
        blk: Some(5),
        tov: Some(tov),
        pf: Some(20),
        pts: Some(pts),
        plus_minus: None,
        source_feed: "leaguegamelog".into(),
        source_file: "gs://nba-scraped-data/nba-com/gamelog-teams/x.json".into(),
        data_hash: String::new(),
        processed_at: Utc::now(),
    }
}

#[tokio::test]
async fn team_summaries_prefer_the_team_box_score_and_fall_back_to_players() {
    let h = Harness::new();
    h.write(&schedule()).await;
    h.write(&box_scores(&slot("0022400501"))).await;
    h.write(&box_scores(&slot("0022400502"))).await;
    assert_eq!(h.call("nbac_player_boxscores", d1()).await.status, RunStatus::Success);
    let summed = h.all::<TeamOffenseGameSummary>().await;
    assert!(summed.iter().all(|r| r.primary_source == "nbac_player_boxscores"));

    // GSW @ NYK gets its official team lines (an overtime game; the game log
    // lists more attempts than the five players summed), LAL @ BOS does not.
    let gsw_nyk = slot("0022400502");
    h.write(&[
        team_box(&gsw_nyk, "NYK", 265.0, [96, 28, 11, 13, 121]),
        team_box(&gsw_nyk, "GSW", 265.0, [102, 22, 12, 16, 117]),
    ])
    .await;
    // A raw-complete for the team box score recomputes the post-game summaries.
    let done = h.call("nbac_team_boxscore", d1()).await;
    assert_eq!(done.status, RunStatus::Success, "{done:?}");
    assert!(
        done.inputs.iter().any(|i| i == "nba_raw.nbac_team_boxscore"),
        "{done:?}"
    );

    let offense = h.all::<TeamOffenseGameSummary>().await;
    assert_eq!(offense.len(), 4);
    let off = |team: &str| offense.iter().find(|r| r.team_tricode == team).unwrap().clone();
    let nyk = off("NYK");
    assert_eq!(nyk.primary_source, "nbac_team_boxscore");
    assert_eq!(
        (nyk.fga, nyk.fta, nyk.oreb, nyk.turnovers, nyk.points),
        (96, 28, 11, 13, 121)
    );
    assert_eq!((nyk.fg3m, nyk.dreb, nyk.assists, nyk.minutes), (11, 34, 26, 265.0));
    let nyk_poss = 96.0 + 0.44 * 28.0 - 11.0 + 13.0;
    assert!((nyk.possessions - nyk_poss).abs() < 1e-9);
    assert!((nyk.pace - 48.0 * nyk_poss / (265.0 / 5.0)).abs() < 1e-9);
    assert!((nyk.offensive_rating - 100.0 * 121.0 / nyk_poss).abs() < 1e-9);
    assert_eq!(nyk.win, Some(true));
    assert_eq!(off("GSW").primary_source, "nbac_team_boxscore");
    // No team box score for LAL @ BOS: its players' lines are summed, as before.
    let bos = off("BOS");
    assert_eq!(bos.primary_source, "nbac_player_boxscores");
    assert_eq!((bos.fga, bos.points, bos.minutes), (90, 112, 240.0));

    let defense = h.all::<TeamDefenseGameSummary>().await;
    let nyk_d = defense.iter().find(|r| r.team_tricode == "NYK").unwrap();
    let gsw_poss = 102.0 + 0.44 * 22.0 - 12.0 + 16.0;
    assert_eq!((nyk_d.points_allowed, nyk_d.opp_fga), (117, 102));
    assert!((nyk_d.possessions - gsw_poss).abs() < 1e-9);
    assert!((nyk_d.defensive_rating - 100.0 * 117.0 / gsw_poss).abs() < 1e-9);
    assert_eq!(nyk_d.primary_source, "nbac_team_boxscore");

    // Usage is measured against the official team totals and minutes.
    let players = h.all::<PlayerGameSummary>().await;
    let nyk1 = players.iter().find(|r| r.player_lookup == "nyk1").unwrap();
    let expected = 100.0 * (18.0 + 0.44 * 5.0 + 3.0) * (265.0 / 5.0) / (48.0 * (96.0 + 0.44 * 28.0 + 13.0));
    assert!((nyk1.usage_rate.unwrap() - expected).abs() < 1e-9);
    assert_eq!(nyk1.primary_source, "nbac_player_boxscores");
    let lal1 = players.iter().find(|r| r.player_lookup == "lal1").unwrap();
    assert!((lal1.usage_rate.unwrap() - 20.0).abs() < 1e-9);

    // Idempotent: the same message again changes nothing.
    let again = h.call("nbac_team_boxscore", d1()).await;
    assert_eq!(again.rows_written, 0, "{again:?}");
}

/// A warehouse whose first merge waits until the caller lets it go: a recompute that has
/// read its inputs and is slow to write.
struct FirstMergeWaits {
    inner: std::sync::Arc<dyn nba_cloud::Warehouse>,
    first: std::sync::atomic::AtomicBool,
    reached: tokio::sync::Notify,
    go: tokio::sync::Notify,
}

#[async_trait::async_trait]
impl nba_cloud::Warehouse for FirstMergeWaits {
    async fn ensure_table(&self, s: &'static nba_schemas::TableSchema) -> Result<(), nba_cloud::WarehouseError> {
        self.inner.ensure_table(s).await
    }
    async fn append(&self, s: &'static nba_schemas::TableSchema, rows: Vec<nba_schemas::Row>) -> WriteResult {
        self.inner.append(s, rows).await
    }
    async fn merge(&self, s: &'static nba_schemas::TableSchema, rows: Vec<nba_schemas::Row>) -> WriteResult {
        if self.first.swap(false, std::sync::atomic::Ordering::SeqCst) {
            self.reached.notify_one();
            self.go.notified().await;
        }
        self.inner.merge(s, rows).await
    }
    async fn insert_new(&self, s: &'static nba_schemas::TableSchema, rows: Vec<nba_schemas::Row>) -> WriteResult {
        self.inner.insert_new(s, rows).await
    }
    async fn replace_partition(
        &self,
        s: &'static nba_schemas::TableSchema,
        p: NaiveDate,
        rows: Vec<nba_schemas::Row>,
    ) -> WriteResult {
        self.inner.replace_partition(s, p, rows).await
    }
    async fn scan(
        &self,
        s: &'static nba_schemas::TableSchema,
        range: Option<nba_cloud::PartitionRange>,
    ) -> Result<Vec<nba_schemas::Row>, nba_cloud::WarehouseError> {
        self.inner.scan(s, range).await
    }
    async fn query(&self, sql: &str, params: Vec<Value>) -> Result<Vec<nba_schemas::Row>, nba_cloud::WarehouseError> {
        self.inner.query(sql, params).await
    }
}

type WriteResult = Result<nba_cloud::WriteStats, nba_cloud::WarehouseError>;

/// Regression (found by `nba chaos`): two recomputes of one date side by side let the one
/// that read before a load write last, and a day's summaries kept a read without its team
/// box score. Here the first recompute has read the players' lines and is slow to write
/// when the team box score loads and its message arrives: that message is folded into one
/// more round of the running recompute, which reads the team box score, and the tables
/// end as a sequential recompute leaves them.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_load_landing_during_the_dates_recompute_is_read_by_a_later_round() {
    let h = Harness::new();
    h.write(&schedule()).await;
    h.write(&box_scores(&slot("0022400501"))).await;
    h.write(&box_scores(&slot("0022400502"))).await;
    let slow = std::sync::Arc::new(FirstMergeWaits {
        inner: h.clients.warehouse.clone(),
        first: std::sync::atomic::AtomicBool::new(true),
        reached: tokio::sync::Notify::new(),
        go: tokio::sync::Notify::new(),
    });
    let clients = Clients {
        warehouse: slow.clone(),
        ..h.clients.clone()
    };
    let f = AnalyticsFunction::new(clients, Config::default().names());
    let call = |table: &'static str| {
        let f = &f;
        async move {
            f.call(&Invocation::new("analytics"), raw_complete(table, d1(), "m"))
                .await
                .unwrap()
        }
    };
    let first = call("nbac_player_boxscores");
    let team_load = async {
        slow.reached.notified().await;
        let gsw_nyk = slot("0022400502");
        h.write(&[
            team_box(&gsw_nyk, "NYK", 265.0, [96, 28, 11, 13, 121]),
            team_box(&gsw_nyk, "GSW", 265.0, [102, 22, 12, 16, 117]),
        ])
        .await;
        let (team_run, ()) = tokio::join!(call("nbac_team_boxscore"), async {
            // Let the first recompute write once the team's message has had time to arrive.
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            slow.go.notify_one();
        });
        team_run
    };
    let (first, team_run) = tokio::join!(first, team_load);
    assert_eq!(first.status, RunStatus::Success, "{first:?}");
    assert!(
        first.message.as_deref().unwrap_or("").starts_with("2 rounds"),
        "{first:?}"
    );
    assert_eq!(team_run.status, RunStatus::Skipped, "{team_run:?}");
    assert!(
        team_run.message.as_deref().unwrap_or("").contains("folded into run"),
        "{team_run:?}"
    );

    let offense = h.all::<TeamOffenseGameSummary>().await;
    let nyk = offense.iter().find(|r| r.team_tricode == "NYK").unwrap();
    assert_eq!(nyk.primary_source, "nbac_team_boxscore");
    let players = h.all::<PlayerGameSummary>().await;
    let nyk1 = players.iter().find(|r| r.player_lookup == "nyk1").unwrap();
    let expected = 100.0 * (18.0 + 0.44 * 5.0 + 3.0) * (265.0 / 5.0) / (48.0 * (96.0 + 0.44 * 28.0 + 13.0));
    assert!((nyk1.usage_rate.unwrap() - expected).abs() < 1e-9);
    // Nothing is left held, and nothing is left to recompute.
    assert_eq!(h.call("nbac_team_boxscore", d1()).await.rows_written, 0);
}

async fn upcoming_day2(h: &Harness) -> (Vec<UpcomingPlayerGameContext>, Vec<UpcomingTeamGameContext>) {
    let mut players: Vec<UpcomingPlayerGameContext> = h
        .all::<UpcomingPlayerGameContext>()
        .await
        .into_iter()
        .filter(|r| r.game_date == d2())
        .collect();
    let mut teams: Vec<UpcomingTeamGameContext> = h
        .all::<UpcomingTeamGameContext>()
        .await
        .into_iter()
        .filter(|r| r.game_date == d2())
        .collect();
    for p in &mut players {
        p.processed_at = DateTime::<Utc>::MIN_UTC;
    }
    for t in &mut teams {
        t.processed_at = DateTime::<Utc>::MIN_UTC;
    }
    (players, teams)
}

#[tokio::test]
async fn upcoming_context_uses_only_the_past_and_is_point_in_time() {
    let h = Harness::new();
    h.write(&schedule()).await;
    h.write(&props()).await;
    h.write(&[mia_list_row()]).await;
    // No schedule for a date: refused.
    let none = h
        .call("odds_api_player_props", NaiveDate::from_ymd_opt(2025, 2, 1).unwrap())
        .await;
    assert_eq!(none.status, RunStatus::NoData);
    assert!(none.message.unwrap().contains("no schedule"));

    h.write(&box_scores(&slot("0022400501"))).await;
    h.write(&box_scores(&slot("0022400502"))).await;
    assert_eq!(h.call("nbac_player_boxscores", d1()).await.status, RunStatus::Success);

    let ctx = h.call("odds_api_player_props", d2()).await;
    assert_eq!(ctx.status, RunStatus::Success, "{ctx:?}");
    let (players, teams) = upcoming_day2(&h).await;
    // BOS, NYK and LAL players from day 1 play on day 2 (GSW does not), plus MIA's listed player.
    assert_eq!(players.len(), 3 * PLAYERS_PER_TEAM + 1, "{players:#?}");
    let bos0 = players.iter().find(|p| p.player_lookup == "bos0").unwrap();
    assert_eq!(bos0.game_id, "0022400510");
    assert_eq!((bos0.opponent_tricode.as_str(), bos0.is_home), ("MIA", false));
    assert_eq!(bos0.days_rest, Some(1));
    assert!(bos0.is_back_to_back);
    assert_eq!((bos0.games_last_7_days, bos0.games_last_14_days), (1, 1));
    assert_eq!(bos0.minutes_last_7_days, 48.0);
    // Lines: only snapshots before the tip (the 40.5 after it is ignored).
    assert_eq!(bos0.current_line, Some(26.5));
    assert_eq!(bos0.opening_line, Some(25.5));
    assert_eq!(bos0.line_movement, Some(1.0));
    assert_eq!(bos0.line_snapshots, 2);
    assert_eq!(bos0.context_as_of, t("2025-01-11T22:00:00Z"));
    assert_eq!((bos0.spread, bos0.teammates_out), (None, None));
    let heat = players.iter().find(|p| p.player_lookup == "heatguard").unwrap();
    assert_eq!(
        (heat.days_rest, heat.is_back_to_back, heat.games_last_7_days),
        (None, false, 0)
    );
    assert_eq!(heat.team_tricode, "MIA");
    assert_eq!(teams.len(), 4);
    let bos = teams.iter().find(|t| t.team_tricode == "BOS").unwrap();
    assert_eq!(
        (bos.days_rest, bos.is_back_to_back, bos.wins, bos.losses),
        (Some(1), true, 1, 0)
    );
    assert_eq!(bos.players_with_lines, 1);
    let mia = teams.iter().find(|t| t.team_tricode == "MIA").unwrap();
    assert_eq!((mia.days_rest, mia.is_back_to_back, mia.wins), (None, false, 0));
    let names: Vec<String> = h.published().into_iter().map(|m| m.processor_name).collect();
    assert!(names.ends_with(&[PROCESSORS[3].to_string(), PROCESSORS[4].to_string()]));

    // Day 2's games happen: box scores, post-game summaries, a late line. Recomputing
    // day 2's upcoming context must change nothing.
    h.write(&box_scores(&slot("0022400510"))).await;
    h.write(&box_scores(&slot("0022400511"))).await;
    h.write(&[prop(
        d2(),
        "BOS",
        "MIA",
        "bos0",
        "draftkings",
        "2025-01-12T02:00:00Z",
        41.5,
    )])
    .await;
    assert_eq!(h.call("nbac_player_boxscores", d2()).await.status, RunStatus::Success);
    let recomputed = h.call("odds_api_player_props", d2()).await;
    assert_eq!(recomputed.rows_written, 0, "{recomputed:?}");
    assert_eq!(upcoming_day2(&h).await, (players, teams));
}
