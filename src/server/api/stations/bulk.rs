//! Stations in bulk: a CSV file (`code,area,name,languages,windows`) or one station per
//! commune of a subtree. Every row is checked as a single station would be, and all of
//! them against the schedule together; any problem, each with its line, and nothing is
//! written. Running it again changes nothing (rows equal to what is stored are skipped).

use std::collections::HashMap;

use super::spec::{StationSpec, WindowSpec};
use crate::domain::{AreaKind, Inputs, InputsError, Station};
use crate::store::Store;

/// Largest file accepted, rows.
pub const MAX_ROWS: usize = 20_000;

/// Windows of a station `create-all` makes where no area above it sets any: the two
/// usual daily sessions of commune radio (early morning, late afternoon).
const DEFAULT_WINDOWS: [&str; 2] = ["05:30-06:30", "17:00-18:00"];

/// What a bulk write did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkSummary {
    /// Stations created.
    pub created: Vec<String>,
    /// Stations whose settings changed.
    pub updated: Vec<String>,
    /// Rows equal to what is stored.
    pub unchanged: usize,
}

/// One station to write, from line `line` of its source (0 for `create-all`).
struct Row {
    line: usize,
    code: String,
    spec: StationSpec,
}

/// Parses `text`; every problem as `dòng N: cột: …`.
fn parse_csv(text: &str) -> Result<Vec<Row>, Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let expected = ["code", "area", "name", "languages", "windows"];
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_owned).collect(),
        Err(_) => {
            return Err(vec![
                "dòng 1: không đọc được dòng tiêu đề (cần UTF-8)".to_owned(),
            ]);
        }
    };
    if headers
        .iter()
        .map(String::as_str)
        .ne(expected.iter().copied())
    {
        return Err(vec![format!(
            "dòng 1: tiêu đề `{}` không đúng; viết `code,area,name,languages,windows`",
            headers.join(",")
        )]);
    }
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        if rows.len() + problems.len() >= MAX_ROWS {
            problems.push(format!(
                "dòng {line}: tệp quá {MAX_ROWS} dòng; chia thành nhiều tệp"
            ));
            break;
        }
        let Ok(record) = record else {
            problems.push(format!(
                "dòng {line}: không đọc được dòng này (cần UTF-8, dấu phẩy giữa các cột)"
            ));
            continue;
        };
        if record.len() != 5 {
            problems.push(format!(
                "dòng {line}: có {} cột; cần 5 cột code,area,name,languages,windows (để trống cột không dùng)",
                record.len()
            ));
            continue;
        }
        let cell = |i: usize| crate::schedule_file::nfc(record.get(i).unwrap_or("").trim());
        let code = cell(0);
        let name = cell(2);
        let languages = cell(3);
        let windows = cell(4);
        let mut window_specs = Vec::new();
        for part in windows.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (days, time) = match part.rsplit_once(' ') {
                Some((d, t)) => (Some(d.trim().to_owned()), t.to_owned()),
                None => (None, part.to_owned()),
            };
            window_specs.push(WindowSpec {
                days,
                times: vec![time],
            });
        }
        rows.push(Row {
            line,
            code: code.clone(),
            spec: StationSpec {
                code: Some(code),
                area: cell(1),
                name: (!name.is_empty()).then_some(name),
                languages: (!languages.is_empty()).then(|| {
                    languages
                        .split(|c: char| c == ';' || c.is_whitespace())
                        .filter(|l| !l.is_empty())
                        .map(str::to_owned)
                        .collect()
                }),
                timezone: None,
                windows: (!window_specs.is_empty()).then_some(window_specs),
                target_lufs: None,
            },
        });
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

fn at(line: usize, message: &str) -> String {
    if line == 0 {
        message.to_owned()
    } else {
        format!("dòng {line}: {message}")
    }
}

/// Checks every row alone and then all together with the stored schedule; writes them
/// (creating or updating) only when no row has a problem. `allowed` says whether an
/// area code may be written by the caller.
async fn write_rows(
    store: &Store,
    rows: Vec<Row>,
    allowed: &(dyn Fn(&str) -> bool + Sync),
    actor: &str,
) -> Result<Result<BulkSummary, Vec<String>>, crate::store::StoreError> {
    let loaded = crate::store::load_inputs(store).await?;
    let inputs = &loaded.inputs;
    let retired = crate::store::retired_area_codes(store).await?;
    let stored_area: HashMap<String, String> = inputs
        .stations()
        .iter()
        .map(|s| {
            (
                s.code.to_string(),
                inputs.tree().area(s.area).code.to_string(),
            )
        })
        .collect();
    let mut problems = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut checked: Vec<(usize, Station, f64)> = Vec::new();
    for row in &rows {
        if let Some(first) = seen.insert(row.code.clone(), row.line) {
            problems.push(at(
                row.line,
                &format!("code: mã trạm `{}` đã có ở dòng {first}", row.code),
            ));
            continue;
        }
        if !row.spec.area.is_empty() && !allowed(&row.spec.area) {
            problems.push(at(
                row.line,
                &format!(
                    "area: đơn vị `{}` nằm ngoài phạm vi của tài khoản",
                    row.spec.area
                ),
            ));
            continue;
        }
        // A station already in a retired unit may stay there; none is placed in one.
        if retired.contains(&row.spec.area) && stored_area.get(&row.code) != Some(&row.spec.area) {
            problems.push(at(
                row.line,
                &crate::store::retired_area_message("area", &row.spec.area),
            ));
            continue;
        }
        match row.spec.to_domain(&row.code, inputs.tree()) {
            Ok((station, lufs, _)) => checked.push((row.line, station, lufs)),
            Err(errors) => problems.extend(errors.iter().map(|e| at(row.line, e))),
        }
    }
    if problems.is_empty() {
        let replaced: std::collections::HashSet<&str> =
            checked.iter().map(|(_, s, _)| s.code.as_str()).collect();
        let mut stations: Vec<Station> = inputs
            .stations()
            .iter()
            .filter(|s| !replaced.contains(s.code.as_str()))
            .cloned()
            .collect();
        let first_new = stations.len();
        stations.extend(checked.iter().map(|(_, s, _)| s.clone()));
        let area_windows = inputs.area_windows().map(|(a, w)| (a, w.clone())).collect();
        if let Err(found) = Inputs::new(
            inputs.tree().clone(),
            area_windows,
            stations,
            inputs.segments().to_vec(),
            inputs.campaigns().to_vec(),
        ) {
            for e in &found {
                let line = match e {
                    InputsError::StationWindowOutside { station, .. }
                    | InputsError::NoWindows { station, .. }
                        if *station >= first_new =>
                    {
                        checked.get(station - first_new).map(|(l, _, _)| *l)
                    }
                    _ => None,
                };
                problems.push(match line {
                    Some(l) => at(l, &format!("windows: {e}")),
                    None => e.to_string(),
                });
            }
        }
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let mut summary = BulkSummary::default();
    for (_, station, lufs) in &checked {
        let area = inputs.tree().area(station.area).code.to_string();
        let code = station.code.to_string();
        let existing = crate::store::get_station(store, &code).await?;
        if let Some(row) = &existing {
            let languages: Vec<String> = station
                .languages
                .iter()
                .map(|l| l.as_str().to_owned())
                .collect();
            let windows = station.windows.as_ref().map(crate::store::windows_to_text);
            if row.area == area
                && row.name == station.name
                && row.languages == languages
                && row.timezone == station.timezone.name()
                && row.windows == windows
                && (row.target_lufs - lufs).abs() < 1e-9
            {
                summary.unchanged += 1;
                continue;
            }
        }
        let create = existing.is_none();
        crate::store::write_station(store, station, &area, *lufs, create, actor).await?;
        if create {
            summary.created.push(code);
        } else {
            summary.updated.push(code);
        }
    }
    Ok(Ok(summary))
}

/// `loa station import FILE.csv` and `POST /api/v1/stations/import`.
pub async fn import_csv(
    store: &Store,
    text: &str,
    allowed: &(dyn Fn(&str) -> bool + Sync),
    actor: &str,
) -> Result<Result<BulkSummary, Vec<String>>, crate::store::StoreError> {
    match parse_csv(text) {
        Ok(rows) => write_rows(store, rows, allowed, actor).await,
        Err(problems) => Ok(Err(problems)),
    }
}

/// `loa station create-all --area CODE` and `POST /api/v1/stations/create-all`: one
/// station per commune of the subtree that holds none yet, coded as the commune,
/// broadcasting in Vietnamese in its area's windows.
pub async fn create_all(
    store: &Store,
    area: &str,
    allowed: &(dyn Fn(&str) -> bool + Sync),
    actor: &str,
) -> Result<Result<BulkSummary, Vec<String>>, crate::store::StoreError> {
    let loaded = crate::store::load_inputs(store).await?;
    let inputs = &loaded.inputs;
    let tree = inputs.tree();
    let root = crate::domain::AreaCode::parse(area)
        .ok()
        .and_then(|c| tree.get(&c));
    let Some(root) = root.filter(|_| allowed(area)) else {
        return Ok(Err(vec![format!(
            "--area: đơn vị `{area}` không có trong danh sách đơn vị hành chính{}",
            crate::domain::area_hint(tree, area)
        )]));
    };
    let retired = crate::store::retired_area_codes(store).await?;
    if retired.contains(area) {
        return Ok(Err(vec![crate::store::retired_area_message(
            "--area", area,
        )]));
    }
    let held: std::collections::HashSet<_> = inputs.stations().iter().map(|s| s.area).collect();
    let with_windows: std::collections::HashSet<_> =
        inputs.area_windows().map(|(a, _)| a).collect();
    let rows: Vec<Row> = tree
        .ids()
        .filter(|&id| tree.area(id).kind == AreaKind::Commune && tree.is_within(id, root))
        .filter(|id| !held.contains(id))
        .filter(|&id| !retired.contains(tree.area(id).code.as_str()))
        .map(|id| {
            let code = tree.area(id).code.to_string();
            let inherits = std::iter::once(id)
                .chain(tree.ancestors(id))
                .any(|a| with_windows.contains(&a));
            // A tree loaded from CSV alone sets no windows: the usual two sessions.
            let windows = (!inherits).then(|| {
                DEFAULT_WINDOWS
                    .iter()
                    .map(|t| WindowSpec {
                        days: None,
                        times: vec![(*t).to_owned()],
                    })
                    .collect()
            });
            Row {
                line: 0,
                code: code.clone(),
                spec: StationSpec {
                    code: Some(code.clone()),
                    area: code,
                    name: None,
                    languages: None,
                    timezone: None,
                    windows,
                    target_lufs: None,
                },
            }
        })
        .collect();
    write_rows(store, rows, allowed, actor).await
}
