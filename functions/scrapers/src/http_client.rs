//! Former home of the upstream HTTP layer, kept so existing paths
//! (`crate::http_client::{Fetcher, SourceId, Upstreams, redact}`) still resolve.
//! New code should use [`crate::http`].

pub use crate::http::*;
