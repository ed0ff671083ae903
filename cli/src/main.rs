//! `nba`: run the pipeline locally, inspect it, query it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use nba_cli::{LocalPlatform, PlatformOptions, run_day, status, table_print, trace};
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
        /// First day of history to replay before `--date` (default: the season's opening
        /// night; days replayed before are skipped). `--from` = `--date` runs one day alone.
        #[arg(long)]
        from: Option<NaiveDate>,
        /// Exit after the summary instead of serving the dashboard until Ctrl-C (scripts, tests).
        #[arg(long)]
        no_serve: bool,
        /// Run the date through its games too (box scores, grading of tonight's picks). By
        /// default it stops before tip, as tonight looks: picks published, yesterday graded.
        #[arg(long)]
        through_games: bool,
    },
    /// Walk-forward evaluation of every prediction system over a date range: the
    /// season is replayed first (resumable), then each date is predicted from what was
    /// known before it and graded. Prints, and writes JSON + a PNG chart to `--out`.
    Evaluate {
        #[arg(long)]
        from: NaiveDate,
        #[arg(long)]
        to: NaiveDate,
        /// Season dataset (another season's directory works the same way). Its replay
        /// is kept under `<data dir>/eval/<dataset name>` unless --data-dir is given.
        #[arg(long, default_value = "data/season-2024-25")]
        dataset: PathBuf,
        #[arg(long, default_value = "evaluation")]
        out: PathBuf,
    },
    /// Train the gradient-boosted tree systems on every feature vector before `--to`
    /// and store them as versioned artifacts in the models bucket.
    Train {
        #[arg(long)]
        to: NaiveDate,
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
    /// Chaos drill: replay `--from..=--to` clean (kept for reuse), then again with every
    /// message delivered twice, upstream faults, killed requests and state-store outages
    /// drawn from `--seed`; fails unless nothing is lost, every table equals the clean run's
    /// and every failed run and dead letter is explained. Writes chaos-report.json.
    Chaos {
        #[arg(long)]
        seed: u64,
        #[arg(long)]
        from: NaiveDate,
        #[arg(long)]
        to: NaiveDate,
        #[arg(long, default_value = "data/season-2024-25")]
        dataset: PathBuf,
    },
    /// Serve the dashboard and the API over the published documents of an earlier run
    /// (nothing is run), until Ctrl-C.
    Serve {
        #[arg(long, default_value_t = 8090)]
        port: u16,
    },
    /// Print a day: per-function runs, failures and latency, the coverage SLO, data
    /// freshness per table, the execution log and the phase-transition decisions.
    Status {
        #[arg(long)]
        date: NaiveDate,
    },
    /// Print a day's chain from the execution log: every function its correlation id went
    /// through, from the first workflow tick to the published JSON (exit 1 when a link is
    /// missing or a run about the day started a chain of its own).
    Trace {
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
    /// Write the BigQuery table files generated from the schema registry, and the JSON
    /// Schemas of the published API documents.
    Schemas {
        #[arg(long, default_value = "terraform/schemas")]
        write: PathBuf,
        /// Where the JSON Schemas of the published API documents go.
        #[arg(long, default_value = nba_publishing::schemas::API_SCHEMA_DIR)]
        api: PathBuf,
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
    /// Benchmark: every prediction system for `--players` players (trees trained first).
    #[command(hide = true)]
    BenchPredict {
        #[arg(long, default_value_t = 450)]
        players: usize,
    },
    /// Benchmark: the published API on loopback (a cached document, a filtered query).
    #[command(hide = true)]
    BenchApi {
        #[arg(long, default_value_t = 4000)]
        requests: usize,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// Players on the synthetic slate (3 systems each).
        #[arg(long, default_value_t = 250)]
        players: usize,
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
            from,
            no_serve,
            through_games,
        } => {
            let date = date.unwrap_or_else(nba_core::time::today_et);
            let options = RunOptions {
                date,
                from,
                dataset,
                duplicate_deliveries,
                serve: !no_serve,
                end: if through_games {
                    nba_cli::DayEnd::AfterGames
                } else {
                    nba_cli::DayEnd::BeforeTip
                },
            };
            run(config, options).await
        }
        Command::Evaluate { from, to, dataset, out } => {
            let mut config = config;
            if cli.data_dir.is_none() {
                // A dataset path without a name (".") would share one replay between seasons.
                let name = dataset
                    .canonicalize()
                    .ok()
                    .and_then(|p| p.file_name().map(|n| n.to_string_lossy().to_string()))
                    .with_context(|| format!("dataset {} has no directory name", dataset.display()))?;
                config.data_dir = config.data_dir.join("eval").join(name);
            }
            evaluate(config, from, to, dataset, out).await
        }
        Command::Backfill {
            from,
            to,
            dataset,
            duplicate_deliveries,
        } => backfill(config, from, to, dataset, duplicate_deliveries).await,
        Command::Chaos {
            seed,
            from,
            to,
            dataset,
        } => chaos(&config, seed, from, to, dataset).await,
        Command::Train { to } => {
            let cloud = nba_cloud::embedded::LocalCloud::open(&config.env_dir(), Default::default())?;
            let clients = cloud.clients();
            let bucket = config.names().bucket(nba_core::Bucket::Models);
            let report = nba_cli::train::train(clients.warehouse.as_ref(), clients.objects, &bucket, to).await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { port } => {
            let env_dir = config.env_dir();
            anyhow::ensure!(
                env_dir.join("warehouse.duckdb").exists(),
                "nothing published under {} yet: run `nba run` first",
                env_dir.display()
            );
            let cloud = nba_cloud::embedded::LocalCloud::open(&env_dir, Default::default())?;
            let router = nba_publishing::api_router(&cloud.clients(), &config)?;
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
            let url = format!("http://{}/", listener.local_addr()?);
            println!("dashboard  {url}\nAPI        {url}v1/openapi.json\nserving until Ctrl-C");
            nba_runtime::serve_on(listener, router, nba_runtime::server::shutdown_signal()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Status { date } => {
            let warehouse = open_warehouse(&config)?;
            let metrics = status::function_metrics(&warehouse, date).await?;
            print!("{}", status::render_metrics(date, &metrics));
            let coverage = status::coverage(&warehouse, date).await?;
            print!("\n{}", status::render_coverage(date, &coverage));
            let freshness = status::freshness(&warehouse, date).await?;
            print!("\n{}", status::render_freshness(date, &freshness));
            let rows = status::day_log(&warehouse, date).await?;
            println!();
            print!("{}", status::render(date, &rows));
            let transitions = status::transition_log(&warehouse, date).await?;
            print!("\n{}", status::render_transitions(date, &transitions));
            Ok(ExitCode::SUCCESS)
        }
        Command::Trace { date } => {
            let warehouse = open_warehouse(&config)?;
            let t = trace::trace(&warehouse, date).await?;
            print!("{}", trace::render(&t));
            Ok(if t.is_complete() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
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
        Command::Schemas { write, api } => {
            for path in nba_schemas::bigquery::write_all(&write)? {
                println!("wrote {}", write.join(path).display());
            }
            for path in nba_publishing::schemas::write_all(&api)? {
                println!("wrote {}", path.display());
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
        Command::BenchPredict { players } => {
            let result = nba_cli::bench::prediction_throughput(players)?;
            println!("{}", serde_json::to_string(&result)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::BenchApi {
            requests,
            concurrency,
            players,
        } => {
            let dir = std::env::temp_dir().join(format!("nba-bench-api-{}", std::process::id()));
            let result = nba_cli::bench::api_throughput(&dir, requests, concurrency, players).await;
            std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
            for route in result? {
                println!("{}", serde_json::to_string(&route)?);
            }
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
    open_warehouse_at(&config.env_dir())
}

fn open_warehouse_at(env_dir: &std::path::Path) -> anyhow::Result<DuckDbWarehouse> {
    let path = env_dir.join("warehouse.duckdb");
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
    let (_, _traces) = log_to_file(&data_dir)?;
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

async fn chaos(
    config: &Config,
    seed: u64,
    from: NaiveDate,
    to: NaiveDate,
    dataset: PathBuf,
) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(from <= to, "--from {from} is after --to {to}");
    let root = config.data_dir.clone();
    let (_, _traces) = log_to_file(&root.join("chaos"))?;
    let options = nba_cli::chaos::ChaosOptions {
        seed,
        from,
        to,
        dataset,
        root: root.clone(),
        rates: nba_cli::chaos::schedule::Rates::drill(),
        upstream_read_timeout: std::time::Duration::from_secs(3),
    };
    let progress = progress_bar("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} days, eta {eta} {msg}");
    let report = nba_cli::chaos::run(&options, &progress).await?;
    progress.finish_and_clear();
    print!("{}", report.render());
    println!(
        "report: {}",
        nba_cli::chaos::chaos_dir(&root, seed)
            .join("chaos-report.json")
            .display()
    );
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The season's opening night for `date` in `dataset`.
fn opening_night(dataset: &std::path::Path, date: NaiveDate) -> anyhow::Result<Option<NaiveDate>> {
    let season = nba_replay::Dataset::open(dataset).with_context(|| format!("opening {}", dataset.display()))?;
    Ok(season.opening_night(date))
}

/// Replays the season's history up to the day before `date` (resumable), so the day
/// itself runs with the rolling features and graded results a live day would have.
async fn replay_history(
    platform: &LocalPlatform,
    from: NaiveDate,
    date: NaiveDate,
) -> anyhow::Result<nba_cli::backfill::BackfillReport> {
    let Some(last) = date.pred_opt().filter(|d| *d >= from) else {
        return Ok(Default::default());
    };
    let progress = progress_bar("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} days of history, eta {eta} {msg}");
    nba_cli::backfill::backfill(platform, from, last, &progress).await
}

/// What `nba run` was asked to do.
struct RunOptions {
    date: NaiveDate,
    from: Option<NaiveDate>,
    dataset: PathBuf,
    duplicate_deliveries: bool,
    /// Keep serving the dashboard after the summary, until Ctrl-C.
    serve: bool,
    /// How far into `date` the run goes.
    end: nba_cli::DayEnd,
}

async fn run(config: Config, options: RunOptions) -> anyhow::Result<ExitCode> {
    let RunOptions {
        date,
        from,
        dataset,
        duplicate_deliveries,
        serve,
        end,
    } = options;
    let from = match from {
        Some(from) => from,
        None => opening_night(&dataset, date)?.unwrap_or(date),
    };
    let data_dir = config.env_dir();
    let (log_file, _traces) = log_to_file(&data_dir)?;
    let options = PlatformOptions::replay(config, dataset, duplicate_deliveries);
    let platform = LocalPlatform::start(options).await?;
    let result = async {
        let history = replay_history(&platform, from, date).await?;
        let progress = progress_bar("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}");
        let report = run_day(&platform, date, end, &progress).await?;
        anyhow::Ok((history, report))
    }
    .await;
    let (history, report) = match result {
        Ok(done) => done,
        Err(e) => {
            platform.shutdown().await;
            return Err(e);
        }
    };
    if !history.days_run.is_empty() || !history.days_skipped.is_empty() {
        print!("{}", history.render());
    }
    print!("{}", report.render(&data_dir));
    println!("  function logs {} (Cloud Logging JSON lines)", log_file.display());
    let code = if report.succeeded() && history.failures().is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    };
    if serve {
        let url = &platform.api_url;
        println!("\ndashboard  {url}");
        println!("API        {url}v1/predictions/{date}.json   {url}v1/openapi.json");
        println!("serving until Ctrl-C (nba run --no-serve exits here)");
        nba_runtime::server::shutdown_signal().await;
    }
    platform.shutdown().await;
    Ok(code)
}

async fn evaluate(
    config: Config,
    from: NaiveDate,
    to: NaiveDate,
    dataset: PathBuf,
    out: PathBuf,
) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(from <= to, "--from {from} is after --to {to}");
    let opening = opening_night(&dataset, from)?
        .with_context(|| format!("{} has no regular season before {from}", dataset.display()))?;
    let data_dir = config.env_dir();
    let (_, _traces) = log_to_file(&data_dir)?;
    let platform = LocalPlatform::start(PlatformOptions::replay(config, dataset, false)).await?;
    let progress = progress_bar("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} days replayed, eta {eta} {msg}");
    let replay = nba_cli::backfill::backfill(&platform, opening, to, &progress).await;
    platform.shutdown().await;
    let replay = replay?;
    print!("{}", replay.render());
    anyhow::ensure!(
        replay.failures().is_empty(),
        "the replay had failures: not evaluating on incomplete data"
    );
    // Read-write: the evaluator reads through the declared tables (which ensures them).
    let path = data_dir.join("warehouse.duckdb");
    let warehouse = DuckDbWarehouse::open(&path).with_context(|| format!("opening {}", path.display()))?;
    let opts = nba_grading::evaluate::EvaluateOptions {
        out_dir: Some(out.clone()),
        ..Default::default()
    };
    let report = nba_grading::evaluate::evaluate(&warehouse, from, to, &opts).await?;
    print!("{}", nba_grading::evaluate::report::table(&report));
    println!("written to {}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// The functions run in this process: their structured logs go to a file, so the
/// terminal shows progress and the summary. Spans go where `NBA_TRACES` says: `file`
/// writes them as JSON lines to `logs/spans.jsonl` beside the logs; `stdout`, `otlp` and
/// `off` (default) as for a function binary (see `nba_runtime::telemetry`).
fn log_to_file(data_dir: &std::path::Path) -> anyhow::Result<(PathBuf, nba_runtime::logging::Traces)> {
    use nba_runtime::telemetry::{self, TRACES_VAR, TraceExport};
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let dir = data_dir.join("logs");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let open = |name: &str| {
        let path = dir.join(name);
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))
            .map(|file| (path, file))
    };
    let (path, file) = open("functions.jsonl")?;
    let export = match std::env::var(TRACES_VAR).unwrap_or_default().trim() {
        "file" => TraceExport::JsonLines(Box::new(open("spans.jsonl")?.1)),
        other => TraceExport::parse(other)?,
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("NBA_LOG").unwrap_or_else(|_| "info".into());
    let layer = nba_runtime::logging::CloudLoggingLayer::new("nba-run", None, std::sync::Mutex::new(file));
    let registry = tracing_subscriber::registry().with(filter).with(layer);
    let traces = match telemetry::layer(export, "nba-run")? {
        Some((otel, provider)) => {
            registry.with(otel).try_init()?;
            Some(provider)
        }
        None => {
            registry.try_init()?;
            None
        }
    };
    Ok((path, nba_runtime::logging::Traces(traces)))
}
