//! Raw processors for ESPN objects: the site API scoreboard and team rosters
//! (JSON) and the www.espn.com box score page (HTML), decoded with
//! `nba_upstream::espn`. ESPN's team abbreviations (`GS`, `NY`, `UTAH`, `WSH`)
//! are stored as NBA tricodes; a team that is not an NBA franchise (All-Star
//! teams, exhibition opponents) refuses its row with the reason.

mod boxscore;
mod roster;
mod scoreboard;

use crate::ProcessorRegistry;

pub use boxscore::EspnBoxscoreProcessor;
pub use roster::EspnTeamRosterProcessor;
pub use scoreboard::EspnScoreboardProcessor;

pub fn register(registry: &mut ProcessorRegistry) {
    registry.register(EspnScoreboardProcessor);
    registry.register(EspnBoxscoreProcessor);
    registry.register(EspnTeamRosterProcessor);
}

/// ESPN's abbreviation as an NBA tricode, or why it is not one.
fn nba_team(espn_abbreviation: &str, tricode: Option<&str>) -> Result<String, String> {
    tricode
        .map(str::to_string)
        .ok_or_else(|| format!("ESPN team {espn_abbreviation:?} is not an NBA franchise"))
}
