//! What the runtime needs besides the function: where execution-log rows go and its limits.

use std::sync::Arc;
use std::time::Duration;

use nba_core::Timeouts;
use nba_execlog::{ExecutionLogSink, MemorySink};

/// Limits of the HTTP layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeSettings {
    /// Largest request body accepted; beyond it the answer is 413 (Cloud Run allows 32 MiB).
    pub body_limit_bytes: usize,
    /// Longest one invocation may run before it is abandoned and answered 504.
    pub function_timeout: Duration,
    /// After SIGTERM (or the shutdown future), how long in-flight requests may finish
    /// (Cloud Run waits 10 s before SIGKILL).
    pub drain_timeout: Duration,
}

impl RuntimeSettings {
    pub const DEFAULT_BODY_LIMIT: usize = 32 * 1024 * 1024;

    /// Settings from the project's timeout configuration.
    pub fn from_timeouts(timeouts: &Timeouts) -> Self {
        RuntimeSettings {
            body_limit_bytes: Self::DEFAULT_BODY_LIMIT,
            function_timeout: timeouts.function_request,
            drain_timeout: timeouts.shutdown_drain,
        }
    }
}

impl Default for RuntimeSettings {
    fn default() -> Self {
        Self::from_timeouts(&Timeouts::default())
    }
}

/// Shared dependencies of every invocation.
#[derive(Clone)]
pub struct RuntimeDeps {
    pub sink: Arc<dyn ExecutionLogSink>,
    pub settings: RuntimeSettings,
}

impl RuntimeDeps {
    pub fn new(sink: Arc<dyn ExecutionLogSink>) -> Self {
        RuntimeDeps {
            sink,
            settings: RuntimeSettings::default(),
        }
    }

    pub fn with_settings(mut self, settings: RuntimeSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Rows kept in memory: for tests and for binaries run without a warehouse.
    pub fn in_memory() -> (Self, MemorySink) {
        let sink = MemorySink::default();
        (Self::new(Arc::new(sink.clone())), sink)
    }
}

impl std::fmt::Debug for RuntimeDeps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeDeps")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}
