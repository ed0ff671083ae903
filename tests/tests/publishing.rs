//! Phase 6 through the local platform: a small slate is graded and exported by the real
//! functions (over Pub/Sub push), every published document validates against its
//! schema in `events/api/`, a re-export writes nothing, a day below the coverage gate
//! publishes a status instead of picks, and the API serves it all over HTTP.

mod common;

use std::collections::BTreeMap;

use common::schema_errors;
use nba_cli::LocalPlatform;
use nba_core::{Bucket, CorrelationId};
use nba_publishing::fixture::{slate_date, slate_prediction_count};
use serde_json::Value;

/// The schema of a published object, by its name.
fn schema_of(name: &str) -> &'static str {
    let rel = name.trim_start_matches("v1/");
    match rel.split('/').next().unwrap_or_default() {
        "predictions" => "api/predictions.schema.json",
        "best-bets" => "api/best-bets.schema.json",
        "results" => "api/results.schema.json",
        "players" => "api/player.schema.json",
        "systems" => "api/systems-performance.schema.json",
        "status.json" => "api/status.schema.json",
        other => panic!("unexpected published object {name} ({other})"),
    }
}

async fn published(platform: &LocalPlatform) -> BTreeMap<String, (i64, Value)> {
    let bucket = platform.names.bucket(Bucket::Api);
    let mut out = BTreeMap::new();
    for meta in platform.clients.objects.list(&bucket, "v1/").await.unwrap() {
        let body = platform.clients.objects.get(&bucket, &meta.name).await.unwrap();
        out.insert(
            meta.name.clone(),
            (meta.generation, serde_json::from_slice(&body).unwrap()),
        );
    }
    out
}

async fn exports(platform: &LocalPlatform, correlation_id: &CorrelationId) -> Vec<nba_execlog::ExecutionLogRow> {
    platform
        .executions(correlation_id)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.function_name == nba_publishing::EXPORT_FUNCTION)
        .collect()
}

fn raw_client() -> reqwest::Client {
    // No transparent decompression: the test reads Content-Encoding itself.
    nba_core::tls::install_crypto_provider();
    reqwest::Client::builder().no_gzip().build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_is_published_validated_served_and_reexported_idempotently() {
    let dir = tempfile::tempdir().unwrap();
    let (platform, chain) = common::published_slate(dir.path()).await;
    // status.json accounts every function the platform serves to a phase (or to phase 6).
    for f in platform.functions() {
        let phased = nba_publishing::export::status::PHASES
            .iter()
            .any(|(_, functions)| functions.contains(&f.name.as_str()));
        assert!(
            phased || nba_publishing::FUNCTIONS.contains(&f.name.as_str()),
            "{} is in no phase of status.json",
            f.name
        );
    }
    let failed: Vec<_> = platform
        .executions(&chain)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.status == "failed")
        .map(|e| (e.function_name, e.error_message))
        .collect();
    assert_eq!(platform.dead_lettered(), 0, "{failed:?}");

    let docs = published(&platform).await;
    let names: Vec<&str> = docs.keys().map(String::as_str).collect();
    for expected in [
        "v1/predictions/2025-01-10.json",
        "v1/predictions/today.json",
        "v1/best-bets/2025-01-10.json",
        "v1/results/2025-01-09.json",
        "v1/results/latest.json",
        "v1/players/jaysontatum.json",
        "v1/players/nikolajokic.json",
        "v1/systems/performance.json",
        "v1/status.json",
    ] {
        assert!(names.contains(&expected), "{expected} missing from {names:?}");
    }
    for (name, (_, doc)) in &docs {
        let errors = schema_errors(schema_of(name), doc);
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }

    // The slate: both games, every player and system, published.
    let today = &docs["v1/predictions/today.json"].1;
    assert_eq!(today, &docs["v1/predictions/2025-01-10.json"].1);
    assert_eq!(today["game_date"], "2025-01-10");
    assert_eq!(today["publication"], "published");
    let games = today["games"].as_array().unwrap();
    assert_eq!(
        games.iter().map(|g| g["game_id"].as_str().unwrap()).collect::<Vec<_>>(),
        ["0022400561", "0022400562"]
    );
    let predictions: usize = games
        .iter()
        .flat_map(|g| g["players"].as_array().unwrap())
        .map(|p| p["predictions"].as_array().unwrap().len())
        .sum();
    assert_eq!(predictions, slate_prediction_count());

    // Best bets: actionable picks only, by decreasing edge.
    let picks = docs["v1/best-bets/2025-01-10.json"].1["picks"]
        .as_array()
        .unwrap()
        .clone();
    assert!(!picks.is_empty());
    let edges: Vec<f64> = picks.iter().map(|p| p["edge"].as_f64().unwrap().abs()).collect();
    assert!(edges.windows(2).all(|w| w[0] >= w[1]), "{edges:?}");
    assert!(
        picks
            .iter()
            .all(|p| p["recommendation"] == "OVER" || p["recommendation"] == "UNDER")
    );

    // Results: the night before, graded by the real grading function.
    let latest = &docs["v1/results/latest.json"].1;
    assert_eq!(latest["game_date"], "2025-01-09");
    let summary = &latest["summary"];
    assert_eq!(summary["graded"], slate_prediction_count());
    let actionable = latest["picks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["is_actionable"] == true)
        .count();
    assert_eq!(summary["actionable"], actionable);
    assert!(summary["mae"].as_f64().unwrap() > 0.0);

    // A player's story: the older game, last night's (graded), tonight's (to play).
    let tatum = &docs["v1/players/jaysontatum.json"].1;
    let dates: Vec<&str> = tatum["games"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["game_date"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2025-01-07", "2025-01-09", "2025-01-10"]);
    assert_eq!(tatum["games"][1]["points"], 31);
    assert!(tatum["games"][1]["predictions"][0]["outcome"].is_string());
    assert!(tatum["games"][2]["points"].is_null());

    // Status: grading has not run for the slate's date, and says so.
    let status = &docs["v1/status.json"].1;
    assert_eq!(status["game_date"], "2025-01-10");
    let missing = status["missing"].to_string();
    assert!(missing.contains("not graded yet"), "{missing}");

    // Every export wrote its execution-log row.
    let runs = exports(&platform, &chain).await;
    assert!(runs.len() >= 2, "{runs:?}");
    assert!(runs.iter().all(|r| r.status == "success"), "{runs:?}");

    // A re-export of an unchanged day writes nothing: same generations, 0 rows written.
    let again = CorrelationId::new();
    platform.export(slate_date(), &again).await.unwrap();
    platform.settle().await;
    let rerun = exports(&platform, &again).await;
    assert_eq!(rerun.len(), 1);
    assert_eq!(rerun[0].rows_written, 0, "{:?}", rerun[0].message);
    assert!(rerun[0].rows_unchanged >= 9);
    let after = published(&platform).await;
    let generations = |m: &BTreeMap<String, (i64, Value)>| m.iter().map(|(k, v)| (k.clone(), v.0)).collect::<Vec<_>>();
    assert_eq!(generations(&after), generations(&docs));

    serve_over_http(&platform).await;

    // A day below the gate: its games, no picks, and a status that says what is missing.
    let thin: chrono::NaiveDate = "2025-01-11".parse().unwrap();
    let w = platform.clients.warehouse.as_ref();
    nba_cloud::writer::write_rows(
        w,
        &[nba_publishing::fixture::coverage_row(thin, 0.5)],
        &Default::default(),
    )
    .await
    .unwrap();
    platform.export(thin, &again).await.unwrap();
    platform.settle().await;
    let docs = published(&platform).await;
    let withheld = &docs["v1/predictions/2025-01-11.json"].1;
    assert_eq!(withheld["publication"], "withheld");
    assert!(
        withheld["games"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["players"].as_array().unwrap().is_empty())
    );
    assert!(
        docs["v1/best-bets/2025-01-11.json"].1["picks"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let status = &docs["v1/status.json"].1;
    assert_eq!(status["publication"], "withheld");
    assert!(
        status["missing"]
            .to_string()
            .contains("players predicted (50%), below the 80% publishing gate"),
        "{}",
        status["missing"]
    );
    for (name, (_, doc)) in &docs {
        assert!(schema_errors(schema_of(name), doc).is_empty(), "{name}");
    }
    let withheld_runs = exports(&platform, &again).await;
    assert!(withheld_runs.iter().any(|r| r.status == "partial"), "{withheld_runs:?}");

    // Re-exporting an older date never moves the pointers back.
    platform.export(slate_date(), &again).await.unwrap();
    platform.settle().await;
    assert_eq!(
        published(&platform).await["v1/predictions/today.json"].1["game_date"],
        "2025-01-11"
    );
    platform.shutdown().await;
}

/// The API over the published slate: documents with validators, compression and
/// caching; filtered queries; clear 400s; CORS and security headers.
async fn serve_over_http(platform: &LocalPlatform) {
    let api = platform.api_url.clone();
    let http = raw_client();
    let get = |path: &str| http.get(api.join(path).unwrap());

    let doc = get("v1/predictions/2025-01-10.json")
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(doc.status(), 200);
    let header = |r: &reqwest::Response, h: &str| r.headers().get(h).map(|v| v.to_str().unwrap().to_string());
    assert_eq!(header(&doc, "content-encoding").as_deref(), Some("gzip"));
    assert_eq!(header(&doc, "cache-control").as_deref(), Some("public, max-age=300"));
    assert_eq!(header(&doc, "access-control-allow-origin").as_deref(), Some("*"));
    assert_eq!(header(&doc, "x-content-type-options").as_deref(), Some("nosniff"));
    let etag = header(&doc, "etag").expect("an ETag");
    let mut plain = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(&doc.bytes().await.unwrap()[..]),
        &mut plain,
    )
    .unwrap();
    let body: Value = serde_json::from_str(&plain).unwrap();
    assert_eq!(body["game_date"], "2025-01-10");

    let revalidated = get("v1/predictions/2025-01-10.json")
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), 304);
    let status = get("v1/status.json").send().await.unwrap();
    assert_eq!(header(&status, "cache-control").as_deref(), Some("public, max-age=30"));
    assert!(header(&status, "content-encoding").is_none(), "no gzip unless asked");

    let query = get("v1/predictions?date=2025-01-10&system=moving_average")
        .send()
        .await
        .unwrap();
    assert_eq!(query.status(), 200);
    let answer: Value = query.json().await.unwrap();
    assert!(schema_errors("api/predictions-query.schema.json", &answer).is_empty());
    assert_eq!(answer["count"], nba_publishing::fixture::PLAYERS.len());
    assert!(
        answer["predictions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["system_id"] == "moving_average")
    );
    let one: Value = get("v1/predictions?date=2025-01-10&player=lebronjames")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one["count"], nba_publishing::fixture::SYSTEMS.len());

    for (path, status, text) in [
        ("v1/predictions?date=2025-13-01", 400, "bad date"),
        ("v1/predictions?date=2025-01-10&system=magic", 400, "unknown system"),
        ("v1/predictions", 400, "missing parameter date"),
        ("v1/predictions/2025-02-30.json", 400, "bad date"),
        ("v1/players/LeBron.json", 400, "bad player"),
        ("v1/players/nobody.json", 404, "not published"),
        ("v1/secrets.json", 404, "no published document"),
    ] {
        let r = get(path).send().await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{path}");
        let body: Value = r.json().await.unwrap();
        assert!(body["message"].as_str().unwrap().contains(text), "{path}: {body}");
    }
    let post = http.post(api.join("v1/status.json").unwrap()).send().await.unwrap();
    assert_eq!(post.status(), 405);
    let preflight = http
        .request(reqwest::Method::OPTIONS, api.join("v1/status.json").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    assert!(
        header(&preflight, "access-control-allow-methods")
            .unwrap()
            .contains("GET")
    );

    let health = get("healthz").send().await.unwrap();
    assert_eq!(health.status(), 200);
    let openapi: Value = get("v1/openapi.json").send().await.unwrap().json().await.unwrap();
    assert_eq!(openapi["openapi"], "3.1.0");
    assert!(openapi["paths"]["/v1/predictions"]["get"].is_object());
    let page = get("").send().await.unwrap();
    assert_eq!(
        header(&page, "content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert!(
        header(&page, "content-security-policy")
            .unwrap()
            .contains("script-src 'self'")
    );
}
