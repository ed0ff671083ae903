//! BettingPros (`api.bettingpros.com/v3`): a second source of player prop
//! lines, with a consensus line and several sportsbooks per player. Used as a
//! fallback when The Odds API has no line for a player (coverage gaps) and to
//! cross-check lines.
//!
//! **No real sample of these responses exists in the project.** The decoders
//! follow the public shape and are tested against SYNTHETIC fixtures
//! (`fixtures/synthetic/`, hand-made, not recorded); field names here are the
//! first thing to verify against a real capture.

pub mod events;
pub mod offers;

/// `source_name` of every BettingPros [`crate::ShapeError`].
pub const SOURCE: &str = "bettingpros";

/// Sportsbook name of a BettingPros book id, for the ids seen in public use
/// (unverified against a real capture; unknown ids return `None`).
pub fn book_name(book_id: i64) -> Option<&'static str> {
    Some(match book_id {
        0 => "BettingPros Consensus",
        10 => "FanDuel",
        12 => "DraftKings",
        13 => "Caesars",
        18 => "BetRivers",
        19 => "BetMGM",
        24 => "bet365",
        33 => "ESPN BET",
        _ => return None,
    })
}

/// The pipeline's market key of a BettingPros NBA `market_id`
/// (156 points, 157 rebounds, 151 assists; others `None`).
pub fn market_key(market_id: i64) -> Option<&'static str> {
    Some(match market_id {
        156 => "player_points",
        157 => "player_rebounds",
        151 => "player_assists",
        _ => return None,
    })
}
