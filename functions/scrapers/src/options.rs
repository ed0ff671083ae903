//! Scraper options as users and the workflow send them.

use chrono::{Duration, NaiveDate};
use serde::Deserialize;

/// `POST /scrape` body: the scraper name plus its options.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScrapeRequest {
    pub scraper: String,
    /// `YYYY-MM-DD`, `TODAY` or `YESTERDAY` (resolved in America/New_York).
    #[serde(default)]
    pub date: Option<String>,
    /// Season label `2024-25`; derived from the date when absent.
    #[serde(default)]
    pub season: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum OptionError {
    #[error("option date: {0:?} is not YYYY-MM-DD, TODAY or YESTERDAY")]
    Date(String),
    #[error("option season: {0:?} is not like 2024-25")]
    Season(String),
}

/// Resolves `date` against today's ET date.
pub fn resolve_date(raw: Option<&str>, today_et: NaiveDate) -> Result<NaiveDate, OptionError> {
    match raw.map(str::trim) {
        None | Some("TODAY") => Ok(today_et),
        Some("YESTERDAY") => Ok(today_et - Duration::days(1)),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| OptionError::Date(s.to_string())),
    }
}

/// NBA seasons start in October: a date from August on belongs to the season starting that year.
pub fn season_of(date: NaiveDate) -> String {
    use chrono::Datelike;
    let start = if date.month() >= 8 {
        date.year()
    } else {
        date.year() - 1
    };
    format!("{start}-{:02}", (start + 1) % 100)
}

pub fn validate_season(season: &str) -> Result<String, OptionError> {
    let bytes = season.as_bytes();
    let shaped =
        bytes.len() == 7 && bytes[4] == b'-' && season[..4].parse::<u16>().is_ok() && season[5..].parse::<u8>().is_ok();
    if !shaped {
        return Err(OptionError::Season(season.to_string()));
    }
    let start: u16 = season[..4]
        .parse()
        .map_err(|_| OptionError::Season(season.to_string()))?;
    let end: u16 = season[5..]
        .parse()
        .map_err(|_| OptionError::Season(season.to_string()))?;
    if (start + 1) % 100 != end {
        return Err(OptionError::Season(season.to_string()));
    }
    Ok(season.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn today_and_yesterday_resolve_against_et_today() {
        assert_eq!(resolve_date(Some("TODAY"), d("2025-01-10")), Ok(d("2025-01-10")));
        assert_eq!(resolve_date(None, d("2025-01-10")), Ok(d("2025-01-10")));
        assert_eq!(resolve_date(Some("YESTERDAY"), d("2025-01-01")), Ok(d("2024-12-31")));
        assert!(resolve_date(Some("10/01/2025"), d("2025-01-01")).is_err());
    }

    #[test]
    fn seasons_turn_over_in_august() {
        assert_eq!(season_of(d("2025-01-10")), "2024-25");
        assert_eq!(season_of(d("2024-10-22")), "2024-25");
        assert_eq!(season_of(d("1999-11-01")), "1999-00");
        assert_eq!(validate_season("2024-25"), Ok("2024-25".into()));
        assert!(validate_season("2024-26").is_err());
        assert!(validate_season("24-25").is_err());
    }
}
