//! Secret Manager as a [`SecretSource`], with a TTL cache.
//!
//! A name such as `NBA_SECRET_ODDS_API_KEY` maps to the secret id `<prefix>nba-secret-odds-api-key`
//! (prefix e.g. `dev-`), version `latest` unless pinned. Answers, including "absent",
//! are cached for `ttl`: a rotated key is picked up within `ttl` without a redeploy,
//! and a busy function does not call Secret Manager per request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::rest::{Rest, encode_segment};
use crate::ports::secrets::{Secret, SecretError, SecretSource};

/// Default cache lifetime.
pub const DEFAULT_TTL: Duration = Duration::from_secs(300);

/// Name → (when fetched, the answer); `None` answers (absent secrets) are cached too.
type Cache = HashMap<String, (Instant, Option<Secret>)>;

/// [`SecretSource`] on Secret Manager.
#[derive(Clone)]
pub struct SecretManagerSource {
    rest: Rest,
    project: String,
    id_prefix: String,
    ttl: Duration,
    pins: HashMap<String, String>,
    cache: Arc<Mutex<Cache>>,
}

impl std::fmt::Debug for SecretManagerSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretManagerSource")
            .field("project", &self.project)
            .field("id_prefix", &self.id_prefix)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl SecretManagerSource {
    pub fn new(rest: Rest, project: &str, id_prefix: &str) -> Self {
        SecretManagerSource {
            rest,
            project: project.to_owned(),
            id_prefix: id_prefix.to_owned(),
            ttl: DEFAULT_TTL,
            pins: HashMap::new(),
            cache: Arc::default(),
        }
    }

    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Reads `name` at a fixed version instead of `latest`.
    pub fn pin(mut self, name: &str, version: &str) -> Self {
        self.pins.insert(name.to_owned(), version.to_owned());
        self
    }

    /// The Secret Manager id of a secret name: `NBA_SECRET_ODDS_API_KEY` →
    /// `<prefix>nba-secret-odds-api-key`, the id Terraform gives the secret
    /// (`local.secrets`; `make terraform-check` compares them).
    pub fn secret_id(&self, name: &str) -> String {
        format!("{}{}", self.id_prefix, name.to_ascii_lowercase().replace('_', "-"))
    }

    fn cached(&self, name: &str) -> Option<Option<Secret>> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .get(name)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, value)| value.clone())
    }

    /// One `versions.access` call.
    async fn fetch(&self, name: &str) -> Result<Option<Secret>, SecretError> {
        let version = self.pins.get(name).map_or("latest", String::as_str);
        let path = format!(
            "/v1/projects/{}/secrets/{}/versions/{}:access",
            encode_segment(&self.project),
            encode_segment(&self.secret_id(name)),
            encode_segment(version)
        );
        let err = |reason: String| SecretError {
            name: name.to_owned(),
            reason,
        };
        let answer = match self.rest.json(Method::GET, &path, |r| r).await {
            Ok(v) => v,
            Err(e) if e.is(StatusCode::NOT_FOUND) => return Ok(None),
            // The error text is Google's (status, message): it never holds the payload.
            Err(e) => return Err(err(e.to_string())),
        };
        let payload = answer
            .get("payload")
            .ok_or_else(|| err("answer without payload".into()))?;
        let bytes = payload
            .get("data")
            .and_then(Value::as_str)
            .map(|d| BASE64.decode(d))
            .transpose()
            .map_err(|e| err(format!("payload is not base64: {e}")))?
            .unwrap_or_default();
        check_crc(payload, &bytes).map_err(err)?;
        let text = String::from_utf8(bytes).map_err(|_| err("payload is not UTF-8".into()))?;
        Ok(Some(Secret::new(text.trim_end_matches(['\r', '\n']).to_owned())))
    }
}

/// Checks `dataCrc32c` (an int64 in a string) when the answer carries one.
fn check_crc(payload: &Value, bytes: &[u8]) -> Result<(), String> {
    let Some(expected) = payload.get("dataCrc32c") else {
        return Ok(());
    };
    let expected = expected
        .as_str()
        .and_then(|s| s.parse::<u64>().ok())
        .or_else(|| expected.as_u64())
        .ok_or("dataCrc32c is not a number")?;
    if u64::from(crc32c::crc32c(bytes)) == expected {
        Ok(())
    } else {
        Err("payload checksum mismatch".into())
    }
}

#[async_trait]
impl SecretSource for SecretManagerSource {
    async fn secret(&self, name: &str) -> Result<Option<Secret>, SecretError> {
        if let Some(hit) = self.cached(name) {
            return Ok(hit);
        }
        let value = self.fetch(name).await?;
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.insert(name.to_owned(), (Instant::now(), value.clone()));
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::extract::{Path, State};
    use axum::http::StatusCode as AxumStatus;
    use axum::response::IntoResponse;
    use serde_json::json;

    use super::super::rest::Auth;
    use super::*;

    /// A fake Secret Manager: `dev-nba-secret-odds-api-key` holds "key-<n>" where n counts calls
    /// (a rotation on every access); everything else is absent, `dev-nba-secret-denied-…` is 403.
    async fn fake() -> (String, Arc<AtomicUsize>) {
        let hits = Arc::new(AtomicUsize::new(0));
        let app = axum::Router::new()
            .route(
                "/v1/projects/{project}/secrets/{id}/versions/{version}",
                axum::routing::get(access),
            )
            .with_state(hits.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
        (url, hits)
    }

    async fn access(
        State(hits): State<Arc<AtomicUsize>>,
        Path((project, id, version)): Path<(String, String, String)>,
    ) -> axum::response::Response {
        let n = hits.fetch_add(1, Ordering::SeqCst) + 1;
        let version = version.strip_suffix(":access");
        let body = format!("key-{n}@{}", version.unwrap_or_default());
        match (project.as_str(), id.as_str()) {
            ("p", "dev-nba-secret-odds-api-key") if version.is_some() => axum::Json(json!({"payload": {
                "data": BASE64.encode(&body),
                "dataCrc32c": crc32c::crc32c(body.as_bytes()).to_string(),
            }}))
            .into_response(),
            (_, id) if id.starts_with("dev-nba-secret-denied") => (
                AxumStatus::FORBIDDEN,
                axum::Json(json!({"error": {"code": 403, "status": "PERMISSION_DENIED", "message": "denied"}})),
            )
                .into_response(),
            _ => (
                AxumStatus::NOT_FOUND,
                axum::Json(json!({"error": {"code": 404, "status": "NOT_FOUND", "message": "no such secret"}})),
            )
                .into_response(),
        }
    }

    fn source(url: &str, ttl: Duration) -> SecretManagerSource {
        let rest = Rest::new(reqwest::Client::new(), url, Auth::Anonymous);
        SecretManagerSource::new(rest, "p", "dev-").with_ttl(ttl)
    }

    #[tokio::test]
    async fn latest_version_is_cached_until_the_ttl_then_refreshed() {
        crate::gcp::install_tls();
        let (url, hits) = fake().await;
        let src = source(&url, Duration::from_millis(150));
        let first = src
            .secret("NBA_SECRET_ODDS_API_KEY")
            .await
            .expect("read")
            .expect("present");
        assert_eq!(first.expose(), "key-1@latest");
        let again = src
            .secret("NBA_SECRET_ODDS_API_KEY")
            .await
            .expect("read")
            .expect("present");
        assert_eq!(again.expose(), first.expose(), "served from the cache");
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        tokio::time::sleep(Duration::from_millis(200)).await;
        let rotated = src
            .secret("NBA_SECRET_ODDS_API_KEY")
            .await
            .expect("read")
            .expect("present");
        assert_eq!(
            rotated.expose(),
            "key-2@latest",
            "a rotated secret is picked up after the TTL"
        );
    }

    #[tokio::test]
    async fn pinned_versions_absent_and_denied_secrets() {
        crate::gcp::install_tls();
        let (url, _) = fake().await;
        let src = source(&url, DEFAULT_TTL).pin("NBA_SECRET_ODDS_API_KEY", "3");
        let pinned = src
            .secret("NBA_SECRET_ODDS_API_KEY")
            .await
            .expect("read")
            .expect("present");
        assert!(pinned.expose().ends_with("@3"), "pinned version is asked for");
        assert!(
            src.secret("NBA_SECRET_NOPE")
                .await
                .expect("absent is not an error")
                .is_none()
        );
        let err = src.secret("NBA_SECRET_DENIED_KEY").await.expect_err("403");
        assert!(err.to_string().contains("PERMISSION_DENIED"), "{err}");
        assert_eq!(format!("{pinned:?}"), "[REDACTED]");
    }

    #[test]
    fn names_map_to_secret_ids() {
        crate::gcp::install_tls();
        let src = source("http://unused", DEFAULT_TTL);
        assert_eq!(src.secret_id("NBA_SECRET_ODDS_API_KEY"), "dev-nba-secret-odds-api-key");
        assert_eq!(src.secret_id("plain"), "dev-plain");
    }
}
