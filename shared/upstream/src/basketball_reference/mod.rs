//! Basketball-Reference (www.basketball-reference.com, HTML pages): season
//! rosters with Basketball-Reference player ids, used to seed and check the
//! player registry for past seasons (who was on which team).
//!
//! Team codes here are Basketball-Reference's (`BRK`, `CHO`, `PHO`); see
//! [`crate::teams`]. **No real sample exists in the project:** the decoder
//! follows the public page structure and is tested against a SYNTHETIC
//! fixture (`fixtures/synthetic/br_roster_synthetic.html`).

pub mod roster;

/// `source_name` of every Basketball-Reference [`crate::ShapeError`].
pub const SOURCE: &str = "basketball_reference";
