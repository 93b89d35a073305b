//! The schedule files' adapter to the checkers of [`crate::domain::check`]: raw
//! entries become drafts, and each problem's field path becomes the place it was
//! written (`file:line:column`).
//!
//! Only what is particular to TOML is checked here: dates written as TOML dates and
//! slot lengths written `"5m"`. Every other rule, and its message, is the checker's.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use toml::Spanned;

use super::convert::{Ctx, Place, date_of, place};
use super::raw::{RawCampaign, RawRotation, RawStation, RawWindow, RawWindowSpec};
use super::suggest;
use crate::domain::check::{
    CampaignDraft, FieldPath, FieldProblem, Missing, Notation, Origin, RotationDraft, StationDraft,
    Step, Syntax, WindowDraft, check_campaign, check_station, check_windows,
};
use crate::domain::{
    AreaCode, AreaId, AreaTree, Campaign, SegmentIdx, Station, Windows, area_hint,
};

impl Ctx<'_> {
    /// Reports `problems`, each at the place `locate` gives its field (inside a
    /// crontab rule, at the character the checker points to).
    fn report(&mut self, problems: Vec<FieldProblem>, locate: impl Fn(&FieldPath) -> Place) {
        for p in problems {
            let (f, span) = locate(&p.path);
            let problem = match p.offset {
                // +1 skips the opening quote of the TOML string.
                Some(offset) => self.sources[f].problem_at(span.start + 1 + offset, p.message),
                None => self.sources[f].problem(&span, p.message),
            };
            self.problems.push(problem);
        }
    }

    /// A schedule file's notation: another field is named by its line.
    fn with_notation<T>(
        &self,
        locate: &impl Fn(&FieldPath) -> Place,
        check: impl FnOnce(&Notation<'_>) -> T,
    ) -> T {
        let sources = self.sources;
        let mention = |path: &FieldPath| {
            let (f, span) = locate(path);
            format!("ở dòng {}", sources[f].problem(&span, "").line)
        };
        check(&Notation {
            syntax: Syntax::ScheduleFile,
            mention: &mention,
        })
    }
}

fn item<T>(list: &[Spanned<T>], i: usize, or: Range<usize>) -> Range<usize> {
    list.get(i).map_or(or, Spanned::span)
}

fn window_draft<'a>(
    days: Option<&'a Spanned<String>>,
    times: &'a [Spanned<String>],
) -> WindowDraft<'a> {
    WindowDraft {
        days: days.map(|d| d.get_ref().as_str()),
        times: times.iter().map(|t| t.get_ref().as_str()).collect(),
    }
}

/// Where a window entry's field was written: `entry` is the entry's own span.
fn window_span(
    entry: Range<usize>,
    days: Option<&Spanned<String>>,
    times: &[Spanned<String>],
    rest: &[Step],
) -> Range<usize> {
    match rest {
        [Step::Key("days")] => days.map_or(entry, Spanned::span),
        [Step::Key("times"), Step::Index(j)] => item(times, *j, entry),
        // An entry without `times`: where its days are written, or the entry itself.
        _ => days.map_or(entry, Spanned::span),
    }
}

/// The area a `[[window]]` names, or its problem reported there.
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
        ctx.at(
            &place(f, code),
            format!(
                "đơn vị `{}` không có trong danh sách đơn vị hành chính{}",
                code.get_ref(),
                area_hint(tree, code.get_ref())
            ),
        );
    }
    found
}

/// The `[[window]]` entries of one area, with the file each is in.
type Entries<'a> = Vec<(usize, &'a Spanned<RawWindow>)>;

/// The windows of each area, from every `[[window]]` naming it, and the place of each
/// range (in the order given to [`Windows::new`]).
pub(super) fn area_windows(
    ctx: &mut Ctx<'_>,
    tree: &AreaTree,
    entries: &[(usize, Spanned<RawWindow>)],
) -> (HashMap<AreaId, Windows>, HashMap<AreaId, Vec<Place>>) {
    // In the order areas are first written, so problems come out in a stable order.
    let mut by_area: Vec<(AreaId, Entries<'_>)> = Vec::new();
    for (f, w) in entries {
        let Some(area) = resolve_area(ctx, tree, *f, &w.get_ref().area) else {
            continue;
        };
        match by_area.iter_mut().find(|(a, _)| *a == area) {
            Some((_, list)) => list.push((*f, w)),
            None => by_area.push((area, vec![(*f, w)])),
        }
    }
    let mut windows = HashMap::new();
    let mut places = HashMap::new();
    for (area, list) in by_area {
        let drafts: Vec<WindowDraft<'_>> = list
            .iter()
            .map(|(_, w)| window_draft(w.get_ref().days.as_ref(), &w.get_ref().times))
            .collect();
        let locate = |path: &FieldPath| -> Place {
            let (f, w) = match path.steps() {
                [_, Step::Index(i), ..] => list[(*i).min(list.len() - 1)],
                _ => list[0],
            };
            let raw = w.get_ref();
            let rest = path.steps().get(2..).unwrap_or_default();
            (
                f,
                window_span(w.span(), raw.days.as_ref(), &raw.times, rest),
            )
        };
        let mut problems = Vec::new();
        let path = FieldPath::root().key("windows");
        let (checked, paths) =
            ctx.with_notation(&locate, |n| check_windows(&drafts, &path, n, &mut problems));
        ctx.report(problems, locate);
        if let Some(w) = checked {
            windows.insert(area, w);
        }
        places.insert(area, paths.iter().map(&locate).collect());
    }
    (windows, places)
}

fn station_place(f: usize, raw: &RawStation, path: &FieldPath) -> Place {
    let code = raw.code.span();
    let languages = raw.languages.as_ref();
    let span = match path.steps() {
        [Step::Key("area")] => raw.area.span(),
        [Step::Key("name")] => raw.name.as_ref().map_or(code, Spanned::span),
        [Step::Key("languages")] => languages.map_or(code, Spanned::span),
        [Step::Key("languages"), Step::Index(i)] => {
            languages.map_or(code.clone(), |l| item(l.get_ref(), *i, l.span()))
        }
        [Step::Key("timezone")] => raw.timezone.as_ref().map_or(code, Spanned::span),
        [Step::Key("windows"), Step::Index(i), rest @ ..] => {
            match raw.windows.as_ref().and_then(|w| w.get(*i)) {
                Some(w) => {
                    let spec: &RawWindowSpec = w.get_ref();
                    window_span(w.span(), spec.days.as_ref(), &spec.times, rest)
                }
                None => code,
            }
        }
        _ => code,
    };
    (f, span)
}

/// A `[[station]]` through the station checker; the station and the place of each of
/// its windows' ranges.
pub(super) fn station(
    ctx: &mut Ctx<'_>,
    tree: &AreaTree,
    f: usize,
    s: &Spanned<RawStation>,
) -> Option<(Station, Vec<Place>)> {
    let raw = s.get_ref();
    let draft = StationDraft {
        code: raw.code.get_ref(),
        area: raw.area.get_ref(),
        name: raw.name.as_ref().map(|n| n.get_ref().as_str()),
        languages: raw
            .languages
            .as_ref()
            .map(|l| l.get_ref().iter().map(|x| x.get_ref().as_str()).collect()),
        timezone: raw.timezone.as_ref().map(|t| t.get_ref().as_str()),
        windows: raw.windows.as_ref().map(|specs| {
            specs
                .iter()
                .map(|w| window_draft(w.get_ref().days.as_ref(), &w.get_ref().times))
                .collect()
        }),
        target_lufs: None,
    };
    let locate = |path: &FieldPath| station_place(f, raw, path);
    match ctx.with_notation(&locate, |n| check_station(&draft, tree, n)) {
        Ok(c) => Some((c.station, c.window_paths.iter().map(locate).collect())),
        Err(problems) => {
            ctx.report(problems, locate);
            None
        }
    }
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

fn rotation_span(r: &RawRotation, rest: &[Step]) -> Range<usize> {
    let id = r.id.span();
    match rest {
        [Step::Key("slots")] => r.slots.span(),
        [Step::Key("slots"), Step::Index(j)] => item(r.slots.get_ref(), *j, r.slots.span()),
        [Step::Key("slot_seconds")] => r.length.span(),
        [Step::Key("order")] => r.order.as_ref().map_or(id, Spanned::span),
        [Step::Key("seed")] => r.seed.as_ref().map_or(id, Spanned::span),
        [Step::Key("relay")] => r.relay.as_ref().map_or(id, Spanned::span),
        _ => id,
    }
}

fn campaign_place(f: usize, raw: &RawCampaign, path: &FieldPath) -> Place {
    let id = raw.id.span();
    let span = match path.steps() {
        [Step::Key("name")] => raw.name.span(),
        [Step::Key("until")] => raw.until.span(),
        [Step::Key("areas")] => raw.areas.span(),
        [Step::Key("areas"), Step::Index(i)] => item(raw.areas.get_ref(), *i, raw.areas.span()),
        [Step::Key("priority")] => raw.priority.as_ref().map_or(id, Spanned::span),
        [Step::Key("pool")] => raw.pool.span(),
        [Step::Key("pool"), Step::Index(i)] => item(raw.pool.get_ref(), *i, raw.pool.span()),
        [Step::Key("weights"), ..] => raw.weights.as_ref().map_or(id, Spanned::span),
        [Step::Key("rotations"), Step::Index(i), rest @ ..] => raw
            .rotation
            .get(*i)
            .map_or(id, |r| rotation_span(r.get_ref(), rest)),
        // `id`, and `rotations` when none is written: the campaign's id.
        _ => id,
    };
    (f, span)
}

/// A `[[campaign]]` through the campaign checker; the campaign and the place of each
/// rotation's id.
pub(super) fn campaign(
    ctx: &mut Ctx<'_>,
    tree: &AreaTree,
    segments: &HashMap<String, SegmentIdx>,
    declared: &HashSet<&str>,
    f: usize,
    c: &Spanned<RawCampaign>,
) -> Option<(Campaign, Vec<Place>)> {
    let raw = c.get_ref();
    let from = date_of(ctx, f, &raw.from);
    let until = date_of(ctx, f, &raw.until);
    let mut rotations = Vec::new();
    for r in &raw.rotation {
        let r = r.get_ref();
        let slot_seconds = parse_length(r.length.get_ref());
        if slot_seconds.is_none() {
            ctx.at(&place(f, &r.length), format!("độ dài khung `{}` không hợp lệ: viết ví dụ `\"5m\"`, `\"90s\"` hoặc `\"1m30s\"` (tối đa 24h)", r.length.get_ref()));
        }
        rotations.push(RotationDraft {
            id: r.id.get_ref(),
            slots: r
                .slots
                .get_ref()
                .iter()
                .map(|s| s.get_ref().as_str())
                .collect(),
            slot_seconds,
            order: r.order.as_ref().map(|o| o.get_ref().as_str()),
            seed: r.seed.as_ref().map(|s| *s.get_ref()),
            spacing: r.spacing.as_ref().map_or(0, |s| *s.get_ref()),
            relay: r.relay.as_ref().map(|u| u.get_ref().as_str()),
        });
    }
    let draft = CampaignDraft {
        id: raw.id.get_ref(),
        name: raw.name.get_ref(),
        from,
        until,
        areas: raw
            .areas
            .get_ref()
            .iter()
            .map(|a| a.get_ref().as_str())
            .collect(),
        priority: raw.priority.as_ref().map(|p| p.get_ref().as_str()),
        pool: raw
            .pool
            .get_ref()
            .iter()
            .map(|p| p.get_ref().as_str())
            .collect(),
        weights: raw
            .weights
            .as_ref()
            .map(|w| w.get_ref().iter().map(|(k, v)| (k.as_str(), *v)).collect())
            .unwrap_or_default(),
        min_airings_per_day: raw.min_airings_per_day.as_ref().map_or(0, |m| *m.get_ref()),
        rotations,
    };
    let lookup = |sid: &str| match segments.get(sid) {
        Some(&s) => Ok(s),
        None if declared.contains(sid) => Err(Missing::AlreadyReported),
        None => Err(Missing::NotInLibrary {
            near: suggest(sid, segments.keys().map(String::as_str)).map(str::to_owned),
        }),
    };
    let locate = |path: &FieldPath| campaign_place(f, raw, path);
    match ctx.with_notation(&locate, |n| {
        check_campaign(&draft, tree, lookup, Origin::Person, n)
    }) {
        Ok(campaign) => Some((
            campaign,
            raw.rotation
                .iter()
                .map(|r| place(f, &r.get_ref().id))
                .collect(),
        )),
        Err(problems) => {
            ctx.report(problems, locate);
            None
        }
    }
}
