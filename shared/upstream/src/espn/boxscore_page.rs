//! The ESPN box score web page, `https://www.espn.com/nba/boxscore/_/gameId/{id}`
//! (HTML): a fallback for per-player box scores when the JSON APIs are
//! unavailable. Parsed with a real HTML parser (`scraper`), validating the
//! structure instead of trusting positions:
//!
//! - each team is a section holding a `.Boxscore__Title` (team name), a
//!   fixed-left names table (`table.Table--fixed-left`: section headers
//!   `starters` / `bench` / `team`, then one row per player) and a stats
//!   table (`.Table__Scroller table`) whose rows align with the names table
//!   by `data-idx`;
//! - stat columns are located BY LABEL from the stats table's header row
//!   (`MIN`, `FG`, `3PT`, `FT`, `REB`, `AST`, `PTS` are required; `OREB`,
//!   `DREB`, `STL`, `BLK`, `TO`, `PF`, `+/-` are read when present). A missing
//!   required label is a [`ShapeError`] naming the label;
//! - a player row whose stats row is a single text cell (`DNP-COACH'S
//!   DECISION`, `DND-INJURY`, `NWT-...`) is a player who did not play: kept,
//!   with `dnp_reason`, and no stats (not zeros).

use std::collections::HashMap;

use scraper::{ElementRef, Html, Selector};
use serde::{Deserialize, Serialize};

use super::SOURCE;
use crate::ShapeError;
use crate::teams::nba_tricode;

const ENDPOINT: &str = "www.espn.com/nba/boxscore";

const TITLE: &str = ".Boxscore__Title";
const TEAM_NAME: &str = ".BoxscoreItem__TeamName";
const NAMES_TABLE: &str = "table.Table--fixed-left";
const STATS_TABLE: &str = ".Table__Scroller table";
const ROWS: &str = "tbody tr";
const CELLS: &str = "td";
const CUSTOM_HEADER: &str = ".Table__customHeader";
const ATHLETE_LINK: &str = "a[data-player-uid], a[href*='/player/']";
const ATHLETE_LONG: &str = ".Boxscore__AthleteName--long";
const JERSEY: &str = ".playerJersey";
const OG_URL: &str = "meta[property='og:url']";

/// Stat labels a box score must have.
pub const REQUIRED_LABELS: [&str; 7] = ["MIN", "FG", "3PT", "FT", "REB", "AST", "PTS"];

/// A game's box score page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoxScorePage {
    /// ESPN game id, from the page's `og:url`, when present.
    pub game_id: Option<String>,
    /// Both teams, in page order (away team first on ESPN's layout).
    pub teams: Vec<TeamBox>,
}

/// One team's box.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamBox {
    /// Team name as shown, e.g. "Houston Rockets".
    pub team_name: String,
    pub nba_tricode: Option<String>,
    pub players: Vec<PlayerLine>,
    /// Points of the team totals row, when present.
    pub team_points: Option<u32>,
}

/// One player's line. Counting stats are `None` for a player who did not play.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlayerLine {
    /// ESPN athlete id.
    pub athlete_id: Option<String>,
    pub name: String,
    pub jersey: Option<String>,
    pub starter: bool,
    /// Why the player did not play (`DNP-COACH'S DECISION`), `None` if he played.
    pub dnp_reason: Option<String>,
    /// Whole minutes played.
    pub minutes: Option<u32>,
    pub fgm: Option<u32>,
    pub fga: Option<u32>,
    pub fg3m: Option<u32>,
    pub fg3a: Option<u32>,
    pub ftm: Option<u32>,
    pub fta: Option<u32>,
    pub oreb: Option<u32>,
    pub dreb: Option<u32>,
    pub reb: Option<u32>,
    pub ast: Option<u32>,
    pub stl: Option<u32>,
    pub blk: Option<u32>,
    pub turnovers: Option<u32>,
    pub fouls: Option<u32>,
    pub plus_minus: Option<i32>,
    pub pts: Option<u32>,
}

fn err(field: impl Into<String>, reason: impl Into<String>) -> ShapeError {
    ShapeError::new(SOURCE, ENDPOINT, field, reason)
}

fn sel(s: &str) -> Result<Selector, ShapeError> {
    Selector::parse(s).map_err(|e| err(s, format!("invalid selector: {e}")))
}

fn text(e: ElementRef) -> String {
    e.text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

struct Selectors {
    title: Selector,
    team_name: Selector,
    names_table: Selector,
    stats_table: Selector,
    rows: Selector,
    cells: Selector,
    custom_header: Selector,
    athlete_link: Selector,
    athlete_long: Selector,
    jersey: Selector,
}

impl Selectors {
    fn new() -> Result<Self, ShapeError> {
        Ok(Selectors {
            title: sel(TITLE)?,
            team_name: sel(TEAM_NAME)?,
            names_table: sel(NAMES_TABLE)?,
            stats_table: sel(STATS_TABLE)?,
            rows: sel(ROWS)?,
            cells: sel(CELLS)?,
            custom_header: sel(CUSTOM_HEADER)?,
            athlete_link: sel(ATHLETE_LINK)?,
            athlete_long: sel(ATHLETE_LONG)?,
            jersey: sel(JERSEY)?,
        })
    }
}

/// A row of the names table.
enum NameRow {
    Section(String),
    Player {
        name: String,
        athlete_id: Option<String>,
        jersey: Option<String>,
    },
    Blank,
}

/// A row of the stats table.
struct StatsRow {
    header: bool,
    cells: Vec<String>,
}

fn row_idx(row: ElementRef, pos: usize) -> String {
    row.attr("data-idx").map_or_else(|| pos.to_string(), str::to_string)
}

fn athlete_id(link: ElementRef) -> Option<String> {
    if let Some(uid) = link.attr("data-player-uid")
        && let Some((_, id)) = uid.rsplit_once("~a:")
    {
        return Some(id.to_string());
    }
    let href = link.attr("href")?;
    let rest = href.split("/id/").nth(1)?;
    let id: String = rest.chars().take_while(char::is_ascii_digit).collect();
    (!id.is_empty()).then_some(id)
}

fn name_rows(s: &Selectors, table: ElementRef) -> Vec<(String, NameRow)> {
    table
        .select(&s.rows)
        .enumerate()
        .map(|(pos, row)| {
            let idx = row_idx(row, pos);
            if let Some(link) = row.select(&s.athlete_link).next() {
                let name = row.select(&s.athlete_long).next().map_or_else(|| text(link), text);
                let jersey = row
                    .select(&s.jersey)
                    .next()
                    .map(|j| text(j).trim_start_matches('#').trim().to_string())
                    .filter(|j| !j.is_empty());
                (
                    idx,
                    NameRow::Player {
                        name,
                        athlete_id: athlete_id(link),
                        jersey,
                    },
                )
            } else if row.select(&s.custom_header).next().is_some() {
                (idx, NameRow::Section(text(row).to_lowercase()))
            } else {
                (idx, NameRow::Blank)
            }
        })
        .collect()
}

fn stats_rows(s: &Selectors, table: ElementRef) -> Vec<(String, StatsRow)> {
    table
        .select(&s.rows)
        .enumerate()
        .map(|(pos, row)| {
            let tds: Vec<ElementRef> = row.select(&s.cells).collect();
            let header = !tds.is_empty()
                && tds.iter().all(|td| {
                    td.value().classes().any(|c| c == "Table__customHeader")
                        || td.select(&s.custom_header).next().is_some()
                });
            (
                row_idx(row, pos),
                StatsRow {
                    header,
                    cells: tds.into_iter().map(text).collect(),
                },
            )
        })
        .collect()
}

/// Column positions by label.
struct Columns {
    labels: Vec<String>,
    by_label: HashMap<String, usize>,
}

impl Columns {
    fn from_header(team: &str, labels: &[String]) -> Result<Self, ShapeError> {
        let by_label: HashMap<String, usize> = labels
            .iter()
            .enumerate()
            .map(|(i, l)| (l.to_ascii_uppercase(), i))
            .collect();
        for want in REQUIRED_LABELS {
            if !by_label.contains_key(want) {
                return Err(err(
                    format!("{team}: {STATS_TABLE} header label {want}"),
                    format!("missing; header labels are {labels:?}"),
                ));
            }
        }
        Ok(Columns {
            labels: labels.to_vec(),
            by_label,
        })
    }
}

/// Reads the stat cells of one played row by label.
struct RowReader<'a> {
    team: &'a str,
    idx: &'a str,
    cols: &'a Columns,
    cells: &'a [String],
}

impl RowReader<'_> {
    fn field(&self, label: &str) -> String {
        format!("{}: {STATS_TABLE} tr[data-idx={}] {label}", self.team, self.idx)
    }

    fn cell(&self, label: &str) -> Option<&str> {
        let i = *self.cols.by_label.get(label)?;
        let c = self.cells.get(i)?.trim();
        (!matches!(c, "" | "-" | "--")).then_some(c)
    }

    fn count(&self, label: &str) -> Result<Option<u32>, ShapeError> {
        self.cell(label)
            .map(|c| {
                c.parse::<u32>()
                    .map_err(|_| err(self.field(label), format!("not a count: {c:?}")))
            })
            .transpose()
    }

    fn signed(&self, label: &str) -> Result<Option<i32>, ShapeError> {
        self.cell(label)
            .map(|c| {
                c.trim_start_matches('+')
                    .parse::<i32>()
                    .map_err(|_| err(self.field(label), format!("not a signed number: {c:?}")))
            })
            .transpose()
    }

    /// `"5-9"` → (5, 9).
    fn made_attempted(&self, label: &str) -> Result<(Option<u32>, Option<u32>), ShapeError> {
        let Some(c) = self.cell(label) else {
            return Ok((None, None));
        };
        let bad = || err(self.field(label), format!("not made-attempted: {c:?}"));
        let (m, a) = c.split_once('-').ok_or_else(bad)?;
        let (m, a) = (
            m.trim().parse::<u32>().map_err(|_| bad())?,
            a.trim().parse::<u32>().map_err(|_| bad())?,
        );
        if m > a {
            return Err(bad());
        }
        Ok((Some(m), Some(a)))
    }
}

fn game_id(doc: &Html) -> Result<Option<String>, ShapeError> {
    let og = sel(OG_URL)?;
    Ok(doc.select(&og).find_map(|m| {
        let url = m.attr("content")?;
        let rest = url.split("gameId/").nth(1).or_else(|| url.split("gameId=").nth(1))?;
        let id: String = rest.chars().take_while(char::is_ascii_digit).collect();
        (!id.is_empty()).then_some(id)
    }))
}

fn decode_team(s: &Selectors, section: ElementRef) -> Result<TeamBox, ShapeError> {
    let team_name = section
        .select(&s.team_name)
        .next()
        .map(text)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| err(TEAM_NAME, "missing team name in a box score section"))?;
    let t = team_name.as_str();
    let names = section
        .select(&s.names_table)
        .next()
        .ok_or_else(|| err(format!("{t}: {NAMES_TABLE}"), "missing"))?;
    let stats = section
        .select(&s.stats_table)
        .next()
        .ok_or_else(|| err(format!("{t}: {STATS_TABLE}"), "missing"))?;

    let names = name_rows(s, names);
    let stats = stats_rows(s, stats);
    let by_idx: HashMap<&str, &StatsRow> = stats.iter().map(|(i, r)| (i.as_str(), r)).collect();

    // The label rows are the stats rows aligned with the `starters` and
    // `bench` section headers of the names table (the `team` section's row
    // holds the totals, styled the same way).
    let label_idxs: Vec<&str> = names
        .iter()
        .filter_map(|(i, r)| match r {
            NameRow::Section(n) if n != "team" && !n.is_empty() => Some(i.as_str()),
            _ => None,
        })
        .collect();
    let first_idx = *label_idxs.first().ok_or_else(|| {
        err(
            format!("{t}: {NAMES_TABLE} {CUSTOM_HEADER}"),
            "no starters/bench section header",
        )
    })?;
    let header = by_idx.get(first_idx).filter(|r| r.header).ok_or_else(|| {
        err(
            format!("{t}: {STATS_TABLE} tr[data-idx={first_idx}]"),
            "missing header (label) row",
        )
    })?;
    let cols = Columns::from_header(t, &header.cells)?;
    for idx in &label_idxs[1..] {
        let same = by_idx.get(idx).is_some_and(|r| r.header && r.cells == cols.labels);
        if !same {
            return Err(err(
                format!("{t}: {STATS_TABLE} tr[data-idx={idx}]"),
                format!("header row differs from the first {:?}", cols.labels),
            ));
        }
    }

    let mut players = Vec::new();
    let mut team_points = None;
    let mut section_name = String::new();
    for (idx, row) in names {
        match row {
            NameRow::Section(name) => {
                if name == "team"
                    && let Some(r) = by_idx.get(idx.as_str())
                {
                    team_points = RowReader {
                        team: t,
                        idx: &idx,
                        cols: &cols,
                        cells: &r.cells,
                    }
                    .count("PTS")?;
                }
                section_name = name;
            }
            NameRow::Blank => {}
            NameRow::Player {
                name,
                athlete_id,
                jersey,
            } => {
                if section_name == "team" {
                    continue;
                }
                let field = format!("{t}: {STATS_TABLE} tr[data-idx={idx}]");
                let r = by_idx
                    .get(idx.as_str())
                    .ok_or_else(|| err(&field, format!("no stats row for player {name:?}")))?;
                if r.header {
                    return Err(err(&field, format!("stats row for player {name:?} is a header row")));
                }
                let mut line = PlayerLine {
                    athlete_id,
                    name,
                    jersey,
                    starter: section_name == "starters",
                    dnp_reason: None,
                    minutes: None,
                    fgm: None,
                    fga: None,
                    fg3m: None,
                    fg3a: None,
                    ftm: None,
                    fta: None,
                    oreb: None,
                    dreb: None,
                    reb: None,
                    ast: None,
                    stl: None,
                    blk: None,
                    turnovers: None,
                    fouls: None,
                    plus_minus: None,
                    pts: None,
                };
                if r.cells.len() == cols.labels.len() {
                    let rd = RowReader {
                        team: t,
                        idx: &idx,
                        cols: &cols,
                        cells: &r.cells,
                    };
                    line.minutes = rd.count("MIN")?;
                    (line.fgm, line.fga) = rd.made_attempted("FG")?;
                    (line.fg3m, line.fg3a) = rd.made_attempted("3PT")?;
                    (line.ftm, line.fta) = rd.made_attempted("FT")?;
                    line.oreb = rd.count("OREB")?;
                    line.dreb = rd.count("DREB")?;
                    line.reb = rd.count("REB")?;
                    line.ast = rd.count("AST")?;
                    line.stl = rd.count("STL")?;
                    line.blk = rd.count("BLK")?;
                    line.turnovers = rd.count("TO")?;
                    line.fouls = rd.count("PF")?;
                    line.plus_minus = rd.signed("+/-")?;
                    line.pts = rd.count("PTS")?;
                } else {
                    let reason = r.cells.iter().find(|c| !c.is_empty()).cloned();
                    match reason {
                        Some(reason) if r.cells.len() < cols.labels.len() && reason.parse::<f64>().is_err() => {
                            line.dnp_reason = Some(reason);
                        }
                        _ => {
                            return Err(err(
                                field,
                                format!(
                                    "{} cells for {} labels and no did-not-play text: {:?}",
                                    r.cells.len(),
                                    cols.labels.len(),
                                    r.cells
                                ),
                            ));
                        }
                    }
                }
                players.push(line);
            }
        }
    }
    if players.is_empty() {
        return Err(err(format!("{t}: {NAMES_TABLE} {ATHLETE_LINK}"), "no player rows"));
    }
    Ok(TeamBox {
        nba_tricode: nba_tricode(t).ok().map(str::to_string),
        team_name,
        players,
        team_points,
    })
}

/// Decodes an ESPN box score page. A page without the two team sections
/// (a game not yet played, an error page, a changed layout) is an error
/// naming the missing selector.
pub fn decode_boxscore_page(body: &[u8]) -> Result<BoxScorePage, ShapeError> {
    let html = String::from_utf8_lossy(body);
    let doc = Html::parse_document(&html);
    let s = Selectors::new()?;
    let mut teams = Vec::new();
    for title in doc.select(&s.title) {
        let section = title
            .parent()
            .and_then(ElementRef::wrap)
            .ok_or_else(|| err(TITLE, "has no parent element"))?;
        teams.push(decode_team(&s, section)?);
    }
    if teams.len() != 2 {
        return Err(err(
            TITLE,
            format!("expected 2 team box score sections, found {}", teams.len()),
        ));
    }
    Ok(BoxScorePage {
        game_id: game_id(&doc)?,
        teams,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    fn fixture() -> String {
        fixtures::text("espn/boxscore_page.html")
    }

    #[test]
    fn boxscore_page_content() {
        let p = decode_boxscore_page(fixture().as_bytes()).unwrap();
        assert_eq!(p.game_id.as_deref(), Some("401585183"));
        assert_eq!(p.teams.len(), 2);
        let (hou, phi) = (&p.teams[0], &p.teams[1]);
        assert_eq!(
            (hou.team_name.as_str(), hou.nba_tricode.as_deref()),
            ("Houston Rockets", Some("HOU"))
        );
        assert_eq!(phi.nba_tricode.as_deref(), Some("PHI"));
        assert_eq!((hou.players.len(), phi.players.len()), (14, 11));
        assert_eq!((hou.team_points, phi.team_points), (Some(115), Some(124)));

        let embiid = phi.players.iter().find(|l| l.name == "Joel Embiid").unwrap();
        assert_eq!(embiid.pts, Some(41));
        assert_eq!((embiid.fgm, embiid.fga), (Some(12), Some(21)));
        assert_eq!((embiid.ftm, embiid.fta), (Some(16), Some(17)));
        assert_eq!((embiid.reb, embiid.ast, embiid.minutes), (Some(10), Some(3), Some(31)));
        assert_eq!(embiid.plus_minus, Some(7));
        assert_eq!(embiid.athlete_id.as_deref(), Some("3059318"));
        assert_eq!(embiid.jersey.as_deref(), Some("21"));
        assert!(embiid.starter);

        let sengun = hou.players.iter().find(|l| l.name == "Alperen Sengun").unwrap();
        assert_eq!((sengun.pts, sengun.reb, sengun.ast), (Some(19), Some(9), Some(6)));
        let tate = hou.players.iter().find(|l| l.name == "Jae'Sean Tate").unwrap();
        assert!(!tate.starter);
        assert_eq!(tate.plus_minus, Some(5));

        // DNP rows recognised, kept, without stats.
        let dnp: Vec<&PlayerLine> = hou.players.iter().filter(|l| l.dnp_reason.is_some()).collect();
        assert_eq!(dnp.len(), 2);
        assert_eq!(dnp[0].name, "Reggie Bullock Jr.");
        assert_eq!(dnp[0].dnp_reason.as_deref(), Some("DNP-COACH'S DECISION"));
        assert_eq!((dnp[0].pts, dnp[0].minutes), (None, None));
        assert_eq!(hou.players.iter().filter(|l| l.starter).count(), 5);

        // Player points add up to the team total.
        for t in &p.teams {
            let sum: u32 = t.players.iter().filter_map(|l| l.pts).sum();
            assert_eq!(Some(sum), t.team_points, "{}", t.team_name);
        }
    }

    #[test]
    fn missing_label_is_named() {
        let body = fixture().replace(">PTS</div>", ">POINTS</div>");
        let e = decode_boxscore_page(body.as_bytes()).unwrap_err();
        assert!(e.field.contains("header label PTS"), "{e}");
        assert!(e.field.starts_with("Houston Rockets"), "{e}");
        let body = fixture().replace(">3PT</div>", ">3P</div>");
        let e = decode_boxscore_page(body.as_bytes()).unwrap_err();
        assert!(e.field.ends_with("header label 3PT"), "{e}");
    }

    #[test]
    fn columns_are_found_by_label_not_position() {
        // Swap the MIN and PTS labels: values are read by label, so minutes
        // and points swap too.
        let body = fixture()
            .replace(">MIN</div>", ">@@</div>")
            .replace(">PTS</div>", ">MIN</div>")
            .replace(">@@</div>", ">PTS</div>");
        let p = decode_boxscore_page(body.as_bytes()).unwrap();
        let embiid = p.teams[1].players.iter().find(|l| l.name == "Joel Embiid").unwrap();
        assert_eq!((embiid.pts, embiid.minutes), (Some(31), Some(41)));
    }

    #[test]
    fn not_a_box_score_fails_loudly() {
        for body in [
            "<html><body><h1>404 Page not found</h1></body></html>",
            "{}",
            "",
            r#"{"error":"not found"}"#,
        ] {
            let e = decode_boxscore_page(body.as_bytes()).unwrap_err();
            assert_eq!(e.field, TITLE, "{body}");
        }
        // A section without its stats table.
        let body = fixture().replacen(r#"<div class="Table__Scroller">"#, r#"<div class="Table__Gone">"#, 1);
        let e = decode_boxscore_page(body.as_bytes()).unwrap_err();
        assert_eq!(e.field, format!("Houston Rockets: {STATS_TABLE}"));
    }

    #[test]
    fn malformed_cells_are_named() {
        let body = fixture().replacen(">5-9</td>", ">five</td>", 1);
        let e = decode_boxscore_page(body.as_bytes()).unwrap_err();
        assert_eq!(e.field, format!("Houston Rockets: {STATS_TABLE} tr[data-idx=1] FG"));
    }
}
