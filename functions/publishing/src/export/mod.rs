//! One export of a game date: read the warehouse, build every document, write the
//! changed ones.
//!
//! Written for date D: `predictions/D`, `best-bets/D`, the newest graded date G ≤ D as
//! `results/G` (D itself once graded), a player document per player of D's slate,
//! and the pointers `predictions/today`, `results/latest`, `systems/performance`
//! and `status` — a pointer only moves forward, so re-exporting an old date
//! (a backfill) never turns "today" back.

pub mod players;
pub mod predictions;
pub mod read;
pub mod results;
pub mod status;
pub mod systems;
pub mod tally;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use nba_cloud::Clients;
use nba_schemas::Table;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::OnceCell;

use crate::documents::{PredictionsDoc, Publication, ResultsDoc, StatusDoc, SystemsPerformanceDoc};
use crate::error::PublishError;
use crate::paths::DocPath;
use crate::store::{DocumentStore, Written};

/// A predicted player without an upcoming-game context: the coordinator only predicts
/// players it has a context for, so this is a broken invariant upstream.
pub(crate) fn no_context(player: &str, date: NaiveDate) -> PublishError {
    PublishError::bad_row(
        &nba_schemas::tables::prediction_output::PlayerPropPrediction::SCHEMA.qualified_name(),
        format!("{player} is predicted on {date} but has no upcoming game context"),
    )
}

/// Days of a player's predictions read for the player documents.
const PLAYER_HISTORY_DAYS: i64 = 120;

/// What one export did.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportReport {
    pub game_date: NaiveDate,
    pub publication: Publication,
    /// Why the picks are (or are not) published.
    pub coverage_reason: String,
    /// Object names written.
    pub written: Vec<String>,
    /// Object names whose content was already current.
    pub unchanged: Vec<String>,
    /// Pointers left alone because they point at a newer date.
    pub pointers_kept: Vec<String>,
    pub rows_read: u64,
}

impl ExportReport {
    fn new(game_date: NaiveDate, publication: Publication, coverage_reason: String) -> Self {
        ExportReport {
            game_date,
            publication,
            coverage_reason,
            written: Vec::new(),
            unchanged: Vec::new(),
            pointers_kept: Vec::new(),
            rows_read: 0,
        }
    }

    fn record(&mut self, path: &DocPath, written: Written) {
        let name = path.object_name();
        match written {
            Written::Written => self.written.push(name),
            Written::Unchanged => self.unchanged.push(name),
        }
    }
}

pub struct Exporter {
    clients: Clients,
    store: DocumentStore,
    /// Input tables created (empty) once per instance: a day that never reached a
    /// phase exports as "not run" instead of failing on a missing table.
    tables_ready: OnceCell<()>,
}

impl Exporter {
    pub fn new(clients: Clients, bucket: impl Into<String>) -> Self {
        let store = DocumentStore::new(clients.objects.clone(), bucket);
        Exporter {
            clients,
            store,
            tables_ready: OnceCell::new(),
        }
    }

    pub fn store(&self) -> &DocumentStore {
        &self.store
    }

    async fn ready(&self) -> Result<(), PublishError> {
        self.tables_ready
            .get_or_try_init(|| async {
                for schema in read::TABLES_READ {
                    self.clients
                        .warehouse
                        .ensure_table(schema)
                        .await
                        .map_err(PublishError::read(schema.qualified_name()))?;
                }
                Ok(())
            })
            .await
            .copied()
    }

    /// Exports `date` (see the module doc for what is written).
    pub async fn export(&self, date: NaiveDate, now: DateTime<Utc>) -> Result<ExportReport, PublishError> {
        self.ready().await?;
        let w = self.clients.warehouse.as_ref();
        let coverage_row = read::coverage(w, date).await?;
        let (publication, coverage) = predictions::coverage(date, coverage_row.as_ref());
        let mut report = ExportReport::new(date, publication, coverage.reason.clone());

        let context = read::context(w, date).await?;
        let schedule = read::schedule(w, date).await?;
        let active = match publication {
            Publication::Published => read::active_predictions(w, date).await?,
            Publication::Withheld => Vec::new(),
        };
        report.rows_read += (context.len() + schedule.len() + active.len()) as u64;
        let doc = predictions::predictions_doc(&predictions::PredictionsInput {
            date,
            publication,
            coverage: coverage.clone(),
            schedule: &schedule,
            context: &context,
            predictions: &active,
            now,
        })?;
        self.write(&mut report, &DocPath::Predictions(date), &doc).await?;
        let window = i64::from(predictions::RECORD_WINDOW_DAYS);
        let recent = read::performance(w, date - Duration::days(window), date - Duration::days(1)).await?;
        let best = predictions::best_bets_doc(&doc, &predictions::records(&recent));
        self.write(&mut report, &DocPath::BestBets(date), &best).await?;
        self.pointer(&mut report, &DocPath::PredictionsToday, &doc, |d: &PredictionsDoc| {
            d.game_date
        })
        .await?;

        self.export_results(&mut report, date, now).await?;
        if publication == Publication::Published {
            self.export_players(&mut report, date, &context, now).await?;
        }
        let season = read::performance(w, systems::season_start(date), date).await?;
        report.rows_read += season.len() as u64;
        let performance = systems::performance_doc(date, &season, now);
        self.pointer(
            &mut report,
            &DocPath::SystemsPerformance,
            &performance,
            |d: &SystemsPerformanceDoc| d.as_of,
        )
        .await?;

        let executions: Vec<_> = read::executions(w, date)
            .await?
            .into_iter()
            .filter(|e| !crate::FUNCTIONS.contains(&e.function_name.as_str()))
            .collect();
        report.rows_read += executions.len() as u64;
        let status = status::status_doc(&status::StatusInput {
            date,
            publication,
            coverage,
            coverage_row: coverage_row.as_ref(),
            executions: &executions,
            quarantined: &read::quarantined(w, date).await?,
            blocked: &read::blocked_transitions(w, date).await?,
            now,
        });
        self.pointer(&mut report, &DocPath::Status, &status, |d: &StatusDoc| d.game_date)
            .await?;
        Ok(report)
    }

    /// `results/G` and `results/latest` for the newest graded date G ≤ `date`.
    async fn export_results(
        &self,
        report: &mut ExportReport,
        date: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<(), PublishError> {
        let w = self.clients.warehouse.as_ref();
        let Some(graded) = read::latest_graded(w, date).await? else {
            return Ok(());
        };
        let accuracy = read::accuracy(w, graded).await?;
        let performance = read::performance(w, graded, graded).await?;
        let summaries = read::summaries(w, graded).await?;
        report.rows_read += (accuracy.len() + performance.len() + summaries.len()) as u64;
        let doc = results::results_doc(graded, &accuracy, &performance, &summaries, now)?;
        self.write(report, &DocPath::Results(graded), &doc).await?;
        self.pointer(report, &DocPath::ResultsLatest, &doc, |d: &ResultsDoc| d.game_date)
            .await
    }

    async fn export_players(
        &self,
        report: &mut ExportReport,
        date: NaiveDate,
        context: &[nba_schemas::tables::analytics::UpcomingPlayerGameContext],
        now: DateTime<Utc>,
    ) -> Result<(), PublishError> {
        let w = self.clients.warehouse.as_ref();
        let games = read::slate_games(w, date).await?;
        let past = read::slate_predictions(w, date, PLAYER_HISTORY_DAYS).await?;
        report.rows_read += (games.len() + past.len()) as u64;
        let docs = players::player_docs(&players::PlayersInput {
            date,
            context,
            games: &games,
            predictions: &past,
            now,
        })?;
        for doc in &docs {
            self.write(report, &DocPath::Player(doc.player_lookup.clone()), doc)
                .await?;
        }
        Ok(())
    }

    async fn write<T: Serialize>(
        &self,
        report: &mut ExportReport,
        path: &DocPath,
        doc: &T,
    ) -> Result<(), PublishError> {
        let written = self.store.put(path, doc).await?;
        report.record(path, written);
        Ok(())
    }

    /// Writes a pointer document unless the stored one is about a newer date.
    async fn pointer<T, F>(
        &self,
        report: &mut ExportReport,
        path: &DocPath,
        doc: &T,
        date_of: F,
    ) -> Result<(), PublishError>
    where
        T: Serialize + DeserializeOwned,
        F: Fn(&T) -> NaiveDate,
    {
        if let Some(stored) = self.store.get::<T>(path).await?
            && date_of(&stored) > date_of(doc)
        {
            report.pointers_kept.push(path.object_name());
            return Ok(());
        }
        self.write(report, path, doc).await
    }
}
