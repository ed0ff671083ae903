//! Phase transitions: completion tracking per game date and the exactly-once phase 3->4
//! and 4->5 triggers.
//!
//! Phase-3 and phase-4 processors each report one completion per game date. This crate
//! counts them per (transition, date, mode) in the state store ([`tracking`]), decides
//! with pure, tiered rules ([`rules`], [`phase3_to_4`], [`phase4_to_5`], the feature
//! [`quality`] gate), fires each trigger exactly once (the flag is set by the same
//! transaction that decides), and records every decision ([`decisions`]).

pub mod decisions;
pub mod error;
pub mod function;
pub mod phase3_to_4;
pub mod phase4_to_5;
pub mod quality;
pub mod rules;
pub mod tracking;

pub use decisions::{Decision, DecisionKind};
pub use function::{Clock, TRANSITIONS_FUNCTION, TransitionTick, TransitionsFunction};

use std::sync::Arc;

use nba_cloud::Clients;
use nba_core::Config;
use nba_runtime::Function;

/// The functions of this crate, by registered name, built from explicit clients and config.
pub fn functions(clients: &Clients, config: &Config) -> Vec<(&'static str, Function)> {
    let transitions = TransitionsFunction::new(clients.clone(), config.names());
    vec![(TRANSITIONS_FUNCTION, Function::CloudEvent(Arc::new(transitions)))]
}
