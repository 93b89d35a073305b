//! Matching planned and airing cells, and rolling them up into rows and area totals.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};

use super::AiringCell;
use super::{
    AreaTotals, GroupBy, Names, PlannedCell, Report, ReportInputs, ReportStation, Row, Source,
    StationFacts, StationTotals, Tally, UNREPORTED,
};
use crate::domain::{AreaId, AreaTree, Outcome, Reason};

/// The finest key cells are matched under: everything a cell carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CellKey {
    station: String,
    day: Option<NaiveDate>,
    campaign: String,
    segment: String,
    priority: String,
}

/// Matches planned and airing cells into one tally per finest key (so `unreported` and
/// `extra` are found per item group, never netted across stations or days).
fn match_cells(planned: &[PlannedCell], airings: &[AiringCell]) -> HashMap<CellKey, Tally> {
    let mut out: HashMap<CellKey, Tally> = HashMap::new();
    let key = |station: &str, day, campaign: &str, segment: &str, priority: &str| CellKey {
        station: station.to_owned(),
        day,
        campaign: campaign.to_owned(),
        segment: segment.to_owned(),
        priority: priority.to_owned(),
    };
    for c in planned {
        let t = out
            .entry(key(&c.station, c.day, &c.campaign, &c.segment, &c.priority))
            .or_default();
        t.planned += c.count;
        if c.due {
            t.due_ms += c.duration_ms;
        } else {
            t.upcoming += c.count;
        }
    }
    for c in airings {
        let t = out
            .entry(key(&c.station, c.day, &c.campaign, &c.segment, &c.priority))
            .or_default();
        match c.source {
            Source::Planned => {
                t.aired_ms += c.aired_ms;
                let slot = match c.outcome {
                    Outcome::Aired => &mut t.aired,
                    Outcome::Partial => &mut t.partial,
                    Outcome::Missed => &mut t.missed,
                    Outcome::Failed => &mut t.failed,
                    Outcome::Preempted => &mut t.preempted,
                };
                *slot += c.count;
                if Reason::parse(&c.reason) == Some(Reason::LateStart) {
                    t.late_start += c.count;
                }
                if c.outcome != Outcome::Aired {
                    let reason = if c.reason.is_empty() {
                        c.outcome.as_str().to_owned()
                    } else {
                        c.reason.clone()
                    };
                    *t.reasons.entry(reason).or_default() += c.count;
                }
            }
            Source::Fallback => {
                t.fallback += c.count;
                t.unplanned_ms += c.aired_ms;
            }
            Source::Emergency => {
                t.emergency += c.count;
                t.unplanned_ms += c.aired_ms;
            }
        }
    }
    for t in out.values_mut() {
        let reported = t.aired + t.partial + t.missed + t.failed + t.preempted;
        let due = t.due();
        if reported < due {
            t.unreported = due - reported;
            *t.reasons.entry(UNREPORTED.to_owned()).or_default() += t.unreported;
        } else {
            t.extra = reported.saturating_sub(t.planned);
        }
    }
    out
}

/// Builds the report, rows split by `by`.
pub fn aggregate(inputs: &ReportInputs<'_>, by: GroupBy) -> Report {
    let ReportInputs {
        tree,
        root,
        stations,
        facts,
        names,
        planned,
        airings,
    } = *inputs;
    let cells = match_cells(planned, airings);
    let station_index: HashMap<&str, usize> = stations
        .iter()
        .enumerate()
        .map(|(i, s)| (s.code.as_str(), i))
        .collect();
    let mut per_station = vec![Tally::default(); stations.len()];
    let mut per_station_campaign: Vec<BTreeMap<String, Tally>> =
        vec![BTreeMap::new(); stations.len()];
    let mut grouped: BTreeMap<String, (String, Tally)> = BTreeMap::new();
    let mut total = Tally::default();
    for (k, t) in &cells {
        let Some(&si) = station_index.get(k.station.as_str()) else {
            // Not a station of this report (the store asked for more than it covers).
            continue;
        };
        per_station[si].add(t);
        total.add(t);
        if !k.campaign.is_empty() {
            per_station_campaign[si]
                .entry(k.campaign.clone())
                .or_default()
                .add(t);
        }
        if let Some((key, label)) = row_key(by, k, &stations[si], names) {
            grouped
                .entry(key)
                .or_insert_with(|| (label, Tally::default()))
                .1
                .add(t);
        }
    }
    let areas = area_totals(
        tree,
        root,
        stations,
        facts,
        &per_station,
        &per_station_campaign,
    );
    let rows = match by {
        GroupBy::Area => areas
            .iter()
            .map(|a| {
                let area = tree.area(a.area);
                Row {
                    key: area.code.as_str().to_owned(),
                    label: area.name.clone(),
                    area: Some((a.area, a.depth)),
                    tally: a.tally.clone(),
                }
            })
            .collect(),
        GroupBy::Station => stations
            .iter()
            .zip(&per_station)
            .map(|(s, t)| Row {
                key: s.code.clone(),
                label: s.name.clone(),
                area: None,
                tally: t.clone(),
            })
            .collect(),
        _ => grouped
            .into_iter()
            .map(|(key, (label, tally))| Row {
                key,
                label,
                area: None,
                tally,
            })
            .collect(),
    };
    let stations = stations
        .iter()
        .zip(per_station.into_iter().zip(per_station_campaign))
        .map(|(s, (tally, by_campaign))| StationTotals {
            station: s.clone(),
            tally,
            by_campaign,
            facts: facts.get(&s.code).cloned().unwrap_or_default(),
        })
        .collect();
    Report {
        rows,
        total,
        stations,
        areas,
    }
}

/// The row a cell falls in for the grouped kinds (campaign, segment, …), or `None`
/// when the cell has nothing to say there (a fallback record has no campaign).
fn row_key(
    by: GroupBy,
    k: &CellKey,
    station: &ReportStation,
    names: &Names,
) -> Option<(String, String)> {
    let named = |map: &HashMap<String, String>, id: &str| {
        map.get(id).cloned().unwrap_or_else(|| id.to_owned())
    };
    Some(match by {
        GroupBy::Station | GroupBy::Area => (station.code.clone(), station.name.clone()),
        GroupBy::Campaign if k.campaign.is_empty() => return None,
        GroupBy::Campaign => (k.campaign.clone(), named(&names.campaigns, &k.campaign)),
        GroupBy::Segment if k.segment.is_empty() => return None,
        GroupBy::Segment => {
            let title = names.segments.get(&k.segment).map(|(t, _)| t.clone());
            (
                k.segment.clone(),
                title.unwrap_or_else(|| k.segment.clone()),
            )
        }
        GroupBy::Language => {
            let lang = names.segments.get(&k.segment).map(|(_, l)| l.clone())?;
            (lang.clone(), lang)
        }
        GroupBy::Priority if k.priority.is_empty() => return None,
        GroupBy::Priority => (k.priority.clone(), k.priority.clone()),
        GroupBy::Day => {
            let d = k.day?;
            (
                d.format("%Y-%m-%d").to_string(),
                d.format("%d/%m/%Y").to_string(),
            )
        }
        GroupBy::Week => {
            let d = k.day?;
            let w = d.iso_week();
            let monday = NaiveDate::from_isoywd_opt(w.year(), w.week(), chrono::Weekday::Mon)?;
            let sunday = monday + chrono::Days::new(6);
            (
                format!("{}-W{:02}", w.year(), w.week()),
                format!(
                    "Tuần {} ({} – {})",
                    w.week(),
                    monday.format("%d/%m/%Y"),
                    sunday.format("%d/%m/%Y")
                ),
            )
        }
        GroupBy::Month => {
            let d = k.day?;
            (
                d.format("%Y-%m").to_string(),
                format!("Tháng {}/{}", d.month(), d.year()),
            )
        }
    })
}

/// Sums stations into every area under `root`, parents before children.
fn area_totals(
    tree: &AreaTree,
    root: Option<AreaId>,
    stations: &[ReportStation],
    facts: &HashMap<String, StationFacts>,
    per_station: &[Tally],
    per_station_campaign: &[BTreeMap<String, Tally>],
) -> Vec<AreaTotals> {
    let root_depth = root.map_or(0, |r| tree.depth(r));
    let mut index: HashMap<AreaId, usize> = HashMap::new();
    let mut out: Vec<AreaTotals> = Vec::new();
    for id in tree.ids() {
        if root.is_none_or(|r| tree.is_within(id, r)) {
            index.insert(id, out.len());
            out.push(AreaTotals {
                area: id,
                depth: tree.depth(id) - root_depth,
                tally: Tally::default(),
                by_campaign: BTreeMap::new(),
                chain_breaks: 0,
                silent_stations: 0,
            });
        }
    }
    for (i, s) in stations.iter().enumerate() {
        let f = facts.get(&s.code).cloned().unwrap_or_default();
        // The station's own area and each ancestor up to the root.
        for id in tree.ancestors(s.area) {
            let Some(&ai) = index.get(&id) else { break };
            let a = &mut out[ai];
            a.tally.add(&per_station[i]);
            for (c, t) in &per_station_campaign[i] {
                a.by_campaign.entry(c.clone()).or_default().add(t);
            }
            a.chain_breaks += u64::from(f.chain_breaks > 0);
            a.silent_stations += u64::from(!f.heard);
            if Some(id) == root {
                break;
            }
        }
    }
    out
}
