//! Phase 1: scrapers.
//!
//! A scraper is a name, typed options, a URL builder, a shape check of the
//! upstream's answer, a raw object key and a completion message. The HTTP
//! function [`ScrapeFunction`] (`POST /scrape {"scraper": NAME, …}`) runs one,
//! writes the raw response to the raw bucket (whose finalize event triggers the
//! raw processors) and publishes `nba-phase1-scrapers-complete`.

pub mod function;
pub mod http_client;
pub mod message;
pub mod options;
pub mod scraper;
pub mod sources;

pub use function::{SCRAPE_FUNCTION, ScrapeFunction};
pub use scraper::{Scraper, ScraperRegistry};

use std::sync::Arc;

use nba_cloud::Clients;
use nba_core::Config;
use nba_runtime::Function;

/// The phase-1 functions, by registered name, built from explicit clients and config.
pub fn functions(
    clients: &Clients,
    config: &Config,
    upstreams: http_client::Upstreams,
) -> anyhow::Result<Vec<(&'static str, Function)>> {
    let fetcher = http_client::Fetcher::new(config.timeouts.http_connect, config.timeouts.http_total)?;
    let scrape = ScrapeFunction {
        registry: ScraperRegistry::standard(),
        fetcher,
        upstreams,
        objects: clients.objects.clone(),
        publisher: clients.publisher.clone(),
        names: config.names(),
        today: nba_core::time::today_et,
    };
    Ok(vec![(SCRAPE_FUNCTION, Function::Http(Arc::new(scrape)))])
}
