//! Scraper options as users and the workflow send them.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;

/// `POST /scrape` body: the scraper name plus its options. Unknown fields are refused.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScrapeRequest {
    pub scraper: String,
    /// `YYYY-MM-DD`, `TODAY` or `YESTERDAY` (resolved in America/New_York).
    #[serde(default)]
    pub date: Option<String>,
    /// Season label `2024-25`; derived from the date when absent.
    #[serde(default)]
    pub season: Option<String>,
    /// Last date of a range (inclusive), for date-range endpoints.
    #[serde(default)]
    pub date_to: Option<String>,
    /// NBA game id, e.g. `0022400561`.
    #[serde(default)]
    pub game_id: Option<String>,
    /// Odds API event id (32 hex characters) or ESPN event id (digits).
    #[serde(default)]
    pub event_id: Option<String>,
    /// Team code for per-team endpoints (the source's own code, e.g. ESPN `bos`).
    #[serde(default)]
    pub team: Option<String>,
    /// Odds API regions, e.g. `us`.
    #[serde(default)]
    pub regions: Option<String>,
    /// Odds API bookmakers (comma-separated keys), e.g. `draftkings,fanduel`.
    #[serde(default)]
    pub bookmakers: Option<String>,
    /// Odds API markets (comma-separated), overriding the scraper's default.
    #[serde(default)]
    pub markets: Option<String>,
    /// Snapshot instant for historical endpoints (RFC 3339).
    #[serde(default)]
    pub at: Option<String>,
}

/// Options a scraper may require beyond the date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    GameId,
    EventId,
    Team,
    At,
}

impl OptionKind {
    pub fn name(self) -> &'static str {
        match self {
            OptionKind::GameId => "game_id",
            OptionKind::EventId => "event_id",
            OptionKind::Team => "team",
            OptionKind::At => "at",
        }
    }
}

/// Validated options of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct ScrapeOptions {
    /// ET game date the run is for.
    pub date: NaiveDate,
    pub season: String,
    pub date_to: NaiveDate,
    pub game_id: Option<String>,
    pub event_id: Option<String>,
    pub team: Option<String>,
    pub regions: String,
    pub bookmakers: Option<String>,
    pub markets: Option<String>,
    pub at: Option<DateTime<Utc>>,
}

impl ScrapeOptions {
    /// Options for `date` with everything else at its default.
    pub fn for_date(date: NaiveDate) -> Self {
        ScrapeOptions {
            date,
            season: season_of(date),
            date_to: date,
            game_id: None,
            event_id: None,
            team: None,
            regions: "us".into(),
            bookmakers: None,
            markets: None,
            at: None,
        }
    }

    pub fn has(&self, kind: OptionKind) -> bool {
        match kind {
            OptionKind::GameId => self.game_id.is_some(),
            OptionKind::EventId => self.event_id.is_some(),
            OptionKind::Team => self.team.is_some(),
            OptionKind::At => self.at.is_some(),
        }
    }

    /// Validates a request's options; `today_et` resolves `TODAY`/`YESTERDAY`.
    pub fn from_request(req: &ScrapeRequest, today_et: NaiveDate) -> Result<Self, OptionError> {
        let date = resolve_date(req.date.as_deref(), today_et)?;
        let mut opts = ScrapeOptions::for_date(date);
        if let Some(season) = &req.season {
            opts.season = validate_season(season)?;
        }
        if let Some(to) = &req.date_to {
            opts.date_to = resolve_date(Some(to), today_et)?;
            if opts.date_to < date {
                return Err(OptionError::Invalid("date_to", to.clone(), "is before date"));
            }
        }
        opts.game_id = checked(&req.game_id, "game_id", |s| {
            s.len() == 10 && s.starts_with("00") && all(s, |c| c.is_ascii_digit())
        })?;
        opts.event_id = checked(&req.event_id, "event_id", |s| {
            (1..=64).contains(&s.len()) && all(s, |c| c.is_ascii_hexdigit())
        })?;
        opts.team = checked(&req.team, "team", |s| {
            (2..=4).contains(&s.len()) && all(s, |c| c.is_ascii_alphabetic())
        })?;
        if let Some(regions) = checked(&req.regions, "regions", is_key_list)? {
            opts.regions = regions;
        }
        opts.bookmakers = checked(&req.bookmakers, "bookmakers", is_key_list)?;
        opts.markets = checked(&req.markets, "markets", is_key_list)?;
        opts.at = match &req.at {
            None => None,
            Some(at) => Some(
                DateTime::parse_from_rfc3339(at)
                    .map_err(|_| OptionError::Invalid("at", at.clone(), "is not an RFC 3339 instant"))?
                    .with_timezone(&Utc),
            ),
        };
        Ok(opts)
    }
}

fn all(s: &str, f: impl Fn(char) -> bool) -> bool {
    s.chars().all(f)
}

/// `a,b_c,d`: comma-separated lowercase keys.
fn is_key_list(s: &str) -> bool {
    !s.is_empty()
        && s.split(',')
            .all(|k| !k.is_empty() && all(k, |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
}

fn checked(
    value: &Option<String>,
    name: &'static str,
    ok: impl Fn(&str) -> bool,
) -> Result<Option<String>, OptionError> {
    match value {
        None => Ok(None),
        Some(v) if ok(v) => Ok(Some(v.clone())),
        Some(v) => Err(OptionError::Invalid(name, v.clone(), "is malformed")),
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum OptionError {
    #[error("option date: {0:?} is not YYYY-MM-DD, TODAY or YESTERDAY")]
    Date(String),
    #[error("option season: {0:?} is not like 2024-25")]
    Season(String),
    #[error("option {0}: {1:?} {2}")]
    Invalid(&'static str, String, &'static str),
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

    #[test]
    fn request_options_are_validated() {
        let today = d("2025-01-10");
        let req = |f: fn(&mut ScrapeRequest)| {
            let mut r = ScrapeRequest {
                scraper: "x".into(),
                ..Default::default()
            };
            f(&mut r);
            ScrapeOptions::from_request(&r, today)
        };
        let opts = req(|r| r.game_id = Some("0022400561".into())).unwrap();
        assert_eq!(
            (opts.date, opts.season.as_str(), opts.regions.as_str()),
            (today, "2024-25", "us")
        );
        assert!(req(|r| r.game_id = Some("22400561".into())).is_err());
        assert!(req(|r| r.event_id = Some("not-hex!".into())).is_err());
        assert!(req(|r| r.bookmakers = Some("DraftKings".into())).is_err());
        assert!(req(|r| r.date_to = Some("2025-01-01".into())).is_err());
        assert!(req(|r| r.at = Some("yesterday".into())).is_err());
        let at = req(|r| r.at = Some("2025-01-10T18:00:00Z".into())).unwrap().at.unwrap();
        assert_eq!(at.to_rfc3339(), "2025-01-10T18:00:00+00:00");
    }
}
