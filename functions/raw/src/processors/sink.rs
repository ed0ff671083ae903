//! Collecting one table's rows, with the rows the processor refuses set
//! aside (with the column and why) instead of guessed or dropped.

use nba_schemas::{Row, TableSchema};
use nba_upstream::teams::nba_tricode;

use crate::processor::Parsed;

/// The first reason to refuse a row, if any.
#[derive(Debug, Default)]
pub(crate) struct Refusal(Option<(&'static str, String)>);

impl Refusal {
    /// `raw` as an NBA tricode. An unknown team is kept as sent and refuses
    /// the row: a team code is never guessed.
    pub fn tricode(&mut self, column: &'static str, raw: &str) -> String {
        match nba_tricode(raw) {
            Ok(t) => t.to_string(),
            Err(e) => {
                self.note(column, e.to_string());
                raw.to_string()
            }
        }
    }

    /// Refuses the row at `column` (the first reason noted wins).
    pub fn note(&mut self, column: &'static str, reason: impl Into<String>) {
        if self.0.is_none() {
            self.0 = Some((column, reason.into()));
        }
    }
}

/// One table's rows and refusals.
pub(crate) struct Sink {
    table: &'static TableSchema,
    rows: Vec<Row>,
    parsed: Parsed,
}

impl Sink {
    pub fn new(table: &'static TableSchema) -> Self {
        Sink {
            table,
            rows: Vec::new(),
            parsed: Parsed::default(),
        }
    }

    pub fn push(&mut self, row: Row, refusal: Refusal) {
        match refusal.0 {
            None => self.rows.push(row),
            Some((column, reason)) => self.parsed.reject(self.table, row, column, reason),
        }
    }

    /// Leaves an item out with the reason (not bad data: not for this table).
    pub fn skip(&mut self, why: String) {
        self.parsed.skipped.push(why);
    }

    pub fn finish(self) -> Parsed {
        self.parsed.with(self.table, self.rows)
    }
}

/// Why a game between two teams that are not NBA franchises is left out: the All-Star
/// weekend's games (Rising Stars "Team C", "Team M", "Team Shaq", "Team Chuck") are listed
/// in the league's feeds. Not a league game, so not loaded; skipped with the reason rather
/// than rejected as bad data (which failed the run every February). One NBA team against an
/// unknown name is still a rejected row.
pub(crate) fn exhibition(id: impl std::fmt::Display, home: &str, away: &str) -> String {
    format!("game {id} {home} vs {away}: neither team is an NBA franchise (All-Star weekend or another exhibition)")
}
