//! Phase 4 → 5: the features are in, predict.
//!
//! Tiered, counted from the first phase-4 completion of the date:
//! 1. all five expected processors complete → fire (the normal case, expected within
//!    [`ALL_WITHIN`]);
//! 2. after [`MOST_AFTER`], ≥ [`MOST_PERCENT`]% complete including `ml_feature_store`;
//! 3. after [`CRITICAL_AFTER`], the critical ones (`ml_feature_store`, `player_daily_cache`).
//!
//! Any tier must then pass the feature-quality gate ([`crate::quality`]); a failed gate
//! is a `blocked` decision with the numbers, never a trigger.
//!
//! Phase-4 completions do not say which run they belong to; the optional message
//! attribute [`RUN_MODE_ATTRIBUTE`] (`same_day` / `overnight`, echoed from the
//! `Phase4Trigger`) keeps the two runs of a date apart. Without it a completion counts
//! for the same-day run, the one tonight's predictions come from.

use std::collections::BTreeMap;

use chrono::TimeDelta;
use nba_core::messages::RunMode;

use crate::rules::{ALL_COMPLETE, Policy, Tier};

pub const EXPECTED: &[&str] = &[
    "player_daily_cache",
    "player_shot_zone_analysis",
    "team_defense_zone_analysis",
    "player_composite_factors",
    "ml_feature_store",
];
pub const CRITICAL: &[&str] = &["ml_feature_store", "player_daily_cache"];

/// The window all processors are expected in (reported in waiting reasons).
pub const ALL_WITHIN: TimeDelta = TimeDelta::minutes(30);
pub const MOST_AFTER: TimeDelta = TimeDelta::hours(1);
pub const MOST_PERCENT: u32 = 80;
pub const CRITICAL_AFTER: TimeDelta = TimeDelta::hours(2);

/// Message attribute naming the phase-4 run a completion belongs to.
pub const RUN_MODE_ATTRIBUTE: &str = nba_core::messages::attributes::RUN_MODE;

pub const POLICY: Policy = Policy {
    expected: EXPECTED,
    critical: CRITICAL,
    tiers: &[
        ALL_COMPLETE,
        Tier {
            name: "most_complete",
            after: MOST_AFTER,
            min_percent: MOST_PERCENT,
            requires: &["ml_feature_store"],
        },
        Tier {
            name: "critical_complete",
            after: CRITICAL_AFTER,
            min_percent: 0,
            requires: CRITICAL,
        },
    ],
};

/// Whether a phase-4 processor is one this transition waits for.
pub fn is_expected(processor: &str) -> bool {
    EXPECTED.contains(&processor)
}

/// The run a completion belongs to, from its attributes (same-day by default).
pub fn mode_of(attributes: &BTreeMap<String, String>) -> RunMode {
    match attributes.get(RUN_MODE_ATTRIBUTE) {
        Some(mode) if mode == RunMode::Overnight.as_str() => RunMode::Overnight,
        _ => RunMode::SameDay,
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::rules::{Progress, Verdict};

    fn at(minutes: i64) -> DateTime<Utc> {
        "2025-01-10T18:00:00Z".parse::<DateTime<Utc>>().unwrap() + TimeDelta::minutes(minutes)
    }

    fn progress(done: &[&str]) -> Progress {
        Progress {
            completed: done.iter().map(|s| s.to_string()).collect(),
            first_completed_at: Some(at(0)),
        }
    }

    fn tier(v: &Verdict) -> Option<&'static str> {
        match v {
            Verdict::Ready { tier, .. } => Some(tier),
            _ => None,
        }
    }

    const FOUR_WITH_STORE: &[&str] = &[
        "player_daily_cache",
        "player_shot_zone_analysis",
        "player_composite_factors",
        "ml_feature_store",
    ];
    const CRITICAL_ONLY: &[&str] = &["player_daily_cache", "ml_feature_store"];

    #[test]
    fn all_five_fire_within_thirty_minutes() {
        assert_eq!(
            tier(&POLICY.evaluate(&progress(EXPECTED), at(12))),
            Some("all_complete")
        );
        // Late but complete: still fires (waiting for a tier would only delay it).
        assert_eq!(
            tier(&POLICY.evaluate(&progress(EXPECTED), at(45))),
            Some("all_complete")
        );
    }

    #[test]
    fn four_of_five_with_the_feature_store_wait_for_the_hour() {
        let p = progress(FOUR_WITH_STORE);
        let at_30 = POLICY.evaluate(&p, at(30));
        assert!(matches!(&at_30, Verdict::Waiting { reason } if reason.contains("most_complete at 60 min")));
        assert_eq!(tier(&POLICY.evaluate(&p, at(59))), None);
        assert_eq!(tier(&POLICY.evaluate(&p, at(60))), Some("most_complete"));
    }

    #[test]
    fn most_needs_the_feature_store() {
        let p = progress(&[
            "player_daily_cache",
            "player_shot_zone_analysis",
            "team_defense_zone_analysis",
            "player_composite_factors",
        ]);
        assert_eq!(tier(&POLICY.evaluate(&p, at(90))), None);
        // And at two hours the critical tier cannot fire either: blocked, naming it.
        let v = POLICY.evaluate(&p, at(120));
        assert!(
            matches!(&v, Verdict::Blocked { reason } if reason.contains("ml_feature_store")),
            "{v:?}"
        );
    }

    #[test]
    fn critical_ones_alone_fire_at_two_hours() {
        let p = progress(CRITICAL_ONLY);
        assert_eq!(tier(&POLICY.evaluate(&p, at(61))), None);
        assert_eq!(tier(&POLICY.evaluate(&p, at(119))), None);
        assert_eq!(tier(&POLICY.evaluate(&p, at(120))), Some("critical_complete"));
        let v = POLICY.evaluate(&progress(&["ml_feature_store"]), at(121));
        assert!(
            matches!(&v, Verdict::Blocked { reason } if reason.contains("player_daily_cache")),
            "{v:?}"
        );
    }

    #[test]
    fn the_run_mode_comes_from_the_attribute() {
        let mut attrs = BTreeMap::new();
        assert_eq!(mode_of(&attrs), RunMode::SameDay);
        attrs.insert(RUN_MODE_ATTRIBUTE.to_string(), "overnight".to_string());
        assert_eq!(mode_of(&attrs), RunMode::Overnight);
    }
}
