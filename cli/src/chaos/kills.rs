//! Function kills: a request's handler stopped dead at a random point, its connection
//! dropped with no answer, as a SIGKILLed instance would leave it.
//!
//! The functions share one process with the embedded DuckDB, so a literal SIGKILL of one
//! function is not possible locally. Instead the layer in front of each function's HTTP
//! app drops the handler's future at the kill point (whatever await it was in: no
//! execution-log row, no release of a lock, half its writes done) and then unwinds the
//! connection's task, so the socket closes without a response: the client sees a failed
//! request and Pub/Sub (or the workflow's retry) delivers again.
//!
//! Two triggers: a delay from the request's start (random kills), and "while it holds a
//! lock": [`crate::chaos::outage::ChaosState`] sees the lock being taken by the request
//! (the in-flight request is known through a task-local) and fires its kill a moment later.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::StatusCode;
use sha2::Digest;
use tokio::sync::Notify;

/// How one request is identified across its redeliveries: the Pub/Sub message id (CloudEvent
/// `ce-id`, or the push envelope's `messageId`), else a digest of the body (HTTP calls).
pub type RequestKey = String;

/// Decides which requests die, and records what happened to them.
pub trait KillPlan: Send + Sync {
    /// After how long this request is killed, or `None`. Called once per request.
    fn kill_after(&self, function: &str, key: &RequestKey) -> Option<Duration>;
    /// Whether a request that has just taken a lock of `collection` dies during the hold,
    /// and how soon after.
    fn kill_in_lock(&self, function: &str, key: &RequestKey, collection: &str) -> Option<Duration>;
    /// The request was killed (`in_lock`: while it held the lock named).
    fn killed(&self, function: &str, key: &RequestKey, after: Duration, in_lock: Option<String>);
    /// The request answered `status` (a kill planned for later never happened).
    fn finished(&self, function: &str, key: &RequestKey, status: StatusCode);
}

/// A request in flight, as the state wrapper sees it (through [`IN_FLIGHT`]).
#[derive(Clone)]
pub struct InFlight {
    pub function: Arc<str>,
    pub key: RequestKey,
    trigger: Arc<Notify>,
    /// Set when a lock kill is armed: the lock's name.
    lock: Arc<Mutex<Option<String>>>,
}

impl InFlight {
    /// Kills this request `after` from now, saying it holds `lock` (see [`KillPlan::kill_in_lock`]).
    pub fn kill_holding(&self, lock: String, after: Duration) {
        *self.lock.lock().unwrap_or_else(|p| p.into_inner()) = Some(lock);
        let trigger = self.trigger.clone();
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            trigger.notify_one();
        });
    }
}

tokio::task_local! {
    /// The request whose handler is running on this task.
    pub static IN_FLIGHT: InFlight;
}

/// What the layer needs: the function's name and the plan.
#[derive(Clone)]
pub struct KillLayer {
    pub function: Arc<str>,
    pub plan: Arc<dyn KillPlan>,
}

/// The unwinding payload of a killed connection task (no panic hook runs for it).
struct Killed;

/// Middleware in front of a function's app: runs the request under [`IN_FLIGHT`] and kills
/// it when its delay passes or its lock kill fires.
pub async fn layer(State(layer): State<KillLayer>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return next.run(Request::from_parts(parts, Body::empty())).await;
    };
    let key = request_key(&parts.headers, &bytes);
    let request = Request::from_parts(parts, Body::from(bytes));
    let in_flight = InFlight {
        function: layer.function.clone(),
        key: key.clone(),
        trigger: Arc::new(Notify::new()),
        lock: Arc::new(Mutex::new(None)),
    };
    let delay = layer.plan.kill_after(&layer.function, &key);
    let started = Instant::now();
    let trigger = in_flight.trigger.clone();
    let lock = in_flight.lock.clone();
    let run = IN_FLIGHT.scope(in_flight, next.run(request));
    let kill = async {
        match delay {
            Some(after) => tokio::select! {
                () = tokio::time::sleep(after) => {}
                () = trigger.notified() => {}
            },
            None => trigger.notified().await,
        }
    };
    tokio::select! {
        response = run => {
            layer.plan.finished(&layer.function, &key, response.status());
            response
        }
        () = kill => {
            // The handler's future is dropped here, mid-await, with whatever it had done.
            let held = lock.lock().unwrap_or_else(|p| p.into_inner()).clone();
            layer.plan.killed(&layer.function, &key, started.elapsed(), held);
            // Unwind the connection's task without running the panic hook: the socket closes
            // with no response, as a dead instance's would. Tokio contains the unwind in the
            // task (the server's other connections are untouched).
            std::panic::resume_unwind(Box::new(Killed))
        }
    }
}

/// The request's identity across redeliveries (see [`RequestKey`]).
pub fn request_key(headers: &http::HeaderMap, body: &[u8]) -> RequestKey {
    if let Some(id) = headers.get("ce-id").and_then(|v| v.to_str().ok()) {
        return format!("message:{id}");
    }
    let envelope_id = serde_json::from_slice::<serde_json::Value>(body).ok().and_then(|v| {
        v.pointer("/message/messageId")
            .and_then(|id| id.as_str())
            .map(str::to_string)
    });
    match envelope_id {
        Some(id) => format!("message:{id}"),
        None => format!("body:{}", hex::encode(&sha2::Sha256::digest(body)[..12])),
    }
}

/// What happened to every targeted request, per function (kept by the plan).
#[derive(Debug, Default, Clone)]
pub struct KillLedger {
    /// Kills in the order they landed: (function, key, after, lock held).
    pub kills: Vec<(String, RequestKey, Duration, Option<String>)>,
    /// Final answers per (function, key): the last status seen.
    pub answers: BTreeMap<(String, RequestKey), u16>,
}

impl KillLedger {
    /// Whether the killed request `(function, key)` was later answered with a 2xx (its data
    /// arrived through a redelivery).
    pub fn recovered(&self, function: &str, key: &str) -> bool {
        self.answers
            .get(&(function.to_string(), key.to_string()))
            .is_some_and(|s| (200..300).contains(s))
    }
}

/// The kill half of the chaos plan: random kills of any function's requests, and kills of
/// lock holders during the hold (consolidations, raw batches).
pub struct FunctionKills {
    schedule: Arc<super::schedule::Schedule>,
    ledger: Mutex<KillLedger>,
    /// Lock kills so far, per lock collection.
    lock_kills: Mutex<BTreeMap<String, u32>>,
}

impl FunctionKills {
    pub fn new(schedule: Arc<super::schedule::Schedule>) -> Self {
        FunctionKills {
            schedule,
            ledger: Mutex::new(KillLedger::default()),
            lock_kills: Default::default(),
        }
    }

    pub fn ledger(&self) -> KillLedger {
        self.ledger.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl KillPlan for FunctionKills {
    fn kill_after(&self, _function: &str, _key: &RequestKey) -> Option<Duration> {
        let rates = &self.schedule.rates;
        self.schedule
            .chance(rates.kill)
            .then(|| self.schedule.delay_within(rates.kill_within))
    }

    fn kill_in_lock(&self, _function: &str, _key: &RequestKey, collection: &str) -> Option<Duration> {
        let rates = &self.schedule.rates;
        // Each lock collection has its own budget: the many raw batch locks must not use up
        // the kills meant for the day's one consolidation.
        let (budget, chance) = match collection {
            nba_predictions::lock::LOCKS => (rates.max_consolidation_kills, 1.0),
            _ => (rates.max_lock_kills, rates.kill_in_lock),
        };
        let mut spent = self.lock_kills.lock().unwrap_or_else(|p| p.into_inner());
        let used = spent.entry(collection.to_string()).or_default();
        if *used >= budget || !self.schedule.chance(chance) {
            return None;
        }
        *used += 1;
        // Soon after taking it: the hold of a local consolidation lasts tens of milliseconds.
        Some(self.schedule.delay_within(Duration::from_millis(20)))
    }

    fn killed(&self, function: &str, key: &RequestKey, after: Duration, in_lock: Option<String>) {
        let mut ledger = self.ledger.lock().unwrap_or_else(|p| p.into_inner());
        ledger.kills.push((function.to_string(), key.clone(), after, in_lock));
    }

    fn finished(&self, function: &str, key: &RequestKey, status: StatusCode) {
        let mut ledger = self.ledger.lock().unwrap_or_else(|p| p.into_inner());
        let entry = ledger
            .answers
            .entry((function.to_string(), key.clone()))
            .or_insert(status.as_u16());
        // A 2xx stays: the message's data arrived, whatever a duplicate answered later.
        if !(200..300).contains(entry) {
            *entry = status.as_u16();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_known_by_its_id_across_encodings() {
        let mut headers = http::HeaderMap::new();
        headers.insert("ce-id", "42".parse().unwrap());
        assert_eq!(request_key(&headers, b"{}"), "message:42");
        let envelope = br#"{"message":{"messageId":"42","data":""},"subscription":"s"}"#;
        assert_eq!(request_key(&http::HeaderMap::new(), envelope), "message:42");
        let a = request_key(&http::HeaderMap::new(), br#"{"scraper":"x"}"#);
        let b = request_key(&http::HeaderMap::new(), br#"{"scraper":"y"}"#);
        assert!(a.starts_with("body:") && a != b);
    }
}
