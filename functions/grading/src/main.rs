//! Binary: serves the function named by `FUNCTION_TARGET` on `PORT`.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    nba_runtime::bootstrap::run_phase(|clients, config| Ok(nba_grading::functions(clients, config))).await
}
