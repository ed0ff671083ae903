//! How we talk to each upstream — the one table.
//!
//! Every number that shapes upstream traffic (timeouts, retries, spacing,
//! breaker, size cap, expected content, credentials, proxy) is in
//! [`SourcePolicy::default_for`], so a reviewer can see in one screen what we do
//! to each provider. A few knobs are overridable by environment, because they are
//! the ones operations need to turn without a release:
//!
//! | variable | effect |
//! |---|---|
//! | `NBA_PROXY_<SOURCE>` | egress proxy URL (e.g. a static-IP proxy for stats.nba.com, which blocks cloud ranges) |
//! | `NBA_HTTP_<SOURCE>_TOTAL_SECS` | one attempt's total timeout |
//! | `NBA_HTTP_<SOURCE>_MAX_ATTEMPTS` | attempts in all (1 = no retry) |
//! | `NBA_HTTP_<SOURCE>_RATE_PER_MIN` | requests per minute (0 = unlimited), e.g. a paid balldontlie tier |
//!
//! `<SOURCE>` is [`SourceId::env_key`]. The platform's `NBA_TIMEOUT_HTTP_*`
//! timeouts are ceilings over this table (see [`Policies::cap_timeouts`]).

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use ::http::HeaderName;
use ::http::header::AUTHORIZATION;
use reqwest::Url;

use super::breaker::BreakerPolicy;
use super::rate_limit::RateQuota;
use super::redact::redact;
use super::retry::RetryPolicy;
use super::secrets::{BALLDONTLIE_API_KEY, BETTINGPROS_API_KEY, ODDS_API_KEY};
use super::sources::SourceId;

/// What a successful body must look like for the fetcher to hand it over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// A JSON API: an HTML answer (a block page, captive portal or maintenance
    /// page served with 200) is [`super::FetchError::UnexpectedContentType`].
    /// Other types pass: upstreams label JSON loosely (`text/plain`, none) and the
    /// caller's decoder is the judge.
    Json,
    /// Anything (HTML pages).
    Any,
}

/// How the source's credential is attached (by the fetcher, at send time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    None,
    /// The secret is the whole value of header `header` (balldontlie: `Authorization: <key>`).
    Header {
        header: HeaderName,
        secret: &'static str,
    },
    /// The secret goes in query parameter `param` (The Odds API: `apiKey=<key>`).
    Query {
        param: &'static str,
        secret: &'static str,
    },
}

impl Auth {
    /// Name of the secret this source needs, if any.
    pub fn secret_name(&self) -> Option<&'static str> {
        match self {
            Auth::None => None,
            Auth::Header { secret, .. } | Auth::Query { secret, .. } => Some(secret),
        }
    }
}

/// An egress proxy URL. Debug shows it redacted (a proxy URL may carry a password).
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl(Url);

impl ProxyUrl {
    pub fn url(&self) -> &Url {
        &self.0
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProxyUrl({})", redact(&self.0))
    }
}

/// Everything that shapes traffic to one source.
#[derive(Debug, Clone, PartialEq)]
pub struct SourcePolicy {
    /// TCP + TLS connect.
    pub connect_timeout: Duration,
    /// Longest silence while waiting for the response or between body chunks:
    /// catches a stalled transfer long before the total timeout.
    pub read_timeout: Duration,
    /// One attempt, connect to last body byte.
    pub total_timeout: Duration,
    /// The whole call: every attempt, backoff and rate-limit wait. A retry that
    /// cannot finish inside it is not started.
    pub budget: Duration,
    pub retry: RetryPolicy,
    /// `None`: unlimited.
    pub rate: Option<RateQuota>,
    pub breaker: BreakerPolicy,
    /// Largest decoded body accepted.
    pub max_body_bytes: usize,
    pub expect: Expect,
    pub auth: Auth,
    pub proxy: Option<ProxyUrl>,
}

const MIB: usize = 1024 * 1024;

impl SourcePolicy {
    /// The table: production defaults per source.
    pub fn default_for(source: SourceId) -> Self {
        let secs = Duration::from_secs;
        let ms = Duration::from_millis;
        // A sane middle: 3 attempts, 5 failures open the breaker for a minute.
        let base = SourcePolicy {
            connect_timeout: secs(5),
            read_timeout: secs(20),
            total_timeout: secs(30),
            budget: secs(75),
            retry: RetryPolicy {
                max_attempts: 3,
                base_delay: secs(1),
                max_delay: secs(10),
                retry_after_cap: secs(30),
            },
            rate: None,
            breaker: BreakerPolicy {
                failure_threshold: 5,
                cool_down: secs(60),
            },
            max_body_bytes: 64 * MIB,
            expect: Expect::Json,
            auth: Auth::None,
            proxy: None,
        };
        match source {
            // Blocks cloud IPs by hanging: short read timeout, few failures open
            // the breaker for longer. About one request per 0.6 s is what it tolerates.
            SourceId::NbaStats => SourcePolicy {
                read_timeout: secs(15),
                retry: RetryPolicy {
                    base_delay: secs(2),
                    ..base.retry.clone()
                },
                rate: Some(RateQuota::every(ms(600))),
                breaker: BreakerPolicy {
                    failure_threshold: 4,
                    cool_down: secs(120),
                },
                ..base
            },
            // A CDN: static JSON, happy with bursts.
            SourceId::NbaCdn => SourcePolicy {
                retry: RetryPolicy {
                    base_delay: ms(500),
                    max_delay: secs(5),
                    ..base.retry.clone()
                },
                rate: Some(RateQuota::every(ms(100)).with_burst(5)),
                ..base
            },
            // 60/min is the paid ALL-STAR tier; the free tier is 5/min (override by env).
            SourceId::BallDontLie => SourcePolicy {
                rate: Some(RateQuota::per_minute(60)),
                auth: Auth::Header {
                    header: AUTHORIZATION,
                    secret: BALLDONTLIE_API_KEY,
                },
                ..base
            },
            // Every request (retries too) costs quota credits: keep retries few.
            SourceId::OddsApi => SourcePolicy {
                retry: RetryPolicy {
                    max_attempts: 2,
                    ..base.retry.clone()
                },
                rate: Some(RateQuota::per_minute(60)),
                auth: Auth::Query {
                    param: "apiKey",
                    secret: ODDS_API_KEY,
                },
                ..base
            },
            // Unofficial API: be polite.
            SourceId::Espn => SourcePolicy {
                rate: Some(RateQuota::every(ms(250)).with_burst(2)),
                ..base
            },
            // HTML pages, heavier than the JSON API.
            SourceId::EspnWeb => SourcePolicy {
                rate: Some(RateQuota::every(secs(1))),
                max_body_bytes: 16 * MIB,
                expect: Expect::Any,
                ..base
            },
            // The API behind bettingpros.com, keyed by `x-api-key`; unofficial, so gently.
            SourceId::BettingPros => SourcePolicy {
                rate: Some(RateQuota::per_minute(30)),
                auth: Auth::Header {
                    header: HeaderName::from_static("x-api-key"),
                    secret: BETTINGPROS_API_KEY,
                },
                ..base
            },
            // More than 20 requests a minute gets the IP banned for an hour, and a
            // 429 there means that ban: one retry at most, a long breaker.
            SourceId::BasketballReference => SourcePolicy {
                retry: RetryPolicy {
                    max_attempts: 2,
                    base_delay: secs(5),
                    max_delay: secs(10),
                    retry_after_cap: secs(10),
                },
                rate: Some(RateQuota::per_minute(20)),
                breaker: BreakerPolicy {
                    failure_threshold: 3,
                    cool_down: secs(600),
                },
                max_body_bytes: 16 * MIB,
                expect: Expect::Any,
                ..base
            },
        }
    }

    /// Applies the `NBA_PROXY_*` / `NBA_HTTP_*` overrides of `source`.
    fn apply_env(&mut self, source: SourceId, lookup: &dyn Fn(&str) -> Option<String>) -> Result<(), PolicyError> {
        let key = source.env_key();
        let get = |suffix: &str, prefix: &str| {
            let var = format!("{prefix}{key}{suffix}");
            lookup(&var).filter(|v| !v.trim().is_empty()).map(|v| (var, v))
        };
        if let Some((var, value)) = get("", "NBA_PROXY_") {
            let url = Url::parse(value.trim()).map_err(|e| PolicyError::invalid(&var, &format!("not a URL ({e})")))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(PolicyError::invalid(&var, "proxy scheme must be http or https"));
            }
            self.proxy = Some(ProxyUrl(url));
        }
        if let Some((var, value)) = get("_TOTAL_SECS", "NBA_HTTP_") {
            let secs: f64 = value
                .trim()
                .parse()
                .map_err(|_| PolicyError::invalid(&var, "not a number of seconds"))?;
            let total = Duration::try_from_secs_f64(secs)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| PolicyError::invalid(&var, "must be a positive number of seconds"))?;
            self.total_timeout = total;
            self.read_timeout = self.read_timeout.min(total);
            self.budget = self.budget.max(total);
        }
        if let Some((var, value)) = get("_MAX_ATTEMPTS", "NBA_HTTP_") {
            let n: u32 = value
                .trim()
                .parse()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| PolicyError::invalid(&var, "must be an integer ≥ 1"))?;
            self.retry.max_attempts = n;
        }
        if let Some((var, value)) = get("_RATE_PER_MIN", "NBA_HTTP_") {
            let n: u32 = value
                .trim()
                .parse()
                .map_err(|_| PolicyError::invalid(&var, "must be an integer ≥ 0"))?;
            self.rate = (n > 0).then(|| RateQuota::per_minute(n));
        }
        Ok(())
    }
}

/// A bad override. Shows the variable, never its value (a proxy URL may hold a password).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{var}: {reason}")]
pub struct PolicyError {
    pub var: String,
    pub reason: String,
}

impl PolicyError {
    fn invalid(var: &str, reason: &str) -> Self {
        PolicyError {
            var: var.into(),
            reason: reason.into(),
        }
    }
}

/// The policy of every source.
#[derive(Debug, Clone, PartialEq)]
pub struct Policies {
    by_source: BTreeMap<SourceId, SourcePolicy>,
}

impl Default for Policies {
    fn default() -> Self {
        Policies {
            by_source: SourceId::ALL
                .into_iter()
                .map(|s| (s, SourcePolicy::default_for(s)))
                .collect(),
        }
    }
}

impl Policies {
    /// The table with the process environment's overrides.
    pub fn from_env() -> Result<Self, PolicyError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// The table with overrides read through `lookup` (tests pass a map).
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, PolicyError> {
        let mut policies = Policies::default();
        for (source, policy) in &mut policies.by_source {
            policy.apply_env(*source, &lookup)?;
        }
        Ok(policies)
    }

    pub fn get(&self, source: SourceId) -> &SourcePolicy {
        // Every source is in the map by construction (Default fills ALL; nothing removes).
        &self.by_source[&source]
    }

    pub fn get_mut(&mut self, source: SourceId) -> &mut SourcePolicy {
        self.by_source
            .entry(source)
            .or_insert_with(|| SourcePolicy::default_for(source))
    }

    /// Platform-wide ceilings (`NBA_TIMEOUT_HTTP_CONNECT_SECS` /
    /// `NBA_TIMEOUT_HTTP_TOTAL_SECS`): no source may wait longer than these for
    /// one attempt; the table may be stricter.
    pub fn cap_timeouts(&mut self, connect: Duration, total: Duration) {
        for policy in self.by_source.values_mut() {
            policy.connect_timeout = policy.connect_timeout.min(connect);
            policy.total_timeout = policy.total_timeout.min(total);
            policy.read_timeout = policy.read_timeout.min(policy.total_timeout);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn the_table_has_the_documented_quotas() {
        let p = Policies::default();
        assert_eq!(
            p.get(SourceId::NbaStats).rate,
            Some(RateQuota::every(Duration::from_millis(600)))
        );
        assert_eq!(
            p.get(SourceId::BasketballReference).rate,
            Some(RateQuota::per_minute(20))
        );
        for s in SourceId::ALL {
            let policy = p.get(s);
            assert!(policy.retry.max_attempts >= 1, "{s}");
            assert!(policy.read_timeout <= policy.total_timeout, "{s}");
            assert!(policy.budget >= policy.total_timeout, "{s}");
            assert!(policy.rate.is_some(), "{s}: every production source is rate limited");
        }
        assert_eq!(p.get(SourceId::OddsApi).auth.secret_name(), Some(ODDS_API_KEY));
        assert_eq!(
            p.get(SourceId::BallDontLie).auth.secret_name(),
            Some(BALLDONTLIE_API_KEY)
        );
    }

    #[test]
    fn env_overrides_apply_per_source() {
        let p = Policies::from_vars(vars(&[
            ("NBA_PROXY_NBA_STATS", "http://user:pw@egress.internal:3128"),
            ("NBA_HTTP_BALLDONTLIE_RATE_PER_MIN", "5"),
            ("NBA_HTTP_ESPN_RATE_PER_MIN", "0"),
            ("NBA_HTTP_NBA_CDN_MAX_ATTEMPTS", "1"),
            ("NBA_HTTP_ODDS_API_TOTAL_SECS", "2.5"),
        ]))
        .unwrap();
        let proxy = p.get(SourceId::NbaStats).proxy.as_ref().unwrap();
        assert_eq!(proxy.url().host_str(), Some("egress.internal"));
        assert!(!format!("{proxy:?}").contains("pw@"));
        assert!(p.get(SourceId::NbaCdn).proxy.is_none());
        assert_eq!(p.get(SourceId::BallDontLie).rate, Some(RateQuota::per_minute(5)));
        assert_eq!(p.get(SourceId::Espn).rate, None);
        assert_eq!(p.get(SourceId::NbaCdn).retry.max_attempts, 1);
        assert_eq!(p.get(SourceId::OddsApi).total_timeout, Duration::from_millis(2500));
    }

    #[test]
    fn bad_overrides_name_the_variable_not_the_value() {
        let e = Policies::from_vars(vars(&[("NBA_PROXY_ESPN", "ftp://u:secretpw@x")])).unwrap_err();
        assert_eq!(e.var, "NBA_PROXY_ESPN");
        assert!(!e.to_string().contains("secretpw"));
        assert!(Policies::from_vars(vars(&[("NBA_HTTP_ESPN_MAX_ATTEMPTS", "0")])).is_err());
        assert!(Policies::from_vars(vars(&[("NBA_HTTP_ESPN_TOTAL_SECS", "-1")])).is_err());
    }

    #[test]
    fn platform_timeouts_are_ceilings() {
        let mut p = Policies::default();
        p.cap_timeouts(Duration::from_secs(2), Duration::from_secs(10));
        let nba = p.get(SourceId::NbaStats);
        assert_eq!(nba.connect_timeout, Duration::from_secs(2));
        assert_eq!(nba.total_timeout, Duration::from_secs(10));
        assert_eq!(nba.read_timeout, Duration::from_secs(10));
        p.cap_timeouts(Duration::from_secs(60), Duration::from_secs(600));
        assert_eq!(p.get(SourceId::NbaStats).total_timeout, Duration::from_secs(10));
    }
}
