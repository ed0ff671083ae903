//! Where each document lives in the `nba-api` bucket, and how long clients may cache it.
//! One table for the exporter (which writes these names) and the API (which serves
//! only these names), so the two cannot drift.

use chrono::NaiveDate;

/// The kinds of published document, by path under `v1/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocPath {
    /// `predictions/{date}.json`
    Predictions(NaiveDate),
    /// `predictions/today.json`: the newest exported date's predictions.
    PredictionsToday,
    /// `best-bets/{date}.json`
    BestBets(NaiveDate),
    /// `results/{date}.json`
    Results(NaiveDate),
    /// `results/latest.json`: the newest graded date.
    ResultsLatest,
    /// `players/{player_lookup}.json`
    Player(String),
    /// `systems/performance.json`
    SystemsPerformance,
    /// `status.json`
    Status,
}

/// How a path under `v1/` failed to name a document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("no published document at v1/{0}")]
    Unknown(String),
    #[error("bad date {0:?} in the path: expected YYYY-MM-DD")]
    BadDate(String),
    #[error("bad player {0:?} in the path: a player_lookup is [a-z0-9]+")]
    BadPlayer(String),
}

/// Freshness classes: what changes during the day is cached briefly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Moves with the pipeline (today's pointer, latest results, status): 30 s.
    Live,
    /// A dated document, a player, system performance: 300 s.
    Daily,
}

impl Freshness {
    pub fn cache_control(self) -> &'static str {
        match self {
            Freshness::Live => "public, max-age=30",
            Freshness::Daily => "public, max-age=300",
        }
    }
}

impl DocPath {
    /// The path under `v1/` (what the API serves after `/v1/`).
    pub fn relative(&self) -> String {
        match self {
            DocPath::Predictions(d) => format!("predictions/{d}.json"),
            DocPath::PredictionsToday => "predictions/today.json".into(),
            DocPath::BestBets(d) => format!("best-bets/{d}.json"),
            DocPath::Results(d) => format!("results/{d}.json"),
            DocPath::ResultsLatest => "results/latest.json".into(),
            DocPath::Player(p) => format!("players/{p}.json"),
            DocPath::SystemsPerformance => "systems/performance.json".into(),
            DocPath::Status => "status.json".into(),
        }
    }

    /// The object name in the bucket.
    pub fn object_name(&self) -> String {
        format!("{}/{}", crate::documents::API_VERSION, self.relative())
    }

    pub fn freshness(&self) -> Freshness {
        match self {
            DocPath::PredictionsToday | DocPath::ResultsLatest | DocPath::Status => Freshness::Live,
            _ => Freshness::Daily,
        }
    }

    /// Parses a path under `v1/` (`predictions/2025-01-10.json`).
    pub fn parse(relative: &str) -> Result<DocPath, PathError> {
        let unknown = || PathError::Unknown(relative.to_string());
        let stem = relative.strip_suffix(".json").ok_or_else(unknown)?;
        let (dir, name) = match stem.split_once('/') {
            Some((dir, name)) if !name.contains('/') => (dir, name),
            Some(_) => return Err(unknown()),
            None if stem == "status" => return Ok(DocPath::Status),
            None => return Err(unknown()),
        };
        let date = || parse_date(name).map_err(|_| PathError::BadDate(name.to_string()));
        match (dir, name) {
            ("predictions", "today") => Ok(DocPath::PredictionsToday),
            ("predictions", _) => Ok(DocPath::Predictions(date()?)),
            ("best-bets", _) => Ok(DocPath::BestBets(date()?)),
            ("results", "latest") => Ok(DocPath::ResultsLatest),
            ("results", _) => Ok(DocPath::Results(date()?)),
            ("players", p) if is_player_lookup(p) => Ok(DocPath::Player(p.to_string())),
            ("players", p) => Err(PathError::BadPlayer(p.to_string())),
            ("systems", "performance") => Ok(DocPath::SystemsPerformance),
            _ => Err(unknown()),
        }
    }
}

/// A strict `YYYY-MM-DD` (chrono alone would also take `2025-1-9`).
pub fn parse_date(text: &str) -> Result<NaiveDate, chrono::ParseError> {
    let shaped = text.len() == 10
        && text
            .char_indices()
            .all(|(i, c)| if i == 4 || i == 7 { c == '-' } else { c.is_ascii_digit() });
    if !shaped {
        // Any parse of a malformed text fails the same way; reuse chrono's error type.
        return NaiveDate::parse_from_str("", "%Y-%m-%d");
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
}

/// `player_lookup` is `[a-z0-9]+` (see the identity crate's normalisation).
pub fn is_player_lookup(text: &str) -> bool {
    !text.is_empty() && text.len() <= 64 && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn every_path_round_trips() {
        let all = [
            DocPath::Predictions(d("2025-01-10")),
            DocPath::PredictionsToday,
            DocPath::BestBets(d("2025-01-10")),
            DocPath::Results(d("2025-01-09")),
            DocPath::ResultsLatest,
            DocPath::Player("lebronjames".into()),
            DocPath::SystemsPerformance,
            DocPath::Status,
        ];
        for p in all {
            assert_eq!(DocPath::parse(&p.relative()), Ok(p.clone()), "{}", p.relative());
            assert!(p.object_name().starts_with("v1/"));
        }
    }

    #[test]
    fn bad_paths_are_told_apart() {
        assert_eq!(
            DocPath::parse("predictions/2025-13-40.json"),
            Err(PathError::BadDate("2025-13-40".into()))
        );
        assert_eq!(
            DocPath::parse("results/2025-1-9.json"),
            Err(PathError::BadDate("2025-1-9".into()))
        );
        assert_eq!(
            DocPath::parse("players/LeBron.json"),
            Err(PathError::BadPlayer("LeBron".into()))
        );
        for unknown in [
            "secrets.json",
            "predictions/x/y.json",
            "status",
            "../status.json",
            "systems/other.json",
        ] {
            assert!(
                matches!(DocPath::parse(unknown), Err(PathError::Unknown(_))),
                "{unknown}"
            );
        }
    }

    #[test]
    fn live_documents_are_cached_briefly() {
        assert_eq!(DocPath::Status.freshness().cache_control(), "public, max-age=30");
        assert_eq!(
            DocPath::Predictions(d("2025-01-10")).freshness().cache_control(),
            "public, max-age=300"
        );
    }
}
