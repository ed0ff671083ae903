//! Upstream HTTP, configured per source in one place.
//!
//! Foundation scope: per-source base URL (so offline runs point at the replay
//! upstream), browser-like headers where the upstream wants them, connect and
//! total timeouts (a hanging stats.nba.com must end as a timeout, not a stuck
//! function), gzip decoding, TLS verification on, and a response size cap.

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, header};
use reqwest::Url;

/// Upstream sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SourceId {
    NbaStats,
    NbaCdn,
    BallDontLie,
    OddsApi,
    Espn,
}

impl SourceId {
    pub const ALL: [SourceId; 5] = [
        SourceId::NbaStats,
        SourceId::NbaCdn,
        SourceId::BallDontLie,
        SourceId::OddsApi,
        SourceId::Espn,
    ];

    /// Production base URL.
    pub fn default_base(self) -> &'static str {
        match self {
            SourceId::NbaStats => "https://stats.nba.com/",
            SourceId::NbaCdn => "https://cdn.nba.com/",
            SourceId::BallDontLie => "https://api.balldontlie.io/",
            SourceId::OddsApi => "https://api.the-odds-api.com/",
            SourceId::Espn => "https://site.api.espn.com/",
        }
    }

    /// Environment variable overriding the base URL (e.g. the replay upstream).
    pub fn env_var(self) -> &'static str {
        match self {
            SourceId::NbaStats => "NBA_UPSTREAM_NBA_STATS",
            SourceId::NbaCdn => "NBA_UPSTREAM_NBA_CDN",
            SourceId::BallDontLie => "NBA_UPSTREAM_BALLDONTLIE",
            SourceId::OddsApi => "NBA_UPSTREAM_ODDS_API",
            SourceId::Espn => "NBA_UPSTREAM_ESPN",
        }
    }

    /// Extra headers the source needs. stats.nba.com drops requests that do not look
    /// like a browser on nba.com.
    fn headers(self) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/json, text/plain, */*"),
        );
        if matches!(self, SourceId::NbaStats | SourceId::NbaCdn) {
            h.insert(
                header::USER_AGENT,
                HeaderValue::from_static(
                    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
                ),
            );
            h.insert(header::REFERER, HeaderValue::from_static("https://www.nba.com/"));
            h.insert(header::ORIGIN, HeaderValue::from_static("https://www.nba.com"));
            h.insert("x-nba-stats-origin", HeaderValue::from_static("stats"));
            h.insert("x-nba-stats-token", HeaderValue::from_static("true"));
        }
        h
    }
}

/// Base URLs of every source.
#[derive(Debug, Clone)]
pub struct Upstreams {
    bases: BTreeMap<SourceId, Url>,
}

#[derive(Debug, thiserror::Error)]
#[error("{var}: {value:?} is not a base URL: {reason}")]
pub struct UpstreamConfigError {
    var: &'static str,
    value: String,
    reason: String,
}

impl Upstreams {
    pub fn from_env() -> Result<Self, UpstreamConfigError> {
        let mut bases = BTreeMap::new();
        for source in SourceId::ALL {
            let value = std::env::var(source.env_var()).unwrap_or_else(|_| source.default_base().to_string());
            bases.insert(source, parse_base(source.env_var(), &value)?);
        }
        Ok(Upstreams { bases })
    }

    /// Every source at its production URL except `source` at `base` (tests).
    pub fn with_base(source: SourceId, base: Url) -> Self {
        let mut bases: BTreeMap<SourceId, Url> = SourceId::ALL
            .into_iter()
            .map(|s| (s, Url::parse(s.default_base()).expect("default bases parse")))
            .collect();
        bases.insert(source, base);
        Upstreams { bases }
    }

    /// Every source served by one local replay upstream.
    pub fn all_at(base: &Url) -> Self {
        Upstreams {
            bases: SourceId::ALL.into_iter().map(|s| (s, base.clone())).collect(),
        }
    }

    pub fn base(&self, source: SourceId) -> &Url {
        &self.bases[&source]
    }
}

fn parse_base(var: &'static str, value: &str) -> Result<Url, UpstreamConfigError> {
    let with_slash = if value.ends_with('/') {
        value.to_string()
    } else {
        format!("{value}/")
    };
    let url = Url::parse(&with_slash).map_err(|e| UpstreamConfigError {
        var,
        value: value.into(),
        reason: e.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(UpstreamConfigError {
            var,
            value: value.into(),
            reason: "scheme must be http or https".into(),
        });
    }
    Ok(url)
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: timed out")]
    Timeout { url: String },
    #[error("{url}: HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url}: response larger than {limit} bytes")]
    TooLarge { url: String, limit: usize },
    #[error("{url}: {reason}")]
    Transport { url: String, reason: String },
}

impl FetchError {
    /// Whether retrying later may help (timeouts, 429, 5xx, connection trouble).
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Timeout { .. } | FetchError::Transport { .. } => true,
            FetchError::Status { status, .. } => *status == 429 || *status >= 500,
            FetchError::TooLarge { .. } => false,
        }
    }
}

/// Fetches upstream responses.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    max_body_bytes: usize,
}

impl Fetcher {
    pub fn new(connect_timeout: Duration, total_timeout: Duration) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .timeout(total_timeout)
            .gzip(true)
            .build()?;
        Ok(Fetcher {
            client,
            max_body_bytes: 64 * 1024 * 1024,
        })
    }

    /// GETs `url` with the source's headers; the body is returned decoded.
    pub async fn get(&self, source: SourceId, url: &Url) -> Result<Bytes, FetchError> {
        let shown = redact(url);
        let transport = |e: reqwest::Error| {
            if e.is_timeout() {
                FetchError::Timeout { url: shown.clone() }
            } else {
                FetchError::Transport {
                    url: shown.clone(),
                    reason: e.without_url().to_string(),
                }
            }
        };
        let response = self
            .client
            .get(url.clone())
            .headers(source.headers())
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::Status {
                url: shown,
                status: status.as_u16(),
            });
        }
        if response
            .content_length()
            .is_some_and(|n| n as usize > self.max_body_bytes)
        {
            return Err(FetchError::TooLarge {
                url: shown,
                limit: self.max_body_bytes,
            });
        }
        let body = response.bytes().await.map_err(transport)?;
        if body.len() > self.max_body_bytes {
            return Err(FetchError::TooLarge {
                url: shown,
                limit: self.max_body_bytes,
            });
        }
        Ok(body)
    }
}

/// The URL as it may appear in logs and errors: query values of key-like
/// parameters are replaced.
pub fn redact(url: &Url) -> String {
    let mut shown = url.clone();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let secret = matches!(k.to_ascii_lowercase().as_str(), "apikey" | "api_key" | "key" | "token");
            (
                k.into_owned(),
                if secret {
                    "[REDACTED]".to_string()
                } else {
                    v.into_owned()
                },
            )
        })
        .collect();
    if !pairs.is_empty() {
        shown.query_pairs_mut().clear().extend_pairs(pairs);
    }
    shown.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_api_keys_in_urls() {
        let url = Url::parse("https://api.the-odds-api.com/v4/sports?apiKey=s3cret&regions=us").unwrap();
        let shown = redact(&url);
        assert!(!shown.contains("s3cret"));
        assert!(shown.contains("regions=us"));
    }

    #[test]
    fn bases_get_a_trailing_slash_and_need_http() {
        assert_eq!(
            parse_base("X", "http://127.0.0.1:1234").unwrap().as_str(),
            "http://127.0.0.1:1234/"
        );
        assert!(parse_base("X", "ftp://x").is_err());
    }

    #[test]
    fn transient_classification() {
        let s = |status| FetchError::Status {
            url: "u".into(),
            status,
        };
        assert!(s(503).is_transient());
        assert!(s(429).is_transient());
        assert!(!s(404).is_transient());
    }
}
