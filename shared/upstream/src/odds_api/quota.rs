//! The Odds API's usage headers, sent on every response: how many credits
//! remain, how many were used this period, and what the last call cost.
//! Scrapers record them and stop before the quota runs out.
//!
//! Takes any iterator of `(name, value)` pairs (a `HeaderMap` mapped to
//! strings, a `&[(String, String)]`, ...); names match case-insensitively.

use serde::{Deserialize, Serialize};

use super::SOURCE;
use crate::ShapeError;

const ENDPOINT: &str = "response headers";

/// Usage credits after a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quota {
    /// `x-requests-remaining`: credits left until the quota resets.
    pub requests_remaining: u64,
    /// `x-requests-used`: credits used since the last reset.
    pub requests_used: u64,
    /// `x-requests-last`: cost of this request; older responses omit it.
    pub requests_last: Option<u64>,
}

fn parse(name: &str, value: &str) -> Result<u64, ShapeError> {
    let v = value.trim();
    if let Ok(n) = v.parse::<u64>() {
        return Ok(n);
    }
    // Some answers spell credits as "499.0".
    match v.parse::<f64>() {
        Ok(f) if f >= 0.0 && f.fract() == 0.0 && f < 1e15 => Ok(f as u64),
        _ => Err(ShapeError::new(
            SOURCE,
            ENDPOINT,
            name,
            format!("not a non-negative integer: {value:?}"),
        )),
    }
}

/// Reads `x-requests-remaining`, `x-requests-used` and `x-requests-last`.
/// A missing remaining/used header (e.g. the response came from a proxy or
/// an error page) is a [`ShapeError`] naming the header.
pub fn decode_quota_headers<I, K, V>(headers: I) -> Result<Quota, ShapeError>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let (mut remaining, mut used, mut last) = (None, None, None);
    for (k, v) in headers {
        let k = k.as_ref().trim();
        let slot = if k.eq_ignore_ascii_case("x-requests-remaining") {
            &mut remaining
        } else if k.eq_ignore_ascii_case("x-requests-used") {
            &mut used
        } else if k.eq_ignore_ascii_case("x-requests-last") {
            &mut last
        } else {
            continue;
        };
        *slot = Some(parse(&k.to_ascii_lowercase(), v.as_ref())?);
    }
    let missing = |h: &str| ShapeError::new(SOURCE, ENDPOINT, h, "missing");
    Ok(Quota {
        requests_remaining: remaining.ok_or_else(|| missing("x-requests-remaining"))?,
        requests_used: used.ok_or_else(|| missing("x-requests-used"))?,
        requests_last: last,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_three_headers() {
        let h = vec![
            ("Content-Type".to_string(), "application/json".to_string()),
            ("X-Requests-Remaining".to_string(), "19642".to_string()),
            ("x-requests-used".to_string(), "358".to_string()),
            ("x-requests-last".to_string(), "10".to_string()),
        ];
        let q = decode_quota_headers(h.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap();
        assert_eq!(q.requests_remaining, 19642);
        assert_eq!(q.requests_used, 358);
        assert_eq!(q.requests_last, Some(10));
        let q = decode_quota_headers(h).unwrap();
        assert_eq!(q.requests_remaining, 19642);
    }

    #[test]
    fn last_is_optional_and_floats_are_accepted() {
        let q = decode_quota_headers([("x-requests-remaining", "499.0"), ("x-requests-used", "1")]).unwrap();
        assert_eq!((q.requests_remaining, q.requests_used, q.requests_last), (499, 1, None));
    }

    #[test]
    fn missing_or_bad_headers_fail_naming_them() {
        let e = decode_quota_headers([("x-requests-used", "1")]).unwrap_err();
        assert_eq!(
            (e.source_name.as_str(), e.field.as_str()),
            ("odds_api", "x-requests-remaining")
        );
        let e = decode_quota_headers([("x-requests-remaining", "lots"), ("x-requests-used", "1")]).unwrap_err();
        assert_eq!(e.field, "x-requests-remaining");
        let e = decode_quota_headers(Vec::<(String, String)>::new()).unwrap_err();
        assert_eq!(e.field, "x-requests-remaining");
    }
}
