//! `nba chaos`: a backfill replayed under injected faults must end with the same tables as
//! a clean replay of the same days.
//!
//! 1. A clean replay of the range, once per dataset, range and binary ([`clean`]: cached, so
//!    runs with other seeds reuse it).
//! 2. The chaos replay of the same range into its own directory: every message delivered
//!    twice, upstream faults ([`upstream`]), function kills ([`kills`]), state-store
//!    outages ([`outage`]), all drawn from one seeded [`schedule`].
//! 3. The tables compared ([`fingerprint`]), every fault classified and every failed run and
//!    dead-lettered message explained ([`report`]).

pub mod clean;
pub mod fingerprint;
pub mod kills;
pub mod outage;
pub mod report;
pub mod schedule;
pub mod upstream;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::NaiveDate;
use indicatif::ProgressBar;
use nba_core::Config;

use crate::platform::{LocalPlatform, PlatformFaults, PlatformOptions};
use kills::FunctionKills;
use outage::ChaosState;
use schedule::{Rates, Schedule};
use upstream::UpstreamChaos;

/// What `nba chaos` is asked to do.
#[derive(Debug, Clone)]
pub struct ChaosOptions {
    pub seed: u64,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub dataset: PathBuf,
    /// Root under which `chaos/clean-*` and `chaos/seed-*` are kept.
    pub root: PathBuf,
    pub rates: Rates,
    /// The upstream read timeout under chaos (a hang costs this much per attempt).
    pub upstream_read_timeout: Duration,
}

/// The drill's directories under `root`.
pub fn chaos_dir(root: &Path, seed: u64) -> PathBuf {
    root.join("chaos").join(format!("seed-{seed}"))
}

fn config_at(dir: &Path) -> Config {
    Config {
        data_dir: dir.to_path_buf(),
        ..Config::default()
    }
}

/// The drill: clean run (cached), chaos run, comparison, report.
pub async fn run(options: &ChaosOptions, progress: &ProgressBar) -> anyhow::Result<report::ChaosReport> {
    let started = Instant::now();
    let clean = clean::ensure(options, progress).await?;
    let dir = chaos_dir(&options.root, options.seed);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    let schedule = Arc::new(Schedule::new(options.seed, options.rates.clone()));
    let upstream = Arc::new(UpstreamChaos::new(schedule.clone()));
    let kills = Arc::new(FunctionKills::new(schedule.clone()));
    let state_cell: Arc<OnceLock<Arc<ChaosState>>> = Arc::new(OnceLock::new());
    let wrap = {
        let (schedule, kills, cell) = (schedule.clone(), kills.clone(), state_cell.clone());
        Arc::new(
            move |inner: Arc<dyn nba_cloud::StateStore>| -> Arc<dyn nba_cloud::StateStore> {
                let state = Arc::new(ChaosState::new(inner, schedule.clone(), kills.clone()));
                let _ = cell.set(state.clone());
                state
            },
        )
    };
    let config = config_at(&dir);
    let mut platform_options = PlatformOptions::replay(config, options.dataset.clone(), true);
    let lock_ttl = platform_options.config.timeouts.lock_ttl;
    let window = platform_options.delivery.redelivery_window();
    anyhow::ensure!(
        window > lock_ttl,
        "the redelivery window ({window:?}) must outlast the lock TTL ({lock_ttl:?}): a killed holder's lock would dead-letter its batch"
    );
    platform_options.faults = PlatformFaults {
        upstream: Some(upstream.clone()),
        kills: Some(kills.clone()),
        state: Some(wrap),
        upstream_read_timeout: Some(options.upstream_read_timeout),
    };
    progress.set_message(format!("chaos replay, seed {}", options.seed));
    let platform = LocalPlatform::start(platform_options).await?;
    let chaos_started = Instant::now();
    let backfill = crate::backfill::backfill(&platform, options.from, options.to, progress).await;
    let backfill = match backfill {
        Ok(b) => b,
        Err(e) => {
            platform.shutdown().await;
            return Err(e);
        }
    };
    let chaos_elapsed = chaos_started.elapsed();
    progress.set_message("comparing the tables with the clean run's");
    let gathered = async {
        let evidence = report::Evidence::gather(&platform).await?;
        let rows = fingerprint::all_rows(platform.clients.warehouse.as_ref()).await?;
        anyhow::Ok((evidence, rows))
    }
    .await;
    platform.shutdown().await;
    let (evidence, chaos_rows) = gathered?;
    let diffs = fingerprint::compare(&clean.rows, &chaos_rows);
    let fingerprints = fingerprint::fingerprints(&chaos_rows);
    let outages = state_cell.get().map(|s| s.outages()).unwrap_or_default();
    let report = report::ChaosReport::build(report::Inputs {
        seed: options.seed,
        from: options.from,
        to: options.to,
        days: backfill.days_run.len(),
        clean_elapsed: clean.elapsed,
        chaos_elapsed,
        total_elapsed: started.elapsed(),
        upstream: upstream.injected(),
        upstream_ok: &|target| upstream.answered_ok(target),
        kills: kills.ledger(),
        outages,
        evidence,
        diffs,
        fingerprints,
        clean_fingerprints: clean.fingerprints,
        lock_ttl,
    });
    let path = dir.join("chaos-report.json");
    std::fs::write(&path, serde_json::to_string_pretty(&report)?)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(report)
}
