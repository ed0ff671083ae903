//! Which chain and which trace an invocation belongs to.
//!
//! The correlation id ties every run of one data chain together (it is born at the first
//! scraper run and travels in headers, CloudEvent extensions, message attributes and object
//! metadata). It is resolved per invocation in this order, the first non-empty value wins:
//!
//! 1. the `x-correlation-id` header (direct calls);
//! 2. the CloudEvent extension `correlationid`;
//! 3. the Pub/Sub message attribute `correlation_id`;
//! 4. for Cloud Storage events, the object's `metadata.correlation_id`;
//! 5. for HTTP functions, a JSON body's `message.attributes.correlation_id` (a Pub/Sub push
//!    to an HTTP endpoint, such as the prediction coordinator's) or top-level `correlation_id`;
//! 6. else a new id (this invocation starts a chain).
//!
//! The trace id comes from W3C `traceparent`, then `X-Cloud-Trace-Context`, then a
//! `traceparent` CloudEvent extension (Eventarc's binary mode sends `ce-traceparent`).

use cloudevents::{AttributesReader, Event};
use http::HeaderMap;
use nba_core::CorrelationId;
use serde_json::Value;

use crate::events::{LegacyEvent, PUBSUB_PUBLISHED, event_data_json};

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Correlation id sent as a header.
pub fn correlation_from_headers(headers: &HeaderMap) -> Option<CorrelationId> {
    header_str(headers, CorrelationId::HEADER)
        .and_then(non_empty)
        .map(CorrelationId)
}

/// Correlation id carried by a CloudEvent: extension, then Pub/Sub attribute, then
/// storage object metadata.
pub fn correlation_from_event(event: &Event) -> Option<CorrelationId> {
    if let Some(ext) = event
        .extension(CorrelationId::CE_EXTENSION)
        .and_then(|v| non_empty(&v.to_string()))
    {
        return Some(CorrelationId(ext));
    }
    let data = event_data_json(event)?;
    if event.ty() == PUBSUB_PUBLISHED {
        return json_str(data, &["message", "attributes", CorrelationId::ATTRIBUTE]).map(CorrelationId);
    }
    if event.ty().starts_with("google.cloud.storage.object.") {
        return json_str(data, &["metadata", CorrelationId::ATTRIBUTE]).map(CorrelationId);
    }
    None
}

/// Bodies larger than this are not parsed for a correlation id (HTTP functions take
/// small JSON requests; a large body is the function's business, not the runtime's).
const MAX_CORRELATION_BODY: usize = 64 * 1024;

/// Correlation id in an HTTP function's JSON body: a Pub/Sub push envelope's message
/// attribute, else a top-level `correlation_id` (a direct `POST /start`).
pub fn correlation_from_http_body(body: &[u8]) -> Option<CorrelationId> {
    if body.is_empty() || body.len() > MAX_CORRELATION_BODY || body.first() != Some(&b'{') {
        return None;
    }
    let value: Value = serde_json::from_slice(body).ok()?;
    json_str(&value, &["message", "attributes", CorrelationId::ATTRIBUTE])
        .or_else(|| json_str(&value, &[CorrelationId::ATTRIBUTE]))
        .map(CorrelationId)
}

/// Correlation id carried by a legacy event (Pub/Sub attribute or object metadata).
pub fn correlation_from_legacy(legacy: &LegacyEvent) -> Option<CorrelationId> {
    json_str(&legacy.data, &["attributes", CorrelationId::ATTRIBUTE])
        .or_else(|| json_str(&legacy.data, &["metadata", CorrelationId::ATTRIBUTE]))
        .map(CorrelationId)
}

fn json_str(value: &Value, path: &[&str]) -> Option<String> {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .and_then(Value::as_str)
        .and_then(non_empty)
}

/// The trace id of a W3C `traceparent` value (`00-<32 hex>-<16 hex>-<2 hex>`).
pub fn parse_traceparent(value: &str) -> Option<String> {
    let mut parts = value.trim().split('-');
    let (version, trace, span, flags) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    if !hex(version, 2) || version == "ff" || !hex(trace, 32) || !hex(span, 16) || !hex(flags, 2) {
        return None;
    }
    if trace.bytes().all(|b| b == b'0') {
        return None;
    }
    Some(trace.to_ascii_lowercase())
}

/// The trace id of an `X-Cloud-Trace-Context` value (`TRACE_ID/SPAN_ID;o=1`).
pub fn parse_cloud_trace_context(value: &str) -> Option<String> {
    let trace = value.trim().split(['/', ';']).next()?;
    (trace.len() == 32 && trace.bytes().all(|b| b.is_ascii_hexdigit()) && !trace.bytes().all(|b| b == b'0'))
        .then(|| trace.to_ascii_lowercase())
}

/// Trace id from request headers, W3C first.
pub fn trace_from_headers(headers: &HeaderMap) -> Option<String> {
    header_str(headers, "traceparent")
        .and_then(parse_traceparent)
        .or_else(|| header_str(headers, "x-cloud-trace-context").and_then(parse_cloud_trace_context))
}

/// Trace id from a CloudEvent's `traceparent` extension.
pub fn trace_from_event(event: &Event) -> Option<String> {
    event
        .extension("traceparent")
        .and_then(|v| parse_traceparent(&v.to_string()))
}

#[cfg(test)]
mod tests {
    use cloudevents::{EventBuilder, EventBuilderV10};
    use serde_json::json;

    use super::*;

    fn pubsub_event(ext: Option<&str>, attr: Option<&str>) -> Event {
        let attrs = attr.map_or(json!({}), |a| json!({"correlation_id": a}));
        let mut b = EventBuilderV10::new()
            .id("1")
            .ty(PUBSUB_PUBLISHED)
            .source("//pubsub.googleapis.com/projects/p/topics/t")
            .data("application/json", json!({"message": {"attributes": attrs}}));
        if let Some(ext) = ext {
            b = b.extension("correlationid", ext);
        }
        b.build().expect("event")
    }

    #[test]
    fn extension_wins_over_attribute() {
        assert_eq!(
            correlation_from_event(&pubsub_event(Some("ext"), Some("attr"))),
            Some(CorrelationId("ext".into()))
        );
        assert_eq!(
            correlation_from_event(&pubsub_event(None, Some("attr"))),
            Some(CorrelationId("attr".into()))
        );
        assert_eq!(correlation_from_event(&pubsub_event(None, None)), None);
        assert_eq!(
            correlation_from_event(&pubsub_event(Some(""), Some("attr"))),
            Some(CorrelationId("attr".into()))
        );
    }

    #[test]
    fn storage_metadata_is_read_for_storage_events_only() {
        let event = EventBuilderV10::new()
            .id("1")
            .ty("google.cloud.storage.object.v1.finalized")
            .source("//storage.googleapis.com/projects/_/buckets/b")
            .data("application/json", json!({"metadata": {"correlation_id": "meta"}}))
            .build()
            .expect("event");
        assert_eq!(correlation_from_event(&event), Some(CorrelationId("meta".into())));
    }

    #[test]
    fn traceparent_and_cloud_trace_context_parse() {
        assert_eq!(
            parse_traceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"),
            Some("4bf92f3577b34da6a3ce929d0e0e4736".into())
        );
        assert_eq!(
            parse_traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"),
            None
        );
        assert_eq!(parse_traceparent("garbage"), None);
        assert_eq!(
            parse_cloud_trace_context("105445aa7843bc8bf206b12000100000/1;o=1"),
            Some("105445aa7843bc8bf206b12000100000".into())
        );
        assert_eq!(parse_cloud_trace_context("short/1"), None);
    }

    #[test]
    fn traceparent_header_wins_over_cloud_trace_context() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-cloud-trace-context",
            "105445aa7843bc8bf206b12000100000/1;o=1".parse().expect("h"),
        );
        assert_eq!(trace_from_headers(&h), Some("105445aa7843bc8bf206b12000100000".into()));
        h.insert(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
                .parse()
                .expect("h"),
        );
        assert_eq!(trace_from_headers(&h), Some("4bf92f3577b34da6a3ce929d0e0e4736".into()));
    }

    #[test]
    fn http_bodies_carry_the_correlation_of_a_push_or_a_start_request() {
        let push = json!({"message": {"data": "e30=", "attributes": {"correlation_id": "chain"}}, "subscription": "s"});
        let push = serde_json::to_vec(&push).unwrap();
        assert_eq!(correlation_from_http_body(&push), Some(CorrelationId("chain".into())));
        let start = br#"{"game_date": "2025-01-10", "correlation_id": "direct"}"#;
        assert_eq!(correlation_from_http_body(start), Some(CorrelationId("direct".into())));
        for body in [&b""[..], b"not json", b"{\"correlation_id\": \"  \"}", b"[1]"] {
            assert_eq!(correlation_from_http_body(body), None);
        }
    }
}
