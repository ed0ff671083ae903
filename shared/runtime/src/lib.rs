//! A functions framework for Rust, in the manner of Google's functions
//! frameworks: functions are registered by name with a signature type
//! (`http`, `cloudevent`, `event`), and a binary serves the one named by
//! `FUNCTION_TARGET` on `PORT`.
//!
//! The runtime is a thin layer over axum/tower that owns the parts no function
//! should re-implement: decoding every event encoding into one CloudEvent,
//! Pub/Sub push semantics (2xx acks, 5xx redelivers, bad input is acked after
//! quarantine), the execution-log row of every invocation, structured logs with
//! correlation and trace ids, panics as generic 500s, body limits, security
//! headers and a graceful SIGTERM drain.

//!
//! A phase binary:
//!
//! ```no_run
//! # async fn run(registry: nba_runtime::FunctionRegistry, sink: std::sync::Arc<dyn nba_execlog::ExecutionLogSink>) -> anyhow::Result<()> {
//! let options = nba_runtime::ServeOptions::from_env(nba_runtime::RuntimeDeps::new(sink))?;
//! nba_runtime::serve(registry, options).await
//! # }
//! ```
//!
//! In process (the local cloud): `nba_runtime::router(name, function, deps)` and
//! `nba_runtime::serve_on(listener, router, shutdown)`.

pub mod bootstrap;
pub mod context;
pub mod deps;
pub mod events;
pub mod function;
pub mod headers;
pub mod invocation;
pub mod logging;
pub mod registry;
pub mod server;
pub mod telemetry;

pub use cloudevents;
pub use deps::{RuntimeDeps, RuntimeSettings};
pub use events::{DecodeError, DecodedEvent, Delivery, Encoding, Inbound, LegacyEvent, event_data_json, event_to_json};
pub use function::{
    CloudEventFunction, Function, FunctionError, HttpFunction, HttpRequest, Invocation, LegacyEventFunction, Outcome,
};
pub use invocation::{Failure, TriggerType};
pub use logging::init_logging;
pub use nba_execlog::RunStatus;
pub use registry::{FunctionRegistry, RegistryError};
pub use server::{ServeArgs, ServeOptions, router, serve, serve_on, serve_on_with_drain, shutdown_signal};
