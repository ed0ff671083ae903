//! The object a finalize event is about.

use std::collections::BTreeMap;

use cloudevents::{AttributesReader, Data, Event};
use serde::Deserialize;

pub const FINALIZED: &str = "google.cloud.storage.object.v1.finalized";

/// The part of GCS's object resource a processor needs.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageObject {
    pub bucket: String,
    pub name: String,
    /// GCS sends int64 values as JSON strings.
    #[serde(deserialize_with = "int_or_string")]
    pub generation: i64,
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default)]
    pub content_encoding: Option<String>,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

impl StorageObject {
    pub fn uri(&self) -> String {
        format!("gs://{}/{}", self.bucket, self.name)
    }

    /// The scrape's ET game date: the key's date folder, else the `game_date` metadata
    /// the scraper stamps on every object.
    pub fn game_date(&self) -> Option<chrono::NaiveDate> {
        crate::processor::game_date_from_key(&self.name)
            .or_else(|| self.metadata.get("game_date").and_then(|d| d.parse().ok()))
    }
}

fn int_or_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum IntOrString {
        Int(i64),
        Str(String),
    }
    match IntOrString::deserialize(d)? {
        IntOrString::Int(i) => Ok(i),
        IntOrString::Str(s) => s.parse().map_err(serde::de::Error::custom),
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EventError {
    #[error("event type {0} is not an object finalize")]
    NotFinalize(String),
    #[error("finalize event {id} has no usable object data: {reason}")]
    BadData { id: String, reason: String },
}

/// Extracts the object from a `google.cloud.storage.object.v1.finalized` CloudEvent.
pub fn finalized_object(event: &Event) -> Result<StorageObject, EventError> {
    if event.ty() != FINALIZED {
        return Err(EventError::NotFinalize(event.ty().to_string()));
    }
    let bad = |reason: String| EventError::BadData {
        id: event.id().to_string(),
        reason,
    };
    let value = match event.data() {
        Some(Data::Json(v)) => v.clone(),
        Some(Data::Binary(b)) => serde_json::from_slice(b).map_err(|e| bad(e.to_string()))?,
        Some(Data::String(s)) => serde_json::from_str(s).map_err(|e| bad(e.to_string()))?,
        None => return Err(bad("no data".into())),
    };
    serde_json::from_value(value).map_err(|e| bad(e.to_string()))
}

pub const PUBSUB_PUBLISHED: &str = "google.cloud.pubsub.topic.v1.messagePublished";

/// The scraper-completion message inside a Pub/Sub `messagePublished` CloudEvent.
pub fn scraper_complete(event: &Event) -> Result<nba_core::messages::ScraperComplete, EventError> {
    use base64::Engine;
    let bad = |reason: String| EventError::BadData {
        id: event.id().to_string(),
        reason,
    };
    let envelope: serde_json::Value = match event.data() {
        Some(Data::Json(v)) => v.clone(),
        Some(Data::Binary(b)) => serde_json::from_slice(b).map_err(|e| bad(e.to_string()))?,
        Some(Data::String(s)) => serde_json::from_str(s).map_err(|e| bad(e.to_string()))?,
        None => return Err(bad("no data".into())),
    };
    let data = envelope
        .pointer("/message/data")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| bad("message.data missing".into()))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|e| bad(format!("message.data is not base64: {e}")))?;
    serde_json::from_slice(&bytes).map_err(|e| bad(format!("not a scraper-complete message: {e}")))
}

impl StorageObject {
    /// The object as the store describes it now (for triggers that name it by path).
    pub fn from_meta(meta: &nba_cloud::ObjectMeta) -> Self {
        StorageObject {
            bucket: meta.bucket.clone(),
            name: meta.name.clone(),
            generation: meta.generation,
            content_type: Some(meta.content_type.clone()),
            content_encoding: None,
            metadata: meta.metadata.clone(),
        }
    }
}

/// `gs://bucket/name` → (bucket, name).
pub fn split_gs_uri(uri: &str) -> Option<(&str, &str)> {
    uri.strip_prefix("gs://")?.split_once('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn game_date_from_the_key_else_the_metadata() {
        let mut object = StorageObject {
            bucket: "b".into(),
            name: "nba-com/schedule/2025-01-10/20250110_140000.json".into(),
            generation: 1,
            content_type: None,
            content_encoding: None,
            metadata: BTreeMap::from([("game_date".to_string(), "2025-01-09".to_string())]),
        };
        assert_eq!(object.game_date(), chrono::NaiveDate::from_ymd_opt(2025, 1, 10));
        object.name = "manual/upload.json".into();
        assert_eq!(object.game_date(), chrono::NaiveDate::from_ymd_opt(2025, 1, 9));
        object.metadata.clear();
        assert_eq!(object.game_date(), None);
    }
}
