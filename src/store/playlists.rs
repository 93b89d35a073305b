//! Compiling and storing playlists; the planned-items history reports read.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::inputs::{Loaded, load_inputs};
use super::{Store, StoreError};
use crate::domain::{Diagnostic, StationIdx, compile};
use crate::wire::PlaylistJson;

/// A station's stored playlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPlaylist {
    /// Hex SHA-256 of `body`: the HTTP ETag.
    pub etag: String,
    /// The JSON served to the agent.
    pub body: String,
}

/// What a recompile did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecompileSummary {
    /// Stations compiled.
    pub stations: usize,
    /// Stations whose playlist changed (and were written).
    pub changed: usize,
    /// Items in the written playlists.
    pub items: usize,
    /// What the compiler found worth telling a person, for every station compiled
    /// (changed or not), in station order.
    pub diagnostics: Vec<Diagnostic>,
}

/// The playlist of `station`, if one was compiled.
pub async fn fetch_playlist(
    store: &Store,
    station: &str,
) -> Result<Option<StoredPlaylist>, StoreError> {
    let row = sqlx::query("SELECT version, body FROM playlists WHERE station_code = $1")
        .bind(station.to_owned())
        .fetch_optional(store.pool())
        .await?;
    Ok(match row {
        Some(r) => Some(StoredPlaylist {
            etag: r.try_get(0)?,
            body: r.try_get(1)?,
        }),
        None => None,
    })
}

struct Compiled {
    station: String,
    from: String,
    from_ms: i64,
    days: u32,
    etag: String,
    body: String,
    items: Vec<(String, i64, i64, String, String, String)>,
    diagnostics: Vec<Diagnostic>,
}

fn compile_station(loaded: &Loaded, idx: StationIdx, now: DateTime<Utc>, days: u32) -> Compiled {
    let inputs = &loaded.inputs;
    let st = inputs.station(idx);
    let today = now.with_timezone(&st.timezone).date_naive();
    let compiled = compile(inputs, idx, today, days);
    let target = loaded
        .target_lufs
        .get(idx.index())
        .copied()
        .unwrap_or(-16.0);
    let json = PlaylistJson::new(inputs, idx, &compiled, &loaded.segment_media, target);
    let body = serde_json::to_string(&json).unwrap_or_default();
    let etag = Sha256::digest(body.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let from_ms = today
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(st.timezone).earliest())
        .map_or(0, |t| t.timestamp_millis());
    let items = compiled
        .playlist
        .items
        .iter()
        .map(|i| {
            (
                i.id.to_string(),
                i.start.timestamp_millis(),
                i64::from(i.duration_ms),
                inputs.segment(i.segment).id.to_string(),
                inputs.campaigns()[i.campaign].id.to_string(),
                i.priority.as_str().to_owned(),
            )
        })
        .collect();
    Compiled {
        station: st.code.to_string(),
        from: today.to_string(),
        from_ms,
        days,
        etag,
        body,
        items,
        diagnostics: compiled.diagnostics,
    }
}

/// Recompiles `only` these stations (all when `None`) for `days` from each station's
/// local date at `now`, and stores the playlists that changed. Stations' planned items
/// from the new start on are replaced; earlier ones are kept for reports.
pub async fn recompile(
    store: &Store,
    only: Option<&[String]>,
    now: DateTime<Utc>,
    days: u32,
) -> Result<RecompileSummary, StoreError> {
    let loaded = load_inputs(store).await?;
    let wanted: Vec<StationIdx> = match only {
        None => loaded.inputs.station_ids().collect(),
        Some(codes) => codes
            .iter()
            .filter_map(|c| loaded.inputs.station_by_code(c))
            .collect(),
    };
    let current: HashMap<String, (String, String)> =
        sqlx::query("SELECT station_code, version, from_date FROM playlists")
            .fetch_all(store.pool())
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?))))
            .collect::<Result<_, sqlx::Error>>()?;
    let mut compiled: Vec<Compiled> = tokio::task::spawn_blocking(move || {
        wanted
            .iter()
            .map(|&idx| compile_station(&loaded, idx, now, days))
            .collect()
    })
    .await
    .map_err(|e| StoreError::Corrupt {
        what: "compile".to_owned(),
        detail: e.to_string(),
    })?;

    let mut summary = RecompileSummary {
        stations: compiled.len(),
        diagnostics: compiled
            .iter_mut()
            .flat_map(|c| std::mem::take(&mut c.diagnostics))
            .collect(),
        ..Default::default()
    };
    let changed: Vec<&Compiled> = compiled
        .iter()
        .filter(|c| current.get(&c.station) != Some(&(c.etag.clone(), c.from.clone())))
        .collect();
    let now_ms = now.timestamp_millis();
    for chunk in changed.chunks(50) {
        let mut tx = store.pool().begin().await?;
        for c in chunk {
            write_one(&mut tx, c, now_ms).await?;
            summary.changed += 1;
            summary.items += c.items.len();
        }
        tx.commit().await?;
    }
    Ok(summary)
}

async fn write_one(
    tx: &mut sqlx::AnyConnection,
    c: &Compiled,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO playlists (station_code, from_date, days, version, body, compiled_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (station_code) DO UPDATE SET from_date = excluded.from_date, days = excluded.days,
           version = excluded.version, body = excluded.body, compiled_at = excluded.compiled_at",
    )
    .bind(c.station.clone())
    .bind(c.from.clone())
    .bind(i64::from(c.days))
    .bind(c.etag.clone())
    .bind(c.body.clone())
    .bind(now_ms)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM planned_items WHERE station_code = $1 AND start_ms >= $2")
        .bind(c.station.clone())
        .bind(c.from_ms)
        .execute(&mut *tx)
        .await?;
    for rows in c.items.chunks(100) {
        let mut sql = String::from(
            "INSERT INTO planned_items (station_code, item_id, start_ms, duration_ms, segment_id, campaign_id, priority) VALUES ",
        );
        for i in 0..rows.len() {
            let b = i * 7;
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${},${},${},${},${},${},${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7
            ));
        }
        sql.push_str(" ON CONFLICT (station_code, item_id) DO NOTHING");
        // Only placeholders are formatted into the text; values are bound.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (id, start, dur, seg, camp, prio) in rows {
            q = q
                .bind(c.station.clone())
                .bind(id.clone())
                .bind(*start)
                .bind(*dur)
                .bind(seg.clone())
                .bind(camp.clone())
                .bind(prio.clone());
        }
        q.execute(&mut *tx).await?;
    }
    sqlx::query("INSERT INTO events (station_code, kind, payload, at_ms) VALUES ($1, 'playlist_changed', $2, $3)")
        .bind(c.station.clone())
        .bind(format!("{{\"etag\":\"{}\"}}", c.etag))
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
    Ok(())
}
