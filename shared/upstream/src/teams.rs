//! The one team-code mapping table: every source's tricode, abbreviation or
//! full name → the NBA tricode the pipeline stores.
//!
//! Sources disagree: ESPN writes `GS`, `NY`, `SA`, `NO`, `UTAH`, `WSH`;
//! Basketball-Reference writes `BRK`, `CHO`, `PHO`; The Odds API writes full
//! names ("Los Angeles Clippers") while NBA.com and balldontlie say
//! "LA Clippers". Game matching (Odds API event → NBA game on game date, home
//! and away team) depends on all of them landing on the same tricode, so an
//! unknown name is an error, never a guess.
//!
//! Matching ignores case, surrounding and repeated whitespace and dots
//! (`L.A. Clippers`). Only the 30 current franchises are known: historical
//! codes (`NJN`, `SEA`, `NOH`) are errors on purpose.

/// A name that matches none of the 30 NBA teams in any known spelling.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown team name or code {0:?}")]
pub struct UnknownTeam(pub String);

impl UnknownTeam {
    /// The same failure as a [`crate::ShapeError`] at a decoder's field.
    pub fn at(self, source_name: &str, endpoint: &str, field: impl Into<String>) -> crate::ShapeError {
        crate::ShapeError::new(source_name, endpoint, field, self.to_string())
    }
}

/// One franchise and its spellings across sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NbaTeam {
    /// NBA.com tricode, the pipeline's team key (also balldontlie's abbreviation).
    pub tricode: &'static str,
    /// NBA.com full name (`LA Clippers`).
    pub full_name: &'static str,
    /// Team nickname (`Clippers`); unique across the league.
    pub nickname: &'static str,
    /// ESPN abbreviation (`GS`, `UTAH`, `WSH`, ...).
    pub espn: &'static str,
    /// Basketball-Reference code (`BRK`, `CHO`, `PHO`, ...).
    pub basketball_reference: &'static str,
    /// Other spellings seen upstream (The Odds API full names, short forms).
    pub aliases: &'static [&'static str],
}

const fn t(
    tricode: &'static str,
    full_name: &'static str,
    nickname: &'static str,
    espn: &'static str,
    basketball_reference: &'static str,
    aliases: &'static [&'static str],
) -> NbaTeam {
    NbaTeam {
        tricode,
        full_name,
        nickname,
        espn,
        basketball_reference,
        aliases,
    }
}

/// The 30 franchises.
pub const TEAMS: [NbaTeam; 30] = [
    t("ATL", "Atlanta Hawks", "Hawks", "ATL", "ATL", &[]),
    t("BOS", "Boston Celtics", "Celtics", "BOS", "BOS", &[]),
    t("BKN", "Brooklyn Nets", "Nets", "BKN", "BRK", &["BKLYN"]),
    t("CHA", "Charlotte Hornets", "Hornets", "CHA", "CHO", &[]),
    t("CHI", "Chicago Bulls", "Bulls", "CHI", "CHI", &[]),
    t("CLE", "Cleveland Cavaliers", "Cavaliers", "CLE", "CLE", &["Cavs"]),
    t("DAL", "Dallas Mavericks", "Mavericks", "DAL", "DAL", &["Mavs"]),
    t("DEN", "Denver Nuggets", "Nuggets", "DEN", "DEN", &[]),
    t("DET", "Detroit Pistons", "Pistons", "DET", "DET", &[]),
    t("GSW", "Golden State Warriors", "Warriors", "GS", "GSW", &[]),
    t("HOU", "Houston Rockets", "Rockets", "HOU", "HOU", &[]),
    t("IND", "Indiana Pacers", "Pacers", "IND", "IND", &[]),
    t(
        "LAC",
        "LA Clippers",
        "Clippers",
        "LAC",
        "LAC",
        &["Los Angeles Clippers"],
    ),
    t("LAL", "Los Angeles Lakers", "Lakers", "LAL", "LAL", &["LA Lakers"]),
    t("MEM", "Memphis Grizzlies", "Grizzlies", "MEM", "MEM", &[]),
    t("MIA", "Miami Heat", "Heat", "MIA", "MIA", &[]),
    t("MIL", "Milwaukee Bucks", "Bucks", "MIL", "MIL", &[]),
    t(
        "MIN",
        "Minnesota Timberwolves",
        "Timberwolves",
        "MIN",
        "MIN",
        &["Wolves"],
    ),
    t("NOP", "New Orleans Pelicans", "Pelicans", "NO", "NOP", &["NOR"]),
    t("NYK", "New York Knicks", "Knicks", "NY", "NYK", &[]),
    t("OKC", "Oklahoma City Thunder", "Thunder", "OKC", "OKC", &[]),
    t("ORL", "Orlando Magic", "Magic", "ORL", "ORL", &[]),
    t("PHI", "Philadelphia 76ers", "76ers", "PHI", "PHI", &["Sixers"]),
    t("PHX", "Phoenix Suns", "Suns", "PHX", "PHO", &[]),
    t(
        "POR",
        "Portland Trail Blazers",
        "Trail Blazers",
        "POR",
        "POR",
        &["Portland Trailblazers", "Blazers"],
    ),
    t("SAC", "Sacramento Kings", "Kings", "SAC", "SAC", &[]),
    t("SAS", "San Antonio Spurs", "Spurs", "SA", "SAS", &[]),
    t("TOR", "Toronto Raptors", "Raptors", "TOR", "TOR", &[]),
    t("UTA", "Utah Jazz", "Jazz", "UTAH", "UTA", &["UTH"]),
    t("WAS", "Washington Wizards", "Wizards", "WSH", "WAS", &[]),
];

/// Uppercase, dots dropped, whitespace collapsed.
fn key(s: &str) -> String {
    s.replace('.', "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase()
}

impl NbaTeam {
    fn spellings(&self) -> impl Iterator<Item = &'static str> {
        [
            self.tricode,
            self.full_name,
            self.nickname,
            self.espn,
            self.basketball_reference,
        ]
        .into_iter()
        .chain(self.aliases.iter().copied())
    }
}

/// The team any source calls `name` (tricode, abbreviation, full name or
/// nickname, case-insensitive).
pub fn team(name: &str) -> Result<&'static NbaTeam, UnknownTeam> {
    let k = key(name);
    if k.is_empty() {
        return Err(UnknownTeam(name.to_string()));
    }
    TEAMS
        .iter()
        .find(|t| t.spellings().any(|s| key(s) == k))
        .ok_or_else(|| UnknownTeam(name.to_string()))
}

/// The NBA tricode of any source's team name or code: `GS` → `GSW`,
/// `Los Angeles Clippers` → `LAC`, `PHO` → `PHX`.
pub fn nba_tricode(name: &str) -> Result<&'static str, UnknownTeam> {
    team(name).map(|t| t.tricode)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every source form of every team resolves to that team.
    #[test]
    fn all_thirty_from_every_source_form() {
        assert_eq!(TEAMS.len(), 30);
        for t in &TEAMS {
            for s in t.spellings() {
                assert_eq!(nba_tricode(s), Ok(t.tricode), "{s}");
                assert_eq!(nba_tricode(&s.to_lowercase()), Ok(t.tricode), "{s} lowercase");
                assert_eq!(nba_tricode(&format!("  {s} ")), Ok(t.tricode), "{s} padded");
            }
            // The Odds API / full-name form with city.
            assert_eq!(nba_tricode(t.full_name), Ok(t.tricode));
        }
    }

    #[test]
    fn the_known_disagreements() {
        let cases = [
            ("GS", "GSW"),
            ("GSW", "GSW"),
            ("NY", "NYK"),
            ("NYK", "NYK"),
            ("SA", "SAS"),
            ("SAS", "SAS"),
            ("NO", "NOP"),
            ("NOP", "NOP"),
            ("UTAH", "UTA"),
            ("UTA", "UTA"),
            ("WSH", "WAS"),
            ("WAS", "WAS"),
            ("PHX", "PHX"),
            ("PHO", "PHX"),
            ("BKN", "BKN"),
            ("BRK", "BKN"),
            ("CHA", "CHA"),
            ("CHO", "CHA"),
            ("Los Angeles Lakers", "LAL"),
            ("LA Clippers", "LAC"),
            ("Los Angeles Clippers", "LAC"),
            ("L.A. Clippers", "LAC"),
            ("Philadelphia 76ers", "PHI"),
            ("Portland Trail Blazers", "POR"),
        ];
        for (input, want) in cases {
            assert_eq!(nba_tricode(input), Ok(want), "{input}");
        }
    }

    /// The Odds API's and balldontlie's full names for all 30 (as recorded).
    #[test]
    fn recorded_full_names() {
        let names = [
            "Atlanta Hawks",
            "Boston Celtics",
            "Brooklyn Nets",
            "Charlotte Hornets",
            "Chicago Bulls",
            "Cleveland Cavaliers",
            "Dallas Mavericks",
            "Denver Nuggets",
            "Detroit Pistons",
            "Golden State Warriors",
            "Houston Rockets",
            "Indiana Pacers",
            "Los Angeles Clippers",
            "Los Angeles Lakers",
            "Memphis Grizzlies",
            "Miami Heat",
            "Milwaukee Bucks",
            "Minnesota Timberwolves",
            "New Orleans Pelicans",
            "New York Knicks",
            "Oklahoma City Thunder",
            "Orlando Magic",
            "Philadelphia 76ers",
            "Phoenix Suns",
            "Portland Trail Blazers",
            "Sacramento Kings",
            "San Antonio Spurs",
            "Toronto Raptors",
            "Utah Jazz",
            "Washington Wizards",
        ];
        let mut seen: Vec<&str> = names.iter().map(|n| nba_tricode(n).unwrap()).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 30);
    }

    /// No spelling is claimed by two teams.
    #[test]
    fn spellings_are_unambiguous() {
        let mut all: Vec<(String, &str)> = TEAMS
            .iter()
            .flat_map(|t| t.spellings().map(move |s| (key(s), t.tricode)))
            .collect();
        all.sort();
        all.dedup();
        for w in all.windows(2) {
            assert!(w[0].0 != w[1].0, "{} claimed by {} and {}", w[0].0, w[0].1, w[1].1);
        }
    }

    #[test]
    fn unknown_names_are_errors() {
        for bad in [
            "",
            "  ",
            "NJN",
            "SEA",
            "NOH",
            "Team LeBron",
            "Los Angeles",
            "XYZ",
            "Real Madrid",
        ] {
            assert_eq!(nba_tricode(bad), Err(UnknownTeam(bad.to_string())), "{bad:?}");
        }
        let e = nba_tricode("Seattle SuperSonics")
            .unwrap_err()
            .at("odds_api", "v4/events", "data[0].home_team");
        assert_eq!(e.field, "data[0].home_team");
        assert!(e.reason.contains("Seattle SuperSonics"));
    }
}
