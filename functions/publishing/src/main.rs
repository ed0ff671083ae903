//! Binary: serves the function named by `FUNCTION_TARGET` on `PORT`: the exporter
//! (`publishing_export`, through the functions runtime) or the API (`publishing_api`,
//! a plain router: a read path writes no execution-log row per request).

use anyhow::Context as _;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if std::env::var("FUNCTION_TARGET").as_deref() == Ok(nba_publishing::API_FUNCTION) {
        return serve_api().await;
    }
    nba_runtime::bootstrap::run_phase(|clients, config| Ok(nba_publishing::functions(clients, config))).await
}

async fn serve_api() -> anyhow::Result<()> {
    let _traces = nba_runtime::init_logging(nba_publishing::API_FUNCTION)?;
    let config = nba_core::Config::from_env()?;
    let clients = nba_cloud::connect(&config)?;
    let router = nba_publishing::api_router(&clients, &config)?;
    let port: u16 = match std::env::var("PORT") {
        Ok(p) => p.parse().with_context(|| format!("PORT={p} is not a port"))?,
        Err(_) => 8080,
    };
    let listener = tokio::net::TcpListener::bind(("0.0.0.0", port))
        .await
        .with_context(|| format!("binding port {port}"))?;
    tracing::info!(
        port,
        "serving {} on {}",
        nba_publishing::API_FUNCTION,
        listener.local_addr()?
    );
    nba_runtime::serve_on(listener, router, nba_runtime::shutdown_signal()).await?;
    Ok(())
}
