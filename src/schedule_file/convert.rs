//! From raw entries to validated domain values, collecting every problem with its place.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use toml::Spanned;
use toml::value::Datetime;

use super::areas_csv::parse_areas_csv;
use super::drafts;
use super::load::{Collected, LoadOptions};
use super::raw::RawSegment;
use super::source::{SourceFile, problem_at_line};
use super::{Problem, nfc, resolve_file};
use crate::domain::{
    AreaCode, AreaTree, Inputs, InputsError, Language, Segment, SegmentId, SegmentIdx, Sha256Digest,
};

/// Where a piece was written: file index and span.
pub(super) type Place = (usize, Range<usize>);

/// The files being read and the problems found so far.
pub(super) struct Ctx<'a> {
    pub(super) sources: &'a [SourceFile],
    pub(super) problems: Vec<Problem>,
}

impl Ctx<'_> {
    /// Records a problem at `place`.
    pub(super) fn at(&mut self, place: &Place, message: impl Into<String>) {
        let p = self.sources[place.0].problem(&place.1, message);
        self.problems.push(p);
    }

    fn dir_of(&self, file: usize) -> PathBuf {
        self.sources[file]
            .path
            .parent()
            .unwrap_or(Path::new("."))
            .to_owned()
    }
}

/// The place of a value written in file `file`.
pub(super) fn place<T>(file: usize, v: &Spanned<T>) -> Place {
    (file, v.span())
}

/// Builds the inputs of a set from everything its files hold.
pub(super) fn build(
    dir: &Path,
    sources: &[SourceFile],
    c: Collected,
    options: LoadOptions,
) -> Result<(Inputs, Vec<PathBuf>), Vec<Problem>> {
    let mut ctx = Ctx {
        sources,
        problems: Vec::new(),
    };
    let Some(tree) = load_tree(dir, &mut ctx, &c) else {
        return Err(ctx.problems);
    };

    let (windows_by_area, area_window_places) = drafts::area_windows(&mut ctx, &tree, &c.windows);

    let mut stations = Vec::new();
    let mut station_places = Vec::new();
    for (f, s) in &c.stations {
        if let Some((station, places)) = drafts::station(&mut ctx, &tree, *f, s) {
            stations.push(station);
            station_places.push((place(*f, &s.get_ref().code), places));
        }
    }

    let audio_dir = match c.library.as_slice() {
        [] => dir.to_owned(),
        [(f, lib), rest @ ..] => {
            for (g, extra) in rest {
                ctx.at(
                    &place(*g, extra),
                    "`[library]` đã khai báo ở tệp khác; mỗi bộ lịch chỉ có một",
                );
            }
            ctx.dir_of(*f).join(lib.get_ref().audio_dir.get_ref())
        }
    };
    let mut segments = Vec::new();
    let mut segment_places = Vec::new();
    let mut media = Vec::new();
    for (f, s) in &c.segments {
        if let Some((segment, path)) = convert_segment(&mut ctx, &audio_dir, *f, s, options) {
            segments.push(segment);
            segment_places.push(place(*f, &s.get_ref().id));
            media.push(path);
        }
    }
    let segment_ids: HashMap<String, SegmentIdx> = segments
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.to_string(), SegmentIdx::new(i as u32)))
        .collect();

    let declared: HashSet<&str> = c.declared_segments.iter().map(String::as_str).collect();
    let mut campaigns = Vec::new();
    let mut campaign_places = Vec::new();
    for (f, raw) in &c.campaigns {
        if let Some((campaign, rotation_places)) =
            drafts::campaign(&mut ctx, &tree, &segment_ids, &declared, *f, raw)
        {
            campaigns.push(campaign);
            campaign_places.push((place(*f, &raw.get_ref().id), rotation_places));
        }
    }

    if !ctx.problems.is_empty() {
        return Err(ctx.problems);
    }
    match Inputs::new(tree.clone(), windows_by_area, stations, segments, campaigns) {
        Ok(inputs) => Ok((inputs, media)),
        Err(errors) => {
            for e in errors {
                let at = match &e {
                    InputsError::DuplicateStation { station, .. }
                    | InputsError::NoWindows { station, .. } => station_places[*station].0.clone(),
                    InputsError::StationWindowOutside {
                        station,
                        window_index,
                        ..
                    } => station_places[*station]
                        .1
                        .get(*window_index)
                        .cloned()
                        .unwrap_or_else(|| station_places[*station].0.clone()),
                    InputsError::AreaWindowOutside {
                        area, window_index, ..
                    } => tree
                        .get(area)
                        .and_then(|id| area_window_places.get(&id))
                        .and_then(|p| p.get(*window_index))
                        .cloned()
                        .unwrap_or((0, 0..0)),
                    InputsError::DuplicateSegment { segment, .. }
                    | InputsError::SegmentDates { segment, .. } => segment_places[*segment].clone(),
                    InputsError::DuplicateCampaign { campaign, .. }
                    | InputsError::CampaignDates { campaign, .. }
                    | InputsError::EmergencyScheduled { campaign, .. }
                    | InputsError::UnknownSegment { campaign, .. } => {
                        campaign_places[*campaign].0.clone()
                    }
                    InputsError::SpacingTooLarge {
                        campaign,
                        rotation_index,
                        ..
                    } => campaign_places[*campaign].1[*rotation_index].clone(),
                };
                ctx.at(&at, e.to_string());
            }
            Err(ctx.problems)
        }
    }
}

fn load_tree(dir: &Path, ctx: &mut Ctx<'_>, c: &Collected) -> Option<AreaTree> {
    let Some((f, areas)) = c.areas.first() else {
        let path = ctx
            .sources
            .first()
            .map_or(dir.to_owned(), |s| s.path.clone());
        ctx.problems.push(problem_at_line(
            &path,
            1,
            1,
            "thiếu `[areas]`: thêm `[areas]` với `csv = \"areas.csv\"` (cột code,name,kind,parent_code)",
        ));
        return None;
    };
    for (g, extra) in &c.areas[1..] {
        ctx.at(
            &place(*g, extra),
            "`[areas]` đã khai báo ở tệp khác; mỗi bộ lịch chỉ có một cây đơn vị",
        );
    }
    let csv_name = areas.get_ref().csv.get_ref();
    let Some(csv_path) = resolve_file(&ctx.dir_of(*f), csv_name) else {
        ctx.at(
            &place(*f, &areas.get_ref().csv),
            format!("không tìm thấy tệp `{csv_name}` (đường dẫn tính từ thư mục của tệp này)"),
        );
        return None;
    };
    let text = match std::fs::read_to_string(&csv_path) {
        Ok(t) => t,
        Err(e) => {
            ctx.at(
                &place(*f, &areas.get_ref().csv),
                format!("không đọc được `{csv_name}` (cần UTF-8): {e}"),
            );
            return None;
        }
    };
    let rows = match parse_areas_csv(&csv_path, &text) {
        Ok(rows) => rows,
        Err(problems) => {
            ctx.problems.extend(problems);
            return None;
        }
    };
    let lines: HashMap<AreaCode, usize> = rows.iter().map(|(a, l)| (a.code.clone(), *l)).collect();
    match AreaTree::build(rows.into_iter().map(|(a, _)| a).collect()) {
        Ok(tree) => Some(tree),
        Err(e) => {
            let code = match &e {
                crate::domain::AreaError::Duplicate(c) | crate::domain::AreaError::BadRoot(c) => {
                    Some(c)
                }
                crate::domain::AreaError::UnknownParent { child, .. }
                | crate::domain::AreaError::BadNesting { child, .. } => Some(child),
                _ => None,
            };
            let line = code.and_then(|c| lines.get(c)).copied().unwrap_or(1);
            ctx.problems
                .push(problem_at_line(&csv_path, line, 1, e.to_string()));
            None
        }
    }
}

/// A TOML date (no time, no offset), or its problem reported where it was written.
pub(super) fn date_of(ctx: &mut Ctx<'_>, f: usize, d: &Spanned<Datetime>) -> Option<NaiveDate> {
    let v = d.get_ref();
    let date = match (v.date, v.time, v.offset) {
        (Some(date), None, None) => NaiveDate::from_ymd_opt(
            i32::from(date.year),
            u32::from(date.month),
            u32::from(date.day),
        ),
        _ => None,
    };
    if date.is_none() {
        ctx.at(
            &place(f, d),
            format!("`{v}` không phải một ngày; viết ngày không kèm giờ, ví dụ `2026-10-01`"),
        );
    }
    date
}

fn convert_segment(
    ctx: &mut Ctx<'_>,
    audio_dir: &Path,
    f: usize,
    s: &Spanned<RawSegment>,
    options: LoadOptions,
) -> Option<(Segment, PathBuf)> {
    let raw = s.get_ref();
    let slug = |ctx: &mut Ctx<'_>, v: &Spanned<String>, what: &str| {
        let id = SegmentId::parse(v.get_ref());
        if id.is_none() {
            ctx.at(&place(f, v), format!("{what} `{}` không hợp lệ: chỉ dùng chữ thường không dấu, số, `-`, `_`, `.`, ví dụ `gia-dinh-hoc-tap`", v.get_ref()));
        }
        id
    };
    let id = slug(ctx, &raw.id, "mã bản tin");
    let group = match &raw.group {
        Some(g) => slug(ctx, g, "nhóm bản dịch"),
        None => id.clone(),
    };
    let title = nfc(raw.title.get_ref().trim());
    if title.is_empty() {
        ctx.at(&place(f, &raw.title), "tiêu đề không được để trống");
    }
    let language = match &raw.language {
        None => Some(Language::vietnamese()),
        Some(l) => {
            let lang = Language::parse(l.get_ref());
            if lang.is_none() {
                ctx.at(
                    &place(f, l),
                    format!(
                        "mã ngôn ngữ `{}` không hợp lệ: ví dụ `vi`, `tyz`, `hmn`",
                        l.get_ref()
                    ),
                );
            }
            lang
        }
    };
    let sha256 = Sha256Digest::parse(raw.sha256.get_ref());
    if sha256.is_none() {
        ctx.at(
            &place(f, &raw.sha256),
            "`sha256` phải là 64 chữ số hex (lệnh `sha256sum TỆP` cho giá trị này)",
        );
    }
    let duration_ms = *raw.duration_ms.get_ref();
    if duration_ms == 0 {
        ctx.at(&place(f, &raw.duration_ms), "`duration_ms` phải lớn hơn 0");
    }
    let valid_from = raw.valid_from.as_ref().map(|d| date_of(ctx, f, d));
    let valid_until = raw.valid_until.as_ref().map(|d| date_of(ctx, f, d));
    if let (Some(Some(from)), Some(Some(until)), Some(at)) =
        (valid_from, valid_until, &raw.valid_until)
        && from > until
    {
        ctx.at(
                &place(f, at),
                format!(
                    "bản tin {}: `valid_from` {from} phải trước hoặc bằng `valid_until` {until}; đổi chỗ hai ngày: valid_from = {until}, valid_until = {from}",
                    raw.id.get_ref()
                ),
            );
    }
    let file_name = nfc(raw.file.get_ref());
    let path = resolve_file(audio_dir, &file_name);
    match &path {
        None => ctx.at(
            &place(f, &raw.file),
            format!(
                "không tìm thấy tệp âm thanh `{file_name}` trong {}",
                audio_dir.display()
            ),
        ),
        Some(path) if options.verify_audio => match crate::audio::measure(path) {
            Err(e) => ctx.at(&place(f, &raw.file), format!("tệp `{file_name}`: {e}")),
            Ok(m) => {
                if Some(m.sha256) != sha256 {
                    ctx.at(
                        &place(f, &raw.sha256),
                        format!(
                            "SHA-256 không khớp với tệp `{file_name}`; viết `sha256 = \"{}\"`",
                            m.sha256
                        ),
                    );
                }
                if m.duration_ms != duration_ms {
                    ctx.at(&place(f, &raw.duration_ms), format!("độ dài giải mã thực của `{file_name}` là {} ms; viết `duration_ms = {}`", m.duration_ms, m.duration_ms));
                }
            }
        },
        Some(_) => {}
    }
    let tags = raw.tags.iter().map(|t| nfc(t.get_ref().trim())).collect();
    let segment = Segment {
        id: id?,
        title,
        language: language?,
        group: group?,
        tags,
        duration_ms,
        sha256: sha256?,
        valid_from: valid_from.flatten(),
        valid_until: valid_until.flatten(),
    };
    Some((segment, path?))
}
