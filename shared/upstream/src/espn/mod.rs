//! ESPN: the public site API (`site.api.espn.com/apis/site/v2/sports/
//! basketball/nba/...`, JSON) and the www.espn.com box score page (HTML).
//! A second, independent source of schedules, scores, rosters and box
//! scores, used to cross-check and to fill gaps of NBA.com and balldontlie.
//!
//! ESPN's team abbreviations differ from NBA tricodes (`GS`, `NY`, `SA`,
//! `NO`, `UTAH`, `WSH`); records keep ESPN's and add `nba_tricode`
//! ([`crate::teams`]), `None` for non-NBA teams (All-Star teams, exhibition
//! opponents).

pub mod boxscore_page;
pub mod roster;
pub mod scoreboard;

/// `source_name` of every ESPN [`crate::ShapeError`].
pub const SOURCE: &str = "espn";
