//! Every resource name in one place, so code, Terraform and tests agree.
//!
//! Cloud resources carry the environment prefix (`dev-nba-raw-complete`,
//! `dev_nba_raw`) so a dev deployment can never write prod. The embedded local
//! cloud isolates environments by data directory instead, and uses the canonical
//! names inside it (so `SELECT … FROM nba_raw.nbac_schedule` works as written).

use std::fmt;

use crate::config::Environment;

/// The Pub/Sub topics that connect the phases. Each has a dead-letter twin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    Phase1ScrapersComplete,
    Phase2RawComplete,
    Phase3AnalyticsComplete,
    Phase4Trigger,
    Phase4PrecomputeComplete,
    Phase5Trigger,
    PredictionRequest,
    PredictionReady,
    Phase5PredictionsComplete,
    Phase6ExportTrigger,
    GradingTrigger,
}

impl Topic {
    pub const ALL: [Topic; 11] = [
        Topic::Phase1ScrapersComplete,
        Topic::Phase2RawComplete,
        Topic::Phase3AnalyticsComplete,
        Topic::Phase4Trigger,
        Topic::Phase4PrecomputeComplete,
        Topic::Phase5Trigger,
        Topic::PredictionRequest,
        Topic::PredictionReady,
        Topic::Phase5PredictionsComplete,
        Topic::Phase6ExportTrigger,
        Topic::GradingTrigger,
    ];

    /// The canonical (un-prefixed) topic id.
    pub const fn id(self) -> &'static str {
        match self {
            Topic::Phase1ScrapersComplete => "nba-phase1-scrapers-complete",
            Topic::Phase2RawComplete => "nba-phase2-raw-complete",
            Topic::Phase3AnalyticsComplete => "nba-phase3-analytics-complete",
            Topic::Phase4Trigger => "nba-phase4-trigger",
            Topic::Phase4PrecomputeComplete => "nba-phase4-precompute-complete",
            Topic::Phase5Trigger => "nba-phase5-trigger",
            Topic::PredictionRequest => "nba-prediction-request",
            Topic::PredictionReady => "nba-prediction-ready",
            Topic::Phase5PredictionsComplete => "nba-phase5-predictions-complete",
            Topic::Phase6ExportTrigger => "nba-phase6-export-trigger",
            Topic::GradingTrigger => "nba-grading-trigger",
        }
    }

    /// The canonical id of this topic's dead-letter topic.
    pub fn dead_letter_id(self) -> String {
        format!("{}-dlq", self.id())
    }

    pub fn from_id(id: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.id() == id)
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Object-store buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// Raw upstream responses, written by the scrapers.
    Raw,
    /// Published JSON for the API and dashboard.
    Api,
    /// Trained model artifacts (`models/{system_id}/{trained_to}.json`), versioned by training cut-off.
    Models,
}

impl Bucket {
    pub const ALL: [Bucket; 3] = [Bucket::Raw, Bucket::Api, Bucket::Models];

    pub const fn id(self) -> &'static str {
        match self {
            Bucket::Raw => "nba-scraped-data",
            Bucket::Api => "nba-api",
            Bucket::Models => "nba-models",
        }
    }
}

/// Warehouse datasets (BigQuery datasets, DuckDB schemas locally).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dataset {
    Raw,
    Analytics,
    Precompute,
    Predictions,
    Reference,
    Orchestration,
}

impl Dataset {
    pub const ALL: [Dataset; 6] = [
        Dataset::Raw,
        Dataset::Analytics,
        Dataset::Precompute,
        Dataset::Predictions,
        Dataset::Reference,
        Dataset::Orchestration,
    ];

    pub const fn id(self) -> &'static str {
        match self {
            Dataset::Raw => "nba_raw",
            Dataset::Analytics => "nba_analytics",
            Dataset::Precompute => "nba_precompute",
            Dataset::Predictions => "nba_predictions",
            Dataset::Reference => "nba_reference",
            Dataset::Orchestration => "nba_orchestration",
        }
    }
}

impl fmt::Display for Dataset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Where names are resolved: the embedded local cloud or a cloud project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Embedded,
    Cloud,
}

/// Resolves canonical names to the names of one environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    env: Environment,
    scope: Scope,
}

impl Names {
    pub fn new(env: Environment, scope: Scope) -> Self {
        Names { env, scope }
    }

    pub fn embedded() -> Self {
        Names::new(Environment::Dev, Scope::Embedded)
    }

    fn prefixed(&self, id: &str, sep: char) -> String {
        match self.scope {
            Scope::Embedded => id.to_string(),
            Scope::Cloud => format!("{}{sep}{id}", self.env.as_str()),
        }
    }

    pub fn topic(&self, topic: Topic) -> String {
        self.prefixed(topic.id(), '-')
    }

    pub fn dead_letter_topic(&self, topic: Topic) -> String {
        self.prefixed(&topic.dead_letter_id(), '-')
    }

    pub fn bucket(&self, bucket: Bucket) -> String {
        self.prefixed(bucket.id(), '-')
    }

    pub fn dataset(&self, dataset: Dataset) -> String {
        self.prefixed(dataset.id(), '_')
    }

    /// A state-store (Firestore) collection name.
    pub fn collection(&self, id: &str) -> String {
        self.prefixed(id, '_')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloud_names_carry_the_environment_prefix() {
        let dev = Names::new(Environment::Dev, Scope::Cloud);
        assert_eq!(dev.topic(Topic::Phase2RawComplete), "dev-nba-phase2-raw-complete");
        assert_eq!(
            dev.dead_letter_topic(Topic::GradingTrigger),
            "dev-nba-grading-trigger-dlq"
        );
        assert_eq!(dev.bucket(Bucket::Raw), "dev-nba-scraped-data");
        assert_eq!(dev.dataset(Dataset::Raw), "dev_nba_raw");
        let prod = Names::new(Environment::Prod, Scope::Cloud);
        assert_ne!(prod.dataset(Dataset::Raw), dev.dataset(Dataset::Raw));
    }

    #[test]
    fn embedded_names_are_canonical() {
        let names = Names::embedded();
        assert_eq!(names.dataset(Dataset::Orchestration), "nba_orchestration");
        assert_eq!(names.topic(Topic::PredictionRequest), "nba-prediction-request");
    }

    #[test]
    fn every_topic_round_trips_by_id() {
        for t in Topic::ALL {
            assert_eq!(Topic::from_id(t.id()), Some(t));
        }
    }
}
