//! The `main` of every phase binary: configuration from the environment, the
//! clients of the configured backend, the execution log in the warehouse, the
//! phase's functions registered, and the one named by `FUNCTION_TARGET` served.

use std::sync::Arc;

use nba_cloud::Clients;
use nba_core::Config;
use nba_execlog::WarehouseSink;

use crate::{Function, FunctionRegistry, RuntimeDeps, RuntimeSettings, ServeOptions, serve};

/// Builds a phase's functions from explicit clients and config.
pub type BuildFunctions = fn(&Clients, &Config) -> anyhow::Result<Vec<(&'static str, Function)>>;

/// Runs a phase binary until SIGTERM.
pub async fn run_phase(build: BuildFunctions) -> anyhow::Result<()> {
    let config = Config::from_env()?;
    let clients = nba_cloud::connect(&config)?;
    let sink = Arc::new(WarehouseSink::new(clients.warehouse.clone()).await?);
    let deps = RuntimeDeps::new(sink).with_settings(RuntimeSettings::from_timeouts(&config.timeouts));
    let mut registry = FunctionRegistry::new();
    for (name, function) in build(&clients, &config)? {
        registry.try_register(name, function)?;
    }
    serve(registry, ServeOptions::from_env(deps)?).await
}
