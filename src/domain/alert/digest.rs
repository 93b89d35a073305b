//! The digest: what one subscription is told at one interval, as a subject and a plain
//! text in Vietnamese. New problems first, then those that cleared; each section lists
//! at most a given number of stations and counts the rest by kind.

use std::collections::BTreeMap;

use chrono_tz::Tz;

use super::{AlertKind, local_time_vi};

/// One thing to tell: a problem that opened or closed at a station.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Station code.
    pub station: String,
    /// Station name.
    pub station_name: String,
    /// Name of the station's area.
    pub area_name: String,
    /// The station's time zone (times are written in it).
    pub timezone: Tz,
    /// Which problem.
    pub kind: AlertKind,
    /// What was said when it opened.
    pub detail: String,
    /// Opened (true) or cleared (false).
    pub opened: bool,
    /// When it opened or cleared, ms since the epoch.
    pub at_ms: i64,
}

/// A message ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// Subject line.
    pub subject: String,
    /// Plain text body.
    pub text: String,
    /// Indexes of the notices listed one by one (the others are only counted).
    pub listed: Vec<usize>,
    /// Stations with new problems not listed.
    pub more_opened: usize,
    /// Stations whose problems cleared not listed.
    pub more_closed: usize,
}

/// The section of `opened` notices: its lines, the notices listed, the stations left.
fn section(
    notices: &[Notice],
    opened: bool,
    max_stations: usize,
) -> (usize, Vec<String>, Vec<usize>, usize) {
    let mut by_station: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, n) in notices
        .iter()
        .enumerate()
        .filter(|(_, n)| n.opened == opened)
    {
        by_station.entry(n.station.as_str()).or_default().push(i);
    }
    let stations = by_station.len();
    let mut lines = Vec::new();
    let mut listed = Vec::new();
    let mut rest: BTreeMap<AlertKind, usize> = BTreeMap::new();
    for (k, (_, indexes)) in by_station.iter().enumerate() {
        if k >= max_stations {
            for &i in indexes {
                *rest.entry(notices[i].kind).or_default() += 1;
            }
            continue;
        }
        let first = &notices[indexes[0]];
        let what: Vec<String> = indexes
            .iter()
            .map(|&i| {
                let n = &notices[i];
                if opened {
                    format!("{} ({})", n.kind.label_vi(), n.detail)
                } else {
                    format!(
                        "hết {} lúc {}",
                        n.kind.label_vi(),
                        local_time_vi(n.timezone, n.at_ms)
                    )
                }
            })
            .collect();
        lines.push(format!(
            "- {} {} ({}): {}",
            first.station,
            first.station_name,
            first.area_name,
            what.join("; ")
        ));
        listed.extend(indexes);
    }
    let more = stations.saturating_sub(max_stations);
    if more > 0 {
        let kinds: Vec<String> = rest
            .iter()
            .map(|(k, n)| format!("{}: {n}", k.label_vi()))
            .collect();
        lines.push(format!("- … và {more} trạm khác ({})", kinds.join(", ")));
    }
    (stations, lines, listed, more)
}

/// The digest of `notices` for a subscription over `scope_name`, listing at most
/// `max_stations` stations per section (at least one).
pub fn digest(scope_name: &str, notices: &[Notice], max_stations: usize) -> Digest {
    let max = max_stations.max(1);
    let (opened, new_lines, mut listed, more_opened) = section(notices, true, max);
    let (closed, done_lines, done_listed, more_closed) = section(notices, false, max);
    listed.extend(done_listed);
    let mut parts = Vec::new();
    if opened > 0 {
        parts.push(format!("{opened} trạm có sự cố mới"));
    }
    if closed > 0 {
        parts.push(format!("{closed} trạm đã hết sự cố"));
    }
    let subject = format!("[loa] {scope_name}: {}", parts.join(", "));
    let mut text = format!("Cảnh báo trạm truyền thanh – {scope_name}\n");
    if opened > 0 {
        text.push_str(&format!("\nSự cố mới ({opened} trạm):\n"));
        for l in &new_lines {
            text.push_str(l);
            text.push('\n');
        }
    }
    if closed > 0 {
        text.push_str(&format!("\nĐã khắc phục ({closed} trạm):\n"));
        for l in &done_lines {
            text.push_str(l);
            text.push('\n');
        }
    }
    text.push_str(
        "\nTrạng thái hiện tại của từng trạm: trang Tổng quan của loa (GET /api/v1/fleet).\n",
    );
    Digest {
        subject,
        text,
        listed,
        more_opened,
        more_closed,
    }
}
