//! stats.nba.com scrapers.

use serde_json::Value;

use crate::http_client::{SourceId, Upstreams};
use crate::scraper::{ScrapeContext, Scraper, ShapeError, field};

/// The league schedule for a season (`/stats/scheduleleaguev2int`): every game
/// with status, teams and scores.
pub struct NbacSchedule;

pub const SCHEDULE_ENDPOINT: &str = "stats.nba.com/stats/scheduleleaguev2int";

impl Scraper for NbacSchedule {
    fn name(&self) -> &'static str {
        "nbac_schedule"
    }

    fn source(&self) -> SourceId {
        SourceId::NbaStats
    }

    fn key_prefix(&self) -> &'static str {
        "nba-com/schedule"
    }

    fn url(&self, ctx: &ScrapeContext, upstreams: &Upstreams) -> Result<reqwest::Url, url::ParseError> {
        let mut url = upstreams.base(SourceId::NbaStats).join("stats/scheduleleaguev2int")?;
        url.query_pairs_mut()
            .append_pair("LeagueID", "00")
            .append_pair("Season", &ctx.season);
        Ok(url)
    }

    fn check_shape(&self, body: &Value) -> Result<u64, ShapeError> {
        let shape_error = |field: String, reason: &str| ShapeError {
            endpoint: SCHEDULE_ENDPOINT.into(),
            field,
            reason: reason.into(),
        };
        let dates = field(SCHEDULE_ENDPOINT, body, &["leagueSchedule", "gameDates"])?
            .as_array()
            .ok_or_else(|| shape_error("leagueSchedule.gameDates".into(), "not an array"))?;
        let mut games = 0u64;
        for (i, day) in dates.iter().enumerate() {
            let list = day.get("games").and_then(Value::as_array).ok_or_else(|| {
                shape_error(
                    format!("leagueSchedule.gameDates[{i}].games"),
                    "missing or not an array",
                )
            })?;
            games += list.len() as u64;
        }
        Ok(games)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counts_games_across_dates() {
        let body = json!({"leagueSchedule": {"gameDates": [{"games": [{}, {}]}, {"games": [{}]}]}});
        assert_eq!(NbacSchedule.check_shape(&body), Ok(3));
    }

    #[test]
    fn names_the_missing_field() {
        let err = NbacSchedule.check_shape(&json!({"resultSets": []})).unwrap_err();
        assert_eq!(err.field, "leagueSchedule");
        let err = NbacSchedule
            .check_shape(&json!({"leagueSchedule": {"gameDates": [{"games": []}, {"day": 1}]}}))
            .unwrap_err();
        assert_eq!(err.field, "leagueSchedule.gameDates[1].games");
    }

    #[test]
    fn builds_the_season_url() {
        let upstreams = Upstreams::with_base(SourceId::NbaStats, "http://127.0.0.1:9/".parse().unwrap());
        let ctx = ScrapeContext {
            date: chrono::NaiveDate::from_ymd_opt(2025, 1, 10).unwrap(),
            season: "2024-25".into(),
        };
        let url = NbacSchedule.url(&ctx, &upstreams).unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9/stats/scheduleleaguev2int?LeagueID=00&Season=2024-25"
        );
    }
}
