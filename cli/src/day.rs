//! One day through the local platform, and its summary.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use indicatif::ProgressBar;
use nba_core::CorrelationId;
use nba_execlog::ExecutionLogRow;

use crate::platform::LocalPlatform;

/// What a day's run did.
#[derive(Debug, Clone)]
pub struct DayReport {
    pub date: NaiveDate,
    pub correlation_id: CorrelationId,
    /// Workflow ticks: (simulated instant, the workflow function's HTTP status and answer).
    pub ticks: Vec<(DateTime<Utc>, serde_json::Value)>,
    pub executions: Vec<ExecutionLogRow>,
    pub dead_lettered: u64,
    pub elapsed: Duration,
}

impl DayReport {
    /// Failures that were not recovered: permanent failures, scrapes that did not
    /// answer 2xx. (A transient failure redelivered to success is not one; one that
    /// never recovered ends in a dead-letter topic and is counted there.)
    pub fn failures(&self) -> Vec<String> {
        let mut failures: Vec<String> = self
            .executions
            .iter()
            .filter(|e| e.status == "failed" && e.error_class.as_deref() != Some("transient"))
            .map(|e| {
                format!(
                    "{} {}: {}",
                    e.function_name,
                    e.execution_id,
                    e.error_message.as_deref().or(e.message.as_deref()).unwrap_or("failed")
                )
            })
            .collect();
        for (at, result) in &self.ticks {
            let status = result["http_status"].as_u64().unwrap_or(0);
            if !(200..300).contains(&status) {
                failures.push(format!("workflow tick at {at}: HTTP {status}: {}", result["answer"]));
            }
            let decisions = result["answer"]["decisions"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            for d in decisions.iter().filter(|d| d["decision"] == "run") {
                if !matches!(d["scraper_status"].as_str(), Some("success" | "no_data")) {
                    failures.push(format!("scraper {} at {at}: {}", d["scraper"], d["scraper_status"]));
                }
            }
        }
        if self.dead_lettered > 0 {
            failures.push(format!("{} message(s) dead-lettered", self.dead_lettered));
        }
        failures
    }

    pub fn succeeded(&self) -> bool {
        self.failures().is_empty()
    }

    /// A text summary: per function, runs by status and rows.
    pub fn render(&self, data_dir: &std::path::Path) -> String {
        #[derive(Default)]
        struct Tally {
            runs: u64,
            by_status: BTreeMap<String, u64>,
            read: i64,
            written: i64,
            unchanged: i64,
            rejected: i64,
        }
        let mut per_function: BTreeMap<&str, Tally> = BTreeMap::new();
        for e in &self.executions {
            let t = per_function.entry(&e.function_name).or_default();
            t.runs += 1;
            *t.by_status.entry(e.status.clone()).or_default() += 1;
            t.read += e.rows_read;
            t.written += e.rows_written;
            t.unchanged += e.rows_unchanged;
            t.rejected += e.rows_rejected;
        }
        let mut out = format!(
            "\nnba run {} — correlation id {} — {:.2} s\n\n",
            self.date,
            self.correlation_id,
            self.elapsed.as_secs_f64()
        );
        out.push_str(&format!(
            "{:<16} {:>5}  {:<34} {:>9} {:>9} {:>9} {:>9}\n",
            "function", "runs", "statuses", "read", "written", "unchanged", "rejected"
        ));
        for (name, t) in &per_function {
            let statuses = t
                .by_status
                .iter()
                .map(|(s, n)| format!("{s}={n}"))
                .collect::<Vec<_>>()
                .join(" ");
            out.push_str(&format!(
                "{:<16} {:>5}  {:<34} {:>9} {:>9} {:>9} {:>9}\n",
                name, t.runs, statuses, t.read, t.written, t.unchanged, t.rejected
            ));
        }
        let failures = self.failures();
        out.push_str(&format!(
            "\nfunctions run: {}   failures: {}\n",
            self.executions.len(),
            failures.len()
        ));
        for f in &failures {
            out.push_str(&format!("  ✗ {f}\n"));
        }
        let dir = data_dir.display();
        out.push_str(&format!(
            "\ndata: {dir}\n  warehouse   {dir}/warehouse.duckdb   (nba query \"SELECT …\")\n  raw objects {dir}/objects/\n  messages    {dir}/pubsub/*.jsonl\n  log         nba status --date {}\n",
            self.date
        ));
        out
    }
}

/// When the workflow ticks on a replayed day: the morning, two hours before the
/// first tip (lines and props are current), and four hours after the last tip
/// (box scores are final), or, with [`DayEnd::BeforeTip`], stops before the games. A day
/// without games stops after the morning. The day ends with the scheduled export of its
/// documents (phase 6).
/// How far into its date a replayed day goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayEnd {
    /// Through the night: box scores, grading, the next day's caches (history, backfill).
    AfterGames,
    /// Tonight as a user sees it before tip: the picks published, yesterday's results latest
    /// (`nba run`'s last day, unless `--through-games`).
    BeforeTip,
}

pub async fn run_day(
    platform: &LocalPlatform,
    date: NaiveDate,
    end: DayEnd,
    progress: &ProgressBar,
) -> anyhow::Result<DayReport> {
    let started = Instant::now();
    let correlation_id = CorrelationId::new();
    let mut ticks = Vec::new();
    progress.set_message(format!("{date} retraining the tree models if a week old"));
    platform.retrain_if_stale(date).await?;
    progress.set_length(3);
    let morning = nba_core::time::et_midnight_utc(date) + chrono::Duration::hours(9);
    progress.set_message(format!("{date} 09:00 ET: reference data"));
    ticks.push((morning, platform.tick(date, morning, &correlation_id).await?));
    platform.settle().await;
    progress.inc(1);
    if let Some((first_tip, last_tip)) = platform.tips(date).await? {
        let pre_tip = first_tip - chrono::Duration::hours(2);
        progress.set_message(format!(
            "{date} 2 h before the first tip: scoreboards, odds events, player props"
        ));
        ticks.push((pre_tip, platform.tick(date, pre_tip, &correlation_id).await?));
        platform.settle().await;
        if platform.lines_deadline(date, &correlation_id).await? {
            platform.settle().await;
        }
        progress.inc(1);
        if end == DayEnd::BeforeTip {
            return finish(platform, date, correlation_id, ticks, started, progress).await;
        }
        let post = last_tip + chrono::Duration::hours(4);
        progress.set_message(format!("{date} after the games: box scores and game logs"));
        ticks.push((post, platform.tick(date, post, &correlation_id).await?));
        platform.settle().await;
        progress.set_message(format!("{date} grading tonight's predictions"));
        platform.grade(date, &correlation_id).await?;
        platform.settle().await;
    }
    finish(platform, date, correlation_id, ticks, started, progress).await
}

/// The day's scheduled export (phase 6), then its report.
async fn finish(
    platform: &LocalPlatform,
    date: NaiveDate,
    correlation_id: CorrelationId,
    ticks: Vec<(chrono::DateTime<chrono::Utc>, serde_json::Value)>,
    started: Instant,
    progress: &ProgressBar,
) -> anyhow::Result<DayReport> {
    progress.set_message(format!("{date} publishing the day's documents"));
    platform.export(date, &correlation_id).await?;
    platform.settle().await;
    progress.inc(1);
    progress.finish_and_clear();
    Ok(DayReport {
        date,
        executions: platform.executions(&correlation_id).await?,
        correlation_id,
        ticks,
        dead_lettered: platform.dead_lettered(),
        elapsed: started.elapsed(),
    })
}
