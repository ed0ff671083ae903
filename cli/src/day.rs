//! One day through the local platform, and its summary.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use indicatif::ProgressBar;
use nba_core::CorrelationId;
use nba_execlog::ExecutionLogRow;

use crate::platform::LocalPlatform;

/// Scrapers a day runs, in order. (The declarative workflow of phase 1 will decide this.)
pub const DAY_SCRAPERS: &[&str] = &["nbac_schedule"];

/// What a day's run did.
#[derive(Debug, Clone)]
pub struct DayReport {
    pub date: NaiveDate,
    pub correlation_id: CorrelationId,
    /// Scraper name → the scrape function's HTTP status and answer.
    pub scrapes: Vec<(String, serde_json::Value)>,
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
        for (scraper, result) in &self.scrapes {
            let status = result["http_status"].as_u64().unwrap_or(0);
            if !(200..300).contains(&status) {
                failures.push(format!("scraper {scraper}: HTTP {status}: {}", result["answer"]));
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

/// Runs the day's scrapers and waits for everything they trigger to settle.
pub async fn run_day(platform: &LocalPlatform, date: NaiveDate, progress: &ProgressBar) -> anyhow::Result<DayReport> {
    let started = Instant::now();
    let correlation_id = CorrelationId::new();
    let mut scrapes = Vec::new();
    progress.set_length((DAY_SCRAPERS.len() + 1) as u64);
    for scraper in DAY_SCRAPERS {
        progress.set_message(format!("scraping {scraper}"));
        let result = platform.scrape(scraper, date, &correlation_id).await?;
        scrapes.push((scraper.to_string(), result));
        progress.inc(1);
    }
    progress.set_message("processing raw objects");
    platform.settle().await;
    progress.inc(1);
    progress.finish_and_clear();
    Ok(DayReport {
        date,
        executions: platform.executions(&correlation_id).await?,
        correlation_id,
        scrapes,
        dead_lettered: platform.dead_lettered(),
        elapsed: started.elapsed(),
    })
}
