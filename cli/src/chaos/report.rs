//! The drill's verdict: faults by kind (injected, recovered, quarantined, lost), the tables
//! that differ from the clean run, and every failed run and dead-lettered message with the
//! fault that explains it.
//!
//! - recovered: the fault's data still arrived (the URL was answered truly afterwards; the
//!   killed or refused request was answered 2xx on a redelivery or retry);
//! - quarantined: the bad body the fault served is kept under `quarantine/` (with its reason);
//! - lost: the data never arrived (must be 0).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use anyhow::Context;
use base64::Engine as _;
use chrono::NaiveDate;
use nba_cloud::embedded::JournalEntry;
use nba_core::Bucket;
use nba_execlog::ExecutionLogRow;
use nba_schemas::Table;
use serde::Serialize;
use sha2::Digest;

use super::fingerprint::{TableDiff, TableFingerprint};
use super::kills::KillLedger;
use super::outage::{OUTAGE_MARKER, Outage};
use super::upstream::UpstreamInjection;
use crate::platform::LocalPlatform;

/// What the chaos run left behind, read before its platform stops.
#[derive(Debug, Default)]
pub struct Evidence {
    pub executions: Vec<ExecutionLogRow>,
    /// Messages in dead-letter topics.
    pub dead_letters: Vec<JournalEntry>,
    /// Every journaled message by id (to find a dead letter's original).
    pub published: BTreeMap<String, String>,
    /// Messages and events published on pipeline topics (each delivered twice).
    pub messages: u64,
    /// SHA-256 of every object under `quarantine/` in the raw bucket, with its name and reason.
    pub quarantined: BTreeMap<String, (String, String)>,
    /// Dead-lettered storage events (by data) whose object the raw processor finished anyway.
    pub loaded_anyway: BTreeSet<String>,
}

/// The object a dead-lettered storage notification named, if it is one.
fn dead_storage_object(data: &str) -> Option<nba_dedup::EventKey> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(data).ok()?;
    let object: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let generation = match &object["generation"] {
        serde_json::Value::String(g) => g.parse().ok()?,
        g => g.as_i64()?,
    };
    Some(nba_dedup::EventKey::Object {
        bucket: object["bucket"].as_str()?.to_string(),
        name: object["name"].as_str()?.to_string(),
        generation,
    })
}

impl Evidence {
    pub async fn gather(platform: &LocalPlatform) -> anyhow::Result<Evidence> {
        let sql = format!("SELECT * FROM {}", ExecutionLogRow::SCHEMA.qualified_name());
        let executions = platform
            .clients
            .warehouse
            .query(&sql, Vec::new())
            .await?
            .into_iter()
            .map(|r| ExecutionLogRow::from_row(r).context("reading an execution-log row"))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut evidence = Evidence {
            executions,
            ..Default::default()
        };
        let journals = platform.cloud.root().join("pubsub");
        for entry in std::fs::read_dir(&journals).with_context(|| format!("reading {}", journals.display()))? {
            let path = entry?.path();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            if !name.ends_with(".jsonl") || name.ends_with(".abandoned.jsonl") {
                continue;
            }
            let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            let dead_letter_topic = name.trim_end_matches(".jsonl").ends_with("dlq");
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let entry: JournalEntry =
                    serde_json::from_str(line).with_context(|| format!("a line of {}", path.display()))?;
                if dead_letter_topic {
                    evidence.dead_letters.push(entry);
                } else {
                    evidence.messages += 1;
                    evidence.published.insert(entry.data.clone(), entry.message_id.clone());
                }
            }
        }
        // A storage event dead-lettered while it waited behind killed batch-lock holders is
        // explained when its object was loaded all the same (the batch that took the lock over
        // takes every pending object of the date); one whose object never was is not.
        let claims = nba_raw::claim::Claims::new(platform.clients.state.clone(), &platform.names);
        for dead in &evidence.dead_letters {
            if let Some(key) = dead_storage_object(&dead.data)
                && claims.done_status(&key).await?.is_some()
            {
                evidence.loaded_anyway.insert(dead.data.clone());
            }
        }
        let bucket = platform.names.bucket(Bucket::Raw);
        let objects = &platform.clients.objects;
        for meta in objects.list(&bucket, "quarantine/").await? {
            let body = objects.get(&bucket, &meta.name).await?;
            let reason = meta
                .metadata
                .get("reason")
                .map(|r| {
                    let field = meta.metadata.get("field").map(String::as_str).unwrap_or("?");
                    let source = meta.metadata.get("source").map(String::as_str).unwrap_or("?");
                    format!("{source}, field {field}: {r}")
                })
                .unwrap_or_else(|| "no reason recorded".into());
            evidence
                .quarantined
                .insert(hex::encode(sha2::Sha256::digest(&body)), (meta.name.clone(), reason));
        }
        Ok(evidence)
    }
}

/// Everything the report is built from.
pub struct Inputs<'a> {
    pub seed: u64,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub days: usize,
    pub clean_elapsed: Option<Duration>,
    pub chaos_elapsed: Duration,
    pub total_elapsed: Duration,
    pub upstream: Vec<UpstreamInjection>,
    pub upstream_ok: &'a dyn Fn(&str) -> bool,
    pub kills: KillLedger,
    pub outages: Vec<Outage>,
    pub evidence: Evidence,
    pub diffs: Vec<TableDiff>,
    pub fingerprints: Vec<TableFingerprint>,
    pub clean_fingerprints: Vec<TableFingerprint>,
    pub lock_ttl: Duration,
}

/// One line of the summary table.
#[derive(Debug, Clone, Default, Serialize)]
pub struct KindRow {
    pub kind: String,
    pub injected: u64,
    pub recovered: u64,
    pub quarantined: u64,
    pub lost: u64,
}

/// A failed run or a dead letter, and what explains it (`None`: nothing does).
#[derive(Debug, Clone, Serialize)]
pub struct Explained {
    pub what: String,
    pub because: Option<String>,
}

/// The drill's verdict (printed, and written as `chaos-report.json`).
#[derive(Debug, Serialize)]
pub struct ChaosReport {
    pub seed: u64,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub days: usize,
    pub clean_run_secs: Option<f64>,
    pub chaos_run_secs: f64,
    pub total_secs: f64,
    pub faults: Vec<KindRow>,
    /// Kills that landed while the killed request held a lock (name of the lock).
    pub kills_in_lock: Vec<String>,
    pub tables_compared: usize,
    pub table_diffs: Vec<TableDiff>,
    pub failed_runs: Vec<Explained>,
    pub dead_letters: Vec<Explained>,
    /// Bad bodies kept in quarantine, with their reasons.
    pub quarantine: Vec<(String, String)>,
    pub fingerprints: Vec<TableFingerprint>,
}

impl ChaosReport {
    pub fn build(inputs: Inputs<'_>) -> ChaosReport {
        let Inputs {
            seed,
            from,
            to,
            days,
            clean_elapsed,
            chaos_elapsed,
            total_elapsed,
            upstream,
            upstream_ok,
            kills,
            outages,
            evidence,
            diffs,
            fingerprints,
            clean_fingerprints,
            lock_ttl,
        } = inputs;
        let mut rows: BTreeMap<String, KindRow> = BTreeMap::new();
        let mut tally = |kind: &str, recovered: bool, quarantined: bool| {
            let row = rows.entry(kind.to_string()).or_insert_with(|| KindRow {
                kind: kind.to_string(),
                ..Default::default()
            });
            row.injected += 1;
            row.recovered += u64::from(recovered);
            row.quarantined += u64::from(quarantined);
            row.lost += u64::from(!recovered);
        };
        for injection in &upstream {
            let quarantined = injection.bad_body && evidence.quarantined.contains_key(&injection.body_sha256);
            tally(injection.kind, upstream_ok(&injection.target), quarantined);
        }
        for (function, key, _, in_lock) in &kills.kills {
            let kind = if in_lock.is_some() {
                "function_kill_holding_lock"
            } else {
                "function_kill"
            };
            tally(kind, kills.recovered(function, key), false);
        }
        for outage in &outages {
            let recovered = outage.requests.iter().all(|(f, k)| kills.recovered(f, k));
            tally("state_store_outage", recovered, false);
        }
        // Every message was delivered twice; a copy too many would show as extra rows.
        let extra_rows = diffs.iter().any(|d| !d.only_in_chaos.is_empty());
        let duplicates = KindRow {
            kind: "duplicate_delivery".into(),
            injected: evidence.messages,
            recovered: if extra_rows { 0 } else { evidence.messages },
            quarantined: 0,
            lost: 0,
        };
        let mut faults: Vec<KindRow> = std::iter::once(duplicates).chain(rows.into_values()).collect();
        faults.sort_by(|a, b| a.kind.cmp(&b.kind));

        let explain = Explainer {
            upstream: &upstream,
            kills: &kills,
            outages: &outages,
        };
        let failed_runs = evidence
            .executions
            .iter()
            .filter(|e| e.status == "failed")
            .map(|e| Explained {
                what: format!(
                    "{} {} ({}): {}",
                    e.function_name,
                    e.execution_id,
                    e.error_class.as_deref().unwrap_or("-"),
                    e.error_message.as_deref().or(e.message.as_deref()).unwrap_or("failed")
                ),
                because: explain.failure(e, lock_ttl),
            })
            .collect();
        let dead_letters = evidence
            .dead_letters
            .iter()
            .map(|d| {
                let original = evidence.published.get(&d.data);
                let subscription = d
                    .attributes
                    .get("CloudPubSubDeadLetterSourceSubscription")
                    .cloned()
                    .unwrap_or_default();
                let attempts = d
                    .attributes
                    .get("CloudPubSubDeadLetterSourceDeliveryCount")
                    .cloned()
                    .unwrap_or_default();
                let body = base64::engine::general_purpose::STANDARD
                    .decode(&d.data)
                    .map(|b| String::from_utf8_lossy(&b).chars().take(160).collect::<String>())
                    .unwrap_or_default();
                Explained {
                    what: format!("{} after {attempts} attempts from {subscription}: {body}", d.topic),
                    because: original
                        .and_then(|id| explain.message(&format!("message:{id}")))
                        .or_else(|| {
                            evidence.loaded_anyway.contains(&d.data).then(|| {
                                format!(
                                    "its object was loaded by another delivery's batch ({} kill(s) while holding a lock)",
                                    kills.kills.iter().filter(|k| k.3.is_some()).count()
                                )
                            })
                        }),
                }
            })
            .collect();
        ChaosReport {
            seed,
            from,
            to,
            days,
            clean_run_secs: clean_elapsed.map(|d| d.as_secs_f64()),
            chaos_run_secs: chaos_elapsed.as_secs_f64(),
            total_secs: total_elapsed.as_secs_f64(),
            faults,
            kills_in_lock: kills.kills.iter().filter_map(|k| k.3.clone()).collect(),
            tables_compared: clean_fingerprints.len(),
            table_diffs: diffs,
            failed_runs,
            dead_letters,
            quarantine: evidence.quarantined.into_values().collect(),
            fingerprints,
        }
    }

    pub fn lost(&self) -> u64 {
        self.faults.iter().map(|r| r.lost).sum()
    }

    pub fn unexplained(&self) -> usize {
        self.failed_runs
            .iter()
            .chain(&self.dead_letters)
            .filter(|e| e.because.is_none())
            .count()
    }

    /// The drill passed: nothing lost, the same tables, everything explained.
    pub fn passed(&self) -> bool {
        self.lost() == 0 && self.table_diffs.is_empty() && self.unexplained() == 0
    }

    pub fn render(&self) -> String {
        let mut out = format!(
            "\nnba chaos --seed {} --from {} --to {}: {} day(s); chaos replay {:.0} s{}\n\n",
            self.seed,
            self.from,
            self.to,
            self.days,
            self.chaos_run_secs,
            self.clean_run_secs
                .map(|s| format!(", clean replay {s:.0} s"))
                .unwrap_or_else(|| ", clean replay reused".into()),
        );
        out.push_str(&format!(
            "{:<28} {:>9} {:>10} {:>12} {:>5}\n",
            "fault", "injected", "recovered", "quarantined", "lost"
        ));
        let mut total = KindRow::default();
        for r in &self.faults {
            out.push_str(&format!(
                "{:<28} {:>9} {:>10} {:>12} {:>5}\n",
                r.kind, r.injected, r.recovered, r.quarantined, r.lost
            ));
            total.injected += r.injected;
            total.recovered += r.recovered;
            total.quarantined += r.quarantined;
            total.lost += r.lost;
        }
        out.push_str(&format!(
            "{:<28} {:>9} {:>10} {:>12} {:>5}\n",
            "total", total.injected, total.recovered, total.quarantined, total.lost
        ));
        out.push_str(&format!(
            "\nkills while holding a lock: {}\n",
            if self.kills_in_lock.is_empty() {
                "none".to_string()
            } else {
                self.kills_in_lock.join(", ")
            }
        ));
        out.push_str(&format!(
            "tables: {} compared, {} differ from the clean run\n",
            self.tables_compared,
            self.table_diffs.len()
        ));
        for d in &self.table_diffs {
            out.push_str(&format!(
                "  ✗ {}: {} rows clean, {} rows chaos\n",
                d.table, d.clean_rows, d.chaos_rows
            ));
            for r in &d.only_in_clean {
                out.push_str(&format!("      only clean: {r}\n"));
            }
            for r in &d.only_in_chaos {
                out.push_str(&format!("      only chaos: {r}\n"));
            }
            for r in &d.changed {
                out.push_str(&format!("      changed: {r}\n"));
            }
        }
        let section = |title: &str, items: &[Explained], out: &mut String| {
            let unexplained = items.iter().filter(|e| e.because.is_none()).count();
            out.push_str(&format!("{title}: {} ({unexplained} unexplained)\n", items.len()));
            let mut by_cause: BTreeMap<&str, u64> = BTreeMap::new();
            for e in items {
                match &e.because {
                    Some(b) => *by_cause.entry(b.as_str()).or_default() += 1,
                    None => out.push_str(&format!("  ✗ unexplained: {}\n", e.what)),
                }
            }
            for (cause, n) in by_cause {
                out.push_str(&format!("  {n:>4} × {cause}\n"));
            }
        };
        section("failed runs in the execution log", &self.failed_runs, &mut out);
        section("dead-lettered messages", &self.dead_letters, &mut out);
        out.push_str(&format!("bad bodies in quarantine: {}\n", self.quarantine.len()));
        out.push_str(&format!(
            "\n{}\n",
            if self.passed() {
                "PASSED: nothing lost, every table identical to the clean run, every failure explained"
            } else {
                "FAILED"
            }
        ));
        out
    }
}

/// Finds the injected fault behind a failed run or a dead letter.
struct Explainer<'a> {
    upstream: &'a [UpstreamInjection],
    kills: &'a KillLedger,
    outages: &'a [Outage],
}

impl Explainer<'_> {
    fn failure(&self, e: &ExecutionLogRow, lock_ttl: Duration) -> Option<String> {
        let text = format!(
            "{} {}",
            e.error_message.as_deref().unwrap_or(""),
            e.message.as_deref().unwrap_or("")
        );
        if text.contains(OUTAGE_MARKER) {
            return Some("state store outage (injected)".into());
        }
        let upstream_kinds: BTreeSet<&str> = self
            .upstream
            .iter()
            .filter(|i| text.contains(path_of(&i.target)))
            .map(|i| i.kind)
            .collect();
        if e.function_name == nba_scrapers::SCRAPE_FUNCTION && !upstream_kinds.is_empty() {
            let kinds: Vec<&str> = upstream_kinds.into_iter().collect();
            return Some(format!("upstream fault on its URL ({})", kinds.join(", ")));
        }
        let lock_kills = self.kills.kills.iter().filter(|k| k.3.is_some()).count();
        let waited_on_lock = [
            "being consolidated by",
            "lock held",
            "is held by",
            "is being processed by",
        ]
        .iter()
        .any(|m| text.contains(m));
        if lock_kills + self.kills.kills.len() > 0 && waited_on_lock {
            return Some(format!(
                "waited on a lock or claim left by a killed holder (expires after {} s)",
                lock_ttl.as_secs()
            ));
        }
        self.message(&format!("message:{}", e.trigger_event_id))
    }

    /// The faults recorded against one message (by its id).
    fn message(&self, key: &str) -> Option<String> {
        let killed = self.kills.kills.iter().filter(|k| k.1 == key).count();
        let refused = self
            .outages
            .iter()
            .filter(|o| o.requests.iter().any(|(_, k)| k == key))
            .count();
        match (killed, refused) {
            (0, 0) => None,
            (k, 0) => Some(format!("its message was killed {k} time(s)")),
            (0, r) => Some(format!("its message met {r} state store outage(s)")),
            (k, r) => Some(format!("its message was killed {k} time(s) and met {r} outage(s)")),
        }
    }
}

/// The path of a `path?query` target.
fn path_of(target: &str) -> &str {
    target.split('?').next().unwrap_or(target)
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    use super::dead_storage_object;

    /// A dead-lettered finalize notification names its object (the generation comes as a
    /// string in GCS's JSON), so the report can ask whether it was loaded anyway.
    #[test]
    fn a_dead_storage_notification_names_its_object() {
        let body = serde_json::json!({
            "kind": "storage#object", "bucket": "nba-scraped-data",
            "name": "odds-api/player-props/2024-10-22/abc/20241022_213000.json",
            "generation": "1796255673801579"
        });
        let data = base64::engine::general_purpose::STANDARD.encode(body.to_string());
        assert_eq!(
            dead_storage_object(&data),
            Some(nba_dedup::EventKey::Object {
                bucket: "nba-scraped-data".into(),
                name: "odds-api/player-props/2024-10-22/abc/20241022_213000.json".into(),
                generation: 1_796_255_673_801_579,
            })
        );
        let message = base64::engine::general_purpose::STANDARD.encode(r#"{"batch_id":"x"}"#);
        assert_eq!(dead_storage_object(&message), None);
    }
}
