//! Service-to-service identity: an OIDC ID token to call another function.
//!
//! On Cloud Run a private service accepts only requests bearing an ID token whose
//! audience is its URL, minted for a caller granted `run.invoker`. Locally the
//! functions listen on loopback and need none.

use async_trait::async_trait;

/// An ID token could not be minted (metadata server unreachable, refused…).
#[derive(Debug, Clone, thiserror::Error)]
#[error("ID token for {audience}: {reason}")]
pub struct IdTokenError {
    pub audience: String,
    pub reason: String,
}

/// Where ID tokens come from.
#[async_trait]
pub trait IdTokenSource: Send + Sync {
    /// A bearer token for calls to `audience` (the callee's base URL), or `None` when
    /// calls need no token (local platform).
    async fn id_token(&self, audience: &str) -> Result<Option<String>, IdTokenError>;
}

/// The local platform's source: calls carry no token.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoIdTokens;

#[async_trait]
impl IdTokenSource for NoIdTokens {
    async fn id_token(&self, _audience: &str) -> Result<Option<String>, IdTokenError> {
        Ok(None)
    }
}
