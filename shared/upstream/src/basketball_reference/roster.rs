//! `https://www.basketball-reference.com/teams/{BR code}/{season end year}.html`:
//! the `table#roster` of a team season. Cells are located by their
//! `data-stat` attribute (`player`, `pos`, `number`, `height`, `weight`,
//! `birth_date`, `years_experience`, `college`), not by position; the header
//! must name `player` and `pos`, else a [`ShapeError`] names what is missing.
//! The site sometimes ships tables inside HTML comments; a roster table found
//! only in a comment is parsed too.

use chrono::NaiveDate;
use scraper::{ElementRef, Html, Node, Selector};
use serde::{Deserialize, Serialize};

use super::SOURCE;
use crate::ShapeError;
use crate::teams::nba_tricode;

const ENDPOINT: &str = "teams/{team}/{season}.html";
const TABLE: &str = "table#roster";
const HEADER: &str = "thead th[data-stat]";
const ROWS: &str = "tbody tr";
const CELL: &str = "th[data-stat], td[data-stat]";
const H1_SPANS: &str = "h1 span";
const LINK: &str = "a";

/// Stats a roster header must have.
pub const REQUIRED_STATS: [&str; 2] = ["player", "pos"];

/// A team-season roster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrRoster {
    /// Season as the page title writes it, e.g. `2024-25`.
    pub season: Option<String>,
    /// Team name from the page title, e.g. `Los Angeles Lakers`.
    pub team_name: Option<String>,
    pub nba_tricode: Option<String>,
    pub players: Vec<BrRosterPlayer>,
}

/// One roster row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrRosterPlayer {
    /// Basketball-Reference player id, e.g. `jamesle01`.
    pub br_player_id: String,
    pub name: String,
    /// Marked `(TW)`: a two-way contract.
    pub two_way: bool,
    pub number: Option<String>,
    pub position: Option<String>,
    /// Height in inches (`6-9` → 81).
    pub height_in: Option<u32>,
    /// Weight in pounds.
    pub weight_lb: Option<u32>,
    pub birth_date: Option<NaiveDate>,
    /// NBA seasons before this one; a rookie (`R`) is 0.
    pub years_experience: Option<u32>,
    pub college: Option<String>,
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
        .replace('\u{a0}', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

struct Row<'a> {
    idx: usize,
    cells: Vec<(String, ElementRef<'a>)>,
}

impl<'a> Row<'a> {
    fn cell(&self, stat: &str) -> Option<ElementRef<'a>> {
        self.cells.iter().find(|(s, _)| s == stat).map(|(_, e)| *e)
    }
    fn text(&self, stat: &str) -> Option<String> {
        self.cell(stat).map(text).filter(|t| !t.is_empty())
    }
    fn field(&self, stat: &str) -> String {
        format!("{TABLE} {ROWS}:nth({}) [data-stat={stat}]", self.idx)
    }
}

fn parse_player(row: &Row) -> Result<BrRosterPlayer, ShapeError> {
    let cell = row.cell("player").ok_or_else(|| err(row.field("player"), "missing"))?;
    let link_sel = sel(LINK)?;
    let link = cell.select(&link_sel).next();
    let br_player_id = cell
        .attr("data-append-csv")
        .map(str::to_string)
        .or_else(|| {
            let href = link?.attr("href")?;
            let file = href.rsplit('/').next()?;
            Some(file.trim_end_matches(".html").to_string())
        })
        .filter(|id| !id.is_empty())
        .ok_or_else(|| err(row.field("player"), "no player id (data-append-csv or link)"))?;
    let full = text(cell);
    let two_way = full.contains("(TW)");
    let name = link
        .map(text)
        .unwrap_or_else(|| full.replace("(TW)", "").trim().to_string());
    if name.is_empty() {
        return Err(err(row.field("player"), "empty player name"));
    }
    let height_in = match row.text("height") {
        None => None,
        Some(h) => Some(
            h.split_once('-')
                .and_then(|(f, i)| Some(f.parse::<u32>().ok()? * 12 + i.parse::<u32>().ok()?))
                .ok_or_else(|| err(row.field("height"), format!("not feet-inches: {h:?}")))?,
        ),
    };
    let weight_lb = match row.text("weight") {
        None => None,
        Some(w) => Some(
            w.parse::<u32>()
                .map_err(|_| err(row.field("weight"), format!("not pounds: {w:?}")))?,
        ),
    };
    let birth_date = match row.cell("birth_date") {
        None => None,
        Some(c) => match c.attr("csk").filter(|k| !k.trim().is_empty()) {
            Some(k) => Some(
                NaiveDate::parse_from_str(k.trim(), "%Y%m%d")
                    .map_err(|_| err(row.field("birth_date"), format!("csk is not YYYYMMDD: {k:?}")))?,
            ),
            None => {
                let t = text(c);
                if t.is_empty() {
                    None
                } else {
                    Some(
                        NaiveDate::parse_from_str(&t, "%B %d, %Y")
                            .map_err(|_| err(row.field("birth_date"), format!("not a date: {t:?}")))?,
                    )
                }
            }
        },
    };
    let years_experience = match row.text("years_experience") {
        None => None,
        Some(r) if r.eq_ignore_ascii_case("R") => Some(0),
        Some(x) => Some(
            x.parse::<u32>()
                .map_err(|_| err(row.field("years_experience"), format!("not a number or R: {x:?}")))?,
        ),
    };
    Ok(BrRosterPlayer {
        br_player_id,
        name,
        two_way,
        number: row.text("number"),
        position: row.text("pos"),
        height_in,
        weight_lb,
        birth_date,
        years_experience,
        college: row.text("college"),
    })
}

fn decode_table(table: ElementRef) -> Result<Vec<BrRosterPlayer>, ShapeError> {
    let header_sel = sel(HEADER)?;
    let stats: Vec<&str> = table
        .select(&header_sel)
        .filter_map(|th| th.attr("data-stat"))
        .collect();
    for want in REQUIRED_STATS {
        if !stats.contains(&want) {
            return Err(err(
                format!("{TABLE} thead th[data-stat={want}]"),
                format!("missing; header has {stats:?}"),
            ));
        }
    }
    let rows_sel = sel(ROWS)?;
    let cell_sel = sel(CELL)?;
    let mut players = Vec::new();
    for (idx, tr) in table.select(&rows_sel).enumerate() {
        // Repeated header rows and spacer rows.
        if tr
            .value()
            .classes()
            .any(|c| c == "thead" || c == "spacer" || c == "over_header")
        {
            continue;
        }
        let row = Row {
            idx,
            cells: tr
                .select(&cell_sel)
                .filter_map(|c| Some((c.attr("data-stat")?.to_string(), c)))
                .collect(),
        };
        players.push(parse_player(&row)?);
    }
    Ok(players)
}

/// Decodes a team-season page's roster. A page without `table#roster`
/// (a 404 page, a bot-check page, a changed layout) is an error naming the
/// selector; an empty roster table is an error too (every team season has
/// players).
pub fn decode_roster(body: &[u8]) -> Result<BrRoster, ShapeError> {
    let html = String::from_utf8_lossy(body);
    let doc = Html::parse_document(&html);
    let table_sel = sel(TABLE)?;

    let players = if let Some(t) = doc.select(&table_sel).next() {
        decode_table(t)?
    } else {
        // Tables shipped inside HTML comments.
        let commented = doc.tree.nodes().find_map(|n| match n.value() {
            Node::Comment(c) if c.contains("id=\"roster\"") => Some(Html::parse_fragment(c)),
            _ => None,
        });
        let frag = commented.ok_or_else(|| err(TABLE, "missing (not a team-season page?)"))?;
        let t = frag
            .select(&table_sel)
            .next()
            .ok_or_else(|| err(TABLE, "missing in the commented-out markup"))?;
        decode_table(t)?
    };
    if players.is_empty() {
        return Err(err(format!("{TABLE} {ROWS}"), "no player rows"));
    }

    let spans_sel = sel(H1_SPANS)?;
    let spans: Vec<String> = doc.select(&spans_sel).map(text).collect();
    let season = spans
        .iter()
        .find(|s| s.len() == 7 && s.as_bytes().get(4) == Some(&b'-'))
        .cloned();
    let team_name = spans.iter().find(|s| nba_tricode(s).is_ok()).cloned();
    Ok(BrRoster {
        season,
        nba_tricode: team_name
            .as_deref()
            .and_then(|t| nba_tricode(t).ok())
            .map(str::to_string),
        team_name,
        players,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    const FIXTURE: &str = "synthetic/br_roster_synthetic.html";

    #[test]
    fn synthetic_roster_content() {
        let r = decode_roster(&fixtures::bytes(FIXTURE)).unwrap();
        assert_eq!(r.season.as_deref(), Some("2024-25"));
        assert_eq!(r.team_name.as_deref(), Some("Los Angeles Lakers"));
        assert_eq!(r.nba_tricode.as_deref(), Some("LAL"));
        assert_eq!(r.players.len(), 5, "the repeated thead row is skipped");
        let lebron = &r.players[0];
        assert_eq!(
            (lebron.br_player_id.as_str(), lebron.name.as_str()),
            ("jamesle01", "LeBron James")
        );
        assert_eq!(
            (lebron.number.as_deref(), lebron.position.as_deref()),
            (Some("23"), Some("F"))
        );
        assert_eq!((lebron.height_in, lebron.weight_lb), (Some(81), Some(250)));
        assert_eq!(lebron.birth_date, NaiveDate::from_ymd_opt(1984, 12, 30));
        assert_eq!(lebron.years_experience, Some(21));
        let bronny = r.players.iter().find(|p| p.br_player_id == "jamesbr02").unwrap();
        assert_eq!(bronny.years_experience, Some(0));
        let koloko = r.players.iter().find(|p| p.br_player_id == "kolokch01").unwrap();
        assert!(koloko.two_way);
        assert_eq!(koloko.name, "Christian Koloko");
        assert_eq!(koloko.college, None);
        assert_eq!(koloko.height_in, Some(85));
    }

    #[test]
    fn commented_out_table_is_found() {
        let body = fixtures::text(FIXTURE)
            .replacen("<div class=\"table_container is_setup\" id=\"div_roster\">", "<!--", 1)
            .replacen("</table>\n  </div>", "</table>\n  -->", 1);
        assert!(!body.contains("<div class=\"table_container"));
        let r = decode_roster(body.as_bytes()).unwrap();
        assert_eq!(r.players.len(), 5);
    }

    #[test]
    fn shape_errors_name_the_field() {
        let body = fixtures::text(FIXTURE);
        let e = decode_roster(body.replace("data-stat=\"pos\"", "data-stat=\"position\"").as_bytes()).unwrap_err();
        assert_eq!(
            (e.source_name.as_str(), e.field.as_str()),
            ("basketball_reference", "table#roster thead th[data-stat=pos]")
        );
        let e = decode_roster(body.replacen(">6-9<", ">tall<", 1).as_bytes()).unwrap_err();
        assert_eq!(e.field, "table#roster tbody tr:nth(0) [data-stat=height]");
        let e = decode_roster(body.replace("id=\"roster\"", "id=\"players\"").as_bytes()).unwrap_err();
        assert_eq!(e.field, TABLE);
        for bad in ["{}", "", "<html><body>Rate limited</body></html>"] {
            assert_eq!(decode_roster(bad.as_bytes()).unwrap_err().field, TABLE, "{bad}");
        }
    }
}
