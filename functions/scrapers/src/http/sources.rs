//! Which upstreams exist, where they live, and what they expect a client to look like.
//!
//! How to talk to each one (timeouts, retries, rate, breaker, auth) is in
//! [`super::policy`]; this file only names the sources and their base URLs so
//! that offline runs can point every source at the local replay upstream.

use std::collections::BTreeMap;
use std::fmt;

use ::http::{HeaderMap, HeaderValue, header};
use reqwest::Url;
use serde::Serialize;

/// Upstream sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceId {
    NbaStats,
    NbaCdn,
    BallDontLie,
    OddsApi,
    /// ESPN's JSON site API.
    Espn,
    /// ESPN's web pages (HTML box scores).
    EspnWeb,
    /// BettingPros' API: a second source of player prop lines.
    BettingPros,
    /// Basketball-Reference (sports-reference.com): HTML pages, strict 20 requests/min.
    BasketballReference,
}

impl SourceId {
    pub const ALL: [SourceId; 8] = [
        SourceId::NbaStats,
        SourceId::NbaCdn,
        SourceId::BallDontLie,
        SourceId::OddsApi,
        SourceId::Espn,
        SourceId::EspnWeb,
        SourceId::BettingPros,
        SourceId::BasketballReference,
    ];

    /// Production base URL.
    pub fn default_base(self) -> &'static str {
        match self {
            SourceId::NbaStats => "https://stats.nba.com/",
            SourceId::NbaCdn => "https://cdn.nba.com/",
            SourceId::BallDontLie => "https://api.balldontlie.io/",
            SourceId::OddsApi => "https://api.the-odds-api.com/",
            SourceId::Espn => "https://site.api.espn.com/",
            SourceId::EspnWeb => "https://www.espn.com/",
            SourceId::BettingPros => "https://api.bettingpros.com/",
            SourceId::BasketballReference => "https://www.basketball-reference.com/",
        }
    }

    /// Upper-case key used to build every per-source environment variable
    /// (`NBA_UPSTREAM_<KEY>`, `NBA_PROXY_<KEY>`, `NBA_HTTP_<KEY>_…`).
    pub fn env_key(self) -> &'static str {
        match self {
            SourceId::NbaStats => "NBA_STATS",
            SourceId::NbaCdn => "NBA_CDN",
            SourceId::BallDontLie => "BALLDONTLIE",
            SourceId::OddsApi => "ODDS_API",
            SourceId::Espn => "ESPN",
            SourceId::EspnWeb => "ESPN_WEB",
            SourceId::BettingPros => "BETTINGPROS",
            SourceId::BasketballReference => "BASKETBALL_REFERENCE",
        }
    }

    /// Short lower-case name for logs and the execution log.
    pub fn name(self) -> &'static str {
        match self {
            SourceId::NbaStats => "nba_stats",
            SourceId::NbaCdn => "nba_cdn",
            SourceId::BallDontLie => "balldontlie",
            SourceId::OddsApi => "odds_api",
            SourceId::Espn => "espn",
            SourceId::EspnWeb => "espn_web",
            SourceId::BettingPros => "bettingpros",
            SourceId::BasketballReference => "basketball_reference",
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
            SourceId::EspnWeb => "NBA_UPSTREAM_ESPN_WEB",
            SourceId::BettingPros => "NBA_UPSTREAM_BETTINGPROS",
            SourceId::BasketballReference => "NBA_UPSTREAM_BASKETBALL_REFERENCE",
        }
    }

    /// Extra headers the source needs. stats.nba.com drops requests that do not look
    /// like a browser on nba.com; the HTML sources are asked for HTML.
    pub(crate) fn headers(self) -> HeaderMap {
        let mut h = HeaderMap::new();
        let accept = match self {
            SourceId::BasketballReference | SourceId::EspnWeb => "text/html,application/xhtml+xml",
            _ => "application/json, text/plain, */*",
        };
        h.insert(header::ACCEPT, HeaderValue::from_static(accept));
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

impl fmt::Display for SourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
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
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// As [`Upstreams::from_env`], reading variables through `lookup` (tests, other config sources).
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, UpstreamConfigError> {
        let mut bases = BTreeMap::new();
        for source in SourceId::ALL {
            let value = lookup(source.env_var()).unwrap_or_else(|| source.default_base().to_string());
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

pub(crate) fn parse_base(var: &'static str, value: &str) -> Result<Url, UpstreamConfigError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases_get_a_trailing_slash_and_need_http() {
        assert_eq!(
            parse_base("X", "http://127.0.0.1:1234").unwrap().as_str(),
            "http://127.0.0.1:1234/"
        );
        assert!(parse_base("X", "ftp://x").is_err());
    }

    #[test]
    fn every_source_has_a_parsable_default_and_distinct_keys() {
        let ups = Upstreams::from_vars(|_| None).unwrap();
        let mut keys = std::collections::BTreeSet::new();
        for s in SourceId::ALL {
            assert_eq!(ups.base(s).as_str(), s.default_base());
            assert!(keys.insert(s.env_key()));
            assert!(s.env_var().ends_with(s.env_key()));
        }
    }
}
