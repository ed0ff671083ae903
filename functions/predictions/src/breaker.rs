//! One circuit breaker per prediction system, so a failing system does not stop the
//! others and a broken one stops being called for a while.
//!
//! A system call ends in one of four ways ([`SystemRun`]). Only real failures (a
//! `Model` error or a panic) count against the breaker: declining for lack of input
//! (`NotEnoughHistory`, `MissingFeature`) is the system working as designed. After
//! `failure_threshold` consecutive failures the breaker opens for `cooldown`; then one
//! trial call is let through (half-open) and its result closes or reopens it.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use nba_systems::{SystemError, SystemPrediction};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BreakerConfig {
    pub failure_threshold: u32,
    pub cooldown: Duration,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig {
            failure_threshold: 5,
            cooldown: Duration::from_secs(60),
        }
    }
}

/// How one system's call ended.
#[derive(Debug, Clone, PartialEq)]
pub enum SystemRun {
    Ok(SystemPrediction),
    /// Not enough input for this system (not a fault).
    Declined(String),
    /// A model error or a panic.
    Failed(String),
    /// Not called: the breaker is open.
    CircuitOpen,
}

impl SystemRun {
    /// The staging status of the run.
    pub fn status(&self) -> &'static str {
        match self {
            SystemRun::Ok(_) => "ok",
            SystemRun::Declined(_) => "declined",
            SystemRun::Failed(_) => "failed",
            SystemRun::CircuitOpen => "circuit_open",
        }
    }

    pub fn error(&self) -> Option<String> {
        match self {
            SystemRun::Ok(_) => None,
            SystemRun::Declined(e) | SystemRun::Failed(e) => Some(e.clone()),
            SystemRun::CircuitOpen => Some("circuit breaker open after repeated failures".into()),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen,
}

/// The breakers of a function instance, by system id.
#[derive(Debug, Default)]
pub struct Breakers {
    config: BreakerConfig,
    states: Mutex<HashMap<String, State>>,
}

impl Breakers {
    pub fn new(config: BreakerConfig) -> Self {
        Breakers {
            config,
            states: Mutex::new(HashMap::new()),
        }
    }

    /// Runs `call` for `system_id` unless its breaker is open; panics become failures.
    pub fn run(&self, system_id: &str, call: impl FnOnce() -> Result<SystemPrediction, SystemError>) -> SystemRun {
        if !self.allow(system_id) {
            return SystemRun::CircuitOpen;
        }
        let run = match catch_unwind(AssertUnwindSafe(call)) {
            Ok(Ok(p)) => SystemRun::Ok(p),
            Ok(Err(e @ (SystemError::NotEnoughHistory { .. } | SystemError::MissingFeature(_)))) => {
                SystemRun::Declined(e.to_string())
            }
            Ok(Err(e)) => SystemRun::Failed(e.to_string()),
            Err(panic) => SystemRun::Failed(format!("panicked: {}", panic_message(&panic))),
        };
        self.record(system_id, !matches!(run, SystemRun::Failed(_)));
        run
    }

    /// Whether a call may go through now (an expired open breaker lets one trial through).
    pub fn allow(&self, system_id: &str) -> bool {
        let mut states = self.states.lock().expect("breaker lock");
        let state = states
            .entry(system_id.to_string())
            .or_insert(State::Closed { failures: 0 });
        match *state {
            State::Closed { .. } => true,
            State::Open { until } if Instant::now() >= until => {
                *state = State::HalfOpen;
                true
            }
            State::Open { .. } => false,
            // One trial at a time; concurrent callers wait for its verdict.
            State::HalfOpen => false,
        }
    }

    fn record(&self, system_id: &str, success: bool) {
        let mut states = self.states.lock().expect("breaker lock");
        let state = states
            .entry(system_id.to_string())
            .or_insert(State::Closed { failures: 0 });
        *state = match (*state, success) {
            (_, true) => State::Closed { failures: 0 },
            (State::Closed { failures }, false) if failures + 1 < self.config.failure_threshold => {
                State::Closed { failures: failures + 1 }
            }
            (_, false) => State::Open {
                until: Instant::now() + self.config.cooldown,
            },
        };
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok() -> Result<SystemPrediction, SystemError> {
        Ok(SystemPrediction {
            system_id: "s".into(),
            system_version: "1".into(),
            predicted_points: 10.0,
            confidence: 0.5,
            factors: vec![],
        })
    }

    fn cfg() -> BreakerConfig {
        BreakerConfig {
            failure_threshold: 2,
            cooldown: Duration::from_millis(30),
        }
    }

    #[test]
    fn opens_after_consecutive_failures_then_half_opens() {
        let b = Breakers::new(cfg());
        let fail = || Err(SystemError::Model("boom".into()));
        assert!(matches!(b.run("s", fail), SystemRun::Failed(_)));
        assert!(matches!(b.run("s", fail), SystemRun::Failed(_)));
        assert_eq!(b.run("s", ok), SystemRun::CircuitOpen);
        // Another system is not affected.
        assert!(matches!(b.run("t", ok), SystemRun::Ok(_)));
        std::thread::sleep(Duration::from_millis(40));
        assert!(matches!(b.run("s", ok), SystemRun::Ok(_)));
        assert!(matches!(b.run("s", ok), SystemRun::Ok(_)));
    }

    #[test]
    fn panics_are_failures_and_declines_are_not() {
        let b = Breakers::new(cfg());
        let run = b.run("s", || panic!("kaboom"));
        assert_eq!(run, SystemRun::Failed("panicked: kaboom".into()));
        let declined = b.run("s", || Err(SystemError::NotEnoughHistory { needed: 5, have: 1 }));
        assert!(matches!(declined, SystemRun::Declined(_)));
        // The decline reset the count: one more failure does not open it.
        assert!(matches!(
            b.run("s", || Err(SystemError::Model("x".into()))),
            SystemRun::Failed(_)
        ));
        assert!(matches!(b.run("s", ok), SystemRun::Ok(_)));
    }
}
