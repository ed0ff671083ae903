//! Phase-1 binary: serves the scraper function named by `FUNCTION_TARGET` on `PORT`.
//! Upstream base URLs come from `NBA_UPSTREAM_*` (production URLs by default).

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    nba_runtime::bootstrap::run_phase(|clients, config| {
        let upstreams = nba_scrapers::http::Upstreams::from_env()?;
        nba_scrapers::functions(clients, config, upstreams)
    })
    .await
}
