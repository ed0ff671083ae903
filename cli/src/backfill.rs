//! `nba backfill --from D1 --to D2`: replays a date range through the same
//! functions and events as a live day (workflow ticks → scrapers → raw objects →
//! finalize events → raw processors), one day after another.
//!
//! Resumable: each finished day is recorded in the state store
//! (`backfill_days/{date}`), and a later run skips it. A day with failures is not
//! recorded, so the next run retries it.

use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use indicatif::ProgressBar;
use serde_json::json;

use crate::day::{DayEnd, DayReport, run_day};
use crate::platform::LocalPlatform;

pub const COLLECTION: &str = "backfill_days";

/// What a backfill did.
#[derive(Debug, Default)]
pub struct BackfillReport {
    pub days_run: Vec<DayReport>,
    /// Days a previous run had finished.
    pub days_skipped: Vec<NaiveDate>,
    pub elapsed: Duration,
}

impl BackfillReport {
    pub fn failures(&self) -> Vec<String> {
        self.days_run
            .iter()
            .flat_map(|d| d.failures().into_iter().map(move |f| format!("{}: {f}", d.date)))
            .collect()
    }

    /// Function runs, raw objects scraped, and rows the raw processors wrote.
    pub fn totals(&self) -> (usize, i64, i64) {
        let (mut runs, mut objects, mut rows) = (0, 0, 0);
        for e in self.days_run.iter().flat_map(|d| &d.executions) {
            runs += 1;
            match e.function_name.as_str() {
                "scrapers" if e.status == "success" => objects += 1,
                nba_raw::RAW_PROCESSOR_FUNCTION => rows += e.rows_written,
                _ => {}
            }
        }
        (runs, objects, rows)
    }

    pub fn render(&self) -> String {
        let (runs, objects, rows) = self.totals();
        let secs = self.elapsed.as_secs_f64();
        let per_sec = |n: i64| if secs > 0.0 { n as f64 / secs } else { 0.0 };
        let mut out = format!(
            "\nbackfill: {} day(s) run, {} skipped (done before); {runs} function runs; \
             {objects} raw objects scraped, {rows} raw rows written; {secs:.1} s \
             ({:.1} objects/s, {:.0} raw rows/s)\n",
            self.days_run.len(),
            self.days_skipped.len(),
            per_sec(objects),
            per_sec(rows),
        );
        let failures = self.failures();
        out.push_str(&format!("failures: {}\n", failures.len()));
        for f in failures.iter().take(50) {
            out.push_str(&format!("  ✗ {f}\n"));
        }
        out
    }
}

/// Runs every day in `from..=to` not finished before.
pub async fn backfill(
    platform: &LocalPlatform,
    from: NaiveDate,
    to: NaiveDate,
    progress: &ProgressBar,
) -> anyhow::Result<BackfillReport> {
    anyhow::ensure!(from <= to, "--from {from} is after --to {to}");
    let started = Instant::now();
    let days: Vec<NaiveDate> = from.iter_days().take_while(|d| *d <= to).collect();
    progress.set_length(days.len() as u64);
    let state = platform.clients.state.as_ref();
    let mut report = BackfillReport::default();
    for date in days {
        let id = date.to_string();
        if state.get(COLLECTION, &id).await?.is_some() {
            report.days_skipped.push(date);
            progress.inc(1);
            continue;
        }
        progress.set_message(format!("{date}"));
        let day = run_day(platform, date, DayEnd::AfterGames, &ProgressBar::hidden()).await?;
        if day.succeeded() {
            let record = json!({
                "correlation_id": day.correlation_id.to_string(),
                "function_runs": day.executions.len(),
                "finished_at": Utc::now(),
            });
            state.set(COLLECTION, &id, record, None).await?;
        }
        report.days_run.push(day);
        progress.inc(1);
    }
    progress.finish_and_clear();
    report.elapsed = started.elapsed();
    Ok(report)
}
