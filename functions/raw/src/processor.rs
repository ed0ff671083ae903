//! What a raw processor is, and the routing table from key prefix to processor.

use std::sync::Arc;

use nba_schemas::{Row, TableSchema};
use serde_json::Value;

/// Input that can never load: names the field (a JSON path) and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("field {field}: {reason}")]
pub struct ParseError {
    pub field: String,
    pub reason: String,
}

impl ParseError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ParseError {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// The rows one raw object yields for one table.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub rows: Vec<Row>,
}

pub trait RawProcessor: Send + Sync {
    /// Processor name (execution log, messages), e.g. `nbac_schedule_processor`.
    fn name(&self) -> &'static str;
    /// Upstream source name for quarantine records, e.g. `nbac_schedule`.
    fn source_name(&self) -> &'static str;
    /// Raw object key prefix this processor owns, e.g. `nba-com/schedule/`.
    fn prefix(&self) -> &'static str;
    fn table(&self) -> &'static TableSchema;
    /// Turns the decoded body into rows (not yet validated against the table;
    /// the writer does that). Structural problems are a [`ParseError`].
    fn parse(&self, body: &Value, source_file: &str) -> Result<Parsed, ParseError>;
}

#[derive(Clone, Default)]
pub struct ProcessorRegistry {
    processors: Vec<Arc<dyn RawProcessor>>,
}

impl ProcessorRegistry {
    pub fn standard() -> Self {
        let mut registry = ProcessorRegistry::default();
        registry.register(crate::processors::nbac_schedule::NbacScheduleProcessor);
        registry
    }

    pub fn register(&mut self, processor: impl RawProcessor + 'static) {
        self.processors.push(Arc::new(processor));
        // Longest prefix first so a more specific route wins.
        self.processors.sort_by_key(|p| std::cmp::Reverse(p.prefix().len()));
    }

    /// The processor owning `object_name`, if any.
    pub fn route(&self, object_name: &str) -> Option<Arc<dyn RawProcessor>> {
        self.processors
            .iter()
            .find(|p| object_name.starts_with(p.prefix()))
            .cloned()
    }
}
