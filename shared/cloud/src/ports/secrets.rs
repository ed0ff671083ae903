//! Secrets (Secret Manager's role): API keys by name. Values never print: `Debug`
//! and `Display` show `[REDACTED]` and the value is zeroed on drop.

use std::fmt;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};

/// A secret value. Read it only with [`Secret::expose`], where it is sent.
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
/// is a network call; implementations cache when they are slow.
#[async_trait]
pub trait SecretSource: Send + Sync {
    /// The secret called `name` (e.g. `NBA_SECRET_ODDS_API_KEY`), `None` when it is not set.
    async fn secret(&self, name: &str) -> Result<Option<Secret>, SecretError>;
}
