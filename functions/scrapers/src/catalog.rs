//! Every scraper, one entry each: the upstream endpoint, the options it needs,
//! the decoder (from `nba-upstream`) that checks the answer and counts records.
//! The decoders are the same ones the raw processors load with, so a response
//! a scraper accepts is one phase 2 can read.

use nba_upstream::{balldontlie, basketball_reference, bettingpros, espn, nba_cdn, nba_stats, odds_api};
use reqwest::Url;

use crate::http::{SourceId, Upstreams};
use crate::options::{OptionKind, ScrapeOptions};
use crate::scraper::{BodyFormat, Pagination, ScraperSpec};

type UrlResult = Result<Url, url::ParseError>;

/// `base/path?k=v&…`
fn endpoint(up: &Upstreams, source: SourceId, path: &str, query: &[(&str, String)]) -> UrlResult {
    let mut url = up.base(source).join(path)?;
    if !query.is_empty() {
        url.query_pairs_mut()
            .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
    }
    Ok(url)
}

fn game_id(o: &ScrapeOptions) -> String {
    o.game_id.clone().unwrap_or_default()
}

fn event_id(o: &ScrapeOptions) -> String {
    o.event_id.clone().unwrap_or_default()
}

fn us_date(d: chrono::NaiveDate) -> String {
    d.format("%m/%d/%Y").to_string()
}

fn count<T>(items: &[T]) -> u64 {
    items.len() as u64
}

/// stats.nba.com `leaguegamelog` over the options' dates, of players (`P`) or teams (`T`).
fn league_game_log(o: &ScrapeOptions, up: &Upstreams, player_or_team: &str) -> UrlResult {
    endpoint(
        up,
        SourceId::NbaStats,
        "stats/leaguegamelog",
        &[
            ("Counter", "0".into()),
            ("DateFrom", us_date(o.date)),
            ("DateTo", us_date(o.date_to)),
            ("Direction", "ASC".into()),
            ("LeagueID", "00".into()),
            ("PlayerOrTeam", player_or_team.into()),
            ("Season", o.season.clone()),
            ("SeasonType", "Regular Season".into()),
            ("Sorter", "DATE".into()),
        ],
    )
}

fn sub_game(o: &ScrapeOptions) -> Option<String> {
    o.game_id.clone()
}

fn sub_event(o: &ScrapeOptions) -> Option<String> {
    o.event_id.clone()
}

fn sub_team(o: &ScrapeOptions) -> Option<String> {
    o.team.as_ref().map(|t| t.to_ascii_lowercase())
}

/// Historical snapshot instant (`at`), as the Odds API wants it.
fn at(o: &ScrapeOptions) -> String {
    o.at.map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

fn odds_query(o: &ScrapeOptions, default_markets: &str) -> Vec<(&'static str, String)> {
    let mut q = vec![
        ("regions", o.regions.clone()),
        (
            "markets",
            o.markets.clone().unwrap_or_else(|| default_markets.to_string()),
        ),
        ("oddsFormat", "american".to_string()),
        ("dateFormat", "iso".to_string()),
    ];
    if let Some(books) = &o.bookmakers {
        q.push(("bookmakers", books.clone()));
    }
    q
}

/// Player-prop outcomes in an event-odds answer. An outcome without a line does not
/// fail the scrape (the file is kept; phase 2 rejects that one row, "no line"):
/// everything else must decode.
fn props_count(body: &[u8], historical: bool) -> Result<u64, nba_upstream::ShapeError> {
    use odds_api::player_props::{decode_event_player_props_lenient, decode_historical_event_player_props_lenient};
    let (lines, lineless) = if historical {
        let (snapshot, lineless) = decode_historical_event_player_props_lenient(body)?;
        (count(&snapshot.data.lines), count(&lineless))
    } else {
        let (props, lineless) = decode_event_player_props_lenient(body)?;
        (count(&props.lines), count(&lineless))
    };
    Ok(lines + lineless)
}

const PLAYER_MARKETS: &str = "player_points,player_rebounds,player_assists";
const GAME_MARKETS: &str = "h2h,spreads,totals";

pub static CATALOG: &[ScraperSpec] = &[
    // ---- stats.nba.com --------------------------------------------------------------------
    ScraperSpec {
        name: "nbac_schedule",
        source: SourceId::NbaStats,
        key_prefix: "nba-com/schedule",
        format: BodyFormat::Json,
        required: &[],
        url: |o, up| {
            endpoint(
                up,
                SourceId::NbaStats,
                "stats/scheduleleaguev2int",
                &[("LeagueID", "00".into()), ("Season", o.season.clone())],
            )
        },
        check: |b| {
            nba_stats::decode_schedule_league_v2_int(&nba_stats::parse_body("scheduleleaguev2int", b)?)
                .map(|g| count(&g))
        },
        sub: None,
        pagination: Pagination::None,
    },
    ScraperSpec {
        name: "nbac_scoreboard_v2",
        source: SourceId::NbaStats,
        key_prefix: "nba-com/scoreboard-v2",
        format: BodyFormat::Json,
        required: &[],
        url: |o, up| {
            endpoint(
                up,
                SourceId::NbaStats,
                "stats/scoreboardV2",
                &[
                    ("GameDate", o.date.to_string()),
                    ("LeagueID", "00".into()),
                    ("DayOffset", "0".into()),
                ],
            )
        },
        check: |b| nba_stats::decode_scoreboard_v2(&nba_stats::parse_body("scoreboardv2", b)?).map(|s| count(&s.games)),
        sub: None,
        pagination: Pagination::None,
    },
    ScraperSpec {
        name: "nbac_scoreboard_v3",
        source: SourceId::NbaStats,
        key_prefix: "nba-com/scoreboard-v3",
        format: BodyFormat::Json,
        required: &[],
        url: |o, up| {
            endpoint(
                up,
                SourceId::NbaStats,
                "stats/scoreboardv3",
                &[("GameDate", o.date.to_string()), ("LeagueID", "00".into())],
            )
        },
        check: |b| nba_stats::decode_scoreboard_v3(&nba_stats::parse_body("scoreboardv3", b)?).map(|s| count(&s.games)),
        sub: None,
        pagination: Pagination::None,
    },
    ScraperSpec {
        name: "nbac_gamelog_players",
        source: SourceId::NbaStats,
        key_prefix: "nba-com/gamelog-players",
        format: BodyFormat::Json,
        required: &[],
        url: |o, up| league_game_log(o, up, "P"),
        check: |b| {
            nba_stats::decode_league_game_log_players(&nba_stats::parse_body("leaguegamelog", b)?).map(|r| count(&r))
        },
        sub: None,
        pagination: Pagination::None,
    },
    ScraperSpec {
        name: "nbac_gamelog_teams",
        source: SourceId::NbaStats,
        key_prefix: "nba-com/gamelog-teams",
        format: BodyFormat::Json,
        required: &[],
        url: |o, up| league_game_log(o, up, "T"),
        check: |b| {
            nba_stats::decode_league_game_log_teams(&nba_stats::parse_body("leaguegamelog", b)?).map(|r| count(&r))
        },
        sub: None,
        pagination: Pagination::None,
    },
    ScraperSpec {
        name: "nbac_boxscore_traditional_v2",
        source: SourceId::NbaStats,
        key_prefix: "nba-com/boxscore-traditional-v2",
        format: BodyFormat::Json,
        required: &[OptionKind::GameId],
        url: |o, up| {
            endpoint(
                up,
                SourceId::NbaStats,
                "stats/boxscoretraditionalv2",
                &[
                    ("GameID", game_id(o)),
                    ("StartPeriod", "0".into()),
                    ("EndPeriod", "10".into()),
                    ("StartRange", "0".into()),
                    ("EndRange", "28800".into()),
                    ("RangeType", "0".into()),
                ],
            )
        },
        check: |b| {
            nba_stats::decode_box_score_traditional_v2(&nba_stats::parse_body("boxscoretraditionalv2", b)?)
                .map(|s| count(&s.players))
        },
        sub: Some(sub_game),
        pagination: Pagination::None,
    },
    ScraperSpec {
        name: "nbac_boxscore_traditional_v3",
        source: SourceId::NbaStats,
        key_prefix: "nba-com/boxscore-traditional-v3",
        format: BodyFormat::Json,
        required: &[OptionKind::GameId],
        url: |o, up| {
            endpoint(
                up,
                SourceId::NbaStats,
                "stats/boxscoretraditionalv3",
                &[
                    ("GameID", game_id(o)),
                    ("LeagueID", "00".into()),
                    ("endPeriod", "0".into()),
                    ("endRange", "28800".into()),
                    ("rangeType", "0".into()),
                    ("startPeriod", "0".into()),
                    ("startRange", "0".into()),
                ],
            )
        },
        check: |b| {
            nba_stats::decode_box_score_traditional_v3(&nba_stats::parse_body("boxscoretraditionalv3", b)?)
                .map(|s| count(&s.players))
        },
        sub: Some(sub_game),
        pagination: Pagination::None,
    },
    ScraperSpec {
        name: "nbac_play_by_play_v2",
        source: SourceId::NbaStats,
        key_prefix: "nba-com/play-by-play-v2",
        format: BodyFormat::Json,
        required: &[OptionKind::GameId],
        url: |o, up| {
            endpoint(
                up,
                SourceId::NbaStats,
                "stats/playbyplayv2",
                &[
                    ("GameID", game_id(o)),
                    ("StartPeriod", "0".into()),
                    ("EndPeriod", "10".into()),
                ],
            )
        },
        check: |b| nba_stats::decode_play_by_play_v2(&nba_stats::parse_body("playbyplayv2", b)?).map(|a| count(&a)),
        sub: Some(sub_game),
        pagination: Pagination::None,
    },
    ScraperSpec {
        name: "nbac_play_by_play_v3",
        source: SourceId::NbaStats,
        key_prefix: "nba-com/play-by-play-v3",
        format: BodyFormat::Json,
        required: &[OptionKind::GameId],
        url: |o, up| {
            endpoint(
                up,
                SourceId::NbaStats,
                "stats/playbyplayv3",
                &[
                    ("GameID", game_id(o)),
                    ("StartPeriod", "0".into()),
                    ("EndPeriod", "0".into()),
                ],
            )
        },
        check: |b| nba_stats::decode_play_by_play_v3(&nba_stats::parse_body("playbyplayv3", b)?).map(|a| count(&a)),
        sub: Some(sub_game),
        pagination: Pagination::None,
    },
    ScraperSpec {
        name: "nbac_player_list",
        source: SourceId::NbaStats,
        key_prefix: "nba-com/player-list",
        format: BodyFormat::Json,
        required: &[],
        url: |o, up| {
            endpoint(
                up,
                SourceId::NbaStats,
                "stats/playerindex",
                &[
                    ("LeagueID", "00".into()),
                    ("Season", o.season.clone()),
                    ("Historical", "0".into()),
                ],
            )
        },
        check: |b| nba_stats::decode_player_index(&nba_stats::parse_body("playerindex", b)?).map(|p| count(&p)),
        sub: None,
        pagination: Pagination::None,
    },
    // ---- cdn.nba.com ----------------------------------------------------------------------
    ScraperSpec {
        name: "nbac_cdn_schedule",
        source: SourceId::NbaCdn,
        key_prefix: "nba-com/cdn-schedule",
        format: BodyFormat::Json,
        required: &[],
        url: |_, up| {
            endpoint(
                up,
                SourceId::NbaCdn,
                "static/json/staticData/scheduleLeagueV2_1.json",
                &[],
            )
        },
        check: |b| {
            nba_cdn::schedule_league_v2::decode_schedule_league_v2(&nba_cdn::parse_body("scheduleLeagueV2_1", b)?)
                .map(|g| count(&g))
        },
        sub: None,
        pagination: Pagination::None,
    },
    ScraperSpec {
        name: "nbac_live_boxscore",
        source: SourceId::NbaCdn,
        key_prefix: "nba-com/live-boxscore",
        format: BodyFormat::Json,
        required: &[OptionKind::GameId],
        url: |o, up| {
            endpoint(
                up,
                SourceId::NbaCdn,
                &format!("static/json/liveData/boxscore/boxscore_{}.json", game_id(o)),
                &[],
            )
        },
        check: |b| nba_cdn::boxscore::decode_boxscore(&nba_cdn::parse_body("boxscore", b)?).map(|s| count(&s.players)),
        sub: Some(sub_game),
        pagination: Pagination::None,
    },
    ScraperSpec {
        name: "nbac_live_play_by_play",
        source: SourceId::NbaCdn,
        key_prefix: "nba-com/live-play-by-play",
        format: BodyFormat::Json,
        required: &[OptionKind::GameId],
        url: |o, up| {
            endpoint(
                up,
                SourceId::NbaCdn,
                &format!("static/json/liveData/playbyplay/playbyplay_{}.json", game_id(o)),
                &[],
            )
        },
        check: |b| nba_cdn::playbyplay::decode_playbyplay(&nba_cdn::parse_body("playbyplay", b)?).map(|a| count(&a)),
        sub: Some(sub_game),
        pagination: Pagination::None,
    },
    ScraperSpec {
        name: "nbac_todays_scoreboard",
        source: SourceId::NbaCdn,
        key_prefix: "nba-com/todays-scoreboard",
        format: BodyFormat::Json,
        required: &[],
        url: |_, up| {
            endpoint(
                up,
                SourceId::NbaCdn,
                "static/json/liveData/scoreboard/todaysScoreboard_00.json",
                &[],
            )
        },
        check: |b| {
            nba_cdn::todays_scoreboard::decode_todays_scoreboard(&nba_cdn::parse_body("todaysScoreboard", b)?)
                .map(|s| count(&s.games))
        },
        sub: None,
        pagination: Pagination::None,
    },
    // ---- balldontlie ----------------------------------------------------------------------
    ScraperSpec {
        name: "bdl_games",
        source: SourceId::BallDontLie,
        key_prefix: "balldontlie/games",
        format: BodyFormat::Json,
        required: &[],
        url: |o, up| {
            endpoint(
                up,
                SourceId::BallDontLie,
                "v1/games",
                &[("dates[]", o.date.to_string()), ("per_page", "100".into())],
            )
        },
        check: |b| balldontlie::games::decode_games(b).map(|p| count(&p.data)),
        sub: None,
        pagination: Pagination::Cursor,
    },
    ScraperSpec {
        name: "bdl_box_scores",
        source: SourceId::BallDontLie,
        key_prefix: "balldontlie/box-scores",
        format: BodyFormat::Json,
        required: &[],
        url: |o, up| {
            endpoint(
                up,
                SourceId::BallDontLie,
                "v1/box_scores",
                &[("date", o.date.to_string())],
            )
        },
        check: |b| balldontlie::box_scores::decode_box_scores(b).map(|g| count(&g)),
        sub: None,
        pagination: Pagination::None,
    },
    ScraperSpec {
        name: "bdl_stats",
        source: SourceId::BallDontLie,
        key_prefix: "balldontlie/stats",
        format: BodyFormat::Json,
        required: &[],
        url: |o, up| {
            endpoint(
                up,
                SourceId::BallDontLie,
                "v1/stats",
                &[("dates[]", o.date.to_string()), ("per_page", "100".into())],
            )
        },
        check: |b| balldontlie::stats::decode_stats(b).map(|p| count(&p.data)),
        sub: None,
        pagination: Pagination::Cursor,
    },
    ScraperSpec {
        name: "bdl_active_players",
        source: SourceId::BallDontLie,
        key_prefix: "balldontlie/active-players",
        format: BodyFormat::Json,
        required: &[],
        url: |_, up| {
            endpoint(
                up,
                SourceId::BallDontLie,
                "v1/players/active",
                &[("per_page", "100".into())],
            )
        },
        check: |b| balldontlie::players::decode_active_players(b).map(|p| count(&p.data)),
        sub: None,
        pagination: Pagination::Cursor,
    },
    ScraperSpec {
        name: "bdl_teams",
        source: SourceId::BallDontLie,
        key_prefix: "balldontlie/teams",
        format: BodyFormat::Json,
        required: &[],
        url: |_, up| endpoint(up, SourceId::BallDontLie, "v1/teams", &[]),
        check: |b| balldontlie::teams::decode_teams(b).map(|t| count(&t)),
        sub: None,
        pagination: Pagination::None,
    },
    ScraperSpec {
        name: "bdl_injuries",
        source: SourceId::BallDontLie,
        key_prefix: "balldontlie/injuries",
        format: BodyFormat::Json,
        required: &[],
        url: |_, up| {
            endpoint(
                up,
                SourceId::BallDontLie,
                "v1/player_injuries",
                &[("per_page", "100".into())],
            )
        },
        check: |b| balldontlie::injuries::decode_player_injuries(b).map(|p| count(&p.data)),
        sub: None,
        pagination: Pagination::Cursor,
    },
    // ---- The Odds API (the key is attached by the fetcher, never by a URL builder) -----------
    ScraperSpec {
        name: "odds_api_events",
        source: SourceId::OddsApi,
        key_prefix: "odds-api/events",
        format: BodyFormat::Json,
        required: &[],
        url: |_, up| {
            endpoint(
                up,
                SourceId::OddsApi,
                "v4/sports/basketball_nba/events",
                &[("dateFormat", "iso".into())],
            )
        },
        check: |b| odds_api::events::decode_events(b).map(|e| count(&e)),
        sub: None,
        pagination: Pagination::None,
    },
    ScraperSpec {
        name: "odds_api_player_props",
        source: SourceId::OddsApi,
        key_prefix: "odds-api/player-props",
        format: BodyFormat::Json,
        required: &[OptionKind::EventId],
        url: |o, up| {
            let path = format!("v4/sports/basketball_nba/events/{}/odds", event_id(o));
            endpoint(up, SourceId::OddsApi, &path, &odds_query(o, PLAYER_MARKETS))
        },
        check: |b| props_count(b, false),
        sub: Some(sub_event),
        pagination: Pagination::None,
    },
    ScraperSpec {
        name: "odds_api_game_lines",
        source: SourceId::OddsApi,
        key_prefix: "odds-api/game-lines",
        format: BodyFormat::Json,
        required: &[],
        url: |o, up| {
            endpoint(
                up,
                SourceId::OddsApi,
                "v4/sports/basketball_nba/odds",
                &odds_query(o, GAME_MARKETS),
            )
        },
        check: |b| odds_api::game_lines::decode_game_lines(b).map(|g| count(&g)),
        sub: None,
        pagination: Pagination::None,
    },
    ScraperSpec {
        name: "odds_api_events_historical",
        source: SourceId::OddsApi,
        key_prefix: "odds-api/events-historical",
        format: BodyFormat::Json,
        required: &[OptionKind::At],
        url: |o, up| {
            endpoint(
                up,
                SourceId::OddsApi,
                "v4/historical/sports/basketball_nba/events",
                &[("date", at(o)), ("dateFormat", "iso".into())],
            )
        },
        check: |b| odds_api::events::decode_historical_events(b).map(|s| count(&s.data)),
        sub: None,
        pagination: Pagination::None,
    },
    ScraperSpec {
        name: "odds_api_player_props_historical",
        source: SourceId::OddsApi,
        key_prefix: "odds-api/player-props-historical",
        format: BodyFormat::Json,
        required: &[OptionKind::EventId, OptionKind::At],
        url: |o, up| {
            let path = format!("v4/historical/sports/basketball_nba/events/{}/odds", event_id(o));
            let mut q = odds_query(o, PLAYER_MARKETS);
            q.push(("date", at(o)));
            endpoint(up, SourceId::OddsApi, &path, &q)
        },
        check: |b| props_count(b, true),
        sub: Some(sub_event),
        pagination: Pagination::None,
    },
    ScraperSpec {
        name: "odds_api_game_lines_historical",
        source: SourceId::OddsApi,
        key_prefix: "odds-api/game-lines-historical",
        format: BodyFormat::Json,
        required: &[OptionKind::At],
        url: |o, up| {
            let mut q = odds_query(o, GAME_MARKETS);
            q.push(("date", at(o)));
            endpoint(up, SourceId::OddsApi, "v4/historical/sports/basketball_nba/odds", &q)
        },
        check: |b| odds_api::game_lines::decode_historical_game_lines(b).map(|s| count(&s.data)),
        sub: None,
        pagination: Pagination::None,
    },
    ScraperSpec {
        name: "odds_api_event_game_lines_historical",
        source: SourceId::OddsApi,
        key_prefix: "odds-api/event-game-lines-historical",
        format: BodyFormat::Json,
        required: &[OptionKind::EventId, OptionKind::At],
        url: |o, up| {
            let path = format!("v4/historical/sports/basketball_nba/events/{}/odds", event_id(o));
            let mut q = odds_query(o, GAME_MARKETS);
            q.push(("date", at(o)));
            endpoint(up, SourceId::OddsApi, &path, &q)
        },
        check: |b| odds_api::game_lines::decode_historical_event_game_lines(b).map(|s| count(&s.data.lines)),
        sub: Some(sub_event),
        pagination: Pagination::None,
    },
    // ---- ESPN ---------------------------------------------------------------------------
    ScraperSpec {
        name: "espn_scoreboard",
        source: SourceId::Espn,
        key_prefix: "espn/scoreboard",
        format: BodyFormat::Json,
        required: &[],
        url: |o, up| {
            endpoint(
                up,
                SourceId::Espn,
                "apis/site/v2/sports/basketball/nba/scoreboard",
                &[("dates", o.date.format("%Y%m%d").to_string())],
            )
        },
        check: |b| espn::scoreboard::decode_scoreboard(b).map(|g| count(&g)),
        sub: None,
        pagination: Pagination::None,
    },
    ScraperSpec {
        name: "espn_team_roster",
        source: SourceId::Espn,
        key_prefix: "espn/team-roster",
        format: BodyFormat::Json,
        required: &[OptionKind::Team],
        url: |o, up| {
            let team = o.team.clone().unwrap_or_default().to_ascii_lowercase();
            endpoint(
                up,
                SourceId::Espn,
                &format!("apis/site/v2/sports/basketball/nba/teams/{team}/roster"),
                &[],
            )
        },
        check: |b| espn::roster::decode_roster(b).map(|r| count(&r.athletes)),
        sub: Some(sub_team),
        pagination: Pagination::None,
    },
    ScraperSpec {
        name: "espn_boxscore",
        source: SourceId::EspnWeb,
        key_prefix: "espn/boxscore",
        format: BodyFormat::Html,
        required: &[OptionKind::EventId],
        url: |o, up| {
            endpoint(
                up,
                SourceId::EspnWeb,
                &format!("nba/boxscore/_/gameId/{}", event_id(o)),
                &[],
            )
        },
        check: |b| {
            espn::boxscore_page::decode_boxscore_page(b).map(|p| p.teams.iter().map(|t| t.players.len() as u64).sum())
        },
        sub: Some(sub_event),
        pagination: Pagination::None,
    },
    // ---- BettingPros and Basketball-Reference (shapes from public usage; synthetic fixtures) --
    ScraperSpec {
        name: "bettingpros_events",
        source: SourceId::BettingPros,
        key_prefix: "bettingpros/events",
        format: BodyFormat::Json,
        required: &[],
        url: |o, up| {
            endpoint(
                up,
                SourceId::BettingPros,
                "v3/events",
                &[("sport", "NBA".into()), ("date", o.date.to_string())],
            )
        },
        check: |b| bettingpros::events::decode_events(b).map(|e| count(&e)),
        sub: None,
        pagination: Pagination::None,
    },
    ScraperSpec {
        name: "bettingpros_player_props",
        source: SourceId::BettingPros,
        key_prefix: "bettingpros/player-props",
        format: BodyFormat::Json,
        required: &[],
        url: |o, up| {
            endpoint(
                up,
                SourceId::BettingPros,
                "v3/offers",
                &[
                    ("sport", "NBA".into()),
                    ("market_id", "156".into()),
                    ("event_date", o.date.to_string()),
                    ("location", "ALL".into()),
                ],
            )
        },
        check: |b| bettingpros::offers::decode_offers(b).map(|p| count(&p.lines)),
        sub: None,
        pagination: Pagination::None,
    },
    ScraperSpec {
        name: "br_season_roster",
        source: SourceId::BasketballReference,
        key_prefix: "basketball-reference/roster",
        format: BodyFormat::Html,
        required: &[OptionKind::Team],
        url: |o, up| {
            let team = o.team.clone().unwrap_or_default().to_ascii_uppercase();
            let end_year: i32 = o
                .season
                .get(..4)
                .and_then(|y| y.parse().ok())
                .map(|y: i32| y + 1)
                .unwrap_or(0);
            endpoint(
                up,
                SourceId::BasketballReference,
                &format!("teams/{team}/{end_year}.html"),
                &[],
            )
        },
        check: |b| basketball_reference::roster::decode_roster(b).map(|r| count(&r.players)),
        sub: Some(sub_team),
        pagination: Pagination::None,
    },
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::NaiveDate;
    use nba_upstream::fixtures;

    use super::*;
    use crate::scraper::ScraperRegistry;

    fn opts() -> ScrapeOptions {
        let mut o = ScrapeOptions::for_date(NaiveDate::from_ymd_opt(2025, 1, 10).unwrap());
        o.game_id = Some("0022400561".into());
        o.event_id = Some("0a1b2c3d4e5f60718293a4b5c6d7e8f9".into());
        o.team = Some("BOS".into());
        o.at = Some("2025-01-10T17:00:00Z".parse().unwrap());
        o
    }

    #[test]
    fn a_prop_without_a_line_does_not_fail_the_scrape() {
        let body = nba_upstream::fixtures::text("odds-api/event_odds_player_points.json");
        let full = (spec("odds_api_player_props").check)(body.as_bytes()).unwrap();
        let holed = body.replacen("\"point\": 7.5", "\"point\": null", 1);
        assert_eq!((spec("odds_api_player_props").check)(holed.as_bytes()).unwrap(), full);
        // Other damage still fails, naming the field.
        let broken = body.replacen("\"price\": 110", "\"price\": \"x\"", 1);
        assert!((spec("odds_api_player_props").check)(broken.as_bytes()).is_err());
    }

    fn spec(name: &str) -> &'static ScraperSpec {
        ScraperRegistry::standard()
            .get(name)
            .unwrap_or_else(|| panic!("no scraper {name}"))
    }

    #[test]
    fn names_and_key_prefixes_are_unique() {
        let names: BTreeSet<_> = CATALOG.iter().map(|s| s.name).collect();
        let prefixes: BTreeSet<_> = CATALOG.iter().map(|s| s.key_prefix).collect();
        assert_eq!(names.len(), CATALOG.len());
        assert_eq!(prefixes.len(), CATALOG.len());
    }

    #[test]
    fn every_url_is_built_on_its_source_base_and_carries_no_key() {
        let base: Url = "http://127.0.0.1:9/".parse().unwrap();
        let up = Upstreams::all_at(&base);
        for s in CATALOG {
            let url = (s.url)(&opts(), &up).unwrap_or_else(|e| panic!("{}: {e}", s.name));
            assert!(url.as_str().starts_with("http://127.0.0.1:9/"), "{}: {url}", s.name);
            let q = url.query().unwrap_or_default().to_ascii_lowercase();
            assert!(
                !q.contains("apikey") && !q.contains("api_key"),
                "{}: keys are the fetcher's job",
                s.name
            );
        }
    }

    #[test]
    fn urls_match_the_real_endpoints() {
        let up = Upstreams::all_at(&"https://x.test/".parse().unwrap());
        let url = |name: &str| (spec(name).url)(&opts(), &up).unwrap().to_string();
        assert_eq!(
            url("nbac_scoreboard_v2"),
            "https://x.test/stats/scoreboardV2?GameDate=2025-01-10&LeagueID=00&DayOffset=0"
        );
        assert!(url("nbac_gamelog_players").contains("DateFrom=01%2F10%2F2025&DateTo=01%2F10%2F2025"));
        assert!(url("nbac_gamelog_players").contains("PlayerOrTeam=P"));
        assert!(url("nbac_gamelog_teams").contains("DateFrom=01%2F10%2F2025&DateTo=01%2F10%2F2025"));
        assert!(url("nbac_gamelog_teams").contains("PlayerOrTeam=T"));
        assert!(url("nbac_gamelog_teams").starts_with("https://x.test/stats/leaguegamelog?"));
        assert_eq!(
            url("nbac_live_boxscore"),
            "https://x.test/static/json/liveData/boxscore/boxscore_0022400561.json"
        );
        assert_eq!(
            url("bdl_stats"),
            "https://x.test/v1/stats?dates%5B%5D=2025-01-10&per_page=100"
        );
        assert!(url("odds_api_player_props").starts_with(
            "https://x.test/v4/sports/basketball_nba/events/0a1b2c3d4e5f60718293a4b5c6d7e8f9/odds?regions=us&markets=player_points%2Cplayer_rebounds%2Cplayer_assists"
        ));
        assert!(url("odds_api_game_lines_historical").contains("date=2025-01-10T17%3A00%3A00Z"));
        assert_eq!(
            url("espn_scoreboard"),
            "https://x.test/apis/site/v2/sports/basketball/nba/scoreboard?dates=20250110"
        );
        assert_eq!(url("br_season_roster"), "https://x.test/teams/BOS/2025.html");
    }

    /// Each scraper's check accepts the recorded response of its endpoint and counts it.
    #[test]
    fn checks_count_recorded_responses() {
        let cases: &[(&str, &str)] = &[
            ("nbac_scoreboard_v2", "nba-stats/scoreboardv2.json"),
            (
                "nbac_gamelog_players",
                "nba-stats/leaguegamelog_players_2025-03-15.json",
            ),
            ("nbac_gamelog_teams", "nba-stats/leaguegamelog_teams_2018-19.json.gz"),
            (
                "nbac_boxscore_traditional_v2",
                "nba-stats/boxscoretraditionalv2_0022100732.json",
            ),
            ("nbac_play_by_play_v2", "nba-stats/playbyplayv2_0021900001.json"),
            ("nbac_player_list", "nba-stats/synthetic_playerindex.json"),
            ("nbac_cdn_schedule", "nba-cdn/scheduleLeagueV2_preseason_2025-26.json"),
            ("nbac_live_boxscore", "nba-cdn/boxscore_0022000001.json"),
            ("nbac_live_play_by_play", "nba-cdn/playbyplay_0022400500.json.gz"),
            ("nbac_todays_scoreboard", "nba-cdn/todaysScoreboard_complete.json"),
            ("bdl_games", "balldontlie/games_278cb9ed.json"),
            ("bdl_box_scores", "balldontlie/box_scores_7a649e12.json"),
            ("bdl_active_players", "balldontlie/active_players_ac3e7bd3.json"),
            ("bdl_teams", "balldontlie/teams_cf664c89.json"),
            ("bdl_injuries", "balldontlie/injuries_d45e630e.json"),
            ("odds_api_player_props", "odds-api/event_odds_player_points.json"),
            ("odds_api_events_historical", "odds-api/historical_events_a.json"),
            (
                "odds_api_event_game_lines_historical",
                "odds-api/historical_event_odds_game_lines.json",
            ),
            ("espn_scoreboard", "espn/scoreboard_2024-01-15.json"),
            ("espn_team_roster", "espn/team_roster_api.json"),
            ("espn_boxscore", "espn/boxscore_page.html.gz"),
            ("bettingpros_events", "synthetic/bettingpros_events_synthetic.json"),
            (
                "bettingpros_player_props",
                "synthetic/bettingpros_offers_synthetic.json",
            ),
            ("br_season_roster", "synthetic/br_roster_synthetic.html"),
        ];
        let mut failures = Vec::new();
        for (name, fixture) in cases {
            match (spec(name).check)(&fixtures::bytes(fixture)) {
                Ok(n) if n > 0 => {}
                other => failures.push(format!("{name} on {fixture}: {other:?}")),
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn empty_days_count_zero_and_garbage_fails_naming_the_field() {
        assert_eq!(
            (spec("bdl_box_scores").check)(&fixtures::bytes("balldontlie/box_scores_d62cc934.json")),
            Ok(0)
        );
        assert_eq!(
            (spec("espn_scoreboard").check)(&fixtures::bytes("espn/scoreboard_allstar_empty.json")),
            Ok(0)
        );
        for s in CATALOG {
            let err = (s.check)(b"<html><body>Access Denied</body></html>");
            if s.format == BodyFormat::Json {
                let err = err.expect_err(s.name);
                assert!(!err.field.is_empty(), "{}: {err}", s.name);
            }
            assert!((s.check)(b"").is_err(), "{}: an empty body is not an answer", s.name);
        }
    }

    #[test]
    fn per_game_runs_get_their_own_key_folder() {
        let at = "2025-01-10T21:05:09Z".parse().unwrap();
        assert_eq!(
            spec("nbac_live_boxscore").object_key(&opts(), at),
            "nba-com/live-boxscore/2025-01-10/0022400561/20250110_210509.json"
        );
        assert_eq!(
            spec("nbac_schedule").object_key(&opts(), at),
            "nba-com/schedule/2025-01-10/20250110_210509.json"
        );
        assert_eq!(
            spec("espn_boxscore").object_key(&opts(), at).rsplit('.').next(),
            Some("html")
        );
    }

    #[test]
    fn required_options_are_enforced() {
        let bare = ScrapeOptions::for_date(NaiveDate::from_ymd_opt(2025, 1, 10).unwrap());
        assert!(
            spec("nbac_live_boxscore")
                .check_options(&bare)
                .unwrap_err()
                .contains("game_id")
        );
        assert!(
            spec("odds_api_player_props")
                .check_options(&bare)
                .unwrap_err()
                .contains("event_id")
        );
        assert!(spec("nbac_schedule").check_options(&bare).is_ok());
    }
}
