//! From raw entries to validated domain values, collecting every problem with its place.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use chrono_tz::Tz;
use toml::Spanned;
use toml::value::Datetime;

use super::areas_csv::parse_areas_csv;
use super::load::{Collected, LoadOptions};
use super::raw::{RawCampaign, RawSegment, RawStation};
use super::source::{SourceFile, problem_at_line};
use super::{Problem, nfc, resolve_file, suggest};
use crate::domain::{
    AreaCode, AreaId, AreaTree, Campaign, CampaignId, CronSchedule, Inputs, InputsError, Language,
    Order, PoolEntry, Priority, RelayUrl, Rotation, RotationId, Segment, SegmentId, SegmentIdx,
    Sha256Digest, Station, StationCode, WeekdaySet, Window, WindowError, Windows,
};

/// Where a piece was written: file index and span.
type Place = (usize, Range<usize>);

struct Ctx<'a> {
    sources: &'a [SourceFile],
    problems: Vec<Problem>,
}

impl Ctx<'_> {
    fn at(&mut self, place: &Place, message: impl Into<String>) {
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

fn place<T>(file: usize, v: &Spanned<T>) -> Place {
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

    let mut area_windows: HashMap<AreaId, Vec<(Window, Place)>> = HashMap::new();
    for (f, w) in &c.windows {
        let Some(area) = resolve_area(&mut ctx, &tree, *f, &w.get_ref().area) else {
            continue;
        };
        for window in parse_windows(&mut ctx, *f, w.get_ref().days.as_ref(), &w.get_ref().times) {
            area_windows.entry(area).or_default().push(window);
        }
    }
    let mut area_window_places: HashMap<AreaId, Vec<Place>> = HashMap::new();
    let mut windows_by_area = HashMap::new();
    for (area, list) in area_windows {
        if let Some(w) = checked_windows(&mut ctx, &list) {
            windows_by_area.insert(area, w);
        }
        area_window_places.insert(area, list.into_iter().map(|(_, p)| p).collect());
    }

    let mut stations = Vec::new();
    let mut station_places = Vec::new();
    for (f, s) in &c.stations {
        if let Some((station, places)) = convert_station(&mut ctx, &tree, *f, s) {
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
            convert_campaign(&mut ctx, &tree, &segment_ids, &declared, *f, raw)
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

fn resolve_area(
    ctx: &mut Ctx<'_>,
    tree: &AreaTree,
    f: usize,
    code: &Spanned<String>,
) -> Option<AreaId> {
    let found = AreaCode::parse(code.get_ref())
        .ok()
        .and_then(|c| tree.get(&c));
    if found.is_none() {
        let codes: Vec<String> = tree
            .ids()
            .map(|id| tree.area(id).code.to_string())
            .collect();
        let hint = suggest(code.get_ref(), codes.iter().map(String::as_str))
            .and_then(|s| AreaCode::parse(s).ok())
            .and_then(|c| tree.get(&c))
            .map_or(String::new(), |id| {
                let a = tree.area(id);
                format!("; có phải `{}` ({})?", a.code, a.name)
            });
        ctx.at(
            &place(f, code),
            format!(
                "đơn vị `{}` không có trong danh sách đơn vị hành chính{hint}",
                code.get_ref()
            ),
        );
    }
    found
}

fn parse_windows(
    ctx: &mut Ctx<'_>,
    f: usize,
    days: Option<&Spanned<String>>,
    times: &[Spanned<String>],
) -> Vec<(Window, Place)> {
    let set = match days {
        None => WeekdaySet::ALL,
        Some(d) => match WeekdaySet::parse(d.get_ref()) {
            Ok(s) => s,
            Err(e) => {
                ctx.at(&place(f, d), e.to_string());
                return Vec::new();
            }
        },
    };
    if times.is_empty() {
        ctx.problems.push(ctx.sources[f].problem_at(
            days.map_or(0, |d| d.span().start),
            "cần ít nhất một khung giờ trong `times`, ví dụ `times = [\"05:30-06:30\"]`",
        ));
    }
    times
        .iter()
        .filter_map(|t| match Window::parse_range(set, t.get_ref()) {
            Ok(w) => Some((w, place(f, t))),
            Err(e) => {
                ctx.at(&place(f, t), e.to_string());
                None
            }
        })
        .collect()
}

fn checked_windows(ctx: &mut Ctx<'_>, list: &[(Window, Place)]) -> Option<Windows> {
    match Windows::new(list.iter().map(|(w, _)| *w).collect()) {
        Ok(w) => Some(w),
        Err(WindowError::Overlap {
            first_index,
            second_index,
            ..
        }) => {
            let first = &list[first_index].1;
            let line = ctx.sources[first.0].problem(&first.1, "").line;
            let e = Windows::new(list.iter().map(|(w, _)| *w).collect()).err()?;
            ctx.at(
                &list[second_index].1,
                format!("{e} (khung trước ở dòng {line})"),
            );
            None
        }
        Err(e) => {
            ctx.at(&list[0].1, e.to_string());
            None
        }
    }
}

fn convert_station(
    ctx: &mut Ctx<'_>,
    tree: &AreaTree,
    f: usize,
    s: &Spanned<RawStation>,
) -> Option<(Station, Vec<Place>)> {
    let raw = s.get_ref();
    let code = StationCode::parse(raw.code.get_ref());
    if code.is_none() {
        ctx.at(
            &place(f, &raw.code),
            format!(
                "mã trạm `{}` không hợp lệ: chỉ dùng chữ, số, `-`, `_`, `.`",
                raw.code.get_ref()
            ),
        );
    }
    let area = resolve_area(ctx, tree, f, &raw.area);
    let mut languages = Vec::new();
    match &raw.languages {
        None => languages.push(Language::vietnamese()),
        Some(list) if list.get_ref().is_empty() => ctx.at(
            &place(f, list),
            "cần ít nhất một ngôn ngữ, ví dụ `languages = [\"vi\"]`",
        ),
        Some(list) => {
            for l in list.get_ref() {
                match Language::parse(l.get_ref()) {
                    Some(lang) => languages.push(lang),
                    None => ctx.at(&place(f, l), format!("mã ngôn ngữ `{}` không hợp lệ: dùng mã ISO 639 viết thường, ví dụ `vi`, `tyz` (Tày), `hmn` (H'Mông)", l.get_ref())),
                }
            }
        }
    }
    let timezone = match &raw.timezone {
        None => Some(chrono_tz::Asia::Ho_Chi_Minh),
        Some(tz) => {
            match tz.get_ref().parse::<Tz>() {
                Ok(tz) => Some(tz),
                Err(_) => {
                    ctx.at(&place(f, tz), format!("múi giờ `{}` không có trong cơ sở dữ liệu IANA; viết `Asia/Ho_Chi_Minh`", tz.get_ref()));
                    None
                }
            }
        }
    };
    let mut window_places = Vec::new();
    let windows = match &raw.windows {
        None => Some(None),
        Some(specs) => {
            let list: Vec<(Window, Place)> = specs
                .iter()
                .flat_map(|spec| {
                    parse_windows(ctx, f, spec.get_ref().days.as_ref(), &spec.get_ref().times)
                })
                .collect();
            window_places = list.iter().map(|(_, p)| p.clone()).collect();
            checked_windows(ctx, &list).map(Some)
        }
    };
    let (code, area, timezone, windows) = (code?, area?, timezone?, windows?);
    let name = raw.name.as_ref().map_or_else(
        || format!("Trạm truyền thanh {}", tree.area(area).name),
        |n| nfc(n.get_ref().trim()),
    );
    Some((
        Station {
            code,
            name,
            area,
            timezone,
            languages,
            windows,
        },
        window_places,
    ))
}

fn date_of(ctx: &mut Ctx<'_>, f: usize, d: &Spanned<Datetime>) -> Option<NaiveDate> {
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

/// Parses `5m`, `90s`, `1m30s`, `1h` into seconds.
fn parse_length(s: &str) -> Option<u32> {
    let mut total = 0u32;
    let mut number = String::new();
    let mut any = false;
    for c in s.trim().chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        let n: u32 = number.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        number.clear();
        any = true;
    }
    (any && number.is_empty() && total > 0 && total <= 24 * 3600).then_some(total)
}

fn convert_campaign(
    ctx: &mut Ctx<'_>,
    tree: &AreaTree,
    segments: &HashMap<String, SegmentIdx>,
    declared: &HashSet<&str>,
    f: usize,
    c: &Spanned<RawCampaign>,
) -> Option<(Campaign, Vec<Place>)> {
    let raw = c.get_ref();
    let id = CampaignId::parse(raw.id.get_ref());
    if id.is_none() {
        ctx.at(
            &place(f, &raw.id),
            format!(
                "mã chiến dịch `{}` không hợp lệ: chỉ dùng chữ thường không dấu, số, `-`, `_`, `.`",
                raw.id.get_ref()
            ),
        );
    }
    let name = nfc(raw.name.get_ref().trim());
    let from = date_of(ctx, f, &raw.from);
    let until = date_of(ctx, f, &raw.until);
    if let (Some(a), Some(b)) = (from, until)
        && a > b
    {
        ctx.at(
            &place(f, &raw.until),
            format!("`until` ({b}) trước `from` ({a}); đổi chỗ hai ngày: from = {b}, until = {a}"),
        );
    }
    if raw.areas.get_ref().is_empty() {
        ctx.at(
            &place(f, &raw.areas),
            "cần ít nhất một đơn vị trong `areas`, ví dụ mã tỉnh `areas = [\"06\"]`",
        );
    }
    let areas: Vec<AreaId> = raw
        .areas
        .get_ref()
        .iter()
        .filter_map(|a| resolve_area(ctx, tree, f, a))
        .collect();
    let priority = match &raw.priority {
        None => Some(Priority::Normal),
        Some(p) => {
            let parsed = Priority::parse(p.get_ref());
            if parsed == Some(Priority::Emergency) {
                ctx.at(
                    &place(f, p),
                    format!(
                        "chiến dịch {}: mức `emergency` không lên lịch trước được; bản tin khẩn cấp được gửi trực tiếp. Dùng `priority` hoặc `normal`",
                        raw.id.get_ref()
                    ),
                );
                return None;
            }
            if parsed.is_none() {
                ctx.at(&place(f, p), format!("mức ưu tiên `{}` không hợp lệ: viết `normal` (thông thường) hoặc `priority` (ưu tiên)", p.get_ref()));
            }
            parsed
        }
    };
    if raw.pool.get_ref().is_empty() {
        ctx.at(
            &place(f, &raw.pool),
            "danh sách `pool` trống: liệt kê mã các bản tin cần phát",
        );
    }
    let weights = raw
        .weights
        .as_ref()
        .map(|w| w.get_ref().clone())
        .unwrap_or_default();
    let mut pool = Vec::new();
    for entry in raw.pool.get_ref() {
        match segments.get(entry.get_ref()) {
            Some(&segment) => pool.push(PoolEntry {
                segment,
                weight: weights.get(entry.get_ref()).copied().unwrap_or(1),
            }),
            // Written in the library but refused there: that problem is already reported.
            None if declared.contains(entry.get_ref().as_str()) => {}
            None => {
                let hint = suggest(entry.get_ref(), segments.keys().map(String::as_str))
                    .map_or(String::new(), |s| format!("; có phải `{s}`?"));
                ctx.at(
                    &place(f, entry),
                    format!(
                        "bản tin `{}` không có trong thư viện (`[[segment]]`){hint}",
                        entry.get_ref()
                    ),
                );
            }
        }
    }
    if let Some(w) = &raw.weights {
        for (key, &value) in w.get_ref() {
            if !raw.pool.get_ref().iter().any(|p| p.get_ref() == key) {
                ctx.at(
                    &place(f, w),
                    format!("`weights` có `{key}` nhưng `pool` không có bản tin này"),
                );
            }
            if value == 0 {
                ctx.at(
                    &place(f, w),
                    format!("trọng số của `{key}` phải từ 1 trở lên"),
                );
            }
        }
    }
    if raw.rotation.is_empty() {
        ctx.at(
            &place(f, &raw.id),
            "chiến dịch chưa có lịch phát: thêm `[[campaign.rotation]]` với `slots` và `length`",
        );
    }
    let mut rotations = Vec::new();
    let mut places = Vec::new();
    for r in &raw.rotation {
        if let Some(rotation) = convert_rotation(ctx, f, r, weights.is_empty()) {
            if rotations.iter().any(|x: &Rotation| x.id == rotation.id) {
                ctx.at(
                    &place(f, &r.get_ref().id),
                    format!("lịch `{}` bị trùng trong chiến dịch", rotation.id),
                );
            }
            rotations.push(rotation);
            places.push(place(f, &r.get_ref().id));
        }
    }
    let campaign = Campaign {
        id: id?,
        name,
        from: from?,
        until: until?,
        areas,
        priority: priority?,
        pool,
        min_airings_per_day: raw.min_airings_per_day.as_ref().map_or(0, |m| *m.get_ref()),
        rotations,
    };
    Some((campaign, places))
}

fn convert_rotation(
    ctx: &mut Ctx<'_>,
    f: usize,
    r: &Spanned<super::raw::RawRotation>,
    no_weights: bool,
) -> Option<Rotation> {
    let raw = r.get_ref();
    let id = RotationId::parse(raw.id.get_ref());
    if id.is_none() {
        ctx.at(
            &place(f, &raw.id),
            format!(
                "mã lịch `{}` không hợp lệ: chỉ dùng chữ thường không dấu, số, `-`, `_`, `.`",
                raw.id.get_ref()
            ),
        );
    }
    if raw.slots.get_ref().is_empty() {
        ctx.at(
            &place(f, &raw.slots),
            "cần ít nhất một quy tắc trong `slots`, ví dụ `slots = [\"30 5 * * *\"]`",
        );
    }
    let mut slots = Vec::new();
    let mut ok = true;
    for s in raw.slots.get_ref() {
        match CronSchedule::parse(s.get_ref()) {
            Ok(rule) => slots.push(rule),
            Err(e) => {
                ok = false;
                // +1 skips the opening quote of the TOML string.
                let p = ctx.sources[f].problem_at(
                    s.span().start + 1 + e.offset,
                    format!("quy tắc `{}`: {e}", s.get_ref()),
                );
                ctx.problems.push(p);
            }
        }
    }
    let slot_seconds = parse_length(raw.length.get_ref());
    if slot_seconds.is_none() {
        ctx.at(&place(f, &raw.length), format!("độ dài khung `{}` không hợp lệ: viết ví dụ `\"5m\"`, `\"90s\"` hoặc `\"1m30s\"` (tối đa 24h)", raw.length.get_ref()));
    }
    let order = match raw.order.as_ref().map(|o| (o, o.get_ref().as_str())) {
        None | Some((_, "sequential")) => Some(Order::Sequential),
        Some((_, "shuffle")) => Some(Order::Shuffle {
            seed: raw.seed.as_ref().map_or(0, |s| *s.get_ref()),
        }),
        Some((o, "weighted")) => {
            if no_weights {
                ctx.at(&place(f, o), "`order = \"weighted\"` cần `weights = { ma-ban-tin = 3, ... }` trong chiến dịch");
            }
            Some(Order::Weighted)
        }
        Some((o, other)) => {
            ctx.at(&place(f, o), format!("thứ tự `{other}` không hợp lệ: viết `sequential` (lần lượt), `shuffle` (xáo trộn có hạt giống) hoặc `weighted` (theo trọng số)"));
            None
        }
    };
    if let (Some(seed), Some(order)) = (&raw.seed, order)
        && !matches!(order, Order::Shuffle { .. })
    {
        ctx.at(&place(f, seed), "`seed` chỉ dùng với `order = \"shuffle\"`");
    }
    let relay = match &raw.relay {
        None => Some(None),
        Some(url) => match RelayUrl::parse(url.get_ref()) {
            Some(u) => Some(Some(u)),
            None => {
                ctx.at(
                    &place(f, url),
                    format!(
                        "`relay = \"{}\"` không hợp lệ: viết địa chỉ luồng MP3/OGG bắt đầu bằng http:// hoặc https://, ví dụ `relay = \"http://radio.example.vn/vov1.mp3\"`",
                        url.get_ref()
                    ),
                );
                None
            }
        },
    };
    if !ok {
        return None;
    }
    Some(Rotation {
        id: id?,
        slots,
        slot_seconds: slot_seconds?,
        order: order?,
        spacing: raw.spacing.as_ref().map_or(0, |s| *s.get_ref()),
        relay: relay?,
    })
}
