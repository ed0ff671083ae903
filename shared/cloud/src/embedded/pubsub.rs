//! The local Pub/Sub: in-process topics with push subscriptions that POST to
//! function URLs over real HTTP, with Pub/Sub's delivery semantics.
//!
//! Functions see exactly what Cloud Run would send them (the push envelope, or a
//! binary-mode CloudEvent), and the pipeline gets the failure behaviour it must
//! survive in the cloud: at-least-once delivery, redelivery on a non-2xx answer
//! or a missed ack deadline with exponential backoff, dead-lettering after the
//! last attempt, no ordering, and (on demand) every message delivered twice.
//!
//! Every published message is appended to `<root>/pubsub/<topic>.jsonl` before
//! it is delivered, so nothing is lost: messages to topics without
//! subscriptions stay there, dead letters can be inspected there, and tests
//! read the journal to validate what a function published.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, SecondsFormat, Utc};
use rand::Rng as _;
use reqwest::Url;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::{OutgoingMessage, PubSubError, Publisher};

/// Attributes Pub/Sub adds to a dead-lettered message.
pub const DEAD_LETTER_DELIVERY_COUNT: &str = "CloudPubSubDeadLetterSourceDeliveryCount";
pub const DEAD_LETTER_SUBSCRIPTION: &str = "CloudPubSubDeadLetterSourceSubscription";
pub const DEAD_LETTER_SUBSCRIPTION_PROJECT: &str = "CloudPubSubDeadLetterSourceSubscriptionProject";
pub const DEAD_LETTER_PUBLISH_TIME: &str = "CloudPubSubDeadLetterSourceTopicPublishTime";

/// HTTP statuses Pub/Sub push treats as an acknowledgement.
const ACK_STATUSES: [u16; 5] = [102, 200, 201, 202, 204];

#[derive(Debug, thiserror::Error)]
pub enum LocalPubSubError {
    #[error("topic {0} does not exist")]
    UnknownTopic(String),
    #[error("subscription {0} already exists")]
    SubscriptionExists(String),
    #[error("invalid subscription {name}: {reason}")]
    InvalidSubscription { name: String, reason: String },
    #[error("pubsub journal I/O: {0}")]
    Io(String),
    #[error("HTTP client: {0}")]
    Http(String),
}

/// How a push subscription presents a message to the endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PushFormat {
    /// The standard push envelope (`{"message":{…},"subscription":…}`), as a
    /// Pub/Sub push subscription sends it.
    #[default]
    PubSubEnvelope,
    /// A binary-mode CloudEvent, as Eventarc sends it. A message whose
    /// attributes already carry `ce-specversion` is sent as that event (its
    /// `ce-*` attributes become headers, its data the body); any other message
    /// is wrapped as `google.cloud.pubsub.topic.v1.messagePublished`.
    CloudEvent,
}

/// A subscription filter on one attribute's value (Pub/Sub's
/// `hasPrefix(attributes.x, "…")`): messages filtered out are never delivered.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttributeFilter {
    pub attribute: String,
    /// Deliver only when the value starts with one of these (empty: any value).
    pub include_prefixes: Vec<String>,
    /// Never deliver when the value starts with one of these.
    pub exclude_prefixes: Vec<String>,
}

impl AttributeFilter {
    fn matches(&self, attributes: &BTreeMap<String, String>) -> bool {
        let value = attributes.get(&self.attribute).map(String::as_str).unwrap_or("");
        let included =
            self.include_prefixes.is_empty() || self.include_prefixes.iter().any(|p| value.starts_with(p.as_str()));
        included && !self.exclude_prefixes.iter().any(|p| value.starts_with(p.as_str()))
    }
}

/// A push subscription, with Pub/Sub's knobs.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionConfig {
    /// Short subscription id (`projects/P/subscriptions/<name>` in envelopes).
    pub name: String,
    /// The function's URL, e.g. `http://127.0.0.1:PORT/`.
    pub endpoint: Url,
    /// No answer within this time counts as a nack (the request is abandoned).
    pub ack_deadline: Duration,
    pub min_backoff: Duration,
    pub max_backoff: Duration,
    /// Attempts before the message goes to the dead-letter topic (or, without
    /// one, to `<root>/pubsub/<subscription>.abandoned.jsonl`).
    pub max_delivery_attempts: u32,
    /// Short topic id of the dead-letter topic (created if missing).
    pub dead_letter_topic: Option<String>,
    pub format: PushFormat,
    pub filter: Option<AttributeFilter>,
}

impl SubscriptionConfig {
    /// A subscription with local defaults: 60 s ack deadline, backoff 1 s → 60 s,
    /// 5 attempts, no dead-letter topic, the standard push envelope.
    pub fn push(name: impl Into<String>, endpoint: Url) -> Self {
        SubscriptionConfig {
            name: name.into(),
            endpoint,
            ack_deadline: Duration::from_secs(60),
            min_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            max_delivery_attempts: 5,
            dead_letter_topic: None,
            format: PushFormat::PubSubEnvelope,
            filter: None,
        }
    }

    pub fn with_dead_letter(mut self, topic: impl Into<String>) -> Self {
        self.dead_letter_topic = Some(topic.into());
        self
    }

    pub fn with_backoff(mut self, min: Duration, max: Duration) -> Self {
        self.min_backoff = min;
        self.max_backoff = max;
        self
    }

    pub fn with_ack_deadline(mut self, deadline: Duration) -> Self {
        self.ack_deadline = deadline;
        self
    }

    pub fn with_max_delivery_attempts(mut self, attempts: u32) -> Self {
        self.max_delivery_attempts = attempts;
        self
    }

    pub fn with_format(mut self, format: PushFormat) -> Self {
        self.format = format;
        self
    }
}

/// Delivery counters of one subscription.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionStats {
    /// Push attempts made (each redelivery counts).
    pub delivered: u64,
    pub acked: u64,
    pub nacked: u64,
    pub dead_lettered: u64,
}

/// One line of a topic journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub topic: String,
    pub message_id: String,
    pub publish_time: DateTime<Utc>,
    pub attributes: BTreeMap<String, String>,
    /// The data, base64 (as Pub/Sub carries it).
    pub data: String,
    /// The data parsed, when it is JSON (for reading the journal by eye).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<Value>,
}

impl JournalEntry {
    pub fn data_bytes(&self) -> Vec<u8> {
        BASE64.decode(&self.data).unwrap_or_default()
    }
}

/// Options of [`LocalPubSub::open`].
#[derive(Debug, Clone)]
pub struct LocalPubSubOptions {
    /// Project id used in envelope and CloudEvent names.
    pub project: String,
    /// Deliver every message twice to every subscription (idempotency tests).
    pub duplicate_deliveries: bool,
}

impl Default for LocalPubSubOptions {
    fn default() -> Self {
        LocalPubSubOptions {
            project: "local".into(),
            duplicate_deliveries: false,
        }
    }
}

#[derive(Debug)]
struct Message {
    topic: String,
    id: String,
    publish_time: DateTime<Utc>,
    data: Vec<u8>,
    attributes: BTreeMap<String, String>,
}

#[derive(Debug, Default)]
struct Counters {
    delivered: AtomicU64,
    acked: AtomicU64,
    nacked: AtomicU64,
    dead_lettered: AtomicU64,
}

#[derive(Debug)]
struct Subscription {
    topic: String,
    config: SubscriptionConfig,
    counters: Counters,
}

#[derive(Debug)]
struct Inner {
    project: String,
    journal_dir: PathBuf,
    http: reqwest::Client,
    duplicate_deliveries: AtomicBool,
    /// Topic → its subscriptions.
    topics: Mutex<HashMap<String, Vec<Arc<Subscription>>>>,
    subscriptions: Mutex<HashMap<String, Arc<Subscription>>>,
    next_id: AtomicU64,
    /// Messages pending or in flight, over all subscriptions.
    outstanding: watch::Sender<usize>,
    journal_lock: Mutex<()>,
}

/// In-process Pub/Sub. Cheap to clone (all clones share the same topics).
#[derive(Debug, Clone)]
pub struct LocalPubSub {
    inner: Arc<Inner>,
}

/// Decrements the outstanding count when a delivery ends, however it ends.
struct Outstanding(Arc<Inner>);

impl Outstanding {
    fn new(inner: &Arc<Inner>) -> Self {
        inner.outstanding.send_modify(|n| *n += 1);
        Outstanding(inner.clone())
    }
}

impl Drop for Outstanding {
    fn drop(&mut self) {
        self.0.outstanding.send_modify(|n| *n = n.saturating_sub(1));
    }
}

impl LocalPubSub {
    /// A Pub/Sub whose journals live under `<root>/pubsub/`.
    pub fn open(root: &Path, opts: LocalPubSubOptions) -> Result<Self, LocalPubSubError> {
        let journal_dir = root.join("pubsub");
        std::fs::create_dir_all(&journal_dir).map_err(|e| LocalPubSubError::Io(e.to_string()))?;
        // Never through a proxy: endpoints are on 127.0.0.1.
        nba_core::tls::install_crypto_provider();
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .map_err(|e| LocalPubSubError::Http(e.to_string()))?;
        let seed = u64::try_from(Utc::now().timestamp_micros()).unwrap_or(1) % 1_000_000_000_000;
        Ok(LocalPubSub {
            inner: Arc::new(Inner {
                project: opts.project,
                journal_dir,
                http,
                duplicate_deliveries: AtomicBool::new(opts.duplicate_deliveries),
                topics: Mutex::new(HashMap::new()),
                subscriptions: Mutex::new(HashMap::new()),
                next_id: AtomicU64::new(seed * 1000),
                outstanding: watch::channel(0).0,
                journal_lock: Mutex::new(()),
            }),
        })
    }

    pub fn project(&self) -> &str {
        &self.inner.project
    }

    /// Creates a topic (idempotent).
    pub fn create_topic(&self, name: &str) {
        lock(&self.inner.topics).entry(name.to_owned()).or_default();
    }

    pub fn has_topic(&self, name: &str) -> bool {
        lock(&self.inner.topics).contains_key(name)
    }

    pub fn topics(&self) -> Vec<String> {
        let mut names: Vec<_> = lock(&self.inner.topics).keys().cloned().collect();
        names.sort();
        names
    }

    /// Switches duplicate delivery on or off for messages published from now on.
    pub fn set_duplicate_deliveries(&self, on: bool) {
        self.inner.duplicate_deliveries.store(on, Ordering::SeqCst);
    }

    /// Adds a push subscription to an existing topic. Only messages published
    /// after this call are delivered to it (as with Pub/Sub).
    pub fn subscribe_push(&self, topic: &str, config: SubscriptionConfig) -> Result<(), LocalPubSubError> {
        let invalid = |reason: &str| {
            Err(LocalPubSubError::InvalidSubscription {
                name: config.name.clone(),
                reason: reason.to_owned(),
            })
        };
        if config.max_delivery_attempts == 0 {
            return invalid("max_delivery_attempts must be at least 1");
        }
        if config.min_backoff > config.max_backoff {
            return invalid("min_backoff exceeds max_backoff");
        }
        if let Some(dlq) = &config.dead_letter_topic {
            if dlq == topic {
                return invalid("a topic cannot be its own dead-letter topic");
            }
            self.create_topic(dlq);
        }
        let mut topics = lock(&self.inner.topics);
        let Some(subs) = topics.get_mut(topic) else {
            return Err(LocalPubSubError::UnknownTopic(topic.to_owned()));
        };
        let mut by_name = lock(&self.inner.subscriptions);
        if by_name.contains_key(&config.name) {
            return Err(LocalPubSubError::SubscriptionExists(config.name));
        }
        let sub = Arc::new(Subscription {
            topic: topic.to_owned(),
            config,
            counters: Counters::default(),
        });
        by_name.insert(sub.config.name.clone(), sub.clone());
        subs.push(sub);
        Ok(())
    }

    /// Delivery counters of a subscription.
    pub fn stats(&self, subscription: &str) -> Option<SubscriptionStats> {
        lock(&self.inner.subscriptions)
            .get(subscription)
            .map(|s| snapshot(&s.counters))
    }

    /// Counters of every subscription, by name.
    pub fn all_stats(&self) -> BTreeMap<String, SubscriptionStats> {
        lock(&self.inner.subscriptions)
            .iter()
            .map(|(n, s)| (n.clone(), snapshot(&s.counters)))
            .collect()
    }

    /// Messages pending or in flight right now.
    pub fn outstanding(&self) -> usize {
        *self.inner.outstanding.borrow()
    }

    /// Resolves when no message is pending or in flight on any subscription:
    /// the pipeline has settled. A message published while another is in
    /// flight (a function publishing before it answers) is counted before the
    /// first one finishes, so the count cannot touch zero in between.
    pub async fn wait_idle(&self) {
        let mut rx = self.inner.outstanding.subscribe();
        // The sender lives as long as `self`, so this cannot fail.
        let _ = rx.wait_for(|n| *n == 0).await;
    }

    /// [`Self::wait_idle`] with a limit; false when it did not settle in time.
    pub async fn wait_idle_for(&self, limit: Duration) -> bool {
        tokio::time::timeout(limit, self.wait_idle()).await.is_ok()
    }

    /// Path of a topic's journal.
    pub fn journal_path(&self, topic: &str) -> PathBuf {
        self.inner.journal_dir.join(format!("{}.jsonl", file_safe(topic)))
    }

    /// Everything ever published to a topic (empty if nothing was).
    pub fn journal(&self, topic: &str) -> Result<Vec<JournalEntry>, LocalPubSubError> {
        read_journal(&self.journal_path(topic))
    }

    /// Messages abandoned by a subscription without a dead-letter topic.
    pub fn abandoned(&self, subscription: &str) -> Result<Vec<JournalEntry>, LocalPubSubError> {
        read_journal(
            &self
                .inner
                .journal_dir
                .join(format!("{}.abandoned.jsonl", file_safe(subscription))),
        )
    }

    /// Publishes with a full message; returns the message id.
    pub fn publish_message(&self, topic: &str, message: OutgoingMessage) -> Result<String, PubSubError> {
        Inner::publish(&self.inner, topic, message)
    }
}

#[async_trait]
impl Publisher for LocalPubSub {
    async fn publish(&self, topic: &str, message: OutgoingMessage) -> Result<String, PubSubError> {
        Inner::publish(&self.inner, topic, message)
    }
}

impl Inner {
    /// Journals the message, then starts one delivery per subscription (two
    /// with duplicate deliveries). Synchronous up to the spawn, so the
    /// outstanding count rises before `publish` returns.
    fn publish(this: &Arc<Inner>, topic: &str, message: OutgoingMessage) -> Result<String, PubSubError> {
        let subs = match lock(&this.topics).get(topic) {
            Some(subs) => subs.clone(),
            None => return Err(PubSubError::UnknownTopic(topic.to_owned())),
        };
        let msg = Arc::new(Message {
            topic: topic.to_owned(),
            id: this.next_id.fetch_add(1, Ordering::SeqCst).to_string(),
            publish_time: Utc::now(),
            data: message.data,
            attributes: message.attributes,
        });
        let path = this.journal_dir.join(format!("{}.jsonl", file_safe(topic)));
        this.append_journal(&path, &msg).map_err(|e| PubSubError::Publish {
            topic: topic.to_owned(),
            reason: e.to_string(),
        })?;
        let copies = if this.duplicate_deliveries.load(Ordering::SeqCst) {
            2
        } else {
            1
        };
        for sub in subs {
            if let Some(filter) = &sub.config.filter
                && !filter.matches(&msg.attributes)
            {
                continue;
            }
            for _ in 0..copies {
                let guard = Outstanding::new(this);
                let (inner, sub, msg) = (this.clone(), sub.clone(), msg.clone());
                tokio::spawn(async move {
                    let _guard = guard;
                    inner.deliver(&sub, &msg).await;
                });
            }
        }
        Ok(msg.id.clone())
    }

    fn append_journal(&self, path: &Path, msg: &Message) -> Result<(), LocalPubSubError> {
        let entry = JournalEntry {
            topic: msg.topic.clone(),
            message_id: msg.id.clone(),
            publish_time: msg.publish_time,
            attributes: msg.attributes.clone(),
            data: BASE64.encode(&msg.data),
            json: serde_json::from_slice(&msg.data).ok(),
        };
        let mut line = serde_json::to_vec(&entry).map_err(|e| LocalPubSubError::Io(e.to_string()))?;
        line.push(b'\n');
        // A short local append; one lock so concurrent lines never interleave.
        let _guard = lock(&self.journal_lock);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| LocalPubSubError::Io(format!("{}: {e}", path.display())))?;
        file.write_all(&line)
            .map_err(|e| LocalPubSubError::Io(format!("{}: {e}", path.display())))
    }

    async fn deliver(self: &Arc<Self>, sub: &Subscription, msg: &Message) {
        let cfg = &sub.config;
        let mut attempt: u32 = 1;
        loop {
            sub.counters.delivered.fetch_add(1, Ordering::SeqCst);
            match self.push(sub, msg, attempt).await {
                Ok(()) => {
                    sub.counters.acked.fetch_add(1, Ordering::SeqCst);
                    return;
                }
                Err(reason) => {
                    sub.counters.nacked.fetch_add(1, Ordering::SeqCst);
                    tracing::debug!(subscription = %cfg.name, message_id = %msg.id, attempt, %reason, "push nacked");
                }
            }
            if attempt >= cfg.max_delivery_attempts {
                self.dead_letter(sub, msg, attempt);
                return;
            }
            tokio::time::sleep(backoff(cfg.min_backoff, cfg.max_backoff, attempt)).await;
            attempt += 1;
        }
    }

    fn dead_letter(self: &Arc<Self>, sub: &Subscription, msg: &Message, attempts: u32) {
        sub.counters.dead_lettered.fetch_add(1, Ordering::SeqCst);
        let mut attributes = msg.attributes.clone();
        attributes.insert(DEAD_LETTER_DELIVERY_COUNT.into(), attempts.to_string());
        attributes.insert(
            DEAD_LETTER_SUBSCRIPTION.into(),
            format!("projects/{}/subscriptions/{}", self.project, sub.config.name),
        );
        attributes.insert(DEAD_LETTER_SUBSCRIPTION_PROJECT.into(), self.project.clone());
        attributes.insert(DEAD_LETTER_PUBLISH_TIME.into(), rfc3339(msg.publish_time));
        let message = OutgoingMessage {
            data: msg.data.clone(),
            attributes,
        };
        let result = match &sub.config.dead_letter_topic {
            Some(dlq) => Inner::publish(self, dlq, message).map(drop).map_err(|e| e.to_string()),
            None => {
                let abandoned = Message {
                    topic: sub.topic.clone(),
                    id: msg.id.clone(),
                    publish_time: msg.publish_time,
                    data: message.data,
                    attributes: message.attributes,
                };
                let path = self
                    .journal_dir
                    .join(format!("{}.abandoned.jsonl", file_safe(&sub.config.name)));
                self.append_journal(&path, &abandoned).map_err(|e| e.to_string())
            }
        };
        match result {
            Ok(()) => {
                tracing::warn!(subscription = %sub.config.name, message_id = %msg.id, attempts, "message dead-lettered")
            }
            Err(reason) => {
                tracing::error!(subscription = %sub.config.name, message_id = %msg.id, %reason, "dead-lettering failed")
            }
        }
    }

    /// One push attempt: `Ok` on an ack status, `Err(reason)` on anything else.
    async fn push(&self, sub: &Subscription, msg: &Message, attempt: u32) -> Result<(), String> {
        let cfg = &sub.config;
        let subscription = format!("projects/{}/subscriptions/{}", self.project, cfg.name);
        let pubsub_message = json!({
            "data": BASE64.encode(&msg.data),
            "attributes": msg.attributes,
            "messageId": msg.id,
            "message_id": msg.id,
            "publishTime": rfc3339(msg.publish_time),
            "publish_time": rfc3339(msg.publish_time),
        });
        let request = self.http.post(cfg.endpoint.clone()).timeout(cfg.ack_deadline);
        let request = match cfg.format {
            PushFormat::PubSubEnvelope => request.json(&json!({
                "message": pubsub_message,
                "subscription": subscription,
                "deliveryAttempt": attempt,
            })),
            PushFormat::CloudEvent if msg.attributes.contains_key("ce-specversion") => {
                let mut request = request;
                let mut content_type = "application/json".to_owned();
                for (k, v) in &msg.attributes {
                    if k.eq_ignore_ascii_case("content-type") {
                        content_type = v.clone();
                    } else if k.starts_with("ce-") {
                        request = request.header(k.as_str(), v.as_str());
                    }
                }
                request
                    .header(reqwest::header::CONTENT_TYPE, content_type)
                    .body(msg.data.clone())
            }
            PushFormat::CloudEvent => request
                .header("ce-id", msg.id.as_str())
                .header(
                    "ce-source",
                    format!("//pubsub.googleapis.com/projects/{}/topics/{}", self.project, msg.topic),
                )
                .header("ce-type", "google.cloud.pubsub.topic.v1.messagePublished")
                .header("ce-specversion", "1.0")
                .header("ce-time", rfc3339(msg.publish_time))
                .json(&json!({ "message": pubsub_message, "subscription": subscription })),
        };
        match request.send().await {
            Ok(response) if ACK_STATUSES.contains(&response.status().as_u16()) => Ok(()),
            Ok(response) => Err(format!("status {}", response.status())),
            Err(e) if e.is_timeout() => Err("ack deadline exceeded".into()),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// Exponential backoff after `attempt` failed attempts, with ±25 % jitter so
/// redeliveries of many messages do not arrive in lockstep.
fn backoff(min: Duration, max: Duration, attempt: u32) -> Duration {
    let exp = min.saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
    let base = exp.min(max);
    let jitter = rand::rng().random_range(0.75..=1.25);
    base.mul_f64(jitter).min(max)
}

fn snapshot(c: &Counters) -> SubscriptionStats {
    SubscriptionStats {
        delivered: c.delivered.load(Ordering::SeqCst),
        acked: c.acked.load(Ordering::SeqCst),
        nacked: c.nacked.load(Ordering::SeqCst),
        dead_lettered: c.dead_lettered.load(Ordering::SeqCst),
    }
}

fn read_journal(path: &Path) -> Result<Vec<JournalEntry>, LocalPubSubError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(LocalPubSubError::Io(format!("{}: {e}", path.display()))),
    };
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).map_err(|e| LocalPubSubError::Io(format!("{}: {e}", path.display()))))
        .collect()
}

/// RFC 3339 UTC with a `Z`, as Pub/Sub writes times.
pub(crate) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Locks a mutex, recovering from poisoning (the protected maps stay valid).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Bytes as Body;
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::post;
    use std::sync::atomic::AtomicUsize;

    /// A recorded push request.
    #[derive(Debug, Clone)]
    pub(crate) struct Received {
        pub headers: HeaderMap,
        pub body: Vec<u8>,
    }

    /// A test endpoint on 127.0.0.1:0 whose answer to the n-th request (from 0)
    /// is decided by `answer`; `None` hangs past any deadline.
    pub(crate) async fn endpoint(
        answer: impl Fn(usize) -> Option<StatusCode> + Send + Sync + 'static,
    ) -> (Url, Arc<Mutex<Vec<Received>>>) {
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let count = Arc::new(AtomicUsize::new(0));
        let answer = Arc::new(answer);
        let rec = received.clone();
        let app = Router::new().route(
            "/",
            post(move |headers: HeaderMap, body: Body| {
                let (rec, count, answer) = (rec.clone(), count.clone(), answer.clone());
                async move {
                    let n = count.fetch_add(1, Ordering::SeqCst);
                    rec.lock().unwrap().push(Received {
                        headers,
                        body: body.to_vec(),
                    });
                    match answer(n) {
                        Some(status) => status,
                        None => {
                            tokio::time::sleep(Duration::from_secs(30)).await;
                            StatusCode::OK
                        }
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (url, received)
    }

    pub(crate) fn fast(name: &str, url: Url) -> SubscriptionConfig {
        SubscriptionConfig::push(name, url)
            .with_backoff(Duration::from_millis(10), Duration::from_millis(40))
            .with_ack_deadline(Duration::from_secs(5))
    }

    fn msg(text: &str) -> OutgoingMessage {
        OutgoingMessage {
            data: text.as_bytes().to_vec(),
            attributes: BTreeMap::from([("correlation_id".to_owned(), "c-1".to_owned())]),
        }
    }

    fn pubsub(dir: &Path) -> LocalPubSub {
        LocalPubSub::open(dir, LocalPubSubOptions::default()).unwrap()
    }

    #[tokio::test]
    async fn envelope_matches_real_push() {
        let dir = tempfile::tempdir().unwrap();
        let ps = pubsub(dir.path());
        ps.create_topic("t");
        let (url, rec) = endpoint(|_| Some(StatusCode::NO_CONTENT)).await;
        ps.subscribe_push("t", fast("s", url)).unwrap();
        let id = ps.publish("t", msg("{\"a\":1}")).await.unwrap();
        ps.wait_idle().await;
        let got = rec.lock().unwrap().clone();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].headers["content-type"], "application/json");
        let v: Value = serde_json::from_slice(&got[0].body).unwrap();
        assert_eq!(v["subscription"], "projects/local/subscriptions/s");
        assert_eq!(v["deliveryAttempt"], 1);
        let m = &v["message"];
        assert_eq!(m["messageId"], id.as_str());
        assert_eq!(m["message_id"], id.as_str());
        assert_eq!(m["attributes"]["correlation_id"], "c-1");
        assert_eq!(BASE64.decode(m["data"].as_str().unwrap()).unwrap(), b"{\"a\":1}");
        let t = m["publishTime"].as_str().unwrap();
        assert!(t.ends_with('Z') && DateTime::parse_from_rfc3339(t).is_ok());
        assert_eq!(m["publish_time"], m["publishTime"]);
        assert_eq!(
            ps.stats("s").unwrap(),
            SubscriptionStats {
                delivered: 1,
                acked: 1,
                nacked: 0,
                dead_lettered: 0
            }
        );
        let journal = ps.journal("t").unwrap();
        assert_eq!(journal.len(), 1);
        assert_eq!(journal[0].json, Some(json!({"a": 1})));
    }

    #[tokio::test]
    async fn fails_twice_then_acks() {
        let dir = tempfile::tempdir().unwrap();
        let ps = pubsub(dir.path());
        ps.create_topic("t");
        let (url, rec) = endpoint(|n| {
            Some(if n < 2 {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::OK
            })
        })
        .await;
        ps.subscribe_push("t", fast("s", url)).unwrap();
        ps.publish("t", msg("x")).await.unwrap();
        ps.wait_idle().await;
        let attempts: Vec<i64> = rec
            .lock()
            .unwrap()
            .iter()
            .map(|r| {
                serde_json::from_slice::<Value>(&r.body).unwrap()["deliveryAttempt"]
                    .as_i64()
                    .unwrap()
            })
            .collect();
        assert_eq!(attempts, [1, 2, 3]);
        assert_eq!(
            ps.stats("s").unwrap(),
            SubscriptionStats {
                delivered: 3,
                acked: 1,
                nacked: 2,
                dead_lettered: 0
            }
        );
    }

    #[tokio::test]
    async fn never_acked_goes_to_dead_letter_topic() {
        let dir = tempfile::tempdir().unwrap();
        let ps = pubsub(dir.path());
        ps.create_topic("t");
        let (url, rec) = endpoint(|_| Some(StatusCode::INTERNAL_SERVER_ERROR)).await;
        ps.subscribe_push(
            "t",
            fast("s", url).with_max_delivery_attempts(4).with_dead_letter("t-dlq"),
        )
        .unwrap();
        ps.publish("t", msg("poison")).await.unwrap();
        ps.wait_idle().await;
        assert_eq!(rec.lock().unwrap().len(), 4);
        let dlq = ps.journal("t-dlq").unwrap();
        assert_eq!(dlq.len(), 1);
        assert_eq!(dlq[0].data_bytes(), b"poison");
        assert_eq!(dlq[0].attributes[DEAD_LETTER_DELIVERY_COUNT], "4");
        assert_eq!(
            dlq[0].attributes[DEAD_LETTER_SUBSCRIPTION],
            "projects/local/subscriptions/s"
        );
        assert_eq!(dlq[0].attributes["correlation_id"], "c-1");
        assert_eq!(ps.stats("s").unwrap().dead_lettered, 1);
        // Without a dead-letter topic, the message is kept in the abandoned journal.
        let (url, _) = endpoint(|_| None).await;
        ps.create_topic("u");
        // The endpoint hangs: the ack deadline ends the only attempt.
        let cfg = fast("s2", url)
            .with_max_delivery_attempts(1)
            .with_ack_deadline(Duration::from_millis(200));
        ps.subscribe_push("u", cfg).unwrap();
        ps.publish("u", msg("lost?")).await.unwrap();
        ps.wait_idle().await;
        assert_eq!(ps.abandoned("s2").unwrap()[0].data_bytes(), b"lost?");
    }

    #[tokio::test]
    async fn hanging_endpoint_is_redelivered_after_ack_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let ps = pubsub(dir.path());
        ps.create_topic("t");
        let (url, rec) = endpoint(|n| if n == 0 { None } else { Some(StatusCode::OK) }).await;
        ps.subscribe_push("t", fast("s", url).with_ack_deadline(Duration::from_millis(300)))
            .unwrap();
        let started = std::time::Instant::now();
        ps.publish("t", msg("slow")).await.unwrap();
        ps.wait_idle().await;
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(rec.lock().unwrap().len(), 2);
        assert_eq!(
            ps.stats("s").unwrap(),
            SubscriptionStats {
                delivered: 2,
                acked: 1,
                nacked: 1,
                dead_lettered: 0
            }
        );
    }

    #[tokio::test]
    async fn duplicate_deliveries_deliver_twice() {
        let dir = tempfile::tempdir().unwrap();
        let ps = LocalPubSub::open(
            dir.path(),
            LocalPubSubOptions {
                duplicate_deliveries: true,
                ..Default::default()
            },
        )
        .unwrap();
        ps.create_topic("t");
        let (url, rec) = endpoint(|_| Some(StatusCode::OK)).await;
        ps.subscribe_push("t", fast("s", url)).unwrap();
        let id = ps.publish("t", msg("twice")).await.unwrap();
        ps.wait_idle().await;
        let got = rec.lock().unwrap().clone();
        assert_eq!(got.len(), 2);
        for r in got {
            let v: Value = serde_json::from_slice(&r.body).unwrap();
            assert_eq!(v["message"]["messageId"], id.as_str());
        }
    }

    #[tokio::test]
    async fn wait_idle_covers_messages_published_in_flight() {
        // A "function" on topic a that publishes to b before acking; b's endpoint is slow.
        let dir = tempfile::tempdir().unwrap();
        let ps = pubsub(dir.path());
        ps.create_topic("a");
        ps.create_topic("b");
        let (b_url, b_rec) = endpoint(|_| Some(StatusCode::OK)).await;
        let chained = ps.clone();
        let app = Router::new().route(
            "/",
            post(move || {
                let ps = chained.clone();
                async move {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    ps.publish("b", msg("next")).await.unwrap();
                    StatusCode::OK
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let a_url = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        ps.subscribe_push("a", fast("sa", a_url)).unwrap();
        ps.subscribe_push("b", fast("sb", b_url)).unwrap();
        for i in 0..5 {
            ps.publish("a", msg(&i.to_string())).await.unwrap();
        }
        assert!(ps.outstanding() > 0);
        ps.wait_idle().await;
        assert_eq!(ps.outstanding(), 0);
        assert_eq!(b_rec.lock().unwrap().len(), 5);
        assert_eq!(ps.stats("sb").unwrap().acked, 5);
    }

    #[tokio::test]
    async fn unknown_topic_and_unsubscribed_topic() {
        let dir = tempfile::tempdir().unwrap();
        let ps = pubsub(dir.path());
        assert!(matches!(
            ps.publish("nope", msg("x")).await,
            Err(PubSubError::UnknownTopic(_))
        ));
        ps.create_topic("quiet");
        ps.publish("quiet", msg("kept")).await.unwrap();
        ps.wait_idle().await;
        assert_eq!(ps.journal("quiet").unwrap()[0].data_bytes(), b"kept");
        let (url, _) = endpoint(|_| Some(StatusCode::OK)).await;
        assert!(matches!(
            ps.subscribe_push("nope", fast("s", url.clone())),
            Err(LocalPubSubError::UnknownTopic(_))
        ));
        ps.subscribe_push("quiet", fast("s", url.clone())).unwrap();
        assert!(matches!(
            ps.subscribe_push("quiet", fast("s", url)),
            Err(LocalPubSubError::SubscriptionExists(_))
        ));
    }

    #[tokio::test]
    async fn cloudevent_format_wraps_plain_messages() {
        let dir = tempfile::tempdir().unwrap();
        let ps = pubsub(dir.path());
        ps.create_topic("t");
        let (url, rec) = endpoint(|_| Some(StatusCode::OK)).await;
        ps.subscribe_push("t", fast("s", url).with_format(PushFormat::CloudEvent))
            .unwrap();
        let id = ps.publish("t", msg("hi")).await.unwrap();
        ps.wait_idle().await;
        let r = rec.lock().unwrap()[0].clone();
        assert_eq!(r.headers["ce-type"], "google.cloud.pubsub.topic.v1.messagePublished");
        assert_eq!(r.headers["ce-id"], id.as_str());
        assert_eq!(
            r.headers["ce-source"],
            "//pubsub.googleapis.com/projects/local/topics/t"
        );
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["message"]["messageId"], id.as_str());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let (min, max) = (Duration::from_millis(100), Duration::from_millis(1000));
        assert!(backoff(min, max, 1) <= Duration::from_millis(125));
        assert!(backoff(min, max, 3) >= Duration::from_millis(300));
        assert!(backoff(min, max, 30) <= max);
    }
}
