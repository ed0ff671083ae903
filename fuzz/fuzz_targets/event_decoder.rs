//! Fuzzes the event decoder (`Inbound::decode`: binary and structured CloudEvents, Pub/Sub push
//! envelopes, legacy events) and the conversions a function applies after it.
//!
//! Input: the request path on the first line, then `name: value` header lines, an empty line,
//! and the body (see `fuzz/seeds/event_decoder/`). Whatever the input, the decoder answers
//! an event or a `DecodeError` (a 400), never a panic.
#![no_main]

// nba-runtime's events module, compiled from its source (see Cargo.toml).
#[allow(dead_code, unused_imports)]
#[path = "../../shared/runtime/src/events/mod.rs"]
mod events;

use events::Inbound;
use http::{HeaderMap, HeaderName, HeaderValue};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(i) => (&data[..i], &data[i + 2..]),
        None => (data, &[][..]),
    };
    let mut lines = head.split(|b| *b == b'\n');
    let path = String::from_utf8_lossy(lines.next().unwrap_or_default());
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
    let Ok(inbound) = Inbound::decode(&headers, &path, body) else {
        return;
    };
    if let Ok(legacy) = inbound.clone().into_legacy() {
        let _ = legacy.to_json();
    }
    if let Ok(decoded) = inbound.into_cloudevent() {
        let _ = events::event_to_json(&decoded.event);
        let _ = events::pubsub_payload::<serde_json::Value>(&decoded.event);
    }
});
