//! Decoders of cdn.nba.com responses: the static league schedule and the live-data feeds
//! (`cdn.nba.com/static/json/liveData/...`) of box scores, play-by-play and today's scoreboard.
//!
//! The cdn feeds are nested camelCase JSON, served from a CDN rather than stats.nba.com (which blocks cloud
//! IP ranges), and are the primary source for recent games. Minutes and clocks are ISO-8601 durations
//! (`PT34M12.00S`), parsed to decimal minutes / seconds by [`crate::nba_stats::minutes`].

pub mod boxscore;
pub mod playbyplay;
pub mod schedule_league_v2;
pub mod todays_scoreboard;

pub use boxscore::{LiveBoxScore, LiveBoxScorePlayer, LiveBoxScoreTeam, decode_boxscore};
pub use playbyplay::{LiveAction, decode_playbyplay};
pub use schedule_league_v2::{ScheduleGame, decode_schedule_league_v2};
pub use todays_scoreboard::decode_todays_scoreboard;

/// The `source_name` of every [`ShapeError`](crate::ShapeError) raised here.
pub const SOURCE: &str = "nba_cdn";

/// Parses a cdn.nba.com response body as JSON, failing with a [`ShapeError`](crate::ShapeError) that
/// says what came back instead (an S3 `AccessDenied` XML page for a game id that does not exist yet, an
/// empty body).
pub fn parse_body(endpoint: &str, body: &[u8]) -> Result<serde_json::Value, crate::ShapeError> {
    crate::nba_stats::nested::parse_body(SOURCE, endpoint, body)
}
