//! Upstream faults: which URL answers badly, how, and whether the truth followed.
//!
//! The replay upstream renders the faults ([`nba_replay::faults`]); this plan picks them.
//! A victim URL gets its bad answers on its first requests, then the true answer: hangs,
//! 429s and 500 bursts are for the fetcher's retries, bad bodies (cut, malformed, an HTML
//! page, a renamed field) for the scraper's shape check, which keeps them in quarantine and
//! fetches again.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use http::StatusCode;
use nba_replay::faults::{FaultPlan, FaultRequest, Served, UpstreamFault};
use sha2::Digest;

use super::schedule::Schedule;

/// One bad answer served.
#[derive(Debug, Clone)]
pub struct UpstreamInjection {
    pub kind: &'static str,
    /// `path?query` (no key).
    pub target: String,
    /// SHA-256 of the body served (bad bodies are found in quarantine by it).
    pub body_sha256: String,
    /// Whether the body is one the scraper must quarantine (as opposed to a status to retry).
    pub bad_body: bool,
}

#[derive(Debug, Default)]
struct Ledger {
    /// Per victim URL: the bad answers still to serve, in order.
    pending: BTreeMap<String, Vec<UpstreamFault>>,
    /// URLs seen (only a URL's first request can make it a victim).
    seen: std::collections::BTreeSet<String>,
    injected: Vec<UpstreamInjection>,
    /// URLs answered truly with a 2xx after a fault.
    answered_ok: std::collections::BTreeSet<String>,
    victims: u64,
}

/// The upstream half of the chaos plan.
#[derive(Debug)]
pub struct UpstreamChaos {
    schedule: Arc<Schedule>,
    ledger: Mutex<Ledger>,
}

/// The seven kinds, in the rotation of the first victims (every kind early in any run).
fn kind_in_rotation(n: u64, schedule: &Schedule) -> UpstreamFault {
    let rates = &schedule.rates;
    match n % 7 {
        0 => UpstreamFault::MalformedJson,
        1 => UpstreamFault::ServerError,
        2 => UpstreamFault::HtmlErrorPage,
        3 => UpstreamFault::TooManyRequests { retry_after_secs: 1 },
        4 => UpstreamFault::Truncated {
            keep_per_mille: schedule.draw(|r| rand::Rng::random_range(r, 50..=950)),
        },
        5 => UpstreamFault::RenamedField,
        _ => UpstreamFault::Hang(rates.hang_for),
    }
}

impl UpstreamChaos {
    pub fn new(schedule: Arc<Schedule>) -> Self {
        UpstreamChaos {
            schedule,
            ledger: Mutex::new(Ledger::default()),
        }
    }

    fn ledger(&self) -> std::sync::MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every bad answer served so far.
    pub fn injected(&self) -> Vec<UpstreamInjection> {
        self.ledger().injected.clone()
    }

    /// Whether `target` was answered truly (2xx) after its faults.
    pub fn answered_ok(&self, target: &str) -> bool {
        self.ledger().answered_ok.contains(target)
    }
}

impl FaultPlan for UpstreamChaos {
    fn fault(&self, request: &FaultRequest) -> Option<UpstreamFault> {
        let mut ledger = self.ledger();
        if ledger.seen.insert(request.target.clone()) && self.schedule.chance(self.schedule.rates.upstream) {
            // The first seven victims take the kinds in rotation, the rest a random kind.
            let n = if ledger.victims < 7 {
                ledger.victims
            } else {
                self.schedule.draw(|r| rand::Rng::random_range(r, 0..7u64))
            };
            ledger.victims += 1;
            let fault = kind_in_rotation(n, &self.schedule);
            let repeat = if fault == UpstreamFault::ServerError {
                self.schedule.rates.burst
            } else {
                1
            };
            ledger
                .pending
                .insert(request.target.clone(), vec![fault; repeat as usize]);
        }
        let queue = ledger.pending.get_mut(&request.target)?;
        let fault = (!queue.is_empty()).then(|| queue.remove(0));
        if queue.is_empty() {
            ledger.pending.remove(&request.target);
        }
        fault
    }

    fn served(&self, request: &FaultRequest, served: Served) {
        let bad_body = matches!(
            served.fault,
            UpstreamFault::Truncated { .. }
                | UpstreamFault::MalformedJson
                | UpstreamFault::HtmlErrorPage
                | UpstreamFault::RenamedField
        );
        let injection = UpstreamInjection {
            kind: served.fault.kind(),
            target: request.target.clone(),
            body_sha256: hex::encode(sha2::Sha256::digest(&served.body)),
            bad_body,
        };
        self.ledger().injected.push(injection);
    }

    fn answered(&self, request: &FaultRequest, status: StatusCode) {
        if status.is_success() {
            let mut ledger = self.ledger();
            if ledger.injected.iter().any(|i| i.target == request.target) {
                ledger.answered_ok.insert(request.target.clone());
            }
        }
    }
}
