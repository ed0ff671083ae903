//! The game clock. `game_date` is the America/New_York calendar date; every
//! stored timestamp is UTC. Convert only at these edges.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::America::New_York;

/// The ET calendar date of an instant (a 22:30 ET tip is 02:30 UTC the next day).
pub fn et_date(instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&New_York).date_naive()
}

/// Today in ET.
pub fn today_et() -> NaiveDate {
    et_date(Utc::now())
}

/// Midnight ET of `date`, as a UTC instant.
pub fn et_midnight_utc(date: NaiveDate) -> DateTime<Utc> {
    let naive = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    New_York
        .from_local_datetime(&naive)
        .earliest()
        .expect("midnight ET is never skipped by DST")
        .with_timezone(&Utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_tip_belongs_to_the_previous_et_day() {
        let tip = Utc.with_ymd_and_hms(2025, 1, 11, 3, 30, 0).unwrap(); // 22:30 ET on Jan 10
        assert_eq!(et_date(tip), NaiveDate::from_ymd_opt(2025, 1, 10).unwrap());
    }

    #[test]
    fn et_midnight_is_five_hours_behind_utc_in_winter() {
        let d = NaiveDate::from_ymd_opt(2025, 1, 10).unwrap();
        assert_eq!(et_midnight_utc(d), Utc.with_ymd_and_hms(2025, 1, 10, 5, 0, 0).unwrap());
    }
}
