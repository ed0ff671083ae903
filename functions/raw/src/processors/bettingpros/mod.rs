//! Raw processors for BettingPros objects: the day's events (BettingPros event
//! id → NBA game) and player prop offers (snapshots, a date at a time).
//!
//! No real capture of these responses exists yet: the decoders and these
//! processors are tested against SYNTHETIC fixtures (`fixtures/synthetic/`).

pub mod events;
pub mod player_props;

use chrono::{DateTime, NaiveDateTime, NaiveTime, Utc};
use nba_core::time::et_midnight_utc;

use crate::ProcessorRegistry;

pub fn register(registry: &mut ProcessorRegistry) {
    registry.register(events::EventsProcessor);
    registry.register(player_props::PlayerPropsProcessor);
}

/// The pipeline's bookmaker key of a BettingPros book id: the Odds API's key
/// where the book is the same, so lines compare book by book. An unknown id
/// gets `book_<id>`, which the table's bookmaker check refuses with the value.
pub fn bookmaker_key(book_id: i64) -> String {
    match book_id {
        0 => "bettingpros_consensus",
        10 => "fanduel",
        12 => "draftkings",
        13 => "williamhill_us",
        18 => "betrivers",
        19 => "betmgm",
        24 => "bet365",
        33 => "espnbet",
        other => return format!("book_{other}"),
    }
    .to_string()
}

/// A naive US Eastern wall-clock time (how BettingPros writes times) as UTC.
///
/// The offset is the one in force at that time of day: the day's midnight
/// offset before 03:00, the next midnight's after (DST switches at 02:00).
pub fn et_to_utc(local: NaiveDateTime) -> DateTime<Utc> {
    let offset_at = |date: chrono::NaiveDate| et_midnight_utc(date) - date.and_time(NaiveTime::MIN).and_utc();
    let date = local.date();
    let offset = if local.time() >= NaiveTime::from_hms_opt(3, 0, 0).unwrap_or(NaiveTime::MIN) {
        date.succ_opt().map_or(offset_at(date), offset_at)
    } else {
        offset_at(date)
    };
    local.and_utc() + offset
}

#[cfg(test)]
mod tests {
    use super::*;

    fn et(s: &str) -> String {
        et_to_utc(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()).to_rfc3339()
    }

    #[test]
    fn eastern_wall_clock_to_utc_across_dst() {
        assert_eq!(et("2025-01-15 19:30:00"), "2025-01-16T00:30:00+00:00");
        assert_eq!(et("2025-07-01 19:30:00"), "2025-07-01T23:30:00+00:00");
        // DST starts at 02:00 on 2025-03-09: an evening tip that day is EDT.
        assert_eq!(et("2025-03-09 19:30:00"), "2025-03-09T23:30:00+00:00");
        assert_eq!(et("2025-03-09 01:00:00"), "2025-03-09T06:00:00+00:00");
        // DST ends at 02:00 on 2025-11-02: an evening tip that day is EST.
        assert_eq!(et("2025-11-02 19:30:00"), "2025-11-03T00:30:00+00:00");
    }

    #[test]
    fn book_keys() {
        assert_eq!(bookmaker_key(0), "bettingpros_consensus");
        assert_eq!(bookmaker_key(13), "williamhill_us");
        assert_eq!(bookmaker_key(99), "book_99");
        for id in [0, 10, 12, 13, 18, 19, 24, 33] {
            let key = bookmaker_key(id);
            assert!(
                nba_schemas::tables::raw_odds::BETTINGPROS_BOOKMAKERS.contains(&key.as_str()),
                "{key}"
            );
            assert!(nba_upstream::bettingpros::book_name(id).is_some(), "{id}");
        }
    }
}
