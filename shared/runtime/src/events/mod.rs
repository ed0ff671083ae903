//! Every way an event reaches a function, normalised.
//!
//! An event arrives over HTTP in one of four encodings:
//!
//! | encoding | recognised by | module |
//! |---|---|---|
//! | CloudEvents structured mode | `Content-Type: application/cloudevents+json` | [`structured`] |
//! | CloudEvents binary mode | a `ce-specversion` header | [`binary`] |
//! | Pub/Sub push envelope | JSON body with a `message` object | [`push`] |
//! | GCF legacy background event | JSON body with `context` or `eventType` | [`legacy`] |
//!
//! `cloudevent` functions always see one [`cloudevents::Event`] (legacy events are
//! converted with the mapping of Google's functions-framework conformance suite);
//! `event` functions always see `(data, context)` (CloudEvents are converted back).
//! A Pub/Sub push of a Cloud Storage notification (`payloadFormat=JSON_API_V1`) becomes
//! the `google.cloud.storage.object.v1.*` CloudEvent Eventarc would have delivered
//! ([`storage`]).

pub mod binary;
pub mod legacy;
pub mod push;
pub mod storage;
pub mod structured;

use cloudevents::{AttributesReader, AttributesWriter, Data, Event};
use http::HeaderMap;
use serde_json::Value;

/// CloudEvent type of a published Pub/Sub message.
pub const PUBSUB_PUBLISHED: &str = "google.cloud.pubsub.topic.v1.messagePublished";
/// `@type` of a Pub/Sub message in legacy events.
pub const PUBSUB_MESSAGE_TYPE: &str = "type.googleapis.com/google.pubsub.v1.PubsubMessage";
/// CloudEvent type of a finalized (created or overwritten) Cloud Storage object.
pub const STORAGE_FINALIZED: &str = "google.cloud.storage.object.v1.finalized";

/// Why a request could not be turned into an event. Answered 400 and logged as `undecodable`.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("invalid CloudEvent: {0}")]
    CloudEvent(String),
    #[error("body is not JSON: {0}")]
    NotJson(String),
    #[error("unrecognised event encoding: {0}")]
    Unrecognised(String),
    #[error("missing or invalid field `{field}`: {reason}")]
    Field { field: &'static str, reason: String },
    #[error("unsupported event type `{0}`")]
    UnsupportedType(String),
}

impl DecodeError {
    pub(crate) fn field(field: &'static str, reason: impl Into<String>) -> Self {
        DecodeError::Field {
            field,
            reason: reason.into(),
        }
    }
}

/// How the event arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Binary,
    Structured,
    PubSubPush,
    Legacy,
}

/// Delivery facts that are not part of the event itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Delivery {
    /// Pub/Sub `deliveryAttempt` (present when the subscription has a dead-letter policy).
    pub delivery_attempt: Option<u32>,
    /// Full subscription path (`projects/P/subscriptions/S`).
    pub subscription: Option<String>,
}

/// A CloudEvent plus how it was delivered.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedEvent {
    pub event: Event,
    pub encoding: Encoding,
    pub delivery: Delivery,
}

/// A legacy background event: what an `event` function receives.
#[derive(Debug, Clone, PartialEq)]
pub struct LegacyEvent {
    pub data: Value,
    /// `{eventId, timestamp, eventType, resource}` (resource is a string or an object).
    pub context: Value,
}

impl LegacyEvent {
    fn context_str(&self, key: &str) -> Option<&str> {
        self.context.get(key).and_then(Value::as_str)
    }

    pub fn event_id(&self) -> Option<&str> {
        self.context_str("eventId")
    }

    pub fn event_type(&self) -> Option<&str> {
        self.context_str("eventType")
    }

    /// `{"data": …, "context": …}`, the shape the conformance suite expects.
    pub fn to_json(&self) -> Value {
        serde_json::json!({"data": self.data, "context": self.context})
    }
}

/// A decoded request, before conversion to the function's signature.
// One per request and short-lived: boxing the CloudEvent would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound {
    CloudEvent(DecodedEvent),
    Legacy(LegacyEvent),
}

impl Inbound {
    /// Decodes a request into an event, whatever its encoding.
    pub fn decode(headers: &HeaderMap, path: &str, body: &[u8]) -> Result<Inbound, DecodeError> {
        let content_type = headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if content_type.starts_with("application/cloudevents-batch+json") {
            return Err(DecodeError::Unrecognised(
                "batched CloudEvents are not supported".into(),
            ));
        }
        if content_type.starts_with("application/cloudevents+json") {
            return structured::decode(headers, body).map(Inbound::CloudEvent);
        }
        if headers.contains_key(binary::SPEC_VERSION_HEADER) {
            return binary::decode(headers, body).map(Inbound::CloudEvent);
        }
        let json: Value = serde_json::from_slice(body).map_err(|e| DecodeError::NotJson(e.to_string()))?;
        if push::is_push_envelope(&json) {
            return push::decode(json, path).map(Inbound::CloudEvent);
        }
        if legacy::is_legacy_event(&json) {
            return legacy::decode(json).map(Inbound::Legacy);
        }
        Err(DecodeError::Unrecognised(
            "expected CloudEvent headers, application/cloudevents+json, a Pub/Sub push envelope or a legacy event"
                .into(),
        ))
    }

    /// The CloudEvent a `cloudevent` function receives.
    pub fn into_cloudevent(self) -> Result<DecodedEvent, DecodeError> {
        match self {
            Inbound::CloudEvent(decoded) => Ok(decoded),
            Inbound::Legacy(legacy) => legacy::to_cloudevent(&legacy).map(|event| DecodedEvent {
                event,
                encoding: Encoding::Legacy,
                delivery: Delivery::default(),
            }),
        }
    }

    /// The `(data, context)` an `event` function receives.
    pub fn into_legacy(self) -> Result<LegacyEvent, DecodeError> {
        match self {
            Inbound::CloudEvent(decoded) => legacy::from_cloudevent(&decoded.event),
            Inbound::Legacy(legacy) => Ok(legacy),
        }
    }
}

/// Finishes a CloudEvent received in binary or structured mode: JSON data is held as JSON
/// (binary mode delivers bytes), and a Pub/Sub `messagePublished` event's `data.subscription`
/// moves out of the data into [`Delivery`] (the conformance output has no subscription).
pub(crate) fn finish_cloudevent(mut event: Event, encoding: Encoding) -> Result<DecodedEvent, DecodeError> {
    let is_json = event.datacontenttype().is_none_or(is_json_content_type);
    let (content_type, schema, data) = event.take_data();
    let data = match data {
        Some(Data::Binary(bytes)) if is_json && content_type.is_some() => Some(Data::Json(
            serde_json::from_slice(&bytes).map_err(|e| DecodeError::NotJson(e.to_string()))?,
        )),
        Some(Data::String(text)) if is_json && content_type.is_some() => Some(Data::Json(
            serde_json::from_str(&text).map_err(|e| DecodeError::NotJson(e.to_string()))?,
        )),
        other => other,
    };
    let mut delivery = Delivery::default();
    let data = match data {
        Some(Data::Json(Value::Object(mut map))) if event.ty() == PUBSUB_PUBLISHED => {
            delivery.subscription = match map.remove("subscription") {
                Some(Value::String(s)) => Some(s),
                _ => None,
            };
            Some(Data::Json(Value::Object(map)))
        }
        other => other,
    };
    if let Some(data) = data {
        match (content_type, schema) {
            (Some(ct), Some(schema)) => {
                event.set_data(ct, data);
                event.set_dataschema(Some(schema));
            }
            (Some(ct), None) => {
                event.set_data(ct, data);
            }
            (None, _) => {
                event.set_data_unchecked(data);
            }
        }
    }
    Ok(DecodedEvent {
        event,
        encoding,
        delivery,
    })
}

fn is_json_content_type(ct: &str) -> bool {
    let ct = ct.to_ascii_lowercase();
    ct.starts_with("application/json")
        || ct.starts_with("text/json")
        || ct.split(';').next().is_some_and(|t| t.trim().ends_with("+json"))
}

/// The CloudEvents JSON format of an event, with JSON data inline as `data`.
pub fn event_to_json(event: &Event) -> Value {
    serde_json::to_value(event).unwrap_or_else(|e| serde_json::json!({"error": e.to_string()}))
}

/// The event's data as JSON, when it is JSON.
pub fn event_data_json(event: &Event) -> Option<&Value> {
    match event.data() {
        Some(Data::Json(v)) => Some(v),
        _ => None,
    }
}

/// A Pub/Sub message carried by a `messagePublished` CloudEvent: its JSON payload
/// (decoded from `message.data`) and its attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct PubSubPayload<T> {
    pub message_id: String,
    pub attributes: std::collections::BTreeMap<String, String>,
    pub payload: T,
}

/// Decodes the JSON payload of a Pub/Sub `messagePublished` CloudEvent into `T`.
/// Errors name the field that is missing or malformed (answer them as bad requests).
pub fn pubsub_payload<T: serde::de::DeserializeOwned>(event: &Event) -> Result<PubSubPayload<T>, DecodeError> {
    use base64::Engine;
    if event.ty() != PUBSUB_PUBLISHED {
        return Err(DecodeError::UnsupportedType(event.ty().to_string()));
    }
    let envelope: Value = match event.data() {
        Some(Data::Json(v)) => v.clone(),
        Some(Data::Binary(b)) => serde_json::from_slice(b).map_err(|e| DecodeError::NotJson(e.to_string()))?,
        Some(Data::String(s)) => serde_json::from_str(s).map_err(|e| DecodeError::NotJson(e.to_string()))?,
        None => return Err(DecodeError::field("data", "no data")),
    };
    let message = envelope
        .get("message")
        .ok_or_else(|| DecodeError::field("message", "missing"))?;
    let data = message
        .get("data")
        .and_then(Value::as_str)
        .ok_or_else(|| DecodeError::field("message.data", "missing or not a string"))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|e| DecodeError::field("message.data", format!("not base64: {e}")))?;
    let payload = serde_json::from_slice(&bytes).map_err(|e| DecodeError::field("message.data", e.to_string()))?;
    let attributes = message
        .get("attributes")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let message_id = message
        .get("messageId")
        .or_else(|| message.get("message_id"))
        .and_then(Value::as_str)
        .unwrap_or_else(|| event.id())
        .to_string();
    Ok(PubSubPayload {
        message_id,
        attributes,
        payload,
    })
}

/// A Pub/Sub `messagePublished` CloudEvent carrying `payload` as JSON on `topic`, as a
/// push subscription delivers it: the inverse of [`pubsub_payload`], for tests and
/// local tools that call a function directly.
pub fn pubsub_event(
    topic: &str,
    message_id: &str,
    payload: &impl serde::Serialize,
    attributes: &std::collections::BTreeMap<String, String>,
) -> Event {
    use base64::Engine;
    use cloudevents::{EventBuilder, EventBuilderV10};
    let data = base64::engine::general_purpose::STANDARD.encode(serde_json::to_vec(payload).expect("JSON payload"));
    EventBuilderV10::new()
        .id(message_id)
        .source(format!("//pubsub.googleapis.com/projects/local/topics/{topic}"))
        .ty(PUBSUB_PUBLISHED)
        .data(
            "application/json",
            serde_json::json!({
                "message": {"data": data, "messageId": message_id, "attributes": attributes},
                "subscription": format!("{topic}-push"),
            }),
        )
        .build()
        .expect("a complete CloudEvent")
}

#[cfg(test)]
mod robustness;

#[cfg(test)]
mod pubsub_payload_tests {
    use super::*;
    use cloudevents::{EventBuilder, EventBuilderV10};

    fn published(data: Value) -> Event {
        EventBuilderV10::new()
            .id("e1")
            .source("//pubsub.googleapis.com/projects/p/topics/t")
            .ty(PUBSUB_PUBLISHED)
            .data("application/json", data)
            .build()
            .unwrap()
    }

    #[test]
    fn decodes_payload_attributes_and_id() {
        // {"n": 3} in base64.
        let event = published(serde_json::json!({
            "message": {"data": "eyJuIjogM30=", "messageId": "42", "attributes": {"k": "v"}},
            "subscription": "s"
        }));
        let p: PubSubPayload<Value> = pubsub_payload(&event).unwrap();
        assert_eq!(p.payload, serde_json::json!({"n": 3}));
        assert_eq!(p.message_id, "42");
        assert_eq!(p.attributes["k"], "v");
    }

    #[test]
    fn pubsub_event_round_trips() {
        let attrs = std::collections::BTreeMap::from([("k".to_string(), "v".to_string())]);
        let event = pubsub_event("nba-t", "7", &serde_json::json!({"n": 3}), &attrs);
        let p: PubSubPayload<Value> = pubsub_payload(&event).unwrap();
        assert_eq!(
            (p.payload, p.message_id, p.attributes),
            (serde_json::json!({"n": 3}), "7".into(), attrs)
        );
    }

    #[test]
    fn errors_name_the_field() {
        let event = published(serde_json::json!({"message": {"data": "not base64!"}}));
        let err = pubsub_payload::<Value>(&event).unwrap_err();
        assert!(err.to_string().contains("message.data"), "{err}");
        let event = published(serde_json::json!({"subscription": "s"}));
        assert!(
            pubsub_payload::<Value>(&event)
                .unwrap_err()
                .to_string()
                .contains("message")
        );
    }
}
