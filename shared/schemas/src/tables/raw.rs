//! `nba_raw`: upstream responses as validated rows, one table per scraped kind.

use chrono::{DateTime, NaiveDate, Utc};

use crate::Check;

/// NBA game ids: `00` + type digit (1 preseason … 6 cup final) + 2-digit season + 5-digit sequence.
pub const NBA_GAME_ID: Check = Check::Pattern(r"^00[1-6]\d{7}$");
/// Three-letter NBA tricodes.
pub const TRICODE: Check = Check::Pattern(r"^[A-Z]{3}$");
pub const SEASON_TYPES: &[&str] = &[
    "Preseason",
    "Regular Season",
    "All-Star",
    "Playoffs",
    "Play-In",
    "NBA Cup",
];

table! {
    /// One row per scheduled game (NBA.com `scheduleleaguev2int`); merged on game_id
    /// because status and scores change.
    pub struct NbacSchedule in Raw."nbac_schedule" {
        partition_by: Some("game_date"),
        cluster_by: ["game_id", "home_team_tricode", "away_team_tricode"],
        keys: ["game_id"],
        strategy: MergeOnKeys,
        require_partition_filter: false,
    }
    columns {
        /// NBA game id, e.g. 0022400561.
        game_id: String => [NBA_GAME_ID],
        /// ET calendar date of the game.
        game_date: NaiveDate,
        /// Readable id YYYYMMDD_AWAY_HOME.
        game_code: String => [Check::Pattern(r"^\d{8}_[A-Z]{3}_[A-Z]{3}$")],
        /// Season label, e.g. 2024-25.
        season: String => [Check::Pattern(r"^\d{4}-\d{2}$")],
        season_type: String => [Check::OneOf(SEASON_TYPES)],
        /// 1 scheduled, 2 live, 3 final.
        game_status: i64 => [Check::Range { min: 1.0, max: 3.0 }],
        game_status_text: String,
        /// Scheduled tip in UTC; null when the time is still TBD.
        tip_time_utc: Option<DateTime<Utc>>,
        home_team_id: i64,
        home_team_tricode: String => [TRICODE],
        away_team_id: i64,
        away_team_tricode: String => [TRICODE],
        home_score: Option<i64> => [Check::Range { min: 0.0, max: 250.0 }],
        away_score: Option<i64> => [Check::Range { min: 0.0, max: 250.0 }],
        arena_name: Option<String>,
        arena_city: Option<String>,
        is_neutral: bool,
        /// N, or Y when postponed.
        postponed_status: Option<String>,
        game_label: Option<String>,
        game_sub_label: Option<String>,
        /// Raw object the row came from.
        source_file: String,
        /// Content hash of the canonical fields (no-op detection).
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

table! {
    /// Rows that failed validation, with the reason: nothing is dropped silently.
    pub struct RejectedRow in Raw."rejected_rows" {
        partition_by: Some("rejected_date"),
        cluster_by: ["target_table"],
        keys: ["target_table", "row_hash", "reason"],
        strategy: InsertNewOnly,
        require_partition_filter: false,
    }
    columns {
        /// ET date of the rejection.
        rejected_date: NaiveDate,
        rejected_at: DateTime<Utc>,
        /// dataset.table the row was meant for.
        target_table: String,
        source_file: Option<String>,
        /// Offending column.
        column_name: String,
        /// Offending value, as JSON text.
        value: Option<String>,
        reason: String,
        /// The whole row as JSON.
        row_json: serde_json::Value,
        /// Content hash of the row (dedups re-rejections of the same file).
        row_hash: String,
        correlation_id: Option<String>,
        execution_id: Option<String>,
    }
}

pub const TABLES: &[&crate::TableSchema] = &[
    <NbacSchedule as crate::Table>::SCHEMA,
    <RejectedRow as crate::Table>::SCHEMA,
];
