//! Time for the agent: every read of the time and every wait goes through [`Clock`], so
//! a test can run a simulated week in seconds.
//!
//! [`SystemClock`] is the PC's clock. [`SimClock`] is a discrete-event clock: time
//! stands still while any of the agent's loops is working (an HTTP request, a database
//! write, decoding) and jumps to the earliest deadline once every loop is waiting on the
//! clock. It owns no scheduling decisions.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A boxed future of a clock wait.
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Reads and waits for time, in milliseconds since the Unix epoch on this PC's clock.
pub trait Clock: Send + Sync + 'static {
    /// Now, ms since the epoch, as this PC's clock says.
    fn now_ms(&self) -> i64;
    /// Now, µs since the epoch: the same clock, finer, for placing audio on an instant.
    fn now_us(&self) -> i64 {
        self.now_ms() * 1000
    }
    /// Resolves once [`Clock::now_ms`] has reached `deadline_ms`.
    fn sleep_until(&self, deadline_ms: i64) -> Sleep;
    /// Marks the calling loop as one whose waits a simulated clock must account for;
    /// keep the guard for the loop's life. The system clock ignores it.
    fn participant(&self) -> Participant {
        Participant(None)
    }
}

/// Held by each agent loop for as long as it runs (see [`Clock::participant`]).
pub struct Participant(Option<Arc<SimShared>>);

impl Drop for Participant {
    fn drop(&mut self) {
        if let Some(shared) = &self.0 {
            let mut s = shared.lock();
            s.participants -= 1;
            s.version += 1;
        }
    }
}

/// The PC's own clock. Long waits are cut into one-second steps so that a clock set
/// by NTP or by hand while waiting is noticed.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }

    fn now_us(&self) -> i64 {
        chrono::Utc::now().timestamp_micros()
    }

    fn sleep_until(&self, deadline_ms: i64) -> Sleep {
        Box::pin(async move {
            loop {
                let left = deadline_ms - chrono::Utc::now().timestamp_millis();
                if left <= 0 {
                    return;
                }
                let step = left.min(1000) as u64;
                tokio::time::sleep(Duration::from_millis(step)).await;
            }
        })
    }
}

/// The system clock set off by a fixed amount: a station PC whose clock is wrong.
#[derive(Debug, Clone, Copy)]
pub struct SkewedClock {
    /// How far this clock runs ahead of the true time, ms (negative: behind).
    pub skew_ms: i64,
}

impl Clock for SkewedClock {
    fn now_ms(&self) -> i64 {
        SystemClock.now_ms() + self.skew_ms
    }

    fn now_us(&self) -> i64 {
        SystemClock.now_us() + self.skew_ms * 1000
    }

    fn sleep_until(&self, deadline_ms: i64) -> Sleep {
        SystemClock.sleep_until(deadline_ms - self.skew_ms)
    }
}

/// A simulated clock that runs `speed` times faster than real time from `epoch_ms`
/// (where it agrees with the system clock). Every process given the same epoch and
/// speed reads the same time, so an agent killed and restarted keeps its timeline:
/// what the crash tests need to run an hour of schedule in minutes.
#[derive(Debug, Clone, Copy)]
pub struct ScaledClock {
    /// Where simulated and real time agree, ms since the epoch.
    pub epoch_ms: i64,
    /// How many simulated milliseconds pass per real one.
    pub speed: u32,
}

impl ScaledClock {
    /// Parses `EPOCH_MS:SPEED`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` không hợp lệ: viết EPOCH_MS:SPEED, ví dụ 1764547200000:20");
        let (epoch, speed) = s.split_once(':').ok_or_else(bad)?;
        let epoch_ms = epoch.parse().map_err(|_| bad())?;
        let speed: u32 = speed.parse().map_err(|_| bad())?;
        if speed == 0 {
            return Err(bad());
        }
        Ok(Self { epoch_ms, speed })
    }
}

impl Clock for ScaledClock {
    fn now_ms(&self) -> i64 {
        let real = SystemClock.now_ms();
        self.epoch_ms + (real - self.epoch_ms) * i64::from(self.speed)
    }

    fn sleep_until(&self, deadline_ms: i64) -> Sleep {
        let real_deadline = self.epoch_ms + (deadline_ms - self.epoch_ms) / i64::from(self.speed);
        SystemClock.sleep_until(real_deadline + 1)
    }
}

struct SimState {
    now_ms: i64,
    /// Waiting loops by (deadline, ticket).
    sleepers: BTreeMap<(i64, u64), tokio::sync::oneshot::Sender<()>>,
    participants: usize,
    /// Bumped on every registration, wake and cancellation, so the driver can tell a
    /// quiet moment from a busy one.
    version: u64,
}

struct SimShared {
    state: Mutex<SimState>,
    tickets: AtomicU64,
    now: AtomicI64,
}

impl SimShared {
    fn lock(&self) -> std::sync::MutexGuard<'_, SimState> {
        // A panic while holding the lock leaves plain numbers behind; go on with them.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A simulated clock. Time advances only by [`SimClock::advance_to`] or, when
/// [`SimClock::run_until`] drives it, by jumping to the next deadline whenever every
/// participant is waiting on the clock.
#[derive(Clone)]
pub struct SimClock {
    shared: Arc<SimShared>,
}

impl SimClock {
    /// A clock standing at `start_ms`.
    pub fn new(start_ms: i64) -> Self {
        Self {
            shared: Arc::new(SimShared {
                state: Mutex::new(SimState {
                    now_ms: start_ms,
                    sleepers: BTreeMap::new(),
                    participants: 0,
                    version: 0,
                }),
                tickets: AtomicU64::new(0),
                now: AtomicI64::new(start_ms),
            }),
        }
    }

    /// Sets the time to `t_ms` (never backwards) and wakes every wait due by then.
    pub fn advance_to(&self, t_ms: i64) {
        let mut s = self.shared.lock();
        if t_ms > s.now_ms {
            s.now_ms = t_ms;
            self.shared.now.store(t_ms, Ordering::SeqCst);
        }
        let now = s.now_ms;
        let due: Vec<_> = s
            .sleepers
            .keys()
            .take_while(|(d, _)| *d <= now)
            .copied()
            .collect();
        for key in due {
            if let Some(tx) = s.sleepers.remove(&key) {
                let _ = tx.send(());
            }
        }
        s.version += 1;
    }

    /// Drives time forward until `until_ms`: whenever every participant has been
    /// waiting on the clock for a quiet moment (two checks 100 µs of real time apart
    /// with nothing changed), jumps to the earliest deadline. Returns when the clock
    /// reaches `until_ms`. The driving runs on a thread of its own, so it never competes
    /// with the agent's tasks for the runtime.
    pub async fn run_until(&self, until_ms: i64) {
        let shared = self.shared.clone();
        let clock = self.clone();
        let (done, finished) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let mut quiet_since: Option<u64> = None;
            loop {
                std::thread::sleep(Duration::from_micros(100));
                let next = {
                    let s = shared.lock();
                    if s.now_ms >= until_ms {
                        break;
                    }
                    if s.participants == 0 || s.sleepers.len() < s.participants {
                        quiet_since = None;
                        continue;
                    }
                    if quiet_since != Some(s.version) {
                        quiet_since = Some(s.version);
                        continue;
                    }
                    s.sleepers
                        .keys()
                        .next()
                        .map_or(until_ms, |(d, _)| *d)
                        .min(until_ms)
                };
                quiet_since = None;
                clock.advance_to(next);
            }
            let _ = done.send(());
        });
        let _ = finished.await;
    }
}

impl Clock for SimClock {
    fn now_ms(&self) -> i64 {
        self.shared.now.load(Ordering::SeqCst)
    }

    fn sleep_until(&self, deadline_ms: i64) -> Sleep {
        let ticket = self.shared.tickets.fetch_add(1, Ordering::SeqCst);
        let (tx, rx) = tokio::sync::oneshot::channel();
        {
            let mut s = self.shared.lock();
            if deadline_ms <= s.now_ms {
                return Box::pin(async {});
            }
            s.sleepers.insert((deadline_ms, ticket), tx);
            s.version += 1;
        }
        let guard = SleepGuard {
            shared: self.shared.clone(),
            key: (deadline_ms, ticket),
        };
        Box::pin(async move {
            let _guard = guard;
            let _ = rx.await;
        })
    }

    fn participant(&self) -> Participant {
        let mut s = self.shared.lock();
        s.participants += 1;
        s.version += 1;
        Participant(Some(self.shared.clone()))
    }
}

/// Removes a wait that was given up (its future dropped before the deadline).
struct SleepGuard {
    shared: Arc<SimShared>,
    key: (i64, u64),
}

impl Drop for SleepGuard {
    fn drop(&mut self) {
        let mut s = self.shared.lock();
        if s.sleepers.remove(&self.key).is_some() {
            s.version += 1;
        }
    }
}
