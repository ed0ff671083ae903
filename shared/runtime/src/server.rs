//! Serving one function over HTTP, as Cloud Run runs it.
//!
//! [`serve`] is what a function binary's `main` calls: it picks the function named by
//! `FUNCTION_TARGET`/`--target`, listens on `PORT`/`--port` and drains on SIGTERM.
//! [`router`] and [`serve_on`] are the same machinery for in-process use (the local cloud
//! runs every function in one process, each on its own port).
//!
//! Like Google's functions frameworks, an `http` function receives every method and path;
//! `cloudevent` and `event` functions accept `POST` on any path (405 otherwise).

use std::error::Error as StdError;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use cloudevents::AttributesReader;
use http::request::Parts;
use http::{HeaderValue, Method, StatusCode, header};
use http_body_util::LengthLimitError;
use nba_core::{CorrelationId, ExecutionId};
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tracing::Instrument;
use tracing::field::Empty;

use crate::context;
use crate::deps::{RuntimeDeps, RuntimeSettings};
use crate::events::{DecodeError, Inbound};
use crate::function::{Function, HttpRequest, Invocation};
use crate::headers::security_headers;
use crate::invocation::{Failure, InvocationRun, Trigger, TriggerType};
use crate::logging::init_logging;
use crate::registry::FunctionRegistry;
use crate::telemetry;
use tracing_opentelemetry::{OpenTelemetrySpanExt, SetParentError};

/// Command line / environment of a function binary.
#[derive(Debug, Clone, clap::Parser)]
#[command(about = "Serve one registered function over HTTP")]
pub struct ServeArgs {
    /// Function to serve.
    #[arg(long, env = "FUNCTION_TARGET")]
    pub target: String,
    /// Port to listen on.
    #[arg(long, env = "PORT", default_value_t = 8080)]
    pub port: u16,
    /// Declared signature type (`http`, `cloudevent`, `event`); checked against the registration.
    #[arg(long = "signature-type", env = "FUNCTION_SIGNATURE_TYPE")]
    pub signature_type: Option<String>,
    /// Address to bind.
    #[arg(long, env = "HOST", default_value_t = IpAddr::V4(Ipv4Addr::UNSPECIFIED))]
    pub host: IpAddr,
}

/// Everything [`serve`] needs besides the registry.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub args: ServeArgs,
    pub deps: RuntimeDeps,
}

impl ServeOptions {
    /// Options from the process's command line and environment.
    pub fn from_env(deps: RuntimeDeps) -> Result<Self, clap::Error> {
        use clap::Parser as _;
        Ok(ServeOptions {
            args: ServeArgs::try_parse()?,
            deps,
        })
    }
}

/// Serves the target function until SIGTERM/SIGINT, then drains in-flight requests for at
/// most the drain timeout.
pub async fn serve(registry: FunctionRegistry, options: ServeOptions) -> anyhow::Result<()> {
    let ServeArgs {
        target,
        port,
        signature_type,
        host,
    } = options.args;
    let _traces = init_logging(&target)?;
    raise_open_file_limit();
    let function = registry.get(&target)?;
    if let Some(declared) = signature_type.as_deref() {
        anyhow::ensure!(
            declared == function.signature_type(),
            "function `{target}` is registered as `{}` but --signature-type says `{declared}`",
            function.signature_type()
        );
    }
    let addr = SocketAddr::new(host, port);
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    tracing::info!(
        port,
        signature_type = function.signature_type(),
        "serving function {target} on {addr}"
    );
    let drain = options.deps.settings.drain_timeout;
    let app = router(&target, function, options.deps);
    serve_on_with_drain(listener, app, shutdown_signal(), drain).await?;
    tracing::info!("server stopped");
    Ok(())
}

/// Serves `router` on `listener` until `shutdown` completes, then drains in-flight requests
/// for at most the default drain timeout (10 s).
pub async fn serve_on<F>(listener: TcpListener, router: Router, shutdown: F) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    serve_on_with_drain(listener, router, shutdown, RuntimeSettings::default().drain_timeout).await
}

/// [`serve_on`] with an explicit drain timeout.
pub async fn serve_on_with_drain<F>(
    listener: TcpListener,
    router: Router,
    shutdown: F,
    drain: Duration,
) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, router).with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!(
            drain_ms = drain.as_millis() as u64,
            "shutdown requested; draining in-flight requests"
        );
        let _ = started_tx.send(());
    });
    let deadline = async move {
        match started_rx.await {
            Ok(()) => tokio::time::sleep(drain).await,
            // The shutdown future was dropped without firing: no deadline.
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        result = server => result,
        () = deadline => {
            tracing::warn!("drain timeout elapsed with requests still in flight; stopping");
            Ok(())
        }
    }
}

/// Completes on SIGTERM (Cloud Run's stop signal) or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = terminate => tracing::info!("SIGTERM received"),
        result = tokio::signal::ctrl_c() => match result {
            Ok(()) => tracing::info!("SIGINT received"),
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGINT");
                std::future::pending::<()>().await;
            }
        },
    }
}

/// Raises the open-file soft limit to the hard limit: every in-flight request holds a socket
/// and the default soft limit (often 1,024) would cap concurrency below Cloud Run's 1,000.
pub fn raise_open_file_limit() {
    // SAFETY: getrlimit/setrlimit only read/write the struct we pass.
    unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max;
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                tracing::debug!("could not raise the open-file limit");
            }
        }
    }
}

struct AppState {
    name: String,
    function: Function,
    deps: RuntimeDeps,
}

/// The HTTP app of one function, with the runtime's layers: body limit (413), panic net
/// (generic 500), security headers. Usable in-process with [`serve_on`].
pub fn router(name: &str, function: Function, deps: RuntimeDeps) -> Router {
    let limit = deps.settings.body_limit_bytes;
    let state = Arc::new(AppState {
        name: name.to_string(),
        function,
        deps,
    });
    Router::new()
        .fallback(handle)
        .with_state(state)
        .layer(RequestBodyLimitLayer::new(limit))
        .layer(CatchPanicLayer::custom(runtime_panic_response))
        .layer(axum::middleware::map_response(security_headers))
}

impl FunctionRegistry {
    /// [`router`] for the function registered as `name`.
    pub fn router(&self, name: &str, deps: RuntimeDeps) -> Result<Router, crate::registry::RegistryError> {
        Ok(router(name, self.get(name)?, deps))
    }
}

/// Last-resort answer for a panic outside a handler (handler panics are caught, logged and
/// recorded by the invocation itself).
fn runtime_panic_response(_payload: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("panic in the runtime outside a handler");
    json_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        serde_json::json!({"error": "internal error"}),
    )
}

fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn is_length_limit(err: &(dyn StdError + 'static)) -> bool {
    let mut current = Some(err);
    while let Some(e) = current {
        if e.is::<LengthLimitError>() {
            return true;
        }
        current = e.source();
    }
    false
}

fn header_str<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|s| !s.is_empty())
}

async fn handle(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let is_event_function = !matches!(state.function, Function::Http(_));
    if is_event_function && parts.method != Method::POST {
        let mut resp = json_response(
            StatusCode::METHOD_NOT_ALLOWED,
            serde_json::json!({"error": "event functions accept POST only"}),
        );
        resp.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return resp;
    }
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(e) if is_length_limit(&e) => {
            return json_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                serde_json::json!({"error": "request body too large"}),
            );
        }
        Err(e) => {
            tracing::warn!(error = %e, "failed to read request body");
            return json_response(
                StatusCode::BAD_REQUEST,
                serde_json::json!({"error": "unreadable request body"}),
            );
        }
    };

    let execution_id = ExecutionId::new();
    let span = tracing::info_span!(
        "invocation",
        function = %state.name,
        execution_id = %execution_id,
        correlation_id = Empty,
        trace_id = Empty,
        trigger_event_id = Empty,
        event_type = Empty,
        signature_type = state.function.signature_type(),
    );
    dispatch(state, parts, body, execution_id).instrument(span).await
}

/// Builds the invocation context and records it on the current span.
fn invocation(
    state: &AppState,
    execution_id: ExecutionId,
    trigger_event_id: String,
    correlation_id: CorrelationId,
    trace_id: Option<String>,
) -> Invocation {
    let span = tracing::Span::current();
    span.record("correlation_id", correlation_id.as_str());
    // One trace per chain (see `telemetry`). Without an OpenTelemetry layer there is no
    // span to parent; a span already started would be a runtime bug worth a warning.
    if let Err(SetParentError::AlreadyStarted) = span.set_parent(telemetry::chain_parent(correlation_id.as_str())) {
        tracing::warn!("the invocation span started before its chain parent was set");
    }
    span.record("trigger_event_id", trigger_event_id.as_str());
    if let Some(trace) = &trace_id {
        span.record("trace_id", trace.as_str());
    }
    Invocation {
        function: state.name.clone(),
        execution_id,
        trigger_event_id,
        correlation_id,
        trace_id,
        delivery_attempt: None,
        subscription: None,
    }
}

async fn dispatch(state: Arc<AppState>, parts: Parts, body: Bytes, execution_id: ExecutionId) -> Response {
    let deps = &state.deps;
    let timeout = deps.settings.function_timeout;
    let header_correlation = context::correlation_from_headers(&parts.headers);
    let header_trace = context::trace_from_headers(&parts.headers);
    match &state.function {
        Function::Http(function) => {
            let request_id =
                header_str(&parts, "x-request-id").map_or_else(|| execution_id.to_string(), str::to_string);
            let inv = invocation(
                &state,
                execution_id,
                request_id,
                header_correlation
                    .or_else(|| context::correlation_from_http_body(&body))
                    .unwrap_or_default(),
                header_trace,
            );
            let run = InvocationRun::start(
                inv,
                Trigger {
                    trigger_type: TriggerType::Http,
                    event_type: None,
                },
            );
            let request = HttpRequest {
                method: parts.method,
                uri: parts.uri,
                headers: parts.headers,
                body,
            };
            match run.execute(timeout, function.call(&run.invocation, request)).await {
                Ok((response, outcome)) => run.finish(deps, Ok(outcome), Some(response)).await,
                Err(failure) => run.finish(deps, Err(failure), None).await,
            }
        }
        Function::CloudEvent(function) => {
            let decoded = Inbound::decode(&parts.headers, parts.uri.path(), &body).and_then(Inbound::into_cloudevent);
            let decoded = match decoded {
                Ok(decoded) => decoded,
                Err(e) => return undecodable(&state, &parts, execution_id, TriggerType::CloudEvent, e).await,
            };
            let event = &decoded.event;
            tracing::Span::current().record("event_type", event.ty());
            let correlation = header_correlation
                .or_else(|| context::correlation_from_event(event))
                .unwrap_or_default();
            let trace = header_trace.or_else(|| context::trace_from_event(event));
            let mut inv = invocation(&state, execution_id, event.id().to_string(), correlation, trace);
            inv.delivery_attempt = decoded.delivery.delivery_attempt;
            inv.subscription = decoded.delivery.subscription.clone();
            let run = InvocationRun::start(
                inv,
                Trigger {
                    trigger_type: TriggerType::CloudEvent,
                    event_type: Some(event.ty().to_string()),
                },
            );
            let result = run
                .execute(timeout, function.call(&run.invocation, decoded.event))
                .await;
            run.finish(deps, result, None).await
        }
        Function::Event(function) => {
            let inbound = match Inbound::decode(&parts.headers, parts.uri.path(), &body) {
                Ok(inbound) => inbound,
                Err(e) => return undecodable(&state, &parts, execution_id, TriggerType::Event, e).await,
            };
            let (event_correlation, event_trace, delivery) = match &inbound {
                Inbound::CloudEvent(d) => (
                    context::correlation_from_event(&d.event),
                    context::trace_from_event(&d.event),
                    d.delivery.clone(),
                ),
                Inbound::Legacy(l) => (context::correlation_from_legacy(l), None, Default::default()),
            };
            let legacy = match inbound.into_legacy() {
                Ok(legacy) => legacy,
                Err(e) => return undecodable(&state, &parts, execution_id, TriggerType::Event, e).await,
            };
            let event_type = legacy.event_type().map(str::to_string);
            if let Some(t) = &event_type {
                tracing::Span::current().record("event_type", t.as_str());
            }
            let correlation = header_correlation.or(event_correlation).unwrap_or_default();
            let event_id = legacy.event_id().unwrap_or_default().to_string();
            let mut inv = invocation(
                &state,
                execution_id,
                event_id,
                correlation,
                header_trace.or(event_trace),
            );
            inv.delivery_attempt = delivery.delivery_attempt;
            inv.subscription = delivery.subscription;
            let run = InvocationRun::start(
                inv,
                Trigger {
                    trigger_type: TriggerType::Event,
                    event_type,
                },
            );
            let result = run
                .execute(timeout, function.call(&run.invocation, legacy.data, legacy.context))
                .await;
            run.finish(deps, result, None).await
        }
    }
}

/// An event that cannot be decoded: logged, recorded as failed/undecodable, answered 400.
async fn undecodable(
    state: &AppState,
    parts: &Parts,
    execution_id: ExecutionId,
    trigger_type: TriggerType,
    error: DecodeError,
) -> Response {
    let correlation = context::correlation_from_headers(&parts.headers).unwrap_or_default();
    let event_id = header_str(parts, "ce-id").unwrap_or_default().to_string();
    let inv = invocation(
        state,
        execution_id,
        event_id,
        correlation,
        context::trace_from_headers(&parts.headers),
    );
    tracing::warn!(error = %error, "undecodable event");
    let run = InvocationRun::start(
        inv,
        Trigger {
            trigger_type,
            event_type: header_str(parts, "ce-type").map(str::to_string),
        },
    );
    run.finish(&state.deps, Err(Failure::Undecodable(error)), None).await
}
