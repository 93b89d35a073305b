//! The alert rules on hand-made statuses, and the digest's wording and bound.

use std::collections::HashSet;

use chrono::TimeZone;

use super::*;
use crate::domain::{Heard, Thresholds, WeekdaySet, Window, Windows, classify};

const TZ: Tz = chrono_tz::Asia::Ho_Chi_Minh;

/// `hh:mm` local on Monday 2 March 2026, ms since the epoch.
fn at(h: u32, m: u32) -> i64 {
    TZ.with_ymd_and_hms(2026, 3, 2, h, m, 0)
        .single()
        .expect("local time")
        .timestamp_millis()
}

fn windows() -> Windows {
    let w = Window::parse_range(WeekdaySet::ALL, "17:00-18:00").expect("window");
    Windows::new(vec![w]).expect("windows")
}

fn heard(at_ms: i64, media_missing: u32, clock_offset_ms: i64) -> Heard {
    Heard {
        at_ms,
        playlist_version: None,
        media_missing,
        clock_offset_ms,
        outbox_backlog: 0,
    }
}

fn signal_of(kind: AlertKind, h: Option<&Heard>, now_ms: i64, due: bool, breaks: u64) -> Signal {
    let w = windows();
    let obs = Observation {
        timezone: TZ,
        windows: Some(&w),
        heard: h,
        current_version: None,
        item_due_now: due,
        chain_breaks: breaks,
        signature_failures: 0,
    };
    let now = chrono::DateTime::from_timestamp_millis(now_ms).expect("now");
    let status = classify(&obs, now, &Thresholds::default());
    let limits = AlertLimits {
        silent_ms: 5 * 60_000,
        watching_since_ms: at(12, 0),
    };
    signals(&obs, &status, now_ms, &limits)
        .into_iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, s)| s)
        .expect("every kind has a signal")
}

#[test]
fn silence_opens_after_the_limit_inside_a_window_and_clears_on_a_heartbeat() {
    let h = heard(at(16, 50), 0, 0);
    // 3 minutes into the window: not yet.
    assert_eq!(
        signal_of(AlertKind::Silent, Some(&h), at(17, 3), false, 0),
        Signal::Hold
    );
    let Signal::Open(text) = signal_of(AlertKind::Silent, Some(&h), at(17, 10), false, 0) else {
        panic!("silent for 10 minutes of its window");
    };
    assert_eq!(
        text,
        "không có tín hiệu 10 phút trong khung phát; lần cuối 16:50 02/03/2026"
    );
    // Outside windows a stale station holds; a fresh heartbeat clears.
    assert_eq!(
        signal_of(AlertKind::Silent, Some(&h), at(19, 0), false, 0),
        Signal::Hold
    );
    let back = heard(at(17, 14), 0, 0);
    assert_eq!(
        signal_of(AlertKind::Silent, Some(&back), at(17, 15), false, 0),
        Signal::Clear
    );
    // Never seen: not installed yet, never alerted.
    assert_eq!(
        signal_of(AlertKind::Silent, None, at(17, 30), false, 0),
        Signal::Hold
    );
}

#[test]
fn media_opens_only_at_air_time_and_the_clock_beyond_a_second() {
    let h = heard(at(17, 14), 2, 1500);
    assert_eq!(
        signal_of(AlertKind::MediaMissing, Some(&h), at(17, 15), true, 0),
        Signal::Open("2 mục sắp phát chưa có tệp âm thanh trên máy trạm".to_owned())
    );
    // Between items the gap neither opens nor clears.
    assert_eq!(
        signal_of(AlertKind::MediaMissing, Some(&h), at(17, 15), false, 0),
        Signal::Hold
    );
    let ok = heard(at(17, 14), 0, 1000);
    assert_eq!(
        signal_of(AlertKind::MediaMissing, Some(&ok), at(17, 15), true, 0),
        Signal::Clear
    );
    assert_eq!(
        signal_of(AlertKind::ClockOff, Some(&h), at(17, 15), false, 0),
        Signal::Open("đồng hồ trạm lệch +1,5 giây so với máy chủ".to_owned())
    );
    assert_eq!(
        signal_of(AlertKind::ClockOff, Some(&ok), at(17, 15), false, 0),
        Signal::Clear
    );
    // A stale heartbeat says nothing about the clock.
    assert_eq!(
        signal_of(AlertKind::ClockOff, Some(&h), at(18, 30), false, 0),
        Signal::Hold
    );
    assert_eq!(
        signal_of(AlertKind::ChainBreak, None, at(17, 15), false, 2),
        Signal::Open("2 chỗ đứt chuỗi nhật ký phát gần đây".to_owned())
    );
    assert_eq!(seconds_vi(-2000), "-2");
}

#[test]
fn changes_open_once_and_close_what_cleared_or_vanished() {
    let open: HashSet<(String, AlertKind)> = [
        ("a".to_owned(), AlertKind::Silent),
        ("gone".to_owned(), AlertKind::ClockOff),
    ]
    .into();
    let observed = vec![
        ("a", AlertKind::Silent, Signal::Open("again".to_owned())),
        ("b", AlertKind::Silent, Signal::Open("new".to_owned())),
        ("b", AlertKind::ClockOff, Signal::Clear),
        ("a", AlertKind::ClockOff, Signal::Hold),
    ];
    assert_eq!(
        changes(&open, observed),
        vec![
            Change::Opened {
                station: "b".to_owned(),
                kind: AlertKind::Silent,
                detail: "new".to_owned()
            },
            Change::Closed {
                station: "gone".to_owned(),
                kind: AlertKind::ClockOff
            },
        ]
    );
}

fn notice(station: &str, kind: AlertKind, opened: bool) -> Notice {
    Notice {
        station: station.to_owned(),
        station_name: format!("Trạm {station}"),
        area_name: "Phường Phan Đình Phùng".to_owned(),
        timezone: TZ,
        kind,
        detail: "chi tiết".to_owned(),
        opened,
        at_ms: at(17, 14),
    }
}

#[test]
fn a_digest_lists_a_bounded_number_of_stations_and_counts_the_rest() {
    let notices = vec![
        notice("05443", AlertKind::Silent, true),
        notice("05443", AlertKind::ClockOff, true),
        notice("05710", AlertKind::Silent, true),
        notice("05500", AlertKind::MediaMissing, true),
        notice("05467", AlertKind::Silent, false),
    ];
    let d = digest("Tỉnh Thái Nguyên", &notices, 2);
    assert_eq!(
        d.subject,
        "[loa] Tỉnh Thái Nguyên: 3 trạm có sự cố mới, 1 trạm đã hết sự cố"
    );
    assert!(d.text.contains("Sự cố mới (3 trạm):\n- 05443 Trạm 05443 (Phường Phan Đình Phùng): mất tín hiệu trong khung phát (chi tiết); lệch đồng hồ (chi tiết)\n"), "{}", d.text);
    // Stations in code order: 05443, 05500 listed; 05710 counted.
    assert!(
        d.text
            .contains("- … và 1 trạm khác (mất tín hiệu trong khung phát: 1)"),
        "{}",
        d.text
    );
    assert!(d.text.contains("Đã khắc phục (1 trạm):\n- 05467 Trạm 05467 (Phường Phan Đình Phùng): hết mất tín hiệu trong khung phát lúc 17:14 02/03/2026"), "{}", d.text);
    assert_eq!(d.listed, vec![0, 1, 3, 4]);
    assert_eq!((d.more_opened, d.more_closed), (1, 0));
    let only_recovery = digest("X", &notices[4..], 20);
    assert_eq!(only_recovery.subject, "[loa] X: 1 trạm đã hết sự cố");
    assert!(!only_recovery.text.contains("Sự cố mới"));
}
