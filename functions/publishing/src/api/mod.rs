//! The HTTP API (function `publishing_api`): the published documents from the bucket,
//! filtered predictions from the warehouse, the OpenAPI document, and the dashboard.
//!
//! ```text
//! GET /                      the dashboard (reads only /v1/...)
//! GET /v1/{document}.json    a published document (ETag, gzip, Cache-Control)
//! GET /v1/predictions?date=&player=&system=
//! GET /v1/openapi.json
//! GET /healthz
//! ```
//!
//! A read path: it writes no execution-log row per request (the platform's request
//! log covers it). Every answer carries CORS and security headers; errors are
//! `{error, message}` and never carry internals; a panic is a generic 500.

pub mod dashboard;
pub mod documents;
pub mod openapi;
pub mod query;
pub mod respond;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use http::header;
use nba_cloud::Warehouse;
use tower_http::catch_panic::CatchPanicLayer;

use crate::api::documents::DocumentReader;
use crate::api::respond::{ApiError, Encoded, JSON, cached};
use crate::paths::Freshness;

/// Registered name of the API.
pub const API_FUNCTION: &str = "publishing_api";

pub struct ApiState {
    pub documents: DocumentReader,
    pub warehouse: Arc<dyn Warehouse>,
    /// The OpenAPI document, rendered once.
    openapi: Encoded,
}

impl ApiState {
    pub fn new(documents: DocumentReader, warehouse: Arc<dyn Warehouse>) -> std::io::Result<Self> {
        let openapi = Encoded::new(Bytes::from(openapi::document().to_string()))?;
        Ok(ApiState {
            documents,
            warehouse,
            openapi,
        })
    }
}

/// The API's router.
pub fn router(state: Arc<ApiState>) -> Router {
    Router::new()
        .route("/", get(dashboard::page))
        .route("/dashboard.js", get(dashboard::script))
        .route("/dashboard.css", get(dashboard::style))
        .route("/healthz", get(healthz))
        .route("/v1/openapi.json", get(openapi_json))
        .route("/v1/predictions", get(predictions_query).options(preflight))
        .route("/v1/{*path}", get(document).options(preflight))
        .fallback(not_found)
        .with_state(state)
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(axum::middleware::map_response(cors))
        .layer(axum::middleware::map_response(nba_runtime::headers::security_headers))
}

async fn healthz() -> Response {
    (
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(serde_json::json!({"status": "ok"})),
    )
        .into_response()
}

async fn openapi_json(State(state): State<Arc<ApiState>>, headers: HeaderMap) -> Response {
    cached(&headers, &state.openapi, JSON, Freshness::Daily.cache_control())
}

async fn document(State(state): State<Arc<ApiState>>, Path(path): Path<String>, headers: HeaderMap) -> Response {
    match state.documents.read(&path).await {
        Ok((doc, encoded)) => cached(&headers, &encoded, JSON, doc.freshness().cache_control()),
        Err(e) => e.into_response(),
    }
}

async fn predictions_query(
    State(state): State<Arc<ApiState>>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        let filter = query::Filter::parse(&params)?;
        let response =
            query::run(state.warehouse.as_ref(), &filter)
                .await
                .map_err(|e| match crate::error::is_transient(&e) {
                    true => ApiError::Unavailable(e.to_string()),
                    false => ApiError::Internal(e.to_string()),
                })?;
        let body = serde_json::to_vec(&response).map_err(|e| ApiError::Internal(e.to_string()))?;
        Encoded::new(Bytes::from(body)).map_err(|e| ApiError::Internal(e.to_string()))
    };
    match answer.await {
        Ok(encoded) => cached(&headers, &encoded, JSON, Freshness::Live.cache_control()),
        Err(e) => e.into_response(),
    }
}

async fn preflight() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

async fn not_found(method: Method) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let body = serde_json::json!({"error": "method_not_allowed", "message": "the API is read-only: GET or HEAD"});
        return (StatusCode::METHOD_NOT_ALLOWED, axum::Json(body)).into_response();
    }
    ApiError::NotFound("no such resource: see /v1/openapi.json".into()).into_response()
}

/// CORS for the dashboard and any other reader: the data is public and read-only.
async fn cors(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, HEAD, OPTIONS"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("If-None-Match"),
    );
    h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("ETag"));
    h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    response
}

fn panic_response(_payload: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::Internal("panic in an API handler".into()).into_response()
}
