//! The segment library as rows: reading segments, adding an uploaded one and approving
//! it, each write with its audit entry in the same transaction, and which stations a
//! segment can reach through the campaigns that list it.
//!
//! Who may see or change a segment is the server's business; the audio itself lives in
//! the media folder, written by the caller before the row.

use std::collections::{BTreeSet, HashSet};

use chrono::NaiveDate;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, StoreError};
use crate::wire::CampaignSpec;

/// A stored segment, with the names of the accounts that uploaded and approved it.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentRow {
    /// Identifier.
    pub id: String,
    /// Title, NFC.
    pub title: String,
    /// Language code.
    pub language: String,
    /// Translation group (a segment id).
    pub group: String,
    /// Topic tags, NFC.
    pub tags: Vec<String>,
    /// Duration measured by decoding, ms.
    pub duration_ms: i64,
    /// Hex SHA-256 of the audio.
    pub sha256: String,
    /// Size of the audio, bytes.
    pub size_bytes: i64,
    /// Container (`mp3`, `ogg`, `flac`, `wav`).
    pub format: String,
    /// EBU R128 integrated loudness, LUFS.
    pub loudness_lufs: Option<f64>,
    /// First local date it may air.
    pub valid_from: Option<String>,
    /// Last local date it may air.
    pub valid_until: Option<String>,
    /// The area that owns it.
    pub area_code: String,
    /// Account that uploaded it (none for imported schedule files).
    pub uploaded_by: Option<i64>,
    /// That account's username.
    pub uploaded_by_name: Option<String>,
    /// Account that approved it (none for imported files, which count as approved).
    pub approved_by: Option<i64>,
    /// That account's username.
    pub approved_by_name: Option<String>,
    /// When it was approved, ms since the epoch; `None` while it waits.
    pub approved_at_ms: Option<i64>,
    /// When it was added, ms since the epoch.
    pub created_at_ms: i64,
}

/// A segment about to be added.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSegment {
    /// Identifier (validated).
    pub id: String,
    /// Title, NFC.
    pub title: String,
    /// Language code (validated).
    pub language: String,
    /// Translation group.
    pub group: String,
    /// Topic tags, NFC.
    pub tags: Vec<String>,
    /// Measured duration, ms.
    pub duration_ms: u32,
    /// Hex SHA-256 of the audio.
    pub sha256: String,
    /// Size, bytes.
    pub size_bytes: i64,
    /// Container.
    pub format: String,
    /// Measured loudness, LUFS.
    pub loudness_lufs: Option<f64>,
    /// First local date it may air.
    pub valid_from: Option<NaiveDate>,
    /// Last local date it may air.
    pub valid_until: Option<NaiveDate>,
    /// Owner area.
    pub area_code: String,
    /// Uploading account.
    pub uploaded_by: i64,
}

/// What adding a segment did.
#[derive(Debug, Clone, PartialEq)]
pub enum Added {
    /// The row was written.
    New(Box<SegmentRow>),
    /// The same audio is already in the library (possibly under another id).
    SameAudio(Box<SegmentRow>),
    /// The id is taken by other audio.
    IdTaken,
}

const SELECT: &str =
    "SELECT s.id, s.title, s.language, s.group_id, s.tags, s.duration_ms, s.sha256,
       s.size_bytes, s.format, s.loudness_lufs, s.valid_from, s.valid_until, s.area_code,
       s.uploaded_by, u.username, s.approved_by, a.username, s.approved_at, s.created_at
     FROM segments s LEFT JOIN accounts u ON u.id = s.uploaded_by
       LEFT JOIN accounts a ON a.id = s.approved_by";

fn from_row(r: &AnyRow) -> Result<SegmentRow, StoreError> {
    let id: String = r.try_get(0)?;
    let tags: String = r.try_get(4)?;
    Ok(SegmentRow {
        tags: serde_json::from_str(&tags).map_err(|e| StoreError::Corrupt {
            what: format!("segment {id}"),
            detail: e.to_string(),
        })?,
        id,
        title: r.try_get(1)?,
        language: r.try_get(2)?,
        group: r.try_get(3)?,
        duration_ms: r.try_get(5)?,
        sha256: r.try_get(6)?,
        size_bytes: r.try_get(7)?,
        format: r.try_get(8)?,
        loudness_lufs: r.try_get(9)?,
        valid_from: r.try_get(10)?,
        valid_until: r.try_get(11)?,
        area_code: r.try_get(12)?,
        uploaded_by: r.try_get(13)?,
        uploaded_by_name: r.try_get(14)?,
        approved_by: r.try_get(15)?,
        approved_by_name: r.try_get(16)?,
        approved_at_ms: r.try_get(17)?,
        created_at_ms: r.try_get(18)?,
    })
}

/// Every segment, by id.
pub async fn list_segments(store: &Store) -> Result<Vec<SegmentRow>, StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} ORDER BY s.id")))
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// The segment `id`.
pub async fn get_segment(store: &Store, id: &str) -> Result<Option<SegmentRow>, StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE s.id = $1")))
        .bind(id.to_owned())
        .fetch_optional(store.pool())
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The segment whose audio has this hex SHA-256.
pub async fn segment_by_sha(store: &Store, sha256: &str) -> Result<Option<SegmentRow>, StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE s.sha256 = $1")))
        .bind(sha256.to_owned())
        .fetch_optional(store.pool())
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Adds `new`, unapproved, recording `actor` and `detail` in the audit log. Two
/// uploads racing with the same audio or id both end well: one writes, the other learns
/// what is there.
pub async fn add_segment(
    store: &Store,
    new: &NewSegment,
    actor: &str,
    detail: &str,
) -> Result<Added, StoreError> {
    let tags = serde_json::to_string(&new.tags).map_err(|e| StoreError::Corrupt {
        what: format!("segment {}", new.id),
        detail: e.to_string(),
    })?;
    let mut tx = store.begin_write().await?;
    let inserted = sqlx::query(
        "INSERT INTO segments (id, title, language, group_id, tags, duration_ms, sha256, size_bytes, format,
           loudness_lufs, valid_from, valid_until, area_code, uploaded_by, approved_by, approved_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, NULL, NULL, $15)",
    )
    .bind(new.id.clone())
    .bind(new.title.clone())
    .bind(new.language.clone())
    .bind(new.group.clone())
    .bind(tags)
    .bind(i64::from(new.duration_ms))
    .bind(new.sha256.clone())
    .bind(new.size_bytes)
    .bind(new.format.clone())
    .bind(new.loudness_lufs)
    .bind(new.valid_from.map(|d| d.to_string()))
    .bind(new.valid_until.map(|d| d.to_string()))
    .bind(new.area_code.clone())
    .bind(new.uploaded_by)
    .bind(chrono::Utc::now().timestamp_millis())
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => {}
        Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
            drop(tx);
            return Ok(match segment_by_sha(store, &new.sha256).await? {
                Some(existing) => Added::SameAudio(Box::new(existing)),
                None => Added::IdTaken,
            });
        }
        Err(e) => return Err(e.into()),
    }
    super::audit::record(&mut tx, actor, "segment.upload", &new.id, detail).await?;
    tx.commit().await?;
    let row = get_segment(store, &new.id)
        .await?
        .ok_or_else(|| StoreError::Corrupt {
            what: format!("segment {}", new.id),
            detail: "vanished after insert".to_owned(),
        })?;
    Ok(Added::New(Box::new(row)))
}

/// Marks `id` approved by `account` now. Returns false when it was already approved
/// (or does not exist); nothing is written then.
pub async fn approve_segment(
    store: &Store,
    id: &str,
    account: i64,
    actor: &str,
) -> Result<bool, StoreError> {
    let mut tx = store.begin_write().await?;
    let done = sqlx::query(
        "UPDATE segments SET approved_by = $1, approved_at = $2 WHERE id = $3 AND approved_at IS NULL",
    )
    .bind(account)
    .bind(chrono::Utc::now().timestamp_millis())
    .bind(id.to_owned())
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    super::audit::record(&mut tx, actor, "segment.approve", id, "").await?;
    tx.commit().await?;
    Ok(true)
}

/// Codes of the stations whose playlists `id` can enter: those in the target areas of
/// every campaign whose pool lists the segment or a translation of it (the compiler
/// gives each station the variant in its language).
pub async fn stations_reached(store: &Store, id: &str) -> Result<Vec<String>, StoreError> {
    let siblings: HashSet<String> = sqlx::query(
        "SELECT id FROM segments WHERE group_id = (SELECT group_id FROM segments WHERE id = $1)
         UNION SELECT $1",
    )
    .bind(id.to_owned())
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| r.try_get(0))
    .collect::<Result<_, _>>()?;
    let mut roots = BTreeSet::new();
    for row in sqlx::query("SELECT id, spec FROM campaigns")
        .fetch_all(store.pool())
        .await?
    {
        let campaign: String = row.try_get(0)?;
        let spec: CampaignSpec =
            serde_json::from_str(&row.try_get::<String, _>(1)?).map_err(|e| {
                StoreError::Corrupt {
                    what: format!("campaign {campaign}"),
                    detail: e.to_string(),
                }
            })?;
        if spec.pool.iter().any(|s| siblings.contains(s)) {
            roots.extend(spec.areas);
        }
    }
    let mut stations = BTreeSet::new();
    for root in roots {
        stations.extend(stations_under(store, &root).await?.into_iter().map(|s| s.0));
    }
    Ok(stations.into_iter().collect())
}

/// The stations in the subtree of `area` (its own and all below), with their target
/// loudness, by code.
pub async fn stations_under(store: &Store, area: &str) -> Result<Vec<(String, f64)>, StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "{}SELECT code, target_lufs FROM stations WHERE area_code IN (SELECT code FROM subtree)
         ORDER BY code",
        super::areas::SUBTREE_CTE
    )))
    .bind(area.to_owned())
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
    .collect()
}
