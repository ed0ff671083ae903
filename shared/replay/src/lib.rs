//! The replay upstream: an HTTP server that answers like the real upstreams,
//! from a season dataset on disk (laid out like `data/season-2024-25/`). Offline
//! runs point every scraper's base URL here.
//!
//! Served so far: `GET /stats/scheduleleaguev2int?LeagueID=00&Season=YYYY-YY`,
//! the verbatim recorded response (gzip-encoded on the wire when the client
//! accepts it, as stats.nba.com does). Nothing in it is specific to one season:
//! the file is found by the requested season label.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("dataset {0} is not a directory")]
    NotADirectory(PathBuf),
    #[error("dataset {dir}: no scheduleleaguev2int_*.json.gz file")]
    NoSchedule { dir: PathBuf },
}

/// A season dataset directory.
#[derive(Debug, Clone)]
pub struct Dataset {
    dir: PathBuf,
}

impl Dataset {
    pub fn open(dir: &Path) -> Result<Self, DatasetError> {
        if !dir.is_dir() {
            return Err(DatasetError::NotADirectory(dir.to_path_buf()));
        }
        let dataset = Dataset { dir: dir.to_path_buf() };
        if dataset.schedule_seasons().is_empty() {
            return Err(DatasetError::NoSchedule { dir: dir.to_path_buf() });
        }
        Ok(dataset)
    }

    /// Seasons with a recorded schedule (`scheduleleaguev2int_2024-25.json.gz` → `2024-25`).
    pub fn schedule_seasons(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut seasons: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_prefix("scheduleleaguev2int_")
                    .and_then(|rest| rest.strip_suffix(".json.gz"))
                    .map(str::to_string)
            })
            .collect();
        seasons.sort();
        seasons
    }

    fn schedule_file(&self, season: &str) -> Option<PathBuf> {
        let path = self.dir.join(format!("scheduleleaguev2int_{season}.json.gz"));
        path.is_file().then_some(path)
    }
}

/// The replay upstream's routes.
pub fn router(dataset: Dataset) -> Router {
    Router::new()
        .route("/stats/scheduleleaguev2int", get(schedule))
        .fallback(not_found)
        .with_state(Arc::new(dataset))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ScheduleQuery {
    #[serde(rename = "LeagueID")]
    league_id: Option<String>,
    season: Option<String>,
}

async fn schedule(State(dataset): State<Arc<Dataset>>, Query(q): Query<ScheduleQuery>, headers: HeaderMap) -> Response {
    if q.league_id.as_deref() != Some("00") {
        return error(StatusCode::BAD_REQUEST, "LeagueID must be 00");
    }
    let Some(season) = q.season else {
        return error(StatusCode::BAD_REQUEST, "Season is required");
    };
    let Some(path) = dataset.schedule_file(&season) else {
        return error(
            StatusCode::NOT_FOUND,
            &format!("no schedule recorded for season {season}"),
        );
    };
    let gz = match tokio::fs::read(&path).await {
        Ok(bytes) => bytes,
        Err(e) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("reading {}: {e}", path.display()),
            );
        }
    };
    gzip_json(gz, &headers)
}

/// Sends gzip bytes as JSON: encoded on the wire when the client accepts gzip,
/// decoded otherwise.
fn gzip_json(gz: Vec<u8>, request: &HeaderMap) -> Response {
    let accepts_gzip = request
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("gzip"));
    if accepts_gzip {
        return (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CONTENT_ENCODING, "gzip"),
            ],
            gz,
        )
            .into_response();
    }
    let mut plain = Vec::new();
    match std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut plain) {
        Ok(_) => ([(header::CONTENT_TYPE, "application/json")], plain).into_response(),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("recorded file does not decode: {e}"),
        ),
    }
}

async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "the replay upstream does not serve this endpoint",
    )
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({"error": message}))).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/season-2024-25")
    }

    async fn serve() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = router(Dataset::open(&bundled()).unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}")
    }

    #[tokio::test]
    async fn serves_the_recorded_schedule_by_season() {
        let base = serve().await;
        let body: serde_json::Value =
            reqwest::get(format!("{base}/stats/scheduleleaguev2int?LeagueID=00&Season=2024-25"))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
        let games: usize = body["leagueSchedule"]["gameDates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["games"].as_array().unwrap().len())
            .sum();
        assert!(games > 1230, "{games}");
    }

    #[tokio::test]
    async fn unknown_seasons_and_endpoints_are_404() {
        let base = serve().await;
        let r = reqwest::get(format!("{base}/stats/scheduleleaguev2int?LeagueID=00&Season=1990-91"))
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        let r = reqwest::get(format!("{base}/stats/nothing")).await.unwrap();
        assert_eq!(r.status(), 404);
    }
}
