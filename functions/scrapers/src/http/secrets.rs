//! API keys: where they come from and the type that keeps them out of logs.
//!
//! Keys are attached by the fetcher at send time (see [`super::policy::Auth`]),
//! never by URL builders, so the URLs that scrapers build, log and store never
//! hold one. In production the source will be Secret Manager; for now (and for
//! local runs) it is the environment, behind [`SecretSource`] so the fetcher does
//! not care which.

use std::collections::BTreeMap;
use std::fmt;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};

/// Environment variable (and secret name) of the balldontlie API key.
pub const BALLDONTLIE_API_KEY: &str = "NBA_SECRET_BALLDONTLIE_API_KEY";
/// Environment variable (and secret name) of The Odds API key.
pub const ODDS_API_KEY: &str = "NBA_SECRET_ODDS_API_KEY";
/// Environment variable (and secret name) of the BettingPros `x-api-key`.
pub const BETTINGPROS_API_KEY: &str = "NBA_SECRET_BETTINGPROS_API_KEY";

/// A secret value. Debug and Display print `[REDACTED]`; the value is zeroed on
/// drop. Read it only with [`Secret::expose`], at the point where it is sent.
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(SecretString::from(value.into()))
    }

    /// The raw value, for the one place that puts it on the wire.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// A secret could not be read (the store was unreachable, access denied…).
/// An absent secret is not an error of the source: it is `Ok(None)`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("secret {name}: {reason}")]
pub struct SecretError {
    pub name: String,
    pub reason: String,
}

/// Where secrets come from. Async because the production store (Secret Manager)
/// is a network call; implementations should cache if they are slow.
#[async_trait]
pub trait SecretSource: Send + Sync {
    /// The secret called `name`, `None` when it is not set.
    async fn secret(&self, name: &str) -> Result<Option<Secret>, SecretError>;
}

/// Secrets from process environment variables of the same name. Empty counts as unset.
#[derive(Debug, Clone, Copy, Default)]
pub struct EnvSecrets;

#[async_trait]
impl SecretSource for EnvSecrets {
    async fn secret(&self, name: &str) -> Result<Option<Secret>, SecretError> {
        match std::env::var(name) {
            Ok(v) if !v.is_empty() => Ok(Some(Secret::new(v))),
            Ok(_) | Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(SecretError {
                name: name.into(),
                reason: "the environment value is not UTF-8".into(),
            }),
        }
    }
}

/// A fixed set of secrets: tests, and replays that need a placeholder key
/// without touching the process environment.
#[derive(Debug, Clone, Default)]
pub struct StaticSecrets(BTreeMap<String, Secret>);

impl StaticSecrets {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.0.insert(name.into(), Secret::new(value));
        self
    }
}

#[async_trait]
impl SecretSource for StaticSecrets {
    async fn secret(&self, name: &str) -> Result<Option<Secret>, SecretError> {
        Ok(self.0.get(name).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("sekrit-123");
        assert_eq!(format!("{s}"), "[REDACTED]");
        assert_eq!(format!("{s:?}"), "[REDACTED]");
        assert_eq!(
            format!("{:?}", StaticSecrets::new().with("K", "sekrit-123")),
            "StaticSecrets({\"K\": [REDACTED]})"
        );
        assert_eq!(s.expose(), "sekrit-123");
    }

    #[tokio::test]
    async fn static_source_answers_none_for_unknown_names() {
        let src = StaticSecrets::new().with(ODDS_API_KEY, "x");
        assert!(src.secret(ODDS_API_KEY).await.unwrap().is_some());
        assert!(src.secret(BALLDONTLIE_API_KEY).await.unwrap().is_none());
    }
}
