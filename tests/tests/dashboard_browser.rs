//! The dashboard in a real headless Chromium (Debian's; `make test` installs it): a
//! small slate is graded and exported by the real functions, the real API serves it,
//! and the page must load without console errors, show the day's picks, and change
//! what it shows when a filter changes. A screenshot is kept as a test artifact.

mod common;

use std::time::Duration;

use common::browser::Browser;
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(30);

/// Predictions of the published document that pass the dashboard's filters.
fn expected(doc: &Value, system: Option<&str>, min_edge: f64) -> usize {
    doc["games"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["players"].as_array().unwrap())
        .flat_map(|p| p["predictions"].as_array().unwrap())
        .filter(|p| system.is_none_or(|s| p["system_id"] == s))
        .filter(|p| min_edge == 0.0 || p["edge"].as_f64().is_some_and(|e| e.abs() >= min_edge))
        .count()
}

const ROWS: &str = "return document.querySelectorAll('tr[data-pick]').length";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_the_days_picks_and_its_filters_change_them() {
    let dir = tempfile::tempdir().unwrap();
    let (platform, _) = common::published_slate(dir.path()).await;
    let url = platform.api_url.to_string();
    let today: Value = http_get(format!("{url}v1/predictions/today.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let all = expected(&today, None, 0.0);
    assert!(all > 0);

    let browser = Browser::start().await;
    browser.goto(&url).await;
    browser
        .wait_for(
            "the page to load",
            "return document.body.dataset.loaded === 'true'",
            WAIT,
        )
        .await;
    browser
        .wait_for(
            "the sparkline",
            "return document.querySelector('#sparkline svg polyline') !== null",
            WAIT,
        )
        .await;

    // The default day's picks: every prediction of today's document.
    let headline = browser
        .execute("return document.getElementById('headline').textContent", vec![])
        .await;
    assert!(headline.as_str().unwrap().contains("2025-01-10"), "{headline}");
    assert_eq!(browser.execute(ROWS, vec![]).await, all);
    let games = browser
        .execute("return document.querySelectorAll('[data-game]').length", vec![])
        .await;
    assert_eq!(games, today["games"].as_array().unwrap().len());

    // A filter changes what is shown: one system, then a minimum edge.
    let option = browser.find("#system-filter option[value='zone_matchup']").await;
    browser.click(&option).await;
    let one_system = expected(&today, Some("zone_matchup"), 0.0);
    assert!(one_system < all);
    browser
        .wait_for(
            "the system filter",
            &format!("return document.querySelectorAll('tr[data-pick]').length === {one_system}"),
            WAIT,
        )
        .await;
    let systems = browser
        .execute(
            "return [...document.querySelectorAll('tr[data-pick]')].map(r => r.dataset.system)",
            vec![],
        )
        .await;
    assert!(
        systems.as_array().unwrap().iter().all(|s| s == "zone_matchup"),
        "{systems}"
    );
    let edge = browser.find("#edge-filter").await;
    browser.type_into(&edge, "3").await;
    let with_edge = expected(&today, Some("zone_matchup"), 3.0);
    assert!(with_edge < one_system);
    browser
        .wait_for(
            "the edge filter",
            &format!("return document.querySelectorAll('tr[data-pick]').length === {with_edge}"),
            WAIT,
        )
        .await;

    // The other sections: last night's results, the systems chart, the pipeline status.
    let results = browser
        .execute("return document.getElementById('results-title').textContent", vec![])
        .await;
    assert_eq!(results, "Results of 2025-01-09");
    let bars = browser
        .execute(
            "return document.querySelectorAll('#systems-chart rect.bar').length",
            vec![],
        )
        .await;
    assert_eq!(bars.as_u64(), Some(3));
    let health = browser
        .execute("return document.getElementById('health').dataset.health", vec![])
        .await;
    assert!(
        ["ok", "degraded", "failing"].contains(&health.as_str().unwrap()),
        "{health}"
    );

    // No errors: none caught by the page, none in the browser's console.
    let page_errors = browser.execute("return window.__dashboardErrors", vec![]).await;
    assert_eq!(page_errors, serde_json::json!([]));
    let severe: Vec<Value> = browser
        .console_log()
        .await
        .into_iter()
        .filter(|e| e["level"] == "SEVERE")
        .collect();
    assert!(severe.is_empty(), "console errors: {severe:?}");

    let png = browser.screenshot().await;
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let artifact = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard.png");
    std::fs::write(&artifact, &png).unwrap();
    println!("screenshot: {}", artifact.display());
    browser.quit().await;
    platform.shutdown().await;
}

/// `reqwest::get`, with the process's TLS provider installed first (see `nba_core::tls`).
async fn http_get<U: reqwest::IntoUrl>(url: U) -> reqwest::Result<reqwest::Response> {
    nba_core::tls::install_crypto_provider();
    reqwest::get(url).await
}
