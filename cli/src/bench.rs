//! Benchmarks that need the whole local platform.

use std::time::Instant;

use chrono::NaiveDate;
use futures::StreamExt;
use nba_core::CorrelationId;
use serde::Serialize;

use crate::platform::LocalPlatform;

#[derive(Debug, Serialize)]
pub struct ScrapeThroughput {
    pub requests: usize,
    pub concurrency: usize,
    pub succeeded: usize,
    pub seconds: f64,
    pub objects_per_second: f64,
}

/// Scrapes through the real scraper function against the replay upstream (rate limiter
/// off): a mix of per-game box scores, the scoreboard and the game log of `date`,
/// `requests` calls with `concurrency` in flight. Each success writes one raw object.
pub async fn scrape_throughput(
    platform: &LocalPlatform,
    date: NaiveDate,
    requests: usize,
    concurrency: usize,
) -> anyhow::Result<ScrapeThroughput> {
    // Load the schedule first so the per-game scrapes have game ids.
    let correlation_id = CorrelationId::new();
    platform.scrape("nbac_schedule", date, &[], &correlation_id).await?;
    platform.settle().await;
    let games = platform.game_ids(date).await?;
    anyhow::ensure!(!games.is_empty(), "no games on {date} to scrape");
    // Box scores are final only after the games: move the replay clock past them.
    if let Some((_, last_tip)) = platform.tips(date).await? {
        platform.set_replay_clock(last_tip + chrono::Duration::hours(4)).await?;
    }
    let mix: Vec<(&str, Vec<(&str, String)>)> = (0..requests)
        .map(|i| match i % 4 {
            0 => ("nbac_scoreboard_v2", vec![]),
            1 => ("nbac_gamelog_players", vec![]),
            _ => ("nbac_live_boxscore", vec![("game_id", games[i % games.len()].clone())]),
        })
        .collect();
    let started = Instant::now();
    let succeeded = futures::stream::iter(mix)
        .map(|(scraper, extra)| {
            let correlation_id = correlation_id.clone();
            async move {
                let extra: Vec<(&str, &str)> = extra.iter().map(|(k, v)| (*k, v.as_str())).collect();
                platform.scrape(scraper, date, &extra, &correlation_id).await
            }
        })
        .buffer_unordered(concurrency.max(1))
        .filter(|r| {
            let ok = matches!(r, Ok(v) if v["http_status"] == 200);
            async move { ok }
        })
        .count()
        .await;
    let seconds = started.elapsed().as_secs_f64();
    platform.settle().await;
    Ok(ScrapeThroughput {
        requests,
        concurrency,
        succeeded,
        seconds,
        objects_per_second: succeeded as f64 / seconds,
    })
}

#[derive(Debug, Serialize)]
pub struct NameResolution {
    pub registry_players: usize,
    pub names: usize,
    pub resolved: usize,
    pub via_alias: u64,
    pub unresolved: usize,
    pub queries: u64,
    pub milliseconds: f64,
}

/// Resolves `names` player names (one file's worth, e.g. a slate's props) against a
/// registry built from the season's player game logs, on the embedded warehouse:
/// how many queries, how long. A third of the names are alias variants or unknown.
pub async fn name_resolution(dataset: &std::path::Path, names: usize) -> anyhow::Result<NameResolution> {
    use nba_identity::{NameUse, PlayerSighting, Resolver};
    let warehouse = nba_cloud::embedded::DuckDbWarehouse::open_in_memory()?;
    let resolver = Resolver::new(&warehouse);
    resolver.prepare().await?;
    let players = season_players(dataset)?;
    let sightings: Vec<PlayerSighting> = players
        .iter()
        .map(|(id, name)| PlayerSighting {
            player_id: *id,
            display_name: name.clone(),
            team_tricode: None,
            season: "2024-25".into(),
            game_date: None,
        })
        .collect();
    resolver
        .register(&sightings, "bench", &nba_cloud::writer::WriteContext::default())
        .await?;
    let aliases = nba_identity::aliases::SEED_ALIASES;
    let uses: Vec<NameUse> = (0..names)
        .map(|i| match i % 6 {
            // An alias variant, an unknown name, and four registry names (accents/case varied).
            0 => NameUse::new(aliases[i / 6 % aliases.len()].0, 2),
            1 => NameUse::new(&format!("Unknown Player {i}"), 2),
            _ => NameUse::new(&players[i % players.len()].1.to_uppercase(), 2),
        })
        .collect();
    let before = resolver.queries();
    let started = Instant::now();
    let resolution = resolver.resolve(&uses).await?;
    let milliseconds = started.elapsed().as_secs_f64() * 1000.0;
    Ok(NameResolution {
        registry_players: players.len(),
        names,
        resolved: resolution.canonical.len(),
        via_alias: resolution.via_alias,
        unresolved: resolution.unresolved.len(),
        queries: resolver.queries() - before,
        milliseconds,
    })
}

/// (player id, name) of every player in the dataset's game logs.
fn season_players(dataset: &std::path::Path) -> anyhow::Result<Vec<(i64, String)>> {
    use std::io::BufRead;
    let path = dataset.join("player_game_logs.csv.gz");
    let file = std::fs::File::open(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
    let mut seen = std::collections::BTreeMap::new();
    for line in reader.lines().skip(1) {
        let line = line?;
        let mut cols = line.splitn(3, ',');
        let (Some(name), Some(id)) = (cols.next(), cols.next()) else {
            continue;
        };
        if let Ok(id) = id.parse::<i64>() {
            seen.entry(id).or_insert_with(|| name.to_string());
        }
    }
    Ok(seen.into_iter().collect())
}

#[derive(Debug, Serialize)]
pub struct PredictionThroughput {
    pub players: usize,
    pub systems: usize,
    pub predictions: usize,
    pub failed: usize,
    pub seconds: f64,
    pub predictions_per_second: f64,
    pub training_rows: usize,
    pub training_seconds: f64,
}

/// Runs every system (both tree models trained first) for `players` players with a
/// season of history each, as a worker would: predictions per second of one core.
pub fn prediction_throughput(players: usize) -> anyhow::Result<PredictionThroughput> {
    use nba_systems::{GbtParams, Models, PastGame, PredictionInput, standard_systems, train_artifact};
    let day = NaiveDate::from_ymd_opt(2025, 1, 10).expect("valid date");
    // A feature vector that varies by player (deterministic), around the contract defaults.
    let vector = |p: usize| -> std::collections::BTreeMap<String, f64> {
        nba_features::FEATURES
            .iter()
            .enumerate()
            .map(|(i, f)| {
                (
                    f.name.to_string(),
                    f.default * (0.6 + ((p * 7 + i * 13) % 9) as f64 / 10.0),
                )
            })
            .collect()
    };
    let rows: Vec<(Vec<f64>, f64)> = (0..5000)
        .map(|r| {
            let v = vector(r);
            let y = v["points_avg_last_10"] + ((r % 11) as f64 - 5.0);
            (nba_systems::gbt::contract_row(&v).expect("contract row"), y)
        })
        .collect();
    let started = Instant::now();
    let (from, to) = (day - chrono::Duration::days(80), day - chrono::Duration::days(1));
    let squared = train_artifact("gbt_squared", &rows, &GbtParams::squared(), from, to)?;
    let huber = train_artifact("gbt_huber", &rows, &GbtParams::huber(), from, to)?;
    let training_seconds = started.elapsed().as_secs_f64();
    let (base, ensembles) = standard_systems(&Models::new(Some(squared), Some(huber))?);
    let inputs: Vec<PredictionInput> = (0..players)
        .map(|p| PredictionInput {
            game_date: day,
            game_id: format!("00224{:05}", p / 15),
            player_lookup: format!("player{p}"),
            team_tricode: "BOS".into(),
            opponent_tricode: "NYK".into(),
            is_home: p % 2 == 0,
            feature_set_version: nba_features::FEATURE_SET_VERSION.into(),
            features: vector(p),
            defaulted: Vec::new(),
            history: (0..40)
                .map(|g| PastGame {
                    game_date: day - chrono::Duration::days(80 - 2 * g),
                    opponent_tricode: ["NYK", "MIA", "LAL", "DEN"][(g as usize + p) % 4].into(),
                    is_home: g % 2 == 0,
                    minutes: Some(30.0),
                    points: Some(10 + ((g as usize * 3 + p) % 20) as i64),
                    days_rest: Some(1 + g % 3),
                    points_line: Some(18.5),
                })
                .collect(),
            line: Some(18.5),
            recent_performance: Default::default(),
        })
        .collect();
    let started = Instant::now();
    let (mut predictions, mut failed) = (0, 0);
    for input in &inputs {
        let mut members = Vec::new();
        for s in &base {
            match s.predict(input) {
                Ok(p) => members.push(p),
                Err(_) => failed += 1,
            }
        }
        predictions += members.len();
        for e in &ensembles {
            match e.combine(input, &members) {
                Ok(_) => predictions += 1,
                Err(_) => failed += 1,
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok(PredictionThroughput {
        players,
        systems: base.len() + ensembles.len(),
        predictions,
        failed,
        seconds,
        predictions_per_second: predictions as f64 / seconds.max(1e-9),
        training_rows: rows.len(),
        training_seconds,
    })
}

/// Load on one API route.
#[derive(Debug, Serialize)]
pub struct ApiLoad {
    pub route: String,
    pub path: String,
    pub requests: usize,
    pub concurrency: usize,
    pub ok: usize,
    pub seconds: f64,
    pub requests_per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// The published API under load on loopback: a synthetic slate of `players` players ×
/// 3 systems is seeded and exported by the real exporter into a fresh local cloud under
/// `dir`, then `requests` GETs with `concurrency` in flight go to a cached document and
/// to a filtered warehouse query (gzip accepted, as a browser does).
pub async fn api_throughput(
    dir: &std::path::Path,
    requests: usize,
    concurrency: usize,
    players: usize,
) -> anyhow::Result<Vec<ApiLoad>> {
    use nba_publishing::fixture;
    let config = nba_core::Config {
        data_dir: dir.to_path_buf(),
        ..nba_core::Config::default()
    };
    let cloud = nba_cloud::embedded::LocalCloud::open(&config.env_dir(), Default::default())?;
    let clients = cloud.clients();
    for schema in nba_schemas::registry() {
        clients.warehouse.ensure_table(schema).await?;
    }
    fixture::seed(
        clients.warehouse.as_ref(),
        1.0,
        players.saturating_sub(fixture::PLAYERS.len()),
    )
    .await?;
    let bucket = config.names().bucket(nba_core::Bucket::Api);
    let exporter = nba_publishing::Exporter::new(clients.clone(), bucket);
    exporter.export(fixture::slate_date(), chrono::Utc::now()).await?;
    let router = nba_publishing::api_router(&clients, &config)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}/", listener.local_addr()?);
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let date = fixture::slate_date();
    let routes = [
        ("cached document", format!("v1/predictions/{date}.json")),
        (
            "filtered query",
            format!("v1/predictions?date={date}&system=moving_average"),
        ),
    ];
    nba_core::tls::install_crypto_provider();
    let http = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build()?;
    let mut out = Vec::new();
    for (route, path) in routes {
        let url = format!("{base}{path}");
        // Warm up: connections, the document cache, DuckDB's first plans.
        load(&http, &url, concurrency * 2, concurrency).await;
        let started = Instant::now();
        let mut latencies = load(&http, &url, requests, concurrency).await;
        let seconds = started.elapsed().as_secs_f64();
        let ok = latencies.len();
        latencies.sort_by(f64::total_cmp);
        let at = |q: f64| {
            latencies
                .get(((ok as f64 * q).ceil() as usize).saturating_sub(1))
                .copied()
                .unwrap_or(f64::NAN)
        };
        out.push(ApiLoad {
            route: route.to_string(),
            path,
            requests,
            concurrency,
            ok,
            seconds,
            requests_per_second: ok as f64 / seconds,
            p50_ms: at(0.50),
            p99_ms: at(0.99),
            max_ms: latencies.last().copied().unwrap_or(f64::NAN),
        });
    }
    server.abort();
    Ok(out)
}

/// `requests` GETs of `url`, `concurrency` in flight; the latency (ms) of each 200.
async fn load(http: &reqwest::Client, url: &str, requests: usize, concurrency: usize) -> Vec<f64> {
    futures::stream::iter(0..requests)
        .map(|_| async {
            let started = Instant::now();
            let response = http.get(url).send().await.ok()?;
            let ok = response.status().is_success();
            response.bytes().await.ok()?;
            ok.then(|| started.elapsed().as_secs_f64() * 1000.0)
        })
        .buffer_unordered(concurrency.max(1))
        .filter_map(|latency| async move { latency })
        .collect()
        .await
}
