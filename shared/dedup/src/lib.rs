//! Dedup keys. At-least-once delivery is the norm, so every handler needs a
//! stable answer to "have I done this already?":
//!
//! * [`content_hash`]: a canonical hash of a row's content (key order and
//!   bookkeeping columns do not matter), stored as `data_hash` so a re-processed
//!   identical object writes nothing;
//! * [`EventKey`]: the identity of a triggering event (CloudEvent id, or a GCS
//!   object's bucket/name/generation).

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// SHA-256 (hex) of the canonical JSON of `row` without the `excluded` columns.
/// Canonical: object keys sorted at every depth, no whitespace, numbers as
/// serde_json prints them (integers stay integers, so `3` and `3.0` differ).
pub fn content_hash(row: &Map<String, Value>, excluded: &[&str]) -> String {
    let mut hasher = Sha256::new();
    let mut keys: Vec<&String> = row.keys().filter(|k| !excluded.contains(&k.as_str())).collect();
    keys.sort();
    hasher.update(b"{");
    for (i, key) in keys.into_iter().enumerate() {
        if i > 0 {
            hasher.update(b",");
        }
        write_canonical(&mut hasher, &Value::String(key.clone()));
        hasher.update(b":");
        write_canonical(&mut hasher, &row[key]);
    }
    hasher.update(b"}");
    hex::encode(hasher.finalize())
}

/// SHA-256 (hex) of raw bytes (e.g. a raw object's body).
pub fn bytes_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn write_canonical(hasher: &mut Sha256, value: &Value) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            hasher.update(b"{");
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    hasher.update(b",");
                }
                write_canonical(hasher, &Value::String(key.clone()));
                hasher.update(b":");
                write_canonical(hasher, &map[key]);
            }
            hasher.update(b"}");
        }
        Value::Array(items) => {
            hasher.update(b"[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    hasher.update(b",");
                }
                write_canonical(hasher, item);
            }
            hasher.update(b"]");
        }
        scalar => hasher.update(scalar.to_string().as_bytes()),
    }
}

/// The identity of a triggering event, for "already processed" markers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EventKey {
    /// A CloudEvent (or Pub/Sub message) id, scoped by its source.
    CloudEvent { source: String, id: String },
    /// One generation of one object: a rewrite of the same name is a new key.
    Object {
        bucket: String,
        name: String,
        generation: i64,
    },
}

impl EventKey {
    /// A string usable as a document id: no `/` (Firestore ids may not contain it).
    pub fn document_id(&self) -> String {
        let raw = match self {
            EventKey::CloudEvent { source, id } => format!("ce|{source}|{id}"),
            EventKey::Object {
                bucket,
                name,
                generation,
            } => format!("gcs|{bucket}|{name}|{generation}"),
        };
        // Hash: ids stay short and free of reserved characters whatever the names hold.
        format!("ev_{}", &bytes_hash(raw.as_bytes())[..40])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn key_order_and_excluded_columns_do_not_matter() {
        let a = obj(json!({"game_id": "1", "pts": 10, "source_file": "a", "nested": {"x": 1, "y": 2}}));
        let b = obj(json!({"nested": {"y": 2, "x": 1}, "source_file": "b", "pts": 10, "game_id": "1"}));
        assert_eq!(content_hash(&a, &["source_file"]), content_hash(&b, &["source_file"]));
    }

    #[test]
    fn content_changes_change_the_hash() {
        let a = obj(json!({"pts": 10}));
        let b = obj(json!({"pts": 11}));
        let c = obj(json!({"pts": 10.0}));
        assert_ne!(content_hash(&a, &[]), content_hash(&b, &[]));
        assert_ne!(content_hash(&a, &[]), content_hash(&c, &[]));
        assert_ne!(
            content_hash(&obj(json!({"a": null})), &[]),
            content_hash(&obj(json!({})), &[])
        );
    }

    #[test]
    fn object_keys_differ_by_generation_and_are_document_safe() {
        let k1 = EventKey::Object {
            bucket: "b".into(),
            name: "x/y.json".into(),
            generation: 1,
        };
        let k2 = EventKey::Object {
            bucket: "b".into(),
            name: "x/y.json".into(),
            generation: 2,
        };
        assert_ne!(k1.document_id(), k2.document_id());
        assert!(!k1.document_id().contains('/'));
    }

    proptest! {
        #[test]
        fn hash_is_independent_of_insertion_order(pairs in proptest::collection::btree_map("[a-z]{1,6}", any::<i64>(), 0..12)) {
            let forward: Map<String, Value> = pairs.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            let mut reversed = Map::new();
            for (k, v) in pairs.iter().rev() {
                reversed.insert(k.clone(), json!(v));
            }
            prop_assert_eq!(content_hash(&forward, &[]), content_hash(&reversed, &[]));
        }
    }
}
