//! Alerts: which station problems are worth telling someone, when a told problem has
//! cleared, and the digest that tells them (one message per subscription and interval,
//! in Vietnamese, listing at most a bounded number of stations).
//!
//! Pure: it reads the [`Status`] the fleet classifier gave and the problems already
//! open, and returns what opened and what closed; the server stores and sends.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{Observation, State, Status};

/// A problem alerted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AlertKind {
    /// Silent during its windows for longer than the limit.
    Silent,
    /// Media missing while an item is due.
    MediaMissing,
    /// A break in the airing chain.
    ChainBreak,
    /// An airing refused for its signature.
    SignatureFailure,
    /// Its clock off by more than the limit.
    ClockOff,
}

impl AlertKind {
    /// Every kind, in the order messages list them.
    pub const ALL: [AlertKind; 5] = [
        Self::Silent,
        Self::MediaMissing,
        Self::ChainBreak,
        Self::SignatureFailure,
        Self::ClockOff,
    ];

    /// The stored keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Silent => "silent",
            Self::MediaMissing => "media_missing",
            Self::ChainBreak => "chain_break",
            Self::SignatureFailure => "signature_failure",
            Self::ClockOff => "clock_off",
        }
    }

    /// Parses the keyword.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// What an officer reads.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Silent => "mất tín hiệu trong khung phát",
            Self::MediaMissing => "thiếu tệp âm thanh khi đến giờ phát",
            Self::ChainBreak => "đứt chuỗi nhật ký phát",
            Self::SignatureFailure => "chữ ký bản ghi phát không hợp lệ",
            Self::ClockOff => "lệch đồng hồ",
        }
    }
}

/// What one check says about one kind of problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// The problem is there (opens an alert unless one is open), with what to say.
    Open(String),
    /// The problem is gone (closes an open alert).
    Clear,
    /// Nothing can be told (a stale heartbeat): an open alert stays open, none opens.
    Hold,
}

/// Limits of the alert checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertLimits {
    /// Silent during a window for longer than this opens an alert, ms.
    pub silent_ms: i64,
    /// Silence is counted from no earlier than this instant (when the server began
    /// watching: heartbeats it could not receive while it was down are not silence).
    pub watching_since_ms: i64,
}

/// `hh:mm dd/mm/yyyy` in `tz`.
pub fn local_time_vi(tz: Tz, at_ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(at_ms)
        .unwrap_or_default()
        .with_timezone(&tz)
        .format("%H:%M %d/%m/%Y")
        .to_string()
}

/// The signal of each kind for one station.
pub fn signals(
    obs: &Observation<'_>,
    status: &Status,
    now_ms: i64,
    limits: &AlertLimits,
) -> [(AlertKind, Signal); 5] {
    let heard = obs.heard;
    let silent = match (heard, status.silent_in_window_ms) {
        // A station never heard from is not installed yet: the dashboard shows it, no
        // alert is sent about it.
        (None, _) => Signal::Hold,
        (Some(_), _) if status.fresh => Signal::Clear,
        (Some(h), Some(ms)) if ms.min(now_ms - limits.watching_since_ms) > limits.silent_ms => {
            Signal::Open(format!(
                "không có tín hiệu {} phút trong khung phát; lần cuối {}",
                ms / 60_000,
                local_time_vi(obs.timezone, h.at_ms)
            ))
        }
        _ => Signal::Hold,
    };
    let from_heartbeat = |problem: State, open: Option<String>| match (status.fresh, open) {
        (false, _) => Signal::Hold,
        (true, Some(text)) if status.problems.contains(&problem) => Signal::Open(text),
        (true, _) if !status.problems.contains(&problem) => Signal::Clear,
        (true, _) => Signal::Hold,
    };
    let media = from_heartbeat(
        State::MediaNotReady,
        heard.filter(|_| obs.item_due_now).map(|h| {
            format!(
                "{} mục sắp phát chưa có tệp âm thanh trên máy trạm",
                h.media_missing
            )
        }),
    );
    let clock = from_heartbeat(
        State::ClockOff,
        heard.map(|h| {
            format!(
                "đồng hồ trạm lệch {} giây so với máy chủ",
                seconds_vi(h.clock_offset_ms)
            )
        }),
    );
    let counted = |n: u64, what: &str| {
        if n > 0 {
            Signal::Open(format!("{n} {what} gần đây"))
        } else {
            Signal::Clear
        }
    };
    [
        (AlertKind::Silent, silent),
        (AlertKind::MediaMissing, media),
        (
            AlertKind::ChainBreak,
            counted(obs.chain_breaks, "chỗ đứt chuỗi nhật ký phát"),
        ),
        (
            AlertKind::SignatureFailure,
            counted(obs.signature_failures, "bản ghi phát bị từ chối vì chữ ký"),
        ),
        (AlertKind::ClockOff, clock),
    ]
}

/// Milliseconds as signed seconds with a decimal comma: `+1,5`, `-2`.
fn seconds_vi(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "+" };
    let tenths = (ms.abs() + 50) / 100;
    if tenths % 10 == 0 {
        format!("{sign}{}", tenths / 10)
    } else {
        format!("{sign}{},{}", tenths / 10, tenths % 10)
    }
}

/// A change to the open alerts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A problem to alert on, with what to say.
    Opened {
        /// Station code.
        station: String,
        /// Which problem.
        kind: AlertKind,
        /// What to say.
        detail: String,
    },
    /// An alerted problem that cleared (or whose station is gone).
    Closed {
        /// Station code.
        station: String,
        /// Which problem.
        kind: AlertKind,
    },
}

/// What changes given the alerts `open` now and each station's signals; an open alert
/// of a station not observed any more closes.
pub fn changes<'a>(
    open: &HashSet<(String, AlertKind)>,
    observed: impl IntoIterator<Item = (&'a str, AlertKind, Signal)>,
) -> Vec<Change> {
    let mut out = Vec::new();
    let mut seen: HashSet<(&str, AlertKind)> = HashSet::new();
    for (station, kind, signal) in observed {
        seen.insert((station, kind));
        let is_open = open.contains(&(station.to_owned(), kind));
        match signal {
            Signal::Open(detail) if !is_open => out.push(Change::Opened {
                station: station.to_owned(),
                kind,
                detail,
            }),
            Signal::Clear if is_open => out.push(Change::Closed {
                station: station.to_owned(),
                kind,
            }),
            _ => {}
        }
    }
    let mut gone: Vec<&(String, AlertKind)> = open
        .iter()
        .filter(|(s, k)| !seen.contains(&(s.as_str(), *k)))
        .collect();
    gone.sort();
    out.extend(gone.into_iter().map(|(station, kind)| Change::Closed {
        station: station.clone(),
        kind: *kind,
    }));
    out
}

mod digest;

pub use digest::{Digest, Notice, digest};

#[cfg(test)]
mod tests;
