//! Phase 2: raw processors.
//!
//! [`RawProcessorFunction`] receives the raw bucket's object-finalize events,
//! routes each object by key prefix to the processor of its source and kind,
//! validates and loads its rows (idempotently: a duplicate delivery or a
//! re-scraped identical object writes nothing), quarantines input that can
//! never load, and publishes `nba-phase2-raw-complete`.

pub mod batch;
pub mod claim;
pub mod event;
pub mod function;
pub mod load;
pub mod processor;
pub mod processors;
pub mod quarantine;

pub use function::{RAW_PROCESSOR_FUNCTION, RawProcessorFunction};
pub use processor::{Mode, ParseError, Parsed, ProcessorRegistry, RawObject, RawProcessor};

use std::sync::Arc;

use nba_cloud::Clients;
use nba_core::Config;
use nba_runtime::Function;

/// The phase-2 functions, by registered name, built from explicit clients and config.
pub fn functions(clients: &Clients, config: &Config) -> Vec<(&'static str, Function)> {
    let raw = RawProcessorFunction::new(
        ProcessorRegistry::standard(),
        clients.clone(),
        config.names(),
        config.timeouts.lock_ttl,
    );
    vec![(RAW_PROCESSOR_FUNCTION, Function::CloudEvent(Arc::new(raw)))]
}
