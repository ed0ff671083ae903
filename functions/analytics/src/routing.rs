//! Which raw tables feed which analytics processors.

/// What a raw-complete message asks phase 3 to do for its game date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Box scores changed: team offence, team defence, then player summaries.
    PostGame,
    /// Lines, events, schedule, rosters or injuries changed: upcoming context.
    Upcoming,
    /// Nothing in phase 3 reads the table.
    Skip(String),
}

/// Raw tables whose rows are box scores (players' lines, or the official team
/// totals the team summaries prefer).
pub const BOX_SCORE_TABLES: &[&str] = &[
    "nbac_player_boxscores",
    "nbac_team_boxscore",
    "nbac_live_boxscore",
    "bdl_player_boxscores",
    "espn_boxscores",
];
/// Raw tables the upcoming context reads. Schedule and player-list messages
/// carry their scrape date, which is the date whose context is computed.
pub const UPCOMING_TABLES: &[&str] = &[
    "odds_api_player_props",
    "odds_api_events",
    "odds_api_game_lines",
    "nbac_schedule",
    "nbac_player_list",
    "bdl_injuries",
];

/// Routes `dataset.table` (or a bare table name).
pub fn route(table: &str) -> Route {
    let name = table.rsplit('.').next().unwrap_or(table);
    if BOX_SCORE_TABLES.contains(&name) {
        Route::PostGame
    } else if UPCOMING_TABLES.contains(&name) {
        Route::Upcoming
    } else {
        Route::Skip(format!("no analytics processor reads {table}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_route_to_their_processors() {
        assert_eq!(route("nba_raw.nbac_player_boxscores"), Route::PostGame);
        assert_eq!(route("nba_raw.espn_boxscores"), Route::PostGame);
        assert_eq!(route("nba_raw.nbac_team_boxscore"), Route::PostGame);
        assert_eq!(route("nba_raw.odds_api_player_props"), Route::Upcoming);
        assert_eq!(route("nbac_schedule"), Route::Upcoming);
        assert!(matches!(route("nba_raw.nbac_play_by_play"), Route::Skip(why) if why.contains("nbac_play_by_play")));
    }
}
