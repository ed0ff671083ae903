//! The scraper abstraction and the registry of scrapers by name.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use crate::http_client::{SourceId, Upstreams};

/// What a scraper run is about.
#[derive(Debug, Clone, PartialEq)]
pub struct ScrapeContext {
    /// ET game date the run is for.
    pub date: NaiveDate,
    pub season: String,
}

/// An upstream answer whose shape is not the one the scraper knows.
/// Names the endpoint and the missing or malformed field: upstreams drift.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{endpoint}: field {field}: {reason}")]
pub struct ShapeError {
    pub endpoint: String,
    pub field: String,
    pub reason: String,
}

pub trait Scraper: Send + Sync {
    /// Registry name, e.g. `nbac_schedule`.
    fn name(&self) -> &'static str;
    /// Which upstream it calls (timeouts, headers, rate limits are per source).
    fn source(&self) -> SourceId;
    /// Raw-bucket key prefix `{source}/{kind}`.
    fn key_prefix(&self) -> &'static str;
    /// The URL to fetch.
    fn url(&self, ctx: &ScrapeContext, upstreams: &Upstreams) -> Result<reqwest::Url, url::ParseError>;
    /// Checks the decoded body has the shape this scraper knows; returns the record count.
    fn check_shape(&self, body: &Value) -> Result<u64, ShapeError>;

    /// Raw object key: `{source}/{kind}/{YYYY-MM-DD}/{YYYYMMDD_HHMMSS}.json`.
    fn object_key(&self, ctx: &ScrapeContext, scraped_at: DateTime<Utc>) -> String {
        format!(
            "{}/{}/{}.json",
            self.key_prefix(),
            ctx.date.format("%Y-%m-%d"),
            scraped_at.format("%Y%m%d_%H%M%S")
        )
    }
}

/// Scrapers by name.
#[derive(Clone, Default)]
pub struct ScraperRegistry {
    scrapers: BTreeMap<&'static str, Arc<dyn Scraper>>,
}

impl ScraperRegistry {
    /// Every scraper this crate ships.
    pub fn standard() -> Self {
        let mut registry = ScraperRegistry::default();
        registry.register(crate::sources::nba_stats::NbacSchedule);
        registry
    }

    pub fn register(&mut self, scraper: impl Scraper + 'static) {
        self.scrapers.insert(scraper.name(), Arc::new(scraper));
    }

    pub fn get(&self, name: &str) -> Option<Arc<dyn Scraper>> {
        self.scrapers.get(name).cloned()
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.scrapers.keys().copied().collect()
    }
}

/// Walks a JSON path of object keys, naming the first missing one.
pub fn field<'a>(endpoint: &str, body: &'a Value, path: &[&str]) -> Result<&'a Value, ShapeError> {
    let mut current = body;
    let mut walked = String::new();
    for key in path {
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(key);
        current = current.get(key).ok_or_else(|| ShapeError {
            endpoint: endpoint.to_string(),
            field: walked.clone(),
            reason: "missing".into(),
        })?;
    }
    Ok(current)
}
