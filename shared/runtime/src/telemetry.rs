//! Traces: the runtime's `invocation` span (and every span a handler opens inside it) as
//! an OpenTelemetry span, exported where `NBA_TRACES` says.
//!
//! * `off` (default): no spans are built; logs alone carry the ids.
//! * `stdout`: one JSON object per finished span on stdout (local runs, `jq`-able).
//! * `otlp`: OTLP over HTTP (protobuf) to `OTEL_EXPORTER_OTLP_ENDPOINT` (standard variable,
//!   default `http://localhost:4318`). On Cloud Run that is an OpenTelemetry Collector
//!   sidecar exporting to Cloud Trace.
//!
//! One trace per chain: every invocation's parent is a remote span context derived from
//! its correlation id, so a day's chain (workflow tick → scrapers → raw → … → published
//! JSON), spread over many functions and instances, is ONE trace in any viewer, the same
//! chain `nba trace --date D` prints from the execution log.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use opentelemetry::trace::{
    SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState, TracerProvider as _,
};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider, SpanData, SpanExporter};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use tracing::Subscriber;
use tracing_opentelemetry::OpenTelemetryLayer;
use tracing_subscriber::registry::LookupSpan;

/// The environment variable that picks the exporter.
pub const TRACES_VAR: &str = "NBA_TRACES";

/// Where finished spans go.
pub enum TraceExport {
    Off,
    /// One JSON object per span, to this writer (stdout, or a file for `nba run`).
    JsonLines(Box<dyn Write + Send>),
    /// OTLP/HTTP to `OTEL_EXPORTER_OTLP_ENDPOINT`.
    Otlp,
}

/// `NBA_TRACES` holds something other than `off`, `stdout` or `otlp`, or the exporter
/// could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("{TRACES_VAR}={0:?}: expected off, stdout or otlp")]
    UnknownExporter(String),
    #[error("building the OTLP exporter: {0}")]
    Otlp(String),
}

impl TraceExport {
    /// From `NBA_TRACES` (unset or empty: off).
    pub fn from_env() -> Result<Self, TelemetryError> {
        Self::parse(std::env::var(TRACES_VAR).unwrap_or_default().trim())
    }

    pub fn parse(value: &str) -> Result<Self, TelemetryError> {
        match value {
            "" | "off" => Ok(TraceExport::Off),
            "stdout" => Ok(TraceExport::JsonLines(Box::new(std::io::stdout()))),
            "otlp" => Ok(TraceExport::Otlp),
            other => Err(TelemetryError::UnknownExporter(other.to_owned())),
        }
    }
}

/// The tracing layer that turns spans into OpenTelemetry spans, and the provider to flush
/// at shutdown.
pub type TracesLayer<S> = (OpenTelemetryLayer<S, SdkTracer>, SdkTracerProvider);

/// The [`TracesLayer`] for `export` (`None` when export is off).
pub fn layer<S>(export: TraceExport, service: &str) -> Result<Option<TracesLayer<S>>, TelemetryError>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    let resource = Resource::builder().with_service_name(service.to_owned()).build();
    let builder = SdkTracerProvider::builder().with_resource(resource);
    let provider = match export {
        TraceExport::Off => return Ok(None),
        TraceExport::JsonLines(writer) => builder.with_batch_exporter(JsonLinesExporter::new(writer)).build(),
        TraceExport::Otlp => {
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .build()
                .map_err(|e| TelemetryError::Otlp(e.to_string()))?;
            builder.with_batch_exporter(exporter).build()
        }
    };
    let tracer = provider.tracer("nba-runtime");
    let layer = tracing_opentelemetry::layer()
        .with_tracer(tracer)
        // Entering a span would start it, and a started span can no longer take its chain
        // parent, which the runtime sets once it has read the correlation id (inside the
        // span). Nothing here reads the active OpenTelemetry context, so nothing is lost.
        .with_context_activation(false)
        .with_location(false)
        .with_threads(false);
    Ok(Some((layer, provider)))
}

/// The remote parent every invocation of a chain hangs from: trace id and span id are
/// the first 16 and next 8 bytes of SHA-256(correlation id), so any process derives the
/// same ones without talking to the others.
pub fn chain_parent(correlation_id: &str) -> Context {
    let digest = Sha256::digest(correlation_id.as_bytes());
    let mut trace = [0u8; 16];
    let mut span = [0u8; 8];
    trace.copy_from_slice(&digest[..16]);
    span.copy_from_slice(&digest[16..24]);
    let context = SpanContext::new(
        TraceId::from_bytes(trace),
        SpanId::from_bytes(span),
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    );
    Context::new().with_remote_span_context(context)
}

/// The trace id (32 hex digits) of a correlation id's chain.
pub fn chain_trace_id(correlation_id: &str) -> String {
    chain_parent(correlation_id)
        .span()
        .span_context()
        .trace_id()
        .to_string()
}

/// Writes each finished span as one JSON object per line.
pub struct JsonLinesExporter {
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
}

impl std::fmt::Debug for JsonLinesExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JsonLinesExporter")
    }
}

impl JsonLinesExporter {
    pub fn new(writer: Box<dyn Write + Send>) -> Self {
        JsonLinesExporter {
            writer: Arc::new(Mutex::new(writer)),
        }
    }
}

impl SpanExporter for JsonLinesExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let mut out = Vec::with_capacity(batch.len() * 512);
        for span in &batch {
            serde_json::to_writer(&mut out, &span_json(span))
                .map_err(|e| OTelSdkError::InternalFailure(e.to_string()))?;
            out.push(b'\n');
        }
        let mut writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        writer
            .write_all(&out)
            .and_then(|()| writer.flush())
            .map_err(|e| OTelSdkError::InternalFailure(format!("writing spans: {e}")))
    }
}

fn unix_nanos(t: SystemTime) -> u128 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}

/// A span as OTLP's JSON names its fields (ids in hex, times in Unix nanoseconds).
fn span_json(span: &SpanData) -> Value {
    let attributes: Map<String, Value> = span
        .attributes
        .iter()
        .map(|KeyValue { key, value, .. }| (key.to_string(), Value::String(value.to_string())))
        .collect();
    let (start, end) = (unix_nanos(span.start_time), unix_nanos(span.end_time));
    json!({
        "traceId": span.span_context.trace_id().to_string(),
        "spanId": span.span_context.span_id().to_string(),
        "parentSpanId": span.parent_span_id.to_string(),
        "name": span.name,
        "startTimeUnixNano": start.to_string(),
        "endTimeUnixNano": end.to_string(),
        "durationMs": (end.saturating_sub(start)) as f64 / 1e6,
        "attributes": attributes,
        "status": format!("{:?}", span.status),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    use tracing_subscriber::layer::SubscriberExt;

    /// A writer the test can read back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_exporter_is_chosen_by_name_and_a_typo_is_an_error() {
        assert!(matches!(TraceExport::parse("").unwrap(), TraceExport::Off));
        assert!(matches!(TraceExport::parse("otlp").unwrap(), TraceExport::Otlp));
        assert!(matches!(
            TraceExport::parse("stdout").unwrap(),
            TraceExport::JsonLines(_)
        ));
        let e = TraceExport::parse("jaeger").err().unwrap();
        assert!(e.to_string().contains("NBA_TRACES=\"jaeger\""), "{e}");
    }

    #[test]
    fn a_chain_has_one_trace_id_everywhere() {
        assert_eq!(chain_trace_id("day-2025-01-10"), chain_trace_id("day-2025-01-10"));
        assert_ne!(chain_trace_id("day-2025-01-10"), chain_trace_id("day-2025-01-11"));
        assert_eq!(chain_trace_id("x").len(), 32);
    }

    #[test]
    fn invocations_of_one_correlation_id_are_spans_of_one_trace() {
        let buffer = Shared::default();
        let (layer, provider) = layer(TraceExport::JsonLines(Box::new(buffer.clone())), "test")
            .unwrap()
            .unwrap();
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            for (function, correlation) in [("scrapers", "c1"), ("raw", "c1"), ("raw", "c2")] {
                // As the runtime does: the span is entered before the correlation id is known.
                let span = tracing::info_span!("invocation", function);
                let _entered = span.enter();
                span.set_parent(chain_parent(correlation)).unwrap();
                tracing::info_span!("load").in_scope(|| {});
            }
        });
        provider.force_flush().unwrap();
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        let spans: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(spans.len(), 6, "{text}");
        let trace_of = |correlation: &str| chain_trace_id(correlation);
        let in_trace = |t: String| spans.iter().filter(|s| s["traceId"] == t.as_str()).count();
        assert_eq!(in_trace(trace_of("c1")), 4, "two invocations + their children");
        assert_eq!(in_trace(trace_of("c2")), 2);
        let invocation = spans
            .iter()
            .find(|s| s["name"] == "invocation" && s["attributes"]["function"] == "scrapers")
            .unwrap();
        let load = spans
            .iter()
            .find(|s| s["name"] == "load" && s["traceId"] == invocation["traceId"])
            .unwrap();
        assert!(
            spans
                .iter()
                .any(|s| s["name"] == "load" && s["parentSpanId"] == invocation["spanId"]),
            "a handler's span is a child of its invocation: {load}"
        );
        assert!(invocation["durationMs"].as_f64().unwrap() >= 0.0);
    }
}
