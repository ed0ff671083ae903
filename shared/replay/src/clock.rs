//! The replay's simulated clock: what "now" is for point-in-time answers.
//!
//! Default: the real time. `PUT /__replay/clock` with `{"now": "2024-11-15T17:00:00Z"}` freezes it at that
//! instant; `{"now": …, "running": true}` starts it there and lets it advance in real time;
//! `DELETE /__replay/clock` goes back to the real time; `GET /__replay/clock` reads it. The clock is shared
//! (an `Arc`) by every handler, so one PUT changes what every endpoint serves.
//!
//! Game phases by the clock: before the schedule's tip (`gameDateTimeUTC`) a game is scheduled (no scores,
//! no box score, no log rows); from tip to tip + [`FINAL_AFTER`] it is live (status "in progress", scores
//! and statistics not yet known, because the dataset has no in-game timeline); from tip + 3 h it is final.

use std::sync::{Arc, RwLock};
use std::time::Instant;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::json;

use crate::AppState;

/// A game is final this long after its scheduled tip.
pub const FINAL_AFTER: Duration = Duration::hours(3);

/// The shared simulated clock. Cloning shares it.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    state: Arc<RwLock<Mode>>,
}

#[derive(Debug, Clone, Copy, Default)]
enum Mode {
    #[default]
    Real,
    Frozen(DateTime<Utc>),
    Running {
        from: DateTime<Utc>,
        since: Instant,
    },
}

impl Clock {
    /// A clock that reads the real time until set.
    pub fn real() -> Self {
        Clock::default()
    }

    /// A clock frozen at `now`.
    pub fn frozen(now: DateTime<Utc>) -> Self {
        let c = Clock::default();
        c.set(now);
        c
    }

    /// The simulated now.
    pub fn now(&self) -> DateTime<Utc> {
        match *self.state.read().unwrap_or_else(|e| e.into_inner()) {
            Mode::Real => Utc::now(),
            Mode::Frozen(t) => t,
            Mode::Running { from, since } => {
                from + Duration::from_std(since.elapsed()).unwrap_or_else(|_| Duration::zero())
            }
        }
    }

    /// Freezes the clock at `now`.
    pub fn set(&self, now: DateTime<Utc>) {
        *self.state.write().unwrap_or_else(|e| e.into_inner()) = Mode::Frozen(now);
    }

    /// Starts the clock at `now`, advancing in real time from here.
    pub fn set_running(&self, now: DateTime<Utc>) {
        *self.state.write().unwrap_or_else(|e| e.into_inner()) = Mode::Running {
            from: now,
            since: Instant::now(),
        };
    }

    /// Back to the real time.
    pub fn reset(&self) {
        *self.state.write().unwrap_or_else(|e| e.into_inner()) = Mode::Real;
    }

    fn mode_name(&self) -> &'static str {
        match *self.state.read().unwrap_or_else(|e| e.into_inner()) {
            Mode::Real => "real",
            Mode::Frozen(_) => "frozen",
            Mode::Running { .. } => "running",
        }
    }
}

/// Where a game is at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Scheduled,
    Live,
    Final,
}

impl Phase {
    pub fn at(tip: DateTime<Utc>, now: DateTime<Utc>) -> Phase {
        if now < tip {
            Phase::Scheduled
        } else if now < tip + FINAL_AFTER {
            Phase::Live
        } else {
            Phase::Final
        }
    }

    /// NBA.com status code (1, 2, 3).
    pub fn code(self) -> i64 {
        match self {
            Phase::Scheduled => 1,
            Phase::Live => 2,
            Phase::Final => 3,
        }
    }
}

/// The America/New_York calendar date of an instant (NBA game dates are ET dates).
pub(crate) fn et_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&chrono_tz::America::New_York).date_naive()
}

/// `7:30 pm ET`, as NBA.com writes a scheduled tip.
pub(crate) fn et_time_text(t: DateTime<Utc>) -> String {
    let et = t.with_timezone(&chrono_tz::America::New_York);
    format!("{} ET", et.format("%-I:%M %P"))
}

#[derive(Debug, Deserialize)]
pub(crate) struct SetClock {
    now: String,
    #[serde(default)]
    running: bool,
}

fn clock_body(clock: &Clock) -> Response {
    Json(json!({
        "now": clock.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "mode": clock.mode_name(),
    }))
    .into_response()
}

/// `GET /__replay/clock`: `{"now": RFC 3339, "mode": "real" | "frozen" | "running"}`.
pub(crate) async fn get_clock(State(state): State<AppState>) -> Response {
    clock_body(&state.clock)
}

/// `PUT /__replay/clock` with `{"now": RFC 3339, "running": bool?}`.
pub(crate) async fn put_clock(State(state): State<AppState>, body: axum::body::Bytes) -> Response {
    let set: SetClock = match serde_json::from_slice(&body) {
        Ok(s) => s,
        Err(e) => {
            return crate::respond::bad_param("now", &format!("expected {{\"now\": \"RFC 3339\"}}: {e}"));
        }
    };
    let now = match DateTime::parse_from_rfc3339(set.now.trim()) {
        Ok(t) => t.with_timezone(&Utc),
        Err(e) => return crate::respond::bad_param("now", &format!("{:?} is not RFC 3339: {e}", set.now)),
    };
    if set.running {
        state.clock.set_running(now);
    } else {
        state.clock.set(now);
    }
    clock_body(&state.clock)
}

/// `DELETE /__replay/clock`: back to the real time.
pub(crate) async fn reset_clock(State(state): State<AppState>) -> Response {
    state.clock.reset();
    (StatusCode::OK, clock_body(&state.clock)).into_response()
}
