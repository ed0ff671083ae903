//! Pub/Sub publishing over the REST API (`topics.publish`), batched per topic.
//!
//! Each `publish` call is one message, published once; concurrent calls for the
//! same topic are gathered by a small per-topic task into one `publish` request
//! (up to [`BatchSettings`] limits), and every caller gets its own message id back.
//! Push delivery to functions is Pub/Sub's (and the runtime's), not ours.
//!
//! Payloads above `compress_above` bytes are gzip-compressed and marked with the
//! attribute [`CONTENT_ENCODING_ATTRIBUTE`]` = gzip`; the runtime inflates them
//! before a handler sees the message. `PUBSUB_EMULATOR_HOST` selects the emulator.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use flate2::Compression;
use flate2::write::GzEncoder;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use super::rest::{Rest, RestError, encode_segment};
use crate::{OutgoingMessage, PubSubError, Publisher};

pub use crate::ports::pubsub::CONTENT_ENCODING_ATTRIBUTE;

/// When a batch is sent: whichever limit is reached first.
#[derive(Debug, Clone, Copy)]
pub struct BatchSettings {
    pub max_messages: usize,
    /// Encoded bytes per request (the API refuses requests over 10 MB).
    pub max_bytes: usize,
    /// How long the first message of a batch waits for company.
    pub max_delay: Duration,
    /// Payloads larger than this are gzip-compressed.
    pub compress_above: usize,
}

impl Default for BatchSettings {
    fn default() -> Self {
        BatchSettings {
            max_messages: 100,
            max_bytes: 5 * 1024 * 1024,
            max_delay: Duration::from_millis(10),
            compress_above: 64 * 1024,
        }
    }
}

/// One message waiting for its batch.
struct Pending {
    wire: Value,
    size: usize,
    reply: oneshot::Sender<Result<String, PubSubError>>,
}

/// [`Publisher`] on Google Pub/Sub.
#[derive(Clone)]
pub struct PubSubPublisher {
    rest: Rest,
    project: String,
    settings: BatchSettings,
    queues: Arc<Mutex<HashMap<String, mpsc::UnboundedSender<Pending>>>>,
}

impl std::fmt::Debug for PubSubPublisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PubSubPublisher")
            .field("project", &self.project)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl PubSubPublisher {
    pub fn new(rest: Rest, project: &str, settings: BatchSettings) -> Self {
        PubSubPublisher {
            rest,
            project: project.to_owned(),
            settings,
            queues: Arc::default(),
        }
    }

    fn topic_path(&self, topic: &str) -> String {
        format!(
            "/v1/projects/{}/topics/{}",
            encode_segment(&self.project),
            encode_segment(topic)
        )
    }

    /// Creates a topic (emulators and tests; real topics are Terraform's). Idempotent.
    pub async fn create_topic(&self, topic: &str) -> Result<(), PubSubError> {
        match self
            .rest
            .send(Method::PUT, &self.topic_path(topic), |r| r.json(&json!({})))
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is(StatusCode::CONFLICT) => Ok(()),
            Err(e) => Err(publish_err(topic, e)),
        }
    }

    /// Creates a push subscription of `topic` delivering to `endpoint` (emulators and tests).
    pub async fn create_push_subscription(&self, name: &str, topic: &str, endpoint: &str) -> Result<(), PubSubError> {
        let path = format!(
            "/v1/projects/{}/subscriptions/{}",
            encode_segment(&self.project),
            encode_segment(name)
        );
        let body = json!({
            "topic": format!("projects/{}/topics/{topic}", self.project),
            "pushConfig": {"pushEndpoint": endpoint},
            "ackDeadlineSeconds": 60,
        });
        match self.rest.send(Method::PUT, &path, |r| r.json(&body)).await {
            Ok(_) => Ok(()),
            Err(e) if e.is(StatusCode::CONFLICT) => Ok(()),
            Err(e) => Err(publish_err(topic, e)),
        }
    }

    /// The sender of `topic`'s batching task, started on first use (or again if the
    /// runtime that ran the previous one has gone).
    fn queue(&self, topic: &str) -> mpsc::UnboundedSender<Pending> {
        let mut queues = self.queues.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = queues.get(topic).filter(|tx| !tx.is_closed()) {
            return tx.clone();
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let batcher = Batcher {
            rest: self.rest.clone(),
            path: format!("{}:publish", self.topic_path(topic)),
            topic: topic.to_owned(),
            settings: self.settings,
        };
        tokio::spawn(batcher.run(rx));
        queues.insert(topic.to_owned(), tx.clone());
        tx
    }
}

fn publish_err(topic: &str, e: RestError) -> PubSubError {
    if e.is(StatusCode::NOT_FOUND) {
        PubSubError::UnknownTopic(topic.to_owned())
    } else {
        PubSubError::Publish {
            topic: topic.to_owned(),
            reason: e.to_string(),
        }
    }
}

/// The REST form of a message, gzip-compressing a large payload.
fn encode(message: OutgoingMessage, compress_above: usize) -> std::io::Result<(Value, usize)> {
    let mut attributes: BTreeMap<String, String> = message.attributes;
    let data = if message.data.len() > compress_above {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(&message.data)?;
        attributes.insert(CONTENT_ENCODING_ATTRIBUTE.into(), "gzip".into());
        enc.finish()?
    } else {
        message.data
    };
    let data = BASE64.encode(data);
    let size = data.len() + attributes.iter().map(|(k, v)| k.len() + v.len() + 8).sum::<usize>();
    Ok((json!({"data": data, "attributes": attributes}), size))
}

#[async_trait]
impl Publisher for PubSubPublisher {
    async fn publish(&self, topic: &str, message: OutgoingMessage) -> Result<String, PubSubError> {
        let (wire, size) = encode(message, self.settings.compress_above).map_err(|e| PubSubError::Publish {
            topic: topic.to_owned(),
            reason: format!("gzip: {e}"),
        })?;
        let (reply, answer) = oneshot::channel();
        let pending = Pending { wire, size, reply };
        // A closed queue means its task died with an earlier runtime: start a new one.
        let pending = match self.queue(topic).send(pending) {
            Ok(()) => None,
            Err(mpsc::error::SendError(p)) => Some(p),
        };
        if let Some(p) = pending {
            self.queues.lock().unwrap_or_else(|p| p.into_inner()).remove(topic);
            self.queue(topic).send(p).map_err(|_| PubSubError::Publish {
                topic: topic.to_owned(),
                reason: "publisher task stopped".into(),
            })?;
        }
        answer.await.map_err(|_| PubSubError::Publish {
            topic: topic.to_owned(),
            reason: "publisher task stopped before answering".into(),
        })?
    }
}

/// Gathers one topic's messages into `publish` requests.
struct Batcher {
    rest: Rest,
    path: String,
    topic: String,
    settings: BatchSettings,
}

impl Batcher {
    async fn run(self, mut rx: mpsc::UnboundedReceiver<Pending>) {
        while let Some(first) = rx.recv().await {
            let batch = self.gather(first, &mut rx).await;
            self.flush(batch).await;
        }
    }

    /// `first` plus whatever arrives within `max_delay`, up to the size limits.
    async fn gather(&self, first: Pending, rx: &mut mpsc::UnboundedReceiver<Pending>) -> Vec<Pending> {
        let deadline = tokio::time::Instant::now() + self.settings.max_delay;
        let mut bytes = first.size;
        let mut batch = vec![first];
        while batch.len() < self.settings.max_messages && bytes < self.settings.max_bytes {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(next)) => {
                    bytes += next.size;
                    batch.push(next);
                }
                Ok(None) | Err(_) => break,
            }
        }
        batch
    }

    async fn flush(&self, batch: Vec<Pending>) {
        let messages: Vec<&Value> = batch.iter().map(|p| &p.wire).collect();
        let body = json!({ "messages": messages });
        let result = self.rest.json(Method::POST, &self.path, |r| r.json(&body)).await;
        let ids: Result<Vec<String>, PubSubError> = result.map_err(|e| publish_err(&self.topic, e)).and_then(|v| {
            let ids: Vec<String> = v
                .get("messageIds")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default();
            if ids.len() == batch.len() {
                Ok(ids)
            } else {
                Err(PubSubError::Publish {
                    topic: self.topic.clone(),
                    reason: format!("{} message ids for {} messages", ids.len(), batch.len()),
                })
            }
        });
        match ids {
            Ok(ids) => {
                for (pending, id) in batch.into_iter().zip(ids) {
                    let _ = pending.reply.send(Ok(id));
                }
            }
            Err(e) => {
                for pending in batch {
                    let _ = pending.reply.send(Err(e.clone()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::gcp::rest::Auth;

    /// A fake `topics.publish` counting requests; ids are `<request>-<index>`.
    async fn fake_pubsub() -> (String, Arc<AtomicUsize>) {
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        let app = axum::Router::new().fallback(axum::routing::post(move |body: axum::Json<Value>| {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            async move {
                let count = body["messages"].as_array().map_or(0, Vec::len);
                axum::Json(json!({"messageIds": (0..count).map(|i| format!("{n}-{i}")).collect::<Vec<_>>()}))
            }
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
        (url, requests)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_publishes_share_requests_and_each_gets_its_own_id() {
        crate::gcp::install_tls();
        let (url, requests) = fake_pubsub().await;
        let rest = Rest::new(reqwest::Client::new(), &url, Auth::Anonymous);
        let publisher = PubSubPublisher::new(rest, "p", BatchSettings::default());
        let tasks: Vec<_> = (0..50)
            .map(|n| {
                let publisher = publisher.clone();
                tokio::spawn(async move {
                    let message = OutgoingMessage {
                        data: format!("{n}").into_bytes(),
                        attributes: BTreeMap::new(),
                    };
                    publisher.publish("t", message).await
                })
            })
            .collect();
        let mut ids = std::collections::BTreeSet::new();
        for t in tasks {
            ids.insert(t.await.expect("task").expect("publish"));
        }
        assert_eq!(ids.len(), 50, "one distinct id per message");
        let sent = requests.load(Ordering::SeqCst);
        assert!(sent < 50, "messages were batched: {sent} requests for 50 messages");
    }

    #[test]
    fn large_payloads_are_compressed_and_marked() {
        let big = OutgoingMessage {
            data: vec![b'a'; 10_000],
            attributes: BTreeMap::from([("correlation_id".into(), "c".into())]),
        };
        let (wire, size) = encode(big, 1024).expect("encode");
        assert_eq!(wire["attributes"][CONTENT_ENCODING_ATTRIBUTE], "gzip");
        assert_eq!(wire["attributes"]["correlation_id"], "c");
        assert!(size < 1000, "compressed: {size}");
        let small = OutgoingMessage {
            data: b"{}".to_vec(),
            attributes: BTreeMap::new(),
        };
        let (wire, _) = encode(small, 1024).expect("encode");
        assert_eq!(wire["data"], "e30=");
        assert!(wire["attributes"].get(CONTENT_ENCODING_ATTRIBUTE).is_none());
    }
}
