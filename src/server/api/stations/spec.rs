//! A station as the console writes it, and its checks: the rules and Vietnamese
//! messages of `[[station]]` in schedule files, each prefixed with the field's path
//! (`windows[1].times[0]: …`).

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::domain::{
    AreaCode, AreaTree, Language, Station, StationCode, WeekdaySet, Window, WindowError, Windows,
};

/// Loudness targets accepted, LUFS (broadcast practice is -23 to -14).
const LUFS_RANGE: std::ops::RangeInclusive<f64> = -40.0..=-5.0;

/// Days and time ranges, as in a station's `windows` in schedule files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(in crate::server::api) struct WindowSpec {
    /// `Mon-Fri`, `T2-T6`, `T7,CN`, `*`; every day when absent.
    #[serde(default)]
    pub days: Option<String>,
    /// Ranges `HH:MM-HH:MM`.
    pub times: Vec<String>,
}

/// `POST /api/v1/stations` and `PUT /api/v1/stations/{code}` body; what is left out
/// takes the schedule files' default.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(in crate::server::api) struct StationSpec {
    /// Code (required to create; when given to `PUT` it must match the path).
    #[serde(default)]
    pub code: Option<String>,
    /// Code of the area it serves.
    pub area: String,
    /// Display name; default `Trạm truyền thanh <area name>`.
    #[serde(default)]
    pub name: Option<String>,
    /// Languages, preferred first; default `["vi"]`.
    #[serde(default)]
    pub languages: Option<Vec<String>>,
    /// IANA time zone; default `Asia/Ho_Chi_Minh`.
    #[serde(default)]
    pub timezone: Option<String>,
    /// Its own windows, narrowing those of its area; absent to inherit them.
    #[serde(default)]
    pub windows: Option<Vec<WindowSpec>>,
    /// Loudness its items are brought to, LUFS; default -16.
    #[serde(default)]
    pub target_lufs: Option<f64>,
}

/// Windows as specs, grouping ranges that share their days.
pub(super) fn window_specs(windows: &Windows) -> Vec<WindowSpec> {
    let mut out: Vec<WindowSpec> = Vec::new();
    for w in windows.list() {
        let days = w.days().to_string();
        let time = format!("{}-{}", w.start(), w.end());
        match out.iter_mut().find(|s| s.days.as_deref() == Some(&days)) {
            Some(spec) => spec.times.push(time),
            None => out.push(WindowSpec {
                days: Some(days),
                times: vec![time],
            }),
        }
    }
    out
}

impl StationSpec {
    /// The station `code` this spec describes, its loudness target, and the field path
    /// of each of its windows (in the order of [`Windows::list`]'s input). Lists every
    /// problem found.
    pub(super) fn to_domain(
        &self,
        code: &str,
        tree: &AreaTree,
    ) -> Result<(Station, f64, Vec<String>), Vec<String>> {
        let mut errors = Vec::new();
        let parsed = StationCode::parse(code);
        if parsed.is_none() {
            errors.push(format!(
                "code: mã trạm `{code}` không hợp lệ: chỉ dùng chữ, số, `-`, `_`, `.`"
            ));
        }
        let area = AreaCode::parse(&self.area).ok().and_then(|c| tree.get(&c));
        if area.is_none() {
            errors.push(format!(
                "area: đơn vị `{}` không có trong danh sách đơn vị hành chính{}",
                self.area,
                crate::wire::area_hint(tree, &self.area)
            ));
        }
        let languages = self.languages(&mut errors);
        let timezone = match &self.timezone {
            None => Some(chrono_tz::Asia::Ho_Chi_Minh),
            Some(tz) => tz.parse::<Tz>().ok().or_else(|| {
                errors.push(format!(
                    "timezone: múi giờ `{tz}` không có trong cơ sở dữ liệu IANA; viết `Asia/Ho_Chi_Minh`"
                ));
                None
            }),
        };
        let (windows, paths) = match &self.windows {
            None => (Some(None), Vec::new()),
            Some(specs) => {
                let (w, paths) = windows(specs, &mut errors);
                (w.map(Some), paths)
            }
        };
        let target = self.target_lufs.unwrap_or(-16.0);
        if !LUFS_RANGE.contains(&target) {
            errors.push(format!(
                "target_lufs: {target} không hợp lệ: mức âm lượng mục tiêu từ -40 đến -5 LUFS (thường là -16)"
            ));
        }
        let name = match &self.name {
            Some(n) if n.trim().is_empty() => {
                errors
                    .push("name: không được để trống (bỏ `name` để dùng tên mặc định)".to_owned());
                None
            }
            Some(n) => Some(crate::schedule_file::nfc(n.trim())),
            None => area.map(|a| format!("Trạm truyền thanh {}", tree.area(a).name)),
        };
        match (parsed, area, timezone, windows, name) {
            (Some(code), Some(area), Some(timezone), Some(windows), Some(name))
                if errors.is_empty() =>
            {
                let station = Station {
                    code,
                    name,
                    area,
                    timezone,
                    languages,
                    windows,
                };
                Ok((station, target, paths))
            }
            _ => Err(errors),
        }
    }

    fn languages(&self, errors: &mut Vec<String>) -> Vec<Language> {
        let Some(list) = &self.languages else {
            return vec![Language::vietnamese()];
        };
        if list.is_empty() {
            errors.push("languages: cần ít nhất một ngôn ngữ, ví dụ [\"vi\"]".to_owned());
        }
        list.iter()
            .enumerate()
            .filter_map(|(i, l)| {
                let lang = Language::parse(l);
                if lang.is_none() {
                    errors.push(format!(
                        "languages[{i}]: mã ngôn ngữ `{l}` không hợp lệ: dùng mã ISO 639 viết thường, ví dụ `vi`, `tyz` (Tày), `hmn` (H'Mông)"
                    ));
                }
                lang
            })
            .collect()
    }
}

/// Parses window specs; `None` when any is wrong (problems pushed to `errors`).
fn windows(specs: &[WindowSpec], errors: &mut Vec<String>) -> (Option<Windows>, Vec<String>) {
    let mut list = Vec::new();
    let mut paths = Vec::new();
    let mut ok = true;
    for (i, spec) in specs.iter().enumerate() {
        let days = match &spec.days {
            None => WeekdaySet::ALL,
            Some(d) => match WeekdaySet::parse(d) {
                Ok(s) => s,
                Err(e) => {
                    errors.push(format!("windows[{i}].days: {e}"));
                    ok = false;
                    continue;
                }
            },
        };
        if spec.times.is_empty() {
            errors.push(format!(
                "windows[{i}].times: cần ít nhất một khung giờ trong `times`, ví dụ [\"05:30-06:30\"]"
            ));
            ok = false;
        }
        for (j, t) in spec.times.iter().enumerate() {
            match Window::parse_range(days, t) {
                Ok(w) => {
                    list.push(w);
                    paths.push(format!("windows[{i}].times[{j}]"));
                }
                Err(e) => {
                    errors.push(format!("windows[{i}].times[{j}]: {e}"));
                    ok = false;
                }
            }
        }
    }
    if !ok {
        return (None, paths);
    }
    match Windows::new(list) {
        Ok(w) => (Some(w), paths),
        Err(e) => {
            errors.push(match &e {
                WindowError::Overlap {
                    first_index,
                    second_index,
                    ..
                } => format!(
                    "{}: {e} (khung trước: {})",
                    paths[*second_index], paths[*first_index]
                ),
                _ => format!("windows: {e}"),
            });
            (None, paths)
        }
    }
}
