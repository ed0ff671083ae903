//! The walk-forward loop: for each date D, every system sees only what was known
//! before D, predicts D's players, and is graded with the live grading rules.
//!
//! * Feature vectors are point-in-time by construction (phase 4 computes D's
//!   vector from games before D and D's pre-game context).
//! * History = summaries with `game_date < D` ([`InputProvider::history_before`],
//!   re-checked by [`guard::check_history`]).
//! * Models are retrained every `retrain_every_days` (default 7: a weekly refit
//!   keeps a season's evaluation fast; between refits a model only sees *older*
//!   data, never newer), on feature rows dated strictly before the retrain date
//!   joined to their actual points, checked by [`guard::check_training`] and
//!   scanned for a feature that is its own target.
//! * The performance-weighted ensembles get the harness's own graded results of
//!   the trailing `ensemble_window_days` before D.
//! * One prediction per (date, player, system): a duplicate is an error, since
//!   duplicates inflate hit rates.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use nba_cloud::Warehouse;
use nba_systems::{PastGame, PredictionInput, RecentPerformance, SystemPrediction};

use crate::evaluate::dataset::{Dataset, FeatureRow, InputProvider};
use crate::evaluate::guard::{self, LeakError, TargetLeakScanner};
use crate::evaluate::report::{self, Baselines, EvaluationReport, SeriesPoint, SystemReport};
use crate::evaluate::systems::{RegistryFactory, SystemFactory, SystemSet, recommend};
use crate::grade::{Recommendation, grade};
use crate::performance::Tally;

/// How to run an evaluation.
#[derive(Clone)]
pub struct EvaluateOptions {
    /// Days between model refits (1 = refit every date).
    pub retrain_every_days: i64,
    /// Trailing window (in evaluated dates) of the rolling series and chart.
    pub rolling_window: usize,
    /// Trailing days of graded results the ensembles weight systems by.
    pub ensemble_window_days: i64,
    /// Where to write `evaluation_{from}_{to}.json` and `.png`; nothing is written when None.
    pub out_dir: Option<PathBuf>,
    /// Builds (and trains) the systems at every refit; default: the platform's 7.
    pub factory: Arc<dyn SystemFactory>,
}

impl Default for EvaluateOptions {
    fn default() -> Self {
        EvaluateOptions {
            retrain_every_days: 7,
            rolling_window: 7,
            ensemble_window_days: 14,
            out_dir: None,
            factory: Arc::new(RegistryFactory::default()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EvaluateError {
    #[error("loading the warehouse: {0}")]
    Load(#[from] anyhow::Error),
    #[error("leak guard: {0}")]
    Leak(#[from] LeakError),
    #[error("{count} duplicate (date, player) rows, e.g. {example}: duplicates inflate hit rates")]
    Duplicates { count: usize, example: String },
    #[error("building systems for {date}: {reason}")]
    Systems { date: NaiveDate, reason: String },
    #[error("writing the report: {0}")]
    Output(String),
    #[error("from {from} is after to {to}")]
    Range { from: NaiveDate, to: NaiveDate },
}

/// Evaluates `[from, to]` on a warehouse a backfill filled (phases 1–4), and
/// writes the JSON report and chart under `opts.out_dir` when given.
pub async fn evaluate(
    warehouse: &dyn Warehouse,
    from: NaiveDate,
    to: NaiveDate,
    opts: &EvaluateOptions,
) -> Result<EvaluationReport, EvaluateError> {
    if from > to {
        return Err(EvaluateError::Range { from, to });
    }
    let data = Dataset::load(warehouse, to).await?;
    if let Some((table, date, player)) = data.duplicates.first() {
        return Err(EvaluateError::Duplicates {
            count: data.duplicates.len(),
            example: format!("{table} {date} {player}"),
        });
    }
    let mut report = evaluate_with(&data, from, to, opts)?;
    if let Some(dir) = &opts.out_dir {
        report::write_outputs(&mut report, dir).map_err(|e| EvaluateError::Output(e.to_string()))?;
    }
    Ok(report)
}

/// Per-system accumulators.
#[derive(Default)]
struct SystemAcc {
    all: Tally,
    lined: Tally,
    /// The line as a forecast, on the lined players this system was graded on.
    line: Tally,
    /// The season average, on the players this system was graded on.
    baseline: Tally,
    declined: u64,
    daily: BTreeMap<NaiveDate, Tally>,
}

/// The loop over an [`InputProvider`] (the warehouse's [`Dataset`], or a test's).
pub fn evaluate_with(
    provider: &dyn InputProvider,
    from: NaiveDate,
    to: NaiveDate,
    opts: &EvaluateOptions,
) -> Result<EvaluationReport, EvaluateError> {
    let dates = provider.dates(from, to);
    let mut systems = SystemSet::default();
    let mut last_train: Option<NaiveDate> = None;
    let mut windows = Vec::new();
    let mut accs: BTreeMap<String, SystemAcc> = BTreeMap::new();
    let mut baselines = (Tally::default(), Tally::default());
    // The line as a forecast, per date: the performance ensemble weighs it like a member.
    let mut market: BTreeMap<NaiveDate, Tally> = BTreeMap::new();
    let mut scanner = TargetLeakScanner::default();
    let (mut players, mut unmatched) = (0u64, 0u64);
    for &date in &dates {
        if last_train.is_none_or(|t| (date - t).num_days() >= opts.retrain_every_days.max(1)) {
            let training = provider.training_before(date);
            windows.push(guard::check_training(&training, date)?);
            guard::check_target_leak(&training)?;
            systems = opts
                .factory
                .build(&training, date)
                .map_err(|reason| EvaluateError::Systems { date, reason })?;
            last_train = Some(date);
        }
        let rows = provider.features_on(date);
        check_unique(&rows, date)?;
        let recent = recent_performance(&accs, &market, date, opts.ensemble_window_days);
        for row in &rows {
            players += 1;
            let history = provider.history_before(&row.player_lookup, date);
            guard::check_history(&row.player_lookup, &history, date)?;
            let Some(actual) = provider.actual(&row.player_lookup, date) else {
                // Not in the box score at all: nothing to grade against.
                unmatched += 1;
                continue;
            };
            let actual = actual.actual();
            if let Some(points) = actual.points.filter(|_| !actual.is_dnp) {
                scanner.observe(&row.features, points as f64);
            }
            let line = row.line();
            let season_avg = season_average(&history, date);
            if let Some(avg) = season_avg {
                baselines.0.add(&grade(avg, Recommendation::NoLine, None, &actual));
            }
            if let Some(l) = line {
                let g = grade(l, Recommendation::NoLine, None, &actual);
                baselines.1.add(&g);
                market.entry(date).or_default().add(&g);
            }
            let input = input(row, history, line, recent.clone());
            for (system_id, prediction) in predict_all(&systems, &input) {
                let acc = accs.entry(system_id).or_default();
                let Some(p) = prediction else {
                    acc.declined += 1;
                    continue;
                };
                let rec = recommend(p.predicted_points, p.confidence, line);
                let g = grade(p.predicted_points, rec, line, &actual);
                acc.all.add(&g);
                acc.daily.entry(date).or_default().add(&g);
                if let Some(avg) = season_avg {
                    acc.baseline.add(&grade(avg, Recommendation::NoLine, None, &actual));
                }
                if let Some(l) = line {
                    acc.lined.add(&g);
                    acc.line.add(&grade(l, Recommendation::NoLine, None, &actual));
                }
            }
        }
    }
    scanner.verdict("predicted")?;
    Ok(build_report(
        from, to, &dates, opts, windows, accs, baselines, players, unmatched,
    ))
}

/// Every (date, player) at most once: a duplicated vector would be predicted and graded twice.
fn check_unique(rows: &[FeatureRow], date: NaiveDate) -> Result<(), EvaluateError> {
    let mut seen = BTreeSet::new();
    let dups: Vec<&str> = rows
        .iter()
        .filter(|r| !seen.insert(r.player_lookup.as_str()))
        .map(|r| r.player_lookup.as_str())
        .collect();
    match dups.first() {
        None => Ok(()),
        Some(player) => Err(EvaluateError::Duplicates {
            count: dups.len(),
            example: format!("ml_feature_store {date} {player}"),
        }),
    }
}

/// Base systems, then ensembles over the base predictions; None where a system declined.
fn predict_all(systems: &SystemSet, input: &PredictionInput) -> Vec<(String, Option<SystemPrediction>)> {
    let mut out = Vec::new();
    let mut members = Vec::new();
    for s in &systems.base {
        let p = s.predict(input).ok().filter(|p| p.predicted_points.is_finite());
        if let Some(p) = &p {
            members.push(p.clone());
        }
        out.push((s.system_id().to_string(), p));
    }
    for e in &systems.ensembles {
        let p = e
            .combine(input, &members)
            .ok()
            .filter(|p| p.predicted_points.is_finite());
        out.push((e.system_id().to_string(), p));
    }
    out
}

fn input(
    row: &FeatureRow,
    history: Vec<PastGame>,
    line: Option<f64>,
    recent: BTreeMap<String, RecentPerformance>,
) -> PredictionInput {
    PredictionInput {
        game_date: row.game_date,
        game_id: row.game_id.clone().unwrap_or_default(),
        player_lookup: row.player_lookup.clone(),
        team_tricode: row.team_tricode.clone(),
        opponent_tricode: row.opponent_tricode.clone(),
        is_home: row.is_home(),
        feature_set_version: row.feature_set_version.clone(),
        features: row.features.clone(),
        defaulted: row.defaulted.clone(),
        history,
        line,
        recent_performance: recent,
    }
}

/// First day of the season `date` belongs to (seasons start in October).
pub fn season_start(date: NaiveDate) -> NaiveDate {
    let year = if date.month() >= 8 {
        date.year()
    } else {
        date.year() - 1
    };
    NaiveDate::from_ymd_opt(year, 8, 1).expect("valid date")
}

/// The baseline: mean points of the player's played games this season before `date`.
pub fn season_average(history: &[PastGame], date: NaiveDate) -> Option<f64> {
    let start = season_start(date);
    let points: Vec<f64> = history
        .iter()
        .filter(|g| g.game_date >= start && g.game_date < date)
        .filter_map(|g| match (g.minutes, g.points) {
            (Some(m), Some(p)) if m > 0.0 => Some(p as f64),
            _ => None,
        })
        .collect();
    (!points.is_empty()).then(|| points.iter().sum::<f64>() / points.len() as f64)
}

/// Each system's MAE over its graded predictions of the trailing window before `date`, and
/// the line's ([`nba_systems::ensemble::MARKET_LINE_ID`]), as the platform's worker reads them.
fn recent_performance(
    accs: &BTreeMap<String, SystemAcc>,
    market: &BTreeMap<NaiveDate, Tally>,
    date: NaiveDate,
    window_days: i64,
) -> BTreeMap<String, RecentPerformance> {
    let start = date - chrono::Duration::days(window_days);
    let window = |daily: &BTreeMap<NaiveDate, Tally>| {
        let mut t = Tally::default();
        for (_, day) in daily.range(start..date) {
            t.merge(day);
        }
        let mae = t.mae()?;
        Some(RecentPerformance {
            mae,
            predictions: t.graded,
        })
    };
    let systems = accs
        .iter()
        .filter_map(|(id, acc)| Some((id.clone(), window(&acc.daily)?)));
    let line = window(market).map(|p| (nba_systems::ensemble::MARKET_LINE_ID.to_string(), p));
    systems.chain(line).collect()
}

#[allow(clippy::too_many_arguments)]
fn build_report(
    from: NaiveDate,
    to: NaiveDate,
    dates: &[NaiveDate],
    opts: &EvaluateOptions,
    windows: Vec<guard::TrainingWindow>,
    accs: BTreeMap<String, SystemAcc>,
    baselines: (Tally, Tally),
    players: u64,
    unmatched: u64,
) -> EvaluationReport {
    let mut series = Vec::new();
    let mut systems = Vec::new();
    for (id, acc) in &accs {
        let mut window: Vec<&Tally> = Vec::new();
        for date in dates {
            let day = acc.daily.get(date);
            if let Some(day) = day {
                window.push(day);
            }
            let start = window.len().saturating_sub(opts.rolling_window.max(1));
            let mut rolling = Tally::default();
            for t in &window[start..] {
                rolling.merge(t);
            }
            let day = day.cloned().unwrap_or_default();
            series.push(SeriesPoint {
                date: *date,
                system_id: id.clone(),
                graded: day.graded,
                mae: day.mae(),
                hit_rate: day.hit_rate(),
                rolling_mae: rolling.mae(),
                rolling_hit_rate: rolling.hit_rate(),
            });
        }
        systems.push(SystemReport::new(
            id,
            &acc.all,
            &acc.lined,
            &acc.line,
            &acc.baseline,
            acc.declined,
        ));
    }
    let mut report = EvaluationReport {
        from,
        to,
        dates_evaluated: dates.len(),
        players_evaluated: players,
        players_without_actual: unmatched,
        duplicates: 0,
        retrain_every_days: opts.retrain_every_days,
        rolling_window: opts.rolling_window.max(1),
        training_windows: windows,
        baselines: Baselines {
            season_average_mae: baselines.0.mae(),
            season_average_graded: baselines.0.graded,
            line_mae: baselines.1.mae(),
            line_graded: baselines.1.graded,
        },
        systems,
        series,
        warnings: Vec::new(),
        chart: None,
    };
    report.warnings = report::warnings(&report);
    report
}
