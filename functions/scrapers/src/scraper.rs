//! What a scraper is: a declarative spec — name, upstream source, the options it
//! needs, a URL builder, the upstream decoder that checks the answer's shape and
//! counts its records, the raw object key, and how it paginates. Every scraper
//! is one entry in [`crate::catalog::CATALOG`].

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use nba_upstream::ShapeError;
use reqwest::Url;

use crate::http::{SourceId, Upstreams};
use crate::options::{OptionKind, ScrapeOptions};

/// How a response body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    Json,
    Html,
}

/// How more pages are fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pagination {
    /// One request.
    None,
    /// balldontlie: `meta.next_cursor` → `cursor=` until absent. The pages' `data`
    /// arrays are stored as one response (`meta.pages` says how many were merged).
    Cursor,
}

/// One scraper.
pub struct ScraperSpec {
    /// Registry name, e.g. `nbac_scoreboard_v2`.
    pub name: &'static str,
    pub source: SourceId,
    /// Raw-bucket key prefix `{source}/{kind}`.
    pub key_prefix: &'static str,
    pub format: BodyFormat,
    /// Options that must be present (besides the date, which always is).
    pub required: &'static [OptionKind],
    pub url: fn(&ScrapeOptions, &Upstreams) -> Result<Url, url::ParseError>,
    /// Checks the body has the shape this scraper knows; returns the record count
    /// (0 = a valid empty answer: `no_data`).
    pub check: fn(&[u8]) -> Result<u64, ShapeError>,
    /// Optional sub-folder of the key (a game or event id), so per-game runs do not collide.
    pub sub: Option<fn(&ScrapeOptions) -> Option<String>>,
    pub pagination: Pagination,
}

impl ScraperSpec {
    /// Raw object key: `{source}/{kind}/{YYYY-MM-DD}/[{sub}/]{YYYYMMDD_HHMMSS}.json` (`.html` for pages).
    pub fn object_key(&self, opts: &ScrapeOptions, scraped_at: DateTime<Utc>) -> String {
        let sub = self
            .sub
            .and_then(|f| f(opts))
            .map(|s| format!("{s}/"))
            .unwrap_or_default();
        let ext = match self.format {
            BodyFormat::Json => "json",
            BodyFormat::Html => "html",
        };
        format!(
            "{}/{}/{sub}{}.{ext}",
            self.key_prefix,
            opts.date.format("%Y-%m-%d"),
            scraped_at.format("%Y%m%d_%H%M%S")
        )
    }

    /// Content type of the stored object.
    pub fn content_type(&self) -> &'static str {
        match self.format {
            BodyFormat::Json => "application/json",
            BodyFormat::Html => "text/html; charset=utf-8",
        }
    }

    /// Checks every required option is present, naming the first missing one.
    pub fn check_options(&self, opts: &ScrapeOptions) -> Result<(), String> {
        for kind in self.required {
            if !opts.has(*kind) {
                return Err(format!("scraper {} needs option {}", self.name, kind.name()));
            }
        }
        Ok(())
    }
}

impl std::fmt::Debug for ScraperSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScraperSpec")
            .field("name", &self.name)
            .field("source", &self.source)
            .field("key_prefix", &self.key_prefix)
            .finish()
    }
}

/// Scrapers by name.
#[derive(Clone, Default)]
pub struct ScraperRegistry {
    scrapers: BTreeMap<&'static str, &'static ScraperSpec>,
}

impl ScraperRegistry {
    /// Every scraper of the catalog.
    pub fn standard() -> Self {
        let mut registry = ScraperRegistry::default();
        for spec in crate::catalog::CATALOG {
            registry.register(spec);
        }
        registry
    }

    pub fn register(&mut self, spec: &'static ScraperSpec) {
        let previous = self.scrapers.insert(spec.name, spec);
        assert!(previous.is_none(), "scraper {} registered twice", spec.name);
    }

    pub fn get(&self, name: &str) -> Option<&'static ScraperSpec> {
        self.scrapers.get(name).copied()
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.scrapers.keys().copied().collect()
    }
}
