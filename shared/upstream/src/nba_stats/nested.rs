//! Path-aware reading of nested JSON objects (the V3 and cdn.nba.com shapes).
//!
//! Three access modes, so each decoder states its contract field by field:
//! * `req`: the key must be present and non-null (identities: game id, person id…);
//! * `nullable`: the key must be present, its value may be null (statistics the upstream nulls out);
//! * `opt`: the key may be absent (fields that only some seasons or some actions carry).
//!
//! Errors carry the full JSON path, e.g. `game.homeTeam.players[3].statistics.points`.

use serde_json::{Map, Value};

use super::value::describe;
use crate::ShapeError;

/// Converter of one JSON value (see [`super::value`]).
pub(crate) type Conv<T> = fn(&Value) -> Result<Option<T>, String>;

/// The source and endpoint a decoder reports errors for.
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

    /// The body's top-level object; anything else (an HTML page decoded as a JSON string, an array…)
    /// is an error on `$`.
    pub(crate) fn root<'a>(&self, body: &'a Value) -> Result<Obj<'a>, ShapeError> {
        match body {
            Value::Object(map) => Ok(Obj {
                ctx: *self,
                path: String::new(),
                map,
            }),
            other => Err(self.err("$", format!("expected a JSON object, got {}", describe(other)))),
        }
    }
}

/// A JSON object together with its path from the body's root.
#[derive(Debug, Clone)]
pub(crate) struct Obj<'a> {
    pub ctx: Ctx,
    pub path: String,
    pub map: &'a Map<String, Value>,
}

impl<'a> Obj<'a> {
    pub(crate) fn path_of(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    pub(crate) fn err(&self, key: &str, reason: impl Into<String>) -> ShapeError {
        self.ctx.err(self.path_of(key), reason)
    }

    /// The raw value, `None` when the key is absent.
    pub(crate) fn raw(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    fn present(&self, key: &str) -> Result<&'a Value, ShapeError> {
        self.map.get(key).ok_or_else(|| self.err(key, "missing"))
    }

    /// Present and non-null.
    pub(crate) fn req<T>(&self, key: &str, conv: Conv<T>) -> Result<T, ShapeError> {
        conv(self.present(key)?)
            .map_err(|reason| self.err(key, reason))?
            .ok_or_else(|| self.err(key, "null or empty"))
    }

    /// Present; null allowed.
    pub(crate) fn nullable<T>(&self, key: &str, conv: Conv<T>) -> Result<Option<T>, ShapeError> {
        conv(self.present(key)?).map_err(|reason| self.err(key, reason))
    }

    /// May be absent or null.
    pub(crate) fn opt<T>(&self, key: &str, conv: Conv<T>) -> Result<Option<T>, ShapeError> {
        match self.map.get(key) {
            None => Ok(None),
            Some(v) => conv(v).map_err(|reason| self.err(key, reason)),
        }
    }

    /// A required nested object.
    pub(crate) fn obj(&self, key: &str) -> Result<Obj<'a>, ShapeError> {
        self.opt_obj(key)?.ok_or_else(|| self.err(key, "missing or null"))
    }

    /// A nested object that may be absent or null.
    pub(crate) fn opt_obj(&self, key: &str) -> Result<Option<Obj<'a>>, ShapeError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Obj {
                ctx: self.ctx,
                path: self.path_of(key),
                map,
            })),
            Some(other) => Err(self.err(key, format!("expected an object, got {}", describe(other)))),
        }
    }

    /// A required array of objects (an empty array is valid).
    pub(crate) fn objects(&self, key: &str) -> Result<Vec<Obj<'a>>, ShapeError> {
        match self.present(key)? {
            Value::Array(items) => self.array_objects(key, items),
            other => Err(self.err(key, format!("expected an array, got {}", describe(other)))),
        }
    }

    /// An array of objects that may be absent or null (then empty).
    pub(crate) fn opt_objects(&self, key: &str) -> Result<Vec<Obj<'a>>, ShapeError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => self.array_objects(key, items),
            Some(other) => Err(self.err(key, format!("expected an array, got {}", describe(other)))),
        }
    }

    /// An optional array of strings (e.g. `qualifiers`), absent or null → empty.
    pub(crate) fn opt_strings(&self, key: &str) -> Result<Vec<String>, ShapeError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(self.ctx.err(
                        format!("{}[{i}]", self.path_of(key)),
                        format!("expected a string, got {}", describe(other)),
                    )),
                })
                .collect(),
            Some(other) => Err(self.err(key, format!("expected an array, got {}", describe(other)))),
        }
    }

    fn array_objects(&self, key: &str, items: &'a [Value]) -> Result<Vec<Obj<'a>>, ShapeError> {
        items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let path = format!("{}[{i}]", self.path_of(key));
                match v {
                    Value::Object(map) => Ok(Obj {
                        ctx: self.ctx,
                        path,
                        map,
                    }),
                    other => Err(self
                        .ctx
                        .err(path, format!("expected an object, got {}", describe(other)))),
                }
            })
            .collect()
    }
}

/// Parses a body as JSON; on failure the reason shows how the body starts (an HTML block page, an empty
/// body), which is what an operator needs to see.
pub(crate) fn parse_body(source: &str, endpoint: &str, body: &[u8]) -> Result<Value, ShapeError> {
    serde_json::from_slice(body).map_err(|e| {
        let text = String::from_utf8_lossy(body);
        let start: String = text.trim_start().chars().take(80).collect();
        let what = if start.is_empty() {
            "empty body".to_string()
        } else if start.starts_with('<') {
            format!("HTML or XML instead of JSON: {start:?}")
        } else {
            format!("starts with {start:?}")
        };
        ShapeError::new(source, endpoint, "$", format!("not JSON ({e}): {what}"))
    })
}
