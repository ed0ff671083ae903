//! The declarative workflow file and the pure decision of what runs at an instant.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::America::New_York;
use serde::Deserialize;

/// The workflow file (`workflow.toml`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WorkflowFile {
    #[serde(rename = "step")]
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ForEach {
    Game,
    Event,
    Team,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub name: String,
    pub scrapers: Vec<String>,
    /// ET clock window on the game date; `"26:00"` means 02:00 the next day.
    #[serde(default)]
    pub window: Option<[String; 2]>,
    /// Hours before the first tip: `[12, 0]` = from 12 h before until the tip.
    #[serde(default)]
    pub before_first_tip: Option<[f64; 2]>,
    /// Hours after the last tip.
    #[serde(default)]
    pub after_last_tip: Option<[f64; 2]>,
    /// Only on days with games.
    #[serde(default)]
    pub games: bool,
    #[serde(default)]
    pub for_each: Option<ForEach>,
    /// For `for_each = "event"`: the step whose `odds_api_events` result lists the events.
    #[serde(default)]
    pub events_from: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum WorkflowError {
    #[error("workflow file: {0}")]
    Parse(String),
    #[error("workflow step {step}: {reason}")]
    Step { step: String, reason: String },
}

impl WorkflowFile {
    /// The workflow shipped with the scrapers.
    pub const DEFAULT: &'static str = include_str!("../../workflow.toml");
    /// The workflow for replays of a recorded season (no injury or game-line data).
    pub const REPLAY: &'static str = include_str!("../../workflow-replay.toml");

    /// Parses and checks a workflow: known scrapers, one window per step, valid references.
    pub fn parse(text: &str, known_scrapers: &[&str]) -> Result<Self, WorkflowError> {
        let file: WorkflowFile = toml::from_str(text).map_err(|e| WorkflowError::Parse(e.to_string()))?;
        for step in &file.steps {
            let bad = |reason: String| WorkflowError::Step {
                step: step.name.clone(),
                reason,
            };
            let windows = [
                step.window.is_some(),
                step.before_first_tip.is_some(),
                step.after_last_tip.is_some(),
            ];
            if windows.iter().filter(|w| **w).count() != 1 {
                return Err(bad(
                    "needs exactly one of window, before_first_tip, after_last_tip".into()
                ));
            }
            if let Some([from, to]) = &step.window {
                parse_clock(from).ok_or_else(|| bad(format!("bad time {from:?}")))?;
                parse_clock(to).ok_or_else(|| bad(format!("bad time {to:?}")))?;
            }
            for scraper in &step.scrapers {
                if !known_scrapers.contains(&scraper.as_str()) {
                    return Err(bad(format!("unknown scraper {scraper}")));
                }
            }
            if step.for_each == Some(ForEach::Event) {
                let source = step
                    .events_from
                    .as_deref()
                    .ok_or_else(|| bad("for_each event needs events_from".into()))?;
                let position = |name: &str| file.steps.iter().position(|s| s.name == name);
                match (position(source), position(&step.name)) {
                    (Some(src), Some(me)) if src < me => {}
                    _ => return Err(bad(format!("events_from {source} must name an earlier step"))),
                }
            }
        }
        Ok(file)
    }
}

/// `HH:MM` with hours up to 47 (past midnight of the game date).
fn parse_clock(s: &str) -> Option<Duration> {
    let (h, m) = s.split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    ((0..48).contains(&h) && (0..60).contains(&m)).then(|| Duration::minutes(h * 60 + m))
}

/// One game of the day, as the schedule says.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GameSlot {
    pub game_id: String,
    pub tip: Option<DateTime<Utc>>,
    pub home: String,
    pub away: String,
}

/// What the workflow knows of the day.
#[derive(Debug, Clone, PartialEq)]
pub struct DayContext {
    pub date: NaiveDate,
    pub games: Vec<GameSlot>,
    /// Whether any schedule is loaded at all: without one, "no games" is unknown, not known.
    pub schedule_loaded: bool,
}

impl DayContext {
    fn tips(&self) -> impl Iterator<Item = DateTime<Utc>> + '_ {
        self.games.iter().filter_map(|g| g.tip)
    }
}

/// One decision of one tick.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub step: String,
    pub scraper: String,
    pub run: bool,
    pub reason: String,
    /// `game_id`/`team` of a per-game or per-team run.
    pub game_id: Option<String>,
    pub team: Option<String>,
    /// Per-event steps are expanded when the events are known (at execution).
    pub for_each_event_from: Option<String>,
}

/// Midnight ET of `date` as UTC, plus an offset.
fn et(date: NaiveDate, offset: Duration) -> DateTime<Utc> {
    let midnight = date.and_time(NaiveTime::MIN);
    let local = New_York
        .from_local_datetime(&midnight)
        .earliest()
        .unwrap_or_else(|| New_York.from_utc_datetime(&midnight));
    local.with_timezone(&Utc) + offset
}

fn hours(h: f64) -> Duration {
    Duration::milliseconds((h * 3_600_000.0) as i64)
}

/// The window of a step on this day, or why it has none.
fn window(step: &Step, day: &DayContext) -> Result<(DateTime<Utc>, DateTime<Utc>, String), String> {
    if let Some([from, to]) = &step.window {
        let (f, t) = (
            parse_clock(from).unwrap_or_default(),
            parse_clock(to).unwrap_or_default(),
        );
        return Ok((et(day.date, f), et(day.date, t), format!("{from}–{to} ET")));
    }
    if let Some([before, until]) = step.before_first_tip {
        let first = day.tips().min().ok_or("no tip time known")?;
        return Ok((
            first - hours(before),
            first - hours(until),
            format!("{before} h to {until} h before the first tip"),
        ));
    }
    if let Some([after, until]) = step.after_last_tip {
        let last = day.tips().max().ok_or("no tip time known")?;
        return Ok((
            last + hours(after),
            last + hours(until),
            format!("{after} h to {until} h after the last tip"),
        ));
    }
    Err("no window".into())
}

/// Every decision of the workflow at `now` for `day`, in file order.
pub fn decide(file: &WorkflowFile, day: &DayContext, now: DateTime<Utc>) -> Vec<Decision> {
    let mut out = Vec::new();
    for step in &file.steps {
        let base = |scraper: &str, run: bool, reason: String| Decision {
            step: step.name.clone(),
            scraper: scraper.to_string(),
            run,
            reason,
            game_id: None,
            team: None,
            for_each_event_from: None,
        };
        let verdict = if step.games && !day.schedule_loaded {
            Err("no schedule loaded yet: game steps wait for it".to_string())
        } else if step.games && day.games.is_empty() {
            Err(format!("no games on {}", day.date))
        } else {
            match window(step, day) {
                Ok((from, to, label)) if now >= from && now <= to => Ok(format!("inside {label}")),
                Ok((_, _, label)) => Err(format!("outside {label}")),
                Err(why) => Err(why),
            }
        };
        for scraper in &step.scrapers {
            match (&verdict, step.for_each) {
                (Err(why), _) => out.push(base(scraper, false, why.clone())),
                (Ok(why), None) => out.push(base(scraper, true, why.clone())),
                (Ok(why), Some(ForEach::Game)) => {
                    for game in &day.games {
                        out.push(Decision {
                            game_id: Some(game.game_id.clone()),
                            ..base(scraper, true, why.clone())
                        });
                    }
                }
                (Ok(why), Some(ForEach::Team)) => {
                    let mut teams: Vec<&String> = day.games.iter().flat_map(|g| [&g.home, &g.away]).collect();
                    teams.sort();
                    teams.dedup();
                    for team in teams {
                        out.push(Decision {
                            team: Some(team.clone()),
                            ..base(scraper, true, why.clone())
                        });
                    }
                }
                (Ok(why), Some(ForEach::Event)) => out.push(Decision {
                    for_each_event_from: step.events_from.clone(),
                    ..base(scraper, true, why.clone())
                }),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[&str] = &["a", "b", "events", "props", "box"];

    fn file() -> WorkflowFile {
        WorkflowFile::parse(
            r#"
            [[step]]
            name = "morning"
            window = ["06:00", "12:00"]
            scrapers = ["a"]
            [[step]]
            name = "events"
            before_first_tip = [12, 0]
            games = true
            scrapers = ["events"]
            [[step]]
            name = "props"
            before_first_tip = [12, 0]
            games = true
            for_each = "event"
            events_from = "events"
            scrapers = ["props"]
            [[step]]
            name = "post"
            after_last_tip = [3, 12]
            games = true
            for_each = "game"
            scrapers = ["box"]
            "#,
            KNOWN,
        )
        .unwrap()
    }

    fn day(tips: &[&str]) -> DayContext {
        DayContext {
            date: NaiveDate::from_ymd_opt(2025, 1, 10).unwrap(),
            games: tips
                .iter()
                .enumerate()
                .map(|(i, t)| GameSlot {
                    game_id: format!("002240056{i}"),
                    tip: Some(t.parse().unwrap()),
                    home: format!("H{i}"),
                    away: format!("A{i}"),
                })
                .collect(),
            schedule_loaded: true,
        }
    }

    fn runs(decisions: &[Decision]) -> Vec<(&str, Option<&str>)> {
        decisions
            .iter()
            .filter(|d| d.run)
            .map(|d| (d.scraper.as_str(), d.game_id.as_deref()))
            .collect()
    }

    #[test]
    fn windows_are_et_clock_times() {
        let d = day(&["2025-01-11T03:00:00Z"]); // 22:00 ET: pre-tip steps open at 10:00 ET
        // 08:00 ET = 13:00 UTC in January.
        let at_8 = decide(&file(), &d, "2025-01-10T13:00:00Z".parse().unwrap());
        assert_eq!(runs(&at_8), [("a", None)]);
        let at_5 = decide(&file(), &d, "2025-01-10T10:00:00Z".parse().unwrap());
        assert!(
            at_5.iter()
                .find(|x| x.scraper == "a")
                .unwrap()
                .reason
                .contains("outside 06:00–12:00 ET")
        );
    }

    #[test]
    fn events_come_before_props_before_the_first_tip() {
        let d = day(&["2025-01-11T00:00:00Z", "2025-01-11T03:00:00Z"]);
        let before_tip = decide(&file(), &d, "2025-01-10T22:00:00Z".parse().unwrap());
        assert_eq!(runs(&before_tip), [("events", None), ("props", None)]);
        let props = before_tip.iter().find(|x| x.scraper == "props").unwrap();
        assert_eq!(props.for_each_event_from.as_deref(), Some("events"));
        // No line after the tip.
        let after_tip = decide(&file(), &d, "2025-01-11T00:30:00Z".parse().unwrap());
        assert!(runs(&after_tip).is_empty());
    }

    #[test]
    fn post_game_runs_once_per_game_after_the_last_tip() {
        let d = day(&["2025-01-11T00:00:00Z", "2025-01-11T03:30:00Z"]); // last tip 22:30 ET
        let next_morning = decide(&file(), &d, "2025-01-11T11:00:00Z".parse().unwrap());
        assert_eq!(
            runs(&next_morning),
            [("box", Some("0022400560")), ("box", Some("0022400561"))]
        );
    }

    #[test]
    fn days_without_games_skip_game_steps_and_say_so() {
        let d = day(&[]);
        let ds = decide(&file(), &d, "2025-01-10T13:00:00Z".parse().unwrap());
        assert_eq!(runs(&ds), [("a", None)]);
        assert!(
            ds.iter()
                .filter(|x| !x.run)
                .all(|x| x.reason == "no games on 2025-01-10")
        );
    }

    #[test]
    fn without_a_schedule_game_steps_wait_and_say_why() {
        let d = DayContext {
            schedule_loaded: false,
            ..day(&[])
        };
        let ds = decide(&file(), &d, "2025-01-10T13:00:00Z".parse().unwrap());
        assert_eq!(runs(&ds), [("a", None)]);
        assert!(
            ds.iter()
                .filter(|x| !x.run)
                .all(|x| x.reason.starts_with("no schedule loaded yet"))
        );
    }

    #[test]
    fn the_shipped_workflows_parse() {
        let names = crate::ScraperRegistry::standard().names();
        for text in [WorkflowFile::DEFAULT, WorkflowFile::REPLAY] {
            let file = WorkflowFile::parse(text, &names).unwrap();
            let order: Vec<&str> = file.steps.iter().map(|s| s.name.as_str()).collect();
            let events = order.iter().position(|s| *s == "odds_events").unwrap();
            let props = order.iter().position(|s| *s == "player_props").unwrap();
            assert!(events < props, "events before props: {order:?}");
        }
    }

    #[test]
    fn bad_workflows_are_refused() {
        let unknown = "[[step]]\nname = \"x\"\nwindow = [\"06:00\", \"07:00\"]\nscrapers = [\"nope\"]\n";
        assert!(
            WorkflowFile::parse(unknown, KNOWN)
                .unwrap_err()
                .to_string()
                .contains("unknown scraper nope")
        );
        let two_windows =
            "[[step]]\nname = \"x\"\nwindow = [\"06:00\", \"07:00\"]\nafter_last_tip = [1, 2]\nscrapers = [\"a\"]\n";
        assert!(WorkflowFile::parse(two_windows, KNOWN).is_err());
        let props_first = "[[step]]\nname = \"p\"\nbefore_first_tip = [1, 0]\nfor_each = \"event\"\nevents_from = \"e\"\nscrapers = [\"props\"]\n[[step]]\nname = \"e\"\nbefore_first_tip = [1, 0]\nscrapers = [\"events\"]\n";
        assert!(
            WorkflowFile::parse(props_first, KNOWN)
                .unwrap_err()
                .to_string()
                .contains("earlier step")
        );
    }
}
