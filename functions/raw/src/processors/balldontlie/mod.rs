//! Raw processors for balldontlie objects (`balldontlie/<kind>/…`), one per
//! scraped kind. Responses are decoded with `nba_upstream::balldontlie` (the
//! decoders the scrapers checked them with), so a changed shape fails here
//! naming the JSON path. `balldontlie/teams/` is not routed: team ids are
//! mapped through the teams nested in each answer instead.

mod active_players;
mod boxscores;
mod games;
mod injuries;
/// Shared with the ESPN processors (a candidate for `processors::rows`).
use nba_upstream::balldontlie::Player;

use crate::ProcessorRegistry;

pub use active_players::BdlActivePlayersProcessor;
pub use boxscores::{BdlBoxScoresProcessor, BdlStatsProcessor};
pub use games::BdlGamesProcessor;
pub use injuries::BdlInjuriesProcessor;

pub fn register(registry: &mut ProcessorRegistry) {
    registry.register(BdlGamesProcessor);
    registry.register(BdlStatsProcessor);
    registry.register(BdlBoxScoresProcessor);
    registry.register(BdlInjuriesProcessor);
    registry.register(BdlActivePlayersProcessor);
}

/// The player's name as balldontlie prints it: first and last name.
fn player_name(p: &Player) -> String {
    format!("{} {}", p.first_name, p.last_name)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A count as the warehouse stores it.
fn count(v: Option<u32>) -> Option<i64> {
    v.map(i64::from)
}

#[cfg(test)]
mod tests {
    use crate::ProcessorRegistry;

    /// Every scraped kind of this area reaches its processor by the scraper's
    /// `key_prefix` + "/"; balldontlie teams stay unrouted.
    #[test]
    fn routes_of_balldontlie_espn_and_basketball_reference() {
        let registry = ProcessorRegistry::standard();
        let routed = |key: &str| registry.route(key).map(|p| p.name());
        for (key, processor) in [
            (
                "balldontlie/games/2025-01-10/20250110_180000.json",
                "bdl_games_processor",
            ),
            (
                "balldontlie/stats/2025-01-10/20250110_180000.json",
                "bdl_stats_processor",
            ),
            (
                "balldontlie/box-scores/2025-01-10/20250110_180000.json",
                "bdl_box_scores_processor",
            ),
            (
                "balldontlie/injuries/2025-01-10/20250110_180000.json",
                "bdl_injuries_processor",
            ),
            (
                "balldontlie/active-players/2025-01-10/20250110_180000.json",
                "bdl_active_players_processor",
            ),
            (
                "espn/scoreboard/2025-01-10/20250110_180000.json",
                "espn_scoreboard_processor",
            ),
            (
                "espn/boxscore/2025-01-10/401585183/20250110_180000.html",
                "espn_boxscore_processor",
            ),
            (
                "espn/team-roster/2025-01-10/bos/20250110_180000.json",
                "espn_team_roster_processor",
            ),
            (
                "basketball-reference/roster/2025-01-10/lal/20250110_180000.html",
                "br_roster_processor",
            ),
        ] {
            assert_eq!(routed(key), Some(processor), "{key}");
        }
        assert_eq!(routed("balldontlie/teams/2025-01-10/20250110_180000.json"), None);
    }
}
