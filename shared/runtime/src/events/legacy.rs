//! Google Cloud Functions legacy background events, both ways.
//!
//! Legacy events arrive as `{"context": {eventId, timestamp, eventType, resource}, "data": …}`
//! or, older, flat: `{"eventId", "timestamp", "eventType", "resource", "data"}`. The conversion
//! to and from CloudEvents follows the conformance suite's `docs/mapping.md`
//! (GoogleCloudPlatform/functions-framework-conformance) so that every `*-output.json` pair of
//! its Pub/Sub and Cloud Storage events is reproduced exactly. Event-specific subject/source
//! splitting is implemented for Pub/Sub and Cloud Storage only (the events this pipeline
//! uses); other Google event types get the generic `//service/resource` mapping.

use chrono::{DateTime, SecondsFormat, Utc};
use cloudevents::{AttributesReader, Event, EventBuilder, EventBuilderV10};
use serde_json::{Map, Value, json};

use super::{DecodeError, LegacyEvent, PUBSUB_MESSAGE_TYPE, PUBSUB_PUBLISHED, event_data_json};

/// Legacy event type → CloudEvent type (mapping.md, exact match).
const TYPE_MAP: &[(&str, &str)] = &[
    ("google.pubsub.topic.publish", PUBSUB_PUBLISHED),
    ("providers/cloud.pubsub/eventTypes/topic.publish", PUBSUB_PUBLISHED),
    (
        "google.storage.object.finalize",
        "google.cloud.storage.object.v1.finalized",
    ),
    ("google.storage.object.delete", "google.cloud.storage.object.v1.deleted"),
    (
        "google.storage.object.archive",
        "google.cloud.storage.object.v1.archived",
    ),
    (
        "google.storage.object.metadataUpdate",
        "google.cloud.storage.object.v1.metadataUpdated",
    ),
    (
        "providers/cloud.firestore/eventTypes/document.write",
        "google.cloud.firestore.document.v1.written",
    ),
    (
        "providers/cloud.firestore/eventTypes/document.create",
        "google.cloud.firestore.document.v1.created",
    ),
    (
        "providers/cloud.firestore/eventTypes/document.update",
        "google.cloud.firestore.document.v1.updated",
    ),
    (
        "providers/cloud.firestore/eventTypes/document.delete",
        "google.cloud.firestore.document.v1.deleted",
    ),
    (
        "providers/firebase.auth/eventTypes/user.create",
        "google.firebase.auth.user.v1.created",
    ),
    (
        "providers/firebase.auth/eventTypes/user.delete",
        "google.firebase.auth.user.v1.deleted",
    ),
    (
        "providers/firebase.remoteConfig/remoteconfig.update",
        "google.firebase.remoteconfig.remoteConfig.v1.updated",
    ),
    (
        "providers/google.firebase.analytics/eventTypes/event.log",
        "google.firebase.analytics.log.v1.written",
    ),
    (
        "providers/google.firebase.database/eventTypes/ref.create",
        "google.firebase.database.ref.v1.created",
    ),
    (
        "providers/google.firebase.database/eventTypes/ref.write",
        "google.firebase.database.ref.v1.written",
    ),
    (
        "providers/google.firebase.database/eventTypes/ref.update",
        "google.firebase.database.ref.v1.updated",
    ),
    (
        "providers/google.firebase.database/eventTypes/ref.delete",
        "google.firebase.database.ref.v1.deleted",
    ),
];

/// Legacy event type prefix → service, when the event names no service.
const SERVICE_BY_PREFIX: &[(&str, &str)] = &[
    ("providers/cloud.firestore/", "firestore.googleapis.com"),
    ("providers/google.firebase.analytics/", "firebase.googleapis.com"),
    ("providers/firebase.auth/", "firebase.googleapis.com"),
    ("providers/google.firebase.database/", "firebase.googleapis.com"),
    ("providers/cloud.pubsub/", "pubsub.googleapis.com"),
    ("providers/cloud.storage/", "storage.googleapis.com"),
    ("google.pubsub.", "pubsub.googleapis.com"),
    ("google.storage.", "storage.googleapis.com"),
];

const PUBSUB_SERVICE: &str = "pubsub.googleapis.com";
const STORAGE_SERVICE: &str = "storage.googleapis.com";

/// Whether a JSON body looks like a legacy event.
pub fn is_legacy_event(body: &Value) -> bool {
    body.get("context").is_some_and(Value::is_object) || body.get("eventType").is_some_and(Value::is_string)
}

/// Reads a legacy event as delivered, without converting it: `event` functions see the
/// context as sent (flat fields are gathered into a context object).
pub fn decode(body: Value) -> Result<LegacyEvent, DecodeError> {
    let Value::Object(mut map) = body else {
        return Err(DecodeError::Unrecognised("legacy event must be a JSON object".into()));
    };
    let data = map.remove("data").unwrap_or(Value::Null);
    let context = match map.remove("context") {
        Some(Value::Object(ctx)) => Value::Object(ctx),
        _ => {
            let mut ctx = Map::new();
            for key in ["eventId", "timestamp", "eventType", "resource"] {
                if let Some(v) = map.remove(key) {
                    ctx.insert(key.into(), v);
                }
            }
            Value::Object(ctx)
        }
    };
    let legacy = LegacyEvent { data, context };
    if legacy.event_type().is_none() {
        return Err(DecodeError::field("eventType", "absent or not a string"));
    }
    Ok(legacy)
}

/// Legacy event → CloudEvent (mapping.md, "GCF HTTP to CloudEvent conversion").
pub fn to_cloudevent(legacy: &LegacyEvent) -> Result<Event, DecodeError> {
    let gcf_type = legacy
        .event_type()
        .ok_or_else(|| DecodeError::field("eventType", "absent or not a string"))?;
    let ce_type = TYPE_MAP
        .iter()
        .find(|(from, _)| *from == gcf_type)
        .map(|(_, to)| *to)
        .ok_or_else(|| DecodeError::UnsupportedType(gcf_type.to_string()))?;
    let event_id = legacy
        .event_id()
        .ok_or_else(|| DecodeError::field("eventId", "absent or not a string"))?;
    let resource = legacy.context.get("resource");
    let resource_name = match resource {
        Some(Value::String(name)) => name.as_str(),
        Some(Value::Object(obj)) => obj
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| DecodeError::field("resource", "resource object has no name"))?,
        _ => return Err(DecodeError::field("resource", "absent")),
    };
    let service = resource
        .and_then(|r| r.get("service"))
        .and_then(Value::as_str)
        .or_else(|| {
            SERVICE_BY_PREFIX
                .iter()
                .find(|(prefix, _)| gcf_type.starts_with(prefix))
                .map(|(_, s)| *s)
        })
        .ok_or_else(|| DecodeError::field("resource", format!("no service known for event type {gcf_type}")))?;
    let timestamp = legacy
        .context
        .get("timestamp")
        .and_then(Value::as_str)
        .ok_or_else(|| DecodeError::field("timestamp", "absent or not a string"))?;
    let time = DateTime::parse_from_rfc3339(timestamp)
        .map_err(|e| DecodeError::field("timestamp", e.to_string()))?
        .with_timezone(&Utc);

    let mut source = format!("//{service}/{resource_name}");
    let mut subject = None;
    let mut data = legacy.data.clone();
    if service == STORAGE_SERVICE {
        // `projects/_/buckets/B/objects/NAME#GENERATION` → source up to the bucket, subject
        // `objects/NAME` without the generation.
        if let Some(idx) = resource_name.find("/objects/") {
            source = format!("//{service}/{}", &resource_name[..idx]);
            let object = &resource_name[idx + 1..];
            let object = object.split_once('#').map_or(object, |(name, _)| name);
            subject = Some(object.to_string());
        }
    } else if service == PUBSUB_SERVICE {
        let mut message = match data {
            Value::Object(m) => m,
            Value::Null => Map::new(),
            other => {
                return Err(DecodeError::field(
                    "data",
                    format!("Pub/Sub message must be an object, got {other}"),
                ));
            }
        };
        message.insert("messageId".into(), Value::String(event_id.to_string()));
        message.insert("publishTime".into(), Value::String(timestamp.to_string()));
        data = json!({ "message": message });
    }

    let mut builder = EventBuilderV10::new()
        .id(event_id)
        .ty(ce_type)
        .source(source)
        .time(time)
        .data("application/json", data);
    if let Some(subject) = subject {
        builder = builder.subject(subject);
    }
    builder.build().map_err(|e| DecodeError::CloudEvent(e.to_string()))
}

/// CloudEvent → legacy event (mapping.md, "CloudEvent to event, context", with the Pub/Sub
/// and Storage resource shapes the conformance outputs require).
pub fn from_cloudevent(event: &Event) -> Result<LegacyEvent, DecodeError> {
    let ce_type = event.ty();
    let gcf_type = TYPE_MAP
        .iter()
        .find(|(_, to)| *to == ce_type)
        .map_or(ce_type, |(from, _)| {
            // Two legacy names map to messagePublished; the modern one is the reverse.
            if ce_type == PUBSUB_PUBLISHED {
                "google.pubsub.topic.publish"
            } else {
                from
            }
        });
    let source = event.source().as_str();
    let (service, path) = source
        .strip_prefix("//")
        .and_then(|rest| rest.split_once('/'))
        .unwrap_or(("", source));
    let timestamp = event
        .time()
        .copied()
        .unwrap_or_else(Utc::now)
        .to_rfc3339_opts(SecondsFormat::AutoSi, true);
    let data = match event.data() {
        None => Value::Null,
        Some(_) => event_data_json(event)
            .cloned()
            .ok_or_else(|| DecodeError::field("data", "legacy event functions need JSON data"))?,
    };

    let (resource, data) = if ce_type == PUBSUB_PUBLISHED {
        let mut message = match data.get("message") {
            Some(Value::Object(m)) => m.clone(),
            _ => return Err(DecodeError::field("data", "Pub/Sub event without a message object")),
        };
        for key in ["messageId", "message_id", "publishTime", "publish_time"] {
            message.remove(key);
        }
        message
            .entry("@type")
            .or_insert_with(|| Value::String(PUBSUB_MESSAGE_TYPE.into()));
        let resource = json!({"service": service, "name": path, "type": PUBSUB_MESSAGE_TYPE});
        (resource, Value::Object(message))
    } else if service == STORAGE_SERVICE {
        let name = match event.subject() {
            Some(subject) => format!("{path}/{subject}"),
            None => path.to_string(),
        };
        let kind = data.get("kind").and_then(Value::as_str).unwrap_or("storage#object");
        let resource = json!({"service": service, "name": name, "type": kind});
        (resource, data)
    } else {
        let name = match event.subject() {
            Some(subject) => format!("{path}/{subject}"),
            None => path.to_string(),
        };
        (json!({"service": service, "name": name}), data)
    };

    Ok(LegacyEvent {
        data,
        context: json!({
            "eventId": event.id(),
            "timestamp": timestamp,
            "eventType": gcf_type,
            "resource": resource,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::event_to_json;

    #[test]
    fn flat_pubsub_event_converts_with_message_id_and_publish_time() {
        let body = json!({
            "eventId": "e1", "timestamp": "2020-09-29T11:32:00.123Z",
            "eventType": "providers/cloud.pubsub/eventTypes/topic.publish",
            "resource": "projects/p/topics/t",
            "data": {"data": "AQ==", "attributes": {"a": "b"}}
        });
        let legacy = decode(body).expect("legacy");
        let event = to_cloudevent(&legacy).expect("converts");
        assert_eq!(
            event_to_json(&event),
            json!({
                "specversion": "1.0", "id": "e1",
                "type": "google.cloud.pubsub.topic.v1.messagePublished",
                "source": "//pubsub.googleapis.com/projects/p/topics/t",
                "time": "2020-09-29T11:32:00.123Z", "datacontenttype": "application/json",
                "data": {"message": {"data": "AQ==", "attributes": {"a": "b"}, "messageId": "e1",
                         "publishTime": "2020-09-29T11:32:00.123Z"}}
            })
        );
    }

    #[test]
    fn storage_resource_splits_into_source_and_subject_without_generation() {
        let body = json!({
            "context": {"eventId": "e", "timestamp": "2020-01-02T15:04:05Z",
                        "eventType": "google.storage.object.finalize",
                        "resource": {"service": "storage.googleapis.com",
                                     "name": "projects/_/buckets/b/objects/a/b.json#123", "type": "storage#object"}},
            "data": {"name": "a/b.json"}
        });
        let event = to_cloudevent(&decode(body).expect("legacy")).expect("converts");
        assert_eq!(event.source(), "//storage.googleapis.com/projects/_/buckets/b");
        assert_eq!(event.subject(), Some("objects/a/b.json"));
    }

    #[test]
    fn unknown_legacy_type_is_unsupported() {
        let body = json!({"eventId": "e", "timestamp": "2020-01-02T15:04:05Z", "eventType": "x.y", "resource": "r"});
        assert!(matches!(
            to_cloudevent(&decode(body).expect("legacy")),
            Err(DecodeError::UnsupportedType(_))
        ));
    }

    #[test]
    fn legacy_without_event_type_is_rejected() {
        assert!(decode(json!({"context": {"eventId": "e"}, "data": {}})).is_err());
    }

    #[test]
    fn pubsub_cloudevent_to_legacy_drops_ids_and_adds_type() {
        let event = EventBuilderV10::new()
            .id("e1")
            .ty(PUBSUB_PUBLISHED)
            .source("//pubsub.googleapis.com/projects/p/topics/t")
            .time("2020-09-29T11:32:00Z")
            .data(
                "application/json",
                json!({"message": {"data": "AQ==", "messageId": "e1", "publishTime": "x"}}),
            )
            .build()
            .expect("event");
        let legacy = from_cloudevent(&event).expect("converts");
        assert_eq!(
            legacy.to_json(),
            json!({
                "data": {"@type": PUBSUB_MESSAGE_TYPE, "data": "AQ=="},
                "context": {"eventId": "e1", "timestamp": "2020-09-29T11:32:00Z",
                            "eventType": "google.pubsub.topic.publish",
                            "resource": {"service": "pubsub.googleapis.com", "name": "projects/p/topics/t",
                                         "type": PUBSUB_MESSAGE_TYPE}}
            })
        );
    }
}
