//! What the three phase-5 functions share: clients, names, the enabled systems with
//! their breakers, the batch store and the tunables.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use nba_cloud::Clients;
use nba_core::Names;
use nba_systems::{EnsembleSystem, PredictionInput, PredictionSystem, SystemPrediction};

use crate::batch::BatchStore;
use crate::breaker::{BreakerConfig, Breakers, SystemRun};

/// The instant a run is made at (injected so tests control it).
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Tunables, with the documented defaults.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Players expected to play fewer minutes than this are not predicted (bench players
    /// whose points are noise and rarely have a line).
    pub min_expected_minutes: f64,
    /// Requests published at once by the coordinator.
    pub publish_concurrency: usize,
    /// How long a consolidation lock holds before a takeover.
    pub lock_ttl: Duration,
    /// How long a ready message waits for a consolidation lock held by another delivery
    /// before answering 503 (see `ConsolidatorFunction::on_ready`).
    pub held_wait: Duration,
    /// A batch open this long with at least `stall_min_share` of its players done is
    /// consolidated partial by [`crate::consolidate::evaluate_stalled`].
    pub stall_after: TimeDelta,
    pub stall_min_share: f64,
    /// Coverage SLO: share of players with a prediction from every enabled system.
    pub coverage_target: f64,
    pub breaker: BreakerConfig,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            min_expected_minutes: 10.0,
            publish_concurrency: 16,
            lock_ttl: Duration::from_secs(120),
            held_wait: Duration::from_secs(10),
            stall_after: TimeDelta::minutes(20),
            stall_min_share: 0.8,
            coverage_target: 0.9,
            breaker: BreakerConfig::default(),
        }
    }
}

/// The enabled systems: members, then ensembles combining the members' predictions.
#[derive(Default)]
pub struct Systems {
    pub members: Vec<Box<dyn PredictionSystem>>,
    pub ensembles: Vec<Box<dyn EnsembleSystem>>,
}

impl Systems {
    pub fn ids(&self) -> Vec<String> {
        let members = self.members.iter().map(|s| s.system_id().to_string());
        members
            .chain(self.ensembles.iter().map(|e| e.system_id().to_string()))
            .collect()
    }

    /// Runs every system, each behind its breaker: (system id, version, run).
    pub fn run(&self, breakers: &Breakers, input: &PredictionInput) -> Vec<(String, String, SystemRun)> {
        let mut out = Vec::new();
        let mut ok: Vec<SystemPrediction> = Vec::new();
        for s in &self.members {
            let run = breakers.run(s.system_id(), || s.predict(input));
            if let SystemRun::Ok(p) = &run {
                ok.push(p.clone());
            }
            out.push((s.system_id().to_string(), s.version(), run));
        }
        for e in &self.ensembles {
            let run = if ok.is_empty() {
                SystemRun::Declined("no member system predicted".into())
            } else {
                breakers.run(e.system_id(), || e.combine(input, &ok))
            };
            out.push((e.system_id().to_string(), e.version(), run));
        }
        out
    }
}

pub struct Pipeline {
    pub clients: Clients,
    pub names: Names,
    /// The systems without trained models (used when no model store is set).
    pub systems: Arc<Systems>,
    /// Trained tree models, chosen per game date (see [`crate::models`]).
    pub models: Option<crate::models::ModelStore>,
    pub breakers: Breakers,
    pub store: BatchStore,
    pub locks: String,
    pub settings: Settings,
    pub clock: Clock,
}

impl Pipeline {
    pub fn new(clients: Clients, names: Names, systems: Systems, settings: Settings) -> Self {
        Pipeline {
            store: BatchStore::new(&names),
            locks: names.collection(crate::lock::LOCKS),
            breakers: Breakers::new(settings.breaker),
            clients,
            names,
            systems: Arc::new(systems),
            models: None,
            settings,
            clock: Arc::new(Utc::now),
        }
    }

    /// Loads tree models from `store` per game date.
    pub fn with_models(mut self, store: crate::models::ModelStore) -> Self {
        self.models = Some(store);
        self
    }

    /// The systems a prediction for `date` runs: with the tree models trained before it, when any.
    pub async fn systems_for(&self, date: chrono::NaiveDate) -> Result<Arc<Systems>, crate::error::PredictionError> {
        match &self.models {
            None => Ok(self.systems.clone()),
            Some(store) => Ok(store.systems_for(date).await?),
        }
    }

    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }
}
