//! Phase-1 binary: serves the scraper function named by `FUNCTION_TARGET` on `PORT`.

use std::sync::Arc;

use nba_core::Config;
use nba_execlog::WarehouseSink;
use nba_runtime::RuntimeDeps;
use nba_runtime::deps::RuntimeSettings;
use nba_runtime::registry::FunctionRegistry;
use nba_runtime::server::{ServeOptions, serve};
use nba_scrapers::http_client::Upstreams;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    let clients = nba_cloud::connect(&config)?;
    let sink = Arc::new(WarehouseSink::new(clients.warehouse.clone()).await?);
    let deps = RuntimeDeps::new(sink).with_settings(RuntimeSettings::from_timeouts(&config.timeouts));
    let mut registry = FunctionRegistry::new();
    for (name, function) in nba_scrapers::functions(&clients, &config, Upstreams::from_env()?)? {
        registry.register(name, function);
    }
    serve(registry, ServeOptions::from_env(deps)?).await
}
