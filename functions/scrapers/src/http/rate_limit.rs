//! Per-source request spacing, so a backfill or a burst of scrapers cannot get
//! our egress IP throttled or banned (Basketball-Reference bans for an hour past
//! 20 requests a minute; stats.nba.com starts hanging requests).
//!
//! GCRA from `governor`, one direct limiter per source, held by the fetcher.
//! Every attempt, retries included, takes a cell.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota};

/// "At most one request every `period`, with up to `burst` at once after a quiet spell."
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateQuota {
    pub period: Duration,
    pub burst: u32,
}

impl RateQuota {
    /// One request every `period`, no burst.
    pub const fn every(period: Duration) -> Self {
        RateQuota { period, burst: 1 }
    }

    /// `n` requests a minute, evenly spaced, no burst.
    pub fn per_minute(n: u32) -> Self {
        RateQuota::every(Duration::from_secs(60) / n.max(1))
    }

    pub const fn with_burst(self, burst: u32) -> Self {
        RateQuota { burst, ..self }
    }
}

/// A source's limiter; `None` inside means unlimited (no quota, or limiting switched off).
pub(crate) struct RateLimiter(Option<DefaultDirectRateLimiter>);

impl RateLimiter {
    pub(crate) fn new(quota: Option<RateQuota>) -> Self {
        let limiter = quota.and_then(|q| {
            let burst = NonZeroU32::new(q.burst.max(1))?;
            Quota::with_period(q.period).map(|quota| governor::RateLimiter::direct(quota.allow_burst(burst)))
        });
        RateLimiter(limiter)
    }

    pub(crate) fn unlimited() -> Self {
        RateLimiter(None)
    }

    /// Waits until a request may be sent. Cancel-safe: dropping it takes no cell.
    pub(crate) async fn ready(&self) {
        if let Some(limiter) = &self.0 {
            limiter.until_ready().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn per_minute_spacing() {
        assert_eq!(RateQuota::per_minute(20).period, Duration::from_secs(3));
        assert_eq!(RateQuota::per_minute(0).period, Duration::from_secs(60));
    }

    #[tokio::test]
    async fn spaces_requests_after_the_burst() {
        let limiter = RateLimiter::new(Some(RateQuota::every(Duration::from_millis(100))));
        let started = Instant::now();
        for _ in 0..3 {
            limiter.ready().await;
        }
        assert!(
            started.elapsed() >= Duration::from_millis(190),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn unlimited_and_zero_period_do_not_wait() {
        let started = Instant::now();
        for limiter in [
            RateLimiter::unlimited(),
            RateLimiter::new(Some(RateQuota::every(Duration::ZERO))),
        ] {
            for _ in 0..100 {
                limiter.ready().await;
            }
        }
        assert!(started.elapsed() < Duration::from_millis(50));
    }
}
