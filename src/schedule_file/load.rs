//! Finding schedule sets on disk and reading their files into raw entries.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::Problem;
use super::convert;
use super::raw::{RawAreas, RawCampaign, RawLibrary, RawSegment, RawStation, RawWindow};
use super::source::SourceFile;
use crate::domain::Inputs;

/// How much to check when loading.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// Decode every audio file named by a segment and compare its SHA-256 and measured
    /// duration with the manifest (what `loa schedule check` does).
    pub verify_audio: bool,
}

/// A loaded, valid schedule set: one province's inputs.
#[derive(Debug, Clone)]
pub struct ScheduleSet {
    /// The folder it was read from.
    pub dir: PathBuf,
    /// The validated inputs.
    pub inputs: Inputs,
    /// For each segment (same order as `inputs.segments()`), its audio file.
    pub media: Vec<PathBuf>,
}

/// The sets under `path`: the folder itself if it holds `.toml` files, else each
/// sub-folder that does; a `.toml` file stands for its folder.
pub fn discover_sets(path: &Path) -> Result<Vec<PathBuf>, Problem> {
    let not_found = |message: String| Problem {
        path: path.to_owned(),
        line: 1,
        column: 1,
        message,
    };
    if path.is_file() {
        return match path.extension().and_then(|e| e.to_str()) {
            Some("toml") => Ok(vec![path.parent().unwrap_or(Path::new(".")).to_owned()]),
            _ => Err(not_found(
                "không phải tệp lịch `.toml` hay thư mục lịch".to_owned(),
            )),
        };
    }
    if !path.is_dir() {
        return Err(not_found("không tìm thấy thư mục hay tệp này".to_owned()));
    }
    if !toml_files(path).is_empty() {
        return Ok(vec![path.to_owned()]);
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| not_found(format!("không đọc được thư mục: {e}")))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir() && !toml_files(p).is_empty())
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        return Err(not_found(
            "không có tệp lịch `.toml` nào trong thư mục này hay thư mục con".to_owned(),
        ));
    }
    Ok(dirs)
}

fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Entries of all files of a set, each with the index of the file it came from.
#[derive(Debug, Default)]
pub(super) struct Collected {
    pub areas: Vec<(usize, Spanned<RawAreas>)>,
    pub library: Vec<(usize, Spanned<RawLibrary>)>,
    pub windows: Vec<(usize, Spanned<RawWindow>)>,
    pub stations: Vec<(usize, Spanned<RawStation>)>,
    pub segments: Vec<(usize, Spanned<RawSegment>)>,
    pub campaigns: Vec<(usize, Spanned<RawCampaign>)>,
    /// The `id` of every `[[segment]]` written, also of those with problems, so that a
    /// campaign naming one is not reported as naming an unknown segment.
    pub declared_segments: Vec<String>,
}

const TOP_KEYS: [&str; 6] = [
    "areas", "library", "window", "station", "segment", "campaign",
];

/// Reads and checks the set in `dir`, reporting every problem found.
pub fn load_set(dir: &Path, options: LoadOptions) -> Result<ScheduleSet, Vec<Problem>> {
    let mut sources = Vec::new();
    let mut problems = Vec::new();
    let mut collected = Collected::default();
    for path in toml_files(dir) {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                problems.push(Problem {
                    path: path.clone(),
                    line: 1,
                    column: 1,
                    message: format!("không đọc được tệp (cần UTF-8): {e}"),
                });
                continue;
            }
        };
        let file = SourceFile::new(&path, text);
        read_file(sources.len(), &file, &mut collected, &mut problems);
        sources.push(file);
    }
    if sources.is_empty() && problems.is_empty() {
        problems.push(Problem {
            path: dir.to_owned(),
            line: 1,
            column: 1,
            message: "thư mục không có tệp lịch `.toml`".to_owned(),
        });
    }
    let built = convert::build(dir, &sources, collected, options);
    match built {
        Ok((inputs, media)) if problems.is_empty() => Ok(ScheduleSet {
            dir: dir.to_owned(),
            inputs,
            media,
        }),
        Ok(_) => Err(problems),
        Err(more) => {
            problems.extend(more);
            Err(problems)
        }
    }
}

fn read_file(index: usize, file: &SourceFile, out: &mut Collected, problems: &mut Vec<Problem>) {
    let table = match DeTable::parse(&file.text) {
        Ok(t) => t.into_inner(),
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            problems.push(file.problem(&span, format!("cú pháp TOML sai: {}", e.message().trim())));
            return;
        }
    };
    for (key, value) in table.iter() {
        let name = key.get_ref().as_ref();
        let span = key.span();
        match name {
            "areas" => push_table(index, file, value, &mut out.areas, problems),
            "library" => push_table(index, file, value, &mut out.library, problems),
            "window" => push_array(index, file, name, value, &mut out.windows, problems),
            "station" => push_array(index, file, name, value, &mut out.stations, problems),
            "segment" => {
                if let DeValue::Array(items) = value.get_ref() {
                    out.declared_segments
                        .extend(items.iter().filter_map(|item| declared_id(item.get_ref())));
                }
                push_array(index, file, name, value, &mut out.segments, problems)
            }
            "campaign" => push_array(index, file, name, value, &mut out.campaigns, problems),
            other => {
                let hint = super::suggest(other, TOP_KEYS)
                    .map_or(String::new(), |s| format!("; có phải `{s}`?"));
                problems.push(file.problem(
                    &span,
                    format!(
                        "khóa `{other}` không dùng ở cấp đầu tệp; dùng một trong: {}{hint}",
                        TOP_KEYS.join(", ")
                    ),
                ));
            }
        }
    }
}

/// The string `id` of a table, if it has one.
fn declared_id(value: &DeValue<'_>) -> Option<String> {
    let DeValue::Table(table) = value else {
        return None;
    };
    table
        .iter()
        .find_map(|(k, v)| match (k.get_ref().as_ref(), v.get_ref()) {
            ("id", DeValue::String(id)) => Some(id.to_string()),
            _ => None,
        })
}

fn push_table<T: DeserializeOwned>(
    index: usize,
    file: &SourceFile,
    value: &Spanned<DeValue<'_>>,
    out: &mut Vec<(usize, Spanned<T>)>,
    problems: &mut Vec<Problem>,
) {
    match Spanned::<T>::deserialize(ValueDeserializer::from(value.clone())) {
        Ok(v) => out.push((index, v)),
        Err(e) => problems.push(de_problem(file, &e, value.span())),
    }
}

fn push_array<T: DeserializeOwned>(
    index: usize,
    file: &SourceFile,
    name: &str,
    value: &Spanned<DeValue<'_>>,
    out: &mut Vec<(usize, Spanned<T>)>,
    problems: &mut Vec<Problem>,
) {
    let DeValue::Array(items) = value.get_ref() else {
        problems.push(file.problem(
            &value.span(),
            format!(
                "`{name}` phải là mảng bảng: viết `[[{name}]]` (hai cặp ngoặc vuông) cho mỗi mục"
            ),
        ));
        return;
    };
    for item in items.iter() {
        push_table(index, file, item, out, problems);
    }
}

/// Turns a serde error into a located problem, in Vietnamese where the shape is known.
fn de_problem(file: &SourceFile, e: &toml::de::Error, fallback: std::ops::Range<usize>) -> Problem {
    let span = e.span().unwrap_or(fallback);
    let msg = e.message().trim();
    let text = if let Some(rest) = msg.strip_prefix("unknown field `") {
        let (field, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let hint = super::suggest(field, allowed.iter().copied())
            .map_or(String::new(), |s| format!("; có phải `{s}`?"));
        format!(
            "khóa `{field}` không hợp lệ ở đây; các khóa hợp lệ: {}{hint}",
            allowed.join(", ")
        )
    } else if let Some(rest) = msg.strip_prefix("missing field `") {
        format!("thiếu khóa `{}`", rest.trim_end_matches('`'))
    } else if msg.contains("expected a TOML datetime") || msg.contains("expected a datetime") {
        "cần một ngày TOML không có dấu nháy, ví dụ `from = 2026-10-01`".to_owned()
    } else if msg.starts_with("invalid type") {
        format!("sai kiểu giá trị ({msg})")
    } else if msg.contains("out of range") || msg.starts_with("invalid value") {
        format!("giá trị không hợp lệ ({msg})")
    } else {
        msg.to_owned()
    };
    file.problem(&span, text)
}
