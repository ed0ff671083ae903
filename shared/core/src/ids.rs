//! Identifiers that travel with work: the correlation id of a chain and the
//! execution id of one invocation.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Born at the first scraper run of a chain; carried in every message attribute,
/// message field, object metadata entry and log line downstream.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CorrelationId(pub String);

impl CorrelationId {
    /// Message attribute / object metadata key.
    pub const ATTRIBUTE: &'static str = "correlation_id";
    /// HTTP header for direct calls.
    pub const HEADER: &'static str = "x-correlation-id";
    /// CloudEvent extension attribute (extension names are lowercase alphanumerics).
    pub const CE_EXTENSION: &'static str = "correlationid";

    pub fn new() -> Self {
        CorrelationId(uuid::Uuid::new_v4().simple().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for CorrelationId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for CorrelationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One invocation of one function.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExecutionId(pub String);

impl ExecutionId {
    pub fn new() -> Self {
        ExecutionId(uuid::Uuid::new_v4().simple().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for ExecutionId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for ExecutionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
