//! One run per key at a time, with requests folded into the run in progress.
//!
//! A recompute of a whole day (phase 3's summaries of date D) is asked for once per raw
//! file loaded, often several at once. Two such runs side by side can lose an update: the
//! one that read before the latest load may write last. A plain lock fixes that by making
//! every request wait its turn, which costs one full run per request. Here a request that
//! finds the key's run going leaves a mark on the lock instead; the holder, when its round
//! ends, sees the mark and runs one more round, which reads everything loaded before the
//! mark was left. However many requests arrive during a round, one more round serves them.
//!
//! A requester is done (and its message may be acknowledged) only once a round has
//! *started* after its request: if the holder dies, its own message is redelivered (it was
//! never acknowledged) and runs again from fresh reads. A holder that dies before starting
//! that round leaves a lease that expires; the waiting requester then takes the lock and
//! runs itself. A requester never acknowledges on the word of a holder that has not yet
//! begun reading for it.
//!
//! The lock document: `{owner, acquired_at, round, rerun_requested}`, leased like
//! [`crate::lock`]'s (renewed while a round runs).

use std::future::Future;
use std::time::Duration;

use chrono::Utc;
use serde_json::{Value, json};

use crate::lock;
use crate::{Document, StateError, StateStore, TxnOutcome};

const OWNER: &str = "owner";
const ROUND: &str = "round";
const REQUESTED: &str = "rerun_requested";

/// How often a requester looks whether its round has started.
const POLL: Duration = Duration::from_millis(25);

/// How a [`run`] ended.
#[derive(Debug, PartialEq)]
pub enum Coalesced<T> {
    /// This caller held the lock and ran these rounds (the first, then one per batch of
    /// requests that arrived while it worked).
    Ran(Vec<T>),
    /// Another caller held the lock and started a round after this caller's request.
    Served { holder: String, round: u64 },
}

#[derive(Debug, thiserror::Error)]
pub enum CoalescedError<E> {
    /// The work of a round failed; the lock was released (the failed run's message is
    /// redelivered and serves the requests folded into it).
    #[error(transparent)]
    Work(E),
    #[error("state store: {0}")]
    Store(#[from] StateError),
    /// No round started for this request within the wait (a holder slower than `wait`).
    #[error("the run of {id} is held by {holder} (waited {waited:?} for a new round)")]
    StillHeld {
        id: String,
        holder: String,
        waited: Duration,
    },
}

/// Where the lock lives and how long its lease and a requester's patience last.
#[derive(Debug, Clone)]
pub struct Key<'a> {
    pub collection: &'a str,
    pub id: &'a str,
    /// This run's id (an execution id): the lock's owner while it holds it.
    pub owner: &'a str,
    pub ttl: Duration,
    /// How long a requester waits for a round to start before giving up (transiently).
    pub wait: Duration,
}

/// Runs `work` under the key's lock, or folds this request into the holder's next round.
pub async fn run<T, E, Fut>(
    state: &dyn StateStore,
    key: &Key<'_>,
    mut work: impl FnMut() -> Fut,
) -> Result<Coalesced<T>, CoalescedError<E>>
where
    Fut: Future<Output = Result<T, E>>,
{
    let deadline = tokio::time::Instant::now() + key.wait;
    loop {
        match take_or_request(state, key).await? {
            Turn::Mine => return hold_rounds(state, key, &mut work).await,
            Turn::Requested { holder, round } => {
                match wait_for_round(state, key, &holder, round, deadline).await? {
                    Waited::Served(round) => return Ok(Coalesced::Served { holder, round }),
                    // The holder let go (or died): take the lock or ask its next holder.
                    Waited::Changed => continue,
                }
            }
        }
    }
}

enum Turn {
    Mine,
    Requested { holder: String, round: u64 },
}

/// Takes the lock when it is free; else marks it for one more round, atomically.
async fn take_or_request(state: &dyn StateStore, key: &Key<'_>) -> Result<Turn, StateError> {
    let me = key.owner.to_string();
    let ttl = key.ttl;
    let doc = transact(state, key, move |doc| match doc {
        None => TxnOutcome::Write {
            data: json!({OWNER: me, "acquired_at": Utc::now(), ROUND: 0, REQUESTED: false}),
            ttl: Some(ttl),
        },
        Some(d) if requested(d) => TxnOutcome::Keep,
        // The holder's lease is left as it was: requests must not keep a dead holder's lock
        // alive.
        Some(d) => TxnOutcome::Write {
            data: marked(d, true, round(d)),
            ttl: remaining(d),
        },
    })
    .await?;
    match doc {
        Some(d) if owner(&d) == key.owner => Ok(Turn::Mine),
        Some(d) => Ok(Turn::Requested {
            holder: owner(&d).to_string(),
            round: round(&d),
        }),
        // Cannot happen (the transaction wrote or kept a document); ask again.
        None => Err(StateError::Busy(format!(
            "{}/{} vanished mid-request",
            key.collection, key.id
        ))),
    }
}

/// One transaction on the key's lock document.
async fn transact(
    state: &dyn StateStore,
    key: &Key<'_>,
    f: impl FnMut(Option<&Document>) -> TxnOutcome + Send + 'static,
) -> Result<Option<Document>, StateError> {
    state.transact(key.collection, key.id, Box::new(f)).await
}

/// The lock document with its request mark and round set.
fn marked(d: &Document, requested: bool, round: u64) -> Value {
    let mut data = d.data.clone();
    data[REQUESTED] = Value::Bool(requested);
    data[ROUND] = json!(round);
    data
}

enum Waited {
    /// A round after `round` started: the request is served.
    Served(u64),
    /// The lock was released, expired or changed hands.
    Changed,
}

async fn wait_for_round<E>(
    state: &dyn StateStore,
    key: &Key<'_>,
    holder: &str,
    round_seen: u64,
    deadline: tokio::time::Instant,
) -> Result<Waited, CoalescedError<E>> {
    loop {
        match state.get(key.collection, key.id).await? {
            Some(d) if owner(&d) == holder && round(&d) > round_seen => return Ok(Waited::Served(round(&d))),
            Some(d) if owner(&d) == holder => {}
            _ => return Ok(Waited::Changed),
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(CoalescedError::StillHeld {
                id: format!("{}/{}", key.collection, key.id),
                holder: holder.to_string(),
                waited: key.wait,
            });
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Runs rounds while requests keep arriving, then releases the lock.
async fn hold_rounds<T, E, Fut>(
    state: &dyn StateStore,
    key: &Key<'_>,
    work: &mut impl FnMut() -> Fut,
) -> Result<Coalesced<T>, CoalescedError<E>>
where
    Fut: Future<Output = Result<T, E>>,
{
    let mut rounds = Vec::new();
    loop {
        let out = lock::hold(state, key.collection, key.id, key.owner, key.ttl, work()).await;
        match out {
            Ok(out) => rounds.push(out),
            Err(e) => {
                if let Err(release) = lock::release(state, key.collection, key.id, key.owner).await {
                    tracing::warn!(lock = %format!("{}/{}", key.collection, key.id), error = %release, "release after a failed round failed; the lease expires");
                }
                return Err(CoalescedError::Work(e));
            }
        }
        if !next_round_or_release(state, key).await? {
            return Ok(Coalesced::Ran(rounds));
        }
    }
}

/// At the end of a round: with a request pending, starts the next round (clears the
/// mark, counts the round, renews the lease) and says so; else deletes the lock. A busy
/// store is tried again, as a release is.
async fn next_round_or_release(state: &dyn StateStore, key: &Key<'_>) -> Result<bool, StateError> {
    let lock = format!("{}/{}", key.collection, key.id);
    lock::retry_busy(&lock, || next_round_once(state, key)).await
}

async fn next_round_once(state: &dyn StateStore, key: &Key<'_>) -> Result<bool, StateError> {
    let me = key.owner.to_string();
    let ttl = key.ttl;
    let doc = transact(state, key, move |doc| match doc {
        Some(d) if owner(d) == me && requested(d) => TxnOutcome::Write {
            data: marked(d, false, round(d) + 1),
            ttl: Some(ttl),
        },
        Some(d) if owner(d) == me => TxnOutcome::Delete,
        // Taken over (this holder's lease ran out): not ours to touch.
        _ => TxnOutcome::Keep,
    })
    .await?;
    Ok(doc.is_some_and(|d| owner(&d) == key.owner))
}

fn owner(d: &Document) -> &str {
    d.data.get(OWNER).and_then(Value::as_str).unwrap_or("unknown")
}

fn round(d: &Document) -> u64 {
    d.data.get(ROUND).and_then(Value::as_u64).unwrap_or(0)
}

fn requested(d: &Document) -> bool {
    d.data.get(REQUESTED).and_then(Value::as_bool).unwrap_or(false)
}

/// What is left of a document's lease (`None`: it has none).
fn remaining(d: &Document) -> Option<Duration> {
    d.expires_at.map(|at| {
        (at - Utc::now())
            .to_std()
            .unwrap_or_default()
            .max(Duration::from_millis(1))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embedded::SqliteStateStore;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    fn key<'a>(owner: &'a str, ttl: Duration) -> Key<'a> {
        Key {
            collection: "locks",
            id: "2024-10-22",
            owner,
            ttl,
            wait: Duration::from_secs(10),
        }
    }

    /// The lost update this module exists for: a value written while a round runs must be
    /// read by a round that starts after the request, and the served requester's answer
    /// comes only once that round has begun.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn requests_during_a_round_are_served_by_one_more_round_that_reads_after_them() {
        let dir = tempfile::tempdir().unwrap();
        let state = SqliteStateStore::open(&dir.path().join("s.sqlite")).unwrap();
        let source = Arc::new(AtomicU64::new(1));
        let rounds_read = Arc::new(std::sync::Mutex::new(Vec::new()));
        let work = |source: Arc<AtomicU64>, log: Arc<std::sync::Mutex<Vec<u64>>>| {
            move || {
                let (source, log) = (source.clone(), log.clone());
                async move {
                    let seen = source.load(Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    log.lock().unwrap().push(seen);
                    Ok::<u64, ()>(seen)
                }
            }
        };
        let ttl = Duration::from_secs(5);
        let first_key = key("first", ttl);
        let first = run(&state, &first_key, work(source.clone(), rounds_read.clone()));
        let late = async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            // Three loads land during the first round, each asking for a recompute.
            let mut served = Vec::new();
            for (n, owner) in [(2, "a"), (3, "b"), (4, "c")] {
                source.store(n, Ordering::SeqCst);
                served.push(tokio::spawn({
                    let state = state.clone();
                    let (s, l) = (source.clone(), rounds_read.clone());
                    async move { run(&state, &key(owner, ttl), work(s, l)).await.unwrap() }
                }));
            }
            let mut out = Vec::new();
            for s in served {
                out.push(s.await.unwrap());
            }
            out
        };
        let (first, late) = tokio::join!(first, late);
        assert_eq!(
            first.unwrap(),
            Coalesced::Ran(vec![1, 4]),
            "one more round, reading the last load"
        );
        for served in late {
            assert_eq!(
                served,
                Coalesced::Served {
                    holder: "first".into(),
                    round: 1
                }
            );
        }
        assert_eq!(*rounds_read.lock().unwrap(), vec![1, 4]);
        assert_eq!(state.get("locks", "2024-10-22").await.unwrap(), None, "released");
    }

    /// A holder killed mid-round: its requester is not served by a round that never
    /// starts; it waits out the lease and runs itself.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_to_a_dead_holder_runs_itself_after_the_lease() {
        let dir = tempfile::tempdir().unwrap();
        let state = SqliteStateStore::open(&dir.path().join("s.sqlite")).unwrap();
        let ttl = Duration::from_millis(300);
        let dead = key("dead", ttl);
        let killed = run(&state, &dead, std::future::pending::<Result<u8, ()>>);
        assert!(tokio::time::timeout(Duration::from_millis(100), killed).await.is_err());
        let started = tokio::time::Instant::now();
        let out = run(&state, &key("next", ttl), || async { Ok::<u8, ()>(7) })
            .await
            .unwrap();
        assert_eq!(out, Coalesced::Ran(vec![7]));
        assert!(
            started.elapsed() >= Duration::from_millis(150),
            "it waited for the lease"
        );
    }

    /// A failed round releases the lock at once, and the error is the work's.
    #[tokio::test]
    async fn a_failed_round_releases_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let state = SqliteStateStore::open(&dir.path().join("s.sqlite")).unwrap();
        let ttl = Duration::from_secs(60);
        let out = run(&state, &key("one", ttl), || async { Err::<u8, &str>("boom") }).await;
        assert!(matches!(out, Err(CoalescedError::Work("boom"))));
        let out = run(&state, &key("two", ttl), || async { Ok::<u8, &str>(1) })
            .await
            .unwrap();
        assert_eq!(out, Coalesced::Ran(vec![1]));
    }
}
