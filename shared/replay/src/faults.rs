//! Upstream faults (`nba chaos`): the replay upstream answering like a hostile real
//! upstream does, now and then — hangs, 429s with `Retry-After`, 500 bursts, truncated
//! or malformed bodies, an HTML error page instead of JSON, a renamed field.
//!
//! Off unless a [`FaultPlan`] is given ([`crate::router_with_faults`]): the plan decides per
//! request; this module only renders the fault. A plan lives in the caller (the chaos
//! drill's seeded schedule), so nothing here is global or random.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// One bad answer (or non-answer) in place of the true one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamFault {
    /// Answer nothing for this long (longer than the client's read timeout: it gives up).
    Hang(Duration),
    /// 429 with `Retry-After: secs`.
    TooManyRequests { retry_after_secs: u64 },
    /// 500 with a JSON error body (a burst is several in a row, the plan's business).
    ServerError,
    /// The true body cut after this share of its bytes (a proxy that wrote a partial
    /// response with a matching length: HTTP is fine, the JSON is not).
    Truncated { keep_per_mille: u16 },
    /// The true body with its JSON broken (a stray byte early on).
    MalformedJson,
    /// 200 with an HTML error page where JSON was expected (a CDN's or a WAF's page).
    HtmlErrorPage,
    /// The true body with a field the decoders need renamed (an unannounced schema change).
    RenamedField,
}

impl UpstreamFault {
    /// A short stable name (report tables, logs).
    pub fn kind(&self) -> &'static str {
        match self {
            UpstreamFault::Hang(_) => "upstream_hang",
            UpstreamFault::TooManyRequests { .. } => "upstream_429",
            UpstreamFault::ServerError => "upstream_500",
            UpstreamFault::Truncated { .. } => "upstream_truncated",
            UpstreamFault::MalformedJson => "upstream_malformed_json",
            UpstreamFault::HtmlErrorPage => "upstream_html_page",
            UpstreamFault::RenamedField => "upstream_renamed_field",
        }
    }
}

/// What the plan sees of a request: the path and the query without credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRequest {
    /// `path?query`, the `apiKey` parameter removed (it must never reach a log or a plan).
    pub target: String,
}

/// What was served in place of the true answer, for the plan's record.
#[derive(Debug, Clone)]
pub struct Served {
    pub fault: UpstreamFault,
    /// The body actually sent (empty for a hang); bad bodies are looked up in quarantine by it.
    pub body: Vec<u8>,
}

/// Decides, per request, whether to answer badly (the chaos drill's schedule).
pub trait FaultPlan: Send + Sync + std::fmt::Debug {
    /// The fault for this request, or `None` to answer truly.
    fn fault(&self, request: &FaultRequest) -> Option<UpstreamFault>;
    /// Called once the bad answer is rendered (the true answer is never reported).
    fn served(&self, request: &FaultRequest, served: Served);
    /// Called when a request is answered truly (so the plan knows a fault was followed by a good answer).
    fn answered(&self, request: &FaultRequest, status: StatusCode);
}

/// Keys of fields the upstream decoders require, in the order [`rename_field`] tries them:
/// the first one present in a body is renamed everywhere in it.
const REQUIRED_FIELDS: &[&str] = &[
    "resultSets",
    "rowSet",
    "bookmakers",
    "commence_time",
    "events",
    "game",
    "data",
];

/// Middleware: consults the plan and renders its fault; the clock endpoint is never faulted.
pub(crate) async fn inject(State(plan): State<Arc<dyn FaultPlan>>, request: Request, next: Next) -> Response {
    if request.uri().path().starts_with("/__replay") {
        return next.run(request).await;
    }
    let target = FaultRequest {
        target: redacted_target(request.uri()),
    };
    let Some(fault) = plan.fault(&target) else {
        let response = next.run(request).await;
        plan.answered(&target, response.status());
        return response;
    };
    let (response, body) = match &fault {
        UpstreamFault::Hang(how_long) => {
            // Reported before the wait: the client gives up first, and its disconnect drops
            // this future mid-sleep.
            plan.served(
                &target,
                Served {
                    fault: fault.clone(),
                    body: Vec::new(),
                },
            );
            tokio::time::sleep(*how_long).await;
            return raw(
                StatusCode::GATEWAY_TIMEOUT,
                "application/json",
                b"{\"error\":\"hung\"}".to_vec(),
            );
        }
        UpstreamFault::TooManyRequests { retry_after_secs } => {
            let body = b"{\"message\":\"Too Many Requests\"}".to_vec();
            let mut r = raw(StatusCode::TOO_MANY_REQUESTS, "application/json", body.clone());
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            (r, body)
        }
        UpstreamFault::ServerError => {
            let body = b"{\"error\":\"internal server error\"}".to_vec();
            (
                raw(StatusCode::INTERNAL_SERVER_ERROR, "application/json", body.clone()),
                body,
            )
        }
        UpstreamFault::HtmlErrorPage => {
            let body = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>\
                <body><h1>Bad Gateway</h1><p>The upstream server is temporarily unavailable.</p></body></html>"
                .to_vec();
            (raw(StatusCode::OK, "text/html; charset=utf-8", body.clone()), body)
        }
        UpstreamFault::Truncated { .. } | UpstreamFault::MalformedJson | UpstreamFault::RenamedField => {
            let truth = next.run(request).await;
            let status = truth.status();
            let Ok(bytes) = axum::body::to_bytes(truth.into_body(), usize::MAX).await else {
                return raw(StatusCode::INTERNAL_SERVER_ERROR, "application/json", b"{}".to_vec());
            };
            let body = corrupt(&fault, &bytes);
            (raw(status, "application/json", body.clone()), body)
        }
    };
    plan.served(&target, Served { fault, body });
    response
}

fn raw(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response()
}

/// The true body made bad as `fault` says (a body that is not JSON is cut or broken as bytes).
pub fn corrupt(fault: &UpstreamFault, body: &[u8]) -> Vec<u8> {
    match fault {
        UpstreamFault::Truncated { keep_per_mille } => {
            let keep = (body.len() * usize::from((*keep_per_mille).min(999)) / 1000).max(1);
            body[..keep.min(body.len())].to_vec()
        }
        UpstreamFault::MalformedJson => {
            // A stray byte right after the first structural character: never valid JSON.
            let at = body.iter().position(|b| *b == b'{' || *b == b'[').map_or(0, |i| i + 1);
            let mut broken = body[..at].to_vec();
            broken.extend_from_slice(b"\x01<");
            broken.extend_from_slice(&body[at..]);
            broken
        }
        UpstreamFault::RenamedField => match serde_json::from_slice::<Value>(body) {
            Ok(mut value) => {
                rename_field(&mut value);
                value.to_string().into_bytes()
            }
            // Not JSON to begin with: nothing to rename, break it instead.
            Err(_) => corrupt(&UpstreamFault::MalformedJson, body),
        },
        _ => body.to_vec(),
    }
}

/// Renames, everywhere in `value`, the first of [`REQUIRED_FIELDS`] it holds (`x` → `x_v2`).
/// Returns the renamed field.
pub fn rename_field(value: &mut Value) -> Option<&'static str> {
    let field = REQUIRED_FIELDS.iter().copied().find(|f| holds_key(value, f))?;
    rename_everywhere(value, field, &format!("{field}_v2"));
    Some(field)
}

fn holds_key(value: &Value, key: &str) -> bool {
    match value {
        Value::Object(map) => map.contains_key(key) || map.values().any(|v| holds_key(v, key)),
        Value::Array(items) => items.iter().any(|v| holds_key(v, key)),
        _ => false,
    }
}

fn rename_everywhere(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::Object(map) => {
            if let Some(v) = map.remove(from) {
                map.insert(to.to_string(), v);
            }
            map.values_mut().for_each(|v| rename_everywhere(v, from, to));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rename_everywhere(v, from, to)),
        _ => {}
    }
}

/// `path?query` without the `apiKey` parameter.
fn redacted_target(uri: &axum::http::Uri) -> String {
    let path = uri.path();
    let Some(query) = uri.query() else {
        return path.to_string();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.to_ascii_lowercase().starts_with("apikey="))
        .collect();
    if kept.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", kept.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_corruption_breaks_the_json() {
        let body = json!({"resultSets": [{"rowSet": [[1, 2]]}]}).to_string().into_bytes();
        for fault in [
            UpstreamFault::Truncated { keep_per_mille: 500 },
            UpstreamFault::MalformedJson,
        ] {
            let bad = corrupt(&fault, &body);
            assert!(serde_json::from_slice::<Value>(&bad).is_err(), "{fault:?}");
        }
        let renamed: Value = serde_json::from_slice(&corrupt(&UpstreamFault::RenamedField, &body)).unwrap();
        assert_eq!(renamed, json!({"resultSets_v2": [{"rowSet": [[1, 2]]}]}));
    }

    #[test]
    fn the_api_key_never_reaches_the_plan() {
        let uri: axum::http::Uri = "/v4/sports/x/events?apiKey=secret&markets=h2h".parse().unwrap();
        assert_eq!(redacted_target(&uri), "/v4/sports/x/events?markets=h2h");
    }
}
