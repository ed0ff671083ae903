//! Measures the runtime with the conformance binary:
//!
//! * cold start: spawn → first 2xx answer (median of 10 runs);
//! * concurrency: 1,000 simultaneous requests to `conformance_sleep` (each sleeps 1 s) against
//!   the time of one request. The conformance suite wants the burst done in under twice the
//!   single-request time.
//!
//! `cargo run --release -p nba-runtime --example bench_runtime`; the binary is
//! `$FUNCTIONS_CONFORMANCE_BIN`, else `<target-dir>/release/functions-conformance` (built
//! first if absent). Prints one JSON object.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

const CONCURRENCY: usize = 1000;

fn binary() -> anyhow::Result<PathBuf> {
    if let Ok(path) = std::env::var("FUNCTIONS_CONFORMANCE_BIN") {
        return Ok(PathBuf::from(path));
    }
    // This example lives in <target-dir>/release/examples/; the binary is one level up.
    let exe = std::env::current_exe()?;
    let release = exe
        .parent()
        .and_then(|examples| examples.parent())
        .context("cannot locate the target directory")?;
    let bin = release.join("functions-conformance");
    if !bin.exists() {
        let status = Command::new(env!("CARGO"))
            .args([
                "build",
                "--release",
                "-p",
                "nba-runtime",
                "--bin",
                "functions-conformance",
            ])
            .status()?;
        if !status.success() {
            bail!("building functions-conformance failed");
        }
    }
    Ok(bin)
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(bin: &PathBuf, target: &str, port: u16, dir: &std::path::Path) -> anyhow::Result<Server> {
    let child = Command::new(bin)
        .current_dir(dir)
        .env("FUNCTION_TARGET", target)
        .env("PORT", port.to_string())
        .env("HOST", "127.0.0.1")
        .env("NBA_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("spawning {}", bin.display()))?;
    Ok(Server(child))
}

/// Spawn → first 2xx, polling as fast as the connection is refused.
async fn cold_start(bin: &PathBuf, client: &reqwest::Client, dir: &std::path::Path) -> anyhow::Result<Duration> {
    let port = free_port()?;
    let url = format!("http://127.0.0.1:{port}/");
    let started = Instant::now();
    let _server = spawn(bin, "conformance_http", port, dir)?;
    loop {
        if let Ok(resp) = client.post(&url).body("PASS").send().await
            && resp.status().is_success()
        {
            return Ok(started.elapsed());
        }
        if started.elapsed() > Duration::from_secs(10) {
            bail!("no 2xx within 10 s");
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    nba_runtime::server::raise_open_file_limit();
    let bin = binary()?;
    let dir = tempfile::tempdir()?;
    nba_core::tls::install_crypto_provider();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .timeout(Duration::from_secs(30))
        .build()?;

    let mut cold = Vec::new();
    for _ in 0..10 {
        cold.push(cold_start(&bin, &reqwest::Client::new(), dir.path()).await?);
    }
    cold.sort();
    let median = (cold[4] + cold[5]) / 2;

    let port = free_port()?;
    let url = format!("http://127.0.0.1:{port}/");
    let _server = spawn(&bin, "conformance_sleep", port, dir.path())?;
    let ready = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        if ready.elapsed() > Duration::from_secs(10) {
            bail!("conformance_sleep did not start");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let started = Instant::now();
    let single = client.get(&url).send().await?;
    anyhow::ensure!(
        single.status().is_success(),
        "single request answered {}",
        single.status()
    );
    let single_time = started.elapsed();

    let started = Instant::now();
    let requests = (0..CONCURRENCY).map(|_| {
        let client = client.clone();
        let url = url.clone();
        async move { client.get(&url).send().await.map(|r| r.status().is_success()) }
    });
    let results = futures::future::join_all(requests).await;
    let burst = started.elapsed();
    let ok = results.iter().filter(|r| matches!(r, Ok(true))).count();

    let report = serde_json::json!({
        "cold_start_ms": {"median": ms(median), "min": ms(cold[0]), "max": ms(cold[9]), "runs": 10},
        "concurrency": {
            "requests": CONCURRENCY,
            "succeeded": ok,
            "single_request_ms": ms(single_time),
            "total_wall_ms": ms(burst),
            "ratio_to_single": (burst.as_secs_f64() / single_time.as_secs_f64() * 100.0).round() / 100.0,
            "under_2x_single": burst < single_time * 2,
        },
    });
    println!("{report}");
    Ok(())
}
