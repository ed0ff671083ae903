//! The local platform: the embedded cloud, every function on its own
//! 127.0.0.1 port behind the real runtime, the replay upstream, and the wiring
//! between them (the raw bucket's finalize trigger, topics, dead-letter topics).
//! `nba run` and the end-to-end tests drive the pipeline through it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::NaiveDate;
use nba_cloud::Clients;
use nba_cloud::embedded::{LocalCloud, LocalCloudOptions, ObjectFilter, SubscriptionConfig};
use nba_core::{Bucket, Config, CorrelationId, Names, Topic};
use nba_execlog::{ExecutionLogRow, WarehouseSink};
use nba_runtime::deps::RuntimeSettings;
use nba_runtime::{Function, RuntimeDeps};
use nba_schemas::Table;
use reqwest::Url;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// How the local platform is set up.
#[derive(Debug, Clone)]
pub struct PlatformOptions {
    pub config: Config,
    /// The season dataset the replay upstream serves.
    pub dataset: PathBuf,
    /// Deliver every Pub/Sub message (and finalize event) twice.
    pub duplicate_deliveries: bool,
    /// Redelivery policy of every local subscription.
    pub delivery: DeliveryPolicy,
    /// The scraper workflow (`WorkflowFile::REPLAY` for a recorded season).
    pub workflow_toml: &'static str,
    /// Faults to inject (`nba chaos`); none by default.
    pub faults: PlatformFaults,
}

/// Wraps the functions' state store (the driver's own stays whole).
pub type StateWrapper = Arc<dyn Fn(Arc<dyn nba_cloud::StateStore>) -> Arc<dyn nba_cloud::StateStore> + Send + Sync>;

/// Fault injection for the chaos drill ([`crate::chaos`]). Every field is off by default.
#[derive(Clone, Default)]
pub struct PlatformFaults {
    /// The replay upstream answers badly when this plan says so.
    pub upstream: Option<Arc<dyn nba_replay::faults::FaultPlan>>,
    /// Requests to the functions are killed when this plan says so.
    pub kills: Option<Arc<dyn crate::chaos::kills::KillPlan>>,
    /// The functions' state store, wrapped (outages).
    pub state: Option<StateWrapper>,
    /// Every upstream source's read timeout (a hang costs this much, not the default 15-20 s).
    pub upstream_read_timeout: Option<Duration>,
}

impl std::fmt::Debug for PlatformFaults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlatformFaults")
            .field("upstream", &self.upstream.is_some())
            .field("kills", &self.kills.is_some())
            .field("state", &self.state.is_some())
            .field("upstream_read_timeout", &self.upstream_read_timeout)
            .finish()
    }
}

impl PlatformOptions {
    /// A replay of the recorded season `dataset` with the default delivery policy. The
    /// lock TTL is shortened to [`LOCAL_LOCK_TTL`] when longer: the local delivery policy
    /// compresses Pub/Sub's redelivery timing, and a lock must expire within it.
    pub fn replay(mut config: Config, dataset: PathBuf, duplicate_deliveries: bool) -> Self {
        config.timeouts.lock_ttl = config.timeouts.lock_ttl.min(LOCAL_LOCK_TTL);
        PlatformOptions {
            config,
            dataset,
            duplicate_deliveries,
            delivery: DeliveryPolicy::default(),
            workflow_toml: nba_scrapers::workflow::WorkflowFile::REPLAY,
            faults: PlatformFaults::default(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct DeliveryPolicy {
    pub min_backoff: Duration,
    pub max_backoff: Duration,
    pub max_attempts: u32,
    pub ack_deadline: Duration,
}

impl Default for DeliveryPolicy {
    /// Shorter than Pub/Sub's defaults (10 s → 600 s) so a local day settles in seconds. Seven
    /// attempts make the redelivery window (about 8 s at the shortest jitter) outlast
    /// [`LOCAL_LOCK_TTL`]: a message waiting behind a dead holder's lock is still being
    /// redelivered when the lock expires (with five, the window was 2.3 s and such messages
    /// were dead-lettered, their data lost: found by `nba chaos`).
    fn default() -> Self {
        DeliveryPolicy {
            min_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_attempts: 7,
            ack_deadline: Duration::from_secs(120),
        }
    }
}

impl DeliveryPolicy {
    /// The shortest time from a message's first delivery to its last (backoffs at their
    /// lowest jitter, 75 %; the local Pub/Sub's rule).
    pub fn redelivery_window(&self) -> Duration {
        (1..self.max_attempts)
            .map(|attempt| {
                let exp = self.min_backoff.saturating_mul(1u32 << (attempt - 1).min(20));
                exp.min(self.max_backoff).mul_f64(0.75)
            })
            .sum()
    }
}

/// The lock TTL of local runs (see [`PlatformOptions::replay`]): below the default delivery
/// policy's redelivery window, above any local lock hold between two lease renewals.
pub const LOCAL_LOCK_TTL: Duration = Duration::from_secs(5);

/// Lets a caller wrap a function before it is served (fault injection in tests).
pub type FunctionHook = Arc<dyn Fn(&str, Function) -> Function + Send + Sync>;

/// A function served on a local port.
#[derive(Debug, Clone)]
pub struct RunningFunction {
    pub name: String,
    pub url: Url,
}

pub struct LocalPlatform {
    pub cloud: LocalCloud,
    pub clients: Clients,
    pub names: Names,
    pub config: Config,
    pub replay_url: Url,
    /// The published API and the dashboard (`/`).
    pub api_url: Url,
    functions: BTreeMap<String, RunningFunction>,
    shutdown: watch::Sender<bool>,
    http: reqwest::Client,
}

/// Name of the raw bucket's finalize trigger (a push subscription).
pub const RAW_FINALIZE_TRIGGER: &str = "raw-processor-finalize";
/// Days between walk-forward refits of the tree models in a replay.
pub const RETRAIN_EVERY_DAYS: i64 = 7;

/// Which topic pushes to which function, as Terraform declares the push subscriptions
/// in the cloud (the subscription is named `{function}--{topic}`). Phases 5 and 6
/// declare their own ([`nba_predictions::push_routes`], [`nba_publishing::push_routes`]).
const PUSH_ROUTES: &[(Topic, &str)] = &[
    (Topic::Phase2RawComplete, nba_analytics::ANALYTICS_FUNCTION),
    (Topic::Phase3AnalyticsComplete, nba_transitions::TRANSITIONS_FUNCTION),
    (Topic::Phase4Trigger, nba_precompute::PRECOMPUTE_FUNCTION),
    (Topic::Phase4PrecomputeComplete, nba_transitions::TRANSITIONS_FUNCTION),
    (Topic::GradingTrigger, nba_grading::GRADING_FUNCTION),
];

impl LocalPlatform {
    pub async fn start(options: PlatformOptions) -> anyhow::Result<Self> {
        Self::start_with(options, None).await
    }

    /// Starts everything; `hook` may wrap each function before it is served.
    pub async fn start_with(options: PlatformOptions, hook: Option<FunctionHook>) -> anyhow::Result<Self> {
        nba_core::tls::install_crypto_provider();
        let config = options.config.clone();
        let names = config.names();
        let cloud_options = LocalCloudOptions {
            project: config.project_id.clone(),
            duplicate_deliveries: options.duplicate_deliveries,
            ..Default::default()
        };
        let env_dir = config.env_dir();
        let cloud = LocalCloud::open(&env_dir, cloud_options)
            .with_context(|| format!("opening the local cloud in {}", env_dir.display()))?;
        let clients = cloud.clients();
        let (shutdown, _) = watch::channel(false);

        let faults = options.faults.clone();
        let replay_url = start_replay(&options.dataset, faults.upstream.clone(), shutdown.subscribe()).await?;
        // Every declared table exists before any function runs (Terraform's job in the cloud).
        for schema in nba_schemas::registry() {
            clients.warehouse.ensure_table(schema).await?;
        }
        let sink = Arc::new(WarehouseSink::new(clients.warehouse.clone()).await?);
        let deps = RuntimeDeps::new(sink).with_settings(RuntimeSettings::from_timeouts(&config.timeouts));

        let upstreams = nba_scrapers::http::Upstreams::all_at(&replay_url);
        // The replay upstream is ours and local: no rate limits, and placeholder keys (it
        // checks that a key is sent, as the real APIs do; real keys never go to it).
        use nba_scrapers::http::secrets::{BALLDONTLIE_API_KEY, BETTINGPROS_API_KEY, ODDS_API_KEY, StaticSecrets};
        let replay_keys = StaticSecrets::new()
            .with(ODDS_API_KEY, "replay-placeholder")
            .with(BALLDONTLIE_API_KEY, "replay-placeholder")
            .with(BETTINGPROS_API_KEY, "replay-placeholder");
        let mut fetcher = nba_scrapers::http::FetcherOptions::from_env()?
            .secrets(Arc::new(replay_keys))
            .rate_limiting(false);
        if let Some(timeout) = faults.upstream_read_timeout {
            for source in nba_scrapers::http::SourceId::ALL {
                fetcher = fetcher.policy(source, |p| p.read_timeout = timeout);
            }
        }
        let fetcher = fetcher.build()?;
        // The functions' clients: the same cloud, the state store wrapped when faults say so.
        let driver_clients = clients.clone();
        let clients = match &faults.state {
            Some(wrap) => nba_cloud::Clients {
                state: wrap(clients.state.clone()),
                ..clients
            },
            None => clients,
        };
        let scrape = nba_scrapers::scrape_function(&clients, &config, upstreams, fetcher);
        let mut all: Vec<(&'static str, Function)> = vec![(nba_scrapers::SCRAPE_FUNCTION, scrape)];
        all.extend(nba_raw::functions(&clients, &config));
        all.extend(nba_analytics::functions(&clients, &config));
        all.extend(nba_precompute::functions(&clients, &config));
        all.extend(nba_transitions::functions(&clients, &config));
        all.extend(nba_predictions::functions(&clients, &config));
        all.extend(nba_grading::functions(&clients, &config));
        all.extend(nba_publishing::functions(&clients, &config));

        let mut functions = BTreeMap::new();
        let serve = |name: &'static str, function: Function| {
            let function = match &hook {
                Some(hook) => hook(name, function),
                None => function,
            };
            let kills = faults.kills.clone();
            serve_function(name, function, deps.clone(), kills, shutdown.subscribe())
        };
        for (name, function) in all {
            let url = serve(name, function).await?;
            functions.insert(
                name.to_string(),
                RunningFunction {
                    name: name.to_string(),
                    url,
                },
            );
        }
        // The workflow calls the scraper function over HTTP, like any other client.
        let scrapers_url = functions[nba_scrapers::SCRAPE_FUNCTION].url.clone();
        let workflow = nba_scrapers::workflow_function(&clients, scrapers_url, options.workflow_toml)?;
        let name = nba_scrapers::workflow::WORKFLOW_FUNCTION;
        // The workflow is the scheduler's client (its tick is not redelivered): never killed.
        let url = serve_function(name, workflow, deps.clone(), None, shutdown.subscribe()).await?;
        functions.insert(
            name.to_string(),
            RunningFunction {
                name: name.to_string(),
                url,
            },
        );

        let api_url = serve_api(&clients, &config, shutdown.subscribe()).await?;
        let platform = LocalPlatform {
            cloud,
            clients: driver_clients,
            names,
            config,
            replay_url,
            api_url,
            functions,
            shutdown,
            http: reqwest::Client::builder().timeout(Duration::from_secs(600)).build()?,
        };
        platform.wire(options.delivery)?;
        Ok(platform)
    }

    /// Topics, dead-letter topics and triggers, as Terraform declares them in the cloud.
    fn wire(&self, policy: DeliveryPolicy) -> anyhow::Result<()> {
        let pubsub = self.cloud.pubsub();
        for topic in Topic::ALL {
            pubsub.create_topic(&self.names.topic(topic));
            pubsub.create_topic(&self.names.dead_letter_topic(topic));
        }
        let raw_bucket = self.names.bucket(Bucket::Raw);
        let raw = self.function_url(nba_raw::RAW_PROCESSOR_FUNCTION)?;
        let trigger =
            subscription(RAW_FINALIZE_TRIGGER, raw, policy).with_dead_letter(format!("{raw_bucket}-finalize-dlq"));
        self.cloud
            .eventarc()
            .subscribe(&raw_bucket, ObjectFilter::all().excluding("quarantine/"), trigger)?;
        let routes = PUSH_ROUTES
            .iter()
            .chain(nba_predictions::push_routes())
            .chain(nba_publishing::push_routes());
        for &(topic, function) in routes {
            self.push(topic, function, policy)?;
        }
        Ok(())
    }

    /// A push subscription of `topic` to a running function, with the topic's dead-letter twin.
    fn push(&self, topic: Topic, function: &str, policy: DeliveryPolicy) -> anyhow::Result<()> {
        let name = format!("{function}--{}", topic.id());
        let config = subscription(&name, self.function_url(function)?, policy)
            .with_dead_letter(self.names.dead_letter_topic(topic));
        self.cloud.pubsub().subscribe_push(&self.names.topic(topic), config)?;
        Ok(())
    }

    pub fn function_url(&self, name: &str) -> anyhow::Result<Url> {
        self.functions
            .get(name)
            .map(|f| f.url.clone())
            .with_context(|| format!("function {name} is not running"))
    }

    pub fn functions(&self) -> impl Iterator<Item = &RunningFunction> {
        self.functions.values()
    }

    /// One workflow tick at the simulated instant `now`: the replay upstream's
    /// clock moves there first, so it answers only what was known then.
    pub async fn tick(
        &self,
        date: NaiveDate,
        now: chrono::DateTime<chrono::Utc>,
        correlation_id: &CorrelationId,
    ) -> anyhow::Result<serde_json::Value> {
        self.set_replay_clock(now).await?;
        let url = self
            .function_url(nba_scrapers::workflow::WORKFLOW_FUNCTION)?
            .join("tick")?;
        let body = serde_json::json!({"date": date.to_string(), "now": now.to_rfc3339()});
        self.post(&url, &body, correlation_id, 1).await
    }

    /// POSTs JSON to a function as a client would, retrying 503s (transient) up to
    /// `attempts` times with backoff; returns `{http_status, answer}`.
    async fn post(
        &self,
        url: &Url,
        body: &serde_json::Value,
        correlation_id: &CorrelationId,
        attempts: u32,
    ) -> anyhow::Result<serde_json::Value> {
        let mut delay = Duration::from_millis(250);
        for attempt in 1..=attempts {
            let response = self
                .http
                .post(url.clone())
                .header(CorrelationId::HEADER, correlation_id.as_str())
                .json(body)
                .send()
                .await
                .with_context(|| format!("calling {url}"))?;
            let status = response.status();
            if status.as_u16() == 503 && attempt < attempts {
                tokio::time::sleep(delay).await;
                delay *= 2;
                continue;
            }
            let answer: serde_json::Value = response.json().await.unwrap_or(serde_json::Value::Null);
            return Ok(serde_json::json!({"http_status": status.as_u16(), "answer": answer}));
        }
        anyhow::bail!("no attempt was made to call {url}")
    }

    /// Moves the replay upstream's simulated clock.
    pub async fn set_replay_clock(&self, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<()> {
        let url = self.replay_url.join("__replay/clock")?;
        let response = self
            .http
            .put(url)
            .json(&serde_json::json!({"now": now.to_rfc3339()}))
            .send()
            .await?;
        anyhow::ensure!(
            response.status().is_success(),
            "setting the replay clock: HTTP {}",
            response.status()
        );
        Ok(())
    }

    /// Game ids of a date, from the loaded schedule.
    pub async fn game_ids(&self, date: NaiveDate) -> anyhow::Result<Vec<String>> {
        let sql = "SELECT game_id FROM nba_raw.nbac_schedule WHERE game_date = CAST(? AS DATE) ORDER BY game_id";
        let rows = self
            .clients
            .warehouse
            .query(sql, vec![serde_json::json!(date.to_string())])
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| r.get("game_id")?.as_str().map(str::to_string))
            .collect())
    }

    /// First and last tip of a date, from the loaded schedule.
    pub async fn tips(
        &self,
        date: NaiveDate,
    ) -> anyhow::Result<Option<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)>> {
        let sql = "SELECT min(tip_time_utc) AS first_tip, max(tip_time_utc) AS last_tip \
                   FROM nba_raw.nbac_schedule WHERE game_date = CAST(? AS DATE)";
        let rows = self
            .clients
            .warehouse
            .query(sql, vec![serde_json::json!(date.to_string())])
            .await?;
        let tip = |key: &str| {
            rows.first()
                .and_then(|r| r.get(key))
                .and_then(|v| v.as_str())
                .and_then(|s| s.parse().ok())
        };
        Ok(tip("first_tip").zip(tip("last_tip")))
    }

    /// Runs one scraper through its HTTP function, as the workflow does, and
    /// returns the function's answer. Retries while the function answers 503.
    pub async fn scrape(
        &self,
        scraper: &str,
        date: NaiveDate,
        options: &[(&str, &str)],
        correlation_id: &CorrelationId,
    ) -> anyhow::Result<serde_json::Value> {
        let url = self.function_url(nba_scrapers::SCRAPE_FUNCTION)?.join("scrape")?;
        let mut body = serde_json::json!({"scraper": scraper, "date": date.to_string()});
        for (key, value) in options {
            body[*key] = serde_json::json!(value);
        }
        self.post(&url, &body, correlation_id, 4).await
    }

    /// Trains the tree systems on everything before `date` when the newest model is
    /// older than [`RETRAIN_EVERY_DAYS`] (weekly walk-forward refits, as a scheduler
    /// would run `nba train` in the cloud). Returns the report when it trained.
    pub async fn retrain_if_stale(&self, date: NaiveDate) -> anyhow::Result<Option<crate::train::TrainReport>> {
        let bucket = self.names.bucket(Bucket::Models);
        let store = nba_predictions::models::ModelStore::new(self.clients.objects.clone(), bucket.clone());
        let latest = store.latest_cutoff(nba_systems::gbt::GBT_SQUARED_ID, date).await?;
        let fresh = latest.is_some_and(|to| (date - to).num_days() < RETRAIN_EVERY_DAYS);
        if fresh {
            return Ok(None);
        }
        let report = crate::train::train(
            self.clients.warehouse.as_ref(),
            self.clients.objects.clone(),
            &bucket,
            date,
        )
        .await?;
        Ok(Some(report))
    }

    /// Publishes `nba-grading-trigger` for `date` (Cloud Scheduler's job in the cloud,
    /// once the night's games are final).
    pub async fn grade(&self, date: NaiveDate, correlation_id: &CorrelationId) -> anyhow::Result<()> {
        let trigger = nba_grading::GradingTrigger {
            game_date: date,
            correlation_id: correlation_id.to_string(),
        };
        self.schedule(Topic::GradingTrigger, &trigger, date, correlation_id)
            .await
    }

    /// Publishes `nba-phase6-export-trigger` for `date` (Cloud Scheduler's job in the cloud):
    /// the day's status is published even when no batch reached the publishing gate.
    pub async fn export(&self, date: NaiveDate, correlation_id: &CorrelationId) -> anyhow::Result<()> {
        let trigger = nba_core::messages::ExportTrigger {
            game_date: date,
            correlation_id: correlation_id.to_string(),
            reason: nba_core::messages::ExportReason::Scheduled,
        };
        self.schedule(Topic::Phase6ExportTrigger, &trigger, date, correlation_id)
            .await
    }

    /// Publishes a scheduler's message on `topic`.
    async fn schedule(
        &self,
        topic: Topic,
        body: &impl serde::Serialize,
        date: NaiveDate,
        correlation_id: &CorrelationId,
    ) -> anyhow::Result<()> {
        let attrs = nba_core::messages::attributes::completion(correlation_id.as_str(), "scheduler", "success", date);
        self.clients
            .publisher
            .publish(&self.names.topic(topic), nba_cloud::OutgoingMessage::json(body, attrs))
            .await?;
        Ok(())
    }

    /// The afternoon is over: when tonight's context still has no lines (the day's props never
    /// came), asks the transitions to decide as if the lines' wait had run out, so the day still
    /// gets its features and PASS/NO_LINE predictions. A replay compresses the afternoon, so the
    /// wait is moved forward rather than slept through. Returns whether the tick was sent.
    pub async fn lines_deadline(&self, date: NaiveDate, correlation_id: &CorrelationId) -> anyhow::Result<bool> {
        if nba_transitions::phase3_to_4::lines_are_in(self.clients.warehouse.as_ref(), date).await? {
            return Ok(false);
        }
        let tick = nba_transitions::TransitionTick {
            game_date: date,
            now: chrono::Utc::now() + nba_transitions::phase3_to_4::LINES_WAIT,
        };
        let attrs = nba_core::messages::attributes::completion(correlation_id.as_str(), "scheduler", "success", date);
        self.clients
            .publisher
            .publish(
                &self.names.topic(Topic::Phase3AnalyticsComplete),
                nba_cloud::OutgoingMessage::json(&tick, attrs),
            )
            .await?;
        Ok(true)
    }

    /// Waits until no message or event is pending or in flight.
    pub async fn settle(&self) {
        self.cloud.pubsub().wait_idle().await;
    }

    /// Execution-log rows of one chain, oldest first.
    pub async fn executions(&self, correlation_id: &CorrelationId) -> anyhow::Result<Vec<ExecutionLogRow>> {
        let sql = format!(
            "SELECT * FROM {} WHERE correlation_id = ? ORDER BY started_at",
            ExecutionLogRow::SCHEMA.qualified_name()
        );
        let rows = self
            .clients
            .warehouse
            .query(&sql, vec![serde_json::Value::String(correlation_id.to_string())])
            .await?;
        rows.into_iter()
            .map(|r| ExecutionLogRow::from_row(r).context("reading an execution-log row"))
            .collect()
    }

    /// Messages dead-lettered so far, over every subscription.
    pub fn dead_lettered(&self) -> u64 {
        self.cloud.pubsub().all_stats().values().map(|s| s.dead_lettered).sum()
    }

    /// Stops every server (in-flight requests drain).
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        // Give the servers a moment to close their listeners.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn subscription(name: &str, endpoint: Url, policy: DeliveryPolicy) -> SubscriptionConfig {
    SubscriptionConfig::push(name, endpoint)
        .with_backoff(policy.min_backoff, policy.max_backoff)
        .with_max_delivery_attempts(policy.max_attempts)
        .with_ack_deadline(policy.ack_deadline)
}

async fn wait_for(mut shutdown: watch::Receiver<bool>) {
    while !*shutdown.borrow() {
        if shutdown.changed().await.is_err() {
            return;
        }
    }
}

async fn serve_function(
    name: &str,
    function: Function,
    deps: RuntimeDeps,
    kills: Option<Arc<dyn crate::chaos::kills::KillPlan>>,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<Url> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let router = nba_runtime::server::router(name, function, deps);
    // Outermost, so a kill drops the runtime's whole invocation (its execution-log row too).
    let router = match kills {
        Some(plan) => router.layer(axum::middleware::from_fn_with_state(
            crate::chaos::kills::KillLayer {
                function: name.into(),
                plan,
            },
            crate::chaos::kills::layer,
        )),
        None => router,
    };
    let label = name.to_string();
    tokio::spawn(async move {
        if let Err(e) = nba_runtime::server::serve_on(listener, router, wait_for(shutdown)).await {
            tracing::error!(function = %label, error = %e, "function server stopped");
        }
    });
    Ok(Url::parse(&format!("http://{addr}/"))?)
}

/// The API and dashboard on a local port (a plain router: the read path writes no
/// execution-log row per request).
async fn serve_api(clients: &Clients, config: &Config, shutdown: watch::Receiver<bool>) -> anyhow::Result<Url> {
    let router = nba_publishing::api_router(clients, config).context("building the API")?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(e) = nba_runtime::server::serve_on(listener, router, wait_for(shutdown)).await {
            tracing::error!(error = %e, "API server stopped");
        }
    });
    Ok(Url::parse(&format!("http://{addr}/"))?)
}

async fn start_replay(
    dataset: &std::path::Path,
    faults: Option<Arc<dyn nba_replay::faults::FaultPlan>>,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<Url> {
    let dataset = nba_replay::Dataset::open(dataset)?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = nba_replay::router_with_faults(dataset, nba_replay::Clock::real(), faults);
    tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(wait_for(shutdown))
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "replay upstream stopped");
        }
    });
    Ok(Url::parse(&format!("http://{addr}/"))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A message waiting behind a dead holder's lock must still be redelivered once the
    /// lock has expired, or it is dead-lettered and its data lost.
    #[test]
    fn the_local_redelivery_window_outlasts_the_local_lock_ttl() {
        let window = DeliveryPolicy::default().redelivery_window();
        assert!(window > LOCAL_LOCK_TTL, "{window:?}");
        let five = DeliveryPolicy {
            max_attempts: 5,
            ..Default::default()
        };
        assert!(
            five.redelivery_window() < LOCAL_LOCK_TTL,
            "the old policy was too short"
        );
        let config = PlatformOptions::replay(Config::default(), PathBuf::from("d"), false).config;
        assert_eq!(config.timeouts.lock_ttl, LOCAL_LOCK_TTL);
    }
}
