//! Upstream HTTP, configured per source in one place.
//!
//! Scrapers build URLs; everything about *getting* them lives here, because the
//! upstreams are hostile in different ways: stats.nba.com blocks cloud IPs by
//! letting requests hang, Basketball-Reference bans an IP for an hour past 20
//! requests a minute, The Odds API bills every request, and keys must never
//! reach a log line or a stored object.
//!
//! - [`sources`]: the [`SourceId`]s and their base URLs ([`Upstreams`]).
//! - [`policy`]: the table of [`SourcePolicy`] per source (timeouts, retries,
//!   rate, breaker, size cap, expected content, credential, proxy) and its
//!   environment overrides.
//! - [`retry`]: backoff with full jitter, `Retry-After`.
//! - [`rate_limit`]: per-source spacing (governor).
//! - [`breaker`]: per-source circuit breaker.
//! - [`secrets`]: [`SecretSource`] and the [`Secret`] type that never prints.
//! - [`redact`](mod@redact): what of a URL or message may be shown.
//! - [`fetcher`]: [`Fetcher`], which applies all of the above to one GET.
//!
//! Typical use (the scrape function):
//!
//! ```no_run
//! # async fn run(fetcher: &nba_scrapers::http::Fetcher, url: reqwest::Url) {
//! use nba_scrapers::http::{FetchError, SourceId};
//! match fetcher.fetch(SourceId::OddsApi, &url).await {
//!     Ok(fetched) => {
//!         let _quota = fetched.odds_quota(); // x-requests-remaining/used/last
//!         let _shown = &fetched.url_shown; // safe to log and store
//!         let _attempts = fetched.attempts;
//!     }
//!     Err(FetchError::UnexpectedContentType { body, .. }) => { /* keep `body` for diagnosis */ }
//!     Err(e) if e.is_transient() => { /* let the platform redeliver */ }
//!     Err(e) => { /* permanent failure */ }
//! }
//! let _state = fetcher.breaker_state(SourceId::OddsApi); // for the execution log
//! # }
//! ```

pub mod breaker;
pub mod fetcher;
pub mod policy;
pub mod rate_limit;
pub mod redact;
pub mod retry;
pub mod secrets;
pub mod sources;

#[cfg(test)]
mod tests;

pub use breaker::{BreakerPolicy, BreakerState};
pub use fetcher::{FetchError, Fetched, Fetcher, FetcherBuildError, FetcherOptions, OddsQuota};
pub use policy::{Auth, Expect, Policies, PolicyError, ProxyUrl, SourcePolicy};
pub use rate_limit::RateQuota;
pub use redact::redact;
pub use retry::RetryPolicy;
pub use secrets::{EnvSecrets, Secret, SecretError, SecretSource, StaticSecrets};
pub use sources::{SourceId, UpstreamConfigError, Upstreams};
