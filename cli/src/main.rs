//! `nba`: run the pipeline locally, inspect it, query it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use nba_cli::{LocalPlatform, PlatformOptions, run_day, status, table_print};
use nba_cloud::Warehouse;
use nba_cloud::embedded::DuckDbWarehouse;
use nba_core::Config;

#[derive(Parser)]
#[command(
    name = "nba",
    version,
    about = "NBA player-prop pipeline: local runs, status and queries"
)]
struct Cli {
    /// Root of the embedded cloud's files (overrides NBA_DATA_DIR).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a day's pipeline through the local cloud against the replay upstream.
    Run {
        /// ET game date (default: today in ET).
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Season dataset the replay upstream serves.
        #[arg(long, default_value = "data/season-2024-25")]
        dataset: PathBuf,
        /// Deliver every message and event twice (idempotency drill).
        #[arg(long)]
        duplicate_deliveries: bool,
    },
    /// Replay a date range through the scrapers and raw processors (resumable: days
    /// finished by an earlier run are skipped).
    Backfill {
        #[arg(long)]
        from: NaiveDate,
        #[arg(long)]
        to: NaiveDate,
        #[arg(long, default_value = "data/season-2024-25")]
        dataset: PathBuf,
        /// Deliver every message and event twice (idempotency drill).
        #[arg(long)]
        duplicate_deliveries: bool,
    },
    /// Print the execution log of a day.
    Status {
        #[arg(long)]
        date: NaiveDate,
    },
    /// Run a read-only SQL query on the local warehouse.
    Query {
        sql: String,
        /// Print JSON lines instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Write the BigQuery table files generated from the schema registry.
    Schemas {
        #[arg(long, default_value = "terraform/schemas")]
        write: PathBuf,
    },
    /// Benchmark: scrape throughput against the replay upstream (rate limiter off).
    #[command(hide = true)]
    BenchScrape {
        #[arg(long, default_value = "2025-01-10")]
        date: NaiveDate,
        #[arg(long, default_value = "data/season-2024-25")]
        dataset: PathBuf,
        /// Scrape calls to make.
        #[arg(long, default_value_t = 200)]
        requests: usize,
        /// Calls in flight at once.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
    },
    /// Benchmark: resolve a file's worth of player names in one batched query.
    #[command(hide = true)]
    BenchResolve {
        #[arg(long, default_value = "data/season-2024-25")]
        dataset: PathBuf,
        #[arg(long, default_value_t = 450)]
        names: usize,
    },
    /// Serve a season dataset in the real upstream endpoint shapes.
    ReplayServer {
        #[arg(long, default_value = "data/season-2024-25")]
        dataset: PathBuf,
        #[arg(long, default_value_t = 8089)]
        port: u16,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn config(cli_data_dir: &Option<PathBuf>) -> anyhow::Result<Config> {
    let mut config = Config::from_env()?;
    if let Some(dir) = cli_data_dir {
        config.data_dir = dir.clone();
    }
    Ok(config)
}

async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = config(&cli.data_dir)?;
    match cli.command {
        Command::Run {
            date,
            dataset,
            duplicate_deliveries,
        } => {
            run(
                config,
                date.unwrap_or_else(nba_core::time::today_et),
                dataset,
                duplicate_deliveries,
            )
            .await
        }
        Command::Backfill {
            from,
            to,
            dataset,
            duplicate_deliveries,
        } => backfill(config, from, to, dataset, duplicate_deliveries).await,
        Command::Status { date } => {
            let warehouse = open_warehouse(&config)?;
            let rows = status::day_log(&warehouse, date).await?;
            print!("{}", status::render(date, &rows));
            let transitions = status::transition_log(&warehouse, date).await?;
            print!("\n{}", status::render_transitions(date, &transitions));
            Ok(ExitCode::SUCCESS)
        }
        Command::Query { sql, json } => {
            let warehouse = open_warehouse(&config)?;
            let rows = warehouse.query(&sql, Vec::new()).await?;
            if json {
                for row in &rows {
                    println!("{}", serde_json::to_string(row)?);
                }
            } else {
                print!("{}", table_print::render(&table_print::columns_of(&rows), &rows));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Schemas { write } => {
            for path in nba_schemas::bigquery::write_all(&write)? {
                println!("wrote {}", write.join(path).display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::BenchScrape {
            date,
            dataset,
            requests,
            concurrency,
        } => {
            let options = PlatformOptions::replay(config, dataset, false);
            let platform = LocalPlatform::start(options).await?;
            let result = nba_cli::bench::scrape_throughput(&platform, date, requests, concurrency).await?;
            platform.shutdown().await;
            println!("{}", serde_json::to_string(&result)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::BenchResolve { dataset, names } => {
            let result = nba_cli::bench::name_resolution(&dataset, names).await?;
            println!("{}", serde_json::to_string(&result)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::ReplayServer { dataset, port } => {
            let app = nba_replay::router(nba_replay::Dataset::open(&dataset)?);
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
            println!(
                "replay upstream for {} on http://{}/",
                dataset.display(),
                listener.local_addr()?
            );
            axum::serve(listener, app)
                .with_graceful_shutdown(nba_runtime::server::shutdown_signal())
                .await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn open_warehouse(config: &Config) -> anyhow::Result<DuckDbWarehouse> {
    let path = config.env_dir().join("warehouse.duckdb");
    anyhow::ensure!(
        path.exists(),
        "no local warehouse at {} yet: run `nba run` first",
        path.display()
    );
    DuckDbWarehouse::open_read_only(&path).with_context(|| format!("opening {}", path.display()))
}

fn progress_bar(template: &str) -> ProgressBar {
    let progress = ProgressBar::new(1);
    progress.set_style(ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()));
    progress.enable_steady_tick(std::time::Duration::from_millis(100));
    progress
}

async fn backfill(
    config: Config,
    from: NaiveDate,
    to: NaiveDate,
    dataset: PathBuf,
    duplicate_deliveries: bool,
) -> anyhow::Result<ExitCode> {
    let progress = progress_bar("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} days, eta {eta} {msg}");
    progress.set_message("starting the local cloud, the functions and the replay upstream");
    let data_dir = config.env_dir();
    log_to_file(&data_dir)?;
    let options = PlatformOptions::replay(config, dataset, duplicate_deliveries);
    let platform = LocalPlatform::start(options).await?;
    let report = nba_cli::backfill::backfill(&platform, from, to, &progress).await;
    platform.shutdown().await;
    let report = report?;
    print!("{}", report.render());
    Ok(if report.failures().is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn run(
    config: Config,
    date: NaiveDate,
    dataset: PathBuf,
    duplicate_deliveries: bool,
) -> anyhow::Result<ExitCode> {
    let progress = progress_bar("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}");
    progress.set_message("starting the local cloud, the functions and the replay upstream");
    let data_dir = config.env_dir();
    let log_file = log_to_file(&data_dir)?;
    let options = PlatformOptions::replay(config, dataset, duplicate_deliveries);
    let platform = LocalPlatform::start(options).await?;
    let report = run_day(&platform, date, &progress).await?;
    platform.shutdown().await;
    print!("{}", report.render(&data_dir));
    println!("  function logs {} (Cloud Logging JSON lines)", log_file.display());
    Ok(if report.succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The functions run in this process: their structured logs go to a file, so the
/// terminal shows progress and the summary.
fn log_to_file(data_dir: &std::path::Path) -> anyhow::Result<PathBuf> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let dir = data_dir.join("logs");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join("functions.jsonl");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("NBA_LOG").unwrap_or_else(|_| "info".into());
    let layer = nba_runtime::logging::CloudLoggingLayer::new("nba-run", None, std::sync::Mutex::new(file));
    tracing_subscriber::registry().with(filter).with(layer).try_init()?;
    Ok(path)
}
