//! Reading everything the compiler needs back out of the database.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, StoreError};
use crate::domain::{
    Area, AreaCode, AreaId, AreaKind, AreaTree, Inputs, Language, Segment, SegmentId, SegmentIdx,
    Sha256Digest, Station, StationCode, TimeOfDay, WeekdaySet, Window, Windows,
};
use crate::wire::CampaignSpec;

/// The compiler's inputs plus what the server adds to each item.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// Validated inputs (approved segments only).
    pub inputs: Inputs,
    /// Per segment (same order as `inputs.segments()`): EBU R128 loudness, bytes.
    pub segment_media: Vec<(Option<f64>, i64)>,
    /// Per station (same order as `inputs.stations()`): target loudness in LUFS.
    pub target_lufs: Vec<f64>,
}

pub(super) fn corrupt(what: impl Into<String>, detail: impl ToString) -> StoreError {
    StoreError::Corrupt {
        what: what.into(),
        detail: detail.to_string(),
    }
}

fn get<T>(row: &AnyRow, i: usize) -> Result<T, StoreError>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    Ok(row.try_get::<T, _>(i)?)
}

fn date(s: Option<String>, what: &str) -> Result<Option<NaiveDate>, StoreError> {
    s.map(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|e| corrupt(what, e)))
        .transpose()
}

/// Parses stored windows `DAYS HH:MM-HH:MM;…`.
pub(crate) fn windows_from_text(text: &str) -> Result<Windows, String> {
    let list = text
        .split(';')
        .filter(|p| !p.trim().is_empty())
        .map(|part| {
            let (days, range) = part
                .trim()
                .split_once(' ')
                .ok_or_else(|| format!("`{part}`"))?;
            let days = WeekdaySet::parse(days).map_err(|e| e.to_string())?;
            Window::parse_range(days, range).map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    Windows::new(list).map_err(|e| e.to_string())
}

/// The administrative tree (retired units included: their stations and history
/// stay), shared: loaded again only after an area or station changed.
pub async fn shared_tree(store: &Store) -> Result<Arc<AreaTree>, StoreError> {
    let stamp = super::cache::stamp(store).await?;
    store.caches.tree.get(stamp, read_tree(store)).await
}

/// [`shared_tree`], as a value of its own.
pub async fn load_tree(store: &Store) -> Result<AreaTree, StoreError> {
    Ok(AreaTree::clone(&*shared_tree(store).await?))
}

/// Reads and validates the administrative tree.
async fn read_tree(store: &Store) -> Result<AreaTree, StoreError> {
    let pool = store.pool();
    let mut areas = Vec::new();
    for row in sqlx::query("SELECT code, name, kind, parent_code FROM areas")
        .fetch_all(pool)
        .await?
    {
        let code: String = get(&row, 0)?;
        let parent: Option<String> = get(&row, 3)?;
        areas.push(Area {
            code: AreaCode::parse(&code).map_err(|e| corrupt(format!("area {code}"), e))?,
            name: get(&row, 1)?,
            kind: AreaKind::parse(&get::<String>(&row, 2)?)
                .map_err(|e| corrupt(format!("area {code}"), e))?,
            parent: parent
                .map(|p| AreaCode::parse(&p))
                .transpose()
                .map_err(|e| corrupt(format!("area {code}"), e))?,
        });
    }
    AreaTree::build(areas).map_err(|e| corrupt("areas", e))
}

/// The windows written on areas, by area.
pub(super) async fn load_area_windows(
    store: &Store,
    tree: &AreaTree,
) -> Result<HashMap<AreaId, Windows>, StoreError> {
    let pool = store.pool();
    let area_id = |code: &str| -> Result<AreaId, StoreError> {
        AreaCode::parse(code)
            .ok()
            .and_then(|c| tree.get(&c))
            .ok_or_else(|| corrupt("area", format!("unknown area {code}")))
    };
    let mut by_area: HashMap<AreaId, Vec<Window>> = HashMap::new();
    for row in sqlx::query(
        "SELECT area_code, days, start_min, end_min FROM area_windows ORDER BY area_code, position",
    )
    .fetch_all(pool)
    .await?
    {
        let area = area_id(&get::<String>(&row, 0)?)?;
        let days =
            WeekdaySet::parse(&get::<String>(&row, 1)?).map_err(|e| corrupt("area_windows", e))?;
        let minute = |i| -> Result<TimeOfDay, StoreError> {
            let m: i64 = get(&row, i)?;
            TimeOfDay::from_hm((m / 60) as u16, (m % 60) as u16)
                .ok_or_else(|| corrupt("area_windows", m))
        };
        let w =
            Window::new(days, minute(2)?, minute(3)?).map_err(|e| corrupt("area_windows", e))?;
        by_area.entry(area).or_default().push(w);
    }
    let mut area_windows = HashMap::new();
    for (area, list) in by_area {
        area_windows.insert(
            area,
            Windows::new(list).map_err(|e| corrupt("area_windows", e))?,
        );
    }
    Ok(area_windows)
}

/// The whole schedule, validated, shared: loaded again only after an area, station,
/// window, segment or campaign changed.
pub async fn shared_inputs(store: &Store) -> Result<Arc<Loaded>, StoreError> {
    let stamp = super::cache::stamp(store).await?;
    store.caches.inputs.get(stamp, read_inputs(store)).await
}

/// [`shared_inputs`], as a value of its own.
pub async fn load_inputs(store: &Store) -> Result<Loaded, StoreError> {
    Ok(Loaded::clone(&*shared_inputs(store).await?))
}

/// Reads the whole schedule from the database and validates it.
async fn read_inputs(store: &Store) -> Result<Loaded, StoreError> {
    let pool = store.pool();
    let tree = load_tree(store).await?;
    let area_id = |code: &str| -> Result<AreaId, StoreError> {
        AreaCode::parse(code)
            .ok()
            .and_then(|c| tree.get(&c))
            .ok_or_else(|| corrupt("area", format!("unknown area {code}")))
    };

    let area_windows = load_area_windows(store, &tree).await?;

    let mut stations = Vec::new();
    let mut target_lufs = Vec::new();
    for row in sqlx::query("SELECT code, area_code, name, timezone, languages, windows, target_lufs FROM stations ORDER BY code")
        .fetch_all(pool)
        .await?
    {
        let code: String = get(&row, 0)?;
        let what = format!("station {code}");
        let languages: String = get(&row, 4)?;
        let windows: Option<String> = get(&row, 5)?;
        stations.push(Station {
            code: StationCode::parse(&code).ok_or_else(|| corrupt(&what, "code"))?,
            area: area_id(&get::<String>(&row, 1)?)?,
            name: get(&row, 2)?,
            timezone: get::<String>(&row, 3)?.parse().map_err(|_| corrupt(&what, "timezone"))?,
            languages: languages
                .split(',')
                .map(|l| Language::parse(l.trim()).ok_or_else(|| corrupt(&what, "languages")))
                .collect::<Result<_, _>>()?,
            windows: windows.map(|w| windows_from_text(&w)).transpose().map_err(|e| corrupt(&what, e))?,
        });
        target_lufs.push(get::<f64>(&row, 6)?);
    }

    let mut segments = Vec::new();
    let mut segment_media = Vec::new();
    for row in sqlx::query(
        "SELECT id, title, language, group_id, tags, duration_ms, sha256, valid_from, valid_until, loudness_lufs, size_bytes
         FROM segments WHERE approved_at IS NOT NULL ORDER BY id",
    )
    .fetch_all(pool)
    .await?
    {
        let id: String = get(&row, 0)?;
        let what = format!("segment {id}");
        let tags: String = get(&row, 4)?;
        let group: String = get(&row, 3)?;
        segments.push(Segment {
            id: SegmentId::parse(&id).ok_or_else(|| corrupt(&what, "id"))?,
            title: get(&row, 1)?,
            language: Language::parse(&get::<String>(&row, 2)?).ok_or_else(|| corrupt(&what, "language"))?,
            group: SegmentId::parse(&group).ok_or_else(|| corrupt(&what, "group"))?,
            tags: serde_json::from_str(&tags).map_err(|e| corrupt(&what, e))?,
            duration_ms: u32::try_from(get::<i64>(&row, 5)?).map_err(|e| corrupt(&what, e))?,
            sha256: Sha256Digest::parse(&get::<String>(&row, 6)?).ok_or_else(|| corrupt(&what, "sha256"))?,
            valid_from: date(get(&row, 7)?, &what)?,
            valid_until: date(get(&row, 8)?, &what)?,
        });
        segment_media.push((get::<Option<f64>>(&row, 9)?, get::<i64>(&row, 10)?));
    }
    let segment_index: HashMap<String, SegmentIdx> = segments
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.to_string(), SegmentIdx::new(i as u32)))
        .collect();

    let mut campaigns = Vec::new();
    for row in sqlx::query("SELECT id, spec FROM campaigns ORDER BY id")
        .fetch_all(pool)
        .await?
    {
        let id: String = get(&row, 0)?;
        let spec: CampaignSpec = serde_json::from_str(&get::<String>(&row, 1)?)
            .map_err(|e| corrupt(format!("campaign {id}"), e))?;
        // A campaign whose pool is not (yet) approved airs what is approved; with
        // nothing approved it waits.
        let mut spec = spec;
        spec.pool.retain(|s| segment_index.contains_key(s));
        spec.weights.retain(|s, _| segment_index.contains_key(s));
        if spec.pool.is_empty() {
            continue;
        }
        let mut c = spec
            .to_domain(&tree, |s| segment_index.get(s).copied())
            .map_err(|e| corrupt(format!("campaign {id}"), e.join("; ")))?;
        // Spacing that the approved pool cannot satisfy would stall the rotation.
        let messages = {
            let mut g: Vec<&SegmentId> = c
                .pool
                .iter()
                .map(|e| &segments[e.segment.index()].group)
                .collect();
            g.sort();
            g.dedup();
            g.len() as u32
        };
        for r in &mut c.rotations {
            r.spacing = r.spacing.min(messages.saturating_sub(1));
        }
        campaigns.push(c);
    }

    // A station left without windows airs nothing and says so when compiled; it must
    // not make the whole stored schedule unreadable.
    let inputs = Inputs::new_allowing_windowless(tree, area_windows, stations, segments, campaigns)
        .map_err(|errors| {
            corrupt(
                "schedule",
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
    Ok(Loaded {
        inputs,
        segment_media,
        target_lufs,
    })
}
