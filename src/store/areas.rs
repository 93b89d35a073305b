//! Importing an administrative tree from CSV (`loa areas import`), and re-importing a
//! reformed one: what changed is reported, and written only when asked; units the file
//! no longer lists are retired (kept, marked), never deleted.

use std::collections::HashMap;
use std::path::Path;

use sqlx::Row;

use super::{Store, StoreError};
use crate::domain::{Area, AreaCode, AreaKind, AreaTree};
use crate::schedule_file::Problem;
use crate::schedule_file::areas_csv::parse_areas_csv;

/// What a re-import changes, against the tree stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AreaChanges {
    /// Rows in the file.
    pub rows: usize,
    /// New units (code, name), and retired ones listed again.
    pub added: Vec<(String, String)>,
    /// Units whose name changed: code, old name, new name.
    pub renamed: Vec<(String, String, String)>,
    /// Units whose parent or kind changed: code, name, old parent, new parent.
    pub moved: Vec<(String, String, Option<String>, Option<String>)>,
    /// Current units the file no longer lists: code, name, the stations they hold.
    pub retired: Vec<(String, String, Vec<String>)>,
    /// Whether the changes were written.
    pub applied: bool,
}

impl AreaChanges {
    /// Whether the file says what the database already holds.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.renamed.is_empty()
            && self.moved.is_empty()
            && self.retired.is_empty()
    }
}

/// Checks every row, and the tree the rows make together with the areas already stored.
/// Into an empty database the rows are written at once; over a stored tree, what would
/// change is returned and written only when `apply` is set (units the file no longer
/// lists are then retired). Nothing is written when any problem is found. Importing the
/// same file twice changes nothing the second time.
pub async fn import_areas_csv(
    store: &Store,
    path: &Path,
    text: &str,
    actor: &str,
    apply: bool,
) -> Result<Result<AreaChanges, Vec<Problem>>, StoreError> {
    let rows = match parse_areas_csv(path, text) {
        Ok(rows) => rows,
        Err(problems) => return Ok(Err(problems)),
    };
    let mut merged: HashMap<AreaCode, Area> = HashMap::new();
    let mut retired_before = std::collections::HashSet::new();
    for row in sqlx::query("SELECT code, name, kind, parent_code, retired_at FROM areas")
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
        if row.try_get::<Option<i64>, _>(4)?.is_some() {
            retired_before.insert(area.code.clone());
        }
        merged.insert(area.code.clone(), area);
    }
    let stored = merged.clone();
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
    let mut changes = AreaChanges {
        rows: rows.len(),
        ..AreaChanges::default()
    };
    for (area, _) in &rows {
        match stored.get(&area.code) {
            None => changes
                .added
                .push((area.code.to_string(), area.name.clone())),
            Some(_) if retired_before.contains(&area.code) => changes
                .added
                .push((area.code.to_string(), area.name.clone())),
            Some(old) => {
                if old.name != area.name {
                    changes.renamed.push((
                        area.code.to_string(),
                        old.name.clone(),
                        area.name.clone(),
                    ));
                }
                if old.parent != area.parent || old.kind != area.kind {
                    changes.moved.push((
                        area.code.to_string(),
                        area.name.clone(),
                        old.parent.as_ref().map(ToString::to_string),
                        area.parent.as_ref().map(ToString::to_string),
                    ));
                }
            }
        }
    }
    let mut gone: Vec<&Area> = stored
        .values()
        .filter(|a| !lines.contains_key(&a.code) && !retired_before.contains(&a.code))
        .collect();
    gone.sort_by(|a, b| a.code.as_str().cmp(b.code.as_str()));
    for a in gone {
        let stations = sqlx::query("SELECT code FROM stations WHERE area_code = $1 ORDER BY code")
            .bind(a.code.to_string())
            .fetch_all(store.pool())
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<Result<Vec<_>, _>>()?;
        changes
            .retired
            .push((a.code.to_string(), a.name.clone(), stations));
    }
    let first_import = stored.is_empty();
    if changes.is_empty() || !(apply || first_import) {
        return Ok(Ok(changes));
    }
    let now = chrono::Utc::now().timestamp_millis();
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
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind,
                 parent_code = excluded.parent_code, retired_at = NULL",
        )
        .bind(a.code.to_string())
        .bind(a.name.clone())
        .bind(a.kind.as_str())
        .bind(a.parent.as_ref().map(ToString::to_string))
        .execute(&mut *tx)
        .await?;
    }
    for (code, _, _) in &changes.retired {
        sqlx::query("UPDATE areas SET retired_at = $1 WHERE code = $2")
            .bind(now)
            .bind(code.clone())
            .execute(&mut *tx)
            .await?;
    }
    super::audit::record(
        &mut tx,
        actor,
        "areas.import",
        &path.display().to_string(),
        &format!(
            "{} rows; added {}, renamed {}, moved {}, retired {}",
            rows.len(),
            changes.added.len(),
            changes.renamed.len(),
            changes.moved.len(),
            changes.retired.len()
        ),
    )
    .await?;
    tx.commit().await?;
    changes.applied = true;
    Ok(Ok(changes))
}

fn problem(path: &Path, line: usize, message: String) -> Problem {
    Problem {
        path: path.to_owned(),
        line,
        column: 1,
        message,
    }
}

/// Codes of the units a re-import retired (`areas.retired_at` set). Their stations and
/// history stay; no new station may be placed in them.
pub async fn retired_area_codes(
    store: &Store,
) -> Result<std::collections::HashSet<String>, StoreError> {
    let rows = sqlx::query("SELECT code FROM areas WHERE retired_at IS NOT NULL")
        .fetch_all(store.pool())
        .await?;
    rows.iter()
        .map(|r| r.try_get::<String, _>(0).map_err(StoreError::from))
        .collect()
}

/// The refusal for a station placed in retired unit `code`, naming the field.
pub fn retired_area_message(field: &str, code: &str) -> String {
    format!(
        "{field}: đơn vị `{code}` đã ngừng sử dụng (không còn trong cây đơn vị nạp lần gần nhất, do sáp nhập hoặc giải thể); chọn đơn vị đang dùng thay cho nó"
    )
}

/// Whether the unit `code` is stored (retired units included).
pub async fn area_exists(store: &Store, code: &str) -> Result<bool, StoreError> {
    Ok(sqlx::query("SELECT 1 FROM areas WHERE code = $1")
        .bind(code.to_owned())
        .fetch_optional(store.pool())
        .await?
        .is_some())
}

/// The first root of the tree by code (a province), if any unit is stored.
pub async fn first_root_area(store: &Store) -> Result<Option<String>, StoreError> {
    let row = sqlx::query("SELECT code FROM areas WHERE parent_code IS NULL ORDER BY code LIMIT 1")
        .fetch_optional(store.pool())
        .await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

/// The one way SQL walks a subtree, for queries that must stay in the database
/// (reports over millions of airings, the stations an emergency reaches): a CTE
/// `subtree (code)` holding the unit bound as `$1` and every unit below it. Everything
/// that tests areas one by one uses [`crate::domain::AreaTree::is_within`] on the tree
/// [`super::area_tree`] loads; the two agree because both follow `parent_code`.
pub(super) const SUBTREE_CTE: &str = "WITH RECURSIVE subtree (code) AS (\
     SELECT code FROM areas WHERE code = $1 \
     UNION ALL SELECT a.code FROM areas a JOIN subtree ON a.parent_code = subtree.code) ";
