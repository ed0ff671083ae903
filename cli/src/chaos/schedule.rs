//! The seeded plan of faults: how often each kind strikes and the random draws behind it.
//!
//! One RNG, seeded from `--seed`, makes every decision as requests arrive. Requests arrive
//! concurrently, so two runs with one seed draw in nearly but not exactly the same order;
//! what a seed fixes is the rates and the mix, which is what the drill needs (and the
//! first occurrences of each upstream kind come in a fixed rotation, so every kind is
//! injected early in any run).

use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// How often each fault strikes. [`Rates::drill`] is `nba chaos`'s; tests may raise them.
#[derive(Debug, Clone)]
pub struct Rates {
    /// Share of upstream URLs (first request of each) answered badly.
    pub upstream: f64,
    /// Share of function requests killed at a random point.
    pub kill: f64,
    /// Longest delay of a random kill from the request's start.
    pub kill_within: Duration,
    /// Share of lock acquisitions whose holder is killed during the hold.
    pub kill_in_lock: f64,
    /// Most kills while holding a raw batch lock, per run (each costs a lock TTL of waiting).
    pub max_lock_kills: u32,
    /// Most kills while holding the consolidation lock, per run (every consolidation is a
    /// target until these are spent).
    pub max_consolidation_kills: u32,
    /// Time between state-store outages (drawn uniformly from half to one and a half times this).
    pub outage_every: Duration,
    /// How long an outage lasts.
    pub outage_for: Duration,
    /// How long a hang lasts (longer than the fetcher's read timeout in the drill).
    pub hang_for: Duration,
    /// Consecutive 500s of a burst.
    pub burst: u32,
}

impl Rates {
    /// The drill's mix: a few faults of each kind per replayed day.
    pub fn drill() -> Self {
        Rates {
            upstream: 0.06,
            kill: 0.01,
            kill_within: Duration::from_millis(400),
            kill_in_lock: 0.5,
            max_lock_kills: 4,
            max_consolidation_kills: 2,
            outage_every: Duration::from_secs(45),
            outage_for: Duration::from_millis(1_500),
            hang_for: Duration::from_secs(6),
            burst: 2,
        }
    }
}

/// The seeded source of every decision.
#[derive(Debug)]
pub struct Schedule {
    pub seed: u64,
    pub rates: Rates,
    rng: Mutex<StdRng>,
}

impl Schedule {
    pub fn new(seed: u64, rates: Rates) -> Self {
        Schedule {
            seed,
            rates,
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
        }
    }

    /// Runs `f` with the RNG.
    pub fn draw<T>(&self, f: impl FnOnce(&mut StdRng) -> T) -> T {
        f(&mut self.rng.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub fn chance(&self, p: f64) -> bool {
        p > 0.0 && self.draw(|r| r.random_bool(p.min(1.0)))
    }

    /// A delay uniform in `[0, max]`.
    pub fn delay_within(&self, max: Duration) -> Duration {
        let ms = max.as_millis().max(1) as u64;
        Duration::from_millis(self.draw(|r| r.random_range(0..=ms)))
    }
}
