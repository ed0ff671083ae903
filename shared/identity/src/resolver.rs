//! Batched name resolution against the reference tables.
//!
//! A processed object's names are resolved together: one warehouse query for all
//! of them, never one per name. A name resolves when an alias maps its lookup to a
//! canonical one, or when the registry knows the lookup itself. The rest are
//! recorded in `unresolved_player_names` (with per-file evidence) and keep their
//! own normalised lookup: never dropped, never guessed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{NaiveDate, Utc};
use nba_cloud::writer::{WriteContext, write_rows};
use nba_cloud::{Warehouse, WarehouseError, WriteStats};
use nba_schemas::Table;
use nba_schemas::tables::reference::{
    PlayerAlias, PlayerRegistryEntry, UnresolvedPlayerName, UnresolvedPlayerOccurrence,
};
use serde_json::{Value, json};

use crate::aliases::SEED_ALIASES;
use crate::player_lookup;

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("identity tables: {0}")]
    Warehouse(#[from] WarehouseError),
    #[error("identity query returned an unexpected row: {0}")]
    BadRow(String),
}

/// A player as an authoritative source (NBA.com, with its player id) states it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlayerSighting {
    pub player_id: i64,
    pub display_name: String,
    /// Tricode, when the source says.
    pub team_tricode: Option<String>,
    /// Season label, e.g. `2024-25`.
    pub season: String,
    pub game_date: Option<NaiveDate>,
}

/// One distinct name of a file, with how many of its rows carry it.
#[derive(Debug, Clone, PartialEq)]
pub struct NameUse {
    pub raw_name: String,
    /// `player_lookup(raw_name)`.
    pub lookup: String,
    pub rows: u64,
}

impl NameUse {
    pub fn new(raw_name: &str, rows: u64) -> Self {
        NameUse {
            raw_name: raw_name.to_string(),
            lookup: player_lookup(raw_name),
            rows,
        }
    }
}

/// How a file's names resolved.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resolution {
    /// Every resolved lookup → its canonical lookup (itself when the registry has it).
    pub canonical: HashMap<String, String>,
    /// Resolved through an alias (lookup differs from canonical).
    pub via_alias: u64,
    pub unresolved: Vec<NameUse>,
}

impl Resolution {
    /// The lookup to store for `lookup`: canonical when resolved, else itself.
    pub fn lookup_for<'a>(&'a self, lookup: &'a str) -> &'a str {
        self.canonical.get(lookup).map(String::as_str).unwrap_or(lookup)
    }
}

/// Where a file came from, for the unresolved-names trail.
#[derive(Debug, Clone)]
pub struct FileContext<'a> {
    pub source: &'a str,
    pub source_file: &'a str,
    pub game_date: Option<NaiveDate>,
    pub write: &'a WriteContext,
}

/// Resolves names against one warehouse; counts the queries it issues (the
/// benchmark's measure, and the test that resolution stays batched).
pub struct Resolver<'a> {
    warehouse: &'a dyn Warehouse,
    queries: AtomicU64,
}

impl<'a> Resolver<'a> {
    pub fn new(warehouse: &'a dyn Warehouse) -> Self {
        Resolver {
            warehouse,
            queries: AtomicU64::new(0),
        }
    }

    /// Read queries issued so far.
    pub fn queries(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    /// Creates the reference tables and writes the shipped seed aliases (idempotent).
    pub async fn prepare(&self) -> Result<(), IdentityError> {
        for schema in nba_schemas::tables::reference::TABLES {
            self.warehouse.ensure_table(schema).await?;
        }
        let now = Utc::now();
        let seeds: Vec<PlayerAlias> = SEED_ALIASES
            .iter()
            .map(|(alias, canonical)| PlayerAlias {
                alias_lookup: player_lookup(alias),
                canonical_lookup: player_lookup(canonical),
                alias_display: alias.to_string(),
                canonical_display: canonical.to_string(),
                alias_source: "seed".into(),
                created_at: now,
            })
            .collect();
        write_rows(self.warehouse, &seeds, &WriteContext::default()).await?;
        Ok(())
    }

    /// Adds what an authoritative source states to the registry (a set: re-stating changes nothing).
    pub async fn register(
        &self,
        sightings: &[PlayerSighting],
        source: &str,
        ctx: &WriteContext,
    ) -> Result<WriteStats, IdentityError> {
        let now = Utc::now();
        let mut seen = BTreeSet::new();
        let rows: Vec<PlayerRegistryEntry> = sightings
            .iter()
            .filter(|s| seen.insert((s.season.clone(), s.player_id, s.team_tricode.clone())))
            .map(|s| PlayerRegistryEntry {
                season: s.season.clone(),
                player_id: s.player_id,
                player_lookup: player_lookup(&s.display_name),
                display_name: s.display_name.trim().to_string(),
                team_tricode: s.team_tricode.clone().unwrap_or_else(|| "UNK".into()),
                first_seen_date: s.game_date,
                source: source.to_string(),
                source_file: ctx.source_file.clone().unwrap_or_default(),
                processed_at: now,
            })
            .collect();
        if rows.is_empty() {
            return Ok(WriteStats::default());
        }
        Ok(write_rows(self.warehouse, &rows, ctx).await?.stats)
    }

    /// Resolves every name in one query.
    pub async fn resolve(&self, names: &[NameUse]) -> Result<Resolution, IdentityError> {
        let lookups: BTreeSet<&str> = names
            .iter()
            .map(|n| n.lookup.as_str())
            .filter(|l| !l.is_empty())
            .collect();
        let mut resolution = Resolution::default();
        if !lookups.is_empty() {
            let found = self.lookup_batch(&lookups).await?;
            for lookup in &lookups {
                if let Some(canonical) = found.get(*lookup) {
                    if canonical != lookup {
                        resolution.via_alias += 1;
                    }
                    resolution.canonical.insert(lookup.to_string(), canonical.clone());
                }
            }
        }
        let mut unresolved: BTreeMap<&str, NameUse> = BTreeMap::new();
        for name in names {
            if resolution.canonical.contains_key(&name.lookup) {
                continue;
            }
            unresolved
                .entry(name.lookup.as_str())
                .and_modify(|n| n.rows += name.rows)
                .or_insert_with(|| name.clone());
        }
        resolution.unresolved = unresolved.into_values().collect();
        Ok(resolution)
    }

    /// lookup → canonical, for the lookups that an alias or the registry knows.
    /// Aliases win over the registry (an alias exists because the variant is one).
    async fn lookup_batch(&self, lookups: &BTreeSet<&str>) -> Result<HashMap<String, String>, IdentityError> {
        let marks = vec!["?"; lookups.len()].join(", ");
        let sql = format!(
            "SELECT alias_lookup AS lookup, canonical_lookup AS canonical, 1 AS rank \
             FROM {aliases} WHERE alias_lookup IN ({marks}) \
             UNION ALL \
             SELECT DISTINCT player_lookup AS lookup, player_lookup AS canonical, 2 AS rank \
             FROM {registry} WHERE player_lookup IN ({marks}) \
             ORDER BY rank DESC",
            aliases = PlayerAlias::SCHEMA.qualified_name(),
            registry = PlayerRegistryEntry::SCHEMA.qualified_name(),
        );
        let params: Vec<Value> = lookups.iter().chain(lookups.iter()).map(|l| json!(l)).collect();
        self.queries.fetch_add(1, Ordering::Relaxed);
        let rows = self.warehouse.query(&sql, params).await?;
        let mut found = HashMap::new();
        // Registry rows first (rank 2), alias rows (rank 1) overwrite them.
        for row in rows {
            let (Some(lookup), Some(canonical)) = (
                row.get("lookup").and_then(Value::as_str),
                row.get("canonical").and_then(Value::as_str),
            ) else {
                return Err(IdentityError::BadRow(Value::Object(row).to_string()));
            };
            found.insert(lookup.to_string(), canonical.to_string());
        }
        Ok(found)
    }

    /// Records a file's unresolved names: its evidence rows (idempotent per file),
    /// then the per-name summary recomputed from all evidence.
    pub async fn record_unresolved(&self, names: &[NameUse], file: &FileContext<'_>) -> Result<(), IdentityError> {
        if names.is_empty() {
            return Ok(());
        }
        let now = Utc::now();
        let occurrences: Vec<UnresolvedPlayerOccurrence> = names
            .iter()
            .map(|n| UnresolvedPlayerOccurrence {
                source: file.source.to_string(),
                player_lookup: n.lookup.clone(),
                raw_name: n.raw_name.clone(),
                game_date: file.game_date,
                source_file: file.source_file.to_string(),
                rows: n.rows as i64,
                seen_at: now,
            })
            .collect();
        write_rows(self.warehouse, &occurrences, file.write).await?;
        let summary = self.summarise(file.source, names).await?;
        write_rows(self.warehouse, &summary, file.write).await?;
        Ok(())
    }

    /// Portable SQL (DuckDB and BigQuery): `min` of keys that sort by time.
    async fn summarise(&self, source: &str, names: &[NameUse]) -> Result<Vec<UnresolvedPlayerName>, IdentityError> {
        let marks = vec!["?"; names.len()].join(", ");
        let sql = format!(
            "SELECT player_lookup, min(raw_name) AS raw_name, \
             min(game_date) AS first_seen_date, max(game_date) AS last_seen_date, \
             min(source_file) AS first_seen_file, count(*) AS occurrences \
             FROM {} WHERE source = ? AND player_lookup IN ({marks}) GROUP BY player_lookup",
            UnresolvedPlayerOccurrence::SCHEMA.qualified_name()
        );
        let mut params = vec![json!(source)];
        params.extend(names.iter().map(|n| json!(n.lookup)));
        self.queries.fetch_add(1, Ordering::Relaxed);
        let rows = self.warehouse.query(&sql, params).await?;
        let now = Utc::now();
        rows.into_iter()
            .map(|row| {
                let text = |k: &str| row.get(k).and_then(Value::as_str).map(str::to_string);
                let date = |k: &str| text(k).and_then(|d| d.parse::<NaiveDate>().ok());
                Ok(UnresolvedPlayerName {
                    source: source.to_string(),
                    player_lookup: text("player_lookup")
                        .ok_or_else(|| IdentityError::BadRow(Value::Object(row.clone()).to_string()))?,
                    raw_name: text("raw_name").unwrap_or_default(),
                    first_seen_date: date("first_seen_date"),
                    last_seen_date: date("last_seen_date"),
                    first_seen_file: text("first_seen_file").unwrap_or_default(),
                    occurrences: row.get("occurrences").and_then(Value::as_i64).unwrap_or(0),
                    data_hash: String::new(),
                    processed_at: now,
                })
            })
            .collect()
    }
}
