//! The state store briefly unavailable, and the moment a lock is taken.
//!
//! [`ChaosState`] wraps the functions' state store (the driver's own stays whole): every
//! so often (wall time, drawn around [`super::schedule::Rates::outage_every`]) an outage
//! opens and, for its length, every call fails with [`StateError::Busy`] (Firestore's
//! UNAVAILABLE: retry). The gaps are in time, not in calls: counted in calls, the outages
//! came back to back in the prediction phase (thousands of calls a second) and the store
//! was down more than up, which is not "briefly unavailable". It also sees each lock being
//! taken (`create_if_absent` in a `*locks` collection): when the plan says so, the taking
//! request is killed during the hold ([`super::kills`]).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use nba_cloud::ports::state::{Created, TxnFn};
use nba_cloud::{Document, StateError, StateStore};
use serde_json::Value;

use super::kills::{IN_FLIGHT, KillPlan};
use super::schedule::Schedule;

/// Marker in every injected state error (the report explains failures by it).
pub const OUTAGE_MARKER: &str = "chaos: state store unavailable (injected outage)";

/// One outage window.
#[derive(Debug, Clone)]
pub struct Outage {
    pub started: Instant,
    pub length: Duration,
    /// Calls refused during it.
    pub refused: u64,
    /// The requests whose calls were refused: (function, request key).
    pub requests: Vec<(String, String)>,
}

#[derive(Debug)]
struct Windows {
    /// When the next outage opens.
    next_at: Instant,
    outages: Vec<Outage>,
}

/// The functions' state store under chaos.
pub struct ChaosState {
    inner: Arc<dyn StateStore>,
    schedule: Arc<Schedule>,
    kills: Arc<dyn KillPlan>,
    windows: Mutex<Windows>,
}

impl ChaosState {
    pub fn new(inner: Arc<dyn StateStore>, schedule: Arc<Schedule>, kills: Arc<dyn KillPlan>) -> Self {
        let first = Instant::now() + next_gap(&schedule);
        ChaosState {
            inner,
            schedule,
            kills,
            windows: Mutex::new(Windows {
                next_at: first,
                outages: Vec::new(),
            }),
        }
    }

    /// Every outage so far.
    pub fn outages(&self) -> Vec<Outage> {
        self.windows.lock().unwrap_or_else(|p| p.into_inner()).outages.clone()
    }

    /// Fails the call when an outage is open (opening one when its call number comes).
    fn gate(&self) -> Result<(), StateError> {
        let now = Instant::now();
        let mut w = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let open = w.outages.last().is_some_and(|o| o.started.elapsed() < o.length);
        if !open && now < w.next_at {
            return Ok(());
        }
        if !open {
            w.next_at = now + self.schedule.rates.outage_for + next_gap(&self.schedule);
            w.outages.push(Outage {
                started: Instant::now(),
                length: self.schedule.rates.outage_for,
                refused: 0,
                requests: Vec::new(),
            });
        }
        if let Some(outage) = w.outages.last_mut() {
            outage.refused += 1;
            if let Ok(request) = IN_FLIGHT.try_with(|r| (r.function.to_string(), r.key.clone()))
                && !outage.requests.contains(&request)
            {
                outage.requests.push(request);
            }
        }
        Err(StateError::Busy(OUTAGE_MARKER.into()))
    }

    /// A lock was just taken by the request on this task: maybe kill it during the hold.
    fn taken(&self, collection: &str, id: &str) {
        if !collection.ends_with("locks") {
            return;
        }
        let _ = IN_FLIGHT.try_with(|request| {
            if let Some(after) = self.kills.kill_in_lock(&request.function, &request.key, collection) {
                request.kill_holding(format!("{collection}/{id}"), after);
            }
        });
    }
}

/// A gap between outages: uniform in half to one and a half times `outage_every`.
fn next_gap(schedule: &Schedule) -> Duration {
    let every = schedule.rates.outage_every.as_millis().max(2) as u64;
    Duration::from_millis(schedule.draw(|r| rand::Rng::random_range(r, every / 2..=every * 3 / 2)))
}

#[async_trait]
impl StateStore for ChaosState {
    async fn get(&self, collection: &str, id: &str) -> Result<Option<Document>, StateError> {
        self.gate()?;
        self.inner.get(collection, id).await
    }

    async fn set(&self, collection: &str, id: &str, data: Value, ttl: Option<Duration>) -> Result<(), StateError> {
        self.gate()?;
        self.inner.set(collection, id, data, ttl).await
    }

    async fn create_if_absent(
        &self,
        collection: &str,
        id: &str,
        data: Value,
        ttl: Option<Duration>,
    ) -> Result<Created, StateError> {
        self.gate()?;
        let created = self.inner.create_if_absent(collection, id, data, ttl).await?;
        if created == Created::Created {
            self.taken(collection, id);
        }
        Ok(created)
    }

    async fn delete(&self, collection: &str, id: &str) -> Result<(), StateError> {
        self.gate()?;
        self.inner.delete(collection, id).await
    }

    async fn transact(&self, collection: &str, id: &str, f: TxnFn) -> Result<Option<Document>, StateError> {
        self.gate()?;
        self.inner.transact(collection, id, f).await
    }

    async fn list(&self, collection: &str) -> Result<Vec<Document>, StateError> {
        self.gate()?;
        self.inner.list(collection).await
    }
}
