//! A token bucket per key (station code), kept by this replica: a burst of `burst`
//! requests, then one every `every`. Heartbeats use it: an agent sends one a minute, so
//! anything much faster is a broken or hostile client filling the database.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets by key.
#[derive(Debug)]
pub struct RateGate {
    burst: f64,
    every: Duration,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

/// Most keys remembered; beyond it the fullest buckets are forgotten (they would be
/// full again anyway).
const MAX_KEYS: usize = 100_000;

impl RateGate {
    /// A gate allowing `burst` at once, then one per `every`.
    pub fn new(burst: u32, every: Duration) -> Self {
        Self {
            burst: f64::from(burst),
            every,
            buckets: Mutex::default(),
        }
    }

    /// Takes one request for `key` at `now`; `Err(wait)` when it must wait.
    pub fn take(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_KEYS && !buckets.contains_key(key) {
            let full = self.burst;
            let every = self.every.as_secs_f64();
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() / every < full
            });
        }
        let (tokens, at) = buckets.entry(key.to_owned()).or_insert((self.burst, now));
        let refill = now.duration_since(*at).as_secs_f64() / self.every.as_secs_f64();
        *tokens = (*tokens + refill).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(self.every.mul_f64(1.0 - *tokens))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_one_per_interval() {
        let gate = RateGate::new(3, Duration::from_secs(10));
        let t0 = Instant::now();
        for _ in 0..3 {
            gate.take("a", t0).expect("burst");
        }
        let wait = gate.take("a", t0).expect_err("over the burst");
        assert!(wait <= Duration::from_secs(10), "{wait:?}");
        gate.take("b", t0).expect("another key has its own bucket");
        gate.take("a", t0 + Duration::from_secs(10))
            .expect("refilled");
    }
}
