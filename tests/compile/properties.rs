//! Property tests: for random windows, slot rules near and across window edges, slot
//! lengths, durations, validity dates, priorities, orders and spacing, every plan keeps
//! the compiler's guarantees.

use chrono::Duration;
use proptest::prelude::*;

use super::invariants::{assert_all, assert_spacing, local_date};
use crate::support::{
    Scenario, campaign, date, plan, rotation, segment_ms, station, windows as build_windows,
};
use loa::domain::{Order, Priority};

const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const DAY_OF_WEEK: [&str; 7] = ["*", "1-5", "0", "7", "6,7", "mon-fri", "*/2"];
const BASE: &str = "2026-10-05";
/// Campaign targets: mostly subtrees holding the station, sometimes a neighbour.
const AREAS: [&str; 7] = ["06", "058", "01834", "06", "058", "01834", "01837"];

#[derive(Debug, Clone)]
struct SegmentCase {
    duration_ms: u32,
    tay: bool,
    group: u8,
    valid_from: Option<i64>,
    valid_days: Option<i64>,
}

#[derive(Debug, Clone)]
struct RuleCase {
    minute: u16,
    /// `*/step` in the minute field instead of one minute: overlapping slots.
    step: Option<u16>,
    near_window: Option<(usize, i16)>,
    hour: u16,
    day_of_week: usize,
}

#[derive(Debug, Clone)]
struct RotationCase {
    rules: Vec<RuleCase>,
    slot_seconds: u32,
    order: u8,
    seed: u64,
    spacing: u32,
}

#[derive(Debug, Clone)]
struct CampaignCase {
    priority: bool,
    from: i64,
    days: i64,
    area: usize,
    pool: Vec<(usize, u32)>,
    min_per_day: u32,
    rotations: Vec<RotationCase>,
}

#[derive(Debug, Clone)]
struct Case {
    /// Sorted, distinct boundaries in 5-minute steps, paired into windows.
    boundaries: Vec<u16>,
    day_masks: Vec<u8>,
    /// Trim of the first window, in 5-minute steps, for a station that narrows it.
    narrow: Option<(u16, u16)>,
    tay_station: bool,
    segments: Vec<SegmentCase>,
    campaigns: Vec<CampaignCase>,
    from: i64,
    days: u32,
}

fn segment_case() -> impl Strategy<Value = SegmentCase> {
    (
        5_000u32..400_000,
        any::<bool>(),
        0u8..4,
        prop::option::weighted(0.3, -5i64..20),
        prop::option::weighted(0.3, 0i64..20),
    )
        .prop_map(
            |(duration_ms, tay, group, valid_from, valid_days)| SegmentCase {
                duration_ms,
                tay,
                group,
                valid_from,
                valid_days,
            },
        )
}

fn rule_case() -> impl Strategy<Value = RuleCase> {
    (
        0u16..60,
        prop::option::weighted(0.25, 3u16..30),
        prop::option::weighted(0.85, (0usize..3, -1i16..=1)),
        0u16..24,
        0usize..DAY_OF_WEEK.len(),
    )
        .prop_map(|(minute, step, near_window, hour, day_of_week)| RuleCase {
            minute,
            step,
            near_window,
            hour,
            day_of_week,
        })
}

fn rotation_case() -> impl Strategy<Value = RotationCase> {
    (
        prop::collection::vec(rule_case(), 1..=3),
        30u32..=3600,
        0u8..3,
        any::<u64>(),
        0u32..4,
    )
        .prop_map(|(rules, slot_seconds, order, seed, spacing)| RotationCase {
            rules,
            slot_seconds,
            order,
            seed,
            spacing,
        })
}

fn campaign_case() -> impl Strategy<Value = CampaignCase> {
    (
        any::<bool>(),
        -5i64..10,
        3i64..25,
        0usize..AREAS.len(),
        prop::collection::vec((0usize..6, 1u32..5), 1..=4),
        0u32..3,
        prop::collection::vec(rotation_case(), 1..=2),
    )
        .prop_map(
            |(priority, from, days, area, pool, min_per_day, rotations)| CampaignCase {
                priority,
                from,
                days,
                area,
                pool,
                min_per_day,
                rotations,
            },
        )
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::btree_set(0u16..=288, 2..=6),
        prop::collection::vec(1u8..=127, 3),
        prop::option::of((0u16..4, 0u16..4)),
        any::<bool>(),
        prop::collection::vec(segment_case(), 1..=6),
        prop::collection::vec(campaign_case(), 1..=3),
        -3i64..10,
        1u32..=14,
    )
        .prop_map(
            |(boundaries, day_masks, narrow, tay_station, segments, campaigns, from, days)| Case {
                boundaries: boundaries.into_iter().collect(),
                day_masks,
                narrow,
                tay_station,
                segments,
                campaigns,
                from,
                days,
            },
        )
}

fn hm(step: u16) -> String {
    let minutes = step * 5;
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn day_string(base: i64) -> String {
    (date(BASE) + Duration::days(base))
        .format("%Y-%m-%d")
        .to_string()
}

impl Case {
    /// The province's windows as (days, range), and their start hours.
    fn windows(&self) -> Vec<(String, String, u16)> {
        self.boundaries
            .chunks_exact(2)
            .zip(&self.day_masks)
            .map(|(pair, mask)| {
                let days: Vec<&str> = (0..7)
                    .filter(|d| mask & (1 << d) != 0)
                    .map(|d| DAY_NAMES[d])
                    .collect();
                (
                    days.join(","),
                    format!("{}-{}", hm(pair[0]), hm(pair[1])),
                    pair[0] * 5 / 60,
                )
            })
            .collect()
    }

    /// The station's own window, narrowing the first province window, if any.
    fn station_window(&self) -> Option<(String, String)> {
        let (trim_start, trim_end) = self.narrow?;
        let (start, end) = (
            self.boundaries[0] + trim_start,
            self.boundaries[1].checked_sub(trim_end)?,
        );
        let (days, _, _) = self.windows().into_iter().next()?;
        (start < end).then(|| (days, format!("{}-{}", hm(start), hm(end))))
    }

    fn scenario(&self) -> Scenario {
        let windows = self.windows();
        let pairs: Vec<(&str, &str)> = windows
            .iter()
            .map(|(d, r, _)| (d.as_str(), r.as_str()))
            .collect();
        let mut st = station("01834").languages(if self.tay_station {
            &["tyz", "vi"]
        } else {
            &["vi"]
        });
        if let Some((days, range)) = self.station_window() {
            st = st.windows(&[(days.as_str(), range.as_str())]);
        }
        let mut scenario = Scenario::province().area_windows("06", &pairs).station(st);
        for (i, s) in self.segments.iter().enumerate() {
            let from = s.valid_from.map(day_string);
            let until = match (s.valid_from, s.valid_days) {
                (Some(f), Some(n)) => Some(day_string(f + n)),
                (None, Some(n)) => Some(day_string(n - 5)),
                (_, None) => None,
            };
            let spec = segment_ms(&format!("s{i}"), s.duration_ms)
                .lang(if s.tay { "tyz" } else { "vi" })
                .group(&format!("g{}", s.group))
                .valid(from.as_deref(), until.as_deref());
            scenario = scenario.segment(spec);
        }
        for (ci, c) in self.campaigns.iter().enumerate() {
            let pool: Vec<(String, u32)> = c
                .pool
                .iter()
                .map(|&(s, w)| (format!("s{}", s % self.segments.len()), w))
                .collect();
            let mut messages: Vec<u8> = c
                .pool
                .iter()
                .map(|&(s, _)| self.segments[s % self.segments.len()].group)
                .collect();
            messages.sort_unstable();
            messages.dedup();
            let pool_refs: Vec<(&str, u32)> = pool.iter().map(|(s, w)| (s.as_str(), *w)).collect();
            let mut spec = campaign(&format!("c{ci}"))
                .dates(&day_string(c.from), &day_string(c.from + c.days))
                .areas(&[AREAS[c.area]])
                .priority(if c.priority {
                    Priority::Priority
                } else {
                    Priority::Normal
                })
                .weighted_pool(&pool_refs)
                .min_per_day(c.min_per_day);
            for r in &c.rotations {
                let rules: Vec<String> = r
                    .rules
                    .iter()
                    .map(|rule| self.rule(rule, &windows))
                    .collect();
                let rules: Vec<&str> = rules.iter().map(String::as_str).collect();
                let order = match r.order {
                    0 => Order::Sequential,
                    1 => Order::Shuffle { seed: r.seed },
                    _ => Order::Weighted,
                };
                let spacing = r.spacing % messages.len() as u32;
                spec = spec.rotation(
                    rotation(&rules, r.slot_seconds)
                        .order(order)
                        .spacing(spacing),
                );
            }
            scenario = scenario.campaign(spec);
        }
        scenario
    }

    /// A crontab rule, its hour often next to a window's start.
    fn rule(&self, rule: &RuleCase, windows: &[(String, String, u16)]) -> String {
        let hour = match rule.near_window {
            Some((w, delta)) => (windows[w % windows.len()].2 as i16 + delta).clamp(0, 23) as u16,
            None => rule.hour,
        };
        let minute = rule
            .step
            .map_or(rule.minute.to_string(), |step| format!("*/{step}"));
        format!("{minute} {hour} * * {}", DAY_OF_WEEK[rule.day_of_week])
    }

    /// The windows the station really has.
    fn expected_windows(&self) -> loa::domain::Windows {
        match self.station_window() {
            Some((days, range)) => build_windows(&[(days.as_str(), range.as_str())]),
            None => {
                let windows = self.windows();
                let pairs: Vec<(&str, &str)> = windows
                    .iter()
                    .map(|(d, r, _)| (d.as_str(), r.as_str()))
                    .collect();
                build_windows(&pairs)
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_plan_keeps_the_guarantees(case in case()) {
        let inputs = case.scenario().build();
        let from = day_string(case.from);
        let compiled = plan(&inputs, "01834", &from, case.days);
        let items = &compiled.playlist.items;
        assert_all(&inputs, &case.expected_windows(), items);
        assert_spacing(&inputs, items, true);

        // Determinism: fresh inputs, same plan, same diagnostics.
        let again = plan(&case.scenario().build(), "01834", &from, case.days);
        prop_assert_eq!(&compiled, &again);

        // Rolling horizon: starting later changes nothing on the shared days.
        let shift = i64::from(case.days / 2).max(1);
        let later = plan(&inputs, "01834", &day_string(case.from + shift), case.days);
        let cut = date(&from) + Duration::days(shift);
        let shared = |items: &[loa::domain::Item]| -> Vec<loa::domain::Item> {
            let end = date(&from) + Duration::days(i64::from(case.days));
            items.iter().filter(|i| local_date(i) >= cut && local_date(i) < end).cloned().collect()
        };
        prop_assert_eq!(shared(items), shared(&later.playlist.items));
    }
}
