//! A Cloud Storage notification exactly as the emulator chain delivers it: fake-gcs-server
//! published an `OBJECT_FINALIZE` (payloadFormat JSON_API_V1) to the Pub/Sub emulator, whose
//! push subscription POSTed this envelope (captured verbatim in `data/`). The runtime must
//! turn it into the storage CloudEvent Eventarc would have delivered.

use http::HeaderMap;
use nba_runtime::cloudevents::{AttributesReader, Data};
use nba_runtime::{Encoding, Inbound, events::STORAGE_FINALIZED};
use serde_json::Value;

const ENVELOPE: &str = include_str!("data/fake_gcs_notification_push.json");

fn json_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(http::header::CONTENT_TYPE, "application/json".parse().expect("header"));
    headers
}

#[test]
fn an_emulator_gcs_notification_push_becomes_a_storage_finalized_event() {
    let Inbound::CloudEvent(decoded) = Inbound::decode(&json_headers(), "/", ENVELOPE.as_bytes()).expect("decodes")
    else {
        panic!("a push envelope is a CloudEvent, not a legacy event");
    };
    assert_eq!(decoded.encoding, Encoding::PubSubPush);
    assert_eq!(
        decoded.delivery.subscription.as_deref(),
        Some("projects/nba-props-test/subscriptions/raw-push")
    );
    let event = &decoded.event;
    assert_eq!(event.ty(), STORAGE_FINALIZED);
    assert_eq!(event.id(), "1");
    assert_eq!(
        event.source(),
        "//storage.googleapis.com/projects/_/buckets/dev-nba-scraped-data"
    );
    assert_eq!(
        event.subject(),
        Some("objects/nba-com/schedule/2025-01-10/20250110_120000.json")
    );
    let Some(Data::Json(object)) = event.data() else {
        panic!("the object resource is the event data");
    };
    // What the raw processor reads: bucket, name, generation (an int64 as a string),
    // the stored encoding and the scraper's metadata.
    assert_eq!(object["bucket"], "dev-nba-scraped-data");
    assert_eq!(object["generation"], "1796223311616726");
    assert_eq!(object["contentEncoding"], "gzip");
    assert_eq!(object["metadata"]["correlation_id"], "c-123");
    assert_eq!(
        event.time().map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-12-02T14:55:11+00:00")
    );
}

#[test]
fn the_same_envelope_without_notification_attributes_is_a_plain_pubsub_message() {
    let mut envelope: Value = serde_json::from_str(ENVELOPE).expect("json");
    envelope["message"]["attributes"] = serde_json::json!({"correlation_id": "c-123"});
    let body = envelope.to_string();
    let Inbound::CloudEvent(decoded) = Inbound::decode(&json_headers(), "/", body.as_bytes()).expect("decodes") else {
        panic!("a push envelope is a CloudEvent");
    };
    assert_eq!(decoded.event.ty(), "google.cloud.pubsub.topic.v1.messagePublished");
}
