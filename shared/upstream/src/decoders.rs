//! Every public parser of the crate behind one signature, bytes in, with its recorded fixtures:
//! the table the fuzz targets (`fuzz/`) and the robustness property tests walk, so a parser
//! added to the crate and to this table is fuzzed and property-tested without further wiring.
//!
//! A parser here must answer any input with `Ok` or `Err`, never a panic. The JSON decoders
//! of NBA.com take a parsed [`serde_json::Value`]; here they are preceded by the
//! [`parse_body`](crate::nba_stats::parse_body) every caller runs first.

use crate::{balldontlie as bdl, basketball_reference as br, bettingpros as bp, espn, nba_cdn as cdn};
use crate::{nba_stats as st, odds_api as odds, teams};

/// One parser: its family (the upstream, also the name of its fuzz target), its name, the
/// parser with its output discarded, and the fixtures (paths under `fixtures/`, as
/// [`response_body`] reads them) it decodes.
pub struct Decoder {
    pub family: &'static str,
    pub name: &'static str,
    pub decode: fn(&[u8]) -> Result<(), String>,
    pub fixtures: &'static [&'static str],
}

/// The upstream families, one fuzz target each.
pub const FAMILIES: [&str; 8] = [
    "nba_stats",
    "nba_cdn",
    "balldontlie",
    "odds_api",
    "espn",
    "bettingpros",
    "basketball_reference",
    "text",
];

fn shape<T>(r: Result<T, crate::ShapeError>) -> Result<(), String> {
    r.map(drop).map_err(|e| e.to_string())
}

fn text(body: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(body).map_err(|e| e.to_string())
}

fn stats<T>(
    body: &[u8],
    decode: impl FnOnce(&serde_json::Value) -> Result<T, crate::ShapeError>,
) -> Result<(), String> {
    shape(st::parse_body("fuzz", body).and_then(|v| decode(&v)))
}

fn live<T>(body: &[u8], decode: impl FnOnce(&serde_json::Value) -> Result<T, crate::ShapeError>) -> Result<(), String> {
    shape(cdn::parse_body("fuzz", body).and_then(|v| decode(&v)))
}

/// `name: value` lines, as the quota decoder receives response headers.
fn header_lines(body: &[u8]) -> Result<(), String> {
    let headers = text(body)?
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.to_string()));
    shape(odds::quota::decode_quota_headers(headers))
}

const CASSETTES: &str = "nba-stats/nba_api-cassettes";

/// Every parser of the crate.
pub const ALL: &[Decoder] = &[
    // stats.nba.com
    Decoder {
        family: "nba_stats",
        name: "scoreboardv2",
        decode: |b| stats(b, st::decode_scoreboard_v2),
        fixtures: &[
            "nba-stats/scoreboardv2.json",
            "nba-stats/nba_api-cassettes/test_endpoints[ScoreboardV2].yaml",
        ],
    },
    Decoder {
        family: "nba_stats",
        name: "scoreboardv3",
        decode: |b| stats(b, st::decode_scoreboard_v3),
        fixtures: &[
            "nba-stats/nba_api-cassettes/test_scoreboardv3[Offseason date - no games expected].yaml",
            "nba-stats/nba_api-cassettes/test_scoreboardv3[Regular season game date - November 5, 2025].yaml",
        ],
    },
    Decoder {
        family: "nba_stats",
        name: "leaguegamelog players",
        decode: |b| stats(b, st::decode_league_game_log_players),
        fixtures: &["nba-stats/leaguegamelog_players_2025-03-15.json"],
    },
    Decoder {
        family: "nba_stats",
        name: "leaguegamelog teams",
        decode: |b| stats(b, st::decode_league_game_log_teams),
        fixtures: &[
            "nba-stats/leaguegamelog_teams_2018-19.json",
            "nba-stats/nba_api-cassettes/test_endpoints[LeagueGameLog].yaml",
        ],
    },
    Decoder {
        family: "nba_stats",
        name: "boxscoretraditionalv2",
        decode: |b| stats(b, st::decode_box_score_traditional_v2),
        fixtures: &[
            "nba-stats/boxscoretraditionalv2_0022100732.json",
            "nba-stats/boxscoretraditionalv2_team.json",
            "nba-stats/nba_api-cassettes/test_endpoints[BoxScoreTraditionalV2].yaml",
        ],
    },
    Decoder {
        family: "nba_stats",
        name: "boxscoretraditionalv3",
        decode: |b| stats(b, st::decode_box_score_traditional_v3),
        fixtures: &["nba-stats/nba_api-cassettes/test_endpoints[BoxScoreTraditionalV3].yaml"],
    },
    Decoder {
        family: "nba_stats",
        name: "boxscoresummaryv2",
        decode: |b| stats(b, st::decode_box_score_summary_v2),
        fixtures: &[
            "nba-stats/boxscoresummaryv2_0022100732.json",
            "nba-stats/nba_api-cassettes/test_endpoints[BoxScoreSummaryV2].yaml",
        ],
    },
    Decoder {
        family: "nba_stats",
        name: "playbyplayv2",
        decode: |b| stats(b, st::decode_play_by_play_v2),
        fixtures: &["nba-stats/playbyplayv2_0021900001.json"],
    },
    Decoder {
        family: "nba_stats",
        name: "playbyplayv3",
        decode: |b| stats(b, st::decode_play_by_play_v3),
        fixtures: &["nba-stats/nba_api-cassettes/test_endpoints[PlayByPlayV3].yaml"],
    },
    Decoder {
        family: "nba_stats",
        name: "playerindex",
        decode: |b| stats(b, st::decode_player_index),
        fixtures: &["nba-stats/synthetic_playerindex.json"],
    },
    Decoder {
        family: "nba_stats",
        name: "scheduleleaguev2int",
        decode: |b| stats(b, st::decode_schedule_league_v2_int),
        fixtures: &["nba-cdn/scheduleLeagueV2_preseason_2025-26.json"],
    },
    Decoder {
        family: "nba_stats",
        name: "resultSets",
        decode: |b| stats(b, |v| st::decode_result_sets(v, "fuzz")),
        fixtures: &["nba-stats/nba_api-cassettes/test_endpoints[PlayerGameLog].yaml"],
    },
    // cdn.nba.com
    Decoder {
        family: "nba_cdn",
        name: "scheduleLeagueV2",
        decode: |b| live(b, cdn::decode_schedule_league_v2),
        fixtures: &[
            "nba-cdn/scheduleLeagueV2_preseason_2025-26.json",
            "nba-cdn/scheduleLeagueV2_2023-24_preseason_capture.json",
        ],
    },
    Decoder {
        family: "nba_cdn",
        name: "boxscore",
        decode: |b| live(b, cdn::decode_boxscore),
        fixtures: &["nba-cdn/boxscore_0022000001.json", "nba-cdn/boxscore_0022500775.json"],
    },
    Decoder {
        family: "nba_cdn",
        name: "playbyplay",
        decode: |b| live(b, cdn::decode_playbyplay),
        fixtures: &[
            "nba-cdn/playbyplay_0022000001.json",
            "nba-cdn/playbyplay_0022400500.json",
            "nba-cdn/playbyplay_0022500857.json",
        ],
    },
    Decoder {
        family: "nba_cdn",
        name: "todaysScoreboard",
        decode: |b| live(b, cdn::decode_todays_scoreboard),
        fixtures: &["nba-cdn/todaysScoreboard_complete.json"],
    },
    // balldontlie
    Decoder {
        family: "balldontlie",
        name: "box_scores",
        decode: |b| shape(bdl::box_scores::decode_box_scores(b)),
        fixtures: &[
            "balldontlie/box_scores_d62cc934.json",
            "balldontlie/box_scores_7a649e12.json",
        ],
    },
    Decoder {
        family: "balldontlie",
        name: "games",
        decode: |b| shape(bdl::games::decode_games(b)),
        fixtures: &["balldontlie/games_278cb9ed.json"],
    },
    Decoder {
        family: "balldontlie",
        name: "game",
        decode: |b| shape(bdl::games::decode_game(b)),
        fixtures: &["balldontlie/game_detail_67b124b3.json"],
    },
    Decoder {
        family: "balldontlie",
        name: "players",
        decode: |b| shape(bdl::players::decode_players(b)),
        fixtures: &["balldontlie/players_e640d907.json"],
    },
    Decoder {
        family: "balldontlie",
        name: "active players",
        decode: |b| shape(bdl::players::decode_active_players(b)),
        fixtures: &["balldontlie/active_players_ac3e7bd3.json"],
    },
    Decoder {
        family: "balldontlie",
        name: "stats",
        decode: |b| shape(bdl::stats::decode_stats(b)),
        fixtures: &["balldontlie/player_box_scores_1db4c01e.json"],
    },
    Decoder {
        family: "balldontlie",
        name: "injuries",
        decode: |b| shape(bdl::injuries::decode_player_injuries(b)),
        fixtures: &["balldontlie/injuries_d45e630e.json"],
    },
    Decoder {
        family: "balldontlie",
        name: "teams",
        decode: |b| shape(bdl::teams::decode_teams(b)),
        fixtures: &["balldontlie/teams_cf664c89.json"],
    },
    // The Odds API
    Decoder {
        family: "odds_api",
        name: "events",
        decode: |b| shape(odds::events::decode_events(b)),
        fixtures: &[],
    },
    Decoder {
        family: "odds_api",
        name: "historical events",
        decode: |b| shape(odds::events::decode_historical_events(b)),
        fixtures: &["odds-api/historical_events_a.json", "odds-api/historical_events_b.json"],
    },
    Decoder {
        family: "odds_api",
        name: "game lines",
        decode: |b| shape(odds::game_lines::decode_game_lines(b)),
        fixtures: &[],
    },
    Decoder {
        family: "odds_api",
        name: "event game lines",
        decode: |b| shape(odds::game_lines::decode_event_game_lines(b)),
        fixtures: &[],
    },
    Decoder {
        family: "odds_api",
        name: "historical game lines",
        decode: |b| shape(odds::game_lines::decode_historical_game_lines(b)),
        fixtures: &[],
    },
    Decoder {
        family: "odds_api",
        name: "historical event game lines",
        decode: |b| shape(odds::game_lines::decode_historical_event_game_lines(b)),
        fixtures: &["odds-api/historical_event_odds_game_lines.json"],
    },
    Decoder {
        family: "odds_api",
        name: "event player props",
        decode: |b| shape(odds::player_props::decode_event_player_props(b)),
        fixtures: &["odds-api/event_odds_player_points.json"],
    },
    Decoder {
        family: "odds_api",
        name: "historical event player props",
        decode: |b| shape(odds::player_props::decode_historical_event_player_props(b)),
        fixtures: &[],
    },
    Decoder {
        family: "odds_api",
        name: "event player props (lenient)",
        decode: |b| shape(odds::player_props::decode_event_player_props_lenient(b)),
        fixtures: &["odds-api/event_odds_player_points.json"],
    },
    Decoder {
        family: "odds_api",
        name: "historical event player props (lenient)",
        decode: |b| shape(odds::player_props::decode_historical_event_player_props_lenient(b)),
        fixtures: &[],
    },
    Decoder {
        family: "odds_api",
        name: "scores",
        decode: |b| shape(odds::scores::decode_scores(b)),
        fixtures: &["odds-api/scores.json"],
    },
    Decoder {
        family: "odds_api",
        name: "quota headers",
        decode: header_lines,
        fixtures: &[],
    },
    // ESPN
    Decoder {
        family: "espn",
        name: "scoreboard",
        decode: |b| shape(espn::scoreboard::decode_scoreboard(b)),
        fixtures: &["espn/scoreboard_2024-01-15.json", "espn/scoreboard_allstar_empty.json"],
    },
    Decoder {
        family: "espn",
        name: "roster",
        decode: |b| shape(espn::roster::decode_roster(b)),
        fixtures: &["espn/team_roster_api.json"],
    },
    Decoder {
        family: "espn",
        name: "boxscore page",
        decode: |b| shape(espn::boxscore_page::decode_boxscore_page(b)),
        fixtures: &["espn/boxscore_page.html"],
    },
    // BettingPros
    Decoder {
        family: "bettingpros",
        name: "events",
        decode: |b| shape(bp::events::decode_events(b)),
        fixtures: &["synthetic/bettingpros_events_synthetic.json"],
    },
    Decoder {
        family: "bettingpros",
        name: "offers",
        decode: |b| shape(bp::offers::decode_offers(b)),
        fixtures: &["synthetic/bettingpros_offers_synthetic.json"],
    },
    // Basketball-Reference
    Decoder {
        family: "basketball_reference",
        name: "roster",
        decode: |b| shape(br::roster::decode_roster(b)),
        fixtures: &["synthetic/br_roster_synthetic.html"],
    },
    // Field-level text parsers every decoder leans on.
    Decoder {
        family: "text",
        name: "nba minutes",
        decode: |b| {
            st::minutes::parse_minutes(text(b)?).map_err(|e| e.to_string())?;
            st::minutes::clock_seconds(text(b)?)
                .map(drop)
                .map_err(|e| e.to_string())
        },
        fixtures: &[],
    },
    Decoder {
        family: "text",
        name: "balldontlie minutes",
        decode: |b| bdl::parse_minutes(text(b)?).map(drop),
        fixtures: &[],
    },
    Decoder {
        family: "text",
        name: "matchup",
        decode: |b| {
            st::league_game_log::parse_matchup(text(b)?)
                .map(drop)
                .ok_or_else(|| "not a matchup".into())
        },
        fixtures: &[],
    },
    Decoder {
        family: "text",
        name: "team",
        decode: |b| teams::team(text(b)?).map(drop).map_err(|e| e.to_string()),
        fixtures: &[],
    },
];

/// The parsers of one family.
pub fn family(family: &str) -> impl Iterator<Item = &'static Decoder> + '_ {
    ALL.iter().filter(move |d| d.family == family)
}

/// Runs every parser of `family` on `body`, discarding the results: a fuzz target's body.
pub fn run_family(family: &str, body: &[u8]) {
    for d in self::family(family) {
        let _ = (d.decode)(body);
    }
}

/// The response body a fixture holds: the file (gunzipped when stored as `.gz`), or for an
/// nba_api cassette the JSON body it recorded. Panics when the fixture is missing (tests only).
pub fn response_body(path: &str) -> Vec<u8> {
    if path.starts_with(CASSETTES) {
        let body = crate::fixtures::cassette_json(path);
        return serde_json::to_vec(&body).expect("JSON serialises");
    }
    crate::fixtures::bytes(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_has_parsers_and_every_parser_a_known_family() {
        for f in FAMILIES {
            assert!(family(f).next().is_some(), "{f}");
        }
        for d in ALL {
            assert!(FAMILIES.contains(&d.family), "{}", d.name);
        }
    }

    use std::sync::OnceLock;

    use proptest::prelude::*;
    use serde_json::{Value, json};

    /// Every (parser index, fixture body), read once.
    fn bodies() -> &'static [(usize, Vec<u8>)] {
        static BODIES: OnceLock<Vec<(usize, Vec<u8>)>> = OnceLock::new();
        BODIES.get_or_init(|| {
            ALL.iter()
                .enumerate()
                .flat_map(|(i, d)| d.fixtures.iter().map(move |p| (i, response_body(p))))
                .collect()
        })
    }

    /// Values that break naive field parsing: extremes, odd spellings of numbers, clocks and
    /// dates, wrong types.
    fn nasty_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            prop::sample::select(vec![
                json!(i64::MIN),
                json!(u64::MAX),
                json!(1e308),
                json!(-1),
                json!(-0.0),
                json!(""),
                json!(" "),
                json!("-1"),
                json!("NaN"),
                json!("inf"),
                json!("1e999"),
                json!("4294967295"),
                json!("99999999999999999999"),
                json!("4294967295:59"),
                json!("99999999:00"),
                json!("-5:30"),
                json!(":"),
                json!("PT"),
                json!("PT99999999999999M99999999S"),
                json!("PT-5M"),
                json!("PTM.S"),
                json!("PT1e400M"),
                json!("0000-00-00"),
                json!("2025-13-45T99:99:99Z"),
                json!("+262143-12-31T23:59:59Z"),
                json!("é\u{0}\u{202e}"),
                json!([]),
                json!({}),
            ]),
            "\\PC{0,12}".prop_map(Value::from),
        ];
        leaf.prop_recursive(2, 8, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
                prop::collection::btree_map("[a-zA-Z_]{1,8}", inner, 0..3)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Replaces the node reached by walking `steps` (each picks a child) with `with`.
    fn replace_at(v: &mut Value, steps: &[usize], with: Value) {
        let mut node = v;
        for step in steps {
            let len = match node {
                Value::Array(a) => a.len(),
                Value::Object(o) => o.len(),
                _ => 0,
            };
            if len == 0 {
                break;
            }
            node = match node {
                Value::Array(a) => &mut a[step % len],
                Value::Object(o) => o.values_mut().nth(step % len).expect("index below len"),
                _ => unreachable!("only containers have children"),
            };
        }
        *node = with;
    }

    /// Removes the node reached by walking `steps`, from its parent.
    fn remove_at(v: &mut Value, steps: &[usize]) {
        let Some((last, parents)) = steps.split_last() else {
            return;
        };
        let mut node = v;
        for step in parents {
            node = match node {
                Value::Array(a) if !a.is_empty() => {
                    let n = a.len();
                    &mut a[step % n]
                }
                Value::Object(o) if !o.is_empty() => {
                    let n = o.len();
                    o.values_mut().nth(step % n).expect("index below len")
                }
                _ => return,
            };
        }
        match node {
            Value::Array(a) if !a.is_empty() => {
                let n = a.len();
                a.remove(last % n);
            }
            Value::Object(o) if !o.is_empty() => {
                let key = o.keys().nth(last % o.len()).expect("index below len").clone();
                o.remove(&key);
            }
            _ => {}
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Garbage bytes through every parser: `Ok` or `Err`, never a panic.
        #[test]
        fn garbage_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..256)) {
            for d in ALL {
                let _ = (d.decode)(&body);
            }
        }

        /// Arbitrary JSON (with the nasty values) through every parser.
        #[test]
        fn arbitrary_json_never_panics(v in nasty_value()) {
            let body = serde_json::to_vec(&v).expect("serialises");
            for d in ALL {
                let _ = (d.decode)(&body);
            }
        }

        /// A real fixture with one to three nodes replaced by nasty values or removed, through
        /// its own parser (the one that would otherwise go deepest).
        #[test]
        fn mutated_fixtures_never_panic(
            pick in any::<prop::sample::Index>(),
            edits in prop::collection::vec(
                (prop::collection::vec(any::<usize>(), 0..12), prop::option::weighted(0.8, nasty_value())),
                1..4,
            ),
        ) {
            let (i, body) = pick.get(bodies());
            // HTML fixtures are not JSON: those get byte-level mutations below.
            let Ok(mut v) = serde_json::from_slice::<Value>(body) else { return Ok(()) };
            for (steps, with) in edits {
                match with {
                    Some(with) => replace_at(&mut v, &steps, with),
                    None => remove_at(&mut v, &steps),
                }
            }
            let _ = (ALL[*i].decode)(&serde_json::to_vec(&v).expect("serialises"));
        }

        /// Number-, clock- and matchup-like text through the field-level text parsers.
        #[test]
        fn field_text_never_panics(s in "[0-9 :.,PTMSptms@vV+eE-]{0,24}") {
            for d in family("text") {
                let _ = (d.decode)(s.as_bytes());
            }
        }

        /// A real fixture truncated, or with bytes overwritten, through its own parser.
        #[test]
        fn byte_mutated_fixtures_never_panic(
            pick in any::<prop::sample::Index>(),
            cut in any::<prop::sample::Index>(),
            writes in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        ) {
            let (i, body) = pick.get(bodies());
            let mut body = body.clone();
            for (at, byte) in writes {
                let n = body.len();
                body[at.index(n)] = byte;
            }
            body.truncate(cut.index(body.len() + 1));
            let _ = (ALL[*i].decode)(&body);
        }
    }

    #[test]
    fn every_fixture_decodes_with_its_parser() {
        for d in ALL {
            for path in d.fixtures {
                let body = response_body(path);
                if let Err(e) = (d.decode)(&body) {
                    panic!("{} {}: {path}: {e}", d.family, d.name);
                }
            }
        }
    }
}
