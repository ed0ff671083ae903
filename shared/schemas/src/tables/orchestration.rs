//! `nba_orchestration`: how the pipeline ran.

use chrono::{DateTime, NaiveDate, Utc};

use crate::Check;

const STATUSES: &[&str] = &["success", "no_data", "partial", "failed", "skipped"];
const NON_NEGATIVE: Check = Check::Range { min: 0.0, max: 1e12 };

table! {
    /// One row per function invocation, including failures.
    pub struct ProcessorExecutionLog in Orchestration."processor_execution_log" {
        partition_by: Some("run_date"),
        cluster_by: ["function_name", "status"],
        keys: ["execution_id"],
        strategy: Append,
        require_partition_filter: false,
    }
    columns {
        /// Unique id of this invocation.
        execution_id: String => [Check::NonEmpty],
        /// Registered function name (FUNCTION_TARGET).
        function_name: String => [Check::NonEmpty],
        /// CloudEvent id, Pub/Sub message id or HTTP request id.
        trigger_event_id: String,
        /// Signature type that served it.
        trigger_type: String => [Check::OneOf(&["http", "cloudevent", "event"])],
        /// CloudEvent type, when event-triggered.
        event_type: Option<String>,
        /// Chain id born at the first scraper run.
        correlation_id: String => [Check::NonEmpty],
        /// What the run read (object paths, dates), as a JSON array.
        inputs: serde_json::Value,
        /// success, no_data, partial, failed or skipped.
        status: String => [Check::OneOf(STATUSES)],
        rows_read: i64 => [NON_NEGATIVE],
        rows_written: i64 => [NON_NEGATIVE],
        /// Rows already present with the same content hash.
        rows_unchanged: i64 => [NON_NEGATIVE],
        rows_rejected: i64 => [NON_NEGATIVE],
        /// Game date (ET) the run was about, when it has one.
        game_date: Option<NaiveDate>,
        /// ET date the run started.
        run_date: NaiveDate,
        started_at: DateTime<Utc>,
        duration_ms: i64 => [NON_NEGATIVE],
        /// Delivery attempt of the triggering message, when known.
        delivery_attempt: Option<i64>,
        /// transient, bad_input, bad_request, internal, panic.
        error_class: Option<String>,
        /// Sanitised error message (secrets redacted).
        error_message: Option<String>,
        /// Short note (why skipped, what was quarantined).
        message: Option<String>,
    }
}

table! {
    /// Inputs that can never be processed, kept with the reason (the object itself
    /// is copied under `quarantine/` in its bucket).
    pub struct QuarantinedInput in Orchestration."quarantined_inputs" {
        partition_by: None,
        cluster_by: ["source_name"],
        keys: ["original_uri", "reason"],
        strategy: InsertNewOnly,
        require_partition_filter: false,
    }
    columns {
        quarantined_at: DateTime<Utc>,
        function_name: String,
        /// Upstream source of the input (e.g. nbac_schedule).
        source_name: String,
        /// gs://bucket/name#generation of the bad input.
        original_uri: String,
        /// Where the kept copy is.
        quarantine_uri: String,
        /// The offending field (JSON path).
        field: String,
        reason: String,
        correlation_id: String,
        execution_id: String,
    }
}

table! {
    /// Every decision of the scraper workflow: what ran, what was skipped, and why.
    pub struct WorkflowDecision in Orchestration."workflow_decisions" {
        partition_by: Some("game_date"),
        cluster_by: ["step", "scraper"],
        keys: ["execution_id", "step", "scraper", "game_id", "event_id", "team"],
        strategy: Append,
        require_partition_filter: false,
    }
    columns {
        game_date: NaiveDate,
        /// The instant the workflow decided for (simulated in replays).
        tick_at: DateTime<Utc>,
        decided_at: DateTime<Utc>,
        step: String,
        scraper: String,
        /// run or skip.
        decision: String => [Check::OneOf(&["run", "skip"])],
        reason: String,
        game_id: Option<String>,
        event_id: Option<String>,
        team: Option<String>,
        /// The scraper's answer status (success, no_data, failed, error) when it ran.
        scraper_status: Option<String>,
        gcs_path: Option<String>,
        correlation_id: String,
        execution_id: String,
    }
}

table! {
    /// Every evaluation of a phase transition (phase 3->4, phase 4->5): what was complete,
    /// what was missing, and whether it fired. One row per (date, transition, mode, trigger,
    /// decision): a redelivered message or a repeated tick deciding the same writes nothing;
    /// one deciding differently (it fired what its first delivery left waiting) is kept.
    pub struct PhaseTransitionDecision in Orchestration."phase_transition_decisions" {
        partition_by: Some("game_date"),
        cluster_by: ["transition", "decision"],
        keys: ["game_date", "transition", "mode", "trigger_id", "decision"],
        strategy: InsertNewOnly,
        require_partition_filter: false,
    }
    columns {
        decided_at: DateTime<Utc>,
        /// The game date whose completions were evaluated.
        game_date: NaiveDate,
        /// phase3_to_phase4 or phase4_to_phase5.
        transition: String => [Check::OneOf(&["phase3_to_phase4", "phase4_to_phase5"])],
        /// same_day or overnight.
        mode: String => [Check::OneOf(&["same_day", "overnight"])],
        /// triggered, waiting, blocked or already_triggered.
        decision: String => [Check::OneOf(&["triggered", "waiting", "blocked", "already_triggered"])],
        reason: String,
        /// Processors complete at the evaluation, as a JSON array.
        completed: serde_json::Value,
        /// Expected processors not complete yet, as a JSON array.
        missing: serde_json::Value,
        /// The game date the published trigger is for (phase 3->4 overnight: the next game date).
        target_date: Option<NaiveDate>,
        /// Share of the date's players with a quality-ready feature vector, when checked.
        quality_ready_share: Option<f64>,
        /// Pub/Sub message id of the completion, or `tick:<instant>` for a clock tick.
        trigger_id: String => [Check::NonEmpty],
        correlation_id: String,
        execution_id: String,
    }
}

pub const TABLES: &[&crate::TableSchema] = &[
    <ProcessorExecutionLog as crate::Table>::SCHEMA,
    <QuarantinedInput as crate::Table>::SCHEMA,
    <WorkflowDecision as crate::Table>::SCHEMA,
    <PhaseTransitionDecision as crate::Table>::SCHEMA,
];
