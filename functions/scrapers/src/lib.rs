//! Phase 1: scrapers.
//!
//! A scraper is a name, typed options, a URL builder, a shape check of the
//! upstream's answer, a raw object key and a completion message. The HTTP
//! function [`ScrapeFunction`] (`POST /scrape {"scraper": NAME, …}`) runs one,
//! writes the raw response to the raw bucket (whose finalize event triggers the
//! raw processors) and publishes `nba-phase1-scrapers-complete`.

pub mod catalog;
pub mod function;
pub mod http;
pub mod message;
pub mod options;
pub mod scraper;
pub mod workflow;

pub use function::{SCRAPE_FUNCTION, ScrapeFunction};
pub use scraper::{ScraperRegistry, ScraperSpec};

use std::sync::Arc;

use nba_cloud::Clients;
use nba_core::Config;
use nba_runtime::Function;

/// The scraper function, built from explicit clients, config and upstream fetcher.
pub fn scrape_function(
    clients: &Clients,
    config: &Config,
    upstreams: http::Upstreams,
    fetcher: http::Fetcher,
) -> Function {
    Function::Http(Arc::new(ScrapeFunction {
        registry: ScraperRegistry::standard(),
        fetcher,
        upstreams,
        objects: clients.objects.clone(),
        publisher: clients.publisher.clone(),
        names: config.names(),
        today: nba_core::time::today_et,
    }))
}

/// The workflow function with the workflow `workflow_toml`, calling the scraper
/// function at `scrapers_url`.
pub fn workflow_function(
    clients: &Clients,
    scrapers_url: reqwest::Url,
    workflow_toml: &str,
) -> anyhow::Result<Function> {
    nba_core::tls::install_crypto_provider();
    let workflow = workflow::WorkflowFile::parse(workflow_toml, &ScraperRegistry::standard().names())?;
    Ok(Function::Http(Arc::new(workflow::WorkflowFunction {
        workflow,
        scrapers_url,
        http: reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(900))
            .build()?,
        id_tokens: clients.id_tokens.clone(),
        warehouse: clients.warehouse.clone(),
        objects: clients.objects.clone(),
    })))
}

/// The phase-1 functions of a deployed binary. The workflow calls the scraper
/// function at `NBA_FUNCTION_URL_SCRAPERS` (required for the workflow target).
pub fn functions(
    clients: &Clients,
    config: &Config,
    upstreams: http::Upstreams,
) -> anyhow::Result<Vec<(&'static str, Function)>> {
    let fetcher = http::Fetcher::new(
        config.timeouts.http_connect,
        config.timeouts.http_total,
        clients.secrets.clone(),
    )?;
    let mut all = vec![(SCRAPE_FUNCTION, scrape_function(clients, config, upstreams, fetcher))];
    match std::env::var("NBA_FUNCTION_URL_SCRAPERS") {
        Ok(url) => {
            // The workflow file: `NBA_WORKFLOW_FILE`, else the shipped `workflow.toml`.
            let text = match std::env::var("NBA_WORKFLOW_FILE") {
                Ok(path) => {
                    std::fs::read_to_string(&path).map_err(|e| anyhow::anyhow!("NBA_WORKFLOW_FILE {path}: {e}"))?
                }
                Err(_) => workflow::WorkflowFile::DEFAULT.to_string(),
            };
            all.push((
                workflow::WORKFLOW_FUNCTION,
                workflow_function(clients, url.parse()?, &text)?,
            ));
        }
        Err(_) => tracing::warn!("NBA_FUNCTION_URL_SCRAPERS is not set: the workflow function is not available"),
    }
    Ok(all)
}
