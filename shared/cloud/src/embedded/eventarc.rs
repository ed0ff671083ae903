//! The local Eventarc: object finalizes delivered to functions as
//! `google.cloud.storage.object.v1.finalized` CloudEvents in binary content
//! mode, shaped as Eventarc sends them to Cloud Run.
//!
//! Each bucket is a [`LocalPubSub`] topic (`eventarc-storage-<bucket>`) whose
//! triggers are push subscriptions in [`PushFormat::CloudEvent`] format,
//! filtered on the event subject. Reusing Pub/Sub gives storage events the
//! same retry, backoff, dead-letter and journal behaviour, and lets
//! [`LocalPubSub::wait_idle`] cover them.

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde_json::{Value, json};

use super::objects::FinalizeSink;
use super::pubsub::{AttributeFilter, LocalPubSub, LocalPubSubError, PushFormat, SubscriptionConfig, rfc3339};
use crate::{ObjectMeta, OutgoingMessage};

/// CloudEvent type of an object finalize.
pub const FINALIZED_TYPE: &str = "google.cloud.storage.object.v1.finalized";
/// Metadata key copied into the `correlationid` CloudEvent extension.
pub const CORRELATION_METADATA_KEY: &str = "correlation_id";

/// Which objects of a bucket a trigger receives (by name prefix).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ObjectFilter {
    /// Only names starting with one of these (empty: every name).
    pub include_prefixes: Vec<String>,
    /// Never names starting with one of these (e.g. `quarantine/`).
    pub exclude_prefixes: Vec<String>,
}

impl ObjectFilter {
    pub fn all() -> Self {
        ObjectFilter::default()
    }

    pub fn prefix(prefix: impl Into<String>) -> Self {
        ObjectFilter {
            include_prefixes: vec![prefix.into()],
            exclude_prefixes: Vec::new(),
        }
    }

    pub fn excluding(mut self, prefix: impl Into<String>) -> Self {
        self.exclude_prefixes.push(prefix.into());
        self
    }

    fn to_attribute_filter(&self) -> AttributeFilter {
        let subject = |p: &String| format!("objects/{p}");
        AttributeFilter {
            attribute: "ce-subject".into(),
            include_prefixes: self.include_prefixes.iter().map(subject).collect(),
            exclude_prefixes: self.exclude_prefixes.iter().map(subject).collect(),
        }
    }
}

/// Local Eventarc for Cloud Storage triggers. Cheap to clone.
#[derive(Debug, Clone)]
pub struct LocalEventarc {
    pubsub: LocalPubSub,
}

impl LocalEventarc {
    pub fn new(pubsub: LocalPubSub) -> Self {
        LocalEventarc { pubsub }
    }

    /// The Pub/Sub topic carrying a bucket's events (its journal is
    /// `<root>/pubsub/eventarc-storage-<bucket>.jsonl`).
    pub fn topic_for(bucket: &str) -> String {
        format!("eventarc-storage-{bucket}")
    }

    /// Adds a trigger: finalizes in `bucket` matching `filter` are pushed to
    /// `config.endpoint` as CloudEvents, with `config`'s retry policy (its
    /// `format` and `filter` are set here).
    pub fn subscribe(
        &self,
        bucket: &str,
        filter: ObjectFilter,
        mut config: SubscriptionConfig,
    ) -> Result<(), LocalPubSubError> {
        let topic = Self::topic_for(bucket);
        self.pubsub.create_topic(&topic);
        config.format = PushFormat::CloudEvent;
        config.filter = Some(filter.to_attribute_filter());
        self.pubsub.subscribe_push(&topic, config)
    }

    pub fn pubsub(&self) -> &LocalPubSub {
        &self.pubsub
    }
}

/// The CloudEvent attributes (as `ce-*` header names) of a finalize.
pub fn finalized_attributes(meta: &ObjectMeta) -> BTreeMap<String, String> {
    let mut attrs = BTreeMap::from([
        ("ce-id".to_owned(), uuid::Uuid::new_v4().to_string()),
        (
            "ce-source".to_owned(),
            format!("//storage.googleapis.com/projects/_/buckets/{}", meta.bucket),
        ),
        ("ce-type".to_owned(), FINALIZED_TYPE.to_owned()),
        ("ce-subject".to_owned(), format!("objects/{}", meta.name)),
        ("ce-time".to_owned(), rfc3339(meta.time_created)),
        ("ce-specversion".to_owned(), "1.0".to_owned()),
        ("content-type".to_owned(), "application/json".to_owned()),
    ]);
    if let Some(correlation) = meta.metadata.get(CORRELATION_METADATA_KEY) {
        attrs.insert("ce-correlationid".to_owned(), correlation.clone());
    }
    attrs
}

/// The event body: GCS's object resource (`StorageObjectData`), with int64
/// fields as strings as the JSON API writes them.
pub fn object_resource(meta: &ObjectMeta) -> Value {
    let encoded = percent_encode(&meta.name);
    let time = rfc3339(meta.time_created);
    json!({
        "kind": "storage#object",
        "id": format!("{}/{}/{}", meta.bucket, meta.name, meta.generation),
        "selfLink": format!("https://www.googleapis.com/storage/v1/b/{}/o/{encoded}", meta.bucket),
        "mediaLink": format!(
            "https://storage.googleapis.com/download/storage/v1/b/{}/o/{encoded}?generation={}&alt=media",
            meta.bucket, meta.generation
        ),
        "name": meta.name,
        "bucket": meta.bucket,
        "generation": meta.generation.to_string(),
        "metageneration": "1",
        "contentType": meta.content_type,
        "timeCreated": time,
        "updated": time,
        "timeStorageClassUpdated": time,
        "storageClass": "STANDARD",
        "size": meta.size.to_string(),
        "md5Hash": meta.md5_hash,
        "crc32c": meta.crc32c,
        "etag": format!("{:x}", meta.generation),
        "metadata": meta.metadata,
    })
}

/// Percent-encodes an object name for a URL path segment (as GCS links do).
fn percent_encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[async_trait]
impl FinalizeSink for LocalEventarc {
    async fn object_finalized(&self, meta: &ObjectMeta) {
        let topic = Self::topic_for(&meta.bucket);
        // Created on first use so every finalize is journaled, triggered or not.
        self.pubsub.create_topic(&topic);
        let data = match serde_json::to_vec(&object_resource(meta)) {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(bucket = %meta.bucket, name = %meta.name, error = %e, "finalize event not built");
                return;
            }
        };
        let message = OutgoingMessage {
            data,
            attributes: finalized_attributes(meta),
        };
        if let Err(e) = self.pubsub.publish_message(&topic, message) {
            tracing::error!(bucket = %meta.bucket, name = %meta.name, error = %e, "finalize event not published");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ObjectStore;
    use crate::embedded::objects::LocalObjectStore;
    use crate::embedded::pubsub::LocalPubSubOptions;
    use crate::embedded::pubsub::tests::{endpoint, fast};
    use crate::ports::object_store::PutOptions;
    use axum::http::StatusCode;
    use bytes::Bytes;
    use std::sync::Arc;

    #[tokio::test]
    async fn finalize_is_a_binary_cloudevent_shaped_like_gcs() {
        let dir = tempfile::tempdir().unwrap();
        let ps = LocalPubSub::open(dir.path(), LocalPubSubOptions::default()).unwrap();
        let eventarc = LocalEventarc::new(ps.clone());
        let store = LocalObjectStore::open(dir.path())
            .unwrap()
            .with_finalize_sink(Arc::new(eventarc.clone()));
        let (url, rec) = endpoint(|n| {
            Some(if n == 0 {
                StatusCode::BAD_GATEWAY
            } else {
                StatusCode::OK
            })
        })
        .await;
        eventarc
            .subscribe(
                "raw",
                ObjectFilter::all().excluding("quarantine/"),
                fast("raw-processor", url),
            )
            .unwrap();

        let mut opts = PutOptions {
            content_type: "application/json".into(),
            ..Default::default()
        };
        opts.metadata.insert("correlation_id".into(), "corr-9".into());
        let meta = store
            .put("raw", "nba-com/x y.json", Bytes::from_static(b"{}"), opts)
            .await
            .unwrap();
        store
            .copy("raw", "nba-com/x y.json", "quarantine/nba-com/x y.json")
            .await
            .unwrap();
        ps.wait_idle().await;

        let got = rec.lock().unwrap().clone();
        // One retry of the single matching finalize; the quarantine copy is never delivered.
        assert_eq!(got.len(), 2);
        let h = &got[1].headers;
        assert_eq!(h["ce-type"], FINALIZED_TYPE);
        assert_eq!(h["ce-source"], "//storage.googleapis.com/projects/_/buckets/raw");
        assert_eq!(h["ce-subject"], "objects/nba-com/x y.json");
        assert_eq!(h["ce-specversion"], "1.0");
        assert_eq!(h["ce-correlationid"], "corr-9");
        assert_eq!(h["content-type"], "application/json");
        assert_eq!(h["ce-id"], got[0].headers["ce-id"], "a redelivery keeps the event id");
        assert!(chrono::DateTime::parse_from_rfc3339(h["ce-time"].to_str().unwrap()).is_ok());
        let body: Value = serde_json::from_slice(&got[1].body).unwrap();
        assert_eq!(body["bucket"], "raw");
        assert_eq!(body["name"], "nba-com/x y.json");
        assert_eq!(body["generation"], meta.generation.to_string());
        assert_eq!(body["size"], "2");
        assert_eq!(body["kind"], "storage#object");
        assert_eq!(body["md5Hash"], meta.md5_hash);
        assert_eq!(body["crc32c"], meta.crc32c);
        assert_eq!(body["metadata"]["correlation_id"], "corr-9");
        assert_eq!(body["contentType"], "application/json");
        assert!(body["mediaLink"].as_str().unwrap().contains("nba-com%2Fx%20y.json"));
        // Both finalizes are in the bucket's journal.
        assert_eq!(ps.journal(&LocalEventarc::topic_for("raw")).unwrap().len(), 2);
        assert_eq!(ps.stats("raw-processor").unwrap().acked, 1);
    }

    #[tokio::test]
    async fn prefix_triggers_only_see_their_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let ps = LocalPubSub::open(dir.path(), LocalPubSubOptions::default()).unwrap();
        let eventarc = LocalEventarc::new(ps.clone());
        let store = LocalObjectStore::open(dir.path())
            .unwrap()
            .with_finalize_sink(Arc::new(eventarc.clone()));
        let (url, rec) = endpoint(|_| Some(StatusCode::OK)).await;
        eventarc
            .subscribe("raw", ObjectFilter::prefix("a/"), fast("a-only", url))
            .unwrap();
        for name in ["a/1", "b/1", "a/2", "ab"] {
            store
                .put("raw", name, Bytes::from_static(b"."), PutOptions::default())
                .await
                .unwrap();
        }
        ps.wait_idle().await;
        let mut subjects: Vec<String> = rec
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.headers["ce-subject"].to_str().unwrap().to_owned())
            .collect();
        subjects.sort();
        assert_eq!(subjects, ["objects/a/1", "objects/a/2"]);
    }
}
