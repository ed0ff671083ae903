//! The replay upstream: an HTTP server that answers like the real upstreams, from a season dataset on disk
//! (laid out like `data/season-2024-25/`, see [`dataset`]). Offline runs point every scraper's base URL here.
//!
//! Nothing is specific to one season: seasons come from the schedule file names, dates from the data. The
//! dataset is loaded and indexed once ([`Dataset::open`]); each request is a lookup plus rendering.
//!
//! Served (all on one base URL; each module's doc says which real endpoint it mimics):
//!
//! | path | mimics | module |
//! |---|---|---|
//! | `GET /stats/scheduleleaguev2int?LeagueID=00&Season=` | stats.nba.com, verbatim | [`schedule`] |
//! | `GET /stats/scoreboardV2?GameDate=&LeagueID=00&DayOffset=0` | stats.nba.com | [`stats`] |
//! | `GET /stats/leaguegamelog?PlayerOrTeam=P\|T&Season=&SeasonType=&DateFrom=&DateTo=` | stats.nba.com | [`stats`] |
//! | `GET /stats/playerindex?LeagueID=00&Season=` | stats.nba.com | [`stats`] |
//! | `GET /static/json/liveData/boxscore/boxscore_{gameId}.json` | cdn.nba.com | [`cdn`] |
//! | `GET /v1/games?dates[]=`, `GET /v1/stats?dates[]=` | api.balldontlie.io | [`balldontlie`] |
//! | `GET /v4/sports/basketball_nba/events?apiKey=` | api.the-odds-api.com | [`odds_api`] |
//! | `GET /v4/sports/basketball_nba/events/{id}/odds?apiKey=&markets=&regions=&bookmakers=` | api.the-odds-api.com | [`odds_api`] |
//! | `GET /apis/site/v2/sports/basketball/nba/scoreboard?dates=YYYYMMDD` | site.api.espn.com | [`espn`] |
//! | `GET/PUT/DELETE /__replay/clock` | the simulated clock | [`clock`] |
//!
//! **Point in time.** Every answer is what was known at the simulated clock's now ([`Clock`]; real time by
//! default): before a game's scheduled tip it is scheduled, without scores, box score, log rows or final;
//! prop lines are served only before tip. See [`clock`] for the phases.
//!
//! Unknown endpoints answer 404 JSON, bad parameters 400 JSON naming the parameter (The Odds API: its own
//! error objects), dates outside the season valid empty answers. Responses are gzip-encoded when the
//! client accepts it.

pub mod balldontlie;
pub mod cdn;
pub mod clock;
pub mod dataset;
pub mod espn;
pub mod faults;
mod ids;
pub mod odds_api;
mod respond;
pub mod schedule;
pub mod stats;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use axum::Router;
use axum::routing::get;

pub use clock::Clock;
pub use dataset::{Dataset, DatasetError, LoadReport};

/// Shared state of every handler.
#[derive(Debug, Clone)]
pub(crate) struct AppState {
    pub dataset: Dataset,
    pub clock: Clock,
    /// The Odds API credits spent so far (for the `x-requests-*` headers).
    pub odds_used: Arc<AtomicU64>,
}

/// The replay upstream's routes, with a clock reading the real time until `PUT /__replay/clock` sets it.
pub fn router(dataset: Dataset) -> Router {
    router_with_clock(dataset, Clock::real())
}

/// The routes with a given clock (keep a clone to move the simulated time in-process).
pub fn router_with_clock(dataset: Dataset, clock: Clock) -> Router {
    router_with_faults(dataset, clock, None)
}

/// The routes with a given clock and, when `faults` is given, a fault layer that answers
/// badly when the plan says so ([`faults`]; the chaos drill). The fault sees the true
/// answer before it is gzip-encoded (a renamed field or a cut body are made from it).
pub fn router_with_faults(dataset: Dataset, clock: Clock, faults: Option<Arc<dyn faults::FaultPlan>>) -> Router {
    let state = AppState {
        dataset,
        clock: clock.clone(),
        odds_used: Arc::new(AtomicU64::new(0)),
    };
    let routes = Router::new()
        .route("/stats/scheduleleaguev2int", get(schedule::schedule))
        .route("/stats/scoreboardV2", get(stats::scoreboard_v2))
        .route("/stats/scoreboardv2", get(stats::scoreboard_v2))
        .route("/stats/leaguegamelog", get(stats::league_game_log))
        .route("/stats/playerindex", get(stats::player_index))
        .route("/static/json/liveData/boxscore/{file}", get(cdn::boxscore))
        .route("/v1/games", get(balldontlie::games))
        .route("/v1/stats", get(balldontlie::stats))
        .route("/v4/sports/{sport}/events", get(odds_api::events))
        .route("/v4/sports/{sport}/events/{event_id}/odds", get(odds_api::event_odds))
        .route("/apis/site/v2/sports/basketball/nba/scoreboard", get(espn::scoreboard))
        .route(
            "/__replay/clock",
            get(clock::get_clock).put(clock::put_clock).delete(clock::reset_clock),
        )
        .fallback(respond::not_found);
    let routes = match faults {
        Some(plan) => routes.layer(axum::middleware::from_fn_with_state(plan, faults::inject)),
        None => routes,
    };
    routes
        .layer(axum::middleware::from_fn(respond::gzip))
        .layer(axum::middleware::from_fn_with_state(clock, respond::date_header))
        .with_state(state)
}

#[cfg(test)]
mod tests;
