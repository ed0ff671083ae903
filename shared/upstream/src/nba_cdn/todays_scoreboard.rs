//! `cdn.nba.com/static/json/liveData/scoreboard/todaysScoreboard_00.json`: today's games, live.
//!
//! The same `{"scoreboard": {"gameDate", "games": [...]}}` object as stats.nba.com's `scoreboardv3`, so it
//! decodes into the same [`Scoreboard`]. "Today" flips at about noon ET upstream: the file fetched in the
//! morning still lists the previous day's games, which is why `game_date` comes from the body and never
//! from the fetch time.

use serde_json::Value;

use super::SOURCE;
use crate::ShapeError;
use crate::nba_stats::nested::Ctx;
use crate::nba_stats::scoreboard_v3::decode_scoreboard;
pub use crate::nba_stats::scoreboard_v3::{Scoreboard, ScoreboardGame};

/// Endpoint name used in errors.
pub const ENDPOINT: &str = "todaysScoreboard_00";

/// Decodes `todaysScoreboard_00.json`.
pub fn decode_todays_scoreboard(body: &Value) -> Result<Scoreboard, ShapeError> {
    decode_scoreboard(Ctx::new(SOURCE, ENDPOINT), body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::nba_stats::GameStatus;
    use serde_json::json;

    #[test]
    fn completed_day_2026_02_11() {
        let sb = decode_todays_scoreboard(&fixtures::json("nba-cdn/todaysScoreboard_complete.json")).unwrap();
        assert_eq!(sb.game_date.to_string(), "2026-02-11");
        assert_eq!(sb.games.len(), 3);
        let g = &sb.games[0];
        assert_eq!((g.game_id.as_str(), g.status), ("0022500775", GameStatus::Final));
        assert_eq!((g.home_team_tricode.as_deref(), g.home_score), (Some("CHA"), Some(110)));
        assert_eq!((g.away_team_tricode.as_deref(), g.away_score), (Some("ATL"), Some(107)));
        assert_eq!((g.home_wins, g.home_losses), (Some(26), Some(29)));
        assert!(sb.games.iter().all(|g| g.status == GameStatus::Final));
    }

    #[test]
    fn missing_fields_fail() {
        let mut body = fixtures::json("nba-cdn/todaysScoreboard_complete.json");
        body["scoreboard"]["games"][1].as_object_mut().unwrap().remove("gameId");
        let e = decode_todays_scoreboard(&body).unwrap_err();
        assert_eq!(
            (e.source_name.as_str(), e.endpoint.as_str()),
            ("nba_cdn", "todaysScoreboard_00")
        );
        assert_eq!(e.field, "scoreboard.games[1].gameId");
        let mut body = fixtures::json("nba-cdn/todaysScoreboard_complete.json");
        body["scoreboard"].as_object_mut().unwrap().remove("gameDate");
        assert_eq!(
            decode_todays_scoreboard(&body).unwrap_err().field,
            "scoreboard.gameDate"
        );
        assert_eq!(decode_todays_scoreboard(&json!({})).unwrap_err().field, "scoreboard");
    }
}
