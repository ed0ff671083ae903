//! CloudEvents HTTP structured content mode: the whole event as one
//! `application/cloudevents+json` document (used by Eventarc and some push adapters).

use cloudevents::binding::http::to_event;
use http::HeaderMap;

use super::{DecodeError, DecodedEvent, Encoding, finish_cloudevent};

pub fn decode(headers: &HeaderMap, body: &[u8]) -> Result<DecodedEvent, DecodeError> {
    let event = to_event(headers, body.to_vec()).map_err(|e| DecodeError::CloudEvent(e.to_string()))?;
    finish_cloudevent(event, Encoding::Structured)
}

#[cfg(test)]
mod tests {
    use cloudevents::AttributesReader;
    use serde_json::json;

    use super::*;
    use crate::events::event_data_json;

    #[test]
    fn structured_event_decodes_with_json_data() {
        let mut h = HeaderMap::new();
        h.insert(
            "content-type",
            "application/cloudevents+json; charset=utf-8".parse().expect("header"),
        );
        let body = json!({
            "specversion": "1.0", "id": "abc", "type": "t.v1", "source": "//x/y",
            "datacontenttype": "application/json", "data": {"k": 1}, "correlationid": "c-1"
        });
        let decoded = decode(&h, body.to_string().as_bytes()).expect("decodes");
        assert_eq!(decoded.event.ty(), "t.v1");
        assert_eq!(event_data_json(&decoded.event), Some(&json!({"k": 1})));
        assert_eq!(
            decoded.event.extension("correlationid").map(|v| v.to_string()),
            Some("c-1".into())
        );
        assert_eq!(decoded.encoding, Encoding::Structured);
    }

    #[test]
    fn structured_event_without_id_is_an_error() {
        let mut h = HeaderMap::new();
        h.insert("content-type", "application/cloudevents+json".parse().expect("header"));
        let body = json!({"specversion": "1.0", "type": "t", "source": "s"});
        assert!(decode(&h, body.to_string().as_bytes()).is_err());
    }
}
