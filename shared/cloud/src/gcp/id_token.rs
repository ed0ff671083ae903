//! ID tokens from the metadata server, the way Cloud Run services call each other.
//!
//! `GET /computeMetadata/v1/instance/service-accounts/default/identity?audience=…`
//! with `Metadata-Flavor: Google` answers a signed JWT for the instance's service
//! account. Tokens live an hour; each is cached per audience and renewed ten minutes
//! before its hour is up, so a busy caller asks the metadata server about once an hour.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::ports::id_token::{IdTokenError, IdTokenSource};

/// The metadata server as Cloud Run (and GCE, GKE) exposes it.
pub const METADATA_SERVER: &str = "http://metadata.google.internal";
const IDENTITY_PATH: &str = "/computeMetadata/v1/instance/service-accounts/default/identity";
/// How long a minted token is reused (Google's ID tokens expire after one hour).
const REUSE_FOR: Duration = Duration::from_secs(50 * 60);

/// [`IdTokenSource`] on the metadata server.
#[derive(Clone, Debug)]
pub struct MetadataIdTokens {
    http: reqwest::Client,
    endpoint: String,
    /// Audience → (minted at, token).
    cache: Arc<Mutex<HashMap<String, (Instant, String)>>>,
}

impl MetadataIdTokens {
    /// `endpoint`: the metadata server's base URL (no trailing slash).
    pub fn new(http: reqwest::Client, endpoint: &str) -> Self {
        MetadataIdTokens {
            http,
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            cache: Arc::default(),
        }
    }

    fn cached(&self, audience: &str) -> Option<String> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .get(audience)
            .filter(|(minted, _)| minted.elapsed() < REUSE_FOR)
            .map(|(_, token)| token.clone())
    }

    async fn mint(&self, audience: &str) -> Result<String, IdTokenError> {
        let error = |reason: String| IdTokenError {
            audience: audience.to_owned(),
            reason,
        };
        let answer = self
            .http
            .get(format!("{}{IDENTITY_PATH}", self.endpoint))
            .query(&[("audience", audience), ("format", "full")])
            .header("Metadata-Flavor", "Google")
            .send()
            .await
            .map_err(|e| error(format!("metadata server unreachable: {e}")))?;
        let status = answer.status();
        let body = answer
            .text()
            .await
            .map_err(|e| error(format!("reading the metadata server's answer: {e}")))?;
        if !status.is_success() {
            // The body names the cause (no service account, bad audience); it holds no token.
            return Err(error(format!("metadata server answered {status}: {}", body.trim())));
        }
        let token = body.trim();
        // A JWT is three base64url segments; anything else is not a token to send.
        if token.split('.').count() != 3 {
            return Err(error("the metadata server's answer is not a JWT".into()));
        }
        Ok(token.to_owned())
    }
}

#[async_trait]
impl IdTokenSource for MetadataIdTokens {
    async fn id_token(&self, audience: &str) -> Result<Option<String>, IdTokenError> {
        if let Some(token) = self.cached(audience) {
            return Ok(Some(token));
        }
        let token = self.mint(audience).await?;
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(audience.to_owned(), (Instant::now(), token.clone()));
        Ok(Some(token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::extract::{Query, State};
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::get;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn client() -> reqwest::Client {
        super::super::install_tls();
        reqwest::Client::new()
    }

    /// A metadata server that checks the flavour header and counts the tokens it mints.
    async fn fake_metadata_server() -> (String, Arc<AtomicUsize>) {
        let minted = Arc::new(AtomicUsize::new(0));
        let identity = |State(minted): State<Arc<AtomicUsize>>,
                        headers: HeaderMap,
                        Query(q): Query<HashMap<String, String>>| async move {
            if headers.get("Metadata-Flavor").and_then(|v| v.to_str().ok()) != Some("Google") {
                return (StatusCode::FORBIDDEN, "missing Metadata-Flavor".to_owned());
            }
            match q.get("audience") {
                Some(aud) if aud.starts_with("https://") => {
                    let n = minted.fetch_add(1, Ordering::SeqCst);
                    (StatusCode::OK, format!("eyJhbGciOiJSUzI1NiJ9.{}.sig{n}", aud.len()))
                }
                _ => (
                    StatusCode::BAD_REQUEST,
                    "non-empty audience parameter required".to_owned(),
                ),
            }
        };
        let app = axum::Router::new()
            .route(IDENTITY_PATH, get(identity))
            .with_state(minted.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (url, minted)
    }

    #[tokio::test]
    async fn a_token_is_minted_once_per_audience_and_reused() {
        let (url, minted) = fake_metadata_server().await;
        let tokens = MetadataIdTokens::new(client(), &url);
        let a = tokens
            .id_token("https://scrapers-abc.a.run.app")
            .await
            .unwrap()
            .unwrap();
        let again = tokens
            .id_token("https://scrapers-abc.a.run.app")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(a, again);
        assert_eq!(
            minted.load(Ordering::SeqCst),
            1,
            "the second call is served from the cache"
        );
        let b = tokens.id_token("https://other-abc.a.run.app").await.unwrap().unwrap();
        assert_ne!(a, b, "another audience gets its own token");
        assert_eq!(minted.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_refusal_is_an_error_naming_the_audience_and_the_cause() {
        let (url, _) = fake_metadata_server().await;
        let tokens = MetadataIdTokens::new(client(), &url);
        let e = tokens.id_token("not-a-url").await.unwrap_err();
        assert_eq!(e.audience, "not-a-url");
        assert!(e.reason.contains("400") && e.reason.contains("audience"), "{e}");
    }

    #[tokio::test]
    async fn an_unreachable_metadata_server_is_an_error_not_a_missing_token() {
        let tokens = MetadataIdTokens::new(client(), "http://127.0.0.1:9");
        let e = tokens.id_token("https://scrapers-abc.a.run.app").await.unwrap_err();
        assert!(e.reason.contains("unreachable"), "{e}");
    }
}
