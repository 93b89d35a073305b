//! The agent's status: what the heartbeat sends, what `status.json` holds for
//! `loa agent status`, and the report that command prints for an operator at the PC.

use std::fmt::Write as _;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Shared;
use super::cache::MediaCache;
use super::local::Local;
use super::playlist;
use crate::wire::HeartbeatJson;

/// What only the running agent knows.
#[derive(Debug, Default)]
pub struct Live {
    /// The last error any loop met.
    pub last_error: Option<String>,
}

/// `status.json`: the last heartbeat, and when it was made.
#[derive(Debug, Serialize, Deserialize)]
pub struct StatusFile {
    /// When, ms since the epoch (station clock).
    pub written_ms: i64,
    /// The heartbeat.
    pub heartbeat: HeartbeatJson,
}

/// Builds the heartbeat from the agent's state now.
pub(super) async fn heartbeat(shared: &Shared) -> HeartbeatJson {
    let now = shared.now();
    let held = shared.held();
    let grace = i64::try_from(shared.config.grace.as_millis()).unwrap_or(60_000);
    let (ready, missing) = readiness(&shared.cache, &held.timeline(now), now - grace);
    let (backlog, _) = shared.local.backlog().await.unwrap_or((0, 0));
    HeartbeatJson {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        playlist_version: held.etag.clone(),
        media_ready: ready,
        media_missing: missing,
        disk_free_bytes: shared.cache.disk_free(),
        clock_offset_ms: shared.sync.offset_ms(),
        outbox_backlog: backlog,
        last_error: shared
            .status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .last_error
            .clone(),
        uptime_s: u64::try_from((shared.clock.now_ms() - shared.started_ms) / 1000).unwrap_or(0),
    }
}

/// Upcoming items (starting after `after_ms`) whose media is cached, and those whose
/// media is not.
fn readiness(cache: &MediaCache, items: &[super::timeline::PlanItem], after_ms: i64) -> (u32, u32) {
    let (mut ready, mut missing) = (0u32, 0u32);
    for i in items.iter().filter(|i| i.start_ms >= after_ms) {
        if cache.has(&i.sha256) {
            ready += 1;
        } else {
            missing += 1;
        }
    }
    (ready, missing)
}

/// Writes `status.json` (best effort: a full disk must not stop the agent).
pub(super) fn write(data_dir: &Path, hb: &HeartbeatJson, shared: &Shared) {
    let file = StatusFile {
        written_ms: shared.clock.now_ms(),
        heartbeat: hb.clone(),
    };
    if let Ok(json) = serde_json::to_vec_pretty(&file) {
        let tmp = data_dir.join("status.json.tmp");
        if std::fs::write(&tmp, json).is_ok() {
            let _ = std::fs::rename(tmp, data_dir.join("status.json"));
        }
    }
}

fn local_time(ms: i64, tz: Option<chrono_tz::Tz>) -> String {
    formatted(ms, tz, "%d/%m/%Y %H:%M:%S")
}

/// `ms` in `tz` as `format` says (in UTC, so marked, without a zone).
fn formatted(ms: i64, tz: Option<chrono_tz::Tz>, format: &str) -> String {
    let Some(t) = DateTime::<Utc>::from_timestamp_millis(ms) else {
        return ms.to_string();
    };
    match tz {
        Some(tz) => t.with_timezone(&tz).format(format).to_string(),
        None => format!("{} UTC", t.format(format)),
    }
}

/// The report `loa agent status` prints: read from the data dir alone, so it works
/// whether or not the agent is running.
pub async fn report(data_dir: &Path, now_ms: i64) -> anyhow::Result<String> {
    anyhow::ensure!(
        data_dir.join("agent.db").is_file(),
        "{} chưa có dữ liệu của trạm (agent.db): trạm chưa chạy lần nào ở đây",
        data_dir.display()
    );
    let local = Local::open(data_dir).await?;
    let held = playlist::load(data_dir, &local).await;
    let cache = MediaCache::new(data_dir, 0);
    let items = held.timeline(now_ms);
    let (ready, missing) = readiness(&cache, &items, now_ms);
    let (backlog, rejected) = local.backlog().await?;
    let done: std::collections::HashSet<String> = local
        .done_since(now_ms - 86_400_000)
        .await?
        .into_iter()
        .collect();
    let mut out = String::new();
    let station = if held.station.is_empty() {
        "(chưa nhận danh sách phát)"
    } else {
        &held.station
    };
    writeln!(out, "Trạm: {station}")?;
    match super::key::load(data_dir) {
        Ok(Some(secret)) => writeln!(out, "Khóa ký của trạm: {}", secret.public().id())?,
        Ok(None) => writeln!(out, "Khóa ký của trạm: chưa có (agent tạo khi chạy)")?,
        Err(e) => writeln!(out, "Khóa ký của trạm: {e:#}")?,
    }
    writeln!(
        out,
        "Danh sách phát: {}",
        held.etag.as_deref().unwrap_or("chưa có")
    )?;
    writeln!(
        out,
        "Tệp âm thanh cho các mục sắp tới: {ready} sẵn sàng, {missing} còn thiếu"
    )?;
    writeln!(
        out,
        "Bản ghi phát sóng chờ gửi: {backlog}{}",
        if rejected > 0 {
            format!(" (bị máy chủ từ chối: {rejected})")
        } else {
            String::new()
        }
    )?;
    match std::fs::read(data_dir.join("status.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<StatusFile>(&b).ok())
    {
        Some(s) => {
            let hb = &s.heartbeat;
            writeln!(
                out,
                "Lần cập nhật trạng thái gần nhất: {}",
                local_time(s.written_ms, held.tz)
            )?;
            writeln!(
                out,
                "Lệch đồng hồ so với máy chủ: {} ms",
                hb.clock_offset_ms
            )?;
            writeln!(
                out,
                "Dung lượng đĩa trống: {} MB",
                hb.disk_free_bytes / 1_000_000
            )?;
            writeln!(
                out,
                "Lỗi gần nhất: {}",
                hb.last_error.as_deref().unwrap_or("không có")
            )?;
        }
        None => writeln!(
            out,
            "Chưa có trạng thái (status.json): agent chưa gửi nhịp tim nào"
        )?,
    }
    writeln!(out, "Mục sắp phát:")?;
    let upcoming: Vec<_> = items
        .iter()
        .filter(|i| i.end_ms() > now_ms && !done.contains(&i.id))
        .take(10)
        .collect();
    if upcoming.is_empty() {
        writeln!(out, "  (không có)")?;
    }
    for i in upcoming {
        let media = if cache.has(&i.sha256) {
            "sẵn sàng"
        } else {
            "CHƯA CÓ TỆP"
        };
        let fallback = if i.fallback {
            " [lịch dự phòng]"
        } else {
            ""
        };
        // Start and end both cut to the second, so back-to-back items show one
        // instant where one ends and the next begins; the length shown is the span
        // between the two times shown, so the three always agree.
        let shown_s = (i.end_ms().div_euclid(1000) - i.start_ms.div_euclid(1000)).max(0);
        writeln!(
            out,
            "  {}–{}  {:>2}:{:02}  {}  {}{}",
            local_time(i.start_ms, held.tz),
            formatted(i.end_ms(), held.tz, "%H:%M:%S"),
            shown_s / 60,
            shown_s % 60,
            i.segment,
            media,
            fallback
        )?;
    }
    local.close().await;
    Ok(out)
}
