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
