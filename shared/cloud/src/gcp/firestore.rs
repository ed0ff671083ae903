//! The state store on Firestore (native mode), over its REST API.
//!
//! A document holds `data` (the JSON value, as native Firestore values so it reads
//! well in the console) and, with a TTL, `expires_at`: a timestamp the store treats
//! as "absent from then on" and that Firestore's TTL policy on `expires_at` deletes
//! some time later (deletion is lazy, hence the check on every read).
//!
//! * Create-if-absent is a commit with the precondition `currentDocument.exists=false`;
//!   an expired holder is taken over with an `updateTime` precondition, so two callers
//!   racing for an expired lock cannot both win.
//! * `transact` is an optimistic read-modify-write of the one document: read it, then
//!   commit the change with the precondition "still the version I read" (`updateTime`,
//!   or `exists=false`), retried with jittered backoff when another writer got there
//!   first. Server-side transactions were tried first: with several concurrent writers
//!   they deadlock on their read locks until "Transaction lock timeout" (emulator) and
//!   gain nothing for a single document.
//! * `FIRESTORE_EMULATOR_HOST` selects the emulator.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value, json};

use super::rest::{Rest, RestError, encode_segment};
use crate::ports::state::{Created, TxnFn};
use crate::{Document, StateError, StateStore, TxnOutcome};

/// Attempts of a create-if-absent takeover that keeps meeting contention.
const MAX_ATTEMPTS: u32 = 10;
/// Attempts of a read-modify-write: of N writers racing on one document one wins per
/// round, so a burst of N needs about N rounds.
const TXN_ATTEMPTS: u32 = 40;
/// Longest pause between read-modify-write attempts.
const MAX_BACKOFF_MS: u64 = 1_000;
/// Documents per list page.
const LIST_PAGE: u32 = 300;
/// Field holding the document's value.
const DATA_FIELD: &str = "data";
/// Field holding the expiry (the TTL policy's field).
const EXPIRES_FIELD: &str = "expires_at";
/// Firestore arrays cannot hold arrays: an inner array is wrapped in a map with this one key
/// (names like `__x__` are reserved by Firestore).
const NESTED_ARRAY_KEY: &str = "nba_nested_array";

/// [`StateStore`] on Firestore.
#[derive(Clone, Debug)]
pub struct FirestoreStateStore {
    rest: Rest,
    /// `projects/P/databases/D/documents`.
    root: String,
}

/// How one read-modify-write attempt ended.
enum Attempt {
    /// Committed (or nothing to write): the document after it.
    Done(Option<Document>),
    /// Another writer changed the document first: retry.
    Contended(String),
}

/// A document as stored, with the server's update time (for preconditions).
struct Stored {
    doc: Document,
    update_time: String,
}

impl FirestoreStateStore {
    pub fn new(rest: Rest, project: &str, database: &str) -> Self {
        FirestoreStateStore {
            rest,
            root: format!("projects/{project}/databases/{database}/documents"),
        }
    }

    /// Full resource name of a document (collection may be a sub-collection path).
    fn name(&self, collection: &str, id: &str) -> Result<String, StateError> {
        if id.is_empty() || id.contains('/') || collection.is_empty() {
            return Err(StateError::Backend(format!(
                "invalid document {collection:?}/{id:?}: ids cannot be empty or contain '/'"
            )));
        }
        Ok(format!("{}/{collection}/{id}", self.root))
    }

    /// URL path of a resource name (each segment percent-encoded).
    fn path(name: &str) -> String {
        let encoded: Vec<String> = name
            .split('/')
            .map(|s| {
                if s.starts_with('(') {
                    s.to_owned()
                } else {
                    encode_segment(s)
                }
            })
            .collect();
        format!("/v1/{}", encoded.join("/"))
    }

    async fn read(&self, collection: &str, id: &str) -> Result<Option<Stored>, StateError> {
        let path = Self::path(&self.name(collection, id)?);
        match self.rest.json(Method::GET, &path, |r| r).await {
            Ok(v) => decode_stored(collection, id, &v).map(Some),
            Err(e) if e.is(StatusCode::NOT_FOUND) => Ok(None),
            Err(e) => Err(classify(e)),
        }
    }

    /// Reads a document, `None` when absent or expired.
    async fn read_live(&self, collection: &str, id: &str) -> Result<Option<Stored>, StateError> {
        Ok(self.read(collection, id).await?.filter(|s| is_live(&s.doc)))
    }

    /// Commits `writes` atomically; returns the commit time.
    async fn commit(&self, writes: Vec<Value>) -> Result<DateTime<Utc>, RestError> {
        let body = json!({ "writes": writes });
        let path = format!("{}:commit", Self::path(&self.root));
        let answer = self.rest.json(Method::POST, &path, |r| r.json(&body)).await?;
        Ok(answer
            .get("commitTime")
            .and_then(Value::as_str)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(Utc::now))
    }

    /// The update write of a document, with an optional precondition.
    fn update(
        &self,
        name: &str,
        data: &Value,
        expires_at: Option<DateTime<Utc>>,
        precondition: Option<Value>,
    ) -> Value {
        let mut fields = Map::new();
        fields.insert(DATA_FIELD.into(), to_firestore(data, false));
        if let Some(at) = expires_at {
            fields.insert(EXPIRES_FIELD.into(), json!({ "timestampValue": timestamp(at) }));
        }
        let mut write = json!({"update": {"name": name, "fields": fields}});
        if let Some(p) = precondition {
            write["currentDocument"] = p;
        }
        write
    }

    /// One optimistic read-modify-write.
    async fn transact_once(&self, collection: &str, id: &str, f: &mut TxnFn) -> Result<Attempt, StateError> {
        let name = self.name(collection, id)?;
        let stored = self.read(collection, id).await?;
        // The write applies only to the version read (an expired one included).
        let precondition = match &stored {
            Some(s) => json!({ "updateTime": s.update_time }),
            None => json!({ "exists": false }),
        };
        let existed = stored.is_some();
        let current = stored.map(|s| s.doc).filter(is_live);
        let (writes, after) = match f(current.as_ref()) {
            TxnOutcome::Keep => return Ok(Attempt::Done(current)),
            TxnOutcome::Delete if !existed => return Ok(Attempt::Done(None)),
            TxnOutcome::Delete => (vec![json!({ "delete": name, "currentDocument": precondition })], None),
            TxnOutcome::Write { data, ttl } => {
                let expires_at = expiry(ttl);
                let doc = new_doc(collection, id, data, expires_at);
                (
                    vec![self.update(&name, &doc.data, expires_at, Some(precondition))],
                    Some(doc),
                )
            }
        };
        match self.commit(writes).await {
            Ok(at) => Ok(Attempt::Done(after.map(|d| Document { updated_at: at, ..d }))),
            Err(e) if is_precondition_failure(&e) || is_contention(&e) || e.is_transient() => {
                Ok(Attempt::Contended(e.to_string()))
            }
            Err(e) => Err(classify(e)),
        }
    }

    /// Takes over an expired document, if it is still the version we read.
    async fn take_over(
        &self,
        name: &str,
        stale: &Stored,
        data: &Value,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<bool, StateError> {
        let precondition = json!({ "updateTime": stale.update_time });
        match self
            .commit(vec![self.update(name, data, expires_at, Some(precondition))])
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if is_precondition_failure(&e) || is_contention(&e) => Ok(false),
            Err(e) => Err(classify(e)),
        }
    }
}

fn new_doc(collection: &str, id: &str, data: Value, expires_at: Option<DateTime<Utc>>) -> Document {
    Document {
        collection: collection.to_owned(),
        id: id.to_owned(),
        data,
        updated_at: Utc::now(),
        expires_at,
    }
}

fn expiry(ttl: Option<Duration>) -> Option<DateTime<Utc>> {
    ttl.and_then(|t| chrono::Duration::from_std(t).ok())
        .map(|t| Utc::now() + t)
}

fn is_live(doc: &Document) -> bool {
    doc.expires_at.is_none_or(|at| at > Utc::now())
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// `ABORTED` (409): a concurrent write touched the document; retry.
fn is_contention(e: &RestError) -> bool {
    e.status_text() == "ABORTED" || (e.is(StatusCode::CONFLICT) && e.status_text() != "ALREADY_EXISTS")
}

/// The document exists (`exists=false` failed) or changed (`updateTime` failed).
fn is_precondition_failure(e: &RestError) -> bool {
    e.status_text() == "ALREADY_EXISTS" || e.status_text() == "FAILED_PRECONDITION"
}

fn classify(e: RestError) -> StateError {
    if is_contention(&e) || e.is_transient() {
        StateError::Busy(e.to_string())
    } else {
        StateError::Backend(e.to_string())
    }
}

fn parse_time(v: Option<&Value>) -> Option<DateTime<Utc>> {
    v.and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn decode_stored(collection: &str, id: &str, v: &Value) -> Result<Stored, StateError> {
    let fields = v.get("fields").and_then(Value::as_object);
    let field = |k: &str| fields.and_then(|f| f.get(k));
    let data = match field(DATA_FIELD) {
        Some(d) => from_firestore(d).map_err(|e| StateError::Backend(format!("{collection}/{id}: {e}")))?,
        None => Value::Null,
    };
    let update_time = v
        .get("updateTime")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Ok(Stored {
        doc: Document {
            collection: collection.to_owned(),
            id: id.to_owned(),
            data,
            updated_at: parse_time(v.get("updateTime")).unwrap_or_default(),
            expires_at: parse_time(field(EXPIRES_FIELD).and_then(|e| e.get("timestampValue"))),
        },
        update_time,
    })
}

/// JSON → Firestore `Value`. Integers that fit i64 stay integers; others are doubles.
fn to_firestore(v: &Value, in_array: bool) -> Value {
    match v {
        Value::Null => json!({ "nullValue": null }),
        Value::Bool(b) => json!({ "booleanValue": b }),
        Value::Number(n) => match n.as_i64() {
            Some(i) => json!({ "integerValue": i.to_string() }),
            None => json!({ "doubleValue": n.as_f64() }),
        },
        Value::String(s) => json!({ "stringValue": s }),
        Value::Array(items) => {
            let values: Vec<Value> = items.iter().map(|i| to_firestore(i, true)).collect();
            let array = json!({ "arrayValue": { "values": values } });
            if in_array {
                json!({ "mapValue": { "fields": { NESTED_ARRAY_KEY: array } } })
            } else {
                array
            }
        }
        Value::Object(map) => {
            let fields: Map<String, Value> = map.iter().map(|(k, v)| (k.clone(), to_firestore(v, false))).collect();
            json!({ "mapValue": { "fields": fields } })
        }
    }
}

/// Firestore `Value` → JSON (the inverse of [`to_firestore`]).
fn from_firestore(v: &Value) -> Result<Value, String> {
    let obj = v.as_object().ok_or("a Firestore value is an object")?;
    let (kind, inner) = obj.iter().next().ok_or("empty Firestore value")?;
    Ok(match kind.as_str() {
        "nullValue" => Value::Null,
        "booleanValue" => Value::Bool(inner.as_bool().unwrap_or_default()),
        "integerValue" => {
            let text = inner.as_str().map(str::to_owned).unwrap_or_else(|| inner.to_string());
            json!(text.parse::<i64>().map_err(|e| format!("integerValue {text}: {e}"))?)
        }
        "doubleValue" => inner.clone(),
        "stringValue" | "timestampValue" | "referenceValue" | "bytesValue" => inner.clone(),
        "arrayValue" => {
            let values = inner.get("values").and_then(Value::as_array);
            Value::Array(
                values
                    .into_iter()
                    .flatten()
                    .map(from_firestore)
                    .collect::<Result<_, _>>()?,
            )
        }
        "mapValue" => {
            let fields = inner.get("fields").and_then(Value::as_object);
            if let Some(array) = fields.filter(|f| f.len() == 1).and_then(|f| f.get(NESTED_ARRAY_KEY)) {
                return from_firestore(array);
            }
            let mut out = Map::new();
            for (k, v) in fields.into_iter().flatten() {
                out.insert(k.clone(), from_firestore(v)?);
            }
            Value::Object(out)
        }
        other => return Err(format!("unsupported Firestore value type {other}")),
    })
}

#[async_trait]
impl StateStore for FirestoreStateStore {
    async fn get(&self, collection: &str, id: &str) -> Result<Option<Document>, StateError> {
        Ok(self.read_live(collection, id).await?.map(|s| s.doc))
    }

    async fn set(&self, collection: &str, id: &str, data: Value, ttl: Option<Duration>) -> Result<(), StateError> {
        let name = self.name(collection, id)?;
        let write = self.update(&name, &data, expiry(ttl), None);
        self.commit(vec![write]).await.map(|_| ()).map_err(classify)
    }

    async fn create_if_absent(
        &self,
        collection: &str,
        id: &str,
        data: Value,
        ttl: Option<Duration>,
    ) -> Result<Created, StateError> {
        let name = self.name(collection, id)?;
        let expires_at = expiry(ttl);
        for _ in 0..MAX_ATTEMPTS {
            let write = self.update(&name, &data, expires_at, Some(json!({ "exists": false })));
            match self.commit(vec![write]).await {
                Ok(_) => return Ok(Created::Created),
                Err(e) if is_precondition_failure(&e) => {}
                Err(e) => return Err(classify(e)),
            }
            match self.read(collection, id).await? {
                // Deleted between our commit and read: try creating again.
                None => continue,
                Some(s) if is_live(&s.doc) => return Ok(Created::Exists(s.doc)),
                Some(stale) => {
                    if self.take_over(&name, &stale, &data, expires_at).await? {
                        return Ok(Created::Created);
                    }
                }
            }
        }
        Err(StateError::Busy(format!(
            "{collection}/{id}: create_if_absent kept meeting contention"
        )))
    }

    async fn delete(&self, collection: &str, id: &str) -> Result<(), StateError> {
        let name = self.name(collection, id)?;
        self.commit(vec![json!({ "delete": name })])
            .await
            .map(|_| ())
            .map_err(classify)
    }

    async fn transact(&self, collection: &str, id: &str, mut f: TxnFn) -> Result<Option<Document>, StateError> {
        let mut last = String::new();
        for attempt in 0..TXN_ATTEMPTS {
            match self.transact_once(collection, id, &mut f).await? {
                Attempt::Done(after) => return Ok(after),
                Attempt::Contended(reason) => last = reason,
            }
            // Full jitter, so racing writers spread out instead of colliding again.
            let cap = (20u64 << attempt.min(6)).min(MAX_BACKOFF_MS);
            tokio::time::sleep(Duration::from_millis(rand::random_range(cap / 4..=cap))).await;
        }
        Err(StateError::Busy(format!(
            "{collection}/{id}: read-modify-write kept losing races ({TXN_ATTEMPTS} attempts; last: {last})"
        )))
    }

    async fn list(&self, collection: &str) -> Result<Vec<Document>, StateError> {
        let base = Self::path(&format!("{}/{collection}", self.root));
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut path = format!("{base}?pageSize={LIST_PAGE}");
            if let Some(t) = &token {
                path.push_str(&format!("&pageToken={}", encode_segment(t)));
            }
            let page = self.rest.json(Method::GET, &path, |r| r).await.map_err(classify)?;
            for item in page.get("documents").and_then(Value::as_array).into_iter().flatten() {
                let id = item
                    .get("name")
                    .and_then(Value::as_str)
                    .and_then(|n| n.rsplit('/').next())
                    .unwrap_or_default()
                    .to_owned();
                let stored = decode_stored(collection, &id, item)?;
                if is_live(&stored.doc) {
                    out.push(stored.doc);
                }
            }
            token = page.get("nextPageToken").and_then(Value::as_str).map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trips_through_firestore_values() {
        let v = json!({"n": 3, "x": 1.5, "s": "t", "b": true, "z": null, "a": [1, [2, "x"], {"k": []}], "big": 1e300});
        assert_eq!(from_firestore(&to_firestore(&v, false)).expect("decode"), v);
        assert_eq!(to_firestore(&json!(7), false), json!({"integerValue": "7"}));
    }
}
