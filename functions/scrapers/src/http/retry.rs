//! When to try again and how long to wait.
//!
//! Exponential backoff with *full jitter* (a uniform wait in `[0, min(cap,
//! base·2ⁿ)]`): concurrent scrapers that failed together do not come back
//! together. A server's `Retry-After` is a floor on the wait; if it asks for more
//! than [`RetryPolicy::retry_after_cap`] we stop instead (an hour-long Odds API
//! quota reset or a Basketball-Reference "jail" will not clear within a run, and
//! the run's own redelivery is the better retry).

use std::time::{Duration, SystemTime};

use rand::Rng;

/// Retry settings of one source.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = no retry).
    pub max_attempts: u32,
    /// Backoff ceiling before jitter for the first retry; doubles each retry.
    pub base_delay: Duration,
    /// Largest backoff ceiling.
    pub max_delay: Duration,
    /// Longest `Retry-After` we are willing to wait.
    pub retry_after_cap: Duration,
}

impl RetryPolicy {
    /// One attempt, no retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            base_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
            retry_after_cap: Duration::ZERO,
        }
    }

    /// Backoff before retry number `retry` (1 = after the first failed attempt):
    /// uniform in `[0, min(max_delay, base_delay·2^(retry-1))]`.
    pub fn backoff(&self, retry: u32, rng: &mut impl Rng) -> Duration {
        let exp = retry.saturating_sub(1).min(20);
        let ceiling = self.base_delay.saturating_mul(1u32 << exp).min(self.max_delay);
        if ceiling.is_zero() {
            return Duration::ZERO;
        }
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rng.random_range(0..=nanos))
    }

    /// How long to wait before retry number `retry`, or `None` to give up
    /// because the server asked for a longer wait than we accept.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>, rng: &mut impl Rng) -> Option<Duration> {
        let jittered = self.backoff(retry, rng);
        match retry_after {
            Some(asked) if asked > self.retry_after_cap => None,
            Some(asked) => Some(jittered.max(asked)),
            None => Some(jittered),
        }
    }
}

/// Parses a `Retry-After` value: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
/// A date in the past means "now".
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            retry_after_cap: Duration::from_secs(10),
        }
    }

    #[test]
    fn backoff_is_jittered_under_an_exponential_ceiling() {
        let p = policy();
        let mut rng = StdRng::seed_from_u64(7);
        for retry in 1..=6 {
            let ceiling = Duration::from_millis(100 * (1 << (retry - 1))).min(p.max_delay);
            let samples: Vec<Duration> = (0..200).map(|_| p.backoff(retry, &mut rng)).collect();
            assert!(samples.iter().all(|d| *d <= ceiling), "retry {retry}");
            // Full jitter: some waits are well under half the ceiling.
            assert!(samples.iter().any(|d| *d < ceiling / 2), "retry {retry}");
        }
    }

    #[test]
    fn retry_after_is_a_floor_and_a_long_one_gives_up() {
        let p = policy();
        let mut rng = StdRng::seed_from_u64(1);
        assert!(p.delay(1, Some(Duration::from_secs(2)), &mut rng).unwrap() >= Duration::from_secs(2));
        assert_eq!(p.delay(1, Some(Duration::from_secs(3600)), &mut rng), None);
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after(" 3 ", now), Some(Duration::from_secs(3)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(30)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
