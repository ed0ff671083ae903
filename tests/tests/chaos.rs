//! `nba chaos`, short: two replayed days under every fault kind at raised rates must end
//! with nothing lost, every table identical to a clean replay's, every failed run and
//! dead letter explained. (`make chaos` runs the drill over two weeks with three seeds.)

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::NaiveDate;
use nba_cli::chaos::{ChaosOptions, schedule::Rates};

const UPSTREAM_KINDS: &[&str] = &[
    "upstream_hang",
    "upstream_429",
    "upstream_500",
    "upstream_truncated",
    "upstream_malformed_json",
    "upstream_html_page",
    "upstream_renamed_field",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replay_under_every_fault_ends_with_the_clean_tables() {
    let dir = tempfile::tempdir().unwrap();
    let options = ChaosOptions {
        seed: 7,
        from: NaiveDate::from_ymd_opt(2024, 10, 22).unwrap(),
        to: NaiveDate::from_ymd_opt(2024, 10, 23).unwrap(),
        dataset: common::bundled_season(),
        root: dir.path().to_path_buf(),
        // Raised rates: two days must see every kind (the first seven upstream victims
        // take the seven kinds in turn).
        rates: Rates {
            upstream: 0.4,
            kill: 0.03,
            outage_every: Duration::from_secs(10),
            ..Rates::drill()
        },
        upstream_read_timeout: Duration::from_secs(2),
    };
    let report = nba_cli::chaos::run(&options, &indicatif::ProgressBar::hidden())
        .await
        .expect("the drill runs");
    let summary = report.render();
    let injected: BTreeMap<&str, u64> = report.faults.iter().map(|r| (r.kind.as_str(), r.injected)).collect();
    for kind in UPSTREAM_KINDS.iter().chain(&[
        "function_kill",
        "function_kill_holding_lock",
        "state_store_outage",
        "duplicate_delivery",
    ]) {
        assert!(
            injected.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} injected:\n{summary}"
        );
    }
    let bad_bodies: u64 = report
        .faults
        .iter()
        .filter(|r| {
            [
                "upstream_truncated",
                "upstream_malformed_json",
                "upstream_html_page",
                "upstream_renamed_field",
            ]
            .contains(&r.kind.as_str())
        })
        .map(|r| r.injected - r.quarantined)
        .sum();
    assert_eq!(bad_bodies, 0, "a bad body is not in quarantine:\n{summary}");
    assert!(
        report
            .quarantine
            .iter()
            .all(|(_, reason)| reason != "no reason recorded"),
        "{:?}",
        report.quarantine
    );
    assert_eq!(report.lost(), 0, "{summary}");
    assert!(report.table_diffs.is_empty(), "{summary}");
    assert_eq!(report.unexplained(), 0, "{summary}");
    assert!(report.passed(), "{summary}");
    let written = dir.path().join("chaos/seed-7/chaos-report.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&written).unwrap()).unwrap();
    assert_eq!(json["seed"], 7);
}

/// Answers the first request of every URL containing `only` with `fault`, then truly, and
/// keeps the SHA-256 of each bad body served.
#[derive(Debug)]
struct FirstAnswerBad {
    fault: nba_replay::faults::UpstreamFault,
    only: &'static str,
    seen: std::sync::Mutex<std::collections::BTreeSet<String>>,
    served: std::sync::Mutex<Vec<String>>,
}

impl FirstAnswerBad {
    fn new(fault: nba_replay::faults::UpstreamFault, only: &'static str) -> std::sync::Arc<Self> {
        std::sync::Arc::new(FirstAnswerBad {
            fault,
            only,
            seen: Default::default(),
            served: Default::default(),
        })
    }
}

impl nba_replay::faults::FaultPlan for FirstAnswerBad {
    fn fault(&self, request: &nba_replay::faults::FaultRequest) -> Option<nba_replay::faults::UpstreamFault> {
        if !request.target.contains(self.only) {
            return None;
        }
        let first = self.seen.lock().unwrap().insert(request.target.clone());
        first.then(|| self.fault.clone())
    }
    fn served(&self, _: &nba_replay::faults::FaultRequest, served: nba_replay::faults::Served) {
        use sha2::Digest;
        self.served
            .lock()
            .unwrap()
            .push(hex::encode(sha2::Sha256::digest(&served.body)));
    }
    fn answered(&self, _: &nba_replay::faults::FaultRequest, _: reqwest::StatusCode) {}
}

/// Regression (found by `nba chaos`): a badly shaped first answer (here a renamed field)
/// failed the scrape at once and the day went without that data. It is kept in quarantine
/// with its reason and fetched again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_first_answer_is_kept_and_fetched_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = common::platform_options(dir.path(), false);
    options.faults.upstream = Some(FirstAnswerBad::new(nba_replay::faults::UpstreamFault::RenamedField, ""));
    let platform = nba_cli::LocalPlatform::start(options).await.unwrap();
    let date = NaiveDate::from_ymd_opt(2025, 1, 10).unwrap();
    let answer = platform
        .scrape("espn_scoreboard", date, &[], &nba_core::CorrelationId::new())
        .await
        .unwrap();
    assert_eq!(answer["http_status"], 200, "{answer}");
    assert_eq!(answer["answer"]["status"], "success", "{answer}");
    let bucket = platform.names.bucket(nba_core::Bucket::Raw);
    let kept = platform
        .clients
        .objects
        .list(&bucket, "quarantine/scrapers/")
        .await
        .unwrap();
    platform.shutdown().await;
    assert_eq!(kept.len(), 1, "{kept:?}");
    let why = &kept[0].metadata;
    assert_eq!(why.get("source").map(String::as_str), Some("espn"), "{why:?}");
    assert!(why.get("field").is_some_and(|f| !f.is_empty()), "{why:?}");
    assert!(why.get("reason").is_some_and(|r| !r.is_empty()), "{why:?}");
}

/// Regression (found by `nba chaos`): a renamed field on the second page of a paginated
/// balldontlie answer was kept as the merge of the pages, so the body in quarantine was not
/// the one the upstream served. Each page is checked as it comes; the bad page itself is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_page_of_a_paginated_answer_is_kept_as_served() {
    use sha2::Digest;
    let dir = tempfile::tempdir().unwrap();
    let mut options = common::platform_options(dir.path(), false);
    let plan = FirstAnswerBad::new(nba_replay::faults::UpstreamFault::RenamedField, "cursor=");
    options.faults.upstream = Some(plan.clone());
    let platform = nba_cli::LocalPlatform::start(options).await.unwrap();
    let date = NaiveDate::from_ymd_opt(2025, 1, 10).unwrap();
    let answer = platform
        .scrape("bdl_stats", date, &[], &nba_core::CorrelationId::new())
        .await
        .unwrap();
    assert_eq!(answer["answer"]["status"], "success", "{answer}");
    let bucket = platform.names.bucket(nba_core::Bucket::Raw);
    let objects = &platform.clients.objects;
    let mut kept = Vec::new();
    for meta in objects.list(&bucket, "quarantine/scrapers/").await.unwrap() {
        let body = objects.get(&bucket, &meta.name).await.unwrap();
        kept.push(hex::encode(sha2::Sha256::digest(&body)));
    }
    platform.shutdown().await;
    let served = plan.served.lock().unwrap().clone();
    assert!(!served.is_empty(), "2025-01-10 has more than one page of stats");
    assert_eq!(kept, served, "the quarantine holds exactly the bad pages served");
}
