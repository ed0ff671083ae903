//! Raw processors for NBA.com objects (stats.nba.com and cdn.nba.com), one
//! module per concept. Each decodes the stored response with the same
//! `nba_upstream` decoder the scraper checked it with, so a shape the scraper
//! accepted is a shape the processor reads.
//!
//! | prefix | table |
//! |---|---|
//! | `nba-com/scoreboard-v2/`, `-v3/`, `nba-com/todays-scoreboard/` | `nbac_scoreboard` |
//! | `nba-com/gamelog-players/` | `nbac_player_boxscores` (+ registry) |
//! | `nba-com/gamelog-teams/` | `nbac_team_boxscore` (`source_feed` `leaguegamelog`) |
//! | `nba-com/boxscore-traditional-v2/`, `-v3/` | `nbac_team_boxscore` (+ registry) |
//! | `nba-com/play-by-play-v2/`, `-v3/`, `nba-com/live-play-by-play/` | `nbac_play_by_play` |
//! | `nba-com/player-list/` | `nbac_player_list` (+ registry) |
//! | `nba-com/live-boxscore/` | `nbac_live_boxscore` (+ registry) |
//! | `nba-com/cdn-schedule/` | `nbac_schedule` |

#[macro_use]
mod common;
pub mod cdn_schedule;
pub mod gamelog;
pub mod gamelog_teams;
pub mod live_boxscore;
pub mod play_by_play;
pub mod player_list;
pub mod scoreboard;
pub mod team_boxscore;

use crate::ProcessorRegistry;

pub use cdn_schedule::CdnScheduleProcessor;
pub use gamelog::GamelogPlayersProcessor;
pub use gamelog_teams::GamelogTeamsProcessor;
pub use live_boxscore::LiveBoxscoreProcessor;
pub use play_by_play::{PlayByPlayFeed, PlayByPlayProcessor};
pub use player_list::PlayerListProcessor;
pub use scoreboard::{ScoreboardFeed, ScoreboardProcessor};
pub use team_boxscore::{BoxscoreFeed, TeamBoxscoreProcessor};

pub fn register(registry: &mut ProcessorRegistry) {
    for feed in [ScoreboardFeed::V2, ScoreboardFeed::V3, ScoreboardFeed::Today] {
        registry.register(ScoreboardProcessor(feed));
    }
    registry.register(GamelogPlayersProcessor);
    registry.register(GamelogTeamsProcessor);
    for feed in [BoxscoreFeed::V2, BoxscoreFeed::V3] {
        registry.register(TeamBoxscoreProcessor(feed));
    }
    for feed in [PlayByPlayFeed::V2, PlayByPlayFeed::V3, PlayByPlayFeed::Live] {
        registry.register(PlayByPlayProcessor(feed));
    }
    registry.register(PlayerListProcessor);
    registry.register(LiveBoxscoreProcessor);
    registry.register(CdnScheduleProcessor);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every NBA.com scraper's key prefix (as in the scraper catalog) reaches its processor.
    #[test]
    fn every_nba_com_prefix_is_routed() {
        let mut registry = ProcessorRegistry::default();
        register(&mut registry);
        let routes = [
            (
                "nba-com/scoreboard-v2/2025-01-10/x.json",
                "nbac_scoreboard_v2_processor",
            ),
            (
                "nba-com/scoreboard-v3/2025-01-10/x.json",
                "nbac_scoreboard_v3_processor",
            ),
            (
                "nba-com/todays-scoreboard/2025-01-10/x.json",
                "nbac_todays_scoreboard_processor",
            ),
            (
                "nba-com/gamelog-players/2025-01-10/x.json",
                "nbac_gamelog_players_processor",
            ),
            (
                "nba-com/gamelog-teams/2025-01-10/x.json",
                "nbac_gamelog_teams_processor",
            ),
            (
                "nba-com/boxscore-traditional-v2/2025-01-10/0022400561/x.json",
                "nbac_boxscore_traditional_v2_processor",
            ),
            (
                "nba-com/boxscore-traditional-v3/2025-01-10/0022400561/x.json",
                "nbac_boxscore_traditional_v3_processor",
            ),
            (
                "nba-com/play-by-play-v2/2025-01-10/0022400561/x.json",
                "nbac_play_by_play_v2_processor",
            ),
            (
                "nba-com/play-by-play-v3/2025-01-10/0022400561/x.json",
                "nbac_play_by_play_v3_processor",
            ),
            (
                "nba-com/live-play-by-play/2025-01-10/0022400561/x.json",
                "nbac_live_play_by_play_processor",
            ),
            ("nba-com/player-list/2025-01-10/x.json", "nbac_player_list_processor"),
            (
                "nba-com/live-boxscore/2025-01-10/0022400561/x.json",
                "nbac_live_boxscore_processor",
            ),
            ("nba-com/cdn-schedule/2025-01-10/x.json", "nbac_cdn_schedule_processor"),
        ];
        for (key, name) in routes {
            assert_eq!(registry.route(key).map(|p| p.name()), Some(name), "{key}");
        }
        // The stats.nba.com schedule has its own processor, not one of these.
        assert!(registry.route("nba-com/schedule/2025-01-10/x.json").is_none());
    }
}
