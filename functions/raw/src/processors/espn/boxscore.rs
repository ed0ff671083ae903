//! `espn/boxscore/<date>/<event>/…` (the www.espn.com box score page, HTML) →
//! `nba_raw.espn_boxscores`, one row per (game, player).

use chrono::{NaiveDate, Utc};
use nba_schemas::tables::raw_espn_br::EspnBoxscore;
use nba_schemas::{Table, TableSchema};
use nba_upstream::espn::boxscore_page::{BoxScorePage, PlayerLine, TeamBox, decode_boxscore_page};

use super::nba_team;
use crate::processor::{ParseError, Parsed, RawObject, RawProcessor};
use crate::processors::rows::lookup;
use crate::processors::sink::{Refusal, Sink};

pub struct EspnBoxscoreProcessor;

impl RawProcessor for EspnBoxscoreProcessor {
    fn name(&self) -> &'static str {
        "espn_boxscore_processor"
    }

    fn source_name(&self) -> &'static str {
        "espn_boxscore"
    }

    fn prefix(&self) -> &'static str {
        "espn/boxscore/"
    }

    fn tables(&self) -> Vec<&'static TableSchema> {
        vec![EspnBoxscore::SCHEMA]
    }

    fn parse(&self, object: &RawObject<'_>) -> Result<Parsed, ParseError> {
        let page = decode_boxscore_page(object.body)?;
        let game = Game {
            espn_game_id: game_id(&page, object)?,
            game_date: object.require_game_date()?,
            source_file: object.uri,
        };
        let [first, second] = &page.teams[..] else {
            return Err(ParseError::new(".Boxscore__Title", "expected 2 team sections"));
        };
        let mut sink = Sink::new(EspnBoxscore::SCHEMA);
        for (team, opponent) in [(first, second), (second, first)] {
            for line in &team.players {
                let mut refusal = Refusal::default();
                let row = line_row(&game, team, opponent, line, &mut refusal);
                sink.push(row.to_row(), refusal);
            }
        }
        Ok(sink.finish())
    }
}

/// What every row of the page shares.
struct Game<'a> {
    espn_game_id: String,
    game_date: NaiveDate,
    source_file: &'a str,
}

/// The page's game id (its `og:url`), checked against the event the scraper
/// asked for (the key's folder): a page of another game must not load under it.
fn game_id(page: &BoxScorePage, object: &RawObject<'_>) -> Result<String, ParseError> {
    match (page.game_id.as_deref(), object.sub()) {
        (Some(page_id), Some(asked)) if page_id != asked => Err(ParseError::new(
            "meta[property='og:url']",
            format!("page is game {page_id}, the key asked for {asked}"),
        )),
        (Some(id), _) | (None, Some(id)) => Ok(id.to_string()),
        (None, None) => Err(ParseError::new(
            "meta[property='og:url']",
            "no game id in the page nor an event folder in the key",
        )),
    }
}

fn tricode_of(t: &TeamBox, column: &'static str, refusal: &mut Refusal) -> String {
    nba_team(&t.team_name, t.nba_tricode.as_deref()).unwrap_or_else(|reason| {
        refusal.note(column, reason);
        t.team_name.clone()
    })
}

fn line_row(g: &Game, team: &TeamBox, opponent: &TeamBox, l: &PlayerLine, refusal: &mut Refusal) -> EspnBoxscore {
    let count = |v: Option<u32>| v.map(i64::from);
    let team_tricode = tricode_of(team, "team_tricode", refusal);
    let opponent_tricode = tricode_of(opponent, "opponent_tricode", refusal);
    let athlete_id = l.athlete_id.clone().unwrap_or_else(|| {
        refusal.note(
            "espn_athlete_id",
            format!("no ESPN athlete id in the link of {:?}", l.name),
        );
        String::new()
    });
    EspnBoxscore {
        espn_game_id: g.espn_game_id.clone(),
        game_date: g.game_date,
        team_tricode,
        team_name: team.team_name.clone(),
        opponent_tricode,
        espn_athlete_id: athlete_id,
        player_name: l.name.clone(),
        player_lookup: lookup(&l.name),
        jersey_number: l.jersey.clone(),
        starter: l.starter,
        dnp_reason: l.dnp_reason.clone(),
        minutes: l.minutes.map(f64::from),
        points: count(l.pts),
        fgm: count(l.fgm),
        fga: count(l.fga),
        fg3m: count(l.fg3m),
        fg3a: count(l.fg3a),
        ftm: count(l.ftm),
        fta: count(l.fta),
        oreb: count(l.oreb),
        dreb: count(l.dreb),
        reb: count(l.reb),
        ast: count(l.ast),
        stl: count(l.stl),
        blk: count(l.blk),
        turnovers: count(l.turnovers),
        fouls: count(l.fouls),
        plus_minus: l.plus_minus.map(i64::from),
        source_file: g.source_file.to_string(),
        data_hash: String::new(), // stamped by the writer
        processed_at: Utc::now(),
    }
}

#[cfg(test)]
mod tests {
    use nba_schemas::validate_row;
    use nba_upstream::fixtures;
    use serde_json::json;

    use super::*;
    use crate::processors::testing::{assert_valid, parse, rows};

    const KEY: &str = "espn/boxscore/2024-01-15/401585183/20240116_090000.html";
    const FIXTURE: &str = "espn/boxscore_page.html";

    fn lines(key: &str, body: &[u8]) -> Vec<EspnBoxscore> {
        let parsed = parse(&EspnBoxscoreProcessor, key, body).unwrap();
        assert_valid(&parsed);
        assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
        rows(&parsed, EspnBoxscore::SCHEMA)
            .into_iter()
            .map(|r| EspnBoxscore::from_row(r).unwrap())
            .collect()
    }

    #[test]
    fn recorded_page_is_one_row_per_player() {
        let rows = lines(KEY, &fixtures::bytes(FIXTURE));
        assert_eq!(rows.len(), 25);
        assert!(rows.iter().all(|r| r.espn_game_id == "401585183"));
        assert!(
            rows.iter()
                .all(|r| r.game_date == NaiveDate::from_ymd_opt(2024, 1, 15).unwrap())
        );
        let embiid = rows.iter().find(|r| r.player_name == "Joel Embiid").unwrap();
        assert_eq!(
            (embiid.points, embiid.minutes, embiid.reb),
            (Some(41), Some(31.0), Some(10))
        );
        assert_eq!(
            (embiid.team_tricode.as_str(), embiid.opponent_tricode.as_str()),
            ("PHI", "HOU")
        );
        assert_eq!(
            (embiid.espn_athlete_id.as_str(), embiid.plus_minus),
            ("3059318", Some(7))
        );
        assert!(embiid.starter);
        assert_eq!(embiid.player_lookup, "joelembiid");
        // Did-not-play rows are kept with ESPN's reason and no stats.
        let bullock = rows.iter().find(|r| r.player_name == "Reggie Bullock Jr.").unwrap();
        assert_eq!(bullock.dnp_reason.as_deref(), Some("DNP-COACH'S DECISION"));
        assert_eq!((bullock.points, bullock.minutes), (None, None));
        let hou: i64 = rows
            .iter()
            .filter(|r| r.team_tricode == "HOU")
            .filter_map(|r| r.points)
            .sum();
        assert_eq!(hou, 115);
    }

    #[test]
    fn a_page_of_another_game_is_refused() {
        let key = "espn/boxscore/2024-01-15/401585999/20240116_090000.html";
        let e = parse(&EspnBoxscoreProcessor, key, &fixtures::bytes(FIXTURE)).unwrap_err();
        assert_eq!(e.field, "meta[property='og:url']");
        assert!(e.reason.contains("401585999"));
    }

    #[test]
    fn broken_page_names_the_selector() {
        let body = fixtures::text(FIXTURE).replace(">PTS</div>", ">POINTS</div>");
        let e = parse(&EspnBoxscoreProcessor, KEY, body.as_bytes()).unwrap_err();
        assert!(e.field.ends_with("header label PTS"), "{e}");
        let e = parse(&EspnBoxscoreProcessor, KEY, b"<html><h1>404</h1></html>").unwrap_err();
        assert_eq!(e.field, ".Boxscore__Title");
    }

    #[test]
    fn impossible_values_fail_validation() {
        let row = lines(KEY, &fixtures::bytes(FIXTURE))
            .into_iter()
            .find(|r| r.player_name == "Joel Embiid")
            .unwrap()
            .to_row();
        for (column, bad) in [
            ("minutes", json!(90.0)),
            ("points", json!(-4)),
            ("team_tricode", json!("Philadelphia")),
        ] {
            let mut r = row.clone();
            r.insert(column.into(), bad);
            let errs = validate_row(EspnBoxscore::SCHEMA, &r).unwrap_err();
            assert_eq!((errs.len(), errs[0].column.as_str()), (1, column));
        }
    }
}
