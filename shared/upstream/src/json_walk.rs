//! A path-tracking walker over `serde_json::Value`, used by the balldontlie,
//! Odds API, ESPN and BettingPros decoders so that every failure names the
//! exact JSON path (`data[3].player.first_name`) of the missing or malformed
//! field.
//!
//! Conventions: `get` = required and not null; `opt` = absent or null is
//! `None`, present with the wrong type is still an error (a renamed type is a
//! changed shape).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::Value;

use crate::ShapeError;

/// Which upstream and endpoint a decoder is reading (for error messages).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx {
    pub source: &'static str,
    pub endpoint: &'static str,
}

impl Ctx {
    pub(crate) const fn new(source: &'static str, endpoint: &'static str) -> Self {
        Ctx { source, endpoint }
    }

    pub(crate) fn err(&self, field: impl Into<String>, reason: impl Into<String>) -> ShapeError {
        ShapeError::new(self.source, self.endpoint, field, reason)
    }

    /// Parses a response body as JSON. An HTML error page, an empty body or
    /// truncated JSON fails with field `$` and the start of the body.
    pub(crate) fn parse(&self, body: &[u8]) -> Result<Value, ShapeError> {
        serde_json::from_slice(body).map_err(|e| {
            let head = String::from_utf8_lossy(&body[..body.len().min(80)]).replace(['\n', '\r'], " ");
            let kind = if head.trim_start().starts_with('<') {
                "body is HTML, not JSON"
            } else if body.iter().all(u8::is_ascii_whitespace) {
                "body is empty"
            } else {
                "body is not valid JSON"
            };
            self.err("$", format!("{kind} ({e}); body starts with {head:?}"))
        })
    }

    pub(crate) fn root<'a>(&'a self, v: &'a Value) -> Node<'a> {
        Node {
            v,
            path: "$".into(),
            ctx: self,
        }
    }
}

/// A JSON value together with its path from the body root.
#[derive(Clone)]
pub(crate) struct Node<'a> {
    pub v: &'a Value,
    pub path: String,
    ctx: &'a Ctx,
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

impl<'a> Node<'a> {
    fn child_path(&self, key: &str) -> String {
        if self.path == "$" {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    pub(crate) fn err(&self, reason: impl Into<String>) -> ShapeError {
        self.ctx.err(self.path.clone(), reason)
    }

    fn wrong_type(&self, expected: &str) -> ShapeError {
        self.err(format!("expected {expected}, found {}", type_name(self.v)))
    }

    /// The object's member `key`; absent or null is an error naming the path.
    pub(crate) fn get(&self, key: &str) -> Result<Node<'a>, ShapeError> {
        let obj = self.v.as_object().ok_or_else(|| self.wrong_type("object"))?;
        match obj.get(key) {
            None => Err(self.ctx.err(self.child_path(key), "missing")),
            Some(Value::Null) => Err(self.ctx.err(self.child_path(key), "is null")),
            Some(v) => Ok(Node {
                v,
                path: self.child_path(key),
                ctx: self.ctx,
            }),
        }
    }

    /// The object's member `key`, `None` when absent or null. A non-object
    /// parent is still an error.
    pub(crate) fn opt(&self, key: &str) -> Result<Option<Node<'a>>, ShapeError> {
        let obj = self.v.as_object().ok_or_else(|| self.wrong_type("object"))?;
        Ok(match obj.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(Node {
                v,
                path: self.child_path(key),
                ctx: self.ctx,
            }),
        })
    }

    /// Fails when `key` is absent (null is accepted): for fields whose
    /// value may be null but whose disappearance means a renamed field.
    pub(crate) fn require_key(&self, key: &str) -> Result<(), ShapeError> {
        let obj = self.v.as_object().ok_or_else(|| self.wrong_type("object"))?;
        if obj.contains_key(key) {
            Ok(())
        } else {
            Err(self.ctx.err(self.child_path(key), "missing"))
        }
    }

    pub(crate) fn has(&self, key: &str) -> bool {
        self.v.get(key).is_some_and(|v| !v.is_null())
    }

    /// The elements of an array, each with its indexed path.
    pub(crate) fn items(&self) -> Result<Vec<Node<'a>>, ShapeError> {
        let arr = self.v.as_array().ok_or_else(|| self.wrong_type("array"))?;
        Ok(arr
            .iter()
            .enumerate()
            .map(|(i, v)| Node {
                v,
                path: format!("{}[{i}]", self.path),
                ctx: self.ctx,
            })
            .collect())
    }

    pub(crate) fn str(&self) -> Result<&'a str, ShapeError> {
        self.v.as_str().ok_or_else(|| self.wrong_type("string"))
    }

    pub(crate) fn bool(&self) -> Result<bool, ShapeError> {
        self.v.as_bool().ok_or_else(|| self.wrong_type("boolean"))
    }

    /// An integer; a JSON number with no fractional part.
    pub(crate) fn i64(&self) -> Result<i64, ShapeError> {
        if let Some(i) = self.v.as_i64() {
            return Ok(i);
        }
        match self.v.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
            Some(f) => Err(self.err(format!("expected an integer, found {f}"))),
            None => Err(self.wrong_type("integer")),
        }
    }

    /// An integer given as a number or as a numeric string (`"124"`).
    pub(crate) fn i64_lenient(&self) -> Result<i64, ShapeError> {
        match self.v {
            Value::String(s) => s
                .trim()
                .parse::<i64>()
                .map_err(|_| self.err(format!("expected an integer string, found {s:?}"))),
            _ => self.i64(),
        }
    }

    pub(crate) fn f64(&self) -> Result<f64, ShapeError> {
        self.v.as_f64().ok_or_else(|| self.wrong_type("number"))
    }

    /// A timestamp: RFC 3339, or ESPN's minute-precision `2024-01-15T18:00Z`,
    /// or a naive `YYYY-MM-DD HH:MM:SS` read as UTC.
    pub(crate) fn datetime(&self) -> Result<DateTime<Utc>, ShapeError> {
        let s = self.str()?;
        parse_datetime(s).ok_or_else(|| self.err(format!("not a timestamp: {s:?}")))
    }

    /// A calendar date `YYYY-MM-DD` (a trailing time part is ignored, as in
    /// older balldontlie answers `2019-01-30T00:00:00.000Z`).
    pub(crate) fn date(&self) -> Result<NaiveDate, ShapeError> {
        let s = self.str()?;
        s.get(..10)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .ok_or_else(|| self.err(format!("not a date: {s:?}")))
    }

    // Shorthands: required member of a given type.
    pub(crate) fn req_str(&self, key: &str) -> Result<&'a str, ShapeError> {
        self.get(key)?.str()
    }
    pub(crate) fn req_string(&self, key: &str) -> Result<String, ShapeError> {
        Ok(self.get(key)?.str()?.to_string())
    }
    pub(crate) fn req_i64(&self, key: &str) -> Result<i64, ShapeError> {
        self.get(key)?.i64()
    }
    pub(crate) fn req_f64(&self, key: &str) -> Result<f64, ShapeError> {
        self.get(key)?.f64()
    }
    pub(crate) fn req_bool(&self, key: &str) -> Result<bool, ShapeError> {
        self.get(key)?.bool()
    }
    pub(crate) fn req_datetime(&self, key: &str) -> Result<DateTime<Utc>, ShapeError> {
        self.get(key)?.datetime()
    }
    pub(crate) fn req_items(&self, key: &str) -> Result<Vec<Node<'a>>, ShapeError> {
        self.get(key)?.items()
    }

    // Optional member of a given type (absent/null → None; wrong type → error).
    /// Optional string; an empty or blank string is also `None`.
    pub(crate) fn opt_string(&self, key: &str) -> Result<Option<String>, ShapeError> {
        match self.opt(key)? {
            None => Ok(None),
            Some(n) => {
                let s = n.str()?.trim();
                Ok((!s.is_empty()).then(|| s.to_string()))
            }
        }
    }
    pub(crate) fn opt_i64(&self, key: &str) -> Result<Option<i64>, ShapeError> {
        self.opt(key)?.map(|n| n.i64()).transpose()
    }
    pub(crate) fn opt_f64(&self, key: &str) -> Result<Option<f64>, ShapeError> {
        self.opt(key)?.map(|n| n.f64()).transpose()
    }
    pub(crate) fn opt_bool(&self, key: &str) -> Result<Option<bool>, ShapeError> {
        self.opt(key)?.map(|n| n.bool()).transpose()
    }
    pub(crate) fn opt_datetime(&self, key: &str) -> Result<Option<DateTime<Utc>>, ShapeError> {
        self.opt(key)?.map(|n| n.datetime()).transpose()
    }
}

/// Parses the timestamp spellings the non-NBA.com upstreams use.
pub(crate) fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    // ESPN: 2024-01-15T18:00Z (no seconds).
    if let Some(body) = s.strip_suffix('Z')
        && let Ok(t) = NaiveDateTime::parse_from_str(body, "%Y-%m-%dT%H:%M")
    {
        return Some(t.and_utc());
    }
    // BettingPros: "2025-01-15 19:30:00" (naive; documented as UTC by the caller).
    for fmt in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t.and_utc());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const CTX: Ctx = Ctx::new("test", "endpoint");

    #[test]
    fn paths_name_the_field() {
        let v: Value = serde_json::json!({"data": [{"a": 1}, {"b": 2}]});
        let root = CTX.root(&v);
        let items = root.req_items("data").unwrap();
        let e = items[1].req_i64("a").unwrap_err();
        assert_eq!(e.field, "data[1].a");
        assert_eq!(e.reason, "missing");
        let e = items[0].req_str("a").unwrap_err();
        assert_eq!(e.field, "data[0].a");
        assert!(e.reason.contains("expected string"));
    }

    #[test]
    fn html_body_is_named() {
        let e = CTX
            .parse(b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>")
            .unwrap_err();
        assert_eq!(e.field, "$");
        assert!(e.reason.contains("HTML"), "{e}");
        let e = CTX.parse(b"").unwrap_err();
        assert!(e.reason.contains("empty"), "{e}");
    }

    #[test]
    fn timestamps() {
        let t = parse_datetime("2024-01-15T18:00Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2024-01-15T18:00:00+00:00");
        assert!(parse_datetime("2025-02-21T02:00:00.000Z").is_some());
        assert!(parse_datetime("2025-01-15 19:30:00").is_some());
        assert!(parse_datetime("Final").is_none());
    }

    mod never_panic {
        use proptest::prelude::*;

        /// Every non-NBA.com decoder on arbitrary input: an error or a value, never a panic.
        fn all(body: &[u8]) {
            use crate::*;
            let _ = balldontlie::games::decode_games(body);
            let _ = balldontlie::games::decode_game(body);
            let _ = balldontlie::box_scores::decode_box_scores(body);
            let _ = balldontlie::stats::decode_stats(body);
            let _ = balldontlie::players::decode_players(body);
            let _ = balldontlie::teams::decode_teams(body);
            let _ = balldontlie::injuries::decode_player_injuries(body);
            let _ = odds_api::events::decode_events(body);
            let _ = odds_api::events::decode_historical_events(body);
            let _ = odds_api::player_props::decode_event_player_props(body);
            let _ = odds_api::game_lines::decode_game_lines(body);
            let _ = odds_api::game_lines::decode_historical_event_game_lines(body);
            let _ = odds_api::scores::decode_scores(body);
            let _ = espn::scoreboard::decode_scoreboard(body);
            let _ = espn::roster::decode_roster(body);
            let _ = espn::boxscore_page::decode_boxscore_page(body);
            let _ = bettingpros::events::decode_events(body);
            let _ = bettingpros::offers::decode_offers(body);
            let _ = basketball_reference::roster::decode_roster(body);
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            #[test]
            fn arbitrary_bytes(body in proptest::collection::vec(any::<u8>(), 0..256)) {
                all(&body);
            }

            #[test]
            fn json_like_text(body in r#"[\[\]{}":,0-9a-z_ .<>/-]{0,200}"#) {
                all(body.as_bytes());
            }

            #[test]
            fn minutes_round_trip(m in 0u32..70, sec in 0u32..60) {
                let got = crate::balldontlie::parse_minutes(&format!("{m}:{sec:02}"));
                prop_assert_eq!(got, Ok(Some(m * 60 + sec)));
            }
        }
    }
}
