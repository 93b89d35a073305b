//! The playlist the agent holds: parsed from the server's JSON, kept on disk as the
//! last good copy (`playlist.json`, replaced atomically), extended past its horizon by
//! the fallback rotation.

use std::borrow::Cow;
use std::path::Path;

use chrono::{DateTime, NaiveDate};
use chrono_tz::Tz;

use super::local::Local;
use super::timeline::{self, PlanItem};
use crate::wire::PlaylistJson;

/// Days of fallback rotation laid out past the horizon at a time.
const FALLBACK_DAYS: u64 = 7;

/// A playlist as the agent holds it.
#[derive(Debug, Clone, Default)]
pub struct Held {
    /// ETag (unquoted), `None` before the first fetch.
    pub etag: Option<String>,
    /// Station code.
    pub station: String,
    /// The station's time zone.
    pub tz: Option<Tz>,
    /// The server's items, in start order.
    pub items: Vec<PlanItem>,
    /// The last local date the server's playlist covers.
    pub last_date: Option<NaiveDate>,
}

/// Why a playlist was refused.
#[derive(Debug, thiserror::Error)]
pub enum PlaylistError {
    /// Not the JSON the server sends.
    #[error("danh sách phát không đọc được: {0}")]
    Json(#[from] serde_json::Error),
    /// An unknown time zone.
    #[error("danh sách phát có múi giờ lạ `{0}`")]
    Timezone(String),
    /// An item with a bad field.
    #[error("mục {id} của danh sách phát không hợp lệ: {why}")]
    Item {
        /// The item.
        id: String,
        /// What is wrong.
        why: String,
    },
}

impl Held {
    /// Parses the server's playlist bytes.
    pub fn parse(etag: &str, bytes: &[u8]) -> Result<Self, PlaylistError> {
        let json: PlaylistJson = serde_json::from_slice(bytes)?;
        let tz: Tz = json
            .timezone
            .parse()
            .map_err(|_| PlaylistError::Timezone(json.timezone.clone()))?;
        let mut items = Vec::with_capacity(json.items.len());
        for i in json.items {
            let start =
                DateTime::parse_from_rfc3339(&i.start).map_err(|e| PlaylistError::Item {
                    id: i.id.clone(),
                    why: format!("start `{}`: {e}", i.start),
                })?;
            items.push(PlanItem {
                id: i.id,
                start_ms: start.timestamp_millis(),
                duration_ms: i.duration_ms,
                segment: i.segment,
                sha256: i.sha256,
                size_bytes: i.size_bytes,
                gain_db: i.gain_db,
                campaign: i.campaign,
                fallback: false,
                relay: i.relay,
            });
        }
        items.sort_by_key(|i| i.start_ms);
        let from: Option<NaiveDate> = json.from.parse().ok();
        let last_date = from
            .and_then(|f| f.checked_add_days(chrono::Days::new(u64::from(json.days.max(1)) - 1)));
        Ok(Self {
            etag: Some(etag.to_owned()),
            station: json.station,
            tz: Some(tz),
            items,
            last_date,
        })
    }

    /// The server's items plus, for the days from past the horizon to a week after
    /// `now_ms`, the fallback rotation.
    pub fn timeline(&self, now_ms: i64) -> Cow<'_, [PlanItem]> {
        let (Some(tz), Some(last)) = (self.tz, self.last_date) else {
            return Cow::Borrowed(&self.items);
        };
        let today = DateTime::from_timestamp_millis(now_ms)
            .map_or(last, |t| t.with_timezone(&tz).date_naive());
        let Some(first_fallback) = last.succ_opt() else {
            return Cow::Borrowed(&self.items);
        };
        let until = today
            .checked_add_days(chrono::Days::new(FALLBACK_DAYS))
            .unwrap_or(today);
        if until < first_fallback {
            return Cow::Borrowed(&self.items);
        }
        // Past days were already decided; start the rotation no earlier than yesterday.
        let from = first_fallback.max(today.pred_opt().unwrap_or(today));
        let mut all = self.items.clone();
        all.extend(timeline::fallback_rotation(
            &self.station,
            tz,
            &self.items,
            from,
            until,
        ));
        Cow::Owned(all)
    }
}

/// Writes `bytes` as the held playlist (atomically: a power cut leaves the old or the
/// new one, never half of one) and its ETag.
pub async fn save(data_dir: &Path, local: &Local, etag: &str, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = data_dir.join("playlist.json.tmp");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, data_dir.join("playlist.json"))?;
    local
        .set("playlist_etag", etag)
        .await
        .map_err(std::io::Error::other)?;
    Ok(())
}

/// The playlist held on disk, or an empty one.
pub async fn load(data_dir: &Path, local: &Local) -> Held {
    let Ok(bytes) = std::fs::read(data_dir.join("playlist.json")) else {
        return Held::default();
    };
    let etag = local
        .get("playlist_etag")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    match Held::parse(&etag, &bytes) {
        Ok(h) => h,
        Err(e) => {
            tracing::error!(error = %e, "danh sách phát đã lưu không đọc được; chờ tải lại");
            Held::default()
        }
    }
}
