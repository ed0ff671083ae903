//! Structured logs in Cloud Logging's JSON format: one object per line on stdout, which Cloud
//! Run's agent parses into `severity`, `message`, trace and labels.
//!
//! The runtime opens a span named `invocation` around every invocation with the fields
//! `function`, `execution_id`, `correlation_id`, `trace_id`, `trigger_event_id`,
//! `event_type`; every log line written inside it carries them, so a handler only logs what
//! it has to say. `function`, `execution_id` and `correlation_id` become labels (filterable
//! in the console), `trace_id` becomes `logging.googleapis.com/trace`, other span and event
//! fields become top-level fields of the JSON payload.

use std::io::Write;
use std::sync::OnceLock;

use chrono::{SecondsFormat, Utc};
use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

use crate::telemetry::{self, TelemetryError, TraceExport};

const TRACE_KEY: &str = "logging.googleapis.com/trace";
const LABELS_KEY: &str = "logging.googleapis.com/labels";
/// Span fields promoted to labels.
const LABEL_FIELDS: &[&str] = &["function", "execution_id", "correlation_id"];

/// Installs the global subscriber: Cloud Logging JSON on stdout, level from `NBA_LOG`, then
/// `RUST_LOG`, else `info`, and OpenTelemetry spans exported as `NBA_TRACES` says (see
/// [`crate::telemetry`]). Also routes panics through the log (with a backtrace when
/// `RUST_BACKTRACE` asks for one). Calling it again is a no-op. Keep the answer alive
/// while serving: dropping it flushes the spans not yet exported.
pub fn init_logging(function_name: &str) -> Result<Traces, TelemetryError> {
    static INIT: OnceLock<()> = OnceLock::new();
    if INIT.get().is_some() {
        return Ok(Traces(None));
    }
    let export = TraceExport::from_env()?;
    let mut provider = None;
    let mut failure = None;
    INIT.get_or_init(|| {
        let filter = ["NBA_LOG", "RUST_LOG"]
            .iter()
            .filter_map(|var| std::env::var(var).ok().filter(|v| !v.trim().is_empty()))
            .find_map(|spec| EnvFilter::try_new(spec).ok())
            .unwrap_or_else(|| EnvFilter::new("info"));
        let layer = CloudLoggingLayer::new(function_name, project_from_env(), std::io::stdout);
        let registry = tracing_subscriber::registry().with(filter).with(layer);
        // Another subscriber may already be installed (tests, embedding binaries): keep it.
        match telemetry::layer(export, function_name) {
            Ok(Some((otel, p))) => {
                provider = Some(p);
                let _ = registry.with(otel).try_init();
            }
            Ok(None) => {
                let _ = registry.try_init();
            }
            Err(e) => {
                let _ = registry.try_init();
                failure = Some(e);
            }
        }
        install_panic_hook();
    });
    match failure {
        // Asked for traces and cannot export them: stop at start-up, not run blind.
        Some(e) => Err(e),
        None => Ok(Traces(provider)),
    }
}

/// The span exporter of this process; dropping it flushes what is left.
#[must_use = "dropping it stops and flushes the span export"]
pub struct Traces(pub Option<opentelemetry_sdk::trace::SdkTracerProvider>);

impl Drop for Traces {
    fn drop(&mut self) {
        if let Some(provider) = self.0.take()
            && let Err(e) = provider.shutdown()
        {
            eprintln!("flushing spans at exit: {e}");
        }
    }
}

/// The project for trace names: `GOOGLE_CLOUD_PROJECT`, else `NBA_PROJECT_ID`.
pub fn project_from_env() -> Option<String> {
    ["GOOGLE_CLOUD_PROJECT", "NBA_PROJECT_ID"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty())
}

fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let backtrace = std::backtrace::Backtrace::capture();
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic payload".into());
        tracing::error!(panic = %message, location = %location, backtrace = %backtrace, "panic");
    }));
}

/// Cloud Logging severity of a tracing level.
pub fn severity(level: &Level) -> &'static str {
    match *level {
        Level::ERROR => "ERROR",
        Level::WARN => "WARNING",
        Level::INFO => "INFO",
        Level::DEBUG | Level::TRACE => "DEBUG",
    }
}

/// A `tracing_subscriber` layer writing Cloud Logging JSON lines to `W`.
pub struct CloudLoggingLayer<W> {
    function: String,
    project: Option<String>,
    make_writer: W,
}

impl<W> CloudLoggingLayer<W> {
    pub fn new(function: impl Into<String>, project: Option<String>, make_writer: W) -> Self {
        CloudLoggingLayer {
            function: function.into(),
            project,
            make_writer,
        }
    }
}

/// Span fields, kept in the span's extensions.
struct SpanFields(Map<String, Value>);

#[derive(Default)]
struct JsonVisitor(Map<String, Value>);

impl Visit for JsonVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), Value::String(value.into()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().into(), Value::String(format!("{value:?}")));
    }
}

impl<S, W> Layer<S> for CloudLoggingLayer<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut visitor = JsonVisitor::default();
        attrs.record(&mut visitor);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanFields(visitor.0));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let mut visitor = JsonVisitor::default();
        values.record(&mut visitor);
        if let Some(span) = ctx.span(id) {
            let mut ext = span.extensions_mut();
            match ext.get_mut::<SpanFields>() {
                Some(fields) => fields.0.extend(visitor.0),
                None => ext.insert(SpanFields(visitor.0)),
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        // Span fields, outermost first so inner spans win.
        let mut fields = Map::new();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(span_fields) = span.extensions().get::<SpanFields>() {
                    fields.extend(span_fields.0.clone());
                }
            }
        }
        let mut visitor = JsonVisitor::default();
        event.record(&mut visitor);
        let mut event_fields = visitor.0;
        let message = event_fields.remove("message").unwrap_or(Value::String(String::new()));
        fields.extend(event_fields);

        let mut labels = Map::new();
        labels.insert("function".into(), Value::String(self.function.clone()));
        for key in LABEL_FIELDS {
            if let Some(value) = fields.remove(*key) {
                let text = match value {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                labels.insert((*key).into(), Value::String(text));
            }
        }

        let mut line = Map::new();
        line.insert("severity".into(), severity(event.metadata().level()).into());
        line.insert("message".into(), message);
        line.insert(
            "time".into(),
            Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true).into(),
        );
        if let Some(Value::String(trace)) = fields.remove("trace_id") {
            match &self.project {
                Some(project) => {
                    line.insert(TRACE_KEY.into(), format!("projects/{project}/traces/{trace}").into());
                }
                None => {
                    line.insert("trace_id".into(), trace.into());
                }
            }
        }
        line.insert(LABELS_KEY.into(), Value::Object(labels));
        line.insert("target".into(), event.metadata().target().into());
        for (k, v) in fields {
            line.entry(k).or_insert(v);
        }

        let mut text = Value::Object(line).to_string();
        text.push('\n');
        let mut writer = self.make_writer.make_writer();
        // A log line that cannot be written has nowhere else to go.
        let _ = writer.write_all(text.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("capture").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Capture {
        type Writer = Capture;
        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    fn lines(capture: &Capture) -> Vec<Value> {
        let bytes = capture.0.lock().expect("capture").clone();
        String::from_utf8(bytes)
            .expect("utf8")
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
            .collect()
    }

    #[test]
    fn span_fields_become_labels_and_trace() {
        let capture = Capture::default();
        let subscriber = tracing_subscriber::registry().with(CloudLoggingLayer::new(
            "raw_processor",
            Some("proj".into()),
            capture.clone(),
        ));
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!(
                "invocation",
                execution_id = "e1",
                correlation_id = tracing::field::Empty,
                trace_id = tracing::field::Empty
            );
            span.record("correlation_id", "c1");
            span.record("trace_id", "abc");
            let _g = span.enter();
            tracing::warn!(rows = 3, "hello");
        });
        let lines = lines(&capture);
        assert_eq!(lines.len(), 1);
        let l = &lines[0];
        assert_eq!(l["severity"], "WARNING");
        assert_eq!(l["message"], "hello");
        assert_eq!(l["rows"], 3);
        assert_eq!(l[TRACE_KEY], "projects/proj/traces/abc");
        assert_eq!(
            l[LABELS_KEY],
            serde_json::json!({"function": "raw_processor", "execution_id": "e1", "correlation_id": "c1"})
        );
        assert!(l["time"].as_str().is_some_and(|t| t.ends_with('Z')));
    }

    #[test]
    fn outside_a_span_only_the_function_label_is_set() {
        let capture = Capture::default();
        let subscriber = tracing_subscriber::registry().with(CloudLoggingLayer::new("f", None, capture.clone()));
        tracing::subscriber::with_default(subscriber, || tracing::error!("bad"));
        let l = &lines(&capture)[0];
        assert_eq!(l["severity"], "ERROR");
        assert_eq!(l[LABELS_KEY], serde_json::json!({"function": "f"}));
        assert!(l.get(TRACE_KEY).is_none());
    }
}
