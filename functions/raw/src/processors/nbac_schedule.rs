//! `nba-com/schedule/…` → `nba_raw.nbac_schedule`, one row per game.

use chrono::{DateTime, NaiveDate, Utc};
use nba_schemas::tables::raw::NbacSchedule;
use nba_schemas::{Table, TableSchema};
use serde_json::Value;

use crate::processor::{ParseError, Parsed, RawObject, RawProcessor};

pub struct NbacScheduleProcessor;

impl RawProcessor for NbacScheduleProcessor {
    fn name(&self) -> &'static str {
        "nbac_schedule_processor"
    }

    fn source_name(&self) -> &'static str {
        "nbac_schedule"
    }

    fn prefix(&self) -> &'static str {
        "nba-com/schedule/"
    }

    fn tables(&self) -> Vec<&'static TableSchema> {
        vec![NbacSchedule::SCHEMA]
    }

    fn parse(&self, object: &RawObject<'_>) -> Result<Parsed, ParseError> {
        let body = &object.json()?;
        let source_file = object.uri;
        let schedule = body
            .get("leagueSchedule")
            .ok_or_else(|| ParseError::new("leagueSchedule", "missing"))?;
        let season = str_at(schedule, "leagueSchedule", "seasonYear")?.to_string();
        let dates = schedule
            .get("gameDates")
            .and_then(Value::as_array)
            .ok_or_else(|| ParseError::new("leagueSchedule.gameDates", "missing or not an array"))?;
        let processed_at = Utc::now();
        let mut rows = Vec::new();
        for (i, day) in dates.iter().enumerate() {
            let path = format!("leagueSchedule.gameDates[{i}]");
            let games = day
                .get("games")
                .and_then(Value::as_array)
                .ok_or_else(|| ParseError::new(format!("{path}.games"), "missing or not an array"))?;
            for (j, game) in games.iter().enumerate() {
                let row = parse_game(game, &format!("{path}.games[{j}]"), &season, source_file, processed_at)?;
                rows.push(row.to_row());
            }
        }
        Ok(Parsed::one(NbacSchedule::SCHEMA, rows))
    }
}

fn parse_game(
    game: &Value,
    path: &str,
    season: &str,
    source_file: &str,
    processed_at: DateTime<Utc>,
) -> Result<NbacSchedule, ParseError> {
    let game_id = str_at(game, path, "gameId")?.to_string();
    let game_date = game_date(game, path)?;
    let home = game
        .get("homeTeam")
        .ok_or_else(|| ParseError::new(format!("{path}.homeTeam"), "missing"))?;
    let away = game
        .get("awayTeam")
        .ok_or_else(|| ParseError::new(format!("{path}.awayTeam"), "missing"))?;
    let home_path = format!("{path}.homeTeam");
    let away_path = format!("{path}.awayTeam");
    let home_tricode = str_at(home, &home_path, "teamTricode")?.to_string();
    let away_tricode = str_at(away, &away_path, "teamTricode")?.to_string();
    let game_status = int_at(game, path, "gameStatus")?;
    let game_status_text = str_at(game, path, "gameStatusText")?.to_string();
    // Scores are only meaningful once a game has started; before that the feed says 0.
    let started = game_status >= 2;
    let tip_time_utc = if game_status_text.contains("TBD") {
        None
    } else {
        opt_str(game, "gameDateTimeUTC")
            .map(|s| {
                DateTime::parse_from_rfc3339(s)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| ParseError::new(format!("{path}.gameDateTimeUTC"), e.to_string()))
            })
            .transpose()?
    };
    Ok(NbacSchedule {
        game_code: format!("{}_{away_tricode}_{home_tricode}", game_date.format("%Y%m%d")),
        season_type: season_type(&game_id).to_string(),
        game_id,
        game_date,
        season: season.to_string(),
        game_status,
        game_status_text,
        tip_time_utc,
        home_team_id: int_at(home, &home_path, "teamId")?,
        away_team_id: int_at(away, &away_path, "teamId")?,
        home_score: if started {
            Some(int_at(home, &home_path, "score")?)
        } else {
            None
        },
        away_score: if started {
            Some(int_at(away, &away_path, "score")?)
        } else {
            None
        },
        home_team_tricode: home_tricode,
        away_team_tricode: away_tricode,
        arena_name: opt_str(game, "arenaName").map(str::to_string),
        arena_city: opt_str(game, "arenaCity").map(str::to_string),
        is_neutral: game.get("isNeutral").and_then(Value::as_bool).unwrap_or(false),
        postponed_status: opt_str(game, "postponedStatus").map(str::to_string),
        game_label: opt_str(game, "gameLabel").map(str::to_string),
        game_sub_label: opt_str(game, "gameSubLabel").map(str::to_string),
        source_file: source_file.to_string(),
        data_hash: String::new(), // stamped by the writer
        processed_at,
    })
}

/// The ET game date: `gameDateEst` is midnight ET written with a `Z`; the older
/// `gameDate` field (`MM/DD/YYYY 00:00:00`) on the day is the fallback.
fn game_date(game: &Value, path: &str) -> Result<NaiveDate, ParseError> {
    if let Some(est) = opt_str(game, "gameDateEst") {
        return NaiveDate::parse_from_str(est.get(..10).unwrap_or(est), "%Y-%m-%d")
            .map_err(|e| ParseError::new(format!("{path}.gameDateEst"), format!("{est:?}: {e}")));
    }
    let raw = str_at(game, path, "gameDate")?;
    NaiveDate::parse_from_str(raw.get(..10).unwrap_or(raw), "%m/%d/%Y")
        .map_err(|e| ParseError::new(format!("{path}.gameDate"), format!("{raw:?}: {e}")))
}

/// Season type from the game id's third digit.
fn season_type(game_id: &str) -> &'static str {
    match game_id.as_bytes().get(2) {
        Some(b'1') => "Preseason",
        Some(b'2') => "Regular Season",
        Some(b'3') => "All-Star",
        Some(b'4') => "Playoffs",
        Some(b'5') => "Play-In",
        Some(b'6') => "NBA Cup",
        _ => "unknown", // rejected by the table's enum check, with the game id in the row
    }
}

fn str_at<'a>(v: &'a Value, path: &str, key: &str) -> Result<&'a str, ParseError> {
    match v.get(key) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(ParseError::new(
            format!("{path}.{key}"),
            format!("expected a string, got {other}"),
        )),
        None => Err(ParseError::new(format!("{path}.{key}"), "missing")),
    }
}

fn int_at(v: &Value, path: &str, key: &str) -> Result<i64, ParseError> {
    match v.get(key) {
        Some(n) if n.is_i64() => Ok(n.as_i64().unwrap_or_default()),
        // Some feeds write whole numbers as 12.0.
        Some(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => Ok(n.as_f64().unwrap_or_default() as i64),
        Some(other) => Err(ParseError::new(
            format!("{path}.{key}"),
            format!("expected an integer, got {other}"),
        )),
        None => Err(ParseError::new(format!("{path}.{key}"), "missing")),
    }
}

/// A string that may be absent or empty (empty means unknown).
fn opt_str<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn game() -> Value {
        json!({
            "gameId": "0022400286", "gameStatus": 3, "gameStatusText": "Final",
            "gameDateEst": "2024-11-27T00:00:00Z", "gameDateTimeUTC": "2024-11-28T00:00:00Z",
            "arenaName": "Spectrum Center", "arenaCity": "Charlotte", "isNeutral": false, "postponedStatus": "N",
            "gameLabel": "", "gameSubLabel": "",
            "homeTeam": {"teamId": 1610612766, "teamTricode": "CHA", "score": 94},
            "awayTeam": {"teamId": 1610612748, "teamTricode": "MIA", "score": 98}
        })
    }

    fn parse(games: Vec<Value>) -> Result<Parsed, ParseError> {
        let body = json!({"leagueSchedule": {"seasonYear": "2024-25", "gameDates": [{"games": games}]}});
        let bytes = serde_json::to_vec(&body).unwrap();
        let object = RawObject {
            uri: "gs://b/nba-com/schedule/2024-11-27/20241127_100000.json",
            key: "nba-com/schedule/2024-11-27/20241127_100000.json",
            body: &bytes,
            game_date: NaiveDate::from_ymd_opt(2024, 11, 27),
            scraped_at: Utc::now(),
        };
        NbacScheduleProcessor.parse(&object)
    }

    #[test]
    fn a_game_becomes_a_row_on_its_et_date() {
        let rows = parse(vec![game()]).unwrap().tables.remove(0).rows;
        let row = NbacSchedule::from_row(rows[0].clone()).unwrap();
        // 00:00 UTC on the 28th is 19:00 ET on the 27th.
        assert_eq!(row.game_date, NaiveDate::from_ymd_opt(2024, 11, 27).unwrap());
        assert_eq!(row.game_code, "20241127_MIA_CHA");
        assert_eq!(row.season_type, "Regular Season");
        assert_eq!((row.home_score, row.away_score), (Some(94), Some(98)));
        assert_eq!(row.game_label, None);
    }

    #[test]
    fn scheduled_games_have_no_score() {
        let mut g = game();
        g["gameStatus"] = json!(1);
        let row = NbacSchedule::from_row(parse(vec![g]).unwrap().tables.remove(0).rows[0].clone()).unwrap();
        assert_eq!(row.home_score, None);
    }

    #[test]
    fn structural_problems_name_the_field() {
        let mut g = game();
        g["homeTeam"].as_object_mut().unwrap().remove("teamTricode");
        let err = parse(vec![game(), g]).unwrap_err();
        assert_eq!(err.field, "leagueSchedule.gameDates[0].games[1].homeTeam.teamTricode");
        let mut g = game();
        g["gameStatus"] = json!("three");
        assert_eq!(
            parse(vec![g]).unwrap_err().field,
            "leagueSchedule.gameDates[0].games[0].gameStatus"
        );
    }
}
