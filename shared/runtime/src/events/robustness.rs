//! The event decoder on garbage: whatever the headers, path and body, [`Inbound::decode`] and
//! the conversions a function applies after it answer an event or a [`DecodeError`] (a 400),
//! never a panic. The cheap, always-run twin of the `event_decoder` fuzz target (`fuzz/`),
//! starting from the same seeds (`fuzz/seeds/event_decoder/`, in the target's format).

use http::{HeaderMap, HeaderName, HeaderValue};
use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::context;

/// The fuzz target's input format: the path on the first line, `name: value` header lines,
/// an empty line, the body.
fn request(data: &[u8]) -> (String, HeaderMap, Vec<u8>) {
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(i) => (&data[..i], &data[i + 2..]),
        None => (data, &[][..]),
    };
    let mut lines = head.split(|b| *b == b'\n');
    let path = String::from_utf8_lossy(lines.next().unwrap_or_default()).into_owned();
    let mut headers = HeaderMap::new();
    for line in lines {
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name), HeaderValue::from_bytes(value)) {
            headers.append(name, value);
        }
    }
    (path, headers, body.to_vec())
}

/// Decodes and converts as the server does; the outcome of the decode.
fn decode_all(headers: &HeaderMap, path: &str, body: &[u8]) -> Result<(), DecodeError> {
    let _ = context::correlation_from_headers(headers);
    let _ = context::trace_from_headers(headers);
    let inbound = Inbound::decode(headers, path, body)?;
    if let Ok(legacy) = inbound.clone().into_legacy() {
        let _ = legacy.to_json();
        let _ = context::correlation_from_legacy(&legacy);
    }
    if let Ok(decoded) = inbound.into_cloudevent() {
        let _ = event_to_json(&decoded.event);
        let _ = context::correlation_from_event(&decoded.event);
        let _ = context::trace_from_event(&decoded.event);
        let _ = pubsub_payload::<Value>(&decoded.event);
    }
    Ok(())
}

fn seeds() -> Vec<(String, HeaderMap, Vec<u8>)> {
    let dir = nba_core::package_dir!().join("../../fuzz/seeds/event_decoder");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| request(&std::fs::read(f).expect("seed")))
        .collect()
}

#[test]
fn every_seed_decodes() {
    let seeds = seeds();
    assert!(seeds.len() >= 5);
    for (path, headers, body) in seeds {
        if let Err(e) = decode_all(&headers, &path, &body) {
            panic!("{headers:?} {}: {e}", String::from_utf8_lossy(&body));
        }
    }
}

fn nasty_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop::sample::select(vec![
            json!(""),
            json!("not base64!"),
            json!("AQ=="),
            json!("e30="),
            json!("bnVsbA=="),
            json!("2025-13-45T99:99:99Z"),
            json!("+262143-12-31T23:59:59Z"),
            json!("projects/"),
            json!("projects/p/subscriptions/"),
            json!("//"),
            json!("JSON_API_V1"),
            json!("OBJECT_FINALIZE"),
            json!("google.cloud.pubsub.topic.v1.messagePublished"),
            json!("providers/cloud.pubsub/eventTypes/topic.publish"),
            json!("google.storage.object.finalize"),
            json!(-1),
            json!(u64::MAX),
            json!([]),
            json!({}),
        ]),
        "\\PC{0,16}".prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
            prop::collection::btree_map("[a-zA-Z@_]{1,12}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Replaces the node reached by walking `steps` (each picks a child) with `with`.
fn replace_at(v: &mut Value, steps: &[usize], with: Value) {
    let mut node = v;
    for step in steps {
        let len = match node {
            Value::Array(a) => a.len(),
            Value::Object(o) => o.len(),
            _ => 0,
        };
        if len == 0 {
            break;
        }
        node = match node {
            Value::Array(a) => &mut a[step % len],
            Value::Object(o) => o.values_mut().nth(step % len).expect("index below len"),
            _ => unreachable!("only containers have children"),
        };
    }
    *node = with;
}

fn header() -> impl Strategy<Value = (String, Vec<u8>)> {
    let name = prop_oneof![
        prop::sample::select(vec![
            "content-type",
            "ce-specversion",
            "ce-id",
            "ce-type",
            "ce-source",
            "ce-time",
            "ce-subject",
            "ce-datacontenttype",
            "ce-dataschema",
            "ce-correlationid",
            "ce-traceparent",
            "traceparent",
            "x-cloud-trace-context",
            "x-correlation-id",
        ])
        .prop_map(str::to_string),
        "ce-[a-z]{0,10}",
    ];
    let value = prop_oneof![
        prop::sample::select(vec![
            "1.0",
            "0.3",
            "application/json",
            "application/cloudevents+json",
            "application/cloudevents+json; charset=utf-8",
            "application/cloudevents-batch+json",
            "text/plain",
            "2025-01-10T14:05:12Z",
            "not a time",
            "//pubsub.googleapis.com/projects/p/topics/t",
            "google.cloud.pubsub.topic.v1.messagePublished",
            "google.cloud.storage.object.v1.finalized",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-zz-zz-zz",
            "105445aa7843bc8bf206b120001000/1;o=1",
            "/;o=",
            "",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        prop::collection::vec(any::<u8>(), 0..40),
    ];
    (name, value)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Arbitrary headers, path and body.
    #[test]
    fn arbitrary_requests_never_panic(
        headers in prop::collection::vec(header(), 0..8),
        path in "(/[a-zA-Z0-9_.%-]{0,12}){0,6}",
        body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..128),
            nasty_value().prop_map(|v| serde_json::to_vec(&v).expect("serialises")),
        ],
    ) {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_bytes(&value)) {
                map.append(n, v);
            }
        }
        let _ = decode_all(&map, &path, &body);
    }

    /// A real event (every encoding) with one to three JSON nodes of its body replaced, and
    /// maybe one header replaced.
    #[test]
    fn mutated_seeds_never_panic(
        pick in any::<prop::sample::Index>(),
        edits in prop::collection::vec((prop::collection::vec(any::<usize>(), 0..8), nasty_value()), 1..4),
        swap in prop::option::of(header()),
    ) {
        let seeds = seeds();
        let (path, mut headers, body) = pick.get(&seeds).clone();
        let body = match serde_json::from_slice::<Value>(&body) {
            Ok(mut v) => {
                for (steps, with) in edits {
                    replace_at(&mut v, &steps, with);
                }
                serde_json::to_vec(&v).expect("serialises")
            }
            Err(_) => body,
        };
        if let Some((name, value)) = swap
            && let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_bytes(&value))
        {
            headers.insert(n, v);
        }
        let _ = decode_all(&headers, &path, &body);
    }
}
