//! The evaluation report: per-system numbers next to the two baselines every
//! system must be judged against (the line itself and the season average), the
//! rolling series behind the chart, and warnings for numbers too good to be true.

use std::fmt::Write as _;
use std::path::Path;

use chrono::NaiveDate;
use serde::Serialize;

use crate::evaluate::chart;
use crate::evaluate::guard::TrainingWindow;
use crate::performance::Tally;

/// Break-even hit rate at −110.
pub const BREAK_EVEN: f64 = 0.524;
/// Above this overall hit rate (on enough picks) a system is almost surely leaking.
pub const SUSPICIOUS_HIT_RATE: f64 = 0.60;
/// Picks needed before a hit rate is judged suspicious.
pub const SUSPICIOUS_MIN_PICKS: u64 = 100;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvaluationReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub dates_evaluated: usize,
    /// Feature vectors predicted on.
    pub players_evaluated: u64,
    /// Vectors whose player has no summary row that day (not graded).
    pub players_without_actual: u64,
    /// (date, player) duplicates found: always 0 in a report (any is an error).
    pub duplicates: u64,
    pub retrain_every_days: i64,
    /// Dates in the rolling window of `series` and the chart.
    pub rolling_window: usize,
    /// Every retrain: its date and the latest training row (strictly before it).
    pub training_windows: Vec<TrainingWindow>,
    pub baselines: Baselines,
    pub systems: Vec<SystemReport>,
    /// Per date and system: the day's and the rolling MAE and hit rate.
    pub series: Vec<SeriesPoint>,
    pub warnings: Vec<String>,
    pub chart: Option<ChartInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Baselines {
    /// Season average before the date, over every graded player that had one.
    pub season_average_mae: Option<f64>,
    pub season_average_graded: u64,
    /// The line as a forecast, over every graded player with a line.
    pub line_mae: Option<f64>,
    pub line_graded: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SystemReport {
    pub system_id: String,
    pub predictions: u64,
    /// Inputs the system declined (not enough history, untrained model…).
    pub declined: u64,
    pub graded: u64,
    pub voids: u64,
    pub mae: Option<f64>,
    pub bias: Option<f64>,
    pub within_3_rate: Option<f64>,
    pub within_5_rate: Option<f64>,
    /// Graded predictions of players with a line, their MAE, and the line's own MAE on them.
    pub lined: u64,
    pub mae_lined: Option<f64>,
    pub line_mae: Option<f64>,
    /// The season-average baseline on the same players.
    pub season_average_mae: Option<f64>,
    pub actionable: u64,
    pub wins: u64,
    pub losses: u64,
    pub pushes: u64,
    /// wins / (wins + losses): PASS, NO_LINE, pushes and voids excluded.
    pub hit_rate: Option<f64>,
}

impl SystemReport {
    pub fn new(id: &str, all: &Tally, lined: &Tally, line: &Tally, baseline: &Tally, declined: u64) -> Self {
        SystemReport {
            system_id: id.to_string(),
            predictions: all.predictions,
            declined,
            graded: all.graded,
            voids: all.voids,
            mae: all.mae(),
            bias: all.bias(),
            within_3_rate: all.within_3_rate(),
            within_5_rate: all.within_5_rate(),
            lined: lined.graded,
            mae_lined: lined.mae(),
            line_mae: line.mae(),
            season_average_mae: baseline.mae(),
            actionable: all.actionable,
            wins: all.wins,
            losses: all.losses,
            pushes: all.pushes,
            hit_rate: all.hit_rate(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesPoint {
    pub date: NaiveDate,
    pub system_id: String,
    pub graded: u64,
    pub mae: Option<f64>,
    pub hit_rate: Option<f64>,
    pub rolling_mae: Option<f64>,
    pub rolling_hit_rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChartInfo {
    pub path: String,
    /// The chart has no text: this is its legend and its axes.
    pub legend: Vec<LegendEntry>,
    pub panels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LegendEntry {
    pub system_id: String,
    pub color: String,
}

/// Numbers that should make a reader doubt the evaluation.
pub fn warnings(report: &EvaluationReport) -> Vec<String> {
    let mut out = Vec::new();
    for s in &report.systems {
        if let Some(hit) = s.hit_rate
            && s.wins + s.losses >= SUSPICIOUS_MIN_PICKS
            && hit > SUSPICIOUS_HIT_RATE
        {
            out.push(format!(
                "{}: hit rate {:.1}% on {} picks is above {:.0}%: good systems sit at 53-56%; look for a leak",
                s.system_id,
                hit * 100.0,
                s.wins + s.losses,
                SUSPICIOUS_HIT_RATE * 100.0
            ));
        }
        if let (Some(mae), Some(line)) = (s.mae_lined, s.line_mae)
            && s.lined >= SUSPICIOUS_MIN_PICKS
            && mae < line * 0.8
        {
            out.push(format!(
                "{}: MAE {mae:.2} on lined players beats the line ({line:.2}) by over 20%: the books are rarely beaten like that; look for a leak",
                s.system_id
            ));
        }
    }
    out
}

fn opt(x: Option<f64>, pct: bool) -> String {
    match x {
        Some(v) if pct => format!("{:.1}%", v * 100.0),
        Some(v) => format!("{v:.2}"),
        None => "-".into(),
    }
}

/// The printed table.
pub fn table(report: &EvaluationReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "walk-forward {}..{}: {} dates, {} players ({} without an actual), retrain every {} days ({} refits)",
        report.from,
        report.to,
        report.dates_evaluated,
        report.players_evaluated,
        report.players_without_actual,
        report.retrain_every_days,
        report.training_windows.len()
    );
    let _ = writeln!(
        s,
        "{:<22} {:>6} {:>6} {:>6} {:>6} {:>7} {:>7} {:>7} {:>7} {:>5} {:>5} {:>5} {:>7}",
        "system", "preds", "graded", "MAE", "bias", "MAE/ln", "lineMAE", "seasAvg", "lined", "W", "L", "P", "hit"
    );
    for r in &report.systems {
        let _ = writeln!(
            s,
            "{:<22} {:>6} {:>6} {:>6} {:>6} {:>7} {:>7} {:>7} {:>7} {:>5} {:>5} {:>5} {:>7}",
            r.system_id,
            r.predictions,
            r.graded,
            opt(r.mae, false),
            opt(r.bias, false),
            opt(r.mae_lined, false),
            opt(r.line_mae, false),
            opt(r.season_average_mae, false),
            r.lined,
            r.wins,
            r.losses,
            r.pushes,
            opt(r.hit_rate, true)
        );
    }
    let b = &report.baselines;
    let _ = writeln!(
        s,
        "baselines: season average MAE {} on {} players; line MAE {} on {} players; break-even {:.1}%; duplicates {}",
        opt(b.season_average_mae, false),
        b.season_average_graded,
        opt(b.line_mae, false),
        b.line_graded,
        BREAK_EVEN * 100.0,
        report.duplicates
    );
    for w in &report.warnings {
        let _ = writeln!(s, "WARNING: {w}");
    }
    s
}

/// Writes `evaluation_{from}_{to}.png` and `.json` under `dir` (the JSON names the chart).
pub fn write_outputs(report: &mut EvaluationReport, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let stem = format!("evaluation_{}_{}", report.from, report.to);
    let png = dir.join(format!("{stem}.png"));
    report.chart = Some(chart::render(report, &png)?);
    let json = serde_json::to_vec_pretty(report)?;
    std::fs::write(dir.join(format!("{stem}.json")), json)?;
    Ok(())
}
