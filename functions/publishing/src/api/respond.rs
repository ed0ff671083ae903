//! HTTP answers of the API: JSON with ETag / If-None-Match, gzip when accepted,
//! Cache-Control, and errors as `{error, message}` without internals.

use std::io::Write as _;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use http::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY};
use http::{HeaderMap, HeaderValue, StatusCode};
use sha2::{Digest, Sha256};

pub const JSON: &str = "application/json";

/// A body ready to serve: plain and gzip-compressed, with its entity tag.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub body: Bytes,
    pub gzip: Bytes,
    /// Strong ETag (quoted) over the plain body.
    pub etag: String,
}

impl Encoded {
    /// Compresses once; cached documents keep both forms.
    pub fn new(body: Bytes) -> std::io::Result<Self> {
        let mut encoder = GzEncoder::new(Vec::with_capacity(body.len() / 4), Compression::default());
        encoder.write_all(&body)?;
        let gzip = Bytes::from(encoder.finish()?);
        let digest = Sha256::digest(&body);
        let etag = format!("\"{}\"", hex::encode(&digest[..16]));
        Ok(Encoded { body, gzip, etag })
    }
}

/// Whether the client takes gzip (`Accept-Encoding: gzip` or `*`, with a non-zero q).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or_default().to_ascii_lowercase();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f64>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (coding == "gzip" || coding == "*") && !refused
        })
}

/// Whether `If-None-Match` names this entity (`*`, a list, weak or strong).
pub fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
}

/// 200 (gzip when accepted) or 304, with validators and caching headers.
pub fn cached(
    request: &HeaderMap,
    encoded: &Encoded,
    content_type: &'static str,
    cache_control: &'static str,
) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(cache_control));
    headers.insert(VARY, HeaderValue::from_static("Accept-Encoding"));
    if let Ok(tag) = HeaderValue::from_str(&encoded.etag) {
        headers.insert(ETAG, tag);
    }
    if not_modified(request, &encoded.etag) {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    let body = if accepts_gzip(request) {
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        encoded.gzip.clone()
    } else {
        encoded.body.clone()
    };
    (StatusCode::OK, headers, Body::from(body)).into_response()
}

/// What went wrong, as the client may see it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    /// A dependency is unreachable for now; the detail goes to the log only.
    #[error("temporarily unavailable")]
    Unavailable(String),
    /// A bug or corrupt data; the detail goes to the log only.
    #[error("internal error")]
    Internal(String),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Unavailable(detail) => {
                tracing::warn!(error = %detail, "api dependency unavailable");
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
            }
            ApiError::Internal(detail) => {
                tracing::error!(error = %detail, "api internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        };
        let body = serde_json::json!({"error": code, "message": self.to_string()});
        (status, [(CACHE_CONTROL, "no-store")], axum::Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(http::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn gzip_is_taken_unless_refused() {
        assert!(accepts_gzip(&headers(&[(ACCEPT_ENCODING, "br, gzip;q=0.8")])));
        assert!(accepts_gzip(&headers(&[(ACCEPT_ENCODING, "*")])));
        assert!(!accepts_gzip(&headers(&[(ACCEPT_ENCODING, "gzip;q=0")])));
        assert!(!accepts_gzip(&headers(&[(ACCEPT_ENCODING, "br")])));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn if_none_match_takes_lists_weak_tags_and_star() {
        let tag = "\"abc\"";
        assert!(not_modified(&headers(&[(IF_NONE_MATCH, "\"x\", W/\"abc\"")]), tag));
        assert!(not_modified(&headers(&[(IF_NONE_MATCH, "*")]), tag));
        assert!(!not_modified(&headers(&[(IF_NONE_MATCH, "\"abcd\"")]), tag));
    }

    #[test]
    fn internal_errors_say_nothing_of_their_cause() {
        let response = ApiError::Internal("duckdb: table nba_x is corrupt at /var/data".into()).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(ApiError::Internal("secret detail".into()).to_string(), "internal error");
    }
}
