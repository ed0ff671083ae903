//! The fetcher: one GET, made safe to point at an unreliable upstream.
//!
//! Per call: attach the source's credential → for each attempt: ask the breaker
//! → wait for the rate limiter → send with connect/read/total timeouts → stream
//! the body under the size cap → classify. Transient failures are retried with
//! jittered backoff inside the source's time budget; the attempts made are
//! reported back. Every URL and message that leaves this module is redacted.

use std::collections::BTreeMap;
use std::error::Error as _;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ::http::header::{CONTENT_TYPE, RETRY_AFTER, SET_COOKIE};
use ::http::{HeaderMap, HeaderName, HeaderValue};
use bytes::{Bytes, BytesMut};
use reqwest::Url;
use serde::Serialize;
use tokio::time::{Instant, sleep, timeout_at};

use super::breaker::{Breaker, BreakerState};
use super::policy::{Auth, Expect, Policies, PolicyError, SourcePolicy};
use super::rate_limit::RateLimiter;
use super::redact::{redact, scrub};
use super::retry::parse_retry_after;
use super::secrets::{EnvSecrets, Secret, SecretSource};
use super::sources::SourceId;

/// Why a fetch failed. Every `url` is already redacted; every `reason` is scrubbed
/// of the credentials that were sent. `attempts` is how many requests were made.
///
/// Display and `Error` are written by hand rather than derived with thiserror,
/// because thiserror treats any field named `source` (as in
/// `CircuitOpen { source }`) as the error's cause.
#[derive(Debug)]
#[non_exhaustive]
pub enum FetchError {
    /// No answer in time: the attempt's total/read/connect timeout, or the
    /// source's budget for the whole call.
    Timeout { url: String, attempts: u32 },
    /// A non-2xx answer. `retry_after` is the server's `Retry-After`, if any.
    Status {
        url: String,
        status: u16,
        attempts: u32,
        retry_after: Option<Duration>,
    },
    /// The decoded body is larger than the source's cap (reading stopped there).
    TooLarge { url: String, limit: usize, attempts: u32 },
    /// No response: connection refused or reset, DNS, TLS, proxy…
    Transport { url: String, reason: String, attempts: u32 },
    /// The response started but its body could not be read in full (connection
    /// closed before Content-Length, a corrupt compressed stream).
    Incomplete { url: String, reason: String, attempts: u32 },
    /// A JSON source answered 200 with an HTML page (block, captive or
    /// maintenance page). The body is kept so the caller can store it for diagnosis.
    UnexpectedContentType {
        url: String,
        content_type: String,
        body: Bytes,
        attempts: u32,
    },
    /// The source's breaker is open: no request was sent.
    CircuitOpen { source: SourceId, retry_in: Duration },
    /// The source needs a credential that is not configured.
    MissingSecret { source: SourceId, name: &'static str },
    /// The credential could not be read or used.
    Secret { source: SourceId, reason: String },
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let after = |n: u32| {
            if n > 1 {
                format!(" (after {n} attempts)")
            } else {
                String::new()
            }
        };
        match self {
            FetchError::Timeout { url, attempts } => write!(f, "{url}: timed out{}", after(*attempts)),
            FetchError::Status {
                url, status, attempts, ..
            } => write!(f, "{url}: HTTP {status}{}", after(*attempts)),
            FetchError::TooLarge { url, limit, .. } => write!(f, "{url}: response larger than {limit} bytes"),
            FetchError::Transport { url, reason, attempts } => write!(f, "{url}: {reason}{}", after(*attempts)),
            FetchError::Incomplete { url, reason, attempts } => {
                write!(f, "{url}: incomplete body: {reason}{}", after(*attempts))
            }
            FetchError::UnexpectedContentType {
                url,
                content_type,
                body,
                ..
            } => write!(f, "{url}: expected JSON, got {content_type} ({} bytes)", body.len()),
            FetchError::CircuitOpen { source, retry_in } => write!(
                f,
                "{source}: circuit open after repeated failures; next try in {} ms",
                retry_in.as_millis()
            ),
            FetchError::MissingSecret { source, name } => write!(f, "{source}: secret {name} is not set"),
            FetchError::Secret { source, reason } => write!(f, "{source}: credential: {reason}"),
        }
    }
}

impl std::error::Error for FetchError {}

impl FetchError {
    /// Whether retrying later may help (timeouts, 408/429/5xx, connection
    /// trouble, cut bodies, an open breaker, an unreachable secret store).
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Timeout { .. }
            | FetchError::Transport { .. }
            | FetchError::Incomplete { .. }
            | FetchError::CircuitOpen { .. }
            | FetchError::Secret { .. } => true,
            FetchError::Status { status, .. } => retryable_status(*status),
            FetchError::TooLarge { .. }
            | FetchError::UnexpectedContentType { .. }
            | FetchError::MissingSecret { .. } => false,
        }
    }

    /// Requests made before giving up (0 when none was sent).
    pub fn attempts(&self) -> u32 {
        match self {
            FetchError::Timeout { attempts, .. }
            | FetchError::Status { attempts, .. }
            | FetchError::Transport { attempts, .. }
            | FetchError::Incomplete { attempts, .. }
            | FetchError::TooLarge { attempts, .. }
            | FetchError::UnexpectedContentType { attempts, .. } => *attempts,
            FetchError::CircuitOpen { .. } | FetchError::MissingSecret { .. } | FetchError::Secret { .. } => 0,
        }
    }

    /// The server's `Retry-After`, when it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Worth another attempt within this call.
    fn is_retryable(&self) -> bool {
        match self {
            FetchError::Timeout { .. } | FetchError::Transport { .. } | FetchError::Incomplete { .. } => true,
            FetchError::Status { status, .. } => retryable_status(*status),
            _ => false,
        }
    }

    /// Counts against the breaker: the upstream did not answer usefully. A 404 or
    /// an oversized body still proves it is up.
    fn is_upstream_failure(&self) -> bool {
        self.is_retryable()
    }

    fn with_attempts(mut self, n: u32) -> Self {
        match &mut self {
            FetchError::Timeout { attempts, .. }
            | FetchError::Status { attempts, .. }
            | FetchError::Transport { attempts, .. }
            | FetchError::Incomplete { attempts, .. }
            | FetchError::TooLarge { attempts, .. }
            | FetchError::UnexpectedContentType { attempts, .. } => *attempts = n,
            _ => {}
        }
        self
    }
}

fn retryable_status(status: u16) -> bool {
    status == 408 || status == 429 || status >= 500
}

/// A successful answer and how it was obtained.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Decoded (gzip/br/deflate) body, at most the source's cap.
    pub body: Bytes,
    pub status: u16,
    /// Response headers in arrival order, names lower-case; `set-cookie` is
    /// dropped so session tokens never reach a log or a stored object.
    pub headers: Vec<(String, String)>,
    /// Requests made, the successful one included.
    pub attempts: u32,
    /// The URL as it may be shown and stored (credentials redacted).
    pub url_shown: String,
}

impl Fetched {
    /// First value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// When the upstream says it answered (its `Date` header). The stored
    /// object is named after it, so a snapshot carries the upstream's time (and a
    /// replayed day its simulated time) rather than the scraper host's clock.
    pub fn served_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        let raw = self.header("date")?;
        // HTTP-date ("Sun, 06 Nov 1994 08:49:37 GMT") is an RFC 2822 date.
        chrono::DateTime::parse_from_rfc2822(raw.trim())
            .ok()
            .map(|t| t.with_timezone(&chrono::Utc))
    }

    /// The Odds API's quota headers, when present: worth putting in the
    /// execution log, since every request spends credits.
    pub fn odds_quota(&self) -> Option<OddsQuota> {
        let num = |name: &str| {
            self.header(name).and_then(|v| {
                let v = v.trim();
                v.parse::<u64>().ok().or_else(|| {
                    v.parse::<f64>()
                        .ok()
                        .filter(|f| f.is_finite() && *f >= 0.0)
                        .map(|f| f as u64)
                })
            })
        };
        let quota = OddsQuota {
            remaining: num("x-requests-remaining"),
            used: num("x-requests-used"),
            last_cost: num("x-requests-last"),
        };
        (quota != OddsQuota::default()).then_some(quota)
    }
}

/// The Odds API usage counters (`x-requests-remaining`, `-used`, `-last`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OddsQuota {
    pub remaining: Option<u64>,
    pub used: Option<u64>,
    /// Credits the last request cost.
    pub last_cost: Option<u64>,
}

/// A fetcher could not be built from its options.
#[derive(Debug, thiserror::Error)]
pub enum FetcherBuildError {
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error("{upstream}: building the HTTP client: {reason}")]
    Client { upstream: SourceId, reason: String },
}

/// How to build a [`Fetcher`]: the policy table, the secret source and switches.
pub struct FetcherOptions {
    pub policies: Policies,
    pub secrets: Arc<dyn SecretSource>,
    /// Off only for benchmarks and replays against a local upstream.
    pub rate_limiting: bool,
}

impl Default for FetcherOptions {
    fn default() -> Self {
        FetcherOptions::new(Policies::default())
    }
}

impl FetcherOptions {
    /// `policies`, secrets from the environment, rate limiting on.
    pub fn new(policies: Policies) -> Self {
        FetcherOptions {
            policies,
            secrets: Arc::new(EnvSecrets),
            rate_limiting: true,
        }
    }

    /// The table with the environment's overrides, secrets from the environment.
    pub fn from_env() -> Result<Self, PolicyError> {
        Ok(FetcherOptions::new(Policies::from_env()?))
    }

    pub fn secrets(mut self, secrets: Arc<dyn SecretSource>) -> Self {
        self.secrets = secrets;
        self
    }

    pub fn rate_limiting(mut self, enabled: bool) -> Self {
        self.rate_limiting = enabled;
        self
    }

    /// Adjusts one source's policy.
    pub fn policy(mut self, source: SourceId, change: impl FnOnce(&mut SourcePolicy)) -> Self {
        change(self.policies.get_mut(source));
        self
    }

    pub fn build(self) -> Result<Fetcher, FetcherBuildError> {
        let mut sources = BTreeMap::new();
        for source in SourceId::ALL {
            let policy = self.policies.get(source).clone();
            let client = build_client(&policy).map_err(|reason| FetcherBuildError::Client {
                upstream: source,
                reason,
            })?;
            let limiter = if self.rate_limiting {
                RateLimiter::new(policy.rate)
            } else {
                RateLimiter::unlimited()
            };
            let breaker = Breaker::new(source.name(), policy.breaker);
            sources.insert(
                source,
                Upstream {
                    policy,
                    client,
                    limiter,
                    breaker,
                },
            );
        }
        Ok(Fetcher {
            inner: Arc::new(Inner {
                sources,
                secrets: self.secrets,
            }),
        })
    }
}

/// One reqwest client per source: timeouts and proxy are client settings, and
/// separate pools keep one upstream's dead connections from touching another's.
/// TLS verification is reqwest's default (on) and no option here can turn it off.
fn build_client(policy: &SourcePolicy) -> Result<reqwest::Client, String> {
    nba_core::tls::install_crypto_provider();
    let mut builder = reqwest::Client::builder()
        .connect_timeout(policy.connect_timeout)
        .read_timeout(policy.read_timeout)
        .timeout(policy.total_timeout)
        .gzip(true)
        .brotli(true)
        .deflate(true)
        .redirect(reqwest::redirect::Policy::limited(5))
        // Only the proxies we configure; never one inherited from the environment.
        .no_proxy();
    if let Some(proxy) = &policy.proxy {
        let proxy = reqwest::Proxy::all(proxy.url().clone())
            .map_err(|e| format!("proxy {}: {}", redact(proxy.url()), e.without_url()))?;
        builder = builder.proxy(proxy);
    }
    builder.build().map_err(|e| e.without_url().to_string())
}

struct Upstream {
    policy: SourcePolicy,
    client: reqwest::Client,
    limiter: RateLimiter,
    breaker: Arc<Breaker>,
}

struct Inner {
    sources: BTreeMap<SourceId, Upstream>,
    secrets: Arc<dyn SecretSource>,
}

/// Fetches upstream responses. Cheap to clone: clones share the limiters and
/// breakers, so build one per process and pass it to whoever fetches.
#[derive(Clone)]
pub struct Fetcher {
    inner: Arc<Inner>,
}

impl fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fetcher")
            .field("breakers", &self.breaker_states())
            .finish_non_exhaustive()
    }
}

/// A credential ready to send, with the raw value kept only for scrubbing messages.
struct Credential {
    secret: Secret,
    header: Option<(HeaderName, HeaderValue)>,
}

impl Fetcher {
    /// The production fetcher: the policy table with environment overrides, keys from
    /// `secrets` (the platform's: Secret Manager in the cloud), `connect`/`total` as
    /// ceilings over the table.
    pub fn new(
        connect_timeout: Duration,
        total_timeout: Duration,
        secrets: Arc<dyn SecretSource>,
    ) -> Result<Self, FetcherBuildError> {
        let mut options = FetcherOptions::from_env()?.secrets(secrets);
        options.policies.cap_timeouts(connect_timeout, total_timeout);
        options.build()
    }

    pub fn with_options(options: FetcherOptions) -> Result<Self, FetcherBuildError> {
        options.build()
    }

    fn upstream(&self, source: SourceId) -> &Upstream {
        // `build` inserts every SourceId::ALL member.
        &self.inner.sources[&source]
    }

    /// The policy in force for `source`.
    pub fn policy(&self, source: SourceId) -> &SourcePolicy {
        &self.upstream(source).policy
    }

    /// The source's breaker state, for the execution log.
    pub fn breaker_state(&self, source: SourceId) -> BreakerState {
        self.upstream(source).breaker.state()
    }

    pub fn breaker_states(&self) -> BTreeMap<SourceId, BreakerState> {
        SourceId::ALL.into_iter().map(|s| (s, self.breaker_state(s))).collect()
    }

    /// GETs `url`; the decoded body. See [`Fetcher::fetch`].
    pub async fn get(&self, source: SourceId, url: &Url) -> Result<Bytes, FetchError> {
        self.fetch(source, url).await.map(|fetched| fetched.body)
    }

    /// GETs `url` from `source` under the source's policy: credential attached,
    /// breaker, rate limit, timeouts, retries, size cap, decoding.
    pub async fn fetch(&self, source: SourceId, url: &Url) -> Result<Fetched, FetchError> {
        let upstream = self.upstream(source);
        let policy = &upstream.policy;
        let deadline = Instant::now() + policy.budget;
        // The secret store is a network call too: it gets the same budget.
        let credential = timeout_at(deadline, self.credential(source, &policy.auth, url))
            .await
            .map_err(|_| FetchError::Secret {
                source,
                reason: "timed out reading the credential".into(),
            })??;
        let url = match (&policy.auth, &credential) {
            (Auth::Query { param, .. }, Some(c)) => with_query_param(url, param, c.secret.expose()),
            _ => url.clone(),
        };
        let secrets: Vec<&str> = credential.iter().map(|c| c.secret.expose()).collect();
        let shown = scrub(&redact(&url), &secrets);
        let auth_header = credential.as_ref().and_then(|c| c.header.as_ref());

        let mut last: Option<FetchError> = None;
        let mut attempt: u32 = 0;
        loop {
            let permit = match upstream.breaker.try_acquire() {
                Ok(permit) => permit,
                Err(retry_in) => {
                    tracing::debug!(%source, url = %shown, "circuit open; not sending");
                    return Err(last.unwrap_or(FetchError::CircuitOpen { source, retry_in }));
                }
            };
            if timeout_at(deadline, upstream.limiter.ready()).await.is_err() {
                return Err(last.unwrap_or(FetchError::Timeout {
                    url: shown,
                    attempts: attempt,
                }));
            }
            attempt += 1;
            tracing::debug!(%source, url = %shown, attempt, "fetching");
            let attempt_deadline = (Instant::now() + policy.total_timeout).min(deadline);
            let sent = self.attempt(source, upstream, &url, auth_header, &shown, &secrets);
            let outcome = match timeout_at(attempt_deadline, sent).await {
                Ok(outcome) => outcome,
                Err(_) => Err(FetchError::Timeout {
                    url: shown.clone(),
                    attempts: attempt,
                }),
            };
            let error = match outcome {
                Ok(mut fetched) => {
                    permit.success();
                    fetched.attempts = attempt;
                    return Ok(fetched);
                }
                Err(error) => error.with_attempts(attempt),
            };
            if error.is_upstream_failure() {
                permit.failure();
            } else {
                permit.success();
            }
            if !error.is_retryable() || attempt >= policy.retry.max_attempts {
                return Err(error);
            }
            let delay = policy.retry.delay(attempt, error.retry_after(), &mut rand::rng());
            let Some(delay) = delay.filter(|d| Instant::now() + *d < deadline) else {
                tracing::info!(
                    %source,
                    url = %shown,
                    attempt,
                    error = %error,
                    "not retrying: the wait asked for is too long or past the budget"
                );
                return Err(error);
            };
            tracing::info!(
                %source,
                url = %shown,
                attempt,
                delay_ms = delay.as_millis() as u64,
                error = %error,
                "retrying"
            );
            sleep(delay).await;
            last = Some(error);
        }
    }

    /// The source's credential. A missing one is an error (a deployment without
    /// its key must fail loudly, not scrape 401s), except towards a loopback
    /// upstream: the local replay needs none, and production hosts never are.
    async fn credential(&self, source: SourceId, auth: &Auth, url: &Url) -> Result<Option<Credential>, FetchError> {
        let Some(name) = auth.secret_name() else {
            return Ok(None);
        };
        let secret = match self.inner.secrets.secret(name).await {
            Ok(Some(secret)) => secret,
            Ok(None) if is_loopback(url) => {
                tracing::debug!(%source, secret = name, "no credential set; none needed by a local upstream");
                return Ok(None);
            }
            Ok(None) => return Err(FetchError::MissingSecret { source, name }),
            Err(e) => {
                return Err(FetchError::Secret {
                    source,
                    reason: e.to_string(),
                });
            }
        };
        let header = match auth {
            Auth::Header { header, .. } => {
                let mut value = HeaderValue::from_str(secret.expose()).map_err(|_| FetchError::Secret {
                    source,
                    reason: format!("{name} is not a valid header value"),
                })?;
                // Keeps it out of HTTP/2 header tables and `Debug` output.
                value.set_sensitive(true);
                Some((header.clone(), value))
            }
            Auth::Query { .. } | Auth::None => None,
        };
        Ok(Some(Credential { secret, header }))
    }

    /// One request and its body.
    async fn attempt(
        &self,
        source: SourceId,
        upstream: &Upstream,
        url: &Url,
        auth_header: Option<&(HeaderName, HeaderValue)>,
        shown: &str,
        secrets: &[&str],
    ) -> Result<Fetched, FetchError> {
        let policy = &upstream.policy;
        let mut request = upstream.client.get(url.clone()).headers(source.headers());
        if let Some((name, value)) = auth_header {
            request = request.header(name.clone(), value.clone());
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| transport_error(e, shown, secrets, false))?;
        let status = response.status();
        if !status.is_success() {
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, SystemTime::now()));
            return Err(FetchError::Status {
                url: shown.to_string(),
                status: status.as_u16(),
                attempts: 0,
                retry_after,
            });
        }
        let headers = shown_headers(response.headers());
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let limit = policy.max_body_bytes;
        let too_large = || FetchError::TooLarge {
            url: shown.to_string(),
            limit,
            attempts: 0,
        };
        // Known only when the body is not being decoded; decoded bodies are checked as they stream.
        let declared = response.content_length();
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let mut body = BytesMut::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| transport_error(e, shown, secrets, true))?
        {
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        if let Some(declared) = declared.filter(|n| *n != body.len() as u64) {
            return Err(FetchError::Incomplete {
                url: shown.to_string(),
                reason: format!("{} of {declared} bytes", body.len()),
                attempts: 0,
            });
        }
        let body = body.freeze();
        if policy.expect == Expect::Json
            && let Some(content_type) = content_type.filter(|ct| is_html(ct))
        {
            return Err(FetchError::UnexpectedContentType {
                url: shown.to_string(),
                content_type,
                body,
                attempts: 0,
            });
        }
        Ok(Fetched {
            body,
            status: status.as_u16(),
            headers,
            attempts: 0,
            url_shown: shown.to_string(),
        })
    }
}

/// `url` with query parameter `param` set to `value` (replacing any existing
/// one). Other parameters keep their encoding unless one had to be removed.
fn with_query_param(url: &Url, param: &str, value: &str) -> Url {
    let mut url = url.clone();
    if url.query_pairs().any(|(k, _)| k == param) {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| k != param)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    url.query_pairs_mut().append_pair(param, value);
    url
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

fn is_html(content_type: &str) -> bool {
    let media = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    media == "text/html" || media == "application/xhtml+xml"
}

fn shown_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(name, _)| **name != SET_COOKIE)
        .map(|(name, value)| {
            (
                name.as_str().to_string(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// A reqwest error as ours: without its URL, with its cause chain (the useful
/// part: "connection refused", "end of file before message length reached"),
/// scrubbed of the credentials sent.
fn transport_error(e: reqwest::Error, shown: &str, secrets: &[&str], in_body: bool) -> FetchError {
    let e = e.without_url();
    if e.is_timeout() {
        return FetchError::Timeout {
            url: shown.to_string(),
            attempts: 0,
        };
    }
    let mut reason = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !reason.contains(&text) {
            reason.push_str(": ");
            reason.push_str(&text);
        }
        cause = c.source();
    }
    let reason = scrub(&reason, secrets);
    if in_body {
        FetchError::Incomplete {
            url: shown.to_string(),
            reason,
            attempts: 0,
        }
    } else {
        FetchError::Transport {
            url: shown.to_string(),
            reason,
            attempts: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_classification() {
        let s = |status| FetchError::Status {
            url: "u".into(),
            status,
            attempts: 1,
            retry_after: None,
        };
        assert!(s(503).is_transient());
        assert!(s(429).is_transient());
        assert!(!s(404).is_transient());
        assert!(
            FetchError::CircuitOpen {
                source: SourceId::NbaStats,
                retry_in: Duration::ZERO
            }
            .is_transient()
        );
        assert!(
            !FetchError::MissingSecret {
                source: SourceId::OddsApi,
                name: "X"
            }
            .is_transient()
        );
    }

    #[test]
    fn query_param_is_replaced_not_duplicated() {
        let url = Url::parse("https://x/v4/odds?regions=us&apiKey=old&markets=h2h").unwrap();
        let with = with_query_param(&url, "apiKey", "new");
        let keys: Vec<_> = with.query_pairs().filter(|(k, _)| k == "apiKey").collect();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].1, "new");
        let plain = Url::parse("https://x/a?b=%20c").unwrap();
        assert_eq!(with_query_param(&plain, "k", "v").as_str(), "https://x/a?b=%20c&k=v");
    }

    #[test]
    fn html_detection_ignores_parameters_and_case() {
        assert!(is_html("Text/HTML; charset=utf-8"));
        assert!(!is_html("application/json"));
        assert!(!is_html("text/plain"));
    }

    #[test]
    fn served_at_reads_the_http_date() {
        let fetched = Fetched {
            body: Bytes::new(),
            status: 200,
            headers: vec![("date".into(), "Fri, 10 Jan 2025 23:05:09 GMT".into())],
            attempts: 1,
            url_shown: String::new(),
        };
        assert_eq!(fetched.served_at().unwrap().to_rfc3339(), "2025-01-10T23:05:09+00:00");
        let no_date = Fetched {
            headers: vec![],
            ..fetched.clone()
        };
        assert_eq!(no_date.served_at(), None);
        let garbage = Fetched {
            headers: vec![("date".into(), "yesterday".into())],
            ..fetched
        };
        assert_eq!(garbage.served_at(), None);
    }

    #[test]
    fn odds_quota_headers() {
        let fetched = Fetched {
            body: Bytes::new(),
            status: 200,
            headers: vec![
                ("x-requests-remaining".into(), "480".into()),
                ("x-requests-used".into(), "20.0".into()),
                ("x-requests-last".into(), "2".into()),
            ],
            attempts: 1,
            url_shown: String::new(),
        };
        assert_eq!(
            fetched.odds_quota(),
            Some(OddsQuota {
                remaining: Some(480),
                used: Some(20),
                last_cost: Some(2)
            })
        );
        assert_eq!(fetched.header("X-Requests-Remaining"), Some("480"));
    }
}
