//! `nba_reference`: who the players are, the name variants sources use for them,
//! and the names nobody could place yet.

use chrono::{DateTime, NaiveDate, Utc};

use crate::Check;

/// A normalised player lookup: lowercase ASCII letters and digits only.
pub const PLAYER_LOOKUP: Check = Check::Pattern(r"^[a-z0-9]+$");
/// A season label, e.g. 2024-25.
pub const SEASON: Check = Check::Pattern(r"^\d{4}-\d{2}$");

table! {
    /// Players an authoritative source (NBA.com, with its player id) vouches for,
    /// one row per (season, player, team): a traded player has one row per team.
    /// A set of facts, so reprocessing in any order changes nothing.
    pub struct PlayerRegistryEntry in Reference."nba_players_registry" {
        partition_by: None,
        cluster_by: ["player_lookup"],
        keys: ["season", "player_id", "team_tricode"],
        strategy: InsertNewOnly,
        require_partition_filter: false,
    }
    columns {
        season: String => [SEASON],
        /// NBA.com person id.
        player_id: i64 => [Check::Range { min: 1.0, max: 1.0e10 }],
        player_lookup: String => [PLAYER_LOOKUP],
        display_name: String => [Check::NonEmpty],
        /// Tricode ("UNK" when the source gave none).
        team_tricode: String => [Check::Pattern(r"^[A-Z]{3}$")],
        /// ET date of the object that first stated it.
        first_seen_date: Option<NaiveDate>,
        /// Raw table or source that stated it.
        source: String,
        source_file: String,
        processed_at: DateTime<Utc>,
    }
}

table! {
    /// Name variants: a source's spelling (as a lookup) → the registry's lookup.
    pub struct PlayerAlias in Reference."player_aliases" {
        partition_by: None,
        cluster_by: ["alias_lookup"],
        keys: ["alias_lookup"],
        strategy: InsertNewOnly,
        require_partition_filter: false,
    }
    columns {
        alias_lookup: String => [PLAYER_LOOKUP],
        canonical_lookup: String => [PLAYER_LOOKUP],
        /// The variant as sources print it, e.g. "Herb Jones".
        alias_display: String,
        /// The name as the registry has it, e.g. "Herbert Jones".
        canonical_display: String,
        /// seed (shipped with the code) or manual (an operator's review).
        alias_source: String => [Check::OneOf(&["seed", "manual"])],
        created_at: DateTime<Utc>,
    }
}

table! {
    /// One row per (source, raw name, file) that could not be resolved: the
    /// evidence behind [`UnresolvedPlayerName`], written idempotently.
    pub struct UnresolvedPlayerOccurrence in Reference."unresolved_player_occurrences" {
        partition_by: None,
        cluster_by: ["source", "player_lookup"],
        keys: ["source", "player_lookup", "source_file"],
        strategy: InsertNewOnly,
        require_partition_filter: false,
    }
    columns {
        source: String,
        player_lookup: String,
        raw_name: String,
        game_date: Option<NaiveDate>,
        source_file: String,
        /// Rows of the file carrying the name.
        rows: i64,
        seen_at: DateTime<Utc>,
    }
}

table! {
    /// Names no alias or registry entry resolves, for review: never silently dropped
    /// or guessed. `occurrences` counts the distinct files the name appeared in.
    pub struct UnresolvedPlayerName in Reference."unresolved_player_names" {
        partition_by: None,
        cluster_by: ["source"],
        keys: ["source", "player_lookup"],
        strategy: MergeOnKeys,
        require_partition_filter: false,
    }
    columns {
        source: String,
        player_lookup: String,
        /// The name as the source printed it (first spelling seen).
        raw_name: String,
        first_seen_date: Option<NaiveDate>,
        last_seen_date: Option<NaiveDate>,
        first_seen_file: String,
        occurrences: i64 => [Check::Range { min: 1.0, max: 1.0e9 }],
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

pub const TABLES: &[&crate::TableSchema] = &[
    <PlayerRegistryEntry as crate::Table>::SCHEMA,
    <PlayerAlias as crate::Table>::SCHEMA,
    <UnresolvedPlayerOccurrence as crate::Table>::SCHEMA,
    <UnresolvedPlayerName as crate::Table>::SCHEMA,
];
