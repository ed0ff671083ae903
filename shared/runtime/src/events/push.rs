//! Pub/Sub push envelopes:
//! `{"message": {"data", "attributes", "messageId", "publishTime"}, "subscription", "deliveryAttempt"}`.
//!
//! The envelope becomes the `google.cloud.pubsub.topic.v1.messagePublished` CloudEvent that
//! Eventarc would deliver: `id` = messageId, `time` = publishTime, `data` = `{"message": …}`.
//!
//! **Source.** A push names the subscription, not the topic. The topic is taken, in order,
//! from the request path when the push endpoint ends with `projects/P/topics/T` (the
//! convention of Google's Node.js functions framework, so a push subscription can be
//! configured with a topic-bearing URL), else the source is
//! `//pubsub.googleapis.com/projects/P/topics/_` with `P` from the subscription path (`_` as
//! in Cloud Storage's `projects/_`: unknown). The subscription itself is reported in
//! [`Delivery::subscription`] (and so in `Invocation::subscription`), not in the event data,
//! so push deliveries and CloudEvent deliveries of the same message normalise to the same
//! event (the conformance outputs have no `data.subscription`).
//!
//! A push of a Cloud Storage notification (`payloadFormat=JSON_API_V1`) becomes the storage
//! CloudEvent instead (see [`super::storage`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use cloudevents::{EventBuilder, EventBuilderV10};
use serde_json::{Value, json};

use super::{DecodeError, DecodedEvent, Delivery, Encoding, PUBSUB_PUBLISHED, storage};

/// Whether a JSON body is a Pub/Sub push envelope.
pub fn is_push_envelope(body: &Value) -> bool {
    body.get("message").is_some_and(Value::is_object)
        && body.get("context").is_none()
        && body.get("eventType").is_none()
}

fn str_field<'a>(message: &'a serde_json::Map<String, Value>, camel: &str, snake: &str) -> Option<&'a str> {
    message
        .get(camel)
        .or_else(|| message.get(snake))
        .and_then(Value::as_str)
}

/// Decodes a push envelope received on request path `path`.
pub fn decode(body: Value, path: &str) -> Result<DecodedEvent, DecodeError> {
    let message = body
        .get("message")
        .and_then(Value::as_object)
        .ok_or_else(|| DecodeError::field("message", "absent or not an object"))?;
    let subscription = body.get("subscription").and_then(Value::as_str).map(str::to_string);
    let delivery_attempt = match body.get("deliveryAttempt") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| DecodeError::field("deliveryAttempt", format!("not a small positive integer: {v}")))?,
        ),
    };
    let message_id = str_field(message, "messageId", "message_id")
        .ok_or_else(|| DecodeError::field("message.messageId", "absent or not a string"))?;
    let publish_time = match str_field(message, "publishTime", "publish_time") {
        Some(t) => Some(
            DateTime::parse_from_rfc3339(t)
                .map_err(|e| DecodeError::field("message.publishTime", e.to_string()))?
                .with_timezone(&Utc),
        ),
        None => None,
    };
    let attributes: BTreeMap<String, String> = message
        .get("attributes")
        .and_then(Value::as_object)
        .map(|attrs| {
            attrs
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let delivery = Delivery {
        delivery_attempt,
        subscription: subscription.clone(),
    };

    if storage::is_json_notification(&attributes) {
        let data = message.get("data").and_then(Value::as_str).unwrap_or("");
        let event = storage::from_notification(message_id, publish_time, &attributes, data)?;
        return Ok(DecodedEvent {
            event,
            encoding: Encoding::PubSubPush,
            delivery,
        });
    }

    let source = format!("//pubsub.googleapis.com/{}", topic_path(path, subscription.as_deref()));
    let mut builder = EventBuilderV10::new()
        .id(message_id)
        .ty(PUBSUB_PUBLISHED)
        .source(source)
        .data("application/json", json!({ "message": message }));
    if let Some(time) = publish_time {
        builder = builder.time(time);
    }
    let event = builder.build().map_err(|e| DecodeError::CloudEvent(e.to_string()))?;
    Ok(DecodedEvent {
        event,
        encoding: Encoding::PubSubPush,
        delivery,
    })
}

/// `projects/P/topics/T`: from the request path if it names one, else from the subscription's
/// project with topic `_` (unknown).
fn topic_path(path: &str, subscription: Option<&str>) -> String {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    for window in segments.windows(4) {
        if let [p, project, t, topic] = window
            && *p == "projects"
            && *t == "topics"
        {
            return format!("projects/{project}/topics/{topic}");
        }
    }
    let project = subscription
        .and_then(|s| s.strip_prefix("projects/"))
        .and_then(|s| s.split('/').next())
        .filter(|p| !p.is_empty())
        .unwrap_or("_");
    format!("projects/{project}/topics/_")
}

#[cfg(test)]
mod tests {
    use cloudevents::AttributesReader;

    use super::*;
    use crate::events::event_data_json;

    fn envelope() -> Value {
        json!({
            "message": {"data": "eyJhIjoxfQ==", "attributes": {"correlation_id": "c1"},
                        "messageId": "m1", "message_id": "m1",
                        "publishTime": "2025-01-10T12:00:00.5Z", "publish_time": "2025-01-10T12:00:00.5Z"},
            "subscription": "projects/nba-props/subscriptions/raw-sub",
            "deliveryAttempt": 3
        })
    }

    #[test]
    fn push_envelope_becomes_message_published() {
        let decoded = decode(envelope(), "/").expect("decodes");
        let e = &decoded.event;
        assert_eq!(e.ty(), PUBSUB_PUBLISHED);
        assert_eq!(e.id(), "m1");
        assert_eq!(e.source(), "//pubsub.googleapis.com/projects/nba-props/topics/_");
        assert_eq!(
            e.time().map(|t| t.to_rfc3339()),
            Some("2025-01-10T12:00:00.500+00:00".into())
        );
        assert_eq!(
            event_data_json(e).and_then(|d| d.pointer("/message/messageId")),
            Some(&json!("m1"))
        );
        assert!(event_data_json(e).and_then(|d| d.get("subscription")).is_none());
        assert_eq!(decoded.delivery.delivery_attempt, Some(3));
        assert_eq!(
            decoded.delivery.subscription.as_deref(),
            Some("projects/nba-props/subscriptions/raw-sub")
        );
    }

    #[test]
    fn topic_comes_from_the_push_path_when_present() {
        let decoded = decode(envelope(), "/projects/p1/topics/nba-phase2-raw-complete").expect("decodes");
        assert_eq!(
            decoded.event.source(),
            "//pubsub.googleapis.com/projects/p1/topics/nba-phase2-raw-complete"
        );
    }

    #[test]
    fn message_without_id_is_rejected() {
        let body = json!({"message": {"data": "AA=="}, "subscription": "projects/p/subscriptions/s"});
        assert!(matches!(decode(body, "/"), Err(DecodeError::Field { .. })));
    }

    #[test]
    fn bad_delivery_attempt_is_rejected() {
        let mut body = envelope();
        body["deliveryAttempt"] = json!("three");
        assert!(decode(body, "/").is_err());
    }
}
