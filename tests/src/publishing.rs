//! A small slate for the phase-6 tests: two games on 2025-01-10 with four players
//! predicted by three systems, and the night before (2025-01-09) with box scores and
//! predictions to grade. Rows go in through the validated writer, as the phases write
//! them; grading and the export then run as the real functions on the local platform.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use nba_cloud::Warehouse;
use nba_cloud::writer::{WriteContext, write_rows};
use nba_schemas::Table;
use nba_schemas::tables::analytics::{PlayerGameSummary, UpcomingPlayerGameContext};
use nba_schemas::tables::prediction_output::{PlayerPropPrediction, PredictionCoverage};
use nba_schemas::tables::raw::NbacSchedule;
use serde_json::json;

pub fn d(s: &str) -> NaiveDate {
    s.parse().expect("a YYYY-MM-DD date")
}

/// The slate's date.
pub fn slate_date() -> NaiveDate {
    d("2025-01-10")
}

/// The graded night before.
pub fn graded_date() -> NaiveDate {
    d("2025-01-09")
}

/// (player_lookup, name, team, opponent, is_home, game_id).
pub const PLAYERS: [(&str, &str, &str, &str, bool, &str); 4] = [
    ("jaysontatum", "Jayson Tatum", "BOS", "LAL", false, "0022400561"),
    ("lebronjames", "LeBron James", "LAL", "BOS", true, "0022400561"),
    ("stephencurry", "Stephen Curry", "GSW", "DEN", true, "0022400562"),
    ("nikolajokic", "Nikola Jokić", "DEN", "GSW", false, "0022400562"),
];

/// The systems of the slate.
pub const SYSTEMS: [&str; 3] = ["moving_average", "zone_matchup", "ensemble_confidence"];

fn tip(date: NaiveDate, hour_utc: u32) -> DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight");
    Utc.from_utc_datetime(&midnight) + Duration::hours(24 + i64::from(hour_utc))
}

fn schedule_row(date: NaiveDate, game_id: &str, away: &str, home: &str, hour_utc: u32) -> NbacSchedule {
    NbacSchedule {
        game_id: game_id.into(),
        game_date: date,
        game_code: format!("{}_{away}_{home}", date.format("%Y%m%d")),
        season: "2024-25".into(),
        season_type: "Regular Season".into(),
        game_status: 1,
        game_status_text: "7:30 pm ET".into(),
        tip_time_utc: Some(tip(date, hour_utc)),
        home_team_id: 1610612747,
        home_team_tricode: home.into(),
        away_team_id: 1610612738,
        away_team_tricode: away.into(),
        home_score: None,
        away_score: None,
        arena_name: None,
        arena_city: None,
        is_neutral: false,
        postponed_status: Some("N".into()),
        game_label: None,
        game_sub_label: None,
        source_file: "fixture".into(),
        data_hash: String::new(),
        processed_at: Utc::now(),
    }
}

fn context_row(date: NaiveDate, i: usize) -> UpcomingPlayerGameContext {
    let (lookup, name, team, opponent, is_home, game_id) = PLAYERS[i];
    UpcomingPlayerGameContext {
        game_date: date,
        game_id: game_id.into(),
        season: "2024-25".into(),
        player_lookup: lookup.into(),
        player_id: None,
        player_name: name.into(),
        team_tricode: team.into(),
        opponent_tricode: opponent.into(),
        is_home,
        tip_time_utc: Some(tip(date, 0)),
        days_rest: Some(1),
        is_back_to_back: false,
        games_last_7_days: 3,
        games_last_14_days: 6,
        minutes_last_7_days: 100.0,
        minutes_last_14_days: 200.0,
        current_line: Some(line_of(i)),
        opening_line: Some(line_of(i)),
        line_movement: Some(0.0),
        line_bookmaker: Some("draftkings".into()),
        line_snapshot_at: None,
        line_snapshots: 1,
        spread: None,
        game_total: None,
        teammates_out: None,
        injury_status: None,
        context_as_of: tip(date, 0) - Duration::hours(2),
        data_hash: String::new(),
        processed_at: Utc::now(),
    }
}

fn line_of(i: usize) -> f64 {
    [26.5, 23.5, 24.5, 28.5][i]
}

/// Player i, system j: edges from −4 to +4 so filters by edge and system cut differently.
fn prediction_row(date: NaiveDate, i: usize, j: usize) -> PlayerPropPrediction {
    let (lookup, _, _, _, _, game_id) = PLAYERS[i];
    let system = SYSTEMS[j];
    let line = line_of(i);
    let edge: f64 = [3.5, -1.0, 4.0, -3.0][i] + [0.0, -2.0, 0.5][j];
    let actionable = edge.abs() >= 2.5 && j != 1;
    let recommendation = match (actionable, edge > 0.0) {
        (true, true) => "OVER",
        (true, false) => "UNDER",
        (false, _) => "PASS",
    };
    PlayerPropPrediction {
        prediction_id: format!("{game_id}:{lookup}:{system}:{line:.1}"),
        system_id: system.into(),
        system_version: format!("{system}@v1"),
        game_date: date,
        game_id: game_id.into(),
        player_lookup: lookup.into(),
        predicted_points: line + edge,
        confidence: if actionable { 0.62 } else { 0.41 },
        recommendation: recommendation.into(),
        edge: Some(edge),
        line: Some(line),
        line_source: "actual".into(),
        line_bookmaker: Some("draftkings".into()),
        factors: json!([["points_avg_last_5", 1.25], ["fatigue", -0.8], ["pace", 0.3]]),
        feature_set_version: "v1".into(),
        feature_quality: Some(95.0),
        actionable,
        not_actionable_reason: (!actionable).then(|| "edge or confidence under the floor".to_string()),
        batch_id: format!("{date}_same_day_g1"),
        created_at: tip(date, 0) - Duration::hours(3),
        is_active: true,
        data_hash: String::new(),
        processed_at: Utc::now(),
    }
}

fn summary_row(date: NaiveDate, i: usize, points: i64) -> PlayerGameSummary {
    let (lookup, name, team, opponent, is_home, game_id) = PLAYERS[i];
    PlayerGameSummary {
        game_date: date,
        game_id: game_id.replace("056", "055"),
        season: "2024-25".into(),
        player_lookup: lookup.into(),
        player_id: None,
        player_name: name.into(),
        team_tricode: team.into(),
        opponent_tricode: opponent.into(),
        is_home,
        minutes: Some(34.0),
        points: Some(points),
        fgm: None,
        fga: None,
        fg3m: None,
        fg3a: None,
        ftm: None,
        fta: None,
        oreb: None,
        dreb: None,
        rebounds: None,
        assists: None,
        steals: None,
        blocks: None,
        turnovers: None,
        personal_fouls: None,
        plus_minus: None,
        usage_rate: None,
        true_shooting_pct: None,
        effective_fg_pct: None,
        points_line: Some(line_of(i)),
        line_bookmaker: Some("draftkings".into()),
        line_snapshot_at: None,
        over_under_result: None,
        is_dnp: false,
        dnp_reason: None,
        primary_source: "nbac_player_boxscores".into(),
        source_completeness: 1.0,
        data_hash: String::new(),
        processed_at: Utc::now(),
    }
}

/// Coverage of a batch as phase 5 records it.
pub fn coverage_row(date: NaiveDate, share: f64) -> PredictionCoverage {
    let expected = 4;
    PredictionCoverage {
        game_date: date,
        batch_id: format!("{date}_same_day_g1"),
        expected,
        predicted_any: expected,
        predicted_all_systems: (share * expected as f64).round() as i64,
        share,
        target: 0.9,
        alert: share < 0.9,
        reason: format!("{:.0}% of players predicted by all systems", share * 100.0),
        skipped: json!({}),
        per_system: json!({}),
        partial: false,
        data_hash: String::new(),
        processed_at: Utc::now(),
    }
}

async fn write<T: Table>(w: &dyn Warehouse, rows: &[T]) {
    let report = write_rows(w, rows, &WriteContext::default())
        .await
        .unwrap_or_else(|e| panic!("writing {}: {e}", T::SCHEMA.qualified_name()));
    assert_eq!(
        report.rows_rejected(),
        0,
        "fixture rows of {} must be valid",
        T::SCHEMA.qualified_name()
    );
}

/// The night before (predictions and box scores, to grade) and the slate (context,
/// schedule, predictions, coverage at `share`).
pub async fn seed(w: &dyn Warehouse, share: f64) {
    let (slate, before) = (slate_date(), graded_date());
    let schedule = [
        schedule_row(slate, "0022400561", "BOS", "LAL", 0),
        schedule_row(slate, "0022400562", "DEN", "GSW", 3),
    ];
    write(w, &schedule).await;
    write(w, &(0..4).map(|i| context_row(slate, i)).collect::<Vec<_>>()).await;
    let all = |date: NaiveDate| {
        (0..4)
            .flat_map(|i| (0..3).map(move |j| (i, j)))
            .map(|(i, j)| prediction_row(date, i, j))
            .collect::<Vec<_>>()
    };
    write(w, &all(slate)).await;
    write(w, &[coverage_row(slate, share)]).await;
    // The night before: the same players' predictions, and what they scored.
    let before_predictions: Vec<PlayerPropPrediction> = all(before)
        .into_iter()
        .map(|p| PlayerPropPrediction {
            game_id: p.game_id.replace("056", "055"),
            prediction_id: p.prediction_id.replace("056", "055"),
            ..p
        })
        .collect();
    write(w, &before_predictions).await;
    let before_context: Vec<UpcomingPlayerGameContext> = (0..4)
        .map(|i| context_row(before, i))
        .map(|c| UpcomingPlayerGameContext {
            game_id: c.game_id.replace("056", "055"),
            ..c
        })
        .collect();
    write(w, &before_context).await;
    write(w, &[coverage_row(before, 1.0)]).await;
    let scored = [31, 20, 22, 30];
    let summaries: Vec<PlayerGameSummary> = (0..4).map(|i| summary_row(before, i, scored[i])).collect();
    write(w, &summaries).await;
    let older: Vec<PlayerGameSummary> = (0..4).map(|i| summary_row(d("2025-01-07"), i, scored[i] - 4)).collect();
    write(w, &older).await;
}

/// Predictions of the slate (4 players × 3 systems).
pub fn slate_prediction_count() -> usize {
    PLAYERS.len() * SYSTEMS.len()
}
