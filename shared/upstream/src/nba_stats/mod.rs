//! Decoders of stats.nba.com responses.
//!
//! stats.nba.com serves two families of JSON:
//!
//! * the older **tabular** endpoints (`scoreboardv2`, `leaguegamelog`, `boxscoretraditionalv2`, …): a
//!   `resultSets` array of `{name, headers, rowSet}` tables, decoded generically by [`result_sets`] and then
//!   typed per endpoint. Columns are always looked up by header name, never by position;
//! * the newer **nested** V3 endpoints (`scoreboardv3`, `boxscoretraditionalv3`, `playbyplayv3`) with
//!   camelCase objects, close to the cdn.nba.com live feeds.
//!
//! Every decoder is a pure function of the parsed body returning a [`ShapeError`](crate::ShapeError)
//! that names the endpoint and the missing or malformed field. Minutes in every format the NBA uses
//! (`"34:12"`, `"PT34M12.00S"`, decimals, null for DNP) are parsed by [`minutes`].

pub mod box_score_summary_v2;
pub mod box_score_traditional_v2;
pub mod box_score_traditional_v3;
pub mod common;
pub mod league_game_log;
pub mod minutes;
pub mod play_by_play_v2;
pub mod play_by_play_v3;
pub mod player_index;
pub mod result_sets;
pub mod schedule_league_v2_int;
pub mod scoreboard_v2;
pub mod scoreboard_v3;
pub mod value;

pub(crate) mod nested;

pub(crate) mod cassette;

pub use box_score_summary_v2::{BoxScoreSummaryV2, GameSummary, InactivePlayer, decode_box_score_summary_v2};
pub use box_score_traditional_v2::{
    BoxScorePlayerV2, BoxScoreTeamV2, BoxScoreTraditionalV2, decode_box_score_traditional_v2,
};
pub use box_score_traditional_v3::{
    BoxScorePlayerV3, BoxScoreTeamV3, BoxScoreTraditionalV3, decode_box_score_traditional_v3,
};
pub use common::{BoxStats, GameStatus, TeamLineScore};
pub use league_game_log::{
    LeagueGameLogPlayer, LeagueGameLogTeam, decode_league_game_log_players, decode_league_game_log_teams,
};
pub use play_by_play_v2::{PbpV2EventType, PlayByPlayV2Event, decode_play_by_play_v2};
pub use play_by_play_v3::{PlayByPlayV3Action, decode_play_by_play_v3};
pub use player_index::{PlayerIndexEntry, decode_player_index};
pub use result_sets::{Col, ResultSet, ResultSets, Row, decode_result_sets};
pub use schedule_league_v2_int::decode_schedule_league_v2_int;
pub use scoreboard_v2::{ScoreboardV2, ScoreboardV2Game, decode_scoreboard_v2};
pub use scoreboard_v3::{Scoreboard, ScoreboardGame, decode_scoreboard_v3};

/// The `source_name` of every [`ShapeError`](crate::ShapeError) raised here.
pub const SOURCE: &str = "nba_stats";

/// Parses a stats.nba.com response body as JSON, failing with a [`ShapeError`](crate::ShapeError) that
/// says what came back instead (stats.nba.com answers blocked clients with HTML pages or empty bodies).
pub fn parse_body(endpoint: &str, body: &[u8]) -> Result<serde_json::Value, crate::ShapeError> {
    nested::parse_body(SOURCE, endpoint, body)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::ShapeError;

    type Decoder = fn(&Value) -> Result<(), ShapeError>;

    /// Every NBA.com decoder, by name, with its output discarded.
    fn decoders() -> Vec<(&'static str, Decoder)> {
        use crate::{nba_cdn as cdn, nba_stats as st};
        vec![
            ("scoreboardv2", |b| st::decode_scoreboard_v2(b).map(drop)),
            ("scoreboardv3", |b| st::decode_scoreboard_v3(b).map(drop)),
            ("leaguegamelog players", |b| {
                st::decode_league_game_log_players(b).map(drop)
            }),
            ("leaguegamelog teams", |b| st::decode_league_game_log_teams(b).map(drop)),
            ("boxscoretraditionalv2", |b| {
                st::decode_box_score_traditional_v2(b).map(drop)
            }),
            ("boxscoretraditionalv3", |b| {
                st::decode_box_score_traditional_v3(b).map(drop)
            }),
            ("boxscoresummaryv2", |b| st::decode_box_score_summary_v2(b).map(drop)),
            ("playbyplayv2", |b| st::decode_play_by_play_v2(b).map(drop)),
            ("playbyplayv3", |b| st::decode_play_by_play_v3(b).map(drop)),
            ("playerindex", |b| st::decode_player_index(b).map(drop)),
            ("scheduleleaguev2int", |b| {
                st::decode_schedule_league_v2_int(b).map(drop)
            }),
            ("cdn schedule", |b| cdn::decode_schedule_league_v2(b).map(drop)),
            ("cdn boxscore", |b| cdn::decode_boxscore(b).map(drop)),
            ("cdn playbyplay", |b| cdn::decode_playbyplay(b).map(drop)),
            ("cdn todaysScoreboard", |b| cdn::decode_todays_scoreboard(b).map(drop)),
        ]
    }

    #[test]
    fn every_decoder_rejects_empty_objects_html_and_non_objects() {
        let html = "<!DOCTYPE html><html><head><title>Access Denied</title></head></html>";
        for (name, decode) in decoders() {
            for body in [
                json!({}),
                json!(html),
                json!([]),
                json!(null),
                json!({"Message": "An error has occurred."}),
            ] {
                let e = decode(&body).expect_err(name);
                assert!(
                    e.source_name == "nba_stats" || e.source_name == "nba_cdn",
                    "{name}: {e}"
                );
                assert!(!e.field.is_empty() && !e.reason.is_empty(), "{name}: {e}");
            }
        }
    }

    #[test]
    fn html_bodies_fail_before_decoding() {
        let html = b"<!DOCTYPE html><html><head><title>Access Denied</title></head></html>";
        let e = super::parse_body("scoreboardv2", html).unwrap_err();
        assert_eq!(
            (e.source_name.as_str(), e.endpoint.as_str(), e.field.as_str()),
            ("nba_stats", "scoreboardv2", "$")
        );
        assert!(
            e.reason.contains("HTML") && e.reason.contains("Access Denied"),
            "{}",
            e.reason
        );
        let e = crate::nba_cdn::parse_body("boxscore", b"").unwrap_err();
        assert!(e.reason.contains("empty body"), "{}", e.reason);
        assert_eq!(super::parse_body("x", br#"{"a": 1}"#).unwrap(), json!({"a": 1}));
    }
}
