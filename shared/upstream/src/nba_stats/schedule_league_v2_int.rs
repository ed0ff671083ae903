//! `stats.nba.com/stats/scheduleleaguev2int?LeagueID=00&Season=2025-26`: the season's schedule.
//!
//! Same shape as cdn.nba.com's `scheduleLeagueV2_1.json` (`leagueSchedule.gameDates[].games[]`), so it is
//! decoded by the same code into [`ScheduleGame`]; only the error context differs.

use serde_json::Value;

use super::SOURCE;
use super::nested::Ctx;
use crate::ShapeError;
pub use crate::nba_cdn::schedule_league_v2::ScheduleGame;
use crate::nba_cdn::schedule_league_v2::decode_schedule;

/// Endpoint name used in errors.
pub const ENDPOINT: &str = "scheduleleaguev2int";

/// Decodes a `scheduleleaguev2int` body into one record per game.
pub fn decode_schedule_league_v2_int(body: &Value) -> Result<Vec<ScheduleGame>, ShapeError> {
    decode_schedule(Ctx::new(SOURCE, ENDPOINT), body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use serde_json::json;

    #[test]
    fn same_shape_as_the_cdn_schedule() {
        // No recorded scheduleleaguev2int response exists; the cdn capture has the identical shape.
        let games =
            decode_schedule_league_v2_int(&fixtures::json("nba-cdn/scheduleLeagueV2_preseason_2025-26.json")).unwrap();
        assert_eq!(games.len(), 13);
        assert_eq!(games[0].game_id, "0012500008");
        let e = decode_schedule_league_v2_int(&json!({"leagueSchedule": {}})).unwrap_err();
        assert_eq!(
            (e.source_name.as_str(), e.endpoint.as_str(), e.field.as_str()),
            ("nba_stats", ENDPOINT, "leagueSchedule.gameDates")
        );
    }
}
