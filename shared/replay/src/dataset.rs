//! Loading and indexing a season dataset, once, at [`Dataset::open`].
//!
//! Layout (each file plain or gzip-compressed, `x.csv` or `x.csv.gz`; gzip is recognised by its magic bytes):
//!
//! * `scheduleleaguev2int_{season}.json[.gz]`: the verbatim stats.nba.com schedule; one or more seasons,
//!   the season label comes from the file name. Every game's id, ET date, tip (`gameDateTimeUTC`), teams,
//!   arena and broadcasters come from here.
//! * `player_game_logs.csv[.gz]`: nba_api PlayerGameLog-like rows (`player, player_id, date, matchup, result,
//!   minutes, fgm, …, pts, plus_minus, …`). No game id: each row is joined to the schedule on (ET date, the
//!   team tricode that starts `matchup`).
//! * `team_game_logs.csv[.gz]`: LeagueGameFinder rows (`SEASON_ID, TEAM_ID, TEAM_ABBREVIATION, TEAM_NAME,
//!   GAME_ID, GAME_DATE, MATCHUP, WL, MIN, PTS, …`), joined on `GAME_ID`.
//! * `props/MM_DD_YYYY.csv[.gz]` (optional): player prop lines flattened from The Odds API (`player, market,
//!   bookmaker, side, line, price, home_team, away_team, game_id, commence_time`), columns read by header
//!   name. An event recorded in several daily files keeps the rows of the latest file (the latest snapshot
//!   before tip is the one that counts); exact duplicate rows within a file are kept once. Events are mapped
//!   to schedule games on (ET date of `commence_time`, home nickname, away nickname).
//!
//! Columns are always located by header name. Load errors name the file and the line. Rows that cannot be
//! joined to the schedule are not fatal: they are counted in [`LoadReport`] and logged.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use crate::ids;

/// Why a dataset could not be opened. Every variant names the file; CSV errors also the line.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("dataset {0} is not a directory")]
    NotADirectory(PathBuf),
    #[error("dataset {dir}: no scheduleleaguev2int_{{season}}.json[.gz] file")]
    NoSchedule { dir: PathBuf },
    #[error("dataset {dir}: no {name} (plain or .gz)")]
    MissingFile { dir: PathBuf, name: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not JSON: {source}")]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{path}: {field}: {reason}")]
    Schedule {
        path: PathBuf,
        field: String,
        reason: String,
    },
    #[error("{path}:{line}: {reason}")]
    Csv { path: PathBuf, line: u64, reason: String },
}

/// What loading found, for operators: row counts and rows that could not be used.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadReport {
    pub games: usize,
    pub player_rows: usize,
    /// Player rows whose (date, team) matches no scheduled game.
    pub player_rows_unjoined: usize,
    pub team_rows: usize,
    /// Team rows whose `GAME_ID` is not in the schedule.
    pub team_rows_unjoined: usize,
    pub prop_files: usize,
    pub prop_rows: usize,
    /// Rows dropped because the same event appears in a later props file.
    pub prop_rows_superseded: usize,
    /// Exact duplicate rows within one file, kept once.
    pub prop_rows_duplicate: usize,
    pub events: usize,
    /// Odds API events that match no scheduled game (served with their own commence time).
    pub events_unmapped: usize,
}

/// A season dataset directory, loaded and indexed. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub dir: PathBuf,
    /// Season label → the recorded schedule file's bytes (as stored: gzip or plain).
    pub schedules: BTreeMap<String, RawFile>,
    pub games: Vec<Game>,
    pub game_by_id: HashMap<String, usize>,
    /// ET date → games, in slate order (tip, then sequence).
    pub games_by_date: BTreeMap<NaiveDate, Vec<usize>>,
    /// Per game: the player lines (home first), and the team lines.
    pub players: Vec<Vec<PlayerLine>>,
    pub teams: Vec<TeamLines>,
    pub events: Vec<Event>,
    pub event_by_id: HashMap<String, usize>,
    /// Per game: its Odds API event, if the props recorded one.
    pub event_of_game: HashMap<usize, usize>,
    /// Synthetic Odds API event id → game, for games without a recorded event.
    pub game_by_synthetic_event: HashMap<String, usize>,
    pub report: LoadReport,
}

#[derive(Debug)]
pub(crate) struct RawFile {
    pub bytes: Vec<u8>,
    pub gzip: bool,
}

/// One scheduled game.
#[derive(Debug, Clone)]
pub(crate) struct Game {
    pub id: String,
    pub code: String,
    /// `2024-25`.
    pub season: String,
    /// 2024 for 2024-25.
    pub season_start: i32,
    /// Third digit of the game id: 1 preseason, 2 regular season, 3 All-Star, 4 playoffs, 5 play-in, 6 cup final.
    pub kind: u8,
    /// ET calendar date.
    pub date: NaiveDate,
    /// Scheduled tip-off (`gameDateTimeUTC`).
    pub tip: DateTime<Utc>,
    pub sequence: i64,
    pub arena_name: Option<String>,
    pub arena_city: Option<String>,
    pub arena_state: Option<String>,
    pub natl_tv: Option<String>,
    pub home_tv: Option<String>,
    pub away_tv: Option<String>,
    pub home: TeamRef,
    pub away: TeamRef,
}

#[derive(Debug, Clone)]
pub(crate) struct TeamRef {
    pub id: i64,
    pub tricode: String,
    pub city: String,
    /// Nickname (`Celtics`).
    pub name: String,
}

impl TeamRef {
    /// NBA.com full name (`LA Clippers`, `Boston Celtics`).
    pub fn full_name(&self) -> String {
        format!("{} {}", self.city, self.name)
    }
}

impl Game {
    pub fn team(&self, home: bool) -> &TeamRef {
        if home { &self.home } else { &self.away }
    }

    /// SeasonType label of stats.nba.com for this game's kind.
    pub fn season_type(&self) -> &'static str {
        match self.kind {
            1 => "Pre Season",
            3 => "All Star",
            4 => "Playoffs",
            5 => "PlayIn",
            6 => "IST",
            _ => "Regular Season",
        }
    }

    /// `SEASON_ID` of stats.nba.com: kind digit + start year (`22024`).
    pub fn season_id(&self) -> String {
        format!("{}{}", self.kind, self.season_start)
    }
}

/// Box-score counting stats, as recorded.
#[derive(Debug, Clone, Default)]
pub(crate) struct Stats {
    pub minutes: f64,
    pub fgm: u32,
    pub fga: u32,
    pub fg_pct: Option<f64>,
    pub fg3m: u32,
    pub fg3a: u32,
    pub fg3_pct: Option<f64>,
    pub ftm: u32,
    pub fta: u32,
    pub ft_pct: Option<f64>,
    pub oreb: u32,
    pub dreb: u32,
    pub reb: u32,
    pub ast: u32,
    pub stl: u32,
    pub blk: u32,
    pub tov: u32,
    pub pf: u32,
    pub pts: u32,
    pub plus_minus: Option<f64>,
}

/// One player's line in one game.
#[derive(Debug, Clone)]
pub(crate) struct PlayerLine {
    pub player_id: i64,
    pub name: String,
    pub is_home: bool,
    pub matchup: String,
    pub wl: Option<String>,
    pub stats: Stats,
}

/// One team's line in one game.
#[derive(Debug, Clone)]
pub(crate) struct TeamLine {
    pub matchup: String,
    pub wl: Option<String>,
    pub stats: Stats,
    /// Wins and losses after this game, among the team's games of the same kind.
    pub record_after: (u32, u32),
}

#[derive(Debug, Clone, Default)]
pub(crate) struct TeamLines {
    pub home: Option<TeamLine>,
    pub away: Option<TeamLine>,
}

impl TeamLines {
    pub fn get(&self, home: bool) -> Option<&TeamLine> {
        if home { self.home.as_ref() } else { self.away.as_ref() }
    }

    /// Periods played, from team minutes (240 + 25 per overtime); 4 when unknown.
    pub fn periods(&self) -> i64 {
        let minutes = self
            .home
            .as_ref()
            .or(self.away.as_ref())
            .map_or(240.0, |t| t.stats.minutes);
        4 + (((minutes - 240.0) / 25.0).round() as i64).max(0)
    }
}

/// One Odds API event and its recorded prop lines.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub id: String,
    pub commence: DateTime<Utc>,
    pub home_team: String,
    pub away_team: String,
    /// ET date (of the mapped game, else of `commence`).
    pub date: NaiveDate,
    pub game: Option<usize>,
    pub lines: Vec<PropLine>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PropLine {
    pub player: String,
    pub market: String,
    pub bookmaker: String,
    pub side: String,
    pub line: f64,
}

impl Dataset {
    /// Opening night of the regular season that `date` falls in (the first regular-season
    /// game date of the latest season starting on or before `date`), if the dataset has one.
    pub fn opening_night(&self, date: NaiveDate) -> Option<NaiveDate> {
        self.inner
            .games
            .iter()
            .filter(|g| g.kind == 2 && g.date <= date)
            .max_by_key(|g| g.season_start)
            .map(|g| g.season_start)
            .and_then(|start| {
                self.inner
                    .games
                    .iter()
                    .filter(|g| g.kind == 2 && g.season_start == start)
                    .map(|g| g.date)
                    .min()
            })
    }

    /// Loads and indexes the dataset in `dir`.
    pub fn open(dir: &Path) -> Result<Self, DatasetError> {
        if !dir.is_dir() {
            return Err(DatasetError::NotADirectory(dir.to_path_buf()));
        }
        let inner = load(dir)?;
        tracing::info!(dir = %dir.display(), report = ?inner.report, "replay dataset loaded");
        Ok(Dataset { inner: Arc::new(inner) })
    }

    /// Seasons with a recorded schedule (`scheduleleaguev2int_2024-25.json.gz` → `2024-25`).
    pub fn schedule_seasons(&self) -> Vec<String> {
        self.inner.schedules.keys().cloned().collect()
    }

    /// The directory the dataset was loaded from.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// Counts of what was loaded and what could not be joined.
    pub fn report(&self) -> &LoadReport {
        &self.inner.report
    }

    /// ET dates with at least one game, first and last.
    pub fn date_range(&self) -> Option<(NaiveDate, NaiveDate)> {
        let first = self.inner.games_by_date.keys().next()?;
        let last = self.inner.games_by_date.keys().next_back()?;
        Some((*first, *last))
    }
}

impl Inner {
    pub fn games_on(&self, date: NaiveDate) -> impl Iterator<Item = (usize, &Game)> {
        self.games_by_date
            .get(&date)
            .into_iter()
            .flatten()
            .map(|&i| (i, &self.games[i]))
    }

    /// The Odds API event id of a game: the recorded one, else a synthetic one.
    pub fn event_id_of(&self, game: usize) -> String {
        match self.event_of_game.get(&game) {
            Some(&e) => self.events[e].id.clone(),
            None => ids::synthetic_event_id(&self.games[game].id),
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Loading

fn load(dir: &Path) -> Result<Inner, DatasetError> {
    let mut report = LoadReport::default();
    let mut schedules = BTreeMap::new();
    let mut games = Vec::new();
    for (season, path) in schedule_files(dir)? {
        let raw = read_raw(&path)?;
        let plain = if raw.gzip {
            gunzip(&path, &raw.bytes)?
        } else {
            raw.bytes.clone()
        };
        let body: Value = serde_json::from_slice(&plain).map_err(|source| DatasetError::Json {
            path: path.clone(),
            source,
        })?;
        games.extend(parse_schedule(&path, &season, &body)?);
        schedules.insert(season, raw);
    }
    if schedules.is_empty() {
        return Err(DatasetError::NoSchedule { dir: dir.to_path_buf() });
    }
    games.sort_by(|a, b| (a.date, a.tip, a.sequence, &a.id).cmp(&(b.date, b.tip, b.sequence, &b.id)));
    games.dedup_by(|a, b| a.id == b.id);
    report.games = games.len();

    let mut game_by_id = HashMap::new();
    let mut games_by_date: BTreeMap<NaiveDate, Vec<usize>> = BTreeMap::new();
    let mut game_by_date_team: HashMap<(NaiveDate, String), usize> = HashMap::new();
    let mut game_by_synthetic_event = HashMap::new();
    for (i, g) in games.iter().enumerate() {
        game_by_id.insert(g.id.clone(), i);
        games_by_date.entry(g.date).or_default().push(i);
        for t in [&g.home, &g.away] {
            game_by_date_team.entry((g.date, t.tricode.clone())).or_insert(i);
        }
        game_by_synthetic_event.insert(ids::synthetic_event_id(&g.id), i);
    }

    let players = load_players(dir, &games, &game_by_date_team, &mut report)?;
    let teams = load_teams(dir, &games, &game_by_id, &mut report)?;
    let events = load_props(dir, &games, &games_by_date, &mut report)?;
    let mut event_by_id = HashMap::new();
    let mut event_of_game = HashMap::new();
    for (i, e) in events.iter().enumerate() {
        event_by_id.insert(e.id.clone(), i);
        if let Some(g) = e.game {
            event_of_game.entry(g).or_insert(i);
        }
    }
    report.events = events.len();
    report.events_unmapped = events.iter().filter(|e| e.game.is_none()).count();
    if report.player_rows_unjoined + report.team_rows_unjoined + report.events_unmapped > 0 {
        tracing::warn!(?report, "replay dataset: some rows do not join to the schedule");
    }
    Ok(Inner {
        dir: dir.to_path_buf(),
        schedules,
        games,
        game_by_id,
        games_by_date,
        players,
        teams,
        events,
        event_by_id,
        event_of_game,
        game_by_synthetic_event,
        report,
    })
}

fn schedule_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, DatasetError> {
    let io = |source| DatasetError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut out: BTreeMap<String, PathBuf> = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix("scheduleleaguev2int_") else {
            continue;
        };
        let season = rest.strip_suffix(".json.gz").or_else(|| rest.strip_suffix(".json"));
        if let Some(season) = season {
            // A plain file wins over its .gz twin only if both exist; either is the same data.
            out.entry(season.to_string()).or_insert_with(|| entry.path());
        }
    }
    Ok(out.into_iter().collect())
}

/// `name` or `name.gz` in `dir`.
fn resolve(dir: &Path, name: &str) -> Option<PathBuf> {
    let plain = dir.join(name);
    if plain.is_file() {
        return Some(plain);
    }
    let gz = dir.join(format!("{name}.gz"));
    gz.is_file().then_some(gz)
}

fn read_raw(path: &Path) -> Result<RawFile, DatasetError> {
    let bytes = std::fs::read(path).map_err(|source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let gzip = bytes.starts_with(&[0x1f, 0x8b]);
    Ok(RawFile { bytes, gzip })
}

fn gunzip(path: &Path, bytes: &[u8]) -> Result<Vec<u8>, DatasetError> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|source| DatasetError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(out)
}

/// The file's content, decompressed when it is gzip.
fn read_plain(path: &Path) -> Result<Vec<u8>, DatasetError> {
    let raw = read_raw(path)?;
    if raw.gzip {
        gunzip(path, &raw.bytes)
    } else {
        Ok(raw.bytes)
    }
}

// --- schedule ---------------------------------------------------------------------------------------------

struct Walk<'a> {
    path: &'a Path,
}

impl Walk<'_> {
    fn err(&self, field: &str, reason: impl Into<String>) -> DatasetError {
        DatasetError::Schedule {
            path: self.path.to_path_buf(),
            field: field.to_string(),
            reason: reason.into(),
        }
    }

    fn str<'v>(&self, v: &'v Value, key: &str, at: &str) -> Result<&'v str, DatasetError> {
        v.get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| self.err(&format!("{at}.{key}"), "missing or not a string"))
    }

    fn opt_str(v: &Value, key: &str) -> Option<String> {
        v.get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }

    fn int(&self, v: &Value, key: &str, at: &str) -> Result<i64, DatasetError> {
        v.get(key)
            .and_then(Value::as_i64)
            .ok_or_else(|| self.err(&format!("{at}.{key}"), "missing or not an integer"))
    }
}

fn season_start(season: &str) -> Option<i32> {
    let (start, end) = season.split_once('-')?;
    let start: i32 = start.parse().ok()?;
    (start > 1900 && end.len() == 2 && end.parse::<u32>().is_ok()).then_some(start)
}

fn parse_schedule(path: &Path, season: &str, body: &Value) -> Result<Vec<Game>, DatasetError> {
    let w = Walk { path };
    let start = season_start(season).ok_or_else(|| {
        w.err(
            "file name",
            format!("season {season:?} is not YYYY-YY (scheduleleaguev2int_2024-25.json.gz)"),
        )
    })?;
    let dates = body
        .pointer("/leagueSchedule/gameDates")
        .and_then(Value::as_array)
        .ok_or_else(|| w.err("leagueSchedule.gameDates", "missing or not an array"))?;
    let mut out = Vec::new();
    for (di, d) in dates.iter().enumerate() {
        let games = d
            .get("games")
            .and_then(Value::as_array)
            .ok_or_else(|| w.err(&format!("leagueSchedule.gameDates[{di}].games"), "missing"))?;
        for (gi, g) in games.iter().enumerate() {
            let at = format!("leagueSchedule.gameDates[{di}].games[{gi}]");
            let id = w.str(g, "gameId", &at)?.trim().to_string();
            let kind = id
                .as_bytes()
                .get(2)
                .and_then(|b| (*b as char).to_digit(10))
                .unwrap_or(2) as u8;
            let date_s = w.str(g, "gameDateEst", &at)?;
            let date = date_s
                .get(..10)
                .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
                .ok_or_else(|| w.err(&format!("{at}.gameDateEst"), format!("not a date: {date_s:?}")))?;
            let tip_s = w.str(g, "gameDateTimeUTC", &at)?;
            let tip = DateTime::parse_from_rfc3339(tip_s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| w.err(&format!("{at}.gameDateTimeUTC"), format!("{tip_s:?}: {e}")))?;
            let team = |key: &str| -> Result<TeamRef, DatasetError> {
                let t = g.get(key).ok_or_else(|| w.err(&format!("{at}.{key}"), "missing"))?;
                let tat = format!("{at}.{key}");
                Ok(TeamRef {
                    id: w.int(t, "teamId", &tat)?,
                    tricode: w.str(t, "teamTricode", &tat)?.trim().to_string(),
                    city: Walk::opt_str(t, "teamCity").unwrap_or_default(),
                    name: Walk::opt_str(t, "teamName").unwrap_or_default(),
                })
            };
            let broadcaster = |list: &str| {
                g.pointer(&format!("/broadcasters/{list}/0"))
                    .and_then(|b| Walk::opt_str(b, "broadcasterAbbreviation"))
            };
            out.push(Game {
                code: Walk::opt_str(g, "gameCode").unwrap_or_default(),
                season: season.to_string(),
                season_start: start,
                kind,
                date,
                tip,
                sequence: g.get("gameSequence").and_then(Value::as_i64).unwrap_or(0),
                arena_name: Walk::opt_str(g, "arenaName"),
                arena_city: Walk::opt_str(g, "arenaCity"),
                arena_state: Walk::opt_str(g, "arenaState"),
                natl_tv: broadcaster("nationalTvBroadcasters"),
                home_tv: broadcaster("homeTvBroadcasters"),
                away_tv: broadcaster("awayTvBroadcasters"),
                home: team("homeTeam")?,
                away: team("awayTeam")?,
                id,
            });
        }
    }
    Ok(out)
}

// --- CSV --------------------------------------------------------------------------------------------------

/// A CSV file read by header name, all rows in memory with their line numbers.
struct Table {
    path: PathBuf,
    headers: HashMap<String, usize>,
    rows: Vec<(u64, csv::StringRecord)>,
}

struct Record<'t> {
    table: &'t Table,
    line: u64,
    rec: &'t csv::StringRecord,
}

impl Table {
    fn open(path: &Path) -> Result<Self, DatasetError> {
        let bytes = read_plain(path)?;
        let csv_err = |e: csv::Error| DatasetError::Csv {
            path: path.to_path_buf(),
            line: e.position().map_or(1, |p| p.line()),
            reason: e.to_string(),
        };
        let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(&bytes[..]);
        let headers = reader
            .headers()
            .map_err(csv_err)?
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim().trim_start_matches('\u{feff}').to_string(), i))
            .collect();
        let mut rows = Vec::new();
        for rec in reader.records() {
            let rec = rec.map_err(csv_err)?;
            rows.push((rec.position().map_or(0, |p| p.line()), rec));
        }
        Ok(Table {
            path: path.to_path_buf(),
            headers,
            rows,
        })
    }

    fn err(&self, line: u64, reason: impl Into<String>) -> DatasetError {
        DatasetError::Csv {
            path: self.path.clone(),
            line,
            reason: reason.into(),
        }
    }

    /// Fails unless every column is present (checked before any row is read).
    fn require(&self, columns: &[&str]) -> Result<(), DatasetError> {
        let missing: Vec<&str> = columns
            .iter()
            .copied()
            .filter(|c| !self.headers.contains_key(*c))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(self.err(1, format!("missing column(s) {}", missing.join(", "))))
        }
    }

    fn records(&self) -> impl Iterator<Item = Record<'_>> {
        self.rows.iter().map(|(line, rec)| Record {
            table: self,
            line: *line,
            rec,
        })
    }
}

impl Record<'_> {
    fn str(&self, col: &str) -> &str {
        self.table
            .headers
            .get(col)
            .and_then(|&i| self.rec.get(i))
            .map_or("", str::trim)
    }

    fn opt_str(&self, col: &str) -> Option<String> {
        let s = self.str(col);
        (!s.is_empty()).then(|| s.to_string())
    }

    fn err(&self, col: &str, reason: impl std::fmt::Display) -> DatasetError {
        self.table
            .err(self.line, format!("{col} {:?}: {reason}", self.str(col)))
    }

    fn f64(&self, col: &str) -> Result<f64, DatasetError> {
        self.str(col).parse::<f64>().map_err(|e| self.err(col, e))
    }

    fn opt_f64(&self, col: &str) -> Result<Option<f64>, DatasetError> {
        if self.str(col).is_empty() {
            return Ok(None);
        }
        self.f64(col).map(Some)
    }

    /// A count, written `12` or `12.0`.
    fn count(&self, col: &str) -> Result<u32, DatasetError> {
        let f = self.f64(col)?;
        if f < 0.0 || f.fract() != 0.0 || f > 1e6 {
            return Err(self.err(col, "not a count"));
        }
        Ok(f as u32)
    }

    fn int(&self, col: &str) -> Result<i64, DatasetError> {
        let f = self.f64(col)?;
        if f.fract() != 0.0 {
            return Err(self.err(col, "not an integer"));
        }
        Ok(f as i64)
    }

    fn date(&self, col: &str) -> Result<NaiveDate, DatasetError> {
        let s = self.str(col);
        s.get(..10)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .ok_or_else(|| self.err(col, "not a YYYY-MM-DD date"))
    }
}

struct StatCols<'a> {
    min: &'a str,
    fgm: &'a str,
    fga: &'a str,
    fg_pct: &'a str,
    fg3m: &'a str,
    fg3a: &'a str,
    fg3_pct: &'a str,
    ftm: &'a str,
    fta: &'a str,
    ft_pct: &'a str,
    oreb: &'a str,
    dreb: &'a str,
    reb: &'a str,
    ast: &'a str,
    stl: &'a str,
    blk: &'a str,
    tov: &'a str,
    pf: &'a str,
    pts: &'a str,
    plus_minus: &'a str,
}

const PLAYER_STAT_COLS: StatCols<'static> = StatCols {
    min: "minutes",
    fgm: "fgm",
    fga: "fga",
    fg_pct: "fg_pct",
    fg3m: "threes_made",
    fg3a: "threes_attempted",
    fg3_pct: "three_pct",
    ftm: "ftm",
    fta: "fta",
    ft_pct: "ft_pct",
    oreb: "oreb",
    dreb: "dreb",
    reb: "reb",
    ast: "ast",
    stl: "stl",
    blk: "blk",
    tov: "tov",
    pf: "pf",
    pts: "pts",
    plus_minus: "plus_minus",
};

const TEAM_STAT_COLS: StatCols<'static> = StatCols {
    min: "MIN",
    fgm: "FGM",
    fga: "FGA",
    fg_pct: "FG_PCT",
    fg3m: "FG3M",
    fg3a: "FG3A",
    fg3_pct: "FG3_PCT",
    ftm: "FTM",
    fta: "FTA",
    ft_pct: "FT_PCT",
    oreb: "OREB",
    dreb: "DREB",
    reb: "REB",
    ast: "AST",
    stl: "STL",
    blk: "BLK",
    tov: "TOV",
    pf: "PF",
    pts: "PTS",
    plus_minus: "PLUS_MINUS",
};

impl StatCols<'_> {
    fn all(&self) -> Vec<&str> {
        vec![
            self.min, self.fgm, self.fga, self.fg3m, self.fg3a, self.ftm, self.fta, self.oreb, self.dreb, self.reb,
            self.ast, self.stl, self.blk, self.tov, self.pf, self.pts,
        ]
    }

    fn read(&self, r: &Record<'_>) -> Result<Stats, DatasetError> {
        let pct = |col: &str, made: u32, att: u32| -> Result<Option<f64>, DatasetError> {
            match r.opt_f64(col)? {
                Some(p) => Ok(Some(p)),
                None if att > 0 => Ok(Some(((made as f64 / att as f64) * 1000.0).round() / 1000.0)),
                None => Ok(None),
            }
        };
        let (fgm, fga) = (r.count(self.fgm)?, r.count(self.fga)?);
        let (fg3m, fg3a) = (r.count(self.fg3m)?, r.count(self.fg3a)?);
        let (ftm, fta) = (r.count(self.ftm)?, r.count(self.fta)?);
        Ok(Stats {
            minutes: r.f64(self.min)?,
            fgm,
            fga,
            fg_pct: pct(self.fg_pct, fgm, fga)?,
            fg3m,
            fg3a,
            fg3_pct: pct(self.fg3_pct, fg3m, fg3a)?,
            ftm,
            fta,
            ft_pct: pct(self.ft_pct, ftm, fta)?,
            oreb: r.count(self.oreb)?,
            dreb: r.count(self.dreb)?,
            reb: r.count(self.reb)?,
            ast: r.count(self.ast)?,
            stl: r.count(self.stl)?,
            blk: r.count(self.blk)?,
            tov: r.count(self.tov)?,
            pf: r.count(self.pf)?,
            pts: r.count(self.pts)?,
            plus_minus: r.opt_f64(self.plus_minus)?,
        })
    }
}

fn required(dir: &Path, name: &str) -> Result<PathBuf, DatasetError> {
    resolve(dir, name).ok_or_else(|| DatasetError::MissingFile {
        dir: dir.to_path_buf(),
        name: name.to_string(),
    })
}

fn load_players(
    dir: &Path,
    games: &[Game],
    by_date_team: &HashMap<(NaiveDate, String), usize>,
    report: &mut LoadReport,
) -> Result<Vec<Vec<PlayerLine>>, DatasetError> {
    let path = required(dir, "player_game_logs.csv")?;
    let table = Table::open(&path)?;
    let mut cols = vec!["player", "player_id", "date", "matchup"];
    cols.extend(PLAYER_STAT_COLS.all());
    table.require(&cols)?;
    let mut out: Vec<Vec<PlayerLine>> = vec![Vec::new(); games.len()];
    for r in table.records() {
        report.player_rows += 1;
        let date = r.date("date")?;
        let matchup = r.str("matchup").to_string();
        let team = matchup.split_whitespace().next().unwrap_or("").to_string();
        let Some(&gi) = by_date_team.get(&(date, team.clone())) else {
            report.player_rows_unjoined += 1;
            continue;
        };
        let g = &games[gi];
        let is_home = g.home.tricode == team;
        out[gi].push(PlayerLine {
            player_id: r.int("player_id")?,
            name: r.str("player").to_string(),
            is_home,
            wl: r.opt_str("result"),
            stats: PLAYER_STAT_COLS.read(&r)?,
            matchup,
        });
    }
    for lines in &mut out {
        // Home team first, then by minutes played (a stand-in for the team sheet order).
        lines.sort_by(|a, b| {
            b.is_home
                .cmp(&a.is_home)
                .then(b.stats.minutes.total_cmp(&a.stats.minutes))
                .then(a.player_id.cmp(&b.player_id))
        });
    }
    Ok(out)
}

fn load_teams(
    dir: &Path,
    games: &[Game],
    by_id: &HashMap<String, usize>,
    report: &mut LoadReport,
) -> Result<Vec<TeamLines>, DatasetError> {
    let path = required(dir, "team_game_logs.csv")?;
    let table = Table::open(&path)?;
    let mut cols = vec!["GAME_ID", "TEAM_ABBREVIATION", "MATCHUP", "WL"];
    cols.extend(TEAM_STAT_COLS.all());
    table.require(&cols)?;
    let mut out: Vec<TeamLines> = vec![TeamLines::default(); games.len()];
    for r in table.records() {
        report.team_rows += 1;
        let id = ids::pad_game_id(r.str("GAME_ID"));
        let abbr = r.str("TEAM_ABBREVIATION");
        let Some(&gi) = by_id.get(&id) else {
            report.team_rows_unjoined += 1;
            continue;
        };
        let g = &games[gi];
        let is_home = if g.home.tricode == abbr {
            true
        } else if g.away.tricode == abbr {
            false
        } else {
            report.team_rows_unjoined += 1;
            continue;
        };
        let line = TeamLine {
            matchup: r.str("MATCHUP").to_string(),
            wl: r.opt_str("WL"),
            stats: TEAM_STAT_COLS.read(&r)?,
            record_after: (0, 0),
        };
        if is_home {
            out[gi].home = Some(line);
        } else {
            out[gi].away = Some(line);
        }
    }
    // Running records per (team, game kind), in game order (games are sorted by date and tip).
    let mut records: HashMap<(String, u8), (u32, u32)> = HashMap::new();
    for (gi, g) in games.iter().enumerate() {
        for home in [true, false] {
            let slot = if home { &mut out[gi].home } else { &mut out[gi].away };
            if let Some(line) = slot {
                let rec = records.entry((g.team(home).tricode.clone(), g.kind)).or_default();
                match line.wl.as_deref() {
                    Some("W") => rec.0 += 1,
                    Some("L") => rec.1 += 1,
                    _ => {}
                }
                line.record_after = *rec;
            }
        }
    }
    Ok(out)
}

fn load_props(
    dir: &Path,
    games: &[Game],
    games_by_date: &BTreeMap<NaiveDate, Vec<usize>>,
    report: &mut LoadReport,
) -> Result<Vec<Event>, DatasetError> {
    let props_dir = dir.join("props");
    if !props_dir.is_dir() {
        return Ok(Vec::new());
    }
    let io = |source| DatasetError::Io {
        path: props_dir.clone(),
        source,
    };
    // (file date, path), sorted so that later files replace earlier snapshots.
    let mut files: Vec<(NaiveDate, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(&props_dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let stem = name.strip_suffix(".csv.gz").or_else(|| name.strip_suffix(".csv"));
        if let Some(date) = stem.and_then(|s| NaiveDate::parse_from_str(s, "%m_%d_%Y").ok()) {
            files.push((date, entry.path()));
        }
    }
    files.sort();
    files.dedup_by(|a, b| a.0 == b.0);
    report.prop_files = files.len();

    let mut events: Vec<Event> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for (_, path) in &files {
        let table = Table::open(path)?;
        table.require(&[
            "player",
            "market",
            "bookmaker",
            "side",
            "line",
            "home_team",
            "away_team",
            "game_id",
            "commence_time",
        ])?;
        // This file's events, in first-seen order.
        let mut here: Vec<Event> = Vec::new();
        let mut here_idx: HashMap<String, usize> = HashMap::new();
        for r in table.records() {
            report.prop_rows += 1;
            let id = r.str("game_id").to_string();
            if id.is_empty() {
                return Err(r.err("game_id", "empty event id"));
            }
            let commence = DateTime::parse_from_rfc3339(r.str("commence_time"))
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| r.err("commence_time", e))?;
            let side = match r.str("side") {
                s if s.eq_ignore_ascii_case("over") => "Over",
                s if s.eq_ignore_ascii_case("under") => "Under",
                _ => return Err(r.err("side", "expected Over or Under")),
            };
            let line = PropLine {
                player: r.str("player").to_string(),
                market: r.str("market").to_string(),
                bookmaker: r.str("bookmaker").to_string(),
                side: side.to_string(),
                line: r.f64("line")?,
            };
            if line.player.is_empty() || line.market.is_empty() || line.bookmaker.is_empty() {
                return Err(table.err(r.line, "empty player, market or bookmaker"));
            }
            let i = *here_idx.entry(id.clone()).or_insert_with(|| {
                here.push(Event {
                    id: id.clone(),
                    commence,
                    home_team: r.str("home_team").to_string(),
                    away_team: r.str("away_team").to_string(),
                    date: crate::clock::et_date(commence),
                    game: None,
                    lines: Vec::new(),
                });
                here.len() - 1
            });
            if here[i].lines.contains(&line) {
                report.prop_rows_duplicate += 1;
            } else {
                here[i].lines.push(line);
            }
        }
        for e in here {
            match by_id.get(&e.id) {
                Some(&old) => {
                    report.prop_rows_superseded += events[old].lines.len();
                    events[old] = e;
                }
                None => {
                    by_id.insert(e.id.clone(), events.len());
                    events.push(e);
                }
            }
        }
    }
    for e in &mut events {
        e.game = map_event(e, games, games_by_date);
        if let Some(g) = e.game {
            e.date = games[g].date;
        }
    }
    Ok(events)
}

/// The schedule game of an Odds API event: same ET date, team full names ending with the nicknames.
fn map_event(e: &Event, games: &[Game], games_by_date: &BTreeMap<NaiveDate, Vec<usize>>) -> Option<usize> {
    let matches = |full: &str, t: &TeamRef| !t.name.is_empty() && full.ends_with(t.name.as_str());
    games_by_date
        .get(&e.date)?
        .iter()
        .copied()
        .find(|&g| matches(&e.home_team, &games[g].home) && matches(&e.away_team, &games[g].away))
}
