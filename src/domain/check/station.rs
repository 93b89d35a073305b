//! The station checker, and the windows checker it shares with an area's windows in
//! schedule files.

use chrono_tz::Tz;

use super::{FieldPath, FieldProblem, Notation};
use crate::domain::{
    AreaCode, AreaTree, Language, Station, StationCode, WeekdaySet, Window, WindowError, Windows,
    area_hint, nfc,
};

/// Loudness targets accepted, LUFS (broadcast practice is -23 to -14).
const LUFS_RANGE: std::ops::RangeInclusive<f64> = -40.0..=-5.0;

/// Loudness a station's items are brought to when none is written, LUFS.
pub const DEFAULT_TARGET_LUFS: f64 = -16.0;

/// One entry of a station's (or an area's) windows as written: days, and time ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WindowDraft<'a> {
    /// `Mon-Fri`, `T2-T6`, `T7,CN`, `*`; every day when absent.
    pub days: Option<&'a str>,
    /// Ranges `HH:MM-HH:MM`.
    pub times: Vec<&'a str>,
}

/// A station as written; what is left out takes its default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StationDraft<'a> {
    /// Code.
    pub code: &'a str,
    /// Code of the area it serves.
    pub area: &'a str,
    /// Display name; `Trạm truyền thanh <area name>` when absent.
    pub name: Option<&'a str>,
    /// Languages, preferred first; `["vi"]` when absent.
    pub languages: Option<Vec<&'a str>>,
    /// IANA time zone; `Asia/Ho_Chi_Minh` when absent.
    pub timezone: Option<&'a str>,
    /// Its own windows; absent to inherit its area's.
    pub windows: Option<Vec<WindowDraft<'a>>>,
    /// Loudness target, LUFS; [`DEFAULT_TARGET_LUFS`] when absent.
    pub target_lufs: Option<f64>,
}

/// A checked station.
#[derive(Debug, Clone)]
pub struct CheckedStation {
    /// The station.
    pub station: Station,
    /// Its loudness target, LUFS.
    pub target_lufs: f64,
    /// The path of each of its windows, in the order given to [`Windows::new`].
    pub window_paths: Vec<FieldPath>,
}

/// Checks `draft` field by field and builds the station, or lists every problem.
pub fn check_station(
    draft: &StationDraft<'_>,
    tree: &AreaTree,
    notation: &Notation<'_>,
) -> Result<CheckedStation, Vec<FieldProblem>> {
    let root = FieldPath::root();
    let mut problems = Vec::new();
    let code = StationCode::parse(draft.code);
    if code.is_none() {
        problems.push(FieldProblem::new(
            root.key("code"),
            format!(
                "mã trạm `{}` không hợp lệ: chỉ dùng chữ, số, `-`, `_`, `.`",
                draft.code
            ),
        ));
    }
    let area = AreaCode::parse(draft.area).ok().and_then(|c| tree.get(&c));
    if area.is_none() {
        problems.push(FieldProblem::new(
            root.key("area"),
            format!(
                "đơn vị `{}` không có trong danh sách đơn vị hành chính{}",
                draft.area,
                area_hint(tree, draft.area)
            ),
        ));
    }
    let languages = languages(draft.languages.as_deref(), &root, &mut problems);
    let timezone = match draft.timezone {
        None => Some(chrono_tz::Asia::Ho_Chi_Minh),
        Some(tz) => tz.parse::<Tz>().ok().or_else(|| {
            problems.push(FieldProblem::new(
                root.key("timezone"),
                format!(
                    "múi giờ `{tz}` không có trong cơ sở dữ liệu IANA; viết `Asia/Ho_Chi_Minh`"
                ),
            ));
            None
        }),
    };
    let (windows, window_paths) = match &draft.windows {
        None => (Some(None), Vec::new()),
        Some(specs) => {
            let (w, paths) = check_windows(specs, &root.key("windows"), notation, &mut problems);
            (w.map(Some), paths)
        }
    };
    let target_lufs = draft.target_lufs.unwrap_or(DEFAULT_TARGET_LUFS);
    if !LUFS_RANGE.contains(&target_lufs) {
        problems.push(FieldProblem::new(
            root.key("target_lufs"),
            format!("{target_lufs} không hợp lệ: mức âm lượng mục tiêu từ -40 đến -5 LUFS (thường là -16)"),
        ));
    }
    let name = match draft.name {
        Some(n) if n.trim().is_empty() => {
            problems.push(FieldProblem::new(
                root.key("name"),
                "không được để trống (bỏ `name` để dùng tên mặc định)",
            ));
            None
        }
        Some(n) => Some(nfc(n.trim())),
        None => area.map(|a| format!("Trạm truyền thanh {}", tree.area(a).name)),
    };
    match (code, area, timezone, windows, name) {
        (Some(code), Some(area), Some(timezone), Some(windows), Some(name))
            if problems.is_empty() =>
        {
            Ok(CheckedStation {
                station: Station {
                    code,
                    name,
                    area,
                    timezone,
                    languages,
                    windows,
                },
                target_lufs,
                window_paths,
            })
        }
        _ => Err(problems),
    }
}

fn languages(
    list: Option<&[&str]>,
    root: &FieldPath,
    problems: &mut Vec<FieldProblem>,
) -> Vec<Language> {
    let Some(list) = list else {
        return vec![Language::vietnamese()];
    };
    if list.is_empty() {
        problems.push(FieldProblem::new(
            root.key("languages"),
            "cần ít nhất một ngôn ngữ, ví dụ [\"vi\"]",
        ));
    }
    list.iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let lang = Language::parse(l);
            if lang.is_none() {
                problems.push(FieldProblem::new(
                    root.key("languages").index(i),
                    format!("mã ngôn ngữ `{l}` không hợp lệ: dùng mã ISO 639 viết thường, ví dụ `vi`, `tyz` (Tày), `hmn` (H'Mông)"),
                ));
            }
            lang
        })
        .collect()
}

/// Checks window entries written at `path` (`windows`): each entry's days and times,
/// then that no two ranges overlap. The windows (`None` when any problem was pushed
/// to `problems`) and the path of each range, in the order given to [`Windows::new`].
pub fn check_windows(
    entries: &[WindowDraft<'_>],
    path: &FieldPath,
    notation: &Notation<'_>,
    problems: &mut Vec<FieldProblem>,
) -> (Option<Windows>, Vec<FieldPath>) {
    let mut list = Vec::new();
    let mut paths = Vec::new();
    let before = problems.len();
    for (i, entry) in entries.iter().enumerate() {
        let days = match entry.days {
            None => WeekdaySet::ALL,
            Some(d) => match WeekdaySet::parse(d) {
                Ok(s) => s,
                Err(e) => {
                    problems.push(FieldProblem::new(path.index(i).key("days"), e.to_string()));
                    continue;
                }
            },
        };
        if entry.times.is_empty() {
            problems.push(FieldProblem::new(
                path.index(i).key("times"),
                "cần ít nhất một khung giờ trong `times`, ví dụ [\"05:30-06:30\"]",
            ));
        }
        for (j, t) in entry.times.iter().enumerate() {
            let at = path.index(i).key("times").index(j);
            match Window::parse_range(days, t) {
                Ok(w) => {
                    list.push(w);
                    paths.push(at);
                }
                Err(e) => problems.push(FieldProblem::new(at, e.to_string())),
            }
        }
    }
    if problems.len() > before {
        return (None, paths);
    }
    match Windows::new(list) {
        Ok(w) => (Some(w), paths),
        Err(e) => {
            problems.push(match &e {
                WindowError::Overlap {
                    first_index,
                    second_index,
                    ..
                } => FieldProblem::new(
                    paths[*second_index].clone(),
                    format!(
                        "{e} (khung trước {})",
                        (notation.mention)(&paths[*first_index])
                    ),
                ),
                _ => FieldProblem::new(
                    paths.first().cloned().unwrap_or_else(|| path.clone()),
                    e.to_string(),
                ),
            });
            (None, paths)
        }
    }
}
