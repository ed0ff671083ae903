//! The one HTTP path of the Google adapters: a shared `reqwest` client (connection
//! reuse across calls), credentials on every request, bounded retries of
//! transient answers, and Google's JSON error bodies turned into [`RestError`].
//!
//! Credentials are Application Default Credentials in the cloud and anonymous
//! against an emulator; tokens live only in request headers, never in logs or
//! error messages.

use std::time::Duration;

use google_cloud_auth::credentials::{self, CacheableResource, Credentials};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::Value;

/// Attempts of a request answered with a transient status (429, 500, 502, 503, 504).
const MAX_ATTEMPTS: u32 = 4;
/// First pause between attempts; doubled each time.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// A REST call that did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum RestError {
    /// The API answered with an error status; `status_text` is Google's `error.status`
    /// (e.g. `NOT_FOUND`, `ABORTED`, `FAILED_PRECONDITION`) when the body carried one.
    #[error("{method} {path}: HTTP {code} {status_text}: {message}")]
    Status {
        method: Method,
        path: String,
        code: StatusCode,
        status_text: String,
        message: String,
    },
    #[error("{method} {path}: {reason}")]
    Transport {
        method: Method,
        path: String,
        reason: String,
    },
    #[error("credentials: {0}")]
    Credentials(String),
    #[error("{path}: unexpected response: {reason}")]
    Decode { path: String, reason: String },
}

impl RestError {
    pub fn code(&self) -> Option<StatusCode> {
        match self {
            RestError::Status { code, .. } => Some(*code),
            _ => None,
        }
    }

    pub fn is(&self, code: StatusCode) -> bool {
        self.code() == Some(code)
    }

    /// Google's symbolic status (`ABORTED`, `ALREADY_EXISTS`…), empty when unknown.
    pub fn status_text(&self) -> &str {
        match self {
            RestError::Status { status_text, .. } => status_text,
            _ => "",
        }
    }

    /// Worth retrying later: transport failures and the transient statuses.
    pub fn is_transient(&self) -> bool {
        match self {
            RestError::Transport { .. } => true,
            RestError::Status { code, .. } => is_transient_status(*code),
            _ => false,
        }
    }
}

fn is_transient_status(code: StatusCode) -> bool {
    matches!(code.as_u16(), 429 | 500 | 502 | 503 | 504)
}

/// How requests are authorised.
#[derive(Clone, Debug)]
pub enum Auth {
    /// No credentials: the emulators accept anything.
    Anonymous,
    /// Application Default Credentials (metadata server on Cloud Run, a key file or
    /// `gcloud auth application-default login` elsewhere).
    Adc(Credentials),
}

impl Auth {
    /// Loads Application Default Credentials.
    pub fn application_default() -> Result<Auth, RestError> {
        credentials::Builder::default()
            .build()
            .map(Auth::Adc)
            .map_err(|e| RestError::Credentials(e.to_string()))
    }

    async fn apply(&self, request: RequestBuilder) -> Result<RequestBuilder, RestError> {
        let Auth::Adc(creds) = self else {
            return Ok(request);
        };
        match creds.headers(http::Extensions::new()).await {
            Ok(CacheableResource::New { data, .. }) => Ok(request.headers(data)),
            // Only answered to a caller that passed an entity tag; we never do.
            Ok(CacheableResource::NotModified) => Err(RestError::Credentials("no authorisation headers".into())),
            Err(e) => Err(RestError::Credentials(e.to_string())),
        }
    }
}

/// A base URL plus credentials: one per Google API.
#[derive(Clone, Debug)]
pub struct Rest {
    http: reqwest::Client,
    base: String,
    auth: Auth,
}

impl Rest {
    /// `base` without a trailing slash, e.g. `https://pubsub.googleapis.com`.
    pub fn new(http: reqwest::Client, base: &str, auth: Auth) -> Rest {
        Rest {
            http,
            base: base.trim_end_matches('/').to_owned(),
            auth,
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// Sends `build(request)` to `base + path`, retrying transient answers a bounded
    /// number of times. `build` is called once per attempt (bodies are consumed).
    /// A retry after a lost answer can repeat a call that succeeded: Pub/Sub delivery is
    /// at-least-once anyway, warehouse writes are keyed merges, and a repeated
    /// create-only upload answers `AlreadyExists`.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        build: impl Fn(RequestBuilder) -> RequestBuilder,
    ) -> Result<Response, RestError> {
        let mut attempt = 1;
        loop {
            match self.send_once(method.clone(), path, &build).await {
                Err(e) if e.is_transient() && attempt < MAX_ATTEMPTS => {
                    tracing::debug!(error = %e, attempt, "transient Google API answer; retrying");
                    tokio::time::sleep(FIRST_BACKOFF * 2u32.pow(attempt - 1)).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn send_once(
        &self,
        method: Method,
        path: &str,
        build: &impl Fn(RequestBuilder) -> RequestBuilder,
    ) -> Result<Response, RestError> {
        let url = format!("{}{}", self.base, path);
        let request = self.auth.apply(build(self.http.request(method.clone(), url))).await?;
        let response = request.send().await.map_err(|e| RestError::Transport {
            method: method.clone(),
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        if response.status().is_success() {
            return Ok(response);
        }
        Err(error_of(method, path, response).await)
    }

    /// [`Rest::send`] and decode a JSON answer.
    pub async fn json(
        &self,
        method: Method,
        path: &str,
        build: impl Fn(RequestBuilder) -> RequestBuilder,
    ) -> Result<Value, RestError> {
        let response = self.send(method, path, build).await?;
        let bytes = response.bytes().await.map_err(|e| RestError::Decode {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes).map_err(|e| RestError::Decode {
            path: path.to_owned(),
            reason: e.to_string(),
        })
    }
}

/// Reads Google's `{"error": {"code", "message", "status"}}` (or whatever text came back).
async fn error_of(method: Method, path: &str, response: Response) -> RestError {
    let code = response.status();
    let text = response.text().await.unwrap_or_default();
    let parsed: Option<Value> = serde_json::from_str(&text).ok();
    let error = parsed.as_ref().and_then(|v| v.get("error"));
    let field = |k: &str| error.and_then(|e| e.get(k)).and_then(Value::as_str).map(str::to_owned);
    RestError::Status {
        method,
        path: path.to_owned(),
        code,
        status_text: field("status").unwrap_or_default(),
        message: field("message").unwrap_or_else(|| text.chars().take(300).collect()),
    }
}

/// Percent-encodes one path segment (an object name keeps its `/` only as `%2F`).
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Base URL for an API: `http://<host>` when its emulator variable is set (the value is
/// `host:port` or a full URL), else the production endpoint.
pub fn endpoint_from(emulator_host: Option<&str>, production: &str) -> (String, bool) {
    match emulator_host.map(str::trim).filter(|h| !h.is_empty()) {
        Some(h) if h.starts_with("http://") || h.starts_with("https://") => (h.trim_end_matches('/').to_owned(), true),
        Some(h) => (format!("http://{h}"), true),
        None => (production.to_owned(), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_names_are_one_segment() {
        assert_eq!(encode_segment("a/b c+é.json"), "a%2Fb%20c%2B%C3%A9.json");
    }

    #[test]
    fn emulator_hosts_become_http_endpoints() {
        assert_eq!(
            endpoint_from(Some("127.0.0.1:8085"), "https://x"),
            ("http://127.0.0.1:8085".into(), true)
        );
        assert_eq!(
            endpoint_from(Some("http://h:1/"), "https://x"),
            ("http://h:1".into(), true)
        );
        assert_eq!(endpoint_from(None, "https://x"), ("https://x".into(), false));
        assert_eq!(endpoint_from(Some(""), "https://x"), ("https://x".into(), false));
    }
}
