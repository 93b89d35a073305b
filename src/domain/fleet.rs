//! Fleet status: which state each station is in at an instant, from what the server
//! knows of it (its last heartbeat, its broadcast windows, its current compiled
//! playlist, the planned item due then, the breaks in its airing chain and the airings
//! refused for a bad signature).
//!
//! Pure: the store gathers the facts, this module decides. It reads no clock (`now` is
//! an argument) and knows no JSON; the API and the console show its answer.

use chrono::{DateTime, Datelike, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use super::Windows;

/// Where problems start: every state before [`State::Playing`] is one.
///
/// The order is the order of severity (most severe first), which is also the order in
/// which the dashboard lists stations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum State {
    /// No heartbeat for longer than the threshold, or never one.
    Silent,
    /// The server found a gap or a break in the station's airing chain.
    ChainBreak,
    /// An airing was refused because its signature did not verify.
    SignatureFailure,
    /// The last heartbeat reports items whose media is not on the station's disk.
    MediaNotReady,
    /// The station's clock is off the server's by more than the threshold.
    ClockOff,
    /// The station holds an older playlist than the one compiled for it.
    PlaylistBehind,
    /// More airings wait in the station's outbox than the threshold.
    OutboxBacklog,
    /// Inside a window, with a planned item due now.
    Playing,
    /// Inside a window, nothing due now.
    IdleInWindow,
    /// Outside every window.
    IdleOutsideWindows,
}

impl State {
    /// Every state, most severe first.
    pub const ALL: [State; 10] = [
        Self::Silent,
        Self::ChainBreak,
        Self::SignatureFailure,
        Self::MediaNotReady,
        Self::ClockOff,
        Self::PlaylistBehind,
        Self::OutboxBacklog,
        Self::Playing,
        Self::IdleInWindow,
        Self::IdleOutsideWindows,
    ];

    /// The keyword the API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Silent => "silent",
            Self::ChainBreak => "chain_break",
            Self::SignatureFailure => "signature_failure",
            Self::MediaNotReady => "media_not_ready",
            Self::ClockOff => "clock_off",
            Self::PlaylistBehind => "playlist_behind",
            Self::OutboxBacklog => "outbox_backlog",
            Self::Playing => "playing",
            Self::IdleInWindow => "idle_in_window",
            Self::IdleOutsideWindows => "idle_outside_windows",
        }
    }

    /// Parses the keyword.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// What an officer reads.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Silent => "mất tín hiệu",
            Self::ChainBreak => "đứt chuỗi nhật ký phát",
            Self::SignatureFailure => "chữ ký không hợp lệ",
            Self::MediaNotReady => "thiếu tệp âm thanh",
            Self::ClockOff => "lệch đồng hồ",
            Self::PlaylistBehind => "danh sách phát cũ",
            Self::OutboxBacklog => "tồn bản ghi chưa gửi",
            Self::Playing => "đang phát",
            Self::IdleInWindow => "chờ trong khung phát",
            Self::IdleOutsideWindows => "ngoài khung phát",
        }
    }

    /// Whether the state is a problem (shown first, alerted on).
    pub fn is_problem(self) -> bool {
        self < Self::Playing
    }
}

/// Limits beyond which a fact is a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// A station is silent when its last heartbeat is older than this, ms.
    pub silent_after_ms: i64,
    /// Its clock is off when `|offset|` exceeds this, ms.
    pub clock_off_ms: i64,
    /// Its outbox is backed up when it holds more airings than this.
    pub outbox_backlog: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            silent_after_ms: 5 * 60_000,
            clock_off_ms: 1000,
            outbox_backlog: 50,
        }
    }
}

/// What the station's last heartbeat said, as far as its state goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heard {
    /// When the server received it, ms since the epoch.
    pub at_ms: i64,
    /// The playlist version (ETag) it holds.
    pub playlist_version: Option<String>,
    /// Upcoming items whose media is not ready.
    pub media_missing: u32,
    /// Station clock minus server clock, ms.
    pub clock_offset_ms: i64,
    /// Airings not yet acknowledged.
    pub outbox_backlog: u32,
}

/// Everything the state of one station is decided from.
#[derive(Debug, Clone, Copy)]
pub struct Observation<'a> {
    /// Its time zone (windows are local).
    pub timezone: Tz,
    /// The windows it airs in (own or inherited); `None` when it has none.
    pub windows: Option<&'a Windows>,
    /// Its last heartbeat, if it ever sent one.
    pub heard: Option<&'a Heard>,
    /// The version of the playlist compiled for it now.
    pub current_version: Option<&'a str>,
    /// Whether one of its planned items spans `now`.
    pub item_due_now: bool,
    /// Breaks found in its airing chain in the period looked at.
    pub chain_breaks: u64,
    /// Airings refused for a bad signature in the period looked at.
    pub signature_failures: u64,
}

/// The state of one station at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The most severe of `problems`, or else what it is doing.
    pub state: State,
    /// Every problem, most severe first (empty when all is well).
    pub problems: Vec<State>,
    /// Playing, idle inside or outside a window; `None` while silent (not known).
    pub activity: Option<State>,
    /// Whether `now` lies inside one of its windows.
    pub in_window: bool,
    /// Whether a heartbeat came within the threshold.
    pub fresh: bool,
    /// Inside a window and silent: how long it has been silent during this window, ms
    /// (from its last heartbeat or the window's start, whichever is later).
    pub silent_in_window_ms: Option<i64>,
}

impl Status {
    /// Whether the station is in `state`, as its primary state, a problem or its
    /// activity (a filter by state lists every station it applies to).
    pub fn has(&self, state: State) -> bool {
        self.state == state || self.problems.contains(&state) || self.activity == Some(state)
    }
}

/// The start of the window `now` lies in, if it lies in one.
pub fn window_start(tz: Tz, windows: &Windows, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let local = now.with_timezone(&tz);
    let minute = (local.hour() * 60 + local.minute()) as u16;
    let (start, _) = windows
        .ranges_on(local.weekday())
        .iter()
        .copied()
        .find(|&(s, e)| s <= minute && minute < e)?;
    let naive = local
        .date_naive()
        .and_hms_opt(u32::from(start / 60), u32::from(start % 60), 0)?;
    // A window starting in a daylight-saving gap starts when the clock jumps.
    Some(
        tz.from_local_datetime(&naive)
            .earliest()
            .map_or(now, |t| t.with_timezone(&Utc)),
    )
}

/// Decides the state of one station at `now`.
///
/// While a station is silent only what the server itself found (chain breaks, refused
/// signatures) counts against it: its last heartbeat is too old to say anything else.
pub fn classify(obs: &Observation<'_>, now: DateTime<Utc>, limits: &Thresholds) -> Status {
    let now_ms = now.timestamp_millis();
    let started = obs.windows.and_then(|w| window_start(obs.timezone, w, now));
    let in_window = started.is_some();
    let fresh = obs
        .heard
        .is_some_and(|h| now_ms - h.at_ms <= limits.silent_after_ms);
    let mut problems = Vec::new();
    if !fresh {
        problems.push(State::Silent);
    }
    if obs.chain_breaks > 0 {
        problems.push(State::ChainBreak);
    }
    if obs.signature_failures > 0 {
        problems.push(State::SignatureFailure);
    }
    if let (true, Some(h)) = (fresh, obs.heard) {
        if h.media_missing > 0 {
            problems.push(State::MediaNotReady);
        }
        if h.clock_offset_ms.abs() > limits.clock_off_ms {
            problems.push(State::ClockOff);
        }
        if obs
            .current_version
            .is_some_and(|v| h.playlist_version.as_deref() != Some(v))
        {
            problems.push(State::PlaylistBehind);
        }
        if h.outbox_backlog > limits.outbox_backlog {
            problems.push(State::OutboxBacklog);
        }
    }
    let activity = fresh.then_some(match (in_window, obs.item_due_now) {
        (true, true) => State::Playing,
        (true, false) => State::IdleInWindow,
        (false, _) => State::IdleOutsideWindows,
    });
    let silent_in_window_ms = match (fresh, started) {
        (false, Some(start)) => {
            let since = obs.heard.map_or(start.timestamp_millis(), |h| {
                h.at_ms.max(start.timestamp_millis())
            });
            Some(now_ms - since)
        }
        _ => None,
    };
    Status {
        state: problems
            .first()
            .copied()
            .or(activity)
            .unwrap_or(State::Silent),
        problems,
        activity,
        in_window,
        fresh,
        silent_in_window_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{WeekdaySet, Window};

    fn windows() -> Windows {
        let w = |r| Window::parse_range(WeekdaySet::ALL, r).expect("window");
        Windows::new(vec![w("05:30-06:30"), w("17:00-18:00")]).expect("windows")
    }

    /// `hh:mm` local (UTC+7) on 2 March 2026 as a UTC instant.
    fn at(hm: &str) -> DateTime<Utc> {
        let (h, m) = hm.split_once(':').expect("hh:mm");
        chrono_tz::Asia::Ho_Chi_Minh
            .with_ymd_and_hms(2026, 3, 2, h.parse().expect("h"), m.parse().expect("m"), 0)
            .single()
            .expect("local time")
            .with_timezone(&Utc)
    }

    fn heard(hm: &str) -> Heard {
        Heard {
            at_ms: at(hm).timestamp_millis(),
            playlist_version: Some("v1".to_owned()),
            media_missing: 0,
            clock_offset_ms: 20,
            outbox_backlog: 0,
        }
    }

    fn status(h: Option<&Heard>, now: &str, due: bool) -> Status {
        let w = windows();
        let obs = Observation {
            timezone: chrono_tz::Asia::Ho_Chi_Minh,
            windows: Some(&w),
            heard: h,
            current_version: Some("v1"),
            item_due_now: due,
            chain_breaks: 0,
            signature_failures: 0,
        };
        classify(&obs, at(now), &Thresholds::default())
    }

    #[test]
    fn activity_follows_windows_and_items() {
        let h = heard("17:14");
        assert_eq!(status(Some(&h), "17:15", true).state, State::Playing);
        assert_eq!(status(Some(&h), "17:15", false).state, State::IdleInWindow);
        let h = heard("12:00");
        let s = status(Some(&h), "12:01", false);
        assert_eq!(s.state, State::IdleOutsideWindows);
        assert!(s.problems.is_empty() && s.fresh && !s.in_window);
    }

    #[test]
    fn silence_counts_from_the_later_of_last_heartbeat_and_window_start() {
        let h = heard("12:00");
        let s = status(Some(&h), "17:07", false);
        assert_eq!(s.state, State::Silent);
        assert_eq!(s.activity, None);
        assert_eq!(s.silent_in_window_ms, Some(7 * 60_000));
        let h = heard("17:02");
        let s = status(Some(&h), "17:08", false);
        assert_eq!(s.silent_in_window_ms, Some(6 * 60_000));
        // Four minutes without a heartbeat is not yet silence.
        assert_eq!(status(Some(&h), "17:06", false).state, State::IdleInWindow);
        // Never seen: silent, and outside windows no silence "in window" is counted.
        let s = status(None, "12:00", false);
        assert_eq!((s.state, s.silent_in_window_ms), (State::Silent, None));
    }

    #[test]
    fn problems_come_first_most_severe_first() {
        let mut h = heard("17:14");
        h.media_missing = 2;
        h.clock_offset_ms = -1500;
        h.playlist_version = Some("v0".to_owned());
        h.outbox_backlog = 51;
        let s = status(Some(&h), "17:15", true);
        assert_eq!(
            s.problems,
            vec![
                State::MediaNotReady,
                State::ClockOff,
                State::PlaylistBehind,
                State::OutboxBacklog
            ]
        );
        assert_eq!(s.state, State::MediaNotReady);
        assert!(s.has(State::Playing) && s.has(State::ClockOff));
        // A second off by exactly the threshold is not off.
        h = heard("17:14");
        h.clock_offset_ms = 1000;
        assert!(status(Some(&h), "17:15", true).problems.is_empty());
        assert!(State::ALL.windows(2).all(|p| p[0] < p[1]));
        assert!(
            State::ALL
                .iter()
                .all(|s| State::parse(s.as_str()) == Some(*s))
        );
    }
}
