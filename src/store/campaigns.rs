//! Campaigns written through the console: reading, creating, replacing and deleting the
//! stored [`CampaignSpec`] together with its audit entry, in one transaction each.
//!
//! Validation is the caller's (it needs the whole schedule); this module only keeps
//! the row and its denormalised columns in step with the spec.

use std::collections::HashMap;

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, StoreError};
use crate::wire::CampaignSpec;

/// A stored campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignRow {
    /// The campaign as written.
    pub spec: CampaignSpec,
    /// The area that owns it: accounts in this area's subtree see and change it.
    pub owner_area: String,
    /// Last change, ms since the epoch.
    pub updated_at_ms: i64,
}

fn from_row(row: &AnyRow) -> Result<CampaignRow, StoreError> {
    let id: String = row.try_get(0)?;
    let spec: String = row.try_get(1)?;
    Ok(CampaignRow {
        spec: serde_json::from_str(&spec).map_err(|e| StoreError::Corrupt {
            what: format!("campaign {id}"),
            detail: e.to_string(),
        })?,
        owner_area: row.try_get(2)?,
        updated_at_ms: row.try_get(3)?,
    })
}

/// Every campaign, by id.
pub async fn list_campaigns(store: &Store) -> Result<Vec<CampaignRow>, StoreError> {
    sqlx::query("SELECT id, spec, area_code, updated_at FROM campaigns ORDER BY id")
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// One campaign.
pub async fn get_campaign(store: &Store, id: &str) -> Result<Option<CampaignRow>, StoreError> {
    sqlx::query("SELECT id, spec, area_code, updated_at FROM campaigns WHERE id = $1")
        .bind(id.to_owned())
        .fetch_optional(store.pool())
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The owner area of every approved segment, by segment id (which segments a campaign
/// written in an area may use).
pub async fn approved_segment_owners(store: &Store) -> Result<HashMap<String, String>, StoreError> {
    sqlx::query("SELECT id, area_code FROM segments WHERE approved_at IS NOT NULL")
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

fn spec_json(spec: &CampaignSpec) -> Result<String, StoreError> {
    serde_json::to_string(spec).map_err(|e| StoreError::Corrupt {
        what: format!("campaign {}", spec.id),
        detail: e.to_string(),
    })
}

/// Whether a failed statement broke a uniqueness rule (the id is taken).
pub fn is_unique_violation(e: &StoreError) -> bool {
    matches!(e, StoreError::Sql(sqlx::Error::Database(db)) if db.is_unique_violation())
}

/// Stores a new campaign owned by `owner_area`; fails with a unique violation (see
/// [`is_unique_violation`]) when the id is taken.
pub async fn insert_campaign(
    store: &Store,
    spec: &CampaignSpec,
    owner_area: &str,
    actor: &str,
) -> Result<(), StoreError> {
    let json = spec_json(spec)?;
    let mut tx = store.pool().begin().await?;
    sqlx::query(
        "INSERT INTO campaigns (id, name, from_date, until_date, priority, min_airings_per_day, area_code, spec, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(spec.id.clone())
    .bind(spec.name.clone())
    .bind(spec.from.to_string())
    .bind(spec.until.to_string())
    .bind(spec.priority.clone())
    .bind(i64::from(spec.min_airings_per_day))
    .bind(owner_area.to_owned())
    .bind(json.clone())
    .bind(chrono::Utc::now().timestamp_millis())
    .execute(&mut *tx)
    .await?;
    super::audit::record(&mut tx, actor, "campaign.create", &spec.id, &json).await?;
    tx.commit().await?;
    Ok(())
}

/// Replaces the spec of campaign `spec.id`, keeping its owner. Returns false when it no
/// longer exists.
pub async fn replace_campaign(
    store: &Store,
    spec: &CampaignSpec,
    actor: &str,
) -> Result<bool, StoreError> {
    let json = spec_json(spec)?;
    let mut tx = store.pool().begin().await?;
    let done = sqlx::query(
        "UPDATE campaigns SET name = $1, from_date = $2, until_date = $3, priority = $4,
           min_airings_per_day = $5, spec = $6, updated_at = $7 WHERE id = $8",
    )
    .bind(spec.name.clone())
    .bind(spec.from.to_string())
    .bind(spec.until.to_string())
    .bind(spec.priority.clone())
    .bind(i64::from(spec.min_airings_per_day))
    .bind(json.clone())
    .bind(chrono::Utc::now().timestamp_millis())
    .bind(spec.id.clone())
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    super::audit::record(&mut tx, actor, "campaign.update", &spec.id, &json).await?;
    tx.commit().await?;
    Ok(true)
}

/// Deletes campaign `id`, recording what it was. Items already planned stay in the
/// history for reports. Returns false when it did not exist.
pub async fn delete_campaign(store: &Store, id: &str, actor: &str) -> Result<bool, StoreError> {
    let mut tx = store.pool().begin().await?;
    let old = sqlx::query("DELETE FROM campaigns WHERE id = $1 RETURNING spec")
        .bind(id.to_owned())
        .fetch_optional(&mut *tx)
        .await?;
    let Some(old) = old else { return Ok(false) };
    let spec: String = old.try_get(0)?;
    super::audit::record(&mut tx, actor, "campaign.delete", id, &spec).await?;
    tx.commit().await?;
    Ok(true)
}
