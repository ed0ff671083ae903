//! Batch state in the state store.
//!
//! Layout (collection names carry the environment prefix):
//! - `prediction_batches/{game_date}_{mode}`: one [`Batch`] per date and run mode —
//!   generation, expected/completed/failed counts, skips by reason, start/end, status,
//!   and the consolidation record. Small and bounded: no per-player arrays.
//! - `prediction_batches/{batch_id}/players/{player_lookup}`: one [`PlayerRecord`] per
//!   player of a generation (`batch_id` = `{game_date}_{mode}_g{generation}`): pending,
//!   completed, failed or skipped, with the message id that completed it. Progress is
//!   counted from these documents, so a redelivered completion cannot count twice and
//!   nothing grows towards Firestore's 1,000-element array limit.
//!
//! A forced re-run bumps the generation: a fresh player collection, and requests of the
//! older generation are recognised as stale by the workers.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use nba_cloud::ports::state::Created;
use nba_cloud::{Document, StateStore, TxnOutcome};
use nba_core::messages::RunMode;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::PredictionError;
use crate::messages::{PredictionsComplete, SystemFailure};

pub const BATCHES: &str = "prediction_batches";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchStatus {
    /// Requests out (or being published), players being predicted.
    Open,
    /// Every player done, consolidated.
    Complete,
    /// Consolidated on the stall timeout with players missing.
    Partial,
}

impl BatchStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BatchStatus::Open => "open",
            BatchStatus::Complete => "complete",
            BatchStatus::Partial => "partial",
        }
    }
}

/// What the one consolidation of a generation did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsolidationRecord {
    pub owner: String,
    /// The completion message (kept so a takeover can publish it if its owner died first).
    pub message: PredictionsComplete,
    /// The completion message is out.
    pub published: bool,
}

/// One batch: a date and run mode, at its current generation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    pub game_date: NaiveDate,
    pub mode: RunMode,
    pub generation: u32,
    pub correlation_id: String,
    pub status: BatchStatus,
    /// Players requested.
    pub expected: u64,
    pub completed: u64,
    pub failed: u64,
    /// Players not requested, by reason.
    pub skipped: BTreeMap<String, u64>,
    /// Enabled systems (members then ensembles) when the batch opened.
    pub systems: Vec<String>,
    /// Every request of this generation was published.
    pub requests_published: bool,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub consolidation: Option<ConsolidationRecord>,
}

impl Batch {
    /// Document id: `{game_date}_{mode}`.
    pub fn key_of(game_date: NaiveDate, mode: RunMode) -> String {
        format!("{game_date}_{}", mode.as_str())
    }

    pub fn key(&self) -> String {
        Self::key_of(self.game_date, self.mode)
    }

    /// `{game_date}_{mode}_g{generation}`: staging rows, requests and player documents carry it.
    pub fn batch_id(&self) -> String {
        format!("{}_g{}", self.key(), self.generation)
    }

    pub fn done(&self) -> u64 {
        self.completed + self.failed
    }

    pub fn is_finished(&self) -> bool {
        self.status != BatchStatus::Open
    }

    pub fn all_done(&self) -> bool {
        self.done() >= self.expected
    }

    /// Share of expected players done (1 for an empty batch).
    pub fn done_share(&self) -> f64 {
        if self.expected == 0 {
            1.0
        } else {
            self.done() as f64 / self.expected as f64
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlayerState {
    Pending,
    Completed,
    Failed,
    Skipped,
}

/// One player of one generation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlayerRecord {
    pub player_lookup: String,
    pub state: PlayerState,
    /// Why a player was skipped or failed.
    pub reason: Option<String>,
    /// The request message that completed the player (a redelivery of it is a no-op).
    pub message_id: Option<String>,
    pub at: Option<DateTime<Utc>>,
    pub systems_ok: Vec<String>,
    /// Systems that gave no prediction, with why (bounded by the number of systems).
    pub systems_failed: Vec<SystemFailure>,
}

impl PlayerRecord {
    pub fn pending(player_lookup: &str) -> Self {
        PlayerRecord {
            player_lookup: player_lookup.to_string(),
            state: PlayerState::Pending,
            reason: None,
            message_id: None,
            at: None,
            systems_ok: Vec::new(),
            systems_failed: Vec::new(),
        }
    }

    pub fn skipped(player_lookup: &str, reason: &str) -> Self {
        PlayerRecord {
            state: PlayerState::Skipped,
            reason: Some(reason.to_string()),
            ..Self::pending(player_lookup)
        }
    }
}

/// The counts of a generation's player documents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub pending: u64,
    pub completed: u64,
    pub failed: u64,
    pub skipped: u64,
}

/// Where a batch's documents live (names already prefixed).
#[derive(Debug, Clone)]
pub struct BatchStore {
    pub batches: String,
}

/// What opening a batch found.
#[derive(Debug, Clone, PartialEq)]
pub enum Opened {
    /// A new batch (first run of the date and mode).
    New(Batch),
    /// `force`: the existing batch at its next generation.
    Reopened(Batch),
    /// The batch exists and `force` was not asked: reported, not re-run.
    Existing(Batch),
}

impl Opened {
    pub fn batch(&self) -> &Batch {
        match self {
            Opened::New(b) | Opened::Reopened(b) | Opened::Existing(b) => b,
        }
    }
}

impl BatchStore {
    pub fn new(names: &nba_core::Names) -> Self {
        BatchStore {
            batches: names.collection(BATCHES),
        }
    }

    /// The player collection of one generation.
    pub fn players(&self, batch_id: &str) -> String {
        format!("{}/{batch_id}/players", self.batches)
    }

    pub async fn load(&self, state: &dyn StateStore, key: &str) -> Result<Option<Batch>, PredictionError> {
        state.get(&self.batches, key).await?.map(|d| decode(&d)).transpose()
    }

    /// Creates the batch (create-if-absent), or with `force` moves an existing one to its
    /// next generation with fresh counts; otherwise reports the existing one.
    pub async fn open(&self, state: &dyn StateStore, fresh: Batch, force: bool) -> Result<Opened, PredictionError> {
        let key = fresh.key();
        let doc = serde_json::to_value(&fresh).map_err(|e| PredictionError::corrupt("batch", e))?;
        let existing = match state.create_if_absent(&self.batches, &key, doc, None).await? {
            Created::Created => return Ok(Opened::New(fresh)),
            Created::Exists(d) => decode::<Batch>(&d)?,
        };
        if !force {
            return Ok(Opened::Existing(existing));
        }
        let written = fresh.clone();
        let after = state
            .transact(
                &self.batches,
                &key,
                Box::new(move |doc| {
                    // The generation as it stands now (another force may have raced us).
                    let current = doc
                        .and_then(|d| d.data.get("generation"))
                        .and_then(serde_json::Value::as_u64)
                        .map_or(existing.generation, |g| g as u32);
                    let batch = Batch {
                        generation: current + 1,
                        ..written.clone()
                    };
                    TxnOutcome::Write {
                        data: serde_json::to_value(batch).expect("a batch serialises"),
                        ttl: None,
                    }
                }),
            )
            .await?;
        let batch = after
            .map(|d| decode::<Batch>(&d))
            .transpose()?
            .ok_or_else(|| PredictionError::corrupt(key, "the reopened batch vanished"))?;
        Ok(Opened::Reopened(batch))
    }

    /// Writes the player documents of a generation (idempotent: same content).
    pub async fn put_players(
        &self,
        state: &dyn StateStore,
        batch_id: &str,
        players: &[PlayerRecord],
    ) -> Result<(), PredictionError> {
        let collection = self.players(batch_id);
        for p in players {
            let doc = serde_json::to_value(p).map_err(|e| PredictionError::corrupt("player", e))?;
            // Never overwrite a player a worker already finished (a re-published batch).
            let _ = state.create_if_absent(&collection, &p.player_lookup, doc, None).await?;
        }
        Ok(())
    }

    pub async fn player(
        &self,
        state: &dyn StateStore,
        batch_id: &str,
        player: &str,
    ) -> Result<Option<PlayerRecord>, PredictionError> {
        state
            .get(&self.players(batch_id), player)
            .await?
            .map(|d| decode(&d))
            .transpose()
    }

    /// Marks a pending player done. Returns the record as it stands and whether this call
    /// changed it (false: it was done already, e.g. by an earlier delivery).
    pub async fn finish_player(
        &self,
        state: &dyn StateStore,
        batch_id: &str,
        done: PlayerRecord,
    ) -> Result<(PlayerRecord, bool), PredictionError> {
        let changed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = changed.clone();
        let written = done.clone();
        let after = state
            .transact(
                &self.players(batch_id),
                &done.player_lookup,
                Box::new(move |doc| {
                    // An unreadable record is left as it is: the decode below then fails
                    // loudly instead of the record being overwritten as if pending.
                    let current = match doc.map(|d| serde_json::from_value::<PlayerRecord>(d.data.clone())) {
                        None => None,
                        Some(Ok(p)) => Some(p),
                        Some(Err(_)) => return TxnOutcome::Keep,
                    };
                    match current {
                        Some(p) if p.state != PlayerState::Pending => {
                            flag.store(false, std::sync::atomic::Ordering::SeqCst);
                            TxnOutcome::Keep
                        }
                        _ => {
                            flag.store(true, std::sync::atomic::Ordering::SeqCst);
                            TxnOutcome::Write {
                                data: serde_json::to_value(&written).expect("a player record serialises"),
                                ttl: None,
                            }
                        }
                    }
                }),
            )
            .await?;
        let record = after.map(|d| decode(&d)).transpose()?.unwrap_or(done);
        Ok((record, changed.load(std::sync::atomic::Ordering::SeqCst)))
    }

    /// Counts a generation's player documents.
    pub async fn progress(&self, state: &dyn StateStore, batch_id: &str) -> Result<Progress, PredictionError> {
        let mut p = Progress::default();
        for doc in state.list(&self.players(batch_id)).await? {
            match decode::<PlayerRecord>(&doc)?.state {
                PlayerState::Pending => p.pending += 1,
                PlayerState::Completed => p.completed += 1,
                PlayerState::Failed => p.failed += 1,
                PlayerState::Skipped => p.skipped += 1,
            }
        }
        Ok(p)
    }

    /// Raises the batch's counts to what the player documents say (counts only grow:
    /// two workers writing concurrently cannot lower them), for the same generation only.
    pub async fn record_progress(
        &self,
        state: &dyn StateStore,
        key: &str,
        generation: u32,
        p: Progress,
    ) -> Result<Option<Batch>, PredictionError> {
        self.update(state, key, move |b| {
            if b.generation != generation {
                return false;
            }
            b.completed = b.completed.max(p.completed);
            b.failed = b.failed.max(p.failed);
            true
        })
        .await
    }

    /// Read-modify-write of a batch: `f` returns whether it changed it.
    pub async fn update(
        &self,
        state: &dyn StateStore,
        key: &str,
        mut f: impl FnMut(&mut Batch) -> bool + Send + 'static,
    ) -> Result<Option<Batch>, PredictionError> {
        let after = state
            .transact(
                &self.batches,
                key,
                Box::new(move |doc| {
                    // Absent or unreadable: keep it; an unreadable one fails the decode below.
                    let Some(mut batch) = doc.and_then(|d| serde_json::from_value::<Batch>(d.data.clone()).ok()) else {
                        return TxnOutcome::Keep;
                    };
                    match f(&mut batch) {
                        true => TxnOutcome::Write {
                            data: serde_json::to_value(batch).expect("a batch serialises"),
                            ttl: None,
                        },
                        false => TxnOutcome::Keep,
                    }
                }),
            )
            .await?;
        after.map(|d| decode(&d)).transpose()
    }

    /// Every batch (for the stall check).
    pub async fn all(&self, state: &dyn StateStore) -> Result<Vec<Batch>, PredictionError> {
        state.list(&self.batches).await?.iter().map(decode).collect()
    }
}

fn decode<T: DeserializeOwned>(doc: &Document) -> Result<T, PredictionError> {
    serde_json::from_value(doc.data.clone())
        .map_err(|e| PredictionError::corrupt(format!("{}/{}", doc.collection, doc.id), e))
}
