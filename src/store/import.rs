//! Writing a whole schedule set (areas, windows, stations, library, campaigns) into the
//! database in one transaction: the seed of a new server and `loa schedule import`.

use sqlx::Row;

use super::media::MediaDir;
use super::{Store, StoreError};
use crate::domain::{Inputs, Windows};
use crate::schedule_file::ScheduleSet;
use crate::wire::CampaignSpec;

/// What an import wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Areas written.
    pub areas: usize,
    /// Stations written.
    pub stations: usize,
    /// Segments written.
    pub segments: usize,
    /// Campaigns written.
    pub campaigns: usize,
    /// What the user should know about the audio although it was imported (digital
    /// silence, …), each naming the segment and its file, in Vietnamese.
    pub warnings: Vec<String>,
}

/// Renders windows the way they are stored: `DAYS HH:MM-HH:MM;…`.
pub(crate) fn windows_to_text(w: &Windows) -> String {
    w.list()
        .iter()
        .map(|w| format!("{} {}-{}", w.days(), w.start(), w.end()))
        .collect::<Vec<_>>()
        .join(";")
}

/// Replaces the windows written on area `code` with `windows`.
pub(super) async fn write_area_windows(
    conn: &mut sqlx::AnyConnection,
    code: &str,
    windows: &Windows,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM area_windows WHERE area_code = $1")
        .bind(code.to_owned())
        .execute(&mut *conn)
        .await?;
    for (i, w) in windows.list().iter().enumerate() {
        sqlx::query("INSERT INTO area_windows (area_code, position, days, start_min, end_min) VALUES ($1, $2, $3, $4, $5)")
            .bind(code.to_owned())
            .bind(i as i64)
            .bind(w.days().to_string())
            .bind(i64::from(w.start().minutes()))
            .bind(i64::from(w.end().minutes()))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Imports `set`, copying its audio into `media`. Existing rows with the same keys are
/// replaced; segments imported from files count as approved by `actor`.
pub async fn import_set(
    store: &Store,
    media: &MediaDir,
    set: &ScheduleSet,
    actor: &str,
) -> Result<ImportSummary, StoreError> {
    let inputs = &set.inputs;
    for path in &set.media {
        media.put_file(path).map_err(|e| StoreError::Corrupt {
            what: path.display().to_string(),
            detail: e.to_string(),
        })?;
    }
    let now = chrono::Utc::now().timestamp_millis();
    let mut tx = store.pool().begin().await?;
    let tree = inputs.tree();
    for id in tree.ids() {
        let a = tree.area(id);
        sqlx::query(
            "INSERT INTO areas (code, name, kind, parent_code) VALUES ($1, $2, $3, $4)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind, parent_code = excluded.parent_code",
        )
        .bind(a.code.to_string())
        .bind(a.name.clone())
        .bind(a.kind.as_str())
        .bind(a.parent.as_ref().map(ToString::to_string))
        .execute(&mut *tx)
        .await?;
    }
    for (area, windows) in area_windows(inputs) {
        write_area_windows(&mut tx, &area, &windows).await?;
    }
    for st in inputs.stations() {
        sqlx::query(
            "INSERT INTO stations (code, area_code, name, timezone, languages, windows, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (code) DO UPDATE SET area_code = excluded.area_code, name = excluded.name,
               timezone = excluded.timezone, languages = excluded.languages, windows = excluded.windows",
        )
        .bind(st.code.to_string())
        .bind(tree.area(st.area).code.to_string())
        .bind(st.name.clone())
        .bind(st.timezone.name().to_owned())
        .bind(st.languages.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(","))
        .bind(st.windows.as_ref().map(windows_to_text))
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    let root = tree
        .ids()
        .next()
        .map(|id| tree.area(id).code.to_string())
        .unwrap_or_default();
    let mut warnings = Vec::new();
    for (s, path) in inputs.segments().iter().zip(&set.media) {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let format = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let measured = crate::audio::measure(path).ok();
        let loudness = measured.as_ref().and_then(|m| m.loudness_lufs);
        for w in measured.iter().flat_map(|m| &m.warnings) {
            warnings.push(format!(
                "bản tin `{}` (tệp `{}`): {w}",
                s.id,
                path.file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default()
            ));
        }
        sqlx::query(
            "INSERT INTO segments (id, title, language, group_id, tags, duration_ms, sha256, size_bytes, format,
               loudness_lufs, valid_from, valid_until, area_code, uploaded_by, approved_by, approved_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, NULL, NULL, $14, $14)
             ON CONFLICT (id) DO UPDATE SET title = excluded.title, language = excluded.language,
               group_id = excluded.group_id, tags = excluded.tags, valid_from = excluded.valid_from,
               valid_until = excluded.valid_until",
        )
        .bind(s.id.to_string())
        .bind(s.title.clone())
        .bind(s.language.to_string())
        .bind(s.group.to_string())
        .bind(serde_json::to_string(&s.tags).unwrap_or_else(|_| "[]".to_owned()))
        .bind(i64::from(s.duration_ms))
        .bind(s.sha256.to_string())
        .bind(size as i64)
        .bind(format)
        .bind(loudness)
        .bind(s.valid_from.map(|d| d.to_string()))
        .bind(s.valid_until.map(|d| d.to_string()))
        .bind(root.clone())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    for c in inputs.campaigns() {
        let spec = CampaignSpec::from_domain(inputs, c);
        let owner = c
            .areas
            .first()
            .map(|&a| tree.area(a).code.to_string())
            .unwrap_or_else(|| root.clone());
        sqlx::query(
            "INSERT INTO campaigns (id, name, from_date, until_date, priority, min_airings_per_day, area_code, spec, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, from_date = excluded.from_date,
               until_date = excluded.until_date, priority = excluded.priority,
               min_airings_per_day = excluded.min_airings_per_day, area_code = excluded.area_code,
               spec = excluded.spec, updated_at = excluded.updated_at",
        )
        .bind(spec.id.clone())
        .bind(spec.name.clone())
        .bind(spec.from.to_string())
        .bind(spec.until.to_string())
        .bind(spec.priority.clone())
        .bind(i64::from(spec.min_airings_per_day))
        .bind(owner)
        .bind(serde_json::to_string(&spec).unwrap_or_default())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    super::audit::record(
        &mut tx,
        actor,
        "schedule.import",
        &set.dir.display().to_string(),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(ImportSummary {
        areas: tree.len(),
        stations: inputs.stations().len(),
        segments: inputs.segments().len(),
        campaigns: inputs.campaigns().len(),
        warnings,
    })
}

/// Windows written on areas, by area code. The domain keeps only stations' effective
/// windows, so recover the area ones: an area's windows are those its stations inherit
/// when it is the nearest area that sets any. Import needs the original definitions, which
/// the set keeps.
fn area_windows(inputs: &Inputs) -> Vec<(String, Windows)> {
    inputs
        .area_windows()
        .map(|(id, w)| (inputs.tree().area(id).code.to_string(), w.clone()))
        .collect()
}

/// Whether the database holds no areas yet (a fresh server).
pub async fn is_empty(store: &Store) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) FROM areas")
        .fetch_one(store.pool())
        .await?;
    Ok(row.try_get::<i64, _>(0)? == 0)
}
