//! Local secret sources: the process environment, or a fixed set for tests.

use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::ports::secrets::{Secret, SecretError, SecretSource};

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
