//! The decision rules, as pure functions: given which processors completed, when the
//! first one did, and the instant of evaluation, decide whether a transition fires.
//!
//! A transition is a [`Policy`]: the processors it expects, the ones it cannot go
//! without, and ordered [`Tier`]s. A tier fires when enough time has passed since the
//! first completion, enough of the expected processors are in, and its required ones
//! are among them. Waiting for everyone forever would leave a day without predictions
//! when one non-critical processor dies; firing on the first completion would compute
//! from half the inputs. The tiers are the compromise, and every one is named in the
//! decision so the log says which compromise was taken.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};

/// One way a transition may fire.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tier {
    /// Short name that goes into the decision's reason (`all_complete`, `timeout`, ...).
    pub name: &'static str,
    /// Time since the first completion before this tier may fire.
    pub after: TimeDelta,
    /// Least share of the expected processors complete, in percent.
    pub min_percent: u32,
    /// Processors that must be among the completed ones.
    pub requires: &'static [&'static str],
}

/// The first tier of every transition: all expected processors in, fire at once.
pub const ALL_COMPLETE: Tier = Tier {
    name: "all_complete",
    after: TimeDelta::zero(),
    min_percent: 100,
    requires: &[],
};

/// The expected and critical processors of a transition and its tiers, in order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    pub expected: &'static [&'static str],
    /// Never fire without these (the last tier requires them).
    pub critical: &'static [&'static str],
    pub tiers: &'static [Tier],
}

/// What the completions of a (transition, date, mode) look like at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// Processors that finished (any status but `failed`).
    pub completed: BTreeSet<String>,
    /// When the first of them finished; `None` when nothing did.
    pub first_completed_at: Option<DateTime<Utc>>,
}

/// The rule's answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Fire now, by this tier.
    Ready { tier: &'static str, reason: String },
    /// Not yet: a later completion or a later tier may fire it.
    Waiting { reason: String },
    /// Every tier's time has passed and a critical processor is still missing.
    Blocked { reason: String },
}

impl Verdict {
    pub fn reason(&self) -> &str {
        match self {
            Verdict::Ready { reason, .. } | Verdict::Waiting { reason } | Verdict::Blocked { reason } => reason,
        }
    }
}

impl Policy {
    /// Expected processors that are not complete, in declaration order.
    pub fn missing(&self, progress: &Progress) -> Vec<String> {
        self.expected
            .iter()
            .filter(|p| !progress.completed.contains(**p))
            .map(|p| p.to_string())
            .collect()
    }

    /// Expected processors that are complete, in declaration order.
    pub fn completed(&self, progress: &Progress) -> Vec<String> {
        self.expected
            .iter()
            .filter(|p| progress.completed.contains(**p))
            .map(|p| p.to_string())
            .collect()
    }

    /// The first tier that fires at `now`, else why not.
    pub fn evaluate(&self, progress: &Progress, now: DateTime<Utc>) -> Verdict {
        let Some(first) = progress.first_completed_at else {
            return Verdict::Waiting {
                reason: "no expected processor has completed".into(),
            };
        };
        // Clocks of different hosts (or a replay's simulated clock) may put `now` before
        // the first completion: that is no time elapsed, not negative time.
        let elapsed = (now - first).max(TimeDelta::zero());
        let done = self.completed(progress).len();
        let expected = self.expected.len();
        for tier in self.tiers {
            if self.tier_fires(tier, progress, elapsed) {
                return Verdict::Ready {
                    tier: tier.name,
                    reason: format!(
                        "{}: {done} of {expected} expected complete after {}",
                        tier.name,
                        minutes(elapsed)
                    ),
                };
            }
        }
        self.not_ready(progress, elapsed)
    }

    fn tier_fires(&self, tier: &Tier, progress: &Progress, elapsed: TimeDelta) -> bool {
        let done = self.completed(progress).len();
        elapsed >= tier.after
            && percent_at_least(done, self.expected.len(), tier.min_percent)
            && tier.requires.iter().all(|p| progress.completed.contains(*p))
    }

    /// Waiting (a tier is still ahead) or blocked (every tier's time passed, critical missing).
    fn not_ready(&self, progress: &Progress, elapsed: TimeDelta) -> Verdict {
        let missing = self.missing(progress).join(", ");
        let critical_missing: Vec<&str> = self
            .critical
            .iter()
            .copied()
            .filter(|p| !progress.completed.contains(*p))
            .collect();
        match self.tiers.iter().find(|t| t.after > elapsed) {
            Some(next) => Verdict::Waiting {
                reason: format!(
                    "missing {missing} after {}; next tier {} at {}",
                    minutes(elapsed),
                    next.name,
                    minutes(next.after)
                ),
            },
            None if !critical_missing.is_empty() => Verdict::Blocked {
                reason: format!(
                    "critical {} missing after {} (every tier's time has passed)",
                    critical_missing.join(", "),
                    minutes(elapsed)
                ),
            },
            None => Verdict::Waiting {
                reason: format!(
                    "missing {missing} after {}: too few expected complete for any tier",
                    minutes(elapsed)
                ),
            },
        }
    }
}

/// `done / total >= percent / 100`, in integers (no rounding surprises at 60% of 5).
pub fn percent_at_least(done: usize, total: usize, percent: u32) -> bool {
    total == 0 || done as u64 * 100 >= total as u64 * u64::from(percent)
}

fn minutes(d: TimeDelta) -> String {
    format!("{} min", d.num_minutes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: Policy = Policy {
        expected: &["a", "b", "c", "d", "e"],
        critical: &["a"],
        tiers: &[
            ALL_COMPLETE,
            Tier {
                name: "timeout",
                after: TimeDelta::minutes(30),
                min_percent: 60,
                requires: &["a"],
            },
        ],
    };

    fn progress(done: &[&str]) -> Progress {
        Progress {
            completed: done.iter().map(|s| s.to_string()).collect(),
            first_completed_at: (!done.is_empty()).then(t0),
        }
    }

    fn t0() -> DateTime<Utc> {
        "2025-01-10T20:00:00Z".parse().unwrap()
    }

    #[test]
    fn nothing_complete_waits() {
        assert!(matches!(POLICY.evaluate(&progress(&[]), t0()), Verdict::Waiting { .. }));
    }

    #[test]
    fn share_is_compared_in_integers() {
        assert!(percent_at_least(3, 5, 60));
        assert!(!percent_at_least(2, 5, 60));
        assert!(percent_at_least(2, 3, 60));
        assert!(!percent_at_least(1, 2, 60));
    }

    #[test]
    fn negative_elapsed_time_counts_as_none() {
        let early = t0() - TimeDelta::hours(3);
        let v = POLICY.evaluate(&progress(&["a", "b", "c"]), early);
        assert!(matches!(v, Verdict::Waiting { .. }), "{v:?}");
    }

    #[test]
    fn missing_lists_expected_in_order_and_ignores_strangers() {
        let p = progress(&["c", "zzz"]);
        assert_eq!(POLICY.missing(&p), ["a", "b", "d", "e"]);
        assert_eq!(POLICY.completed(&p), ["c"]);
    }
}
