//! `nba backfill` over the season's first three days, through the real functions
//! and events: the raw tables hold exactly what the recording holds, every
//! rejected row has its reason, a second run skips the finished days and changes
//! no count, and a run with every delivery doubled ends with the same counts.
//! (The full 2024-10-22 → 2025-01-13 acceptance run is the same code over 84
//! days: see the README.)

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use common::bundled_season;
use nba_cli::{LocalPlatform, PlatformOptions};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn options(dir: &Path) -> PlatformOptions {
    options_with(dir, false)
}

fn options_with(dir: &Path, duplicate_deliveries: bool) -> PlatformOptions {
    common::platform_options(dir, duplicate_deliveries)
}

/// A gzipped CSV of the bundled season as header-keyed rows (no quoted commas in these files).
fn csv_rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(str::to_string).collect();
    lines
        .map(|l| header.iter().cloned().zip(l.split(',').map(str::to_string)).collect())
        .collect()
}

fn et_date(t: &str) -> NaiveDate {
    let utc: DateTime<Utc> = t.parse().unwrap();
    utc.with_timezone(&chrono_tz::America::New_York).date_naive()
}

/// The distinct prop lines the recording serves for games in `from..=to`: an event
/// recorded in several daily files keeps the lines of the latest file.
fn recorded_prop_lines(from: NaiveDate, to: NaiveDate) -> usize {
    let mut files: Vec<(NaiveDate, std::path::PathBuf)> = std::fs::read_dir(bundled_season().join("props"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.strip_suffix(".csv.gz")?.to_string();
            Some((NaiveDate::parse_from_str(&name, "%m_%d_%Y").ok()?, p))
        })
        .collect();
    files.sort();
    let mut events: BTreeMap<String, (NaiveDate, BTreeSet<String>)> = BTreeMap::new();
    for (_, path) in files {
        let mut here: BTreeMap<String, (NaiveDate, BTreeSet<String>)> = BTreeMap::new();
        for r in csv_rows(&path) {
            let side = if r["side"].eq_ignore_ascii_case("over") {
                "Over"
            } else {
                "Under"
            };
            let line: f64 = r["line"].parse().unwrap();
            let key = format!("{}|{}|{}|{side}|{line}", r["player"], r["market"], r["bookmaker"]);
            here.entry(r["game_id"].clone())
                .or_insert_with(|| (et_date(&r["commence_time"]), BTreeSet::new()))
                .1
                .insert(key);
        }
        events.extend(here);
    }
    events
        .values()
        .filter(|(date, _)| (from..=to).contains(date))
        .map(|(_, lines)| lines.len())
        .sum()
}

async fn count(platform: &LocalPlatform, sql: &str) -> i64 {
    let rows = platform.clients.warehouse.query(sql, vec![]).await.unwrap();
    rows[0].values().next().unwrap().as_i64().unwrap()
}

async fn table_counts(platform: &LocalPlatform) -> BTreeMap<String, i64> {
    let mut counts = BTreeMap::new();
    for schema in nba_schemas::registry() {
        let name = schema.qualified_name();
        if name.starts_with("nba_orchestration.") {
            continue; // execution logs grow with every run by design
        }
        let n = count(platform, &format!("SELECT count(*) FROM {name}")).await;
        counts.insert(name, n);
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_loads_what_the_recording_holds_and_resumes() {
    let (from, to) = (d("2024-10-22"), d("2024-10-24"));
    let dir = tempfile::tempdir().unwrap();
    let platform = LocalPlatform::start(options(dir.path())).await.unwrap();
    let bar = indicatif::ProgressBar::hidden();
    let report = nba_cli::backfill::backfill(&platform, from, to, &bar).await.unwrap();
    assert_eq!(report.days_run.len(), 3);
    assert!(report.failures().is_empty(), "{:?}", report.failures());

    // Player box scores: one row per recorded player line, same points.
    let recorded: Vec<_> = csv_rows(&bundled_season().join("player_game_logs.csv.gz"))
        .into_iter()
        .filter(|r| (from..=to).contains(&d(&r["date"])))
        .collect();
    let recorded_points: i64 = recorded.iter().map(|r| r["pts"].parse::<i64>().unwrap()).sum();
    let range = format!("game_date BETWEEN DATE '{from}' AND DATE '{to}'");
    for table in ["nba_raw.nbac_player_boxscores", "nba_raw.bdl_player_boxscores"] {
        let rows = count(&platform, &format!("SELECT count(*) FROM {table} WHERE {range}")).await;
        assert_eq!(rows, recorded.len() as i64, "{table}");
    }
    let points = count(
        &platform,
        &format!("SELECT CAST(sum(pts) AS BIGINT) FROM nba_raw.nbac_player_boxscores WHERE {range}"),
    )
    .await;
    assert_eq!(points, recorded_points);

    // Props: every recorded line, in every snapshot taken before tip.
    let lines = count(
        &platform,
        &format!(
            "SELECT count(*) FROM (SELECT DISTINCT event_id, bookmaker, market, player_name, side, line \
             FROM nba_raw.odds_api_player_props WHERE {range})"
        ),
    )
    .await;
    assert_eq!(lines as usize, recorded_prop_lines(from, to));

    // Rejections are kept with their reason; unresolved names are listed, not dropped.
    let unexplained = count(
        &platform,
        "SELECT count(*) FROM nba_raw.rejected_rows WHERE reason IS NULL OR reason = ''",
    )
    .await;
    assert_eq!(unexplained, 0);
    let registry = count(
        &platform,
        "SELECT count(DISTINCT player_id) FROM nba_reference.nba_players_registry",
    )
    .await;
    assert!(
        registry > 400,
        "the morning player list registers the season's players: {registry}"
    );

    // Resumable: a second run skips the finished days and changes nothing.
    let before = table_counts(&platform).await;
    let again = nba_cli::backfill::backfill(&platform, from, to, &bar).await.unwrap();
    assert_eq!(again.days_skipped.len(), 3);
    assert!(again.days_run.is_empty());
    assert_eq!(table_counts(&platform).await, before);
    platform.shutdown().await;

    // The same backfill with every event and message delivered twice: the same counts.
    let dup_dir = tempfile::tempdir().unwrap();
    let dup = LocalPlatform::start(options_with(dup_dir.path(), true)).await.unwrap();
    let report = nba_cli::backfill::backfill(&dup, from, to, &bar).await.unwrap();
    assert!(report.failures().is_empty(), "{:?}", report.failures());
    assert_eq!(table_counts(&dup).await, before);
    dup.shutdown().await;
}
