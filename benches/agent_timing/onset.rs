//! Finding each item's onset in the recording and putting it on the wall clock.
//!
//! The null sink plays at the system clock's pace, so frame `n` of the recording
//! sounded at `origin + n / 48 kHz`; `origin` comes from the reads' arrival times
//! ([`crate::pulse::Recorded::origin_between_us`]). An onset is the first sample above a tenth
//! of the recording's peak, after at least 200 ms below it, within ±1 s of where the
//! item's tone should be.

use crate::pulse::{RATE, Recorded};

/// Where the capture origin is taken from for each item: the reads within this much
/// of it, so a slow drift between the sink's clock and the wall clock does not bias
/// the items far from where a single origin was measured.
pub const LOCAL_ORIGIN_US: i64 = 30_000_000;

/// Finds, for each `(planned_ms, around_ms)`, the onset of the tone that starts
/// `tone_at_ms` into the decoded file, searching ±1 s around `around_ms + tone_at_ms`
/// (the agent's own start where it reported one: a late item is still found). The
/// recording's frames are put on the wall clock by `origin_us(item's time in µs)`.
/// Returns the wall time heard minus `tone_at_ms`, µs, or `None` where nothing was
/// found.
pub fn find(
    rec: &Recorded,
    origin_us: impl Fn(i64) -> Option<i64>,
    items: &[(i64, i64)],
    tone_at_ms: f64,
) -> Vec<Option<f64>> {
    let peak = rec.left.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
    let threshold = peak / 10;
    let quiet = (RATE / 5) as usize;
    items
        .iter()
        .map(|&(_, around)| {
            let origin_us = origin_us(around * 1000)?;
            let frame_of = |wall_us: f64| (wall_us - origin_us as f64) * f64::from(RATE) / 1e6;
            let expected_us = (around as f64 + tone_at_ms) * 1000.0;
            let lo = frame_of(expected_us - 1e6).max(0.0) as usize;
            let hi = (frame_of(expected_us + 1e6).max(0.0) as usize).min(rec.left.len());
            let mut below = 0usize;
            let hit = (lo..hi).find(|&i| {
                if rec.left[i].unsigned_abs() > threshold {
                    below >= quiet
                } else {
                    below += 1;
                    false
                }
            })?;
            Some(origin_us as f64 + hit as f64 * 1e6 / f64::from(RATE) - tone_at_ms * 1000.0)
        })
        .collect()
}

/// Median, 99th percentile and maximum of a sample.
#[derive(Debug, Clone, Copy)]
pub struct Spread {
    /// Values.
    pub n: usize,
    /// Median.
    pub median: f64,
    /// 99th percentile (nearest rank).
    pub p99: f64,
    /// Largest.
    pub max: f64,
    /// Smallest.
    pub min: f64,
}

impl Spread {
    /// Of `values` (not empty).
    pub fn of(values: &[f64]) -> Option<Self> {
        if values.is_empty() {
            return None;
        }
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let rank = |q: f64| v[((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
        let median = if v.len() % 2 == 1 {
            v[v.len() / 2]
        } else {
            (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2.0
        };
        Some(Self {
            n: v.len(),
            median,
            p99: rank(0.99),
            max: v[v.len() - 1],
            min: v[0],
        })
    }

    /// `median 1.2 ms, p99 3.4 ms, max 5.6 ms`.
    pub fn line(&self) -> String {
        format!(
            "median {:.1} ms, p99 {:.1} ms, max {:.1} ms (min {:.1} ms, n = {})",
            self.median, self.p99, self.max, self.min, self.n
        )
    }
}
