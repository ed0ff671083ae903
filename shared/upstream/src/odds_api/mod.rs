//! The Odds API v4 (`api.the-odds-api.com/v4`): the paid source of
//! sportsbook lines. Events first (props need event ids), then per-event
//! player props and game lines, scores to close the loop; each call spends
//! quota, read from the response headers ([`quota`]).
//!
//! Historical endpoints (`/v4/historical/...`) wrap the same payload in a
//! [`Snapshot`] `{timestamp, previous_timestamp, next_timestamp, data}`.
//!
//! Team names are full names ("Los Angeles Clippers"); every record carries
//! the NBA tricode next to them where the name is one of the 30 teams
//! (`None` otherwise, e.g. an exhibition opponent) — see [`crate::teams`].
//! Prices are as requested (`oddsFormat=american` gives -110 / +105,
//! `decimal` gives 1.91); the decoders keep the number as sent.

pub mod events;
pub mod game_lines;
pub mod player_props;
pub mod quota;
pub mod scores;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ShapeError;
use crate::json_walk::{Ctx, Node};
use crate::teams::nba_tricode;

/// `source_name` of every Odds API [`ShapeError`].
pub const SOURCE: &str = "odds_api";

/// One game as The Odds API lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Odds API event id (32 hex chars); map to NBA games on
    /// (game date, home tricode, away tricode).
    pub id: String,
    pub sport_key: String,
    pub sport_title: Option<String>,
    /// Scheduled tip-off, UTC.
    pub commence_time: DateTime<Utc>,
    /// Full name as sent, e.g. "Los Angeles Clippers".
    pub home_team: String,
    pub away_team: String,
    /// NBA tricode of `home_team`, `None` when it is not one of the 30 teams.
    pub home_tricode: Option<String>,
    pub away_tricode: Option<String>,
}

/// A historical answer: the payload as it was at `timestamp`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot<T> {
    /// The time of the snapshot actually returned (≤ the requested `date`).
    pub timestamp: DateTime<Utc>,
    /// The previous available snapshot, to walk backwards.
    pub previous_timestamp: Option<DateTime<Utc>>,
    /// The next available snapshot, to walk forwards.
    pub next_timestamp: Option<DateTime<Utc>>,
    pub data: T,
}

/// Fails when the root is The Odds API's error object
/// (`{"message": "...", "error_code": "..."}`), naming its message.
pub(crate) fn reject_error_object(root: &Node) -> Result<(), ShapeError> {
    if let Some(obj) = root.v.as_object()
        && let Some(msg) = obj.get("message").and_then(|m| m.as_str())
    {
        let code = obj.get("error_code").and_then(|c| c.as_str()).unwrap_or("");
        return Err(root.err(format!("upstream error object instead of data: {code} {msg}")));
    }
    Ok(())
}

pub(crate) fn decode_event(n: &Node) -> Result<Event, ShapeError> {
    let home_team = n.req_str("home_team")?.trim().to_string();
    let away_team = n.req_str("away_team")?.trim().to_string();
    Ok(Event {
        id: n.req_str("id")?.to_string(),
        sport_key: n.req_string("sport_key")?,
        sport_title: n.opt_string("sport_title")?,
        commence_time: n.req_datetime("commence_time")?,
        home_tricode: nba_tricode(&home_team).ok().map(str::to_string),
        away_tricode: nba_tricode(&away_team).ok().map(str::to_string),
        home_team,
        away_team,
    })
}

/// Decodes a historical wrapper, `data` through `inner`.
pub(crate) fn decode_snapshot<T>(
    ctx: &Ctx,
    body: &[u8],
    inner: impl Fn(&Node) -> Result<T, ShapeError>,
) -> Result<Snapshot<T>, ShapeError> {
    decode_snapshot_value(ctx, &ctx.parse(body)?, inner)
}

/// [`decode_snapshot`] of a body already parsed.
pub(crate) fn decode_snapshot_value<T>(
    ctx: &Ctx,
    v: &Value,
    inner: impl Fn(&Node) -> Result<T, ShapeError>,
) -> Result<Snapshot<T>, ShapeError> {
    let root = ctx.root(v);
    reject_error_object(&root)?;
    Ok(Snapshot {
        timestamp: root.req_datetime("timestamp")?,
        previous_timestamp: root.opt_datetime("previous_timestamp")?,
        next_timestamp: root.opt_datetime("next_timestamp")?,
        data: inner(&root.get("data")?)?,
    })
}

/// One outcome of one market of one bookmaker, before market-specific checks.
pub(crate) struct RawOutcome<'a> {
    pub bookmaker_key: String,
    pub bookmaker_title: Option<String>,
    pub market: String,
    pub last_update: Option<DateTime<Utc>>,
    pub outcome: Node<'a>,
}

/// Walks `bookmakers[].markets[].outcomes[]` of an event-odds object. Markets
/// for which `keep` is false are listed (once each) in `skipped`.
pub(crate) fn outcomes<'a>(
    event: &Node<'a>,
    keep: impl Fn(&str) -> bool,
    skipped: &mut Vec<String>,
) -> Result<Vec<RawOutcome<'a>>, ShapeError> {
    let mut out = Vec::new();
    for b in event.req_items("bookmakers")? {
        let bookmaker_key = b.req_string("key")?;
        let bookmaker_title = b.opt_string("title")?;
        let book_update = b.opt_datetime("last_update")?;
        for m in b.req_items("markets")? {
            let market = m.req_string("key")?;
            if !keep(&market) {
                if !skipped.contains(&market) {
                    skipped.push(market);
                }
                continue;
            }
            let last_update = m.opt_datetime("last_update")?.or(book_update);
            for o in m.req_items("outcomes")? {
                out.push(RawOutcome {
                    bookmaker_key: bookmaker_key.clone(),
                    bookmaker_title: bookmaker_title.clone(),
                    market: market.clone(),
                    last_update,
                    outcome: o,
                });
            }
        }
    }
    Ok(out)
}
