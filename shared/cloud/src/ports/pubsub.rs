//! Publishing (Pub/Sub's role). Push delivery to functions is the adapter's
//! (locally) or Pub/Sub's (in the cloud); handlers only see HTTP requests.

use std::collections::BTreeMap;

use async_trait::async_trait;

#[derive(Debug, Clone, thiserror::Error)]
pub enum PubSubError {
    #[error("topic {0} does not exist")]
    UnknownTopic(String),
    #[error("publish to {topic} failed: {reason}")]
    Publish { topic: String, reason: String },
}

// In its own file so the fuzz targets' stand-in for this crate includes the same definition
// (fuzz/shims/nba_cloud): the event decoder they compile reads it.
include!("content_encoding.rs");

#[derive(Debug, Clone, Default, PartialEq)]
pub struct OutgoingMessage {
    pub data: Vec<u8>,
    /// Attributes; always include `correlation_id`.
    pub attributes: BTreeMap<String, String>,
}

impl OutgoingMessage {
    /// A JSON message with attributes.
    pub fn json<T: serde::Serialize>(body: &T, attributes: BTreeMap<String, String>) -> Self {
        OutgoingMessage {
            data: serde_json::to_vec(body).expect("message bodies serialise"),
            attributes,
        }
    }
}

#[async_trait]
pub trait Publisher: Send + Sync {
    /// Publishes one message to a topic (a resolved name, see `nba_core::Names`);
    /// returns the server-assigned message id.
    async fn publish(&self, topic: &str, message: OutgoingMessage) -> Result<String, PubSubError>;
}
