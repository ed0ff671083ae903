//! A synthetic slate for the phase-6 end-to-end tests and the API benchmark: two games
//! on 2025-01-10 with four named players (plus any number of generated ones) predicted
//! by three systems, and the night before (2025-01-09) with box scores and predictions
//! to grade. Rows go in through the validated writer, as the phases write them; grading
//! and the export then run as the real functions. Not used by the pipeline itself.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use nba_cloud::Warehouse;
use nba_cloud::writer::{WriteContext, write_rows};
use nba_schemas::Table;
use nba_schemas::tables::analytics::{PlayerGameSummary, UpcomingPlayerGameContext};
use nba_schemas::tables::prediction_output::{PlayerPropPrediction, PredictionCoverage};
use nba_schemas::tables::raw::NbacSchedule;
use serde_json::json;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// The slate's date.
pub fn slate_date() -> NaiveDate {
    date(2025, 1, 10)
}

/// The graded night before.
pub fn graded_date() -> NaiveDate {
    date(2025, 1, 9)
}

/// (player_lookup, name, team, opponent, is_home, game_id).
pub const PLAYERS: [(&str, &str, &str, &str, bool, &str); 4] = [
    ("jaysontatum", "Jayson Tatum", "BOS", "LAL", false, "0022400561"),
    ("lebronjames", "LeBron James", "LAL", "BOS", true, "0022400561"),
    ("stephencurry", "Stephen Curry", "GSW", "DEN", true, "0022400562"),
    ("nikolajokic", "Nikola Jokić", "DEN", "GSW", false, "0022400562"),
];

/// One player of the slate.
#[derive(Debug, Clone)]
struct Player {
    lookup: String,
    name: String,
    team: &'static str,
    opponent: &'static str,
    is_home: bool,
    game_id: &'static str,
    /// Index into the line and edge patterns.
    pattern: usize,
}

/// The named players, then `extra` generated ones spread over the same two games.
fn players(extra: usize) -> Vec<Player> {
    let named = PLAYERS.iter().enumerate().map(|(i, p)| Player {
        lookup: p.0.into(),
        name: p.1.into(),
        team: p.2,
        opponent: p.3,
        is_home: p.4,
        game_id: p.5,
        pattern: i,
    });
    let generated = (0..extra).map(|k| {
        let like = PLAYERS[k % PLAYERS.len()];
        Player {
            lookup: format!("generatedplayer{k}"),
            name: format!("Generated Player {k}"),
            team: like.2,
            opponent: like.3,
            is_home: like.4,
            game_id: like.5,
            pattern: k % PLAYERS.len(),
        }
    });
    named.chain(generated).collect()
}

/// The systems of the slate.
pub const SYSTEMS: [&str; 3] = ["moving_average", "zone_matchup", "ensemble_confidence"];

fn tip(date: NaiveDate, hour_utc: u32) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_time(chrono::NaiveTime::MIN)) + Duration::hours(24 + i64::from(hour_utc))
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

fn context_row(date: NaiveDate, p: &Player) -> UpcomingPlayerGameContext {
    let i = p.pattern;
    UpcomingPlayerGameContext {
        game_date: date,
        game_id: p.game_id.into(),
        season: "2024-25".into(),
        player_lookup: p.lookup.clone(),
        player_id: None,
        player_name: p.name.clone(),
        team_tricode: p.team.into(),
        opponent_tricode: p.opponent.into(),
        is_home: p.is_home,
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
fn prediction_row(date: NaiveDate, p: &Player, j: usize) -> PlayerPropPrediction {
    let (i, lookup, game_id) = (p.pattern, p.lookup.as_str(), p.game_id);
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

fn summary_row(date: NaiveDate, p: &Player, points: i64) -> PlayerGameSummary {
    let i = p.pattern;
    PlayerGameSummary {
        game_date: date,
        game_id: p.game_id.replace("056", "055"),
        season: "2024-25".into(),
        player_lookup: p.lookup.clone(),
        player_id: None,
        player_name: p.name.clone(),
        team_tricode: p.team.into(),
        opponent_tricode: p.opponent.into(),
        is_home: p.is_home,
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
        predicted_any: (share * expected as f64).round() as i64,
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

/// Why the fixture could not be written.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error("writing {table}: {source}")]
    Write {
        table: String,
        source: nba_cloud::WarehouseError,
    },
    #[error("fixture rows of {table} were rejected: {first}")]
    Rejected { table: String, first: String },
}

async fn write<T: Table>(w: &dyn Warehouse, rows: &[T]) -> Result<(), FixtureError> {
    let table = T::SCHEMA.qualified_name();
    let report = write_rows(w, rows, &WriteContext::default())
        .await
        .map_err(|source| FixtureError::Write {
            table: table.clone(),
            source,
        })?;
    match report.rejected.first() {
        Some(v) => Err(FixtureError::Rejected {
            table,
            first: format!("{v:?}"),
        }),
        None => Ok(()),
    }
}

/// The night before (predictions, context and box scores, to grade) and the slate
/// (context, schedule, predictions, coverage at `share`), for the named players and
/// `extra` generated ones.
pub async fn seed(w: &dyn Warehouse, share: f64, extra: usize) -> Result<(), FixtureError> {
    let (slate, before) = (slate_date(), graded_date());
    let players = players(extra);
    let schedule = [
        schedule_row(slate, "0022400561", "BOS", "LAL", 0),
        schedule_row(slate, "0022400562", "DEN", "GSW", 3),
    ];
    write(w, &schedule).await?;
    let all = |date: NaiveDate| -> Vec<PlayerPropPrediction> {
        players
            .iter()
            .flat_map(|p| (0..SYSTEMS.len()).map(move |j| prediction_row(date, p, j)))
            .collect()
    };
    let context =
        |date: NaiveDate| -> Vec<UpcomingPlayerGameContext> { players.iter().map(|p| context_row(date, p)).collect() };
    write(w, &context(slate)).await?;
    write(w, &all(slate)).await?;
    write(w, &[coverage_row(slate, share)]).await?;
    // The night before: the same players on another game id, and what they scored.
    let earlier = |id: &str| id.replace("056", "055");
    let before_predictions: Vec<PlayerPropPrediction> = all(before)
        .into_iter()
        .map(|p| PlayerPropPrediction {
            game_id: earlier(&p.game_id),
            prediction_id: earlier(&p.prediction_id),
            ..p
        })
        .collect();
    write(w, &before_predictions).await?;
    let before_context: Vec<UpcomingPlayerGameContext> = context(before)
        .into_iter()
        .map(|c| UpcomingPlayerGameContext {
            game_id: earlier(&c.game_id),
            ..c
        })
        .collect();
    write(w, &before_context).await?;
    write(w, &[coverage_row(before, 1.0)]).await?;
    let scored = [31, 20, 22, 30];
    let summaries: Vec<PlayerGameSummary> = players
        .iter()
        .map(|p| summary_row(before, p, scored[p.pattern]))
        .collect();
    write(w, &summaries).await?;
    let older: Vec<PlayerGameSummary> = players
        .iter()
        .map(|p| summary_row(date(2025, 1, 7), p, scored[p.pattern] - 4))
        .collect();
    write(w, &older).await
}

/// Predictions of the slate's named players (4 players × 3 systems).
pub fn slate_prediction_count() -> usize {
    PLAYERS.len() * SYSTEMS.len()
}
