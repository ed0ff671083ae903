//! `GET /v1/stats` (player game stats by date, game, player or season;
//! paginated): one row per player per game with the player, team and game.
//! Used to backfill player game logs from balldontlie.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{
    Page, Player, SOURCE, StatLine, Team, decode_game_fields, decode_page, decode_player, decode_stat_line, decode_team,
};
use crate::ShapeError;
use crate::json_walk::{Ctx, Node};

const CTX: Ctx = Ctx::new(SOURCE, "v1/stats");

/// One player's line in one game.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlayerStat {
    /// balldontlie stat row id.
    pub id: i64,
    pub player: Player,
    pub team: Team,
    pub game: StatGame,
    pub stats: StatLine,
}

/// The game of a stat row (teams by id only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatGame {
    pub id: i64,
    pub date: NaiveDate,
    pub season: i64,
    pub status: String,
    pub period: Option<i64>,
    pub time: Option<String>,
    pub postseason: bool,
    pub home_team_score: Option<u32>,
    pub visitor_team_score: Option<u32>,
    pub datetime: Option<DateTime<Utc>>,
    pub home_team_id: i64,
    pub visitor_team_id: i64,
}

fn decode_row(n: &Node) -> Result<PlayerStat, ShapeError> {
    let g = n.get("game")?;
    let f = decode_game_fields(&g)?;
    Ok(PlayerStat {
        id: n.req_i64("id")?,
        player: decode_player(&n.get("player")?)?,
        team: decode_team(&n.get("team")?)?,
        game: StatGame {
            id: g.req_i64("id")?,
            date: f.date,
            season: f.season,
            status: f.status,
            period: f.period,
            time: f.time,
            postseason: f.postseason,
            home_team_score: f.home_team_score,
            visitor_team_score: f.visitor_team_score,
            datetime: f.datetime,
            home_team_id: g.req_i64("home_team_id")?,
            visitor_team_id: g.req_i64("visitor_team_id")?,
        },
        stats: decode_stat_line(n)?,
    })
}

/// Decodes a page of `/v1/stats`.
pub fn decode_stats(body: &[u8]) -> Result<Page<PlayerStat>, ShapeError> {
    decode_page(&CTX, body, decode_row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn stats_fixture_content() {
        let page = decode_stats(&fixtures::bytes("balldontlie/player_box_scores_1db4c01e.json")).unwrap();
        assert_eq!(page.data.len(), 30);
        assert_eq!(page.next_cursor(), None);
        let jw = page
            .data
            .iter()
            .find(|r| r.player.first_name == "Jalen" && r.player.last_name == "Williams")
            .unwrap();
        assert_eq!(jw.stats.pts, Some(20));
        assert_eq!(jw.stats.seconds_played, Some(38 * 60));
        assert_eq!((jw.stats.fgm, jw.stats.fga), (Some(7), Some(20)));
        assert_eq!(jw.team.abbreviation, "OKC");
        assert_eq!(jw.player.height_in, Some(77));
        assert_eq!(jw.player.team_id, Some(21));
        assert_eq!(jw.game.id, 18444564);
        assert_eq!((jw.game.home_team_id, jw.game.visitor_team_id), (21, 12));
        // A null percentage stays None, not 0.
        let toppin = page.data.iter().find(|r| r.player.last_name == "Toppin").unwrap();
        assert_eq!(toppin.stats.ft_pct, None);
    }

    #[test]
    fn shape_errors_name_the_field() {
        let body = fixtures::text("balldontlie/player_box_scores_1db4c01e.json");
        let e = decode_stats(body.replacen("\"home_team_id\"", "\"home_id\"", 1).as_bytes()).unwrap_err();
        assert_eq!(e.field, "data[0].game.home_team_id");
        let e = decode_stats(body.replacen("\"first_name\"", "\"firstName\"", 1).as_bytes()).unwrap_err();
        assert_eq!(e.field, "data[0].player.first_name");
        assert_eq!(decode_stats(b"{}").unwrap_err().field, "data");
        assert_eq!(decode_stats(b"<html>Bad Gateway</html>").unwrap_err().field, "$");
    }
}
