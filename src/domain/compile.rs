//! The playlist compiler: from inputs, a station and a date range, the items that air.
//!
//! For each local day it expands every active rotation's slot rules into slots, clips
//! them to the broadcast windows, and fills them in priority order (`priority` before
//! `normal`, then earlier slots first) so that items never overlap: a later or lower
//! slot gets only the time still free. Segments are never cut: when the next segment
//! does not fit, the next one in order that does is taken.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::inputs::firing_times;
use super::playlist::version_of;
use super::sequence::{Sequence, fnv1a};
use super::{
    Diagnostic, Inputs, Item, ItemId, Playlist, Priority, SegmentIdx, ShortfallReason, StationIdx,
};

/// A compiled playlist and what a person should know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compilation {
    /// The plan.
    pub playlist: Playlist,
    /// Warnings, in the order found (by date, then campaign).
    pub diagnostics: Vec<Diagnostic>,
}

/// Compiles `days` local days starting at `from` for one station.
///
/// Deterministic: the same inputs give the same items and version, and the items of a
/// day do not depend on `from` (a rolling horizon keeps ids stable).
pub fn compile(inputs: &Inputs, station: StationIdx, from: NaiveDate, days: u32) -> Compilation {
    let st = inputs.station(station);
    let windows = inputs.station_windows(station);
    if windows.is_empty() {
        return windowless(inputs, st, from, days);
    }
    let station_seed = fnv1a(st.code.as_str());
    let tree = inputs.tree();

    let mut runs: Vec<Run> = Vec::new();
    let mut diagnostics = Vec::new();
    for (ci, c) in inputs.campaigns().iter().enumerate() {
        let targets_station = c.areas.iter().any(|&root| tree.is_within(st.area, root));
        if !targets_station || c.priority == Priority::Emergency {
            continue;
        }
        let resolved: Vec<Option<SegmentIdx>> = c
            .pool
            .iter()
            .map(|e| variant_for(inputs, st, e.segment))
            .collect();
        let weights: Vec<u32> = c.pool.iter().map(|e| e.weight.max(1)).collect();
        let capacity_ms = mean_duration_ms(inputs, &resolved);
        for (ri, r) in c.rotations.iter().enumerate() {
            runs.push(Run {
                campaign: ci,
                rotation: ri,
                priority: c.priority,
                sequence: Sequence::new(r.order, &weights, station_seed),
                resolved: resolved.clone(),
                // A relay slot is one item whatever its length.
                per_slot: if r.relay.is_some() {
                    1
                } else {
                    (u64::from(r.slot_seconds) * 1000 / capacity_ms.max(1)).max(1)
                },
                day: None,
                g: 0,
                consumed: Vec::new(),
                history: Vec::new(),
                placed_until: 0,
                rule_fired: vec![(0, 0); r.slots.len()],
            });
        }
    }

    let last = from + Duration::days(i64::from(days.max(1)) - 1);
    if days > 0 {
        report_static(inputs, st, &runs, from, last, &mut diagnostics);
    }

    let mut items: Vec<Item> = Vec::new();
    let mut times = Vec::new();
    let mut slots: Vec<Slot> = Vec::new();
    for date in from.iter_days().take(days as usize) {
        let ranges = windows.ranges_on(date.weekday());
        expand_slots(inputs, &mut runs, date, ranges, &mut times, &mut slots);
        let day_start = local_midnight_utc(&st.timezone, date);
        let mut day = Day {
            busy: Vec::new(),
            stats: vec![DayStats::default(); runs.len()],
        };
        let first_item = items.len();
        for slot in &slots {
            fill_slot(
                inputs, st, &mut runs, slot, date, day_start, &mut day, &mut items,
            );
        }
        let day_stats = day.stats;
        items[first_item..].sort_by_key(|i| i.start);
        // Targets count broadcasting days only: a ward that airs Monday to Friday is not
        // short on Saturday.
        if !ranges.is_empty() {
            report_day(
                inputs,
                st.code.as_str(),
                date,
                &runs,
                &day_stats,
                &mut diagnostics,
            );
        }
    }

    report_rules(inputs, station, from, &runs, &mut diagnostics);
    // Stable sort: same-date diagnostics keep the order they were found in.
    diagnostics.sort_by_key(Diagnostic::date);
    let version = version_of(&items, |s| *inputs.segment(s).sha256.as_bytes());
    Compilation {
        playlist: Playlist {
            station: st.code.clone(),
            from,
            days,
            items,
            version,
        },
        diagnostics,
    }
}

/// A station without windows airs nothing: an empty plan and one diagnostic saying why
/// (every rule would otherwise be reported as never inside a window, hiding the cause).
fn windowless(inputs: &Inputs, st: &super::Station, from: NaiveDate, days: u32) -> Compilation {
    let items = Vec::new();
    let version = version_of(&items, |s| *inputs.segment(s).sha256.as_bytes());
    Compilation {
        playlist: Playlist {
            station: st.code.clone(),
            from,
            days,
            items,
            version,
        },
        diagnostics: vec![Diagnostic::NoWindows {
            station: st.code.to_string(),
            date: from,
            area: inputs.tree().area(st.area).code.to_string(),
        }],
    }
}

/// Expands every active rotation's rules on `date` into slots clipped to `ranges`,
/// sorted in filling order: priority first, then start, then campaign order.
fn expand_slots(
    inputs: &Inputs,
    runs: &mut [Run],
    date: NaiveDate,
    ranges: &[(u16, u16)],
    times: &mut Vec<u16>,
    slots: &mut Vec<Slot>,
) {
    slots.clear();
    for (run_index, run) in runs.iter_mut().enumerate() {
        let c = &inputs.campaigns()[run.campaign];
        if !c.is_active_on(date) {
            continue;
        }
        let r = &c.rotations[run.rotation];
        for (k, rule) in r.slots.iter().enumerate() {
            if rule.fires_on(date) {
                let hits = rule
                    .times()
                    .iter()
                    .filter(|&&t| clip(t, r.slot_seconds, ranges).next().is_some())
                    .count();
                run.rule_fired[k].0 += rule.times().len() as u32;
                run.rule_fired[k].1 += hits as u32;
            }
        }
        firing_times(r, date, times);
        for &t in times.iter() {
            for (start, end) in clip(t, r.slot_seconds, ranges) {
                slots.push(Slot {
                    run: run_index,
                    minute: t,
                    start,
                    end,
                });
            }
        }
    }
    slots.sort_by_key(|s| {
        (
            std::cmp::Reverse(runs[s.run].priority),
            s.minute,
            s.run,
            s.start,
        )
    });
}

/// What one local day has placed so far.
struct Day {
    /// Time already taken, as `(start, end, run)` in ms after local midnight, sorted.
    busy: Vec<(i64, i64, usize)>,
    /// Per run, what happened to it today.
    stats: Vec<DayStats>,
}

/// Fills the free time of one slot from its rotation, back to back, never cutting a
/// segment.
#[allow(clippy::too_many_arguments)]
fn fill_slot(
    inputs: &Inputs,
    st: &super::Station,
    runs: &mut [Run],
    slot: &Slot,
    date: NaiveDate,
    day_start: DateTime<Utc>,
    day: &mut Day,
    items: &mut Vec<Item>,
) {
    let run = &mut runs[slot.run];
    run.begin_day(inputs, date);
    let stats = &mut day.stats[slot.run];
    if stats.last_minute != Some(slot.minute) {
        stats.slots += 1;
        stats.last_minute = Some(slot.minute);
    }
    let mut filled_any = false;
    let mut why_empty = None;
    // A rotation airs in time order: a later slot never fills time before what an
    // earlier (overlapping) slot of the same rotation already placed, or spacing, which
    // counts airings in the order they air, would be broken.
    let slot_start = slot.start.max(run.placed_until);
    let relay = inputs.campaigns()[run.campaign].rotations[run.rotation]
        .relay
        .is_some();
    for (gap_start, gap_end) in free_gaps(slot_start, slot.end, &day.busy) {
        if relay {
            // The live stream fills the free time; the pool's next segment stands by.
            match run.pick(inputs, date, i64::MAX) {
                Ok(segment) => {
                    let seg = inputs.segment(segment);
                    let start_ms = day_start.timestamp_millis() + gap_start;
                    let c = &inputs.campaigns()[run.campaign];
                    items.push(Item {
                        id: ItemId::derive(&st.code, start_ms, seg.id.as_str(), c.id.as_str()),
                        start: DateTime::from_timestamp_millis(start_ms).unwrap_or(day_start),
                        duration_ms: u32::try_from(gap_end - gap_start).unwrap_or(u32::MAX),
                        segment,
                        campaign: run.campaign,
                        rotation: run.rotation,
                        priority: run.priority,
                        relay: true,
                    });
                    stats.aired += 1;
                    filled_any = true;
                    insert_busy(&mut day.busy, (gap_start, gap_end, slot.run));
                    run.placed_until = gap_end;
                }
                Err(reason) => why_empty = why_empty.or(reason),
            }
            continue;
        }
        let mut cursor = gap_start;
        loop {
            let segment = match run.pick(inputs, date, gap_end - cursor) {
                Ok(segment) => segment,
                Err(reason) => {
                    why_empty = why_empty.or(reason);
                    break;
                }
            };
            let seg = inputs.segment(segment);
            let start_ms = day_start.timestamp_millis() + cursor;
            let c = &inputs.campaigns()[run.campaign];
            items.push(Item {
                id: ItemId::derive(&st.code, start_ms, seg.id.as_str(), c.id.as_str()),
                start: DateTime::from_timestamp_millis(start_ms).unwrap_or(day_start),
                duration_ms: seg.duration_ms,
                segment,
                campaign: run.campaign,
                rotation: run.rotation,
                priority: run.priority,
                relay: false,
            });
            stats.aired += 1;
            cursor += i64::from(seg.duration_ms);
            filled_any = true;
        }
        if cursor > gap_start {
            insert_busy(&mut day.busy, (gap_start, cursor, slot.run));
            run.placed_until = cursor;
        }
    }
    if filled_any {
        return;
    }
    // Only a slot that aired nothing explains a shortfall; leftover seconds after a
    // full slot are normal.
    if let Some(reason) = why_empty
        && !stats.reasons.contains(&reason)
    {
        stats.reasons.push(reason);
    }
    if let Some(&(_, _, other)) = day
        .busy
        .iter()
        .find(|&&(s, e, r)| r != slot.run && s < slot.end && slot.start < e)
    {
        stats.taken_by = Some(runs[other].campaign);
    }
}

/// One slot instance, clipped to one window range, in ms after local midnight.
#[derive(Debug, Clone, Copy)]
struct Slot {
    run: usize,
    minute: u16,
    start: i64,
    end: i64,
}

/// What happened to one rotation on one day, for the shortfall diagnostic.
#[derive(Debug, Clone, Default)]
struct DayStats {
    slots: u32,
    last_minute: Option<u16>,
    aired: u32,
    taken_by: Option<usize>,
    reasons: Vec<ShortfallReason>,
}

/// One rotation of one campaign at this station, with its walking state.
struct Run {
    campaign: usize,
    rotation: usize,
    priority: Priority,
    sequence: Sequence,
    /// Pool entries resolved to the station's language variant.
    resolved: Vec<Option<SegmentIdx>>,
    /// Nominal items per slot, for the day anchor.
    per_slot: u64,
    day: Option<NaiveDate>,
    /// Next sequence position.
    g: u64,
    /// Positions ahead of `g` already taken (a shorter segment jumped the queue).
    consumed: Vec<u64>,
    /// Messages aired most recently, newest last, at most `spacing` long.
    history: Vec<u32>,
    /// End of the last item placed today, ms after local midnight.
    placed_until: i64,
    /// Per rule: firings in the horizon, and those that reach a window.
    rule_fired: Vec<(u32, u32)>,
}

impl Run {
    fn spacing(&self, inputs: &Inputs) -> usize {
        inputs.campaigns()[self.campaign].rotations[self.rotation].spacing as usize
    }

    /// Anchors the walk at the start of `date`, independent of where compiling began.
    fn begin_day(&mut self, inputs: &Inputs, date: NaiveDate) {
        if self.day == Some(date) {
            return;
        }
        self.day = Some(date);
        self.g = self.per_slot * inputs.firings_before(self.campaign, self.rotation, date);
        self.consumed.clear();
        self.history.clear();
        self.placed_until = 0;
        let spacing = self.spacing(inputs) as u64;
        for pos in self.g.saturating_sub(spacing)..self.g {
            let entry = self.sequence.entry_at(pos);
            if let Some(seg) = self.resolved[entry] {
                self.history.push(message_of(inputs, seg));
            }
        }
    }

    /// Takes the next segment in order that may air on `date` and fits in `room_ms`.
    /// On failure, says why nothing could be taken (if there was a reason beyond an
    /// empty pool).
    fn pick(
        &mut self,
        inputs: &Inputs,
        date: NaiveDate,
        room_ms: i64,
    ) -> Result<SegmentIdx, Option<ShortfallReason>> {
        let spacing = self.spacing(inputs);
        let (mut invalid, mut too_long, mut spaced, mut missing) = (false, false, false, false);
        for j in 0..self.sequence.period() {
            let pos = self.g + j;
            if self.consumed.contains(&pos) {
                continue;
            }
            let Some(seg) = self.resolved[self.sequence.entry_at(pos)] else {
                missing = true;
                continue;
            };
            let segment = inputs.segment(seg);
            if !segment.is_valid_on(date) {
                invalid = true;
                continue;
            }
            if i64::from(segment.duration_ms) > room_ms {
                too_long = true;
                continue;
            }
            let message = message_of(inputs, seg);
            let recent = &self.history[self.history.len().saturating_sub(spacing)..];
            if recent.contains(&message) {
                spaced = true;
                continue;
            }
            if j == 0 {
                self.g += 1;
                while let Some(i) = self.consumed.iter().position(|&p| p == self.g) {
                    self.consumed.swap_remove(i);
                    self.g += 1;
                }
            } else {
                self.consumed.push(pos);
            }
            self.history.push(message);
            if self.history.len() > spacing.max(1) * 2 {
                self.history.drain(..self.history.len() - spacing);
            }
            return Ok(seg);
        }
        Err(if spaced {
            Some(ShortfallReason::Spacing)
        } else if too_long {
            Some(ShortfallReason::SegmentsTooLong)
        } else if invalid {
            Some(ShortfallReason::NoValidSegment)
        } else if missing {
            Some(ShortfallReason::NoLanguageVariant)
        } else {
            None
        })
    }
}

/// Messages are compared by translation group, so a variant counts as its message.
fn message_of(inputs: &Inputs, seg: SegmentIdx) -> u32 {
    inputs.message_of(seg).0
}

/// The variant of `listed`'s message in the station's first language that has one,
/// else Vietnamese, else none.
fn variant_for(inputs: &Inputs, st: &super::Station, listed: SegmentIdx) -> Option<SegmentIdx> {
    let variants = inputs.variants(listed);
    let in_lang = |lang: &super::Language| {
        variants
            .iter()
            .copied()
            .find(|&v| &inputs.segment(v).language == lang)
    };
    st.languages
        .iter()
        .find_map(in_lang)
        .or_else(|| in_lang(&super::Language::vietnamese()))
}

fn mean_duration_ms(inputs: &Inputs, resolved: &[Option<SegmentIdx>]) -> u64 {
    let durations: Vec<u64> = resolved
        .iter()
        .flatten()
        .map(|&s| u64::from(inputs.segment(s).duration_ms))
        .collect();
    if durations.is_empty() {
        return 1;
    }
    durations.iter().sum::<u64>() / durations.len() as u64
}

/// The parts of a slot starting at `minute` for `seconds` that lie inside `ranges`,
/// as ms after local midnight.
fn clip(minute: u16, seconds: u32, ranges: &[(u16, u16)]) -> impl Iterator<Item = (i64, i64)> + '_ {
    let start = i64::from(minute) * 60_000;
    let end = start + i64::from(seconds) * 1000;
    ranges.iter().filter_map(move |&(s, e)| {
        let (s, e) = (i64::from(s) * 60_000, i64::from(e) * 60_000);
        let (a, b) = (start.max(s), end.min(e));
        (a < b).then_some((a, b))
    })
}

/// The free stretches of `[start, end)` given sorted, non-overlapping busy intervals.
fn free_gaps(start: i64, end: i64, busy: &[(i64, i64, usize)]) -> Vec<(i64, i64)> {
    let mut gaps = Vec::new();
    let mut cursor = start;
    for &(s, e, _) in busy {
        if e <= cursor || s >= end {
            continue;
        }
        if s > cursor {
            gaps.push((cursor, s.min(end)));
        }
        cursor = cursor.max(e);
        if cursor >= end {
            break;
        }
    }
    if cursor < end {
        gaps.push((cursor, end));
    }
    gaps
}

fn insert_busy(busy: &mut Vec<(i64, i64, usize)>, interval: (i64, i64, usize)) {
    let at = busy.partition_point(|b| b.0 < interval.0);
    busy.insert(at, interval);
}

/// Local midnight of `date` in `tz`, as UTC. Days that start inside a DST gap start
/// at the first valid instant.
fn local_midnight_utc(tz: &Tz, date: NaiveDate) -> DateTime<Utc> {
    let naive = date.and_time(NaiveTime::MIN);
    match tz.from_local_datetime(&naive).earliest() {
        Some(t) => t.with_timezone(&Utc),
        None => tz
            .from_local_datetime(&(naive + Duration::hours(1)))
            .earliest()
            .map_or_else(|| Utc.from_utc_datetime(&naive), |t| t.with_timezone(&Utc)),
    }
}

fn report_day(
    inputs: &Inputs,
    station: &str,
    date: NaiveDate,
    runs: &[Run],
    stats: &[DayStats],
    out: &mut Vec<Diagnostic>,
) {
    let mut seen = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        let c = &inputs.campaigns()[run.campaign];
        if !c.is_active_on(date) || c.min_airings_per_day == 0 || seen.contains(&run.campaign) {
            continue;
        }
        seen.push(run.campaign);
        let same: Vec<usize> = (i..runs.len())
            .filter(|&j| runs[j].campaign == run.campaign)
            .collect();
        let planned: u32 = same.iter().map(|&j| stats[j].aired).sum();
        if planned >= c.min_airings_per_day {
            continue;
        }
        let slots: u32 = same.iter().map(|&j| stats[j].slots).sum();
        let mut reasons = Vec::new();
        if slots < c.min_airings_per_day {
            reasons.push(ShortfallReason::TooFewSlots { slots });
        }
        for &j in &same {
            if let Some(other) = stats[j].taken_by {
                let reason = ShortfallReason::SlotTakenBy {
                    campaign: inputs.campaigns()[other].name.clone(),
                };
                if !reasons.contains(&reason) {
                    reasons.push(reason);
                }
            }
            for r in &stats[j].reasons {
                if !reasons.contains(r) {
                    reasons.push(r.clone());
                }
            }
        }
        out.push(Diagnostic::TargetNotMet {
            station: station.to_owned(),
            date,
            campaign: c.name.clone(),
            planned,
            target: c.min_airings_per_day,
            reasons,
        });
    }
}

/// Diagnostics that do not depend on filling: language gaps and expiring segments.
fn report_static(
    inputs: &Inputs,
    st: &super::Station,
    runs: &[Run],
    from: NaiveDate,
    last: NaiveDate,
    out: &mut Vec<Diagnostic>,
) {
    let mut seen_campaigns = Vec::new();
    for run in runs {
        let c = &inputs.campaigns()[run.campaign];
        let first = c.from.max(from);
        let end = c.until.min(last);
        if first > end || seen_campaigns.contains(&run.campaign) {
            continue;
        }
        seen_campaigns.push(run.campaign);
        report_short_slots(inputs, st, c, run, first, out);
        let languages: Vec<&str> = st.languages.iter().map(|l| l.label_vi()).collect();
        let mut seen_entries = Vec::new();
        for (entry, resolved) in c.pool.iter().zip(&run.resolved) {
            // A pool may list a segment twice (to air it more often): report it once.
            if seen_entries.contains(&entry.segment) {
                continue;
            }
            seen_entries.push(entry.segment);
            match resolved {
                None => out.push(Diagnostic::NoLanguageVariant {
                    station: st.code.to_string(),
                    date: first,
                    segment: inputs.segment(entry.segment).id.to_string(),
                    campaign: c.name.clone(),
                    languages: languages.join(", "),
                }),
                Some(seg) => {
                    let segment = inputs.segment(*seg);
                    if let Some(until) = segment.valid_until {
                        // Warn when the last valid day falls before the horizon's end (its
                        // last day included) while the campaign runs on past it: a segment
                        // that already expired is a dead pool entry worth knowing about too.
                        if until <= end && until < c.until {
                            out.push(Diagnostic::SegmentExpires {
                                station: st.code.to_string(),
                                date: until,
                                segment: segment.id.to_string(),
                                campaign: c.name.clone(),
                                campaign_until: c.until,
                            });
                        }
                    }
                }
            }
        }
    }
}

/// Reports rotations of `c` whose slot is shorter than every segment `run` (any of
/// the campaign's runs: they share the resolved pool) could air.
fn report_short_slots(
    inputs: &Inputs,
    st: &super::Station,
    c: &super::Campaign,
    run: &Run,
    first: NaiveDate,
    out: &mut Vec<Diagnostic>,
) {
    let Some(shortest_ms) = run
        .resolved
        .iter()
        .flatten()
        .map(|&s| inputs.segment(s).duration_ms)
        .min()
    else {
        return;
    };
    for r in &c.rotations {
        if r.relay.is_none() && u64::from(r.slot_seconds) * 1000 < u64::from(shortest_ms) {
            out.push(Diagnostic::SlotTooShort {
                station: st.code.to_string(),
                date: first,
                campaign: c.name.clone(),
                rotation: r.id.to_string(),
                slot_seconds: r.slot_seconds,
                shortest_ms,
            });
        }
    }
}

/// Reports rules that fired in the horizon but never reached a window. Runs after the
/// days are compiled, since it needs every day's firings.
fn report_rules(
    inputs: &Inputs,
    station: StationIdx,
    from: NaiveDate,
    runs: &[Run],
    out: &mut Vec<Diagnostic>,
) {
    let st = inputs.station(station);
    for run in runs {
        let c = &inputs.campaigns()[run.campaign];
        let r = &c.rotations[run.rotation];
        for (k, &(total, in_window)) in run.rule_fired.iter().enumerate() {
            if total > 0 && in_window == 0 {
                out.push(Diagnostic::RuleNeverInWindow {
                    station: st.code.to_string(),
                    date: c.from.max(from),
                    campaign: c.name.clone(),
                    rotation: r.id.to_string(),
                    rule: r.slots[k].source().to_owned(),
                    windows: inputs.station_windows(station).to_string(),
                });
            }
        }
    }
}
