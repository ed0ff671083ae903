//! One typed configuration, read from the environment (and optionally a JSON
//! file named by `NBA_CONFIG_FILE`; environment variables win). Anything
//! unknown or malformed is a startup error, never a silent default.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::names::{Names, Scope};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("config {key}: {reason} (got {value:?})")]
    Invalid { key: String, value: String, reason: String },
    #[error("config file {path}: {reason}")]
    File { path: String, reason: String },
}

/// Deployment environment. Cloud resource names carry it as a prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Dev,
    Prod,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Dev => "dev",
            Environment::Prod => "prod",
        }
    }
}

/// Which adapters back the ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// Local object store, in-process Pub/Sub, embedded warehouse and state store.
    Embedded,
    /// Google Cloud (GCS, Pub/Sub, BigQuery, Firestore).
    Gcp,
}

/// Every timeout in one place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeouts {
    /// Upstream HTTP connect timeout.
    pub http_connect: Duration,
    /// Upstream HTTP whole-request timeout (a hanging upstream ends here).
    pub http_total: Duration,
    /// Longest a function may take for one request.
    pub function_request: Duration,
    /// Drain window after SIGTERM (Cloud Run gives 10 s).
    pub shutdown_drain: Duration,
    /// Pub/Sub ack deadline: a push not answered by then is redelivered.
    pub ack_deadline: Duration,
    /// Lifetime of a distributed lock's lease before another owner may take it over (a
    /// live holder renews it). Must stay below the redelivery window of the messages that
    /// wait behind a lock (Terraform: 10 s, 20 s, 40 s, 80 s of backoff before the fifth and
    /// last delivery, 150 s), or a dead holder's lock outlives them all and its batch is
    /// dead-lettered.
    pub lock_ttl: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            http_connect: Duration::from_secs(10),
            http_total: Duration::from_secs(60),
            function_request: Duration::from_secs(540),
            shutdown_drain: Duration::from_secs(10),
            ack_deadline: Duration::from_secs(600),
            lock_ttl: Duration::from_secs(120),
        }
    }
}

/// Known feature flags. An unknown flag name is a startup error.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FeatureFlags {
    enabled: BTreeSet<String>,
}

impl FeatureFlags {
    /// Every flag the code knows, with what it switches.
    pub const KNOWN: &'static [(&'static str, &'static str)] = &[
        (
            "duplicate_deliveries",
            "local Pub/Sub delivers every message twice (idempotency drills)",
        ),
        (
            "quarantine_bad_input",
            "move permanently bad raw objects under quarantine/ (on by default)",
        ),
        (
            "strict_schema",
            "reject rows that violate a column check instead of only logging",
        ),
    ];

    pub fn parse(list: &str) -> Result<Self, ConfigError> {
        let mut enabled = BTreeSet::new();
        for raw in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if !Self::KNOWN.iter().any(|(name, _)| *name == raw) {
                return Err(ConfigError::Invalid {
                    key: "NBA_FEATURE_FLAGS".into(),
                    value: raw.into(),
                    reason: format!(
                        "unknown feature flag; known: {}",
                        Self::KNOWN.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                    ),
                });
            }
            enabled.insert(raw.to_string());
        }
        Ok(FeatureFlags { enabled })
    }

    pub fn is_enabled(&self, name: &str) -> bool {
        self.enabled.contains(name)
    }

    pub fn enable(&mut self, name: &str) {
        assert!(
            Self::KNOWN.iter().any(|(n, _)| *n == name),
            "unknown feature flag {name}"
        );
        self.enabled.insert(name.to_string());
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    pub project_id: String,
    pub environment: Environment,
    pub backend: Backend,
    pub sport: String,
    /// Root of the embedded local cloud's files (object store, warehouse, state).
    pub data_dir: PathBuf,
    pub timeouts: Timeouts,
    pub flags: FeatureFlags,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            project_id: "nba-props-local".into(),
            environment: Environment::Dev,
            backend: Backend::Embedded,
            sport: "nba".into(),
            data_dir: PathBuf::from(".nba"),
            timeouts: Timeouts::default(),
            flags: FeatureFlags::parse("quarantine_bad_input").expect("known flag"),
        }
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let vars: BTreeMap<String, String> = std::env::vars().filter(|(k, _)| k.starts_with("NBA_")).collect();
        Self::from_vars(&vars)
    }

    /// Builds a config from `NBA_*` variables (file first, variables on top).
    pub fn from_vars(vars: &BTreeMap<String, String>) -> Result<Self, ConfigError> {
        let mut cfg = match vars.get("NBA_CONFIG_FILE") {
            Some(path) => Self::from_file(path)?,
            None => Config::default(),
        };
        for (key, value) in vars {
            cfg.apply(key, value)?;
        }
        Ok(cfg)
    }

    fn from_file(path: &str) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
            path: path.into(),
            reason: e.to_string(),
        })?;
        serde_json::from_str(&text).map_err(|e| ConfigError::File {
            path: path.into(),
            reason: e.to_string(),
        })
    }

    fn apply(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        let invalid = |reason: &str| ConfigError::Invalid {
            key: key.into(),
            value: value.into(),
            reason: reason.into(),
        };
        let secs = || -> Result<Duration, ConfigError> {
            value
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s > 0.0)
                .map(Duration::from_secs_f64)
                .ok_or_else(|| invalid("expected a positive number of seconds"))
        };
        match key {
            "NBA_CONFIG_FILE" => {}
            "NBA_PROJECT_ID" if !value.is_empty() => self.project_id = value.into(),
            "NBA_ENV" => {
                self.environment = match value {
                    "dev" => Environment::Dev,
                    "prod" => Environment::Prod,
                    _ => return Err(invalid("expected dev or prod")),
                }
            }
            "NBA_BACKEND" => {
                self.backend = match value {
                    "embedded" => Backend::Embedded,
                    "gcp" => Backend::Gcp,
                    _ => return Err(invalid("expected embedded or gcp")),
                }
            }
            "NBA_SPORT" => {
                if value != "nba" {
                    return Err(invalid("only nba is supported"));
                }
            }
            "NBA_DATA_DIR" if !value.is_empty() => self.data_dir = PathBuf::from(value),
            "NBA_FEATURE_FLAGS" => self.flags = FeatureFlags::parse(value)?,
            "NBA_TIMEOUT_HTTP_CONNECT_SECS" => self.timeouts.http_connect = secs()?,
            "NBA_TIMEOUT_HTTP_TOTAL_SECS" => self.timeouts.http_total = secs()?,
            "NBA_TIMEOUT_FUNCTION_SECS" => self.timeouts.function_request = secs()?,
            "NBA_TIMEOUT_SHUTDOWN_SECS" => self.timeouts.shutdown_drain = secs()?,
            "NBA_TIMEOUT_ACK_DEADLINE_SECS" => self.timeouts.ack_deadline = secs()?,
            "NBA_TIMEOUT_LOCK_TTL_SECS" => self.timeouts.lock_ttl = secs()?,
            // Variables read by other components (upstream URLs, secrets, emulator hosts)
            // are validated where they are used.
            _ if Self::FOREIGN_PREFIXES.iter().any(|p| key.starts_with(p)) => {}
            _ => return Err(invalid("unknown NBA_* setting")),
        }
        Ok(())
    }

    /// `NBA_*` variables owned by other components.
    const FOREIGN_PREFIXES: &'static [&'static str] = &[
        "NBA_UPSTREAM_",
        "NBA_SECRET_",
        "NBA_PROXY_",
        "NBA_LOG",
        "NBA_DATASET_DIR",
        "NBA_FUNCTION_URL_",
        "NBA_WORKFLOW_FILE",
        // The span exporter (nba_runtime::telemetry).
        "NBA_TRACES",
    ];

    pub fn names(&self) -> Names {
        let scope = match self.backend {
            Backend::Embedded => Scope::Embedded,
            Backend::Gcp => Scope::Cloud,
        };
        Names::new(self.environment, scope)
    }

    /// The embedded cloud's directory for this environment: environments never share files.
    pub fn env_dir(&self) -> PathBuf {
        self.data_dir.join(self.environment.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_are_embedded_dev() {
        let cfg = Config::from_vars(&vars(&[])).unwrap();
        assert_eq!(cfg.backend, Backend::Embedded);
        assert_eq!(cfg.environment, Environment::Dev);
        assert!(cfg.flags.is_enabled("quarantine_bad_input"));
    }

    #[test]
    fn unknown_flag_is_a_startup_error() {
        let err = Config::from_vars(&vars(&[("NBA_FEATURE_FLAGS", "warp_drive")])).unwrap_err();
        assert!(err.to_string().contains("unknown feature flag"), "{err}");
    }

    #[test]
    fn bad_values_and_unknown_settings_are_errors() {
        assert!(Config::from_vars(&vars(&[("NBA_ENV", "staging")])).is_err());
        assert!(Config::from_vars(&vars(&[("NBA_TIMEOUT_LOCK_TTL_SECS", "-3")])).is_err());
        assert!(Config::from_vars(&vars(&[("NBA_TYPO", "1")])).is_err());
    }

    #[test]
    fn timeouts_are_read_in_seconds() {
        let cfg = Config::from_vars(&vars(&[("NBA_TIMEOUT_HTTP_TOTAL_SECS", "2.5")])).unwrap();
        assert_eq!(cfg.timeouts.http_total, Duration::from_millis(2500));
    }
}
