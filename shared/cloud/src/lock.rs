//! A lease-style lock in the state store: one document per lock, create-if-absent
//! with a TTL and an owner. A holder that dies stops blocking when the TTL runs out
//! and the next caller takes it over; a release only deletes a lock its owner still
//! holds (after a takeover it is someone else's). Used by the raw processors' batch
//! mode and the prediction consolidation.
//!
//! A holder keeps its lease alive while it works ([`hold`] renews it every third of the
//! TTL), so the TTL can be short — shorter than the redelivery window of the messages
//! waiting behind it, or a dead holder's lock would outlive every redelivery and its
//! batch would be dead-lettered — without a live holder ever being taken over.

use std::future::Future;
use std::time::Duration;

use crate::ports::state::Created;
use crate::{StateError, StateStore, TxnOutcome};
use chrono::Utc;
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq)]
pub enum Lock {
    Acquired,
    Held { owner: String },
}

/// Takes the lock `id` for `owner` unless someone holds it unexpired.
pub async fn acquire(
    state: &dyn StateStore,
    collection: &str,
    id: &str,
    owner: &str,
    ttl: Duration,
) -> Result<Lock, StateError> {
    let doc = json!({"owner": owner, "acquired_at": Utc::now()});
    match state.create_if_absent(collection, id, doc, Some(ttl)).await? {
        Created::Created => Ok(Lock::Acquired),
        Created::Exists(existing) => Ok(Lock::Held {
            owner: existing
                .data
                .get("owner")
                .and_then(Value::as_str)
                .unwrap_or("unknown")
                .to_string(),
        }),
    }
}

/// Runs `work` while `owner` holds the lock, renewing the lease every third of `ttl`. The
/// renewal runs in the caller's task: when the holder dies (its task dropped), renewals
/// stop with it and the lock frees one TTL later. A failed renewal (a store outage) is
/// tried again at the next beat.
pub async fn hold<T>(
    state: &dyn StateStore,
    collection: &str,
    id: &str,
    owner: &str,
    ttl: Duration,
    work: impl Future<Output = T>,
) -> T {
    let beat = (ttl / 3).max(Duration::from_millis(10));
    let renewals = async {
        loop {
            tokio::time::sleep(beat).await;
            if let Err(e) = renew(state, collection, id, owner, ttl).await {
                tracing::warn!(lock = %format!("{collection}/{id}"), error = %e, "lock renewal failed; retrying at the next beat");
            }
        }
    };
    tokio::select! {
        out = work => out,
        () = renewals => unreachable!("renewals never end"),
    }
}

/// Extends the lease by `ttl` from now if `owner` still holds the lock; whether it did.
pub async fn renew(
    state: &dyn StateStore,
    collection: &str,
    id: &str,
    owner: &str,
    ttl: Duration,
) -> Result<bool, StateError> {
    let holder = owner.to_string();
    let doc = state
        .transact(
            collection,
            id,
            Box::new(move |doc| match doc {
                Some(d) if d.data.get("owner").and_then(Value::as_str) == Some(holder.as_str()) => TxnOutcome::Write {
                    data: d.data.clone(),
                    ttl: Some(ttl),
                },
                _ => TxnOutcome::Keep,
            }),
        )
        .await?;
    Ok(doc.is_some_and(|d| d.data.get("owner").and_then(Value::as_str) == Some(owner)))
}

/// Tries of a release whose store is briefly unavailable (100 ms doubling: about 3 s in all).
const RELEASE_ATTEMPTS: u32 = 6;

/// Deletes the lock only if `owner` still holds it (after a takeover it is someone else's).
/// A busy or briefly unavailable store is tried again for a few seconds: a release given
/// up leaves the lock blocking everyone behind it for a whole TTL.
pub async fn release(state: &dyn StateStore, collection: &str, id: &str, owner: &str) -> Result<(), StateError> {
    retry_busy(&format!("{collection}/{id}"), || {
        release_once(state, collection, id, owner)
    })
    .await
}

/// Runs `step` again while the store answers `Busy`, for a few seconds (100 ms doubling,
/// [`RELEASE_ATTEMPTS`] tries): for the steps that end a hold, where giving up leaves the
/// lock blocking everyone behind it for a whole TTL.
pub(crate) async fn retry_busy<T, Fut>(lock: &str, mut step: impl FnMut() -> Fut) -> Result<T, StateError>
where
    Fut: Future<Output = Result<T, StateError>>,
{
    let mut delay = Duration::from_millis(100);
    for attempt in 1..RELEASE_ATTEMPTS {
        match step().await {
            Err(StateError::Busy(why)) => {
                tracing::warn!(lock, attempt, error = %why, "ending a lock hold failed; retrying");
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
            done => return done,
        }
    }
    step().await
}

async fn release_once(state: &dyn StateStore, collection: &str, id: &str, owner: &str) -> Result<(), StateError> {
    let owner = owner.to_string();
    state
        .transact(
            collection,
            id,
            Box::new(move |doc| match doc {
                Some(d) if d.data.get("owner").and_then(Value::as_str) == Some(owner.as_str()) => TxnOutcome::Delete,
                _ => TxnOutcome::Keep,
            }),
        )
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Document;
    use crate::embedded::SqliteStateStore;
    use crate::ports::state::TxnFn;
    use async_trait::async_trait;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn store(dir: &tempfile::TempDir) -> SqliteStateStore {
        SqliteStateStore::open(&dir.path().join("state.sqlite")).unwrap()
    }

    /// Regression (found by `nba chaos`): a holder killed during the hold left its lock for a
    /// whole TTL, longer than the redelivery of the messages queued behind it. With leases, a
    /// live holder is never taken over however long it works, and a dead one frees the lock
    /// one TTL after it died.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_live_holder_keeps_its_lease_and_a_dead_one_frees_it() {
        let dir = tempfile::tempdir().unwrap();
        let state = store(&dir);
        let ttl = Duration::from_millis(300);
        assert_eq!(acquire(&state, "locks", "a", "one", ttl).await.unwrap(), Lock::Acquired);
        let contender = async {
            tokio::time::sleep(ttl * 3).await;
            acquire(&state, "locks", "a", "two", ttl).await.unwrap()
        };
        let work = hold(&state, "locks", "a", "one", ttl, tokio::time::sleep(ttl * 4));
        let ((), seen) = tokio::join!(work, contender);
        assert_eq!(seen, Lock::Held { owner: "one".into() });
        // Killed mid-work: the future is dropped, its renewals with it.
        let killed = hold(&state, "locks", "a", "one", ttl, std::future::pending::<()>());
        assert!(tokio::time::timeout(ttl, killed).await.is_err());
        tokio::time::sleep(ttl + ttl / 2).await;
        assert_eq!(acquire(&state, "locks", "a", "two", ttl).await.unwrap(), Lock::Acquired);
    }

    /// A store that answers `Busy` to its first `outage` transactions (a brief outage).
    struct Flaky {
        inner: SqliteStateStore,
        outage: AtomicU32,
    }

    #[async_trait]
    impl StateStore for Flaky {
        async fn get(&self, c: &str, id: &str) -> Result<Option<Document>, StateError> {
            self.inner.get(c, id).await
        }
        async fn set(&self, c: &str, id: &str, data: Value, ttl: Option<Duration>) -> Result<(), StateError> {
            self.inner.set(c, id, data, ttl).await
        }
        async fn create_if_absent(
            &self,
            c: &str,
            id: &str,
            data: Value,
            ttl: Option<Duration>,
        ) -> Result<Created, StateError> {
            self.inner.create_if_absent(c, id, data, ttl).await
        }
        async fn delete(&self, c: &str, id: &str) -> Result<(), StateError> {
            self.inner.delete(c, id).await
        }
        async fn transact(&self, c: &str, id: &str, f: TxnFn) -> Result<Option<Document>, StateError> {
            if self.outage.load(Ordering::SeqCst) > 0 {
                self.outage.fetch_sub(1, Ordering::SeqCst);
                return Err(StateError::Busy("unavailable".into()));
            }
            self.inner.transact(c, id, f).await
        }
        async fn list(&self, c: &str) -> Result<Vec<Document>, StateError> {
            self.inner.list(c).await
        }
    }

    /// Regression (found by `nba chaos`): a release that met a state-store outage gave up, and
    /// the lock blocked its batch for a whole TTL. It is tried again for a few seconds.
    #[tokio::test]
    async fn a_release_outlasts_a_brief_outage() {
        let dir = tempfile::tempdir().unwrap();
        let state = Flaky {
            inner: store(&dir),
            outage: AtomicU32::new(3),
        };
        let ttl = Duration::from_secs(60);
        assert_eq!(acquire(&state, "locks", "a", "one", ttl).await.unwrap(), Lock::Acquired);
        release(&state, "locks", "a", "one").await.unwrap();
        assert_eq!(acquire(&state, "locks", "a", "two", ttl).await.unwrap(), Lock::Acquired);
    }
}
