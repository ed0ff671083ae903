//! The clean replay every chaos run is compared with: no faults, single deliveries.
//!
//! Kept under `chaos/clean-{key}`, the key a digest of the dataset, the range and the
//! binary (its path, size and modification time): runs with other seeds, or later runs
//! of the same binary, reuse it; a rebuilt binary replays it again.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::ProgressBar;
use nba_cloud::embedded::DuckDbWarehouse;
use serde::{Deserialize, Serialize};
use sha2::Digest;

use super::ChaosOptions;
use super::fingerprint::{self, TableFingerprint};
use crate::platform::{LocalPlatform, PlatformOptions};

/// A finished clean replay.
pub struct CleanRun {
    pub env_dir: PathBuf,
    /// Canonical rows of every compared table.
    pub rows: BTreeMap<String, Vec<String>>,
    pub fingerprints: Vec<TableFingerprint>,
    /// How long the replay took (when it was run, not reused, this time).
    pub elapsed: Option<Duration>,
}

/// Written when the clean replay finished without failures.
#[derive(Debug, Serialize, Deserialize)]
struct Done {
    key: String,
    days: usize,
    elapsed_secs: f64,
    fingerprints: Vec<TableFingerprint>,
}

const DONE_FILE: &str = "clean-run.json";

/// The cache key of a clean replay.
fn key(options: &ChaosOptions) -> anyhow::Result<String> {
    let dataset = options
        .dataset
        .canonicalize()
        .with_context(|| format!("dataset {}", options.dataset.display()))?;
    let exe = std::env::current_exe().context("locating the running binary")?;
    let meta = std::fs::metadata(&exe).with_context(|| format!("reading {}", exe.display()))?;
    let modified = meta
        .modified()
        .ok()
        .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    let material = format!(
        "{}|{}|{}|{}|{}|{modified}",
        dataset.display(),
        options.from,
        options.to,
        exe.display(),
        meta.len()
    );
    Ok(hex::encode(&sha2::Sha256::digest(material.as_bytes())[..8]))
}

/// The clean replay of the range, run now unless a finished one is kept.
pub async fn ensure(options: &ChaosOptions, progress: &ProgressBar) -> anyhow::Result<CleanRun> {
    let key = key(options)?;
    let dir = options.root.join("chaos").join(format!("clean-{key}"));
    let config = super::config_at(&dir);
    let env_dir = config.env_dir();
    let done_path = dir.join(DONE_FILE);
    if let Ok(text) = std::fs::read_to_string(&done_path)
        && let Ok(done) = serde_json::from_str::<Done>(&text)
    {
        let warehouse = DuckDbWarehouse::open_read_only(&env_dir.join("warehouse.duckdb"))
            .context("opening the kept clean run's warehouse")?;
        let rows = fingerprint::all_rows(&warehouse).await?;
        let fingerprints = fingerprint::fingerprints(&rows);
        anyhow::ensure!(
            fingerprints == done.fingerprints,
            "the kept clean run in {} changed since it finished: remove it",
            dir.display()
        );
        return Ok(CleanRun {
            env_dir,
            rows,
            fingerprints,
            elapsed: None,
        });
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    progress.set_message("clean replay (kept for the next seeds)");
    let started = Instant::now();
    let platform = LocalPlatform::start(PlatformOptions::replay(config, options.dataset.clone(), false)).await?;
    let result = async {
        let report = crate::backfill::backfill(&platform, options.from, options.to, progress).await?;
        let rows = fingerprint::all_rows(platform.clients.warehouse.as_ref()).await?;
        anyhow::Ok((report, rows))
    }
    .await;
    platform.shutdown().await;
    let (report, rows) = result?;
    let failures = report.failures();
    anyhow::ensure!(
        failures.is_empty(),
        "the clean replay failed, so there is nothing to compare with:\n  {}",
        failures.join("\n  ")
    );
    let elapsed = started.elapsed();
    let fingerprints = fingerprint::fingerprints(&rows);
    let done = Done {
        key,
        days: report.days_run.len(),
        elapsed_secs: elapsed.as_secs_f64(),
        fingerprints: fingerprints.clone(),
    };
    std::fs::write(&done_path, serde_json::to_string_pretty(&done)?)
        .with_context(|| format!("writing {}", done_path.display()))?;
    Ok(CleanRun {
        env_dir,
        rows,
        fingerprints,
        elapsed: Some(elapsed),
    })
}
