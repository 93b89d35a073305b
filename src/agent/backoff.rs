//! How long a loop waits after failing: the one backoff every agent loop uses.
//!
//! The first failure waits `first`, each further one twice as long, up to `max`; a
//! success starts again from nothing. It only counts and computes; the loops do the
//! waiting, on the agent's clock or (for the network stream) on real time.

use std::time::Duration;

/// Consecutive failures of one loop and the wait they call for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Backoff {
    first_ms: i64,
    max_ms: i64,
    failures: u32,
}

impl Backoff {
    /// Waits `first` after one failure, doubling up to `max`.
    pub(super) fn new(first: Duration, max: Duration) -> Self {
        let ms = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        Self {
            first_ms: ms(first).max(1),
            max_ms: ms(max),
            failures: 0,
        }
    }

    /// The loop worked: the next failure waits `first` again.
    pub(super) fn succeeded(&mut self) {
        self.failures = 0;
    }

    /// The loop failed: how long to wait, in milliseconds, before trying again.
    pub(super) fn failed(&mut self) -> i64 {
        self.failures = self.failures.saturating_add(1);
        self.delay_ms()
    }

    /// The wait the failures so far call for (0 after a success).
    pub(super) fn delay_ms(&self) -> i64 {
        if self.failures == 0 {
            return 0;
        }
        let doublings = (self.failures - 1).min(40);
        self.first_ms
            .saturating_mul(1_i64 << doublings)
            .min(self.max_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_from_the_first_up_to_the_cap_and_reset_on_success() {
        let mut b = Backoff::new(Duration::from_secs(10), Duration::from_secs(600));
        assert_eq!(b.delay_ms(), 0);
        let waits: Vec<i64> = (0..9).map(|_| b.failed()).collect();
        assert_eq!(
            waits,
            [
                10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 600_000, 600_000, 600_000
            ]
        );
        b.succeeded();
        assert_eq!(b.delay_ms(), 0);
        assert_eq!(b.failed(), 10_000);
        for _ in 0..1000 {
            b.failed();
        }
        assert_eq!(b.delay_ms(), 600_000, "no overflow after many failures");
    }
}
