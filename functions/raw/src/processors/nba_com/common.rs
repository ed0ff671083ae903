//! Helpers shared by the NBA.com processors: season and season type from a
//! game id, tricode normalisation, registry sightings, and the guard against
//! two rows with one key in a single object.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};
use nba_schemas::{Row, TableSchema};
use nba_upstream::nba_stats::GameStatus;
use serde_json::Value;

use crate::processor::{Parsed, PlayerSighting};

/// Spreads a decoded [`BoxStats`](nba_upstream::nba_stats::BoxStats) over the
/// twenty traditional stat columns every box-score table shares, so each
/// processor only writes the columns that differ.
macro_rules! box_row {
    ($ty:ident { $($field:ident: $value:expr),* $(,)? }, $stats:expr) => {{
        let s: &nba_upstream::nba_stats::BoxStats = $stats;
        let n = $crate::processors::nba_com::common::count;
        $ty {
            $($field: $value,)*
            minutes: s.minutes,
            fgm: n(s.fgm),
            fga: n(s.fga),
            fg_pct: s.fg_pct,
            fg3m: n(s.fg3m),
            fg3a: n(s.fg3a),
            fg3_pct: s.fg3_pct,
            ftm: n(s.ftm),
            fta: n(s.fta),
            ft_pct: s.ft_pct,
            oreb: n(s.oreb),
            dreb: n(s.dreb),
            reb: n(s.reb),
            ast: n(s.ast),
            stl: n(s.stl),
            blk: n(s.blk),
            tov: n(s.tov),
            pf: n(s.pf),
            pts: n(s.pts),
            plus_minus: s.plus_minus,
        }
    }};
}

/// A decoded count as a warehouse integer.
pub fn count(v: Option<u32>) -> Option<i64> {
    v.map(i64::from)
}

/// NBA.com's numeric status code.
pub fn status_code(status: GameStatus) -> i64 {
    match status {
        GameStatus::Scheduled => 1,
        GameStatus::InProgress => 2,
        GameStatus::Final => 3,
    }
}

/// The season label of a game id (`0022400561` → `2024-25`): digits 4-5 are the
/// season's start year. `None` for an id too short to say.
pub fn season_of_game_id(game_id: &str) -> Option<String> {
    let yy: i32 = game_id.get(3..5)?.parse().ok()?;
    let start = if yy >= 46 { 1900 + yy } else { 2000 + yy };
    Some(label(start))
}

/// The season a date belongs to: from August on, the season starting that
/// year (the scrapers' own rule, so a list fetched in the off-season is filed
/// under the coming season).
pub fn season_of_date(date: NaiveDate) -> String {
    let start = if date.month() >= 8 {
        date.year()
    } else {
        date.year() - 1
    };
    label(start)
}

/// The season of a game: from its id, else from its date (a malformed id is
/// rejected by the table's pattern check anyway, with the row kept).
pub fn season(game_id: &str, date: NaiveDate) -> String {
    season_of_game_id(game_id).unwrap_or_else(|| season_of_date(date))
}

fn label(start: i32) -> String {
    format!("{start}-{:02}", (start + 1).rem_euclid(100))
}

/// Season type from the game id's third digit; anything else is `unknown`,
/// which the table's enum check rejects with the game id in the row.
pub fn season_type(game_id: &str) -> &'static str {
    match game_id.as_bytes().get(2) {
        Some(b'1') => "Preseason",
        Some(b'2') => "Regular Season",
        Some(b'3') => "All-Star",
        Some(b'4') => "Playoffs",
        Some(b'5') => "Play-In",
        Some(b'6') => "NBA Cup",
        _ => "unknown",
    }
}

/// The pipeline's tricode for an NBA.com team code. NBA.com codes are already
/// canonical; the mapping only guards against spelling drift. A code of no
/// current franchise (All-Star teams, visiting clubs) is kept as sent and left
/// to the table's tricode check.
pub fn tricode(raw: &str) -> String {
    nba_upstream::teams::nba_tricode(raw)
        .map(str::to_string)
        .unwrap_or_else(|_| raw.trim().to_string())
}

/// NBA.com team ids are 1610612737..=1610612766. V2 play-by-play writes a team
/// id in a player slot for team events (team rebound, team turnover).
pub fn is_team_id(id: i64) -> bool {
    (1_610_612_737..=1_610_612_766).contains(&id)
}

/// `"First Last"`, tolerating a single name (empty first name).
pub fn full_name(first: Option<&str>, last: &str) -> String {
    match first.map(str::trim).filter(|f| !f.is_empty()) {
        Some(first) => format!("{first} {}", last.trim()),
        None => last.trim().to_string(),
    }
}

/// A player NBA.com vouches for (registry input).
pub fn sighting(
    player_id: i64,
    name: &str,
    team_tricode: Option<&str>,
    season: &str,
    game_date: Option<NaiveDate>,
) -> PlayerSighting {
    PlayerSighting {
        player_id,
        display_name: name.to_string(),
        team_tricode: team_tricode.map(str::to_string),
        season: season.to_string(),
        game_date,
    }
}

/// Adds `rows` for `table`, except a row whose key repeats one already taken
/// from this object: that one is kept in `rejected_rows` with the reason rather
/// than handed to the merge, where two rows with one key have no defined winner.
pub fn add_rows(parsed: &mut Parsed, table: &'static TableSchema, rows: Vec<Row>) {
    let mut seen = HashSet::new();
    let mut kept = Vec::with_capacity(rows.len());
    for row in rows {
        let key: Vec<Value> = table
            .keys
            .iter()
            .map(|k| row.get(*k).cloned().unwrap_or(Value::Null))
            .collect();
        let key_text = serde_json::to_string(&key).unwrap_or_default();
        if seen.insert(key_text.clone()) {
            kept.push(row);
        } else {
            let column = table.keys.last().copied().unwrap_or("$");
            parsed.reject(table, row, column, format!("duplicate key {key_text} in one object"));
        }
    }
    *parsed = std::mem::take(parsed).with(table, kept);
}

/// Rejects `row` because a team is not determined yet (`teamId: 0`, empty
/// tricode, as NBA.com sends for knockout games): the named columns are nulled
/// so the kept row shows what was missing.
pub fn reject_undetermined(parsed: &mut Parsed, table: &'static TableSchema, mut row: Row, columns: &[&str]) {
    for c in columns {
        row.insert((*c).to_string(), Value::Null);
    }
    let column = columns.first().copied().unwrap_or("$");
    parsed.reject(table, row, column, "team not determined yet");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seasons() {
        assert_eq!(season_of_game_id("0022400561").as_deref(), Some("2024-25"));
        assert_eq!(season_of_game_id("0029900001").as_deref(), Some("1999-00"));
        assert_eq!(season_of_game_id("00"), None);
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(season_of_date(d("2025-01-10")), "2024-25");
        assert_eq!(season_of_date(d("2025-08-01")), "2025-26");
        assert_eq!(season("bogus", d("2025-03-01")), "2024-25");
        assert_eq!(season_type("0042400101"), "Playoffs");
        assert_eq!(season_type("x"), "unknown");
    }

    #[test]
    fn names_and_codes() {
        assert_eq!(full_name(Some("LeBron"), "James"), "LeBron James");
        assert_eq!(full_name(Some(""), "Nenê"), "Nenê");
        assert_eq!(tricode("PHO"), "PHX");
        assert_eq!(tricode("LBN"), "LBN");
        assert!(is_team_id(1610612740) && !is_team_id(201939));
    }
}
