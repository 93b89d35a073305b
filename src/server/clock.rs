//! The server's time: the real clock, plus a skew that tests move forward so that
//! what depends on time passing (a station falling silent, an alert firing) is checked
//! without waiting for it. In production the skew stays zero.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

/// Real time, shifted by a skew that only moves forward.
#[derive(Debug, Default)]
pub struct ServerClock {
    skew_ms: AtomicI64,
}

impl ServerClock {
    /// Now, as the server's status pages and alerts see it.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.skew_ms.load(Ordering::Relaxed))
    }

    /// Moves this clock `by` ahead of real time (tests only need this).
    pub fn advance(&self, by: std::time::Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.skew_ms.fetch_add(ms, Ordering::Relaxed);
    }
}
