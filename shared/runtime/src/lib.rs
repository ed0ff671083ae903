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

pub mod function;

pub use function::{
    CloudEventFunction, Function, FunctionError, HttpFunction, HttpRequest, Invocation, LegacyEventFunction, Outcome,
};
pub use nba_execlog::RunStatus;
