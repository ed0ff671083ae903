//! A per-source circuit breaker.
//!
//! When stats.nba.com blocks us it does so by letting requests hang: without a
//! breaker every scraper of a schedule would burn its whole timeout (and retry
//! budget) against a wall. After `failure_threshold` consecutive failed attempts
//! the breaker *opens* and calls fail at once with
//! [`super::FetchError::CircuitOpen`]; after `cool_down` it lets *one* probe
//! through (half-open); the probe's success closes it, its failure re-opens it.
//!
//! Small and ours (see DEPENDENCIES.md: the crates for this are little
//! maintained). State sits behind a `std` mutex that is never held across an await.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde::Serialize;

/// Breaker settings of one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerPolicy {
    /// Consecutive failed attempts that open the breaker (0 = never opens).
    pub failure_threshold: u32,
    /// How long it stays open before letting a probe through.
    pub cool_down: Duration,
}

/// The breaker's state, as shown in the execution log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BreakerState {
    /// Calls go through; `consecutive_failures` so far.
    Closed { consecutive_failures: u32 },
    /// Calls fail fast for another `retry_in_ms`.
    Open { retry_in_ms: u64 },
    /// The cool-down is over: the next call is a probe (or one is in flight).
    HalfOpen,
}

impl BreakerState {
    pub fn as_str(&self) -> &'static str {
        match self {
            BreakerState::Closed { .. } => "closed",
            BreakerState::Open { .. } => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

#[derive(Debug)]
enum Inner {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { probing: bool },
}

#[derive(Debug)]
pub(crate) struct Breaker {
    /// Source name, for log lines.
    source: &'static str,
    policy: BreakerPolicy,
    inner: Mutex<Inner>,
}

impl Breaker {
    pub(crate) fn new(source: &'static str, policy: BreakerPolicy) -> Arc<Self> {
        Arc::new(Breaker {
            source,
            policy,
            inner: Mutex::new(Inner::Closed { failures: 0 }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // The state is a plain value: a panic elsewhere cannot leave it half-written.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn state(&self) -> BreakerState {
        match *self.lock() {
            Inner::Closed { failures } => BreakerState::Closed {
                consecutive_failures: failures,
            },
            Inner::Open { until } => {
                let left = until.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    BreakerState::HalfOpen
                } else {
                    BreakerState::Open {
                        retry_in_ms: u64::try_from(left.as_millis()).unwrap_or(u64::MAX),
                    }
                }
            }
            Inner::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }

    /// Permission for one attempt, or how long until the breaker lets one through.
    pub(crate) fn try_acquire(self: &Arc<Self>) -> Result<Permit, Duration> {
        let mut inner = self.lock();
        let now = Instant::now();
        let probe = match *inner {
            Inner::Closed { .. } => false,
            Inner::Open { until } if now < until => return Err(until - now),
            Inner::Open { .. } | Inner::HalfOpen { probing: false } => {
                *inner = Inner::HalfOpen { probing: true };
                true
            }
            // Someone else's probe is deciding; the wait is unknown, say a cool-down.
            Inner::HalfOpen { probing: true } => return Err(self.policy.cool_down),
        };
        Ok(Permit {
            breaker: Arc::clone(self),
            probe,
            settled: false,
        })
    }

    fn on_success(&self) {
        let mut inner = self.lock();
        if !matches!(*inner, Inner::Closed { failures: 0 }) {
            tracing::info!(source = self.source, "circuit closed");
        }
        *inner = Inner::Closed { failures: 0 };
    }

    fn on_failure(&self, probe: bool) {
        let mut inner = self.lock();
        let open = |inner: &mut Inner| {
            *inner = Inner::Open {
                until: Instant::now() + self.policy.cool_down,
            };
        };
        match *inner {
            Inner::Closed { failures } => {
                let failures = failures.saturating_add(1);
                if self.policy.failure_threshold > 0 && failures >= self.policy.failure_threshold {
                    tracing::warn!(
                        source = self.source,
                        failures,
                        cool_down_ms = self.policy.cool_down.as_millis() as u64,
                        "circuit opened"
                    );
                    open(&mut inner);
                } else {
                    *inner = Inner::Closed { failures };
                }
            }
            Inner::HalfOpen { .. } if probe => {
                tracing::warn!(source = self.source, "circuit probe failed; open again");
                open(&mut inner);
            }
            // A late failure of an attempt that started before the breaker opened: already open.
            Inner::HalfOpen { .. } | Inner::Open { .. } => {}
        }
    }

    fn on_abandoned_probe(&self) {
        let mut inner = self.lock();
        if matches!(*inner, Inner::HalfOpen { probing: true }) {
            *inner = Inner::HalfOpen { probing: false };
        }
    }
}

/// One attempt's right to reach the upstream; report how it went. A permit
/// dropped unreported (the call was cancelled) frees the probe slot so the
/// breaker cannot stay half-open forever.
#[derive(Debug)]
pub(crate) struct Permit {
    breaker: Arc<Breaker>,
    probe: bool,
    settled: bool,
}

impl Permit {
    /// The upstream answered (any answer that says it is up, 404 included).
    pub(crate) fn success(mut self) {
        self.settled = true;
        self.breaker.on_success();
    }

    /// The upstream did not answer usefully (timeout, connection error, 5xx, 429).
    pub(crate) fn failure(mut self) {
        self.settled = true;
        self.breaker.on_failure(self.probe);
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if !self.settled && self.probe {
            self.breaker.on_abandoned_probe();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker(threshold: u32, cool_down_ms: u64) -> Arc<Breaker> {
        Breaker::new(
            "test",
            BreakerPolicy {
                failure_threshold: threshold,
                cool_down: Duration::from_millis(cool_down_ms),
            },
        )
    }

    #[test]
    fn opens_after_consecutive_failures_only() {
        let b = breaker(3, 10_000);
        b.try_acquire().unwrap().failure();
        b.try_acquire().unwrap().failure();
        b.try_acquire().unwrap().success();
        assert_eq!(
            b.state(),
            BreakerState::Closed {
                consecutive_failures: 0
            }
        );
        for _ in 0..3 {
            b.try_acquire().unwrap().failure();
        }
        assert!(matches!(b.state(), BreakerState::Open { .. }));
        assert!(b.try_acquire().is_err());
    }

    #[test]
    fn half_open_admits_one_probe_and_its_outcome_decides() {
        let b = breaker(1, 0);
        b.try_acquire().unwrap().failure();
        assert_eq!(b.state(), BreakerState::HalfOpen);
        let probe = b.try_acquire().unwrap();
        assert!(b.try_acquire().is_err(), "a second caller must not probe too");
        probe.failure();
        let probe = b.try_acquire().unwrap();
        probe.success();
        assert_eq!(
            b.state(),
            BreakerState::Closed {
                consecutive_failures: 0
            }
        );
    }

    #[test]
    fn a_dropped_probe_frees_the_slot() {
        let b = breaker(1, 0);
        b.try_acquire().unwrap().failure();
        drop(b.try_acquire().unwrap());
        assert!(b.try_acquire().is_ok());
    }

    #[test]
    fn threshold_zero_never_opens() {
        let b = breaker(0, 10_000);
        for _ in 0..10 {
            b.try_acquire().unwrap().failure();
        }
        assert!(matches!(b.state(), BreakerState::Closed { .. }));
    }
}
