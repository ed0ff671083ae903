//! Cloud Storage notifications delivered through Pub/Sub.
//!
//! A bucket notification configured with `payloadFormat=JSON_API_V1` publishes the object
//! resource as the message data and describes it in attributes (`bucketId`, `objectId`,
//! `eventType`, `eventTime`, `payloadFormat`). Functions should not care whether a finalize
//! came through Eventarc or a Pub/Sub push, so such a push becomes the same
//! `google.cloud.storage.object.v1.*` CloudEvent: source
//! `//storage.googleapis.com/projects/_/buckets/B`, subject `objects/NAME`, data = the object.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use cloudevents::{Event, EventBuilder, EventBuilderV10};
use serde_json::Value;

use super::DecodeError;

/// Notification `eventType` attribute → CloudEvent type.
const TYPES: &[(&str, &str)] = &[
    ("OBJECT_FINALIZE", super::STORAGE_FINALIZED),
    ("OBJECT_DELETE", "google.cloud.storage.object.v1.deleted"),
    ("OBJECT_ARCHIVE", "google.cloud.storage.object.v1.archived"),
    (
        "OBJECT_METADATA_UPDATE",
        "google.cloud.storage.object.v1.metadataUpdated",
    ),
];

/// Whether message attributes describe a JSON_API_V1 Cloud Storage notification.
pub fn is_json_notification(attributes: &BTreeMap<String, String>) -> bool {
    attributes.get("payloadFormat").map(String::as_str) == Some("JSON_API_V1")
        && attributes.contains_key("bucketId")
        && attributes.contains_key("objectId")
        && attributes
            .get("eventType")
            .is_some_and(|t| TYPES.iter().any(|(k, _)| k == t))
}

/// Builds the storage CloudEvent from a notification message.
pub fn from_notification(
    message_id: &str,
    publish_time: Option<DateTime<Utc>>,
    attributes: &BTreeMap<String, String>,
    data_base64: &str,
) -> Result<Event, DecodeError> {
    let attr = |key: &'static str| {
        attributes
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| DecodeError::field(key, "notification attribute absent"))
    };
    let bucket = attr("bucketId")?;
    let object = attr("objectId")?;
    let kind = attr("eventType")?;
    let ce_type = TYPES
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, t)| *t)
        .ok_or_else(|| DecodeError::UnsupportedType(kind.to_string()))?;
    let bytes = STANDARD
        .decode(data_base64)
        .map_err(|e| DecodeError::field("message.data", format!("not base64: {e}")))?;
    let object_json: Value =
        serde_json::from_slice(&bytes).map_err(|e| DecodeError::field("message.data", format!("not JSON: {e}")))?;
    if !object_json.is_object() {
        return Err(DecodeError::field(
            "message.data",
            "object resource is not a JSON object",
        ));
    }
    let time = match attributes.get("eventTime") {
        Some(t) => Some(
            DateTime::parse_from_rfc3339(t)
                .map_err(|e| DecodeError::field("eventTime", e.to_string()))?
                .with_timezone(&Utc),
        ),
        None => publish_time,
    };
    let mut builder = EventBuilderV10::new()
        .id(message_id)
        .ty(ce_type)
        .source(format!("//storage.googleapis.com/projects/_/buckets/{bucket}"))
        .subject(format!("objects/{object}"))
        .data("application/json", object_json);
    if let Some(time) = time {
        builder = builder.time(time);
    }
    builder.build().map_err(|e| DecodeError::CloudEvent(e.to_string()))
}

#[cfg(test)]
mod tests {
    use cloudevents::AttributesReader;
    use serde_json::json;

    use super::*;

    fn attrs(format: &str) -> BTreeMap<String, String> {
        [
            ("bucketId", "nba-raw"),
            ("objectId", "nbac/schedule/2025-01-10.json"),
            ("eventType", "OBJECT_FINALIZE"),
            ("payloadFormat", format),
            ("eventTime", "2025-01-10T12:00:00Z"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn finalize_notification_becomes_storage_event() {
        let object =
            json!({"bucket": "nba-raw", "name": "nbac/schedule/2025-01-10.json", "metadata": {"correlation_id": "c"}});
        let data = STANDARD.encode(object.to_string());
        let event = from_notification("m", None, &attrs("JSON_API_V1"), &data).expect("event");
        assert_eq!(event.ty(), "google.cloud.storage.object.v1.finalized");
        assert_eq!(event.source(), "//storage.googleapis.com/projects/_/buckets/nba-raw");
        assert_eq!(event.subject(), Some("objects/nbac/schedule/2025-01-10.json"));
        assert_eq!(event.data(), Some(&cloudevents::Data::Json(object)));
    }

    #[test]
    fn only_json_api_v1_notifications_are_recognised() {
        assert!(is_json_notification(&attrs("JSON_API_V1")));
        assert!(!is_json_notification(&attrs("NONE")));
    }

    #[test]
    fn non_json_payload_is_rejected() {
        let data = STANDARD.encode("not json");
        assert!(from_notification("m", None, &attrs("JSON_API_V1"), &data).is_err());
    }
}
