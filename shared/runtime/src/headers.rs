//! Response headers every function answers with, whatever the function does.

use axum::response::Response;
use http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS};
use http::{HeaderMap, HeaderValue};

/// Adds the security headers a function's response lacks: no MIME sniffing, no framing, no
/// referrer leakage and, for anything that is not an HTML page, a policy that lets the
/// response load nothing (JSON answers must never run as a document). A function that sets
/// one of these itself keeps its own value.
pub fn apply_security_headers(headers: &mut HeaderMap) {
    let defaults = [
        (X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (X_FRAME_OPTIONS, "DENY"),
        (REFERRER_POLICY, "no-referrer"),
    ];
    for (name, value) in defaults {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    }
    let is_html = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim_start().to_ascii_lowercase().starts_with("text/html"));
    if !is_html {
        headers
            .entry(CONTENT_SECURITY_POLICY)
            .or_insert(HeaderValue::from_static("default-src 'none'"));
    }
}

/// `axum::middleware::map_response` adapter of [`apply_security_headers`].
pub async fn security_headers(mut response: Response) -> Response {
    apply_security_headers(response.headers_mut());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_gets_all_four_and_html_no_csp() {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        apply_security_headers(&mut h);
        assert_eq!(
            h.get(X_CONTENT_TYPE_OPTIONS).map(|v| v.as_bytes()),
            Some(&b"nosniff"[..])
        );
        assert_eq!(h.get(X_FRAME_OPTIONS).map(|v| v.as_bytes()), Some(&b"DENY"[..]));
        assert_eq!(h.get(REFERRER_POLICY).map(|v| v.as_bytes()), Some(&b"no-referrer"[..]));
        assert_eq!(
            h.get(CONTENT_SECURITY_POLICY).map(|v| v.as_bytes()),
            Some(&b"default-src 'none'"[..])
        );

        let mut html = HeaderMap::new();
        html.insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        apply_security_headers(&mut html);
        assert!(html.get(CONTENT_SECURITY_POLICY).is_none());
        assert!(html.get(X_FRAME_OPTIONS).is_some());
    }

    #[test]
    fn function_values_are_kept() {
        let mut h = HeaderMap::new();
        h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
        apply_security_headers(&mut h);
        assert_eq!(h.get(X_FRAME_OPTIONS).map(|v| v.as_bytes()), Some(&b"SAMEORIGIN"[..]));
    }
}
