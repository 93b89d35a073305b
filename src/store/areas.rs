//! Importing an administrative tree from CSV (`loa areas import`).

use std::collections::HashMap;
use std::path::Path;

use sqlx::Row;

use super::{Store, StoreError};
use crate::domain::{Area, AreaCode, AreaKind, AreaTree};
use crate::schedule_file::Problem;
use crate::schedule_file::areas_csv::parse_areas_csv;

/// Checks every row, and the tree the rows make together with the areas already stored;
/// writes all rows in one transaction, or nothing when any problem is found. Importing
/// the same file twice changes nothing the second time.
pub async fn import_areas_csv(
    store: &Store,
    path: &Path,
    text: &str,
    actor: &str,
) -> Result<Result<usize, Vec<Problem>>, StoreError> {
    let rows = match parse_areas_csv(path, text) {
        Ok(rows) => rows,
        Err(problems) => return Ok(Err(problems)),
    };
    let mut merged: HashMap<AreaCode, Area> = HashMap::new();
    for row in sqlx::query("SELECT code, name, kind, parent_code FROM areas")
        .fetch_all(store.pool())
        .await?
    {
        let code: String = row.try_get(0)?;
        let parent: Option<String> = row.try_get(3)?;
        let kind: String = row.try_get(2)?;
        let bad = |e: crate::domain::AreaError| StoreError::Corrupt {
            what: format!("area {code}"),
            detail: e.to_string(),
        };
        let area = Area {
            code: AreaCode::parse(&code).map_err(bad)?,
            name: row.try_get(1)?,
            kind: AreaKind::parse(&kind).map_err(bad)?,
            parent: parent
                .map(|p| AreaCode::parse(&p))
                .transpose()
                .map_err(bad)?,
        };
        merged.insert(area.code.clone(), area);
    }
    let lines: HashMap<AreaCode, usize> = rows.iter().map(|(a, l)| (a.code.clone(), *l)).collect();
    let mut seen = HashMap::new();
    for (area, line) in &rows {
        if let Some(first) = seen.insert(area.code.clone(), *line) {
            return Ok(Err(vec![problem(
                path,
                *line,
                format!("mã đơn vị {} đã có ở dòng {first}", area.code),
            )]));
        }
        merged.insert(area.code.clone(), area.clone());
    }
    if let Err(e) = AreaTree::build(merged.into_values().collect()) {
        let code = match &e {
            crate::domain::AreaError::UnknownParent { child, .. }
            | crate::domain::AreaError::BadNesting { child, .. } => Some(child),
            crate::domain::AreaError::Duplicate(c) | crate::domain::AreaError::BadRoot(c) => {
                Some(c)
            }
            _ => None,
        };
        let line = code.and_then(|c| lines.get(c)).copied().unwrap_or(1);
        return Ok(Err(vec![problem(path, line, e.to_string())]));
    }
    let mut tx = store.pool().begin().await?;
    // Parents first, so the foreign key holds at every insert.
    let mut ordered: Vec<&Area> = rows.iter().map(|(a, _)| a).collect();
    ordered.sort_by_key(|a| match a.kind {
        AreaKind::Province => 0,
        AreaKind::District => 1,
        AreaKind::Commune => 2,
    });
    for a in &ordered {
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
    super::audit::record(
        &mut tx,
        actor,
        "areas.import",
        &path.display().to_string(),
        &format!("{} rows", rows.len()),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(rows.len()))
}

fn problem(path: &Path, line: usize, message: String) -> Problem {
    Problem {
        path: path.to_owned(),
        line,
        column: 1,
        message,
    }
}
