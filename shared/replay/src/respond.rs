//! Shared HTTP plumbing: query parameters, JSON and error responses, gzip on the wire.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde_json::{Value, json};
use std::io::Write;

/// A request's query parameters, in order, percent-decoded. Names match ASCII case-insensitively
/// (stats.nba.com ignores their case; the other upstreams' names never differ only by case).
#[derive(Debug, Default)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(query: Option<&str>) -> Params {
        Params(
            url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `name`, trimmed; `None` when absent or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// Every value of any of `names` (`dates[]` and `dates`), comma lists split.
    pub fn all(&self, names: &[&str]) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| names.iter().any(|n| k.eq_ignore_ascii_case(n)))
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// A required parameter, or a 400 naming it.
    pub fn require(&self, name: &str) -> Result<&str, Reject> {
        self.get(name)
            .ok_or_else(|| bad_param(name, &format!("the {name} parameter is required")))
    }
}

/// A date in any of the spellings the upstreams take: `2024-11-15`, `11/15/2024`, `20241115`.
pub(crate) fn parse_date(param: &str, value: &str) -> Result<NaiveDate, Reject> {
    let v = value.trim();
    let compact = v.len() == 8 && v.bytes().all(|b| b.is_ascii_digit());
    ["%Y-%m-%d", "%m/%d/%Y"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(v, f).ok())
        .or_else(|| compact.then(|| NaiveDate::parse_from_str(v, "%Y%m%d").ok()).flatten())
        .ok_or_else(|| {
            bad_param(
                param,
                &format!("{param} {value:?} is not a date (YYYY-MM-DD, MM/DD/YYYY or YYYYMMDD)"),
            )
        })
}

pub(crate) fn json_ok(body: Value) -> Response {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body.to_string(),
    )
        .into_response()
}

pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({"error": message}))).into_response()
}

/// 400 with the offending parameter named (as a [`Response`] or a [`Reject`]).
pub(crate) fn bad_param<R: From<Response>>(param: &str, message: &str) -> R {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"error": message, "param": param})),
    )
        .into_response()
        .into()
}

/// An error answer, boxed to keep `Result`s small.
#[derive(Debug)]
pub(crate) struct Reject(Box<Response>);

impl From<Response> for Reject {
    fn from(r: Response) -> Self {
        Reject(Box::new(r))
    }
}

impl IntoResponse for Reject {
    fn into_response(self) -> Response {
        *self.0
    }
}

/// The fallback: 404 JSON.
pub(crate) async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "the replay upstream does not serve this endpoint",
    )
}

/// A number as stats.nba.com writes it: integral values without a fraction.
pub(crate) fn num(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        json!(f as i64)
    } else {
        json!(f)
    }
}

pub(crate) fn opt_num(f: Option<f64>) -> Value {
    f.map_or(Value::Null, num)
}

/// Middleware: gzip-encodes a response when the client accepts gzip and the response is not encoded yet.
pub(crate) async fn gzip(request: Request, next: Next) -> Response {
    let accepts = request
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let response = next.run(request).await;
    if !accepts || response.headers().contains_key(header::CONTENT_ENCODING) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, &format!("reading the response: {e}")),
    };
    if bytes.len() < 512 {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    }
    let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 4), flate2::Compression::fast());
    let gz = match enc.write_all(&bytes).and_then(|_| enc.finish()) {
        Ok(gz) => gz,
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, &format!("gzip: {e}")),
    };
    parts
        .headers
        .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    Response::from_parts(parts, axum::body::Body::from(gz))
}

/// Middleware: the `Date` header reads the simulated clock, as a real upstream's
/// reads the real one (scrapers name their snapshots after it).
pub(crate) async fn date_header(
    axum::extract::State(clock): axum::extract::State<crate::Clock>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let date = clock.now().format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    if let Ok(value) = HeaderValue::from_str(&date) {
        response.headers_mut().insert(header::DATE, value);
    }
    response
}
