//! CloudEvents HTTP binary content mode: attributes in `ce-*` headers, data as the body
//! (what the CloudEvents SDKs, Eventarc and Google's conformance client send).

use cloudevents::binding::http::to_event;
use http::HeaderMap;

use super::{DecodeError, DecodedEvent, Encoding, finish_cloudevent};

/// The header whose presence marks a binary-mode CloudEvent.
pub const SPEC_VERSION_HEADER: &str = "ce-specversion";

pub fn decode(headers: &HeaderMap, body: &[u8]) -> Result<DecodedEvent, DecodeError> {
    let event = to_event(headers, body.to_vec()).map_err(|e| DecodeError::CloudEvent(e.to_string()))?;
    finish_cloudevent(event, Encoding::Binary)
}

#[cfg(test)]
mod tests {
    use cloudevents::AttributesReader;
    use serde_json::json;

    use super::*;
    use crate::events::event_data_json;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().expect("test header"));
        }
        map
    }

    #[test]
    fn json_body_becomes_json_data_and_subscription_moves_to_delivery() {
        let h = headers(&[
            ("ce-specversion", "1.0"),
            ("ce-id", "1"),
            ("ce-type", "google.cloud.pubsub.topic.v1.messagePublished"),
            ("ce-source", "//pubsub.googleapis.com/projects/p/topics/t"),
            ("content-type", "application/json"),
        ]);
        let body = br#"{"subscription":"projects/p/subscriptions/s","message":{"data":"AQ=="}}"#;
        let decoded = decode(&h, body).expect("decodes");
        assert_eq!(decoded.event.id(), "1");
        assert_eq!(
            event_data_json(&decoded.event),
            Some(&json!({"message": {"data": "AQ=="}}))
        );
        assert_eq!(
            decoded.delivery.subscription.as_deref(),
            Some("projects/p/subscriptions/s")
        );
    }

    #[test]
    fn invalid_json_body_is_an_error() {
        let h = headers(&[
            ("ce-specversion", "1.0"),
            ("ce-id", "1"),
            ("ce-type", "t"),
            ("ce-source", "s"),
            ("content-type", "application/json"),
        ]);
        assert!(matches!(decode(&h, b"{not json"), Err(DecodeError::NotJson(_))));
    }

    #[test]
    fn missing_required_attribute_is_an_error() {
        let h = headers(&[("ce-specversion", "1.0"), ("ce-type", "t"), ("ce-source", "s")]);
        assert!(matches!(decode(&h, b""), Err(DecodeError::CloudEvent(_))));
    }
}
