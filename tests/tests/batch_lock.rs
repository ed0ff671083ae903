//! Batch mode under the per-date lock, with real concurrency: thirty props files
//! for one date land at once (each write fires a finalize event that the local
//! Eventarc pushes to the raw processor over HTTP), and thirty more deliveries of
//! the same objects are posted concurrently on top. Every prop row must be
//! written exactly once. Repeated over 20 dates per run.

mod common;

use std::time::Duration;

use bytes::Bytes;
use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use common::bundled_season;
use futures::future::join_all;
use nba_cli::{DeliveryPolicy, LocalPlatform, PlatformOptions};
use nba_cloud::ports::object_store::PutOptions;
use nba_core::{Bucket, Config};
use serde_json::{Value, json};

const FILES: usize = 30;
const PLAYERS: usize = 5;
const BOOKS: [&str; 2] = ["draftkings", "fanduel"];
const TEAMS: [(&str, &str); 6] = [
    ("Boston Celtics", "New York Knicks"),
    ("Denver Nuggets", "Los Angeles Lakers"),
    ("Miami Heat", "Chicago Bulls"),
    ("Phoenix Suns", "Golden State Warriors"),
    ("Dallas Mavericks", "Utah Jazz"),
    ("Orlando Magic", "Atlanta Hawks"),
];

fn options(dir: &std::path::Path) -> PlatformOptions {
    PlatformOptions {
        config: Config {
            data_dir: dir.to_path_buf(),
            ..Config::default()
        },
        dataset: bundled_season(),
        duplicate_deliveries: false,
        delivery: DeliveryPolicy {
            min_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(500),
            max_attempts: 20,
            ack_deadline: Duration::from_secs(60),
        },
        workflow_toml: nba_scrapers::workflow::WorkflowFile::REPLAY,
        faults: Default::default(),
    }
}

/// An Odds API event-odds answer (player points) for event `i` of `date`: PLAYERS
/// players × both books × Over/Under, lines differing by player.
fn event_odds(date: NaiveDate, i: usize) -> (String, Value) {
    let id = format!("{:032x}", (date.ordinal() as usize) * 1000 + i + 1);
    let (home, away) = TEAMS[i % TEAMS.len()];
    // 19:30 ET tip: 00:30 UTC the next day.
    let commence = Utc.from_utc_datetime(&date.succ_opt().unwrap().and_hms_opt(0, 30, 0).unwrap());
    let outcomes: Vec<Value> = (0..PLAYERS)
        .flat_map(|p| {
            let player = format!("Batch Player {i} {p}");
            let line = 10.5 + p as f64 * 3.0 + (i % 4) as f64;
            [
                json!({"name": "Over", "description": player, "price": -115, "point": line}),
                json!({"name": "Under", "description": player, "price": -105, "point": line}),
            ]
        })
        .collect();
    let bookmakers: Vec<Value> = BOOKS
        .iter()
        .map(|b| {
            json!({"key": b, "title": b, "markets": [
                {"key": "player_points", "last_update": commence.to_rfc3339(), "outcomes": outcomes}
            ]})
        })
        .collect();
    let body = json!({
        "id": id, "sport_key": "basketball_nba", "sport_title": "NBA",
        "commence_time": commence.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "home_team": home, "away_team": away, "bookmakers": bookmakers,
    });
    (id, body)
}

async fn count(platform: &LocalPlatform, sql: &str) -> i64 {
    let rows = platform.clients.warehouse.query(sql, vec![]).await.unwrap();
    rows[0].values().next().unwrap().as_i64().unwrap()
}

/// A finalize CloudEvent in binary mode, as Eventarc delivers it.
async fn deliver(http: &reqwest::Client, url: &url::Url, meta: &nba_cloud::ObjectMeta, n: usize) -> u16 {
    let data = json!({
        "bucket": meta.bucket, "name": meta.name, "generation": meta.generation.to_string(),
        "contentType": meta.content_type, "metadata": meta.metadata,
    });
    http.post(url.clone())
        .header("ce-id", format!("dup-{}-{n}", meta.name))
        .header(
            "ce-source",
            format!("//storage.googleapis.com/projects/_/buckets/{}", meta.bucket),
        )
        .header("ce-type", "google.cloud.storage.object.v1.finalized")
        .header("ce-specversion", "1.0")
        .header("ce-subject", format!("objects/{}", meta.name))
        .header("content-type", "application/json")
        .body(data.to_string())
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

async fn one_date(platform: &LocalPlatform, http: &reqwest::Client, date: NaiveDate) {
    let bucket = platform.names.bucket(Bucket::Raw);
    let raw_url = platform.function_url("raw_processor").unwrap();
    // Thirty files written at once: thirty finalize events pushed concurrently.
    let puts = (0..FILES).map(|i| {
        let (id, body) = event_odds(date, i);
        let key = format!(
            "odds-api/player-props/{date}/{id}/{}_170000.json",
            date.format("%Y%m%d")
        );
        let objects = platform.clients.objects.clone();
        let bucket = bucket.clone();
        async move {
            let opts = PutOptions {
                content_type: "application/json".into(),
                ..Default::default()
            };
            objects
                .put(&bucket, &key, Bytes::from(body.to_string()), opts)
                .await
                .unwrap()
        }
    });
    let metas = join_all(puts).await;
    // And a second delivery of each, concurrently, straight to the function.
    let statuses = join_all(metas.iter().enumerate().map(|(n, m)| deliver(http, &raw_url, m, n))).await;
    platform.settle().await;
    // A 2xx, or a 503 asking for redelivery while another delivery holds the date
    // (never a 500: that would be a bug, not contention).
    assert!(
        statuses.iter().all(|s| (200..300).contains(s) || *s == 503),
        "{statuses:?}"
    );

    let table = "nba_raw.odds_api_player_props";
    let day = format!("game_date = DATE '{date}'");
    let expected = (FILES * PLAYERS * BOOKS.len() * 2) as i64;
    assert_eq!(
        count(platform, &format!("SELECT count(*) FROM {table} WHERE {day}")).await,
        expected,
        "{date}"
    );
    let distinct = count(
        platform,
        &format!(
            "SELECT count(*) FROM (SELECT DISTINCT event_id, bookmaker, market, player_lookup, side, snapshot_at \
             FROM {table} WHERE {day})"
        ),
    )
    .await;
    assert_eq!(distinct, expected, "every row exactly once on {date}");
    let rejected = count(
        platform,
        &format!("SELECT count(*) FROM nba_raw.rejected_rows WHERE target_table = '{table}' AND source_file LIKE '%/{date}/%'"),
    )
    .await;
    assert_eq!(rejected, 0, "{date}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_concurrent_deliveries_write_each_row_once() {
    let dir = tempfile::tempdir().unwrap();
    let platform = LocalPlatform::start(options(dir.path())).await.unwrap();
    nba_core::tls::install_crypto_provider();
    let http = reqwest::Client::new();
    let first = NaiveDate::from_ymd_opt(2025, 2, 1).unwrap();
    for date in first.iter_days().take(20) {
        one_date(&platform, &http, date).await;
    }
    assert_eq!(platform.dead_lettered(), 0);
    platform.shutdown().await;
}
